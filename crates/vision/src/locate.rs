//! Finding the document on the scanner background: its four corners in
//! input pixels.
//!
//! The scan is reduced to about 600 px, smoothed so that textured surfaces
//! (wood, fabric) become flat, and the background is grown from the image
//! border as the region of colours close to the border's. The document is
//! the largest remaining component; its convex hull gives four corners
//! (the quadrilateral of largest area on the hull), each side is then refit
//! by least squares through the boundary points near it, and the corners are
//! the intersections of the fitted sides.
//!
//! On a bright grey border (a scanner lid, where white paper matches the
//! background) the print's texture finds the document instead, and each side
//! moves out to the strongest luminance step near it.

// Geometry reads best with its conventional short names (x, y, a, b, n, t).
#![allow(clippy::many_single_char_names)]

use image::{RgbImage, imageops};

/// A located document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Located {
    /// Corners in input pixels, clockwise from the one nearest the image's
    /// top-left (the document's own orientation is not known here).
    pub corners: [[f32; 2]; 4],
    /// Share of the image the document covers.
    pub coverage: f32,
}

const WORK_SIDE: u32 = 600;

/// Finds the document in `img`; `None` when no document-like region stands
/// out from the background.
#[must_use]
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::too_many_lines
)] // pixel maths
pub fn locate_document(img: &RgbImage) -> Option<Located> {
    let (small, scale) = reduce(img)?;
    let colour = by_colour(&small, scale);
    // White paper on a white lid defeats the colour cue: there (or when the
    // colour cue finds nothing), the print's texture finds the document and
    // its edges are searched for outward.
    if (colour.is_none() || lid_like(img))
        && let Some(t) = by_texture(&small, scale)
    {
        let better = colour.is_none_or(|c| area(&t.corners) > 1.3 * area(&c.corners));
        if better {
            return Some(t);
        }
    }
    colour
}

#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::too_many_lines
)] // pixel maths
/// Locates by colour on the reduction `reduced` (`scale` reduced px per
/// input px): the background grown from the border.
fn by_colour(reduced: &RgbImage, scale: f32) -> Option<Located> {
    let small = imageops::blur(reduced, 2.0);
    let (wu, hu) = (small.width() as usize, small.height() as usize);
    let px = |x: usize, y: usize| -> [f32; 3] {
        let p = small.get_pixel(x as u32, y as u32).0;
        [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]
    };

    // Background colour statistics from the outermost ring.
    let ring = (wu.min(hu) / 50).max(1);
    let mut border = Vec::new();
    for y in 0..hu {
        for x in 0..wu {
            if x < ring || y < ring || x >= wu - ring || y >= hu - ring {
                border.push(px(x, y));
            }
        }
    }
    let median = |c: usize| {
        let mut v: Vec<f32> = border.iter().map(|p| p[c]).collect();
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    };
    let bg = [median(0), median(1), median(2)];
    let dist = |p: [f32; 3]| {
        ((p[0] - bg[0]).powi(2) + (p[1] - bg[1]).powi(2) + (p[2] - bg[2]).powi(2)).sqrt()
    };
    let mut dists: Vec<f32> = border.iter().map(|&p| dist(p)).collect();
    dists.sort_by(f32::total_cmp);
    // The border may graze the document: use a high but robust quantile.
    let spread = dists[dists.len() * 4 / 5];
    let tol = (spread * 2.5 + 6.0).clamp(8.0, 90.0);

    // Grow the background from the border with tolerance `tol`; return the
    // labels and the largest other component.
    let segment = |tol: f32| -> (Vec<u32>, u32, usize) {
        let mut stack: Vec<(usize, usize)> = Vec::new();
        // Grow the background from the border.
        let mut is_bg = vec![false; wu * hu];
        for y in 0..hu {
            for x in [0, wu - 1] {
                stack.push((x, y));
            }
        }
        for x in 0..wu {
            for y in [0, hu - 1] {
                stack.push((x, y));
            }
        }
        while let Some((x, y)) = stack.pop() {
            let i = y * wu + x;
            if is_bg[i] || dist(px(x, y)) > tol {
                continue;
            }
            is_bg[i] = true;
            push_neighbours(&mut stack, x, y, wu, hu);
        }

        largest_component(wu, hu, |i| !is_bg[i])
    };
    let (label, best, best_size) = segment(tol);
    // Blur spreads a contrasted edge outwards: with the document's own colour
    // known, put the threshold half-way between it and the background.
    let mut doc: Vec<[f32; 3]> = (0..wu * hu)
        .filter(|&i| label[i] == best && best != 0)
        .map(|i| px(i % wu, i / wu))
        .collect();
    let (label, best, best_size) = if doc.len() > 16 {
        let mid = doc.len() / 2;
        // Medians by selection, not sorting: the document has ~10⁵ pixels.
        let m = [0, 1, 2].map(|c| {
            doc.select_nth_unstable_by(mid, |a, b| a[c].total_cmp(&b[c]));
            doc[mid][c]
        });
        let half = dist(m) * 0.5;
        if half > tol {
            segment(half)
        } else {
            (label, best, best_size)
        }
    } else {
        (label, best, best_size)
    };
    let coverage = best_size as f32 / (wu * hu) as f32;
    if coverage < 0.05 {
        return None;
    }

    // Boundary points of the component (pixel centres), and its hull.
    let mut boundary = Vec::new();
    for y in 0..hu {
        for x in 0..wu {
            if label[y * wu + x] != best {
                continue;
            }
            let edge = x == 0
                || y == 0
                || x + 1 == wu
                || y + 1 == hu
                || [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
                    .iter()
                    .any(|&(a, b)| label[b * wu + a] != best);
            if edge {
                boundary.push([x as f32 + 0.5, y as f32 + 0.5]);
            }
        }
    }
    let hull = convex_hull(&boundary);
    if hull.len() < 4 {
        return None;
    }
    let quad = largest_quad(&hull);
    // Refit each side through the boundary points near it.
    let diag = ((wu * wu + hu * hu) as f32).sqrt();
    let band = diag * 0.02;
    let mut lines = Vec::new();
    for i in 0..4 {
        let (a, b) = (quad[i], quad[(i + 1) % 4]);
        let near: Vec<[f32; 2]> = boundary
            .iter()
            .copied()
            .filter(|&p| seg_dist(p, a, b) < band && along(p, a, b) > 0.1 && along(p, a, b) < 0.9)
            .collect();
        lines.push(if near.len() >= 8 {
            fit_line(&near)
        } else {
            line_through(a, b)
        });
    }
    Some(Located {
        corners: corners(&lines, &quad, scale),
        coverage,
    })
}

/// A bright, grey border: a scanner lid.
fn lid_like(img: &RgbImage) -> bool {
    let (w, h) = img.dimensions();
    let step = (w.max(h) / 200).max(1);
    let mut lum = Vec::new();
    let mut chroma = 0f32;
    for (x, y) in (0..w)
        .step_by(step as usize)
        .flat_map(|x| [(x, 0), (x, h - 1)])
        .chain(
            (0..h)
                .step_by(step as usize)
                .flat_map(|y| [(0, y), (w - 1, y)]),
        )
    {
        let p = img.get_pixel(x, y).0.map(f32::from);
        lum.push((p[0] + p[1] + p[2]) / 3.0);
        chroma += (p[0] - p[1]).abs() + (p[1] - p[2]).abs();
    }
    lum.sort_by(f32::total_cmp);
    #[allow(clippy::cast_precision_loss)]
    let mean_chroma = chroma / lum.len().max(1) as f32;
    lum[lum.len() / 2] > 170.0 && mean_chroma < 40.0
}

/// Locates by print texture, then moves each side out to the strongest
/// luminance edge near it.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::too_many_lines
)] // pixel maths
fn by_texture(small: &RgbImage, scale: f32) -> Option<Located> {
    let (wu, hu) = (small.width() as usize, small.height() as usize);
    let luma: Vec<f32> = small
        .pixels()
        .map(|p| 0.299 * f32::from(p.0[0]) + 0.587 * f32::from(p.0[1]) + 0.114 * f32::from(p.0[2]))
        .collect();
    let mut grad = vec![0f32; wu * hu];
    for y in 1..hu - 1 {
        for x in 1..wu - 1 {
            let i = y * wu + x;
            grad[i] = (luma[i + 1] - luma[i - 1]).abs() + (luma[i + wu] - luma[i - wu]).abs();
        }
    }
    // Local mean of the gradient over a 7×7 window (separable box).
    let r = 3usize;
    let mut tmp = vec![0f32; wu * hu];
    for y in 0..hu {
        for x in 0..wu {
            let (a, b) = (x.saturating_sub(r), (x + r + 1).min(wu));
            tmp[y * wu + x] = grad[y * wu + a..y * wu + b].iter().sum::<f32>() / (b - a) as f32;
        }
    }
    let mut tex = vec![0f32; wu * hu];
    for y in 0..hu {
        let (a, b) = (y.saturating_sub(r), (y + r + 1).min(hu));
        for x in 0..wu {
            tex[y * wu + x] = (a..b).map(|yy| tmp[yy * wu + x]).sum::<f32>() / (b - a) as f32;
        }
    }
    let ring = (wu.min(hu) / 50).max(2);
    let mut border: Vec<f32> = (0..wu * hu)
        .filter(|&i| {
            let (x, y) = (i % wu, i / wu);
            x < ring || y < ring || x >= wu - ring || y >= hu - ring
        })
        .map(|i| tex[i])
        .collect();
    border.sort_by(f32::total_cmp);
    let tol = border[border.len() * 4 / 5] * 2.0 + 2.0;
    let (label, best, best_size) = largest_component(wu, hu, |i| tex[i] > tol);
    if (best_size as f32) < 0.05 * (wu * hu) as f32 {
        return None;
    }
    let pts: Vec<[f32; 2]> = (0..wu * hu)
        .filter(|&i| label[i] == best)
        .map(|i| [(i % wu) as f32 + 0.5, (i / wu) as f32 + 0.5])
        .collect();
    let hull = convex_hull(&pts);
    if hull.len() < 4 {
        return None;
    }
    let quad = largest_quad(&hull);
    let (cx, cy) = (
        quad.iter().map(|p| p[0]).sum::<f32>() / 4.0,
        quad.iter().map(|p| p[1]).sum::<f32>() / 4.0,
    );
    let at = |x: f32, y: f32| -> Option<f32> {
        let (xi, yi) = (x.round(), y.round());
        (xi >= 0.0 && yi >= 0.0 && (xi as usize) < wu && (yi as usize) < hu)
            .then(|| luma[yi as usize * wu + xi as usize])
    };
    let reach = (wu.max(hu) as f32 * 0.10).max(6.0);
    let mut lines = Vec::new();
    for i in 0..4 {
        let (a, b) = (quad[i], quad[(i + 1) % 4]);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len = dx.hypot(dy).max(1e-3);
        let (mut nx, mut ny) = (-dy / len, dx / len);
        let mid = [f32::midpoint(a[0], b[0]), f32::midpoint(a[1], b[1])];
        if (mid[0] - cx) * nx + (mid[1] - cy) * ny < 0.0 {
            nx = -nx;
            ny = -ny;
        }
        let mut edge_pts = Vec::new();
        for k in 1..40 {
            let t = k as f32 / 40.0;
            let (px, py) = (a[0] + t * dx, a[1] + t * dy);
            let mut best_s = None;
            let mut best_g = 0.0f32;
            let mut s = -3.0f32;
            while s <= reach {
                if let (Some(l0), Some(l1)) = (
                    at(px + (s - 1.0) * nx, py + (s - 1.0) * ny),
                    at(px + (s + 1.0) * nx, py + (s + 1.0) * ny),
                ) {
                    let g = (l0 - l1).abs();
                    if g > best_g {
                        best_g = g;
                        best_s = Some(s);
                    }
                }
                s += 0.5;
            }
            if let Some(s) = best_s.filter(|_| best_g > 4.0) {
                edge_pts.push([px + s * nx, py + s * ny]);
            }
        }
        lines.push(if edge_pts.len() >= 8 {
            fit_line(&robust(&edge_pts))
        } else {
            line_through(a, b)
        });
    }
    Some(Located {
        corners: corners(&lines, &quad, scale),
        coverage: best_size as f32 / (wu * hu) as f32,
    })
}

/// Drops the points farthest from a first line fit (half of them at most).
fn robust(p: &[[f32; 2]]) -> Vec<[f32; 2]> {
    let l = fit_line(p);
    let mut d: Vec<(f32, [f32; 2])> = p
        .iter()
        .map(|q| ((l.0 * q[0] + l.1 * q[1] - l.2).abs(), *q))
        .collect();
    d.sort_by(|a, b| a.0.total_cmp(&b.0));
    d.truncate((p.len() * 2 / 3).max(8).min(p.len()));
    d.into_iter().map(|(_, q)| q).collect()
}

/// The scan reduced to about `WORK_SIDE` px, and the reduced px per input px;
/// `None` for images too small to hold a document.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)] // pixel sizes
fn reduce(img: &RgbImage) -> Option<(RgbImage, f32)> {
    let (w0, h0) = img.dimensions();
    if w0 < 16 || h0 < 16 {
        return None;
    }
    let scale = (WORK_SIDE as f32 / w0.max(h0) as f32).min(1.0);
    let w = ((w0 as f32 * scale).round() as u32).max(8);
    let h = ((h0 as f32 * scale).round() as u32).max(8);
    // Large scans: a box average by an integer factor only (a triangle
    // filter over a 600-dpi scan costs tens of milliseconds); the side lands
    // between WORK_SIDE / 2 and WORK_SIDE.
    let f = w0.max(h0).div_ceil(WORK_SIDE);
    if f >= 2 {
        let boxed = box_reduce(img, f);
        return Some((boxed, 1.0 / f as f32));
    }
    Some((
        imageops::resize(img, w, h, imageops::FilterType::Triangle),
        scale,
    ))
}

/// Averages `f`×`f` blocks (the right and bottom remainders dropped).
fn box_reduce(img: &RgbImage, f: u32) -> RgbImage {
    let (w, h) = (img.width() / f, img.height() / f);
    let src = img.as_raw();
    let stride = img.width() as usize * 3;
    let mut acc = vec![0u32; w as usize * 3];
    let mut out = RgbImage::new(w.max(1), h.max(1));
    let area = f * f;
    for y in 0..h {
        acc.fill(0);
        for dy in 0..f {
            let row = &src[(y * f + dy) as usize * stride..][..stride];
            for x in 0..w as usize {
                for dx in 0..f as usize {
                    let p = (x * f as usize + dx) * 3;
                    acc[x * 3] += u32::from(row[p]);
                    acc[x * 3 + 1] += u32::from(row[p + 1]);
                    acc[x * 3 + 2] += u32::from(row[p + 2]);
                }
            }
        }
        for x in 0..w {
            let i = x as usize * 3;
            #[allow(clippy::cast_possible_truncation)] // an average of bytes
            out.put_pixel(
                x,
                y,
                image::Rgb([
                    (acc[i] / area) as u8,
                    (acc[i + 1] / area) as u8,
                    (acc[i + 2] / area) as u8,
                ]),
            );
        }
    }
    out
}

/// Labels the 4-connected components of the pixels where `member(i)` holds
/// on a `w` × `h` grid; returns the labels, the largest's label (0 when
/// none) and its size.
fn largest_component(w: usize, h: usize, member: impl Fn(usize) -> bool) -> (Vec<u32>, u32, usize) {
    let mut label = vec![0u32; w * h];
    let (mut best, mut best_size, mut next) = (0u32, 0usize, 0u32);
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !member(start) || label[start] != 0 {
            continue;
        }
        next += 1;
        let mut size = 0usize;
        stack.push((start % w, start / w));
        while let Some((x, y)) = stack.pop() {
            let i = y * w + x;
            if !member(i) || label[i] != 0 {
                continue;
            }
            label[i] = next;
            size += 1;
            push_neighbours(&mut stack, x, y, w, h);
        }
        if size > best_size {
            best_size = size;
            best = next;
        }
    }
    (label, best, best_size)
}

/// Corners in input pixels from the four fitted sides (the hull quad's
/// corner where two sides do not cross), clockwise from the top-left-most.
fn corners(lines: &[Line], quad: &[[f32; 2]; 4], scale: f32) -> [[f32; 2]; 4] {
    let mut c = [[0.0f32; 2]; 4];
    for i in 0..4 {
        let p = intersect(lines[(i + 3) % 4], lines[i]).unwrap_or(quad[i]);
        // Back to input pixels (the half-pixel grid of the reduced image).
        c[i] = [p[0] / scale, p[1] / scale];
    }
    clockwise_from_top_left(c)
}

/// The 4-neighbours of (x, y) inside a w × h grid, onto a flood-fill stack.
fn push_neighbours(stack: &mut Vec<(usize, usize)>, x: usize, y: usize, w: usize, h: usize) {
    if x > 0 {
        stack.push((x - 1, y));
    }
    if y > 0 {
        stack.push((x, y - 1));
    }
    if x + 1 < w {
        stack.push((x + 1, y));
    }
    if y + 1 < h {
        stack.push((x, y + 1));
    }
}

fn cross(o: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

/// Andrew's monotone chain.
fn convex_hull(points: &[[f32; 2]]) -> Vec<[f32; 2]> {
    let mut p = points.to_vec();
    p.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let mut lower: Vec<[f32; 2]> = Vec::new();
    for &q in &p {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], q) <= 0.0 {
            lower.pop();
        }
        lower.push(q);
    }
    let mut upper: Vec<[f32; 2]> = Vec::new();
    for &q in p.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], q) <= 0.0 {
            upper.pop();
        }
        upper.push(q);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

fn area(q: &[[f32; 2]; 4]) -> f32 {
    let mut s = 0.0;
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        s += a[0] * b[1] - b[0] * a[1];
    }
    s.abs() / 2.0
}

/// The quadrilateral of largest area with vertices on the hull (hull
/// reduced to at most 64 points; a few passes of coordinate ascent).
fn largest_quad(hull: &[[f32; 2]]) -> [[f32; 2]; 4] {
    let step = hull.len().div_ceil(64);
    let h: Vec<[f32; 2]> = hull.iter().step_by(step).copied().collect();
    let n = h.len();
    let mut idx = [0, n / 4, n / 2, 3 * n / 4];
    let mut best = area(&idx.map(|i| h[i]));
    for _ in 0..6 {
        let mut improved = false;
        for k in 0..4 {
            for cand in 0..n {
                let mut t = idx;
                t[k] = cand;
                let mut sorted = t;
                sorted.sort_unstable();
                let a = area(&sorted.map(|i| h[i]));
                if a > best + 1e-3 {
                    best = a;
                    idx = sorted;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
    idx.map(|i| h[i])
}

fn seg_dist(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len = dx.hypot(dy).max(1e-6);
    (cross(a, b, p) / len).abs()
}

fn along(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy).max(1e-6)
}

/// A line as (nx, ny, c) with nx·x + ny·y = c, |n| = 1.
type Line = (f32, f32, f32);

fn line_through(a: [f32; 2], b: [f32; 2]) -> Line {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len = dx.hypot(dy).max(1e-6);
    let (nx, ny) = (-dy / len, dx / len);
    (nx, ny, nx * a[0] + ny * a[1])
}

/// Total least squares line through points.
#[allow(clippy::cast_precision_loss)] // point counts
fn fit_line(p: &[[f32; 2]]) -> Line {
    let n = p.len() as f32;
    let (mx, my) = (
        p.iter().map(|q| q[0]).sum::<f32>() / n,
        p.iter().map(|q| q[1]).sum::<f32>() / n,
    );
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for q in p {
        let (dx, dy) = (q[0] - mx, q[1] - my);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    // Direction: principal eigenvector of the scatter matrix.
    let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let (dx, dy) = (theta.cos(), theta.sin());
    let (nx, ny) = (-dy, dx);
    (nx, ny, nx * mx + ny * my)
}

fn intersect(l1: Line, l2: Line) -> Option<[f32; 2]> {
    let det = l1.0 * l2.1 - l1.1 * l2.0;
    if det.abs() < 1e-6 {
        return None;
    }
    Some([
        (l1.2 * l2.1 - l1.1 * l2.2) / det,
        (l1.0 * l2.2 - l1.2 * l2.0) / det,
    ])
}

/// Orders corners clockwise (y down), starting from the one with the
/// smallest x + y.
fn clockwise_from_top_left(c: [[f32; 2]; 4]) -> [[f32; 2]; 4] {
    let cx = c.iter().map(|p| p[0]).sum::<f32>() / 4.0;
    let cy = c.iter().map(|p| p[1]).sum::<f32>() / 4.0;
    let mut v = c.to_vec();
    v.sort_by(|a, b| {
        (a[1] - cy)
            .atan2(a[0] - cx)
            .total_cmp(&(b[1] - cy).atan2(b[0] - cx))
    });
    let start = (0..4)
        .min_by(|&i, &j| (v[i][0] + v[i][1]).total_cmp(&(v[j][0] + v[j][1])))
        .unwrap_or(0);
    [
        v[start],
        v[(start + 1) % 4],
        v[(start + 2) % 4],
        v[(start + 3) % 4],
    ]
}

#[cfg(test)]
#[allow(clippy::cast_precision_loss)] // small test images
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn finds_a_tilted_light_card_on_a_dark_desk() {
        let mut img = RgbImage::from_pixel(800, 600, Rgb([30, 28, 25]));
        // A quad, clockwise from top-left.
        let q = [
            [150.0f32, 120.0],
            [640.0, 160.0],
            [610.0, 470.0],
            [120.0, 430.0],
        ];
        for y in 0..600 {
            for x in 0..800 {
                let p = [x as f32 + 0.5, y as f32 + 0.5];
                if (0..4).all(|i| cross(q[i], q[(i + 1) % 4], p) >= 0.0) {
                    img.put_pixel(x, y, Rgb([235, 230, 215]));
                }
            }
        }
        let found = locate_document(&img).expect("found");
        for (a, b) in found.corners.iter().zip(q) {
            assert!(
                (a[0] - b[0]).hypot(a[1] - b[1]) < 4.0,
                "{:?} vs {q:?}",
                found.corners
            );
        }
    }

    #[test]
    fn a_uniform_image_has_no_document() {
        assert!(locate_document(&RgbImage::from_pixel(300, 200, Rgb([200, 200, 200]))).is_none());
        assert!(locate_document(&RgbImage::from_pixel(4, 4, Rgb([0, 0, 0]))).is_none());
    }
}
