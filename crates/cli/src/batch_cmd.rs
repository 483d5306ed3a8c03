//! `docscreen batch DIR_OR_FILES… --out REPORT.jsonl`: screens folders of
//! scans in parallel into a JSON Lines report that is written by one
//! writer, flushed per row and resumable.
//!
//! *Invariant*: a row is one `write` of a complete line ending in `\n`; on
//! start, a partial last line (a crash mid-write) is cut off and the files
//! already reported are skipped, so `kill -9` loses no finished row and
//! leaves no corrupt one.

use std::collections::{BTreeMap, HashSet};
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{Context, anyhow};
use clap::Args;
use docscreen_screen::Report;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::Failure;
use crate::screen_cmd::{ScreenOptions, read_limited, write_evidence};

/// Extensions screened when walking a folder (case-insensitive).
const SCAN_EXTENSIONS: [&str; 8] = ["jpg", "jpeg", "png", "tif", "tiff", "webp", "pdf", "jfif"];

/// Screen many scans into a JSON Lines report.
#[derive(Debug, Args)]
pub(crate) struct BatchArgs {
    /// Folders (walked recursively) and files to screen.
    #[arg(required = true, value_name = "DIR_OR_FILES")]
    inputs: Vec<PathBuf>,
    /// The report (JSON Lines, one row per scan); an existing report is
    /// resumed: the files already in it are skipped.
    #[arg(long, value_name = "REPORT.jsonl")]
    out: PathBuf,
    /// Parallel scans (default: the number of cores).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Screen every file again even if the report has it.
    #[arg(long)]
    no_resume: bool,
    #[command(flatten)]
    options: ScreenOptions,
}

/// The files to screen, in a stable order: folders walked recursively
/// (sorted, scan extensions only), files as named.
fn collect(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut out = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input)
            .with_context(|| format!("cannot read {}", input.display()))
            .map_err(Failure::usage)?;
        if meta.is_dir() {
            walk(input, &mut out).map_err(Failure::usage)?;
        } else {
            out.push(input.clone());
        }
    }
    let mut seen = HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| SCAN_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads the paths already in `report`, and cuts off a partial last line.
fn resume(report: &Path) -> anyhow::Result<HashSet<String>> {
    let mut done = HashSet::new();
    let Ok(file) = std::fs::File::open(report) else {
        return Ok(done);
    };
    let mut reader = BufReader::new(file);
    let mut good_len = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        if line.last() != Some(&b'\n') {
            break; // a row cut by a crash: dropped below
        }
        good_len += n as u64;
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&line)
            && let Some(p) = v.get("path").and_then(|p| p.as_str())
        {
            done.insert(p.to_owned());
        }
    }
    let len = std::fs::metadata(report)?.len();
    if len > good_len {
        let f = OpenOptions::new().write(true).open(report)?;
        f.set_len(good_len)?;
        tracing::warn!(
            report = %report.display(),
            "dropped a partial last row ({} bytes) left by an interrupted run",
            len - good_len
        );
    }
    Ok(done)
}

#[derive(Debug, Default)]
struct Summary {
    by_verdict: BTreeMap<String, usize>,
    errors: usize,
    rows: usize,
}

pub(crate) fn run(args: &BatchArgs) -> Result<(), Failure> {
    let files = collect(&args.inputs)?;
    let done = if args.no_resume {
        if args.out.exists() {
            std::fs::remove_file(&args.out)
                .with_context(|| format!("cannot replace {}", args.out.display()))
                .map_err(Failure::io)?;
        }
        HashSet::new()
    } else {
        resume(&args.out)
            .with_context(|| format!("cannot resume from {}", args.out.display()))
            .map_err(Failure::io)?
    };
    let todo: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|p| {
            let key = p.display().to_string();
            (p, key)
        })
        .filter(|(_, key)| !done.contains(key))
        .collect();
    let skipped = done.len();
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
        .max(1);
    let screener = args.options.screener(1, jobs)?;
    let evidence = args.options.evidence.as_ref();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Failure::io(anyhow!(e)))?;
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))
            .map_err(Failure::io)?;
    }
    let mut out = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&args.out)
        .with_context(|| format!("cannot open {}", args.out.display()))
        .map_err(Failure::io)?;
    out.seek(SeekFrom::End(0))
        .map_err(|e| Failure::io(e.into()))?;

    let bar = ProgressBar::new(todo.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} scans ({per_sec}, eta {eta}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let (tx, rx) = mpsc::sync_channel::<Report>(jobs * 4);
    let limit = screener.config().limits.max_bytes;
    // One writer: rows never interleave, each is flushed as it comes.
    let writer = std::thread::spawn(move || -> anyhow::Result<Summary> {
        let mut summary = Summary::default();
        for report in rx {
            let mut line = serde_json::to_string(&report)?;
            line.push('\n');
            out.write_all(line.as_bytes())?;
            out.flush()?;
            summary.rows += 1;
            match (&report.error, report.verdict) {
                (Some(_), _) => summary.errors += 1,
                (None, Some(v)) => {
                    *summary.by_verdict.entry(v.as_str().to_owned()).or_default() += 1;
                }
                (None, None) => {}
            }
        }
        out.sync_data()?;
        Ok(summary)
    });
    pool.install(|| {
        todo.par_iter().for_each_with(tx, |tx, (path, key)| {
            let report = match read_limited(path, limit) {
                Ok(bytes) => {
                    let report = screener.screen(key, &bytes);
                    if let Some(dir) = evidence
                        && let Err(e) = write_evidence(dir, &screener, path, &bytes, &report)
                    {
                        // The row matters more than its picture: keep going.
                        tracing::warn!("no evidence image for a scan: {e:#}");
                    }
                    report
                }
                Err(e) => Report::failed(
                    key,
                    String::new(),
                    format!("cannot read the file: {e}"),
                    0.0,
                ),
            };
            bar.inc(1);
            // The writer only stops on an I/O error, reported below.
            let _ = tx.send(report);
        });
    });
    bar.finish_and_clear();
    let summary = writer
        .join()
        .map_err(|_| Failure::io(anyhow!("the report writer panicked")))?
        .with_context(|| format!("cannot write {}", args.out.display()))
        .map_err(Failure::io)?;
    let secs = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)] // counts
    let rate = if secs > 0.0 {
        summary.rows as f64 / secs
    } else {
        0.0
    };
    let verdicts: Vec<String> = ["pass", "review", "fail"]
        .iter()
        .map(|v| format!("{v} {}", summary.by_verdict.get(*v).copied().unwrap_or(0)))
        .collect();
    #[allow(clippy::print_stderr)] // the run's summary, beside the report
    {
        eprintln!(
            "screened {} scans in {secs:.1} s ({rate:.1} scans/s, {jobs} jobs): {}, errors {}; {} rows already in {} (resumed)",
            summary.rows,
            verdicts.join(", "),
            summary.errors,
            skipped,
            args.out.display()
        );
    }
    Ok(())
}
