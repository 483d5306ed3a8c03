//! Copy-move (cloning): a patch of the document repeated elsewhere on it,
//! possibly slightly rotated or scaled.
//!
//! Corners of the reduced page are found to a fraction of a pixel and
//! described by the patch around them (`keys`); each is matched to its
//! nearest neighbour elsewhere through locality-sensitive hashing, kept
//! only when clearly closer than every other look-alike (the 2-NN test);
//! matches vote for their displacement; each well-supported displacement
//! whose sources form one compact cluster gets a similarity transform
//! fitted, its box widened to where source and destination stop agreeing,
//! and the transform is then verified pixel by pixel. (Blocks on a fixed
//! grid, the first version, met a clone moved by an odd number of pixels
//! half a grid step off, and their coarse descriptors could not tell a
//! clone of two or three characters from the other prints of the same
//! glyphs.)
//!
//! Before that verification, two searches that are certain where they
//! find something: a pixel-exact twin anywhere in the document (`twins`,
//! a clone saved losslessly), and a near twin at the displacement of a
//! candidate that is a plain shift (`near`, a clone saved as JPEG
//! afterwards, compared tile by tile at full resolution).
//!
//! Genuine documents repeat things: glyphs, words, MRZ fillers, periodic
//! security backgrounds. Four rules keep them out:
//! - a corner with a second look-alike about as close is not matched;
//! - a displacement that also maps the region onto itself one step further
//!   (the source matches the source shifted back by the same displacement)
//!   is a period of the pattern, not a copy;
//! - the evidence is the agreement of the *background* between source and
//!   destination (the pixels that are not ink): a clone carries its
//!   background with it, a word printed twice does not. Where that
//!   background is flat the two cannot be told apart, and the score stays
//!   low;
//! - a displacement seen elsewhere on the page too is a designed repeat.

// Pixel maths: coordinates are small, non-negative and clamped; the
// conventional short names (x, y, w, h, a, b, g) read best.
#![allow(
    clippy::many_single_char_names,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

use std::collections::HashMap;

use super::keys::{self, KD, Key};
use super::near::{self, NearTwin};
use super::twins;
use super::work::{self, Grey};
use super::{Evidence, Finding};
use crate::Page;

/// The score of a pixel-exact twin (`twins`), and of a near twin of
/// [`NEAR_SURE_TILES`] or more (`near`): scanner noise never repeats, so
/// it is certain.
pub const EXACT_TWIN_SCORE: f32 = 1.0;
/// The largest side of the copy-move detector's working view: a passport
/// page at 300 dpi is searched at full resolution, where a clone saved as
/// JPEG still agrees with its source to the pixel (`near`).
const COPY_MOVE_SIDE: u32 = 1600;
/// The highest score of a look-alike found by keypoints.
const LOOK_ALIKE_MAX: f32 = 0.99;

/// Half-width of a keypoint's verification box, reduced pixels (about
/// 2 mm on a passport), and the strip by which verification looks around
/// a patch.
const B: usize = 12;
/// Patches flatter than this (grey-level standard deviation) are no
/// evidence.
const MIN_STD: f32 = 5.0;
/// Smallest displacement considered, reduced pixels.
const MIN_SHIFT: i32 = 16;
/// Displacement vote bins, reduced pixels.
const BIN: i32 = 4;
/// Fewest pairs behind a displacement.
const MIN_PAIRS: usize = 3;
/// Displacements verified.
const CANDIDATES: usize = 16;
/// Displacement bins looked at (the best supported first).
const MAX_BINS: usize = 600;
/// Hash tables and bits per table of the keypoint matching.
const KEY_TABLES: usize = 4;
const KEY_BITS: usize = 11;
/// Neighbours compared in a bucket, in the order of a further projection.
const KEY_NEIGHBOURS: usize = 10;
/// Largest ratio of the best distant match's descriptor distance to the
/// next look-alike's (the 2-NN test), over the noise floor.
const KEY_RATIO: f32 = 0.7;
/// Largest descriptor distance (Euclidean, unit descriptors) of a match.
const KEY_MAX_DIST: f32 = 0.45;
/// Descriptor distance of scanner noise alone.
const KEY_NOISE: f32 = 0.05;

/// A verified duplicate, in reduced pixels.
#[derive(Debug, Clone)]
struct Clone_ {
    score: f32,
    src: [[f32; 2]; 4],
    dst: [[f32; 2]; 4],
    angle_deg: f32,
    scale: f32,
}

/// Looks for a duplicated region on the document.
#[must_use]
pub fn copy_move(page: &Page, corners: Option<&[[f32; 2]; 4]>) -> Finding {
    let img = &page.image;
    let b = work::doc_box(img, corners, 0.01);
    // A pixel-exact twin first: certain where it exists.
    if let Some(t) = twins::exact_twin(img, b, corners) {
        return both_copies(
            EXACT_TWIN_SCORE,
            format!(
                "a patch of the document appears twice pixel for pixel, its scanner noise included \
                 ({} matching windows; both copies marked): it was copied on the file",
                t.votes
            ),
            t.src,
            t.dst,
        );
    }
    let f = work::factor_for(b, COPY_MOVE_SIDE);
    let g = work::reduce(img, b, f);
    if g.w < 3 * B || g.h < 3 * B {
        return Finding::not_performed("the document is too small to look for cloned patches");
    }
    // The document quad in reduced pixels, to keep the scanner bed out.
    let quad = corners.map(|c| c.map(|p| [(p[0] - g.x0) / g.f, (p[1] - g.y0) / g.f]));
    let pairs = match_keys(&keys::keypoints(&g, quad.as_ref()));
    // Clones larger than a quarter of the document's long side are out of
    // scope (see `candidates`).
    let side = g.w.max(g.h) as f32 * 0.25;
    let groups = candidates(&pairs, [side, side]);
    if let Some(t) = near_twin(img, &g, &groups) {
        return both_copies(
            if t.tiles >= NEAR_SURE_TILES {
                EXACT_TWIN_SCORE
            } else {
                LOOK_ALIKE_MAX
            },
            format!(
                "a patch of the document appears twice, moved by whole pixels and differing only by \
                 the rounding of a later JPEG save ({} matching 8-pixel tiles; both copies marked): \
                 it was copied on the file",
                t.tiles
            ),
            t.src,
            t.dst,
        );
    }
    let detail = detail_view(&g);
    let best = groups
        .into_iter()
        .filter_map(|group| verify(&g, &detail, &group, &pairs))
        .max_by(|a, b| a.score.total_cmp(&b.score));
    let Some(c) = best else {
        return Finding::nothing("no duplicated region found on the document");
    };
    let to_in = |q: [[f32; 2]; 4]| q.map(|p| g.to_input(p[0], p[1]));
    let transform = if c.angle_deg.abs() >= 1.0 || (c.scale - 1.0).abs() >= 0.03 {
        format!(
            ", turned by {:.0}° and scaled by {:.2}",
            c.angle_deg, c.scale
        )
    } else {
        String::new()
    };
    Finding {
        // Below an exact twin's: a look-alike is never as sure.
        score: c.score.min(LOOK_ALIKE_MAX),
        message: format!(
            "a patch of the document appears twice (source and destination marked{transform}): \
             part of it may have been cloned over other content"
        ),
        regions: vec![
            Evidence {
                label: "copy-move source".into(),
                quad: to_in(c.src),
            },
            Evidence {
                label: "copy-move destination".into(),
                quad: to_in(c.dst),
            },
        ],
        performed: true,
    }
}

/// A twin's finding: both copies marked (boxes `x0, y0, x1, y1` in input
/// pixels).
fn both_copies(score: f32, message: String, src: [f32; 4], dst: [f32; 4]) -> Finding {
    let q = |r: [f32; 4]| work::rect_quad(r[0], r[1], r[2], r[3]);
    Finding {
        score,
        message,
        regions: vec![
            Evidence {
                label: "copy-move: one copy".into(),
                quad: q(src),
            },
            Evidence {
                label: "copy-move: the other copy".into(),
                quad: q(dst),
            },
        ],
        performed: true,
    }
}

/// The box of a group's sources widened by `pad` on every side, reduced
/// pixels (`x0, y0, x1, y1`).
fn sources_box(group: &[Pair], pad: f32) -> [f32; 4] {
    let lo = |i: usize| group.iter().map(|p| p.p[i]).fold(f32::INFINITY, f32::min) - pad;
    let hi = |i: usize| {
        group
            .iter()
            .map(|p| p.p[i])
            .fold(f32::NEG_INFINITY, f32::max)
            + pad
    };
    [lo(0), lo(1), hi(0), hi(1)]
}

/// Fewest clone tiles of a near twin (`near`): fewer are no evidence.
/// Below [`NEAR_SURE_TILES`] a near twin counts as a look-alike: before
/// the soft-tile rule, genuine scans gave up to 9 (seed 8080: 3 of 400
/// from 6 up, text repeated by whole pixels on low-noise scans), and
/// JPEG-saved clones up to 73.
const NEAR_MIN_TILES: u32 = 6;
/// Clone tiles from which a near twin is as sure as an exact one (no
/// genuine scan of calibration 4242, seed 8080 or the copy-move sets got
/// there once the phase and disagreement rules applied).
const NEAR_SURE_TILES: u32 = 12;
/// Largest sub-pixel offset of a near twin's best agreement from its
/// whole-pixel displacement, pixels: a clone agrees at the displacement
/// itself, a repeated print at whatever phase the page's design put it.
/// Calibration 4242 and the copy-move sets 3131 and 3232: clones of 12
/// tiles or more within 0.027; genuine repeats of 6-9 tiles (a document
/// number printed twice, a label repeated on a 300-dpi scan) at 0.031 and
/// over on one axis.
const NEAR_MAX_PHASE: f32 = 0.03;
/// Most textured tiles disagreeing inside a near twin's outline (between
/// clone tiles of one row and of one column), per clone tile: a name
/// printed twice over different background lines agrees in its letters
/// only (calibration 4242: one genuine scan at 2.9). Counted over the
/// clone tiles' whole box, a long value cloned on a page scanned at a
/// slant failed here (copy-move set 3131: 138 for 40 clone tiles); over
/// the outline, 0 (and 6 more clones of sets 3131 and 3232 are found, no
/// genuine scan of those sets, seed 8080 or calibration 4242 changes).
const NEAR_MAX_DISAGREE: u32 = 2;
/// Fewest soft clone tiles (scanner noise or a fine background that
/// agrees, not ink edges alone), and at least one in [`NEAR_SOFT_SHARE`]
/// of the clone tiles: a clone carries its paper's texture along, a word
/// printed twice on flat, noise-free paper agrees in its ink edges only.
/// Peer images: specimens rendered by software, 4 of 47 with such words
/// (6-16 tiles, none soft), and a SIDTD composition printing a surname
/// twice (94 tiles, 3 soft). Copy-move sets 3131 and 3232: 36 of 44
/// digital near twins pass both; genuine and paper ones at most 1 soft.
const NEAR_MIN_SOFT: u32 = 3;
const NEAR_SOFT_SHARE: u32 = 8;
/// Near twins at more displacements than this: a noise-free rendered page
/// whose glyphs repeat by whole pixels; no evidence there.
const NEAR_MAX_SHIFTS: usize = 3;

/// The best near twin among the candidate displacements that move a patch
/// without turning or scaling it (what a clone tool does by default).
fn near_twin(img: &image::RgbImage, g: &Grey, groups: &[Vec<Pair>]) -> Option<NearTwin> {
    let mut found: Vec<NearTwin> = Vec::new();
    for group in groups {
        let t = robust_fit(group);
        if t.b.abs() > 0.01 || (t.a - 1.0).abs() > 0.01 {
            continue;
        }
        let [x0, y0, x1, y1] = sources_box(group, B as f32);
        let (a, b) = (g.to_input(x0, y0), g.to_input(x1, y1));
        let c = [f32::midpoint(x0, x1), f32::midpoint(y0, y1)];
        let m = t.map(c);
        let shift = [(m[0] - c[0]) * g.f, (m[1] - c[1]) * g.f];
        let radius = g.f.round() as i32 + 2;
        if let Some(n) = near::near_twin(img, [a[0], a[1], b[0], b[1]], shift, radius)
            && n.tiles >= NEAR_MIN_TILES
            && n.phase.iter().all(|p| p.abs() <= NEAR_MAX_PHASE)
            && n.disagree <= NEAR_MAX_DISAGREE * n.tiles
            && n.soft >= NEAR_MIN_SOFT
            && n.soft * NEAR_SOFT_SHARE >= n.tiles
        {
            found.push(n);
        }
    }
    found.sort_by(|a, b| b.tiles.cmp(&a.tiles).then(a.shift.cmp(&b.shift)));
    let mut shifts: Vec<[i32; 2]> = found.iter().map(|n| n.shift).collect();
    shifts.sort_unstable();
    shifts.dedup();
    if shifts.len() > NEAR_MAX_SHIFTS {
        return None;
    }
    found.into_iter().next()
}

/// A pair of matched keypoints: source and destination, reduced pixels,
/// the displacement pointing down (or right on the same row).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pair {
    p: [f32; 2],
    q: [f32; 2],
}

/// Each keypoint's nearest neighbour far enough away, kept when it passes
/// the 2-NN test against every other look-alike (near ones included: a
/// fine period of the pattern makes any match ambiguous).
fn match_keys(keys: &[Key]) -> Vec<Pair> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let planes: Vec<[f32; KD]> = (0..=KEY_TABLES * KEY_BITS)
        .map(|_| {
            let mut p = [0.0f32; KD];
            for v in &mut p {
                // A sum of uniforms: near-Gaussian directions.
                *v = next() + next() + next();
            }
            p
        })
        .collect();
    let order = &planes[KEY_TABLES * KEY_BITS];
    let proj: Vec<f32> = keys.iter().map(|k| keys::dot(&k.d, order)).collect();
    // Per key: the three closest others seen (distance², index).
    let n = keys.len();
    let mut top: Vec<[(f32, u32); 3]> = vec![[(f32::INFINITY, u32::MAX); 3]; n];
    let offer = |slot: &mut [(f32, u32); 3], d: f32, j: u32| {
        if slot.iter().any(|s| s.1 == j) || d >= slot[2].0 {
            return;
        }
        slot[2] = (d, j);
        slot.sort_by(|a, b| a.0.total_cmp(&b.0));
    };
    for t in 0..KEY_TABLES {
        let mut keyed: Vec<(u32, f32, u32)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let mut h = 0u32;
                for (bit, p) in planes[t * KEY_BITS..(t + 1) * KEY_BITS].iter().enumerate() {
                    if keys::dot(&k.d, p) > 0.0 {
                        h |= 1 << bit;
                    }
                }
                (h, proj[i], i as u32)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        for (k, &(h, _, i)) in keyed.iter().enumerate() {
            for &(h2, _, j) in keyed.iter().skip(k + 1).take(KEY_NEIGHBOURS) {
                if h2 != h {
                    break;
                }
                let (a, b) = (&keys[i as usize], &keys[j as usize]);
                let d = (2.0 - 2.0 * keys::dot(&a.d, &b.d)).max(0.0);
                offer(&mut top[i as usize], d, j);
                offer(&mut top[j as usize], d, i);
            }
        }
    }
    let far = |a: [f32; 2], b: [f32; 2], r: f32| (a[0] - b[0]).abs().max((a[1] - b[1]).abs()) >= r;
    let mut found: Vec<(u32, u32)> = Vec::new();
    for (i, slot) in top.iter().enumerate() {
        let p = keys[i].p;
        // The best match far enough away to be another place.
        let Some(&(d1, j1)) = slot
            .iter()
            .find(|s| s.1 != u32::MAX && far(p, keys[s.1 as usize].p, MIN_SHIFT as f32))
        else {
            continue;
        };
        let d1 = d1.sqrt();
        if d1 > KEY_MAX_DIST {
            continue;
        }
        let q = keys[j1 as usize].p;
        // The next look-alike that is not the match's own neighbour.
        let d2 = slot
            .iter()
            .filter(|s| s.1 != u32::MAX && s.1 != j1 && far(q, keys[s.1 as usize].p, 3.0))
            .map(|s| s.0.sqrt())
            .next()
            .unwrap_or(KEY_MAX_DIST / KEY_RATIO);
        if d1 + KEY_NOISE > KEY_RATIO * (d2 + KEY_NOISE) {
            continue;
        }
        let down = q[1].total_cmp(&p[1]).then(q[0].total_cmp(&p[0])).is_gt();
        let i = i as u32;
        found.push(if down { (i, j1) } else { (j1, i) });
    }
    found.sort_unstable();
    found.dedup();
    found
        .into_iter()
        .map(|(i, j)| Pair {
            p: keys[i as usize].p,
            q: keys[j as usize].p,
        })
        .collect()
}

fn bin_of(pr: &Pair) -> (i32, i32) {
    let dx = (pr.q[0] - pr.p[0]) as i32;
    let dy = (pr.q[1] - pr.p[1]) as i32;
    (dx.div_euclid(BIN), dy.div_euclid(BIN))
}

/// Groups of pairs behind the supported displacements, split into
/// spatially connected clusters of sources; the best supported first.
fn candidates(pairs: &[Pair], max_extent: [f32; 2]) -> Vec<Vec<Pair>> {
    let mut votes: HashMap<(i32, i32), usize> = HashMap::new();
    for pr in pairs {
        *votes.entry(bin_of(pr)).or_default() += 1;
    }
    let around = |k: (i32, i32)| -> usize {
        let mut n = 0;
        for dy in -1..=1 {
            for dx in -1..=1 {
                n += votes.get(&(k.0 + dx, k.1 + dy)).copied().unwrap_or(0);
            }
        }
        n
    };
    let mut ranked: Vec<((i32, i32), usize)> = votes.keys().map(|&k| (k, around(k))).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut by_bin: HashMap<(i32, i32), Vec<usize>> = HashMap::new();
    for (i, pr) in pairs.iter().enumerate() {
        by_bin.entry(bin_of(pr)).or_default().push(i);
    }
    let mut chosen: Vec<(i32, i32)> = Vec::new();
    let mut out: Vec<(f32, Vec<Pair>)> = Vec::new();
    for (k, n) in ranked {
        if n < MIN_PAIRS || chosen.len() >= MAX_BINS {
            break;
        }
        if chosen
            .iter()
            .any(|c| (c.0 - k.0).abs() <= 1 && (c.1 - k.1).abs() <= 1)
        {
            continue;
        }
        chosen.push(k);
        let mut group: Vec<Pair> = Vec::new();
        for dy in -1..=1 {
            for dx in -1..=1 {
                if let Some(ix) = by_bin.get(&(k.0 + dx, k.1 + dy)) {
                    group.extend(ix.iter().map(|&i| pairs[i]));
                }
            }
        }
        group.truncate(1500);
        let total = group.len();
        for cluster in clusters(&group) {
            if cluster.len() < MIN_PAIRS {
                continue;
            }
            // A duplicated area larger than a field or a photo is a
            // repeated design element (borders, bands), not a clone.
            let ext = |i: usize| {
                let lo = cluster.iter().map(|p| p.p[i]).fold(f32::INFINITY, f32::min);
                let hi = cluster
                    .iter()
                    .map(|p| p.p[i])
                    .fold(f32::NEG_INFINITY, f32::max);
                hi - lo
            };
            if ext(0) <= max_extent[0] && ext(1) <= max_extent[1] {
                // Rank by support and by purity: a clone's displacement
                // occurs in one place, a design repeat's in many.
                let rank = (cluster.len() * cluster.len()) as f32 / total as f32;
                out.push((rank, cluster));
            }
        }
    }
    out.sort_by(|a, b| b.0.total_cmp(&a.0));
    out.truncate(CANDIDATES);
    // Displacement bins two apart share the bins between them, so one
    // cluster can come out of both: verify it once.
    let mut kept: Vec<Vec<Pair>> = Vec::with_capacity(out.len());
    for (_, c) in out {
        if !kept.contains(&c) {
            kept.push(c);
        }
    }
    kept
}

/// The sets of pairs whose sources are within a block of each other
/// (the gaps between words and glyphs must not split a moved value),
/// found through a grid of block-sized cells.
fn clusters(group: &[Pair]) -> Vec<Vec<Pair>> {
    let reach = B as f32;
    let cell = |p: [f32; 2]| ((p[0] / reach).floor() as i32, (p[1] / reach).floor() as i32);
    let mut grid: HashMap<(i32, i32), Vec<usize>> = HashMap::new();
    for (i, pr) in group.iter().enumerate() {
        grid.entry(cell(pr.p)).or_default().push(i);
    }
    let mut seen = vec![false; group.len()];
    let mut out = Vec::new();
    for s in 0..group.len() {
        if seen[s] {
            continue;
        }
        seen[s] = true;
        let mut members = vec![s];
        let mut k = 0;
        while k < members.len() {
            let a = group[members[k]].p;
            let (cx, cy) = cell(a);
            for gy in cy - 1..=cy + 1 {
                for gx in cx - 1..=cx + 1 {
                    for &j in grid.get(&(gx, gy)).map_or(&[][..], Vec::as_slice) {
                        let b = group[j].p;
                        if !seen[j] && (a[0] - b[0]).abs() <= reach && (a[1] - b[1]).abs() <= reach
                        {
                            seen[j] = true;
                            members.push(j);
                        }
                    }
                }
            }
            k += 1;
        }
        out.push(members.into_iter().map(|i| group[i]).collect());
    }
    out
}

/// A similarity transform `q = c_q + [a −b; b a](p − c_p)`.
#[derive(Debug, Clone, Copy)]
struct Similarity {
    cp: [f32; 2],
    cq: [f32; 2],
    a: f32,
    b: f32,
}

impl Similarity {
    fn fit(pairs: &[Pair]) -> Self {
        let n = pairs.len().max(1) as f32;
        let mut cp = [0.0f32; 2];
        let mut cq = [0.0f32; 2];
        for pr in pairs {
            cp[0] += pr.p[0] / n;
            cp[1] += pr.p[1] / n;
            cq[0] += pr.q[0] / n;
            cq[1] += pr.q[1] / n;
        }
        let (mut uu, mut uv, mut cross) = (0.0f32, 0.0f32, 0.0f32);
        for pr in pairs {
            let u = [pr.p[0] - cp[0], pr.p[1] - cp[1]];
            let v = [pr.q[0] - cq[0], pr.q[1] - cq[1]];
            uu += u[0] * u[0] + u[1] * u[1];
            uv += u[0] * v[0] + u[1] * v[1];
            cross += u[0] * v[1] - u[1] * v[0];
        }
        let (mut a, mut b) = if uu > 4.0 {
            (uv / uu, cross / uu)
        } else {
            (1.0, 0.0)
        };
        // Sources spread along a line (a word) fix the transform poorly:
        // beyond what a forger plausibly does, keep the plain shift.
        let scale = a.hypot(b);
        if !(0.8..=1.25).contains(&scale) || b.atan2(a).abs() > 20f32.to_radians() {
            (a, b) = (1.0, 0.0);
        }
        Self { cp, cq, a, b }
    }

    fn map(&self, p: [f32; 2]) -> [f32; 2] {
        let u = [p[0] - self.cp[0], p[1] - self.cp[1]];
        [
            self.cq[0] + self.a * u[0] - self.b * u[1],
            self.cq[1] + self.b * u[0] + self.a * u[1],
        ]
    }
}

/// A similarity fitted to the pairs that agree with the median
/// displacement (a merged cluster mixes a few stray look-alikes in), kept
/// only when it explains those pairs better than the plain shift.
fn robust_fit(group: &[Pair]) -> Similarity {
    let mut dx: Vec<f32> = group.iter().map(|p| p.q[0] - p.p[0]).collect();
    let mut dy: Vec<f32> = group.iter().map(|p| p.q[1] - p.p[1]).collect();
    let (mx, my) = (work::median(&mut dx), work::median(&mut dy));
    // Rotated or scaled clones spread their displacements: keep what a
    // few degrees over the cluster allow.
    let core: Vec<Pair> = group
        .iter()
        .filter(|p| (p.q[0] - p.p[0] - mx).abs() <= 6.0 && (p.q[1] - p.p[1] - my).abs() <= 6.0)
        .copied()
        .collect();
    let shift = |pairs: &[Pair]| {
        let n = pairs.len().max(1) as f32;
        let c = pairs
            .iter()
            .fold([0.0f32; 2], |a, p| [a[0] + p.p[0] / n, a[1] + p.p[1] / n]);
        Similarity {
            cp: c,
            cq: [c[0] + mx, c[1] + my],
            a: 1.0,
            b: 0.0,
        }
    };
    let plain = shift(&core);
    let fitted = Similarity::fit(&core);
    let err = |t: &Similarity| {
        core.iter()
            .map(|p| {
                let m = t.map(p.p);
                (m[0] - p.q[0]).hypot(m[1] - p.q[1])
            })
            .sum::<f32>()
    };
    if core.len() >= 4 && err(&fitted) < 0.8 * err(&plain) {
        fitted
    } else {
        plain
    }
}

/// Normalised cross-correlation of paired samples; `None` when either
/// side is flat.
fn ncc(a: &[f32], b: &[f32], min_std: f32) -> Option<f32> {
    let n = a.len().min(b.len());
    if n < 8 {
        return None;
    }
    let nf = n as f32;
    let ma = a[..n].iter().sum::<f32>() / nf;
    let mb = b[..n].iter().sum::<f32>() / nf;
    let (mut sab, mut saa, mut sbb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a[..n].iter().zip(&b[..n]) {
        let (u, v) = (x - ma, y - mb);
        sab += u * v;
        saa += u * u;
        sbb += v * v;
    }
    let (sa, sb) = ((saa / nf).sqrt(), (sbb / nf).sqrt());
    if sa < min_std || sb < min_std {
        return None;
    }
    Some(sab / (saa * sbb).sqrt())
}

fn percentile(v: &[f32], q: f32) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    let k = ((s.len() - 1) as f32 * q) as usize;
    s.select_nth_unstable_by(k, f32::total_cmp);
    s[k]
}

/// Fine detail: each pixel less the mean of its 8 neighbours (cancels
/// print shapes and shading, keeps the texture a clone carries along).
fn detail_view(g: &Grey) -> Grey {
    let mut px = vec![0.0f32; g.w * g.h];
    for y in 1..g.h.saturating_sub(1) {
        for x in 1..g.w.saturating_sub(1) {
            let mut s = 0.0;
            for (dx, dy) in [
                (0, 0),
                (1, 0),
                (2, 0),
                (0, 1),
                (2, 1),
                (0, 2),
                (1, 2),
                (2, 2),
            ] {
                s += g.at(x + dx - 1, y + dy - 1);
            }
            px[y * g.w + x] = g.at(x, y) - s / 8.0;
        }
    }
    Grey { px, ..g.clone() }
}

/// Agreement of fine detail over the box under `t` moved by `delta`.
fn detail_ncc(d: &Grey, t: &Similarity, bx: [f32; 4], delta: [f32; 2], step: f32) -> f32 {
    let (a, b) = paired(
        d,
        t,
        [bx[0].max(1.0), bx[1].max(1.0), bx[2], bx[3]],
        delta,
        step,
    );
    ncc(&a, &b, 0.5).unwrap_or(0.0)
}

/// The values of `img` on a grid of `step` over `bx` and at their images
/// under `t` moved by `delta`, where both lie on the view.
fn paired(
    img: &Grey,
    t: &Similarity,
    bx: [f32; 4],
    delta: [f32; 2],
    step: f32,
) -> (Vec<f32>, Vec<f32>) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut y = bx[1];
    while y < bx[3] {
        let mut x = bx[0];
        while x < bx[2] {
            let q = t.map([x, y]);
            if let (Some(u), Some(v)) = (
                img.sample(x, y),
                img.sample(q[0] + delta[0], q[1] + delta[1]),
            ) {
                a.push(u);
                b.push(v);
            }
            x += step;
        }
        y += step;
    }
    (a, b)
}

/// Agreement of fine detail away from ink between the points of `bx`
/// (`ring`: only those outside `inner`) and their images under `map`: the
/// background a clone carries with it. Glyphs (and the halo of their
/// edges) are left out, so that the same word printed twice on a
/// different background does not agree; 0 when the background is flat
/// (nothing to tell a clone from a repeat).
fn background_agreement(
    g: &Grey,
    d: &Grey,
    map: &dyn Fn([f32; 2]) -> [f32; 2],
    bx: [f32; 4],
    inner: Option<[f32; 4]>,
    step: f32,
    ink_share: Option<&mut f32>,
) -> f32 {
    let wanted =
        |x: f32, y: f32| inner.is_none_or(|i| !(x >= i[0] && x < i[2] && y >= i[1] && y < i[3]));
    let mut vals = Vec::new();
    let mut y = bx[1];
    while y < bx[3] {
        let mut x = bx[0];
        while x < bx[2] {
            let q = map([x, y]);
            if wanted(x, y)
                && let (Some(u), Some(v)) = (g.sample(x, y), g.sample(q[0], q[1]))
            {
                vals.push(u.min(v));
            }
            x += step;
        }
        y += step;
    }
    let paper = percentile(&vals, 0.9);
    let dark = percentile(&vals, 0.02);
    if let Some(out) = ink_share {
        // Ink on both sides (the darker of the two is below the ink
        // level): printed matter that the clone carried along.
        *out = if paper - dark > 80.0 {
            let level = paper - 0.5 * (paper - dark);
            vals.iter().filter(|&&v| v < level).count() as f32 / vals.len().max(1) as f32
        } else {
            0.0
        };
    }
    // Ink: much darker than the paper; faint security lines are not ink.
    let ink_below = if paper - dark > 80.0 {
        paper - 0.5 * (paper - dark)
    } else {
        f32::NEG_INFINITY
    };
    let near_ink = |x: f32, y: f32| {
        for dy in [-2.0, 0.0, 2.0] {
            for dx in [-2.0, 0.0, 2.0] {
                if g.sample(x + dx, y + dy).is_none_or(|v| v < ink_below) {
                    return true;
                }
            }
        }
        false
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut y = bx[1];
    while y < bx[3] {
        let mut x = bx[0];
        while x < bx[2] {
            let q = map([x, y]);
            if wanted(x, y)
                && !near_ink(x, y)
                && !near_ink(q[0], q[1])
                && let (Some(u), Some(v)) = (d.sample(x, y), d.sample(q[0], q[1]))
            {
                a.push(u);
                b.push(v);
            }
            x += step;
        }
        y += step;
    }
    if a.len() < 24 {
        return 0.0;
    }
    ncc(&a, &b, 0.6).unwrap_or(0.0)
}

/// The part of `bx` where `g` and its image under `t` agree: rows and
/// columns whose mean absolute difference is near the best row's (column's).
fn trim(g: &Grey, t: &Similarity, bx: [f32; 4]) -> (f32, f32, f32, f32) {
    let (w, h) = (
        (bx[2] - bx[0]).max(1.0) as usize,
        (bx[3] - bx[1]).max(1.0) as usize,
    );
    if w * h > 250_000 {
        return (bx[0], bx[1], bx[2], bx[3]);
    }
    let (mut rows, mut cols) = (vec![(0.0f32, 0u32); h], vec![(0.0f32, 0u32); w]);
    for (r, row) in rows.iter_mut().enumerate() {
        for (c, col) in cols.iter_mut().enumerate() {
            let p = [bx[0] + c as f32, bx[1] + r as f32];
            let q = t.map(p);
            if let (Some(a), Some(b)) = (g.sample(p[0], p[1]), g.sample(q[0], q[1])) {
                let e = (a - b).abs();
                row.0 += e;
                row.1 += 1;
                col.0 += e;
                col.1 += 1;
            }
        }
    }
    let span = |v: &[(f32, u32)]| -> (usize, usize) {
        let m: Vec<f32> = v
            .iter()
            .map(|&(s, n)| if n == 0 { f32::INFINITY } else { s / n as f32 })
            .collect();
        let (best, low) = m
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map_or((0, 0.0), |(i, &v)| (i, v));
        // Relative to the spread of the profile: flat paper agrees best of
        // all, the copied print a little less, the surroundings not at all.
        let high = m
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(low, f32::max);
        let limit = low + 0.4 * (high - low) + 1.0;
        // First to last agreeing line: a glyph gap or one noisier column
        // inside the patch must not cut it short.
        let a = m.iter().position(|&v| v <= limit).unwrap_or(best);
        let b = m.iter().rposition(|&v| v <= limit).unwrap_or(best);
        (a, b + 1)
    };
    let (r0, r1) = span(&rows);
    let (c0, c1) = span(&cols);
    if r1 - r0 < 4 || c1 - c0 < 4 {
        return (bx[0], bx[1], bx[2], bx[3]);
    }
    (
        bx[0] + c0 as f32,
        bx[1] + r0 as f32,
        bx[0] + c1 as f32,
        bx[1] + r1 as f32,
    )
}

/// The box widened side by side while the strip just outside a side
/// agrees under `t` as well: keypoints sit on the print, so their cluster
/// covers only part of a clone, whose background carries on to its edge.
fn grow(g: &Grey, t: &Similarity, mut bx: [f32; 4], step: f32) -> [f32; 4] {
    let pad = B as f32;
    let limit = 0.25 * g.w.max(g.h) as f32;
    for _ in 0..24 {
        let mut grown = false;
        for side in 0..4 {
            let strip = match side {
                0 => [bx[0] - pad, bx[1], bx[0], bx[3]],
                1 => [bx[0], bx[1] - pad, bx[2], bx[1]],
                2 => [bx[2], bx[1], bx[2] + pad, bx[3]],
                _ => [bx[0], bx[3], bx[2], bx[3] + pad],
            };
            let (a, b) = paired(g, t, strip, [0.0, 0.0], step.min(2.0));
            if ncc(&a, &b, MIN_STD).is_some_and(|v| v > 0.8) {
                // The box with the strip.
                let next = [
                    bx[0].min(strip[0]),
                    bx[1].min(strip[1]),
                    bx[2].max(strip[2]),
                    bx[3].max(strip[3]),
                ];
                if next[2] - next[0] <= limit && next[3] - next[1] <= limit {
                    bx = next;
                    grown = true;
                }
            }
        }
        if !grown {
            break;
        }
    }
    bx
}

/// The sampling step of the verification: every pixel of a small patch,
/// a sparser grid on large clusters (about 1 500 samples), which bounds
/// the time per candidate.
fn sample_step(group: &[Pair]) -> f32 {
    let ext = |i: usize| {
        let lo = group.iter().map(|p| p.p[i]).fold(f32::INFINITY, f32::min);
        let hi = group
            .iter()
            .map(|p| p.p[i])
            .fold(f32::NEG_INFINITY, f32::max);
        hi - lo + B as f32 * 3.0
    };
    (ext(0) * ext(1) / 1500.0).sqrt().max(1.0)
}

/// Checks a cluster pixel by pixel; `None` when it is no clone.
fn verify(g: &Grey, d: &Grey, group: &[Pair], all: &[Pair]) -> Option<Clone_> {
    let step = sample_step(group);
    let mut t = robust_fit(group);
    let [x0, y0, x1, y1] = sources_box(group, B as f32 / 2.0);
    // Blocks that straddle the patch's border still match, so the
    // cluster's box overhangs the copied patch; trim it to the rows and
    // columns where source and destination agree.
    let (x0, y0, x1, y1) = trim(g, &t, [x0, y0, x1, y1]);
    let [x0, y0, x1, y1] = grow(g, &t, [x0, y0, x1, y1], step);
    let shift = {
        let c = [f32::midpoint(x0, x1), f32::midpoint(y0, y1)];
        let m = t.map(c);
        [m[0] - c[0], m[1] - c[1]]
    };
    let (mut a, mut b, mut further, mut b2) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut ring_a, mut ring_b) = (Vec::new(), Vec::new());
    let pad = B as f32;
    let mut y = (y0 - pad).max(0.0);
    while y < y1 + pad {
        let mut x = (x0 - pad).max(0.0);
        while x < x1 + pad {
            let q = t.map([x, y]);
            let inside = x >= x0 && x < x1 && y >= y0 && y < y1;
            if let (Some(va), Some(vb)) = (g.sample(x, y), g.sample(q[0], q[1])) {
                if inside {
                    a.push(va);
                    b.push(vb);
                    // One step further either way (whichever stays on the
                    // page): a period repeats there too.
                    if let Some(p) = g.sample(x - shift[0], y - shift[1]) {
                        further.push(p);
                        b2.push(va);
                    } else if let Some(f) = g.sample(q[0] + shift[0], q[1] + shift[1]) {
                        further.push(f);
                        b2.push(vb);
                    }
                } else {
                    ring_a.push(va);
                    ring_b.push(vb);
                }
            }
            x += step;
        }
        y += step;
    }
    let whole = ncc(&a, &b, MIN_STD)?;
    if whole < 0.8 {
        return None;
    }
    let periodic = ncc(&b2, &further, 1.0).unwrap_or(0.0);
    // Not confined: the agreement goes on around the cluster, so the
    // cluster is part of a larger repeated structure, not a pasted patch.
    let ring = ncc(&ring_a, &ring_b, MIN_STD).unwrap_or(0.0);
    if periodic > whole - 0.1 || periodic > 0.7 || ring > 0.7 {
        return None;
    }
    // Fine detail, at the best of a few sub-pixel placements (block
    // centres fix the transform to about a pixel).
    let bx = [x0, y0, x1, y1];
    let mut fine = f32::NEG_INFINITY;
    let mut best_delta = [0.0f32; 2];
    for dy in [-0.5f32, 0.0, 0.5] {
        for dx in [-0.5f32, 0.0, 0.5] {
            let v = detail_ncc(d, &t, bx, [dx, dy], step);
            if v > fine {
                fine = v;
                best_delta = [dx, dy];
            }
        }
    }
    t.cq = [t.cq[0] + best_delta[0], t.cq[1] + best_delta[1]];
    let map = |p: [f32; 2]| t.map(p);
    let mut ink = 0.0f32;
    let background = background_agreement(g, d, &map, bx, None, step, Some(&mut ink));
    // The same background agreement where a clone would have none: around
    // the patch, and one displacement further either way (a periodic
    // background explains agreement there too).
    let outer = [x0 - pad, y0 - pad, x1 + pad, y1 + pad];
    let around = background_agreement(g, d, &map, outer, Some(bx), step, None);
    let back = |p: [f32; 2]| [p[0] - shift[0], p[1] - shift[1]];
    let behind = background_agreement(g, d, &back, bx, None, step, None);
    let fwd = |p: [f32; 2]| {
        let q = t.map(p);
        [q[0] + shift[0], q[1] + shift[1]]
    };
    let ahead = background_agreement(g, d, &fwd, bx, None, step, None);
    let explained = around.max(behind).max(ahead).max(0.0);
    // A designed repeat (two identical rosettes, a band repeated down the
    // page) shows the same displacement elsewhere on the page too; a clone
    // has one: count the pairs with this displacement outside the cluster.
    let elsewhere = all
        .iter()
        .filter(|pr| {
            let (dx, dy) = (pr.q[0] - pr.p[0] - shift[0], pr.q[1] - pr.p[1] - shift[1]);
            dx.abs() <= 4.0
                && dy.abs() <= 4.0
                && !(pr.p[0] >= x0 - pad
                    && pr.p[0] <= x1 + pad
                    && pr.p[1] >= y0 - pad
                    && pr.p[1] <= y1 + pad)
        })
        .count() as f32;
    let area = group.len() as f32;
    // Fine-detail agreement is the evidence; a surrounding that does not
    // agree (the patch ends where it was pasted), a displacement seen
    // nowhere else and the number of agreeing blocks temper it.
    let purity = area / (area + elsewhere);
    let agree = ((fine - 0.35) / 0.3).clamp(0.0, 1.0)
        * (1.0 - ring.max(0.0) / 0.7).clamp(0.0, 1.0)
        * purity
        * (area / 8.0).min(1.0).sqrt();
    // Two kinds of evidence. A background that agrees where nothing else
    // explains it (the clone carried it along); or, on a flat background,
    // a run of print that agrees over several glyphs' width (a word or a
    // number moved), which a glyph or two printed twice does not.
    let by_background = ((background - explained - 0.2) / 0.4).clamp(0.0, 1.0)
        // Security backgrounds repeat by design, sometimes exactly and
        // locally: a duplicate without print on it is weak evidence.
        * if ink >= 0.03 { 1.0 } else { 0.4 };
    let (bw, bh) = (x1 - x0, y1 - y0);
    let elongation = bw.max(bh) / bw.min(bh).max(1.0);
    let by_print = if ink >= 0.03 {
        0.8 * ((elongation - 2.0) / 2.0).clamp(0.0, 1.0) * ((whole - 0.85) / 0.1).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let score = agree * by_background.max(by_print);
    let src = work::rect_quad(x0, y0, x1, y1);
    let dst = src.map(|p| t.map(p));
    Some(Clone_ {
        score,
        src,
        dst,
        angle_deg: t.b.atan2(t.a).to_degrees(),
        scale: t.a.hypot(t.b),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn page(img: RgbImage) -> Page {
        Page {
            image: img,
            index: 0,
            exif_orientation: 1,
        }
    }

    /// A non-repeating texture: hashed grey values, smoothed.
    fn texture(w: u32, h: u32, seed: u32) -> RgbImage {
        let hash = |x: u32, y: u32| {
            let mut v = x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663) ^ seed;
            v ^= v >> 13;
            v = v.wrapping_mul(0x5bd1_e995);
            v ^= v >> 15;
            (v % 120) as u8 + 80
        };
        let raw = RgbImage::from_fn(w, h, |x, y| {
            let v = hash(x / 3, y / 3);
            Rgb([v, v, v])
        });
        // Band-limited like a scan of print: the block grid of a clone is
        // off by up to a pixel, which a scan's blur makes harmless.
        image::imageops::blur(&raw, 1.0)
    }

    #[test]
    fn a_pasted_block_is_found_with_source_and_destination() {
        let mut img = texture(600, 400, 7);
        let copy = img.clone();
        // Clone a 60×40 patch from (100, 80) to (400, 250).
        for y in 0..40 {
            for x in 0..60 {
                img.put_pixel(400 + x, 250 + y, *copy.get_pixel(100 + x, 80 + y));
            }
        }
        let f = copy_move(&page(img), None);
        // A duplicate without print on it scores lower by design (security
        // backgrounds repeat), but it is found and placed.
        assert!(f.score > 0.3, "{f:?}");
        let src = f.regions[0].quad;
        let dst = f.regions[1].quad;
        assert!(
            (src[0][0] - 100.0).abs() < 16.0 && (src[0][1] - 80.0).abs() < 16.0,
            "{src:?}"
        );
        assert!(
            (dst[0][0] - 400.0).abs() < 16.0 && (dst[0][1] - 250.0).abs() < 16.0,
            "{dst:?}"
        );
        let clean = copy_move(&page(copy), None);
        assert!(clean.score < 0.2, "{clean:?}");
    }

    #[test]
    fn a_periodic_pattern_and_repeated_glyphs_are_not_clones() {
        // A periodic background (period 37 × 23 px) with a repeated glyph.
        let img = RgbImage::from_fn(600, 400, |x, y| {
            let v = 170.0
                + 40.0 * ((x as f32) * std::f32::consts::TAU / 37.0).sin()
                + 30.0 * ((y as f32) * std::f32::consts::TAU / 23.0).cos();
            let v = v as u8;
            Rgb([v, v, v])
        });
        let mut img = img;
        for k in 0..6u32 {
            for y in 0..20 {
                for x in 0..4 {
                    img.put_pixel(50 + k * 90 + x, 300 + y, Rgb([20, 20, 20]));
                    img.put_pixel(50 + k * 90 + x * 3, 300 + y / 5 * 5, Rgb([20, 20, 20]));
                }
            }
        }
        let f = copy_move(&page(img), None);
        assert!(f.score < 0.2, "{f:?}");
    }

    #[test]
    fn tiny_and_flat_pages_do_not_panic() {
        for (w, h) in [(1, 1), (7, 300), (300, 7), (40, 40)] {
            let f = copy_move(&page(RgbImage::new(w, h)), None);
            assert!(f.score == 0.0);
        }
        let flat = RgbImage::from_pixel(500, 400, Rgb([200, 200, 200]));
        assert!(copy_move(&page(flat), None).score == 0.0);
    }
}
