//! `docscreen templates list|check`: the document models a `--templates`
//! folder holds, validated and prepared exactly as screening loads them.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::anyhow;
use clap::{Args, Subcommand};
use docscreen_screen::templates::{Template, template_dirs};

use crate::Failure;

#[derive(Debug, Args)]
pub(crate) struct TemplatesArgs {
    #[command(subcommand)]
    command: TemplatesCommand,
}

#[derive(Debug, Subcommand)]
enum TemplatesCommand {
    /// One line per template: id, MRZ format, size, zones, sha256, name.
    List {
        /// Folder of template folders.
        #[arg(long, default_value = "testdata/templates")]
        templates: PathBuf,
    },
    /// Validates every template folder and says what is wrong with each;
    /// exit 1 when any is invalid.
    Check {
        /// Folder of template folders (or one template folder).
        #[arg(default_value = "testdata/templates")]
        dir: PathBuf,
    },
}

pub(crate) fn run(args: &TemplatesArgs) -> Result<(), Failure> {
    let (dir, check) = match &args.command {
        TemplatesCommand::List { templates } => (templates, false),
        TemplatesCommand::Check { dir } => (dir, true),
    };
    let dirs = template_dirs(dir).map_err(|e| Failure::usage(anyhow!(e)))?;
    if dirs.is_empty() {
        return Err(Failure::usage(anyhow!(
            "{}: no template folder (one holding template.json) in it",
            dir.display()
        )));
    }
    let limits = docscreen_screen::ScreeningConfig::default().limits;
    let mut text = String::new();
    let mut bad = 0;
    for d in &dirs {
        match Template::load(d, &limits) {
            Ok(t) => {
                let s = &t.spec;
                let _ = writeln!(
                    text,
                    "{}{}\t{}\t{}×{} mm\t{} zones\t{}\t{}",
                    if check { "ok\t" } else { "" },
                    s.id,
                    s.mrz_format.as_deref().unwrap_or("-"),
                    s.size_mm[0],
                    s.size_mm[1],
                    s.zones.len(),
                    &t.sha256[..12],
                    s.name
                );
            }
            Err(e) => {
                bad += 1;
                let _ = writeln!(text, "invalid\t{e}");
            }
        }
    }
    crate::out(&text)?;
    if bad > 0 {
        return Err(Failure::io(anyhow!(
            "{bad} of {} templates are invalid",
            dirs.len()
        )));
    }
    Ok(())
}
