//! Finding the MRZ: dark character-sized blobs, the page's text direction,
//! blobs chained into text lines, and 2 or 3 long, parallel, evenly spaced
//! lines of equal length (ICAO 9303-3 §4.4: the MRZ is a block of OCR-B
//! lines at a fixed pitch).
//!
//! Everything here is rotation-invariant: the text direction is measured
//! from the blobs themselves, so a document lying at any angle on the
//! scanner is found without rectifying it first. The reading direction
//! (0° or 180° along that axis) is left to the recogniser.

use image::GrayImage;

/// The working resolution: the long side of the reduced image.
const WORK_LONG_SIDE: u32 = 1600;

/// One MRZ text line in input pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineGeometry {
    /// A point on the line's centre (middle of the character band) at
    /// the first character's left edge.
    pub start: [f32; 2],
    /// The same at the last character's right edge.
    pub end: [f32; 2],
    /// Character (cap) height, pixels.
    pub char_height: f32,
    /// Blobs chained into the line.
    pub blobs: usize,
}

impl LineGeometry {
    /// Unit vector along the line, from `start` to `end`.
    #[must_use]
    pub fn direction(&self) -> [f32; 2] {
        let (dx, dy) = (self.end[0] - self.start[0], self.end[1] - self.start[1]);
        let n = dx.hypot(dy).max(1e-6);
        [dx / n, dy / n]
    }

    /// Length from `start` to `end`, pixels.
    #[must_use]
    pub fn length(&self) -> f32 {
        (self.end[0] - self.start[0]).hypot(self.end[1] - self.start[1])
    }

    /// The line's box as a quad (clockwise in reading order: top-left,
    /// top-right, bottom-right, bottom-left), `pad` character heights
    /// around the characters.
    #[must_use]
    pub fn quad(&self, pad: f32) -> [[f32; 2]; 4] {
        let d = self.direction();
        let n = [-d[1], d[0]];
        let h = self.char_height * (0.5 + pad);
        let e = self.char_height * pad;
        let a = [self.start[0] - d[0] * e, self.start[1] - d[1] * e];
        let b = [self.end[0] + d[0] * e, self.end[1] + d[1] * e];
        [
            [a[0] - n[0] * h, a[1] - n[1] * h],
            [b[0] - n[0] * h, b[1] - n[1] * h],
            [b[0] + n[0] * h, b[1] + n[1] * h],
            [a[0] + n[0] * h, a[1] + n[1] * h],
        ]
    }

    /// The same line read the other way round (rotated by 180°).
    #[must_use]
    pub fn reversed(&self) -> Self {
        Self {
            start: self.end,
            end: self.start,
            ..*self
        }
    }
}

/// A block of MRZ-like lines, top to bottom along the found axis.
#[derive(Debug, Clone, PartialEq)]
pub struct MrzBlock {
    /// The lines, in order across the text direction.
    pub lines: Vec<LineGeometry>,
}

impl MrzBlock {
    /// Whether every line of this block lies on a line of `other` (the
    /// same block found again, along either direction, or a part of it).
    #[must_use]
    pub fn lies_on(&self, other: &MrzBlock) -> bool {
        covers(other, self)
    }
}

/// A dark connected component with its first and second moments.
#[derive(Debug, Clone, Copy, Default)]
struct Blob {
    n: f64,
    sx: f64,
    sy: f64,
    sxx: f64,
    syy: f64,
    sxy: f64,
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
}

impl Blob {
    fn add_run(&mut self, y: u32, x0: u32, x1: u32) {
        let (a, b, yf) = (f64::from(x0), f64::from(x1), f64::from(y));
        let n = b - a + 1.0;
        let sx = n * (a + b) / 2.0;
        // Σ x² over a..=b.
        let sq = |k: f64| k * (k + 1.0) * (2.0 * k + 1.0) / 6.0;
        let sxx = sq(b) - sq(a - 1.0);
        if self.n == 0.0 {
            (self.x0, self.y0, self.x1, self.y1) = (x0, y, x1, y);
        } else {
            self.x0 = self.x0.min(x0);
            self.x1 = self.x1.max(x1);
            self.y0 = self.y0.min(y);
            self.y1 = self.y1.max(y);
        }
        self.n += n;
        self.sx += sx;
        self.sy += n * yf;
        self.sxx += sxx;
        self.syy += n * yf * yf;
        self.sxy += yf * sx;
    }

    fn merge(&mut self, o: &Blob) {
        if o.n == 0.0 {
            return;
        }
        if self.n == 0.0 {
            *self = *o;
            return;
        }
        self.n += o.n;
        self.sx += o.sx;
        self.sy += o.sy;
        self.sxx += o.sxx;
        self.syy += o.syy;
        self.sxy += o.sxy;
        self.x0 = self.x0.min(o.x0);
        self.y0 = self.y0.min(o.y0);
        self.x1 = self.x1.max(o.x1);
        self.y1 = self.y1.max(o.y1);
    }
}

/// A character candidate in working pixels, measured along a direction.
#[derive(Debug, Clone, Copy)]
struct Glyph {
    cx: f32,
    cy: f32,
    /// Size of the bounding box's longer side.
    size: f32,
    vxx: f32,
    vyy: f32,
    vxy: f32,
    /// A run of merged characters: used in lines, not for the direction.
    long: bool,
}

impl Glyph {
    /// Extents (along, across) the unit direction (c, s), as the side of a
    /// uniform box with the same variance.
    fn extents(&self, c: f32, s: f32) -> (f32, f32) {
        let vu = c * c * self.vxx + 2.0 * c * s * self.vxy + s * s * self.vyy;
        let vv = s * s * self.vxx - 2.0 * c * s * self.vxy + c * c * self.vyy;
        ((12.0 * vu.max(0.0)).sqrt(), (12.0 * vv.max(0.0)).sqrt())
    }
}

fn find(parent: &mut [u32], mut i: u32) -> u32 {
    while parent[i as usize] != i {
        let p = parent[i as usize];
        parent[i as usize] = parent[p as usize];
        i = p;
    }
    i
}

fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        parent[ra.max(rb) as usize] = ra.min(rb);
    }
}

/// The scan as black ink sees it: per pixel the brightest of red, green
/// and blue. The MRZ is printed in black (ICAO 9303-3 §4.3.2: dark in the
/// visible and the B900 band), so coloured print across or behind it (a
/// guilloche, a blue security band, a red stamp) comes out near paper-white
/// here, while in luma it is as dark as a thin character stroke and merges
/// characters with it and with each other.
#[must_use]
pub fn ink_grey(img: &image::RgbImage) -> GrayImage {
    let raw: Vec<u8> = img
        .as_raw()
        .chunks_exact(3)
        .map(|p| p[0].max(p[1]).max(p[2]))
        .collect();
    GrayImage::from_raw(img.width(), img.height(), raw).unwrap_or_default()
}

/// Area-averaged reduction so that the long side is at most
/// [`WORK_LONG_SIDE`]; returns the image and its scale (work / input).
fn reduce(img: &GrayImage) -> (GrayImage, f32) {
    let (w, h) = img.dimensions();
    let long = w.max(h);
    if long <= WORK_LONG_SIDE {
        return (img.clone(), 1.0);
    }
    let f = long.div_ceil(WORK_LONG_SIDE);
    let (nw, nh) = (w / f, h / f);
    let mut out = GrayImage::new(nw.max(1), nh.max(1));
    let area = f * f;
    for y in 0..nh {
        for x in 0..nw {
            let mut s = 0u32;
            for dy in 0..f {
                for dx in 0..f {
                    s += u32::from(img.get_pixel(x * f + dx, y * f + dy)[0]);
                }
            }
            out.put_pixel(x, y, image::Luma([(s / area) as u8]));
        }
    }
    #[allow(clippy::cast_precision_loss)] // small integers
    (out, 1.0 / f as f32)
}

/// Dark blobs: pixels clearly darker than their neighbourhood (a local
/// mean over a 31-pixel window), labelled by runs (8-connected).
fn blobs(img: &GrayImage) -> Vec<Blob> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w < 8 || h < 8 {
        return Vec::new();
    }
    // Integral image.
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(img.as_raw()[y * w + x]);
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let r = 15usize;
    let mut parent: Vec<u32> = Vec::new();
    let mut stats: Vec<Blob> = Vec::new();
    // Runs of the previous and current row: (x0, x1, label).
    let mut prev: Vec<(u32, u32, u32)> = Vec::new();
    let mut cur: Vec<(u32, u32, u32)> = Vec::new();
    for y in 0..h {
        cur.clear();
        let (ya, yb) = (y.saturating_sub(r), (y + r + 1).min(h));
        let mut x = 0usize;
        while x < w {
            let ink = |x: usize| {
                let (xa, xb) = (x.saturating_sub(r), (x + r + 1).min(w));
                let sum = integral[yb * (w + 1) + xb] + integral[ya * (w + 1) + xa]
                    - integral[ya * (w + 1) + xb]
                    - integral[yb * (w + 1) + xa];
                let n = ((yb - ya) * (xb - xa)) as u64;
                let v = u64::from(img.as_raw()[y * w + x]);
                // Darker than 85% of the local mean and by at least 14 levels.
                v * 100 * n < sum * 85 && v * n + 14 * n < sum
            };
            if !ink(x) {
                x += 1;
                continue;
            }
            let x0 = x;
            while x < w && ink(x) {
                x += 1;
            }
            let x1 = x - 1;
            let label = parent.len() as u32;
            parent.push(label);
            let mut b = Blob::default();
            b.add_run(y as u32, x0 as u32, x1 as u32);
            stats.push(b);
            for &(p0, p1, pl) in &prev {
                if p1 + 1 >= x0 as u32 && p0 <= x1 as u32 + 1 {
                    union(&mut parent, label, pl);
                }
            }
            cur.push((x0 as u32, x1 as u32, label));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    // Fold runs into their roots.
    for i in 0..parent.len() {
        let root = find(&mut parent, i as u32) as usize;
        if root != i {
            let s = stats[i];
            stats[root].merge(&s);
            stats[i].n = 0.0;
        }
    }
    stats.retain(|b| b.n > 0.0);
    stats
}

/// Blobs the size of characters (5 to 80 working pixels, not a solid
/// block), and runs of characters merged by blur (up to 700 pixels long,
/// character-thin across).
fn glyphs(blobs: &[Blob]) -> Vec<Glyph> {
    blobs
        .iter()
        .filter_map(|b| {
            let (bw, bh) = (b.x1 - b.x0 + 1, b.y1 - b.y0 + 1);
            let size = bw.max(bh);
            if size < 5 || b.n < 8.0 {
                return None;
            }
            let fill = b.n / f64::from(bw * bh);
            if fill > 0.92 && bw.min(bh) > 3 {
                return None;
            }
            let (mx, my) = (b.sx / b.n, b.sy / b.n);
            let (vxx, vyy, vxy) = (
                b.sxx / b.n - mx * mx,
                b.syy / b.n - my * my,
                b.sxy / b.n - mx * my,
            );
            let long = size > 80;
            if long {
                // Principal extents: a merged run is long and thin.
                let tr = vxx + vyy;
                let det = vxx * vyy - vxy * vxy;
                let disc = (tr * tr / 4.0 - det).max(0.0).sqrt();
                let (major, minor) = (
                    (12.0 * (tr / 2.0 + disc)).sqrt(),
                    (12.0 * (tr / 2.0 - disc).max(0.0)).sqrt(),
                );
                if major > 700.0 || !(4.0..=60.0).contains(&minor) || major < 3.0 * minor {
                    return None;
                }
            }
            #[allow(clippy::cast_possible_truncation)] // pixel coordinates
            Some(Glyph {
                cx: mx as f32,
                cy: my as f32,
                size: size as f32,
                vxx: vxx as f32,
                vyy: vyy as f32,
                vxy: vxy as f32,
                long,
            })
        })
        .collect()
}

/// The likely text directions (radians in [0, π)), strongest first: peaks
/// of the directions to each glyph's nearest neighbour of similar size.
fn text_directions(g: &[Glyph]) -> Vec<f32> {
    const BINS: usize = 180;
    let mut order: Vec<usize> = (0..g.len()).collect();
    order.sort_by(|&a, &b| g[a].cx.total_cmp(&g[b].cx));
    let mut hist = [0f32; BINS];
    for (k, &i) in order.iter().enumerate() {
        let gi = g[i];
        if gi.long {
            continue;
        }
        let reach = gi.size * 2.5;
        let mut best: Option<(f32, f32, f32)> = None;
        let scan = |j: usize, best: &mut Option<(f32, f32, f32)>| {
            let gj = g[j];
            let ratio = gj.size / gi.size;
            if gj.long {
                return;
            }
            if !(0.5..=2.0).contains(&ratio) {
                return;
            }
            let (dx, dy) = (gj.cx - gi.cx, gj.cy - gi.cy);
            let d = dx.hypot(dy);
            if d > 0.0 && d < reach && best.is_none_or(|b| d < b.0) {
                *best = Some((d, dx, dy));
            }
        };
        for &j in &order[k + 1..] {
            if g[j].cx - gi.cx > reach {
                break;
            }
            scan(j, &mut best);
        }
        for &j in order[..k].iter().rev() {
            if gi.cx - g[j].cx > reach {
                break;
            }
            scan(j, &mut best);
        }
        if let Some((_, dx, dy)) = best {
            let a = dy.atan2(dx).rem_euclid(std::f32::consts::PI);
            #[allow(clippy::cast_sign_loss)] // a ≥ 0
            let bin = ((a.to_degrees().round() as usize) % BINS).min(BINS - 1);
            hist[bin] += 1.0;
        }
    }
    // Smooth circularly and take up to three peaks at least 10° apart.
    let smooth: Vec<f32> = (0..BINS)
        .map(|b| {
            (0..5)
                .map(|k| hist[(b + BINS + k - 2) % BINS] * [0.5, 1.0, 1.5, 1.0, 0.5][k])
                .sum()
        })
        .collect();
    let mut peaks: Vec<usize> = Vec::new();
    let mut order: Vec<usize> = (0..BINS).collect();
    order.sort_by(|&a, &b| smooth[b].total_cmp(&smooth[a]));
    for b in order {
        if smooth[b] < 10.0 || peaks.len() == 3 {
            break;
        }
        let far = |p: &usize| {
            let d = b.abs_diff(*p);
            d.min(BINS - d) >= 10
        };
        if peaks.iter().all(far) {
            peaks.push(b);
        }
    }
    #[allow(clippy::cast_precision_loss)] // < 180
    peaks.into_iter().map(|b| (b as f32).to_radians()).collect()
}

/// A text line in the rotated frame (u along the text, v across).
#[derive(Debug, Clone)]
struct TextLine {
    /// Members' (u, v, along-extent, across-extent).
    members: Vec<(f32, f32, f32, f32)>,
    u0: f32,
    u1: f32,
    v: f32,
    slope: f32,
    char_height: f32,
}

/// Chains glyphs into MRZ-length lines along direction (c, s): pieces of
/// one track are merged and joined across gaps (a stamp, a faded run of
/// fillers), lines under 8 blobs dropped.
fn text_lines(g: &[Glyph], c: f32, s: f32) -> Vec<TextLine> {
    join_by_neighbours(
        merge_collinear(chain(g, c, s, 1.3))
            .into_iter()
            .filter_map(trim_ends)
            .filter(|l| l.members.len() >= 8)
            .collect(),
    )
}

/// Chains glyphs into lines along direction (c, s): each glyph links to
/// the nearest one ahead on its track within `max_gap` heights; lines of
/// at least 3 glyphs.
fn chain(g: &[Glyph], c: f32, s: f32, max_gap: f32) -> Vec<TextLine> {
    let pts: Vec<(f32, f32, f32, f32)> = g
        .iter()
        .map(|q| {
            let (eu, ev) = q.extents(c, s);
            (q.cx * c + q.cy * s, -q.cx * s + q.cy * c, eu, ev)
        })
        .collect();
    let mut order: Vec<usize> = (0..pts.len()).collect();
    order.sort_by(|&a, &b| pts[a].0.total_cmp(&pts[b].0));
    let mut parent: Vec<u32> = (0..pts.len() as u32).collect();
    for (k, &i) in order.iter().enumerate() {
        let (ui, vi, eui, evi) = pts[i];
        let mut best: Option<(f32, usize)> = None;
        for &j in &order[k + 1..] {
            let (uj, vj, euj, evj) = pts[j];
            let hmax = evi.max(evj);
            let gap = (uj - euj / 2.0) - (ui + eui / 2.0);
            if uj - ui > 200.0 || gap > max_gap * hmax {
                if uj - ui > 200.0 {
                    break;
                }
                continue;
            }
            let ratio = evj / evi.max(0.5);
            if !(0.4..=2.5).contains(&ratio) || (vj - vi).abs() > 0.35 * hmax {
                continue;
            }
            if best.is_none_or(|b| gap < b.0) {
                best = Some((gap, j));
            }
        }
        if let Some((_, j)) = best {
            union(&mut parent, i as u32, j as u32);
        }
    }
    let mut groups: std::collections::HashMap<u32, Vec<usize>> = std::collections::HashMap::new();
    for i in 0..pts.len() {
        let r = find(&mut parent, i as u32);
        groups.entry(r).or_default().push(i);
    }
    groups
        .into_values()
        .filter(|m| m.len() >= 3)
        .map(|m| {
            let mut members: Vec<(f32, f32, f32, f32)> = m.iter().map(|&i| pts[i]).collect();
            members.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut hs: Vec<f32> = members.iter().map(|p| p.3).collect();
            hs.sort_by(f32::total_cmp);
            let char_height = hs[hs.len() * 9 / 10];
            let (slope, v) = fit(&members);
            let u0 = members.first().map_or(0.0, |p| p.0 - p.2 / 2.0);
            let u1 = members.last().map_or(0.0, |p| p.0 + p.2 / 2.0);
            TextLine {
                members,
                u0,
                u1,
                v,
                slope,
                char_height,
            }
        })
        .collect()
}

/// Drops blobs at either end of a line that sit apart from it (noise, a
/// stamp's edge): their gap to the next blob is well over the line's
/// usual gap.
fn trim_ends(mut l: TextLine) -> Option<TextLine> {
    let edge_gap = |m: &[(f32, f32, f32, f32)], i: usize| {
        (m[i + 1].0 - m[i + 1].2 / 2.0) - (m[i].0 + m[i].2 / 2.0)
    };
    if l.members.len() < 4 {
        return Some(l);
    }
    let mut gaps: Vec<f32> = (0..l.members.len() - 1)
        .map(|i| edge_gap(&l.members, i))
        .collect();
    gaps.sort_by(f32::total_cmp);
    let usual = gaps[gaps.len() / 2].max(0.0);
    let limit = (3.0 * usual).max(0.9 * l.char_height);
    while l.members.len() > 3 && edge_gap(&l.members, 0) > limit {
        l.members.remove(0);
    }
    while l.members.len() > 3 && edge_gap(&l.members, l.members.len() - 2) > limit {
        l.members.pop();
    }
    let (slope, v) = fit(&l.members);
    l.slope = slope;
    l.v = v;
    l.u0 = l.members.first()?.0 - l.members.first()?.2 / 2.0;
    l.u1 = l.members.last()?.0 + l.members.last()?.2 / 2.0;
    Some(l)
}

/// Joins line pieces that continue each other (a gap, a lost blob or a
/// word space split them): same height, same track, close ends.
fn merge_collinear(mut lines: Vec<TextLine>) -> Vec<TextLine> {
    lines.sort_by(|a, b| a.u0.total_cmp(&b.u0));
    let mut out: Vec<TextLine> = Vec::with_capacity(lines.len());
    for l in lines {
        let h = l.char_height.max(1.0);
        let target = out.iter_mut().rev().find(|o| {
            let gap = l.u0 - o.u1;
            let v_at = |t: &TextLine, u: f32| t.slope * u + t.v;
            let hr = o.char_height / h;
            (-0.5 * h..=4.5 * h).contains(&gap)
                && (0.7..=1.45).contains(&hr)
                && (v_at(o, l.u0) - v_at(&l, l.u0)).abs() < 0.4 * h.max(o.char_height)
        });
        match target {
            Some(o) => absorb(o, l),
            None => out.push(l),
        }
    }
    out
}

/// Adds the blobs of `l` to `o` and refits `o`.
fn absorb(o: &mut TextLine, l: TextLine) {
    o.members.extend(l.members);
    o.members.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (slope, v) = fit(&o.members);
    o.slope = slope;
    o.v = v;
    o.u0 = o.u0.min(l.u0);
    o.u1 = o.u1.max(l.u1);
    let mut hs: Vec<f32> = o.members.iter().map(|p| p.3).collect();
    hs.sort_by(f32::total_cmp);
    o.char_height = hs[hs.len() * 9 / 10];
}

/// Joins two pieces of one track across a wide gap (a stamp, a hole, a
/// faded run of fillers) when a parallel neighbour one MRZ line pitch
/// away spans both: MRZ lines of a block are equally long (ICAO 9303-3
/// §4.4), so the neighbour vouches for the missing middle.
fn join_by_neighbours(mut lines: Vec<TextLine>) -> Vec<TextLine> {
    let v_at = |t: &TextLine, u: f32| t.slope * u + t.v;
    loop {
        lines.sort_by(|a, b| a.u0.total_cmp(&b.u0));
        let mut pair = None;
        'search: for i in 0..lines.len() {
            for j in 0..lines.len() {
                let (a, b) = (&lines[i], &lines[j]);
                let h = a.char_height.max(b.char_height).max(1.0);
                let gap = b.u0 - a.u1;
                let same_track = (v_at(a, b.u0) - v_at(b, b.u0)).abs() < 0.4 * h
                    && (0.7..=1.45).contains(&(a.char_height / b.char_height.max(1.0)));
                if i == j || !(-0.5 * h..=14.0 * h).contains(&gap) || !same_track {
                    continue;
                }
                let vouched = lines.iter().enumerate().any(|(k, n)| {
                    let dv = (n.v - v_at(a, 0.0)).abs();
                    k != i
                        && k != j
                        && (1.3 * h..=2.9 * h).contains(&dv)
                        && (n.u1 - n.u0) >= 18.0 * h
                        && n.u0 <= a.u0 + 2.0 * h
                        && n.u1 >= b.u1 - 2.0 * h
                });
                if !vouched {
                    continue;
                }
                // The joined line must still be one straight track: pieces
                // of two different lines would tilt it or scatter it.
                let mut joined = a.clone();
                absorb(&mut joined, b.clone());
                #[allow(clippy::cast_precision_loss)] // blob counts
                let spread = (joined
                    .members
                    .iter()
                    .map(|m| (m.1 - v_at(&joined, m.0)).powi(2))
                    .sum::<f32>()
                    / joined.members.len() as f32)
                    .sqrt();
                let straight = joined.slope.abs() <= a.slope.abs().max(b.slope.abs()) + 0.01
                    && spread < 0.2 * h;
                if straight {
                    pair = Some((i, j));
                    break 'search;
                }
            }
        }
        let Some((i, j)) = pair else {
            return lines;
        };
        let b = lines.remove(j);
        let i = if j < i { i - 1 } else { i };
        absorb(&mut lines[i], b);
    }
}

/// Least-squares v = slope·u + intercept; returns (slope, v at the mean u
/// shifted to u = 0, i.e. the intercept).
fn fit(p: &[(f32, f32, f32, f32)]) -> (f32, f32) {
    #[allow(clippy::cast_precision_loss)] // small counts
    let n = p.len() as f32;
    let mu = p.iter().map(|q| q.0).sum::<f32>() / n;
    let mv = p.iter().map(|q| q.1).sum::<f32>() / n;
    let suu: f32 = p.iter().map(|q| (q.0 - mu) * (q.0 - mu)).sum();
    let suv: f32 = p.iter().map(|q| (q.0 - mu) * (q.1 - mv)).sum();
    let slope = if suu > 1e-3 { suv / suu } else { 0.0 };
    (slope, mv - slope * mu)
}

/// Whether a line looks like an MRZ line: long (28 to 48 pitches of about
/// 1.1 character heights) and evenly filled with characters.
fn mrz_like(l: &TextLine) -> bool {
    let len = l.u1 - l.u0;
    let h = l.char_height.max(1.0);
    #[allow(clippy::cast_precision_loss)] // small counts
    let density = l.members.len() as f32 / (len / h);
    (18.0..=75.0).contains(&(len / h)) && density > 0.25 && l.slope.abs() < 0.05
}

/// A block found along a direction: (key, index of the direction, lines
/// of the block).
type Found = ((usize, usize), usize, Vec<usize>);

/// Finds the MRZ block of a grey image, in input pixels: the first of
/// [`find_mrz_candidates`].
#[must_use]
pub fn find_mrz(img: &GrayImage) -> Option<MrzBlock> {
    find_mrz_candidates(img, 1).into_iter().next()
}

/// Up to `max` candidate MRZ blocks of a grey image, in input pixels, the
/// most MRZ-like first (3 lines before 2, then more characters). A
/// document's printed fields can make a block of 3 long lines that outranks
/// its 2-line MRZ; the reader verifies candidates in this order
/// (`read_mrz`). A candidate whose lines all lie on an earlier candidate's
/// lines (the same block seen along the opposite direction, or a part of
/// it) is left out.
#[must_use]
pub fn find_mrz_candidates(img: &GrayImage, max: usize) -> Vec<MrzBlock> {
    TextGlyphs::of(img).mrz_candidates(max)
}

/// The character-sized blobs of a grey image at the working resolution:
/// computed once, they serve both the MRZ search and the printed lines'.
#[derive(Debug, Clone)]
pub struct TextGlyphs {
    glyphs: Vec<Glyph>,
    scale: f32,
}

impl TextGlyphs {
    /// The glyphs of `img`.
    #[must_use]
    pub fn of(img: &GrayImage) -> Self {
        let (work, scale) = reduce(img);
        Self {
            glyphs: glyphs(&blobs(&work)),
            scale,
        }
    }

    /// [`find_mrz_candidates`] on these glyphs.
    #[must_use]
    pub fn mrz_candidates(&self, max: usize) -> Vec<MrzBlock> {
        mrz_candidates(&self.glyphs, self.scale, max)
    }

    /// Every text line of at least `min_glyphs` characters running along
    /// `angle_deg` (degrees clockwise from the x axis, e.g. an MRZ's
    /// `angle_deg`), in input pixels, each with its own character height:
    /// where the printed data of a document of unknown design can be read.
    /// Characters closer than 0.9 heights chain into one line, so the words
    /// of a value join while two fields side by side, a label above the
    /// value and the next column stay apart.
    #[must_use]
    pub fn text_lines(&self, angle_deg: f32, min_glyphs: usize) -> Vec<LineGeometry> {
        print_lines(&self.glyphs, self.scale, angle_deg, min_glyphs)
    }
}

/// A long line this far off its direction (radians, about 1.7° to 8.5°)
/// gets its own direction tried: beyond `mrz_like`'s straightness but
/// within what perspective and curl give.
const ASKEW_MIN: f32 = 0.03;
const ASKEW_MAX: f32 = 0.15;
/// Directions tried at most (text directions and askew lines together).
const MAX_DIRECTIONS: usize = 12;

fn mrz_candidates(g: &[Glyph], scale: f32, max: usize) -> Vec<MrzBlock> {
    let debug = std::env::var_os("DOCSCREEN_DEBUG_MRZ").is_some();
    let mut directions: Vec<(f32, Vec<TextLine>)> = Vec::new();
    let mut found: Vec<Found> = Vec::new();
    // Directions to try: the text directions (refined), then those of long
    // lines that run askew to the direction they were found along. Under
    // perspective, or on a curved page, the MRZ at one edge can run a few
    // degrees off the printed fields that set the refined direction, too
    // far off to pass as a straight line (`mrz_like`).
    let mut queue: Vec<(f32, bool)> = text_directions(g).into_iter().map(|t| (t, true)).collect();
    let mut k = 0;
    while k < queue.len() {
        let (mut theta, refine) = queue[k];
        k += 1;
        let mut lines = text_lines(g, theta.cos(), theta.sin());
        // Refine the direction on the long lines it finds: the histogram
        // has 1° bins and clutter can pull its peak.
        for _ in 0..if refine { 2 } else { 0 } {
            let mut slopes: Vec<f32> = lines
                .iter()
                .filter(|l| l.members.len() >= 12)
                .map(|l| l.slope)
                .collect();
            if slopes.is_empty() {
                break;
            }
            slopes.sort_by(f32::total_cmp);
            let slope = slopes[slopes.len() / 2];
            if slope.abs() < 0.004 {
                break;
            }
            theta += slope.atan();
            lines = text_lines(g, theta.cos(), theta.sin());
        }
        if debug {
            for l in &lines {
                #[allow(clippy::print_stderr)] // a developer's switch
                {
                    eprintln!(
                        "theta={:.1} line n={} u0={:.0} u1={:.0} v={:.1} h={:.1} slope={:.3} mrz_like={}",
                        theta.to_degrees(),
                        l.members.len(),
                        l.u0,
                        l.u1,
                        l.v,
                        l.char_height,
                        l.slope,
                        mrz_like(l)
                    );
                }
            }
        }
        if refine {
            for l in &lines {
                let off = l.slope.atan();
                let askew = (ASKEW_MIN..=ASKEW_MAX).contains(&off.abs());
                if askew && l.members.len() >= 18 && queue.len() < MAX_DIRECTIONS {
                    let t = theta + off;
                    if !queue.iter().any(|q| (q.0 - t).abs() < 0.5f32.to_radians()) {
                        queue.push((t, false));
                    }
                }
            }
        }
        let lines: Vec<TextLine> = lines.into_iter().filter(mrz_like).collect();
        let d = directions.len();
        found.extend(blocks(&lines).into_iter().map(|(key, set)| (key, d, set)));
        directions.push((theta, lines));
    }
    // Best first; on a tie the earlier direction (a stable sort). Blocks
    // along an askew line's own direction come after every block along a
    // text direction: they stand in where the text directions found no
    // MRZ, and never displace one (a photographed page behind a document
    // has long tilted lines of its own).
    let refined = queue.iter().filter(|q| q.1).count();
    found.sort_by_key(|b| std::cmp::Reverse((b.1 < refined, b.0)));
    let mut out: Vec<MrzBlock> = Vec::new();
    for (_, d, set) in found {
        if out.len() >= max {
            break;
        }
        let (theta, lines) = &directions[d];
        let block = to_input(*theta, lines, &set, scale);
        if !out.iter().any(|o| covers(o, &block)) {
            out.push(block);
        }
    }
    out
}

/// The widest gap between characters of one printed value, in character
/// heights (a word space is about half a height).
const PRINT_GAP: f32 = 0.9;

fn print_lines(g: &[Glyph], scale: f32, angle_deg: f32, min_glyphs: usize) -> Vec<LineGeometry> {
    let theta = angle_deg.to_radians();
    let (c, s) = (theta.cos(), theta.sin());
    let to_xy = |u: f32, v: f32| [(u * c - v * s) / scale, (u * s + v * c) / scale];
    chain(g, c, s, PRINT_GAP)
        .into_iter()
        .filter_map(trim_ends)
        .filter(|l| l.members.len() >= min_glyphs)
        .map(|l| LineGeometry {
            start: to_xy(l.u0, l.slope * l.u0 + l.v),
            end: to_xy(l.u1, l.slope * l.u1 + l.v),
            char_height: l.char_height / scale,
            blobs: l.members.len(),
        })
        .collect()
}

/// Whether every line of `b` lies on a line of `a`: its middle within
/// half a character height of `a`'s line and between its ends (the same
/// line seen along the opposite direction, or a part of it).
fn covers(a: &MrzBlock, b: &MrzBlock) -> bool {
    b.lines.iter().all(|lb| {
        let m = [
            f32::midpoint(lb.start[0], lb.end[0]),
            f32::midpoint(lb.start[1], lb.end[1]),
        ];
        a.lines.iter().any(|la| {
            let d = la.direction();
            let (dx, dy) = (m[0] - la.start[0], m[1] - la.start[1]);
            let along = dx * d[0] + dy * d[1];
            let across = (dy * d[0] - dx * d[1]).abs();
            across < 0.5 * la.char_height.max(lb.char_height)
                && (0.0..=la.length()).contains(&along)
        })
    })
}

/// The block `set` of `lines` (found along `theta` at `scale`) in input
/// pixels, with one font size and one length for all its lines.
fn to_input(theta: f32, lines: &[TextLine], set: &[usize], scale: f32) -> MrzBlock {
    let (c, s) = (theta.cos(), theta.sin());
    // Back to input pixels: (u, v) → (x, y) = u·(c, s) + v·(−s, c).
    let to_xy = |u: f32, v: f32| [(u * c - v * s) / scale, (u * s + v * c) / scale];
    // One font size for the whole block.
    let mut heights: Vec<f32> = set.iter().map(|&i| lines[i].char_height).collect();
    heights.sort_by(f32::total_cmp);
    let block_height = heights[heights.len() / 2];
    // One length too: MRZ lines of a format are equally long, and a line
    // broken by a scratch or a stain is completed by its neighbours.
    let u0 = set
        .iter()
        .map(|&i| lines[i].u0)
        .fold(f32::INFINITY, f32::min);
    let u1 = set
        .iter()
        .map(|&i| lines[i].u1)
        .fold(f32::NEG_INFINITY, f32::max);
    let out = set
        .iter()
        .map(|&i| {
            let l = &lines[i];
            let v0 = l.slope * u0 + l.v;
            let v1 = l.slope * u1 + l.v;
            LineGeometry {
                start: to_xy(u0, v0),
                end: to_xy(u1, v1),
                char_height: block_height / scale,
                blobs: l.members.len(),
            }
        })
        .collect();
    MrzBlock { lines: out }
}

/// Every set of 2 or 3 lines that could be an MRZ block: parallel
/// neighbours of similar length and start, spaced 1.15 to 2.9 character
/// heights, keyed by (lines, characters). One set per first line (the
/// greedy chain down from it), best first.
fn blocks(lines: &[TextLine]) -> Vec<((usize, usize), Vec<usize>)> {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by(|&a, &b| lines[a].v.total_cmp(&lines[b].v));
    let fits = |a: &TextLine, b: &TextLine| {
        let h = a.char_height.max(b.char_height).max(1.0);
        let gap = b.v - a.v;
        let (la, lb) = (a.u1 - a.u0, b.u1 - b.u0);
        let overlap = a.u1.min(b.u1) - a.u0.max(b.u0);
        (1.15 * h..=2.9 * h).contains(&gap)
            && overlap > 0.5 * la.max(lb)
            && (a.char_height / b.char_height - 1.0).abs() < 0.45
    };
    let mut out: Vec<((usize, usize), Vec<usize>)> = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let mut set = vec![i];
        for &j in &order[k + 1..] {
            let last = &lines[*set.last().unwrap_or(&i)];
            if fits(last, &lines[j]) {
                set.push(j);
                if set.len() == 3 {
                    break;
                }
            }
        }
        if set.len() < 2 {
            continue;
        }
        let chars: usize = set.iter().map(|&m| lines[m].members.len()).sum();
        out.push(((set.len(), chars), set));
    }
    // Best first; on a tie the first line higher up (a stable sort).
    out.sort_by_key(|b| std::cmp::Reverse(b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_moments_of_a_rectangle() {
        let mut b = Blob::default();
        for y in 10..20 {
            b.add_run(y, 5, 8);
        }
        assert!((b.n - 40.0).abs() < 1e-9);
        let (mx, my) = (b.sx / b.n, b.sy / b.n);
        assert!((mx - 6.5).abs() < 1e-9 && (my - 14.5).abs() < 1e-9);
        // A 4×10 box: variance (n²−1)/12 per axis.
        assert!((b.sxx / b.n - mx * mx - 15.0 / 12.0).abs() < 1e-9);
        assert!((b.syy / b.n - my * my - 99.0 / 12.0).abs() < 1e-9);
    }

    #[test]
    fn no_mrz_on_a_blank_page() {
        let img = GrayImage::from_pixel(800, 600, image::Luma([230]));
        assert!(find_mrz(&img).is_none());
    }

    /// A line of `n` characters (pitch 11, height 10) from `u0` on track `v`.
    #[allow(clippy::cast_precision_loss)] // small counts
    fn line(u0: f32, n: usize, v: f32) -> TextLine {
        let members: Vec<(f32, f32, f32, f32)> = (0..n)
            .map(|k| (u0 + 5.0 + 11.0 * k as f32, v, 8.0, 10.0))
            .collect();
        TextLine {
            u0,
            u1: u0 + 11.0 * n as f32,
            v,
            slope: 0.0,
            char_height: 10.0,
            members,
        }
    }

    /// Black ink stays dark in the ink view; a blue band and a red stamp
    /// as dark as it in luma come out light.
    #[test]
    fn the_ink_view_keeps_black_and_drops_colour() {
        let img = image::RgbImage::from_fn(3, 1, |x, _| match x {
            0 => image::Rgb([30, 30, 35]),
            1 => image::Rgb([40, 70, 210]),
            _ => image::Rgb([200, 40, 40]),
        });
        let luma = image::imageops::grayscale(&img);
        let ink = ink_grey(&img);
        assert!(luma.get_pixel(1, 0)[0] < 90 && luma.get_pixel(2, 0)[0] < 90);
        assert!(ink.get_pixel(0, 0)[0] < 40);
        assert!(ink.get_pixel(1, 0)[0] > 200 && ink.get_pixel(2, 0)[0] > 190);
    }

    /// Three printed lines outrank a 2-line MRZ further down, and both
    /// are offered; lines spaced 1.2 heights (a tight TD1) still make a
    /// block; a part of an earlier candidate is not offered again.
    #[test]
    fn every_block_is_a_candidate_best_first() {
        let lines = vec![
            line(0.0, 30, 100.0),
            line(0.0, 28, 120.0),
            line(0.0, 25, 140.0),
            line(0.0, 44, 400.0),
            line(0.0, 44, 420.0),
            line(0.0, 30, 700.0),
            line(0.0, 30, 712.0),
        ];
        let found = blocks(&lines);
        let sets: Vec<&Vec<usize>> = found.iter().map(|b| &b.1).collect();
        assert_eq!(sets[0], &vec![0, 1, 2]);
        assert!(sets.contains(&&vec![3, 4]), "{sets:?}");
        assert!(sets.contains(&&vec![5, 6]), "{sets:?}");
        let whole = to_input(0.0, &lines, &[0, 1, 2], 1.0);
        let part = to_input(0.0, &lines, &[1, 2], 1.0);
        let other = to_input(0.0, &lines, &[3, 4], 1.0);
        assert!(covers(&whole, &part));
        assert!(!covers(&whole, &other));
        let flipped = MrzBlock {
            lines: whole
                .lines
                .iter()
                .rev()
                .map(LineGeometry::reversed)
                .collect(),
        };
        assert!(covers(&whole, &flipped));
    }

    #[test]
    fn a_line_broken_by_a_wide_gap_is_joined_when_its_neighbour_spans_it() {
        // 44 characters: pieces 0..12 and 22..44, 10 characters apart.
        let (a, b) = (line(0.0, 12, 100.0), line(242.0, 22, 100.5));
        let whole = line(0.0, 44, 125.0);
        let joined = join_by_neighbours(vec![a.clone(), b.clone(), whole.clone()]);
        assert_eq!(joined.len(), 2);
        assert!(
            joined
                .iter()
                .any(|l| l.members.len() == 34 && l.u0.abs() < 1e-3 && (l.u1 - 484.0).abs() < 1e-3)
        );
        // Without a neighbour, or with one too far away, the pieces stay apart.
        assert_eq!(join_by_neighbours(vec![a.clone(), b.clone()]).len(), 2);
        assert_eq!(
            join_by_neighbours(vec![a, b, line(0.0, 44, 160.0)]).len(),
            3
        );
    }

    /// Glyphs of a line of `n` characters (8 × 10, pitch 11) starting at
    /// (`x`, `y`) along `angle` (radians).
    #[allow(clippy::cast_precision_loss)] // small counts
    fn glyph_line(x: f32, y: f32, n: usize, angle: f32) -> Vec<Glyph> {
        let (c, s) = (angle.cos(), angle.sin());
        let (a, b) = (64.0 / 12.0, 100.0 / 12.0);
        (0..n)
            .map(|k| Glyph {
                cx: x + 11.0 * k as f32 * c,
                cy: y + 11.0 * k as f32 * s,
                size: 10.0,
                vxx: a * c * c + b * s * s,
                vyy: a * s * s + b * c * c,
                vxy: (a - b) * s * c,
                long: false,
            })
            .collect()
    }

    /// Perspective: an MRZ running 4° off the printed fields, which set
    /// the text direction, is still found (along its own direction).
    #[test]
    fn an_mrz_askew_to_the_fields_is_found() {
        let mut g = Vec::new();
        for row in 0..12 {
            #[allow(clippy::cast_precision_loss)]
            let y = 40.0 + 22.0 * row as f32;
            g.extend(glyph_line(40.0, y, 16, 0.0));
            g.extend(glyph_line(260.0, y, 16, 0.0));
        }
        let tilt = 4f32.to_radians();
        g.extend(glyph_line(40.0, 340.0, 44, tilt));
        g.extend(glyph_line(
            40.0 - 16.0 * tilt.sin(),
            340.0 + 16.0 * tilt.cos(),
            44,
            tilt,
        ));
        let found = mrz_candidates(&g, 1.0, 4);
        let askew = |b: &MrzBlock| {
            b.lines.len() == 2
                && b.lines.iter().all(|l| {
                    let d = l.direction();
                    l.blobs >= 40 && (d[1].atan2(d[0]).abs().to_degrees() - 4.0).abs() < 1.0
                })
        };
        assert!(found.iter().any(askew), "{found:?}");
    }

    #[test]
    fn tiny_images_do_not_panic() {
        for (w, h) in [(0, 0), (1, 1), (3, 900), (900, 3)] {
            assert!(find_mrz(&GrayImage::new(w, h)).is_none());
        }
    }
}
