//! `docscreen`: the command-line face of docscreen.
//!
//! Exit codes: 0 on success (whatever the verdicts), 1 on an I/O failure
//! while running, 2 on a usage error (bad flags, unreadable input).

mod batch_cmd;
mod calibrate_cmd;
mod keys_cmd;
mod mrz_cmd;
mod screen_cmd;
mod serve_cmd;
mod synth_cmd;
mod templates_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Screens scanned travel and civil documents for forgery.
#[derive(Debug, Parser)]
#[command(name = "docscreen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Screen one scan: a verdict with its reasons, or the JSON report.
    Screen(screen_cmd::ScreenArgs),
    /// Screen folders of scans in parallel into a resumable JSON Lines report.
    Batch(batch_cmd::BatchArgs),
    /// Fit the score fusion on batch reports of generated scans and their
    /// ground truth, and write the fusion file.
    Calibrate(calibrate_cmd::CalibrateArgs),
    /// Parse and validate MRZ text (ICAO Doc 9303): one JSON object per MRZ.
    Mrz(mrz_cmd::MrzArgs),
    /// Generate synthetic document scans, forgeries and ground truth.
    Synth(synth_cmd::SynthArgs),
    /// List and validate document models (templates).
    Templates(templates_cmd::TemplatesArgs),
    /// Serve the HTTP API and the officers' web page.
    Serve(serve_cmd::ServeArgs),
    /// Manage the service's API keys (add prints the key as its last line).
    Keys(keys_cmd::KeysArgs),
}

/// An error with the exit code it maps to.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) error: anyhow::Error,
}

impl Failure {
    pub(crate) fn usage(error: anyhow::Error) -> Self {
        Self { code: 2, error }
    }

    pub(crate) fn io(error: anyhow::Error) -> Self {
        Self { code: 1, error }
    }
}

/// Writes a command's output to stdout; a closed pipe (`| head`) is fine.
pub(crate) fn out(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::io(e.into())),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to stderr; personal data (MRZ contents, names) only at debug.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DOCSCREEN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let result = match cli.command {
        Command::Screen(args) => screen_cmd::run(&args),
        Command::Batch(args) => batch_cmd::run(&args),
        Command::Calibrate(args) => calibrate_cmd::run(&args),
        Command::Mrz(args) => mrz_cmd::run(&args),
        Command::Synth(args) => synth_cmd::run(&args),
        Command::Templates(args) => templates_cmd::run(&args),
        Command::Serve(args) => serve_cmd::run(&args),
        Command::Keys(args) => keys_cmd::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            #[allow(clippy::print_stderr)] // the CLI's one error channel
            {
                eprintln!("error: {:#}", f.error);
            }
            ExitCode::from(f.code)
        }
    }
}
