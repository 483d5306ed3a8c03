//! Per-stage timings of screening one 300-dpi scan on one thread: decode,
//! document location, MRZ finding, MRZ reading (crops + ONNX recogniser +
//! parse/repair), the template-free forensics (copy-move alone and all
//! four) and the whole `Screener::screen`, without and with the shipped
//! templates (`testdata/templates`: identification, alignment and the
//! zone checks on top). Guards the per-scan budgets of the reading and
//! template issues.
use criterion::{Criterion, criterion_group, criterion_main};
use docscreen_mrz::Date;
use docscreen_ocr::{embedded_recogniser, find_mrz, read_block};
use docscreen_screen::{Screener, ScreeningConfig};
use docscreen_synth::dataset::{SynthConfig, generate_one, selected_models};
use docscreen_synth::text::Fonts;
use docscreen_vision::{Limits, decode, forensics, locate_document};

fn passport_scan() -> Vec<u8> {
    // A clean-ish 300-dpi TD3 passport scan from the generator (JPEG).
    let config = SynthConfig {
        count: 1,
        seed: 5,
        models: vec!["utopia_passport_td3".into()],
        genuine_fraction: 1.0,
        ..SynthConfig::default()
    };
    let models = selected_models(&config).expect("models");
    let fonts = Fonts::shared().expect("fonts");
    (0..64)
        .map(|i| generate_one(i, &config, &models, fonts))
        .find(|s| s.truth.scan.dpi == 300 && s.truth.mrz_lines.is_some())
        .expect("a 300-dpi passport among 64")
        .bytes
}

fn stages(c: &mut Criterion) {
    let bytes = passport_scan();
    let limits = Limits::default();
    let decoded = decode(&bytes, &limits).expect("decodes").pages.remove(0);
    let page = decoded.image.clone();
    let grey = image::DynamicImage::ImageRgb8(page.clone()).into_luma8();
    let corners = locate_document(&page).map(|d| d.corners);
    let recogniser = embedded_recogniser(1).expect("ONNX Runtime (bash scripts/setup.sh)");
    let date = Date::new(2026, 1, 1).expect("date");
    let block = find_mrz(&grey).expect("MRZ found");
    let mut g = c.benchmark_group("screen_stages");
    g.bench_function("decode", |b| b.iter(|| decode(&bytes, &limits)));
    g.bench_function("locate_document", |b| b.iter(|| locate_document(&page)));
    g.bench_function("mrz_find", |b| b.iter(|| find_mrz(&grey)));
    g.bench_function("mrz_read", |b| {
        b.iter(|| read_block(&grey, &block, &recogniser, date));
    });
    g.bench_function("forensics_copy_move", |b| {
        b.iter(|| forensics::copy_move(&decoded, corners.as_ref()));
    });
    g.bench_function("forensics_all", |b| {
        b.iter(|| forensics::analyse(&decoded, &bytes, corners.as_ref()));
    });
    let screener = Screener::new(ScreeningConfig {
        reference_date: Some(date),
        inference_threads: 1,
        ..ScreeningConfig::default()
    })
    .expect("screener");
    g.bench_function("screen_total", |b| {
        b.iter(|| screener.screen("bench.jpg", &bytes));
    });
    let templates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/templates");
    let with_templates = Screener::new(ScreeningConfig {
        reference_date: Some(date),
        inference_threads: 1,
        templates: Some(templates),
        ..ScreeningConfig::default()
    })
    .expect("screener with the shipped templates");
    g.bench_function("screen_total_templates", |b| {
        b.iter(|| with_templates.screen("bench.jpg", &bytes));
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
