//! Reads MRZ line crops (32-px grey PNGs as `mrz_crops` writes them) with
//! the embedded recogniser and prints each character with its probability
//! and candidates.
//! `cargo run --release -p docscreen-ocr --example read_crops -- CROP.png…`
#![allow(clippy::print_stdout, clippy::unwrap_used)] // a developer's tool

fn main() {
    let recogniser = docscreen_ocr::embedded_recogniser(1).unwrap();
    for path in std::env::args().skip(1) {
        let img = image::open(&path).unwrap().to_luma8();
        let crop = docscreen_ocr::LineCrop {
            width: img.width(),
            pixels: img.pixels().map(|p| f32::from(p.0[0]) / 255.0).collect(),
            step_along: 1.0,
            origin: [0.0, 0.0],
            direction: [1.0, 0.0],
        };
        let r = recogniser.read(&[crop]).unwrap().remove(0);
        println!("{path}: {}", r.text());
        for c in &r.chars {
            if c.p < 0.99 {
                println!("  {} {:.2} {:?}", c.ch, c.p, c.candidates);
            }
        }
    }
}
