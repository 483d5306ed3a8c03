//! The MRZ line recogniser: an ONNX CTC model (`models/mrz_ocr/`) over
//! line crops, decoded greedily with a confidence and runner-up
//! candidates for every character.

use std::path::Path;

use docscreen_inference::{InferenceError, Model};
use ndarray::{Array4, Axis};

use crate::crop::{CROP_HEIGHT, LineCrop};

/// The classes after the CTC blank (class 0), in the model's order.
pub const CHARSET: &str = "<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Columns of the crop per output frame.
const FRAME_STRIDE: usize = 4;

/// One character read.
#[derive(Debug, Clone, PartialEq)]
pub struct CharReading {
    /// The character.
    pub ch: char,
    /// Its probability (the peak over the frames that emitted it).
    pub p: f32,
    /// Up to three candidates, most likely first (the character itself
    /// included), with probabilities renormalised without the blank.
    pub candidates: Vec<(char, f32)>,
    /// The crop column at the character's peak frame.
    pub column: f32,
}

/// One line read.
#[derive(Debug, Clone, PartialEq)]
pub struct LineReading {
    /// The characters, in reading order.
    pub chars: Vec<CharReading>,
    /// Mean log-probability of the best path per frame: how sure the model
    /// is of the whole line (used to pick the reading direction).
    pub mean_log_p: f32,
}

impl LineReading {
    /// The text read.
    #[must_use]
    pub fn text(&self) -> String {
        self.chars.iter().map(|c| c.ch).collect()
    }
}

/// The loaded recogniser, shareable across threads.
#[derive(Debug)]
pub struct Recogniser {
    model: Model,
    /// The classes after the blank, in the model's order.
    charset: Vec<char>,
}

impl Recogniser {
    /// Loads the model at `path`, checking its sha256 when given.
    ///
    /// # Errors
    /// As [`Model::load`].
    pub fn load(path: &Path, sha256: Option<&str>, threads: usize) -> Result<Self, InferenceError> {
        Ok(Self {
            model: Model::load(path, sha256, threads)?,
            charset: CHARSET.chars().collect(),
        })
    }

    /// The recogniser from model bytes, checking their sha256 when given.
    ///
    /// # Errors
    /// As [`Model::from_bytes`].
    pub fn from_bytes(
        bytes: &[u8],
        sha256: Option<&str>,
        threads: usize,
    ) -> Result<Self, InferenceError> {
        Self::from_bytes_pooled(bytes, sha256, threads, 1)
    }

    /// The same with `sessions` sessions, for as many threads reading at
    /// once.
    ///
    /// # Errors
    /// As [`Model::from_bytes`].
    pub fn from_bytes_pooled(
        bytes: &[u8],
        sha256: Option<&str>,
        threads: usize,
        sessions: usize,
    ) -> Result<Self, InferenceError> {
        Ok(Self {
            model: Model::from_bytes(bytes, sha256, threads)?
                .with_sessions(bytes, sessions, threads)?,
            charset: CHARSET.chars().collect(),
        })
    }

    /// The same recogniser architecture over another character set (the
    /// VIZ model's, [`crate::VIZ_CHARSET`]): `charset` lists the classes
    /// after the CTC blank in the model's order.
    #[must_use]
    pub fn with_charset(mut self, charset: &str) -> Self {
        self.charset = charset.chars().collect();
        self
    }

    /// The model file's sha256.
    #[must_use]
    pub fn sha256(&self) -> &str {
        &self.model.sha256
    }

    /// Reads every crop in one batch (padded with each crop's paper tone).
    ///
    /// # Errors
    /// [`InferenceError::Runtime`] when the model refuses the input.
    pub fn read(&self, crops: &[LineCrop]) -> Result<Vec<LineReading>, InferenceError> {
        let Some(width) = crops.iter().map(|c| c.width as usize).max() else {
            return Ok(Vec::new());
        };
        let h = CROP_HEIGHT as usize;
        let mut input = Array4::<f32>::zeros((crops.len(), 1, h, width));
        for (n, c) in crops.iter().enumerate() {
            let paper = paper_tone(&c.pixels);
            let w = c.width as usize;
            for y in 0..h {
                for x in 0..width {
                    input[[n, 0, y, x]] = if x < w { c.pixels[y * w + x] } else { paper };
                }
            }
        }
        let out = self.model.run(input.view().into_dyn())?;
        let logp = out
            .into_iter()
            .next()
            .ok_or_else(|| InferenceError::Runtime("the recogniser gave no output".into()))?;
        if logp.ndim() != 3
            || logp.shape()[0] != crops.len()
            || logp.shape()[2] != self.charset.len() + 1
        {
            return Err(InferenceError::Runtime(format!(
                "the recogniser's output has shape {:?}, expected [{}, T, {}]",
                logp.shape(),
                crops.len(),
                self.charset.len() + 1
            )));
        }
        Ok(crops
            .iter()
            .enumerate()
            .map(|(n, c)| {
                let frames = (c.width as usize / FRAME_STRIDE).min(logp.shape()[1]);
                let m = logp.index_axis(Axis(0), n);
                let rows: Vec<Vec<f32>> = (0..frames)
                    .map(|t| m.index_axis(Axis(0), t).iter().copied().collect())
                    .collect();
                decode_with(&rows, &self.charset)
            })
            .collect())
    }
}

/// The crop's paper tone: its 90th-percentile grey.
fn paper_tone(px: &[f32]) -> f32 {
    let mut hist = [0u32; 64];
    for v in px {
        #[allow(clippy::cast_sign_loss)] // clamped to [0, 63]
        let b = (v.clamp(0.0, 1.0) * 63.0) as usize;
        hist[b] += 1;
    }
    let target = px.len() * 9 / 10;
    let mut seen = 0usize;
    for (b, n) in hist.iter().enumerate() {
        seen += *n as usize;
        if seen >= target {
            #[allow(clippy::cast_precision_loss)] // < 64
            return b as f32 / 63.0;
        }
    }
    1.0
}

/// Greedy CTC decoding of per-frame log-probabilities (`frames[t][class]`,
/// class 0 the blank).
#[must_use]
pub fn decode(frames: &[Vec<f32>]) -> LineReading {
    let charset: Vec<char> = CHARSET.chars().collect();
    decode_with(frames, &charset)
}

/// [`decode`] over any character set (`charset[k - 1]` is class `k`).
#[must_use]
pub fn decode_with(frames: &[Vec<f32>], charset: &[char]) -> LineReading {
    let mut chars: Vec<CharReading> = Vec::new();
    let mut prev = 0usize;
    let mut total = 0.0f32;
    for (t, row) in frames.iter().enumerate() {
        let (best, lp) =
            row.iter()
                .enumerate()
                .fold((0usize, f32::NEG_INFINITY), |acc, (k, &v)| {
                    if v > acc.1 { (k, v) } else { acc }
                });
        total += lp;
        #[allow(clippy::cast_precision_loss)] // frame indices are small
        let column = (t * FRAME_STRIDE) as f32 + FRAME_STRIDE as f32 / 2.0;
        if best != 0 && best != prev {
            chars.push(char_at(row, best, charset, column));
        } else if best != 0 && best == prev {
            // Same character continued: keep its peak frame.
            if let Some(last) = chars.last_mut()
                && lp.exp() > last.p
            {
                *last = char_at(row, best, charset, column);
            }
        }
        prev = best;
    }
    #[allow(clippy::cast_precision_loss)] // frame counts are small
    let mean_log_p = if frames.is_empty() {
        f32::NEG_INFINITY
    } else {
        total / frames.len() as f32
    };
    LineReading { chars, mean_log_p }
}

fn char_at(row: &[f32], best: usize, charset: &[char], column: f32) -> CharReading {
    let p = row[best].exp();
    let blank = row[0].exp();
    let rest = (1.0 - blank).max(1e-6);
    let mut order: Vec<usize> = (1..row.len()).collect();
    order.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
    let candidates = order
        .iter()
        .take(3)
        .map(|&k| (charset[k - 1], (row[k].exp() / rest).min(1.0)))
        .collect();
    CharReading {
        ch: charset[best - 1],
        p,
        candidates,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames for a path of classes (0 = blank) with probability `p`.
    fn frames(path: &[usize], p: f32) -> Vec<Vec<f32>> {
        path.iter()
            .map(|&k| {
                let mut row = vec![((1.0 - p) / 37.0).ln(); 38];
                row[k] = p.ln();
                row
            })
            .collect()
    }

    #[test]
    fn ctc_collapses_repeats_and_keeps_blank_separated_doubles() {
        // '<' is class 1, '0' class 2, 'A' class 12.
        let r = decode(&frames(&[0, 12, 12, 0, 1, 0, 1, 1, 0], 0.9));
        assert_eq!(r.text(), "A<<");
        assert!((r.chars[0].p - 0.9).abs() < 1e-5);
        assert_eq!(r.chars[0].candidates[0].0, 'A');
        assert!((r.chars[1].column - 18.0).abs() < 1e-6);
    }

    #[test]
    fn empty_input_reads_nothing() {
        let r = decode(&[]);
        assert!(r.chars.is_empty());
    }

    #[test]
    fn paper_tone_is_the_bright_end() {
        let mut px = vec![1.0f32; 90];
        px.extend(std::iter::repeat_n(0.0, 10));
        assert!(paper_tone(&px) > 0.95);
    }
}
