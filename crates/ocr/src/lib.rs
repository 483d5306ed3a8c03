//! Reading the MRZ of a scan: [`find_mrz`] finds the block of MRZ lines at
//! any rotation, [`crop_line`] cuts each line out in the recogniser's
//! geometry, the [`Recogniser`] (an ONNX CTC model trained by
//! `models/mrz_ocr/train.py`) reads them with per-character confidences,
//! and [`read_mrz`] puts it together: reading direction, line lengths,
//! parsing and a check-digit repair limited to characters the model was
//! unsure of.
#![deny(missing_docs)]
// Pixel geometry: coordinates and counts are bounded by the decoder's
// limits (sides ≤ 2¹⁶), far inside f32's exact range; x, y, u, v, d, n are
// the names the geometry has on paper.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    clippy::many_single_char_names,
    clippy::similar_names
)]

mod crop;
mod locate;
mod read;
mod recognise;
mod viz;

pub use crop::{
    CROP_CAP, CROP_HEIGHT, CROP_MAX_WIDTH, CROP_MID, CROP_PAD, CROP_SQUEEZE, LineCrop, crop_line,
    crop_line_as,
};
pub use locate::{LineGeometry, MrzBlock, TextGlyphs, find_mrz, find_mrz_candidates, ink_grey};
pub use read::{
    CROP_PITCH, MAX_CANDIDATES, MrzReading, REPAIR_CONFIDENT, ReadChar, read_block,
    read_candidates, read_more_candidates, read_mrz,
};
pub use recognise::{
    CHARSET, CharReading, LineReading, POSITION_WEIGHT, Recogniser, Spacing, decode, decode_exact,
    decode_with,
};
pub use viz::{
    EMBEDDED_VIZ_MODEL, EMBEDDED_VIZ_MODEL_SHA256, SEARCH_PX_PER_MM, TextBand, VIZ_CHARSET,
    VIZ_CROP_BAND, crop_zone, embedded_viz_recogniser, text_band,
};

/// The MRZ recogniser shipped with docscreen (`models/mrz_ocr/`), embedded
/// in the binary so that an installed `docscreen` needs no model path.
pub const EMBEDDED_MODEL: &[u8] = include_bytes!("../../../models/mrz_ocr/mrz_ocr.onnx");

/// The sha256 its model card records.
pub const EMBEDDED_MODEL_SHA256: &str = include_str!("../../../models/mrz_ocr/mrz_ocr.onnx.sha256");

/// Loads the embedded recogniser, checking it against its model card.
///
/// # Errors
/// A missing ONNX Runtime (a clear error naming the fix), or a checksum
/// mismatch.
pub fn embedded_recogniser(
    threads: usize,
) -> Result<Recogniser, docscreen_inference::InferenceError> {
    Recogniser::from_bytes(EMBEDDED_MODEL, Some(EMBEDDED_MODEL_SHA256.trim()), threads)
}

/// The embedded recogniser with `sessions` ONNX sessions (one per thread
/// that screens at once).
///
/// # Errors
/// As [`embedded_recogniser`].
pub fn embedded_recogniser_pooled(
    threads: usize,
    sessions: usize,
) -> Result<Recogniser, docscreen_inference::InferenceError> {
    Recogniser::from_bytes_pooled(
        EMBEDDED_MODEL,
        Some(EMBEDDED_MODEL_SHA256.trim()),
        threads,
        sessions,
    )
}
