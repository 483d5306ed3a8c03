//! Resemblance: how much a scan looks like a document model's design when
//! its printed features cannot be aligned to the model.
//!
//! Identification aligns a model's anchors (labels, emblems, patterns, all
//! at their exact places) to the scan. A counterfeit is a re-made copy of a
//! genuine design: the same outline, colours and overall layout, but labels
//! and fields a millimetre or two off, other fonts and a redrawn background
//! pattern, so the anchors do not line up and the scan would pass as "no
//! known model". Resemblance compares the design at the scale a re-made copy
//! keeps: colour structure between about 1.5 and 6.5 mm (a band-pass of each channel)
//! over the model's static print and background, the personal-data zones
//! left out. The scan is mapped by its outline only.
//!
//! Measured at 1 sample per mm (`docscreen batch … --templates`, hold-out
//! seed 1212 and calibration seed 4242, 1252 scans): a model's own scans
//! score 0.40-0.93 against it; another design of the same size and MRZ
//! format at most 0.42; the real specimens of `../shared/peers/images`
//! (other designs) at most 0.31 against every shipped model. A scan is
//! taken as resembling a model only above both ([`RESEMBLES`]) and clearly
//! above every other candidate ([`MARGIN`]), so a document of an unknown
//! model is still not forced onto a known one: with each model left out of
//! the registry in turn, none of its 240 hold-out scans resembled another.

use docscreen_vision::Homography;
use docscreen_vision::align::{self, Plane};
use image::RgbImage;

use crate::templates::TemplateSpec;

/// Resolution of the comparison, samples per mm.
pub(crate) const LOOK_PX_PER_MM: f64 = 1.0;

/// Box radius of the fine blur (three passes: σ ≈ 1.4 samples, 1.4 mm):
/// print detail, fonts and guilloche lines go, their layout stays.
const FINE_RADIUS: usize = 1;

/// Box radius of the coarse blur subtracted (three passes: σ ≈ 6.5
/// samples, 6.5 mm): lighting, colour cast and paper tint go.
const COARSE_RADIUS: usize = 6;

/// Resemblance from which a scan that does not align is said to look like a
/// model.
pub(crate) const RESEMBLES: f32 = 0.5;

/// How far the resembled model must lead every other candidate.
pub(crate) const MARGIN: f32 = 0.15;

/// A model's design as resemblance compares it: the band-passed colour
/// planes of its reference and where they are compared.
#[derive(Debug, Clone)]
pub(crate) struct Look {
    planes: [Plane; 3],
    /// Samples outside every personal-data zone (text, portrait, MRZ,
    /// signature): what all genuine copies share.
    shared: Vec<bool>,
}

impl Look {
    /// The look of a reference image, `mm_to_ref` mapping the document's
    /// millimetres to its pixels.
    pub(crate) fn of_reference(
        reference: &RgbImage,
        mm_to_ref: &Homography,
        spec: &TemplateSpec,
    ) -> Look {
        let planes = align::warp_rgb(reference, mm_to_ref, LOOK_PX_PER_MM, spec.size_mm)
            .map(|p| band_pass(&p));
        let (w, h) = (planes[0].width, planes[0].height);
        let mut shared = vec![false; w * h];
        for y in 0..h {
            for x in 0..w {
                #[allow(clippy::cast_precision_loss)]
                let (mx, my) = (
                    (x as f64 + 0.5) / LOOK_PX_PER_MM,
                    (y as f64 + 0.5) / LOOK_PX_PER_MM,
                );
                shared[y * w + x] = !spec.on_variable(mx, my, 0.5);
            }
        }
        Look { planes, shared }
    }

    /// How much `scan`'s design, seen through `mm_to_img` (document mm →
    /// `scan` px), resembles this look: the mean over the three channels of
    /// the correlation of their band-passed samples (−1..1). `None` when
    /// less than a quarter of the shared samples fall inside the scan.
    pub(crate) fn resemblance(
        &self,
        scan: &RgbImage,
        mm_to_img: &Homography,
        size_mm: [f64; 2],
    ) -> Option<f32> {
        let planes = align::warp_rgb(scan, mm_to_img, LOOK_PX_PER_MM, size_mm);
        let total = self.shared.iter().filter(|&&s| s).count();
        let mut sum = 0.0;
        for (scan_plane, ref_plane) in planes.iter().zip(&self.planes) {
            let s = band_pass(scan_plane);
            if s.data.len() != ref_plane.data.len() {
                return None;
            }
            let pairs: Vec<(f64, f64)> = s
                .data
                .iter()
                .zip(&ref_plane.data)
                .zip(&self.shared)
                .filter(|&((a, b), &keep)| keep && a.is_finite() && b.is_finite())
                .map(|((a, b), _)| (f64::from(*a), f64::from(*b)))
                .collect();
            if pairs.len() * 4 < total || pairs.len() < 100 {
                return None;
            }
            sum += correlation(&pairs);
        }
        #[allow(clippy::cast_possible_truncation)]
        Some((sum / 3.0) as f32)
    }
}

/// Pearson correlation of the pairs; 0 when either side is flat.
#[allow(clippy::cast_precision_loss)]
fn correlation(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    let (ma, mb) = pairs
        .iter()
        .fold((0.0, 0.0), |(sa, sb), (a, b)| (sa + a / n, sb + b / n));
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (a, b) in pairs {
        let (da, db) = (a - ma, b - mb);
        ab += da * db;
        aa += da * da;
        bb += db * db;
    }
    if aa <= 1e-9 || bb <= 1e-9 {
        0.0
    } else {
        ab / (aa * bb).sqrt()
    }
}

/// The band-pass: fine blur minus coarse blur. NaN samples (outside the
/// scan) stay NaN and do not spread: they are filled with the plane's mean
/// before blurring.
pub(crate) fn band_pass(p: &Plane) -> Plane {
    let finite: Vec<f32> = p.data.iter().copied().filter(|v| v.is_finite()).collect();
    #[allow(clippy::cast_precision_loss)]
    let mean = if finite.is_empty() {
        0.0
    } else {
        finite.iter().map(|&v| f64::from(v)).sum::<f64>() / finite.len() as f64
    };
    #[allow(clippy::cast_possible_truncation)]
    let filled = Plane {
        width: p.width,
        height: p.height,
        data: p
            .data
            .iter()
            .map(|&v| if v.is_finite() { v } else { mean as f32 })
            .collect(),
    };
    let fine = gaussian3(&filled, FINE_RADIUS);
    let coarse = gaussian3(&fine, COARSE_RADIUS);
    Plane {
        width: p.width,
        height: p.height,
        data: fine
            .data
            .iter()
            .zip(&coarse.data)
            .zip(&p.data)
            .map(|((f, c), o)| if o.is_finite() { f - c } else { f32::NAN })
            .collect(),
    }
}

/// Three passes of a box blur of radius `r` in each direction (≈ Gaussian
/// of σ = √(r² + r)); the box shrinks at the borders.
fn gaussian3(p: &Plane, r: usize) -> Plane {
    let mut cur = p.clone();
    for _ in 0..3 {
        cur = box_pass(&cur, r, true);
        cur = box_pass(&cur, r, false);
    }
    cur
}

/// One box pass along rows (`horizontal`) or columns: each sample becomes
/// the mean of those within `r` of it along that direction.
#[allow(clippy::cast_precision_loss)]
fn box_pass(p: &Plane, r: usize, horizontal: bool) -> Plane {
    let (w, h) = (p.width, p.height);
    let (lines, len) = if horizontal { (h, w) } else { (w, h) };
    let index = |line: usize, i: usize| {
        if horizontal {
            line * w + i
        } else {
            i * w + line
        }
    };
    let mut out = Plane::new(w, h);
    let mut prefix = vec![0.0f64; len + 1];
    for line in 0..lines {
        for i in 0..len {
            prefix[i + 1] = prefix[i] + f64::from(p.data[index(line, i)]);
        }
        for i in 0..len {
            let lo = i.saturating_sub(r);
            let hi = (i + r + 1).min(len);
            #[allow(clippy::cast_possible_truncation)]
            {
                out.data[index(line, i)] = ((prefix[hi] - prefix[lo]) / (hi - lo) as f64) as f32;
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn plane(w: usize, h: usize, f: impl Fn(usize, usize) -> f32) -> Plane {
        let mut p = Plane::new(w, h);
        for y in 0..h {
            for x in 0..w {
                p.data[y * w + x] = f(x, y);
            }
        }
        p
    }

    #[test]
    fn box_blur_keeps_a_constant_and_the_mean_of_a_ramp() {
        let c = gaussian3(&plane(30, 20, |_, _| 7.0), 3);
        assert!(c.data.iter().all(|v| (v - 7.0).abs() < 1e-4));
        // A linear ramp is unchanged away from the borders.
        #[allow(clippy::cast_precision_loss)]
        let r = gaussian3(&plane(60, 5, |x, _| x as f32), 2);
        for x in 10..50 {
            #[allow(clippy::cast_precision_loss)]
            let want = x as f32;
            assert!(
                (r.data[2 * 60 + x] - want).abs() < 1e-3,
                "{x}: {}",
                r.data[2 * 60 + x]
            );
        }
    }

    #[test]
    fn band_pass_removes_a_lighting_gradient_and_keeps_nan_in_place() {
        // A slow gradient (lighting) plus nothing: next to zero after the band-pass.
        #[allow(clippy::cast_precision_loss)]
        let g = band_pass(&plane(80, 80, |x, y| {
            100.0 + 0.3 * x as f32 + 0.2 * y as f32
        }));
        for y in 20..60 {
            for x in 20..60 {
                assert!(g.data[y * 80 + x].abs() < 0.5);
            }
        }
        let mut p = plane(20, 20, |x, _| if x % 6 < 3 { 50.0 } else { 200.0 });
        p.data[5 * 20 + 5] = f32::NAN;
        let b = band_pass(&p);
        assert!(b.data[5 * 20 + 5].is_nan());
        assert_eq!(b.data.iter().filter(|v| v.is_nan()).count(), 1);
    }

    #[test]
    fn correlation_of_a_pattern_with_itself_shifted_and_negated() {
        let pairs: Vec<(f64, f64)> = (0..200)
            .map(|i| (f64::from(i % 17), f64::from(i % 17) * 2.0 + 5.0))
            .collect();
        assert!((correlation(&pairs) - 1.0).abs() < 1e-9);
        let neg: Vec<(f64, f64)> = pairs.iter().map(|&(a, b)| (a, -b)).collect();
        assert!((correlation(&neg) + 1.0).abs() < 1e-9);
        let flat: Vec<(f64, f64)> = pairs.iter().map(|&(a, _)| (a, 3.0)).collect();
        assert!(correlation(&flat).abs() < 1e-12);
    }
}
