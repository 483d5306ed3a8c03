//! Line crops in the recogniser's geometry (`models/mrz_ocr/README.md`):
//! 32 pixels high, capitals 18 pixels tall with the middle of their band
//! at row 16, squeezed horizontally to 0.6 of the vertical scale, one
//! character height of paper before and after, width a multiple of 4.

use image::GrayImage;

use crate::locate::LineGeometry;

/// Crop height, pixels.
pub const CROP_HEIGHT: u32 = 32;
/// Capital height in the crop, pixels.
pub const CROP_CAP: f32 = 18.0;
/// Row of the middle of the capital band.
pub const CROP_MID: f32 = 16.0;
/// Horizontal scale relative to the vertical one.
pub const CROP_SQUEEZE: f32 = 0.6;
/// Paper before and after the characters, in character heights.
pub const CROP_PAD: f32 = 1.0;
/// The widest crop made (a 44-character line needs about 600).
pub const CROP_MAX_WIDTH: u32 = 1600;

/// A line crop: grey values in `[0, 1]`, row-major, `CROP_HEIGHT` rows.
#[derive(Debug, Clone, PartialEq)]
pub struct LineCrop {
    /// Width, pixels (a multiple of 4).
    pub width: u32,
    /// Pixels, `CROP_HEIGHT × width`, 1.0 = white.
    pub pixels: Vec<f32>,
    /// Input pixels per crop column along the line.
    pub step_along: f32,
    /// The crop's origin (its column 0, row [`CROP_MID`]) in input pixels.
    pub origin: [f32; 2],
    /// Unit direction of the crop's columns in input pixels.
    pub direction: [f32; 2],
}

impl LineCrop {
    /// The input-pixel point of crop column `x` on the line's centre.
    #[must_use]
    pub fn point_at(&self, x: f32) -> [f32; 2] {
        [
            self.origin[0] + self.direction[0] * x * self.step_along,
            self.origin[1] + self.direction[1] * x * self.step_along,
        ]
    }

    /// The crop as an 8-bit image (for datasets and debugging).
    #[must_use]
    pub fn to_image(&self) -> GrayImage {
        let raw = self
            .pixels
            .iter()
            .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
            .collect();
        GrayImage::from_raw(self.width, CROP_HEIGHT, raw).unwrap_or_default()
    }
}

/// `x.floor() as i64` without a libm call (the truncating conversion is
/// one instruction; a value it rounded up is one too high). Equal for every
/// f32: at or beyond 2^23 every float is an integer, NaN gives 0 both ways.
#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
fn floor_i64(x: f32) -> i64 {
    let t = x as i64;
    if (t as f32) > x {
        t.saturating_sub(1)
    } else {
        t
    }
}

/// Bilinear sample with edge clamping (straight from the raw buffer: this
/// runs a few hundred thousand times per scan).
fn sample(img: &GrayImage, x: f32, y: f32) -> f32 {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    let raw = img.as_raw();
    let (x0, y0) = (floor_i64(x), floor_i64(y));
    #[allow(clippy::cast_precision_loss)] // |x| < 2^24: exact
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    #[allow(clippy::cast_possible_truncation)] // clamped into the image
    let col = |v: i64| v.clamp(0, w - 1) as usize;
    #[allow(clippy::cast_possible_truncation)] // clamped into the image
    let row = |v: i64| v.clamp(0, h - 1) as usize * w as usize;
    let (xa, xb, ya, yb) = (col(x0), col(x0 + 1), row(y0), row(y0 + 1));
    let px = |o: usize| f32::from(raw[o]);
    let top = px(ya + xa) * (1.0 - fx) + px(ya + xb) * fx;
    let bottom = px(yb + xa) * (1.0 - fx) + px(yb + xb) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// Crops `line` out of `img` in the recogniser's geometry; area-averages
/// (by supersampling) where the crop is smaller than the input.
#[must_use]
pub fn crop_line(img: &GrayImage, line: &LineGeometry) -> Option<LineCrop> {
    crop_line_as(img, line, CROP_SQUEEZE, CROP_PAD)
}

/// [`crop_line`] with another horizontal scale relative to the vertical
/// one (`squeeze`; 1 keeps the print's aspect, as the VIZ recogniser
/// wants) and `pad` character heights of paper before and after.
#[must_use]
pub fn crop_line_as(
    img: &GrayImage,
    line: &LineGeometry,
    squeeze: f32,
    pad: f32,
) -> Option<LineCrop> {
    if img.width() == 0 || img.height() == 0 || line.char_height.is_nan() || line.char_height <= 1.0
    {
        return None;
    }
    let d = line.direction();
    let n = [-d[1], d[0]];
    let sy = CROP_CAP / line.char_height; // crop px per input px, across
    let sx = squeeze * sy; // along
    let pad = pad * line.char_height;
    let span = line.length() + 2.0 * pad;
    #[allow(clippy::cast_sign_loss)] // positive and bounded below
    let width = ((span * sx).ceil() as u32).div_ceil(4).max(8) * 4;
    if width > CROP_MAX_WIDTH || !span.is_finite() {
        return None;
    }
    let origin = [line.start[0] - d[0] * pad, line.start[1] - d[1] * pad];
    let step_u = 1.0 / sx;
    let step_v = 1.0 / sy;
    // Samples per output pixel along each axis so that no input pixel is
    // skipped.
    #[allow(clippy::cast_sign_loss)] // ≥ 1
    let ku = (step_u.ceil() as u32).clamp(1, 8);
    #[allow(clippy::cast_sign_loss)] // ≥ 1
    let kv = (step_v.ceil() as u32).clamp(1, 8);
    #[allow(clippy::cast_precision_loss)] // small counts
    let norm = 1.0 / (255.0 * (ku * kv) as f32);
    let mut pixels = Vec::with_capacity((width * CROP_HEIGHT) as usize);
    for row in 0..CROP_HEIGHT {
        for col in 0..width {
            let mut acc = 0.0;
            for a in 0..kv {
                #[allow(clippy::cast_precision_loss)] // small counts
                let v = (row as f32 + (a as f32 + 0.5) / kv as f32 - 0.5 - CROP_MID) * step_v;
                for b in 0..ku {
                    #[allow(clippy::cast_precision_loss)] // small counts
                    let u = (col as f32 + (b as f32 + 0.5) / ku as f32 - 0.5) * step_u;
                    let x = origin[0] + d[0] * u + n[0] * v;
                    let y = origin[1] + d[1] * u + n[1] * v;
                    acc += sample(img, x, y);
                }
            }
            pixels.push(acc * norm);
        }
    }
    Some(LineCrop {
        width,
        pixels,
        step_along: step_u,
        origin,
        direction: d,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::cast_possible_truncation)]
    fn floor_without_libm_is_floor() {
        let mut x = 0x1234_5678u32;
        for v in [
            -1.0f32,
            -0.5,
            -0.0,
            0.0,
            0.5,
            1.0,
            -1e-7,
            3.999_999_8,
            -2.5e9,
            2.5e9,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ] {
            assert_eq!(floor_i64(v), v.floor() as i64, "{v}");
        }
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let v = f32::from_bits(x);
            if v.is_finite() {
                assert_eq!(floor_i64(v), v.floor() as i64, "{v}");
            }
        }
    }

    #[test]
    fn geometry_of_a_horizontal_line() {
        let mut img = GrayImage::from_pixel(400, 100, image::Luma([255]));
        // A dark bar 20 px tall from x = 100 to 300, centred on y = 50.
        for y in 40..60 {
            for x in 100..300 {
                img.put_pixel(x, y, image::Luma([0]));
            }
        }
        let line = LineGeometry {
            start: [100.0, 50.0],
            end: [300.0, 50.0],
            char_height: 20.0,
            blobs: 10,
        };
        let c = crop_line(&img, &line).expect("crop");
        assert_eq!(c.width % 4, 0);
        // 240 input px × 0.6 × 18/20 = 129.6 → 132.
        assert_eq!(c.width, 132);
        let at = |x: u32, y: u32| c.pixels[(y * c.width + x) as usize];
        assert!(at(c.width / 2, 16) < 0.05, "bar centre is dark");
        assert!(at(c.width / 2, 2) > 0.95, "above the bar is paper");
        assert!(at(2, 16) > 0.95, "the padding is paper");
        let p = c.point_at(0.0);
        assert!((p[0] - 80.0).abs() < 1e-3 && (p[1] - 50.0).abs() < 1e-3);
    }

    #[test]
    fn degenerate_lines_give_none() {
        let img = GrayImage::new(10, 10);
        let mut line = LineGeometry {
            start: [0.0, 0.0],
            end: [5.0, 0.0],
            char_height: 0.0,
            blobs: 0,
        };
        assert!(crop_line(&img, &line).is_none());
        line.char_height = f32::NAN;
        assert!(crop_line(&img, &line).is_none());
        line.char_height = 2.0;
        line.end = [1e6, 0.0];
        assert!(crop_line(&img, &line).is_none(), "too wide");
    }
}
