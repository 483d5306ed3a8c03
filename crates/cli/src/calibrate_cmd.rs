//! `docscreen calibrate REPORT.jsonl… --truth DIR… --out FILE`: fits the
//! score fusion on batch reports of generated scans and their ground
//! truth, prints the weights, the calibration AUC and the desks, and
//! writes the fusion file.

use std::fmt::Write as _;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use clap::Args;
use docscreen_mrz::Date;
use docscreen_screen::CheckResult;
use docscreen_screen::fusion::{Example, FitOptions, FitSummary, fit};
use serde::Deserialize;

use crate::Failure;

/// Fit the score fusion on labelled batch reports.
#[derive(Debug, Args)]
pub(crate) struct CalibrateArgs {
    /// Batch reports (JSON Lines) of generated scans.
    #[arg(required = true, value_name = "REPORT.jsonl")]
    reports: Vec<PathBuf>,
    /// Folders the generator wrote (`docscreen synth --out`): scan `X.jpg`
    /// has its ground truth `X.json` beside it. A row takes the folder its
    /// path lies in; with a single folder, any row's file name is looked
    /// up there.
    #[arg(long, required = true, num_args = 1.., value_name = "DIR")]
    truth: Vec<PathBuf>,
    /// The fusion file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The model's id, named in reports as `score_model`.
    #[arg(long, value_name = "NAME", default_value = "fusion")]
    id: String,
    /// Generator seed of the data (recorded in the file; repeatable).
    #[arg(long, value_name = "N")]
    seed: Vec<u64>,
    /// L2 penalty on the weights.
    #[arg(long, value_name = "X", default_value_t = 1e-3)]
    l2: f64,
}

/// The keys of a report row the fit reads.
#[derive(Debug, Deserialize)]
struct Row {
    path: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    checks: Vec<CheckResult>,
}

/// The calibration rows of every report, and how many were skipped.
fn examples(args: &CalibrateArgs) -> Result<(Vec<Example>, Skipped), Failure> {
    let dirs: Vec<(PathBuf, Option<PathBuf>)> = args
        .truth
        .iter()
        .map(|d| {
            if d.is_dir() {
                Ok((d.clone(), d.canonicalize().ok()))
            } else {
                Err(Failure::usage(anyhow!(
                    "--truth {}: not a folder; give the folder `docscreen synth --out` wrote",
                    d.display()
                )))
            }
        })
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    let (mut skipped, mut no_truth) = (0, 0);
    for (group, report) in args.reports.iter().enumerate() {
        let file = std::fs::File::open(report)
            .with_context(|| format!("cannot read {}", report.display()))
            .map_err(Failure::usage)?;
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line
                .with_context(|| format!("cannot read {}", report.display()))
                .map_err(Failure::usage)?;
            if line.trim().is_empty() {
                continue;
            }
            let row: Row = serde_json::from_str(&line)
                .with_context(|| {
                    format!(
                        "{} line {}: not a report row; give `docscreen batch` output",
                        report.display(),
                        n + 1
                    )
                })
                .map_err(Failure::usage)?;
            if row.error.is_some() {
                skipped += 1;
                continue;
            }
            let truth = truth_file(&row.path, &dirs).map_err(Failure::usage)?;
            if !truth.exists() {
                // Not a generated scan (e.g. a model's reference image
                // under the generator's `templates/`).
                tracing::debug!(scan = %row.path, "no ground truth beside it: skipped");
                no_truth += 1;
                continue;
            }
            let forged = label(&truth).map_err(Failure::usage)?;
            out.push(Example::from_checks(&row.checks, forged, group));
        }
    }
    Ok((
        out,
        Skipped {
            error: skipped,
            no_truth,
        },
    ))
}

/// Rows left out of the fit.
#[derive(Debug, Clone, Copy)]
struct Skipped {
    /// Rows with `error` (the file could not be screened).
    error: usize,
    /// Rows with no ground truth beside the scan.
    no_truth: usize,
}

/// Where the ground truth of the scan at `path` is: beside it in the
/// deepest `--truth` folder holding it, or by file name in the only one.
fn truth_file(path: &str, dirs: &[(PathBuf, Option<PathBuf>)]) -> anyhow::Result<PathBuf> {
    let scan = Path::new(path);
    let canon = scan.canonicalize().ok();
    let mut best: Option<(usize, PathBuf)> = None;
    for (dir, dir_canon) in dirs {
        let inside = scan.strip_prefix(dir).ok().or_else(|| {
            canon
                .as_deref()
                .zip(dir_canon.as_deref())
                .and_then(|(c, d)| c.strip_prefix(d).ok())
        });
        if let Some(rel) = inside {
            let depth = dir.components().count();
            if best.as_ref().is_none_or(|(d, _)| depth > *d) {
                best = Some((depth, dir.join(rel)));
            }
        }
    }
    let found = match (best, dirs) {
        (Some((_, p)), _) => p,
        (None, [(dir, _)]) => dir.join(scan.file_name().unwrap_or_default()),
        (None, _) => {
            return Err(anyhow!(
                "{path}: in none of the --truth folders; give the folders the batch screened"
            ));
        }
    };
    Ok(found.with_extension("json"))
}

/// The ground truth's label: forged (true) or genuine.
fn label(truth: &Path) -> anyhow::Result<bool> {
    let text = std::fs::read_to_string(truth).with_context(|| {
        format!(
            "cannot read the ground truth {}; give the folder `docscreen synth --out` wrote",
            truth.display()
        )
    })?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", truth.display()))?;
    match v.get("label").and_then(serde_json::Value::as_str) {
        Some("forged") => Ok(true),
        Some("genuine") => Ok(false),
        other => Err(anyhow!(
            "{}: label {other:?} is neither \"genuine\" nor \"forged\"",
            truth.display()
        )),
    }
}

pub(crate) fn run(args: &CalibrateArgs) -> Result<(), Failure> {
    let (rows, skipped) = examples(args)?;
    let mut options = FitOptions {
        id: args.id.clone(),
        l2: args.l2,
        ..FitOptions::default()
    };
    options.info.date = Date::today_utc().to_string();
    options.info.seeds.clone_from(&args.seed);
    options.info.reports = args
        .reports
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    options.info.skipped = skipped.error + skipped.no_truth;
    let summary = fit(&rows, &options).map_err(|e| Failure::usage(anyhow!(e)))?;
    std::fs::write(&args.out, summary.model.to_json())
        .with_context(|| format!("cannot write {}", args.out.display()))
        .map_err(Failure::io)?;
    crate::out(&describe(&summary, skipped, &args.out))
}

/// Share of the forged rows at or above `review`, or sent there by the
/// review floor, in %.
fn reviewed(s: &FitSummary, review: f32) -> f64 {
    let n = s
        .forged_scores
        .iter()
        .zip(&s.forged_floored)
        .filter(|(x, floored)| **x >= review || **floored)
        .count();
    #[allow(clippy::cast_precision_loss)] // counts of rows
    let r = 100.0 * n as f64 / s.forged_scores.len().max(1) as f64;
    r
}

/// The fit in words: counts, AUC, weights (largest first), desks.
fn describe(s: &FitSummary, skipped: Skipped, out: &Path) -> String {
    let m = &s.model;
    let info = m.fitted.clone().unwrap_or_default();
    let mut t = String::new();
    let _ = writeln!(
        t,
        "fitted {} on {} rows ({} genuine, {} forged; skipped: {} with an error, {} without ground truth) in {} sweeps{}",
        m.id,
        info.genuine + info.forged,
        info.genuine,
        info.forged,
        skipped.error,
        skipped.no_truth,
        s.sweeps,
        if s.converged { "" } else { " (not converged)" }
    );
    let _ = writeln!(t, "calibration AUC {:.4}", info.auc);
    let _ = writeln!(t, "bias {:.4}", m.bias);
    let _ = writeln!(t, "  {:<28} {:>8} {:>8}", "check", "flagged", "+fail");
    let mut ids: Vec<&String> = m.weights.keys().chain(m.fail_weights.keys()).collect();
    ids.sort_by(|a, b| {
        let total = |id: &str| m.weight(id) + m.fail_weight(id);
        total(b).total_cmp(&total(a)).then(a.cmp(b))
    });
    ids.dedup();
    for id in ids {
        let _ = writeln!(
            t,
            "  {id:<28} {:>8.4} {:>8.4}",
            m.weight(id),
            m.fail_weight(id)
        );
    }
    if !m.review_floor.is_empty() {
        let _ = writeln!(
            t,
            "review floor (a fail sends to review): {}",
            m.review_floor.join(", ")
        );
    }
    let share = |v: &[f32], f: &dyn Fn(f32) -> bool| {
        #[allow(clippy::cast_precision_loss)] // counts of rows
        let r = 100.0 * v.iter().filter(|x| f(**x)).count() as f64 / v.len().max(1) as f64;
        r
    };
    for (name, d) in &m.desks {
        let _ = writeln!(
            t,
            "desk {name:<9} review ≥ {:.4}  fail ≥ {:.4}  genuine: {:.1}% pass, {:.1}% fail; forged: {:.1}% review or fail, {:.1}% fail",
            d.review,
            d.fail,
            share(&s.genuine_scores, &|x| x < d.review),
            share(&s.genuine_scores, &|x| x >= d.fail),
            reviewed(s, d.review),
            share(&s.forged_scores, &|x| x >= d.fail),
        );
    }
    let _ = writeln!(t, "wrote {}", out.display());
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truth_is_found_beside_the_scan_or_by_name() {
        let dirs = vec![
            (PathBuf::from("/data/a"), None),
            (PathBuf::from("/data/a/b"), None),
        ];
        assert_eq!(
            truth_file("/data/a/b/000001.jpg", &dirs).expect("found"),
            PathBuf::from("/data/a/b/000001.json"),
            "the deepest folder"
        );
        assert_eq!(
            truth_file("/data/a/x/000002.png", &dirs).expect("found"),
            PathBuf::from("/data/a/x/000002.json")
        );
        assert!(truth_file("/elsewhere/000001.jpg", &dirs).is_err());
        let one = vec![(PathBuf::from("/data/a"), None)];
        assert_eq!(
            truth_file("moved/000003.jpg", &one).expect("by name"),
            PathBuf::from("/data/a/000003.json")
        );
    }
}
