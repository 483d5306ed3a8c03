//! A second reading of the MRZ where an identified document model says it
//! is: when the line finder found no MRZ on the page (characters blurred
//! into each other on a soft 150-dpi scan, a stamp across the lines), the
//! model's MRZ zone, mapped onto the scan by the alignment, gives the
//! lines' place, and the recogniser reads them there.

use docscreen_mrz::Date;
use docscreen_ocr::{LineGeometry, MrzBlock, MrzReading, Recogniser, read_block};
use docscreen_vision::Homography;
use image::GrayImage;

use crate::templates::Template;

/// Samples per mm across the zone when its lines are looked for.
const SAMPLES_PER_MM: f64 = 8.0;

/// Share of the darkest row's ink from which a row belongs to a line.
const LINE_ROW: f32 = 0.35;

/// The MRZ read in the model's MRZ zone, when that gives a valid MRZ of the
/// model's format (anything less stays unread: a guess must not raise or
/// silence a check digit).
pub(crate) fn read_in_zone(
    grey: &GrayImage,
    t: &Template,
    mm_to_img: &Homography,
    recogniser: &Recogniser,
    reference: Date,
) -> Option<MrzReading> {
    let format = docscreen_mrz::Format::from_name(t.spec.mrz_format.as_deref()?)?;
    let zone = t.spec.mrz_zone()?;
    let lines = lines_in_zone(grey, zone.rect_mm, mm_to_img, format.line_count())?;
    let reading = read_block(grey, &MrzBlock { lines }, recogniser, reference).ok()??;
    (reading.mrz.format == Some(format) && reading.mrz.is_valid()).then_some(reading)
}

/// The `n` text lines inside the zone (`[x, y, w, h]`, mm), in input
/// pixels: the zone sampled at [`SAMPLES_PER_MM`], each row's ink (its
/// darkness under the zone's paper level), the `n` inkiest runs of rows,
/// and across each run's rows the columns holding ink.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    clippy::many_single_char_names // a, b, e, n, r, s, v: the geometry's names
)]
fn lines_in_zone(
    grey: &GrayImage,
    zone: [f64; 4],
    mm_to_img: &Homography,
    n: usize,
) -> Option<Vec<LineGeometry>> {
    let [zx, zy, zw, zh] = zone;
    let (cols, rows) = (
        (zw * SAMPLES_PER_MM).round() as usize,
        (zh * SAMPLES_PER_MM).round() as usize,
    );
    if cols < 16 || rows < 8 {
        return None;
    }
    let at = |c: usize, r: usize| -> Option<[f64; 2]> {
        mm_to_img.apply([
            zx + (c as f64 + 0.5) / SAMPLES_PER_MM,
            zy + (r as f64 + 0.5) / SAMPLES_PER_MM,
        ])
    };
    let mut v = vec![f32::NAN; cols * rows];
    for r in 0..rows {
        for c in 0..cols {
            if let Some([x, y]) = at(c, r)
                && x >= 0.0
                && y >= 0.0
                && (x as u32) < grey.width()
                && (y as u32) < grey.height()
            {
                v[r * cols + c] = f32::from(grey.get_pixel(x as u32, y as u32).0[0]);
            }
        }
    }
    let mut sorted: Vec<f32> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if sorted.len() < cols * rows / 2 {
        return None;
    }
    sorted.sort_by(f32::total_cmp);
    let paper = sorted[sorted.len() * 4 / 5];
    let dark = sorted[sorted.len() / 100];
    if paper - dark < 30.0 {
        return None;
    }
    let ink_at = |i: usize| v[i].is_finite() && v[i] < paper - 0.5 * (paper - dark);
    let row_ink: Vec<f32> = (0..rows)
        .map(|r| (0..cols).filter(|&c| ink_at(r * cols + c)).count() as f32 / cols as f32)
        .collect();
    // Runs of inked rows, the inkiest `n` of them, top to bottom.
    let peak = row_ink.iter().copied().fold(0.0f32, f32::max);
    if peak <= 0.05 {
        return None;
    }
    let mut runs: Vec<(usize, usize, f32)> = Vec::new();
    let mut r = 0;
    while r < rows {
        if row_ink[r] >= LINE_ROW * peak {
            let start = r;
            while r < rows && row_ink[r] >= LINE_ROW * peak {
                r += 1;
            }
            runs.push((start, r, row_ink[start..r].iter().sum()));
        } else {
            r += 1;
        }
    }
    if runs.len() < n {
        return None;
    }
    runs.sort_by(|a, b| b.2.total_cmp(&a.2));
    runs.truncate(n);
    runs.sort_by_key(|run| run.0);
    let mut lines = Vec::with_capacity(n);
    for (top, bottom, _) in runs {
        let inked: Vec<usize> = (0..cols)
            .filter(|&c| (top..bottom).any(|r| ink_at(r * cols + c)))
            .collect();
        let (first, last) = (*inked.first()?, *inked.last()?);
        let ym = zy + (top + bottom) as f64 / 2.0 / SAMPLES_PER_MM;
        let height_mm = (bottom - top) as f64 / SAMPLES_PER_MM;
        let x0 = zx + first as f64 / SAMPLES_PER_MM;
        let x1 = zx + (last + 1) as f64 / SAMPLES_PER_MM;
        let (s, e) = (mm_to_img.apply([x0, ym])?, mm_to_img.apply([x1, ym])?);
        let (a, b) = (
            mm_to_img.apply([x0, ym - height_mm / 2.0])?,
            mm_to_img.apply([x0, ym + height_mm / 2.0])?,
        );
        let char_height = (b[0] - a[0]).hypot(b[1] - a[1]) as f32;
        lines.push(LineGeometry {
            start: [s[0] as f32, s[1] as f32],
            end: [e[0] as f32, e[1] as f32],
            char_height,
            blobs: 0,
        });
    }
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // small test pixels
    fn the_zone_s_lines_are_found_where_the_ink_is() {
        // 10 px/mm; a 100 × 20 mm zone at (5, 60) mm holding two dark
        // bands 2.4 mm high centred 8 and 14 mm into it, from 6 to 90 mm.
        let k = 10.0;
        let mut img = GrayImage::from_pixel(1100, 850, image::Luma([235]));
        for (centre, from, to) in [(68.0f64, 11.0f64, 95.0f64), (74.0, 11.0, 95.0)] {
            for y in ((centre - 1.2) * k) as u32..((centre + 1.2) * k) as u32 {
                for x in (from * k) as u32..(to * k) as u32 {
                    // Characters: ink with a gap every 2.54 mm.
                    if (f64::from(x) / k - from) % 2.54 < 1.9 {
                        img.put_pixel(x, y, image::Luma([30]));
                    }
                }
            }
        }
        let h = Homography::scale_translate(k, [0.0, 0.0]);
        let lines = lines_in_zone(&img, [5.0, 60.0, 100.0, 20.0], &h, 2).expect("two lines");
        assert_eq!(lines.len(), 2);
        for (l, centre) in lines.iter().zip([68.0f32, 74.0]) {
            assert!((l.start[1] / 10.0 - centre).abs() < 0.2, "{l:?}");
            assert!((l.start[0] / 10.0 - 11.0).abs() < 0.3, "{l:?}");
            assert!((l.end[0] / 10.0 - 95.0).abs() < 1.0, "{l:?}");
            assert!((l.char_height / 10.0 - 2.4).abs() < 0.3, "{l:?}");
        }
        // Three lines asked of a two-line zone: none made up.
        assert!(lines_in_zone(&img, [5.0, 60.0, 100.0, 20.0], &h, 3).is_none());
        // A blank zone holds none.
        assert!(lines_in_zone(&img, [5.0, 10.0, 100.0, 20.0], &h, 2).is_none());
    }
}
