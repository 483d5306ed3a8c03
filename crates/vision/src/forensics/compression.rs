//! JPEG history: regions whose 8×8 compression grid is shifted against the
//! rest of the page (a patch cut from another JPEG and pasted off the
//! grid, then the whole re-saved), and the file's quality from its
//! quantisation tables.
//!
//! Blocking artefacts make the luminance step across a block boundary
//! larger than the steps beside it. Summed per column phase (x mod 8) and
//! row phase (y mod 8) over a cell, the boundary phase stands out; over the
//! whole document it gives the page's grid. A cell whose own grid stands
//! out clearly at another phase, in a connected group, is the finding.
//! Phases are taken in the decoded page's coordinates: an EXIF rotation
//! moves the grid's phase but keeps it one grid, so the comparison holds.

// Pixel maths: coordinates are small, non-negative and clamped; the
// conventional short names (x, y, w, h, a, b, g) read best.
#![allow(
    clippy::many_single_char_names,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use super::dq;
use super::work::{self, components, rect_quad};
use super::{Evidence, Finding};
use crate::Page;

/// Cell side, pixels of the analysed grid (full resolution).
const CELL: usize = 64;
/// A page grid is visible when its phase carries this much more step
/// energy than the average phase.
const MIN_GLOBAL: f32 = 0.08;
/// A cell's own grid, at another phase than the page's, counts beyond this
/// contrast, and when it is this many times its contrast at the page's.
const MIN_CELL: f32 = 0.35;
const RATIO: f32 = 2.5;
/// Fewest cells in a region.
const MIN_CELLS: usize = 2;

/// Largest side of the analysed window, pixels (a 300-dpi passport page
/// fits whole).
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
/// rest: compressed once where the page carries two compressions (edited
/// after the scan, [`super::dq`]), or on a grid shifted against the
/// page's (pasted from another JPEG). A PNG or TIFF that carries a JPEG
/// grid is read for the first of these, with no last table.
#[must_use]
pub fn compression(page: &Page, bytes: &[u8], corners: Option<&[[f32; 2]; 4]>) -> Finding {
    let table = luma_quant_table(bytes);
    let quality = table.as_ref().map(estimate_quality);
    let img = &page.image;
    let doc = work::doc_box(img, corners, 0.02);
    let b = window(doc, MAX_WINDOW);
    // Full resolution: the grid lives on single pixels. On huge scans only
    // a central window is read (the grid, if any, is everywhere), which
    // bounds time and memory.
    let g = work::full(img, b, 1);
    let (cw, ch) = (g.w / CELL, g.h / CELL);
    if cw < 3 || ch < 3 {
        return Finding::not_performed("the document is too small to read its JPEG grid");
    }
    let mut cells = Vec::with_capacity(cw * ch);
    let (mut gh, mut gv) = ([0.0f32; 8], [0.0f32; 8]);
    for cy in 0..ch {
        for cx in 0..cw {
            let (h, v) = phases(&g, cx * CELL, cy * CELL, (cx + 1) * CELL, (cy + 1) * CELL);
            for k in 0..8 {
                gh[k] += h[k];
                gv[k] += v[k];
            }
            cells.push((h, v));
        }
    }
    // Phases in view coordinates (the view starts at b.x0, b.y0).
    let (ph, pv) = (peak(&gh), peak(&gv));
    let visible = contrast(&gh, ph).min(contrast(&gv, pv)) >= MIN_GLOBAL;
    let about = quality.map_or_else(String::new, |q| format!("JPEG quality about {q}; "));
    // The quality history: the file's last table on the file's grid, or
    // for a lossless file the grid its blocking shows (the boundary after
    // view column `ph` starts a block) with no last quantisation.
    let history = match &table {
        Some(t) => Some((
            dq::natural_order(t),
            dq::Grid::of_jpeg(page.exif_orientation, img.width(), img.height()),
        )),
        None if visible => Some((
            [1u16; 64],
            dq::Grid {
                phase: [(b.x0 as usize + ph + 1) % 8, (b.y0 as usize + pv + 1) % 8],
                transposed: false,
            },
        )),
        None => None,
    };
    let Some((last, grid)) = history else {
        return Finding::not_performed(
            "the file is not a JPEG and shows no JPEG blocks: no compression history to read",
        );
    };
    let map = dq::dq_map(img, window(doc, DQ_WINDOW), &last, grid)
        .filter(|m| m.evidence >= dq::MIN_EVIDENCE);
    let single = map
        .as_ref()
        .and_then(dq::single_region)
        .map(|(score, r)| Finding {
            score,
            message: format!(
                "{about}the page shows two JPEG compressions but one region only the last: \
             it was changed after the scan (retyped, pasted or cloned) and the file saved again"
            ),
            regions: vec![Evidence {
                label: "region compressed once".into(),
                quad: rect_quad(r[0], r[1], r[2], r[3]),
            }],
            performed: true,
        });
    let shifted = if table.is_some() && visible {
        shifted_grid(&g, &cells, (cw, ch), (ph, pv), &about)
    } else {
        None
    };
    let found = match (single, shifted) {
        (Some(a), Some(b)) => Some(if a.score >= b.score { a } else { b }),
        (a, b) => a.or(b),
    };
    found.unwrap_or_else(|| {
        Finding::nothing(match (&map, visible) {
            (Some(_), _) => format!(
                "{about}two JPEG compressions are visible across the document and every region \
                 carries both"
            ),
            (None, true) => format!(
                "{about}one compression grid across the document; no earlier compression \
                 is visible to compare regions by"
            ),
            (None, false) => format!(
                "{about}no compression grid is visible on the document, so pasted regions \
                 cannot be told by it"
            ),
        })
    })
}

/// The cells whose own grid stands out at another phase than the page's
/// (`ph`, `pv`), in their largest connected group.
fn shifted_grid(
    g: &work::Grey,
    cells: &[([f32; 8], [f32; 8])],
    (cw, ch): (usize, usize),
    (ph, pv): (usize, usize),
    about: &str,
) -> Option<Finding> {
    let mut off = vec![false; cw * ch];
    let mut how = vec![0.0f32; cw * ch];
    for (i, (h, v)) in cells.iter().enumerate() {
        let (qh, qv) = (peak(h), peak(v));
        if qh == ph && qv == pv {
            continue;
        }
        let own = contrast(h, qh).min(contrast(v, qv));
        let at_page = contrast(h, ph).min(contrast(v, pv)).max(0.02);
        if own >= MIN_CELL && own >= RATIO * at_page {
            off[i] = true;
            how[i] = own;
        }
    }
    let (score, comp) = components(&off, cw, ch)
        .into_iter()
        .filter(|c| c.len() >= MIN_CELLS && c.len() * 3 < cw * ch)
        .map(|c| {
            let m = c.iter().map(|&i| how[i]).sum::<f32>() / c.len() as f32;
            let s =
                ((m - MIN_CELL) / 0.6).clamp(0.05, 1.0) * (c.len() as f32 / 6.0).min(1.0).sqrt();
            (s, c)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    let xs = comp.iter().map(|&i| i % cw);
    let ys = comp.iter().map(|&i| i / cw);
    let (x0, x1) = (xs.clone().min().unwrap_or(0), xs.max().unwrap_or(0) + 1);
    let (y0, y1) = (ys.clone().min().unwrap_or(0), ys.max().unwrap_or(0) + 1);
    let c = CELL as f32;
    Some(Finding {
        score,
        message: format!(
            "{about}a region's JPEG block grid is shifted against the rest of the page: \
             it may have been pasted from another image"
        ),
        regions: vec![Evidence {
            label: "region with a shifted JPEG grid".into(),
            quad: rect_quad(
                g.x0 + x0 as f32 * c,
                g.y0 + y0 as f32 * c,
                g.x0 + x1 as f32 * c,
                g.y0 + y1 as f32 * c,
            ),
        }],
        performed: true,
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
