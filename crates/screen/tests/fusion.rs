//! The fusion's monotone invariant as a property: on the embedded model and
//! on arbitrary non-negative models, raising a check's score or moving it
//! pass → warn → fail never lowers the fused score (nor the verdict).

use std::collections::BTreeMap;

use docscreen_screen::fusion::{DEFAULT_DESK, FEATURE, FUSION_FORMAT, FUSION_VERSION};
use docscreen_screen::{CheckResult, Desk, FusionModel, Status};
use proptest::prelude::*;

/// Today's check ids, the one the other branch adds, and one nobody knows.
const IDS: [&str; 12] = [
    "mrz.present",
    "mrz.check_digits",
    "mrz.codes",
    "mrz.dates",
    "mrz.specimen",
    "document.watchlist",
    "template.layout",
    "template.background",
    "viz.mrz_agreement",
    "forensics.noise",
    "anomaly.map",
    "never.seen",
];

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Pass),
        Just(Status::Warn),
        Just(Status::Fail),
        Just(Status::NotPerformed),
        Just(Status::Error),
    ]
}

fn checks() -> impl Strategy<Value = Vec<CheckResult>> {
    prop::collection::vec((0..IDS.len(), status(), 0.0f32..=1.0), 0..12).prop_map(|v| {
        v.into_iter()
            .map(|(i, s, x)| CheckResult::new(IDS[i], s, x, ""))
            .collect()
    })
}

/// A model with arbitrary non-negative weights over `IDS` (and a default).
fn model() -> impl Strategy<Value = FusionModel> {
    (
        -8.0f64..2.0,
        prop::collection::vec((0.0f64..20.0, 0.0f64..20.0), IDS.len()),
        0.0f64..5.0,
        (0.0f32..1.0, 0.0f32..1.0),
    )
        .prop_map(|(bias, w, default_weight, (a, b))| FusionModel {
            format: FUSION_FORMAT.into(),
            version: FUSION_VERSION,
            id: "arbitrary".into(),
            feature: FEATURE.into(),
            bias,
            default_weight,
            // The last id stays unlisted: it takes the default weight.
            weights: IDS[..IDS.len() - 1]
                .iter()
                .zip(&w)
                .map(|(id, w)| ((*id).to_owned(), w.0))
                .collect(),
            fail_weights: IDS[..IDS.len() - 1]
                .iter()
                .zip(&w)
                .map(|(id, w)| ((*id).to_owned(), w.1))
                .collect(),
            decisive: Vec::new(),
            review_floor: Vec::new(),
            desks: BTreeMap::from([(
                DEFAULT_DESK.to_owned(),
                Desk {
                    review: a.min(b),
                    fail: a.max(b),
                    genuine_pass: None,
                },
            )]),
            fitted: None,
        })
}

/// The same checks with check `i` raised: a higher score, or the next
/// status along pass → warn → fail (a check not performed or in error
/// may start to pass).
fn raised(checks: &[CheckResult], i: usize, by: f32, step_status: bool) -> Vec<CheckResult> {
    let mut out = checks.to_vec();
    let c = &mut out[i];
    if step_status {
        c.status = match c.status {
            Status::Pass => Status::Warn,
            Status::Warn | Status::Fail => Status::Fail,
            Status::NotPerformed | Status::Error => Status::Pass,
        };
    } else {
        c.score = (c.score + by).min(1.0);
    }
    out
}

fn never_lower(m: &FusionModel, before: &[CheckResult], after: &[CheckResult]) {
    for desk in m.desks.keys() {
        let t = m.desk(desk).expect("desk");
        let (s0, v0) = m.fuse(before, t);
        let (s1, v1) = m.fuse(after, t);
        assert!(s1 >= s0, "{desk}: {s0} → {s1}\n{before:?}\n{after:?}");
        assert!(v1 >= v0, "{desk}: {v0:?} → {v1:?}");
    }
}

proptest! {
    #[test]
    fn the_embedded_model_is_monotone(
        c in checks(), i in any::<prop::sample::Index>(), by in 0.0f32..1.0, step in any::<bool>(),
    ) {
        prop_assume!(!c.is_empty());
        let m = FusionModel::embedded().expect("embedded model");
        let i = i.index(c.len());
        never_lower(&m, &c, &raised(&c, i, by, step));
    }

    #[test]
    fn every_non_negative_model_is_monotone(
        m in model(), c in checks(), i in any::<prop::sample::Index>(), by in 0.0f32..1.0,
        step in any::<bool>(),
    ) {
        prop_assume!(!c.is_empty());
        let i = i.index(c.len());
        never_lower(&m, &c, &raised(&c, i, by, step));
    }

    #[test]
    fn a_new_finding_never_lowers_the_score(m in model(), c in checks(), id in 0..IDS.len(),
        x in 0.0f32..=1.0, fail in any::<bool>()) {
        let mut more = c.clone();
        let s = if fail { Status::Fail } else { Status::Warn };
        more.push(CheckResult::new(IDS[id], s, x, ""));
        never_lower(&m, &c, &more);
    }
}
