//! Detection figures of a `docscreen batch` report against the generator's
//! ground truth: per forgery kind, ROC AUC of the scan score, detection at
//! the threshold that passes 98% of genuine scans, and localisation (a
//! warning or failing check's region overlaps the forged region); per check,
//! the AUC of its score; the report's verdicts per kind (the fusion
//! model's desk, `score_model`); template identification and alignment
//! accuracy.
//!
//! ```text
//! docscreen synth --out /tmp/eval --count 300 --seed 909
//! docscreen batch /tmp/eval --templates testdata/templates --out /tmp/eval.jsonl --date 2026-01-01
//! cargo run --release -p docscreen-screen --example forgery_eval -- /tmp/eval.jsonl /tmp/eval
//! ```
//! Use a seed never used for tuning (909; thresholds were tuned on 4242).
#![allow(
    clippy::print_stdout,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::many_single_char_names
)] // a developer's tool

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// Area under the ROC curve: P(forged score > genuine score), ties half.
fn auc(genuine: &[f64], forged: &[f64]) -> f64 {
    if genuine.is_empty() || forged.is_empty() {
        return f64::NAN;
    }
    let mut s = 0.0;
    for f in forged {
        for g in genuine {
            s += if f > g {
                1.0
            } else if (f - g).abs() < 1e-12 {
                0.5
            } else {
                0.0
            };
        }
    }
    s / (genuine.len() * forged.len()) as f64
}

/// The smallest score above at least `pass` of the genuine scores.
fn threshold(genuine: &[f64], pass: f64) -> f64 {
    let mut g = genuine.to_vec();
    g.sort_by(f64::total_cmp);
    if g.is_empty() {
        return 0.5;
    }
    let i = ((g.len() as f64 * pass).ceil() as usize).clamp(1, g.len()) - 1;
    g[i] + 1e-9
}

fn bbox(q: &Value) -> Option<[f64; 4]> {
    let pts = q.as_array()?;
    let xs: Vec<f64> = pts.iter().filter_map(|p| p.get(0)?.as_f64()).collect();
    let ys: Vec<f64> = pts.iter().filter_map(|p| p.get(1)?.as_f64()).collect();
    if xs.is_empty() || ys.is_empty() {
        return None;
    }
    let f = |v: &[f64], m: fn(f64, f64) -> f64, s: f64| v.iter().copied().fold(s, m);
    Some([
        f(&xs, f64::min, f64::INFINITY),
        f(&ys, f64::min, f64::INFINITY),
        f(&xs, f64::max, f64::NEG_INFINITY),
        f(&ys, f64::max, f64::NEG_INFINITY),
    ])
}

fn overlaps(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

struct Scan {
    kind: String,
    score: f64,
    /// The report's verdict (the fusion model's desk thresholds).
    verdict: String,
    checks: BTreeMap<String, f64>,
    localised: bool,
    template_ok: Option<bool>,
    corner_err_mm: Option<f64>,
}

fn corner_error(report: &Value, truth: &Value) -> Option<f64> {
    let m = report
        .pointer("/document/template_match/corners_px")?
        .as_array()?;
    let h: Vec<f64> = truth["mm_to_px"]
        .as_array()?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let size: Vec<f64> = truth["size_mm"]
        .as_array()?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    if h.len() != 9 || size.len() != 2 || m.len() != 4 {
        return None;
    }
    let ap = |x: f64, y: f64| {
        let d = h[6] * x + h[7] * y + h[8];
        [
            (h[0] * x + h[1] * y + h[2]) / d,
            (h[3] * x + h[4] * y + h[5]) / d,
        ]
    };
    let px_per_mm = {
        let (a, b) = (ap(0.0, 0.0), ap(1.0, 0.0));
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
    };
    let (w, hh) = (size[0], size[1]);
    let want = [ap(0.0, 0.0), ap(w, 0.0), ap(w, hh), ap(0.0, hh)];
    let mut worst: f64 = 0.0;
    for (g, p) in want.iter().zip(m) {
        let (x, y) = (p.get(0)?.as_f64()?, p.get(1)?.as_f64()?);
        worst = worst.max(((g[0] - x).powi(2) + (g[1] - y).powi(2)).sqrt() / px_per_mm);
    }
    Some(worst)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(report), Some(dir)) = (args.first(), args.get(1)) else {
        println!("usage: forgery_eval REPORT.jsonl DATASET_DIR");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(report).expect("report");
    let mut scans = Vec::new();
    let mut field_reads: BTreeMap<String, [usize; 2]> = BTreeMap::new();
    for line in text.lines() {
        let Ok(r) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let path = r["path"].as_str().unwrap_or_default();
        let name = Path::new(path)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let Ok(t) = std::fs::read_to_string(Path::new(dir).join(format!("{name}.json"))) else {
            continue; // templates' references and other files
        };
        let truth: Value = serde_json::from_str(&t).expect("truth");
        let mut kind = truth["kind"].as_str().unwrap_or("genuine").to_owned();
        if truth["medium"] == "digital" {
            // Edited on the scan file: the forgeries with pixel-level traces.
            kind.push_str(" (digital)");
        }
        let forged: Vec<[f64; 4]> = truth["regions"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter(|g| g["role"] == "forged")
                    .filter_map(|g| bbox(&g["quad_px"]))
                    .collect()
            })
            .unwrap_or_default();
        let mut checks = BTreeMap::new();
        let mut localised = false;
        for c in r["checks"].as_array().into_iter().flatten() {
            let id = c["id"].as_str().unwrap_or_default().to_owned();
            let status = c["status"].as_str().unwrap_or_default();
            let s = if matches!(status, "warn" | "fail") {
                c["score"].as_f64().unwrap_or(0.0)
            } else {
                0.0
            };
            checks.insert(id, s);
            if s > 0.0 {
                for reg in c["regions"].as_array().into_iter().flatten() {
                    if let Some(b) = bbox(&reg["quad_px"])
                        && forged.iter().any(|f| overlaps(*f, b))
                    {
                        localised = true;
                    }
                }
            }
        }
        // Printed fields read vs printed truth (capitals, single spaces),
        // on scans whose model was identified right.
        if let (Some(fields), Some(printed)) = (
            r.pointer("/document/fields").and_then(Value::as_object),
            truth["printed"].as_object(),
        ) {
            for (name, f) in fields {
                let Some(want) = printed.get(name).and_then(Value::as_str) else {
                    continue;
                };
                let want = want
                    .to_uppercase()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                let got = f["value"].as_str().unwrap_or_default();
                let e = field_reads.entry(name.clone()).or_insert([0, 0]);
                e[0] += usize::from(got == want);
                e[1] += 1;
            }
        }
        let template_ok = r
            .pointer("/document/template")
            .map(|v| v.as_str() == truth["template"].as_str());
        scans.push(Scan {
            kind,
            score: r["score"].as_f64().unwrap_or(1.0),
            verdict: r["verdict"].as_str().unwrap_or("error").to_owned(),
            checks,
            localised,
            template_ok: template_ok
                .filter(|_| !r.pointer("/document/template").is_some_and(Value::is_null)),
            corner_err_mm: corner_error(&r, &truth),
        });
    }
    let genuine: Vec<f64> = scans
        .iter()
        .filter(|s| s.kind == "genuine")
        .map(|s| s.score)
        .collect();
    let thr = threshold(&genuine, 0.98);
    let mut kinds: Vec<String> = scans.iter().map(|s| s.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    println!(
        "{} scans, {} genuine; threshold passing 98% of genuine: score < {thr:.3}",
        scans.len(),
        genuine.len()
    );
    println!(
        "\n| kind | n | AUC | detected at ≤2% false alarms | localised (of detected) | verdict fail/review/pass |"
    );
    println!("|---|---|---|---|---|---|");
    let mut all_forged = Vec::new();
    for k in &kinds {
        let of: Vec<&Scan> = scans.iter().filter(|s| &s.kind == k).collect();
        let verdicts = {
            let n = |v: &str| of.iter().filter(|s| s.verdict == v).count();
            format!("{}/{}/{}", n("fail"), n("review"), n("pass"))
        };
        if k == "genuine" {
            println!("| genuine | {} | – | – | – | {verdicts} |", of.len());
            continue;
        }
        let sc: Vec<f64> = of.iter().map(|s| s.score).collect();
        all_forged.extend(sc.iter().copied());
        let det: Vec<&&Scan> = of.iter().filter(|s| s.score >= thr).collect();
        let loc = det.iter().filter(|s| s.localised).count();
        println!(
            "| {k} | {} | {:.3} | {}/{} ({:.0}%) | {loc}/{} | {verdicts} |",
            of.len(),
            auc(&genuine, &sc),
            det.len(),
            of.len(),
            100.0 * det.len() as f64 / of.len().max(1) as f64,
            det.len()
        );
    }
    println!(
        "| all forged | {} | {:.3} | | | |",
        all_forged.len(),
        auc(&genuine, &all_forged)
    );
    // Per check AUC per kind.
    let mut ids: Vec<String> = scans
        .iter()
        .flat_map(|s| s.checks.keys().cloned())
        .collect();
    ids.sort();
    ids.dedup();
    println!("\nAUC of each check's score (warn/fail score, else 0) against genuine:\n");
    print!("| check |");
    for k in kinds.iter().filter(|k| *k != "genuine") {
        print!(" {k} |");
    }
    println!("\n|---|{}", "---|".repeat(kinds.len() - 1));
    for id in &ids {
        let g: Vec<f64> = scans
            .iter()
            .filter(|s| s.kind == "genuine")
            .map(|s| s.checks.get(id).copied().unwrap_or(0.0))
            .collect();
        print!("| {id} |");
        for k in kinds.iter().filter(|k| *k != "genuine") {
            let f: Vec<f64> = scans
                .iter()
                .filter(|s| &s.kind == k)
                .map(|s| s.checks.get(id).copied().unwrap_or(0.0))
                .collect();
            print!(" {:.2} |", auc(&g, &f));
        }
        println!();
    }
    // Identification and alignment.
    let ided: Vec<&Scan> = scans.iter().filter(|s| s.template_ok.is_some()).collect();
    let wrong = ided.iter().filter(|s| s.template_ok == Some(false)).count();
    println!(
        "\nidentified: {} of {} scans ({} wrong model); genuine identified: {}/{}",
        ided.len(),
        scans.len(),
        wrong,
        scans
            .iter()
            .filter(|s| s.kind == "genuine" && s.template_ok == Some(true))
            .count(),
        genuine.len()
    );
    let mut errs: Vec<f64> = scans
        .iter()
        .filter(|s| s.kind == "genuine" && s.template_ok == Some(true))
        .filter_map(|s| s.corner_err_mm)
        .collect();
    errs.sort_by(f64::total_cmp);
    if !errs.is_empty() {
        let share =
            |t: f64| 100.0 * errs.iter().filter(|&&e| e < t).count() as f64 / errs.len() as f64;
        println!(
            "alignment (genuine, worst of the 4 model corners vs ground truth): median {:.2} mm, {:.0}% < 0.5 mm, {:.0}% < 1 mm, max {:.2} mm",
            errs[errs.len() / 2],
            share(0.5),
            share(1.0),
            errs[errs.len() - 1]
        );
    }
    if !field_reads.is_empty() {
        let (ok, n) = field_reads
            .values()
            .fold((0, 0), |(a, b), [c, d]| (a + c, b + d));
        println!(
            "\nprinted fields read exactly (document.fields vs the printed truth): {ok}/{n} = {:.1}%",
            100.0 * ok as f64 / n.max(1) as f64
        );
        println!("\n| field | exact | read |\n|---|---|---|");
        for (name, [ok, n]) in &field_reads {
            println!(
                "| {name} | {:.1}% | {ok}/{n} |",
                100.0 * *ok as f64 / (*n).max(1) as f64
            );
        }
    }
}
