//! `GET /v1/templates`: the document models the screener was built with
//! (`--templates DIR`), from its template registry (the template contract,
//! `DESIGN.md` §3).

use docscreen_screen::{Screener, ZoneKind};
use serde::{Deserialize, Serialize};

/// One document model, as listed by the API.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct TemplateInfo {
    /// Stable id, e.g. `utopia_passport_td3`.
    pub id: String,
    /// Its name in words.
    pub name: String,
    /// `TD1`, `TD2`, `TD3`, `MRVA`, `MRVB`, `FRID` or null (no MRZ).
    pub mrz_format: Option<String>,
    /// Width and height, millimetres.
    pub size_mm: [f64; 2],
    /// Zones by kind: how many `mrz`, `portrait`, `text`, `static` and
    /// `signature` zones the model has.
    pub zones: ZoneCounts,
}

/// Zones of a model, counted by kind.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct ZoneCounts {
    /// MRZ zones.
    pub mrz: usize,
    /// Portraits (and ghost portraits).
    pub portrait: usize,
    /// Variable personal data.
    pub text: usize,
    /// Printed identically on every genuine copy.
    pub r#static: usize,
    /// Signatures.
    pub signature: usize,
}

/// The screener's templates, sorted by id.
pub(crate) fn list(screener: &Screener) -> Vec<TemplateInfo> {
    let mut out: Vec<TemplateInfo> = screener
        .templates()
        .templates()
        .iter()
        .map(|t| {
            let mut zones = ZoneCounts::default();
            for z in &t.spec.zones {
                match z.kind {
                    ZoneKind::Mrz => zones.mrz += 1,
                    ZoneKind::Portrait => zones.portrait += 1,
                    ZoneKind::Text => zones.text += 1,
                    ZoneKind::Static => zones.r#static += 1,
                    ZoneKind::Signature => zones.signature += 1,
                }
            }
            TemplateInfo {
                id: t.spec.id.clone(),
                name: t.spec.name.clone(),
                mrz_format: t.spec.mrz_format.clone(),
                size_mm: t.spec.size_mm,
                zones,
            }
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
