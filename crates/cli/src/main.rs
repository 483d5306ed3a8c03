//! `docscreen`: the command-line face of docscreen.
//!
//! Exit codes: 0 on success (whatever the verdicts), 1 on an I/O failure
//! while running, 2 on a usage error (bad flags, unreadable input).

mod mrz_cmd;
mod synth_cmd;

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
    /// Parse and validate MRZ text (ICAO Doc 9303): one JSON object per MRZ.
    Mrz(mrz_cmd::MrzArgs),
    /// Generate synthetic document scans, forgeries and ground truth.
    Synth(synth_cmd::SynthArgs),
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Mrz(args) => mrz_cmd::run(&args),
        Command::Synth(args) => synth_cmd::run(&args),
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
