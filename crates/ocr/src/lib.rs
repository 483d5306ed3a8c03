//! Reading the MRZ of a scan: [`find_mrz`] finds the block of MRZ lines at
//! any rotation, [`crop_line`] cuts each line out in the recogniser's
//! geometry, and the recogniser (an ONNX CTC model) reads them.
#![deny(missing_docs)]

mod crop;
mod locate;

pub use crop::{CROP_HEIGHT, LineCrop, crop_line};
pub use locate::{LineGeometry, MrzBlock, find_mrz};
