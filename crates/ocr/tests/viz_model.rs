//! The shipped VIZ recogniser: the embedded bytes are the model its card
//! describes (sha256), its classes are the decoder's, and it reads the
//! printed fields of the shipped sample scans, cut at their ground-truth
//! position in the shipped templates' text zones.

use std::path::PathBuf;

use docscreen_inference::sha256_hex;
use docscreen_ocr::{
    EMBEDDED_VIZ_MODEL, EMBEDDED_VIZ_MODEL_SHA256, VIZ_CHARSET, crop_zone, embedded_viz_recogniser,
};
use docscreen_vision::Homography;
use docscreen_vision::align::Pyramid;
use serde_json::Value;

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

#[test]
fn the_embedded_viz_model_is_the_one_on_its_card() {
    let digest = sha256_hex(EMBEDDED_VIZ_MODEL);
    assert_eq!(digest, EMBEDDED_VIZ_MODEL_SHA256.trim());
    let card = std::fs::read_to_string(repo("models/viz_ocr/MODEL_CARD.md")).expect("model card");
    assert!(
        card.contains(&digest),
        "the model card records sha256 {digest}"
    );
    let charset = std::fs::read_to_string(repo("models/viz_ocr/charset.txt")).expect("charset");
    assert_eq!(
        charset, VIZ_CHARSET,
        "the training charset is the decoder's"
    );
}

#[test]
fn reads_the_printed_fields_of_the_sample_scans() {
    let recogniser = embedded_viz_recogniser(1, 1).expect("ONNX Runtime (bash scripts/setup.sh)");
    let dir = repo("testdata/synth_sample");
    let index = std::fs::read_to_string(dir.join("index.jsonl")).expect("index");
    let (mut exact, mut total) = (0, 0);
    for line in index.lines() {
        let row: Value = serde_json::from_str(line).expect("json");
        let file = row["file"].as_str().expect("file");
        let stem = file.split('.').next().expect("stem");
        let truth = json(&dir.join(format!("{stem}.json")));
        let spec = json(&repo(&format!(
            "testdata/templates/{}/template.json",
            truth["template"].as_str().expect("template")
        )));
        let h: Vec<f64> = truth["mm_to_px"]
            .as_array()
            .expect("mm_to_px")
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        let mm_to_img = Homography(h.try_into().expect("9 values"));
        let size = [
            spec["size_mm"][0].as_f64().expect("w"),
            spec["size_mm"][1].as_f64().expect("h"),
        ];
        let rect = |z: &Value| -> [f64; 4] {
            std::array::from_fn(|i| z["rect_mm"][i].as_f64().unwrap_or(0.0))
        };
        let zones = spec["zones"].as_array().expect("zones");
        let statics: Vec<[f64; 4]> = zones
            .iter()
            .filter(|z| z["kind"] == "static")
            .map(rect)
            .collect();
        let grey = image::open(dir.join(file)).expect("scan").into_luma8();
        let pyramid = Pyramid::new(&grey);
        let mut crops = Vec::new();
        let mut want = Vec::new();
        for z in zones.iter().filter(|z| z["kind"] == "text") {
            let Some(value) = truth["printed"][z["name"].as_str().expect("name")].as_str() else {
                continue;
            };
            let label = value
                .to_uppercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if label.is_empty() || !label.chars().all(|c| VIZ_CHARSET.contains(c)) {
                continue;
            }
            if let Some((c, _)) = crop_zone(&pyramid, &mm_to_img, rect(z), size, &statics) {
                crops.push(c);
                want.push(label);
            }
        }
        let read = recogniser.read(&crops).expect("runs");
        for (r, w) in read.iter().zip(&want) {
            total += 1;
            exact += usize::from(r.text() == *w);
        }
    }
    assert!(total >= 50, "{total} printed fields cut");
    assert!(
        exact * 100 >= total * 55,
        "{exact}/{total} printed fields read exactly"
    );
}
