//! Times the generator's stages on one core: render, scan simulation, whole
//! sample. `cargo run --release -p docscreen-benches --example synth_stages`.
#![allow(clippy::print_stdout)]

use std::time::Instant;

use docscreen_mrz::Date;
use docscreen_synth::SynthRng;
use docscreen_synth::dataset::{SynthConfig, generate_one, selected_models};
use docscreen_synth::model::catalogue;
use docscreen_synth::person::Person;
use docscreen_synth::render::{self, Content};
use docscreen_synth::scan::{ScanParams, simulate};
use docscreen_synth::security;
use docscreen_synth::text::Fonts;
use rand::SeedableRng;

fn main() {
    let fonts = Fonts::shared().expect("fonts");
    let reference = Date::new(2026, 1, 1).expect("date");
    let k = 300.0 / 25.4;
    for model in catalogue() {
        let mut rng = SynthRng::seed_from_u64(1);
        let person = Person::random(&mut rng, model.issuing_state, reference, false);
        let photo = model
            .portrait
            .map(|_| security::portrait(380, 480, model.style.portrait_style, &mut rng));
        let content = Content {
            printed: render::printed_values(&model, &person),
            mrz: render::mrz_lines(&model, &person).ok().flatten(),
            photo,
            copy_seed: 1,
        };
        let t = Instant::now();
        let doc = render::render(&model, &content, fonts, k);
        let tr = t.elapsed();
        let t = Instant::now();
        let params = ScanParams {
            encoding: docscreen_synth::scan::Encoding::Jpeg {
                quality: 85,
                resave_quality: None,
            },
            ..ScanParams::clean()
        };
        let _ = simulate(&doc.image, 300.0, model.size_mm, &params, &mut rng);
        let ts = t.elapsed();
        println!(
            "{:28} render {:6.1} ms  scan(300dpi jpeg) {:6.1} ms",
            model.id,
            tr.as_secs_f64() * 1e3,
            ts.as_secs_f64() * 1e3
        );
    }
    let config = SynthConfig {
        count: 40,
        seed: 5,
        ..SynthConfig::default()
    };
    let models = selected_models(&config).expect("models");
    let t = Instant::now();
    for i in 0..config.count {
        let _ = generate_one(i, &config, &models, fonts);
    }
    let per = t.elapsed().as_secs_f64() / 40.0;
    println!(
        "whole sample (random model, params, forgery): {:.1} ms → {:.2} scans/s/core",
        per * 1e3,
        1.0 / per
    );
}
