//! `docscreen templates list|check|add` end to end on the shipped
//! templates: listing, validation, adding a model and refusing a bad one
//! without leaving anything behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn docscreen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docscreen"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("docscreen runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn list_and_check_the_shipped_templates() {
    let out = docscreen(&["templates", "list", "--templates", "testdata/templates"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert_eq!(listing.lines().count(), 12, "{listing}");
    assert!(
        listing.contains("utopia_passport_td3\tTD3\t125×88 mm"),
        "{listing}"
    );
    let out = docscreen(&["templates", "check", "testdata/templates"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).lines().all(|l| l.starts_with("ok\t")));
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "docscreen-templates-cli-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn add(dir: &Path, reference: &Path, zones: &Path, extra: &[&str]) -> Output {
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let (d, r, z) = (s(dir), s(reference), s(zones));
    let mut args = vec![
        "templates",
        "add",
        "--templates",
        &d,
        "--reference",
        &r,
        "--zones",
        &z,
    ];
    args.extend_from_slice(extra);
    docscreen(&args)
}

#[test]
fn add_makes_a_loadable_model_and_refuses_a_bad_one() {
    let dir = scratch("add");
    let src = root().join("testdata/templates/utopia_id_td1");
    let reference = src.join("reference.jpg");
    let zones = src.join("template.json");
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let out = add(&dir, &reference, &zones, &["--id", "copy_of_td1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("added copy_of_td1"));
    assert!(dir.join("copy_of_td1/template.json").is_file());
    assert!(dir.join("copy_of_td1/reference.jpg").is_file());
    let out = docscreen(&["templates", "check", &s(&dir)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Adding it again is refused.
    let again = add(&dir, &reference, &zones, &["--id", "copy_of_td1"]);
    assert_eq!(again.status.code(), Some(2));
    // A zone outside the document: refused with the reason, nothing written.
    let bad = dir.join("bad_zones.json");
    std::fs::write(
        &bad,
        r#"[{"name": "portrait", "kind": "portrait", "rect_mm": [80, 40, 30, 30]}]"#,
    )
    .expect("write");
    let out = add(
        &dir,
        &reference,
        &bad,
        &["--id", "bad_model", "--dpi", "200"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("outside"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.join("bad_model").exists());
    std::fs::remove_dir_all(&dir).expect("clean up");
}
