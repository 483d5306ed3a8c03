//! Comparing a scan with its document model: identification (MRZ format,
//! outline, visual agreement), alignment, and the zone checks
//! `template.layout`, `template.background`, `template.text_print`,
//! `template.mrz_position` and `template.portrait`.
//!
//! A scan that matches no model well enough gets every template check
//! `not_performed` with the reason: a document of an unknown model is never
//! forced onto a known one.

// Geometry reads best in its own notation (x, y, w, h).
#![allow(clippy::many_single_char_names, clippy::similar_names)]

use docscreen_ocr::MrzReading;
use docscreen_vision::align::{self, Alignment, Plane, Pyramid, smooth};
use docscreen_vision::{Homography, Located};
use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::report::{CheckResult, Region, Status};
use crate::resemblance::{LOOK_PX_PER_MM, MARGIN, RESEMBLES};
use crate::templates::{LEVELS, Template, TemplateRegistry, ZONE_PX_PER_MM, ZoneKind};

/// The template checks' ids, in report order.
pub const TEMPLATE_CHECK_IDS: [&str; 5] = [
    "template.layout",
    "template.background",
    "template.text_print",
    "template.mrz_position",
    "template.portrait",
];

/// Share of a model's anchors that must agree with the alignment for the
/// scan to be taken as that model.
pub const MATCH_SUPPORT: f32 = 0.12;

/// How the scan was identified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateMatch {
    /// The model's id.
    pub id: String,
    /// Share of the model's anchors the alignment agrees with (0..1).
    pub score: f32,
    /// RMS residual of the alignment, mm.
    pub residual_mm: f64,
    /// The model's corners as aligned, input pixels (its top-left,
    /// top-right, bottom-right, bottom-left).
    pub corners_px: [[f32; 2]; 4],
    /// The next best model and its score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner_up: Option<RunnerUp>,
}

/// The second-best model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunnerUp {
    /// Its id.
    pub id: String,
    /// Its score.
    pub score: f32,
}

/// What the template stage produced.
#[derive(Debug)]
pub(crate) struct TemplateOutcome<'a> {
    pub checks: Vec<CheckResult>,
    pub matched: Option<TemplateMatch>,
    /// The identified model and its alignment (document mm → input px),
    /// with the scan's pyramid: what the printed-data reading needs.
    pub aligned: Option<(&'a Template, Homography, Pyramid)>,
}

/// A finding: `fail` from a score of 0.8 (the verdict's fail threshold),
/// `warn` below.
pub(crate) fn finding(id: &str, score: f32, message: String) -> CheckResult {
    let status = if score >= 0.8 {
        Status::Fail
    } else {
        Status::Warn
    };
    CheckResult::new(id, status, score, message)
}

fn not_performed_all(reason: &str) -> Vec<CheckResult> {
    TEMPLATE_CHECK_IDS
        .iter()
        .map(|id| CheckResult::not_performed(id, reason))
        .collect()
}

/// Initial guesses of document mm → input px for `t`.
fn initial_guesses(
    t: &Template,
    located: Option<&Located>,
    reading: Option<&MrzReading>,
) -> Vec<Homography> {
    let [w, h] = t.spec.size_mm;
    let doc = [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]];
    let mut out = Vec::new();
    if let Some(l) = located {
        let c: Vec<[f64; 2]> = l
            .corners
            .iter()
            .map(|p| [f64::from(p[0]), f64::from(p[1])])
            .collect();
        for s in 0..4 {
            let q = [c[s], c[(s + 1) % 4], c[(s + 2) % 4], c[(s + 3) % 4]];
            if aspect_ln(&q, t.spec.size_mm) > 0.15 {
                continue;
            }
            if let Some(r) = reading {
                // The document's top edge runs along the MRZ's reading
                // direction.
                let ang = (q[1][1] - q[0][1]).atan2(q[1][0] - q[0][0]).to_degrees();
                let diff = (ang - f64::from(r.angle_deg)).rem_euclid(360.0);
                if diff > 45.0 && diff < 315.0 {
                    continue;
                }
            }
            if let Some(hm) = Homography::fit(&doc, &q) {
                out.push(hm);
            }
        }
    }
    if out.is_empty()
        && let Some(l) = located
    {
        // The outline fits no orientation (a cut-off or merged outline):
        // try every orientation of it and let the anchors decide.
        let c: Vec<[f64; 2]> = l
            .corners
            .iter()
            .map(|p| [f64::from(p[0]), f64::from(p[1])])
            .collect();
        for s in 0..4 {
            let q = [c[s], c[(s + 1) % 4], c[(s + 2) % 4], c[(s + 3) % 4]];
            if let Some(hm) = Homography::fit(&doc, &q) {
                out.push(hm);
            }
        }
    }
    if let (Some(r), Some(z)) = (reading, t.spec.mrz_zone())
        && let (Some(first), Some(last)) = (r.line_quads.first(), r.line_quads.last())
    {
        let img: Vec<[f64; 2]> = [first[0], first[1], last[2], last[3]]
            .iter()
            .map(|p| [f64::from(p[0]), f64::from(p[1])])
            .collect();
        // The zone's inner box: its padding is unknown, its centre is not.
        let [x, y, zw, zh] = z.rect_mm;
        let pad = (zh * 0.1).min(1.0);
        let inner = [
            [x + pad, y + pad],
            [x + zw - pad, y + pad],
            [x + zw - pad, y + zh - pad],
            [x + pad, y + zh - pad],
        ];
        if let Some(hm) = Homography::fit(&inner, &img) {
            out.push(hm);
        }
    }
    out
}

/// How far the aspect of the quadrilateral `q` (clockwise from the
/// document's top-left; sides averaged pairwise) is from that of
/// `size_mm`: |ln| of their ratio, infinite for a flat quadrilateral.
fn aspect_ln(q: &[[f64; 2]; 4], size_mm: [f64; 2]) -> f64 {
    let len = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).hypot(a[1] - b[1]);
    let horizontal = f64::midpoint(len(q[0], q[1]), len(q[3], q[2]));
    let vertical = f64::midpoint(len(q[0], q[3]), len(q[1], q[2]));
    if vertical <= 0.0 {
        return f64::INFINITY;
    }
    ((horizontal / vertical) / (size_mm[0] / size_mm[1]))
        .ln()
        .abs()
}

/// Largest departure of a corner of the aligned model from a right angle,
/// degrees: a flat document seen by a scanner or a camera held over it.
const MAX_CORNER_SKEW_DEG: f64 = 25.0;

/// Largest |ln| of the ratio of opposite sides of the aligned outline.
const MAX_PERSPECTIVE_LN: f64 = 0.2;

/// Largest |ln| of the aligned outline's aspect over the model's.
const MAX_ASPECT_LN: f64 = 0.25;

/// Whether `mm_to_img` could show a document of `size_mm`: the model's
/// outline maps to a convex quadrilateral with near-right corners, opposite
/// sides of nearly equal length and the model's aspect. Anchors can agree
/// by chance with a homography that folds or shears the page (a card model
/// "found" on an A4 certificate by 23% of its anchors, its corners 400 px
/// off the scan): such a fit identifies nothing.
fn plausible(mm_to_img: &Homography, size_mm: [f64; 2]) -> bool {
    let [w, h] = size_mm;
    let mut q = [[0.0f64; 2]; 4];
    for (slot, p) in q.iter_mut().zip([[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]]) {
        match mm_to_img.apply(p) {
            Some(v) if v[0].is_finite() && v[1].is_finite() => *slot = v,
            _ => return false,
        }
    }
    let side = |a: [f64; 2], b: [f64; 2]| [b[0] - a[0], b[1] - a[1]];
    let len = |v: [f64; 2]| v[0].hypot(v[1]);
    // Turning direction of the first corner; every corner turns the same way.
    let mut turn: Option<bool> = None;
    for i in 0..4 {
        let a = side(q[i], q[(i + 1) % 4]);
        let b = side(q[(i + 1) % 4], q[(i + 2) % 4]);
        let (la, lb) = (len(a), len(b));
        if la < 1e-6 || lb < 1e-6 {
            return false;
        }
        let left = a[0] * b[1] - a[1] * b[0] > 0.0;
        if turn.is_some_and(|t| t != left) {
            return false;
        }
        turn = Some(left);
        // The turn between consecutive sides is 90° at a right corner.
        let cos = ((a[0] * b[0] + a[1] * b[1]) / (la * lb)).clamp(-1.0, 1.0);
        if (cos.acos().to_degrees() - 90.0).abs() > MAX_CORNER_SKEW_DEG {
            return false;
        }
    }
    let (top, bottom) = (len(side(q[0], q[1])), len(side(q[3], q[2])));
    let (left, right) = (len(side(q[0], q[3])), len(side(q[1], q[2])));
    // Opposite sides of a flat page under a scanner's or a held camera's
    // perspective differ by a fifth at most.
    if (top / bottom).ln().abs() > MAX_PERSPECTIVE_LN
        || (left / right).ln().abs() > MAX_PERSPECTIVE_LN
    {
        return false;
    }
    aspect_ln(&q, size_mm) <= MAX_ASPECT_LN
}

/// The models a scan may be: those whose MRZ format is the one read (all
/// when none was read).
fn candidates<'a>(
    registry: &'a TemplateRegistry,
    reading: Option<&MrzReading>,
) -> impl Iterator<Item = &'a Template> {
    let format = reading
        .and_then(|r| r.mrz.format)
        .map(docscreen_mrz::Format::as_str);
    registry
        .templates()
        .iter()
        .filter(move |t| format.is_none_or(|f| t.spec.mrz_format.as_deref() == Some(f)))
}

/// The best model with its alignment (when good enough), and every
/// aligned model's score, best first.
type Identified<'a> = (Option<(&'a Template, Alignment)>, Vec<(&'a str, f32)>);

/// Identifies and aligns: the best-supported model among those whose MRZ
/// format agrees with the reading, with the runner-up.
pub(crate) fn identify<'a>(
    registry: &'a TemplateRegistry,
    pyramid: &Pyramid,
    located: Option<&Located>,
    reading: Option<&MrzReading>,
) -> Identified<'a> {
    // Coarse level for every candidate model and starting guess; the fine
    // levels only for the three best (model, start) pairs.
    let mut coarse: Vec<(&Template, Alignment)> = Vec::new();
    for t in candidates(registry, reading) {
        let inits = initial_guesses(t, located, reading);
        tracing::debug!(template = %t.spec.id, guesses = inits.len(), "aligning");
        for init in inits {
            if let Some(a) = align::refine(
                pyramid,
                t.spec.size_mm,
                &LEVELS[..1],
                &t.levels[..1],
                &t.anchors[..1],
                &init,
            ) && plausible(&a.mm_to_img, t.spec.size_mm)
            {
                coarse.push((t, a));
            }
        }
    }
    coarse.sort_by(|a, b| b.1.support().total_cmp(&a.1.support()));
    let mut scored: Vec<(&Template, Alignment)> = Vec::new();
    for (t, c) in coarse.into_iter().take(3) {
        if let Some(a) = align::refine(
            pyramid,
            t.spec.size_mm,
            &LEVELS[1..],
            &t.levels[1..],
            &t.anchors[1..],
            &c.mm_to_img,
        ) && plausible(&a.mm_to_img, t.spec.size_mm)
        {
            match scored.iter_mut().find(|(o, _)| std::ptr::eq(*o, t)) {
                Some(slot) if a.support() > slot.1.support() => slot.1 = a,
                Some(_) => {}
                None => scored.push((t, a)),
            }
        }
    }
    scored.sort_by(|a, b| b.1.support().total_cmp(&a.1.support()));
    let ranking: Vec<(&str, f32)> = scored
        .iter()
        .map(|(t, a)| (t.spec.id.as_str(), a.support()))
        .collect();
    let best = scored
        .into_iter()
        .next()
        .filter(|(_, a)| a.support() >= MATCH_SUPPORT);
    (best, ranking)
}

/// A model the scan looks like although it does not align with it.
struct Resembled<'a> {
    template: &'a Template,
    /// Its resemblance (−1..1).
    score: f32,
    /// The next model's id and resemblance.
    runner_up: Option<(&'a str, f32)>,
    /// The outline-based mapping that gave the score (document mm →
    /// input px).
    mm_to_img: Homography,
}

/// The model whose design the scan resembles ([`resemblance`]), when one
/// does clearly; tried on the same models (MRZ format) and outline-based
/// starting guesses as [`identify`], once that found none that aligns.
fn resemble<'a>(
    registry: &'a TemplateRegistry,
    page: &RgbImage,
    located: Option<&Located>,
    reading: Option<&MrzReading>,
) -> Option<Resembled<'a>> {
    // The page reduced once per factor the candidates need.
    let mut reduced: Vec<(u32, RgbImage)> = Vec::new();
    let mut scored: Vec<(&Template, f32, Homography)> = Vec::new();
    for t in candidates(registry, reading) {
        let mut best: Option<(f32, Homography)> = None;
        for init in initial_guesses(t, located, reading) {
            let f = align::reduction_for(&init, LOOK_PX_PER_MM, t.spec.size_mm);
            let img = if f > 1 {
                if !reduced.iter().any(|(g, _)| *g == f) {
                    reduced.push((f, align::box_reduce_rgb(page, f)));
                }
                reduced
                    .iter()
                    .find(|(g, _)| *g == f)
                    .map_or(page, |(_, i)| i)
            } else {
                page
            };
            let to_img =
                Homography::scale_translate(1.0 / f64::from(f), [0.0, 0.0]).then_after(&init);
            if let Some(r) = t.look.resemblance(img, &to_img, t.spec.size_mm)
                && best.as_ref().is_none_or(|b| r > b.0)
            {
                best = Some((r, init));
            }
        }
        if let Some((r, hm)) = best {
            tracing::debug!(template = %t.spec.id, resemblance = r, "resemblance");
            scored.push((t, r, hm));
        }
    }
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    let runner_up = scored.get(1).map(|(t, r, _)| (t.spec.id.as_str(), *r));
    let (template, score, mm_to_img) = scored.into_iter().next()?;
    (score >= RESEMBLES && score - runner_up.map_or(0.0, |r| r.1.max(0.0)) >= MARGIN).then_some(
        Resembled {
            template,
            score,
            runner_up,
            mm_to_img,
        },
    )
}

/// The template checks of a scan that looks like a model but does not align
/// with it: `template.layout` flags it, the zone checks cannot run.
fn resembled_outcome<'a>(r: &Resembled<'a>, closest: Option<(&str, f32)>) -> TemplateOutcome<'a> {
    let t = r.template;
    let [w, h] = t.spec.size_mm;
    let next = r
        .runner_up
        .map_or_else(String::new, |(id, s)| format!("; next model {id}: {s:.2}"));
    let aligned = closest.filter(|(id, _)| *id == t.spec.id).map_or_else(
        || "its reference points do not line up under any placement of the model".to_owned(),
        |(_, s)| {
            format!(
                "only {:.0}% of its reference points agree, {:.0}% needed",
                s * 100.0,
                MATCH_SUPPORT * 100.0
            )
        },
    );
    let score = (0.8 + (r.score - RESEMBLES) * 0.4).clamp(0.8, 0.95);
    let layout = finding(
        "template.layout",
        score,
        format!(
            "This document looks like the model {} ({}): its outline, MRZ format and the colours and layout of its design agree (resemblance {:.2}{next}). But its printed features do not line up with that model's ({aligned}): labels, patterns and fields are not where the genuine document has them. A re-made copy (counterfeit) looks like this; so does a scan too blurred or damaged to align. Compare it with a genuine specimen.",
            t.spec.id, t.spec.name, r.score
        ),
    )
    .with_regions(vec![Region {
        label: format!("the document, as model {} would lie on the scan", t.spec.id),
        quad_px: mm_quad(&r.mm_to_img, [0.0, 0.0, w, h]),
    }]);
    let reason = format!(
        "the scan looks like the model {} but does not align with it (see template.layout)",
        t.spec.id
    );
    // `template.layout` first, as in TEMPLATE_CHECK_IDS.
    let mut checks = not_performed_all(&reason);
    checks[0] = layout;
    TemplateOutcome {
        checks,
        matched: None,
        aligned: None,
    }
}

/// Runs identification, alignment and the zone checks.
pub(crate) fn template_checks<'a>(
    registry: &'a TemplateRegistry,
    page: &RgbImage,
    grey: &image::GrayImage,
    located: Option<&Located>,
    reading: Option<&MrzReading>,
) -> TemplateOutcome<'a> {
    if registry.is_empty() {
        return TemplateOutcome {
            checks: not_performed_all("no templates loaded (--templates DIR)"),
            matched: None,
            aligned: None,
        };
    }
    // The pyramid only when there is a model to align to.
    let pyramid = Pyramid::new(grey);
    let (best, ranking) = identify(registry, &pyramid, located, reading);
    let runner = |skip: usize| {
        ranking.get(skip).map(|(id, s)| RunnerUp {
            id: (*id).to_owned(),
            score: *s,
        })
    };
    let Some((t, alignment)) = best else {
        if let Some(r) = resemble(registry, page, located, reading) {
            return resembled_outcome(&r, ranking.first().copied());
        }
        let reason = match ranking.first() {
            Some((id, s)) => format!(
                "no known document model matches this scan (closest: {id}, {:.0}% of its reference points agree; {:.0}% needed)",
                s * 100.0,
                MATCH_SUPPORT * 100.0
            ),
            None => "no known document model matches this scan's format and outline".to_owned(),
        };
        return TemplateOutcome {
            checks: not_performed_all(&reason),
            matched: None,
            aligned: None,
        };
    };
    let matched = TemplateMatch {
        id: t.spec.id.clone(),
        score: alignment.support(),
        residual_mm: alignment.residual_mm,
        corners_px: {
            let [w, h] = t.spec.size_mm;
            mm_quad(&alignment.mm_to_img, [0.0, 0.0, w, h])
        },
        runner_up: runner(1),
    };
    let scan = align::warp_rgb(page, &alignment.mm_to_img, ZONE_PX_PER_MM, t.spec.size_mm);
    let scan_raw_grey = grey_of(&scan);
    let scan_grey = smooth(&scan_raw_grey);
    if let Some(dir) = std::env::var_os("DOCSCREEN_DEBUG_TEMPLATE") {
        // Developer aid: the aligned scan and the reference side by side.
        let r = t.zone_grey();
        let g = &scan_grey;
        let (w, h) = (r.width, r.height);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let img = image::GrayImage::from_fn((2 * w) as u32, h as u32, |x, y| {
            let (x, y) = (x as usize, y as usize);
            let v = if x < w { g.at(x, y) } else { r.at(x - w, y) };
            image::Luma([if v.is_finite() {
                v.clamp(0.0, 255.0) as u8
            } else {
                0
            }])
        });
        let _ = img.save(std::path::Path::new(&dir).join(format!("{}.png", t.spec.id)));
    }
    let coarse_ref = smooth(&smooth(t.zone_grey()));
    let coarse_scan = smooth(&smooth(&scan_grey));
    let cells = background_cells(t, &coarse_ref, &coarse_scan);
    let ctx = Ctx {
        t,
        alignment: &alignment,
        scan_raw_grey,
        scan_grey,
        scan_rgb: scan,
        coarse_ref,
        coarse_scan,
        cells,
    };
    let checks = vec![
        layout(&ctx),
        background(&ctx),
        text_print(&ctx),
        mrz_position(&ctx, reading),
        portrait(&ctx),
    ];
    let mm_to_img = alignment.mm_to_img;
    TemplateOutcome {
        checks,
        matched: Some(matched),
        aligned: Some((t, mm_to_img, pyramid)),
    }
}

struct Ctx<'a> {
    t: &'a Template,
    alignment: &'a Alignment,
    /// The scan's grey in the model's canvas, as warped.
    scan_raw_grey: Plane,
    /// The same, smoothed as the reference is.
    scan_grey: Plane,
    scan_rgb: [Plane; 3],
    /// Reference and scan at the coarser comparison scale (smoothed twice
    /// more): a blurred scan loses the finest low-contrast lines that the
    /// reference still shows, while a counterfeit's moved, re-spaced or
    /// re-coloured pattern differs at every scale.
    coarse_ref: Plane,
    coarse_scan: Plane,
    /// Background cells off the personal data (mm rect, correlation).
    cells: Vec<([f64; 4], f32)>,
}

impl Ctx<'_> {
    /// A rectangle of the document (mm) as a quad in input pixels.
    fn quad(&self, rect_mm: [f64; 4]) -> [[f32; 2]; 4] {
        mm_quad(&self.alignment.mm_to_img, rect_mm)
    }
}

/// A rectangle of the document (`[x, y, w, h]`, mm) as a quad in input
/// pixels (clockwise from the top-left) under `mm_to_img`.
pub(crate) fn mm_quad(mm_to_img: &Homography, rect_mm: [f64; 4]) -> [[f32; 2]; 4] {
    let [x, y, w, h] = rect_mm;
    [[x, y], [x + w, y], [x + w, y + h], [x, y + h]].map(|p| {
        let q = mm_to_img.apply(p).unwrap_or(p);
        #[allow(clippy::cast_possible_truncation)]
        let r = [q[0] as f32, q[1] as f32];
        r
    })
}

fn grey_of(rgb: &[Plane; 3]) -> Plane {
    let mut g = Plane::new(rgb[0].width, rgb[0].height);
    for (i, v) in g.data.iter_mut().enumerate() {
        *v = 0.299 * rgb[0].data[i] + 0.587 * rgb[1].data[i] + 0.114 * rgb[2].data[i];
    }
    g
}

/// Running sums of paired samples for a normalised correlation.
#[derive(Default)]
struct PairSums {
    sa: f64,
    sb: f64,
    saa: f64,
    sbb: f64,
    sab: f64,
    n: f64,
}

impl PairSums {
    fn add(&mut self, a: f64, b: f64) {
        self.sa += a;
        self.sb += b;
        self.saa += a * a;
        self.sbb += b * b;
        self.sab += a * b;
        self.n += 1.0;
    }

    /// The correlation, `None` under `min_n` pairs or when either side's
    /// variance per sample is under `min_var_a` / `min_var_b`.
    fn ncc(&self, min_n: f64, min_var_a: f64, min_var_b: f64) -> Option<f32> {
        let n = self.n;
        if n < min_n {
            return None;
        }
        let va = self.saa - self.sa * self.sa / n;
        let vb = self.sbb - self.sb * self.sb / n;
        if va < n * min_var_a || vb < n * min_var_b || va <= 0.0 || vb <= 0.0 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)]
        let c = ((self.sab - self.sa * self.sb / n) / (va * vb).sqrt()) as f32;
        Some(c)
    }
}

/// Normalised cross-correlation of two planes over a rectangle (px), the
/// second displaced by (dx, dy); `None` when flat or outside.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss
)]
fn ncc_rect(a: &Plane, b: &Plane, r: [usize; 4], dx: isize, dy: isize) -> Option<f32> {
    let [x0, y0, w, h] = r;
    let mut sums = PairSums::default();
    for y in y0..y0 + h {
        let yb = y as isize + dy;
        if y >= a.height || yb < 0 || yb as usize >= b.height {
            return None;
        }
        for x in x0..x0 + w {
            let xb = x as isize + dx;
            if x >= a.width || xb < 0 || xb as usize >= b.width {
                return None;
            }
            let va = f64::from(a.data[y * a.width + x]);
            let vb = f64::from(b.data[yb as usize * b.width + xb as usize]);
            if !(va.is_finite() && vb.is_finite()) {
                return None;
            }
            sums.add(va, vb);
        }
    }
    sums.ncc(4.0, 4.0, 1.0)
}

/// Standard deviation of a plane over a rectangle (px); 0 when empty.
#[allow(clippy::cast_precision_loss)]
fn plane_std(p: &Plane, r: [usize; 4]) -> f32 {
    let [x0, y0, w, h] = r;
    let (mut s, mut ss, mut n) = (0.0f64, 0.0f64, 0.0f64);
    for y in y0..(y0 + h).min(p.height) {
        for x in x0..(x0 + w).min(p.width) {
            let v = f64::from(p.data[y * p.width + x]);
            if v.is_finite() {
                s += v;
                ss += v * v;
                n += 1.0;
            }
        }
    }
    if n < 2.0 {
        return 0.0;
    }
    #[allow(clippy::cast_possible_truncation)]
    let sd = ((ss / n - (s / n).powi(2)).max(0.0)).sqrt() as f32;
    sd
}

/// A zone rectangle in canvas px, clipped to the canvas.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn canvas_rect(rect_mm: [f64; 4], w: usize, h: usize) -> Option<[usize; 4]> {
    let k = ZONE_PX_PER_MM;
    let x0 = (rect_mm[0] * k).round().max(0.0) as usize;
    let y0 = (rect_mm[1] * k).round().max(0.0) as usize;
    let x1 = (((rect_mm[0] + rect_mm[2]) * k).round().max(0.0) as usize).min(w);
    let y1 = (((rect_mm[1] + rect_mm[3]) * k).round().max(0.0) as usize).min(h);
    (x1 > x0 + 2 && y1 > y0 + 2).then(|| [x0, y0, x1 - x0, y1 - y0])
}

/// Correlation with the model's print at its place under which a static
/// element is not the model's print (another typeface, a redrawn emblem,
/// or moved beyond what the search recognises). Genuine hold-out scans:
/// at most a quarter of a model's elements fall under it; counterfeits
/// that align with their model: 16 of 21 over a third.
const UNLIKE_PRINT: f32 = 0.2;

/// Share of a model's static elements moved or unlike its print from which
/// the document's print differs from the model's.
const UNLIKE_SHARE: f32 = 0.45;

/// `template.layout`: every static print (labels, titles, emblems) found
/// where the model puts it. Each static zone is searched ±2.5 mm around its
/// place; a zone that matches best elsewhere has moved (two or more fail);
/// one that matches nowhere is not the model's print (a warning when that
/// is a large share of them).
fn layout(ctx: &Ctx<'_>) -> CheckResult {
    const ID: &str = "template.layout";
    let reference = ctx.t.zone_grey();
    let (w, h) = (reference.width, reference.height);
    let radius = (2.5 * ZONE_PX_PER_MM) as isize;
    let mut moved = Vec::new();
    let mut unlike = Vec::new();
    let mut tested = 0;
    for z in ctx
        .t
        .spec
        .zones
        .iter()
        .filter(|z| z.kind == ZoneKind::Static)
    {
        let Some(r) = canvas_rect(z.rect_mm, w, h) else {
            continue;
        };
        let Some(at_home) = ncc_rect(reference, &ctx.scan_grey, r, 0, 0) else {
            continue;
        };
        tested += 1;
        // Coarse (every 0.5 mm), then the neighbourhood of the best.
        let (mut best, mut bd) = (at_home, (0isize, 0isize));
        for (step, centre, reach) in [(3isize, (0isize, 0isize), radius), (1, (0, 0), 2)] {
            let c0 = if step == 1 { bd } else { centre };
            let mut dy = -reach;
            while dy <= reach {
                let mut dx = -reach;
                while dx <= reach {
                    let (ox, oy) = (c0.0 + dx, c0.1 + dy);
                    if let Some(c) = ncc_rect(reference, &ctx.scan_grey, r, ox, oy)
                        && c > best
                    {
                        best = c;
                        bd = (ox, oy);
                    }
                    dx += step;
                }
                dy += step;
            }
        }
        #[allow(clippy::cast_precision_loss)]
        let shift_mm = ((bd.0 * bd.0 + bd.1 * bd.1) as f64).sqrt() / ZONE_PX_PER_MM;
        // Moved: it matches clearly better elsewhere than at home.
        if shift_mm >= 0.5 && at_home < 0.55 && best >= 0.6 && best - at_home >= 0.2 {
            moved.push((z, shift_mm, bd));
        } else if at_home < UNLIKE_PRINT {
            unlike.push(z);
        }
    }
    if tested == 0 {
        return CheckResult::not_performed(ID, "the model has no static print to compare");
    }
    // One element alone is not evidence (a label touched by the personal
    // data printed next to it matches a little better elsewhere); a
    // re-laid-out document moves several.
    #[allow(clippy::cast_precision_loss)]
    let unlike_share = (moved.len() + unlike.len()) as f32 / tested as f32;
    // Only when too few moved to say so: the weaker finding.
    let print_differs = moved.len() < 2 && unlike.len() >= 2 && unlike_share >= UNLIKE_SHARE;
    if moved.len() < 2 && !print_differs {
        return CheckResult::pass(
            ID,
            format!("{tested} printed labels, titles and emblems are where the model puts them"),
        );
    }
    // Faint small labels on a blurred or heavily compressed genuine scan
    // can also fall under `UNLIKE_PRINT` (8 of 391 genuine calibration
    // scans, at most two thirds of their elements): a print that differs is
    // a warning up to 80% of the elements and fails from there (0.8).
    #[allow(clippy::cast_precision_loss)]
    let score = if print_differs {
        (0.4 + 0.5 * unlike_share).min(0.9)
    } else {
        (0.5 + moved.len() as f32 / tested as f32).min(0.95)
    };
    let mut names: Vec<String> = moved
        .iter()
        .map(|(z, s, _)| format!("{} (moved {s:.1} mm)", z.name))
        .collect();
    let mut regions: Vec<Region> = moved
        .iter()
        .map(|(z, s, _)| Region {
            label: format!("{} printed {s:.1} mm from where the model puts it", z.name),
            quad_px: ctx.quad(z.rect_mm),
        })
        .collect();
    let message = if print_differs {
        names.extend(
            unlike
                .iter()
                .map(|z| format!("{} (unlike the model's)", z.name)),
        );
        regions.extend(unlike.iter().map(|z| Region {
            label: format!("{}: not the model's print", z.name),
            quad_px: ctx.quad(z.rect_mm),
        }));
        format!(
            "{} of {tested} printed labels, titles and emblems do not match this document model's print where it puts them (another typeface or drawing, or moved), while the document as a whole aligns with the model: {}",
            moved.len() + unlike.len(),
            names.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        )
    } else {
        format!(
            "{} of {tested} printed elements are not where this document model prints them: {}",
            moved.len(),
            names.iter().take(4).cloned().collect::<Vec<_>>().join(", ")
        )
    };
    finding(ID, score, message).with_regions(regions)
}

/// `template.background`: the security background and static print cell
/// by cell (2.5 mm), by correlation with the model's reference where the
/// reference has texture; and the pattern's continuity into the personal
/// data and the MRZ, where an erased and re-printed value leaves bare paper
/// or an imitation. Continuity is judged against the page's own background
/// agreement, so a blurred scan is not taken for a retouched one.
/// Background cells of 2.5 mm off the personal data where the reference
/// has texture, with their correlation.
fn background_cells(t: &Template, reference: &Plane, scan: &Plane) -> Vec<([f64; 4], f32)> {
    let (w, h) = (reference.width, reference.height);
    let cell_mm = 2.5;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let cell = (cell_mm * ZONE_PX_PER_MM) as usize;
    let mut out = Vec::new();
    let mut y = cell;
    while y + 2 * cell < h {
        let mut x = cell;
        while x + 2 * cell < w {
            #[allow(clippy::cast_precision_loss)]
            let (xm, ym) = (x as f64 / ZONE_PX_PER_MM, y as f64 / ZONE_PX_PER_MM);
            let free = [
                [xm, ym],
                [xm + cell_mm, ym],
                [xm, ym + cell_mm],
                [xm + cell_mm, ym + cell_mm],
            ]
            .iter()
            .all(|p| !t.spec.on_variable(p[0], p[1], 0.3));
            if free
                && plane_std(reference, [x, y, cell, cell]) >= 6.0
                && let Some(c) = ncc_rect(reference, scan, [x, y, cell, cell], 0, 0)
            {
                out.push(([xm, ym, cell_mm, cell_mm], c));
            }
            x += cell;
        }
        y += cell;
    }
    out
}

fn background(ctx: &Ctx<'_>) -> CheckResult {
    const ID: &str = "template.background";
    let (reference, scan) = (&ctx.coarse_ref, &ctx.coarse_scan);
    let all: Vec<f32> = ctx.cells.iter().map(|c| c.1).collect();
    let bad: Vec<([f64; 4], f32)> = ctx.cells.iter().filter(|c| c.1 < 0.35).copied().collect();
    let tested = all.len();
    if tested < 10 {
        return CheckResult::not_performed(
            ID,
            "too little textured background outside the personal data to compare",
        );
    }
    let page_level = median(all);
    let broken = continuity(ctx, reference, scan, page_level);
    let mut voids: Vec<(&crate::templates::ZoneSpec, Void, f32)> = ctx
        .t
        .spec
        .zones
        .iter()
        .filter_map(|z| {
            let at = match z.kind {
                ZoneKind::Text => VOID_AT,
                ZoneKind::Mrz => MRZ_VOID_AT,
                _ => return None,
            };
            text_void(ctx, z.rect_mm)
                .filter(|v| v.missing >= at)
                .map(|v| (z, v, at))
        })
        .collect();
    voids.sort_by(|a, b| b.1.missing.total_cmp(&a.1.missing));
    #[allow(clippy::cast_precision_loss)]
    let share = bad.len() as f32 / tested as f32;
    // Advisory weight for the page-wide share until it separates better:
    // genuine scans of some synthetic models differ from their references
    // in many areas (see the template issue's note), so it alone never
    // reaches `review`. A break in continuity is local evidence and weighs
    // more.
    let page_score = if share < 0.25 {
        0.0
    } else {
        (share * 0.38).min(0.38)
    };
    let cont_score = if broken.is_empty() { 0.0 } else { 0.7 };
    // 0.55 at the threshold, 0.7 with two thirds of the tone missing, at
    // most 0.9.
    let void_score = voids
        .iter()
        .map(|(_, v, at)| (0.55 + 0.5 * (v.missing - at)).min(0.9))
        .fold(0.0, f32::max);
    let score = page_score.max(cont_score).max(void_score);
    let page_text = format!(
        "the background print differs from this document model in {:.0}% of {tested} areas",
        share * 100.0
    );
    if score == 0.0 {
        return CheckResult::pass(
            ID,
            format!("{page_text}, and continues under the personal data"),
        );
    }
    let mut regions: Vec<Region> = broken
        .iter()
        .map(|(z, c)| Region {
            label: format!(
                "{}: the background pattern does not continue under it (correlation {c:.2} where the page has {page_level:.2})",
                z.name
            ),
            quad_px: ctx.quad(z.rect_mm),
        })
        .collect();
    regions.extend(voids.iter().map(|(z, v, _)| {
        let [x, y, w, h] = v.rect_mm;
        Region {
            label: format!(
                "{}: printed on bare paper where the model has background print ({:.0}% of its tone missing around the value)",
                z.name,
                (v.missing * 100.0).min(100.0)
            ),
            quad_px: ctx.quad([x - 0.5, y - 0.5, w + 1.0, h + 1.0]),
        }
    }));
    if page_score > 0.0 {
        regions.extend(bad.iter().take(24).map(|(r, c)| Region {
            label: format!("background differs from the model (correlation {c:.2})"),
            quad_px: ctx.quad(*r),
        }));
    }
    let names: Vec<&str> = broken
        .iter()
        .map(|(z, _)| z.name.as_str())
        .chain(voids.iter().map(|(z, _, _)| z.name.as_str()))
        .fold(Vec::new(), |mut v, n| {
            if !v.contains(&n) {
                v.push(n);
            }
            v
        });
    let message = if names.is_empty() {
        format!("{page_text}: a reproduction or a retouched area")
    } else {
        format!(
            "the background pattern is missing or different under {}: erased and re-printed ({page_text})",
            names.join(", ")
        )
    };
    finding(ID, score, message).with_regions(regions)
}

/// MRZ zones where the background pattern does not continue
/// between the characters: 1.5 mm cells of the zone with pattern in the
/// reference and little ink in the scan, whose median correlation falls
/// far below the page's own level.
fn continuity<'a>(
    ctx: &Ctx<'a>,
    reference: &Plane,
    scan: &Plane,
    page_level: f32,
) -> Vec<(&'a crate::templates::ZoneSpec, f32)> {
    let (w, h) = (reference.width, reference.height);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let cell = (1.5 * ZONE_PX_PER_MM) as usize;
    let mut out = Vec::new();
    for z in ctx
        .t
        .spec
        .zones
        .iter()
        // The MRZ only for now: in text zones of some models the measure
        // is thrown off by the print around the values (see the template
        // issue's note).
        .filter(|z| z.kind == ZoneKind::Mrz)
    {
        let Some([x0, y0, zw, zh]) = canvas_rect(z.rect_mm, w, h) else {
            continue;
        };
        let mut cells = Vec::new();
        let mut y = y0;
        while y + cell <= y0 + zh {
            let mut x = x0;
            while x + cell <= x0 + zw {
                let r = [x, y, cell, cell];
                // Ink blurs into its surroundings: the cell and 1 mm
                // around it must be free of personal data.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let m = ZONE_PX_PER_MM as usize;
                let around = [
                    x.saturating_sub(m),
                    y.saturating_sub(m),
                    cell + 2 * m,
                    cell + 2 * m,
                ];
                if plane_std(reference, r) >= 6.0
                    && ink_share(ctx.t.zone_grey(), &ctx.scan_grey, around) < 0.01
                    && let Some(c) = ncc_rect(reference, scan, r, 0, 0)
                {
                    cells.push(c);
                }
                x += cell;
            }
            y += cell;
        }
        if cells.len() >= 4 {
            let m = median(cells);
            tracing::debug!(zone = %z.name, continuity = m, page = page_level, "background continuity");
            if m < 0.2 && m < page_level - 0.4 {
                out.push((z, m));
            }
        }
    }
    out
}

/// Whether a scan sample is print the model does not have (personal
/// data): much darker than the reference's sample there. Both finite.
fn personal_ink(reference: f32, scan: f32) -> bool {
    reference.is_finite() && scan.is_finite() && scan < reference - 30.0
}

/// Share of a rectangle where the scan is much darker than the reference
/// (print that the model does not have: personal data).
#[allow(clippy::cast_precision_loss)]
fn ink_share(reference: &Plane, scan: &Plane, r: [usize; 4]) -> f32 {
    let [x0, y0, w, h] = r;
    let (mut ink, mut n) = (0usize, 0usize);
    for y in y0..(y0 + h).min(scan.height) {
        for x in x0..(x0 + w).min(scan.width) {
            let (a, b) = (
                reference.data[y * reference.width + x],
                scan.data[y * scan.width + x],
            );
            if a.is_finite() && b.is_finite() {
                n += 1;
                if personal_ink(a, b) {
                    ink += 1;
                }
            }
        }
    }
    if n == 0 { 1.0 } else { ink as f32 / n as f32 }
}

/// Detail of a plane in the rectangle `r` grown by `margin` px (clipped
/// to the plane): each value minus the mean of the 7×7 box around it, so
/// that thin lines (a guilloche, a seal's strokes) stay and a photo's
/// shading goes. Returns the detail plane of the grown rectangle and that
/// rectangle's origin.
#[allow(clippy::cast_precision_loss)]
fn detail(p: &Plane, r: [usize; 4], margin: usize) -> (Plane, [usize; 2]) {
    const RADIUS: usize = 3;
    let x0 = r[0].saturating_sub(margin);
    let y0 = r[1].saturating_sub(margin);
    let x1 = (r[0] + r[2] + margin).min(p.width);
    let y1 = (r[1] + r[3] + margin).min(p.height);
    let (w, h) = (x1.saturating_sub(x0), y1.saturating_sub(y0));
    let mut out = Plane::new(w, h);
    // Integral image of the crop (unknown samples count as the crop's
    // neighbours do not: they are skipped).
    let mut sum = vec![0.0f64; (w + 1) * (h + 1)];
    let mut cnt = vec![0u32; (w + 1) * (h + 1)];
    for y in 0..h {
        let (mut rs, mut rc) = (0.0f64, 0u32);
        for x in 0..w {
            let v = p.data[(y0 + y) * p.width + x0 + x];
            if v.is_finite() {
                rs += f64::from(v);
                rc += 1;
            }
            sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + rs;
            cnt[(y + 1) * (w + 1) + x + 1] = cnt[y * (w + 1) + x + 1] + rc;
        }
    }
    for y in 0..h {
        let (ya, yb) = (y.saturating_sub(RADIUS), (y + RADIUS + 1).min(h));
        for x in 0..w {
            let (xa, xb) = (x.saturating_sub(RADIUS), (x + RADIUS + 1).min(w));
            let at = |yy: usize, xx: usize| (sum[yy * (w + 1) + xx], cnt[yy * (w + 1) + xx]);
            let (s11, c11) = at(yb, xb);
            let (s01, c01) = at(ya, xb);
            let (s10, c10) = at(yb, xa);
            let (s00, c00) = at(ya, xa);
            let n = c11 + c00 - c01 - c10;
            let v = p.data[(y0 + y) * p.width + x0 + x];
            #[allow(clippy::cast_possible_truncation)]
            let mean = ((s11 + s00 - s01 - s10) / f64::from(n.max(1))) as f32;
            out.data[y * w + x] = if v.is_finite() && n > 0 {
                v - mean
            } else {
                f32::NAN
            };
        }
    }
    (out, [x0, y0])
}

/// How far the scan's photo is searched against the model, px (±0.67 mm).
const PORTRAIT_SHIFT: isize = 4;

/// Correlation under which the print over the portrait is missing: on
/// the calibration scans (seed 4242) of models that print a seal over the
/// photo, 96 genuine copies scored 0.048 and more; 20 of 22 substituted
/// photos without the seal scored under it (those with an imitated seal
/// score like genuine ones: 0.09-0.58).
const PORTRAIT_MISSING: f32 = 0.045;

/// Correlation of the ghost portrait with the photo under which the ghost
/// shows another face. Calibration seed 4242 and genuine seed 8080 (186
/// genuine copies of the three models with a ghost): every genuine ghost
/// judged scored 0.364 or more; 6 of 10 paper and 4 of 13 digital photo
/// substitutions scored under 0.3.
const GHOST_UNLIKE: f32 = 0.3;

/// Detail (grey levels, standard deviation after the 5×5 mean is removed
/// on the comparison grid) a photo needs for its ghost to be judged: a
/// flat, low-contrast photo leaves a ghost that is a plain patch, which
/// correlates with nothing (genuine ones under it scored down to 0.16).
const GHOST_MIN_DETAIL: f32 = 9.0;

/// Samples across the ghost comparison grid (its height follows the ghost
/// zone's aspect): about 0.7 mm a sample on a passport's ghost.
const GHOST_GRID_W: usize = 24;

/// `template.portrait`: the photo is the one the document was made with.
/// Two measures, each where the model allows it:
/// - *overprint*: what the model prints over its portrait (the part of a
///   seal that overlaps the photo, declared by the zone's `overprint`)
///   must be on the scan's photo too, in register. A photo laid over the
///   page after it was printed, or printed in its place on a forged page,
///   carries none of it: the fine detail of the portrait zone then no
///   longer correlates with the model's ([`overprint`]; Doc 9303-3
///   §3.9.1.3 asks the background security printing in Zone V to "offer
///   protection to the displayed portrait");
/// - *ghost*: a model with a second, smaller portrait zone (a ghost
///   image) prints the same face twice, both from the one digital image
///   the document was personalised with (Doc 9303-3 §3.9.1.3); a
///   substituted photo leaves the ghost showing the original face
///   ([`ghost`]).
///
/// The worst finding wins; not performed when neither measure applies.
fn portrait(ctx: &Ctx<'_>) -> CheckResult {
    const ID: &str = "template.portrait";
    let results: Vec<CheckResult> = [overprint(ctx, ID), ghost(ctx, ID)]
        .into_iter()
        .flatten()
        .collect();
    let flagged: Vec<&CheckResult> = results
        .iter()
        .filter(|r| matches!(r.status, Status::Warn | Status::Fail))
        .collect();
    if let Some(worst) = flagged.iter().max_by(|a, b| a.score.total_cmp(&b.score)) {
        let message = flagged
            .iter()
            .map(|r| r.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let mut regions: Vec<Region> = Vec::new();
        for r in flagged.iter().flat_map(|r| &r.regions) {
            if !regions.iter().any(|q| q.quad_px == r.quad_px) {
                regions.push(r.clone());
            }
        }
        return CheckResult::new(ID, worst.status, worst.score, message).with_regions(regions);
    }
    let judged: Vec<&str> = results
        .iter()
        .filter(|r| r.status == Status::Pass)
        .map(|r| r.message.as_str())
        .collect();
    if !judged.is_empty() {
        return CheckResult::pass(ID, judged.join("; "));
    }
    let reasons: Vec<&str> = results.iter().map(|r| r.message.as_str()).collect();
    CheckResult::not_performed(
        ID,
        if reasons.is_empty() {
            "the document model declares nothing printed over its portrait (zone `overprint`) and no ghost portrait".to_owned()
        } else {
            reasons.join("; ")
        },
    )
}

/// The overprint measure of [`portrait`]: the 7×7-mean-removed detail of
/// the portrait zone inset by 1 mm (the photo's own edge stays out)
/// correlated with the model's, best over ±4 px (±0.67 mm) of residual
/// misregistration. `None` when the model declares no print over its
/// portrait: the reference's own background in the zone is then covered
/// by every genuine photo.
fn overprint(ctx: &Ctx<'_>, id: &str) -> Option<CheckResult> {
    let reference = ctx.t.zone_grey();
    let area = |z: &&crate::templates::ZoneSpec| z.rect_mm[2] * z.rect_mm[3];
    let z = ctx
        .t
        .spec
        .zones
        .iter()
        .filter(|z| z.kind == ZoneKind::Portrait && z.overprint)
        .max_by(|a, b| area(a).total_cmp(&area(b)))?;
    let [x, y, w, h] = z.rect_mm;
    let inner = [x + 1.0, y + 1.0, (w - 2.0).max(0.0), (h - 2.0).max(0.0)];
    let Some(r) = canvas_rect(inner, reference.width, reference.height) else {
        return Some(CheckResult::not_performed(
            id,
            "the portrait zone is too small to compare",
        ));
    };
    #[allow(clippy::cast_sign_loss)]
    let margin = PORTRAIT_SHIFT as usize + 1;
    let (dr, o) = detail(reference, r, margin);
    let (ds, _) = detail(&ctx.scan_grey, r, margin);
    let local = [r[0] - o[0], r[1] - o[1], r[2], r[3]];
    if plane_std(&dr, local) < 2.5 {
        return Some(CheckResult::not_performed(
            id,
            "the model's reference shows too little print over its portrait to compare",
        ));
    }
    let mut best = f32::NEG_INFINITY;
    for dy in -PORTRAIT_SHIFT..=PORTRAIT_SHIFT {
        for dx in -PORTRAIT_SHIFT..=PORTRAIT_SHIFT {
            if let Some(c) = ncc_rect(&dr, &ds, local, dx, dy) {
                best = best.max(c);
            }
        }
    }
    // A photo without any detail correlates with nothing.
    let c = if best.is_finite() { best } else { 0.0 };
    tracing::debug!(correlation = c, "portrait overprint");
    if c >= PORTRAIT_MISSING {
        return Some(CheckResult::pass(
            id,
            format!(
                "what the model prints over the portrait (its seal) is on the photo, in register (correlation {c:.2})"
            ),
        ));
    }
    // 0.5 at the threshold, 1 at a correlation of 0.025 and under.
    let score = (0.5 + (PORTRAIT_MISSING - c) / 0.04).clamp(0.5, 1.0);
    Some(
        finding(
            id,
            score,
            format!(
                "the seal or pattern this document model prints over its portrait is missing from the photo \
                 (correlation {c:.2}; genuine copies {PORTRAIT_MISSING:.3} and more): the photo was replaced, \
                 or laid over the page after it was printed"
            ),
        )
        .with_regions(vec![Region {
            label: format!("{}: the print over the photo is missing", z.name),
            quad_px: ctx.quad(z.rect_mm),
        }]),
    )
}

/// The ghost measure of [`portrait`]: the model's largest portrait zone is
/// the photo; a portrait zone of under half its area is the ghost (named
/// freely by the contract). `None` when the model has no such pair.
fn ghost(ctx: &Ctx<'_>, id: &str) -> Option<CheckResult> {
    let area = |z: &&crate::templates::ZoneSpec| z.rect_mm[2] * z.rect_mm[3];
    let portraits: Vec<&crate::templates::ZoneSpec> = ctx
        .t
        .spec
        .zones
        .iter()
        .filter(|z| z.kind == ZoneKind::Portrait)
        .collect();
    let main = portraits
        .iter()
        .copied()
        .max_by(|a, b| area(a).total_cmp(&area(b)))?;
    let ghost = portraits
        .iter()
        .copied()
        .filter(|z| area(z) < 0.5 * area(&main))
        .max_by(|a, b| area(a).total_cmp(&area(b)))?;
    let Some(m) = ghost_agreement(ctx, main.rect_mm, ghost.rect_mm) else {
        return Some(CheckResult::not_performed(
            id,
            "the ghost portrait could not be compared with the photo",
        ));
    };
    tracing::debug!(
        correlation = m.correlation,
        detail = m.photo_detail,
        "ghost portrait"
    );
    if m.photo_detail < GHOST_MIN_DETAIL {
        return Some(CheckResult::not_performed(
            id,
            format!(
                "the photo has too little detail to compare its ghost image with (detail {:.1}; {GHOST_MIN_DETAIL:.0} needed)",
                m.photo_detail
            ),
        ));
    }
    let c = m.correlation;
    if c >= GHOST_UNLIKE {
        return Some(CheckResult::pass(
            id,
            format!("the ghost image shows the photo's face (correlation {c:.2})"),
        ));
    }
    // 0.5 at the threshold, 1 at a correlation of 0.1 and under.
    let score = (0.5 + (GHOST_UNLIKE - c) / 0.4).clamp(0.5, 1.0);
    Some(
        finding(
            id,
            score,
            format!(
                "the ghost image does not show the photo's face (correlation {c:.2}; genuine copies \
                 {GHOST_UNLIKE:.2} and more): the photo was replaced after the document was personalised"
            ),
        )
        .with_regions(vec![
            Region {
                label: format!("{}: the photo", main.name),
                quad_px: ctx.quad(main.rect_mm),
            },
            Region {
                label: format!("{}: another face than the photo's", ghost.name),
                quad_px: ctx.quad(ghost.rect_mm),
            },
        ]),
    )
}

/// Bilinear sample of `p` at canvas position (`x`, `y`), NaN outside.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn bilinear(p: &Plane, x: f64, y: f64) -> f32 {
    if !(x >= 0.0 && y >= 0.0) {
        return f32::NAN;
    }
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    if x0 + 1 >= p.width || y0 + 1 >= p.height {
        return f32::NAN;
    }
    let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
    let at = |xx: usize, yy: usize| p.data[yy * p.width + xx];
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
    let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// Normalised correlation of two equally long sample vectors (NaN samples
/// skipped); `None` when either is flat or fewer than 16 pairs remain.
fn ncc_vec(a: &[f32], b: &[f32]) -> Option<f32> {
    let mut sums = PairSums::default();
    for (&x, &y) in a.iter().zip(b) {
        if x.is_finite() && y.is_finite() {
            sums.add(f64::from(x), f64::from(y));
        }
    }
    sums.ncc(16.0, 1e-3, 1e-3)
}

/// Standard deviation of the finite samples; 0 when none.
#[allow(clippy::cast_precision_loss)]
fn finite_std(v: &[f32]) -> f32 {
    let f: Vec<f32> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if f.is_empty() {
        return 0.0;
    }
    let n = f.len() as f32;
    let m = f.iter().sum::<f32>() / n;
    (f.iter().map(|x| (x - m).powi(2)).sum::<f32>() / n).sqrt()
}

/// Each sample of a `w`-wide grid minus the mean of the finite samples in
/// its 5×5 neighbourhood: the face's features stay, the head's and the
/// background's broad shape (common to every portrait) go.
#[allow(clippy::cast_precision_loss)]
fn grid_detail(v: &mut [f32], w: usize) {
    let h = v.len() / w.max(1);
    let src = v.to_vec();
    for j in 0..h {
        for i in 0..w {
            let (mut s, mut n) = (0.0f32, 0.0f32);
            for jj in j.saturating_sub(2)..(j + 3).min(h) {
                for &q in &src[jj * w + i.saturating_sub(2)..jj * w + (i + 3).min(w)] {
                    if q.is_finite() {
                        s += q;
                        n += 1.0;
                    }
                }
            }
            v[j * w + i] = src[j * w + i] - s / n.max(1.0);
        }
    }
}

/// The scan against the model around a zone (1-3 mm out), as
/// `scan ≈ gain · reference + offset`; fitted again without the samples far
/// under that line (personal print beside the zone). (1, 0) when too
/// little is there to fit.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn surround_gain(ctx: &Ctx<'_>, zone: [f64; 4]) -> (f32, f32) {
    let k = ZONE_PX_PER_MM;
    let reference = ctx.t.zone_grey();
    let [zx, zy, zw, zh] = zone;
    let (x0, y0) = (
        ((zx - 3.0) * k).max(0.0) as usize,
        ((zy - 3.0) * k).max(0.0) as usize,
    );
    let x1 = (((zx + zw + 3.0) * k).max(0.0) as usize).min(reference.width);
    let y1 = (((zy + zh + 3.0) * k).max(0.0) as usize).min(reference.height);
    let mut pairs = Vec::new();
    for y in y0..y1 {
        for x in x0..x1 {
            let (xm, ym) = (x as f64 / k, y as f64 / k);
            let inner = xm > zx - 1.0 && xm < zx + zw + 1.0 && ym > zy - 1.0 && ym < zy + zh + 1.0;
            let (r, q) = (reference.at(x, y), ctx.scan_grey.at(x, y));
            if !inner && r.is_finite() && q.is_finite() {
                pairs.push((f64::from(r), f64::from(q)));
            }
        }
    }
    let fit = |pairs: &[(f64, f64)]| -> Option<(f64, f64)> {
        let n = pairs.len() as f64;
        if n < 50.0 {
            return None;
        }
        let (sx, sy) = pairs.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
        let (mx, my) = (sx / n, sy / n);
        let (sxx, sxy) = pairs.iter().fold((0.0, 0.0), |a, p| {
            (a.0 + (p.0 - mx).powi(2), a.1 + (p.0 - mx) * (p.1 - my))
        });
        if sxx < n {
            return Some((1.0, my - mx));
        }
        let g = (sxy / sxx).clamp(0.3, 3.0);
        Some((g, my - g * mx))
    };
    let (g, o) = match fit(&pairs) {
        Some((g, o)) => {
            let kept: Vec<(f64, f64)> = pairs
                .into_iter()
                .filter(|p| p.1 > g * p.0 + o - 30.0)
                .collect();
            fit(&kept).unwrap_or((g, o))
        }
        None => (1.0, 0.0),
    };
    (g as f32, o as f32)
}

/// What [`ghost_agreement`] measured.
struct GhostMatch {
    /// Best correlation of the ghost's ink with the photo's darkness.
    correlation: f32,
    /// The photo's detail on the comparison grid (grey levels).
    photo_detail: f32,
}

/// The ghost portrait against the main photo on a common grid: the
/// ghost's ink (what the scan adds to the model's print there, after the
/// model's print is matched to the scan's tone around the ghost) correlated
/// with the photo's darkness (the model's own print over the photo, a
/// seal, left out), both with their 5×5 grid mean removed, best over
/// ±1 mm shifts and ±8 % scales of the ghost.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn ghost_agreement(ctx: &Ctx<'_>, main: [f64; 4], ghost: [f64; 4]) -> Option<GhostMatch> {
    let k = ZONE_PX_PER_MM;
    let reference = ctx.t.zone_grey();
    if ghost[2] <= 0.0 || ghost[3] <= 0.0 {
        return None;
    }
    let gh = ((GHOST_GRID_W as f64) * ghost[3] / ghost[2])
        .round()
        .clamp(8.0, 64.0) as usize;
    let sample = |p: &Plane, r: [f64; 4]| -> Vec<f32> {
        let mut v = Vec::with_capacity(GHOST_GRID_W * gh);
        for j in 0..gh {
            for i in 0..GHOST_GRID_W {
                let x = (r[0] + r[2] * (i as f64 + 0.5) / GHOST_GRID_W as f64) * k;
                let y = (r[1] + r[3] * (j as f64 + 0.5) / gh as f64) * k;
                v.push(bilinear(p, x, y));
            }
        }
        v
    };
    let model_main = sample(reference, main);
    let mut sorted: Vec<f32> = model_main
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    sorted.sort_by(f32::total_cmp);
    let paper = *sorted.get(sorted.len() * 9 / 10)?;
    let mut photo: Vec<f32> = sample(&ctx.scan_grey, main)
        .iter()
        .zip(&model_main)
        .map(|(&s, &m)| {
            if m < paper - 50.0 {
                f32::NAN
            } else {
                255.0 - s
            }
        })
        .collect();
    grid_detail(&mut photo, GHOST_GRID_W);
    let photo_detail = finite_std(&photo);
    let (gain, offset) = surround_gain(ctx, ghost);
    let mut best: Option<f32> = None;
    for scale in [0.92, 1.0, 1.08] {
        for dy in -4i32..=4 {
            for dx in -4i32..=4 {
                let (w, h) = (ghost[2] * scale, ghost[3] * scale);
                let r = [
                    ghost[0] + (ghost[2] - w) / 2.0 + f64::from(dx) * 0.25,
                    ghost[1] + (ghost[3] - h) / 2.0 + f64::from(dy) * 0.25,
                    w,
                    h,
                ];
                let mut ink: Vec<f32> = sample(reference, r)
                    .iter()
                    .zip(sample(&ctx.scan_grey, r))
                    .map(|(&m, s)| gain * m + offset - s)
                    .collect();
                grid_detail(&mut ink, GHOST_GRID_W);
                if let Some(c) = ncc_vec(&ink, &photo) {
                    best = Some(best.map_or(c, |b: f32| b.max(c)));
                }
            }
        }
    }
    Some(GhostMatch {
        correlation: best?,
        photo_detail,
    })
}

/// `template.mrz_position`: the MRZ block centred where the model puts it,
/// at the ICAO 9303 character pitch (10 per 25.4 mm, Doc 9303-3 §4.3).
fn mrz_position(ctx: &Ctx<'_>, reading: Option<&MrzReading>) -> CheckResult {
    const ID: &str = "template.mrz_position";
    let Some(zone) = ctx.t.spec.mrz_zone() else {
        return CheckResult::not_performed(ID, "the model has no MRZ");
    };
    // A misread MRZ places nothing: only a valid one of this model's
    // format is measured (an altered one fails its own checks).
    let complete = |r: &&MrzReading| {
        r.mrz.is_valid()
            && r.mrz.format.is_some_and(|f| {
                Some(f.as_str()) == ctx.t.spec.mrz_format.as_deref()
                    && r.lines.len() == f.line_count()
                    && r.lines.iter().all(|l| l.chars().count() == f.line_len())
                    && r.line_quads.len() == f.line_count()
                    && r.chars.iter().all(|l| l.len() == f.line_len())
            })
    };
    let Some(r) = reading.filter(complete) else {
        return CheckResult::not_performed(ID, "no complete MRZ of this model's format was read");
    };
    let Some(to_mm) = ctx.alignment.mm_to_img.inverse() else {
        return CheckResult::not_performed(ID, "the alignment cannot be inverted");
    };
    let to_doc = |p: [f32; 2]| {
        to_mm
            .apply([f64::from(p[0]), f64::from(p[1])])
            .unwrap_or([f64::NAN, f64::NAN])
    };
    let centre = |q: &[[f32; 2]; 4]| {
        let x = q.iter().map(|p| f64::from(p[0])).sum::<f64>() / 4.0;
        let y = q.iter().map(|p| f64::from(p[1])).sum::<f64>() / 4.0;
        to_mm.apply([x, y]).unwrap_or([f64::NAN, f64::NAN])
    };
    #[allow(clippy::cast_precision_loss)]
    let n = r.line_quads.len() as f64;
    // Centre from the first and last characters read (the located line's
    // ends may miss a faint filler).
    let c: [f64; 2] = r
        .chars
        .iter()
        .filter_map(|l| Some((centre(&l.first()?.quad), centre(&l.last()?.quad))))
        .map(|(a, b)| [f64::midpoint(a[0], b[0]), f64::midpoint(a[1], b[1])])
        .fold([0.0, 0.0], |a, p| [a[0] + p[0] / n, a[1] + p[1] / n]);
    let [zx, zy, zw, zh] = zone.rect_mm;
    // Along the lines the block is centred in its zone (fixed-length
    // lines); across them a template's zone may be padded unevenly, so the
    // block must only stay inside it.
    let dx = c[0] - (zx + zw / 2.0);
    let ys: Vec<f64> = r
        .line_quads
        .iter()
        .flat_map(|q| q.iter().map(|p| to_doc(*p)[1]))
        .collect();
    let (top, bottom) = (
        ys.iter().copied().fold(f64::INFINITY, f64::min),
        ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let overflow = (zy - top).max(bottom - (zy + zh)).max(0.0);
    let dy = if zy - top > bottom - (zy + zh) {
        -overflow
    } else {
        overflow
    };
    let offset = dx.abs().max(overflow);
    // Pitch from the first and last characters' centres of each line.
    let mut pitches = Vec::new();
    for line in &r.chars {
        if let (Some(a), Some(b)) = (line.first(), line.last())
            && line.len() > 10
        {
            let (pa, pb) = (centre(&a.quad), centre(&b.quad));
            #[allow(clippy::cast_precision_loss)]
            pitches.push(
                ((pb[0] - pa[0]).powi(2) + (pb[1] - pa[1]).powi(2)).sqrt()
                    / (line.len() - 1) as f64,
            );
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let pitch = if pitches.is_empty() {
        f64::NAN
    } else {
        pitches.iter().sum::<f64>() / pitches.len() as f64
    };
    if !offset.is_finite() {
        return CheckResult::not_performed(ID, "the MRZ could not be placed on the model");
    }
    let pitch_dev = ((pitch / 2.54) - 1.0).abs();
    let off_score = ((dx.abs() - 0.9) / 1.0)
        .max((overflow - 0.4) / 1.0)
        .clamp(0.0, 1.0) as f32;
    let pitch_score = if pitch.is_finite() {
        ((pitch_dev - 0.03) / 0.04).clamp(0.0, 1.0) as f32
    } else {
        0.0
    };
    // A weakly supported alignment (a model identified on few anchors, as
    // with a counterfeit) places the MRZ less surely: a warning at most.
    // Advisory until the MRZ's measured place is steadier than the spread
    // seen on genuine scans (misread line ends, weak alignments): alone it
    // never reaches `review`.
    let cap = if ctx.alignment.support() < 0.3 {
        0.25
    } else {
        0.35
    };
    let score = off_score.max(pitch_score) * cap;
    let what = format!(
        "the MRZ sits {:.1} mm {} of where the model centres it and {:.1} mm {} its zone, character pitch {pitch:.2} mm (ICAO 2.54 mm)",
        dx.abs(),
        if dx >= 0.0 { "right" } else { "left" },
        dy.abs(),
        if dy >= 0.0 { "below" } else { "above" }
    );
    if score < 0.1 {
        return CheckResult::pass(ID, what);
    }
    let regions = r
        .line_quads
        .iter()
        .enumerate()
        .map(|(i, q)| Region {
            label: format!("MRZ line {} as printed", i + 1),
            quad_px: *q,
        })
        .chain(std::iter::once(Region {
            label: "where the model puts the MRZ".into(),
            quad_px: ctx.quad(zone.rect_mm),
        }))
        .collect();
    finding(
        ID,
        score,
        format!("{what}: the MRZ may have been re-printed"),
    )
    .with_regions(regions)
}

/// How one text zone's personal data is printed.
#[derive(Debug, Clone, Copy)]
struct Print {
    /// Ink colour relative to the paper around it, per channel (0 black,
    /// 1 paper): free of illumination and colour cast.
    colour: [f32; 3],
    /// Height of the inked rows, mm.
    height_mm: f32,
    /// Bottom of the inked rows below the zone's top, mm.
    bottom_mm: f32,
}

/// Measures the print in a text zone of the aligned colour canvas: paper =
/// the brighter half of the zone, ink = pixels darker than 55% of it.
#[allow(clippy::cast_precision_loss)]
fn measure_print(rgb: &[Plane; 3], r: [usize; 4]) -> Option<Print> {
    let [x0, y0, w, h] = r;
    let width = rgb[0].width;
    let mut greys = Vec::with_capacity(w * h);
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            let i = y * width + x;
            let g = (rgb[0].data[i] + rgb[1].data[i] + rgb[2].data[i]) / 3.0;
            if g.is_finite() {
                greys.push(g);
            }
        }
    }
    if greys.len() < w * h / 2 {
        return None;
    }
    greys.sort_by(f32::total_cmp);
    let paper_grey = greys[greys.len() * 3 / 4];
    let mut paper = [0.0f64; 3];
    let mut np = 0.0;
    let mut ink = [0.0f64; 3];
    let mut ni = 0.0;
    let mut rows = vec![0usize; h];
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            let i = y * width + x;
            let px = [rgb[0].data[i], rgb[1].data[i], rgb[2].data[i]];
            let g = (px[0] + px[1] + px[2]) / 3.0;
            if !g.is_finite() {
                continue;
            }
            if g >= paper_grey * 0.9 {
                for c in 0..3 {
                    paper[c] += f64::from(px[c]);
                }
                np += 1.0;
            } else if g < paper_grey * 0.55 {
                for c in 0..3 {
                    ink[c] += f64::from(px[c]);
                }
                ni += 1.0;
                rows[y - y0] += 1;
            }
        }
    }
    // Too little ink to be a printed value (an empty field).
    if ni < (w * h) as f64 * 0.01 || np < 10.0 {
        return None;
    }
    let peak = rows.iter().copied().max().unwrap_or(0);
    let dense: Vec<usize> = (0..h).filter(|&y| rows[y] * 5 >= peak).collect();
    let (top, bottom) = (*dense.first()?, *dense.last()?);
    #[allow(clippy::cast_possible_truncation)]
    let colour = [0, 1, 2].map(|c| ((ink[c] / ni) / (paper[c] / np).max(1.0)) as f32);
    #[allow(clippy::cast_possible_truncation)]
    let k = ZONE_PX_PER_MM as f32;
    Some(Print {
        colour,
        height_mm: (bottom + 1 - top) as f32 / k,
        bottom_mm: (bottom + 1) as f32 / k,
    })
}

fn median(mut v: Vec<f32>) -> f32 {
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f32::NAN)
}

/// `template.text_print`: every personal-data field printed alike. One
/// printer puts all of a document's data on it in one pass, so a value
/// whose ink colour, character height or baseline differs from the other
/// fields' was printed apart from them: erased and re-printed.
fn text_print(ctx: &Ctx<'_>) -> CheckResult {
    const ID: &str = "template.text_print";
    let (w, h) = (ctx.scan_rgb[0].width, ctx.scan_rgb[0].height);
    let fields: Vec<(&crate::templates::ZoneSpec, Print)> = ctx
        .t
        .spec
        .zones
        .iter()
        .filter(|z| z.kind == ZoneKind::Text)
        .filter_map(|z| {
            Some((
                z,
                measure_print(&ctx.scan_rgb, canvas_rect(z.rect_mm, w, h)?)?,
            ))
        })
        .collect();
    if fields.len() < 3 {
        return CheckResult::not_performed(
            ID,
            "fewer than three printed fields to compare with each other",
        );
    }
    let mut odd = Vec::new();
    for (i, (z, p)) in fields.iter().enumerate() {
        let others: Vec<&Print> = fields
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, f)| &f.1)
            .collect();
        let mc = [0, 1, 2].map(|c| median(others.iter().map(|o| o.colour[c]).collect()));
        let mh = median(others.iter().map(|o| o.height_mm).collect());
        let mb_rel = median(
            fields
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (oz, o))| o.bottom_mm - oz.rect_mm[3] as f32)
                .collect(),
        );
        let dc = (0..3)
            .map(|c| (p.colour[c] - mc[c]).abs())
            .fold(0.0f32, f32::max);
        let dh = (p.height_mm / mh.max(0.1) - 1.0).abs();
        let db = (p.bottom_mm - z.rect_mm[3] as f32 - mb_rel).abs();
        let mut why = Vec::new();
        if dc > 0.12 {
            why.push(format!("ink colour differs by {:.0}%", dc * 100.0));
        }
        // Height depends on the letters (capitals, digits, descenders): only
        // a gross difference counts.
        if dh > 0.8 {
            why.push(format!(
                "characters {:.1} mm high where the others are {mh:.1} mm",
                p.height_mm
            ));
        }
        if db > 1.2 {
            why.push(format!("baseline {db:.1} mm off the others'"));
        }
        if !why.is_empty() {
            #[allow(clippy::cast_precision_loss)]
            let weight = why.len() as f32;
            odd.push((z, why.join(", "), weight));
        }
    }
    if odd.is_empty() {
        return CheckResult::pass(
            ID,
            format!(
                "{} printed fields share ink colour, character height and baseline",
                fields.len()
            ),
        );
    }
    // A document where most fields disagree is badly measured, not forged
    // everywhere: the evidence is one or two fields standing out.
    #[allow(clippy::cast_precision_loss)]
    let share = odd.len() as f32 / fields.len() as f32;
    if share > 0.5 {
        return CheckResult::pass(
            ID,
            format!(
                "{} of {} printed fields differ from each other: no single field stands out",
                odd.len(),
                fields.len()
            ),
        );
    }
    // Advisory: models print some fields in another size or place by
    // design (personal numbers, durations), so this alone never reaches
    // `review`; it points the examiner at the field.
    let strongest = odd.iter().map(|o| o.2).fold(0.0f32, f32::max);
    let score = (0.2 + 0.05 * strongest).min(0.3);
    let names: Vec<String> = odd
        .iter()
        .map(|(z, why, _)| format!("{} ({why})", z.name))
        .collect();
    let regions = odd
        .iter()
        .map(|(z, why, _)| Region {
            label: format!("{}: {why}", z.name),
            quad_px: ctx.quad(z.rect_mm),
        })
        .collect();
    finding(
        ID,
        score,
        format!(
            "printed differently from the document's other fields, as if re-printed: {}",
            names.join("; ")
        ),
    )
    .with_regions(regions)
}

/// Share of the model's background tone missing around a printed value
/// from which the background counts as erased there. On the calibration
/// scans (seed 4242, with templates) 5 of 375 genuine documents had a
/// text zone at 0.35 or more (none at 0.45); 12 of 50 printed-data
/// alterations on paper and 12 of 52 on the file did, every one at the
/// altered field.
const VOID_AT: f32 = 0.35;

/// The same for the MRZ, where a re-created MRZ is printed on an erased
/// band: on calibration seed 4242 no genuine document reached 0.3 (the
/// highest 0.29, the 99th percentile 0.15); 12 of 31 paper and 13 of 34
/// digital MRZ re-creations did.
const MRZ_VOID_AT: f32 = 0.3;

/// A text zone's value printed on bare paper where the model has
/// background print: what a value erased and re-printed leaves.
#[derive(Debug, Clone, Copy)]
struct Void {
    /// Share of the model's background tone missing around the value
    /// (0 = all there, 1 = bare paper), against the page around it.
    missing: f32,
    /// The value's box (mm), where the background is missing.
    rect_mm: [f64; 4],
}

/// Measures [`Void`] for one text or MRZ zone. The value is the scan's ink
/// (much darker than the model) in the zone grown by 1 mm; on the paper
/// pixels (not ink) of its box grown by 2 px, the scan's tone minus the
/// model's is compared with the same difference 1-4 mm around the box:
/// where a forger erased the value, the model's background print is gone
/// between and just around the glyphs, so the scan is lighter there than
/// the model by the background's own depth (the model's paper level minus
/// its tone there). Global exposure, paper tint and fading cancel in the
/// difference with the surroundings. `None` when the zone holds no value
/// or too few pixels to compare.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn text_void(ctx: &Ctx<'_>, zone_mm: [f64; 4]) -> Option<Void> {
    let reference = ctx.t.zone_grey();
    let (scan, raw) = (&ctx.scan_grey, &ctx.scan_raw_grey);
    let (w, h) = (reference.width, reference.height);
    let [x, y, zw, zh] = zone_mm;
    let ink = |i: usize| personal_ink(reference.data[i], scan.data[i]);
    let [zx, zy, zw, zh] = canvas_rect([x - 1.0, y - 1.0, zw + 2.0, zh + 2.0], w, h)?;
    let (mut bx0, mut by0, mut bx1, mut by1, mut n) = (usize::MAX, usize::MAX, 0, 0, 0usize);
    for yy in zy..zy + zh {
        for xx in zx..zx + zw {
            if ink(yy * w + xx) {
                bx0 = bx0.min(xx);
                by0 = by0.min(yy);
                bx1 = bx1.max(xx + 1);
                by1 = by1.max(yy + 1);
                n += 1;
            }
        }
    }
    if n < 20 {
        return None;
    }
    // The window: the value's box and 4 mm / 3 mm around it.
    let (wx0, wy0) = (bx0.saturating_sub(24), by0.saturating_sub(18));
    let (wx1, wy1) = ((bx1 + 24).min(w), (by1 + 18).min(h));
    let paper = {
        let mut v: Vec<f32> = (wy0..wy1)
            .flat_map(|yy| (wx0..wx1).map(move |xx| reference.data[yy * w + xx]))
            .filter(|v| v.is_finite())
            .collect();
        if v.len() < 100 {
            return None;
        }
        let k = v.len() * 95 / 100;
        *v.select_nth_unstable_by(k, f32::total_cmp).1
    };
    let (mut tin, mut depth, mut nin, mut tout, mut nout) =
        (0.0f64, 0.0f64, 0usize, 0.0f64, 0usize);
    for yy in wy0..wy1 {
        for xx in wx0..wx1 {
            let i = yy * w + xx;
            let (a, b) = (reference.data[i], raw.data[i]);
            if !(a.is_finite() && b.is_finite()) || ink(i) {
                continue;
            }
            let du = if xx + 2 < bx0 {
                bx0 - xx
            } else if xx >= bx1 + 2 {
                xx + 1 - bx1
            } else {
                0
            };
            let dv = if yy + 2 < by0 {
                by0 - yy
            } else if yy >= by1 + 2 {
                yy + 1 - by1
            } else {
                0
            };
            match du.max(dv) {
                0 => {
                    tin += f64::from(b - a);
                    depth += f64::from(paper - a);
                    nin += 1;
                }
                d if d >= 6 => {
                    tout += f64::from(b - a);
                    nout += 1;
                }
                _ => {}
            }
        }
    }
    if nin < 20 || nout < 20 {
        return None;
    }
    let tone = tin / nin as f64 - tout / nout as f64;
    let depth = depth / nin as f64;
    let k = ZONE_PX_PER_MM;
    Some(Void {
        missing: (tone / depth.max(4.0)) as f32,
        rect_mm: [
            bx0 as f64 / k,
            by0 as f64 / k,
            (bx1 - bx0) as f64 / k,
            (by1 - by0) as f64 / k,
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::cast_precision_loss)] // small test indices
    fn pair_sums_correlate_and_refuse_flat_data() {
        let a: Vec<f32> = (0..40).map(|i| (i as f32 * 0.7).sin() * 10.0).collect();
        let twice: Vec<f32> = a.iter().map(|v| 2.0 * v + 5.0).collect();
        let negated: Vec<f32> = a.iter().map(|v| -v).collect();
        assert!((ncc_vec(&a, &twice).expect("correlated") - 1.0).abs() < 1e-5);
        assert!((ncc_vec(&a, &negated).expect("anti-correlated") + 1.0).abs() < 1e-5);
        // Flat data correlates with nothing; NaN samples are skipped.
        assert_eq!(ncc_vec(&a, &[3.0; 40]), None);
        let mut holes = twice.clone();
        holes[3] = f32::NAN;
        assert!((ncc_vec(&a, &holes).expect("correlated") - 1.0).abs() < 1e-5);
        // Too few pairs.
        assert_eq!(ncc_vec(&a[..8], &twice[..8]), None);
    }

    #[test]
    #[allow(clippy::cast_precision_loss)] // small test indices
    fn grid_detail_keeps_features_and_drops_the_broad_shape() {
        // A broad ramp (the head's shape) with one dark feature.
        let w = 12;
        let mut v: Vec<f32> = (0..w * 10).map(|i| (i % w) as f32 * 3.0).collect();
        v[5 * w + 6] += 40.0;
        grid_detail(&mut v, w);
        // Inside the grid the ramp cancels (its 5×5 mean is its centre).
        assert!(v[2 * w + 3].abs() < 1e-4, "{}", v[2 * w + 3]);
        // The feature stands out by most of its height.
        assert!(v[5 * w + 6] > 30.0, "{}", v[5 * w + 6]);
        // NaN samples stay NaN and do not spread.
        let mut g = vec![1.0f32; w * 6];
        g[7] = f32::NAN;
        grid_detail(&mut g, w);
        assert!(g[7].is_nan());
        assert!(g.iter().enumerate().all(|(i, x)| i == 7 || x.abs() < 1e-6));
    }

    /// The homography mapping the model's corners onto `q` (clockwise from
    /// its top-left).
    fn onto(size: [f64; 2], q: [[f64; 2]; 4]) -> Homography {
        let [w, h] = size;
        Homography::fit(&[[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]], &q).expect("four corners")
    }

    #[test]
    fn only_a_page_like_outline_is_a_plausible_alignment() {
        let card = [105.0, 74.0];
        // 300 dpi, turned 90°, slight perspective: a scan.
        let scan = onto(
            card,
            [
                [1300.0, 100.0],
                [1310.0, 1340.0],
                [440.0, 1335.0],
                [435.0, 95.0],
            ],
        );
        assert!(plausible(&scan, card));
        assert!(plausible(
            &Homography::scale_translate(11.8, [30.0, 40.0]),
            card
        ));
        // The card model "found" on an A4 birth certificate (hold-out seed
        // 5151, #55): opposite sides 2374 and 3142 px.
        let sheared = onto(
            card,
            [
                [2718.5, 555.4],
                [2715.7, 3904.8],
                [-426.9, 3806.5],
                [347.0, 457.8],
            ],
        );
        assert!(!plausible(&sheared, card));
        // Folded (not convex), and the wrong aspect.
        let folded = onto(
            card,
            [[0.0, 0.0], [1240.0, 0.0], [200.0, 870.0], [1000.0, 870.0]],
        );
        assert!(!plausible(&folded, card));
        let square = onto(
            card,
            [[0.0, 0.0], [900.0, 0.0], [900.0, 900.0], [0.0, 900.0]],
        );
        assert!(!plausible(&square, card));
    }

    #[test]
    #[allow(clippy::cast_precision_loss)] // small coordinates
    fn detail_keeps_thin_lines_and_drops_shading() {
        let (w, h) = (40usize, 30usize);
        let mut p = Plane::new(w, h);
        for y in 0..h {
            for x in 0..w {
                // A slow ramp, and a dark line down column 20.
                p.data[y * w + x] = 100.0 + 2.0 * x as f32 - if x == 20 { 60.0 } else { 0.0 };
            }
        }
        let (d, o) = detail(&p, [10, 10, 20, 10], 3);
        assert_eq!(o, [7, 7]);
        // Away from the line the ramp is gone (a linear ramp's box mean is
        // itself); on the line the dip remains.
        let at = |x: usize, y: usize| d.data[(y - o[1]) * d.width + (x - o[0])];
        assert!(at(12, 15).abs() < 1e-3, "{}", at(12, 15));
        assert!(at(20, 15) < -40.0, "{}", at(20, 15));
        // Correlating a detail plane with itself gives 1.
        let c = ncc_rect(&d, &d, [3, 3, 20, 10], 0, 0).expect("correlation");
        assert!((c - 1.0).abs() < 1e-4, "{c}");
    }
}
