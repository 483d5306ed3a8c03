//! The evidence image: the screened page with every check's regions drawn
//! (red: `fail`, amber: `warn`, grey: `error`; the document's outline in
//! blue), downscaled to at most [`MAX_SIDE`] pixels, as PNG.
//!
//! Used by the service (`GET /v1/screenings/{id}/evidence.png`) and meant
//! for the CLI's `--evidence DIR`. The scan is decoded again through
//! [`docscreen_vision::decode`] under the caller's limits: regions are in
//! the decoded page's pixels (EXIF orientation applied), as in the report.

use std::io::Cursor;

use docscreen_vision::{Limits, decode};
use image::{ImageEncoder, Rgb, RgbImage};
use imageproc::drawing::draw_line_segment_mut;

use crate::report::{Report, Status};

/// Longest side of the evidence image, pixels.
pub const MAX_SIDE: u32 = 1600;

const RED: Rgb<u8> = Rgb([220, 20, 30]);
const AMBER: Rgb<u8> = Rgb([245, 150, 0]);
const GREY: Rgb<u8> = Rgb([120, 120, 120]);
const BLUE: Rgb<u8> = Rgb([30, 90, 230]);

/// Why no evidence image could be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// The scan does not decode (it would not have been screened either).
    #[error(transparent)]
    Decode(#[from] docscreen_vision::DecodeError),
    /// PNG encoding failed.
    #[error("cannot encode the evidence image: {0}")]
    Encode(String),
}

/// The colour a check's regions are drawn in; `None`: not drawn.
#[must_use]
pub fn status_colour(status: Status) -> Option<[u8; 3]> {
    match status {
        Status::Fail => Some(RED.0),
        Status::Warn => Some(AMBER.0),
        Status::Error => Some(GREY.0),
        Status::Pass | Status::NotPerformed => None,
    }
}

/// Draws `report`'s regions on the page it describes, decoded from
/// `scan_bytes` (the bytes that were screened), and encodes it as PNG.
///
/// # Errors
/// The scan does not decode under `limits`, or encoding fails.
pub fn render_png(
    scan_bytes: &[u8],
    report: &Report,
    limits: &Limits,
) -> Result<Vec<u8>, EvidenceError> {
    let image = render(scan_bytes, report, limits)?;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(Cursor::new(&mut out))
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| EvidenceError::Encode(e.to_string()))?;
    Ok(out)
}

/// [`render_png`] before encoding.
///
/// # Errors
/// The scan does not decode under `limits`.
pub fn render(
    scan_bytes: &[u8],
    report: &Report,
    limits: &Limits,
) -> Result<RgbImage, EvidenceError> {
    let decoded = decode(scan_bytes, limits)?;
    let page = decoded
        .pages
        .iter()
        .find(|p| p.index == report.page)
        .or_else(|| decoded.pages.first())
        .map(|p| &p.image);
    let Some(page) = page else {
        return Ok(RgbImage::new(1, 1));
    };
    let (w, h) = page.dimensions();
    let longest = w.max(h).max(1);
    #[allow(clippy::cast_precision_loss)] // sides are far below 2^24
    let scale = if longest > MAX_SIDE {
        MAX_SIDE as f32 / longest as f32
    } else {
        1.0
    };
    let mut canvas = if scale < 1.0 {
        #[allow(clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let (nw, nh) = (
            ((w as f32 * scale).round() as u32).max(1),
            ((h as f32 * scale).round() as u32).max(1),
        );
        image::imageops::resize(page, nw, nh, image::imageops::FilterType::Triangle)
    } else {
        page.clone()
    };
    #[allow(clippy::cast_precision_loss)]
    let thickness = (canvas.width().max(canvas.height()) as f32 / 400.0).clamp(2.0, 6.0);
    if let Some(corners) = report.document.as_ref().and_then(|d| d.corners_px) {
        draw_quad(&mut canvas, &corners, scale, thickness * 0.75, BLUE);
    }
    // Warnings first, failures last: a failing region stays visible on top.
    let mut checks: Vec<_> = report.checks.iter().collect();
    checks.sort_by_key(|c| match c.status {
        Status::Fail => 2,
        Status::Warn => 1,
        _ => 0,
    });
    for check in checks {
        let Some(colour) = status_colour(check.status) else {
            continue;
        };
        for region in &check.regions {
            draw_quad(&mut canvas, &region.quad_px, scale, thickness, Rgb(colour));
        }
    }
    Ok(canvas)
}

/// A quadrilateral's outline, `thickness` pixels wide (parallel strokes).
fn draw_quad(
    canvas: &mut RgbImage,
    quad: &[[f32; 2]; 4],
    scale: f32,
    thickness: f32,
    colour: Rgb<u8>,
) {
    let pts: Vec<(f32, f32)> = quad.iter().map(|p| (p[0] * scale, p[1] * scale)).collect();
    #[allow(clippy::cast_possible_wrap, clippy::cast_sign_loss)]
    let half = (thickness / 2.0).ceil() as i32;
    for i in 0..4 {
        let a = pts[i];
        let b = pts[(i + 1) % 4];
        for dx in -half..=half {
            for dy in -half..=half {
                #[allow(clippy::cast_precision_loss)]
                let (ox, oy) = (dx as f32, dy as f32);
                draw_line_segment_mut(canvas, (a.0 + ox, a.1 + oy), (b.0 + ox, b.1 + oy), colour);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::report::{CheckResult, Region};

    fn png_of(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(Cursor::new(&mut out))
            .write_image(
                img.as_raw(),
                img.width(),
                img.height(),
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }

    #[test]
    fn draws_failing_regions_in_red_and_skips_passing_ones() {
        let scan = png_of(&RgbImage::from_pixel(200, 100, Rgb([255, 255, 255])));
        let mut report = Report::failed("x.png", String::new(), String::new(), 0.0);
        report.error = None;
        report.checks = vec![
            CheckResult::new("a", Status::Fail, 1.0, "bad").with_regions(vec![Region {
                label: "here".into(),
                quad_px: [[20.0, 20.0], [80.0, 20.0], [80.0, 60.0], [20.0, 60.0]],
            }]),
            CheckResult::pass("b", "fine").with_regions(vec![Region {
                label: "there".into(),
                quad_px: [[120.0, 20.0], [180.0, 20.0], [180.0, 60.0], [120.0, 60.0]],
            }]),
        ];
        let img = render(&scan, &report, &Limits::default()).unwrap();
        assert_eq!(img.dimensions(), (200, 100));
        assert_eq!(*img.get_pixel(50, 20), RED);
        assert_eq!(*img.get_pixel(150, 20), Rgb([255, 255, 255]));
        assert_eq!(*img.get_pixel(50, 40), Rgb([255, 255, 255]), "outline only");
        let png = render_png(&scan, &report, &Limits::default()).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }

    #[test]
    fn downscales_large_scans_with_their_regions() {
        let scan = png_of(&RgbImage::from_pixel(3200, 1000, Rgb([255, 255, 255])));
        let mut report = Report::failed("x.png", String::new(), String::new(), 0.0);
        report.checks = vec![
            CheckResult::new("a", Status::Warn, 0.5, "odd").with_regions(vec![Region {
                label: "here".into(),
                quad_px: [
                    [1000.0, 200.0],
                    [2000.0, 200.0],
                    [2000.0, 800.0],
                    [1000.0, 800.0],
                ],
            }]),
        ];
        let img = render(&scan, &report, &Limits::default()).unwrap();
        assert_eq!(img.dimensions(), (1600, 500));
        assert_eq!(*img.get_pixel(750, 100), AMBER);
    }

    #[test]
    fn garbage_is_an_error() {
        let report = Report::failed("x", String::new(), String::new(), 0.0);
        assert!(render_png(b"not an image", &report, &Limits::default()).is_err());
    }
}
