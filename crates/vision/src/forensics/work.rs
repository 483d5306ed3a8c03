//! The shared working view of the detectors: the document's bounding box,
//! in grey, reduced by an integer box average, with the mapping back to
//! input pixels.

// Pixel maths: coordinates are small, non-negative and clamped; the
// conventional short names (x, y, w, h, a, b, g) read best.
#![allow(
    clippy::many_single_char_names,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use image::RgbImage;

/// The largest side of a reduced view: about 150 dpi on a passport page
/// scanned at 300 dpi, enough for patches of a few millimetres.
pub(super) const WORK_SIDE: u32 = 800;

/// A rectangle of input pixels, `x0..x1` × `y0..y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PxBox {
    pub(super) x0: u32,
    pub(super) y0: u32,
    pub(super) x1: u32,
    pub(super) y1: u32,
}

impl PxBox {
    pub(super) fn w(&self) -> u32 {
        self.x1 - self.x0
    }
    pub(super) fn h(&self) -> u32 {
        self.y1 - self.y0
    }
}

/// The document's bounding box inside the image, shrunk by `inset` of its
/// size on each side (document borders and the scanner background are not
/// evidence); the whole image without corners.
pub(super) fn doc_box(img: &RgbImage, corners: Option<&[[f32; 2]; 4]>, inset: f32) -> PxBox {
    let (w, h) = (img.width(), img.height());
    let (mut x0, mut y0, mut x1, mut y1) = (0.0f32, 0.0f32, w as f32, h as f32);
    if let Some(c) = corners {
        let ok = c.iter().all(|p| p[0].is_finite() && p[1].is_finite());
        if ok {
            x0 = c.iter().map(|p| p[0]).fold(f32::INFINITY, f32::min);
            x1 = c.iter().map(|p| p[0]).fold(f32::NEG_INFINITY, f32::max);
            y0 = c.iter().map(|p| p[1]).fold(f32::INFINITY, f32::min);
            y1 = c.iter().map(|p| p[1]).fold(f32::NEG_INFINITY, f32::max);
        }
    }
    let (dx, dy) = ((x1 - x0) * inset, (y1 - y0) * inset);
    let cl = |v: f32, hi: u32| v.clamp(0.0, hi as f32) as u32;
    let b = PxBox {
        x0: cl(x0 + dx, w),
        y0: cl(y0 + dy, h),
        x1: cl(x1 - dx, w),
        y1: cl(y1 - dy, h),
    };
    if b.x1 <= b.x0 || b.y1 <= b.y0 {
        PxBox {
            x0: 0,
            y0: 0,
            x1: w,
            y1: h,
        }
    } else {
        b
    }
}

/// A grey view of part of the page, reduced by `f`.
#[derive(Debug, Clone)]
pub(super) struct Grey {
    pub(super) w: usize,
    pub(super) h: usize,
    /// Row-major luminance, 0..255.
    pub(super) px: Vec<f32>,
    /// Input pixel of the view's origin.
    pub(super) x0: f32,
    pub(super) y0: f32,
    /// Input pixels per view pixel.
    pub(super) f: f32,
}

impl Grey {
    /// The input pixel of view point (`x`, `y`).
    pub(super) fn to_input(&self, x: f32, y: f32) -> [f32; 2] {
        [self.x0 + x * self.f, self.y0 + y * self.f]
    }

    pub(super) fn at(&self, x: usize, y: usize) -> f32 {
        self.px[y * self.w + x]
    }

    /// Bilinear sample; `None` outside.
    pub(super) fn sample(&self, x: f32, y: f32) -> Option<f32> {
        if !(x >= 0.0 && y >= 0.0) {
            return None;
        }
        // x, y >= 0: truncation is the floor (and needs no libm call).
        let (ix, iy) = (x as usize, y as usize);
        if ix + 1 >= self.w || iy + 1 >= self.h {
            return None;
        }
        let (fx, fy) = (x - ix as f32, y - iy as f32);
        let a = self.at(ix, iy);
        let b = self.at(ix + 1, iy);
        let c = self.at(ix, iy + 1);
        let d = self.at(ix + 1, iy + 1);
        Some((a * (1.0 - fx) + b * fx) * (1.0 - fy) + (c * (1.0 - fx) + d * fx) * fy)
    }
}

fn luma(p: [u8; 3]) -> f32 {
    0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])
}

/// The factor that brings the longer side of `b` to at most `side`.
pub(super) fn factor_for(b: PxBox, side: u32) -> u32 {
    b.w().max(b.h()).div_ceil(side.max(1)).max(1)
}

/// `b` in grey, box-averaged by `f` (cells that would overhang are
/// dropped). Huge reductions average a 4×4 subsample of each cell, which
/// keeps the cost bounded on very large scans.
pub(super) fn reduce(img: &RgbImage, b: PxBox, f: u32) -> Grey {
    let f = f.max(1);
    if f == 1 {
        // One pixel a cell: the same values without the sums.
        return full(img, b, 1);
    }
    let (w, h) = ((b.w() / f) as usize, (b.h() / f) as usize);
    let step = if f > 4 { f / 4 } else { 1 };
    let per = f.div_ceil(step);
    let norm = 1.0 / (per * per) as f32;
    let raw = img.as_raw();
    let stride = img.width() as usize * 3;
    let mut px = vec![0.0f32; w * h];
    // Row by row over the raw buffer: sums of each cell's sampled rows.
    for cy in 0..h {
        let out = &mut px[cy * w..(cy + 1) * w];
        let mut dy = 0;
        while dy < f {
            let y = (b.y0 + cy as u32 * f + dy) as usize;
            let row = &raw[y * stride..(y + 1) * stride];
            for (cx, o) in out.iter_mut().enumerate() {
                let x0 = b.x0 as usize + cx * f as usize;
                let mut dx = 0;
                while dx < f as usize {
                    let p = &row[(x0 + dx) * 3..(x0 + dx) * 3 + 3];
                    *o += luma([p[0], p[1], p[2]]);
                    dx += step as usize;
                }
            }
            dy += step;
        }
        for o in out.iter_mut() {
            *o *= norm;
        }
    }
    Grey {
        w,
        h,
        px,
        x0: b.x0 as f32,
        y0: b.y0 as f32,
        f: f as f32,
    }
}

/// `b` in grey at full resolution, or every `step`-th pixel of it on
/// very large scans.
pub(super) fn full(img: &RgbImage, b: PxBox, step: u32) -> Grey {
    let step = step.max(1);
    let (w, h) = (b.w().div_ceil(step) as usize, b.h().div_ceil(step) as usize);
    let mut px = Vec::with_capacity(w * h);
    let raw = img.as_raw();
    let stride = img.width() as usize * 3;
    for cy in 0..h {
        let y = (b.y0 + cy as u32 * step) as usize;
        let row = &raw[y * stride..(y + 1) * stride];
        for cx in 0..w {
            let x = (b.x0 + cx as u32 * step) as usize * 3;
            px.push(luma([row[x], row[x + 1], row[x + 2]]));
        }
    }
    Grey {
        w,
        h,
        px,
        x0: b.x0 as f32,
        y0: b.y0 as f32,
        f: step as f32,
    }
}

/// Whether `p` lies inside the convex quadrilateral `q` (either winding).
pub(super) fn in_quad(q: &[[f32; 2]; 4], p: [f32; 2]) -> bool {
    let (mut pos, mut neg) = (false, false);
    for i in 0..4 {
        let a = q[i];
        let b = q[(i + 1) % 4];
        let cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
        pos |= cross > 0.0;
        neg |= cross < 0.0;
    }
    !(pos && neg)
}

/// An axis-aligned rectangle of input pixels as a quad.
pub(super) fn rect_quad(x0: f32, y0: f32, x1: f32, y1: f32) -> [[f32; 2]; 4] {
    [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
}

/// Connected components (4-neighbourhood) of the set cells of a `w`×`h`
/// grid; each as its list of cell indices.
#[must_use]
pub fn components(mask: &[bool], w: usize, h: usize) -> Vec<Vec<usize>> {
    let mut seen = vec![false; mask.len()];
    let mut out = Vec::new();
    for start in 0..mask.len().min(w * h) {
        if !mask[start] || seen[start] {
            continue;
        }
        let mut comp = Vec::new();
        let mut stack = vec![start];
        seen[start] = true;
        while let Some(i) = stack.pop() {
            comp.push(i);
            let (x, y) = (i % w, i / w);
            let mut push = |j: usize| {
                if mask[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1);
            }
            if x + 1 < w {
                push(i + 1);
            }
            if y > 0 {
                push(i - w);
            }
            if y + 1 < h {
                push(i + w);
            }
        }
        out.push(comp);
    }
    out
}

/// Median of `v` (reorders it); 0 when empty.
pub(super) fn median(v: &mut [f32]) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let k = v.len() / 2;
    v.select_nth_unstable_by(k, f32::total_cmp);
    v[k]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_and_reductions_survive_tiny_pages() {
        let img = RgbImage::new(1, 1);
        let b = doc_box(&img, None, 0.02);
        assert_eq!((b.w(), b.h()), (1, 1));
        let g = reduce(&img, b, factor_for(b, WORK_SIDE));
        assert_eq!((g.w, g.h), (1, 1));
        let bad = [[f32::NAN, 0.0]; 4];
        assert_eq!(doc_box(&img, Some(&bad), 0.0).w(), 1);
        let far = [
            [-50.0, -50.0],
            [-40.0, -50.0],
            [-40.0, -40.0],
            [-50.0, -40.0],
        ];
        assert_eq!(doc_box(&img, Some(&far), 0.0).w(), 1);
    }

    #[test]
    fn quads_contain_their_inside() {
        let q = rect_quad(0.0, 0.0, 10.0, 5.0);
        assert!(in_quad(&q, [5.0, 2.0]));
        assert!(!in_quad(&q, [11.0, 2.0]));
    }
}
