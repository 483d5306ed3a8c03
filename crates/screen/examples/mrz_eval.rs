//! Full-MRZ exact reading on generated scans (all models and scan
//! conditions) against the generator's ground truth, and on the real
//! specimens of `../shared/peers/images` when present.
//!
//! `cargo run --release -p docscreen-screen --example mrz_eval -- [COUNT] [SEED] [--peers DIR]`
//! Use an evaluation seed never used for training or tuning (777).
//! `MRZ_EVAL_DUMP=DIR` writes each generated scan read wrongly into DIR.
#![allow(clippy::print_stderr, clippy::cast_precision_loss)] // a developer's tool
use std::collections::BTreeMap;

use docscreen_mrz::Date;
use docscreen_screen::{Screener, ScreeningConfig};
use docscreen_synth::dataset::{SynthConfig, generate_one, selected_models};
use docscreen_synth::text::Fonts;
use rayon::prelude::*;

type Row = (
    String,
    String,
    Option<Vec<String>>,
    Option<Vec<String>>,
    f64,
);

fn pct(a: usize, b: usize) -> String {
    format!("{a}/{b} ({:.1}%)", 100.0 * a as f64 / b.max(1) as f64)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(300);
    let seed: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(777);
    let peers = args
        .iter()
        .position(|a| a == "--peers")
        .map(|i| args[i + 1].clone());
    let date = Date::new(2026, 1, 1).expect("date");
    let screener = Screener::new(ScreeningConfig {
        reference_date: Some(date),
        inference_threads: 1,
        ..ScreeningConfig::default()
    })
    .expect("screener");
    let config = SynthConfig {
        count,
        seed,
        reference_date: date,
        ..SynthConfig::default()
    };
    let models = selected_models(&config).expect("models");
    let fonts = Fonts::shared().expect("fonts");
    let rows: Vec<Row> = (0..count)
        .into_par_iter()
        .map(|i| {
            let s = generate_one(i, &config, &models, fonts);
            let r = screener.screen(&s.truth.file, &s.bytes);
            if let Ok(dir) = std::env::var("MRZ_EVAL_DUMP")
                && r.mrz.as_ref().map(|m| &m.lines) != s.truth.mrz_lines.as_ref()
            {
                let _ = std::fs::write(format!("{dir}/{}", s.truth.file), &s.bytes);
            }
            let read = r.mrz.as_ref().map(|m| m.lines.clone());
            let cond = format!(
                "{} dpi{} rot{:.0} {:?}",
                s.truth.file, s.truth.scan.dpi, s.truth.scan.rotation_deg, s.truth.scan.background
            );
            (
                s.truth.template.clone(),
                cond,
                s.truth.mrz_lines.clone(),
                read,
                r.timings_ms["total"],
            )
        })
        .collect();
    let mut per_model: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut exact, mut with, mut false_found, mut without) = (0, 0, 0, 0);
    let (mut chars_ok, mut chars) = (0usize, 0usize);
    for (model, cond, truth, read, _) in &rows {
        if let Some(t) = truth {
            with += 1;
            let e = per_model.entry(model.clone()).or_default();
            e.1 += 1;
            if read.as_ref() == Some(t) {
                exact += 1;
                e.0 += 1;
            } else {
                eprintln!("MISS {model} {cond}: read {read:?} truth {t:?}");
            }
            for (k, line) in t.iter().enumerate() {
                chars += line.len();
                if let Some(r) = read.as_ref().and_then(|r| r.get(k)) {
                    chars_ok += line.bytes().zip(r.bytes()).filter(|(a, b)| a == b).count();
                }
            }
        } else {
            without += 1;
            false_found += usize::from(read.is_some());
        }
    }
    let mut times: Vec<f64> = rows.iter().map(|r| r.4).collect();
    times.sort_by(f64::total_cmp);
    eprintln!("synthetic (seed {seed}, {count} scans):");
    eprintln!("  full-MRZ exact: {}", pct(exact, with));
    eprintln!("  characters in place: {}", pct(chars_ok, chars));
    eprintln!(
        "  MRZ read on documents without one: {}",
        pct(false_found, without)
    );
    for (m, (a, b)) in &per_model {
        eprintln!("  {m:<24} {}", pct(*a, *b));
    }
    eprintln!(
        "  screen time per scan (parallel workers): median {:.1} ms",
        times.get(times.len() / 2).copied().unwrap_or(0.0)
    );

    if let Some(dir) = peers {
        let manifest = std::fs::read_to_string(format!("{dir}/manifest.jsonl")).expect("manifest");
        let (mut n, mut ok) = (0, 0);
        for line in manifest.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            let Some(gt) = v["mrz_lines"].as_array() else {
                continue;
            };
            let gt: Vec<String> = gt
                .iter()
                .filter_map(|l| l.as_str().map(str::to_owned))
                .collect();
            if gt.is_empty() {
                continue;
            }
            let file = v["file"].as_str().unwrap_or("");
            let Ok(bytes) = std::fs::read(format!("{dir}/{file}")) else {
                continue;
            };
            let r = screener.screen(file, &bytes);
            n += 1;
            let read = r.mrz.as_ref().map(|m| m.lines.clone());
            if read.as_ref() == Some(&gt) {
                ok += 1;
                eprintln!("  ok   {file}");
            } else {
                eprintln!(
                    "  MISS {file}: read {read:?} truth {gt:?} error {:?}",
                    r.error
                );
            }
        }
        eprintln!("peers/images: full-MRZ exact {}", pct(ok, n));
    }
}
