//! Generating a dataset: scans, one ground-truth JSON per scan,
//! `index.jsonl` and the templates.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use docscreen_mrz::{Date, parse_lines};
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

use crate::SynthRng;
use crate::digital;
use crate::forge::{self, ForgeryKind, Region};
use crate::model::{DocModel, catalogue};
use crate::person::Person;
use crate::render::{self, Content, DPI};
use crate::scan::{self, ScanParams};
use crate::security;
use crate::text::Fonts;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Number of scans.
    pub count: usize,
    /// Seed: the same seed gives the same bytes.
    pub seed: u64,
    /// Forgery kinds to draw from (all when empty).
    pub kinds: Vec<ForgeryKind>,
    /// Model ids to draw from (all when empty).
    pub models: Vec<String>,
    /// Share of genuine scans.
    pub genuine_fraction: f32,
    /// "Today" for the generated documents (issue and expiry dates).
    pub reference_date: Date,
    /// Clean scans (no rotation, noise or blur; PNG): for tests.
    pub clean: bool,
    /// Share of forgeries (other than counterfeits) made on the scan file
    /// after scanning instead of on paper before it ([`crate::digital`]).
    pub digital_fraction: f32,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            count: 24,
            seed: 1,
            kinds: Vec::new(),
            models: Vec::new(),
            genuine_fraction: 0.4,
            reference_date: Date::new(2026, 1, 1).expect("date"),
            clean: false,
            digital_fraction: 0.5,
        }
    }
}

/// A ground-truth region with its quad in image pixels.
#[derive(Debug, Clone, Serialize)]
pub struct GtRegion {
    /// `forged` or `source`.
    pub role: &'static str,
    /// What is there.
    pub what: String,
    /// Corners in image pixels (document's TL, TR, BR, BL).
    pub quad_px: [[f32; 2]; 4],
    /// `[x, y, w, h]` in document mm.
    pub rect_mm: [f32; 4],
}

/// The ground truth of one scan.
#[derive(Debug, Clone, Serialize)]
pub struct GroundTruth {
    /// Image file name.
    pub file: String,
    /// Index in the dataset.
    pub index: usize,
    /// Template (model) id.
    pub template: String,
    /// Other side of a front/back pair.
    pub pair: Option<String>,
    /// `genuine` or `forged`.
    pub label: &'static str,
    /// Forgery kind, when forged.
    pub kind: Option<ForgeryKind>,
    /// Forgery strength (0 subtle … 1 crude).
    pub strength: Option<f32>,
    /// Where the forgery was made: `physical` (on paper, before the scan)
    /// or `digital` (on the scan file, after it); `details.digital` says how.
    pub medium: Option<&'static str>,
    /// Kind-specific details.
    pub details: serde_json::Value,
    /// MRZ lines as printed.
    pub mrz_lines: Option<Vec<String>>,
    /// Whether the printed MRZ is valid (ICAO 9303).
    pub mrz_valid: Option<bool>,
    /// MRZ format.
    pub mrz_format: Option<&'static str>,
    /// Printed values per field, as printed.
    pub printed: BTreeMap<&'static str, String>,
    /// Forged regions (and copy-move sources).
    pub regions: Vec<GtRegion>,
    /// Document corners in image pixels (TL, TR, BR, BL of the document).
    pub corners_px: [[f32; 2]; 4],
    /// Document size, mm.
    pub size_mm: [f32; 2],
    /// Image size, pixels.
    pub image_size: [u32; 2],
    /// Homography from document mm to image pixels (row-major).
    pub mm_to_px: [f64; 9],
    /// Scan simulation parameters.
    pub scan: ScanParams,
}

/// One generated scan.
#[derive(Debug)]
pub struct Sample {
    /// The encoded image.
    pub bytes: Vec<u8>,
    /// Its ground truth.
    pub truth: GroundTruth,
}

/// The generator's errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// Fonts are missing.
    #[error(transparent)]
    Fonts(#[from] &'static crate::text::FontError),
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An unknown model or kind was asked for.
    #[error("unknown {what} {name:?}; known: {known}")]
    Unknown {
        /// `model` or `kind`.
        what: &'static str,
        /// The name given.
        name: String,
        /// The names accepted.
        known: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + '_ {
    move |source| SynthError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The models a config selects.
///
/// # Errors
/// [`SynthError::Unknown`] for a model id not in the catalogue.
pub fn selected_models(config: &SynthConfig) -> Result<Vec<DocModel>, SynthError> {
    let all = catalogue();
    if config.models.is_empty() {
        return Ok(all);
    }
    config
        .models
        .iter()
        .map(|id| {
            all.iter()
                .find(|m| m.id == id)
                .cloned()
                .ok_or_else(|| SynthError::Unknown {
                    what: "model",
                    name: id.clone(),
                    known: all.iter().map(|m| m.id).collect::<Vec<_>>().join(", "),
                })
        })
        .collect()
}

/// Mixes the dataset seed and the index into one sample seed (`SplitMix64`).
fn sample_seed(seed: u64, index: usize) -> u64 {
    let mut z = seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Seed offset of the digital-edit stream (see `generate_one`).
const DIGITAL_STREAM: u64 = 0xD161_7A1E_D175_0001;

/// The scan parameters of the content a forger pastes: typeset in the editor
/// (no blur, almost no noise) or cut from another scan (its own blur and
/// noise). Only blur and noise change, so the geometry stays aligned.
fn source_params(params: &ScanParams, method: digital::Method, rng: &mut SynthRng) -> ScanParams {
    let mut p = params.clone();
    p.motion_blur = None;
    if matches!(
        method,
        digital::Method::Retyped | digital::Method::Inpainted
    ) {
        p.defocus_sigma = 0.0;
        p.noise_sigma = rng.random_range(0.0f32..0.8);
    } else {
        p.defocus_sigma = rng.random_range(0.0f32..1.5);
        p.noise_sigma = rng.random_range(0.0f32..8.0);
    }
    p
}

/// Generates sample `index` of the dataset.
#[must_use]
#[allow(clippy::too_many_lines)] // one sample, start to end
pub fn generate_one(
    index: usize,
    config: &SynthConfig,
    models: &[DocModel],
    fonts: &Fonts,
) -> Sample {
    let mut rng = SynthRng::seed_from_u64(sample_seed(config.seed, index));
    let model = &models[rng.random_range(0..models.len())];
    let kinds: Vec<ForgeryKind> = if config.kinds.is_empty() {
        ForgeryKind::ALL.to_vec()
    } else {
        config.kinds.clone()
    };
    let applicable: Vec<ForgeryKind> = kinds.into_iter().filter(|k| k.applies_to(model)).collect();
    let forged = !applicable.is_empty() && rng.random::<f32>() >= config.genuine_fraction;
    let kind = forged.then(|| applicable[rng.random_range(0..applicable.len())]);

    // A holder whose data fits the model's MRZ.
    let long_number =
        matches!(model.mrz, Some(docscreen_mrz::Format::Td1)) && rng.random_bool(0.15);
    let (person, mut mrz) = loop {
        let p = Person::random(
            &mut rng,
            model.issuing_state,
            config.reference_date,
            long_number,
        );
        if let Ok(lines) = render::mrz_lines(model, &p) {
            break (p, lines);
        }
    };
    let mut printed = render::printed_values(model, &person);
    let photo = model.portrait.map(|p| {
        let k = DPI / 25.4;
        #[allow(clippy::cast_sign_loss)]
        security::portrait(
            (p.w * k) as u32,
            (p.h * k) as u32,
            model.style.portrait_style,
            &mut rng,
        )
    });
    let mut params = if config.clean {
        ScanParams::clean()
    } else {
        ScanParams::random(&mut rng)
    };
    // Page-size documents are scanned at office resolutions: a 600-dpi A4
    // scan is 35 Mpx, which nothing downstream needs.
    if model.size_mm[0] * model.size_mm[1] > 20_000.0 {
        params.dpi = params.dpi.min(300);
    }
    // Render no finer than the scan needs (faster), never coarser than 150 dpi.
    #[allow(clippy::cast_precision_loss)]
    let render_dpi = (params.dpi as f32).clamp(150.0, DPI);
    let k = render_dpi / 25.4;

    let (render_model, counterfeit_details) = match kind {
        Some(ForgeryKind::Counterfeit) => {
            let (m, d) = forge::counterfeit_model(model, rng.random_range(0.0..1.0), &mut rng);
            (m, Some(d))
        }
        _ => (model.clone(), None),
    };
    // Drawn from a stream of its own so that adding digital forgeries left
    // every other sample of a seed as it was.
    let mut edit_rng = SynthRng::seed_from_u64(sample_seed(config.seed, index) ^ DIGITAL_STREAM);
    let digital = kind
        .filter(|&k| k != ForgeryKind::Counterfeit && !config.clean)
        .filter(|_| edit_rng.random::<f32>() < config.digital_fraction)
        .map(|k| digital::method_for(k, &mut edit_rng));
    let content = Content {
        printed: printed.clone(),
        mrz: mrz.clone(),
        photo,
        copy_seed: rng.random(),
    };
    let mut doc = render::render(&render_model, &content, fonts, k);
    let genuine_image = digital.map(|_| doc.image.clone());
    let mut forgery = kind.map(|kd| {
        forge::forge(
            kd,
            model,
            &mut doc,
            &mut printed,
            &mut mrz,
            &person,
            fonts,
            config.reference_date,
            &mut rng,
        )
    });
    if let (Some(f), Some(d)) = (forgery.as_mut(), counterfeit_details) {
        f.details = d;
    }

    let s = match (digital, genuine_image, forgery.as_mut()) {
        (Some(method), Some(genuine), Some(f)) => {
            // The scanner saw the genuine document; the forger edits its file.
            let source_rng = rng.clone();
            let raw = scan::simulate_raw(&genuine, render_dpi, model.size_mm, &params, &mut rng);
            let (bytes, ext) = scan::encode_image(&raw.pixels, params.encoding);
            let scanned = digital::reopen(&bytes, ext);
            let source = (method != digital::Method::Cloned).then(|| {
                let p = source_params(&params, method, &mut edit_rng);
                scan::simulate_raw(
                    &doc.image,
                    render_dpi,
                    model.size_mm,
                    &p,
                    &mut source_rng.clone(),
                )
            });
            let (bytes, extension, record) = digital::edit(
                method,
                &scanned,
                source.as_ref(),
                &f.regions,
                &raw.mm_to_px,
                model.size_mm,
                &mut edit_rng,
            );
            if let serde_json::Value::Object(m) = &mut f.details {
                m.insert(
                    "digital".into(),
                    serde_json::to_value(&record).unwrap_or_default(),
                );
            }
            raw.with_file(bytes, extension, &params)
        }
        _ => scan::simulate(&doc.image, render_dpi, model.size_mm, &params, &mut rng),
    };
    let to_quad = |r: &Region| {
        let m = r.rect_mm;
        GtRegion {
            role: r.role,
            what: r.what.clone(),
            quad_px: [
                scan::apply(&s.mm_to_px, f64::from(m.x), f64::from(m.y)),
                scan::apply(&s.mm_to_px, f64::from(m.x + m.w), f64::from(m.y)),
                scan::apply(&s.mm_to_px, f64::from(m.x + m.w), f64::from(m.y + m.h)),
                scan::apply(&s.mm_to_px, f64::from(m.x), f64::from(m.y + m.h)),
            ],
            rect_mm: [m.x, m.y, m.w, m.h],
        }
    };
    let mrz_valid = mrz
        .as_ref()
        .map(|l| parse_lines(l, config.reference_date).is_valid());
    let truth = GroundTruth {
        file: format!("{index:06}.{}", s.extension),
        index,
        template: model.id.to_owned(),
        pair: model.pair.map(str::to_owned),
        label: if forgery.is_some() {
            "forged"
        } else {
            "genuine"
        },
        kind,
        strength: forgery.as_ref().map(|f| f.strength),
        medium: forgery.as_ref().map(|_| {
            if digital.is_some() {
                "digital"
            } else {
                "physical"
            }
        }),
        details: forgery
            .as_ref()
            .map_or(serde_json::Value::Null, |f| f.details.clone()),
        mrz_lines: mrz,
        mrz_valid,
        mrz_format: model.mrz.map(docscreen_mrz::Format::as_str),
        printed,
        regions: forgery
            .as_ref()
            .map(|f| f.regions.iter().map(to_quad).collect())
            .unwrap_or_default(),
        corners_px: s.corners_px,
        size_mm: model.size_mm,
        image_size: [s.width, s.height],
        mm_to_px: s.mm_to_px,
        scan: s.params.clone(),
    };
    Sample {
        bytes: s.bytes,
        truth,
    }
}

/// Counts of what a run wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Scans written.
    pub written: usize,
    /// Per model id and label/kind.
    pub counts: BTreeMap<String, BTreeMap<String, usize>>,
    /// Seconds spent.
    pub seconds: f64,
}

/// Writes a dataset into `out`: the scans, `<name>.json` ground truth per
/// scan, `index.jsonl` (one row per scan, in index order) and `templates/`.
///
/// # Errors
/// [`SynthError`] on missing fonts, unknown names or I/O failure.
pub fn write_dataset(
    out: &Path,
    config: &SynthConfig,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Summary, SynthError> {
    let start = std::time::Instant::now();
    let fonts = Fonts::shared()?;
    let models = selected_models(config)?;
    std::fs::create_dir_all(out).map_err(io(out))?;
    let templates = out.join("templates");
    for m in &models {
        crate::template::export(m, fonts, &templates).map_err(io(&templates))?;
    }
    let done = std::sync::atomic::AtomicUsize::new(0);
    let rows: Vec<Result<String, SynthError>> = (0..config.count)
        .into_par_iter()
        .map(|i| {
            let sample = generate_one(i, config, &models, fonts);
            let img = out.join(&sample.truth.file);
            std::fs::write(&img, &sample.bytes).map_err(io(&img))?;
            let gt = out.join(format!("{i:06}.json"));
            let json = serde_json::to_vec_pretty(&sample.truth).map_err(|e| SynthError::Io {
                path: gt.clone(),
                source: std::io::Error::other(e),
            })?;
            std::fs::write(&gt, json).map_err(io(&gt))?;
            let row = serde_json::json!({
                "file": sample.truth.file,
                "label": sample.truth.label,
                "kind": sample.truth.kind,
                "template": sample.truth.template,
                "strength": sample.truth.strength,
                "medium": sample.truth.medium,
                "mrz_valid": sample.truth.mrz_valid,
            });
            progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
            Ok(row.to_string())
        })
        .collect();
    let index = out.join("index.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&index).map_err(io(&index))?);
    let mut summary = Summary::default();
    for row in rows {
        let row = row?;
        writeln!(f, "{row}").map_err(io(&index))?;
        let v: serde_json::Value = serde_json::from_str(&row).unwrap_or_default();
        let t = v["template"].as_str().unwrap_or_default().to_owned();
        let k = v["kind"].as_str().unwrap_or("genuine").to_owned();
        *summary.counts.entry(t).or_default().entry(k).or_default() += 1;
        summary.written += 1;
    }
    f.flush().map_err(io(&index))?;
    summary.seconds = start.elapsed().as_secs_f64();
    Ok(summary)
}
