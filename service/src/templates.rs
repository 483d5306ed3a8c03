//! `GET /v1/templates`: the document models the screener was given
//! (`--templates DIR`), read from each model folder's `template.json`
//! (the template contract, `DESIGN.md` §3).

use std::path::Path;

use serde::{Deserialize, Serialize};

/// One document model, as listed by the API.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub(crate) struct TemplateInfo {
    /// Stable id, e.g. `td3_passport`.
    pub id: String,
    /// Its name in words.
    pub name: String,
    /// `TD1`, `TD2`, `TD3`, `MRVA`, `MRVB`, `FRID` or null (no MRZ).
    #[serde(default)]
    pub mrz_format: Option<String>,
    /// Width and height, millimetres.
    pub size_mm: [f32; 2],
}

/// The templates under `dir` (each sub-folder's `template.json`), sorted by
/// id; unreadable folders are skipped with a warning.
pub(crate) fn list(dir: Option<&Path>) -> Vec<TemplateInfo> {
    let Some(dir) = dir else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<TemplateInfo> = entries
        .filter_map(Result::ok)
        .map(|e| e.path().join("template.json"))
        .filter(|p| p.is_file())
        .filter_map(|p| {
            let parsed = std::fs::read(&p)
                .ok()
                .and_then(|b| serde_json::from_slice::<TemplateInfo>(&b).ok());
            if parsed.is_none() {
                tracing::warn!(path = %p.display(), "skipping an unreadable template.json");
            }
            parsed
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
