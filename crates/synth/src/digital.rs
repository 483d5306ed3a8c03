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
    /// The old value painted out with an inpainting tool (the area filled
    /// smoothly from its border, or smeared along its rows: the background
    /// pattern and the scan's noise are gone there) and the new value typed
    /// over it: SIDTD's "inpaint and rewrite".
    Inpainted,
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
/// a photo substitution, else retyped, spliced or inpainted-and-retyped
/// text.
#[must_use]
pub fn method_for(kind: ForgeryKind, rng: &mut SynthRng) -> Method {
    match kind {
        ForgeryKind::CopyMove => Method::Cloned,
        ForgeryKind::PhotoSubstitution => Method::Spliced,
        _ => match rng.random_range(0u8..3) {
            0 => Method::Retyped,
            1 => Method::Spliced,
            _ => Method::Inpainted,
        },
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
        Method::Inpainted => {
            let Some(source) = source else {
                return finish(&out, record, rng);
            };
            let smear = rng.random_bool(0.5);
            for r in &forged {
                let quad = quad_px(r.rect_mm, margin_mm, size_mm, mm_to_px);
                let fill = inpaint(&out, &quad, smear);
                blend(&mut out, &quad, feather_px, |x, y| {
                    Some(over_fill(pixel(&fill, x, y)?, pixel(&source.pixels, x, y)?))
                });
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

/// The area inside `quad` painted out from its border, the way an editor's
/// inpainting tool does it: either each row smeared between the colours
/// just left and right of the area (the streaks of a quick fill), or a
/// smooth membrane that takes the border's colours inwards (the row and
/// column interpolations averaged, then relaxed). The pattern and the
/// noise of the scan are gone inside. Outside the area the image is
/// returned as it was.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)] // pixel coordinates of images far below 2^24
fn inpaint(img: &RgbImage, quad: &[[f32; 2]; 4], smear: bool) -> RgbImage {
    let (w, h) = img.dimensions();
    let xs = quad.iter().map(|p| p[0]);
    let ys = quad.iter().map(|p| p[1]);
    let x0 = (xs.clone().fold(f32::INFINITY, f32::min).floor().max(1.0) as u32).min(w - 1);
    let x1 = (xs.fold(f32::NEG_INFINITY, f32::max).ceil().max(0.0) as u32).clamp(x0 + 1, w - 1);
    let y0 = (ys.clone().fold(f32::INFINITY, f32::min).floor().max(1.0) as u32).min(h - 1);
    let y1 = (ys.fold(f32::NEG_INFINITY, f32::max).ceil().max(0.0) as u32).clamp(y0 + 1, h - 1);
    let (bw, bh) = ((x1 - x0 + 1) as usize, (y1 - y0 + 1) as usize);
    // The border colours, a little smoothed so one noisy pixel does not
    // streak a whole row.
    let at = |x: u32, y: u32| -> [f32; 3] {
        let mut acc = [0.0f32; 3];
        let mut n = 0.0;
        for dy in 0..3u32 {
            for dx in 0..3u32 {
                let (sx, sy) = (
                    (x + dx).saturating_sub(1).min(w - 1),
                    (y + dy).saturating_sub(1).min(h - 1),
                );
                let p = img.get_pixel(sx, sy).0;
                for c in 0..3 {
                    acc[c] += f32::from(p[c]);
                }
                n += 1.0;
            }
        }
        acc.map(|v| v / n)
    };
    let left: Vec<[f32; 3]> = (0..bh).map(|j| at(x0 - 1, y0 + j as u32)).collect();
    let right: Vec<[f32; 3]> = (0..bh)
        .map(|j| at((x1 + 1).min(w - 1), y0 + j as u32))
        .collect();
    let top: Vec<[f32; 3]> = (0..bw).map(|i| at(x0 + i as u32, y0 - 1)).collect();
    let bottom: Vec<[f32; 3]> = (0..bw)
        .map(|i| at(x0 + i as u32, (y1 + 1).min(h - 1)))
        .collect();
    let mut f = vec![[0.0f32; 3]; bw * bh];
    for j in 0..bh {
        let v = (j as f32 + 1.0) / (bh as f32 + 1.0);
        for i in 0..bw {
            let u = (i as f32 + 1.0) / (bw as f32 + 1.0);
            for c in 0..3 {
                let row = left[j][c] * (1.0 - u) + right[j][c] * u;
                let col = top[i][c] * (1.0 - v) + bottom[i][c] * v;
                f[j * bw + i][c] = if smear { row } else { 0.5 * (row + col) };
            }
        }
    }
    if !smear {
        // Relax towards the membrane the border defines (a few Jacobi
        // sweeps of Laplace's equation).
        for _ in 0..20 {
            let prev = f.clone();
            for j in 1..bh.saturating_sub(1) {
                for i in 1..bw.saturating_sub(1) {
                    for c in 0..3 {
                        f[j * bw + i][c] = 0.25
                            * (prev[j * bw + i - 1][c]
                                + prev[j * bw + i + 1][c]
                                + prev[(j - 1) * bw + i][c]
                                + prev[(j + 1) * bw + i][c]);
                    }
                }
            }
        }
    }
    let mut out = img.clone();
    for j in 0..bh {
        for i in 0..bw {
            let p = f[j * bw + i].map(|v| v.round().clamp(0.0, 255.0) as u8);
            out.put_pixel(x0 + i as u32, y0 + j as u32, image::Rgb(p));
        }
    }
    out
}

/// The new value typed over the painted-out area: the ink of `typed` (the
/// forged document typeset crisply, [`Method::Retyped`]'s source) laid
/// over the `fill` where it is clearly darker; the faint lines of its
/// background pattern (a few tens of levels) mostly stay out.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped to 0..=255
fn over_fill(fill: [u8; 3], typed: [u8; 3]) -> [u8; 3] {
    let luma =
        |p: [u8; 3]| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]);
    let a = ((luma(fill) - luma(typed) - 25.0) / 40.0).clamp(0.0, 1.0);
    let mut out = fill;
    for (d, s) in out.iter_mut().zip(typed) {
        *d = (f32::from(*d) * (1.0 - a) + f32::from(s) * a).round() as u8;
    }
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

    #[test]
    fn inpainting_leaves_a_smooth_area_and_the_rest_as_it_was() {
        let scanned = noisy(100, 60);
        let quad = [[30.0, 20.0], [70.0, 20.0], [70.0, 40.0], [30.0, 40.0]];
        for smear in [false, true] {
            let out = inpaint(&scanned, &quad, smear);
            // Inside: neighbouring pixels differ far less than the noise.
            let mut step = 0u32;
            let mut n = 0u32;
            for y in 24..36 {
                for x in 34..66 {
                    let (a, b) = (out.get_pixel(x, y).0[0], out.get_pixel(x + 1, y).0[0]);
                    step += u32::from(a.abs_diff(b));
                    n += 1;
                }
            }
            assert!(step < n * 3, "smear {smear}: mean step {}", step / n);
            assert_eq!(out.get_pixel(5, 5), scanned.get_pixel(5, 5));
            assert_eq!(out.get_pixel(90, 50), scanned.get_pixel(90, 50));
        }
    }

    #[test]
    fn typing_over_the_fill_lays_ink_and_leaves_faint_lines_out() {
        let paper = [200, 200, 200];
        assert_eq!(over_fill(paper, [20, 20, 20]), [20, 20, 20]);
        assert_eq!(over_fill(paper, [185, 185, 185]), paper);
    }
}
