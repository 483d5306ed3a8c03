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
    /// The model's per-frame log-probabilities (`frames[t][class]`, class
    /// 0 the blank), kept for decoding again under a known line length
    /// ([`decode_exact`]).
    pub frames: Vec<Vec<f32>>,
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
                decode_owned(rows, &self.charset)
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
    decode_owned(frames.to_vec(), charset)
}

/// [`decode_with`], the reading keeping `frames` without a copy.
fn decode_owned(frames: Vec<Vec<f32>>, charset: &[char]) -> LineReading {
    // Each frame's most probable class and its log-probability.
    let best: Vec<(usize, f32)> = frames
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .fold((0usize, f32::NEG_INFINITY), |acc, (k, &v)| {
                    if v > acc.1 { (k, v) } else { acc }
                })
        })
        .collect();
    let total = best.iter().fold(0.0f32, |sum, b| sum + b.1);
    let path: Vec<usize> = best.iter().map(|b| b.0).collect();
    let chars = collapse(&frames, &path, charset);
    #[allow(clippy::cast_precision_loss)] // frame counts are small
    let mean_log_p = if frames.is_empty() {
        f32::NEG_INFINITY
    } else {
        total / frames.len() as f32
    };
    LineReading {
        chars,
        mean_log_p,
        frames,
    }
}

/// The characters a CTC path (a class per frame, 0 the blank) reads:
/// a class differing from the frame before starts a character, the same
/// class continues it (the character keeps its surest frame).
fn collapse(frames: &[Vec<f32>], path: &[usize], charset: &[char]) -> Vec<CharReading> {
    let mut chars: Vec<CharReading> = Vec::new();
    let mut prev = 0usize;
    for (t, (&k, row)) in path.iter().zip(frames).enumerate() {
        #[allow(clippy::cast_precision_loss)] // frame indices are small
        let column = (t * FRAME_STRIDE) as f32 + FRAME_STRIDE as f32 / 2.0;
        if k != 0 && k != prev {
            chars.push(char_at(row, k, charset, column));
        } else if k != 0
            && let Some(last) = chars.last_mut()
            && row[k].exp() > last.p
        {
            *last = char_at(row, k, charset, column);
        }
        prev = k;
    }
    chars
}

/// The most probable CTC path that reads exactly `len` characters, decoded
/// like [`decode`]; `None` when no path of `frames` can (too few frames).
///
/// An MRZ line has a fixed length (44 characters in TD3, ICAO 9303-4; 36
/// in TD2, 9303-6; 30 in TD1, 9303-5). When the greedy path reads one or
/// two characters more or fewer, the model has most often merged a
/// doubled character (`<<` has to pass through a blank frame to read as
/// two) or split one; the best path
/// of the right length puts the blank, or removes the character, where it
/// costs the least probability, instead of guessing where a filler was
/// lost. A Viterbi search over (frame, characters read, current class):
/// a class differing from the previous frame's starts a new character, the
/// same class continues it, the blank separates.
///
/// With `spacing` (a monospaced line: ICAO 9303-3 §4.4 prints the MRZ at a
/// fixed pitch), a character that starts away from where its index puts it
/// costs [`POSITION_WEIGHT`] per squared pitch of distance (up to two
/// pitches): a doubled filler merged early in the line then goes back where
/// it was lost rather than into the line's trailing run, where blanks come
/// cheaper but every character between would sit a pitch off.
#[must_use]
pub fn decode_exact(
    frames: &[Vec<f32>],
    charset: &[char],
    len: usize,
    spacing: Option<Spacing>,
) -> Option<LineReading> {
    let t_max = frames.len();
    let classes = frames.first()?.len();
    // Every character needs a frame; class indices share a byte with the
    // new-character flag.
    if len == 0 || t_max < len || !(2..=usize::from(NEW_CHAR)).contains(&classes) {
        return None;
    }
    let counts = len + 1;
    let idx = |n: usize, c: usize| n * classes + c;
    let mut score = vec![f32::NEG_INFINITY; counts * classes];
    // back[t][(n, c)]: the class at frame t - 1 on the best path to class c
    // at frame t with n characters read, flagged when c started one.
    let mut back = vec![0u8; t_max * counts * classes];
    let first = &frames[0];
    score[idx(0, 0)] = first[0];
    for c in 1..classes {
        score[idx(1, c)] = first[c];
    }
    let mut next = vec![f32::NEG_INFINITY; counts * classes];
    for (t, row) in frames.iter().enumerate().skip(1) {
        next.fill(f32::NEG_INFINITY);
        // The cost of character n starting at frame t.
        #[allow(clippy::cast_precision_loss)] // frame and character indices are small
        let misplaced: Vec<f32> = (0..len)
            .map(|n| {
                spacing.map_or(0.0, |s| {
                    let off = (t as f32 - (s.first + n as f32 * s.pitch)) / s.pitch;
                    POSITION_WEIGHT * off.abs().min(2.0).powi(2)
                })
            })
            .collect();
        for n in 0..counts {
            // Best and runner-up class at the previous frame with n
            // characters read (a new character must differ from the class
            // before it).
            let prev = &score[idx(n, 0)..idx(n, 0) + classes];
            let (mut b1, mut b2) = ((f32::NEG_INFINITY, 0usize), (f32::NEG_INFINITY, 0usize));
            for (c, &v) in prev.iter().enumerate() {
                if v > b1.0 {
                    b2 = b1;
                    b1 = (v, c);
                } else if v > b2.0 {
                    b2 = (v, c);
                }
            }
            let bi = t * counts * classes;
            // Blank: any class before, no new character.
            if b1.0 > f32::NEG_INFINITY {
                next[idx(n, 0)] = b1.0 + row[0];
                back[bi + idx(n, 0)] = class_u8(b1.1);
            }
            for c in 1..classes {
                // The same character continued.
                if prev[c] > f32::NEG_INFINITY && prev[c] + row[c] > next[idx(n, c)] {
                    next[idx(n, c)] = prev[c] + row[c];
                    back[bi + idx(n, c)] = class_u8(c);
                }
                // A new character (n + 1 read), after anything but c.
                let from = if b1.1 == c { b2 } else { b1 };
                if n + 1 < counts && from.0 > f32::NEG_INFINITY {
                    let v = from.0 + row[c] - misplaced[n];
                    if v > next[idx(n + 1, c)] {
                        next[idx(n + 1, c)] = v;
                        back[bi + idx(n + 1, c)] = class_u8(from.1) | NEW_CHAR;
                    }
                }
            }
        }
        std::mem::swap(&mut score, &mut next);
    }
    let (end_c, total) = (0..classes)
        .map(|c| (c, score[idx(len, c)]))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    if !total.is_finite() {
        return None;
    }
    // Walk back: the class of every frame.
    let mut path = vec![0usize; t_max];
    let (mut n, mut c) = (len, end_c);
    for t in (0..t_max).rev() {
        path[t] = c;
        if t == 0 {
            break;
        }
        let b = back[t * counts * classes + idx(n, c)];
        if b & NEW_CHAR != 0 {
            n -= 1;
        }
        c = usize::from(b & !NEW_CHAR);
    }
    let chars = collapse(frames, &path, charset);
    #[allow(clippy::cast_precision_loss)] // frame counts are small
    let mean_log_p = total / t_max as f32;
    (chars.len() == len).then(|| LineReading {
        chars,
        mean_log_p,
        frames: frames.to_vec(),
    })
}

/// Where a monospaced line's characters start, in output frames: the
/// first at `first`, then one every `pitch`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spacing {
    /// Frame at which the first character starts.
    pub first: f32,
    /// Frames per character.
    pub pitch: f32,
}

impl Spacing {
    /// The spacing of a line of `len` characters read as `reading`: its
    /// ends spread evenly. When the reading is too long, characters the
    /// model doubted (under 0.5) at either end are marks beside the line
    /// and do not count as its ends. `None` for fewer than two characters.
    #[must_use]
    #[allow(clippy::cast_precision_loss)] // character counts are small
    pub fn of(reading: &LineReading, len: usize) -> Option<Self> {
        let mut chars = &reading.chars[..];
        while chars.len() > len && chars.first().is_some_and(|c| c.p < 0.5) {
            chars = &chars[1..];
        }
        while chars.len() > len && chars.last().is_some_and(|c| c.p < 0.5) {
            chars = &chars[..chars.len() - 1];
        }
        let (first, last) = (chars.first()?, chars.last()?);
        if len < 2 || chars.len() < 2 {
            return None;
        }
        // Columns are peak frames; a character starts about half a frame
        // before its peak.
        let frame = |column: f32| column / FRAME_STRIDE as f32 - 1.0;
        let pitch = (frame(last.column) - frame(first.column)) / (len - 1) as f32;
        (pitch > 0.0).then(|| Self {
            first: frame(first.column),
            pitch,
        })
    }
}

/// Log-probability a character pays per squared pitch it starts away from
/// its place in a monospaced line ([`decode_exact`]).
pub const POSITION_WEIGHT: f32 = 1.0;

/// Marks a back-pointer that started a new character.
const NEW_CHAR: u8 = 0x80;

fn class_u8(c: usize) -> u8 {
    u8::try_from(c).unwrap_or(0) & !NEW_CHAR
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

    /// Frames from per-frame (class, probability) pairs; the rest of
    /// each frame's mass spread over the other classes.
    fn soft(path: &[(usize, f32)]) -> Vec<Vec<f32>> {
        path.iter()
            .map(|&(k, p)| {
                let mut row = vec![((1.0 - p) / 37.0).ln(); 38];
                row[k] = p.ln();
                row
            })
            .collect()
    }

    fn decode_exact_plain(f: &[Vec<f32>], len: usize) -> Option<LineReading> {
        let charset: Vec<char> = CHARSET.chars().collect();
        decode_exact(f, &charset, len, None)
    }

    #[test]
    fn exact_decoding_at_the_greedy_length_is_the_greedy_reading() {
        let f = frames(&[0, 12, 12, 0, 1, 0, 1, 1, 0, 13], 0.9);
        let greedy = decode(&f);
        let exact = decode_exact_plain(&f, 4).expect("a path of 4");
        assert_eq!(exact.text(), greedy.text());
        assert_eq!(exact.chars, greedy.chars);
        assert!((exact.mean_log_p - greedy.mean_log_p).abs() < 1e-5);
    }

    #[test]
    fn a_merged_double_is_split_where_the_blank_costs_least() {
        // 'A', then five '<' frames, the fourth fairly likely a blank,
        // then 'B': greedy reads "A<B"; the line is 4 long.
        let mut f = soft(&[(0, 0.9), (12, 0.9), (1, 0.9), (1, 0.9), (1, 0.9)]);
        let mut unsure = vec![((1.0f32 - 0.9) / 36.0).ln(); 38];
        unsure[1] = 0.5f32.ln();
        unsure[0] = 0.4f32.ln();
        f.push(unsure);
        f.extend(soft(&[(1, 0.9), (0, 0.9), (13, 0.9), (0, 0.9)]));
        assert_eq!(decode(&f).text(), "A<B");
        let exact = decode_exact_plain(&f, 4).expect("a path of 4");
        assert_eq!(exact.text(), "A<<B");
        // The second filler starts after the blank frame (index 5).
        assert!((exact.chars[2].column - 26.0).abs() < 1e-6);
        assert!(exact.mean_log_p < decode(&f).mean_log_p);
    }

    /// Frames from a string: a class's character, `-` a blank, `~` a
    /// frame as likely a blank (0.45) as a filler (0.5); others at 0.9.
    fn frames_of(s: &str) -> Vec<Vec<f32>> {
        s.chars()
            .map(|ch| {
                let mut row = vec![(0.05f32 / 36.0).ln(); 38];
                match ch {
                    '-' => row[0] = 0.9f32.ln(),
                    '~' => {
                        row[0] = 0.45f32.ln();
                        row[1] = 0.5f32.ln();
                    }
                    _ => {
                        let k = CHARSET.chars().position(|c| c == ch).expect("class") + 1;
                        row[k] = 0.9f32.ln();
                        row[0] = 0.05f32.ln();
                    }
                }
                row
            })
            .collect()
    }

    #[test]
    fn a_monospaced_line_gets_its_lost_filler_back_where_it_was_lost() {
        // "A<<B<<" at three frames a character, the first two fillers
        // merged (no blank between them); the last filler's run could
        // split more cheaply, but every character after the merge would
        // then start a pitch late.
        let f = frames_of("AA-<<<<<-BB-<<-<~<");
        let greedy = decode(&f);
        assert_eq!(greedy.text(), "A<B<<");
        let charset: Vec<char> = CHARSET.chars().collect();
        assert_eq!(
            decode_exact(&f, &charset, 6, None)
                .map(|r| r.text())
                .as_deref(),
            Some("A<B<<<")
        );
        let spacing = Spacing::of(&greedy, 6).expect("two ends");
        assert!((spacing.pitch - 3.0).abs() < 1e-5);
        let exact = decode_exact(&f, &charset, 6, Some(spacing)).expect("a path of 6");
        assert_eq!(exact.text(), "A<<B<<");
    }

    /// A faint mark read 'H' at 0.45, then `classes` each after a blank.
    fn marked(classes: &[usize]) -> Vec<Vec<f32>> {
        let mut path = vec![(19, 0.45)];
        for &k in classes {
            path.extend([(0, 0.9), (k, 0.9)]);
        }
        soft(&path)
    }

    #[test]
    fn spacing_leaves_out_doubted_marks_at_the_ends_of_a_long_line() {
        let r = decode(&marked(&[12, 13, 14]));
        assert_eq!(r.text(), "HABC");
        let s = Spacing::of(&r, 3).expect("two ends");
        assert!(
            (s.pitch - 2.0).abs() < 1e-5,
            "A to C over two pitches: {s:?}"
        );
        assert!(Spacing::of(&r, 1).is_none());
    }

    #[test]
    fn an_unsure_extra_character_is_dropped() {
        let f = marked(&[12, 13]);
        assert_eq!(decode(&f).text(), "HAB");
        let exact = decode_exact_plain(&f, 2).expect("a path of 2");
        assert_eq!(exact.text(), "AB");
    }

    #[test]
    fn exact_decoding_needs_a_frame_per_character() {
        let f = frames(&[12, 0, 13], 0.9);
        assert!(decode_exact_plain(&f, 4).is_none());
        assert!(decode_exact_plain(&f, 0).is_none());
        assert!(decode_exact_plain(&[], 1).is_none());
        assert_eq!(decode_exact_plain(&f, 3).map(|r| r.chars.len()), Some(3));
    }

    /// Random frames: `t` rows of 38 log-softmaxed values.
    fn random_frames(t: usize, raw: &[f32]) -> Vec<Vec<f32>> {
        (0..t)
            .map(|i| {
                let row = &raw[i * 38..(i + 1) * 38];
                let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let z = row.iter().map(|v| (v - m).exp()).sum::<f32>().ln() + m;
                row.iter().map(|v| v - z).collect()
            })
            .collect()
    }

    proptest::proptest! {
        /// Any length a path can reach is read exactly, never surer than
        /// the unconstrained best path, and the greedy path's own length
        /// gives the greedy reading back.
        #[test]
        fn exact_decoding_reads_exactly_len(
            t in 1usize..40,
            raw in proptest::collection::vec(-8.0f32..8.0, 40 * 38),
            len in 1usize..40,
            with_spacing in proptest::bool::ANY,
        ) {
            let f = random_frames(t, &raw);
            let charset: Vec<char> = CHARSET.chars().collect();
            let greedy = decode(&f);
            let spacing = with_spacing.then_some(Spacing { first: 0.0, pitch: 1.5 });
            let exact = decode_exact(&f, &charset, len, spacing);
            if len > t {
                proptest::prop_assert!(exact.is_none());
            } else {
                let e = exact.expect("a path of every length up to the frame count");
                proptest::prop_assert_eq!(e.chars.len(), len);
                if spacing.is_none() {
                    proptest::prop_assert!(e.mean_log_p <= greedy.mean_log_p + 1e-4);
                }
            }
            if !greedy.chars.is_empty() {
                let same = decode_exact(&f, &charset, greedy.chars.len(), None).expect("greedy length");
                proptest::prop_assert_eq!(same.text(), greedy.text());
            }
        }
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
