//! `docscreen templates list|check|add`: the document models a
//! `--templates` folder holds, validated and prepared exactly as screening
//! loads them; `add` makes a new one from a blank reference image and a
//! zones file.

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
    /// Adds a document model: copies the reference image and writes
    /// `template.json` into `TEMPLATES/ID/`, then loads it as screening
    /// would (refused, and nothing left behind, when invalid).
    Add(AddArgs),
}

#[derive(Debug, Args)]
struct AddArgs {
    /// Folder of template folders to add to (created).
    #[arg(long)]
    templates: PathBuf,
    /// A blank genuine specimen of the document (no personal data),
    /// cropped to the document's edges.
    #[arg(long)]
    reference: PathBuf,
    /// JSON file with the zones: a list of `{"name", "kind", "rect_mm"}`,
    /// or an object with `zones` and any other `template.json` fields.
    #[arg(long)]
    zones: PathBuf,
    /// Model id (lowercase, digits, `_`, `-`); overrides the zones file.
    #[arg(long)]
    id: Option<String>,
    /// Human name; overrides the zones file.
    #[arg(long)]
    name: Option<String>,
    /// The reference image's resolution; overrides the zones file.
    #[arg(long)]
    dpi: Option<f64>,
    /// MRZ format (`TD1`, `TD2`, `TD3`, `MRVA`, `MRVB`, `FRID`); overrides
    /// the zones file.
    #[arg(long)]
    mrz_format: Option<String>,
}

pub(crate) fn run(args: &TemplatesArgs) -> Result<(), Failure> {
    let (dir, check) = match &args.command {
        TemplatesCommand::List { templates } => (templates, false),
        TemplatesCommand::Check { dir } => (dir, true),
        TemplatesCommand::Add(a) => return add(a),
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

fn add(a: &AddArgs) -> Result<(), Failure> {
    let usage = |m: String| Failure::usage(anyhow!(m));
    let text = std::fs::read_to_string(&a.zones)
        .map_err(|e| usage(format!("{}: {e}", a.zones.display())))?;
    let given: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| usage(format!("{}: not JSON: {e}", a.zones.display())))?;
    let mut spec = match given {
        serde_json::Value::Array(z) => serde_json::json!({ "zones": z }),
        v @ serde_json::Value::Object(_) => v,
        _ => {
            return Err(usage(format!(
                "{}: expected a list of zones or an object",
                a.zones.display()
            )));
        }
    };
    let ext = a
        .reference
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| usage(format!("{}: no file extension", a.reference.display())))?;
    let bytes = std::fs::read(&a.reference)
        .map_err(|e| usage(format!("{}: {e}", a.reference.display())))?;
    let limits = docscreen_screen::ScreeningConfig::default().limits;
    let decoded = docscreen_vision::decode(&bytes, &limits)
        .map_err(|e| usage(format!("{}: {e}", a.reference.display())))?;
    let page = decoded
        .pages
        .first()
        .ok_or_else(|| usage(format!("{}: no image", a.reference.display())))?;
    let obj = spec
        .as_object_mut()
        .ok_or_else(|| usage("zones file".into()))?;
    for (k, v) in [
        ("id", a.id.clone().map(serde_json::Value::from)),
        ("name", a.name.clone().map(serde_json::Value::from)),
        ("reference_dpi", a.dpi.map(serde_json::Value::from)),
        (
            "mrz_format",
            a.mrz_format.clone().map(serde_json::Value::from),
        ),
    ] {
        if let Some(v) = v {
            obj.insert(k.into(), v);
        }
    }
    let dpi = obj
        .get("reference_dpi")
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| usage("the reference's resolution is needed: --dpi".into()))?;
    if !obj.contains_key("size_mm") {
        let mm = |px: u32| (f64::from(px) / dpi * 25.4 * 100.0).round() / 100.0;
        obj.insert(
            "size_mm".into(),
            serde_json::json!([mm(page.image.width()), mm(page.image.height())]),
        );
    }
    obj.entry("mrz_format").or_insert(serde_json::Value::Null);
    let id = obj
        .get("id")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| usage("the model needs an id: --id".into()))?
        .to_owned();
    obj.entry("name")
        .or_insert_with(|| serde_json::Value::from(id.clone()));
    let file = format!("reference.{ext}");
    obj.insert(
        "reference_image".into(),
        serde_json::Value::from(file.clone()),
    );
    let spec: docscreen_screen::TemplateSpec =
        serde_json::from_value(spec).map_err(|e| usage(format!("not a valid template: {e}")))?;
    let problems = spec.problems();
    if !problems.is_empty() {
        return Err(usage(problems.join("; ")));
    }
    let folder = a.templates.join(&id);
    if folder.exists() {
        return Err(usage(format!(
            "{} exists: remove it first to replace the model",
            folder.display()
        )));
    }
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(&folder)?;
        std::fs::write(folder.join(&file), &bytes)?;
        let json = serde_json::to_vec_pretty(&spec).map_err(std::io::Error::other)?;
        std::fs::write(folder.join("template.json"), json)
    };
    write().map_err(|e| Failure::io(anyhow!("{}: {e}", folder.display())))?;
    match Template::load(&folder, &limits) {
        Ok(t) => crate::out(&format!(
            "added {} ({} zones, sha256 {}) in {}\n",
            t.spec.id,
            t.spec.zones.len(),
            &t.sha256[..12],
            folder.display()
        )),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&folder);
            Err(usage(e.to_string()))
        }
    }
}
