//! Near twins: a patch copied on the file by whole pixels and then saved
//! as JPEG. The save re-quantises both copies on their own places of the
//! 8×8 grid, so they no longer agree value for value (`twins` misses
//! them), but they still agree far more closely than any two prints of
//! the same thing can: a glyph or a background motif printed twice lands
//! on the scanner's pixel grid at two different sub-pixel phases and
//! carries two draws of scanner noise, so the two differ about as much as
//! one of them differs from itself moved by a pixel. A clone differs by
//! the JPEG rounding alone, a small fraction of that.
//!
//! The copy-move detector's keypoints propose a displacement and a box
//! (at the reduced resolution, to a few pixels); here the box is compared
//! with its image at full resolution, tile by tile, at every whole-pixel
//! displacement nearby. Each textured tile votes for the displacement
//! where it agrees best; at the winning one, a tile is a *clone tile*
//! when its difference there is under [`RATIO`] of its smallest
//! difference one pixel off. A repeat by the pattern's own period (the
//! source agrees with itself moved back by the same displacement) is no
//! evidence.

// Pixel maths: coordinates are small, non-negative and clamped; the
// conventional short names read best.
#![allow(
    clippy::many_single_char_names,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

use image::RgbImage;

/// Tile side, input pixels.
const T: usize = 8;
/// Smallest difference of a tile against its copy one pixel off, grey
/// levels RMS: flatter tiles (paper, solid ink) look alike at any
/// displacement and tell nothing.
const FLOOR: f32 = 4.0;
/// Largest ratio of a clone tile's difference at the displacement to its
/// smallest difference one pixel off. On the copy-move sets (seeds 3131
/// and 3232), tiles of genuine repeats stay above 0.35 but for a handful;
/// JPEG-saved clones at quality 70-97 fall to 0.05-0.2.
const RATIO: f32 = 0.25;
/// Largest difference one pixel off of a soft tile, grey levels RMS.
const SOFT: f32 = 16.0;
/// Smallest ratio at which a textured tile disagrees with its copy.
const DISAGREE: f32 = 0.6;
/// Whole fractions of the displacement tried as the pattern's period.
const MAX_PERIOD_DIV: i32 = 32;
/// Shortest period tried, |dx| + |dy|, pixels (a tile's texture agrees
/// with itself a few pixels off).
const MIN_PERIOD: i32 = 12;
/// Largest box compared, input pixels² (time bound: a candidate's box is
/// a few millimetres of the page).
const MAX_AREA: usize = 400_000;

/// A near twin: source and destination boxes (input pixels, `x0, y0, x1,
/// y1`) of its clone tiles, how many there are, and the displacement.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct NearTwin {
    pub(super) src: [f32; 4],
    pub(super) dst: [f32; 4],
    pub(super) tiles: u32,
    /// Clone tiles whose texture is soft (difference one pixel off under
    /// [`SOFT`]): scanner noise, a fine background, not ink edges alone.
    pub(super) soft: u32,
    /// Textured tiles inside the source box that disagree (difference
    /// over [`DISAGREE`] of the one-pixel-off one).
    pub(super) disagree: u32,
    pub(super) shift: [i32; 2],
    /// Sub-pixel offset of the best agreement from `shift`, pixels.
    pub(super) phase: [f32; 2],
}

/// Grey values (r + 2g + b) / 4 of `img` over `w × h` from `(x0, y0)`;
/// the caller keeps the box on the image.
fn grey(img: &RgbImage, x0: usize, y0: usize, w: usize, h: usize) -> Vec<f32> {
    let raw = img.as_raw();
    let stride = img.width() as usize * 3;
    let mut out = Vec::with_capacity(w * h);
    for y in y0..y0 + h {
        let row = &raw[y * stride + x0 * 3..y * stride + (x0 + w) * 3];
        out.extend(
            row.chunks_exact(3)
                .map(|p| (f32::from(p[0]) + 2.0 * f32::from(p[1]) + f32::from(p[2])) * 0.25),
        );
    }
    out
}

/// Compares the box `src` (input pixels) with its image displaced by
/// about `shift`, searching whole-pixel displacements within `radius`.
pub(super) fn near_twin(
    img: &RgbImage,
    src: [f32; 4],
    shift: [f32; 2],
    radius: i32,
) -> Option<NearTwin> {
    let (iw, ih) = (img.width() as i32, img.height() as i32);
    let (sx, sy) = (shift[0].round() as i32, shift[1].round() as i32);
    // One pixel beyond the search for the neighbours' differences, and
    // room for the source moved back by the displacement (the period
    // test) where the page has it.
    let m = radius + 1;
    let x0 = (src[0].floor() as i32).max(0).max(m - sx);
    let y0 = (src[1].floor() as i32).max(0).max(m - sy);
    let x1 = (src[2].ceil() as i32).min(iw).min(iw - m - sx);
    let y1 = (src[3].ceil() as i32).min(ih).min(ih - m - sy);
    let (nx, ny) = (
        ((x1 - x0).max(0) as usize) / T,
        ((y1 - y0).max(0) as usize) / T,
    );
    let (w, h) = (nx * T, ny * T);
    if nx * ny < 4 || w * h > MAX_AREA {
        return None;
    }
    let (x0, y0) = (x0 as usize, y0 as usize);
    let a = grey(img, x0, y0, w, h);
    // The destination side with `m` pixels all round.
    let (bw, bh) = (w + 2 * m as usize, h + 2 * m as usize);
    let bx0 = (x0 as i32 + sx - m) as usize;
    let by0 = (y0 as i32 + sy - m) as usize;
    let b = grey(img, bx0, by0, bw, bh);
    // Per tile, the mean squared difference at displacement (dx, dy)
    // from `shift`, sampling every `step`-th pixel each way.
    let tile_err = |dx: i32, dy: i32, step: usize| -> Vec<f32> {
        let mut e = vec![0.0f32; nx * ny];
        let ox = (m + dx) as usize;
        let oy = (m + dy) as usize;
        for y in (0..h).step_by(step) {
            let ra = &a[y * w..(y + 1) * w];
            let rb = &b[(y + oy) * bw + ox..(y + oy) * bw + ox + w];
            let row = (y / T) * nx;
            for x in (0..w).step_by(step) {
                let d = ra[x] - rb[x];
                e[row + x / T] += d * d;
            }
        }
        let n = (T.div_ceil(step) * T.div_ceil(step)) as f32;
        for v in &mut e {
            *v /= n;
        }
        e
    };
    // Coarse look: each tile's best displacement, on a quarter of its
    // pixels.
    let span = (2 * radius + 1) as usize;
    let mut best = vec![(f32::INFINITY, 0usize); nx * ny];
    for k in 0..span * span {
        let (dx, dy) = ((k % span) as i32 - radius, (k / span) as i32 - radius);
        for (t, v) in tile_err(dx, dy, 2).into_iter().enumerate() {
            if v < best[t].0 {
                best[t] = (v, k);
            }
        }
    }
    let mut votes = vec![0u32; span * span];
    for &(v, k) in &best {
        if v.is_finite() {
            votes[k] += 1;
        }
    }
    let k = (0..span * span).max_by_key(|&k| (votes[k], std::cmp::Reverse(k)))?;
    let (dx, dy) = ((k % span) as i32 - radius, (k / span) as i32 - radius);
    // Full look at the winner and its eight neighbours.
    let at = tile_err(dx, dy, 1);
    let mut next = vec![f32::INFINITY; nx * ny];
    // Per tile, the differences one pixel off along each axis (−x, +x,
    // −y, +y), for the sub-pixel phase.
    let mut axis: [Vec<f32>; 4] = Default::default();
    for (ex, ey) in [
        (-1, -1),
        (0, -1),
        (1, -1),
        (-1, 0),
        (1, 0),
        (-1, 1),
        (0, 1),
        (1, 1),
    ] {
        let (u, v) = (dx + ex, dy + ey);
        if u.abs() > m || v.abs() > m {
            continue;
        }
        let e = tile_err(u, v, 1);
        for (t, &v) in e.iter().enumerate() {
            next[t] = next[t].min(v);
        }
        match (ex, ey) {
            (-1, 0) => axis[0] = e,
            (1, 0) => axis[1] = e,
            (0, -1) => axis[2] = e,
            (0, 1) => axis[3] = e,
            _ => {}
        }
    }
    let shift = [sx + dx, sy + dy];
    let clone_tile = |e: f32, n: f32| n > FLOOR * FLOOR && e < RATIO * RATIO * n;
    let clones: Vec<usize> = (0..nx * ny)
        .filter(|&t| clone_tile(at[t], next[t]))
        .collect();
    if clones.is_empty() || axis.iter().any(Vec::is_empty) {
        return None;
    }
    // Where the clone tiles agree best, to a fraction of a pixel: the
    // vertex of a parabola through their summed differences one pixel
    // either side. A clone agrees at the whole-pixel displacement itself;
    // a print repeated by the page's design lands at any phase.
    let sum = |v: &[f32]| clones.iter().map(|&t| f64::from(v[t])).sum::<f64>();
    let e0 = sum(&at);
    let vertex = |lo: f64, hi: f64| {
        let curve = lo - 2.0 * e0 + hi;
        if curve <= 0.0 {
            0.5
        } else {
            ((lo - hi) / (2.0 * curve)).clamp(-0.5, 0.5) as f32
        }
    };
    let phase = [
        vertex(sum(&axis[0]), sum(&axis[1])),
        vertex(sum(&axis[2]), sum(&axis[3])),
    ];
    // The period tests: the source against itself moved back by the
    // displacement, or by a whole fraction of it (a run of MRZ fillers
    // or of a printed motif repeats at its pitch, and the displacement is
    // a multiple of that), where the page has it. A clone's content has
    // no such period.
    let repeats_at = |m: [i32; 2]| -> bool {
        let (px0, py0) = (x0 as i32 + m[0], y0 as i32 + m[1]);
        if px0 < 0 || py0 < 0 || px0 + w as i32 > iw || py0 + h as i32 > ih {
            return false;
        }
        let c = grey(img, px0 as usize, py0 as usize, w, h);
        let periodic = clones
            .iter()
            .filter(|&&t| {
                let (tx, ty) = ((t % nx) * T, (t / nx) * T);
                let mut e = 0.0f32;
                for y in ty..ty + T {
                    for x in tx..tx + T {
                        let d = a[y * w + x] - c[y * w + x];
                        e += d * d;
                    }
                }
                clone_tile(e / (T * T) as f32, next[t])
            })
            .count();
        2 * periodic >= clones.len()
    };
    if repeats_at([-shift[0], -shift[1]]) {
        return None;
    }
    for n in 2..=MAX_PERIOD_DIV {
        let m = [
            (shift[0] as f32 / n as f32).round() as i32,
            (shift[1] as f32 / n as f32).round() as i32,
        ];
        if m[0].abs() + m[1].abs() < MIN_PERIOD {
            break;
        }
        if repeats_at(m) || repeats_at([-m[0], -m[1]]) {
            return None;
        }
    }
    let (mut lo, mut hi) = ([usize::MAX; 2], [0usize; 2]);
    // Per tile row and per tile column, the span of its clone tiles.
    let mut rows = vec![(usize::MAX, 0usize); ny];
    let mut cols = vec![(usize::MAX, 0usize); nx];
    for &t in &clones {
        let (tx, ty) = (t % nx, t / nx);
        lo = [lo[0].min(tx), lo[1].min(ty)];
        hi = [hi[0].max(tx + 1), hi[1].max(ty + 1)];
        rows[ty] = (rows[ty].0.min(tx), rows[ty].1.max(tx));
        cols[tx] = (cols[tx].0.min(ty), cols[tx].1.max(ty));
    }
    // Textured tiles among the clone tiles that clearly disagree: a clone
    // carries everything inside its outline along, a word printed twice
    // does not carry the background lines between and around its letters.
    // "Among" is between clone tiles of the same row and of the same
    // column (the outline convex along both axes): a long value cloned on
    // a page scanned at a slant fills only a slanted strip of its box.
    let among = |tx: usize, ty: usize| {
        (rows[ty].0..=rows[ty].1).contains(&tx) && (cols[tx].0..=cols[tx].1).contains(&ty)
    };
    let disagree = (lo[1]..hi[1])
        .flat_map(|ty| (lo[0]..hi[0]).map(move |tx| (tx, ty)))
        .filter(|&(tx, ty)| among(tx, ty))
        .map(|(tx, ty)| ty * nx + tx)
        .filter(|&t| next[t] > FLOOR * FLOOR && at[t] >= DISAGREE * DISAGREE * next[t])
        .count() as u32;
    let src = [
        (x0 + lo[0] * T) as f32,
        (y0 + lo[1] * T) as f32,
        (x0 + hi[0] * T) as f32,
        (y0 + hi[1] * T) as f32,
    ];
    let (fx, fy) = (shift[0] as f32, shift[1] as f32);
    Some(NearTwin {
        dst: [src[0] + fx, src[1] + fy, src[2] + fx, src[3] + fy],
        src,
        tiles: clones.len() as u32,
        soft: clones.iter().filter(|&&t| next[t] < SOFT * SOFT).count() as u32,
        disagree,
        shift,
        phase,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A noisy textured page: a smooth pattern plus per-pixel noise from
    /// a fixed generator.
    fn page(w: u32, h: u32, seed: u64) -> RgbImage {
        let mut s = seed;
        let mut noise = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 56) as f32 / 16.0 - 8.0
        };
        RgbImage::from_fn(w, h, |x, y| {
            let (xf, yf) = (x as f32, y as f32);
            let v = 128.0
                + 50.0 * (xf * 0.37).sin() * (yf * 0.23).cos()
                + 30.0 * ((xf + yf) * 0.11).sin()
                + noise();
            let g = v.clamp(0.0, 255.0) as u8;
            Rgb([g, g, g])
        })
    }

    /// Adds fresh noise of about ±`amp` levels: what a JPEG save does to
    /// both copies, each on its own.
    fn jitter(img: &mut RgbImage, amp: f32, seed: u64) {
        let mut s = seed;
        for p in img.pixels_mut() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let d = ((s >> 56) as f32 / 255.0 - 0.5) * 2.0 * amp;
            for v in &mut p.0 {
                *v = (f32::from(*v) + d).round().clamp(0.0, 255.0) as u8;
            }
        }
    }

    #[test]
    fn a_clone_blurred_by_a_later_save_is_found_at_its_exact_displacement() {
        let mut img = page(400, 300, 7);
        // Clone 64 × 48 px from (40, 50) to (233, 181).
        let off = (193u32, 131u32);
        for y in 50..98 {
            for x in 40..104 {
                let p = *img.get_pixel(x, y);
                img.put_pixel(x + off.0, y + off.1, p);
            }
        }
        jitter(&mut img, 1.5, 99);
        // The keypoints' estimate is a few pixels off.
        let t = near_twin(&img, [36.0, 46.0, 108.0, 102.0], [191.3, 133.4], 3)
            .expect("the clone is found");
        assert_eq!(t.shift, [193, 131]);
        assert!(t.tiles >= 30, "{} clone tiles", t.tiles);
        assert!(t.src[0] <= 48.0 && t.src[2] >= 96.0, "{:?}", t.src);
    }

    #[test]
    fn a_slanted_clone_is_judged_inside_its_outline_not_its_box() {
        // A long value cloned on a page scanned at 45°: the copied strip
        // fills a diagonal band of its box. The box's other corners show
        // different background at the two places, and disagree.
        let mut img = page(400, 300, 7);
        let off = (193u32, 131u32);
        let other = page(400, 300, 8);
        for y in 40..136 {
            for x in 30..126 {
                let strip = (x as i32 - 30 - (y as i32 - 40)).abs() < 14;
                let p = if strip {
                    *img.get_pixel(x, y)
                } else {
                    *other.get_pixel(x, y)
                };
                img.put_pixel(x + off.0, y + off.1, p);
            }
        }
        jitter(&mut img, 1.5, 99);
        let t = near_twin(&img, [30.0, 40.0, 126.0, 136.0], [193.0, 131.0], 3)
            .expect("the clone is found");
        assert_eq!(t.shift, [193, 131]);
        assert!(t.tiles >= 6, "{} clone tiles", t.tiles);
        // Outside the band, most textured tiles of the box disagree; inside
        // its outline, the few left are tiles the band only half covers.
        assert!(
            t.disagree <= t.tiles,
            "{} disagree, {} clone tiles",
            t.disagree,
            t.tiles
        );
    }

    #[test]
    fn the_same_pattern_with_its_own_noise_is_not_a_twin() {
        // Two independent draws of the same smooth pattern: a design
        // printed twice, each scanned with its own noise.
        let img = page(400, 300, 7);
        let other = page(400, 300, 8);
        let mut both = img.clone();
        for y in 181..229 {
            for x in 233..297 {
                both.put_pixel(x, y, *other.get_pixel(x - 193, y - 131));
            }
        }
        assert_eq!(
            near_twin(&both, [36.0, 46.0, 108.0, 102.0], [193.0, 131.0], 3),
            None
        );
    }

    #[test]
    fn a_run_repeating_at_a_fraction_of_the_displacement_is_a_period() {
        // A motif every 30 px along a row (MRZ fillers), each print with
        // its own noise; the displacement between two of them is 150 px.
        let mut s = 11u64;
        let mut noise = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 56) as f32 / 64.0 - 2.0
        };
        let img = RgbImage::from_fn(420, 80, |x, y| {
            let (u, v) = ((x % 30) as f32, y as f32);
            let ink = (u - 15.0).abs() < 4.0 + (v - 40.0).abs() * 0.3 && (v - 40.0).abs() < 12.0;
            let g = if ink { 40.0 } else { 220.0 } + noise();
            let g = g.clamp(0.0, 255.0) as u8;
            Rgb([g, g, g])
        });
        assert_eq!(
            near_twin(&img, [60.0, 20.0, 150.0, 60.0], [150.0, 0.0], 2),
            None
        );
    }

    #[test]
    fn flat_paper_and_tiny_boxes_are_no_evidence() {
        let img = RgbImage::from_pixel(300, 200, Rgb([200, 200, 200]));
        assert_eq!(
            near_twin(&img, [10.0, 10.0, 80.0, 60.0], [150.0, 100.0], 3),
            None
        );
        let img = page(300, 200, 3);
        assert_eq!(
            near_twin(&img, [10.0, 10.0, 18.0, 14.0], [150.0, 100.0], 3),
            None
        );
    }

    proptest::proptest! {
        /// Any box and displacement, on or off the page, gives an answer
        /// with its boxes on the page, never a panic.
        #[test]
        fn any_box_and_displacement_is_answered_within_the_page(
            x0 in -100.0f32..500.0,
            y0 in -100.0f32..400.0,
            bw in 0.0f32..300.0,
            bh in 0.0f32..300.0,
            sx in -500.0f32..500.0,
            sy in -400.0f32..400.0,
            radius in 0i32..6,
        ) {
            let img = page(240, 180, 3);
            if let Some(t) = near_twin(&img, [x0, y0, x0 + bw, y0 + bh], [sx, sy], radius) {
                for r in [t.src, t.dst] {
                    proptest::prop_assert!(r[0] >= 0.0 && r[1] >= 0.0);
                    proptest::prop_assert!(r[2] <= 240.0 && r[3] <= 180.0);
                }
            }
        }
    }
}
