//! Plane homographies: least-squares fit (normalised DLT) and a
//! deterministic RANSAC. imageproc has neither (`../shared/NOTES.md`).
//!
//! The fit is Hartley's normalised direct linear transform: both point sets
//! are moved to their centroid and scaled to a mean distance of √2, the
//! 2N×9 system is solved through the smallest eigenvector of `AᵀA`, and the
//! normalisation is undone. RANSAC draws minimal samples of four pairs from
//! a fixed-seed generator, so the same input gives the same answer.

#![allow(clippy::many_single_char_names, clippy::similar_names)]

use nalgebra::{Matrix3, SMatrix, SymmetricEigen, Vector3};

/// A 3×3 homography mapping `[x, y]` to `[x', y']` (row-major, `h[8]`
/// normalised to 1 where possible).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography(pub [f64; 9]);

impl Homography {
    /// The identity.
    pub const IDENTITY: Homography = Homography([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);

    /// Maps a point; `None` when it goes to infinity.
    #[must_use]
    pub fn apply(&self, p: [f64; 2]) -> Option<[f64; 2]> {
        let h = &self.0;
        let w = h[6] * p[0] + h[7] * p[1] + h[8];
        if w.abs() < 1e-12 {
            return None;
        }
        Some([
            (h[0] * p[0] + h[1] * p[1] + h[2]) / w,
            (h[3] * p[0] + h[4] * p[1] + h[5]) / w,
        ])
    }

    /// Maps an `f32` point (for pixel work); the input point when it goes to
    /// infinity, which no fitted document homography does.
    #[must_use]
    #[allow(clippy::cast_possible_truncation)] // pixel coordinates
    pub fn apply_f32(&self, p: [f32; 2]) -> [f32; 2] {
        self.apply([f64::from(p[0]), f64::from(p[1])])
            .map_or(p, |q| [q[0] as f32, q[1] as f32])
    }

    /// The inverse, or `None` when singular.
    #[must_use]
    pub fn inverse(&self) -> Option<Homography> {
        let m = Matrix3::from_row_slice(&self.0);
        m.try_inverse().map(|i| Homography::from_matrix(&i))
    }

    /// `self ∘ other`: first `other`, then `self`.
    #[must_use]
    pub fn then_after(&self, other: &Homography) -> Homography {
        let a = Matrix3::from_row_slice(&self.0);
        let b = Matrix3::from_row_slice(&other.0);
        Homography::from_matrix(&(a * b))
    }

    /// A scale `s` (then a translation `t`).
    #[must_use]
    pub fn scale_translate(s: f64, t: [f64; 2]) -> Homography {
        Homography([s, 0.0, t[0], 0.0, s, t[1], 0.0, 0.0, 1.0])
    }

    fn from_matrix(m: &Matrix3<f64>) -> Homography {
        let mut h = [0.0; 9];
        for r in 0..3 {
            for c in 0..3 {
                h[r * 3 + c] = m[(r, c)];
            }
        }
        if h[8].abs() > 1e-12 {
            let s = h[8];
            for v in &mut h {
                *v /= s;
            }
        }
        Homography(h)
    }

    /// The least-squares homography taking `src[i]` to `dst[i]` (at least 4
    /// pairs, not all collinear); `None` when degenerate.
    #[must_use]
    pub fn fit(src: &[[f64; 2]], dst: &[[f64; 2]]) -> Option<Homography> {
        if src.len() < 4 || src.len() != dst.len() {
            return None;
        }
        let (ts, ns) = normaliser(src)?;
        let (td, nd) = normaliser(dst)?;
        let mut ata = SMatrix::<f64, 9, 9>::zeros();
        for (p, q) in ns.iter().zip(&nd) {
            let (x, y, u, v) = (p[0], p[1], q[0], q[1]);
            let rows = [
                [-x, -y, -1.0, 0.0, 0.0, 0.0, u * x, u * y, u],
                [0.0, 0.0, 0.0, -x, -y, -1.0, v * x, v * y, v],
            ];
            for r in rows {
                for i in 0..9 {
                    for j in 0..9 {
                        ata[(i, j)] += r[i] * r[j];
                    }
                }
            }
        }
        let eig = SymmetricEigen::new(ata);
        let (mut best, mut best_v) = (0, f64::INFINITY);
        for (i, &v) in eig.eigenvalues.iter().enumerate() {
            if v < best_v {
                best_v = v;
                best = i;
            }
        }
        let e = eig.eigenvectors.column(best);
        let hn = Matrix3::new(e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8]);
        let td_inv = td.try_inverse()?;
        let h = td_inv * hn * ts;
        if !h.iter().all(|v| v.is_finite()) || h.determinant().abs() < 1e-15 {
            return None;
        }
        Some(Homography::from_matrix(&h))
    }

    /// The least-squares affine map taking `src[i]` to `dst[i]` (at least 3
    /// pairs, not collinear), as a homography with a last row `0 0 1`.
    #[must_use]
    pub fn fit_affine(src: &[[f64; 2]], dst: &[[f64; 2]]) -> Option<Homography> {
        if src.len() < 3 || src.len() != dst.len() {
            return None;
        }
        // Normal equations of [x y 1]·(a b c) = u (and = v), centred for
        // conditioning.
        #[allow(clippy::cast_precision_loss)]
        let n = src.len() as f64;
        let cx = src.iter().map(|p| p[0]).sum::<f64>() / n;
        let cy = src.iter().map(|p| p[1]).sum::<f64>() / n;
        let mut m = Matrix3::zeros();
        let mut bu = Vector3::zeros();
        let mut bv = Vector3::zeros();
        for (p, q) in src.iter().zip(dst) {
            let r = Vector3::new(p[0] - cx, p[1] - cy, 1.0);
            m += r * r.transpose();
            bu += r * q[0];
            bv += r * q[1];
        }
        let inv = m.try_inverse()?;
        let (a, b) = (inv * bu, inv * bv);
        let h = [
            a[0],
            a[1],
            a[2] - a[0] * cx - a[1] * cy,
            b[0],
            b[1],
            b[2] - b[0] * cx - b[1] * cy,
            0.0,
            0.0,
            1.0,
        ];
        if !h.iter().all(|v| v.is_finite()) || (h[0] * h[4] - h[1] * h[3]).abs() < 1e-12 {
            return None;
        }
        Some(Homography(h))
    }

    /// [`Homography::ransac`] with an affine model (minimal samples of 3):
    /// steadier than a homography when the pairs cover only part of the
    /// page, where perspective terms would be extrapolated.
    #[must_use]
    pub fn ransac_affine(
        src: &[[f64; 2]],
        dst: &[[f64; 2]],
        threshold: f64,
        iterations: usize,
    ) -> Option<(Homography, Vec<bool>)> {
        ransac_with(src, dst, threshold, iterations, 3, Homography::fit_affine)
    }

    /// RANSAC over `pairs` (src, dst): the model with the most pairs within
    /// `threshold` (in dst units), refitted by least squares on its inliers.
    /// Deterministic: `iterations` minimal samples from a fixed seed.
    #[must_use]
    pub fn ransac(
        src: &[[f64; 2]],
        dst: &[[f64; 2]],
        threshold: f64,
        iterations: usize,
    ) -> Option<(Homography, Vec<bool>)> {
        ransac_with(src, dst, threshold, iterations, 4, Homography::fit)
    }
}

type Fit = fn(&[[f64; 2]], &[[f64; 2]]) -> Option<Homography>;

/// RANSAC with minimal samples of `k` pairs and the model `fit`.
fn ransac_with(
    src: &[[f64; 2]],
    dst: &[[f64; 2]],
    threshold: f64,
    iterations: usize,
    k: usize,
    fit: Fit,
) -> Option<(Homography, Vec<bool>)> {
    {
        let n = src.len();
        if n < k || n != dst.len() {
            return None;
        }
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |m: usize| {
            // xorshift64*: fixed seed, good enough to draw indices.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            #[allow(clippy::cast_possible_truncation)]
            let i = (r >> 33) as usize % m;
            i
        };
        let inliers_of = |h: &Homography| -> Vec<bool> {
            src.iter()
                .zip(dst)
                .map(|(p, q)| h.apply(*p).is_some_and(|r| dist(r, *q) <= threshold))
                .collect()
        };
        let mut best: Option<(Homography, Vec<bool>, usize)> = None;
        let tries = if n == k { 1 } else { iterations };
        for _ in 0..tries {
            let mut idx = [0usize; 4];
            let mut got = 0;
            let mut guard = 0;
            while got < k && guard < 64 {
                guard += 1;
                let i = next(n);
                if !idx[..got].contains(&i) {
                    idx[got] = i;
                    got += 1;
                }
            }
            if got < k {
                continue;
            }
            let s: Vec<[f64; 2]> = idx[..k].iter().map(|&i| src[i]).collect();
            let d: Vec<[f64; 2]> = idx[..k].iter().map(|&i| dst[i]).collect();
            let Some(h) = fit(&s, &d) else {
                continue;
            };
            let inl = inliers_of(&h);
            let count = inl.iter().filter(|&&b| b).count();
            if best.as_ref().is_none_or(|b| count > b.2) {
                best = Some((h, inl, count));
            }
        }
        let (mut h, mut inl, mut count) = best?;
        // Refit on the inliers until the set stops growing.
        for _ in 0..3 {
            let s: Vec<[f64; 2]> = (0..n).filter(|&i| inl[i]).map(|i| src[i]).collect();
            let d: Vec<[f64; 2]> = (0..n).filter(|&i| inl[i]).map(|i| dst[i]).collect();
            let Some(h2) = fit(&s, &d) else {
                break;
            };
            let inl2 = inliers_of(&h2);
            let c2 = inl2.iter().filter(|&&b| b).count();
            if c2 < count {
                break;
            }
            h = h2;
            inl = inl2;
            if c2 == count {
                break;
            }
            count = c2;
        }
        Some((h, inl))
    }
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Hartley normalisation: the similarity moving `pts` to centroid 0 and mean
/// distance √2, and the moved points.
#[allow(clippy::cast_precision_loss)] // point counts are small
fn normaliser(pts: &[[f64; 2]]) -> Option<(Matrix3<f64>, Vec<[f64; 2]>)> {
    let n = pts.len() as f64;
    let cx = pts.iter().map(|p| p[0]).sum::<f64>() / n;
    let cy = pts.iter().map(|p| p[1]).sum::<f64>() / n;
    let md = pts.iter().map(|p| dist(*p, [cx, cy])).sum::<f64>() / n;
    if md.is_nan() || md <= 1e-12 {
        return None;
    }
    let s = std::f64::consts::SQRT_2 / md;
    let t = Matrix3::new(s, 0.0, -s * cx, 0.0, s, -s * cy, 0.0, 0.0, 1.0);
    let moved = pts
        .iter()
        .map(|p| {
            let v = t * Vector3::new(p[0], p[1], 1.0);
            [v[0], v[1]]
        })
        .collect();
    Some((t, moved))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn check_maps(h: &Homography, src: &[[f64; 2]], dst: &[[f64; 2]], tol: f64) {
        for (p, q) in src.iter().zip(dst) {
            let r = h.apply(*p).unwrap();
            assert!(dist(r, *q) < tol, "{p:?} -> {r:?}, want {q:?}");
        }
    }

    fn truth() -> Homography {
        Homography([1.1, 0.05, 30.0, -0.04, 0.95, 12.0, 1e-4, -5e-5, 1.0])
    }

    fn grid() -> Vec<[f64; 2]> {
        let mut v = Vec::new();
        for i in 0..6 {
            for j in 0..5 {
                v.push([f64::from(i) * 100.0, f64::from(j) * 80.0]);
            }
        }
        v
    }

    #[test]
    fn fit_recovers_an_exact_homography() {
        let h = truth();
        let src = grid();
        let dst: Vec<_> = src.iter().map(|p| h.apply(*p).unwrap()).collect();
        let f = Homography::fit(&src, &dst).unwrap();
        check_maps(&f, &src, &dst, 1e-6);
        let inv = f.inverse().unwrap();
        check_maps(&inv, &dst, &src, 1e-6);
    }

    #[test]
    fn fit_refuses_degenerate_input() {
        let line: Vec<[f64; 2]> = (0..6).map(|i| [f64::from(i), 2.0 * f64::from(i)]).collect();
        assert!(Homography::fit(&line[..3], &line[..3]).is_none());
        let same = vec![[1.0, 1.0]; 5];
        assert!(Homography::fit(&same, &same).is_none());
    }

    #[test]
    fn ransac_ignores_outliers() {
        let h = truth();
        let src = grid();
        let mut dst: Vec<_> = src.iter().map(|p| h.apply(*p).unwrap()).collect();
        for k in [1, 7, 8, 15, 22, 29] {
            dst[k][0] += 40.0 + f64::from(u8::try_from(k).unwrap());
            dst[k][1] -= 25.0;
        }
        let (f, inl) = Homography::ransac(&src, &dst, 1.0, 200).unwrap();
        assert_eq!(inl.iter().filter(|&&b| !b).count(), 6);
        let clean: Vec<usize> = (0..src.len()).filter(|&i| inl[i]).collect();
        for i in clean {
            assert!(dist(f.apply(src[i]).unwrap(), dst[i]) < 1e-6);
        }
    }

    #[test]
    fn affine_fit_and_ransac() {
        let a = Homography([0.98, -0.05, 3.0, 0.04, 1.02, -2.0, 0.0, 0.0, 1.0]);
        let src = grid();
        let mut dst: Vec<_> = src.iter().map(|p| a.apply(*p).unwrap()).collect();
        let f = Homography::fit_affine(&src, &dst).unwrap();
        check_maps(&f, &src, &dst, 1e-6);
        dst[3][0] += 30.0;
        dst[11][1] -= 30.0;
        let (r, inl) = Homography::ransac_affine(&src, &dst, 0.5, 100).unwrap();
        assert_eq!(inl.iter().filter(|&&b| !b).count(), 2);
        assert!(dist(r.apply(src[0]).unwrap(), dst[0]) < 1e-6);
        let line: Vec<[f64; 2]> = (0..5).map(|i| [f64::from(i), f64::from(i)]).collect();
        assert!(Homography::fit_affine(&line, &line).is_none());
    }

    #[test]
    fn composition_and_scale() {
        let a = Homography::scale_translate(2.0, [1.0, -1.0]);
        let b = truth();
        let ab = a.then_after(&b);
        let p = [10.0, 20.0];
        let want = a.apply(b.apply(p).unwrap()).unwrap();
        assert!(dist(ab.apply(p).unwrap(), want) < 1e-9);
    }
}
