//! Template-free forensics on a generated dataset: per forgery kind and per
//! check, ROC AUC against the genuine scans, detection at the threshold
//! that passes 98% of genuine scans (or at given thresholds), localisation
//! (a flagged region overlaps a ground-truth forged region) and time.
//!
//! ```text
//! docscreen synth --out /tmp/fx_seed301 --count 360 --seed 301 --genuine-fraction 0.5
//! cargo run --release -p docscreen-screen --example forensics_eval -- /tmp/fx_seed301
//! cargo run --release -p docscreen-screen --example forensics_eval -- /tmp/fx_seed909 \
//!     --thresholds 0.30,0.30,0.30,0.30
//! ```
//! Detectors run one scan at a time on one thread, so the times are
//! per-core; `--jobs N` runs N scans at once (times then include
//! contention). `FX_DEBUG=1` prints each scan's medium (`physical`: made
//! on paper; `digital`: made on the file), scores, copy-move regions and
//! ground truth to stderr.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::too_many_lines
)] // a developer's tool

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use docscreen_vision::forensics::{self, Finding};
use docscreen_vision::{Limits, decode};

const CHECKS: [&str; 4] = ["copy_move", "compression", "noise", "edges"];
const KINDS: [&str; 6] = [
    "copy_move",
    "photo_substitution",
    "printed_data_alteration",
    "counterfeit",
    "mrz_alteration",
    "mrz_recreation",
];

#[derive(Debug)]
struct Row {
    kind: String,
    scores: [f32; 4],
    /// Whether each check's regions overlap a forged region.
    hits: [bool; 4],
    ms: [f64; 4],
    total_ms: f64,
}

fn bbox(q: &[[f32; 2]; 4]) -> [f32; 4] {
    let xs = q.iter().map(|p| p[0]);
    let ys = q.iter().map(|p| p[1]);
    [
        xs.clone().fold(f32::INFINITY, f32::min),
        ys.clone().fold(f32::INFINITY, f32::min),
        xs.fold(f32::NEG_INFINITY, f32::max),
        ys.fold(f32::NEG_INFINITY, f32::max),
    ]
}

fn overlaps(a: &[[f32; 2]; 4], b: &[[f32; 2]; 4]) -> bool {
    let (a, b) = (bbox(a), bbox(b));
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

fn quad(v: &serde_json::Value) -> Option<[[f32; 2]; 4]> {
    let a = v.as_array()?;
    let mut q = [[0.0f32; 2]; 4];
    for (i, p) in a.iter().take(4).enumerate() {
        let p = p.as_array()?;
        q[i] = [p.first()?.as_f64()? as f32, p.get(1)?.as_f64()? as f32];
    }
    Some(q)
}

fn run_one(img: &Path, json: &Path) -> Option<Row> {
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(json).ok()?).ok()?;
    let kind = if truth["label"] == "genuine" {
        "genuine".to_owned()
    } else if truth["medium"] == "digital" {
        // Edited on the scan file: the forgeries with pixel-level traces.
        format!("{} (digital)", truth["kind"].as_str()?)
    } else {
        truth["kind"].as_str()?.to_owned()
    };
    let forged: Vec<[[f32; 2]; 4]> = truth["regions"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter(|r| r["role"] == "forged")
                .filter_map(|r| quad(&r["quad_px"]))
                .collect()
        })
        .unwrap_or_default();
    let bytes = std::fs::read(img).ok()?;
    let decoded = decode(&bytes, &Limits::default()).ok()?;
    let page = decoded.pages.first()?;
    // The detectors get the locator's corners, as in the pipeline.
    let t = Instant::now();
    let located = docscreen_vision::locate_document(&page.image);
    let corners = located.as_ref().map(|l| &l.corners);
    let locate_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut ms = [0.0f64; 4];
    let mut timed = |i: usize, f: &dyn Fn() -> Finding| {
        let t = Instant::now();
        let r = f();
        ms[i] = t.elapsed().as_secs_f64() * 1e3;
        r
    };
    let findings = [
        timed(0, &|| forensics::copy_move(page, corners)),
        timed(1, &|| forensics::compression(page, &bytes, corners)),
        timed(2, &|| forensics::noise(page, corners)),
        timed(3, &|| forensics::edges(page, corners)),
    ];
    let scores = findings.each_ref().map(|f| f.score);
    let hits = findings.each_ref().map(|f| {
        f.regions
            .iter()
            .any(|r| forged.iter().any(|g| overlaps(&r.quad, g)))
    });
    let _ = locate_ms;
    if std::env::var_os("FX_DEBUG").is_some() {
        let gt: Vec<String> = truth["regions"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .map(|r| format!("{} {:?}", r["role"], quad(&r["quad_px"]).map(|q| bbox(&q))))
                    .collect()
            })
            .unwrap_or_default();
        eprintln!(
            "{} {kind} {} dpi={} scores={scores:?} cm={:?} gt={gt:?} msg={}",
            img.display(),
            truth["medium"],
            truth["scan"]["dpi"],
            findings[0]
                .regions
                .iter()
                .map(|r| bbox(&r.quad))
                .collect::<Vec<_>>(),
            findings[0].message
        );
    }
    Some(Row {
        kind,
        scores,
        hits,
        total_ms: ms.iter().sum(),
        ms,
    })
}

/// ROC AUC of positives vs negatives (ties count half).
fn auc(pos: &[f32], neg: &[f32]) -> f64 {
    if pos.is_empty() || neg.is_empty() {
        return f64::NAN;
    }
    let mut s = 0.0f64;
    for p in pos {
        for n in neg {
            s += if p > n {
                1.0
            } else if (p - n).abs() < f32::EPSILON {
                0.5
            } else {
                0.0
            };
        }
    }
    s / (pos.len() * neg.len()) as f64
}

/// The lowest threshold (a score must exceed it) that passes at least 98%
/// of genuine scores.
fn threshold_98(neg: &[f32]) -> f32 {
    let mut v = neg.to_vec();
    v.sort_by(f32::total_cmp);
    if v.is_empty() {
        return 0.0;
    }
    let allowed = (v.len() as f64 * 0.02).floor() as usize;
    v[v.len() - 1 - allowed.min(v.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first().map(PathBuf::from) else {
        eprintln!("usage: forensics_eval DIR [--thresholds a,b,c,d] [--jobs N]");
        std::process::exit(2);
    };
    let fixed: Option<Vec<f32>> = args
        .iter()
        .position(|a| a == "--thresholds")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.split(',').filter_map(|v| v.parse().ok()).collect());
    let jobs: usize = args
        .iter()
        .position(|a| a == "--jobs")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut scans: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    matches!(
                        p.extension().and_then(|e| e.to_str()),
                        Some("jpg" | "png" | "tif" | "tiff" | "webp" | "pdf")
                    )
                })
                .filter_map(|p| {
                    let j = p.with_extension("json");
                    j.exists().then_some((p, j))
                })
                .collect()
        })
        .unwrap_or_default();
    scans.sort();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .expect("thread pool");
    let rows: Vec<Row> = pool.install(|| {
        use rayon::prelude::*;
        scans
            .par_iter()
            .filter_map(|(i, j)| run_one(i, j))
            .collect()
    });
    let genuine: Vec<&Row> = rows.iter().filter(|r| r.kind == "genuine").collect();
    println!(
        "{} scans ({} genuine) from {}",
        rows.len(),
        genuine.len(),
        dir.display()
    );
    let mut thresholds = [0.0f32; 4];
    for (c, t) in thresholds.iter_mut().enumerate() {
        let neg: Vec<f32> = genuine.iter().map(|r| r.scores[c]).collect();
        *t = fixed
            .as_ref()
            .and_then(|v| v.get(c).copied())
            .unwrap_or_else(|| threshold_98(&neg));
    }
    println!(
        "thresholds ({}): {}",
        if fixed.is_some() {
            "given"
        } else {
            "98% of genuine pass, on this set"
        },
        CHECKS
            .iter()
            .zip(thresholds)
            .map(|(c, t)| format!("{c}={t:.3}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    for (c, name) in CHECKS.iter().enumerate() {
        let neg: Vec<f32> = genuine.iter().map(|r| r.scores[c]).collect();
        let fa = neg.iter().filter(|&&s| s > thresholds[c]).count();
        println!(
            "\n## forensics.{name}: genuine flagged {fa}/{} ({:.1}%)",
            neg.len(),
            100.0 * fa as f64 / neg.len().max(1) as f64
        );
        println!("| kind | n | AUC | detected | localised (of detected) |\n|---|---|---|---|---|");
        for kind in KINDS
            .iter()
            .flat_map(|k| [(*k).to_owned(), format!("{k} (digital)")])
        {
            let pos: Vec<&Row> = rows.iter().filter(|r| r.kind == kind).collect();
            if pos.is_empty() {
                continue;
            }
            let ps: Vec<f32> = pos.iter().map(|r| r.scores[c]).collect();
            let det: Vec<&&Row> = pos.iter().filter(|r| r.scores[c] > thresholds[c]).collect();
            let loc = det.iter().filter(|r| r.hits[c]).count();
            println!(
                "| {kind} | {} | {:.3} | {}/{} ({:.1}%) | {}/{} |",
                pos.len(),
                auc(&ps, &neg),
                det.len(),
                pos.len(),
                100.0 * det.len() as f64 / pos.len().max(1) as f64,
                loc,
                det.len()
            );
        }
    }
    let mut per: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for r in &rows {
        for (c, name) in CHECKS.iter().enumerate() {
            per.entry(name).or_default().push(r.ms[c]);
        }
        per.entry("all four").or_default().push(r.total_ms);
    }
    println!("\n## time per scan, ms (median / p95 / max)");
    for (k, mut v) in per {
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q) as usize];
        if !v.is_empty() {
            println!("{k}: {:.1} / {:.1} / {:.1}", at(0.5), at(0.95), at(1.0));
        }
    }
}
