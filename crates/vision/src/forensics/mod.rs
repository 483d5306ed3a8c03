//! Template-free forensics: traces of pasting, cloning and re-saving that
//! show without any model of the document.
//!
//! Four independent detectors, each a pure function of the decoded page,
//! the document's corners (to look at the document only) and, for the JPEG
//! check, the file's bytes:
//!
//! - [`copy_move`]: a patch of the document repeated elsewhere on it, also
//!   slightly rotated or scaled; reports source and destination.
//! - [`compression`]: regions compressed once where the page carries two
//!   JPEG compressions (edited after the scan and saved again: retyped,
//!   pasted from another JPEG on its own grid, or cloned off the grid).
//! - [`noise`]: regions whose scanner-noise level differs from the rest.
//! - [`edges`]: long, straight step edges sharper than the page's own print
//!   (a photo or a patch laid over the page after it was printed).
//!
//! Every detector works on the document's bounding box only, at reduced
//! resolution (or on a subsample of rows) except `compression`, which
//! reads the 8×8 blocks at full resolution (about 15 ms on one core for a
//! 300-dpi passport scan). Scores are 0..1
//! and monotone in the strength of the evidence; thresholds for a status
//! belong to the caller.

mod compression;
mod copy_move;
mod dq;
mod edges;
mod keys;
mod near;
mod noise;
mod twins;
mod work;

pub use compression::{compression, estimate_quality, luma_quant_table};
pub use copy_move::{EXACT_TWIN_SCORE, copy_move};
pub use edges::edges;
pub use noise::noise;
pub use work::components;

use image::RgbImage;

use crate::Page;

/// The grey (Rec. 601 luma, 0..255) of the input-pixel box
/// `[x0, y0, x1, y1]`, box-averaged by `factor` (cells that would overhang
/// are dropped): `(width, height, row-major values)`. The detectors' own
/// reduction, for other template-free checks on the same page.
#[must_use]
pub fn reduced_grey(img: &RgbImage, bbox: [u32; 4], factor: u32) -> (usize, usize, Vec<f32>) {
    let [x0, y0, x1, y1] = bbox;
    let g = work::reduce(img, work::PxBox { x0, y0, x1, y1 }, factor);
    (g.w, g.h, g.px)
}

/// A place where evidence is, in input pixels of the decoded page.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// What the place is (`source`, `destination`, `region`…).
    pub label: String,
    /// Its corners, clockwise from the top-left, input pixels.
    pub quad: [[f32; 2]; 4],
}

/// One detector's finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// 0 (nothing) to 1 (strong evidence).
    pub score: f32,
    /// What was found, in words an officer understands.
    pub message: String,
    /// Where (empty when nothing was found).
    pub regions: Vec<Evidence>,
    /// `false` when the detector could not run (e.g. the JPEG check on a
    /// PNG); `message` says why.
    pub performed: bool,
}

impl Finding {
    fn nothing(message: impl Into<String>) -> Self {
        Self {
            score: 0.0,
            message: message.into(),
            regions: Vec::new(),
            performed: true,
        }
    }

    fn not_performed(message: impl Into<String>) -> Self {
        Self {
            performed: false,
            ..Self::nothing(message)
        }
    }
}

/// The four findings of one page.
#[derive(Debug, Clone, PartialEq)]
pub struct Forensics {
    /// [`copy_move`].
    pub copy_move: Finding,
    /// [`compression`].
    pub compression: Finding,
    /// [`noise`].
    pub noise: Finding,
    /// [`edges`].
    pub edges: Finding,
}

/// Runs the four detectors on `page` (document `corners` from
/// [`crate::locate_document`] when known; the file's `bytes` for the JPEG
/// check).
#[must_use]
pub fn analyse(page: &Page, bytes: &[u8], corners: Option<&[[f32; 2]; 4]>) -> Forensics {
    Forensics {
        copy_move: copy_move(page, corners),
        compression: compression(page, bytes, corners),
        noise: noise(page, corners),
        edges: edges(page, corners),
    }
}
