//! `docscreen mrz`: MRZ text in, one JSON object per MRZ out.

use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, anyhow};
use clap::Args;
use docscreen_mrz::{Date, Mrz, Repair, parse_lines, repair_text};
use serde_json::{Map, Value, json};

use crate::Failure;

#[derive(Debug, Args)]
pub(crate) struct MrzArgs {
    /// File of MRZs, one per paragraph (blank lines between MRZs); stdin
    /// when absent or `-`.
    file: Option<PathBuf>,
    /// Read JSON Lines: objects with a `lines` array; their other keys are
    /// copied to the output.
    #[arg(long)]
    jsonl: bool,
    /// Reference date for expiry and century inference (YYYY-MM-DD; default
    /// today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<Date>,
    /// Repair OCR confusions (O/0, I/1, S/5, <//K, …) under the check digits
    /// when the MRZ is invalid; every substitution is listed in `repairs`.
    #[arg(long)]
    repair: bool,
    /// Indent the JSON (one object per paragraph instead of per line).
    #[arg(long)]
    pretty: bool,
}

/// One MRZ to process: its lines and the keys to copy.
struct Item {
    lines: Vec<String>,
    extra: Map<String, Value>,
}

fn read_input(args: &MrzArgs) -> Result<String, Failure> {
    let mut text = String::new();
    match args.file.as_deref() {
        None => std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read standard input")
            .map_err(Failure::io)?,
        Some(p) if p.as_os_str() == "-" => std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read standard input")
            .map_err(Failure::io)?,
        Some(p) => {
            text = std::fs::read_to_string(p)
                .with_context(|| {
                    format!(
                        "cannot read {}: give a readable UTF-8 text file, or - for stdin",
                        p.display()
                    )
                })
                .map_err(Failure::usage)?;
            text.len()
        }
    };
    Ok(text)
}

fn items(text: &str, jsonl: bool) -> Result<Vec<Item>, Failure> {
    if jsonl {
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = |why: &str| Failure::usage(anyhow!("input line {}: {why}", n + 1));
            let Value::Object(mut obj) =
                serde_json::from_str::<Value>(line).map_err(|e| bad(&format!("not JSON ({e})")))?
            else {
                return Err(bad("expected a JSON object with a \"lines\" array"));
            };
            let lines = match obj.remove("lines") {
                Some(Value::Array(a)) => a
                    .into_iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| bad("\"lines\" must hold strings"))?,
                _ => return Err(bad("expected a \"lines\" array of strings")),
            };
            out.push(Item { lines, extra: obj });
        }
        Ok(out)
    } else {
        let mut out = Vec::new();
        let mut cur: Vec<String> = Vec::new();
        for line in text.lines().chain(std::iter::once("")) {
            if line.trim().is_empty() {
                if !cur.is_empty() {
                    out.push(Item {
                        lines: std::mem::take(&mut cur),
                        extra: Map::new(),
                    });
                }
            } else {
                cur.push(line.trim().to_owned());
            }
        }
        Ok(out)
    }
}

/// The output object of one MRZ (the `docscreen mrz` contract).
pub(crate) fn report(
    mrz: &Mrz,
    repair: Option<&Repair>,
    original: &[String],
) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert(
        "format".into(),
        json!(mrz.format.map(docscreen_mrz::Format::as_str)),
    );
    o.insert("valid".into(), json!(mrz.is_valid()));
    o.insert("lines".into(), json!(mrz.lines));
    o.insert("fields".into(), json!(mrz.fields));
    o.insert("checks".into(), json!(mrz.checks));
    o.insert("specimen".into(), json!(mrz.is_specimen()));
    o.insert("expired".into(), json!(mrz.is_expired()));
    o.insert("reference_date".into(), json!(mrz.reference_date));
    o.insert(
        "repairs".into(),
        json!(repair.map(|r| r.substitutions.clone()).unwrap_or_default()),
    );
    if repair.is_some() {
        o.insert("original_lines".into(), json!(original));
    }
    o
}

pub(crate) fn run(args: &MrzArgs) -> Result<(), Failure> {
    let reference = args.date.unwrap_or_else(Date::today_utc);
    let text = read_input(args)?;
    let items = items(&text, args.jsonl)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for item in items {
        let mut mrz = parse_lines(&item.lines, reference);
        let mut repair = None;
        if args.repair && !mrz.is_valid() {
            let refs: Vec<&str> = item.lines.iter().map(String::as_str).collect();
            if let Some(r) = repair_text(&refs, reference).filter(|r| r.mrz.is_valid()) {
                mrz = r.mrz.clone();
                repair = Some(r);
            }
        }
        let mut obj = report(&mrz, repair.as_ref(), &item.lines);
        for (k, v) in item.extra {
            obj.entry(k).or_insert(v);
        }
        let value = Value::Object(obj);
        let written = if args.pretty {
            serde_json::to_writer_pretty(&mut out, &value)
        } else {
            serde_json::to_writer(&mut out, &value)
        };
        written.map_err(|e| Failure::io(e.into()))?;
        if let Err(e) = writeln!(out) {
            return broken_pipe_is_fine(e);
        }
    }
    out.flush().or_else(broken_pipe_is_fine)
}

/// A closed pipe (`docscreen mrz … | head`) ends the run quietly.
fn broken_pipe_is_fine(e: std::io::Error) -> Result<(), Failure> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(Failure::io(anyhow!(e).context("cannot write output")))
    }
}
