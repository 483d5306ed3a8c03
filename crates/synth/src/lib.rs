//! Synthetic documents for docscreen: invented document models, scans and
//! forgeries with ground truth.
//!
//! ```no_run
//! use docscreen_synth::dataset::{SynthConfig, write_dataset};
//! let summary = write_dataset(std::path::Path::new("out"), &SynthConfig::default(), &|_| {}).unwrap();
//! assert_eq!(summary.written, 24);
//! ```
#![deny(missing_docs)]
// Geometry and pixel maths read best with their conventional short names
// (x, y, u, v, w, h, k for pixels per mm).
#![allow(clippy::many_single_char_names)]

pub mod dataset;
pub mod digital;
pub mod forge;
pub mod model;
pub mod person;
pub mod render;
pub mod scan;
pub mod security;
pub mod sheet;
pub mod template;
pub mod text;

/// The random generator of every synthetic choice: seeded, portable and
/// stable across platforms and versions (`ChaCha8`), so a seed always gives the
/// same bytes.
pub type SynthRng = rand_chacha::ChaCha8Rng;

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn rng_is_stable() {
        let mut r = SynthRng::seed_from_u64(7);
        let x: u32 = r.random_range(0..1000);
        let y: f32 = r.random();
        assert!(x < 1000 && (0.0..1.0).contains(&y));
    }
}
