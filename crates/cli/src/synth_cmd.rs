//! `docscreen synth`: writes a synthetic dataset (scans, ground truth,
//! `index.jsonl`, `templates/`).

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;
use docscreen_mrz::Date;
use docscreen_synth::dataset::{SynthConfig, write_dataset};
use docscreen_synth::forge::ForgeryKind;
use docscreen_synth::model::catalogue;

use crate::Failure;

#[derive(Debug, Args)]
pub(crate) struct SynthArgs {
    /// Output folder (created).
    #[arg(long)]
    out: PathBuf,
    /// Number of scans.
    #[arg(long, default_value_t = 24)]
    count: usize,
    /// Seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Forgery kinds to draw from, comma-separated (default: all):
    /// `mrz_alteration`, `mrz_recreation`, `photo_substitution`,
    /// `printed_data_alteration`, `copy_move`, `counterfeit`.
    #[arg(long, value_delimiter = ',')]
    kinds: Vec<String>,
    /// Model ids to draw from, comma-separated (default: all; `--list-models`).
    #[arg(long, value_delimiter = ',')]
    models: Vec<String>,
    /// Share of genuine scans (0-1).
    #[arg(long, default_value_t = 0.4)]
    genuine_fraction: f32,
    /// The generated documents' "today" (YYYY-MM-DD).
    #[arg(long, default_value = "2026-01-01")]
    date: Date,
    /// Clean scans: upright, no noise or blur, PNG (for tests).
    #[arg(long)]
    clean: bool,
    /// Share of forgeries (other than counterfeits) made on the scan file
    /// after scanning — retyped, spliced from another file or cloned — instead
    /// of on paper before it (0-1).
    #[arg(long, default_value_t = 0.5)]
    digital_fraction: f32,
    /// Also write a contact sheet of up to 24 scans to this PNG.
    #[arg(long)]
    contact_sheet: Option<PathBuf>,
    /// Threads (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// List the model ids and exit.
    #[arg(long)]
    list_models: bool,
    /// Write only the models' templates (compact 200-dpi JPEG references,
    /// as shipped in `testdata/templates/`) into `--out`, no scans.
    #[arg(long)]
    templates_only: bool,
}

pub(crate) fn run(args: &SynthArgs) -> Result<(), Failure> {
    #[allow(clippy::print_stdout)] // the command's output
    if args.list_models {
        for m in catalogue() {
            println!(
                "{}\t{}\t{}",
                m.id,
                m.mrz.map_or("-", docscreen_mrz::Format::as_str),
                m.name
            );
        }
        return Ok(());
    }
    if args.templates_only {
        let fonts = docscreen_synth::text::Fonts::load().map_err(|e| Failure::io(anyhow!(e)))?;
        let models: Vec<_> = catalogue()
            .into_iter()
            .filter(|m| args.models.is_empty() || args.models.iter().any(|id| id == m.id))
            .collect();
        for m in &models {
            docscreen_synth::template::export_compact(m, &fonts, &args.out, 200)
                .map_err(|e| Failure::io(anyhow!("{}: {e}", args.out.display())))?;
        }
        return crate::out(&format!(
            "wrote {} templates to {}\n",
            models.len(),
            args.out.display()
        ));
    }
    let kinds = args
        .kinds
        .iter()
        .map(|k| {
            ForgeryKind::from_name(k).ok_or_else(|| {
                let known: Vec<_> = ForgeryKind::ALL.iter().map(|k| k.as_str()).collect();
                Failure::usage(anyhow!(
                    "unknown forgery kind {k:?}; known: {}",
                    known.join(", ")
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !(0.0..=1.0).contains(&args.genuine_fraction) {
        return Err(Failure::usage(anyhow!(
            "--genuine-fraction must be between 0 and 1"
        )));
    }
    if !(0.0..=1.0).contains(&args.digital_fraction) {
        return Err(Failure::usage(anyhow!(
            "--digital-fraction must be between 0 and 1"
        )));
    }
    let config = SynthConfig {
        count: args.count,
        seed: args.seed,
        kinds,
        models: args.models.clone(),
        genuine_fraction: args.genuine_fraction,
        reference_date: args.date,
        clean: args.clean,
        digital_fraction: args.digital_fraction,
    };
    if let Some(j) = args.jobs {
        rayon::ThreadPoolBuilder::new()
            .num_threads(j.max(1))
            .build_global()
            .map_err(|e| Failure::io(anyhow!(e)))?;
    }
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(args.count as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let summary = write_dataset(&args.out, &config, &|n| bar.set_position(n as u64)).map_err(
        |e| match e {
            docscreen_synth::dataset::SynthError::Unknown { .. } => Failure::usage(anyhow!(e)),
            e => Failure::io(anyhow!(e)),
        },
    )?;
    bar.finish_and_clear();
    if let Some(sheet) = &args.contact_sheet {
        docscreen_synth::sheet::contact_sheet(&args.out, sheet, 24)
            .map_err(|e| Failure::io(anyhow!(e)))?;
    }
    #[allow(clippy::cast_precision_loss, clippy::print_stderr)] // a human summary on stderr
    {
        eprintln!(
            "wrote {} scans to {} in {:.1} s ({:.2} scans/s)",
            summary.written,
            args.out.display(),
            summary.seconds,
            summary.written as f64 / summary.seconds.max(1e-9)
        );
        for (model, counts) in &summary.counts {
            let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k}={n}")).collect();
            eprintln!("  {model}: {}", parts.join(" "));
        }
    }
    Ok(())
}
