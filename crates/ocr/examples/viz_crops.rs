//! VIZ text-zone crops from generated scans, cut by the pipeline's own
//! cropper ([`crop_zone`]) at the generator's document position (jittered
//! by up to ±0.4 mm, as an alignment would miss it), labelled with the
//! printed value: training data for `models/viz_ocr/` (`--export DIR`), and
//! with `--read` the field-level read accuracy of the embedded VIZ
//! recogniser per field.
//!
//! `cargo run --release -p docscreen-ocr --example viz_crops -- COUNT SEED [--export DIR] [--read]`
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::type_complexity,
    clippy::many_single_char_names
)] // a developer's tool
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use docscreen_ocr::{VIZ_CHARSET, crop_zone, embedded_viz_recogniser};
use docscreen_synth::dataset::{SynthConfig, generate_one, selected_models};
use docscreen_synth::template::template;
use docscreen_synth::text::Fonts;
use docscreen_vision::Homography;
use docscreen_vision::align::Pyramid;
use rayon::prelude::*;

/// The recogniser's label of a printed value: capitals, single spaces;
/// `None` when it holds a character outside the charset.
fn label_of(value: &str) -> Option<String> {
    let up: String = value.to_uppercase();
    let label = up.split_whitespace().collect::<Vec<_>>().join(" ");
    (!label.is_empty() && label.chars().all(|c| VIZ_CHARSET.contains(c))).then_some(label)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(100);
    let seed: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(555);
    let export = args
        .iter()
        .position(|a| a == "--export")
        .map(|i| PathBuf::from(&args[i + 1]));
    let read = args.iter().any(|a| a == "--read");
    let config = SynthConfig {
        count,
        seed,
        genuine_fraction: 0.7,
        ..SynthConfig::default()
    };
    let models = selected_models(&config).expect("models");
    let fonts = Fonts::shared().expect("fonts");
    if let Some(dir) = &export {
        std::fs::create_dir_all(dir).expect("export dir");
    }
    let recogniser = read.then(|| embedded_viz_recogniser(1, 1).expect("VIZ model"));
    // (field, truth, read) per crop; labels lines.
    let rows: Vec<(Vec<(String, String, String)>, String)> = (0..count)
        .into_par_iter()
        .map(|i| {
            let sample = generate_one(i, &config, &models, fonts);
            let t = &sample.truth;
            let model = models.iter().find(|m| m.id == t.template).unwrap();
            let spec = template(model, fonts);
            let decoded =
                docscreen_vision::decode(&sample.bytes, &docscreen_vision::Limits::default())
                    .expect("decode");
            let grey = image::DynamicImage::ImageRgb8(decoded.pages[0].image.clone()).to_luma8();
            let pyramid = Pyramid::new(&grey);
            let mut r = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed;
            let mut rnd = || {
                r ^= r << 13;
                r ^= r >> 7;
                r ^= r << 17;
                (r >> 11) as f64 / (1u64 << 53) as f64
            };
            let jitter = [0.8 * (rnd() - 0.5), 0.8 * (rnd() - 0.5)];
            let mm_to_img =
                Homography(t.mm_to_px).then_after(&Homography::scale_translate(1.0, jitter));
            let size = [f64::from(t.size_mm[0]), f64::from(t.size_mm[1])];
            let mut labels = String::new();
            let mut crops = Vec::new();
            let statics: Vec<[f64; 4]> = spec
                .zones
                .iter()
                .filter(|z| z.kind == "static")
                .map(|z| z.rect_mm.map(f64::from))
                .collect();
            for z in spec.zones.iter().filter(|z| z.kind == "text") {
                let Some(label) = t.printed.get(z.name.as_str()).and_then(|v| label_of(v)) else {
                    continue;
                };
                let rect = z.rect_mm.map(f64::from);
                if let Some((c, band)) = crop_zone(&pyramid, &mm_to_img, rect, size, &statics) {
                    if std::env::var_os("VIZ_DEBUG").is_some() {
                        eprintln!("{i} {} {} zone {rect:?} band {band:?}", t.template, z.name);
                    }
                    if let Some(dir) = &export {
                        let name = format!("v{seed}_{i:06}_{}.png", z.name);
                        c.to_image().save(dir.join(&name)).expect("save crop");
                        let _ = writeln!(labels, "{name}\t{label}");
                    }
                    crops.push((z.name.clone(), label, c));
                }
            }
            let read: Vec<String> = match &recogniser {
                Some(rec) => {
                    let lines: Vec<_> = crops.iter().map(|c| c.2.clone()).collect();
                    rec.read(&lines)
                        .expect("read")
                        .iter()
                        .map(docscreen_ocr::LineReading::text)
                        .collect()
                }
                None => vec![String::new(); crops.len()],
            };
            let out = crops
                .into_iter()
                .zip(read)
                .map(|((f, l, _), r)| (f, l, r))
                .collect();
            (out, labels)
        })
        .collect();
    if let Some(dir) = &export {
        let all: String = rows.iter().map(|r| r.1.as_str()).collect();
        let n = all.lines().count();
        std::fs::write(dir.join("labels.tsv"), all).expect("labels");
        eprintln!("{n} crops in {}", dir.display());
    }
    if read {
        let mut by: BTreeMap<String, [usize; 2]> = BTreeMap::new();
        let mut wrong = Vec::new();
        for (f, l, r) in rows.iter().flat_map(|r| r.0.iter()) {
            let e = by.entry(f.clone()).or_default();
            e[0] += usize::from(l == r);
            e[1] += 1;
            let all = by.entry("(all)".into()).or_default();
            all[0] += usize::from(l == r);
            all[1] += 1;
            if l != r && wrong.len() < 25 {
                wrong.push(format!("{f}: {l:?} read {r:?}"));
            }
        }
        println!("field-level exact reads (seed {seed}, {count} scans):");
        for (f, [ok, n]) in &by {
            println!(
                "  {f:16} {ok:4}/{n:<4} {:5.1}%",
                100.0 * *ok as f64 / *n as f64
            );
        }
        for w in wrong {
            println!("  miss {w}");
        }
    }
}
