//! The screener end to end on the shipped synthetic sample and the bad
//! corpus: MRZ read and validated, altered MRZs failing with regions, watch
//! lists, and bad files as reports with `error`.
#![allow(clippy::many_single_char_names)] // x, y, w, h of pixels

use std::path::PathBuf;

use docscreen_mrz::Date;
use docscreen_screen::{Screener, ScreeningConfig, Status, Verdict};
use serde_json::Value;

fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

fn screener(watchlists: Vec<PathBuf>) -> Screener {
    Screener::new(ScreeningConfig {
        reference_date: Some(Date::new(2026, 1, 1).expect("date")),
        watchlists,
        inference_threads: 1,
        ..ScreeningConfig::default()
    })
    .expect("screener (ONNX Runtime from scripts/setup.sh)")
}

/// The sample's scans with their ground truth.
fn sample() -> Vec<(String, Vec<u8>, Value)> {
    let dir = testdata("synth_sample");
    let mut out: Vec<(String, Vec<u8>, Value)> = std::fs::read_to_string(dir.join("index.jsonl"))
        .expect("index")
        .lines()
        .map(|l| {
            let row: Value = serde_json::from_str(l).expect("json");
            let file = row["file"].as_str().expect("file").to_owned();
            let stem = file.split('.').next().expect("stem");
            let truth: Value = serde_json::from_str(
                &std::fs::read_to_string(dir.join(format!("{stem}.json"))).expect("ground truth"),
            )
            .expect("json");
            let bytes = std::fs::read(dir.join(&file)).expect("scan");
            (file, bytes, truth)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn reads_the_sample_mrzs() {
    let s = screener(Vec::new());
    let mut exact = 0;
    let mut with_mrz = 0;
    for (file, bytes, truth) in sample() {
        let r = s.screen(&file, &bytes);
        assert!(r.error.is_none(), "{file}: {:?}", r.error);
        assert_eq!(
            r.checks.len(),
            7 + 5 + 3 + 4 + 1,
            "{file}: every check reported (MRZ, templates, printed data, forensics, anomaly map)"
        );
        let Some(lines) = truth["mrz_lines"].as_array() else {
            continue;
        };
        with_mrz += 1;
        let gt: Vec<&str> = lines.iter().filter_map(Value::as_str).collect();
        let read = r.mrz.as_ref().expect("an MRZ read");
        if read.lines == gt {
            exact += 1;
            assert_eq!(
                r.document.as_ref().and_then(|d| d.mrz_format.as_deref()),
                truth["mrz_format"].as_str(),
                "{file}"
            );
        }
        // Regions are in input pixels: inside the image.
        let (w, h) = (
            truth["image_size"][0].as_f64().expect("w"),
            truth["image_size"][1].as_f64().expect("h"),
        );
        for c in &r.checks {
            for reg in &c.regions {
                for p in reg.quad_px {
                    let (x, y) = (f64::from(p[0]), f64::from(p[1]));
                    assert!(
                        x > -0.05 * w && x < 1.05 * w && y > -0.05 * h && y < 1.05 * h,
                        "{file}: {reg:?}"
                    );
                }
            }
        }
    }
    assert_eq!(with_mrz, 10);
    assert!(exact >= 8, "{exact}/10 MRZs read exactly");
}

#[test]
fn altered_mrz_data_fails_its_check_digits_with_regions() {
    let s = screener(Vec::new());
    let mut seen = 0;
    for (file, bytes, truth) in sample() {
        if truth["kind"] != "mrz_alteration" || truth["mrz_valid"] != false {
            continue;
        }
        seen += 1;
        let r = s.screen(&file, &bytes);
        let c = r.check("mrz.check_digits").expect("check");
        assert_eq!(c.status, Status::Fail, "{file}: {c:?}");
        assert!(
            !c.regions.is_empty(),
            "{file}: the failing characters are marked"
        );
        // Without templates the failing check digits are the main
        // finding: the fitted fusion puts that at least at the default
        // desk's review threshold. Since `fusion-4242-v13` a confident
        // failure alone fails the document (0.932 >= 0.9129); it also
        // happens on genuine scans the recogniser misreads confidently
        // (1 of 412 genuine scans of seed 8080, a 150-dpi blurred PNG),
        // so the test asks for review or more, not for fail.
        let t = s.thresholds();
        assert!(
            r.verdict >= Some(Verdict::Review) && r.score >= Some(t.review),
            "{file}: {:?} {:?} under {t:?}",
            r.verdict,
            r.score
        );
    }
    assert!(seen >= 1, "the sample holds an MRZ alteration");
}

#[test]
fn a_watch_list_hit_fails_the_document() {
    let (file, bytes, truth) = sample()
        .into_iter()
        .find(|(_, _, t)| t["label"] == "genuine" && t["mrz_lines"].is_array())
        .expect("a genuine scan with an MRZ");
    let s = screener(Vec::new());
    let r = s.screen(&file, &bytes);
    let fields = &r.mrz.as_ref().expect("mrz").fields;
    let state = fields["issuing_state"].as_str().expect("state").to_owned();
    let number = fields["document_number"]
        .as_str()
        .expect("number")
        .to_owned();
    let _ = truth;
    let dir = std::env::temp_dir().join(format!("docscreen-screen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let list = dir.join("sltd.csv");
    std::fs::write(
        &list,
        format!("issuing_state,document_number,reason,source\n{state},{number},stolen,test list\n"),
    )
    .expect("write");
    let listed = screener(vec![list]).screen(&file, &bytes);
    let c = listed.check("document.watchlist").expect("check");
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.message.contains("stolen") && c.message.contains("test list"),
        "{}",
        c.message
    );
    assert_eq!(listed.verdict, Some(Verdict::Fail));
    assert_eq!(
        r.check("document.watchlist").map(|c| c.status),
        Some(Status::NotPerformed),
        "no list: not performed"
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn bad_files_give_reports_with_an_error_never_a_panic() {
    let s = screener(Vec::new());
    let manifest = std::fs::read_to_string(testdata("bad/manifest.tsv")).expect("manifest");
    for line in manifest.lines().filter(|l| !l.starts_with('#')) {
        let mut cols = line.split('\t');
        let (file, expected) = (cols.next().expect("file"), cols.next().expect("outcome"));
        let bytes = std::fs::read(testdata("bad").join(file)).expect("bad file");
        let r = s.screen(file, &bytes);
        assert_eq!(r.sha256.len(), 64);
        if expected.starts_with("ok:") {
            assert!(r.error.is_none(), "{file}: {:?}", r.error);
            assert!(r.verdict.is_some());
        } else {
            assert!(r.error.is_some(), "{file} must be refused");
            assert!(
                r.verdict.is_none() && r.score.is_none() && r.document.is_none(),
                "{file}"
            );
        }
    }
}

#[test]
fn every_page_of_a_multi_page_tiff_is_screened() {
    let s = screener(Vec::new());
    let bytes = std::fs::read(testdata("bad/two_pages.tiff")).expect("tiff");
    let r = s.screen("two_pages.tiff", &bytes);
    assert!(r.error.is_none());
    assert_eq!(r.other_pages.len(), 1, "the second page rides along");
    assert_ne!(r.page, r.other_pages[0].page);
}
