//! The printed-data checks end to end on generated scans of the shipped
//! models: a genuine passport's printed fields are read and agree with its
//! MRZ; an MRZ re-created with other data disagrees with the print, with
//! both regions marked; a document without an MRZ gets the consistency
//! check only. Without document models (`viz.mrz_in_print`): a genuine
//! passport's MRZ values are found in its print and nothing contradicts
//! them; an MRZ re-created with one value changed is contradicted by the
//! print, with the MRZ field marked.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use docscreen_mrz::Date;
use docscreen_screen::{Report, Screener, ScreeningConfig, Status};
use docscreen_synth::dataset::{SynthConfig, generate_one, selected_models};
use docscreen_synth::forge::ForgeryKind;
use docscreen_synth::text::Fonts;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn screen_generated(model: &str, kinds: Vec<ForgeryKind>, genuine: f32, n: usize) -> Vec<Report> {
    screen_generated_with(true, model, kinds, genuine, n, 4711)
}

/// Screens `n` generated scans of `model`, with the shipped templates or
/// without any (a document of unknown design).
fn screen_generated_with(
    templates: bool,
    model: &str,
    kinds: Vec<ForgeryKind>,
    genuine: f32,
    n: usize,
    seed: u64,
) -> Vec<Report> {
    let screener = Screener::new(ScreeningConfig {
        templates: templates.then(|| root().join("testdata/templates")),
        reference_date: Date::new(2026, 1, 1),
        ..ScreeningConfig::default()
    })
    .unwrap();
    let config = SynthConfig {
        count: n,
        seed,
        models: vec![model.to_owned()],
        kinds,
        genuine_fraction: genuine,
        clean: true,
        ..SynthConfig::default()
    };
    let models = selected_models(&config).unwrap();
    let fonts = Fonts::shared().unwrap();
    (0..n)
        .map(|i| {
            let s = generate_one(i, &config, &models, fonts);
            screener.screen(&s.truth.file, &s.bytes)
        })
        .collect()
}

#[test]
fn a_genuine_passport_agrees_with_its_mrz() {
    let reports = screen_generated("utopia_passport_td3", Vec::new(), 1.0, 3);
    let mut agreeing = 0;
    for r in &reports {
        let c = r.check("viz.mrz_agreement").unwrap();
        assert_ne!(c.status, Status::Fail, "{}", c.message);
        let fields = &r.document.as_ref().unwrap().fields;
        assert!(fields.len() >= 5, "printed fields read: {fields:?}");
        agreeing += fields
            .values()
            .filter(|f| f.agreement.as_deref() == Some("agree"))
            .count();
        for f in fields.values() {
            assert!((0.0..=1.0).contains(&f.confidence));
        }
    }
    assert!(
        agreeing >= 9,
        "{agreeing} printed fields agree over 3 passports"
    );
}

#[test]
fn a_recreated_mrz_disagrees_with_the_print() {
    let reports = screen_generated(
        "utopia_passport_td3",
        vec![ForgeryKind::MrzRecreation],
        0.0,
        4,
    );
    let flagged: Vec<_> = reports
        .iter()
        .filter_map(|r| r.check("viz.mrz_agreement"))
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
        .collect();
    assert!(
        flagged.len() >= 2,
        "{} of 4 re-created MRZs disagree with the print",
        flagged.len()
    );
    for c in flagged {
        assert!(
            c.message.contains("does not match the MRZ"),
            "{}",
            c.message
        );
        assert!(
            c.regions.iter().any(|g| g.label.starts_with("printed "))
                && c.regions.iter().any(|g| g.label.starts_with("MRZ ")),
            "both the printed field and the MRZ are marked: {:?}",
            c.regions
        );
    }
}

#[test]
fn a_birth_certificate_gets_the_consistency_check_only() {
    let reports = screen_generated("arcadia_birth_a5", Vec::new(), 1.0, 1);
    let r = &reports[0];
    let c = r.check("viz.mrz_agreement").unwrap();
    assert_eq!(c.status, Status::NotPerformed);
    assert!(c.message.contains("no MRZ"), "{}", c.message);
    assert!(r.check("viz.consistency").is_some());
    assert!(!r.document.as_ref().unwrap().fields.is_empty());
}

/// "F of [the MRZ's] N values": how many of the MRZ's values were found,
/// of how many looked for.
fn found_of(message: &str) -> (usize, usize) {
    let words: Vec<&str> = message
        .split_whitespace()
        .map(|w| w.trim_start_matches('('))
        .collect();
    let at = words.iter().position(|w| *w == "of").unwrap();
    let of = words[at + 1..].iter().find_map(|w| w.parse().ok()).unwrap();
    (words[at - 1].parse().unwrap(), of)
}

#[test]
fn a_genuine_passports_values_are_found_in_its_print() {
    for r in screen_generated_with(false, "utopia_passport_td3", Vec::new(), 1.0, 3, 4712) {
        let c = r.check("viz.mrz_in_print").unwrap();
        assert_eq!(c.status, Status::Pass, "{}", c.message);
        let (found, of) = found_of(&c.message);
        // Names, document number, dates and the nationality; the reader
        // misses a value or two on some scans.
        assert!(found >= 4 && of == 6, "{}", c.message);
    }
}

#[test]
fn a_recreated_mrz_is_contradicted_by_the_print() {
    let reports = screen_generated_with(
        false,
        "utopia_passport_td3",
        vec![ForgeryKind::MrzRecreation],
        0.0,
        8,
        4712,
    );
    let mut flagged = 0;
    for r in &reports {
        let c = r.check("viz.mrz_in_print").unwrap();
        if c.status == Status::Warn {
            flagged += 1;
            assert!(c.score >= 0.5, "{}", c.message);
            assert!(
                c.regions.iter().any(|g| g.label.starts_with("MRZ ")),
                "{:?}",
                c.regions
            );
        }
    }
    assert!(flagged >= 3, "{flagged} of 8 re-created MRZs contradicted");
}
