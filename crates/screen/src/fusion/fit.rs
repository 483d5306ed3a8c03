//! Fitting a [`FusionModel`] on labelled scans: L2-regularised logistic
//! regression with non-negative weights (projected cyclic coordinate
//! Newton, deterministic), class-balanced, and the desks' thresholds from
//! the calibration set's genuine scores.
//!
//! The problem is tiny (two features per check id, ~40; a few hundred
//! rows), so it is solved by hand rather than with a solver crate:
//! each sweep updates the bias, then every weight in id order by a Newton
//! step on that coordinate, projected onto `w ≥ 0` and halved until the
//! objective does not rise. The objective is convex, so this converges to
//! its one minimum, and the same rows give the same bytes.

use std::collections::BTreeMap;

use crate::ScreenError;
use crate::report::CheckResult;

use super::{
    DECISIVE, DEFAULT_DESK, Desk, FEATURE, FUSION_FORMAT, FUSION_VERSION, FitInfo, FusionModel,
    fail_feature, feature, sigmoid,
};

/// One calibration row: a scan's features and its ground truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Feature per check id ([`feature`]); every check the scan reported,
    /// zeros included, so that the fit knows the id.
    pub features: BTreeMap<String, f64>,
    /// Second feature per check id ([`fail_feature`]), likewise.
    pub fails: BTreeMap<String, f64>,
    /// Forged (true) or genuine.
    pub forged: bool,
    /// Which calibration run the row comes from (e.g. the report: with or
    /// without templates); thresholds must hold in every run.
    pub group: usize,
}

impl Example {
    /// The row of a scan's checks, from calibration run `group`.
    #[must_use]
    pub fn from_checks(checks: &[CheckResult], forged: bool, group: usize) -> Self {
        let (mut features, mut fails) = (BTreeMap::new(), BTreeMap::new());
        for c in checks {
            // A repeated id (none today) sums, as in `probability`.
            *features.entry(c.id.clone()).or_insert(0.0) += feature(c);
            *fails.entry(c.id.clone()).or_insert(0.0) += fail_feature(c);
        }
        Self {
            features,
            fails,
            forged,
            group,
        }
    }
}

/// What [`fit`] fits and how the desks are set.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// The model's id (reports name it in `score_model`).
    pub id: String,
    /// L2 penalty on the weights (the bias is not penalised); the loss
    /// is the class-balanced mean, so this is relative to one row's loss.
    pub l2: f64,
    /// Desks: name and the share of calibration genuine scans that must
    /// score below its `review` threshold.
    pub desks: Vec<(String, f64)>,
    /// Share of calibration genuine scans that must score below `fail`.
    pub fail_pass: f64,
    /// Lowest probability (under equal prior odds) that may fail a
    /// document, whatever the genuine quantile.
    pub fail_posterior: f64,
    /// Fewest forged calibration rows a check must fail, with no genuine
    /// row failing it, to join the review floor (0: no review floor).
    pub floor_min_forged: usize,
    /// Provenance recorded in the file (date, seeds, reports); the fit
    /// fills in the counts, AUC and rules.
    pub info: FitInfo,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            id: "fusion".into(),
            // 10⁻³: at 10⁻⁴ a check that no genuine calibration scan
            // happens to trip (`viz.mrz_in_print` since session 15) got a
            // weight that failed a genuine hold-out scan it misread.
            l2: 1e-3,
            desks: vec![
                (DEFAULT_DESK.into(), 0.98),
                ("consular".into(), 0.95),
                ("airport".into(), 0.99),
            ],
            fail_pass: 0.998,
            fail_posterior: 0.9,
            // Five: fewer is chance on a set of a thousand scans.
            floor_min_forged: 5,
            info: FitInfo::default(),
        }
    }
}

/// A fitted model and how the fit went.
#[derive(Debug, Clone)]
pub struct FitSummary {
    /// The model, ready to write.
    pub model: FusionModel,
    /// Coordinate sweeps run.
    pub sweeps: usize,
    /// Whether the largest step of the last sweep was below tolerance.
    pub converged: bool,
    /// The fitted scores of the calibration genuine rows.
    pub genuine_scores: Vec<f32>,
    /// The fitted scores of the calibration forged rows.
    pub forged_scores: Vec<f32>,
    /// Per forged row (as `forged_scores`): whether a check of the review
    /// floor failed on it, sending it to review whatever its score.
    pub forged_floored: Vec<bool>,
}

const MAX_SWEEPS: usize = 5000;
const TOLERANCE: f64 = 1e-9;
/// Thresholds are set on this grid (readable, and robust to the last bits
/// of a weight read back from JSON).
const GRID: f64 = 1e-4;

/// Fits a fusion model on `examples`.
///
/// The probability is calibrated to equal prior odds: genuine and forged
/// rows each carry half the loss, whatever their counts. Thresholds:
/// `review` of a desk is the lowest score on a 10⁻⁴ grid above at least
/// its share of the genuine rows' scores ([`review_threshold`]) in every
/// `group` (calibration run) — the highest of the groups' thresholds;
/// `fail` is the same rule at `fail_pass`, but never below
/// `fail_posterior` nor below the desk's `review`.
///
/// # Errors
/// [`ScreenError::FusionFit`] without both genuine and forged rows, or
/// with options out of range.
pub fn fit(examples: &[Example], options: &FitOptions) -> Result<FitSummary, ScreenError> {
    let refuse = |detail: String| Err(ScreenError::FusionFit { detail });
    let n_forged = examples.iter().filter(|e| e.forged).count();
    let n_genuine = examples.len() - n_forged;
    if n_forged == 0 || n_genuine == 0 {
        return refuse(format!(
            "{n_genuine} genuine and {n_forged} forged rows: give reports with both"
        ));
    }
    if !(options.l2.is_finite() && options.l2 >= 0.0) {
        return refuse(format!("l2 {} must be ≥ 0", options.l2));
    }
    let share_ok = |q: f64| q > 0.0 && q <= 1.0;
    if !share_ok(options.fail_pass)
        || !share_ok(options.fail_posterior)
        || options.desks.iter().any(|(_, q)| !share_ok(*q))
    {
        return refuse("pass shares and the fail posterior must lie in (0, 1]".into());
    }
    if !options.desks.iter().any(|(n, _)| n == DEFAULT_DESK) {
        return refuse(format!("no {DEFAULT_DESK:?} desk among the options"));
    }
    let problem = Problem::new(examples, options.l2);
    let (bias, weights, sweeps, converged) = problem.solve();
    // Round to readable figures first; the thresholds come from the
    // rounded model, exactly as it will score.
    let round = |x: f64| (x * 1e4).round() / 1e4;
    let mut model = FusionModel {
        format: FUSION_FORMAT.into(),
        version: FUSION_VERSION,
        id: options.id.clone(),
        feature: FEATURE.into(),
        bias: round(bias),
        default_weight: 0.0,
        weights: problem
            .ids
            .iter()
            .zip(&weights)
            .filter(|((_, fail), _)| !fail)
            .map(|((id, _), w)| (id.clone(), round(*w).max(0.0)))
            .collect(),
        fail_weights: problem
            .ids
            .iter()
            .zip(&weights)
            .filter(|((_, fail), _)| *fail)
            .map(|((id, _), w)| (id.clone(), round(*w).max(0.0)))
            .collect(),
        decisive: DECISIVE.iter().map(|d| (*d).to_owned()).collect(),
        review_floor: review_floor(examples, options.floor_min_forged),
        desks: BTreeMap::new(),
        fitted: None,
    };
    let score = |e: &Example| {
        let z = model.bias
            + e.features
                .iter()
                .map(|(id, x)| model.weight(id) * x)
                .sum::<f64>()
            + e.fails
                .iter()
                .map(|(id, y)| model.fail_weight(id) * y)
                .sum::<f64>();
        #[allow(clippy::cast_possible_truncation)] // a probability
        let p = sigmoid(z) as f32;
        p
    };
    let (mut genuine, mut forged, mut floored) = (Vec::new(), Vec::new(), Vec::new());
    let mut runs: BTreeMap<usize, Vec<f32>> = BTreeMap::new();
    for e in examples {
        let s = score(e);
        if e.forged {
            forged.push(s);
            floored.push(
                e.fails
                    .iter()
                    .any(|(id, y)| *y > 0.0 && model.floors_at_review(id)),
            );
        } else {
            genuine.push(s);
            runs.entry(e.group).or_default().push(s);
        }
    }
    // A threshold must keep its share in every run (with and without
    // templates the features differ): the highest of the runs' thresholds.
    let threshold = |share: f64| {
        runs.values()
            .map(|g| review_threshold(g, share))
            .fold(0.0f32, f32::max)
    };
    let worst_pass = |t: f32| {
        runs.values()
            .map(|g| pass_share(g, t))
            .fold(1.0f64, f64::min)
    };
    #[allow(clippy::cast_possible_truncation)] // a probability
    let fail = threshold(options.fail_pass).max(options.fail_posterior as f32);
    for (name, share) in &options.desks {
        let review = threshold(*share);
        let desk = Desk {
            review,
            fail: fail.max(review),
            genuine_pass: Some(worst_pass(review)),
        };
        model.desks.insert(name.clone(), desk);
    }
    let mut info = options.info.clone();
    info.genuine = n_genuine;
    info.forged = n_forged;
    info.auc = auc(&genuine, &forged);
    info.l2 = options.l2;
    info.prior = "equal prior odds (class-balanced loss)".into();
    info.review_rule = format!(
        "lowest score on a 1e-4 grid above the desk's share of the genuine scores of every calibration report (default 98%, consular 95%, airport 99%); a fail of a review_floor check (failed on {} or more forged rows and no genuine one) floors the score at review",
        options.floor_min_forged
    );
    info.fail_rule = format!(
        "lowest score on a 1e-4 grid above {}% of the genuine scores of every calibration report, at least probability {} and at least the desk's review",
        options.fail_pass * 100.0,
        options.fail_posterior
    );
    model.fitted = Some(info);
    Ok(FitSummary {
        model,
        sweeps,
        converged,
        genuine_scores: genuine,
        forged_scores: forged,
        forged_floored: floored,
    })
}

/// The check ids that failed on `min_forged` or more forged rows and on no
/// genuine row (none when `min_forged` is 0), in id order.
fn review_floor(examples: &[Example], min_forged: usize) -> Vec<String> {
    if min_forged == 0 {
        return Vec::new();
    }
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for e in examples {
        for (id, y) in &e.fails {
            if *y > 0.0 {
                let c = counts.entry(id).or_default();
                if e.forged {
                    c.0 += 1;
                } else {
                    c.1 += 1;
                }
            }
        }
    }
    counts
        .into_iter()
        .filter(|(id, (forged, genuine))| {
            *genuine == 0 && *forged >= min_forged && !DECISIVE.contains(id)
        })
        .map(|(id, _)| id.to_owned())
        .collect()
}

/// The lowest score on a 10⁻⁴ grid that at least `pass` of `genuine`
/// lie strictly below (1 when even that cannot be had).
#[must_use]
pub fn review_threshold(genuine: &[f32], pass: f64) -> f32 {
    let mut g = genuine.to_vec();
    g.sort_by(f32::total_cmp);
    if g.is_empty() {
        return 1.0;
    }
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_sign_loss,
        clippy::cast_possible_truncation
    )] // counts of rows
    let k = ((g.len() as f64 * pass).ceil() as usize).clamp(1, g.len());
    let s = g[k - 1];
    // The next grid point above s (a value within 10⁻⁷ of a grid point
    // counts as on it: f32 cannot hold 0.94 exactly).
    let on_grid = ((f64::from(s) / GRID + 1e-3).floor() + 1.0) * GRID;
    #[allow(clippy::cast_possible_truncation)] // a probability
    let mut t = on_grid.min(1.0) as f32;
    if t <= s && s < 1.0 {
        t = s.next_up();
    }
    t
}

/// Share of `scores` strictly below `t`.
fn pass_share(scores: &[f32], t: f32) -> f64 {
    #[allow(clippy::cast_precision_loss)] // counts of rows
    let share = scores.iter().filter(|s| **s < t).count() as f64 / scores.len().max(1) as f64;
    share
}

/// Area under the ROC curve: P(forged score > genuine score), ties
/// counting half (by ranks, O(n log n)).
#[must_use]
pub fn auc(genuine: &[f32], forged: &[f32]) -> f64 {
    if genuine.is_empty() || forged.is_empty() {
        return f64::NAN;
    }
    let mut all: Vec<(f32, bool)> = genuine
        .iter()
        .map(|s| (*s, false))
        .chain(forged.iter().map(|s| (*s, true)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the forged rows' mid-ranks (1-based).
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0.total_cmp(&all[i].0).is_eq() {
            j += 1;
        }
        #[allow(clippy::cast_precision_loss)] // counts of rows
        let mid = (i + 1 + j) as f64 / 2.0;
        #[allow(clippy::cast_precision_loss)]
        let forged_here = all[i..j].iter().filter(|x| x.1).count() as f64;
        rank_sum += mid * forged_here;
        i = j;
    }
    #[allow(clippy::cast_precision_loss)] // counts of rows
    let (nf, ng) = (forged.len() as f64, genuine.len() as f64);
    (rank_sum - nf * (nf + 1.0) / 2.0) / (nf * ng)
}

/// A row's features as (check id, fail feature?, value).
fn entries(e: &Example) -> impl Iterator<Item = (&String, bool, f64)> {
    let flagged = e.features.iter().map(|(id, x)| (id, false, *x));
    flagged.chain(e.fails.iter().map(|(id, y)| (id, true, *y)))
}

/// The data of the fit: columns of non-zero features, labels, row weights.
struct Problem {
    /// Check id, and whether the column is its fail feature.
    ids: Vec<(String, bool)>,
    /// Per feature, its non-zero entries (row, value).
    columns: Vec<Vec<(usize, f64)>>,
    forged: Vec<bool>,
    /// Row weight: half the loss per class.
    weight: Vec<f64>,
    l2: f64,
}

impl Problem {
    fn new(examples: &[Example], l2: f64) -> Self {
        let mut ids: Vec<(String, bool)> = examples
            .iter()
            .flat_map(|e| entries(e).map(|(id, fail, _)| (id.clone(), fail)))
            .collect();
        ids.sort();
        ids.dedup();
        let mut columns = vec![Vec::new(); ids.len()];
        for (row, e) in examples.iter().enumerate() {
            for (id, fail, x) in entries(e) {
                if x != 0.0
                    && let Ok(j) = ids.binary_search(&(id.clone(), fail))
                {
                    columns[j].push((row, x));
                }
            }
        }
        let n_forged = examples.iter().filter(|e| e.forged).count();
        let n_genuine = examples.len() - n_forged;
        #[allow(clippy::cast_precision_loss)] // counts of rows
        let weight = examples
            .iter()
            .map(|e| 0.5 / if e.forged { n_forged } else { n_genuine } as f64)
            .collect();
        Self {
            ids,
            columns,
            forged: examples.iter().map(|e| e.forged).collect(),
            weight,
            l2,
        }
    }

    /// The weighted loss of row `i` at log-odds `z`.
    fn loss(&self, i: usize, z: f64) -> f64 {
        // log(1 + e^{-z}) for a forgery, log(1 + e^{z}) for a genuine row.
        let m = if self.forged[i] { -z } else { z };
        self.weight[i] * (m.max(0.0) + (-m.abs()).exp().ln_1p())
    }

    /// Gradient and curvature of the weighted loss at row `i`.
    fn derivatives(&self, i: usize, z: f64) -> (f64, f64) {
        let p = sigmoid(z);
        let y = if self.forged[i] { 1.0 } else { 0.0 };
        (self.weight[i] * (p - y), self.weight[i] * p * (1.0 - p))
    }

    /// Minimises the objective; returns bias, weights, sweeps, converged.
    #[allow(clippy::many_single_char_names)] // the textbook's z, w, g, h
    fn solve(&self) -> (f64, Vec<f64>, usize, bool) {
        let n = self.forged.len();
        let mut z = vec![0.0; n];
        let mut bias = 0.0;
        let mut w = vec![0.0; self.ids.len()];
        for sweep in 1..=MAX_SWEEPS {
            let mut largest: f64 = 0.0;
            // The bias: every row, unconstrained, unpenalised.
            let (g, h) = (0..n).fold((0.0, 0.0), |(g, h), i| {
                let (gi, hi) = self.derivatives(i, z[i]);
                (g + gi, h + hi)
            });
            if h > 1e-300 {
                let rows: Vec<(usize, f64)> = (0..n).map(|i| (i, 1.0)).collect();
                let step = self.line_search(&rows, &z, None, -g / h);
                bias += step;
                for zi in &mut z {
                    *zi += step;
                }
                largest = largest.max(step.abs());
            }
            for (j, column) in self.columns.iter().enumerate() {
                let (mut g, mut h) = (self.l2 * w[j], self.l2);
                for &(i, x) in column {
                    let (gi, hi) = self.derivatives(i, z[i]);
                    g += gi * x;
                    h += hi * x * x;
                }
                if h <= 1e-300 {
                    continue; // a feature that is never non-zero, unpenalised
                }
                let target = (w[j] - g / h).max(0.0);
                let step = self.line_search(column, &z, Some(w[j]), target - w[j]);
                if step != 0.0 {
                    w[j] += step;
                    if w[j] < 0.0 {
                        w[j] = 0.0; // rounding at the boundary
                    }
                    for &(i, x) in column {
                        z[i] += step * x;
                    }
                }
                largest = largest.max(step.abs());
            }
            if largest < TOLERANCE {
                return (bias, w, sweep, true);
            }
        }
        (bias, w, MAX_SWEEPS, false)
    }

    /// The largest of `step`, `step/2`, `step/4`… that does not raise the
    /// objective along one coordinate (`rows`: its non-zero entries;
    /// `weight`: its current value when penalised, `None` for the bias).
    fn line_search(&self, rows: &[(usize, f64)], z: &[f64], weight: Option<f64>, step: f64) -> f64 {
        let change = |t: f64| {
            let data: f64 = rows
                .iter()
                .map(|&(i, x)| self.loss(i, z[i] + t * x) - self.loss(i, z[i]))
                .sum();
            let penalty = weight.map_or(0.0, |w| 0.5 * self.l2 * ((w + t) * (w + t) - w * w));
            data + penalty
        };
        let mut t = step;
        for _ in 0..40 {
            if !t.is_finite() {
                return 0.0;
            }
            if change(t) <= 0.0 {
                return t;
            }
            t *= 0.5;
        }
        0.0
    }
}

#[cfg(test)]
#[allow(clippy::cast_precision_loss, clippy::float_cmp)] // counts; exact values by construction
mod tests {
    use super::*;
    use crate::report::Status;

    fn row(features: &[(&str, f64)], forged: bool) -> Example {
        Example {
            features: features
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
            fails: BTreeMap::new(),
            forged,
            group: 0,
        }
    }

    /// A separable set: `strong` fires on most forgeries and never on
    /// genuine rows, `weak` on some of each, `against` on genuine rows
    /// only (an unconstrained fit would give it a negative weight),
    /// `silent` never.
    fn constructed() -> Vec<Example> {
        let mut rows = Vec::new();
        for i in 0..200 {
            let weak = if i % 10 == 0 { 0.5 } else { 0.0 };
            let against = if i % 4 == 0 { 1.0 } else { 0.0 };
            rows.push(row(
                &[
                    ("strong", 0.0),
                    ("weak", weak),
                    ("against", against),
                    ("silent", 0.0),
                ],
                false,
            ));
        }
        for i in 0..100 {
            let strong = if i % 5 == 0 {
                0.0
            } else {
                0.6 + 0.004 * f64::from(i)
            };
            let weak = if i % 3 == 0 { 0.5 } else { 0.0 };
            rows.push(row(
                &[("strong", strong), ("weak", weak), ("silent", 0.0)],
                true,
            ));
        }
        rows
    }

    #[test]
    fn the_review_floor_takes_checks_that_fail_only_forgeries() {
        let failing = |ids: &[&str], forged: bool| {
            let mut e = row(&ids.iter().map(|id| (*id, 1.0)).collect::<Vec<_>>(), forged);
            e.fails = ids.iter().map(|id| ((*id).to_owned(), 1.0)).collect();
            e
        };
        let mut rows = constructed();
        // `rare` fails five forgeries and no genuine scan; `noisy` fails
        // forgeries and one genuine scan; `scarce` four forgeries only.
        for _ in 0..5 {
            rows.push(failing(&["rare", "noisy"], true));
        }
        rows.push(failing(&["noisy"], false));
        for _ in 0..4 {
            rows.push(failing(&["scarce"], true));
        }
        let s = fit(&rows, &FitOptions::default()).expect("fit");
        assert_eq!(s.model.review_floor, ["rare"]);
        assert_eq!(s.forged_floored.iter().filter(|f| **f).count(), 5);
        let none = FitOptions {
            floor_min_forged: 0,
            ..FitOptions::default()
        };
        assert!(
            fit(&rows, &none)
                .expect("fit")
                .model
                .review_floor
                .is_empty()
        );
    }

    #[test]
    fn fit_recovers_monotone_weights_on_a_separable_set() {
        let s = fit(&constructed(), &FitOptions::default()).expect("fit");
        assert!(s.converged, "{} sweeps", s.sweeps);
        let m = &s.model;
        let w = |id: &str| m.weights[id];
        assert!(w("strong") > 5.0, "{:?}", m.weights);
        assert!(
            w("weak") > 0.0 && w("weak") < w("strong"),
            "{:?}",
            m.weights
        );
        assert_eq!(w("against"), 0.0, "non-negative: clamped, not negative");
        assert_eq!(w("silent"), 0.0, "no evidence, no weight");
        assert!(m.weights.values().all(|w| *w >= 0.0));
        assert!(s.model.fitted.as_ref().expect("info").auc > 0.85);
        // The file it makes is valid and reads back to the same model.
        let back = FusionModel::from_json(&m.to_json(), "fit").expect("valid");
        assert_eq!(&back, m);
        // Scoring a forgery's checks through the model agrees with the fit.
        let checks = [CheckResult::new("strong", Status::Fail, 0.9, "")];
        assert!(m.probability(&checks) > 0.9);
    }

    #[test]
    #[allow(clippy::many_single_char_names)] // the textbook's z, w, g, p
    fn the_solution_meets_the_optimality_conditions() {
        // Karush-Kuhn-Tucker: zero gradient for the bias and every
        // positive weight, a non-negative one where the weight is clamped.
        let rows = constructed();
        let p = Problem::new(&rows, 1e-4);
        let (b, w, _, converged) = p.solve();
        assert!(converged);
        let z: Vec<f64> = rows
            .iter()
            .map(|e| {
                b + e
                    .features
                    .iter()
                    .map(|(id, x)| w[p.ids.binary_search(&(id.clone(), false)).expect("id")] * x)
                    .sum::<f64>()
            })
            .collect();
        let bias_gradient: f64 = (0..rows.len()).map(|i| p.derivatives(i, z[i]).0).sum();
        assert!(bias_gradient.abs() < 1e-7, "{bias_gradient}");
        for (j, column) in p.columns.iter().enumerate() {
            let g = p.l2 * w[j]
                + column
                    .iter()
                    .map(|&(i, x)| p.derivatives(i, z[i]).0 * x)
                    .sum::<f64>();
            if w[j] > 0.0 {
                assert!(g.abs() < 1e-7, "{:?}: {g}", p.ids[j]);
            } else {
                assert!(g >= -1e-7, "{:?}: {g}", p.ids[j]);
            }
        }
    }

    #[test]
    fn a_signal_only_in_fails_gets_a_fail_weight() {
        // `dates` warns (an expiry) as often on genuine as on forged rows,
        // and fails (an impossible date) on forged rows only: a warning
        // should leave the odds even, a failure should be near certain.
        let mut rows = Vec::new();
        for i in 0..300 {
            let forged = i % 2 == 1;
            let status = match i % 6 {
                0 | 1 => Status::Warn,
                5 => Status::Fail,
                _ => Status::Pass,
            };
            let checks = [CheckResult::new("dates", status, 0.8, "")];
            rows.push(Example::from_checks(&checks, forged, 0));
        }
        let s = fit(&rows, &FitOptions::default()).expect("fit");
        let m = &s.model;
        assert!(
            m.fail_weights["dates"] > 2.0 * m.weights["dates"],
            "{:?} {:?}",
            m.weights,
            m.fail_weights
        );
        let warn = [CheckResult::new("dates", Status::Warn, 0.8, "")];
        let fail = [CheckResult::new("dates", Status::Fail, 0.8, "")];
        let (pw, pf) = (m.probability(&warn), m.probability(&fail));
        assert!((pw - 0.5).abs() < 0.05, "warn {pw}");
        assert!(pf > 0.9, "fail {pf}");
    }

    #[test]
    fn fit_is_deterministic_and_balanced() {
        let a = fit(&constructed(), &FitOptions::default()).expect("fit");
        let b = fit(&constructed(), &FitOptions::default()).expect("fit");
        assert_eq!(a.model.to_json(), b.model.to_json());
        // Balanced: the mean fitted probability is ½ per class weight, so
        // the mean of the genuine and forged means is close to ½.
        let mean = |v: &[f32]| v.iter().map(|x| f64::from(*x)).sum::<f64>() / v.len() as f64;
        let m = 0.5 * (mean(&a.genuine_scores) + mean(&a.forged_scores));
        assert!((m - 0.5).abs() < 0.05, "{m}");
    }

    #[test]
    fn desks_follow_the_genuine_quantiles() {
        let s = fit(&constructed(), &FitOptions::default()).expect("fit");
        let d = &s.model.desks;
        for (name, share) in [("default", 0.98), ("consular", 0.95), ("airport", 0.99)] {
            let desk = d[name];
            assert!(
                desk.genuine_pass.expect("pass") >= share,
                "{name}: {desk:?}"
            );
            assert!(
                desk.review <= desk.fail && desk.fail >= 0.9,
                "{name}: {desk:?}"
            );
        }
        assert!(d["consular"].review <= d["default"].review);
        assert!(d["default"].review <= d["airport"].review);
    }

    #[test]
    fn thresholds_hold_in_every_run() {
        // Run 1 repeats the set with `weak` firing on a fifth of the
        // genuine rows: pooled, 98% would flag 10% of run 1's genuine.
        let mut rows = constructed();
        for e in constructed() {
            let mut e = e;
            e.group = 1;
            if !e.forged && e.features["against"] > 0.0 {
                e.features.insert("weak".into(), 0.5);
            }
            rows.push(e);
        }
        let s = fit(&rows, &FitOptions::default()).expect("fit");
        let desk = s.model.desks["default"];
        assert!(desk.genuine_pass.expect("pass") >= 0.98, "{desk:?}");
        for run in [0, 1] {
            let g: Vec<f32> = rows
                .iter()
                .filter(|e| !e.forged && e.group == run)
                .map(|e| {
                    let checks: Vec<CheckResult> = e
                        .features
                        .iter()
                        .map(|(id, x)| CheckResult::new(id, Status::Warn, *x as f32, ""))
                        .collect();
                    s.model.probability(&checks) as f32
                })
                .collect();
            let pass = g.iter().filter(|x| **x < desk.review).count() as f64 / g.len() as f64;
            assert!(pass >= 0.98, "run {run}: {pass}");
        }
    }

    #[test]
    fn fit_refuses_one_class() {
        let only_genuine: Vec<Example> = constructed().into_iter().filter(|e| !e.forged).collect();
        let err = fit(&only_genuine, &FitOptions::default()).expect_err("refused");
        assert!(err.to_string().contains("0 forged"), "{err}");
        let bad = FitOptions {
            desks: vec![("airport".into(), 0.99)],
            ..FitOptions::default()
        };
        assert!(
            fit(&constructed(), &bad).is_err(),
            "a default desk is needed"
        );
    }

    /// `review_threshold(scores, pass)` must be `expected`.
    fn check(scores: &[f32], pass: f64, expected: f32) {
        let t = review_threshold(scores, pass);
        assert_eq!(t, expected, "{scores:?} at {pass}");
        let below = scores.iter().filter(|s| **s < t).count() as f64;
        assert!(below >= (pass * scores.len() as f64).floor(), "{t}");
    }

    #[test]
    fn threshold_quantile_rule() {
        let hundred: Vec<f32> = (0..100).map(|i| i as f32 / 100.0).collect();
        // 98 of 100 below: the 98th smallest is 0.97 → next grid step.
        check(&hundred, 0.98, 0.9701);
        check(&hundred, 0.95, 0.9401);
        check(&hundred, 1.0, 0.9901);
        // Ties: every copy of the quantile's value passes.
        check(&[0.1, 0.1, 0.1, 0.1, 0.5], 0.8, 0.1001);
        check(&[0.2, 0.2, 0.2, 0.2, 0.2], 0.98, 0.2001);
        // Between grid points.
        check(&[0.123_45, 0.9], 0.5, 0.1235);
        // At the top nothing is above 1.
        assert_eq!(review_threshold(&[1.0, 1.0], 0.98), 1.0);
        assert_eq!(review_threshold(&[], 0.98), 1.0);
    }

    #[test]
    fn auc_by_ranks() {
        assert_eq!(auc(&[0.1, 0.2], &[0.3, 0.4]), 1.0);
        assert_eq!(auc(&[0.3, 0.4], &[0.1, 0.2]), 0.0);
        assert_eq!(auc(&[0.5, 0.5], &[0.5]), 0.5);
        assert!((auc(&[0.1, 0.5], &[0.5, 0.9]) - 0.875).abs() < 1e-12);
        assert!(auc(&[], &[0.1]).is_nan());
    }
}
