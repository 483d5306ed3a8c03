//! `docscreen screen FILE` (one scan: a summary for a person or the JSON
//! report) and the options it shares with `batch`.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use clap::Args;
use docscreen_mrz::Date;
use docscreen_screen::{Report, Screener, ScreeningConfig, Status};

use crate::Failure;

/// Options every screening command takes.
#[derive(Debug, Args)]
pub(crate) struct ScreenOptions {
    /// Folder of document templates (one sub-folder per model).
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Watch list of lost, stolen or revoked documents (CSV: issuing
    /// state, document number, reason, source); repeatable.
    #[arg(long, value_name = "CSV")]
    watchlist: Vec<PathBuf>,
    /// "Today" for expiry checks (YYYY-MM-DD; default: the current date).
    #[arg(long, value_name = "DATE")]
    date: Option<Date>,
    /// MRZ recogniser model (default: the embedded one).
    #[arg(long, value_name = "ONNX")]
    mrz_model: Option<PathBuf>,
    /// Also write an evidence image per scan into this folder (created):
    /// the scan with every flagged region drawn, `STEM.SHA12.png`.
    #[arg(long, value_name = "DIR")]
    pub(crate) evidence: Option<PathBuf>,
    /// Score fusion model (`docscreen calibrate` writes one; default: the
    /// embedded fitted model).
    #[arg(long, value_name = "FILE")]
    fusion: Option<PathBuf>,
    /// Verdict thresholds of this desk of the fusion model: `default`
    /// (98% of genuine scans pass), `consular` (95%, more reviews),
    /// `airport` (99%, fewer reviews).
    #[arg(long, value_name = "NAME")]
    desk: Option<String>,
    /// Lowest score that asks for a review (beats the desk's).
    #[arg(long, value_name = "SCORE")]
    review_at: Option<f32>,
    /// Lowest score that fails the document (beats the desk's).
    #[arg(long, value_name = "SCORE")]
    fail_at: Option<f32>,
}

/// Writes the evidence image of `report` (screened from `bytes`) into
/// `dir`; returns its path. Files that could not be screened have none.
pub(crate) fn write_evidence(
    dir: &Path,
    screener: &Screener,
    file: &Path,
    bytes: &[u8],
    report: &Report,
) -> anyhow::Result<Option<PathBuf>> {
    if report.error.is_some() {
        return Ok(None);
    }
    let png = docscreen_screen::evidence::render_png(bytes, report, &screener.config().limits)?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stem = file
        .file_stem()
        .map_or_else(|| "scan".into(), |s| s.to_string_lossy());
    let out = dir.join(format!(
        "{stem}.{}.png",
        &report.sha256[..12.min(report.sha256.len())]
    ));
    std::fs::write(&out, png).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(Some(out))
}

impl ScreenOptions {
    pub(crate) fn screener(
        &self,
        inference_threads: usize,
        parallel_scans: usize,
    ) -> Result<Screener, Failure> {
        let config = ScreeningConfig {
            templates: self.templates.clone(),
            watchlists: self.watchlist.clone(),
            reference_date: self.date,
            mrz_model: self.mrz_model.clone(),
            fusion: self.fusion.clone(),
            desk: self.desk.clone(),
            review_at: self.review_at,
            fail_at: self.fail_at,
            inference_threads,
            parallel_scans,
            ..ScreeningConfig::default()
        };
        Screener::new(config).map_err(|e| Failure::usage(anyhow!(e)))
    }
}

/// Screen one scan.
#[derive(Debug, Args)]
pub(crate) struct ScreenArgs {
    /// The scan (JPEG, PNG, TIFF, WebP or PDF).
    file: PathBuf,
    /// Print the JSON report instead of the summary.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    options: ScreenOptions,
}

/// Reads at most `limit + 1` bytes: enough to tell the decoder the file is
/// too large without holding all of a huge one.
pub(crate) fn read_limited(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut f = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    f.by_ref().take(limit as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

pub(crate) fn run(args: &ScreenArgs) -> Result<(), Failure> {
    let screener = args.options.screener(2, 1)?;
    let bytes = read_limited(&args.file, screener.config().limits.max_bytes)
        .with_context(|| format!("cannot read {}", args.file.display()))
        .map_err(Failure::usage)?;
    let report = screener.screen(&args.file.display().to_string(), &bytes);
    if let Some(dir) = &args.options.evidence {
        write_evidence(dir, &screener, &args.file, &bytes, &report).map_err(Failure::io)?;
    }
    let text = if args.json {
        serde_json::to_string_pretty(&report).map_err(|e| Failure::io(e.into()))? + "\n"
    } else {
        summary(&report)
    };
    crate::out(&text)
}

/// The report in words, for a person at a terminal.
fn summary(r: &Report) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "{}", r.path);
    if let Some(e) = &r.error {
        let _ = writeln!(s, "  not screened: {e}");
        return s;
    }
    let verdict = r.verdict.map_or("-", docscreen_screen::Verdict::as_str);
    let _ = writeln!(
        s,
        "  verdict: {}  (score {:.2}, {})",
        verdict.to_uppercase(),
        r.score.unwrap_or(0.0),
        r.score_model.as_deref().unwrap_or("-")
    );
    if let Some(d) = &r.document {
        let _ = writeln!(
            s,
            "  document: MRZ {}, orientation {}",
            d.mrz_format.as_deref().unwrap_or("none"),
            d.orientation_deg
                .map_or("unknown".into(), |o| format!("{o}°"))
        );
        if let Some(t) = &d.template {
            let _ = writeln!(s, "  model: {t}");
        }
        for (name, f) in &d.fields {
            let _ = writeln!(
                s,
                "  printed {name:<16} {:<32} {}",
                f.value,
                f.agreement.as_deref().unwrap_or("")
            );
        }
    }
    for c in &r.checks {
        let mark = match c.status {
            Status::Pass => "ok  ",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::NotPerformed => " -- ",
            Status::Error => "ERR ",
        };
        let _ = writeln!(s, "  [{mark}] {:<20} {}", c.id, c.message);
    }
    let _ = writeln!(
        s,
        "  time: {:.0} ms",
        r.timings_ms.get("total").copied().unwrap_or(0.0)
    );
    s
}
