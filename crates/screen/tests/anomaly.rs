//! The anomaly model end to end: the embedded bytes are the ones its model
//! card names, and on generated scans a portrait pasted into the scan file
//! scores above genuine scans, with the flagged area on the portrait.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use docscreen_mrz::Date;
use docscreen_screen::{
    EMBEDDED_ANOMALY_MODEL, EMBEDDED_ANOMALY_SHA256, Screener, ScreeningConfig, Status,
};
use docscreen_synth::dataset::{SynthConfig, generate_one, selected_models};
use docscreen_synth::forge::ForgeryKind;
use docscreen_synth::text::Fonts;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_embedded_model_is_the_one_its_card_names() {
    let digest = docscreen_inference::sha256_hex(EMBEDDED_ANOMALY_MODEL);
    assert_eq!(digest, EMBEDDED_ANOMALY_SHA256.trim());
    let card = std::fs::read_to_string(root().join("models/anomaly/MODEL_CARD.md")).unwrap();
    assert!(
        card.contains(&digest),
        "MODEL_CARD.md does not name sha256 {digest}"
    );
}

/// `(anomaly score, flagged area overlaps the forged region)` per scan.
fn scores(kinds: Vec<ForgeryKind>, genuine: f32, n: usize, seed: u64) -> Vec<(f32, bool)> {
    let screener = Screener::new(ScreeningConfig {
        reference_date: Date::new(2026, 1, 1),
        ..ScreeningConfig::default()
    })
    .unwrap();
    let config = SynthConfig {
        count: n,
        seed,
        models: vec!["utopia_passport_td3".to_owned()],
        kinds,
        genuine_fraction: genuine,
        digital_fraction: 1.0,
        ..SynthConfig::default()
    };
    let models = selected_models(&config).unwrap();
    let fonts = Fonts::shared().unwrap();
    (0..n)
        .map(|i| {
            let s = generate_one(i, &config, &models, fonts);
            let r = screener.screen(&s.truth.file, &s.bytes);
            let c = r.check("anomaly.map").unwrap();
            assert!(
                matches!(c.status, Status::Pass | Status::Warn | Status::Fail),
                "{}: {:?} {}",
                s.truth.file,
                c.status,
                c.message
            );
            let hit = c.regions.iter().any(|g| {
                s.truth
                    .regions
                    .iter()
                    .filter(|t| t.role == "forged")
                    .any(|t| overlaps(&g.quad_px, &t.quad_px))
            });
            (c.score, hit)
        })
        .collect()
}

fn bbox(q: &[[f32; 2]; 4]) -> [f32; 4] {
    let f = |i: usize, max: bool| {
        q.iter()
            .map(|p| p[i])
            .fold(if max { f32::MIN } else { f32::MAX }, |a, b| {
                if max { a.max(b) } else { a.min(b) }
            })
    };
    [f(0, false), f(1, false), f(0, true), f(1, true)]
}

fn overlaps(a: &[[f32; 2]; 4], b: &[[f32; 2]; 4]) -> bool {
    let (a, b) = (bbox(a), bbox(b));
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

#[test]
fn a_portrait_pasted_into_the_file_scores_above_genuine_scans() {
    let genuine = scores(Vec::new(), 1.0, 6, 8101);
    let pasted = scores(vec![ForgeryKind::PhotoSubstitution], 0.0, 6, 8102);
    let mean = |v: &[(f32, bool)]| v.iter().map(|s| s.0).sum::<f32>() / 6.0;
    assert!(
        mean(&pasted) > mean(&genuine) + 0.15,
        "pasted {pasted:?} vs genuine {genuine:?}"
    );
    let flagged_on_portrait = pasted.iter().filter(|s| s.1).count();
    assert!(flagged_on_portrait >= 3, "pasted {pasted:?}");
}
