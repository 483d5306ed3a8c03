//! Aligning a scan to a document model's reference: warping into the
//! model's millimetre frame, textured anchor patches chosen on the
//! reference, normalised cross-correlation search around the predicted
//! position, and a RANSAC homography refined by least squares — coarse to
//! fine, so that a rough start (document corners, MRZ lines) ends within a
//! fraction of a millimetre.
//!
//! Everything here works in a *canvas*: the document's millimetre frame
//! sampled at `px_per_mm`. A homography `mm_to_img` maps document
//! millimetres to input pixels.

// Geometry reads best in its own notation (x, y, w, h, k, f).
#![allow(clippy::many_single_char_names, clippy::similar_names)]

use image::{GrayImage, RgbImage};

use crate::homography::Homography;

/// A grey plane of `f32` samples (0..255), row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    /// Width, samples.
    pub width: usize,
    /// Height, samples.
    pub height: usize,
    /// Samples, row-major.
    pub data: Vec<f32>,
}

impl Plane {
    /// A plane of zeros.
    #[must_use]
    pub fn new(width: usize, height: usize) -> Plane {
        Plane {
            width,
            height,
            data: vec![0.0; width * height],
        }
    }

    /// The sample at (x, y); 0 outside.
    #[must_use]
    pub fn at(&self, x: usize, y: usize) -> f32 {
        if x < self.width && y < self.height {
            self.data[y * self.width + x]
        } else {
            0.0
        }
    }
}

/// The integer reduction applied to the input before sampling a canvas at
/// `px_per_mm` through `mm_to_img`: about the input pixels per canvas
/// sample, 1 when under 1.5 (area averaging against aliasing of fine
/// security patterns).
#[must_use]
pub fn reduction_for(mm_to_img: &Homography, px_per_mm: f64, size_mm: [f64; 2]) -> u32 {
    let c = [size_mm[0] / 2.0, size_mm[1] / 2.0];
    let d = 1.0 / px_per_mm;
    let (Some(a), Some(b), Some(e)) = (
        mm_to_img.apply(c),
        mm_to_img.apply([c[0] + d, c[1]]),
        mm_to_img.apply([c[0], c[1] + d]),
    ) else {
        return 1;
    };
    let sx = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
    let sy = ((e[0] - a[0]).powi(2) + (e[1] - a[1]).powi(2)).sqrt();
    let s = (sx * sy).sqrt();
    if s >= 1.5 {
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        let f = (s + 0.5).floor().min(16.0) as u32;
        f
    } else {
        1
    }
}

/// Averages `f`×`f` blocks of a grey image (remainders dropped).
#[must_use]
pub fn box_reduce_gray(img: &GrayImage, f: u32) -> GrayImage {
    let f = f.max(1);
    let (w, h) = (img.width() / f, img.height() / f);
    let mut out = GrayImage::new(w.max(1), h.max(1));
    if w == 0 || h == 0 {
        return out;
    }
    let src = img.as_raw();
    let iw = img.width() as usize;
    let fu = f as usize;
    let n = f * f;
    for y in 0..h as usize {
        for x in 0..w as usize {
            let mut s = 0u32;
            for yy in 0..fu {
                let row = (y * fu + yy) * iw + x * fu;
                for &v in &src[row..row + fu] {
                    s += u32::from(v);
                }
            }
            #[allow(clippy::cast_possible_truncation)]
            let v = ((s + n / 2) / n) as u8;
            out.put_pixel(x as u32, y as u32, image::Luma([v]));
        }
    }
    out
}

/// Averages `f`×`f` blocks of a colour image (remainders dropped).
#[must_use]
pub fn box_reduce_rgb(img: &RgbImage, f: u32) -> RgbImage {
    let f = f.max(1);
    let (w, h) = (img.width() / f, img.height() / f);
    let mut out = RgbImage::new(w.max(1), h.max(1));
    if w == 0 || h == 0 {
        return out;
    }
    let src = img.as_raw();
    let iw = img.width() as usize;
    let fu = f as usize;
    let n = f * f;
    for y in 0..h as usize {
        for x in 0..w as usize {
            let mut s = [0u32; 3];
            for yy in 0..fu {
                let row = ((y * fu + yy) * iw + x * fu) * 3;
                for px in src[row..row + fu * 3].chunks_exact(3) {
                    s[0] += u32::from(px[0]);
                    s[1] += u32::from(px[1]);
                    s[2] += u32::from(px[2]);
                }
            }
            #[allow(clippy::cast_possible_truncation)]
            let v = s.map(|c| ((c + n / 2) / n) as u8);
            out.put_pixel(x as u32, y as u32, image::Rgb(v));
        }
    }
    out
}

/// Canvas px (sample centres) → mm → input px → px of the input reduced
/// `f`×.
fn canvas_to_reduced(mm_to_img: &Homography, f: u32, px_per_mm: f64) -> Homography {
    Homography::scale_translate(1.0 / f64::from(f), [-0.5, -0.5])
        .then_after(mm_to_img)
        .then_after(&Homography::scale_translate(
            1.0 / px_per_mm,
            [0.5 / px_per_mm, 0.5 / px_per_mm],
        ))
}

/// The canvas size for a document of `size_mm` at `px_per_mm`.
#[must_use]
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn canvas_size(size_mm: [f64; 2], px_per_mm: f64) -> (usize, usize) {
    (
        ((size_mm[0] * px_per_mm).round() as usize).clamp(1, 8192),
        ((size_mm[1] * px_per_mm).round() as usize).clamp(1, 8192),
    )
}

/// A grey scan and its 2×, 4×, 8×… area reductions, built once per scan so
/// that every warp to a coarse canvas starts from an alias-free image.
#[derive(Debug, Clone)]
pub struct Pyramid {
    /// Level `i` is reduced by `2^i`.
    pub levels: Vec<GrayImage>,
}

impl Pyramid {
    /// Builds reductions down to about 64 px on the short side (at most 5).
    #[must_use]
    pub fn new(img: &GrayImage) -> Pyramid {
        let mut levels = vec![img.clone()];
        while levels.len() < 6 {
            let last = &levels[levels.len() - 1];
            if last.width().min(last.height()) < 128 {
                break;
            }
            let next = box_reduce_gray(last, 2);
            levels.push(next);
        }
        Pyramid { levels }
    }

    /// The finest level whose reduction does not exceed `f`, and its factor.
    fn for_reduction(&self, f: u32) -> (&GrayImage, u32) {
        let mut i = 0;
        while i + 1 < self.levels.len() && (1u32 << (i + 1)) <= f {
            i += 1;
        }
        (&self.levels[i], 1 << i)
    }
}

/// The grey scan resampled into the document's canvas (bilinear, after an
/// integer area reduction when the input is much finer); samples outside
/// the input are NaN.
#[must_use]
pub fn warp_gray(
    src: &GrayImage,
    mm_to_img: &Homography,
    px_per_mm: f64,
    size_mm: [f64; 2],
) -> Plane {
    let f = reduction_for(mm_to_img, px_per_mm, size_mm);
    if f > 1 {
        let reduced = box_reduce_gray(src, f);
        warp_reduced(&reduced, f, mm_to_img, px_per_mm, size_mm)
    } else {
        warp_reduced(src, 1, mm_to_img, px_per_mm, size_mm)
    }
}

/// [`warp_gray`] from a [`Pyramid`]: the level nearest below the needed
/// reduction (a power of two), so no per-call reduction.
#[must_use]
pub fn warp_pyramid(
    p: &Pyramid,
    mm_to_img: &Homography,
    px_per_mm: f64,
    size_mm: [f64; 2],
) -> Plane {
    let f = reduction_for(mm_to_img, px_per_mm, size_mm);
    let (img, f) = p.for_reduction(f);
    warp_reduced(img, f, mm_to_img, px_per_mm, size_mm)
}

#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
fn warp_reduced(
    img: &GrayImage,
    f: u32,
    mm_to_img: &Homography,
    px_per_mm: f64,
    size_mm: [f64; 2],
) -> Plane {
    // canvas px → mm → input px → reduced px.
    let to_img = canvas_to_reduced(mm_to_img, f, px_per_mm);
    let (w, h) = canvas_size(size_mm, px_per_mm);
    warp_rect(img, &to_img, [0, 0, w, h])
}

/// The canvas rectangle `[x0, y0, x1, y1)` of a warp (canvas px →
/// `img` px by `to_img`), as a plane of its own.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
fn warp_rect(img: &GrayImage, to_img: &Homography, rect: [usize; 4]) -> Plane {
    let [x0, y0, x1, y1] = rect;
    let (w, h) = (x1 - x0, y1 - y0);
    let mut out = Plane::new(w, h);
    let (iw, ih) = (img.width() as usize, img.height() as usize);
    let raw = img.as_raw();
    let hm = to_img.0;
    for y in 0..h {
        for x in 0..w {
            let (xf, yf) = ((x + x0) as f64, (y + y0) as f64);
            let wd = hm[6] * xf + hm[7] * yf + hm[8];
            let sx = (hm[0] * xf + hm[1] * yf + hm[2]) / wd;
            let sy = (hm[3] * xf + hm[4] * yf + hm[5]) / wd;
            out.data[y * w + x] = bilinear(raw, iw, ih, 1, 0, sx as f32, sy as f32);
        }
    }
    out
}

/// `smooth(&warp_pyramid(..))` computed only inside `windows` (canvas
/// rectangles `[x0, y0, x1, y1)`); NaN elsewhere. Inside the windows the
/// values are exactly those of the whole canvas: each window is warped
/// with the two-pixel margin the two smoothing passes reach. When the
/// windows cover much of the canvas, the whole canvas is one window.
#[must_use]
pub fn warp_smooth_windows(
    p: &Pyramid,
    mm_to_img: &Homography,
    px_per_mm: f64,
    size_mm: [f64; 2],
    windows: &[[usize; 4]],
) -> Plane {
    let (w, h) = canvas_size(size_mm, px_per_mm);
    let area: usize = windows
        .iter()
        .map(|r| (r[2].min(w).saturating_sub(r[0]) + 4) * (r[3].min(h).saturating_sub(r[1]) + 4))
        .sum();
    let whole = [[0, 0, w, h]];
    let windows = if 2 * area >= w * h {
        &whole[..]
    } else {
        windows
    };
    let f = reduction_for(mm_to_img, px_per_mm, size_mm);
    let (img, f) = p.for_reduction(f);
    let to_img = canvas_to_reduced(mm_to_img, f, px_per_mm);
    let mut out = Plane::new(w, h);
    out.data.fill(f32::NAN);
    for r in windows {
        let [x0, y0] = [r[0].min(w), r[1].min(h)];
        let [x1, y1] = [r[2].min(w), r[3].min(h)];
        if x1 <= x0 || y1 <= y0 {
            continue;
        }
        let m = [
            x0.saturating_sub(2),
            y0.saturating_sub(2),
            (x1 + 2).min(w),
            (y1 + 2).min(h),
        ];
        let local = smooth(&warp_rect(img, &to_img, m));
        for y in y0..y1 {
            let from = (y - m[1]) * local.width + (x0 - m[0]);
            out.data[y * w + x0..y * w + x1].copy_from_slice(&local.data[from..from + (x1 - x0)]);
        }
    }
    out
}

/// The colour scan resampled into the document's canvas, as three planes
/// (R, G, B); samples outside the input are NaN.
#[must_use]
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
pub fn warp_rgb(
    src: &RgbImage,
    mm_to_img: &Homography,
    px_per_mm: f64,
    size_mm: [f64; 2],
) -> [Plane; 3] {
    let f = reduction_for(mm_to_img, px_per_mm, size_mm);
    let reduced;
    let img = if f > 1 {
        reduced = box_reduce_rgb(src, f);
        &reduced
    } else {
        src
    };
    let to_img = canvas_to_reduced(mm_to_img, f, px_per_mm);
    let (w, h) = canvas_size(size_mm, px_per_mm);
    let mut out = [Plane::new(w, h), Plane::new(w, h), Plane::new(w, h)];
    let (iw, ih) = (img.width() as usize, img.height() as usize);
    let raw = img.as_raw();
    let hm = to_img.0;
    for y in 0..h {
        for x in 0..w {
            let (xf, yf) = (x as f64, y as f64);
            let wd = hm[6] * xf + hm[7] * yf + hm[8];
            let sx = ((hm[0] * xf + hm[1] * yf + hm[2]) / wd) as f32;
            let sy = ((hm[3] * xf + hm[4] * yf + hm[5]) / wd) as f32;
            for (c, plane) in out.iter_mut().enumerate() {
                plane.data[y * w + x] = bilinear(raw, iw, ih, 3, c, sx, sy);
            }
        }
    }
    out
}

#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn bilinear(raw: &[u8], w: usize, h: usize, stride: usize, c: usize, x: f32, y: f32) -> f32 {
    if !(x >= 0.0 && y >= 0.0) || w < 2 || h < 2 {
        return f32::NAN;
    }
    // x, y >= 0: truncation is the floor (and needs no libm call).
    let (ix, iy) = (x as usize, y as usize);
    if ix + 1 >= w || iy + 1 >= h {
        return f32::NAN;
    }
    let (fx, fy) = (x - ix as f32, y - iy as f32);
    let p = |xx: usize, yy: usize| f32::from(raw[(yy * w + xx) * stride + c]);
    let top = p(ix, iy) * (1.0 - fx) + p(ix + 1, iy) * fx;
    let bot = p(ix, iy + 1) * (1.0 - fx) + p(ix + 1, iy + 1) * fx;
    top * (1.0 - fy) + bot * fy
}

/// Two passes of a 3×3 box filter (≈ Gaussian σ 1 px): fine security
/// lines alias differently at every scan resolution and sampling phase;
/// their low-pass does not. NaN samples spread to their neighbours.
#[must_use]
pub fn smooth(p: &Plane) -> Plane {
    let mut cur = p.clone();
    for _ in 0..2 {
        let mut out = cur.clone();
        let (w, h) = (cur.width, cur.height);
        for y in 1..h.saturating_sub(1) {
            for x in 1..w.saturating_sub(1) {
                let mut s = 0.0;
                for dy in 0..3 {
                    let row = (y + dy - 1) * w + x - 1;
                    s += cur.data[row] + cur.data[row + 1] + cur.data[row + 2];
                }
                out.data[y * w + x] = s / 9.0;
            }
        }
        cur = out;
    }
    cur
}

/// An anchor: the centre of a textured patch of the reference, mm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    /// Centre, mm from the document's top-left corner.
    pub at_mm: [f32; 2],
    /// Texture strength (smaller structure-tensor eigenvalue).
    pub strength: f32,
}

/// Chooses up to `max` anchors on `reference` (a canvas at `px_per_mm`):
/// patches of `patch_mm` whose smaller structure-tensor eigenvalue is large
/// (texture in two directions, so that the match is defined), where
/// `allowed(x_mm, y_mm)` holds over most (80%) of the patch, spread over the page by
/// a grid of cells.
#[must_use]
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
pub fn select_anchors(
    reference: &Plane,
    px_per_mm: f64,
    patch_mm: f64,
    max: usize,
    allowed: &dyn Fn(f32, f32) -> bool,
) -> Vec<Anchor> {
    let half = ((patch_mm * px_per_mm) / 2.0).round().max(2.0) as usize;
    let step = half.max(2);
    let (w, h) = (reference.width, reference.height);
    if w <= 2 * half + 2 || h <= 2 * half + 2 {
        return Vec::new();
    }
    let k = px_per_mm as f32;
    let mut cands: Vec<Anchor> = Vec::new();
    let mut cy = half + 1;
    while cy + half + 1 < h {
        let mut cx = half + 1;
        while cx + half + 1 < w {
            let (x0, y0, x1, y1) = (cx - half, cy - half, cx + half, cy + half);
            // At least 80% of a 5×5 grid of points over the patch allowed.
            let mut ok = 0;
            for gy in 0..5 {
                for gx in 0..5 {
                    let x = x0 + (x1 - x0) * gx / 4;
                    let y = y0 + (y1 - y0) * gy / 4;
                    if allowed(x as f32 / k, y as f32 / k) {
                        ok += 1;
                    }
                }
            }
            let corners_ok = ok >= 20;
            if corners_ok {
                let (mut gxx, mut gyy, mut gxy) = (0.0f64, 0.0f64, 0.0f64);
                for y in y0..=y1 {
                    for x in x0..=x1 {
                        let gx = f64::from(reference.at(x + 1, y) - reference.at(x - 1, y));
                        let gy = f64::from(reference.at(x, y + 1) - reference.at(x, y - 1));
                        gxx += gx * gx;
                        gyy += gy * gy;
                        gxy += gx * gy;
                    }
                }
                let n = ((2 * half + 1) * (2 * half + 1)) as f64;
                let (a, b, c) = (gxx / n, gyy / n, gxy / n);
                let lmin = f64::midpoint(a, b) - (((a - b) / 2.0).powi(2) + c * c).sqrt();
                if lmin.is_finite() && lmin > 1.0 {
                    cands.push(Anchor {
                        at_mm: [cx as f32 / k, cy as f32 / k],
                        strength: lmin as f32,
                    });
                }
            }
            cx += step;
        }
        cy += step;
    }
    // Spread: the strongest candidate per cell of a grid of about `max`
    // cells, then the strongest of those.
    let cells_x = ((max as f64 * w as f64 / h as f64).sqrt().ceil() as usize).max(1);
    let cells_y = max.div_ceil(cells_x).max(1);
    let mut best: Vec<Option<Anchor>> = vec![None; cells_x * cells_y];
    for a in cands {
        let gx = ((a.at_mm[0] * k) as usize * cells_x / w).min(cells_x - 1);
        let gy = ((a.at_mm[1] * k) as usize * cells_y / h).min(cells_y - 1);
        let slot = &mut best[gy * cells_x + gx];
        if slot.is_none_or(|b| a.strength > b.strength) {
            *slot = Some(a);
        }
    }
    let mut out: Vec<Anchor> = best.into_iter().flatten().collect();
    out.sort_by(|a, b| b.strength.total_cmp(&a.strength));
    out.truncate(max);
    out
}

/// Normalised cross-correlation of the `(2·half+1)²` patch of `a` at
/// (ax, ay) with the patch of `b` at (bx, by); NaN samples make it NaN.
#[allow(clippy::cast_precision_loss)]
fn ncc(a: &Plane, ax: usize, ay: usize, b: &Plane, bx: usize, by: usize, half: usize) -> f32 {
    let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0f32, 0.0, 0.0, 0.0, 0.0);
    for dy in 0..=2 * half {
        let ra = (ay + dy - half) * a.width + ax - half;
        let rb = (by + dy - half) * b.width + bx - half;
        for dx in 0..=2 * half {
            let (va, vb) = (a.data[ra + dx], b.data[rb + dx]);
            sa += va;
            sb += vb;
            saa += va * va;
            sbb += vb * vb;
            sab += va * vb;
        }
    }
    let n = ((2 * half + 1) * (2 * half + 1)) as f32;
    let cov = sab - sa * sb / n;
    let va = saa - sa * sa / n;
    let vb = sbb - sb * sb / n;
    if va <= 1e-3 || vb <= 1e-3 {
        return 0.0;
    }
    cov / (va * vb).sqrt()
}

/// Best displacement (canvas px, sub-pixel) of the reference patch at
/// `(cx, cy)` within ±`radius` in `scan`, and its correlation.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss
)]
fn search(
    reference: &Plane,
    scan: &Plane,
    cx: usize,
    cy: usize,
    half: usize,
    radius: usize,
) -> Option<([f32; 2], f32)> {
    if cx < half + radius + 1
        || cy < half + radius + 1
        || cx + half + radius + 1 >= scan.width.min(reference.width)
        || cy + half + radius + 1 >= scan.height.min(reference.height)
    {
        return None;
    }
    let side = 2 * radius + 1;
    let mut surface = vec![f32::NEG_INFINITY; side * side];
    let (mut best, mut bi) = (f32::NEG_INFINITY, 0usize);
    for dy in 0..side {
        for dx in 0..side {
            let v = ncc(
                reference,
                cx,
                cy,
                scan,
                cx + dx - radius,
                cy + dy - radius,
                half,
            );
            let v = if v.is_nan() { f32::NEG_INFINITY } else { v };
            surface[dy * side + dx] = v;
            if v > best {
                best = v;
                bi = dy * side + dx;
            }
        }
    }
    if !best.is_finite() {
        return None;
    }
    let (bx, by) = (bi % side, bi / side);
    let parabola = |l: f32, c: f32, r: f32| {
        let d = l - 2.0 * c + r;
        if d < -1e-6 && l.is_finite() && r.is_finite() {
            (0.5 * (l - r) / d).clamp(-0.5, 0.5)
        } else {
            0.0
        }
    };
    let sx = if bx > 0 && bx + 1 < side {
        parabola(
            surface[by * side + bx - 1],
            best,
            surface[by * side + bx + 1],
        )
    } else {
        0.0
    };
    let sy = if by > 0 && by + 1 < side {
        parabola(
            surface[(by - 1) * side + bx],
            best,
            surface[(by + 1) * side + bx],
        )
    } else {
        0.0
    };
    Some((
        [
            bx as f32 - radius as f32 + sx,
            by as f32 - radius as f32 + sy,
        ],
        best,
    ))
}

/// One level of the coarse-to-fine alignment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Canvas resolution.
    pub px_per_mm: f64,
    /// Search radius around the predicted position, mm.
    pub search_mm: f64,
    /// Anchor patch side, mm.
    pub patch_mm: f64,
    /// RANSAC inlier distance, mm.
    pub inlier_mm: f64,
    /// Fit only a translation when fewer than 10 anchors match (a coarse
    /// level on a small card), not a homography.
    pub translation_only: bool,
}

/// The default pyramid: a translation at 2 px/mm within ±4 mm, then a
/// correction at 6 px/mm within ±0.8 mm, repeated from the better start
/// within ±0.4 mm.
pub const DEFAULT_LEVELS: [Level; 3] = [
    Level {
        px_per_mm: 2.0,
        search_mm: 4.0,
        patch_mm: 5.0,
        inlier_mm: 1.0,
        translation_only: true,
    },
    Level {
        px_per_mm: 6.0,
        search_mm: 0.8,
        patch_mm: 4.0,
        inlier_mm: 0.25,
        translation_only: false,
    },
    Level {
        px_per_mm: 6.0,
        search_mm: 0.4,
        patch_mm: 4.0,
        inlier_mm: 0.2,
        translation_only: false,
    },
];

/// A fitted alignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// Document millimetres → input pixels.
    pub mm_to_img: Homography,
    /// Anchors tried at the finest level.
    pub anchors: usize,
    /// Anchors whose match was good enough to use.
    pub matched: usize,
    /// Matches that agree with the fitted homography.
    pub inliers: usize,
    /// RMS distance of the inliers from the fit, mm.
    pub residual_mm: f64,
    /// Median correlation of the inlier matches.
    pub median_ncc: f32,
}

impl Alignment {
    /// Share of the anchors that agree with the fit (0..1): how well the
    /// scan matches this model.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn support(&self) -> f32 {
        if self.anchors == 0 {
            0.0
        } else {
            self.inliers as f32 / self.anchors as f32
        }
    }
}

/// The median displacement of the pairs, refined as the mean of those
/// within `inlier` of it.
#[allow(clippy::cast_precision_loss)]
fn translation(src: &[[f64; 2]], dst: &[[f64; 2]], inlier: f64) -> Option<(Homography, Vec<bool>)> {
    let d: Vec<[f64; 2]> = src
        .iter()
        .zip(dst)
        .map(|(p, q)| [q[0] - p[0], q[1] - p[1]])
        .collect();
    let median = |i: usize| {
        let mut v: Vec<f64> = d.iter().map(|x| x[i]).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let m = [median(0)?, median(1)?];
    let inl: Vec<bool> = d
        .iter()
        .map(|x| ((x[0] - m[0]).powi(2) + (x[1] - m[1]).powi(2)).sqrt() <= inlier)
        .collect();
    let n = inl.iter().filter(|&&b| b).count();
    if n == 0 {
        return None;
    }
    let mut t = [0.0, 0.0];
    for (x, &ok) in d.iter().zip(&inl) {
        if ok {
            t[0] += x[0] / n as f64;
            t[1] += x[1] / n as f64;
        }
    }
    Some((Homography::scale_translate(1.0, t), inl))
}

/// Refines `init` (document mm → input px) against `reference` canvases
/// (one per level, at that level's resolution, passed through [`smooth`])
/// using `anchors` (one list per level). `None` when too few anchors match at some level.
#[must_use]
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
pub fn refine(
    scan: &Pyramid,
    size_mm: [f64; 2],
    levels: &[Level],
    references: &[Plane],
    anchors: &[Vec<Anchor>],
    init: &Homography,
) -> Option<Alignment> {
    let mut mm_to_img = *init;
    let mut last = None;
    for ((level, reference), anchors) in levels.iter().zip(references).zip(anchors) {
        let k = level.px_per_mm;
        let half = ((level.patch_mm * k) / 2.0).round().max(2.0) as usize;
        let radius = (level.search_mm * k).round().max(1.0) as usize;
        // Only the pixels the anchors' searches read.
        let reach = half + radius;
        let windows: Vec<[usize; 4]> = anchors
            .iter()
            .filter_map(|a| {
                let cx = (f64::from(a.at_mm[0]) * k) as usize;
                let cy = (f64::from(a.at_mm[1]) * k) as usize;
                (cx > reach && cy > reach)
                    .then(|| [cx - reach, cy - reach, cx + reach + 1, cy + reach + 1])
            })
            .collect();
        let canvas = warp_smooth_windows(scan, &mm_to_img, k, size_mm, &windows);
        let mut src = Vec::new();
        let mut dst = Vec::new();
        let mut nccs = Vec::new();
        for a in anchors {
            let cx = (f64::from(a.at_mm[0]) * k) as usize;
            let cy = (f64::from(a.at_mm[1]) * k) as usize;
            if let Some((d, c)) = search(reference, &canvas, cx, cy, half, radius)
                && c >= 0.4
            {
                // The reference point (mm) is seen at the displaced canvas
                // point, which the current estimate maps to the input.
                let seen_mm = [
                    (cx as f64 + 0.5 + f64::from(d[0])) / k,
                    (cy as f64 + 0.5 + f64::from(d[1])) / k,
                ];
                let ref_mm = [(cx as f64 + 0.5) / k, (cy as f64 + 0.5) / k];
                src.push(ref_mm);
                dst.push(seen_mm);
                nccs.push(c);
            }
        }
        let matched = src.len();
        if std::env::var_os("DOCSCREEN_DEBUG_ALIGN").is_some() {
            #[allow(clippy::print_stderr)] // opt-in developer trace
            {
                eprintln!(
                    "align level {k} px/mm: {matched}/{} anchors matched",
                    anchors.len()
                );
            }
        }
        let need = if level.translation_only { 3 } else { 6 };
        if matched < need {
            return None;
        }
        // A correction within the canvas (mm → mm), then composed.
        // A translation when few anchors matched; with many, a coarse
        // homography (a large page's small rotation error is millimetres
        // at its far edge).
        let (corr, inl) = if level.translation_only && matched < 10 {
            translation(&src, &dst, level.inlier_mm)?
        } else {
            // An affine correction unless perspective clearly explains more
            // matches: anchors often cover part of the page only, and a
            // homography's perspective terms then swing the far corners.
            let affine = Homography::ransac_affine(&src, &dst, level.inlier_mm, 300);
            let full = Homography::ransac(&src, &dst, level.inlier_mm, 300);
            let count = |r: &Option<(Homography, Vec<bool>)>| {
                r.as_ref()
                    .map_or(0, |(_, v)| v.iter().filter(|&&b| b).count())
            };
            let (na, nf) = (count(&affine), count(&full));
            if nf * 5 > na * 6 && nf >= na + 3 {
                full?
            } else {
                affine.or(full)?
            }
        };
        let inliers = inl.iter().filter(|&&b| b).count();
        if inliers < need || (level.translation_only && inliers * 5 < matched * 2) {
            return None;
        }
        let mut sq = 0.0;
        let mut inl_ncc = Vec::new();
        for i in 0..matched {
            if inl[i] {
                let p = corr.apply(src[i])?;
                sq += (p[0] - dst[i][0]).powi(2) + (p[1] - dst[i][1]).powi(2);
                inl_ncc.push(nccs[i]);
            }
        }
        inl_ncc.sort_by(f32::total_cmp);
        mm_to_img = mm_to_img.then_after(&corr);
        last = Some(Alignment {
            mm_to_img,
            anchors: anchors.len(),
            matched,
            inliers,
            residual_mm: (sq / inliers as f64).sqrt(),
            median_ncc: inl_ncc[inl_ncc.len() / 2],
        });
    }
    last
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A textured test page: a few hundred crossing strokes and dots.
    fn page(w: u32, h: u32) -> GrayImage {
        let mut img = GrayImage::from_pixel(w, h, image::Luma([235]));
        let mut s: u32 = 12345;
        let mut rnd = |m: u32| {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (s >> 8) % m
        };
        for _ in 0..500 {
            let (x, y) = (rnd(w - 12), rnd(h - 12));
            let (lw, lh) = (2 + rnd(10), 2 + rnd(10));
            let v = 30 + rnd(120);
            for yy in y..y + lh {
                for xx in x..x + lw {
                    img.put_pixel(xx, yy, image::Luma([v as u8]));
                }
            }
        }
        img
    }

    #[test]
    fn warp_with_identity_scale_reproduces_the_page() {
        let img = page(200, 120);
        // 4 px per mm, document 50 × 30 mm.
        let h = Homography::scale_translate(4.0, [0.0, 0.0]);
        let p = warp_gray(&img, &h, 4.0, [50.0, 30.0]);
        assert_eq!((p.width, p.height), (200, 120));
        let mut diff = 0.0;
        let mut n = 0.0;
        for y in 0..119 {
            for x in 0..199 {
                let v = p.data[y * 200 + x];
                if v.is_finite() {
                    diff += (v - f32::from(img.get_pixel(x as u32, y as u32).0[0])).abs();
                    n += 1.0;
                }
            }
        }
        assert!(diff / n < 1.0, "mean abs diff {}", diff / n);
    }

    #[test]
    fn windows_hold_exactly_the_whole_canvas_values() {
        let img = page(400, 260);
        let pyramid = Pyramid::new(&img);
        // A slightly rotated, scaled mapping: 3.1 px per mm, 2 degrees.
        let (c, s) = (2f64.to_radians().cos(), 2f64.to_radians().sin());
        let h = Homography([
            3.1 * c,
            -3.1 * s,
            12.0,
            3.1 * s,
            3.1 * c,
            4.0,
            0.0,
            0.0,
            1.0,
        ]);
        let size = [110.0, 70.0];
        let full = smooth(&warp_pyramid(&pyramid, &h, 4.0, size));
        // Windows inside, overlapping, and against the canvas edges.
        let windows = [
            [10, 10, 40, 35],
            [30, 20, 70, 50],
            [0, 0, 12, 9],
            [420, 250, 440, 280],
        ];
        let sparse = warp_smooth_windows(&pyramid, &h, 4.0, size, &windows);
        assert_eq!((sparse.width, sparse.height), (full.width, full.height));
        let mut inside = 0;
        for y in 0..full.height {
            for x in 0..full.width {
                let covered = windows
                    .iter()
                    .any(|r| x >= r[0] && x < r[2] && y >= r[1] && y < r[3]);
                let (a, b) = (
                    sparse.data[y * full.width + x],
                    full.data[y * full.width + x],
                );
                if covered {
                    inside += 1;
                    assert!(
                        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                        "{x},{y}: {a} vs {b}"
                    );
                } else {
                    assert!(a.is_nan());
                }
            }
        }
        assert!(inside > 2000);
    }

    #[test]
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
    fn refine_recovers_a_shift_and_rotation() {
        // The "scan": the page at 8 px/mm, rotated 3° and shifted, on a
        // margin; the reference at the levels' resolutions.
        let size_mm = [60.0, 40.0];
        let base = page(480, 320); // 8 px/mm
        let truth = Homography([
            8.0 * 3f64.to_radians().cos(),
            -8.0 * 3f64.to_radians().sin(),
            60.0,
            8.0 * 3f64.to_radians().sin(),
            8.0 * 3f64.to_radians().cos(),
            40.0,
            0.0,
            0.0,
            1.0,
        ]);
        let inv = truth.inverse().unwrap();
        let mut scan = GrayImage::from_pixel(620, 440, image::Luma([90]));
        let doc_px = Homography::scale_translate(8.0, [0.0, 0.0]);
        for y in 0..440 {
            for x in 0..620 {
                let mm = inv.apply([f64::from(x) + 0.5, f64::from(y) + 0.5]).unwrap();
                let p = doc_px.apply(mm).unwrap();
                if p[0] >= 0.0 && p[1] >= 0.0 && p[0] < 479.0 && p[1] < 319.0 {
                    let v = base.get_pixel(p[0] as u32, p[1] as u32).0[0];
                    scan.put_pixel(x, y, image::Luma([v]));
                }
            }
        }
        let references: Vec<Plane> = DEFAULT_LEVELS
            .iter()
            .map(|l| smooth(&warp_gray(&base, &doc_px, l.px_per_mm, size_mm)))
            .collect();
        let anchors: Vec<Vec<Anchor>> = DEFAULT_LEVELS
            .iter()
            .zip(&references)
            .map(|(l, r)| select_anchors(r, l.px_per_mm, l.patch_mm, 30, &|_, _| true))
            .collect();
        assert!(anchors[1].len() >= 10);
        // Start 2 mm and 1.5° off.
        let off = Homography([
            8.0 * 1.5f64.to_radians().cos(),
            -8.0 * 1.5f64.to_radians().sin(),
            60.0 + 16.0,
            8.0 * 1.5f64.to_radians().sin(),
            8.0 * 1.5f64.to_radians().cos(),
            40.0 - 12.0,
            0.0,
            0.0,
            1.0,
        ]);
        let a = refine(
            &Pyramid::new(&scan),
            size_mm,
            &DEFAULT_LEVELS,
            &references,
            &anchors,
            &off,
        )
        .unwrap();
        for c in [[0.0, 0.0], [60.0, 0.0], [60.0, 40.0], [0.0, 40.0]] {
            let got = a.mm_to_img.apply(c).unwrap();
            let want = truth.apply(c).unwrap();
            let err = ((got[0] - want[0]).powi(2) + (got[1] - want[1]).powi(2)).sqrt();
            assert!(err < 8.0 * 0.15, "corner {c:?}: {err} px off");
        }
        assert!(a.support() > 0.6, "{a:?}");
    }

    #[test]
    fn tiny_inputs_do_not_panic() {
        let img = GrayImage::new(1, 1);
        let p = warp_gray(&img, &Homography::IDENTITY, 1.0, [3.0, 3.0]);
        assert!(p.data.iter().all(|v| v.is_nan()));
        assert!(select_anchors(&p, 1.0, 4.0, 10, &|_, _| true).is_empty());
        let none = refine(
            &Pyramid::new(&img),
            [3.0, 3.0],
            &DEFAULT_LEVELS,
            &[p.clone(), p],
            &[vec![], vec![]],
            &Homography::IDENTITY,
        );
        assert!(none.is_none());
    }
}
