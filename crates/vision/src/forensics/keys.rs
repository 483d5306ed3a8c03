//! Keypoints for the copy-move detector: corners of the print and of the
//! background pattern, each placed to a fraction of a pixel and described
//! by the patch around it sampled at that place.
//!
//! Why keypoints and not a grid of blocks: a clone is moved by any number
//! of pixels, so blocks on a fixed grid meet their copy up to half a grid
//! step off, and at the working resolution of a document that offset
//! changes a small block more than the difference between two copies of
//! the same glyph on different backgrounds. A corner detector finds the
//! same corner in both copies to a tenth of a pixel, so the two
//! descriptors are sampled at corresponding places and differ by scanner
//! noise alone (Amerini et al. 2011 and Christlein et al. 2012 make the
//! same case for keypoint-based copy-move detection).
//!
//! Each keypoint is matched to its nearest neighbour elsewhere on the page
//! with the generalised 2-NN test: the match must be clearly closer than
//! every other look-alike, which keeps the hundreds of copies of a glyph
//! (MRZ fillers, repeated digits) out unless their surroundings make one
//! of them the unique twin — as a clone's background does.

// Pixel maths: coordinates are small, non-negative and clamped.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::many_single_char_names
)]

use super::work::{Grey, in_quad};

/// Descriptor side, cells (each 2×2 samples one pixel apart).
const SIDE: usize = 8;
/// Descriptor length.
pub(super) const KD: usize = SIDE * SIDE;
/// Half the descriptor patch, pixels.
const HALF: f32 = SIDE as f32;
/// Structure-tensor window radius, pixels.
const WIN: usize = 2;
/// Weakest corner kept (smaller eigenvalue of the summed structure tensor,
/// grey levels² over the window): a few times what scanner noise alone gives.
const MIN_RESPONSE: f32 = 150.0;
/// Keypoints are chosen per cell of this side, pixels, so that a faint
/// background keeps its share against the print's strong corners.
const CELL: usize = 24;
/// Strongest keypoints kept per cell.
const PER_CELL: usize = 8;
/// Keypoints kept at most on a page.
const MAX_KEYS: usize = 12_000;

/// A keypoint: its place (view pixels, sub-pixel) and descriptor
/// (mean-free, unit length).
#[derive(Debug, Clone, Copy)]
pub(super) struct Key {
    pub(super) p: [f32; 2],
    pub(super) d: [f32; KD],
}

/// The keypoints of `g` inside `quad` (when given).
pub(super) fn keypoints(g: &Grey, quad: Option<&[[f32; 2]; 4]>) -> Vec<Key> {
    let (w, h) = (g.w, g.h);
    if w < 4 * SIDE || h < 4 * SIDE {
        return Vec::new();
    }
    let r = response(g);
    // Local maxima (5×5) above the floor, by cell.
    let margin = SIDE + 2;
    let mut cells: Vec<Vec<(f32, usize, usize)>> =
        vec![Vec::new(); w.div_ceil(CELL) * h.div_ceil(CELL)];
    let cols = w.div_ceil(CELL);
    for y in margin..h - margin {
        for x in margin..w - margin {
            let v = r[y * w + x];
            if v < MIN_RESPONSE {
                continue;
            }
            // Ties go to the first in raster order.
            let beats = |yy: usize, xx: usize| {
                let u = r[yy * w + xx];
                u > v || (u.total_cmp(&v).is_eq() && (yy, xx) < (y, x))
            };
            // The four nearest first: most points fall there, and the
            // order of the comparisons does not change the outcome.
            if beats(y, x - 1) || beats(y, x + 1) || beats(y - 1, x) || beats(y + 1, x) {
                continue;
            }
            if (y - 2..=y + 2).any(|yy| (x - 2..=x + 2).any(|xx| beats(yy, xx))) {
                continue;
            }
            let centre = [x as f32 + 0.5, y as f32 + 0.5];
            if quad.is_some_and(|q| !in_quad(q, centre)) {
                continue;
            }
            cells[(y / CELL) * cols + x / CELL].push((v, x, y));
        }
    }
    let mut chosen: Vec<(f32, usize, usize)> = Vec::new();
    for mut c in cells {
        c.sort_by(|a, b| b.0.total_cmp(&a.0));
        chosen.extend(c.into_iter().take(PER_CELL));
    }
    chosen.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.2, a.1).cmp(&(b.2, b.1))));
    chosen.truncate(MAX_KEYS);
    chosen
        .into_iter()
        .filter_map(|(_, x, y)| {
            let p = refine(&r, w, x, y);
            describe(g, p).map(|d| Key { p, d })
        })
        .collect()
}

/// The smaller eigenvalue of the structure tensor summed over a
/// (2·WIN+1)² window (Shi and Tomasi 1994), per pixel (zero-padded
/// gradients at the border). Streamed a row at a time: each row's
/// gradient products are box-summed along the row into a ring of the
/// window's rows, and a running sum down the columns adds the row
/// entering the window and drops the one leaving it, so the only
/// full-size buffer is the result.
fn response(g: &Grey) -> Vec<f32> {
    let (w, h) = (g.w, g.h);
    let k = 2 * WIN + 1;
    // Per ring slot: the row's box-summed xx, xy and yy, one plane each
    // (`3 * w` values), so that every pass runs over contiguous values.
    let mut ring = vec![0.0f32; 3 * k * w];
    let mut prod = vec![0.0f32; 3 * w];
    let row_sums = |y: usize, prod: &mut [f32], out: &mut [f32]| {
        prod.fill(0.0);
        if y >= 1 && y + 1 < h {
            let (xx, rest) = prod.split_at_mut(w);
            let (xy, yy) = rest.split_at_mut(w);
            for x in 1..w.saturating_sub(1) {
                let i = y * w + x;
                let gx = 0.5 * (g.px[i + 1] - g.px[i - 1]);
                let gy = 0.5 * (g.px[i + w] - g.px[i - w]);
                xx[x] = gx * gx;
                xy[x] = gx * gy;
                yy[x] = gy * gy;
            }
        }
        // The sliding sum over x - WIN..=x: a value enters while x + WIN
        // is on the row and leaves once x - WIN is.
        let enter = w.saturating_sub(WIN);
        for (p, o) in prod.chunks_exact(w).zip(out.chunks_exact_mut(w)) {
            let mut s: f32 = p[..WIN.min(w)].iter().sum();
            for x in 0..WIN.min(w) {
                if x < enter {
                    s += p[x + WIN];
                }
                o[x] = s;
            }
            for x in WIN..enter {
                s += p[x + WIN];
                o[x] = s;
                s -= p[x - WIN];
            }
            for x in WIN.max(enter)..w {
                o[x] = s;
                s -= p[x - WIN];
            }
        }
    };
    let mut acc = vec![0.0f32; 3 * w];
    let add = |acc: &mut [f32], row: &[f32], sign: f32| {
        for (a, v) in acc.iter_mut().zip(row) {
            *a += sign * v;
        }
    };
    let slot = |r: usize| r * 3 * w..(r + 1) * 3 * w;
    for y in 0..WIN.min(h) {
        let row = &mut ring[slot(y % k)];
        row_sums(y, &mut prod, row);
        add(&mut acc, row, 1.0);
    }
    let mut out = vec![0.0f32; w * h];
    for y in 0..h {
        if y + WIN < h {
            let row = &mut ring[slot((y + WIN) % k)];
            row_sums(y + WIN, &mut prod, row);
            add(&mut acc, row, 1.0);
        }
        let (xx, rest) = acc.split_at(w);
        let (xy, yy) = rest.split_at(w);
        for (x, o) in out[y * w..(y + 1) * w].iter_mut().enumerate() {
            let (a, b, c) = (xx[x], xy[x], yy[x]);
            let m = 0.5 * (a + c);
            let d = (0.25 * (a - c) * (a - c) + b * b).sqrt();
            *o = m - d;
        }
        if y >= WIN {
            add(&mut acc, &ring[slot((y - WIN) % k)], -1.0);
        }
    }
    out
}

/// The peak at (`x`, `y`) placed by a parabola through its neighbours on
/// each axis (pixel centres at +0.5).
fn refine(r: &[f32], w: usize, x: usize, y: usize) -> [f32; 2] {
    let i = y * w + x;
    let off = |a: f32, c: f32, b: f32| {
        let den = a - 2.0 * c + b;
        if den < 0.0 {
            (0.5 * (a - b) / den).clamp(-0.5, 0.5)
        } else {
            0.0
        }
    };
    [
        x as f32 + 0.5 + off(r[i - 1], r[i], r[i + 1]),
        y as f32 + 0.5 + off(r[i - w], r[i], r[i + w]),
    ]
}

/// The patch around `p`: 2·HALF samples a side one pixel apart, averaged
/// in 2×2 cells, mean-free and of unit length; `None` off the view or on
/// a flat patch.
fn describe(g: &Grey, p: [f32; 2]) -> Option<[f32; KD]> {
    let mut d = [0.0f32; KD];
    // Sample centres: pixel centres are at +0.5, samples read pixel values
    // at integer coordinates. The samples are a whole pixel apart, so all
    // share one pair of bilinear weights: the patch's pixels are read
    // straight, with the bounds checked once (as `Grey::sample` would).
    let (x0, y0) = (p[0] - 0.5 - HALF + 0.5, p[1] - 0.5 - HALF + 0.5);
    if !(x0 >= 0.0 && y0 >= 0.0) {
        return None;
    }
    // x0, y0 >= 0: truncation is the floor.
    let (ix, iy) = (x0 as usize, y0 as usize);
    if ix + 2 * SIDE >= g.w || iy + 2 * SIDE >= g.h {
        return None;
    }
    let (fx, fy) = (x0 - ix as f32, y0 - iy as f32);
    let (gx, gy) = (1.0 - fx, 1.0 - fy);
    for sy in 0..2 * SIDE {
        let top = &g.px[(iy + sy) * g.w + ix..][..=2 * SIDE];
        let bottom = &g.px[(iy + sy + 1) * g.w + ix..][..=2 * SIDE];
        let cells = &mut d[(sy / 2) * SIDE..][..SIDE];
        for sx in 0..2 * SIDE {
            let v = (top[sx] * gx + top[sx + 1] * fx) * gy
                + (bottom[sx] * gx + bottom[sx + 1] * fx) * fy;
            cells[sx / 2] += v;
        }
    }
    let mean = d.iter().sum::<f32>() / KD as f32;
    let mut norm = 0.0f32;
    for v in &mut d {
        *v -= mean;
        norm += *v * *v;
    }
    // Flat: under about 2 grey levels of spread per sample.
    if norm < (KD as f32) * 16.0 {
        return None;
    }
    let k = 1.0 / norm.sqrt();
    for v in &mut d {
        *v *= k;
    }
    Some(d)
}

/// Dot product of two descriptors (four lanes: the compiler vectorises).
pub(super) fn dot(a: &[f32; KD], b: &[f32; KD]) -> f32 {
    let mut acc = [0.0f32; 4];
    for k in 0..KD / 4 {
        for (l, v) in acc.iter_mut().enumerate() {
            *v += a[4 * k + l] * b[4 * k + l];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(w: usize, h: usize, f: impl Fn(f32, f32) -> f32) -> Grey {
        let mut px = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                px.push(f(x as f32, y as f32));
            }
        }
        Grey {
            w,
            h,
            px,
            x0: 0.0,
            y0: 0.0,
            f: 1.0,
        }
    }

    /// A dark square from (`x0`, `y0`) with smooth edges (a scan's blur),
    /// so that a sub-pixel shift of it is defined.
    fn square(x0: f32, y0: f32) -> Grey {
        let edge = |t: f32| 1.0 / (1.0 + (-t * 1.5).exp());
        view(100, 80, |x, y| {
            200.0 - 150.0 * edge(x + 0.5 - x0) * edge(y + 0.5 - y0)
        })
    }

    #[test]
    fn the_streamed_response_is_the_windowed_structure_tensor() {
        let g = view(23, 17, |x, y| {
            (x * 0.7).sin() * 40.0 + (y * y * 0.05).cos() * 30.0 + x * y
        });
        let r = response(&g);
        let (w, h) = (g.w, g.h);
        let grad = |x: usize, y: usize| {
            if x == 0 || y == 0 || x + 1 >= w || y + 1 >= h {
                return [0.0f64; 2];
            }
            let i = y * w + x;
            [
                0.5 * f64::from(g.px[i + 1] - g.px[i - 1]),
                0.5 * f64::from(g.px[i + w] - g.px[i - w]),
            ]
        };
        for y in 0..h {
            for x in 0..w {
                let (mut a, mut b, mut c) = (0.0f64, 0.0f64, 0.0f64);
                for yy in y.saturating_sub(WIN)..=(y + WIN).min(h - 1) {
                    for xx in x.saturating_sub(WIN)..=(x + WIN).min(w - 1) {
                        let [gx, gy] = grad(xx, yy);
                        a += gx * gx;
                        b += gx * gy;
                        c += gy * gy;
                    }
                }
                let want = 0.5 * (a + c) - (0.25 * (a - c) * (a - c) + b * b).sqrt();
                let got = f64::from(r[y * w + x]);
                assert!(
                    (got - want).abs() <= 1e-3 * want.abs().max(1.0),
                    "({x}, {y}): {got} vs {want}"
                );
            }
        }
    }
    #[test]
    fn a_corner_moved_by_a_fraction_of_a_pixel_is_found_moved_by_it() {
        // What matching needs is repeatability: the same corner found at
        // the same place relative to the print (to about a quarter of a
        // pixel: the parabola through the response is biased), and
        // described alike.
        let (a, b) = (square(40.3, 30.6), square(43.7, 36.3));
        let strongest = |g: &Grey| keypoints(g, None)[0];
        let (ka, kb) = (strongest(&a), strongest(&b));
        assert!(
            (kb.p[0] - ka.p[0] - 3.4).abs() < 0.35 && (kb.p[1] - ka.p[1] - 5.7).abs() < 0.35,
            "{:?} {:?}",
            ka.p,
            kb.p
        );
        let norm: f32 = ka.d.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-3);
        assert!(dot(&ka.d, &kb.d) > 0.99, "{}", dot(&ka.d, &kb.d));
    }

    #[test]
    fn a_flat_view_has_no_keypoints() {
        assert!(keypoints(&view(120, 90, |_, _| 180.0), None).is_empty());
        assert!(keypoints(&view(10, 10, |x, _| x * 20.0), None).is_empty());
    }
}
