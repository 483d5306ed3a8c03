//! The learned check `anomaly.map`: a per-cell map of how likely each
//! 16×16-pixel cell of the document was edited in the file after scanning
//! (retyped, spliced from another file, cloned), from the ONNX model of
//! `models/anomaly/` (trained on the generator's digital forgeries only).
//!
//! The model runs on the grey scan at its own resolution, cropped to the
//! document on the 8-pixel JPEG grid (resampling would erase the traces it
//! reads: a second compression grid, another noise level, a seam). Cells
//! near the document's outline are left out: the paper's own edge is a
//! seam the model was not trained on. The scan score is how far the most
//! suspicious cells (3×3-smoothed, mean of the top 3) stand above the
//! document's median cell, so a scan that is noisy or compressed all over
//! does not score by itself; `models/anomaly/train.py` computes the same
//! score for its validation figures.

#![allow(clippy::many_single_char_names)] // cell grids read best as i, j, w, h

use docscreen_inference::{InferenceError, Model};
use docscreen_vision::Page;
use docscreen_vision::forensics::{components, reduced_grey};
use ndarray::Array4;

use crate::report::{CheckResult, Region, Status};

/// The check's id.
pub(crate) const ANOMALY_CHECK_ID: &str = "anomaly.map";

/// The anomaly model shipped with docscreen (`models/anomaly/`).
pub const EMBEDDED_ANOMALY_MODEL: &[u8] = include_bytes!("../../../models/anomaly/anomaly.onnx");

/// The sha256 its model card records.
pub const EMBEDDED_ANOMALY_SHA256: &str =
    include_str!("../../../models/anomaly/anomaly.onnx.sha256");

/// Output cell size in model-input pixels.
const CELL: usize = 16;
/// Cells whose centre is closer than this to the document's outline (input
/// pixels at 300 dpi, scaled with the scan) are left out.
const EDGE_MARGIN_PX: f32 = 24.0;
/// Documents larger than this many pixels are reduced by an integer factor
/// first (a 600-dpi page): bounded time, at some cost in sensitivity.
const MAX_PIXELS: usize = 3_000_000;
/// Score from which the check warns (set on the tuning seed, see
/// `MODEL_CARD.md`) and from which it fails.
const WARN_AT: f32 = 0.6;
const FAIL_AT: f32 = 0.9;
/// Map score at which the reported score starts (see [`evidence`]).
const EVIDENCE_FROM: f32 = 0.5;
/// A cell is part of a reported region when its smoothed probability is at
/// least this and above the document's median by half the scan score.
const REGION_P: f32 = 0.5;
/// Regions reported at most.
const MAX_REGIONS: usize = 4;

/// The loaded anomaly model.
#[derive(Debug)]
pub struct AnomalyModel {
    model: Model,
}

impl AnomalyModel {
    /// Loads the embedded model with `sessions` sessions of `threads`
    /// threads each, checking its sha256.
    ///
    /// # Errors
    /// A missing ONNX Runtime or a checksum mismatch.
    pub fn embedded(threads: usize, sessions: usize) -> Result<Self, InferenceError> {
        let model = Model::from_bytes(
            EMBEDDED_ANOMALY_MODEL,
            Some(EMBEDDED_ANOMALY_SHA256.trim()),
            threads,
        )?
        .with_sessions(EMBEDDED_ANOMALY_MODEL, sessions, threads)?;
        Ok(Self { model })
    }
}

/// The cell map of one page: probabilities, in a `w × h` grid whose cell
/// `(i, j)` covers input pixels `origin + scale·CELL·(i, j)` onwards.
#[derive(Debug, Clone)]
pub(crate) struct AnomalyMap {
    pub(crate) w: usize,
    pub(crate) h: usize,
    /// Smoothed probability per cell; `NaN` outside the document.
    pub(crate) p: Vec<f32>,
    pub(crate) origin: [usize; 2],
    pub(crate) scale: usize,
}

/// Runs the model on the document part of `page`.
pub(crate) fn anomaly_check(
    model: &AnomalyModel,
    page: &Page,
    corners: Option<&[[f32; 2]; 4]>,
) -> CheckResult {
    let map = match anomaly_map(model, page, corners) {
        Ok(Some(m)) => m,
        Ok(None) => {
            return CheckResult::not_performed(
                ANOMALY_CHECK_ID,
                "the document is too small to map",
            );
        }
        Err(e) => {
            return CheckResult::new(
                ANOMALY_CHECK_ID,
                Status::Error,
                0.0,
                format!("the anomaly model failed: {e}"),
            );
        }
    };
    let (score, median) = scan_score(&map.p);
    let evidence = evidence(score);
    let status = if score >= FAIL_AT {
        Status::Fail
    } else if score >= WARN_AT {
        Status::Warn
    } else {
        Status::Pass
    };
    if status == Status::Pass {
        return CheckResult::new(
            ANOMALY_CHECK_ID,
            Status::Pass,
            evidence,
            format!("no area looks edited after the scan (map score {score:.2})"),
        );
    }
    let regions = regions(&map, (median + score / 2.0).max(REGION_P));
    CheckResult::new(
        ANOMALY_CHECK_ID,
        status,
        evidence,
        format!(
            "{} area{} of the scan look{} edited after scanning (pasted, retyped or cloned; map score {score:.2})",
            regions.len().max(1),
            if regions.len() > 1 { "s" } else { "" },
            if regions.len() > 1 { "" } else { "s" },
        ),
    )
    .with_regions(regions)
}

/// The check's reported score: the map score's excess over
/// [`EVIDENCE_FROM`], in units of the span up to [`FAIL_AT`] (0 at or
/// below 0.5, 0.25 where it warns, 1 where it fails). Genuine scans reach
/// map scores of 0.6-0.8 (their 88th-98th percentiles), so the first
/// tenths above the warning are weak evidence and the last ones strong: a
/// fusion that is linear in the reported score sees that only when the
/// score starts from zero near the genuine range.
fn evidence(map_score: f32) -> f32 {
    ((map_score - EVIDENCE_FROM) / (FAIL_AT - EVIDENCE_FROM)).clamp(0.0, 1.0)
}

/// `(score, median)`: the mean of the top 3 smoothed cells above the median
/// cell, and that median (cells outside the document are `NaN`).
pub(crate) fn scan_score(p: &[f32]) -> (f32, f32) {
    let mut v: Vec<f32> = p.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 3 {
        return (0.0, 0.0);
    }
    v.sort_by(f32::total_cmp);
    let median = v[v.len() / 2];
    #[allow(clippy::cast_precision_loss)]
    let top = v[v.len() - 3..].iter().sum::<f32>() / 3.0;
    ((top - median).max(0.0), median)
}

fn anomaly_map(
    model: &AnomalyModel,
    page: &Page,
    corners: Option<&[[f32; 2]; 4]>,
) -> Result<Option<AnomalyMap>, InferenceError> {
    let img = &page.image;
    let (iw, ih) = (img.width() as usize, img.height() as usize);
    // The document's bounding box on the 8-pixel grid, 16 px around it.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let [x0, y0, x1, y1] = match corners {
        Some(c) => {
            let xs = c.iter().map(|p| p[0]);
            let ys = c.iter().map(|p| p[1]);
            let lo = |v: f32| (v - 16.0).max(0.0) as usize;
            [
                lo(xs.clone().fold(f32::INFINITY, f32::min)) / 8 * 8,
                lo(ys.clone().fold(f32::INFINITY, f32::min)) / 8 * 8,
                ((xs.fold(f32::NEG_INFINITY, f32::max) + 16.0).max(0.0) as usize).min(iw),
                ((ys.fold(f32::NEG_INFINITY, f32::max) + 16.0).max(0.0) as usize).min(ih),
            ]
        }
        None => [0, 0, iw, ih],
    };
    if x1 <= x0 || y1 <= y0 {
        return Ok(None);
    }
    let (cw, ch) = (x1 - x0, y1 - y0);
    let scale = (1..=8)
        .find(|s| (cw / s) * (ch / s) <= MAX_PIXELS)
        .unwrap_or(8);
    let (w, h) = (cw / scale, ch / scale);
    if w < 4 * CELL || h < 4 * CELL {
        return Ok(None);
    }
    #[allow(clippy::cast_possible_truncation)] // inside the decoded image
    let (gw, gh, grey) = reduced_grey(
        img,
        [x0 as u32, y0 as u32, x1 as u32, y1 as u32],
        scale as u32,
    );
    let input = Array4::from_shape_vec(
        (1, 1, gh, gw),
        grey.into_iter().map(|v| v / 255.0).collect(),
    )
    .map_err(|e| InferenceError::Runtime(format!("anomaly input: {e}")))?;
    let out = model.model.run(input.view().into_dyn())?;
    let logits = out
        .first()
        .ok_or_else(|| InferenceError::Runtime("the anomaly model gave no output".into()))?;
    let shape = logits.shape();
    if shape.len() != 4 {
        return Err(InferenceError::Runtime(format!(
            "the anomaly model gave a {}-d output, expected 4",
            shape.len()
        )));
    }
    let (mh, mw) = (shape[2], shape[3]);
    let flat: Vec<f32> = logits.iter().map(|&l| 1.0 / (1.0 + (-l).exp())).collect();
    // Cells on the document, away from its outline.
    #[allow(clippy::cast_precision_loss)]
    let margin = EDGE_MARGIN_PX.max(1.5 * (CELL * scale) as f32);
    let inside = |i: usize, j: usize| -> bool {
        let Some(c) = corners else { return true };
        #[allow(clippy::cast_precision_loss)]
        let p = [
            (x0 + (i * CELL + CELL / 2) * scale) as f32,
            (y0 + (j * CELL + CELL / 2) * scale) as f32,
        ];
        inside_distance(c, p) >= margin
    };
    let raw: Vec<f32> = (0..mh * mw)
        .map(|k| {
            if inside(k % mw, k / mw) {
                flat[k]
            } else {
                f32::NAN
            }
        })
        .collect();
    Ok(Some(AnomalyMap {
        w: mw,
        h: mh,
        p: smooth(&raw, mw, mh),
        origin: [x0, y0],
        scale,
    }))
}

/// 3×3 mean over the finite neighbours; `NaN` cells stay `NaN`.
fn smooth(p: &[f32], w: usize, h: usize) -> Vec<f32> {
    (0..w * h)
        .map(|k| {
            let (i, j) = (k % w, k / w);
            if !p[k].is_finite() {
                return f32::NAN;
            }
            let (mut s, mut n) = (0.0, 0.0f32);
            for y in j.saturating_sub(1)..(j + 2).min(h) {
                for x in i.saturating_sub(1)..(i + 2).min(w) {
                    let v = p[y * w + x];
                    if v.is_finite() {
                        s += v;
                        n += 1.0;
                    }
                }
            }
            s / n
        })
        .collect()
}

/// Signed distance of `p` inside the convex quad `q` (positive inside).
fn inside_distance(q: &[[f32; 2]; 4], p: [f32; 2]) -> f32 {
    let area: f32 = (0..4)
        .map(|i| q[i][0] * q[(i + 1) % 4][1] - q[(i + 1) % 4][0] * q[i][1])
        .sum();
    let s = area.signum();
    (0..4)
        .map(|i| {
            let (a, b) = (q[i], q[(i + 1) % 4]);
            let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
            s * (ex * (p[1] - a[1]) - ey * (p[0] - a[0])) / ex.hypot(ey).max(1e-6)
        })
        .fold(f32::INFINITY, f32::min)
}

/// Connected groups of cells at or above `at`, strongest first, as quads.
fn regions(map: &AnomalyMap, at: f32) -> Vec<Region> {
    let (w, h) = (map.w, map.h);
    let mask: Vec<bool> = map.p.iter().map(|&p| p >= at).collect();
    let mut found: Vec<(f32, [usize; 4])> = components(&mask, w, h)
        .into_iter()
        .map(|cells| {
            let peak = cells.iter().map(|&k| map.p[k]).fold(0.0f32, f32::max);
            let bb = cells.iter().fold([usize::MAX, usize::MAX, 0, 0], |b, &k| {
                let (i, j) = (k % w, k / w);
                [b[0].min(i), b[1].min(j), b[2].max(i), b[3].max(j)]
            });
            (peak, bb)
        })
        .collect();
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    let c = CELL * map.scale;
    #[allow(clippy::cast_precision_loss)]
    found
        .into_iter()
        .take(MAX_REGIONS)
        .map(|(peak, [i0, j0, i1, j1])| {
            let (x0, y0) = (
                (map.origin[0] + i0 * c) as f32,
                (map.origin[1] + j0 * c) as f32,
            );
            let (x1, y1) = (
                (map.origin[0] + (i1 + 1) * c) as f32,
                (map.origin[1] + (j1 + 1) * c) as f32,
            );
            Region {
                label: format!("edited area (p = {peak:.2})"),
                quad_px: [[x0, y0], [x1, y0], [x1, y1], [x0, y1]],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(p: Vec<f32>, w: usize, h: usize) -> AnomalyMap {
        AnomalyMap {
            w,
            h,
            p,
            origin: [8, 16],
            scale: 1,
        }
    }

    #[test]
    fn the_reported_score_starts_near_the_genuine_range() {
        assert!(evidence(0.3).abs() < 1e-6);
        assert!((evidence(WARN_AT) - 0.25).abs() < 1e-5);
        assert!((evidence(FAIL_AT) - 1.0).abs() < 1e-6);
        assert!(evidence(0.7) < evidence(0.8));
    }

    #[test]
    fn the_score_is_the_top_above_the_median() {
        let mut p = vec![0.1; 100];
        p[5] = 0.9;
        p[6] = 0.8;
        p[7] = 0.7;
        let (s, m) = scan_score(&p);
        assert!((m - 0.1).abs() < 1e-6 && (s - 0.7).abs() < 1e-5, "{s} {m}");
        // Uniformly suspicious is not suspicious.
        assert!(scan_score(&[0.9; 100]).0 < 1e-6);
        assert!(scan_score(&[f32::NAN, 0.5]).0.abs() < 1e-9, "too few cells");
    }

    #[test]
    #[allow(clippy::float_cmp)] // whole pixel coordinates, exact in f32
    fn regions_are_connected_cells_in_input_pixels() {
        let (w, h) = (10, 6);
        let mut p = vec![0.05; w * h];
        for k in [w + 1, w + 2, 2 * w + 2] {
            p[k] = 0.9;
        }
        p[4 * w + 8] = 0.7;
        p[0] = f32::NAN;
        let r = regions(&map(p, w, h), 0.5);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].quad_px[0], [8.0 + 16.0, 16.0 + 16.0]);
        assert_eq!(r[0].quad_px[2], [8.0 + 48.0, 16.0 + 48.0]);
        assert!(r[1].label.contains("0.70"));
    }

    #[test]
    fn smoothing_ignores_cells_off_the_document() {
        let p = vec![f32::NAN, 1.0, 0.0, 0.5];
        let s = smooth(&p, 2, 2);
        assert!(s[0].is_nan());
        assert!((s[1] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn distance_inside_a_quad() {
        let q = [[0.0, 0.0], [100.0, 0.0], [100.0, 50.0], [0.0, 50.0]];
        assert!((inside_distance(&q, [50.0, 10.0]) - 10.0).abs() < 1e-4);
        assert!(inside_distance(&q, [-1.0, 10.0]) < 0.0);
    }
}
