//! Measures document location on synthetic scans: the share of scans whose
//! four corners all lie within 1% of the document diagonal of the truth.
//! `cargo run --release -p docscreen-benches --example locate_eval -- [COUNT] [SEED]`
#![allow(
    clippy::print_stdout,
    clippy::cast_precision_loss,
    clippy::many_single_char_names
)]

use docscreen_synth::dataset::{SynthConfig, generate_one, selected_models};
use docscreen_synth::text::Fonts;
use docscreen_vision::{Limits, decode, locate_document};
use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(777);
    let fonts = Fonts::shared().expect("fonts");
    let config = SynthConfig {
        count,
        seed,
        ..SynthConfig::default()
    };
    let models = selected_models(&config).expect("models");
    let results: Vec<(usize, String, String, Option<f32>, f64)> = (0..count)
        .into_par_iter()
        .filter(|i| {
            std::env::var("LOCATE_EVAL_ONLY")
                .ok()
                .is_none_or(|only| only.split(',').any(|o| o.parse() == Ok(*i)))
        })
        .map(|i| {
            let s = generate_one(i, &config, &models, fonts);
            let page = decode(&s.bytes, &Limits::default())
                .expect("decodes")
                .pages
                .remove(0);
            let t = std::time::Instant::now();
            let found = locate_document(&page.image);
            let ms = t.elapsed().as_secs_f64() * 1e3;
            let gt = s.truth.corners_px;
            let diag = (gt[0][0] - gt[2][0]).hypot(gt[0][1] - gt[2][1]);
            // The order of our corners is by image position: best cyclic match, either direction.
            let err = found.map(|f| {
                let mut best = f32::MAX;
                for rev in [false, true] {
                    for shift in 0..4 {
                        let e = (0..4)
                            .map(|k| {
                                let j = if rev {
                                    (4 + shift - k) % 4
                                } else {
                                    (shift + k) % 4
                                };
                                let (a, b) = (f.corners[j], gt[k]);
                                (a[0] - b[0]).hypot(a[1] - b[1])
                            })
                            .fold(0.0f32, f32::max);
                        best = best.min(e);
                    }
                }
                best / diag
            });
            if let Some(dir) = std::env::var_os("LOCATE_EVAL_DUMP")
                && !err.is_some_and(|e| e <= 0.01)
            {
                dump(
                    &page.image,
                    found.map(|f| f.corners),
                    gt,
                    &std::path::Path::new(&dir).join(format!("{i:06}.jpg")),
                );
            }
            (
                i,
                s.truth.template.clone(),
                format!("{:?}", s.truth.scan.background),
                err,
                ms,
            )
        })
        .collect();
    let ok = results
        .iter()
        .filter(|r| r.3.is_some_and(|e| e <= 0.01))
        .count();
    let mut errs: Vec<f32> = results.iter().filter_map(|r| r.3).collect();
    errs.sort_by(f32::total_cmp);
    let mut ms: Vec<f64> = results.iter().map(|r| r.4).collect();
    ms.sort_by(f64::total_cmp);
    println!(
        "{} scans: {} ({:.1}%) with every corner within 1% of the diagonal; {} not found",
        count,
        ok,
        100.0 * ok as f64 / count as f64,
        results.iter().filter(|r| r.3.is_none()).count()
    );
    if !errs.is_empty() {
        println!(
            "max-corner error / diagonal: median {:.4}, p90 {:.4}; locate median {:.1} ms",
            errs[errs.len() / 2],
            errs[errs.len() * 9 / 10],
            ms[ms.len() / 2]
        );
    }
    let mut by_bg: std::collections::BTreeMap<String, (usize, usize)> =
        std::collections::BTreeMap::new();
    for r in &results {
        let e = by_bg.entry(r.2.clone()).or_default();
        e.0 += 1;
        e.1 += usize::from(r.3.is_some_and(|e| e <= 0.01));
    }
    for (bg, (n, k)) in by_bg {
        println!("  {bg}: {k}/{n}");
    }
    if std::env::var_os("LOCATE_EVAL_MISSES").is_some() {
        for r in results.iter().filter(|r| !r.3.is_some_and(|e| e <= 0.01)) {
            println!("  miss #{:06} {} {} error {:?}", r.0, r.1, r.2, r.3);
        }
    }
}

/// Writes a scan with the truth (green) and the found quad (red) drawn on
/// it, for reading misses (`LOCATE_EVAL_DUMP=DIR`).
fn dump(
    img: &image::RgbImage,
    found: Option<[[f32; 2]; 4]>,
    truth: [[f32; 2]; 4],
    path: &std::path::Path,
) {
    let mut out = img.clone();
    for (quad, colour) in [(Some(truth), [0, 200, 0]), (found, [255, 0, 0])] {
        let Some(q) = quad else { continue };
        for k in 0..4 {
            for w in -2i8..=2 {
                let d = f32::from(w);
                imageproc::drawing::draw_line_segment_mut(
                    &mut out,
                    (q[k][0] + d, q[k][1] + d),
                    (q[(k + 1) % 4][0] + d, q[(k + 1) % 4][1] + d),
                    image::Rgb(colour),
                );
            }
        }
    }
    let _ = std::fs::create_dir_all(path.parent().unwrap_or(path));
    let _ = out.save(path);
}
