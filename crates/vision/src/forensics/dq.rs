//! Aligned double JPEG quantisation: where a scan's file was opened,
//! edited and saved as JPEG again, every untouched 8×8 block carries the
//! first compression's quantisation under the second's, while an edited
//! block (retyped, pasted from another file, cloned off the grid) carries
//! the second's only.
//!
//! Per DCT frequency, the file's own coefficients are quantised by the last
//! table `Q2`; the first table's step `Q1` is estimated from their
//! histogram against a calibrated model of unquantised coefficients (the
//! same image's DCT on a grid shifted by 4 pixels, which the compression
//! did not touch: Fridrich's calibration). With that model, a coefficient
//! at bin `m` is `P_D(m) / P_S(m)` times more likely in a block quantised
//! twice (by `Q1` then `Q2`) than once (by `Q2`): the log of that ratio,
//! summed over a block's low frequencies, is the block's evidence of being
//! original (Bianchi and Piva, "Image forgery localization via block-grained
//! analysis of JPEG artifacts", IEEE TIFS 7(3), 2012, with a floor on the
//! ratio so that one odd coefficient cannot decide a block).
//!
//! A PNG or TIFF keeps the last JPEG's quantisation exactly: the same
//! analysis with `Q2 = 1` reads a JPEG scan saved losslessly after an edit.

// Pixel maths: coordinates are small, non-negative and clamped; the
// conventional short names (x, y, w, h, m, q) read best.
#![allow(
    clippy::many_single_char_names,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

use image::RgbImage;

use super::work::PxBox;

/// Zig-zag positions 1..=14 (the lowest AC frequencies, `u + v ≤ 4`), as
/// (row, column) of the 8×8 DCT: enough coefficients in most blocks, and
/// steps small enough for a first quantisation to show.
const FREQS: [(usize, usize); 14] = [
    (0, 1),
    (1, 0),
    (2, 0),
    (1, 1),
    (0, 2),
    (0, 3),
    (1, 2),
    (2, 1),
    (3, 0),
    (4, 0),
    (3, 1),
    (2, 2),
    (1, 3),
    (0, 4),
];

/// Largest AC coefficient of an 8-bit block (orthonormal DCT), with room.
const MAX_COEF: f32 = 1040.0;
/// Width of the calibrated histogram's bins.
const HIST_BIN: f32 = 0.25;
/// Share of the single-compression model mixed into the double one: a
/// coefficient in a bin the double model calls impossible (rounding in the
/// decoder, a clipped neighbour) costs at most `ln(FLOOR)`.
const FLOOR: f32 = 0.05;
/// A frequency's first quantisation counts when it explains the page's
/// coefficients better than one quantisation by this much (mean log ratio
/// per block).
const MIN_FREQ_GAIN: f32 = 0.02;
/// Fewest usable blocks for a page.
const MIN_BLOCKS: usize = 200;

/// Where the 8×8 grid of the last compression lies in the decoded page
/// and whether the page is transposed against the file's stored pixels
/// (EXIF orientations 5-8), which swaps the table's rows and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Grid {
    /// Column and row of a block's first pixel, modulo 8.
    pub(super) phase: [usize; 2],
    pub(super) transposed: bool,
}

impl Grid {
    /// The grid of a JPEG's stored blocks as seen in the decoded page,
    /// after the EXIF `orientation` was applied to a `w`×`h` (decoded)
    /// page. A flipped axis starts its blocks at its length modulo 8.
    pub(super) fn of_jpeg(orientation: u8, w: u32, h: u32) -> Self {
        let transposed = (5..=8).contains(&orientation);
        // Stored width and height.
        let (ws, hs) = if transposed { (h, w) } else { (w, h) };
        let (wm, hm) = ((ws % 8) as usize, (hs % 8) as usize);
        let phase = match orientation {
            2 => [wm, 0],
            3 => [wm, hm],
            4 => [0, hm],
            6 => [hm, 0],
            7 => [hm, wm],
            8 => [0, wm],
            _ => [0, 0],
        };
        Self { phase, transposed }
    }
}

/// The block map of one page.
#[derive(Debug, Clone)]
pub(super) struct DqMap {
    /// Blocks across and down.
    pub(super) w: usize,
    pub(super) h: usize,
    /// Per block: evidence of two quantisations (log-likelihood ratio,
    /// positive = original, negative = quantised once); 0 where unusable.
    pub(super) llr: Vec<f32>,
    /// Input pixel of block (0, 0)'s first pixel.
    pub(super) x0: u32,
    pub(super) y0: u32,
    /// The page's evidence of a first compression: the mean log ratio per
    /// block, summed over the frequencies that show one.
    pub(super) evidence: f32,
}

/// The low-frequency coefficients of every 8×8 block of luma on the grid
/// starting at (`ox`, `oy`) inside `b`, with a flag for blocks where a
/// channel is clipped (0 or 255) on some pixels and reaches more than
/// [`SHALLOW_CLIP`] levels away from that limit on others: the decoder's
/// clamping there cut a deep overshoot and bent the luma out of the
/// quantisation lattice (a highlight on a laminate, ink at full black).
/// Kept: a channel clipped on every pixel, or one that only grazes its
/// limit (paper whose colour cast holds a channel at 250-255, where the
/// clamp removes a level or two of noise); skipping those hid whole pages.
struct Blocks {
    w: usize,
    h: usize,
    /// `FREQS.len()` coefficients per block.
    coef: Vec<f32>,
    clipped: Vec<bool>,
}

/// How far (levels) a channel that touches 0 or 255 in a block may reach
/// from that limit for the block still to be used. Measured: on a real ID
/// card's laminate highlights (peers `image-js__id1.jpg`) the blocks
/// skipped stay at 10.5 % of the page for any bound from 8 to 24 (deep
/// clipping); on a synthetic page whose cast holds the green at 250-255
/// they fall from 18 % to 10 % at 8. With 16, a page with a strong red
/// cast showed a false region among its clipped blocks (seed 6060).
const SHALLOW_CLIP: u8 = 8;

/// Orthonormal DCT-II basis rows 0..=4 (what JPEG's FDCT computes).
fn basis() -> [[f32; 8]; 5] {
    let mut c = [[0.0f32; 8]; 5];
    for (k, row) in c.iter_mut().enumerate() {
        let a = if k == 0 { (1.0f32 / 8.0).sqrt() } else { 0.5 };
        for (x, v) in row.iter_mut().enumerate() {
            *v = a * ((2 * x + 1) as f32 * k as f32 * std::f32::consts::PI / 16.0).cos();
        }
    }
    c
}

/// Blocks on the grid starting at (`ox`, `oy`) inside `b`, every
/// `every`-th one across and down.
fn blocks(img: &RgbImage, b: PxBox, ox: u32, oy: u32, every: usize) -> Blocks {
    let c = basis();
    let (x0, y0) = ((b.x0 + ox) as usize, (b.y0 + oy) as usize);
    let across = (b.x1.saturating_sub(b.x0 + ox) / 8) as usize;
    let down = (b.y1.saturating_sub(b.y0 + oy) / 8) as usize;
    let (w, h) = (across.div_ceil(every), down.div_ceil(every));
    let raw = img.as_raw();
    let stride = img.width() as usize * 3;
    let mut coef = vec![0.0f32; w * h * FREQS.len()];
    let mut clipped = vec![false; w * h];
    let mut f = [[0.0f32; 8]; 8];
    for by in 0..h {
        for bx in 0..w {
            let (px0, py0) = (x0 + bx * every * 8, y0 + by * every * 8);
            // Per channel: pixels at 0 and at 255, the darkest and the
            // lightest value.
            let (mut at0, mut at255) = ([0u8; 3], [0u8; 3]);
            let (mut lo, mut hi) = ([255u8; 3], [0u8; 3]);
            for (r, row) in f.iter_mut().enumerate() {
                let line = &raw[(py0 + r) * stride..(py0 + r + 1) * stride];
                for (x, v) in row.iter_mut().enumerate() {
                    let i = (px0 + x) * 3;
                    let p = [line[i], line[i + 1], line[i + 2]];
                    for (j, &ch) in p.iter().enumerate() {
                        at0[j] += u8::from(ch == 0);
                        at255[j] += u8::from(ch == 255);
                        lo[j] = lo[j].min(ch);
                        hi[j] = hi[j].max(ch);
                    }
                    *v =
                        0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]);
                }
            }
            let k = by * w + bx;
            clipped[k] = (0..3).any(|j| {
                (at255[j] > 0 && at255[j] < 64 && 255 - lo[j] > SHALLOW_CLIP)
                    || (at0[j] > 0 && at0[j] < 64 && hi[j] > SHALLOW_CLIP)
            });
            // Rows first (columns u = 0..=4), then columns (rows v = 0..=4).
            let mut rows = [[0.0f32; 5]; 8];
            for (r, out) in rows.iter_mut().enumerate() {
                for (u, o) in out.iter_mut().enumerate() {
                    *o = (0..8).map(|x| f[r][x] * c[u][x]).sum();
                }
            }
            for (j, &(v, u)) in FREQS.iter().enumerate() {
                coef[k * FREQS.len() + j] = (0..8).map(|r| rows[r][u] * c[v][r]).sum();
            }
        }
    }
    Blocks {
        w,
        h,
        coef,
        clipped,
    }
}

/// Cumulative distribution of a coefficient symmetric about 0, from the
/// histogram of magnitudes in bins of `HIST_BIN`.
struct Calibrated {
    /// `cum[i]`: share of magnitudes below `i * HIST_BIN`.
    cum: Vec<f32>,
}

impl Calibrated {
    fn new(values: impl Iterator<Item = f32>) -> Self {
        let n = (MAX_COEF / HIST_BIN) as usize + 1;
        // A small count everywhere: no bin of the model is empty.
        let mut hist = vec![1e-3f32; n];
        for v in values {
            let i = ((v.abs() / HIST_BIN) as usize).min(n - 1);
            hist[i] += 1.0;
        }
        let total: f32 = hist.iter().sum();
        let mut cum = Vec::with_capacity(n + 1);
        let mut acc = 0.0;
        cum.push(0.0);
        for h in hist {
            acc += h / total;
            cum.push(acc);
        }
        Self { cum }
    }

    /// P(|x| < a), interpolated.
    fn below(&self, a: f32) -> f32 {
        let t = (a / HIST_BIN).max(0.0);
        let i = t as usize;
        if i + 1 >= self.cum.len() {
            return 1.0;
        }
        let f = t - i as f32;
        self.cum[i] * (1.0 - f) + self.cum[i + 1] * f
    }

    /// P(lo ≤ x < hi) for the signed, symmetric coefficient.
    fn between(&self, lo: f32, hi: f32) -> f32 {
        let cdf = |x: f32| 0.5 + 0.5 * x.signum() * self.below(x.abs());
        (cdf(hi) - cdf(lo)).max(1e-9)
    }
}

/// The log ratios `ln(P_D(m) / P_S(m))` for bins `m` in `-mmax..=mmax` of
/// a frequency with last step `q2`, first step `q1`.
fn log_ratios(cal: &Calibrated, q1: f32, q2: f32, mmax: i32) -> Vec<f32> {
    let n = (2 * mmax + 1) as usize;
    let mut pd = vec![0.0f32; n];
    let jmax = (MAX_COEF / q1).ceil() as i32 + 1;
    for j in -jmax..=jmax {
        let m = (j as f32 * q1 / q2).round() as i32;
        if m.abs() <= mmax {
            let jf = j as f32;
            pd[(m + mmax) as usize] += cal.between((jf - 0.5) * q1, (jf + 0.5) * q1);
        }
    }
    (0..n)
        .map(|i| {
            let m = i as f32 - mmax as f32;
            let ps = cal.between((m - 0.5) * q2, (m + 0.5) * q2);
            ((1.0 - FLOOR) * pd[i] / ps + FLOOR).ln()
        })
        .collect()
}

/// The block map of the document box `b` (input pixels) of `img`, whose
/// last quantisation had luma table `table` (natural order; all ones for
/// a lossless file) on `grid`. `None` when too few blocks are usable.
pub(super) fn dq_map(img: &RgbImage, b: PxBox, table: &[u16; 64], grid: Grid) -> Option<DqMap> {
    // The first whole block inside `b`.
    let off = |start: u32, phase: usize| (phase as u32 + 8 - start % 8) % 8;
    let (ox, oy) = (off(b.x0, grid.phase[0]), off(b.y0, grid.phase[1]));
    let main = blocks(img, b, ox, oy, 1);
    // Calibration: the same page on a grid 4 pixels off, every other block.
    let calib = blocks(img, b, (ox + 4) % 8, (oy + 4) % 8, 2);
    let usable = main.clipped.iter().filter(|&&c| !c).count();
    if usable < MIN_BLOCKS {
        return None;
    }
    let nb = main.w * main.h;
    let mut llr = vec![0.0f32; nb];
    let mut evidence = 0.0f32;
    for (j, &(v, u)) in FREQS.iter().enumerate() {
        let (r, c) = if grid.transposed { (u, v) } else { (v, u) };
        let q2 = f32::from(table[r * 8 + c].max(1));
        // Bins up to the largest the page uses (beyond it no block counts).
        let mmax = (0..nb)
            .filter(|&k| !main.clipped[k])
            .map(|k| (main.coef[k * FREQS.len() + j] / q2).round().abs() as i32)
            .max()
            .unwrap_or(0)
            .clamp(1, (MAX_COEF / q2).ceil() as i32);
        let cal = Calibrated::new(
            (0..calib.w * calib.h)
                .filter(|&k| !calib.clipped[k])
                .map(|k| calib.coef[k * FREQS.len() + j]),
        );
        // Histogram of the page's bins.
        let bin = |k: usize| -> usize {
            let m = (main.coef[k * FREQS.len() + j] / q2).round() as i32;
            (m.clamp(-mmax, mmax) + mmax) as usize
        };
        let mut hist = vec![0u32; (2 * mmax + 1) as usize];
        for k in (0..nb).filter(|&k| !main.clipped[k]) {
            hist[bin(k)] += 1;
        }
        // Only coarser first steps: a finer first quantisation leaves
        // a faint ripple that the calibrated model cannot tell from the
        // print's own histogram.
        let top = (3.0 * q2).clamp(32.0, 128.0) as u32;
        let mut best: Option<(f32, Vec<f32>)> = None;
        for q1 in (q2 as u32 + 1)..=top {
            let ratios = log_ratios(&cal, q1 as f32, q2, mmax);
            let gain = hist
                .iter()
                .zip(&ratios)
                .map(|(&n, &r)| n as f32 * r)
                .sum::<f32>()
                / usable as f32;
            if gain > MIN_FREQ_GAIN && best.as_ref().is_none_or(|(g, _)| gain > *g) {
                best = Some((gain, ratios));
            }
        }
        let Some((gain, ratios)) = best else {
            continue;
        };
        evidence += gain;
        for k in (0..nb).filter(|&k| !main.clipped[k]) {
            llr[k] += ratios[bin(k)];
        }
    }
    Some(DqMap {
        w: main.w,
        h: main.h,
        llr,
        x0: b.x0 + ox,
        y0: b.y0 + oy,
        evidence,
    })
}

/// Natural (row-major) order of a table stored in zig-zag order (ITU T.81
/// figure A.6): entry `k` of the stored table is coefficient `ZIGZAG[k]`.
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// A DQT table (zig-zag order, as stored) in natural order.
pub(super) fn natural_order(stored: &[u16; 64]) -> [u16; 64] {
    let mut t = [0u16; 64];
    for (k, &v) in stored.iter().enumerate() {
        t[ZIGZAG[k]] = v;
    }
    t
}

/// Smoothing window of the block map, blocks a side (32 px): a retyped
/// value is a few blocks tall.
const SMOOTH: usize = 4;
/// Smoothed evidence under which a place counts as compressed once.
const SINGLE_BELOW: f32 = -3.0;
/// Of a region, the evidence beyond this depth is summed: a double
/// compressed page's busy print dips to a few units here and there, an
/// edit far deeper.
const DEPTH: f32 = 6.0;
/// Summed depth at which the score reaches 1 − 1/e.
const SCALE: f32 = 40.0;
/// A page shows a first compression when its evidence reaches this.
pub(super) const MIN_EVIDENCE: f32 = 0.3;

/// The deepest region of `map` that was compressed once (blocks, as
/// `(score 0..1, [x0, y0, x1, y1] in input pixels)`); `None` when no place
/// dips under [`SINGLE_BELOW`] or the region covers a third of the page.
pub(super) fn single_region(map: &DqMap) -> Option<(f32, [f32; 4])> {
    let (w, h) = (map.w, map.h);
    if w < SMOOTH || h < SMOOTH {
        return None;
    }
    // Box mean over SMOOTH × SMOOTH blocks (centred as far as the border
    // allows), through a summed-area table.
    let mut sat = vec![0.0f64; (w + 1) * (h + 1)];
    for y in 0..h {
        for x in 0..w {
            sat[(y + 1) * (w + 1) + x + 1] = f64::from(map.llr[y * w + x])
                + sat[y * (w + 1) + x + 1]
                + sat[(y + 1) * (w + 1) + x]
                - sat[y * (w + 1) + x];
        }
    }
    let half = SMOOTH / 2;
    let smooth: Vec<f32> = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let (x0, y0) = (
                x.saturating_sub(half).min(w - SMOOTH),
                y.saturating_sub(half).min(h - SMOOTH),
            );
            let (x1, y1) = (x0 + SMOOTH, y0 + SMOOTH);
            let s = sat[y1 * (w + 1) + x1] - sat[y0 * (w + 1) + x1] - sat[y1 * (w + 1) + x0]
                + sat[y0 * (w + 1) + x0];
            (s / (SMOOTH * SMOOTH) as f64) as f32
        })
        .collect();
    let low: Vec<bool> = smooth.iter().map(|&v| v < SINGLE_BELOW).collect();
    let (depth, comp) = super::work::components(&low, w, h)
        .into_iter()
        .filter(|c| c.len() * 3 < w * h)
        .map(|c| {
            let d: f32 = c.iter().map(|&i| (-smooth[i] - DEPTH).max(0.0)).sum();
            (d, c)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    if depth <= 0.0 {
        return None;
    }
    let xs = comp.iter().map(|&i| i % w);
    let ys = comp.iter().map(|&i| i / w);
    let (bx0, bx1) = (xs.clone().min()?, xs.max()? + 1);
    let (by0, by1) = (ys.clone().min()?, ys.max()? + 1);
    let px = |b: usize, o: u32| (o as usize + 8 * b) as f32;
    Some((
        1.0 - (-depth / SCALE).exp(),
        [
            px(bx0, map.x0),
            px(by0, map.y0),
            px(bx1, map.x0),
            px(by1, map.y0),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One 8×8 block of pixels `f(x, y)`, and whether `blocks` skips it.
    fn skipped(f: impl Fn(u32, u32) -> [u8; 3]) -> bool {
        let img = RgbImage::from_fn(8, 8, |x, y| image::Rgb(f(x, y)));
        let b = PxBox {
            x0: 0,
            y0: 0,
            x1: 8,
            y1: 8,
        };
        blocks(&img, b, 0, 0, 1).clipped[0]
    }

    #[test]
    fn deep_clipping_is_skipped_and_a_grazed_limit_kept() {
        // Nothing at a limit.
        assert!(!skipped(|x, y| [200, 180 + (x + y) as u8, 150]));
        // Paper whose green hovers at 250-255: kept.
        assert!(!skipped(|x, y| [230, 250 + ((x * 3 + y) % 6) as u8, 220]));
        // The red clipped on every pixel (a colour cast): kept.
        assert!(!skipped(|x, _| [255, 200 + x as u8, 190]));
        // A highlight: a channel at 255 beside values far below it.
        assert!(skipped(|x, _| {
            let v = if x < 4 { 255 } else { 140 + x as u8 * 10 };
            [v, v, v]
        }));
        // Ink at full black beside paper.
        assert!(skipped(|x, _| if x < 2 { [0, 0, 0] } else { [60, 60, 60] }));
    }
}
