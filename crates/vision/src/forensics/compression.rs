//! JPEG history: regions of the document compressed once where the rest
//! of the page carries two compressions (the scanner's and the editor's:
//! [`super::dq`]), and the file's quality from its quantisation tables.
//! A patch cut from another JPEG keeps that file's grid; on the page's
//! grid it is one more region that lacks the page's first compression.
//!
//! A lossless file (PNG, TIFF) saved from a JPEG keeps its blocking:
//! the luminance step across a block boundary is larger than the steps
//! beside it, so summed per column phase (x mod 8) and row phase (y mod 8)
//! the boundary phase stands out and gives the grid to read. (Looking for
//! cells whose own blocking phase differs from the page's, the first
//! version of this check, warned on as many genuine scans as forged ones:
//! print edges make phases of their own.)

// Pixel maths: coordinates are small, non-negative and clamped; the
// conventional short names (x, y, w, h, a, b, g) read best.
#![allow(
    clippy::many_single_char_names,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use super::dq;
use super::work::{self, rect_quad};
use super::{Evidence, Finding};
use crate::Page;

/// A lossless page shows a JPEG grid when its phase carries this much
/// more step energy than the average phase.
const MIN_GLOBAL: f32 = 0.08;
/// Fewest pixels a side for reading a lossless page's grid.
const MIN_SIDE: usize = 192;

/// Largest side of the window read for a lossless page's grid, pixels
/// (the grid, if any, is everywhere).
const MAX_WINDOW: u32 = 2400;

/// The central part of `b` at most `side` pixels a side.
fn window(b: work::PxBox, side: u32) -> work::PxBox {
    let cut = |lo: u32, hi: u32| {
        let len = hi - lo;
        if len <= side {
            (lo, hi)
        } else {
            let start = lo + (len - side) / 2;
            (start, start + side)
        }
    };
    let (x0, x1) = cut(b.x0, b.x1);
    let (y0, y1) = cut(b.y0, b.y1);
    work::PxBox { x0, y0, x1, y1 }
}

/// The IJG standard luminance table (ITU T.81 K.1), natural order.
const STD_LUMA: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// The luminance quantisation table (table 0) of a JPEG's bitstream, if
/// the bytes are a JPEG and carry one.
#[must_use]
pub fn luma_quant_table(bytes: &[u8]) -> Option<[u16; 64]> {
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8 {
        return None;
    }
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        // Start of scan or end of image: the tables come before.
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let end = (i + 2 + len).min(bytes.len());
        if marker == 0xDB {
            let mut j = i + 4;
            while j < end {
                let pq = bytes[j] >> 4;
                let id = bytes[j] & 0x0F;
                let size = if pq == 0 { 64 } else { 128 };
                if j + 1 + size > end {
                    return None;
                }
                if id == 0 {
                    let mut t = [0u16; 64];
                    for (k, v) in t.iter_mut().enumerate() {
                        *v = if pq == 0 {
                            u16::from(bytes[j + 1 + k])
                        } else {
                            u16::from_be_bytes([bytes[j + 1 + 2 * k], bytes[j + 2 + 2 * k]])
                        };
                    }
                    return Some(t);
                }
                j += 1 + size;
            }
        }
        if len < 2 {
            return None;
        }
        i += 2 + len;
    }
    None
}

/// The IJG quality (1-100) that best explains a luminance table (tables
/// are stored in zig-zag order, but the scaling is the same for every
/// coefficient, so the order does not matter for the mean ratio).
#[must_use]
pub fn estimate_quality(table: &[u16; 64]) -> u8 {
    let mean_ratio: f32 = table
        .iter()
        .zip(STD_LUMA.iter())
        .map(|(&q, &s)| f32::from(q) * 100.0 / f32::from(s))
        .sum::<f32>()
        / 64.0;
    let q = if mean_ratio <= 100.0 {
        (200.0 - mean_ratio) / 2.0
    } else {
        5000.0 / mean_ratio
    };
    q.round().clamp(1.0, 100.0) as u8
}

/// Step energy per phase over a rectangle of the grey view: horizontal
/// (column) phases and vertical (row) phases.
fn phases(g: &work::Grey, x0: usize, y0: usize, x1: usize, y1: usize) -> ([f32; 8], [f32; 8]) {
    let (mut h, mut v) = ([0.0f32; 8], [0.0f32; 8]);
    let w = g.w;
    let px = &g.px;
    let (x0, y0) = (x0.max(1), y0.max(1));
    let (x1, y1) = (x1.min(g.w.saturating_sub(2)), y1.min(g.h.saturating_sub(2)));
    // Every other row for column phases and every other column for row
    // phases: half the work, the same phases.
    for y in (y0..y1).step_by(2) {
        let r = &px[y * w..(y + 1) * w];
        for x in x0..x1 {
            let d = (r[x + 1] - r[x]).abs();
            let side = 0.5 * ((r[x] - r[x - 1]).abs() + (r[x + 2] - r[x + 1]).abs());
            // The boundary between x and x + 1 has phase x mod 8.
            h[x % 8] += (d - side).clamp(0.0, 12.0);
        }
    }
    for y in y0..y1 {
        for x in (x0..x1).step_by(2) {
            let at = |yy: usize| px[yy * w + x];
            let d = (at(y + 1) - at(y)).abs();
            let side = 0.5 * ((at(y) - at(y - 1)).abs() + (at(y + 2) - at(y + 1)).abs());
            v[y % 8] += (d - side).clamp(0.0, 12.0);
        }
    }
    (h, v)
}

/// Contrast of phase `p` against the mean of all phases.
fn contrast(e: &[f32; 8], p: usize) -> f32 {
    let mean = e.iter().sum::<f32>() / 8.0;
    if mean <= 1e-3 { 0.0 } else { e[p] / mean - 1.0 }
}

fn peak(e: &[f32; 8]) -> usize {
    (0..8).max_by(|&a, &b| e[a].total_cmp(&e[b])).unwrap_or(0)
}

/// Largest side of the window read for the quality history (a 600-dpi ID
/// card or a 300-dpi passport page fits whole).
const DQ_WINDOW: u32 = 3000;

/// Looks for regions of the document with another JPEG history than the
/// rest: compressed once where the page carries two compressions, i.e.
/// changed after the scan (retyped, pasted from another file or cloned
/// off the grid) and saved again ([`super::dq`]). A PNG or TIFF that
/// shows a JPEG grid is read the same way, with no last table.
#[must_use]
pub fn compression(page: &Page, bytes: &[u8], corners: Option<&[[f32; 2]; 4]>) -> Finding {
    let table = luma_quant_table(bytes);
    let about = table.as_ref().map_or_else(String::new, |t| {
        format!("JPEG quality about {}; ", estimate_quality(t))
    });
    let img = &page.image;
    let doc = work::doc_box(img, corners, 0.02);
    let (last, grid) = match &table {
        Some(t) => (
            dq::natural_order(t),
            dq::Grid::of_jpeg(page.exif_orientation, img.width(), img.height()),
        ),
        None => match blocking_grid(img, window(doc, MAX_WINDOW)) {
            Some(grid) => ([1u16; 64], grid),
            None => {
                return Finding::not_performed(
                    "the file is not a JPEG and shows no JPEG blocks: no compression history \
                     to read",
                );
            }
        },
    };
    let Some(map) = dq::dq_map(img, window(doc, DQ_WINDOW), &last, grid) else {
        return Finding::not_performed("the document is too small to read its JPEG blocks");
    };
    if map.evidence < dq::MIN_EVIDENCE {
        return Finding::nothing(format!(
            "{about}no earlier JPEG compression is visible under the last one, so regions \
             cannot be compared by their history"
        ));
    }
    let Some((score, r)) = dq::single_region(&map) else {
        return Finding::nothing(format!(
            "{about}two JPEG compressions are visible across the document and every region \
             carries both"
        ));
    };
    Finding {
        score,
        message: format!(
            "{about}the page shows two JPEG compressions but one region only the last: it was \
             changed after the scan (retyped, pasted or cloned) and the file saved again"
        ),
        regions: vec![Evidence {
            label: "region compressed once".into(),
            quad: rect_quad(r[0], r[1], r[2], r[3]),
        }],
        performed: true,
    }
}

/// The 8×8 grid a lossless page's blocking shows (the boundary after view
/// column `ph` starts a block), in page coordinates; `None` when no phase
/// stands out.
fn blocking_grid(img: &image::RgbImage, b: work::PxBox) -> Option<dq::Grid> {
    let g = work::full(img, b, 1);
    if g.w < MIN_SIDE || g.h < MIN_SIDE {
        return None;
    }
    let (h, v) = phases(&g, 0, 0, g.w, g.h);
    let (ph, pv) = (peak(&h), peak(&v));
    (contrast(&h, ph).min(contrast(&v, pv)) >= MIN_GLOBAL).then(|| dq::Grid {
        phase: [(b.x0 as usize + ph + 1) % 8, (b.y0 as usize + pv + 1) % 8],
        transposed: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::jpeg::JpegEncoder;
    use image::{Rgb, RgbImage};

    fn textured(w: u32, h: u32, seed: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let mut v = (x / 2).wrapping_mul(2_654_435_761) ^ (y / 2).wrapping_mul(40_503) ^ seed;
            v ^= v >> 15;
            v = v.wrapping_mul(0x2c1b_3c6d);
            v ^= v >> 12;
            let g = 90 + (v % 120) as u8;
            Rgb([g, g, g])
        })
    }

    fn jpeg(img: &RgbImage, q: u8) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, q)
            .encode_image(img)
            .expect("encode");
        out
    }

    fn decode(bytes: &[u8]) -> RgbImage {
        image::load_from_memory(bytes).expect("decode").to_rgb8()
    }

    fn page(img: RgbImage) -> Page {
        Page {
            image: img,
            index: 0,
            exif_orientation: 1,
        }
    }

    #[test]
    fn tables_and_quality_are_read() {
        let bytes = jpeg(&textured(64, 64, 1), 75);
        let t = luma_quant_table(&bytes).expect("table");
        assert!((70..=80).contains(&estimate_quality(&t)));
        assert!(luma_quant_table(b"\xFF\xD8\xFF").is_none());
        assert!(luma_quant_table(b"not a jpeg").is_none());
    }

    #[test]
    fn a_patch_off_the_grid_is_found() {
        // A page saved at 60, a patch of it shifted by (3, 5) px (its grid
        // moves with it), the whole saved again at 95.
        let page0 = decode(&jpeg(&textured(640, 512, 3), 60));
        let mut img = page0.clone();
        for y in 128..320 {
            for x in 192..448 {
                img.put_pixel(x, y, *page0.get_pixel(x + 3, y + 5));
            }
        }
        let bytes = jpeg(&img, 95);
        let f = compression(&page(decode(&bytes)), &bytes, None);
        assert!(f.score > 0.2, "{f:?}");
        let q = f.regions[0].quad;
        assert!(q[0][0] >= 150.0 && q[2][0] <= 500.0, "{q:?}");
        let clean_bytes = jpeg(&page0, 95);
        let clean = compression(&page(decode(&clean_bytes)), &clean_bytes, None);
        assert!(clean.score == 0.0, "{clean:?}");
    }

    /// Print-like content for the quantisation tests: smooth strokes of
    /// a few pixels plus per-pixel grain (`textured`'s 2×2 cells would
    /// leave whole frequencies empty).
    fn print_like(w: u32, h: u32, seed: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let mut v = x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503) ^ seed;
            v ^= v >> 15;
            v = v.wrapping_mul(0x2c1b_3c6d);
            v ^= v >> 12;
            let (fx, fy) = (x as f32, y as f32);
            let s = seed as f32;
            let stroke = (fx * 0.21 + s).sin() * (fy * 0.17 - s).cos() * 60.0
                + (fx * 0.05 + fy * 0.08 + s).sin() * 30.0;
            let g = (140.0 + stroke + (v % 24) as f32 - 12.0).clamp(5.0, 250.0) as u8;
            Rgb([g, g, g])
        })
    }

    /// A page compressed at 50, a patch of fresh content pasted in (never
    /// compressed), the whole saved again: the patch lacks the first
    /// compression.
    fn edited_twice_compressed(last: impl Fn(&RgbImage) -> Vec<u8>) -> (Vec<u8>, RgbImage) {
        let mut img = decode(&jpeg(&print_like(648, 520, 5), 50));
        let fresh = print_like(648, 520, 77);
        for y in 200..296 {
            for x in 260..420 {
                img.put_pixel(x, y, *fresh.get_pixel(x, y));
            }
        }
        let bytes = last(&img);
        let back = image::load_from_memory(&bytes).expect("decode").to_rgb8();
        (bytes, back)
    }

    fn assert_patch_found(f: &Finding) {
        assert!(f.score > 0.85, "{f:?}");
        let q = f.regions[0].quad;
        let (cx, cy) = (0.5 * (q[0][0] + q[2][0]), 0.5 * (q[0][1] + q[2][1]));
        assert!(
            (260.0..420.0).contains(&cx) && (200.0..296.0).contains(&cy),
            "{q:?}"
        );
        assert!(f.message.contains("compressed") || f.message.contains("compression"));
    }

    #[test]
    fn a_region_compressed_once_on_a_twice_compressed_page_is_found() {
        let (bytes, img) = edited_twice_compressed(|i| jpeg(i, 90));
        assert_patch_found(&compression(&page(img), &bytes, None));
        // The same page without the edit: two compressions everywhere.
        let page0 = decode(&jpeg(&print_like(648, 520, 5), 50));
        let bytes0 = jpeg(&page0, 90);
        let clean = compression(&page(decode(&bytes0)), &bytes0, None);
        assert!(clean.score < 0.3, "{clean:?}");
        assert!(clean.message.contains("two JPEG compressions"), "{clean:?}");
    }

    #[test]
    fn a_jpeg_scan_edited_and_saved_as_png_is_read_by_its_blocks() {
        let (bytes, img) = edited_twice_compressed(|i| {
            let mut out = std::io::Cursor::new(Vec::new());
            i.write_to(&mut out, image::ImageFormat::Png).expect("png");
            out.into_inner()
        });
        assert!(luma_quant_table(&bytes).is_none());
        assert_patch_found(&compression(&page(img), &bytes, None));
    }

    #[test]
    fn one_compression_shows_no_history() {
        let bytes = jpeg(&print_like(648, 520, 9), 90);
        let img = decode(&bytes);
        let f = compression(&page(img.clone()), &bytes, None);
        assert!(f.score < f32::EPSILON, "{f:?}");
        let b = work::PxBox {
            x0: 0,
            y0: 0,
            x1: 648,
            y1: 520,
        };
        let t = dq::natural_order(&luma_quant_table(&bytes).expect("table"));
        let map = dq::dq_map(&img, b, &t, dq::Grid::of_jpeg(1, 648, 520)).expect("map");
        assert!(map.evidence < dq::MIN_EVIDENCE, "{}", map.evidence);
    }

    /// A scan stored on its side with EXIF orientation 6: the decoded page
    /// is turned, its blocks start at the stored height modulo 8 and the
    /// table's rows and columns swap.
    #[test]
    fn the_grid_follows_the_exif_orientation() {
        let first = decode(&jpeg(&print_like(650, 522, 3), 50));
        let bytes = jpeg(&first, 90);
        let t = dq::natural_order(&luma_quant_table(&bytes).expect("table"));
        // What the decoder shows for orientation 6: turned 90° clockwise.
        let turned = image::imageops::rotate90(&decode(&bytes));
        let (w, h) = turned.dimensions();
        let b = work::PxBox {
            x0: 0,
            y0: 0,
            x1: w,
            y1: h,
        };
        let grid = dq::Grid::of_jpeg(6, w, h);
        assert_eq!(
            grid,
            dq::Grid {
                phase: [522 % 8, 0],
                transposed: true
            }
        );
        let right = dq::dq_map(&turned, b, &t, grid).expect("map");
        let wrong = dq::dq_map(&turned, b, &t, dq::Grid::of_jpeg(1, w, h)).expect("map");
        assert!(right.evidence >= dq::MIN_EVIDENCE, "{}", right.evidence);
        assert!(
            wrong.evidence < 0.5 * right.evidence,
            "{} {}",
            wrong.evidence,
            right.evidence
        );
    }

    #[test]
    fn non_jpegs_and_tiny_pages_are_not_performed() {
        assert!(!compression(&page(RgbImage::new(1, 1)), b"\x89PNG", None).performed);
        let bytes = jpeg(&RgbImage::new(8, 8), 80);
        assert!(!compression(&page(RgbImage::new(8, 8)), &bytes, None).performed);
    }
}
