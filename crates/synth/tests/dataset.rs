//! The generator end to end: determinism, ground truth consistent with what
//! was printed, every forgery kind, regions where they belong, templates in
//! the contract.

// Geometry helpers use the usual short names; a sign test compares with 0.0 exactly.
#![allow(clippy::many_single_char_names, clippy::float_cmp)]

use docscreen_mrz::{Date, parse_lines};
use docscreen_synth::dataset::{SynthConfig, generate_one, selected_models, write_dataset};
use docscreen_synth::forge::ForgeryKind;
use docscreen_synth::model::catalogue;
use docscreen_synth::text::Fonts;

fn fonts() -> &'static Fonts {
    Fonts::shared().expect("fonts installed by scripts/setup.sh")
}

fn inside(p: [f32; 2], quad: &[[f32; 2]; 4]) -> bool {
    // Convex quad, either winding: the point is on one side of every edge.
    let mut sign = 0.0f32;
    for i in 0..4 {
        let (a, b) = (quad[i], quad[(i + 1) % 4]);
        let cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
        if cross.abs() < 1e-3 {
            continue;
        }
        if sign == 0.0 {
            sign = cross.signum();
        } else if cross.signum() != sign {
            return false;
        }
    }
    true
}

fn grow(q: &[[f32; 2]; 4], by: f32) -> [[f32; 2]; 4] {
    let cx = q.iter().map(|p| p[0]).sum::<f32>() / 4.0;
    let cy = q.iter().map(|p| p[1]).sum::<f32>() / 4.0;
    q.map(|p| {
        let (dx, dy) = (p[0] - cx, p[1] - cy);
        let d = (dx * dx + dy * dy).sqrt().max(1e-3);
        [p[0] + dx / d * by, p[1] + dy / d * by]
    })
}

#[test]
fn same_seed_same_bytes() {
    let config = SynthConfig {
        count: 4,
        seed: 99,
        ..SynthConfig::default()
    };
    let models = selected_models(&config).expect("models");
    for i in 0..3 {
        let a = generate_one(i, &config, &models, fonts());
        let b = generate_one(i, &config, &models, fonts());
        assert_eq!(a.bytes, b.bytes, "sample {i}");
        assert_eq!(
            serde_json::to_string(&a.truth).ok(),
            serde_json::to_string(&b.truth).ok()
        );
    }
    let other = SynthConfig {
        seed: 100,
        ..config.clone()
    };
    assert_ne!(
        generate_one(0, &config, &models, fonts()).bytes,
        generate_one(0, &other, &models, fonts()).bytes
    );
}

#[test]
fn ground_truth_is_consistent_and_every_kind_appears() {
    let reference = Date::new(2026, 1, 1).expect("date");
    let config = SynthConfig {
        count: 60,
        seed: 7,
        genuine_fraction: 0.25,
        ..SynthConfig::default()
    };
    let models = selected_models(&config).expect("models");
    let mut kinds = std::collections::BTreeSet::new();
    let mut genuine = 0;
    for i in 0..config.count {
        let s = generate_one(i, &config, &models, fonts());
        let t = &s.truth;
        // The image decodes at the size the truth says.
        let img = image::load_from_memory(&s.bytes).expect("the scan decodes");
        assert_eq!([img.width(), img.height()], t.image_size, "{}", t.file);
        // The MRZ as printed parses, and its validity matches the label.
        if let Some(lines) = &t.mrz_lines {
            let mrz = parse_lines(lines, reference);
            assert_eq!(
                mrz.format.map(docscreen_mrz::Format::as_str),
                t.mrz_format,
                "{}",
                t.file
            );
            let altered = t.kind == Some(ForgeryKind::MrzAlteration);
            assert_eq!(
                mrz.is_valid(),
                !altered,
                "{} {:?}: {lines:?}",
                t.file,
                t.kind
            );
            assert_eq!(t.mrz_valid, Some(!altered));
        }
        match t.kind {
            None => {
                genuine += 1;
                assert!(t.regions.is_empty());
            }
            Some(k) => {
                kinds.insert(k);
                assert!(t.regions.iter().any(|r| r.role == "forged"), "{}", t.file);
            }
        }
        // Regions lie inside the document (a pixel of slack for rounding),
        // and the document inside the image.
        let doc = grow(&t.corners_px, 2.0);
        for r in &t.regions {
            for p in r.quad_px {
                assert!(
                    inside(p, &doc),
                    "{}: {} {p:?} outside {:?}",
                    t.file,
                    r.what,
                    t.corners_px
                );
            }
            let [x, y, w, h] = r.rect_mm;
            assert!(
                x >= -0.01
                    && y >= -0.01
                    && x + w <= t.size_mm[0] + 0.01
                    && y + h <= t.size_mm[1] + 0.01,
                "{}: {:?}",
                t.file,
                r.rect_mm
            );
        }
        #[allow(clippy::cast_precision_loss)]
        for p in t.corners_px {
            assert!(
                p[0] >= -1.0
                    && p[1] >= -1.0
                    && p[0] <= t.image_size[0] as f32 + 1.0
                    && p[1] <= t.image_size[1] as f32 + 1.0,
                "{}",
                t.file
            );
        }
    }
    assert!(genuine > 0);
    assert_eq!(kinds.len(), ForgeryKind::ALL.len(), "kinds seen: {kinds:?}");
}

#[test]
fn writes_a_dataset_with_index_and_templates() {
    let dir = std::env::temp_dir().join(format!("docscreen-synth-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = SynthConfig {
        count: 6,
        seed: 3,
        models: vec!["utopia_id_td1".into(), "syldavia_visa_mrvb".into()],
        ..SynthConfig::default()
    };
    let summary = write_dataset(&dir, &config, &|_| {}).expect("writes");
    assert_eq!(summary.written, 6);
    let index = std::fs::read_to_string(dir.join("index.jsonl")).expect("index");
    let rows: Vec<serde_json::Value> = index
        .lines()
        .map(|l| serde_json::from_str(l).expect("json row"))
        .collect();
    assert_eq!(rows.len(), 6);
    for (i, r) in rows.iter().enumerate() {
        let file = r["file"].as_str().expect("file");
        assert!(file.starts_with(&format!("{i:06}.")));
        assert!(dir.join(file).exists());
        assert!(dir.join(format!("{i:06}.json")).exists());
    }
    for id in ["utopia_id_td1", "syldavia_visa_mrvb"] {
        let t: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join("templates").join(id).join("template.json")).expect("template"),
        )
        .expect("json");
        assert_eq!(t["id"], id);
        assert_eq!(t["reference_dpi"], 300);
        let size = [
            t["size_mm"][0].as_f64().expect("w"),
            t["size_mm"][1].as_f64().expect("h"),
        ];
        let img =
            image::open(dir.join("templates").join(id).join("reference.png")).expect("reference");
        assert!((f64::from(img.width()) - size[0] / 25.4 * 300.0).abs() < 2.0);
        let zones = t["zones"].as_array().expect("zones");
        for kind in ["mrz", "portrait", "text", "static"] {
            assert!(
                zones.iter().any(|z| z["kind"] == kind),
                "{id} has no {kind} zone"
            );
        }
        for z in zones {
            let r: Vec<f64> = z["rect_mm"]
                .as_array()
                .expect("rect")
                .iter()
                .map(|v| v.as_f64().expect("num"))
                .collect();
            assert!(
                r[0] >= 0.0
                    && r[1] >= 0.0
                    && r[0] + r[2] <= size[0] + 1e-3
                    && r[1] + r[3] <= size[1] + 1e-3,
                "{id}: {z}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_stored_sample_is_consistent() {
    // testdata/synth_sample: scans made by an earlier build, read as a user
    // of the dataset would (index, images, ground truth).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/synth_sample");
    let reference = Date::new(2026, 1, 1).expect("date");
    let index = std::fs::read_to_string(dir.join("index.jsonl")).expect("index.jsonl");
    let mut labels = std::collections::BTreeSet::new();
    for line in index.lines() {
        let row: serde_json::Value = serde_json::from_str(line).expect("row");
        let file = row["file"].as_str().expect("file");
        let gt: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join(file.replace(".jpg", ".json").replace(".png", ".json")))
                .expect("gt"),
        )
        .expect("json");
        assert_eq!(gt["file"], file);
        assert_eq!(gt["label"], row["label"]);
        let img = image::open(dir.join(file)).expect("scan decodes");
        assert_eq!(
            serde_json::json!([img.width(), img.height()]),
            gt["image_size"]
        );
        if let Some(lines) = gt["mrz_lines"].as_array() {
            let lines: Vec<&str> = lines.iter().map(|l| l.as_str().expect("line")).collect();
            let valid = parse_lines(&lines, reference).is_valid();
            assert_eq!(valid, gt["kind"] != "mrz_alteration", "{file}");
        }
        labels.insert(row["label"].as_str().expect("label").to_owned());
    }
    assert_eq!(labels.len(), 2, "the sample has genuine and forged scans");
}

#[test]
fn unknown_model_is_a_clear_error() {
    let config = SynthConfig {
        models: vec!["atlantis_passport".into()],
        ..SynthConfig::default()
    };
    let err = selected_models(&config).expect_err("unknown");
    assert!(
        err.to_string().contains("atlantis_passport")
            && err.to_string().contains("utopia_passport_td3")
    );
    assert!(catalogue().len() >= 10);
}
