//! The template registry: document models loaded from folders in the
//! template contract (`DESIGN.md` §3), validated with errors that say what to
//! fix, and prepared once for alignment and zone comparison (reference
//! canvases per pyramid level, anchor patches, a colour canvas).

use std::path::{Path, PathBuf};
use std::time::Instant;

use docscreen_vision::align::{self, Anchor, DEFAULT_LEVELS, Level, Plane};
use docscreen_vision::{Homography, Limits, decode};
use serde::{Deserialize, Serialize};

use crate::ScreenError;
use crate::resemblance::Look;

/// Resolution of the canvas the zone checks compare on, px/mm (≈150 dpi):
/// the alignment's finest level.
pub const ZONE_PX_PER_MM: f64 = 6.0;

/// A zone's kind (the contract's five).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    /// The machine-readable zone.
    Mrz,
    /// A portrait (or ghost portrait).
    Portrait,
    /// Variable personal data, named after its field.
    Text,
    /// Printed identically on every genuine copy.
    Static,
    /// The holder's signature.
    Signature,
}

/// A zone of `template.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneSpec {
    /// Field name for text zones, free name otherwise.
    pub name: String,
    /// The kind.
    pub kind: ZoneKind,
    /// `[x, y, w, h]`, mm from the document's top-left corner.
    pub rect_mm: [f64; 4],
    /// For a portrait: the model prints over it (a seal overlapping the
    /// photo, the background pattern running across it), so every genuine
    /// copy shows that print on the photo (`template.portrait`). Optional,
    /// `false` when absent: an extension of the contract's zone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overprint: bool,
}

impl ZoneSpec {
    /// Whether the point (mm) lies in the zone grown by `grow` mm.
    #[must_use]
    pub fn contains(&self, x: f64, y: f64, grow: f64) -> bool {
        let [zx, zy, zw, zh] = self.rect_mm;
        x >= zx - grow && y >= zy - grow && x <= zx + zw + grow && y <= zy + zh + grow
    }

    /// The zone's corners (mm), clockwise from top-left.
    #[must_use]
    pub fn corners_mm(&self) -> [[f64; 2]; 4] {
        let [x, y, w, h] = self.rect_mm;
        [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
    }
}

/// `template.json` (`DESIGN.md` §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateSpec {
    /// Model id (unique in a registry).
    pub id: String,
    /// Human name.
    pub name: String,
    /// Width and height, mm.
    pub size_mm: [f64; 2],
    /// `TD1`, `TD2`, `TD3`, `MRVA`, `MRVB`, `FRID` or null.
    pub mrz_format: Option<String>,
    /// The blank genuine specimen's file, relative to the folder.
    pub reference_image: String,
    /// The specimen's resolution.
    pub reference_dpi: f64,
    /// Zones.
    pub zones: Vec<ZoneSpec>,
}

/// MRZ formats the contract allows.
pub const MRZ_FORMATS: [&str; 6] = ["TD1", "TD2", "TD3", "MRVA", "MRVB", "FRID"];

impl TemplateSpec {
    /// Every problem with the specification itself (the reference image is
    /// checked when loaded); empty when valid.
    #[must_use]
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let id_ok = !self.id.is_empty()
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !id_ok {
            out.push(format!(
                "id {:?} must be non-empty lowercase letters, digits, '_' or '-'",
                self.id
            ));
        }
        let [w, h] = self.size_mm;
        if !(w.is_finite() && h.is_finite() && w >= 10.0 && h >= 10.0 && w <= 600.0 && h <= 600.0) {
            out.push(format!(
                "size_mm {:?} must be 10-600 mm per side",
                self.size_mm
            ));
        }
        if !(self.reference_dpi.is_finite() && (50.0..=1200.0).contains(&self.reference_dpi)) {
            out.push(format!(
                "reference_dpi {} must be between 50 and 1200",
                self.reference_dpi
            ));
        }
        if let Some(f) = &self.mrz_format
            && !MRZ_FORMATS.contains(&f.as_str())
        {
            out.push(format!(
                "mrz_format {f:?} is not one of {}",
                MRZ_FORMATS.join(", ")
            ));
        }
        if self.reference_image.contains("..") || Path::new(&self.reference_image).is_absolute() {
            out.push(format!(
                "reference_image {:?} must be a file inside the template folder",
                self.reference_image
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for z in &self.zones {
            let [x, y, zw, zh] = z.rect_mm;
            let tol = 0.05;
            if !z.rect_mm.iter().all(|v| v.is_finite()) || zw <= 0.0 || zh <= 0.0 {
                out.push(format!("zone {:?} has an empty or invalid rect_mm", z.name));
            } else if x < -tol || y < -tol || x + zw > w + tol || y + zh > h + tol {
                out.push(format!(
                    "zone {:?} [{x}, {y}, {zw}, {zh}] lies outside the {w} × {h} mm document",
                    z.name
                ));
            }
            if !names.insert(z.name.as_str()) {
                out.push(format!("zone name {:?} is used twice", z.name));
            }
        }
        let mrz_zones = self
            .zones
            .iter()
            .filter(|z| z.kind == ZoneKind::Mrz)
            .count();
        if mrz_zones > 1 {
            out.push("more than one mrz zone".into());
        }
        if self.mrz_format.is_none() && mrz_zones > 0 {
            out.push("an mrz zone but mrz_format is null".into());
        }
        out
    }

    /// The MRZ zone, when there is one.
    #[must_use]
    pub fn mrz_zone(&self) -> Option<&ZoneSpec> {
        self.zones.iter().find(|z| z.kind == ZoneKind::Mrz)
    }

    /// Whether document point (mm) is on static print (a label, title,
    /// emblem: these win over the variable zones they overlap).
    #[must_use]
    pub fn on_static(&self, x: f64, y: f64) -> bool {
        self.zones
            .iter()
            .any(|z| z.kind == ZoneKind::Static && z.contains(x, y, 0.0))
    }

    /// Whether document point (mm) is in a zone of one of `kinds` grown by
    /// `grow` mm.
    #[must_use]
    pub fn on_kind(&self, x: f64, y: f64, grow: f64, kinds: &[ZoneKind]) -> bool {
        self.zones
            .iter()
            .any(|z| kinds.contains(&z.kind) && z.contains(x, y, grow))
    }

    /// Whether document point (mm) is on variable content (text, portrait,
    /// signature, MRZ) grown by `grow` mm.
    #[must_use]
    pub fn on_variable(&self, x: f64, y: f64, grow: f64) -> bool {
        self.zones
            .iter()
            .any(|z| z.kind != ZoneKind::Static && z.contains(x, y, grow))
    }
}

/// A loaded, validated and prepared document model.
#[derive(Debug)]
pub struct Template {
    /// The specification.
    pub spec: TemplateSpec,
    /// The folder it came from.
    pub dir: PathBuf,
    /// sha256 of `template.json` and the reference image's bytes: what the
    /// prepared data depend on.
    pub sha256: String,
    /// Reference canvases, one per alignment level, smoothed
    /// ([`align::smooth`]).
    pub(crate) levels: Vec<Plane>,
    /// Anchors, one list per alignment level.
    pub(crate) anchors: Vec<Vec<Anchor>>,
    /// The design as resemblance compares it (a scan that does not align).
    pub(crate) look: Look,
    /// Time taken to prepare, ms.
    pub prepare_ms: f64,
}

/// The alignment levels used for every template.
pub(crate) const LEVELS: [Level; 3] = DEFAULT_LEVELS;

/// Anchors kept per level.
const ANCHORS_PER_LEVEL: usize = 48;

impl Template {
    /// Loads and prepares the template in `dir`.
    ///
    /// # Errors
    /// Unreadable or invalid `template.json`, a missing, undecodable or
    /// mis-sized reference image, or a model with too little texture to
    /// align to.
    pub fn load(dir: &Path, limits: &Limits) -> Result<Template, ScreenError> {
        let t0 = Instant::now();
        let err = |detail: String| ScreenError::Templates {
            path: dir.to_path_buf(),
            detail,
        };
        let json_path = dir.join("template.json");
        let json = std::fs::read(&json_path)
            .map_err(|e| err(format!("cannot read template.json: {e}")))?;
        let spec: TemplateSpec = serde_json::from_slice(&json)
            .map_err(|e| err(format!("template.json is not a valid template: {e}")))?;
        let problems = spec.problems();
        if !problems.is_empty() {
            return Err(err(problems.join("; ")));
        }
        let ref_path = dir.join(&spec.reference_image);
        let bytes = std::fs::read(&ref_path).map_err(|e| {
            err(format!(
                "cannot read the reference image {}: {e}",
                spec.reference_image
            ))
        })?;
        let decoded = decode(&bytes, limits).map_err(|e| {
            err(format!(
                "the reference image {} cannot be decoded: {e}",
                spec.reference_image
            ))
        })?;
        let Some(page) = decoded.pages.into_iter().next() else {
            return Err(err("the reference image has no page".into()));
        };
        let img = page.image;
        let px_per_mm = spec.reference_dpi / 25.4;
        let want = [spec.size_mm[0] * px_per_mm, spec.size_mm[1] * px_per_mm];
        let got = [f64::from(img.width()), f64::from(img.height())];
        if (got[0] / want[0] - 1.0).abs() > 0.03 || (got[1] / want[1] - 1.0).abs() > 0.03 {
            return Err(err(format!(
                "the reference image is {}×{} px but {} × {} mm at {} dpi needs about {:.0}×{:.0} px",
                img.width(),
                img.height(),
                spec.size_mm[0],
                spec.size_mm[1],
                spec.reference_dpi,
                want[0],
                want[1]
            )));
        }
        // The reference's own mm → px mapping (exactly its pixel grid).
        let mm_to_ref = Homography([
            got[0] / spec.size_mm[0],
            0.0,
            0.0,
            0.0,
            got[1] / spec.size_mm[1],
            0.0,
            0.0,
            0.0,
            1.0,
        ]);
        let grey = docscreen_vision::grey_of(&img);
        let size = spec.size_mm;
        let mut levels = Vec::new();
        let mut anchors = Vec::new();
        for (li, level) in LEVELS.iter().enumerate() {
            let plane = align::smooth(&align::warp_gray(&grey, &mm_to_ref, level.px_per_mm, size));
            // Anchors on what every genuine copy shares, clear of the page
            // edge (a scan's background shows there).
            let edge = 1.0;
            let allowed = |x: f32, y: f32| {
                let (x, y) = (f64::from(x), f64::from(y));
                x > edge
                    && y > edge
                    && x < size[0] - edge
                    && y < size[1] - edge
                    && (spec.on_static(x, y)
                        || if li + 1 < LEVELS.len() {
                            // Coarse levels may also use the background
                            // between the personal data: a small card has
                            // little else, and a patch that the data covers
                            // simply fails to match.
                            !spec.on_kind(
                                x,
                                y,
                                0.5,
                                &[ZoneKind::Portrait, ZoneKind::Signature, ZoneKind::Mrz],
                            )
                        } else {
                            !spec.on_variable(x, y, 0.5)
                        })
            };
            // Static print first: labels, titles and emblems are aperiodic,
            // where a guilloche repeats every millimetre or so and can lock
            // an alignment one period off. The background fills the rest.
            let reach = level.patch_mm / 2.0;
            let near_static = |x: f32, y: f32| {
                allowed(x, y)
                    && spec.zones.iter().any(|z| {
                        z.kind == ZoneKind::Static && z.contains(f64::from(x), f64::from(y), reach)
                    })
            };
            let mut a = align::select_anchors(
                &plane,
                level.px_per_mm,
                level.patch_mm,
                ANCHORS_PER_LEVEL / 2,
                &near_static,
            );
            #[allow(clippy::cast_possible_truncation)]
            let apart = (level.patch_mm * 0.75) as f32;
            let rest = align::select_anchors(
                &plane,
                level.px_per_mm,
                level.patch_mm,
                ANCHORS_PER_LEVEL,
                &allowed,
            );
            for r in rest {
                if a.len() >= ANCHORS_PER_LEVEL {
                    break;
                }
                let clear = a.iter().all(|b| {
                    (b.at_mm[0] - r.at_mm[0])
                        .abs()
                        .max((b.at_mm[1] - r.at_mm[1]).abs())
                        >= apart
                });
                if clear {
                    a.push(r);
                }
            }
            if a.len() < 6 {
                return Err(err(format!(
                    "the reference has too little printed structure outside the variable zones to align to ({} anchors at {} px/mm, 6 needed)",
                    a.len(),
                    level.px_per_mm
                )));
            }
            levels.push(plane);
            anchors.push(a);
        }
        let sha256 = {
            let mut all = json.clone();
            all.extend_from_slice(&bytes);
            docscreen_inference::sha256_hex(&all)
        };
        let look = Look::of_reference(&img, &mm_to_ref, &spec);
        Ok(Template {
            spec,
            dir: dir.to_path_buf(),
            sha256,
            levels,
            anchors,
            look,
            prepare_ms: t0.elapsed().as_secs_f64() * 1e3,
        })
    }

    /// The reference grey canvas at [`ZONE_PX_PER_MM`] (smoothed).
    #[must_use]
    pub(crate) fn zone_grey(&self) -> &Plane {
        &self.levels[self.levels.len() - 1]
    }
}

/// Every template folder under a directory.
#[derive(Debug, Default)]
pub struct TemplateRegistry {
    templates: Vec<Template>,
}

/// The folders holding a `template.json` directly under `dir` (or `dir`
/// itself when it is one), sorted.
///
/// # Errors
/// When `dir` cannot be listed.
pub fn template_dirs(dir: &Path) -> Result<Vec<PathBuf>, ScreenError> {
    if dir.join("template.json").is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let rd = std::fs::read_dir(dir).map_err(|e| ScreenError::Templates {
        path: dir.to_path_buf(),
        detail: format!("cannot list the templates folder: {e}"),
    })?;
    let mut out: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("template.json").is_file())
        .collect();
    out.sort();
    Ok(out)
}

impl TemplateRegistry {
    /// Loads every template folder under `dir`; the first invalid one is an
    /// error (screening against a half-loaded registry would silently skip
    /// a model).
    ///
    /// # Errors
    /// An unlistable folder, no template in it, an invalid template or two
    /// templates with one id.
    pub fn load(dir: &Path, limits: &Limits) -> Result<TemplateRegistry, ScreenError> {
        let dirs = template_dirs(dir)?;
        if dirs.is_empty() {
            return Err(ScreenError::Templates {
                path: dir.to_path_buf(),
                detail: "no template folder (one holding template.json) in it".into(),
            });
        }
        let loaded: Vec<Result<Template, ScreenError>> = {
            use rayon::prelude::*;
            dirs.par_iter().map(|d| Template::load(d, limits)).collect()
        };
        let mut templates = Vec::new();
        for t in loaded {
            let t = t?;
            if templates.iter().any(|o: &Template| o.spec.id == t.spec.id) {
                return Err(ScreenError::Templates {
                    path: t.dir.clone(),
                    detail: format!("template id {:?} is used by another folder", t.spec.id),
                });
            }
            templates.push(t);
        }
        Ok(TemplateRegistry { templates })
    }

    /// The templates, sorted by folder.
    #[must_use]
    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    /// The template with this id.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.spec.id == id)
    }

    /// Number of templates.
    #[must_use]
    pub fn len(&self) -> usize {
        self.templates.len()
    }

    /// Whether there is none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn spec() -> TemplateSpec {
        serde_json::from_str(
            r#"{"id":"td3_passport","name":"P","size_mm":[125.0,88.0],"mrz_format":"TD3",
            "reference_image":"reference.png","reference_dpi":300,
            "zones":[{"name":"portrait","kind":"portrait","rect_mm":[6.0,14.5,32.0,41.0]}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn a_valid_spec_has_no_problems() {
        assert!(spec().problems().is_empty(), "{:?}", spec().problems());
    }

    #[test]
    fn each_problem_is_named() {
        let check = |edit: &dyn Fn(&mut TemplateSpec), want: &str| {
            let mut s = spec();
            edit(&mut s);
            let p = s.problems().join("; ");
            assert!(p.contains(want), "want {want:?} in {p:?}");
        };
        check(
            &|s| s.zones[0].rect_mm = [100.0, 60.0, 40.0, 40.0],
            "outside",
        );
        check(&|s| s.zones[0].rect_mm = [1.0, 1.0, 0.0, 4.0], "empty");
        check(&|s| s.mrz_format = Some("TD4".into()), "mrz_format");
        check(&|s| s.id = "Bad Id".into(), "id");
        check(&|s| s.size_mm = [0.0, 88.0], "size_mm");
        check(&|s| s.reference_dpi = 5.0, "reference_dpi");
        check(
            &|s| s.reference_image = "../x.png".into(),
            "inside the template folder",
        );
        check(
            &|s| {
                let z = s.zones[0].clone();
                s.zones.push(z);
            },
            "used twice",
        );
    }

    #[test]
    fn unknown_zone_kinds_are_refused_when_parsing() {
        let r: Result<TemplateSpec, _> = serde_json::from_str(
            r#"{"id":"a","name":"P","size_mm":[125.0,88.0],"mrz_format":null,
            "reference_image":"r.png","reference_dpi":300,
            "zones":[{"name":"x","kind":"hologram","rect_mm":[1,1,2,2]}]}"#,
        );
        assert!(r.unwrap_err().to_string().contains("hologram"));
    }
}
