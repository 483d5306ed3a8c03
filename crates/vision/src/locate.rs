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
//! On a bright border (a scanner lid, where white paper matches the
//! background) the print's texture finds the document instead: the
//! rectangle around the print (smallest, or along the print's dominant
//! direction), then each side moves to the paper's own edge, found as the
//! outermost colour step along short segments of the side (the inner edge
//! of a shadow band) and fitted by consensus.

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
    // White paper on a white lid defeats the colour cue (it finds the
    // print's most colourful part, a photo, as often as the paper): there
    // the print's texture finds the document and its edges are searched for
    // outward. Elsewhere the texture is the fallback.
    let lid = lid_like(img);
    let (first, second): (Locator, Locator) = if lid {
        (by_texture, by_colour)
    } else {
        (by_colour, by_texture)
    };
    let first = first(&small, scale);
    // On a lid the texture locator's quad stands (the colour cue's sharp
    // steps there are the photo's). Elsewhere a colour quad whose sides
    // find only a weak step (a desk of the paper's own tone, where the cue
    // grows the background into the document or stops at the MRZ's band)
    // is checked against the texture's: the one whose weakest side sits
    // on the clearly stronger paper edge wins.
    let planes = Planes::new(&small);
    let contrast =
        |l: &Located| edge_contrast(&planes, &l.corners.map(|p| [p[0] * scale, p[1] * scale]));
    let c1 = first.as_ref().map_or(0.0, &contrast);
    if first.is_some() && (lid || c1 >= CLEAR_EDGE) {
        return first;
    }
    let other = second(&small, scale);
    let c2 = other.as_ref().map_or(0.0, &contrast);
    if other.is_some() && c2 > 1.5 * c1 + 5.0 {
        other
    } else {
        first.or(other)
    }
}

/// A locator over the reduced scan and its scale to input pixels.
type Locator = fn(&RgbImage, f32) -> Option<Located>;

/// The weakest side's colour step ([`edge_contrast`], 0-255 units) above
/// which a colour quad stands without a second opinion.
const CLEAR_EDGE: f32 = 60.0;

/// How well a quad (reduced px) sits on the paper's edge: along each side,
/// the colour step between just inside and just outside it (median over
/// points along the side); the weakest side's step. A side that runs
/// through the document's print or across the background has none; 0 for a
/// quad that crosses itself. Sides (or parts of them) outside the image
/// are not judged.
#[allow(clippy::cast_precision_loss)] // sample counts
fn edge_contrast(planes: &Planes, q: &[[f32; 2]; 4]) -> f32 {
    let turns: Vec<f32> = (0..4)
        .map(|i| cross(q[i], q[(i + 1) % 4], q[(i + 2) % 4]))
        .collect();
    if !(turns.iter().all(|&t| t > 0.0) || turns.iter().all(|&t| t < 0.0)) {
        return 0.0;
    }
    let diag = ((planes.w * planes.w + planes.h * planes.h) as f32).sqrt();
    let d = (diag * 0.01).max(2.0);
    let centre = [
        q.iter().map(|p| p[0]).sum::<f32>() / 4.0,
        q.iter().map(|p| p[1]).sum::<f32>() / 4.0,
    ];
    let mut weakest = f32::INFINITY;
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        let len = (b[0] - a[0]).hypot(b[1] - a[1]);
        if len < 1.0 {
            return 0.0;
        }
        let u = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
        let mut n = [-u[1], u[0]];
        let mid = [f32::midpoint(a[0], b[0]), f32::midpoint(a[1], b[1])];
        if (centre[0] - mid[0]) * n[0] + (centre[1] - mid[1]) * n[1] < 0.0 {
            n = [-n[0], -n[1]];
        }
        let mut steps = Vec::new();
        for k in 1..EDGE_SAMPLES {
            let t = 0.1 + 0.8 * k as f32 / EDGE_SAMPLES as f32;
            let m = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
            let at = |s: f32| segment_mean(planes, [m[0] + s * n[0], m[1] + s * n[1]], u, d, 5);
            if let (Some(inside), Some(outside)) = (at(d), at(-d)) {
                steps.push(norm3([0, 1, 2].map(|c| inside[c] - outside[c])));
            }
        }
        if steps.len() >= EDGE_SAMPLES / 4 {
            let mid = steps.len() / 2;
            steps.select_nth_unstable_by(mid, f32::total_cmp);
            weakest = weakest.min(steps[mid]);
        }
    }
    if weakest.is_finite() { weakest } else { 0.0 }
}

/// Points along each side at which [`edge_contrast`] looks.
const EDGE_SAMPLES: usize = 24;

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
    lum[lum.len() / 2] > 170.0 && mean_chroma < 80.0
}

/// Locates by print texture: the print's extent gives a first rectangle,
/// then each side moves out to the paper's own edge ([`edge_line`]).
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)] // pixel maths
fn by_texture(small: &RgbImage, scale: f32) -> Option<Located> {
    let (wu, hu) = (small.width() as usize, small.height() as usize);
    let planes = Planes::new(small);
    let luma: Vec<f32> = (0..wu * hu)
        .map(|i| 0.299 * planes.c[0][i] + 0.587 * planes.c[1][i] + 0.114 * planes.c[2][i])
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
    // A document is a rectangle and its print runs along its sides: the
    // smallest rectangle around the print has the document's orientation
    // (the largest quad inside the hull does not when the print's extent is
    // irregular, e.g. a signature alone in a blank lower half).
    // When the print's extent is irregular, its smallest rectangle turns
    // away from the document's; the dominant direction of the print is the
    // second candidate, and the one whose sides find more of the paper's
    // edge wins.
    let mut candidates = vec![min_area_rect(&hull)];
    let side_angle = |q: &[[f32; 2]; 4]| {
        (q[1][1] - q[0][1])
            .atan2(q[1][0] - q[0][0])
            .rem_euclid(std::f32::consts::FRAC_PI_2)
    };
    if let Some(alt) = oriented_rect(
        &hull,
        print_orientation(&luma, wu, hu, |i| label[i] == best),
    ) {
        let d = (side_angle(&alt) - side_angle(&candidates[0])).abs();
        if d.min(std::f32::consts::FRAC_PI_2 - d) > 1.5f32.to_radians() {
            candidates.push(alt);
        }
    }
    let (quad, lines, _) = candidates
        .into_iter()
        .map(|quad| {
            let fits: Vec<(Line, usize)> = (0..4).map(|i| edge_line(&planes, &quad, i)).collect();
            let support: usize = fits.iter().map(|f| f.1).sum();
            (
                quad,
                fits.into_iter().map(|f| f.0).collect::<Vec<Line>>(),
                support,
            )
        })
        .max_by_key(|c| c.2)?;
    Some(Located {
        corners: corners(&lines, &quad, scale),
        coverage: best_size as f32 / (wu * hu) as f32,
    })
}

/// Width of the image's rim that edge profiles do not sample.
const BORDER_PX: f32 = 3.0;

/// An RGB image as three f32 planes, for sampling between pixels.
struct Planes {
    w: usize,
    h: usize,
    c: [Vec<f32>; 3],
}

impl Planes {
    fn new(img: &RgbImage) -> Self {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut c = [vec![0f32; w * h], vec![0f32; w * h], vec![0f32; w * h]];
        for (i, p) in img.pixels().enumerate() {
            for (plane, &v) in c.iter_mut().zip(&p.0) {
                plane[i] = f32::from(v);
            }
        }
        Self { w, h, c }
    }

    /// Bilinear colour at (x, y) in pixel-centre coordinates (pixel i
    /// covers [i, i + 1)); `None` outside the image.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )] // pixel maths
    fn at(&self, x: f32, y: f32) -> Option<[f32; 3]> {
        // The outermost pixels are left out: scanners and reductions leave
        // steps there that are not the document's.
        let (fx, fy) = (x - 0.5, y - 0.5);
        let m = BORDER_PX;
        if fx < m || fy < m || fx > (self.w - 1) as f32 - m || fy > (self.h - 1) as f32 - m {
            return None;
        }
        let (x0, y0) = (fx as usize, fy as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
        Some([0, 1, 2].map(|k| {
            let p = &self.c[k];
            let top = p[y0 * self.w + x0] * (1.0 - tx) + p[y0 * self.w + x1] * tx;
            let bot = p[y1 * self.w + x0] * (1.0 - tx) + p[y1 * self.w + x1] * tx;
            top * (1.0 - ty) + bot * ty
        }))
    }
}

/// Mean colour along a segment: `count` points spaced along direction `u`
/// over `[-half, half]` around `m`; `None` when any of them falls outside
/// the image (a segment cut by the image's border would take the border's
/// own steps for edges).
#[allow(clippy::cast_precision_loss)] // sample counts
fn segment_mean(
    planes: &Planes,
    m: [f32; 2],
    u: [f32; 2],
    half: f32,
    count: usize,
) -> Option<[f32; 3]> {
    let mut sum = [0f32; 3];
    for k in 0..count {
        let t = -half + 2.0 * half * (k as f32 + 0.5) / count as f32;
        let p = planes.at(m[0] + t * u[0], m[1] + t * u[1])?;
        for c in 0..3 {
            sum[c] += p[c];
        }
    }
    Some(sum.map(|s| s / count as f32))
}

const PROFILE_STEP: f32 = 0.5;

fn norm3(v: [f32; 3]) -> f32 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

fn luma3(v: [f32; 3]) -> f32 {
    0.299 * v[0] + 0.587 * v[1] + 0.114 * v[2]
}

/// Where the paper ends along one short segment of a side: the offset
/// (along `normal`, from `m`) of the outermost colour step that stands out
/// of the segment's own noise (and of `floor`), in `[-reach[0], reach[1]]`;
/// with the step's size. Where that step is the soft outer rim of a shadow (wide, lighter beyond), the paper's edge
/// is the sharp step darker-outward inside it. `None` without any step.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)] // pixel maths
fn edge_offset(
    planes: &Planes,
    m: [f32; 2],
    u: [f32; 2],
    normal: [f32; 2],
    half: f32,
    reach: [f32; 2],
    floor: f32,
) -> Option<(f32, f32)> {
    let [inward, outward] = reach;
    let count = ((2.0 * half) as usize).max(4);
    let n = ((inward + outward) / PROFILE_STEP) as usize + 1;
    let offset = |k: usize| -inward + k as f32 * PROFILE_STEP;
    let colour: Vec<Option<[f32; 3]>> = (0..n)
        .map(|k| {
            let d = offset(k);
            segment_mean(
                planes,
                [m[0] + d * normal[0], m[1] + d * normal[1]],
                u,
                half,
                count,
            )
        })
        .collect();
    // Step across offset k, `g` samples either side: outside minus inside.
    let step = |k: usize, g: usize| -> Option<[f32; 3]> {
        let lo = colour.get(k.checked_sub(g)?)?.as_ref()?;
        let hi = colour.get(k + g)?.as_ref()?;
        Some([hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]])
    };
    let g1 = (1.0 / PROFILE_STEP) as usize;
    let mags: Vec<f32> = (0..n).map(|k| step(k, g1).map_or(0.0, norm3)).collect();
    // The segment's noise: the median step beyond the print's extent.
    let first_out = ((inward / PROFILE_STEP) as usize).min(n);
    let mut outside: Vec<f32> = mags[first_out..]
        .iter()
        .copied()
        .filter(|&v| v > 0.0)
        .collect();
    if outside.len() < 4 {
        return None;
    }
    outside.sort_by(f32::total_cmp);
    let threshold = (5.0 * outside[outside.len() / 2]).max(floor);
    let peaks: Vec<usize> = (1..n - 1)
        .filter(|&k| mags[k] >= threshold && mags[k] >= mags[k - 1] && mags[k] > mags[k + 1])
        .collect();
    let &outer = peaks.last()?;
    let mut edge = outer;
    // A shadow: a band darker than both the paper inside it and the
    // background beyond, wider than a printed line, between a step
    // darker-outward and the outermost step (lighter-outward). The paper
    // ends at the band's inner step.
    let lum = |k: usize| colour.get(k).copied().flatten().map(luma3);
    let lighter_out = |k: usize| step(k, g1).is_some_and(|v| luma3(v) > 0.0);
    if lighter_out(outer) {
        let reach = (24.0 / PROFILE_STEP) as usize;
        let min_width = (1.5 / PROFILE_STEP) as usize;
        let shadow_inner = peaks
            .iter()
            .rev()
            .skip(1)
            .take_while(|&&k| outer - k <= reach)
            .find(|&&k| {
                if lighter_out(k) || outer - k < min_width {
                    return false;
                }
                let band: Vec<f32> = (k + g1..=outer - g1).filter_map(lum).collect();
                let (Some(inside), Some(beyond)) =
                    (lum(k.saturating_sub(2 * g1)), lum(outer + 2 * g1))
                else {
                    return false;
                };
                #[allow(clippy::cast_precision_loss)] // a few samples
                let mean = band.iter().sum::<f32>() / band.len().max(1) as f32;
                !band.is_empty() && mean < inside - 3.0 && mean < beyond - 3.0
            });
        if let Some(&inner) = shadow_inner {
            edge = inner;
        }
    }
    // Sub-step position from the parabola through the peak.
    let (l, c, r) = (mags[edge - 1], mags[edge], mags[edge + 1]);
    let den = l - 2.0 * c + r;
    let off = if den.abs() > 1e-6 {
        0.5 * (l - r) / den
    } else {
        0.0
    };
    Some((offset(edge) + off.clamp(-0.5, 0.5) * PROFILE_STEP, c))
}

/// The paper's edge beyond side `side` of `quad` (the extent of the print):
/// edge points found along short segments of the side ([`edge_offset`]),
/// then the line through most of them (every pair tried, least squares on
/// the inliers). Without enough agreeing points (blank paper on a lid of
/// the same tone) the whole side's profile is searched ([`faint_edge`]);
/// without any step (a document running off the image) the side stays
/// where the print ends.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)] // pixel maths
fn edge_line(planes: &Planes, quad: &[[f32; 2]; 4], side: usize) -> (Line, usize) {
    let (a, b) = (quad[side], quad[(side + 1) % 4]);
    let (p, q) = (quad[(side + 2) % 4], quad[(side + 3) % 4]);
    let (cx, cy) = (
        quad.iter().map(|p| p[0]).sum::<f32>() / 4.0,
        quad.iter().map(|p| p[1]).sum::<f32>() / 4.0,
    );
    let len = (b[0] - a[0]).hypot(b[1] - a[1]).max(1e-3);
    let u = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
    let mut normal = [-u[1], u[0]];
    let mid = [f32::midpoint(a[0], b[0]), f32::midpoint(a[1], b[1])];
    if (mid[0] - cx) * normal[0] + (mid[1] - cy) * normal[1] < 0.0 {
        normal = [-normal[0], -normal[1]];
    }
    let across = seg_dist(p, a, b).max(seg_dist(q, a, b));
    let outward = (0.4 * across).max(8.0);
    // The print's extent can lie outside the paper by the texture window
    // and by a shadow's width (a dark band has edges too).
    let inward = (0.1 * across).max(12.0);
    // Segments of about 12 px over the central 84% of the side.
    let segments = ((0.84 * len / 12.0) as usize).clamp(6, 48);
    let half = 0.42 * len / segments as f32;
    let points: Vec<[f32; 2]> = (0..segments)
        .filter_map(|j| {
            let t = -0.42 * len + (2 * j + 1) as f32 * half;
            let m = [mid[0] + t * u[0], mid[1] + t * u[1]];
            let (d, _) = edge_offset(planes, m, u, normal, half, [inward, outward], 2.5)?;
            Some([m[0] + d * normal[0], m[1] + d * normal[1]])
        })
        .collect();
    let line = consensus_line(&points, 1.0);
    match line {
        Some((l, inliers)) if inliers * 3 >= segments => (l, inliers),
        _ => faint_edge(planes, mid, u, normal, len, inward, outward)
            .map_or((line_through(a, b), 0), |l| (l, segments / 3)),
    }
}

/// A paper edge too faint for short segments (white paper on a white lid):
/// one profile averaged over the side's whole central part, for directions
/// within ±1° of the side's, whose steps stand out of a far lower noise.
/// The direction whose edge step is the strongest gives the line.
#[allow(clippy::cast_precision_loss)] // a few angles
fn faint_edge(
    planes: &Planes,
    mid: [f32; 2],
    u: [f32; 2],
    normal: [f32; 2],
    len: f32,
    inward: f32,
    outward: f32,
) -> Option<Line> {
    let mut best: Option<(f32, Line)> = None;
    for k in -4i8..=4 {
        let (sin, cos) = (f32::from(k) * 0.25f32.to_radians()).sin_cos();
        let v = [u[0] * cos - u[1] * sin, u[0] * sin + u[1] * cos];
        let n = [
            normal[0] * cos - normal[1] * sin,
            normal[0] * sin + normal[1] * cos,
        ];
        let Some((d, strength)) =
            edge_offset(planes, mid, v, n, 0.42 * len, [inward, outward], 1.0)
        else {
            continue;
        };
        if best.is_none_or(|(s, _)| strength > s) {
            let p = [mid[0] + d * n[0], mid[1] + d * n[1]];
            best = Some((strength, line_through(p, [p[0] + v[0], p[1] + v[1]])));
        }
    }
    best.map(|(_, l)| l)
}

/// The line through the most points (within `tol`), every pair tried, then
/// refit by least squares through its inliers; with its inlier count.
fn consensus_line(points: &[[f32; 2]], tol: f32) -> Option<(Line, usize)> {
    let mut best: Option<(usize, Line)> = None;
    for i in 0..points.len() {
        for j in i + 1..points.len() {
            let l = line_through(points[i], points[j]);
            let n = points
                .iter()
                .filter(|p| (l.0 * p[0] + l.1 * p[1] - l.2).abs() <= tol)
                .count();
            if best.is_none_or(|(bn, _)| n > bn) {
                best = Some((n, l));
            }
        }
    }
    let (_, l) = best?;
    let inliers: Vec<[f32; 2]> = points
        .iter()
        .copied()
        .filter(|p| (l.0 * p[0] + l.1 * p[1] - l.2).abs() <= tol)
        .collect();
    (inliers.len() >= 2).then(|| (fit_line(&inliers), inliers.len()))
}

/// The dominant direction of the print, modulo 90°, in radians: text
/// lines, rules, frames and the paper's own edges run along the document's
/// sides, guilloche in every direction. The peak of the gradient-direction
/// histogram over `member` pixels (magnitude-weighted, folded into 90°,
/// half-degree bins, smoothed), refined by a parabola. `None` without a
/// clear peak.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)] // pixel maths
fn print_orientation(
    luma: &[f32],
    w: usize,
    h: usize,
    member: impl Fn(usize) -> bool,
) -> Option<f32> {
    const BINS: usize = 180;
    let mut hist = [0f32; BINS];
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            let i = y * w + x;
            if !member(i) {
                continue;
            }
            let gx = luma[i + 1] - luma[i - 1];
            let gy = luma[i + w] - luma[i - w];
            let m = gx.hypot(gy);
            if m < 8.0 {
                continue;
            }
            let a = gy.atan2(gx).rem_euclid(std::f32::consts::FRAC_PI_2);
            let bin = ((a / std::f32::consts::FRAC_PI_2 * BINS as f32) as usize).min(BINS - 1);
            hist[bin] += m;
        }
    }
    // Circular smoothing over ±2 bins.
    let smooth: Vec<f32> = (0..BINS)
        .map(|b| (0..5).map(|k| hist[(b + BINS + k - 2) % BINS]).sum::<f32>())
        .collect();
    let (peak, &top) = smooth
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    let mean = smooth.iter().sum::<f32>() / BINS as f32;
    if top < 1.5 * mean {
        return None;
    }
    let (l, r) = (smooth[(peak + BINS - 1) % BINS], smooth[(peak + 1) % BINS]);
    let den = l - 2.0 * top + r;
    let off = if den.abs() > 1e-6 {
        (0.5 * (l - r) / den).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    Some((peak as f32 + 0.5 + off) / BINS as f32 * std::f32::consts::FRAC_PI_2)
}

/// The rectangle around a convex polygon with its sides at `angle` and
/// `angle + 90°`, corners in order.
fn oriented_rect(hull: &[[f32; 2]], angle: Option<f32>) -> Option<[[f32; 2]; 4]> {
    let (s, c) = angle?.sin_cos();
    let (u, v) = ([c, s], [-s, c]);
    let (mut u0, mut u1, mut v0, mut v1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
    for p in hull {
        let (pu, pv) = (p[0] * u[0] + p[1] * u[1], p[0] * v[0] + p[1] * v[1]);
        u0 = u0.min(pu);
        u1 = u1.max(pu);
        v0 = v0.min(pv);
        v1 = v1.max(pv);
    }
    let at = |a: f32, b: f32| [a * u[0] + b * v[0], a * u[1] + b * v[1]];
    (u1 > u0 && v1 > v0).then(|| [at(u0, v0), at(u1, v0), at(u1, v1), at(u0, v1)])
}

/// The smallest-area rectangle around a convex polygon (rotating calipers:
/// one side lies on a hull edge), corners in order.
fn min_area_rect(hull: &[[f32; 2]]) -> [[f32; 2]; 4] {
    let n = hull.len();
    (0..n)
        .filter_map(|i| {
            let (a, b) = (hull[i], hull[(i + 1) % n]);
            let len = (b[0] - a[0]).hypot(b[1] - a[1]);
            (len > 1e-6).then(|| oriented_rect(hull, Some((b[1] - a[1]).atan2(b[0] - a[0]))))?
        })
        .min_by(|p, q| area(p).total_cmp(&area(q)))
        .unwrap_or([hull[0]; 4])
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
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)] // small test images
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

    /// Near-white paper on a near-white lid, print inside a blank margin,
    /// a drop shadow along two sides: the paper's edge, not the print's
    /// extent nor the shadow's rim, gives the corners.
    #[test]
    fn finds_white_paper_on_a_white_lid_past_its_blank_margin_and_shadow() {
        let (w, h) = (900u32, 700u32);
        let (angle, cx, cy, hw, hh) = (7f32.to_radians(), 450.0f32, 350.0f32, 300.0f32, 200.0f32);
        let (s, c) = angle.sin_cos();
        // Document frame: (u, v) from the centre along the turned axes.
        let to_doc = |x: f32, y: f32| {
            let (dx, dy) = (x - cx, y - cy);
            (c * dx + s * dy, -s * dx + c * dy)
        };
        let corner = |u: f32, v: f32| [cx + c * u - s * v, cy + s * u + c * v];
        let mut img = RgbImage::new(w, h);
        let mut seed = 12345u32;
        for y in 0..h {
            for x in 0..w {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let grain = (seed >> 28) as f32 - 7.5; // ±7.5 grey levels
                let (u, v) = to_doc(x as f32 + 0.5, y as f32 + 0.5);
                let inside = u.abs() < hw && v.abs() < hh;
                let mut l = if inside {
                    // Print: dark rules every 20 px, inside a 40-px margin.
                    let printed = u.abs() < hw - 40.0
                        && v.abs() < hh - 40.0
                        && ((v + hh) as i32 % 20 < 3 || ((u + hw) as i32 % 37 < 2));
                    if printed { 90.0 } else { 246.0 }
                } else {
                    // Shadow band 6 px wide beyond the right and bottom sides.
                    let shadow = (u > 0.0 && u < hw + 6.0 && v.abs() < hh + 6.0)
                        || (v > 0.0 && v < hh + 6.0 && u.abs() < hw + 6.0);
                    if shadow { 215.0 } else { 238.0 }
                };
                l += grain * 0.4;
                let p = l.clamp(0.0, 255.0) as u8;
                img.put_pixel(x, y, Rgb([p, p, p]));
            }
        }
        let truth = [
            corner(-hw, -hh),
            corner(hw, -hh),
            corner(hw, hh),
            corner(-hw, hh),
        ];
        let found = locate_document(&img).expect("found");
        let diag = (2.0 * hw).hypot(2.0 * hh);
        for t in truth {
            let nearest = found
                .corners
                .iter()
                .map(|f| (f[0] - t[0]).hypot(f[1] - t[1]))
                .fold(f32::MAX, f32::min);
            assert!(nearest < 0.01 * diag, "{:?} vs {truth:?}", found.corners);
        }
    }

    /// The weakest side's step: high for a quad on the card's edges, none
    /// for one whose side crosses the card's middle, none for a quad that
    /// crosses itself.
    #[test]
    fn edge_contrast_is_the_weakest_sides_step() {
        let mut img = RgbImage::from_pixel(400, 300, Rgb([60, 60, 60]));
        for y in 50..250 {
            for x in 80..320 {
                img.put_pixel(x, y, Rgb([220, 220, 220]));
            }
        }
        let planes = Planes::new(&img);
        let card = [[80.0, 50.0], [320.0, 50.0], [320.0, 250.0], [80.0, 250.0]];
        let top_half = [[80.0, 50.0], [320.0, 50.0], [320.0, 150.0], [80.0, 150.0]];
        let crossed = [[80.0, 50.0], [320.0, 250.0], [320.0, 50.0], [80.0, 250.0]];
        assert!(edge_contrast(&planes, &card) > 250.0);
        assert!(edge_contrast(&planes, &top_half) < 1.0);
        assert!(edge_contrast(&planes, &crossed).abs() < f32::EPSILON);
    }

    /// A paper edge 4 grey levels above a lid, under ±6 levels of grain:
    /// too faint for short segments, found by the whole side's profile.
    #[test]
    fn faint_edge_finds_paper_barely_lighter_than_the_lid() {
        let mut img = RgbImage::new(400, 300);
        let mut seed = 99u32;
        for y in 0..300 {
            for x in 0..400 {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let grain = ((seed >> 28) as f32 - 7.5) * 0.8;
                let l = if x < 200 { 244.0 } else { 240.0 } + grain;
                let p = l.clamp(0.0, 255.0) as u8;
                img.put_pixel(x, y, Rgb([p, p, p]));
            }
        }
        let planes = Planes::new(&img);
        let line = faint_edge(
            &planes,
            [170.0, 150.0],
            [0.0, 1.0],
            [1.0, 0.0],
            250.0,
            12.0,
            80.0,
        )
        .expect("an edge");
        // a·x + b·y = c at y = 150.
        let x = (line.2 - line.1 * 150.0) / line.0;
        assert!((x - 200.0).abs() < 1.5, "{line:?}");
    }

    #[test]
    fn a_uniform_image_has_no_document() {
        assert!(locate_document(&RgbImage::from_pixel(300, 200, Rgb([200, 200, 200]))).is_none());
        assert!(locate_document(&RgbImage::from_pixel(4, 4, Rgb([0, 0, 0]))).is_none());
    }
}
