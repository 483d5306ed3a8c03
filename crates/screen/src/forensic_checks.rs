//! The template-free forensic checks (`forensics.*`) as report entries:
//! the findings of `docscreen_vision::forensics` with a status from fixed
//! score thresholds.
//!
//! The warn thresholds were set on a tuning set of generated scans (seed
//! 301, 187 genuine) just above the score that 98% of genuine scans stay
//! under; `examples/forensics_eval.rs` gives the figures on a separate seed.
//! On that synthetic set copy-move, noise and edges still separate forged
//! from genuine scans at about chance level (ROC AUC ≈ 0.5); compression
//! (double quantisation) finds about half of the forgeries made on the
//! file at the same threshold (seed 6060: AUC 0.77-0.83, 1 of 83 genuine
//! warned). For now:
//! - no forensic check fails a document (the fail threshold is out of
//!   reach), but for copy-move's twins: a patch repeated with its scanner
//!   noise (pixel-exact), or differing from its source by the rounding of
//!   a later JPEG save alone over 12 or more tiles (a near twin), was
//!   copied on the file, which is certain;
//! - a `warn` of copy-move, noise or edges reports its detector score
//!   scaled by a fifth, compression's in full; the fitted fusion
//!   (`crate::fusion`) then sets how much a warning counts. The scale is
//!   not only the weight's unit: the fit's L2 penalty holds a weight on a
//!   small feature back, and compression (no genuine calibration scan
//!   warned) should count in full.

use docscreen_vision::Page;
use docscreen_vision::forensics::{self, Finding};

use crate::report::{CheckResult, Region, Status};

/// Check ids, in report order.
pub(crate) const FORENSIC_CHECK_IDS: [&str; 4] = [
    "forensics.copy_move",
    "forensics.compression",
    "forensics.noise",
    "forensics.edges",
];

/// Per check (same order as the ids): the detector score from which it
/// warns, the one from which it fails (out of reach: see above), and the
/// share of the detector's score that a warning reports.
const THRESHOLDS: [(f32, f32, f32); 4] = [
    // Only a twin (pixel-exact, or a near twin of 12+ tiles) reaches the
    // fail line.
    (0.75, forensics::EXACT_TWIN_SCORE, 0.2),
    (0.85, f32::INFINITY, 1.0),
    (0.65, f32::INFINITY, 0.2),
    (0.98, f32::INFINITY, 0.2),
];

/// The four forensic checks on one page; `corners` restrict them to the
/// document.
pub(crate) fn forensic_checks(
    page: &Page,
    file_bytes: &[u8],
    corners: Option<&[[f32; 2]; 4]>,
) -> Vec<CheckResult> {
    let f = forensics::analyse(page, file_bytes, corners);
    [f.copy_move, f.compression, f.noise, f.edges]
        .into_iter()
        .zip(FORENSIC_CHECK_IDS)
        .zip(THRESHOLDS)
        .map(|((finding, id), t)| to_check(id, finding, t))
        .collect()
}

fn to_check(id: &str, f: Finding, (warn, fail, share): (f32, f32, f32)) -> CheckResult {
    if !f.performed {
        return CheckResult::not_performed(id, f.message);
    }
    let status = if f.score >= fail {
        Status::Fail
    } else if f.score >= warn {
        Status::Warn
    } else {
        Status::Pass
    };
    if status == Status::Pass {
        // Below the threshold the finding is not evidence: the score stays
        // in the report for the curious, the regions do not.
        return CheckResult::new(id, Status::Pass, f.score, pass_message(id));
    }
    let regions = f
        .regions
        .into_iter()
        .map(|e| Region {
            label: e.label,
            quad_px: e.quad,
        })
        .collect();
    let score = if status == Status::Fail {
        f.score
    } else {
        share * f.score
    };
    CheckResult::new(id, status, score, f.message).with_regions(regions)
}

fn pass_message(id: &str) -> &'static str {
    match id {
        "forensics.copy_move" => "no duplicated region found on the document",
        "forensics.compression" => "no region with a different JPEG history found",
        "forensics.noise" => "the noise is consistent across the document",
        _ => "no pasting edge found on the document",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn page(img: RgbImage) -> Page {
        Page {
            image: img,
            index: 0,
            exif_orientation: 1,
        }
    }

    #[test]
    fn four_checks_in_order_on_any_page() {
        for (w, h) in [(1, 1), (40, 30), (600, 400)] {
            let p = page(RgbImage::from_pixel(w, h, Rgb([200, 200, 200])));
            let checks = forensic_checks(&p, b"\x89PNG", None);
            let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(ids, FORENSIC_CHECK_IDS);
            assert!(checks.iter().all(|c| c.status != Status::Fail));
            assert_eq!(checks[1].status, Status::NotPerformed, "not a JPEG");
        }
    }

    #[test]
    fn statuses_follow_the_thresholds() {
        let f = |score| Finding {
            score,
            message: "found".into(),
            regions: vec![forensics::Evidence {
                label: "x".into(),
                quad: [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]],
            }],
            performed: true,
        };
        assert_eq!(to_check("a", f(0.1), (0.5, 0.8, 0.2)).status, Status::Pass);
        assert!(to_check("a", f(0.1), (0.5, 0.8, 0.2)).regions.is_empty());
        let w = to_check("a", f(0.6), (0.5, 0.8, 0.2));
        assert_eq!((w.status, w.regions.len()), (Status::Warn, 1));
        assert!((w.score - 0.12).abs() < 1e-6, "a warning reports its share");
        let full = to_check("a", f(0.6), (0.5, 0.8, 1.0));
        assert!((full.score - 0.6).abs() < 1e-6);
        let fail = to_check("a", f(0.9), (0.5, 0.8, 0.2));
        assert_eq!((fail.status, fail.score), (Status::Fail, 0.9));
    }
}
