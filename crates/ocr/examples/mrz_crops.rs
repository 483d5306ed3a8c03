//! Finds the MRZ in the given scans and writes the line crops as PNG.
//! `cargo run --release -p docscreen-ocr --example mrz_crops -- OUT_DIR SCAN…`
//! (`MRZ_CROPS_ALL=1`: every candidate block, `STEM_cK_LINE.png`)
#![allow(
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation
)] // a developer's tool
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().expect("OUT_DIR"));
    std::fs::create_dir_all(&out).expect("out dir");
    for path in args {
        let bytes = std::fs::read(&path).expect("read");
        let decoded =
            docscreen_vision::decode(&bytes, &docscreen_vision::Limits::default()).expect("decode");
        let grey = image::DynamicImage::ImageRgb8(decoded.pages[0].image.clone()).to_luma8();
        let t = std::time::Instant::now();
        let all = std::env::var_os("MRZ_CROPS_ALL").is_some();
        let blocks = docscreen_ocr::find_mrz_candidates(
            &grey,
            if all {
                docscreen_ocr::MAX_CANDIDATES
            } else {
                1
            },
        );
        let ms = t.elapsed().as_secs_f32() * 1e3;
        let stem = std::path::Path::new(&path)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        if blocks.is_empty() {
            eprintln!("{path}: no MRZ ({ms:.1} ms)");
        }
        for (k, b) in blocks.iter().enumerate() {
            {
                eprintln!(
                    "{path}: {} lines ({ms:.1} ms): {:?}",
                    b.lines.len(),
                    b.lines
                        .iter()
                        .map(|l| (l.blobs, l.char_height as u32, l.length() as u32))
                        .collect::<Vec<_>>()
                );
                for (i, l) in b.lines.iter().enumerate() {
                    if let Some(c) = docscreen_ocr::crop_line(&grey, l) {
                        c.to_image()
                            .save(out.join(if all {
                                format!("{stem}_c{k}_{i}.png")
                            } else {
                                format!("{stem}_{i}.png")
                            }))
                            .expect("save");
                    }
                }
            }
        }
    }
}
