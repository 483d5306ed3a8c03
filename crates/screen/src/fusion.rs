//! Score fusion: a fitted, calibrated logistic model over the checks'
//! findings, read from a versioned JSON file (`models/fusion/fusion.json`
//! is embedded as the default), and the verdict thresholds of named desks.
//!
//! The score of a scan is
//!
//! ```text
//! p = σ(b + Σᵢ (wᵢ·xᵢ + vᵢ·yᵢ))
//!     xᵢ = sᵢ when check i warns or fails, else 0   (`weights`)
//!     yᵢ = sᵢ when check i fails, else 0            (`fail_weights`)
//! ```
//!
//! two features per check id (`"feature": "flagged_score+fail_score"`): a
//! check that passes, was not performed or could not run gives 0, so
//! missing evidence never raises nor lowers the score; a `fail` counts
//! `wᵢ + vᵢ`, a `warn` `wᵢ` (an expiry warning and an impossible date are
//! both `mrz.dates`, but only the second is evidence of forgery). The
//! weights are fitted by [`fit`] (L2-regularised logistic regression,
//! class-balanced: `p` is the posterior probability of a forgery under
//! equal prior odds, so `p / (1 − p)` is the likelihood ratio of the
//! findings) and are constrained to `wᵢ, vᵢ ≥ 0`.
//!
//! *Invariant (monotone):* every weight is non-negative (a file with a
//! negative one is refused), so raising a check's score, or a check going
//! pass → warn → fail, never lowers the score; no finding ever speaks for
//! the document.
//!
//! *Invariant (decisive evidence):* a `fail` of a check in [`DECISIVE`]
//! (or in the file's own `decisive` list) floors the score at the fail
//! threshold in use, so the document fails whatever the weights say.
//! `document.watchlist` is there because synthetic data cannot teach it:
//! a listed document is a fact from outside the scan (lost, stolen,
//! revoked), it never occurs in a generated calibration set, and its fitted
//! weight is therefore 0.
//!
//! *Invariant (review floor):* a `fail` of a check in the file's
//! `review_floor` list floors the score at the desk's review threshold: a
//! human looks at the document. [`fit`] lists a check there when its
//! failure marked forged calibration scans ([`FitOptions::floor_min_forged`]
//! or more) and never a genuine one: a rare finding of that precision (a
//! date that holds letters) gets too little weight from a regularised fit
//! to move a verdict on its own, and an officer should still see it.
//!
//! A check id the file does not know (a check added after the fit) gets
//! the file's `default_weight` as `wᵢ` and no `vᵢ` (0 in the files
//! `docscreen calibrate` writes: uncalibrated evidence does not move a
//! calibrated score); a re-fit on reports that hold the new check gives it
//! its weights.
//!
//! ```
//! use docscreen_screen::{CheckResult, FusionModel, Status, Verdict};
//! let model = FusionModel::embedded()?;
//! let t = model.desk("default")?;
//! let listed = [CheckResult::new("document.watchlist", Status::Fail, 1.0, "stolen")];
//! assert_eq!(model.fuse(&listed, t).1, Verdict::Fail);
//! # Ok::<(), docscreen_screen::ScreenError>(())
//! ```

mod fit;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use fit::{Example, FitOptions, FitSummary, auc, fit, review_threshold};

use crate::ScreenError;
use crate::report::{CheckResult, Status, Verdict};
use crate::screener::Thresholds;

/// The `format` every fusion file carries.
pub const FUSION_FORMAT: &str = "docscreen-fusion";
/// The file version this build reads and writes.
pub const FUSION_VERSION: u32 = 1;
/// The one feature scheme known: a check's score when it warns or fails
/// (`weights`), and again when it fails (`fail_weights`).
pub const FEATURE: &str = "flagged_score+fail_score";
/// Checks whose `fail` always fails the document (see the module doc).
pub const DECISIVE: [&str; 1] = ["document.watchlist"];
/// The desk used when none is named.
pub const DEFAULT_DESK: &str = "default";

/// The fitted default, `models/fusion/fusion.json`.
const EMBEDDED: &str = include_str!("../../../models/fusion/fusion.json");

/// A desk's verdict thresholds and the genuine pass rate they were set for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Desk {
    /// Lowest score that asks for a review.
    pub review: f32,
    /// Lowest score that fails the document.
    pub fail: f32,
    /// Share of the calibration set's genuine scans below `review`, when
    /// the desk was computed at fit time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genuine_pass: Option<f64>,
}

impl Desk {
    /// The thresholds alone.
    #[must_use]
    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            review: self.review,
            fail: self.fail,
        }
    }
}

/// How and on what a model was fitted (the model card's figures).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FitInfo {
    /// Date of the fit (UTC, YYYY-MM-DD).
    pub date: String,
    /// Generator seeds of the calibration data, as given to `calibrate`.
    pub seeds: Vec<u64>,
    /// The batch reports fitted on.
    pub reports: Vec<String>,
    /// Genuine rows used.
    pub genuine: usize,
    /// Forged rows used.
    pub forged: usize,
    /// Rows skipped (an `error`, or no ground truth).
    pub skipped: usize,
    /// ROC AUC of the fitted score on the calibration rows.
    pub auc: f64,
    /// The L2 penalty on the weights.
    pub l2: f64,
    /// The class prior the probability is calibrated to.
    pub prior: String,
    /// The rule that set `review`.
    pub review_rule: String,
    /// The rule that set `fail`.
    pub fail_rule: String,
}

/// A fusion model: bias, one non-negative weight per check id, the
/// decisive checks and the desks' thresholds. Build it with
/// [`FusionModel::from_json`], [`FusionModel::load`] or [`fit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FusionModel {
    /// Always [`FUSION_FORMAT`].
    pub format: String,
    /// Always [`FUSION_VERSION`].
    pub version: u32,
    /// Names the model in reports (`score_model`).
    pub id: String,
    /// The feature scheme ([`FEATURE`]).
    pub feature: String,
    /// The log-odds of a scan with no finding.
    pub bias: f64,
    /// Weight of a check id the file does not list (≥ 0).
    #[serde(default)]
    pub default_weight: f64,
    /// Weight per check id of its score when it warns or fails (each ≥ 0).
    pub weights: BTreeMap<String, f64>,
    /// Weight per check id of its score when it fails, on top of
    /// `weights` (each ≥ 0; 0 for ids not listed).
    #[serde(default)]
    pub fail_weights: BTreeMap<String, f64>,
    /// Check ids whose `fail` floors the score at the fail threshold, on
    /// top of [`DECISIVE`].
    #[serde(default)]
    pub decisive: Vec<String>,
    /// Check ids whose `fail` floors the score at the review threshold.
    #[serde(default)]
    pub review_floor: Vec<String>,
    /// Named verdict thresholds; `default` is required.
    pub desks: BTreeMap<String, Desk>,
    /// How it was fitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitted: Option<FitInfo>,
}

impl FusionModel {
    /// The embedded fitted model (`models/fusion/fusion.json`).
    ///
    /// # Errors
    /// None in a tested build (the crate's tests read it); a broken file
    /// is reported like any other, never a panic.
    pub fn embedded() -> Result<Self, ScreenError> {
        Self::from_json(EMBEDDED, "embedded models/fusion/fusion.json")
    }

    /// Reads and validates a fusion file.
    ///
    /// # Errors
    /// An unreadable file, or any problem [`FusionModel::from_json`] names.
    pub fn load(path: &Path) -> Result<Self, ScreenError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScreenError::Fusion {
            origin: path.display().to_string(),
            detail: format!("cannot read it ({e}): give a file written by `docscreen calibrate`"),
        })?;
        Self::from_json(&text, &path.display().to_string())
    }

    /// Parses and validates a fusion file's text; `origin` names it in
    /// errors.
    ///
    /// # Errors
    /// Malformed JSON, another `format`, a `version` this build does not
    /// read, an unknown `feature`, a negative or non-finite weight or
    /// bias, no `default` desk, or thresholds out of order.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, ScreenError> {
        // The envelope first, so that another format or version is named
        // as such rather than as a missing field.
        #[derive(Deserialize)]
        struct Envelope {
            format: Option<String>,
            version: Option<u32>,
        }
        let invalid = |detail: String| ScreenError::Fusion {
            origin: origin.to_owned(),
            detail,
        };
        let envelope: Envelope =
            serde_json::from_str(text).map_err(|e| invalid(format!("not a fusion file ({e})")))?;
        match envelope.format.as_deref() {
            Some(FUSION_FORMAT) => {}
            other => {
                return Err(ScreenError::FusionFormat {
                    origin: origin.to_owned(),
                    got: other.unwrap_or("(none)").to_owned(),
                });
            }
        }
        match envelope.version {
            Some(FUSION_VERSION) => {}
            other => {
                return Err(ScreenError::FusionVersion {
                    origin: origin.to_owned(),
                    got: other.unwrap_or(0),
                    expected: FUSION_VERSION,
                });
            }
        }
        let model: FusionModel =
            serde_json::from_str(text).map_err(|e| invalid(format!("malformed ({e})")))?;
        model.validate(origin)?;
        Ok(model)
    }

    /// The file's text (pretty JSON, keys in a stable order).
    #[must_use]
    pub fn to_json(&self) -> String {
        // Plain data of strings, numbers and maps: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    fn validate(&self, origin: &str) -> Result<(), ScreenError> {
        let invalid = |detail: String| ScreenError::Fusion {
            origin: origin.to_owned(),
            detail,
        };
        if self.feature != FEATURE {
            return Err(invalid(format!(
                "unknown feature {:?}: this build knows {FEATURE:?}; re-fit with `docscreen calibrate`",
                self.feature
            )));
        }
        if !self.bias.is_finite() {
            return Err(invalid("the bias is not a finite number".into()));
        }
        let weights = self
            .weights
            .iter()
            .map(|(k, w)| (k.clone(), *w))
            .chain(
                self.fail_weights
                    .iter()
                    .map(|(k, w)| (format!("{k} (fail)"), *w)),
            )
            .chain([("default_weight".to_owned(), self.default_weight)]);
        for (check, weight) in weights {
            if !(weight.is_finite() && weight >= 0.0) {
                return Err(ScreenError::FusionWeight {
                    origin: origin.to_owned(),
                    check,
                    weight,
                });
            }
        }
        if !self.desks.contains_key(DEFAULT_DESK) {
            return Err(invalid(format!("no {DEFAULT_DESK:?} desk: add one")));
        }
        for (name, d) in &self.desks {
            check_thresholds(d.thresholds())
                .map_err(|detail| invalid(format!("desk {name:?}: {detail}")))?;
        }
        Ok(())
    }

    /// The weight the model gives `check`'s score when it warns or fails
    /// (the default for ids it does not list).
    #[must_use]
    pub fn weight(&self, check: &str) -> f64 {
        self.weights
            .get(check)
            .copied()
            .unwrap_or(self.default_weight)
    }

    /// The extra weight of `check`'s score when it fails (0 for ids it
    /// does not list).
    #[must_use]
    pub fn fail_weight(&self, check: &str) -> f64 {
        self.fail_weights.get(check).copied().unwrap_or(0.0)
    }

    /// A desk's thresholds by name.
    ///
    /// # Errors
    /// [`ScreenError::UnknownDesk`] naming the desks there are.
    pub fn desk(&self, name: &str) -> Result<Thresholds, ScreenError> {
        self.desks
            .get(name)
            .map(Desk::thresholds)
            .ok_or_else(|| ScreenError::UnknownDesk {
                desk: name.to_owned(),
                known: self.desks.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }

    /// The calibrated probability of a forgery (under equal prior odds)
    /// from the checks' findings alone, before any decisive floor.
    #[must_use]
    pub fn probability(&self, checks: &[CheckResult]) -> f64 {
        let z = self.bias
            + checks
                .iter()
                .map(|c| {
                    self.weight(&c.id) * feature(c) + self.fail_weight(&c.id) * fail_feature(c)
                })
                .sum::<f64>();
        sigmoid(z)
    }

    /// Whether a failing `check` fails the document outright.
    #[must_use]
    pub fn is_decisive(&self, check: &str) -> bool {
        DECISIVE.contains(&check) || self.decisive.iter().any(|d| d == check)
    }

    /// Whether a failing `check` sends the document to review at least.
    #[must_use]
    pub fn floors_at_review(&self, check: &str) -> bool {
        self.review_floor.iter().any(|d| d == check)
    }

    /// The score and verdict of a scan's checks under thresholds `t`:
    /// the probability, floored at `t.review` when a check of the review
    /// floor fails and at `t.fail` when a decisive check fails.
    #[must_use]
    pub fn fuse(&self, checks: &[CheckResult], t: Thresholds) -> (f32, Verdict) {
        #[allow(clippy::cast_possible_truncation)] // a probability in 0..1
        let mut score = self.probability(checks) as f32;
        if checks
            .iter()
            .any(|c| c.status == Status::Fail && self.floors_at_review(&c.id))
        {
            score = score.max(t.review);
        }
        if checks
            .iter()
            .any(|c| c.status == Status::Fail && self.is_decisive(&c.id))
        {
            score = score.max(t.fail);
        }
        (score, t.verdict(score))
    }
}

/// Refuses thresholds outside 0..1 or out of order.
pub(crate) fn check_thresholds(t: Thresholds) -> Result<(), String> {
    let ok = |x: f32| x.is_finite() && (0.0..=1.0).contains(&x);
    if !(ok(t.review) && ok(t.fail)) {
        return Err(format!(
            "thresholds must lie in 0..1 (review {}, fail {})",
            t.review, t.fail
        ));
    }
    if t.review > t.fail {
        return Err(format!(
            "review {} is above fail {}: give review ≤ fail",
            t.review, t.fail
        ));
    }
    Ok(())
}

/// The feature a check gives the fusion: its score when it warns or
/// fails, else 0 (`pass`, `not_performed` and `error` carry no evidence).
#[must_use]
pub fn feature(c: &CheckResult) -> f64 {
    match c.status {
        Status::Warn | Status::Fail => f64::from(c.score.clamp(0.0, 1.0)),
        Status::Pass | Status::NotPerformed | Status::Error => 0.0,
    }
}

/// The second feature a check gives: its score when it fails, else 0.
#[must_use]
pub fn fail_feature(c: &CheckResult) -> f64 {
    if c.status == Status::Fail {
        f64::from(c.score.clamp(0.0, 1.0))
    } else {
        0.0
    }
}

/// The logistic function, stable at both ends.
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values by construction
mod tests {
    use super::*;

    fn model(weights: &[(&str, f64)]) -> FusionModel {
        FusionModel {
            format: FUSION_FORMAT.into(),
            version: FUSION_VERSION,
            id: "test".into(),
            feature: FEATURE.into(),
            bias: -3.0,
            default_weight: 0.0,
            weights: weights.iter().map(|(k, w)| ((*k).to_owned(), *w)).collect(),
            fail_weights: BTreeMap::new(),
            decisive: Vec::new(),
            review_floor: Vec::new(),
            desks: BTreeMap::from([(
                DEFAULT_DESK.to_owned(),
                Desk {
                    review: 0.3,
                    fail: 0.9,
                    genuine_pass: None,
                },
            )]),
            fitted: None,
        }
    }

    fn c(id: &str, s: Status, v: f32) -> CheckResult {
        CheckResult::new(id, s, v, "")
    }

    /// `from_json` of `edit(valid file)` must fail with an error whose
    /// text holds `expected`.
    fn check_refused(edit: impl FnOnce(&mut serde_json::Value), expected: &str) {
        let mut v: serde_json::Value =
            serde_json::from_str(&model(&[("a", 1.0)]).to_json()).expect("json");
        edit(&mut v);
        let err = FusionModel::from_json(&v.to_string(), "t.json").expect_err("refused");
        assert!(err.to_string().contains(expected), "{err}");
    }

    #[test]
    fn the_embedded_model_is_valid_and_monotone() {
        let m = FusionModel::embedded().expect("valid");
        assert_eq!(m.format, FUSION_FORMAT);
        assert!(m.weights.values().all(|w| *w >= 0.0));
        for d in ["default", "consular", "airport"] {
            let t = m.desk(d).expect("desk");
            assert!(t.review < t.fail, "{d}: {t:?}");
        }
        let c_ = m.desk("consular").expect("desk");
        let a = m.desk("airport").expect("desk");
        let d = m.desk("default").expect("desk");
        assert!(c_.review <= d.review && d.review <= a.review);
        // A scan with no finding passes at every desk.
        for t in [c_, d, a] {
            assert_eq!(
                m.fuse(&[c("mrz.present", Status::Pass, 0.0)], t).1,
                Verdict::Pass
            );
        }
    }

    #[test]
    fn score_is_the_logistic_of_flagged_scores() {
        let m = model(&[("a", 2.0), ("b", 4.0)]);
        let t = m.desk("default").expect("desk");
        let (s, v) = m.fuse(&[], t);
        assert!((f64::from(s) - sigmoid(-3.0)).abs() < 1e-6 && v == Verdict::Pass);
        let checks = [c("a", Status::Warn, 0.5), c("b", Status::Fail, 1.0)];
        let (s, v) = m.fuse(&checks, t);
        assert!(
            (f64::from(s) - sigmoid(-3.0 + 1.0 + 4.0)).abs() < 1e-6,
            "{s}"
        );
        assert_eq!(v, Verdict::Review);
        // Pass, not performed and error carry no evidence.
        for st in [Status::Pass, Status::NotPerformed, Status::Error] {
            assert_eq!(m.fuse(&[c("b", st, 1.0)], t), m.fuse(&[], t), "{st:?}");
        }
        let (s, v) = m.fuse(&[c("b", Status::Fail, 1.0), c("a", Status::Fail, 1.0)], t);
        assert!(s >= 0.9 && v == Verdict::Fail, "{s}");
    }

    #[test]
    fn a_fail_weight_counts_only_when_the_check_fails() {
        let mut m = model(&[("mrz.dates", 0.5)]);
        m.fail_weights.insert("mrz.dates".into(), 4.0);
        let warn = [c("mrz.dates", Status::Warn, 0.5)];
        let fail = [c("mrz.dates", Status::Fail, 0.5)];
        assert!((m.probability(&warn) - sigmoid(-3.0 + 0.25)).abs() < 1e-12);
        assert!((m.probability(&fail) - sigmoid(-3.0 + 0.25 + 2.0)).abs() < 1e-12);
        assert_eq!(m.fail_weight("other"), 0.0);
        m.default_weight = 1.0;
        let other = [c("other", Status::Fail, 1.0)];
        assert!(
            (m.probability(&other) - sigmoid(-2.0)).abs() < 1e-12,
            "an unknown id: the default as its flagged weight, no fail weight"
        );
    }

    #[test]
    fn an_unknown_check_gets_the_default_weight() {
        let mut m = model(&[("a", 2.0)]);
        let t = m.desk("default").expect("desk");
        let new = [c("anomaly.map", Status::Fail, 1.0)];
        assert_eq!(m.weight("anomaly.map"), 0.0);
        assert_eq!(m.fuse(&new, t), m.fuse(&[], t), "weight 0: no effect");
        m.default_weight = 1.5;
        assert_eq!(m.weight("anomaly.map"), 1.5);
        assert!((m.probability(&new) - sigmoid(-1.5)).abs() < 1e-12);
        assert_eq!(m.weight("a"), 2.0, "listed ids keep their weight");
    }

    #[test]
    fn a_watchlist_fail_is_decisive_whatever_the_weights() {
        let mut m = model(&[("document.watchlist", 0.0)]);
        let t = m.desk("default").expect("desk");
        let hit = [c("document.watchlist", Status::Fail, 1.0)];
        let (s, v) = m.fuse(&hit, t);
        assert_eq!((s, v), (0.9, Verdict::Fail));
        let warn = [c("document.watchlist", Status::Warn, 1.0)];
        assert_eq!(m.fuse(&warn, t).1, Verdict::Pass, "only a fail decides");
        // A file may add its own decisive checks.
        let other = [c("x.proof", Status::Fail, 0.1)];
        assert_eq!(m.fuse(&other, t).1, Verdict::Pass);
        m.decisive.push("x.proof".into());
        assert_eq!(m.fuse(&other, t).1, Verdict::Fail);
    }

    #[test]
    fn a_review_floor_fail_sends_the_document_to_review() {
        let mut m = model(&[("viz.consistency", 0.1)]);
        let t = m.desk("default").expect("desk");
        let fail = [c("viz.consistency", Status::Fail, 0.98)];
        assert_eq!(m.fuse(&fail, t).1, Verdict::Pass, "its weight alone");
        m.review_floor.push("viz.consistency".into());
        assert_eq!(m.fuse(&fail, t), (0.3, Verdict::Review));
        let warn = [c("viz.consistency", Status::Warn, 0.7)];
        assert_eq!(m.fuse(&warn, t).1, Verdict::Pass, "only a fail floors");
        // A score already above review keeps its own value.
        let more = [c("a", Status::Fail, 1.0), fail[0].clone()];
        m.weights.insert("a".into(), 10.0);
        assert_eq!(m.fuse(&more, t).1, Verdict::Fail);
    }

    #[test]
    fn files_round_trip() {
        let mut m = model(&[("a", 0.25), ("mrz.check_digits", 7.5)]);
        m.fitted = Some(FitInfo {
            date: "2026-01-01".into(),
            seeds: vec![4242],
            genuine: 3,
            forged: 4,
            auc: 0.9,
            ..FitInfo::default()
        });
        let text = m.to_json();
        assert_eq!(FusionModel::from_json(&text, "t").expect("valid"), m);
        let dir = std::env::temp_dir().join(format!("docscreen-fusion-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("f.json");
        std::fs::write(&path, &text).expect("write");
        assert_eq!(FusionModel::load(&path).expect("load"), m);
        let missing = FusionModel::load(&dir.join("none.json")).expect_err("missing");
        assert!(missing.to_string().contains("cannot read"), "{missing}");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        check_refused(|v| v["format"] = "other".into(), "format");
        check_refused(
            |v| {
                v.as_object_mut().expect("object").remove("format");
            },
            "format",
        );
        check_refused(|v| v["version"] = 2.into(), "version 2");
        check_refused(|v| v["weights"]["a"] = (-0.5).into(), "negative");
        check_refused(|v| v["fail_weights"]["a"] = (-0.5).into(), "a (fail)");
        check_refused(|v| v["default_weight"] = (-1.0).into(), "default_weight");
        check_refused(|v| v["feature"] = "raw".into(), "unknown feature");
        check_refused(|v| v["desks"] = serde_json::json!({}), "default");
        check_refused(
            |v| v["desks"]["default"]["review"] = 0.95.into(),
            "above fail",
        );
        check_refused(|v| v["bias"] = "x".into(), "malformed");
        assert!(matches!(
            FusionModel::from_json("[1, 2", "t"),
            Err(ScreenError::Fusion { .. })
        ));
        assert!(matches!(
            FusionModel::from_json(r#"{"format":"docscreen-fusion","version":9}"#, "t"),
            Err(ScreenError::FusionVersion {
                got: 9,
                expected: 1,
                ..
            })
        ));
    }

    #[test]
    fn unknown_desks_are_named() {
        let err = model(&[]).desk("harbour").expect_err("unknown");
        assert!(matches!(err, ScreenError::UnknownDesk { .. }));
        assert!(err.to_string().contains("default"), "{err}");
    }
}
