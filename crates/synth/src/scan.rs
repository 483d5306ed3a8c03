//! Scan simulation: a rendered document placed on a scanner background,
//! rotated, in perspective, resampled to the scan resolution, blurred,
//! noisy, unevenly lit, colour-cast and encoded, with exact geometry.

use image::{ImageEncoder, Rgb, RgbImage};
use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::SynthRng;

/// Where the document lies during the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Background {
    /// A scanner lid: near white with faint texture.
    ScannerLid,
    /// A wooden desk.
    Desk,
    /// A dark surface (open lid, black card).
    Dark,
    /// Woven fabric.
    Fabric,
}

/// Output file format.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum Encoding {
    /// JPEG at `quality`, re-saved once at `resave_quality` when set.
    Jpeg {
        /// First encoding quality.
        quality: u8,
        /// Second round's quality (a re-saved file).
        resave_quality: Option<u8>,
    },
    /// Lossless PNG.
    Png,
}

/// Every parameter of one simulated scan (recorded in the ground truth).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanParams {
    /// Scan resolution, 150-600.
    pub dpi: u32,
    /// Rotation of the document on the glass, degrees (any angle).
    pub rotation_deg: f32,
    /// Largest corner displacement as a share of the document diagonal.
    pub perspective: f32,
    /// Background visible around the document, mm.
    pub margin_mm: f32,
    /// Shift of the document inside the canvas, mm.
    pub offset_mm: [f32; 2],
    /// The surface.
    pub background: Background,
    /// Gaussian defocus, output pixels.
    pub defocus_sigma: f32,
    /// Motion blur: length (px) and angle (degrees).
    pub motion_blur: Option<(f32, f32)>,
    /// Sensor noise standard deviation (0-255 scale).
    pub noise_sigma: f32,
    /// Strength of uneven illumination.
    pub illumination: f32,
    /// Per-channel gains.
    pub color_cast: [f32; 3],
    /// Tone curve exponent.
    pub gamma: f32,
    /// Encoding.
    pub encoding: Encoding,
}

impl ScanParams {
    /// Random parameters covering what genuine scans vary in.
    #[must_use]
    pub fn random(rng: &mut SynthRng) -> Self {
        let dpi = [150, 200, 240, 300, 300, 300, 400, 600][rng.random_range(0..8)];
        let quarter = f32::from(rng.random_range(0u8..4)) * 90.0;
        let rotation_deg = match rng.random_range(0..10) {
            0 => rng.random_range(0.0..360.0),
            1 | 2 => quarter + rng.random_range(-1.0..1.0),
            _ => quarter + rng.random_range(-8.0..8.0),
        }
        .rem_euclid(360.0);
        let perspective = if rng.random_bool(0.6) {
            rng.random_range(0.0..0.01)
        } else {
            rng.random_range(0.0..0.04)
        };
        let margin_mm = rng.random_range(3.0..40.0f32);
        let offset_mm = [
            rng.random_range(-0.5..0.5) * margin_mm,
            rng.random_range(-0.5..0.5) * margin_mm,
        ];
        let background = [
            Background::ScannerLid,
            Background::Desk,
            Background::Dark,
            Background::Fabric,
        ][rng.random_range(0..4)];
        let defocus_sigma = if rng.random_bool(0.5) {
            rng.random_range(0.0..0.8)
        } else {
            rng.random_range(0.0..2.0)
        };
        let motion_blur = rng
            .random_bool(0.1)
            .then(|| (rng.random_range(2.0..6.0), rng.random_range(0.0..180.0)));
        let encoding = if rng.random_bool(0.8) {
            let quality = if rng.random_bool(0.7) {
                rng.random_range(60..=95)
            } else {
                rng.random_range(40..=95)
            };
            Encoding::Jpeg {
                quality,
                resave_quality: rng.random_bool(0.2).then(|| rng.random_range(50..=95)),
            }
        } else {
            Encoding::Png
        };
        Self {
            dpi,
            rotation_deg,
            perspective,
            margin_mm,
            offset_mm,
            background,
            defocus_sigma,
            motion_blur,
            noise_sigma: rng.random_range(0.0..8.0),
            illumination: rng.random_range(0.0..0.35),
            color_cast: [
                rng.random_range(0.9..1.1),
                rng.random_range(0.9..1.1),
                rng.random_range(0.9..1.1),
            ],
            gamma: rng.random_range(0.8..1.25),
            encoding,
        }
    }

    /// A clean, upright 300-dpi PNG scan on a white lid: for tests.
    #[must_use]
    pub fn clean() -> Self {
        Self {
            dpi: 300,
            rotation_deg: 0.0,
            perspective: 0.0,
            margin_mm: 10.0,
            offset_mm: [0.0, 0.0],
            background: Background::ScannerLid,
            defocus_sigma: 0.0,
            motion_blur: None,
            noise_sigma: 0.0,
            illumination: 0.0,
            color_cast: [1.0, 1.0, 1.0],
            gamma: 1.0,
            encoding: Encoding::Png,
        }
    }
}

/// A simulated scan and its geometry.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The encoded file.
    pub bytes: Vec<u8>,
    /// `jpg` or `png`.
    pub extension: &'static str,
    /// Width, px.
    pub width: u32,
    /// Height, px.
    pub height: u32,
    /// The document's own top-left, top-right, bottom-right and bottom-left
    /// corners in output pixels (after rotation: the document's top-left may
    /// be anywhere in the image).
    pub corners_px: [[f32; 2]; 4],
    /// Homography (row-major) from document mm to output pixels.
    pub mm_to_px: [f64; 9],
    /// The parameters used.
    pub params: ScanParams,
}

/// Applies a homography to a point.
#[must_use]
#[allow(clippy::cast_possible_truncation)] // pixel coordinates fit f32
pub fn apply(h: &[f64; 9], x: f64, y: f64) -> [f32; 2] {
    let w = h[6] * x + h[7] * y + h[8];
    [
        ((h[0] * x + h[1] * y + h[2]) / w) as f32,
        ((h[3] * x + h[4] * y + h[5]) / w) as f32,
    ]
}

/// The homography taking `src[i]` to `dst[i]` (DLT on 4 points, h33 = 1).
fn homography(src: [[f64; 2]; 4], dst: [[f64; 2]; 4]) -> [f64; 9] {
    let mut a = [[0.0f64; 9]; 8];
    for i in 0..4 {
        let ([x, y], [u, v]) = (src[i], dst[i]);
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Gaussian elimination with partial pivoting on the 8×8 system.
    for col in 0..8 {
        let pivot = (col..8)
            .max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        let d = a[col][col];
        if d.abs() < 1e-12 {
            continue;
        }
        for k in col..9 {
            a[col][k] /= d;
        }
        for row in 0..8 {
            if row != col {
                let f = a[row][col];
                for k in col..9 {
                    a[row][k] -= f * a[col][k];
                }
            }
        }
    }
    [
        a[0][8], a[1][8], a[2][8], a[3][8], a[4][8], a[5][8], a[6][8], a[7][8], 1.0,
    ]
}

fn invert(h: &[f64; 9]) -> [f64; 9] {
    let [a, b, c, d, e, f, g, hh, i] = *h;
    let co = [
        e * i - f * hh,
        c * hh - b * i,
        b * f - c * e,
        f * g - d * i,
        a * i - c * g,
        c * d - a * f,
        d * hh - e * g,
        b * g - a * hh,
        a * e - b * d,
    ];
    let det = a * co[0] + b * co[3] + c * co[6];
    co.map(|v| v / det)
}

/// A cheap deterministic hash of a pixel and a seed, as uniform in [0, 1).
fn hash01(x: u32, y: u32, c: u32, seed: u32) -> f32 {
    let mut h = x.wrapping_mul(0x8da6_b343)
        ^ y.wrapping_mul(0xd816_3841)
        ^ c.wrapping_mul(0xcb1a_b31f)
        ^ seed;
    h ^= h >> 13;
    h = h.wrapping_mul(0x5bd1_e995);
    h ^= h >> 15;
    #[allow(clippy::cast_precision_loss)]
    let v = (h >> 8) as f32 / 16_777_216.0;
    v
}

/// Background colour at an output pixel.
#[allow(clippy::cast_precision_loss)] // pixel coordinates
fn background(kind: Background, x: u32, y: u32, base: [f32; 3], seed: u32) -> [f32; 3] {
    let (xf, yf) = (x as f32, y as f32);
    let n = hash01(x, y, 7, seed) - 0.5;
    match kind {
        Background::ScannerLid => base.map(|b| b + n * 6.0),
        Background::Dark => base.map(|b| b + n * 10.0),
        Background::Desk => {
            let grain = (yf * 0.045 + 5.0 * (xf * 0.004 + yf * 0.002).sin()).sin() * 0.5 + 0.5;
            let f = 0.8 + 0.25 * grain + n * 0.05;
            base.map(|b| b * f)
        }
        Background::Fabric => {
            let weave =
                ((xf * 0.9).sin() * (yf * 0.9).cos()).abs() * 0.5 + ((xf + yf) * 0.07).sin() * 0.1;
            base.map(|b| b * (0.8 + 0.3 * weave) + n * 8.0)
        }
    }
}

/// Simulates scanning `document`, rendered at `doc_dpi` and covering
/// `size_mm` (width, height).
#[must_use]
#[allow(
    clippy::too_many_lines,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)] // one pipeline; pixel maths
pub fn simulate(
    document: &RgbImage,
    doc_dpi: f32,
    size_mm: [f32; 2],
    params: &ScanParams,
    rng: &mut SynthRng,
) -> Scan {
    let s = f64::from(params.dpi) / 25.4;
    let (wmm, hmm) = (f64::from(size_mm[0]), f64::from(size_mm[1]));
    let (sin, cos) = f64::from(params.rotation_deg).to_radians().sin_cos();
    let mm = [[0.0, 0.0], [wmm, 0.0], [wmm, hmm], [0.0, hmm]];
    let diag = (wmm * wmm + hmm * hmm).sqrt() * s;
    // Rotate about the centre, then jitter the corners (perspective).
    let mut pts = mm.map(|[x, y]| {
        let (dx, dy) = ((x - wmm / 2.0) * s, (y - hmm / 2.0) * s);
        [dx * cos - dy * sin, dx * sin + dy * cos]
    });
    for p in &mut pts {
        let a: f64 = rng.random_range(0.0..std::f64::consts::TAU);
        let r = f64::from(params.perspective) * diag * rng.random_range(0.0..1.0f64);
        p[0] += r * a.cos();
        p[1] += r * a.sin();
    }
    let min_x = pts.iter().map(|p| p[0]).fold(f64::MAX, f64::min);
    let min_y = pts.iter().map(|p| p[1]).fold(f64::MAX, f64::min);
    let max_x = pts.iter().map(|p| p[0]).fold(f64::MIN, f64::max);
    let max_y = pts.iter().map(|p| p[1]).fold(f64::MIN, f64::max);
    let margin = f64::from(params.margin_mm) * s;
    let (ox, oy) = (
        f64::from(params.offset_mm[0]) * s,
        f64::from(params.offset_mm[1]) * s,
    );
    let left = (margin + ox).max(2.0);
    let top = (margin + oy).max(2.0);
    let width = (max_x - min_x + left + (margin - ox).max(2.0))
        .ceil()
        .max(8.0) as u32;
    let height = (max_y - min_y + top + (margin - oy).max(2.0))
        .ceil()
        .max(8.0) as u32;
    for p in &mut pts {
        p[0] += left - min_x;
        p[1] += top - min_y;
    }
    let h = homography(mm, pts);
    let inv = invert(&h);

    let seed: u32 = rng.random();
    let base = match params.background {
        Background::ScannerLid => {
            [rng.random_range(228.0..252.0f32); 3].map(|v| v - rng.random_range(0.0..4.0))
        }
        Background::Dark => [rng.random_range(12.0..40.0f32); 3],
        Background::Desk => [
            rng.random_range(120.0..170.0),
            rng.random_range(80.0..115.0),
            rng.random_range(45.0..70.0),
        ],
        Background::Fabric => [
            rng.random_range(40.0..200.0),
            rng.random_range(40.0..200.0),
            rng.random_range(40.0..200.0),
        ],
    };
    let shadow = matches!(
        params.background,
        Background::ScannerLid | Background::Fabric | Background::Desk
    ) && rng.random_bool(0.6);
    let (shx, shy) = (
        rng.random_range(-1.2..1.2f64),
        rng.random_range(-1.2..1.2f64),
    );

    // Warp: every output pixel back to the document.
    let kd = f64::from(doc_dpi) / 25.4;
    let (dw, dh) = (document.width(), document.height());
    let sample = |u: f64, v: f64| -> [f32; 3] {
        let (fx, fy) = (u * kd - 0.5, v * kd - 0.5);
        let x0 = fx.floor().clamp(0.0, f64::from(dw - 1)) as u32;
        let y0 = fy.floor().clamp(0.0, f64::from(dh - 1)) as u32;
        let x1 = (x0 + 1).min(dw - 1);
        let y1 = (y0 + 1).min(dh - 1);
        let (ax, ay) = (
            (fx - f64::from(x0)).clamp(0.0, 1.0) as f32,
            (fy - f64::from(y0)).clamp(0.0, 1.0) as f32,
        );
        let (p00, p10, p01, p11) = (
            document.get_pixel(x0, y0).0,
            document.get_pixel(x1, y0).0,
            document.get_pixel(x0, y1).0,
            document.get_pixel(x1, y1).0,
        );
        [0, 1, 2].map(|c| {
            let top = f32::from(p00[c]) * (1.0 - ax) + f32::from(p10[c]) * ax;
            let bot = f32::from(p01[c]) * (1.0 - ax) + f32::from(p11[c]) * ax;
            top * (1.0 - ay) + bot * ay
        })
    };
    let mut buf = vec![0f32; (width * height * 3) as usize];
    let px_mm = 1.0 / s;
    for y in 0..height {
        for x in 0..width {
            let (fx, fy) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
            let w = inv[6] * fx + inv[7] * fy + inv[8];
            let u = (inv[0] * fx + inv[1] * fy + inv[2]) / w;
            let v = (inv[3] * fx + inv[4] * fy + inv[5]) / w;
            // Signed distance to the page edge in mm (positive inside).
            let inside = u.min(wmm - u).min(v).min(hmm - v);
            let mut bg = background(params.background, x, y, base, seed);
            if shadow && inside < 0.0 {
                let (su, sv) = (u - shx, v - shy);
                let out = (-su)
                    .max(su - wmm)
                    .max(0.0)
                    .hypot((-sv).max(sv - hmm).max(0.0));
                let f = 1.0 - 0.35 * (-out / 1.5).exp() as f32;
                bg = bg.map(|c| c * f);
            }
            let cov = ((inside / px_mm) + 0.5).clamp(0.0, 1.0) as f32;
            let c = if cov <= 0.0 {
                bg
            } else {
                let d = sample(u.clamp(0.0, wmm), v.clamp(0.0, hmm));
                [0, 1, 2].map(|i| d[i] * cov + bg[i] * (1.0 - cov))
            };
            let o = ((y * width + x) * 3) as usize;
            buf[o..o + 3].copy_from_slice(&c);
        }
    }

    // Photometry: tone curve and cast, uneven light, blur, noise.
    let (a1, a2, a3) = (
        rng.random_range(-1.0..1.0f32),
        rng.random_range(-1.0..1.0f32),
        rng.random_range(-1.0..1.0f32),
    );
    let (bx, by) = (rng.random_range(0.0..1.0f32), rng.random_range(0.0..1.0f32));
    for y in 0..height {
        for x in 0..width {
            let (nx, ny) = (
                x as f32 / width as f32 * 2.0 - 1.0,
                y as f32 / height as f32 * 2.0 - 1.0,
            );
            let blob = (-((x as f32 / width as f32 - bx).powi(2)
                + (y as f32 / height as f32 - by).powi(2))
                * 4.0)
                .exp();
            let gain = 1.0
                + params.illumination
                    * (0.5 * a1 * nx + 0.5 * a2 * ny + 0.3 * a3 * nx * ny + 0.4 * (blob - 0.5));
            let o = ((y * width + x) * 3) as usize;
            for c in 0..3 {
                let v = (buf[o + c] / 255.0).clamp(0.0, 1.0).powf(params.gamma)
                    * 255.0
                    * params.color_cast[c]
                    * gain;
                buf[o + c] = v;
            }
        }
    }
    let mut img = RgbImage::from_fn(width, height, |x, y| {
        let o = ((y * width + x) * 3) as usize;
        Rgb([
            buf[o].clamp(0.0, 255.0) as u8,
            buf[o + 1].clamp(0.0, 255.0) as u8,
            buf[o + 2].clamp(0.0, 255.0) as u8,
        ])
    });
    drop(buf);
    if params.defocus_sigma > 0.05 {
        img = imageproc::filter::gaussian_blur_f32(&img, params.defocus_sigma);
    }
    if let Some((len, angle)) = params.motion_blur {
        let (sa, ca) = angle.to_radians().sin_cos();
        let taps = len.round().max(2.0) as i32;
        let src = img.clone();
        for y in 0..height {
            for x in 0..width {
                let mut acc = [0u32; 3];
                for t in 0..taps {
                    let d = t as f32 - (taps - 1) as f32 / 2.0;
                    let sx = (x as f32 + d * ca).round().clamp(0.0, (width - 1) as f32) as u32;
                    let sy = (y as f32 + d * sa).round().clamp(0.0, (height - 1) as f32) as u32;
                    let p = src.get_pixel(sx, sy).0;
                    for c in 0..3 {
                        acc[c] += u32::from(p[c]);
                    }
                }
                img.put_pixel(x, y, Rgb(acc.map(|a| (a / taps as u32) as u8)));
            }
        }
    }
    if params.noise_sigma > 0.01 {
        let nseed: u32 = rng.random();
        for (x, y, p) in img.enumerate_pixels_mut() {
            for c in 0..3 {
                // Sum of three uniforms: a cheap, bounded near-Gaussian.
                let n = (hash01(x, y, c as u32, nseed)
                    + hash01(x, y, c as u32 + 3, nseed)
                    + hash01(x, y, c as u32 + 6, nseed)
                    - 1.5)
                    * 2.0;
                p.0[c] = (f32::from(p.0[c]) + n * params.noise_sigma)
                    .round()
                    .clamp(0.0, 255.0) as u8;
            }
        }
    }

    let (bytes, extension) = encode(&img, params.encoding);
    Scan {
        bytes,
        extension,
        width,
        height,
        corners_px: mm.map(|[x, y]| apply(&h, x, y)),
        mm_to_px: h,
        params: params.clone(),
    }
}

fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    // Encoding into memory cannot fail for an RGB8 image.
    let _ = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(img);
    out
}

fn encode(img: &RgbImage, enc: Encoding) -> (Vec<u8>, &'static str) {
    match enc {
        Encoding::Png => {
            let mut out = Vec::new();
            let _ = image::codecs::png::PngEncoder::new(&mut out).write_image(
                img.as_raw(),
                img.width(),
                img.height(),
                image::ExtendedColorType::Rgb8,
            );
            (out, "png")
        }
        Encoding::Jpeg {
            quality,
            resave_quality,
        } => {
            let first = jpeg(img, quality);
            match resave_quality.and_then(|q| {
                image::load_from_memory(&first)
                    .ok()
                    .map(|d| (q, d.to_rgb8()))
            }) {
                Some((q, decoded)) => (jpeg(&decoded, q), "jpg"),
                None => (first, "jpg"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// A document with a coloured square at each corner: red TL, green TR,
    /// blue BR, black BL.
    fn marked(w: u32, h: u32) -> RgbImage {
        let mut img = RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
        let marks = [
            (0, 0, [255, 0, 0]),
            (w - 12, 0, [0, 255, 0]),
            (w - 12, h - 12, [0, 0, 255]),
            (0, h - 12, [0, 0, 0]),
        ];
        for (x0, y0, c) in marks {
            for y in y0..y0 + 12 {
                for x in x0..x0 + 12 {
                    img.put_pixel(x, y, Rgb(c));
                }
            }
        }
        img
    }

    #[test]
    fn corners_and_homography_agree_with_the_pixels() {
        let doc = marked(354, 236); // 60 × 40 mm at 150 dpi
        let colours = [[255u8, 0, 0], [0, 255, 0], [0, 0, 255], [0, 0, 0]];
        for rot in [0.0, 90.0, 180.0, 270.0, 7.0, 123.0] {
            let params = ScanParams {
                dpi: 150,
                rotation_deg: rot,
                perspective: 0.02,
                ..ScanParams::clean()
            };
            let scan = simulate(
                &doc,
                150.0,
                [60.0, 40.0],
                &params,
                &mut SynthRng::seed_from_u64(3),
            );
            let img = image::load_from_memory(&scan.bytes).expect("png").to_rgb8();
            for (i, c) in colours.iter().enumerate() {
                // 1 mm inside each corner, along the diagonal, lies its mark.
                let inner = [[1.0, 1.0], [59.0, 1.0], [59.0, 39.0], [1.0, 39.0]][i];
                let p = apply(&scan.mm_to_px, inner[0], inner[1]);
                let px = img.get_pixel(p[0].round() as u32, p[1].round() as u32).0;
                let dist: i32 = (0..3)
                    .map(|k| (i32::from(px[k]) - i32::from(c[k])).abs())
                    .sum();
                assert!(
                    dist < 90,
                    "rotation {rot}: corner {i} at {p:?} is {px:?}, expected {c:?}"
                );
                let corner = scan.corners_px[i];
                let exact = apply(
                    &scan.mm_to_px,
                    [0.0, 60.0, 60.0, 0.0][i],
                    [0.0, 0.0, 40.0, 40.0][i],
                );
                assert!((corner[0] - exact[0]).abs() < 1e-3 && (corner[1] - exact[1]).abs() < 1e-3);
                assert!(
                    corner[0] >= 0.0
                        && corner[1] >= 0.0
                        && corner[0] <= scan.width as f32
                        && corner[1] <= scan.height as f32
                );
            }
        }
    }

    #[test]
    fn deterministic_and_sized_by_dpi() {
        let doc = marked(300, 200);
        let p = ScanParams::random(&mut SynthRng::seed_from_u64(9));
        let a = simulate(
            &doc,
            150.0,
            [50.8, 33.9],
            &p,
            &mut SynthRng::seed_from_u64(1),
        );
        let b = simulate(
            &doc,
            150.0,
            [50.8, 33.9],
            &p,
            &mut SynthRng::seed_from_u64(1),
        );
        assert_eq!(a.bytes, b.bytes);
        let lo = simulate(
            &doc,
            150.0,
            [50.8, 33.9],
            &ScanParams {
                dpi: 150,
                ..ScanParams::clean()
            },
            &mut SynthRng::seed_from_u64(1),
        );
        let hi = simulate(
            &doc,
            150.0,
            [50.8, 33.9],
            &ScanParams {
                dpi: 600,
                ..ScanParams::clean()
            },
            &mut SynthRng::seed_from_u64(1),
        );
        assert!(
            (hi.width as f32 / lo.width as f32 - 4.0).abs() < 0.1,
            "{} vs {}",
            hi.width,
            lo.width
        );
        assert!(image::load_from_memory(&a.bytes).is_ok());
    }

    #[test]
    fn random_parameters_cover_their_ranges() {
        let mut rng = SynthRng::seed_from_u64(4);
        let mut quarters = [0usize; 4];
        let (mut jpeg, mut resaved, mut png) = (0, 0, 0);
        for _ in 0..500 {
            let p = ScanParams::random(&mut rng);
            assert!((150..=600).contains(&p.dpi));
            assert!((0.0..360.0).contains(&p.rotation_deg));
            assert!((0.0..=0.04).contains(&p.perspective));
            assert!((0.8..=1.25).contains(&p.gamma));
            let q = ((p.rotation_deg + 45.0).rem_euclid(360.0) / 90.0) as usize;
            quarters[q.min(3)] += 1;
            match p.encoding {
                Encoding::Jpeg {
                    quality,
                    resave_quality,
                } => {
                    assert!((40..=95).contains(&quality));
                    jpeg += 1;
                    resaved += usize::from(resave_quality.is_some());
                }
                Encoding::Png => png += 1,
            }
        }
        assert!(quarters.iter().all(|&n| n > 60), "{quarters:?}");
        assert!(
            jpeg > 350 && png > 50 && resaved > 30,
            "{jpeg} {png} {resaved}"
        );
    }
}
