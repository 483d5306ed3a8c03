//! `docscreen mrz` end to end: the binary on the shipped samples, stdin,
//! JSON Lines input, repair, and usage errors.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/mrz/samples.txt")
}

fn docscreen(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_docscreen"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docscreen runs");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or("").as_bytes())
        .expect("write stdin");
    drop(input);
    child.wait_with_output().expect("docscreen finishes")
}

fn objects(out: &Output) -> Vec<Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn failed_ids(o: &Value) -> Vec<String> {
    o["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["ok"] == false && c["category"] != "status")
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

#[test]
fn screens_the_shipped_samples() {
    let path = samples();
    let out = docscreen(
        &[
            "mrz",
            path.to_str().expect("utf-8 path"),
            "--date",
            "2026-11-23",
        ],
        None,
    );
    let objs = objects(&out);
    let formats: Vec<_> = objs
        .iter()
        .map(|o| o["format"].as_str().unwrap_or("none").to_owned())
        .collect();
    assert_eq!(
        formats,
        ["TD3", "TD1", "TD2", "MRVA", "MRVB", "FRID", "TD3", "TD3"]
    );
    let valid: Vec<_> = objs
        .iter()
        .map(|o| o["valid"].as_bool().expect("valid"))
        .collect();
    assert_eq!(valid, [true, true, true, true, true, true, false, false]);
    // ICAO's specimens are specimens and long expired; the French sample has no expiry.
    assert_eq!(objs[0]["specimen"], true);
    assert_eq!(objs[0]["expired"], true);
    assert_eq!(objs[5]["expired"], Value::Null);
    assert_eq!(objs[1]["fields"]["document_number"], "D23145890734");
    assert_eq!(objs[5]["fields"]["primary_identifier"], "DUVAL ROCHE");
    assert_eq!(objs[5]["fields"]["secondary_identifier"], "CAMILLE ANNE");
    // The altered birth date: both the field's and the composite digit fail, located.
    assert_eq!(
        failed_ids(&objs[6]),
        ["check_digit.birth_date", "check_digit.composite"]
    );
    let bd = objs[6]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "check_digit.birth_date")
        .expect("check");
    assert_eq!(
        (bd["line"].clone(), bd["columns"].clone()),
        (Value::from(2), serde_json::json!([14, 20]))
    );
    assert_eq!(objs[7]["repairs"], serde_json::json!([]));
}

#[test]
fn repair_is_explicit_and_listed() {
    let path = samples();
    let out = docscreen(
        &[
            "mrz",
            path.to_str().expect("utf-8 path"),
            "--date",
            "2026-11-23",
            "--repair",
        ],
        None,
    );
    let objs = objects(&out);
    let last = &objs[7];
    assert_eq!(last["valid"], true);
    let repairs = last["repairs"].as_array().expect("repairs");
    let changes: Vec<_> = repairs
        .iter()
        .map(|r| {
            (
                r["line"].as_u64(),
                r["column"].as_u64(),
                r["from"].clone(),
                r["to"].clone(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            (Some(2), Some(16), "O".into(), "0".into()),
            (Some(2), Some(24), "O".into(), "0".into())
        ]
    );
    assert_eq!(
        last["original_lines"][1],
        "L898902C36UTO74O8122F12O4159ZE184226B<<<<<10"
    );
    // A damaged MRZ that no confusion explains is not "repaired".
    assert_eq!(objs[6]["valid"], false);
    assert_eq!(objs[6]["repairs"], serde_json::json!([]));
}

#[test]
fn reads_stdin_and_jsonl_copying_other_keys() {
    let input = "{\"id\": \"a-1\", \"lines\": [\"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\", \"D231458907UTO7408122F1204159<<<<<<<6\"]}\n\n{\"id\": 2, \"lines\": [\"junk\"]}\n";
    let objs = objects(&docscreen(
        &["mrz", "--jsonl", "--date", "2026-11-23"],
        Some(input),
    ));
    assert_eq!(objs.len(), 2);
    assert_eq!(
        (
            objs[0]["id"].clone(),
            objs[0]["format"].clone(),
            objs[0]["valid"].clone()
        ),
        ("a-1".into(), "TD2".into(), true.into())
    );
    assert_eq!(
        (
            objs[1]["id"].clone(),
            objs[1]["format"].clone(),
            objs[1]["valid"].clone()
        ),
        (2.into(), Value::Null, false.into())
    );
    let plain = objects(&docscreen(
        &["mrz", "-"],
        Some(
            "\n\nP<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n\n",
        ),
    ));
    assert_eq!(plain.len(), 1);
    assert_eq!(plain[0]["valid"], true);
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    for (args, stdin, needle) in [
        (
            vec!["mrz", "/nonexistent/mrz.txt"],
            None,
            "cannot read /nonexistent/mrz.txt",
        ),
        (
            vec!["mrz", "--date", "2026-02-30", "-"],
            None,
            "invalid date",
        ),
        (
            vec!["mrz", "--jsonl"],
            Some("{\"lines\": 3}\n"),
            "input line 1",
        ),
        (vec!["mrz", "--jsonl"], Some("not json\n"), "not JSON"),
        (vec!["mrz", "--no-such-flag"], None, "unexpected argument"),
    ] {
        let out = docscreen(&args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
