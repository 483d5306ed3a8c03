//! Pixel-exact twins: a patch of the scan repeated value for value
//! elsewhere on it. A scanner's noise never repeats, so two textured
//! windows that agree in every sampled pixel are one patch copied on the
//! file (a clone saved losslessly, without turning or scaling it). A
//! rendered, noise-free page repeats glyphs exactly at many shifts; the
//! search stands down there (see [`TWIN_MAX_SHIFTS`]).
//!
//! Every `TWIN_B`-pixel window inside the document is hashed by
//! [`OFFSETS`]' pixel values; windows on a `TWIN_STEP` grid whose hash is
//! unique are the keys; every window that hits a key votes for the shift
//! between them. A shift with [`TWIN_MIN_VOTES`] votes is a clone.

// Pixel maths: coordinates are small, non-negative and clamped; the
// conventional short names read best.
#![allow(
    clippy::many_single_char_names,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

use std::collections::HashMap;

use image::RgbImage;

use super::work::{self, PxBox};

/// Window side, input pixels.
const TWIN_B: usize = 16;
/// Grid step of the key windows.
const TWIN_STEP: usize = 8;
/// The sampled pixels of a window (row, column), spread over it.
const OFFSETS: [(usize, usize); 10] = [
    (1, 2),
    (3, 11),
    (5, 6),
    (7, 14),
    (9, 1),
    (11, 9),
    (13, 4),
    (14, 13),
    (2, 8),
    (12, 0),
];
/// Buckets of the first-look filter, as a power of two.
const FILTER_BITS: u32 = 22;
/// Samples of the first look (see `exact_twin`).
const PARTIAL: usize = 4;
/// Smallest spread of the first look's samples of a key window.
const PARTIAL_MIN_SPAN: u16 = 24;
/// Smallest spread of a window's sampled values (`r + 2g + b`, 0..=1020):
/// flat paper and solid ink repeat by nature.
const TWIN_MIN_SPAN: u16 = 48;
/// Sampled values this close to black or white are clipped, and clipped
/// pixels repeat.
const TWIN_CLIP: u16 = 16;
/// Smallest shift, |dy| + |dx|, input pixels: overlapping windows agree.
const TWIN_MIN_SHIFT: i32 = 24;
/// Fewest windows agreeing at one shift. Genuine scans of the generated
/// sets (seed 8080 and the hold-outs) give at most 3 (JPEG flattens a few
/// windows alike); a lossless clone of 5 × 3 mm at 300 dpi about 50.
const TWIN_MIN_VOTES: u32 = 16;
/// Shifts of 3 or more votes beyond this many: a noise-free rendered page
/// whose glyphs repeat exactly; no evidence there.
const TWIN_MAX_SHIFTS: usize = 4;
/// Largest document box searched, pixels (time and memory bound; 600-dpi
/// A4 scans are not searched).
const TWIN_MAX_PX: u64 = 16_000_000;
/// Most matched windows kept for the regions.
const TWIN_MAX_HITS: usize = 200_000;

/// A found twin: source and destination boxes in input pixels, and the
/// votes of its shift.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Twin {
    pub(super) src: [f32; 4],
    pub(super) dst: [f32; 4],
    pub(super) votes: u32,
}

/// Looks for a pixel-exact twin inside `quad` (input pixels) of `img`.
pub(super) fn exact_twin(img: &RgbImage, b: PxBox, quad: Option<&[[f32; 2]; 4]>) -> Option<Twin> {
    let (w, h) = (b.w() as usize, b.h() as usize);
    if w < 4 * TWIN_B || h < 4 * TWIN_B || (w as u64) * (h as u64) > TWIN_MAX_PX {
        return None;
    }
    let raw = img.as_raw();
    let stride = img.width() as usize * 3;
    // r + 2g + b of the box: exact, so equal pixels give equal values.
    let mut v = vec![0u16; w * h];
    for y in 0..h {
        let row = &raw[(b.y0 as usize + y) * stride..];
        for x in 0..w {
            let i = (b.x0 as usize + x) * 3;
            v[y * w + x] = u16::from(row[i]) + 2 * u16::from(row[i + 1]) + u16::from(row[i + 2]);
        }
    }
    let inside = |x: usize, y: usize| {
        quad.is_none_or(|q| {
            let c = TWIN_B as f32 / 2.0;
            work::in_quad(q, [b.x0 as f32 + x as f32 + c, b.y0 as f32 + y as f32 + c])
        })
    };
    // A window's first samples hashed: the cheap first look.
    // `None` when those samples are nearly flat: only windows textured
    // already there are keys (paper-toned first samples would otherwise
    // send most of the page through the filter).
    let partial = |x: usize, y: usize| -> Option<u64> {
        let (mut h, mut lo, mut hi) = (0xcbf2_9ce4_8422_2325u64, u16::MAX, 0u16);
        for (dy, dx) in &OFFSETS[..PARTIAL] {
            let s = v[(y + dy) * w + x + dx];
            lo = lo.min(s);
            hi = hi.max(s);
            h = (h ^ u64::from(s)).wrapping_mul(0x0100_0000_01b3);
        }
        (hi - lo >= PARTIAL_MIN_SPAN).then_some(h)
    };
    // The window's hash, when it is textured and unclipped.
    let window = |x: usize, y: usize, first: u64| -> Option<u64> {
        let (mut hash, mut lo, mut hi) = (first, u16::MAX, 0u16);
        for (i, (dy, dx)) in OFFSETS.iter().enumerate() {
            let s = v[(y + dy) * w + x + dx];
            lo = lo.min(s);
            hi = hi.max(s);
            if i >= PARTIAL {
                hash = (hash ^ u64::from(s)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        (hi - lo >= TWIN_MIN_SPAN && lo >= TWIN_CLIP && hi <= 1020 - TWIN_CLIP).then_some(hash)
    };
    let (nx, ny) = (w - TWIN_B + 1, h - TWIN_B + 1);
    // Keys: grid windows with a unique hash (a repeated one is ambiguous).
    // One bit per bucket of the keys' first-sample hashes: most windows
    // hit no key and stop after four samples.
    let mut filter = vec![0u64; 1 << (FILTER_BITS - 6)];
    let bucket = |k: u64| (k >> (64 - FILTER_BITS)) as usize;
    let mut keys: HashMap<u64, Option<(u32, u32)>> = HashMap::new();
    for y in (0..ny).step_by(TWIN_STEP) {
        for x in (0..nx).step_by(TWIN_STEP) {
            let Some(first) = partial(x, y) else {
                continue;
            };
            if let Some(k) = window(x, y, first).filter(|_| inside(x, y)) {
                filter[bucket(first) >> 6] |= 1 << (bucket(first) & 63);
                keys.entry(k)
                    .and_modify(|e| *e = None)
                    .or_insert(Some((x as u32, y as u32)));
            }
        }
    }
    let mut votes: HashMap<(i32, i32), u32> = HashMap::new();
    let mut hits: Vec<(u32, u32, i32, i32)> = Vec::new();
    for y in 0..ny {
        for x in 0..nx {
            let Some(first) = partial(x, y) else {
                continue;
            };
            if filter[bucket(first) >> 6] & (1 << (bucket(first) & 63)) == 0 {
                continue;
            }
            let Some(k) = window(x, y, first) else {
                continue;
            };
            let Some(Some((kx, ky))) = keys.get(&k) else {
                continue;
            };
            let (dx, dy) = (x as i32 - *kx as i32, y as i32 - *ky as i32);
            if dx.abs() + dy.abs() < TWIN_MIN_SHIFT || !inside(x, y) {
                continue;
            }
            // Either copy finds the other: one shift pointing down (or
            // right on a row), from the upper window of the pair.
            let (first, shift) = if (dy, dx) > (0, 0) {
                ((*kx, *ky), (dx, dy))
            } else {
                ((x as u32, y as u32), (-dx, -dy))
            };
            *votes.entry(shift).or_default() += 1;
            if hits.len() < TWIN_MAX_HITS {
                hits.push((first.0, first.1, shift.0, shift.1));
            }
        }
    }
    if votes.values().filter(|n| **n >= 3).count() > TWIN_MAX_SHIFTS {
        return None;
    }
    let (&(dx, dy), &n) = votes
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))?;
    if n < TWIN_MIN_VOTES {
        return None;
    }
    // The matched windows of that shift: the upper copy's box, and the
    // same shifted. Which one is the original the pixels cannot tell.
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for &(x, y, _, _) in hits.iter().filter(|h| (h.2, h.3) == (dx, dy)) {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x + TWIN_B as u32);
        y1 = y1.max(y + TWIN_B as u32);
    }
    let (bx, by) = (b.x0 as f32, b.y0 as f32);
    let src = [
        bx + x0 as f32,
        by + y0 as f32,
        bx + x1 as f32,
        by + y1 as f32,
    ];
    let dst = [
        src[0] + dx as f32,
        src[1] + dy as f32,
        src[2] + dx as f32,
        src[3] + dy as f32,
    ];
    Some(Twin { src, dst, votes: n })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A scan-like page: print-like texture plus per-pixel noise that never
    /// repeats.
    fn noisy(w: u32, h: u32, seed: u32) -> RgbImage {
        let hash = |x: u32, y: u32, s: u32| {
            let mut v = x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663) ^ s;
            v ^= v >> 13;
            v = v.wrapping_mul(0x5bd1_e995);
            v ^= v >> 15;
            v
        };
        RgbImage::from_fn(w, h, |x, y| {
            let print = (hash(x / 6, y / 6, seed) % 120) as i32 + 60;
            let noise = (hash(x, y, seed ^ 0xabcd) % 9) as i32 - 4;
            let g = (print + noise).clamp(0, 255) as u8;
            Rgb([g, g.saturating_add(3), g])
        })
    }

    fn whole(img: &RgbImage) -> PxBox {
        PxBox {
            x0: 0,
            y0: 0,
            x1: img.width(),
            y1: img.height(),
        }
    }

    #[test]
    fn a_lossless_clone_is_found_where_it_was_made() {
        let mut img = noisy(500, 400, 3);
        let copy = img.clone();
        assert_eq!(
            exact_twin(&copy, whole(&copy), None),
            None,
            "noise never repeats"
        );
        // Clone 80×48 from (40, 50) to (300, 270).
        for y in 0..48 {
            for x in 0..80 {
                img.put_pixel(300 + x, 270 + y, *copy.get_pixel(40 + x, 50 + y));
            }
        }
        let t = exact_twin(&img, whole(&img), None).expect("found");
        assert!(t.votes >= TWIN_MIN_VOTES, "{t:?}");
        assert!(
            (t.dst[0] - 300.0).abs() <= 8.0 && (t.dst[1] - 270.0).abs() <= 8.0,
            "{t:?}"
        );
        assert!(
            (t.src[0] - 40.0).abs() <= 8.0 && (t.src[1] - 50.0).abs() <= 8.0,
            "{t:?}"
        );
        // Outside the document quad it is not looked for.
        let quad = [[0.0, 0.0], [250.0, 0.0], [250.0, 250.0], [0.0, 250.0]];
        assert_eq!(exact_twin(&img, whole(&img), Some(&quad)), None);
    }

    #[test]
    fn a_noise_free_page_of_repeated_glyphs_is_no_evidence() {
        // Rendered print: the same glyph at many places, no noise.
        let mut img = RgbImage::from_pixel(600, 400, Rgb([230, 230, 230]));
        for k in 0..40u32 {
            let (ox, oy) = (20 + (k % 10) * 55, 20 + (k / 10) * 90);
            for y in 0..30 {
                for x in 0..30 {
                    let v = ((x * 7 + y * 13) % 160 + 40) as u8;
                    img.put_pixel(ox + x, oy + y, Rgb([v, v, v]));
                }
            }
        }
        assert_eq!(exact_twin(&img, whole(&img), None), None);
    }

    #[test]
    fn small_flat_and_huge_pages_are_skipped() {
        let tiny = RgbImage::new(40, 40);
        assert_eq!(exact_twin(&tiny, whole(&tiny), None), None);
        let flat = RgbImage::from_pixel(300, 300, Rgb([128, 128, 128]));
        assert_eq!(exact_twin(&flat, whole(&flat), None), None);
    }
}
