//! Noise inconsistency: regions whose fine-grain noise differs from the
//! rest of the document (a patch from another scan, a smoothed erasure, a
//! photo from another camera).
//!
//! The noise of each cell is estimated at full resolution, on every other
//! row, from Immerkær's Laplacian-difference residual (which cancels
//! smooth shading and most of the print), taken in the flattest quarter of
//! the cell's sub-blocks so that text and guilloche lines do not count as
//! noise. Cells far from the document's median level (robust z-score),
//! connected and of one sign, make a finding.

// Pixel maths: coordinates are small, non-negative and clamped; the
// conventional short names (x, y, w, h, a, b, g) read best.
#![allow(
    clippy::many_single_char_names,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use super::work::{self, components, median, rect_quad};
use super::{Evidence, Finding};
use crate::Page;

/// Sub-block side, input pixels at the reference reduction factor 1.
const SUB: u32 = 8;
/// Sub-blocks per cell side.
const SUBS: u32 = 4;
/// A cell deviates beyond this robust z-score.
const Z: f32 = 3.0;
/// Fewest cells in a region.
const MIN_CELLS: usize = 3;
/// Largest share of the document one region may cover (beyond that the
/// "rest" is no longer a reference).
const MAX_SHARE: f32 = 0.35;

/// Looks for regions of the document with a different noise level.
#[must_use]
pub fn noise(page: &Page, corners: Option<&[[f32; 2]; 4]>) -> Finding {
    let img = &page.image;
    let b = work::doc_box(img, corners, 0.03);
    let f = work::factor_for(b, work::WORK_SIDE);
    // On high-resolution scans the sub-blocks grow with the reduction, so
    // that a cell covers the same share of the document at any dpi; very
    // large scans are read with a pixel stride to bound the work.
    let sub = (SUB * f.min(4)) as usize;
    let step = (f / 4).max(1);
    let g = work::full(img, b, step);
    let cell = sub * SUBS as usize;
    let (cw, ch) = (g.w / cell, g.h / cell);
    if cw < 4 || ch < 3 {
        return Finding::not_performed("the document is too small to compare its noise");
    }
    let w = g.w;
    let px = &g.px;
    let mut level = vec![f32::NAN; cw * ch];
    let mut subs = Vec::with_capacity((SUBS * SUBS) as usize);
    for cy in 0..ch {
        for cx in 0..cw {
            subs.clear();
            for sy in 0..SUBS as usize {
                for sx in 0..SUBS as usize {
                    let x0 = (cx * cell + sx * sub).max(1);
                    let y0 = (cy * cell + sy * sub).max(1);
                    let x1 = (cx * cell + (sx + 1) * sub).min(g.w - 1);
                    let y1 = (cy * cell + (sy + 1) * sub).min(g.h - 1);
                    let (mut s, mut n, mut mean) = (0.0f32, 0.0f32, 0.0f32);
                    // Every other row: the estimate needs samples, not all.
                    for y in (y0..y1).step_by(2) {
                        let (up, mid, down) =
                            (&px[(y - 1) * w..], &px[y * w..], &px[(y + 1) * w..]);
                        for x in x0..x1 {
                            let c = mid[x];
                            let r = up[x - 1] + up[x + 1] + down[x - 1] + down[x + 1]
                                - 2.0 * (up[x] + down[x] + mid[x - 1] + mid[x + 1])
                                + 4.0 * c;
                            s += r.abs();
                            mean += c;
                            n += 1.0;
                        }
                    }
                    if n > 0.0 {
                        mean /= n;
                        // Clipped paper or ink carries no noise to compare.
                        if (6.0..=249.0).contains(&mean) {
                            subs.push(s / n);
                        }
                    }
                }
            }
            if subs.len() >= (SUBS * SUBS / 2) as usize {
                subs.sort_by(f32::total_cmp);
                let q = subs[subs.len() / 4];
                // Immerkær: σ = √(π/2) / 6 · mean |r|.
                level[cy * cw + cx] = (1.2533 / 6.0 * q + 0.3).ln();
            }
        }
    }
    let mut valid: Vec<f32> = level.iter().copied().filter(|v| v.is_finite()).collect();
    if valid.len() < 12 {
        return Finding::not_performed(
            "too little of the document is unclipped to compare its noise",
        );
    }
    let m = median(&mut valid);
    let mut dev: Vec<f32> = valid.iter().map(|v| (v - m).abs()).collect();
    let spread = (1.4826 * median(&mut dev)).max(0.12);
    let z: Vec<f32> = level
        .iter()
        .map(|v| if v.is_finite() { (v - m) / spread } else { 0.0 })
        .collect();
    let total = valid.len() as f32;
    let mut best: Option<(f32, Vec<usize>, bool)> = None;
    for low in [true, false] {
        let mask: Vec<bool> = z
            .iter()
            .map(|&v| if low { v < -Z } else { v > Z })
            .collect();
        for comp in components(&mask, cw, ch) {
            if comp.len() < MIN_CELLS || comp.len() as f32 > MAX_SHARE * total {
                continue;
            }
            let mean_z = comp.iter().map(|&i| z[i].abs()).sum::<f32>() / comp.len() as f32;
            let s = ((mean_z - Z) / 4.0).clamp(0.0, 1.0).max(0.05)
                * (comp.len() as f32 / 12.0).min(1.0).sqrt();
            if best.as_ref().is_none_or(|b| s > b.0) {
                best = Some((s, comp, low));
            }
        }
    }
    let Some((score, comp, low)) = best else {
        return Finding::nothing("the noise is consistent across the document");
    };
    let xs = comp.iter().map(|&i| i % cw);
    let ys = comp.iter().map(|&i| i / cw);
    let (x0, x1) = (xs.clone().min().unwrap_or(0), xs.max().unwrap_or(0) + 1);
    let (y0, y1) = (ys.clone().min().unwrap_or(0), ys.max().unwrap_or(0) + 1);
    let c = (cell as f32) * g.f;
    let q = rect_quad(
        g.x0 + x0 as f32 * c,
        g.y0 + y0 as f32 * c,
        g.x0 + x1 as f32 * c,
        g.y0 + y1 as f32 * c,
    );
    let how = if low { "smoother" } else { "noisier" };
    Finding {
        score,
        message: format!(
            "a region is {how} than the rest of the document: it may come from another \
             image or have been retouched"
        ),
        regions: vec![Evidence {
            label: format!("{how} region"),
            quad: q,
        }],
        performed: true,
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

    fn noisy(w: u32, h: u32, amp: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let mut v = x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503);
            v ^= v >> 15;
            v = v.wrapping_mul(0x2c1b_3c6d);
            v ^= v >> 12;
            let n = i32::try_from(v % (2 * amp + 1)).unwrap_or(0) - i32::try_from(amp).unwrap_or(0);
            let g = (150 + n).clamp(0, 255) as u8;
            Rgb([g, g, g])
        })
    }

    #[test]
    fn a_smooth_patch_in_a_noisy_page_is_found() {
        let mut img = noisy(640, 480, 12);
        for y in 200..330 {
            for x in 300..460 {
                img.put_pixel(x, y, Rgb([150, 150, 150]));
            }
        }
        let f = noise(&page(img), None);
        assert!(f.score > 0.3, "{f:?}");
        let q = f.regions[0].quad;
        assert!(q[0][0] >= 280.0 && q[2][0] <= 480.0, "{q:?}");
        let clean = noise(&page(noisy(640, 480, 12)), None);
        assert!(clean.score == 0.0, "{clean:?}");
    }

    #[test]
    fn tiny_pages_do_not_panic() {
        for (w, h) in [(1, 1), (3, 500), (500, 3), (64, 64)] {
            assert!(!noise(&page(RgbImage::new(w, h)), None).performed);
        }
    }
}
