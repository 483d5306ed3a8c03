//! Measures MRZ localisation on generated scans against the generator's
//! ground truth, and (with `--export DIR`) writes line crops cut at the
//! ground-truth position with jitter, as training data for the recogniser.
//!
//! `cargo run --release -p docscreen-ocr --example mrz_locate_eval -- COUNT SEED [--export DIR]`
#![allow(
    clippy::print_stderr,
    clippy::many_single_char_names,
    clippy::format_collect,
    clippy::unwrap_used,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation
)] // a developer's tool
use std::fmt::Write as _;
use std::path::PathBuf;

use docscreen_ocr::{LineGeometry, crop_line, find_mrz};
use docscreen_synth::dataset::{SynthConfig, generate_one, selected_models};
use docscreen_synth::model::{MRZ_PITCH_MM, catalogue};
use docscreen_synth::scan::apply;
use docscreen_synth::text::Fonts;
use rayon::prelude::*;

/// Ground-truth MRZ lines of a sample, in image pixels.
fn truth_lines(t: &docscreen_synth::dataset::GroundTruth) -> Vec<(LineGeometry, String)> {
    let Some(texts) = &t.mrz_lines else {
        return Vec::new();
    };
    let models = catalogue();
    let Some(model) = models.iter().find(|m| m.id == t.template) else {
        return Vec::new();
    };
    model
        .mrz_baselines()
        .iter()
        .zip(texts)
        .map(|(&(x, y), text)| {
            let mid = y - 1.2;
            #[allow(clippy::cast_precision_loss)]
            let len = text.len() as f32 * MRZ_PITCH_MM;
            // Glyphs are centred in their cells: ink from about 0.35 mm in.
            let a = apply(&t.mm_to_px, f64::from(x + 0.35), f64::from(mid));
            let b = apply(&t.mm_to_px, f64::from(x + len - 0.35), f64::from(mid));
            let top = apply(&t.mm_to_px, f64::from(x), f64::from(mid - 1.2));
            let bottom = apply(&t.mm_to_px, f64::from(x), f64::from(mid + 1.2));
            let h = (top[0] - bottom[0]).hypot(top[1] - bottom[1]);
            (
                LineGeometry {
                    start: a,
                    end: b,
                    char_height: h,
                    blobs: text.len(),
                },
                text.clone(),
            )
        })
        .collect()
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(100);
    let seed: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(777);
    let export = args
        .iter()
        .position(|a| a == "--export")
        .map(|i| PathBuf::from(&args[i + 1]));
    let config = SynthConfig {
        count,
        seed,
        ..SynthConfig::default()
    };
    let models = selected_models(&config).expect("models");
    let fonts = Fonts::shared().expect("fonts");
    if let Some(dir) = &export {
        std::fs::create_dir_all(dir).expect("export dir");
    }
    let rows: Vec<(String, bool, bool, String)> = (0..count)
        .into_par_iter()
        .map(|i| {
            let sample = generate_one(i, &config, &models, fonts);
            let truth = truth_lines(&sample.truth);
            let decoded =
                docscreen_vision::decode(&sample.bytes, &docscreen_vision::Limits::default())
                    .expect("decode");
            let grey = image::DynamicImage::ImageRgb8(decoded.pages[0].image.clone()).to_luma8();
            let mut labels = String::new();
            if let Some(dir) = &export {
                // Jittered ground-truth crops: the recogniser must tolerate the
                // locator's errors in position, height and length.
                let mut r = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed;
                let mut rnd = || {
                    r ^= r << 13;
                    r ^= r >> 7;
                    r ^= r << 17;
                    (r >> 11) as f32 / (1u64 << 53) as f32
                };
                for (k, (l, text)) in truth.iter().enumerate() {
                    let d = l.direction();
                    let n = [-d[1], d[0]];
                    let h = l.char_height * (0.85 + 0.3 * rnd());
                    let dv = (rnd() - 0.5) * 0.3 * l.char_height;
                    let du0 = (rnd() - 0.5) * 0.6 * l.char_height;
                    let du1 = (rnd() - 0.5) * 0.6 * l.char_height;
                    let g = LineGeometry {
                        start: [
                            l.start[0] + n[0] * dv - d[0] * du0,
                            l.start[1] + n[1] * dv - d[1] * du0,
                        ],
                        end: [
                            l.end[0] + n[0] * dv + d[0] * du1,
                            l.end[1] + n[1] * dv + d[1] * du1,
                        ],
                        char_height: h,
                        blobs: 0,
                    };
                    if let Some(c) = crop_line(&grey, &g) {
                        let name = format!("s{seed}_{i:06}_{k}.png");
                        c.to_image().save(dir.join(&name)).expect("save crop");
                        let _ = writeln!(labels, "{name}\t{text}");
                    }
                }
            }
            let found = find_mrz(&grey);
            let ok = match (&found, truth.is_empty()) {
                (None, true) => true,
                (Some(_), true) | (None, false) => false,
                (Some(b), false) => {
                    b.lines.len() == truth.len()
                        && b.lines.iter().zip(&truth).all(|(f, (t, _))| {
                            let tol = 1.0 * t.char_height;
                            dist(f.start, t.start) < tol && dist(f.end, t.end) < tol
                        })
                        || b.lines.len() == truth.len()
                            && b.lines.iter().rev().zip(&truth).all(|(f, (t, _))| {
                                let tol = 1.0 * t.char_height;
                                dist(f.end, t.start) < tol && dist(f.start, t.end) < tol
                            })
                }
            };
            let found_n = found.as_ref().map_or(0, |b| b.lines.len());
            let detail: String = match &found {
                Some(b) if !ok => b
                    .lines
                    .iter()
                    .zip(&truth)
                    .map(|(f, (t, _))| format!(" [found {:.0},{:.0}→{:.0},{:.0} h{:.0} | truth {:.0},{:.0}→{:.0},{:.0} h{:.0}]", f.start[0], f.start[1], f.end[0], f.end[1], f.char_height, t.start[0], t.start[1], t.end[0], t.end[1], t.char_height))
                    .collect(),
                _ => String::new(),
            };
            let info = format!(
                "{} {} dpi={} rot={:.0} bg={:?} found={} truth={}",
                sample.truth.file,
                sample.truth.template,
                sample.truth.scan.dpi,
                sample.truth.scan.rotation_deg,
                sample.truth.scan.background,
                found_n,
                truth.len()
            ) + &detail;
            (info, ok, !truth.is_empty(), labels)
        })
        .collect();
    let with = rows.iter().filter(|r| r.2).count();
    let good = rows.iter().filter(|r| r.2 && r.1).count();
    let false_pos = rows.iter().filter(|r| !r.2 && !r.1).count();
    for r in rows.iter().filter(|r| !r.1) {
        eprintln!("MISS {}", r.0);
    }
    eprintln!(
        "located {good}/{with} MRZs exactly (ends within one character height); {false_pos} false MRZs on documents without one"
    );
    if let Some(dir) = &export {
        let all: String = rows.iter().map(|r| r.3.as_str()).collect();
        let path = dir.join("labels.tsv");
        let mut existing = std::fs::read_to_string(&path).unwrap_or_default();
        existing.push_str(&all);
        std::fs::write(&path, existing).expect("labels");
    }
}
