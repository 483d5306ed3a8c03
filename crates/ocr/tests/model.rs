//! The shipped recogniser: the embedded bytes are the model its card
//! describes (sha256), a wrong digest is refused, and the model reads the
//! MRZs of the shipped sample scans.

use std::path::PathBuf;

use docscreen_inference::{InferenceError, sha256_hex};
use docscreen_mrz::Date;
use docscreen_ocr::{
    CHARSET, EMBEDDED_MODEL, EMBEDDED_MODEL_SHA256, MrzBlock, Recogniser, embedded_recogniser,
    find_mrz, read_block, read_candidates, read_mrz,
};

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

#[test]
fn the_embedded_model_is_the_one_on_its_card() {
    let digest = sha256_hex(EMBEDDED_MODEL);
    assert_eq!(digest, EMBEDDED_MODEL_SHA256.trim());
    let card = std::fs::read_to_string(repo("models/mrz_ocr/MODEL_CARD.md")).expect("model card");
    assert!(
        card.contains(&digest),
        "the model card records sha256 {digest}"
    );
    let charset = std::fs::read_to_string(repo("models/mrz_ocr/charset.txt")).expect("charset");
    assert_eq!(
        charset.trim_end(),
        CHARSET,
        "the training charset is the decoder's"
    );
}

#[test]
fn a_wrong_digest_is_refused() {
    let e = Recogniser::from_bytes(EMBEDDED_MODEL, Some(&"0".repeat(64)), 1).expect_err("refused");
    assert!(matches!(e, InferenceError::Checksum { .. }), "{e}");
}

#[test]
fn reads_the_sample_scans() {
    let recogniser = embedded_recogniser(1).expect("ONNX Runtime (bash scripts/setup.sh)");
    let date = Date::new(2026, 1, 1).expect("date");
    let dir = repo("testdata/synth_sample");
    let index = std::fs::read_to_string(dir.join("index.jsonl")).expect("index");
    let (mut exact, mut total) = (0, 0);
    for line in index.lines() {
        let row: serde_json::Value = serde_json::from_str(line).expect("json");
        let file = row["file"].as_str().expect("file");
        let stem = file.split('.').next().expect("stem");
        let truth: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{stem}.json"))).expect("ground truth"),
        )
        .expect("json");
        let Some(gt) = truth["mrz_lines"].as_array() else {
            continue;
        };
        let gt: Vec<&str> = gt.iter().filter_map(|l| l.as_str()).collect();
        let img = image::open(dir.join(file)).expect("scan").into_luma8();
        total += 1;
        let reading = read_mrz(&img, &recogniser, date).expect("runs");
        if reading
            .as_ref()
            .is_some_and(|r| r.raw_lines == gt || r.lines == gt)
        {
            exact += 1;
        }
    }
    assert_eq!(total, 10);
    assert!(exact >= 9, "{exact}/{total} read exactly");
}

/// A TD1 block found with one of its three lines missing (either the first
/// or the last) is completed one line pitch away and read exactly.
#[test]
fn a_td1_block_missing_a_line_is_completed() {
    let recogniser = embedded_recogniser(1).expect("ONNX Runtime (bash scripts/setup.sh)");
    let date = Date::new(2026, 1, 1).expect("date");
    let dir = repo("testdata/synth_sample");
    for (scan, stem) in [("000000.png", "000000"), ("000006.jpg", "000006")] {
        let truth: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{stem}.json"))).expect("ground truth"),
        )
        .expect("json");
        let gt: Vec<&str> = truth["mrz_lines"]
            .as_array()
            .expect("TD1 sample")
            .iter()
            .filter_map(|l| l.as_str())
            .collect();
        let img = image::open(dir.join(scan)).expect("scan").into_luma8();
        let block = find_mrz(&img).expect("block");
        assert_eq!(block.lines.len(), 3, "{scan}: the sample's block is whole");
        for drop in [0, 2] {
            let mut lines = block.lines.clone();
            lines.remove(drop);
            let reading = read_block(&img, &MrzBlock { lines }, &recogniser, date)
                .expect("runs")
                .expect("read");
            assert_eq!(reading.lines.len(), 3, "{scan} without line {drop}");
            assert!(
                reading.raw_lines == gt || reading.lines == gt,
                "{scan} without line {drop}: {:?}",
                reading.lines
            );
        }
    }
}

/// The reader verifies the locator's candidates: a block of printed lines
/// ranked before the MRZ (here the MRZ block moved up over the document's
/// printed fields) reads as no valid MRZ, and the MRZ after it is kept.
#[test]
fn a_candidate_block_that_is_not_the_mrz_is_passed_over() {
    let recogniser = embedded_recogniser(1).expect("ONNX Runtime (bash scripts/setup.sh)");
    let date = Date::new(2026, 1, 1).expect("date");
    let (img, gt, block) = td2_sample();
    // Six line pitches up, across the text direction.
    let (a, b) = (block.lines[0], block.lines[1]);
    let pitch = [
        (b.start[0] + b.end[0] - a.start[0] - a.end[0]) / 2.0,
        (b.start[1] + b.end[1] - a.start[1] - a.end[1]) / 2.0,
    ];
    let decoy = MrzBlock {
        lines: block
            .lines
            .iter()
            .map(|l| docscreen_ocr::LineGeometry {
                start: [l.start[0] - 6.0 * pitch[0], l.start[1] - 6.0 * pitch[1]],
                end: [l.end[0] - 6.0 * pitch[0], l.end[1] - 6.0 * pitch[1]],
                ..*l
            })
            .collect(),
    };
    let alone = read_block(&img, &decoy, &recogniser, date)
        .expect("runs")
        .expect("read");
    assert!(!alone.mrz.is_valid(), "the decoy reads {:?}", alone.lines);
    let reading = read_candidates(&img, &[decoy.clone(), block], &recogniser, date)
        .expect("runs")
        .expect("read");
    assert_eq!(reading.lines, gt);
    // Alone, the decoy is what is read: the choice is the verification's.
    let only = read_candidates(&img, &[decoy], &recogniser, date)
        .expect("runs")
        .expect("read");
    assert_eq!(only.lines, alone.lines);
}

/// A block whose extent stops two characters short of the lines' end (a
/// faint filler broke the chain of blobs) is cut again longer and read in
/// full.
#[test]
fn lines_cut_short_are_read_again_longer() {
    let recogniser = embedded_recogniser(1).expect("ONNX Runtime (bash scripts/setup.sh)");
    let date = Date::new(2026, 1, 1).expect("date");
    let (img, gt, block) = td2_sample();
    let cut = MrzBlock {
        lines: block
            .lines
            .iter()
            .map(|l| {
                // Two of 36 pitches off the end.
                let f = 1.0 - 2.0 / 36.0;
                docscreen_ocr::LineGeometry {
                    end: [
                        l.start[0] + (l.end[0] - l.start[0]) * f,
                        l.start[1] + (l.end[1] - l.start[1]) * f,
                    ],
                    ..*l
                }
            })
            .collect(),
    };
    let reading = read_block(&img, &cut, &recogniser, date)
        .expect("runs")
        .expect("read");
    assert_eq!(reading.lines, gt);
}

/// The shipped TD2 sample: its grey scan, its MRZ lines, the block found.
fn td2_sample() -> (image::GrayImage, Vec<String>, MrzBlock) {
    let dir = repo("testdata/synth_sample");
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("000001.json")).expect("ground truth"),
    )
    .expect("json");
    let gt: Vec<String> = truth["mrz_lines"]
        .as_array()
        .expect("TD2 sample")
        .iter()
        .filter_map(|l| l.as_str().map(str::to_owned))
        .collect();
    let img = image::open(dir.join("000001.jpg"))
        .expect("scan")
        .into_luma8();
    let block = find_mrz(&img).expect("block");
    (img, gt, block)
}

/// A condensed print (pitch 0.6 of the synthetic documents' for the same
/// character height, narrower than any real MRZ measured) is read in full:
/// the block is cut again at the aspect that restores the recogniser's
/// pitch. At the usual aspect alone it read `AXSA<HZROSMZ` and failed
/// three check digits.
#[test]
fn a_condensed_print_is_read_at_its_own_pitch() {
    let recogniser = embedded_recogniser(1).expect("ONNX Runtime (bash scripts/setup.sh)");
    let date = Date::new(2026, 1, 1).expect("date");
    let (img, gt, _) = td2_sample();
    let narrow = image::imageops::resize(
        &img,
        img.width() * 3 / 5,
        img.height(),
        image::imageops::FilterType::Triangle,
    );
    let block = find_mrz(&narrow).expect("block");
    let reading = read_block(&narrow, &block, &recogniser, date)
        .expect("runs")
        .expect("read");
    assert_eq!(reading.lines, gt);
    assert!(reading.mrz.is_valid());
}
