//! The template registry and checks on the shipped templates and the
//! shipped sample scans (`testdata/`): identification of genuine scans,
//! refusal of invalid template folders, `not_performed` without templates.
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
