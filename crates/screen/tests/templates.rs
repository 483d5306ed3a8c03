//! The template registry and checks on the shipped templates and the
//! shipped sample scans (`testdata/`): identification of genuine scans,
//! refusal of invalid template folders, `not_performed` without templates;
//! counterfeits that do not align flagged as resembling their model, and
//! a document of a model not loaded never taken for a similar one.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use docscreen_mrz::Date;
use docscreen_screen::{Screener, ScreeningConfig, Status, TEMPLATE_CHECK_IDS, TemplateRegistry};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn screener(templates: Option<PathBuf>) -> Screener {
    Screener::new(ScreeningConfig {
        templates,
        reference_date: Date::new(2026, 1, 1),
        ..ScreeningConfig::default()
    })
    .unwrap()
}

#[test]
fn the_shipped_templates_load() {
    let reg = TemplateRegistry::load(
        &root().join("testdata/templates"),
        &ScreeningConfig::default().limits,
    )
    .unwrap();
    assert_eq!(reg.len(), 12);
    assert!(reg.get("utopia_passport_td3").is_some());
    for t in reg.templates() {
        assert_eq!(t.sha256.len(), 64);
    }
}

#[test]
fn genuine_samples_are_identified_as_their_model() {
    let s = screener(Some(root().join("testdata/templates")));
    let sample = root().join("testdata/synth_sample");
    let mut identified = 0;
    let mut genuine = 0;
    for line in std::fs::read_to_string(sample.join("index.jsonl"))
        .unwrap()
        .lines()
    {
        let gt: serde_json::Value = serde_json::from_str(line).unwrap();
        if !gt["kind"].is_null() {
            continue;
        }
        genuine += 1;
        let file = gt["file"].as_str().unwrap();
        let bytes = std::fs::read(sample.join(file)).unwrap();
        let report = s.screen(file, &bytes);
        let doc = report.document.clone().unwrap();
        // Never the wrong model.
        if let Some(t) = &doc.template {
            assert_eq!(t, gt["template"].as_str().unwrap(), "{file}");
            identified += 1;
            let m = doc.template_match.unwrap();
            assert!(m.score >= docscreen_screen::MATCH_SUPPORT);
            assert!(m.residual_mm < 0.3, "{file}: residual {}", m.residual_mm);
            // The reported corners are the aligned model's, within 2.5% of
            // the diagonal of the true ones (the rate within 1% is measured
            // on a large set: see the template issue's note).
            if m.score >= 0.3 {
                assert_eq!(doc.corners_px, Some(m.corners_px));
            }
            let truth: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(sample.join(file).with_extension("json")).unwrap(),
            )
            .unwrap();
            let want: Vec<[f64; 2]> = truth["corners_px"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
                .collect();
            let d =
                |a: [f64; 2], b: [f64; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
            let diag = d(want[0], want[2]);
            for (w, got) in want.iter().zip(m.corners_px) {
                let err = d(*w, [f64::from(got[0]), f64::from(got[1])]);
                assert!(
                    err <= 0.025 * diag,
                    "{file}: corner {err:.1} px off (diagonal {diag:.0} px)"
                );
            }
        }
        for id in TEMPLATE_CHECK_IDS {
            assert!(report.check(id).is_some(), "{file}: no {id}");
        }
    }
    assert!(genuine >= 3);
    // The identification rate is measured on a large set (the template
    // issue's note); here: at least one, and never a wrong model.
    assert!(identified >= 1, "{identified} of {genuine} identified");
}

#[test]
fn without_templates_the_checks_say_why_not() {
    let s = screener(None);
    let bytes = std::fs::read(root().join("testdata/synth_sample/000001.jpg")).unwrap();
    let report = s.screen("x.jpg", &bytes);
    for id in TEMPLATE_CHECK_IDS {
        let c = report.check(id).unwrap();
        assert_eq!(c.status, Status::NotPerformed);
        assert!(c.message.contains("--templates"), "{}", c.message);
    }
}

#[test]
fn an_invalid_template_is_refused_with_the_reason() {
    let dir = std::env::temp_dir().join(format!("docscreen-bad-template-{}", std::process::id()));
    let t = dir.join("bad");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(
        t.join("template.json"),
        r#"{"id":"bad","name":"B","size_mm":[85.6,54.0],"mrz_format":"TD1",
        "reference_image":"reference.png","reference_dpi":300,
        "zones":[{"name":"portrait","kind":"portrait","rect_mm":[70.0,10.0,30.0,30.0]}]}"#,
    )
    .unwrap();
    let err = Screener::new(ScreeningConfig {
        templates: Some(dir.clone()),
        ..ScreeningConfig::default()
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("outside"), "{err}");
    // A valid spec whose reference image is missing.
    std::fs::write(
        t.join("template.json"),
        r#"{"id":"bad","name":"B","size_mm":[85.6,54.0],"mrz_format":"TD1",
        "reference_image":"reference.png","reference_dpi":300,"zones":[]}"#,
    )
    .unwrap();
    let err = TemplateRegistry::load(&dir, &ScreeningConfig::default().limits)
        .unwrap_err()
        .to_string();
    assert!(err.contains("reference image"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Screens `n` clean generated scans of `model` (forgeries of `kinds`, or
/// genuine when empty) against the templates in `templates`.
fn screen_generated(
    templates: &Path,
    model: &str,
    kinds: Vec<docscreen_synth::forge::ForgeryKind>,
    n: usize,
) -> Vec<docscreen_screen::Report> {
    screen_generated_with_truth(templates, model, kinds, n)
        .into_iter()
        .map(|(_, r)| r)
        .collect()
}

/// [`screen_generated`] with each scan's ground truth.
fn screen_generated_with_truth(
    templates: &Path,
    model: &str,
    kinds: Vec<docscreen_synth::forge::ForgeryKind>,
    n: usize,
) -> Vec<(
    docscreen_synth::dataset::GroundTruth,
    docscreen_screen::Report,
)> {
    use docscreen_synth::dataset::{SynthConfig, generate_one, selected_models};
    let s = screener(Some(templates.to_path_buf()));
    let config = SynthConfig {
        count: n,
        seed: 1414,
        models: vec![model.to_owned()],
        genuine_fraction: if kinds.is_empty() { 1.0 } else { 0.0 },
        kinds,
        clean: true,
        ..SynthConfig::default()
    };
    let models = selected_models(&config).unwrap();
    let fonts = docscreen_synth::text::Fonts::shared().unwrap();
    (0..n)
        .map(|i| {
            let g = generate_one(i, &config, &models, fonts);
            let r = s.screen(&g.truth.file, &g.bytes);
            (g.truth, r)
        })
        .collect()
}

/// Text zones that `template.background` says were printed on bare paper.
fn bare_paper_zones(r: &docscreen_screen::Report) -> Vec<String> {
    r.check("template.background")
        .map(|c| {
            c.regions
                .iter()
                .filter(|g| g.label.contains("printed on bare paper"))
                .filter_map(|g| g.label.split(':').next().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Four genuine scans of `model`: nothing printed on bare paper.
fn assert_no_bare_paper_on_genuine(templates: &Path, model: &str) {
    for (_, r) in screen_generated_with_truth(templates, model, Vec::new(), 4) {
        assert!(
            bare_paper_zones(&r).is_empty(),
            "{:?}",
            bare_paper_zones(&r)
        );
    }
}

#[test]
fn an_erased_and_reprinted_value_is_found_on_bare_paper() {
    let templates = root().join("testdata/templates");
    let model = "borduria_passport_td3";
    let forged = screen_generated_with_truth(
        &templates,
        model,
        vec![docscreen_synth::forge::ForgeryKind::PrintedDataAlteration],
        5,
    );
    let mut found = 0;
    for (truth, r) in &forged {
        let zones = bare_paper_zones(r);
        let field = truth.details["field"].as_str().unwrap_or_default();
        // Only where the value was erased; a forger who lifted only the
        // ink left the background (strength under 0.3).
        if zones.iter().any(|z| z == field) {
            found += 1;
            let c = r.check("template.background").unwrap();
            assert_eq!(c.status, Status::Warn, "{}", c.message);
            assert!(c.message.contains(field), "{}", c.message);
        }
        // Never another field of the same document.
        assert!(zones.iter().all(|z| z == field), "{zones:?} vs {field}");
    }
    assert!(found >= 3, "{found} of 5 erased values found");
    assert_no_bare_paper_on_genuine(&templates, model);
}

#[test]
fn a_recreated_mrz_is_found_on_bare_paper() {
    let templates = root().join("testdata/templates");
    let model = "utopia_passport_td3";
    let forged = screen_generated_with_truth(
        &templates,
        model,
        vec![docscreen_synth::forge::ForgeryKind::MrzRecreation],
        4,
    );
    let found = forged
        .iter()
        .filter(|(_, r)| bare_paper_zones(r).iter().any(|z| z == "mrz"))
        .count();
    assert!(
        found >= 3,
        "{found} of 4 re-created MRZs found on bare paper"
    );
    assert_no_bare_paper_on_genuine(&templates, model);
}

/// Whether `template.portrait` says the ghost image shows another face.
fn ghost_unlike(r: &docscreen_screen::Report) -> bool {
    r.check("template.portrait").is_some_and(|c| {
        c.message.contains("ghost image does not show")
            && c.regions.iter().any(|g| g.label.contains("another face"))
    })
}

#[test]
fn a_substituted_photo_no_longer_matches_its_ghost_image() {
    let templates = root().join("testdata/templates");
    let model = "utopia_passport_td3";
    let forged = screen_generated(
        &templates,
        model,
        vec![docscreen_synth::forge::ForgeryKind::PhotoSubstitution],
        8,
    );
    // On these clean scans 4 of the 8 substitute faces differ enough from
    // the original's (the generator's faces share one drawing).
    let found = forged.iter().filter(|r| ghost_unlike(r)).count();
    assert!(
        found >= 3,
        "{found} of 8 substituted photos unlike their ghost"
    );
    for r in screen_generated(&templates, model, Vec::new(), 5) {
        let c = r.check("template.portrait").unwrap();
        assert!(!ghost_unlike(&r), "{}", c.message);
    }
}

fn resembled(r: &docscreen_screen::Report) -> bool {
    r.check("template.layout")
        .is_some_and(|c| c.message.contains("looks like the model"))
}

#[test]
fn a_counterfeit_that_does_not_align_is_flagged_as_resembling_its_model() {
    let reports = screen_generated(
        &root().join("testdata/templates"),
        "utopia_passport_td3",
        vec![docscreen_synth::forge::ForgeryKind::Counterfeit],
        6,
    );
    let mut flagged = 0;
    let mut layout_flags = 0;
    for r in &reports {
        let layout = r.check("template.layout").unwrap();
        if matches!(layout.status, Status::Warn | Status::Fail) {
            layout_flags += 1;
        }
        if resembled(r) {
            flagged += 1;
            assert_eq!(layout.status, Status::Fail, "{}", layout.message);
            assert!(
                layout.message.contains("utopia_passport_td3"),
                "{}",
                layout.message
            );
            assert_eq!(layout.regions.len(), 1);
            // The zone checks need an alignment: they say why they did not run.
            for id in &TEMPLATE_CHECK_IDS[1..] {
                let c = r.check(id).unwrap();
                assert_eq!(c.status, Status::NotPerformed);
                assert!(c.message.contains("does not align"), "{}", c.message);
            }
            assert!(r.document.as_ref().unwrap().template.is_none());
        } else {
            // Either aligned as its model (then the zone checks judge it) or
            // not like it at all; never another model.
            let doc = r.document.as_ref().unwrap();
            assert!(
                doc.template
                    .as_deref()
                    .is_none_or(|t| t == "utopia_passport_td3"),
                "{:?}",
                doc.template
            );
        }
    }
    assert!(
        flagged >= 2,
        "{flagged} of 6 counterfeits flagged by resemblance"
    );
    // The others align; their print (moved labels, other typefaces) differs
    // from the model's.
    assert!(
        layout_flags >= 4,
        "template.layout flags {layout_flags} of 6 counterfeits"
    );
}

#[test]
fn a_genuine_document_of_a_model_not_loaded_is_not_forced_onto_a_similar_one() {
    // The shipped templates less utopia_id_td1: its scans are of an unknown
    // model, next to two other models of the same size and MRZ format.
    let dir = std::env::temp_dir().join(format!("docscreen-loo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for entry in std::fs::read_dir(root().join("testdata/templates")).unwrap() {
        let from = entry.unwrap().path();
        let name = from.file_name().unwrap().to_owned();
        if name == "utopia_id_td1" || !from.is_dir() {
            continue;
        }
        let to = dir.join(&name);
        std::fs::create_dir_all(&to).unwrap();
        for f in std::fs::read_dir(&from).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, to.join(f.file_name().unwrap())).unwrap();
        }
    }
    let reports = screen_generated(&dir, "utopia_id_td1", Vec::new(), 4);
    let _ = std::fs::remove_dir_all(&dir);
    for r in &reports {
        let doc = r.document.as_ref().unwrap();
        assert!(doc.template.is_none(), "{:?}", doc.template);
        assert!(
            !resembled(r),
            "{}",
            r.check("template.layout").unwrap().message
        );
        for id in TEMPLATE_CHECK_IDS {
            assert_eq!(r.check(id).unwrap().status, Status::NotPerformed, "{id}");
        }
    }
}
