//! Conformance against 313 MRZ cases from 13 other projects' test suites
//! (`../shared/peers/mrz_vectors.jsonl`, not copied into this repository).
//!
//! Every case is run. Where our verdict differs from the peer's own
//! assertion, the case must be listed, with the reason, in
//! `testdata/mrz/peer_disagreements.tsv`; a listed case that no longer
//! disagrees fails the test too, so the list stays exact.

// The test prints why it skipped and what it counted: that is its report.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use docscreen_mrz::{Date, parse_lines};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The documented disagreements: source → reason.
fn documented() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(workspace().join("testdata/mrz/peer_disagreements.tsv"))
        .expect("testdata/mrz/peer_disagreements.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (src, why) = l.split_once('\t').expect("source<TAB>reason");
            assert!(
                !why.trim().is_empty(),
                "{src}: a disagreement needs its reason"
            );
            (src.to_owned(), why.to_owned())
        })
        .collect()
}

#[test]
fn peer_vectors() {
    let path = workspace().join("../shared/peers/mrz_vectors.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!(
            "skipped: {} is absent (peer vectors live outside the repository)",
            path.display()
        );
        return;
    };
    // A reference date inside the validity of most vectors does not matter:
    // `valid` excludes expiry by contract.
    let reference = Date::new(2026, 11, 23).expect("date");
    let documented = documented();
    let mut disagreements = BTreeMap::new();
    let mut rows = 0;
    let mut asserted = 0;
    let mut compared = 0;
    for line in text.lines() {
        let row: serde_json::Value = serde_json::from_str(line).expect("jsonl row");
        rows += 1;
        let source = row["source"].as_str().expect("source").to_owned();
        let lines: Vec<&str> = row["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .map(|l| l.as_str().expect("line"))
            .collect();
        let mrz = parse_lines(&lines, reference);
        // Parsing never panics and always reports something.
        assert!(!mrz.checks.is_empty(), "{source}");
        let expected_format = row["format"].as_str().expect("format");
        if expected_format != "other" {
            let got = mrz.format.map_or("none", |f| f.as_str());
            if got != expected_format {
                disagreements.insert(
                    source.clone(),
                    format!("format {got}, peer says {expected_format}"),
                );
                continue;
            }
        }
        if let (Some(fields), serde_json::Value::Object(expect)) =
            (&mrz.fields, &row["expect_fields"])
        {
            for (keys, ours) in [
                (
                    &["documentNumber", "getDocumentNumber", "document_number"][..],
                    fields.document_number,
                ),
                (
                    &[
                        "lastName",
                        "surnames",
                        "surname",
                        "getPrimaryIdentifier",
                        "primaryIdentifier",
                    ][..],
                    fields.primary_identifier,
                ),
                (
                    &["birthDate", "date_of_birth", "birth_date"][..],
                    docscreen_mrz::MrzText::from_ascii(fields.birth_date.raw().as_bytes()),
                ),
                (
                    &["nationality", "getNationality"][..],
                    fields.nationality.unwrap_or_default(),
                ),
                (
                    &["issuingState", "getIssuingState"][..],
                    fields.issuing_state,
                ),
            ] {
                for key in keys {
                    let Some(theirs) = expect.get(*key).and_then(serde_json::Value::as_str) else {
                        continue;
                    };
                    let norm = |s: &str| {
                        s.replace(['<', ','], " ")
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    // Peers that name countries instead of codes are not comparable.
                    // Peers that name countries instead of codes, or write dates
                    // their own way, are not comparable.
                    let comparable = match *key {
                        k if k.contains("ationality") || k.contains("ssuing") => theirs.len() <= 3,
                        k if k.contains("irth") => theirs.len() == 6,
                        _ => true,
                    };
                    if !comparable {
                        continue;
                    }
                    compared += 1;
                    if norm(theirs) != norm(&ours) {
                        disagreements.insert(
                            format!("{source} field {key}"),
                            format!("ours {ours:?}, peer {theirs:?}"),
                        );
                    }
                }
            }
        }
        if let Some(expect) = row["expect_valid"].as_bool() {
            asserted += 1;
            if mrz.is_valid() != expect {
                let why: Vec<_> = mrz
                    .failures()
                    .map(|c| format!("{} ({})", c.id, c.message()))
                    .collect();
                disagreements.insert(
                    source.clone(),
                    format!("valid={} peer={expect}: {}", mrz.is_valid(), why.join("; ")),
                );
            }
        }
    }
    println!(
        "{rows} peer cases, {asserted} validity assertions, {compared} field assertions compared, {} disagreements",
        disagreements.len()
    );
    let mut problems = Vec::new();
    for (src, what) in &disagreements {
        if !documented.contains_key(src) {
            problems.push(format!("undocumented disagreement {src}: {what}"));
        }
    }
    for src in documented.keys() {
        if !disagreements.contains_key(src) {
            problems.push(format!(
                "documented disagreement no longer disagrees: {src}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(rows, 313);
}
