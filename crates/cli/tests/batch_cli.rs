//! `docscreen batch` and `docscreen screen` end to end: a folder of scans
//! and bad files into a JSON Lines report, resuming, a torn last row, and
//! the single-scan summary and JSON.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

fn docscreen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docscreen"))
        .args(args)
        .output()
        .expect("docscreen runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("docscreen-batch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp dir");
    dir
}

fn rows(report: &Path) -> Vec<Value> {
    std::fs::read_to_string(report)
        .expect("report")
        .lines()
        .map(|l| serde_json::from_str(l).expect("every row is one JSON object"))
        .collect()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_folder_with_bad_files_gives_one_row_each_and_resumes() {
    let dir = tmp("folder");
    let scans = dir.join("scans");
    std::fs::create_dir_all(scans.join("sub")).expect("dirs");
    for f in ["000000.png", "000001.jpg", "000006.jpg"] {
        std::fs::copy(testdata("synth_sample").join(f), scans.join(f)).expect("copy");
    }
    for f in ["truncated_60.jpg", "wrong_magic.jpg", "bomb_60000.png"] {
        std::fs::copy(testdata("bad").join(f), scans.join("sub").join(f)).expect("copy");
    }
    std::fs::write(scans.join("notes.txt"), "not a scan").expect("write");
    let report = dir.join("out/report.jsonl");
    let args = [
        "batch",
        scans.to_str().expect("utf-8"),
        "--out",
        report.to_str().expect("utf-8"),
        "--jobs",
        "2",
        "--date",
        "2026-01-01",
    ];
    let out = docscreen(&args);
    ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("screened 6 scans"), "{stderr}");
    let first = rows(&report);
    assert_eq!(first.len(), 6, "one row per scan, the .txt skipped");
    for r in &first {
        let path = r["path"].as_str().expect("path");
        let bad = path.contains("/sub/");
        assert_eq!(r["error"].is_string(), bad, "{path}: {r}");
        if bad {
            assert!(r["verdict"].is_null() && r["score"].is_null());
        } else {
            assert!(["pass", "review", "fail"].contains(&r["verdict"].as_str().expect("verdict")));
            assert!(r["checks"].as_array().is_some_and(|c| c.len() >= 7));
            assert_eq!(r["sha256"].as_str().map(str::len), Some(64));
        }
    }

    // Resume: nothing new to do.
    let again = docscreen(&args);
    ok(&again);
    assert_eq!(rows(&report).len(), 6);
    assert!(String::from_utf8_lossy(&again.stderr).contains("screened 0 scans"));

    // A torn last row (a crash mid-write) is dropped and that scan redone.
    let text = std::fs::read_to_string(&report).expect("report");
    let keep: Vec<&str> = text.lines().take(4).collect();
    let torn = format!("{}\n{{\"path\": \"half", keep.join("\n"));
    std::fs::write(&report, torn).expect("tear");
    let resumed = docscreen(&args);
    ok(&resumed);
    let after = rows(&report);
    assert_eq!(
        after.len(),
        6,
        "the two missing rows are back, the torn one gone"
    );
    let mut paths: Vec<&str> = after
        .iter()
        .map(|r| r["path"].as_str().expect("path"))
        .collect();
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(paths.len(), 6, "no scan twice");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn usage_errors_exit_2() {
    let out = docscreen(&["batch", "/definitely/not/here", "--out", "/tmp/x.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    let out = docscreen(&["screen", "/definitely/not/here.jpg"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn screen_prints_a_summary_or_the_report() {
    let scan = testdata("synth_sample/000000.png");
    let out = docscreen(&[
        "screen",
        scan.to_str().expect("utf-8"),
        "--date",
        "2026-01-01",
    ]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("verdict:") && text.contains("mrz.check_digits"),
        "{text}"
    );
    let out = docscreen(&[
        "screen",
        scan.to_str().expect("utf-8"),
        "--json",
        "--date",
        "2026-01-01",
    ]);
    ok(&out);
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(r["document"]["mrz_format"], "TD1");
    assert!(r["error"].is_null());
    let bad = testdata("bad/truncated_30.jpg");
    let out = docscreen(&["screen", bad.to_str().expect("utf-8"), "--json"]);
    ok(&out);
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert!(
        r["error"].as_str().is_some_and(|e| e.contains("truncated")),
        "{r}"
    );
}

#[test]
fn a_missing_onnx_runtime_is_a_clear_error_not_a_panic() {
    let scan = testdata("synth_sample/000000.png");
    let out = Command::new(env!("CARGO_BIN_EXE_docscreen"))
        .args(["screen", scan.to_str().expect("utf-8")])
        .env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so")
        .output()
        .expect("docscreen runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ONNX Runtime library not found") && stderr.contains("scripts/setup.sh"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn evidence_images_are_written_per_screened_scan() {
    let dir = tmp("evidence");
    let report = dir.join("r.jsonl");
    let ev = dir.join("evidence");
    let bad = dir.join("not-an-image.jpg");
    std::fs::write(&bad, b"hello").expect("write");
    let scan = testdata("synth_sample/000006.jpg");
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let out = docscreen(&[
        "batch",
        &s(&scan),
        &s(&bad),
        "--out",
        &s(&report),
        "--date",
        "2026-01-01",
        "--evidence",
        &s(&ev),
    ]);
    ok(&out);
    let written: Vec<PathBuf> = std::fs::read_dir(&ev)
        .expect("evidence folder")
        .map(|e| e.expect("entry").path())
        .collect();
    // One image for the scan, none for the file that could not be screened.
    assert_eq!(written.len(), 1, "{written:?}");
    let name = written[0]
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("000006.") && written[0].extension().is_some_and(|e| e == "png"),
        "{name}"
    );
    let png = std::fs::read(&written[0]).expect("read");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    std::fs::remove_dir_all(&dir).expect("clean up");
}
