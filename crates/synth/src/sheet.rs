//! Contact sheets: a grid of scans with their labels, to look at a dataset.

use std::path::Path;

use image::{Rgb, RgbImage, imageops};

use crate::text::{self, Fonts};

/// Tiles up to `n` scans of the dataset in `dir` (read from `index.jsonl`)
/// into one PNG at `out`, each captioned with its template, label and kind,
/// genuine and forged side by side where the index allows.
///
/// # Errors
/// A message when the index or an image cannot be read or the sheet written.
pub fn contact_sheet(dir: &Path, out: &Path, n: usize) -> Result<(), String> {
    let fonts = Fonts::shared().map_err(std::string::ToString::to_string)?;
    let index = std::fs::read_to_string(dir.join("index.jsonl"))
        .map_err(|e| format!("cannot read index.jsonl: {e}"))?;
    let rows: Vec<serde_json::Value> = index
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    // Alternate genuine and forged rows so that they sit side by side.
    let (mut genuine, mut forged): (Vec<_>, Vec<_>) =
        rows.iter().partition(|r| r["label"] == "genuine");
    genuine.reverse();
    forged.reverse();
    let mut chosen = Vec::new();
    while chosen.len() < n && (!genuine.is_empty() || !forged.is_empty()) {
        if let Some(g) = genuine.pop() {
            chosen.push(g);
        }
        if let Some(f) = forged.pop() {
            chosen.push(f);
        }
    }
    chosen.truncate(n);
    let (cols, tw, th, caption) = (6u32, 320u32, 240u32, 28u32);
    #[allow(clippy::cast_possible_truncation)]
    let rows_n = (chosen.len() as u32).div_ceil(cols).max(1);
    let mut sheet = RgbImage::from_pixel(cols * tw, rows_n * (th + caption), Rgb([255, 255, 255]));
    let font = &fonts.family(0).regular;
    for (i, row) in chosen.iter().enumerate() {
        let file = row["file"].as_str().unwrap_or_default();
        let img = image::open(dir.join(file))
            .map_err(|e| format!("cannot read {file}: {e}"))?
            .to_rgb8();
        let thumb = imageops::thumbnail(&img, tw - 8, th - 8);
        #[allow(clippy::cast_possible_truncation)]
        let (cx, cy) = ((i as u32 % cols) * tw, (i as u32 / cols) * (th + caption));
        imageops::overlay(
            &mut sheet,
            &thumb,
            i64::from(cx + (tw - thumb.width()) / 2),
            i64::from(cy + caption + (th - thumb.height()) / 2),
        );
        let label = row["label"].as_str().unwrap_or("?");
        let kind = row["kind"].as_str().unwrap_or("");
        let color = if label == "genuine" {
            [20, 110, 40]
        } else {
            [170, 20, 20]
        };
        let t = format!(
            "{} {} {}",
            file,
            row["template"].as_str().unwrap_or(""),
            if kind.is_empty() { label } else { kind }
        );
        #[allow(clippy::cast_precision_loss)]
        text::draw_text(
            &mut sheet,
            font,
            cx as f32 + 4.0,
            cy as f32 + 18.0,
            11.0,
            0.0,
            &t,
            color,
            1.0,
        );
    }
    sheet
        .save(out)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))
}
