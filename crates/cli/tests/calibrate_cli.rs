//! `docscreen calibrate` end to end on a small constructed report and
//! ground-truth folder, and the fitted file used by `docscreen screen`
//! through `--fusion`, `--desk` and the explicit thresholds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn docscreen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docscreen"))
        .args(args)
        .output()
        .expect("docscreen runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("docscreen-calibrate-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp dir");
    dir
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8")
}

fn check(id: &str, status: &str, score: f64) -> Value {
    json!({"id": id, "status": status, "score": score, "message": "", "regions": []})
}

/// A generator-like folder: 40 genuine scans (a few with a noise warning)
/// and 30 forged ones (altered MRZs, some also with the warning), their
/// truth files, and a report of them with one unreadable row and one
/// without ground truth.
fn constructed(dir: &Path) -> PathBuf {
    let scans = dir.join("scans");
    std::fs::create_dir_all(&scans).expect("dir");
    let mut report = String::new();
    for i in 0..70 {
        let forged = i >= 40;
        let name = format!("{i:06}");
        let truth = json!({"file": format!("{name}.jpg"),
                           "label": if forged { "forged" } else { "genuine" }});
        std::fs::write(scans.join(format!("{name}.json")), truth.to_string()).expect("truth");
        let noise = if i % 7 == 0 { "warn" } else { "pass" };
        let digits = if forged && i % 5 != 0 { "fail" } else { "pass" };
        let row = json!({
            "path": s(&scans.join(format!("{name}.jpg"))),
            "sha256": "0".repeat(64), "verdict": "pass", "score": 0.0, "error": null,
            "checks": [
                check("mrz.present", "pass", 0.0),
                check("mrz.check_digits", digits, if digits == "fail" { 1.0 } else { 0.0 }),
                check("forensics.noise", noise, 0.1),
                check("template.layout", "not_performed", 0.0),
            ],
        });
        report.push_str(&row.to_string());
        report.push('\n');
    }
    let broken = json!({"path": s(&scans.join("bad.jpg")), "sha256": "", "verdict": null,
                        "score": null, "checks": [], "error": "not an image"});
    report.push_str(&broken.to_string());
    report.push('\n');
    // A model's reference image in the generator's folder: no truth.
    let reference = json!({"path": s(&scans.join("templates/m/reference.png")),
                           "sha256": "", "verdict": "pass", "score": 0.0, "error": null,
                           "checks": [check("mrz.present", "fail", 1.0)]});
    report.push_str(&reference.to_string());
    report.push('\n');
    let path = dir.join("report.jsonl");
    std::fs::write(&path, report).expect("report");
    path
}

#[test]
fn calibrate_fits_prints_and_writes_a_fusion_file() {
    let dir = tmp("fit");
    let report = constructed(&dir);
    let model = dir.join("fusion.json");
    let out = docscreen(&[
        "calibrate",
        s(&report),
        "--truth",
        s(&dir.join("scans")),
        "--out",
        s(&model),
        "--id",
        "tiny-v1",
        "--seed",
        "7",
    ]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "40 genuine, 30 forged; skipped: 1 with an error, 1 without ground truth",
        "calibration AUC",
        "mrz.check_digits",
        "desk default",
        "desk consular",
        "desk airport",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(&model).expect("written")).expect("JSON");
    assert_eq!(m["format"], "docscreen-fusion");
    assert_eq!(m["version"], 1);
    assert_eq!(m["id"], "tiny-v1");
    assert_eq!(m["fitted"]["seeds"], json!([7]));
    assert_eq!(m["fitted"]["skipped"], 2);
    let w = m["weights"].as_object().expect("weights");
    let v = m["fail_weights"].as_object().expect("fail weights");
    let digits =
        w["mrz.check_digits"].as_f64().expect("w") + v["mrz.check_digits"].as_f64().expect("v");
    assert!(digits > 1.0, "{w:?} {v:?}");
    assert_eq!(w["template.layout"], 0.0, "never flagged: no weight");
    assert_eq!(v["forensics.noise"], 0.0, "never failed: no fail weight");
    assert!(
        w.values()
            .chain(v.values())
            .all(|x| x.as_f64().is_some_and(|x| x >= 0.0))
    );
    let auc = m["fitted"]["auc"].as_f64().expect("auc");
    assert!(auc > 0.8 && auc <= 1.0, "{auc}");
    for desk in ["default", "consular", "airport"] {
        let d = &m["desks"][desk];
        assert!(d["review"].as_f64() <= d["fail"].as_f64(), "{desk}: {d}");
    }

    // The file drives `screen`: the report names model and desk.
    let scan =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/synth_sample/000000.png");
    let screen = |extra: &[&str]| {
        let mut args = vec!["screen", s(&scan), "--json", "--date", "2026-01-01"];
        args.extend_from_slice(extra);
        docscreen(&args)
    };
    let out = screen(&["--fusion", s(&model), "--desk", "airport"]);
    ok(&out);
    let r: Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(r["score_model"], "tiny-v1/airport");
    let out = screen(&["--fusion", s(&model), "--review-at", "0", "--fail-at", "1"]);
    ok(&out);
    let r: Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(r["score_model"], "tiny-v1/review=0,fail=1");
    assert_eq!(
        r["verdict"], "review",
        "every score is at least review at 0"
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn bad_input_is_a_usage_error() {
    let dir = tmp("bad");
    let report = constructed(&dir);
    // No ground truth where the rows point.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).expect("dir");
    let other = dir.join("other");
    std::fs::create_dir_all(&other).expect("dir");
    let out = docscreen(&[
        "calibrate",
        s(&report),
        "--truth",
        s(&empty),
        s(&other),
        "--out",
        s(&dir.join("f.json")),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("in none of the --truth folders"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.join("f.json").exists(), "nothing written");
    // Unknown desk, thresholds out of order, a file that is not a model.
    let scan =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/synth_sample/000000.png");
    for (args, expected) in [
        (vec!["--desk", "harbour"], "unknown desk \"harbour\""),
        (vec!["--review-at", "0.9", "--fail-at", "0.5"], "above fail"),
        (vec!["--fusion", s(&report)], "fusion model"),
    ] {
        let mut all = vec!["screen", s(&scan)];
        all.extend(args);
        let out = docscreen(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{expected:?} in {err}");
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}
