//! Printed-data (VIZ) text lines: cutting a template's text zone out of an
//! aligned scan in the VIZ recogniser's geometry (`models/viz_ocr/`), and
//! the embedded VIZ recogniser.
//!
//! The zone is first sampled at [`SEARCH_PX_PER_MM`] to find its text band
//! (the rows where most ink is: the capitals' height), then cut again
//! straight from the scan's pyramid at the resolution that makes that band
//! [`VIZ_CROP_BAND`] pixels tall, centred on row [`CROP_MID`], at the
//! print's own aspect ratio, so the crop never goes through two
//! resamplings.

use docscreen_inference::InferenceError;
use docscreen_vision::Homography;
use docscreen_vision::align::{Plane, Pyramid, warp_pyramid};

use crate::crop::{CROP_HEIGHT, CROP_MAX_WIDTH, CROP_MID, LineCrop};
use crate::recognise::Recogniser;

/// The VIZ recogniser's classes after the CTC blank, in its order (as
/// `models/viz_ocr/charset.txt`): digits, capitals, the accented capitals
/// of Latin scripts, space and punctuation. Lower-case print is read as
/// its capital.
pub const VIZ_CHARSET: &str =
    "<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞŒŠŽ .,/-'():";

/// The text band's height in the crop, pixels.
pub const VIZ_CROP_BAND: f32 = 18.0;

/// Resolution of the first look at a zone, pixels per mm (~300 dpi).
pub const SEARCH_PX_PER_MM: f64 = 12.0;

/// Paper before and after the text, in band heights.
const PAD_BANDS: f64 = 0.8;

/// The VIZ recogniser shipped with docscreen (`models/viz_ocr/`).
pub const EMBEDDED_VIZ_MODEL: &[u8] = include_bytes!("../../../models/viz_ocr/viz_ocr.onnx");

/// The sha256 its model card records.
pub const EMBEDDED_VIZ_MODEL_SHA256: &str =
    include_str!("../../../models/viz_ocr/viz_ocr.onnx.sha256");

/// Loads the embedded VIZ recogniser (checked against its model card) with
/// `sessions` ONNX sessions.
///
/// # Errors
/// A missing ONNX Runtime (a clear error naming the fix), or a checksum
/// mismatch.
pub fn embedded_viz_recogniser(
    threads: usize,
    sessions: usize,
) -> Result<Recogniser, InferenceError> {
    Ok(Recogniser::from_bytes_pooled(
        EMBEDDED_VIZ_MODEL,
        Some(EMBEDDED_VIZ_MODEL_SHA256.trim()),
        threads,
        sessions,
    )?
    .with_charset(VIZ_CHARSET))
}

/// Where the text of a zone lies, in document millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextBand {
    /// Left and right ends of the ink, mm.
    pub x: [f64; 2],
    /// Top and bottom of the band, mm.
    pub y: [f64; 2],
}

impl TextBand {
    /// Band height, mm.
    #[must_use]
    pub fn height(&self) -> f64 {
        self.y[1] - self.y[0]
    }
}

/// Percentile `q` (0..1) of the finite values.
fn percentile(values: &[f32], q: f32) -> Option<f32> {
    let mut v: Vec<f32> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
    let k = ((v.len() - 1) as f32 * q.clamp(0.0, 1.0)).round() as usize;
    let (_, x, _) = v.select_nth_unstable_by(k, f32::total_cmp);
    Some(*x)
}

/// The text band of a zone sampled at [`SEARCH_PX_PER_MM`] (`canvas`, its
/// top-left at `origin_mm`; the zone proper spans rows `zone_rows`; the
/// samples where `masked` is set — static print per the model — are left
/// out of the choice of the line): runs of rows whose ink share is above a
/// fifth of the inkiest row's are the candidate lines; the one that wins is
/// the tallest and inkiest with most of its rows inside the zone (a label
/// printed just above a short value is smaller and lies mostly outside
/// it). The winner then grows over the masked samples' rows while they
/// still hold ink (a static zone drawn over the value's top must not cut
/// it), and the ink's ends are measured within its rows. `None` for an
/// empty zone.
#[must_use]
pub fn text_band(
    canvas: &Plane,
    masked: &[bool],
    origin_mm: [f64; 2],
    zone_rows: [usize; 2],
) -> Option<TextBand> {
    let (w, h) = (canvas.width, canvas.height);
    if w < 4 || h < 4 || masked.len() != w * h {
        return None;
    }
    let paper = percentile(&canvas.data, 0.8)?;
    let dark = percentile(&canvas.data, 0.001)?;
    if paper - dark < 30.0 {
        return None;
    }
    let t = paper - 0.45 * (paper - dark);
    let ink = |x: usize, y: usize| {
        let v = canvas.data[y * w + x];
        v.is_finite() && v < t
    };
    #[allow(clippy::cast_precision_loss)]
    let profile = |skip_masked: bool| -> Vec<f32> {
        (0..h)
            .map(|y| {
                (0..w)
                    .filter(|&x| ink(x, y) && !(skip_masked && masked[y * w + x]))
                    .count() as f32
                    / w as f32
            })
            .collect()
    };
    let rows = profile(true);
    let all_rows = profile(false);
    let max = rows.iter().copied().fold(0.0f32, f32::max);
    if max <= 0.0 {
        return None;
    }
    let keep = 0.2 * max;
    let mut best: Option<(f32, usize, usize)> = None;
    let mut y = 0;
    while y < h {
        if rows[y] < keep {
            y += 1;
            continue;
        }
        let top = y;
        while y + 1 < h && rows[y + 1] >= keep {
            y += 1;
        }
        let bottom = y;
        y += 1;
        let n = bottom - top + 1;
        if n < 3 {
            continue;
        }
        let inside = (top.max(zone_rows[0])..=bottom.min(zone_rows[1])).count();
        #[allow(clippy::cast_precision_loss)]
        let (n_f, inside_f) = (n as f32, inside as f32);
        let share = inside_f / n_f;
        if share < 0.4 {
            continue;
        }
        let mass: f32 = rows[top..=bottom].iter().sum();
        let score = mass * n_f * share;
        if best.is_none_or(|b| score > b.0) {
            best = Some((score, top, bottom));
        }
    }
    let (_, mut top, mut bottom) = best?;
    while top > 0 && all_rows[top - 1] >= keep {
        top -= 1;
    }
    while bottom + 1 < h && all_rows[bottom + 1] >= keep {
        bottom += 1;
    }
    // Ink columns within the band (two ink pixels at least: not a speck).
    let cols: Vec<usize> = (0..w)
        .filter(|&x| (top..=bottom).filter(|&y| ink(x, y)).count() >= 2)
        .collect();
    let (&left, &right) = (cols.first()?, cols.last()?);
    #[allow(clippy::cast_precision_loss)]
    let mm = |p: usize| p as f64 / SEARCH_PX_PER_MM;
    Some(TextBand {
        x: [origin_mm[0] + mm(left), origin_mm[0] + mm(right + 1)],
        y: [origin_mm[1] + mm(top), origin_mm[1] + mm(bottom + 1)],
    })
}

/// The samples of `canvas` (top-left at `origin_mm`, at
/// [`SEARCH_PX_PER_MM`]) inside any of `rects_mm`.
fn mask_of(canvas: &Plane, origin_mm: [f64; 2], rects_mm: &[[f64; 4]]) -> Vec<bool> {
    let (w, h) = (canvas.width, canvas.height);
    let mut mask = vec![false; w * h];
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let px =
        |v: f64, o: f64, n: usize| (((v - o) * SEARCH_PX_PER_MM).round().max(0.0) as usize).min(n);
    for r in rects_mm {
        let (xa, xb) = (px(r[0], origin_mm[0], w), px(r[0] + r[2], origin_mm[0], w));
        let (ya, yb) = (px(r[1], origin_mm[1], h), px(r[1] + r[3], origin_mm[1], h));
        for y in ya..yb {
            if xa < xb {
                mask[y * w + xa..y * w + xb].fill(true);
            }
        }
    }
    mask
}

/// Cuts the text of the zone `rect_mm` (`[x, y, w, h]`, document mm; the
/// search looks 0.3 of its height above it and half its height below,
/// within `size_mm`) out of the scan whose document plane maps to input
/// pixels by `mm_to_img`. Print inside `static_mm` (the model's labels and
/// other static zones) is left out of the search for the band, so that a
/// label printed inside a loosely drawn zone is not read as the value.
/// `None` when the zone holds no text or is degenerate.
#[must_use]
pub fn crop_zone(
    pyramid: &Pyramid,
    mm_to_img: &Homography,
    rect_mm: [f64; 4],
    size_mm: [f64; 2],
    static_mm: &[[f64; 4]],
) -> Option<(LineCrop, TextBand)> {
    let [x, y, w, h] = rect_mm;
    if !(w > 0.5 && h > 0.5 && w.is_finite() && h.is_finite()) {
        return None;
    }
    let x0 = (x - 1.0).max(0.0);
    let y0 = (y - 0.3 * h).max(0.0);
    let x1 = (x + w + 1.0).min(size_mm[0]);
    let y1 = (y + 1.5 * h).min(size_mm[1]);
    if x1 - x0 < 0.5 || y1 - y0 < 0.5 {
        return None;
    }
    let shift =
        |ox: f64, oy: f64| mm_to_img.then_after(&Homography::scale_translate(1.0, [ox, oy]));
    let search = warp_pyramid(
        pyramid,
        &shift(x0, y0),
        SEARCH_PX_PER_MM,
        [x1 - x0, y1 - y0],
    );
    let masked = mask_of(&search, [x0, y0], static_mm);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let zone_rows = [
        ((y - y0) * SEARCH_PX_PER_MM).floor().max(0.0) as usize,
        ((y + h - y0) * SEARCH_PX_PER_MM).ceil().max(0.0) as usize,
    ];
    let band = text_band(&search, &masked, [x0, y0], zone_rows)?;
    let band_mm = band.height();
    let px_per_mm = f64::from(VIZ_CROP_BAND) / band_mm;
    let pad = PAD_BANDS * band_mm;
    let span = band.x[1] - band.x[0] + 2.0 * pad;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let width = ((span * px_per_mm).ceil() as u32).div_ceil(4).max(8) * 4;
    if width > CROP_MAX_WIDTH || !span.is_finite() {
        return None;
    }
    let cx0 = band.x[0] - pad;
    let mid = 0.5 * (band.y[0] + band.y[1]);
    let cy0 = mid - f64::from(CROP_MID) / px_per_mm;
    let crop = warp_pyramid(
        pyramid,
        &shift(cx0, cy0),
        px_per_mm,
        [
            f64::from(width) / px_per_mm,
            f64::from(CROP_HEIGHT) / px_per_mm,
        ],
    );
    if crop.width != width as usize || crop.height != CROP_HEIGHT as usize {
        return None;
    }
    let paper = percentile(&crop.data, 0.8).unwrap_or(255.0);
    let pixels = crop
        .data
        .iter()
        .map(|v| if v.is_finite() { *v } else { paper } / 255.0)
        .collect();
    let a = mm_to_img.apply([cx0, mid])?;
    let b = mm_to_img.apply([cx0 + 1.0 / px_per_mm, mid])?;
    let step = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
    if step.is_nan() || step <= 0.0 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    let line = LineCrop {
        width,
        pixels,
        step_along: step as f32,
        origin: [a[0] as f32, a[1] as f32],
        direction: [((b[0] - a[0]) / step) as f32, ((b[1] - a[1]) / step) as f32],
    };
    Some((line, band))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma};

    /// A page at 10 px/mm with a dark bar (a "word") 3 mm tall at
    /// x 20..60 mm, y 10..13 mm, and a thin label bar above it.
    fn page() -> GrayImage {
        let mut img = GrayImage::from_pixel(1000, 400, Luma([235]));
        for y in 100..130 {
            for x in 200..600 {
                if (x / 12) % 2 == 0 {
                    img.put_pixel(x, y, Luma([20]));
                }
            }
        }
        for y in 80..85 {
            for x in 200..300 {
                img.put_pixel(x, y, Luma([90]));
            }
        }
        img
    }

    #[test]
    fn the_band_and_the_crop_follow_the_ink() {
        let img = page();
        let p = Pyramid::new(&img);
        let h = Homography::scale_translate(10.0, [0.0, 0.0]);
        let (crop, band) =
            crop_zone(&p, &h, [18.0, 9.0, 50.0, 5.0], [100.0, 40.0], &[]).expect("crop");
        assert!(
            (band.y[0] - 10.0).abs() < 0.2 && (band.y[1] - 13.0).abs() < 0.2,
            "{band:?}"
        );
        assert!(
            (band.x[0] - 20.0).abs() < 0.2 && (band.x[1] - 58.8).abs() < 0.3,
            "{band:?}"
        );
        assert_eq!(crop.width % 4, 0);
        // 38.8 mm of ink + 2 × 0.8 × 3.2 mm of paper at 18/3.2 px/mm ≈ 249 → 252.
        assert!((244..=276).contains(&crop.width), "{}", crop.width);
        let at = |x: u32, y: u32| crop.pixels[(y * crop.width + x) as usize];
        assert!(at(2, 16) > 0.85, "paper before the text");
        let dark = (0..crop.width).filter(|&x| at(x, 16) < 0.3).count();
        assert!(dark > 80, "the bars are in the middle row ({dark})");
        assert!(at(crop.width / 2, 1) > 0.85, "above the band is paper");
        // The crop's origin is 2.4 mm left of the ink, on the band's middle.
        assert!((crop.origin[0] - 176.0).abs() < 3.0 && (crop.origin[1] - 115.0).abs() < 3.0);
    }

    #[test]
    fn a_static_label_inside_the_zone_is_left_out() {
        let mut img = GrayImage::from_pixel(1000, 400, Luma([235]));
        // A long, dark label (y 9..10.5 mm) above a short value (y 11..13 mm).
        for y in 90..105 {
            for x in 200..700 {
                if (x / 6) % 2 == 0 {
                    img.put_pixel(x, y, Luma([10]));
                }
            }
        }
        for y in 110..130 {
            for x in 200..260 {
                if (x / 10) % 2 == 0 {
                    img.put_pixel(x, y, Luma([30]));
                }
            }
        }
        let p = Pyramid::new(&img);
        let h = Homography::scale_translate(10.0, [0.0, 0.0]);
        let zone = [18.0, 8.5, 60.0, 5.0];
        let (_, with_label) = crop_zone(&p, &h, zone, [100.0, 40.0], &[]).expect("crop");
        assert!(
            with_label.y[1] < 11.0,
            "the inkier label wins unmasked: {with_label:?}"
        );
        let (_, band) =
            crop_zone(&p, &h, zone, [100.0, 40.0], &[[19.5, 8.8, 52.0, 1.9]]).expect("crop");
        assert!(
            (band.y[0] - 11.0).abs() < 0.2 && (band.y[1] - 13.0).abs() < 0.2,
            "{band:?}"
        );
        assert!(band.x[1] < 26.5, "{band:?}");
    }

    #[test]
    fn empty_or_degenerate_zones_give_none() {
        let img = GrayImage::from_pixel(300, 300, Luma([200]));
        let p = Pyramid::new(&img);
        let h = Homography::scale_translate(10.0, [0.0, 0.0]);
        assert!(crop_zone(&p, &h, [2.0, 2.0, 20.0, 5.0], [30.0, 30.0], &[]).is_none());
        assert!(crop_zone(&p, &h, [2.0, 2.0, 0.0, 5.0], [30.0, 30.0], &[]).is_none());
        assert!(crop_zone(&p, &h, [f64::NAN, 2.0, 10.0, 5.0], [30.0, 30.0], &[]).is_none());
        assert!(crop_zone(&p, &h, [50.0, 50.0, 10.0, 5.0], [30.0, 30.0], &[]).is_none());
    }

    #[test]
    fn the_charset_is_the_models() {
        let file = include_str!("../../../models/viz_ocr/charset.txt");
        assert_eq!(file, VIZ_CHARSET);
    }
}
