//! Hard pasting edges: long, straight step edges (a photo's border, a
//! patch laid over the print) markedly sharper than the document's own
//! print, which went through the same printing and scanning as the rest.
//!
//! At reduced resolution, pixels with a strong gradient across one of the
//! document's axes (from its corners) are binned by their position across
//! the edge; contiguous runs along a bin are straight edges. A thin printed
//! line has the same grey on both sides and is not a step; a step's
//! sharpness (largest gradient over the step height, 1 / edge width) is
//! compared with the median sharpness of every step on the document.

// Pixel maths: coordinates are small, non-negative and clamped; the
// conventional short names (x, y, w, h, a, b, g) read best.
#![allow(
    clippy::many_single_char_names,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

use std::collections::HashMap;

use super::work::{self, median};
use super::{Evidence, Finding};
use crate::Page;

/// Smallest gradient (grey levels per reduced pixel, central difference).
const MIN_GRAD: f32 = 10.0;
/// Smallest grey step across an edge, measured 3 px either side.
const MIN_STEP: f32 = 18.0;
/// Largest angle between a gradient and a document axis.
const MAX_TILT_DEG: f32 = 8.0;
/// Shortest straight edge, reduced pixels (about 5 mm on a passport).
const MIN_LEN: usize = 30;
/// Largest gap in a straight edge.
const MAX_GAP: i32 = 2;

#[derive(Debug, Clone, Copy)]
struct EdgePx {
    along: i32,
    sharp: f32,
}

/// Looks for long straight edges sharper than the document's print.
#[must_use]
pub fn edges(page: &Page, corners: Option<&[[f32; 2]; 4]>) -> Finding {
    let img = &page.image;
    let b = work::doc_box(img, corners, 0.03);
    let f = work::factor_for(b, work::WORK_SIDE);
    let g = work::reduce(img, b, f);
    if g.w < 16 || g.h < 16 {
        return Finding::not_performed("the document is too small to look for pasting edges");
    }
    // The document's axes, from its top side.
    let theta = corners.map_or(0.0, |c| {
        let a = (c[1][1] - c[0][1]).atan2(c[1][0] - c[0][0]);
        let q = std::f32::consts::FRAC_PI_2;
        a - (a / q).round() * q
    });
    let (sin, cos) = theta.sin_cos();
    let tilt = MAX_TILT_DEG.to_radians().sin();
    // Bins: (axis, across position / 2, gradient sign) → edge pixels.
    let mut bins: HashMap<(u8, i32, bool), Vec<EdgePx>> = HashMap::new();
    let mut all_sharp = Vec::new();
    for y in 3..g.h - 3 {
        for x in 3..g.w - 3 {
            let gx = 0.5 * (g.at(x + 1, y) - g.at(x - 1, y));
            let gy = 0.5 * (g.at(x, y + 1) - g.at(x, y - 1));
            let mag = gx.hypot(gy);
            if mag < MIN_GRAD {
                continue;
            }
            // Gradient in document axes.
            let (gu, gv) = (gx * cos + gy * sin, -gx * sin + gy * cos);
            let axis = if gv.abs() < tilt * mag {
                0u8
            } else if gu.abs() < tilt * mag {
                1u8
            } else {
                continue;
            };
            let (nx, ny) = (gx / mag, gy / mag);
            let (xf, yf) = (x as f32, y as f32);
            let (Some(hi), Some(lo)) = (
                g.sample(xf + 3.0 * nx, yf + 3.0 * ny),
                g.sample(xf - 3.0 * nx, yf - 3.0 * ny),
            ) else {
                continue;
            };
            let step = hi - lo;
            if step < MIN_STEP {
                continue;
            }
            let sharp = mag / step;
            all_sharp.push(sharp);
            let (u, v) = (xf * cos + yf * sin, -xf * sin + yf * cos);
            let (across, along, positive) = if axis == 0 {
                (u, v, gu > 0.0)
            } else {
                (v, u, gv > 0.0)
            };
            bins.entry((axis, (across / 2.0).floor() as i32, positive))
                .or_default()
                .push(EdgePx {
                    along: along.round() as i32,
                    sharp,
                });
        }
    }
    if all_sharp.len() < 50 {
        return Finding::nothing("no long straight edge on the document");
    }
    let typical = median(&mut all_sharp).max(1e-3);
    let mut best: Option<(f32, [[f32; 2]; 4], f32)> = None;
    for (&(axis, across, _), pxs) in &mut bins {
        if pxs.len() < MIN_LEN {
            continue;
        }
        pxs.sort_by_key(|p| p.along);
        let mut start = 0;
        for i in 1..=pxs.len() {
            let split = i == pxs.len() || pxs[i].along - pxs[i - 1].along > MAX_GAP;
            if !split {
                continue;
            }
            let run = &pxs[start..i];
            let len = (run[run.len() - 1].along - run[0].along) as usize + 1;
            if len >= MIN_LEN {
                let mut s: Vec<f32> = run.iter().map(|p| p.sharp).collect();
                let ratio = median(&mut s) / typical;
                let score = ((ratio - 1.2) / 0.6).clamp(0.0, 1.0)
                    * ((len as f32 - MIN_LEN as f32) / 60.0 + 0.3).clamp(0.0, 1.0);
                if best.as_ref().is_none_or(|b| score > b.0) {
                    let (a0, a1) = (run[0].along as f32, run[run.len() - 1].along as f32);
                    let (c0, c1) = (across as f32 * 2.0 - 2.0, across as f32 * 2.0 + 4.0);
                    // Back from document axes (u, v) to view pixels.
                    let back = |u: f32, v: f32| [u * cos - v * sin, u * sin + v * cos];
                    let corners = if axis == 0 {
                        [back(c0, a0), back(c1, a0), back(c1, a1), back(c0, a1)]
                    } else {
                        [back(a0, c0), back(a1, c0), back(a1, c1), back(a0, c1)]
                    };
                    best = Some((score, corners, ratio));
                }
            }
            start = i;
        }
    }
    match best {
        Some((score, quad, ratio)) if score > 0.0 => Finding {
            score,
            message: format!(
                "a long straight edge is {ratio:.1} times sharper than the document's print: \
                 something may have been pasted onto the page"
            ),
            regions: vec![Evidence {
                label: "hard edge".into(),
                quad: quad.map(|p| g.to_input(p[0], p[1])),
            }],
            performed: true,
        },
        _ => Finding::nothing("no edge on the document is sharper than its print"),
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

    /// Soft (blurred) print: text-like bars and a framed box.
    fn soft_print() -> RgbImage {
        let mut img = RgbImage::from_pixel(600, 400, Rgb([235, 235, 235]));
        for k in 0..30u32 {
            for y in 40 + (k % 5) * 60..70 + (k % 5) * 60 {
                for x in 20 + (k / 5) * 90..45 + (k / 5) * 90 {
                    img.put_pixel(x, y, Rgb([60, 60, 60]));
                }
            }
        }
        image::imageops::blur(&img, 2.0)
    }

    #[test]
    fn a_sharp_pasted_rectangle_is_found_and_soft_print_is_not() {
        let clean = soft_print();
        let f = edges(&page(clean.clone()), None);
        assert!(f.score < 0.2, "{f:?}");
        let mut img = clean;
        for y in 150..300 {
            for x in 300..420 {
                img.put_pixel(x, y, Rgb([90, 70, 60]));
            }
        }
        let f = edges(&page(img), None);
        assert!(f.score > 0.3, "{f:?}");
    }

    #[test]
    fn tiny_pages_do_not_panic() {
        for (w, h) in [(1, 1), (5, 500), (500, 5)] {
            assert!(edges(&page(RgbImage::new(w, h)), None).score == 0.0);
        }
    }
}
