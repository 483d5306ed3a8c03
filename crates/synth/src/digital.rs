//! Forgeries made on the scan file itself: the forger opens the scanner's
//! file in an editor, retypes a value, pastes a portrait or a value cut from
//! another file, or clones a patch of the scan over another place, and saves
//! the file again.
//!
//! Forgeries made on paper before the scan (the rest of [`crate::forge`]) go
//! through the scanner's blur, noise and compression like everything else on
//! the page, so they leave no pixel-level trace. These do: the edited area
//! misses the scan's first JPEG compression or carries another one on its own
//! 8×8 grid, has another noise level and sharpness, ends in a hard or lightly
//! feathered seam, and a clone repeats the scan's noise exactly. They are
//! what template-free forensics and the anomaly model must find (SIDTD's
//! "crop and replace" and "inpaint and rewrite" are of this kind).

use image::{ImageFormat, RgbImage};
use rand::RngExt;
use serde::Serialize;

use crate::SynthRng;
use crate::forge::{ForgeryKind, Region};
use crate::model::MmRect;
use crate::scan::{self, Encoding, RawScan};

/// How the edit was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// New content typeset in the editor: crisp, noiseless, never compressed
    /// before the final save.
    Retyped,
    /// Content cut from another scan (another scanner's blur and noise, its
    /// own JPEG compression on a shifted grid, a slightly different tone).
    Spliced,
    /// A patch of this scan copied over another place (identical noise).
    Cloned,
}

/// What the edit did, recorded in the ground truth's `details.digital`.
#[derive(Debug, Clone, Serialize)]
pub struct Edit {
    /// How.
    pub method: Method,
    /// Margin the edited area extends beyond the forged content, mm.
    pub margin_mm: f32,
    /// Width of the seam's blend, pixels (0: a hard edge).
    pub feather_px: f32,
    /// Quality of the source's own JPEG compression (spliced content).
    pub source_quality: Option<u8>,
    /// Offset of the source's 8×8 grid against the scan's, pixels.
    pub grid_offset: Option<[u32; 2]>,
    /// How the edited file was saved.
    pub saved_as: Encoding,
}

/// Picks the method for a kind: a clone for copy-move, a pasted portrait for
/// a photo substitution, else retyped or spliced text.
#[must_use]
pub fn method_for(kind: ForgeryKind, rng: &mut SynthRng) -> Method {
    match kind {
        ForgeryKind::CopyMove => Method::Cloned,
        ForgeryKind::PhotoSubstitution => Method::Spliced,
        _ if rng.random_bool(0.5) => Method::Retyped,
        _ => Method::Spliced,
    }
}

/// The edited file: the scanner's file `scanned` (as saved by the scanner
/// and opened again) with the forged `regions` replaced, from `source` (the
/// forged document scanned in the same geometry with the source's own blur
/// and noise) or, for a clone, from the scan itself. Returns the saved bytes,
/// their extension and what was done.
#[must_use]
pub fn edit(
    method: Method,
    scanned: &RgbImage,
    source: Option<&RawScan>,
    regions: &[Region],
    mm_to_px: &[f64; 9],
    size_mm: [f32; 2],
    rng: &mut SynthRng,
) -> (Vec<u8>, &'static str, Edit) {
    let margin_mm = if method == Method::Cloned {
        0.0
    } else {
        rng.random_range(0.3f32..2.0)
    };
    let feather_px = if rng.random_bool(0.5) {
        0.0
    } else {
        rng.random_range(0.5f32..2.5)
    };
    let mut out = scanned.clone();
    let mut record = Edit {
        method,
        margin_mm,
        feather_px,
        source_quality: None,
        grid_offset: None,
        saved_as: Encoding::Png,
    };
    let forged: Vec<&Region> = regions.iter().filter(|r| r.role == "forged").collect();
    match method {
        Method::Cloned => {
            let Some(src) = regions.iter().find(|r| r.role == "source") else {
                return finish(&out, record, rng);
            };
            let c = |r: MmRect| {
                scan::apply(
                    mm_to_px,
                    f64::from(r.x + r.w / 2.0),
                    f64::from(r.y + r.h / 2.0),
                )
            };
            for dst in &forged {
                let (s, d) = (c(src.rect_mm), c(dst.rect_mm));
                // A clone tool moves whole pixels: the copy is exact.
                #[allow(clippy::cast_possible_truncation)]
                let off = [(s[0] - d[0]).round() as i64, (s[1] - d[1]).round() as i64];
                let quad = quad_px(dst.rect_mm, 0.0, size_mm, mm_to_px);
                blend(&mut out, &quad, feather_px, |x, y| {
                    let (sx, sy) = (x + off[0], y + off[1]);
                    pixel(scanned, sx, sy)
                });
            }
        }
        Method::Retyped | Method::Spliced => {
            let Some(source) = source else {
                return finish(&out, record, rng);
            };
            let mut patch = source.pixels.clone();
            if method == Method::Spliced {
                let q = rng.random_range(55u8..=95);
                let off = [rng.random_range(1u32..8), rng.random_range(1u32..8)];
                patch = jpeg_on_shifted_grid(&patch, q, off);
                // Another scanner, another exposure.
                let gain = rng.random_range(0.94f32..1.06);
                let bias = rng.random_range(-6.0f32..6.0);
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                // clamped to 0..=255
                for p in patch.pixels_mut() {
                    for v in &mut p.0 {
                        *v = (f32::from(*v) * gain + bias).round().clamp(0.0, 255.0) as u8;
                    }
                }
                record.source_quality = Some(q);
                record.grid_offset = Some(off);
            }
            for r in &forged {
                let quad = quad_px(r.rect_mm, margin_mm, size_mm, mm_to_px);
                blend(&mut out, &quad, feather_px, |x, y| pixel(&patch, x, y));
            }
        }
    }
    finish(&out, record, rng)
}

/// Saves the edited image the way editors do: mostly JPEG at the editor's
/// quality, sometimes PNG.
fn finish(image: &RgbImage, mut record: Edit, rng: &mut SynthRng) -> (Vec<u8>, &'static str, Edit) {
    record.saved_as = if rng.random_bool(0.75) {
        Encoding::Jpeg {
            quality: rng.random_range(70u8..=97),
            resave_quality: None,
        }
    } else {
        Encoding::Png
    };
    let (bytes, ext) = scan::encode_image(image, record.saved_as);
    (bytes, ext, record)
}

/// Decodes what `encode_image` wrote (the forger opening the scanner's file).
#[must_use]
pub fn reopen(bytes: &[u8], ext: &str) -> RgbImage {
    let format = if ext == "png" {
        ImageFormat::Png
    } else {
        ImageFormat::Jpeg
    };
    image::load_from_memory_with_format(bytes, format)
        .expect("a file just encoded in memory decodes")
        .to_rgb8()
}

/// JPEG-compresses `img` with its 8×8 grid starting at `off` instead of the
/// origin, the way content cut from another file keeps that file's grid.
fn jpeg_on_shifted_grid(img: &RgbImage, quality: u8, off: [u32; 2]) -> RgbImage {
    let (w, h) = img.dimensions();
    if w <= off[0] || h <= off[1] {
        return img.clone();
    }
    let shifted = image::imageops::crop_imm(img, off[0], off[1], w - off[0], h - off[1]).to_image();
    let (bytes, _) = scan::encode_image(
        &shifted,
        Encoding::Jpeg {
            quality,
            resave_quality: None,
        },
    );
    let back = reopen(&bytes, "jpg");
    let mut out = img.clone();
    image::imageops::replace(&mut out, &back, i64::from(off[0]), i64::from(off[1]));
    out
}

fn pixel(img: &RgbImage, x: i64, y: i64) -> Option<[u8; 3]> {
    let (x, y) = (u32::try_from(x).ok()?, u32::try_from(y).ok()?);
    (x < img.width() && y < img.height()).then(|| img.get_pixel(x, y).0)
}

/// The rectangle grown by `margin_mm`, kept on the document, in pixels.
fn quad_px(r: MmRect, margin_mm: f32, size_mm: [f32; 2], mm_to_px: &[f64; 9]) -> [[f32; 2]; 4] {
    let x0 = (r.x - margin_mm).max(0.0);
    let y0 = (r.y - margin_mm).max(0.0);
    let x1 = (r.x + r.w + margin_mm).min(size_mm[0]);
    let y1 = (r.y + r.h + margin_mm).min(size_mm[1]);
    [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
        .map(|[x, y]| scan::apply(mm_to_px, f64::from(x), f64::from(y)))
}

/// Signed distance of `p` inside the convex quad (positive inside), pixels.
fn inside_distance(q: &[[f32; 2]; 4], p: [f32; 2]) -> f32 {
    // Orientation-independent: the sign of the area decides which side is in.
    let area: f32 = (0..4)
        .map(|i| {
            let (a, b) = (q[i], q[(i + 1) % 4]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum();
    let s = area.signum();
    (0..4)
        .map(|i| {
            let (a, b) = (q[i], q[(i + 1) % 4]);
            let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
            let len = ex.hypot(ey).max(1e-6);
            s * (ex * (p[1] - a[1]) - ey * (p[0] - a[0])) / len
        })
        .fold(f32::INFINITY, f32::min)
}

/// Writes `from(x, y)` into `out` inside `quad`, blended over `feather`
/// pixels at the seam (hard when 0).
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)] // pixel coordinates of images far below 2^24
fn blend(
    out: &mut RgbImage,
    quad: &[[f32; 2]; 4],
    feather: f32,
    from: impl Fn(i64, i64) -> Option<[u8; 3]>,
) {
    let (w, h) = out.dimensions();
    let xs = quad.iter().map(|p| p[0]);
    let ys = quad.iter().map(|p| p[1]);
    let x0 = xs.clone().fold(f32::INFINITY, f32::min).floor().max(0.0) as u32;
    let x1 = (xs.fold(f32::NEG_INFINITY, f32::max).ceil().max(0.0) as u32).min(w);
    let y0 = ys.clone().fold(f32::INFINITY, f32::min).floor().max(0.0) as u32;
    let y1 = (ys.fold(f32::NEG_INFINITY, f32::max).ceil().max(0.0) as u32).min(h);
    for y in y0..y1 {
        for x in x0..x1 {
            let d = inside_distance(quad, [x as f32 + 0.5, y as f32 + 0.5]);
            if d <= 0.0 {
                continue;
            }
            let Some(src) = from(i64::from(x), i64::from(y)) else {
                continue;
            };
            let a = if feather > 0.0 {
                (d / feather).min(1.0)
            } else {
                1.0
            };
            let dst = out.get_pixel_mut(x, y);
            for (d, s) in dst.0.iter_mut().zip(src) {
                *d = (f32::from(*d) * (1.0 - a) + f32::from(s) * a).round() as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::Rect;
    use image::Rgb;
    use rand::SeedableRng;

    const IDENTITY_10PX_PER_MM: [f64; 9] = [10.0, 0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0, 1.0];

    fn region(role: &'static str, x: f32, y: f32) -> Region {
        Region {
            role,
            what: "value".into(),
            rect_mm: Rect {
                x,
                y,
                w: 2.0,
                h: 1.0,
            },
        }
    }

    fn noisy(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let v = ((x * 7919 + y * 104_729) % 97) as u8;
            Rgb([100 + v, 90 + v, 80 + v])
        })
    }

    #[test]
    fn a_clone_copies_the_source_pixels_exactly() {
        let scanned = noisy(100, 60);
        let regions = [region("source", 1.0, 1.0), region("forged", 5.0, 3.0)];
        let mut rng = SynthRng::seed_from_u64(3);
        let (bytes, ext, e) = loop {
            let r = edit(
                Method::Cloned,
                &scanned,
                None,
                &regions,
                &IDENTITY_10PX_PER_MM,
                [10.0, 6.0],
                &mut rng,
            );
            // Only a lossless, hard-edged save can be compared pixel for pixel.
            if r.1 == "png" && r.2.feather_px == 0.0 {
                break r;
            }
        };
        assert_eq!(e.method, Method::Cloned);
        let out = reopen(&bytes, ext);
        for (dx, dy) in [(0, 0), (19, 9), (7, 4)] {
            assert_eq!(
                out.get_pixel(50 + dx, 30 + dy),
                scanned.get_pixel(10 + dx, 10 + dy)
            );
        }
        assert_eq!(
            out.get_pixel(2, 55),
            scanned.get_pixel(2, 55),
            "outside untouched"
        );
    }

    #[test]
    fn a_splice_replaces_only_the_grown_region() {
        let scanned = noisy(100, 60);
        let source = RawScan {
            pixels: RgbImage::from_pixel(100, 60, Rgb([10, 200, 10])),
            corners_px: [[0.0; 2]; 4],
            mm_to_px: IDENTITY_10PX_PER_MM,
        };
        let regions = [region("forged", 4.0, 2.0)];
        let mut rng = SynthRng::seed_from_u64(5);
        let (bytes, ext, e) = edit(
            Method::Spliced,
            &scanned,
            Some(&source),
            &regions,
            &IDENTITY_10PX_PER_MM,
            [10.0, 6.0],
            &mut rng,
        );
        assert!(e.source_quality.is_some() && e.grid_offset.is_some());
        let out = reopen(&bytes, ext);
        let centre = out.get_pixel(50, 25).0;
        assert!(centre[1] > 150 && centre[0] < 60, "pasted: {centre:?}");
        let far = out.get_pixel(95, 55).0;
        assert!(far[1] < 200 && far[0] > 80, "untouched: {far:?}");
    }

    #[test]
    fn inside_distance_is_positive_inside_either_orientation() {
        let q = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        let mut r = q;
        r.reverse();
        for quad in [q, r] {
            assert!((inside_distance(&quad, [5.0, 2.0]) - 2.0).abs() < 1e-5);
            assert!(inside_distance(&quad, [12.0, 5.0]) < 0.0);
        }
    }
}
