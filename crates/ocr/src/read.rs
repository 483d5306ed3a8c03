//! From a grey scan to a validated MRZ: find the lines, read them both
//! ways round, keep the reading direction the model is surer of, fit the
//! lines to their format's length, parse, and repair under the check
//! digits only where the model itself was unsure.

use docscreen_mrz::{
    Candidate, Category, Check, CheckId, Date, Format, Mrz, Span, Substitution, parse_lines, repair,
};
use image::GrayImage;

use crate::crop::{CROP_PAD, CROP_SQUEEZE, LineCrop, crop_line_as};
use crate::locate::{LineGeometry, MrzBlock, find_mrz_candidates};
use crate::recognise::{CHARSET, LineReading, Recogniser, Spacing, decode_exact};
use docscreen_inference::InferenceError;

/// A character the recogniser is at least this sure of is never changed by
/// the check-digit repair: a wrong check digit under confidently read
/// characters is evidence, not an OCR error.
pub const REPAIR_CONFIDENT: f32 = 0.97;

/// Candidates below this probability are not offered to the repair.
const REPAIR_FLOOR: f32 = 0.01;

/// One character of the reading, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadChar {
    /// The character (after any repair).
    pub ch: char,
    /// The recogniser's probability for what it read.
    pub p: f32,
    /// The character's box in input pixels (clockwise from top-left in
    /// reading order).
    pub quad: [[f32; 2]; 4],
}

/// The MRZ as read from a scan.
#[derive(Debug, Clone)]
pub struct MrzReading {
    /// The lines as read and (where needed) fitted to the format's length.
    pub raw_lines: Vec<String>,
    /// The lines after check-digit repair (equal to `raw_lines` when no
    /// repair was needed or allowed).
    pub lines: Vec<String>,
    /// The parsed, validated MRZ of `lines`.
    pub mrz: Mrz,
    /// Every substitution the repair made.
    pub substitutions: Vec<Substitution>,
    /// Per line, per character.
    pub chars: Vec<Vec<ReadChar>>,
    /// Each line's box in input pixels.
    pub line_quads: Vec<[[f32; 2]; 4]>,
    /// Lowest character probability.
    pub confidence: f32,
    /// Angle of the text direction in the input, degrees clockwise from
    /// the x axis (0 for an upright document; 180 upside down).
    pub angle_deg: f32,
}

/// Reads the MRZ of `img`, or `None` when there is no MRZ-like block.
///
/// # Errors
/// When the recogniser fails to run.
pub fn read_mrz(
    img: &GrayImage,
    recogniser: &Recogniser,
    reference: Date,
) -> Result<Option<MrzReading>, InferenceError> {
    read_candidates(
        img,
        &find_mrz_candidates(img, MAX_CANDIDATES),
        recogniser,
        reference,
    )
}

/// Candidate blocks the reader verifies at most (`find_mrz_candidates`).
pub const MAX_CANDIDATES: usize = 4;

/// Reads candidate blocks in order and keeps the first valid MRZ; when none
/// is valid, the reading that looks most like an MRZ (a known format at
/// the right line lengths, then the most check digits and codes that hold;
/// the earlier candidate on a tie). Printed fields in long lines can
/// outrank a 2-line MRZ in the locator, and they read as no format with
/// check digits that fail by chance, so a later candidate that is the MRZ
/// wins; an MRZ that was altered still has far more of its checks holding
/// than any printed text.
///
/// # Errors
/// When the recogniser fails to run.
pub fn read_candidates(
    img: &GrayImage,
    blocks: &[MrzBlock],
    recogniser: &Recogniser,
    reference: Date,
) -> Result<Option<MrzReading>, InferenceError> {
    read_more_candidates(img, blocks, recogniser, reference, None)
}

/// [`read_candidates`] after an earlier search found `so_far`: the blocks
/// are read only when `so_far` is not a valid MRZ, and one of them replaces
/// it under the same rule (valid, or more MRZ-like; `so_far` on a tie).
///
/// # Errors
/// When the recogniser fails to run.
pub fn read_more_candidates(
    img: &GrayImage,
    blocks: &[MrzBlock],
    recogniser: &Recogniser,
    reference: Date,
    so_far: Option<MrzReading>,
) -> Result<Option<MrzReading>, InferenceError> {
    if so_far.as_ref().is_some_and(|r| r.mrz.is_valid()) {
        return Ok(so_far);
    }
    let mut best: Option<((u8, usize), MrzReading)> = so_far.map(|r| (mrz_likeness(&r.mrz), r));
    for block in blocks {
        let Some(r) = read_block(img, block, recogniser, reference)? else {
            continue;
        };
        if r.mrz.is_valid() {
            return Ok(Some(r));
        }
        let key = mrz_likeness(&r.mrz);
        if best.as_ref().is_none_or(|(k, _)| *k < key) {
            best = Some((key, r));
        }
    }
    Ok(best.map(|(_, r)| r))
}

/// How much a reading looks like an MRZ: (a known format at its line
/// count and lengths, 2 per check digit that holds + 1 per known state
/// code).
fn mrz_likeness(m: &Mrz) -> (u8, usize) {
    let shaped = m.format.is_some()
        && !m
            .checks
            .iter()
            .any(|c| !c.ok && matches!(c.id, CheckId::LineCount | CheckId::LineLength));
    let holding = m
        .checks
        .iter()
        .filter(|c| c.ok)
        .map(|c| match c.id.category() {
            Category::CheckDigit => 2,
            _ if matches!(c.id, CheckId::IssuingState | CheckId::Nationality) => 1,
            _ => 0,
        })
        .sum();
    (u8::from(shaped), holding)
}

/// Reads a block [`crate::find_mrz`] found.
///
/// The lines are first cut at the recogniser's usual aspect
/// ([`CROP_SQUEEZE`]: the crop's width scale relative to its height scale,
/// which normalises the characters' height). The recogniser was trained on
/// characters whose pitch is about [`CROP_PITCH`] character heights in
/// the crop; a print whose pitch is narrower for its height (real MRZs run
/// 0.80-0.95 pitch-height ratios where the synthetic documents run
/// 1.08-1.20: ICAO 9303-3 §4.4 fixes the pitch, 2.54 mm, not the height)
/// is cut again at the aspect that brings its pitch there, once the first
/// reading gives the line's length in characters. A valid reading wins
/// over an invalid one; of two valid readings (they differ only where no
/// check digit looks) the one surer of the characters where they differ;
/// of two invalid ones the second only when it is more MRZ-like. At the
/// usual aspect a narrow print leaves the model about two output frames
/// per character, and a doubled character needs a blank frame between its
/// two.
///
/// # Errors
/// When the recogniser fails to run.
pub fn read_block(
    img: &GrayImage,
    block: &MrzBlock,
    recogniser: &Recogniser,
    reference: Date,
) -> Result<Option<MrzReading>, InferenceError> {
    let Some(first) = read_block_as(img, block, recogniser, reference, CROP_SQUEEZE)? else {
        return Ok(None);
    };
    let Some(squeeze) = pitch_squeeze(block, &first) else {
        return Ok(Some(first));
    };
    let Some(second) = read_block_as(img, block, recogniser, reference, squeeze)? else {
        return Ok(Some(first));
    };
    let keep_first = match (first.mrz.is_valid(), second.mrz.is_valid()) {
        (true, false) => true,
        (false, true) => false,
        // Both valid: they differ, if at all, where no check digit looks
        // (names, optional data); the surer reading of those characters.
        (true, true) => sureness_where_different(&first, &second) >= 0.0,
        (false, false) => mrz_likeness(&second.mrz) <= mrz_likeness(&first.mrz),
    };
    Ok(Some(if keep_first { first } else { second }))
}

/// Over the characters where two readings of equal shape differ, the sum
/// of the log-probabilities of `a`'s minus `b`'s: positive when `a` is the
/// surer reading there. 0 when they agree or differ in shape.
fn sureness_where_different(a: &MrzReading, b: &MrzReading) -> f32 {
    if a.chars.len() != b.chars.len()
        || a.chars
            .iter()
            .zip(&b.chars)
            .any(|(x, y)| x.len() != y.len())
    {
        return 0.0;
    }
    a.chars
        .iter()
        .flatten()
        .zip(b.chars.iter().flatten())
        .filter(|(x, y)| x.ch != y.ch)
        .map(|(x, y)| x.p.max(1e-6).ln() - y.p.max(1e-6).ln())
        .sum()
}

/// The character pitch, in character heights of the crop, that the
/// recogniser reads best: its training crops ran 0.65-0.72 (pipeline
/// crops: [`CROP_SQUEEZE`] times the synthetic documents' pitch-height
/// ratio, 1.08-1.20 as the line finder measures it) and lower (rendered
/// lines squeezed 0.5-0.72). On the real specimens of `../shared/peers`
/// 0.58-0.68 read alike (31-33 of 39 exact); 0.64 is the middle.
pub const CROP_PITCH: f32 = 0.64;

/// The crop aspect that puts `block`'s pitch at [`CROP_PITCH`], given the
/// line length in characters its `first` reading implies; `None` when
/// that is within a tenth of [`CROP_SQUEEZE`] (or there is nothing to
/// measure). Clamped to 0.45-1.0.
#[allow(clippy::cast_precision_loss)] // character counts
fn pitch_squeeze(block: &MrzBlock, first: &MrzReading) -> Option<f32> {
    let lens: Vec<usize> = first.chars.iter().map(Vec::len).collect();
    let chars = target_len(lens.len(), &lens);
    let mut ratios: Vec<f32> = block
        .lines
        .iter()
        .filter(|g| g.char_height > 1.0)
        .map(|g| g.length() / (chars as f32 - 1.0) / g.char_height)
        .filter(|r| r.is_finite() && *r > 0.0)
        .collect();
    if ratios.is_empty() {
        return None;
    }
    ratios.sort_by(f32::total_cmp);
    let ratio = ratios[ratios.len() / 2];
    let squeeze = (CROP_PITCH / ratio).clamp(0.45, 1.0);
    ((squeeze / CROP_SQUEEZE - 1.0).abs() > 0.1).then_some(squeeze)
}

/// [`read_block`] from crops at one aspect (`squeeze`, as in
/// [`crop_line_as`]).
fn read_block_as(
    img: &GrayImage,
    block: &MrzBlock,
    recogniser: &Recogniser,
    reference: Date,
    squeeze: f32,
) -> Result<Option<MrzReading>, InferenceError> {
    let crop_line = |img: &GrayImage, g: &LineGeometry| crop_line_as(img, g, squeeze, CROP_PAD);
    let backward: Vec<LineGeometry> = block
        .lines
        .iter()
        .rev()
        .map(LineGeometry::reversed)
        .collect();
    let mut geoms: Vec<LineGeometry> = Vec::new();
    let mut crops: Vec<LineCrop> = Vec::new();
    for g in block.lines.iter().chain(&backward) {
        if let Some(c) = crop_line(img, g) {
            geoms.push(*g);
            crops.push(c);
        }
    }
    let n = block.lines.len();
    if crops.len() != 2 * n {
        return Ok(None);
    }
    let readings = recogniser.read(&crops)?;
    let score = |r: &[LineReading]| r.iter().map(|l| l.mean_log_p).sum::<f32>();
    let (geoms, crops, readings) = if score(&readings[..n]) >= score(&readings[n..]) {
        (&geoms[..n], &crops[..n], &readings[..n])
    } else {
        (&geoms[n..], &crops[n..], &readings[n..])
    };
    // Three lines of passport or visa length: the block took in a printed
    // line beside the MRZ; drop the one whose length stands out.
    let mut keep: Vec<usize> = (0..readings.len()).collect();
    if readings.len() == 3 {
        let mut lens: Vec<usize> = readings.iter().map(|r| r.chars.len()).collect();
        lens.sort_unstable();
        let median = lens[1];
        if median >= 34 {
            let odd = (0..3)
                .max_by_key(|&i| readings[i].chars.len().abs_diff(median))
                .unwrap_or(0);
            keep.retain(|&i| i != odd);
        }
    }
    let pick = |v: &[_]| keep.iter().map(|&i| v[i]).collect::<Vec<_>>();
    let geoms: Vec<LineGeometry> = pick(geoms);
    let crops: Vec<LineCrop> = keep.iter().map(|&i| crops[i].clone()).collect();
    let readings: Vec<LineReading> = keep.iter().map(|&i| readings[i].clone()).collect();
    let (geoms, crops, readings) =
        complete_td1(img, &geoms, &crops, &readings, recogniser, squeeze)?
            .unwrap_or((geoms, crops, readings));
    let (geoms, crops, readings) = extend_short(img, geoms, crops, readings, recogniser, squeeze)?;
    Ok(Some(assemble(&geoms, &crops, &readings, reference)))
}

/// Lines read one to three characters short of their format's length are
/// cut again two pitches longer at both ends and read again: a faint
/// filler before a check digit at the end of a line (or a first character
/// touching a guilloche) breaks the chain of blobs, and the block's extent
/// stops short of the character. The longer reading replaces the first
/// when it is closer to the format's length and about as sure.
#[allow(clippy::type_complexity)] // the three parallel vectors read_block works on
fn extend_short(
    img: &GrayImage,
    mut geoms: Vec<LineGeometry>,
    mut crops: Vec<LineCrop>,
    mut readings: Vec<LineReading>,
    recogniser: &Recogniser,
    squeeze: f32,
) -> Result<(Vec<LineGeometry>, Vec<LineCrop>, Vec<LineReading>), InferenceError> {
    let lens: Vec<usize> = readings.iter().map(|r| r.chars.len()).collect();
    let target = target_len(readings.len(), &lens);
    let short: Vec<usize> = (0..readings.len())
        .filter(|&i| (1..=3).contains(&target.saturating_sub(lens[i])))
        .collect();
    if short.is_empty() {
        return Ok((geoms, crops, readings));
    }
    let mut tried: Vec<(usize, LineGeometry, LineCrop)> = Vec::new();
    for &i in &short {
        let g = geoms[i];
        let d = g.direction();
        let pitch = g.length() / lens[i].max(1) as f32;
        let k = 2.0 * pitch;
        let longer = LineGeometry {
            start: [g.start[0] - d[0] * k, g.start[1] - d[1] * k],
            end: [g.end[0] + d[0] * k, g.end[1] + d[1] * k],
            ..g
        };
        if let Some(c) = crop_line_as(img, &longer, squeeze, CROP_PAD) {
            tried.push((i, longer, c));
        }
    }
    if tried.is_empty() {
        return Ok((geoms, crops, readings));
    }
    let again = recogniser.read(&tried.iter().map(|t| t.2.clone()).collect::<Vec<_>>())?;
    for ((i, g, c), r) in tried.into_iter().zip(again) {
        let (before, after) = (
            target.abs_diff(readings[i].chars.len()),
            target.abs_diff(r.chars.len()),
        );
        if after < before && r.mean_log_p >= readings[i].mean_log_p - 0.1 {
            geoms[i] = g;
            crops[i] = c;
            readings[i] = r;
        }
    }
    Ok((geoms, crops, readings))
}

/// A TD1 MRZ has three lines of 30 characters (ICAO 9303-5 §4.2.2). When
/// the locator kept two lines of that length, the third (lost to a
/// scratch, a stamp or a guilloche through it) lies one line pitch before
/// the first or after the last: both places are read, and a confident
/// line of MRZ length with fillers completes the block (the more confident
/// of the two when both qualify). `None` when the block is not a two-line
/// block of TD1 length or neither place holds such a line.
#[allow(clippy::type_complexity)] // the three parallel vectors read_block works on
fn complete_td1(
    img: &GrayImage,
    geoms: &[LineGeometry],
    crops: &[LineCrop],
    readings: &[LineReading],
    recogniser: &Recogniser,
    squeeze: f32,
) -> Result<Option<(Vec<LineGeometry>, Vec<LineCrop>, Vec<LineReading>)>, InferenceError> {
    const TD1_LEN: usize = 30;
    let td1_like = |r: &LineReading| r.chars.len().abs_diff(TD1_LEN) <= 2;
    if readings.len() != 2 || !readings.iter().all(td1_like) {
        return Ok(None);
    }
    let (g0, g1) = (geoms[0], geoms[1]);
    let pitch = [
        (g1.start[0] + g1.end[0] - g0.start[0] - g0.end[0]) / 2.0,
        (g1.start[1] + g1.end[1] - g0.start[1] - g0.end[1]) / 2.0,
    ];
    let shifted = |g: LineGeometry, k: f32| LineGeometry {
        start: [g.start[0] + k * pitch[0], g.start[1] + k * pitch[1]],
        end: [g.end[0] + k * pitch[0], g.end[1] + k * pitch[1]],
        ..g
    };
    let places = [shifted(g0, -1.0), shifted(g1, 1.0)];
    let mut found: Vec<(usize, LineGeometry, LineCrop)> = Vec::new();
    for (i, g) in places.iter().enumerate() {
        if let Some(c) = crop_line_as(img, g, squeeze, CROP_PAD) {
            found.push((i, *g, c));
        }
    }
    if found.is_empty() {
        return Ok(None);
    }
    let extra = recogniser.read(&found.iter().map(|f| f.2.clone()).collect::<Vec<_>>())?;
    // As sure of the new line as of the weaker line already read, give or
    // take: a printed field or background read as text is far less sure.
    let floor = readings.iter().map(|r| r.mean_log_p).fold(0.0f32, f32::min) - 0.3;
    let best = found
        .into_iter()
        .zip(extra)
        .filter(|(_, r)| {
            td1_like(r) && r.mean_log_p >= floor && r.chars.iter().any(|c| c.ch == '<')
        })
        .max_by(|a, b| a.1.mean_log_p.total_cmp(&b.1.mean_log_p));
    let Some(((place, g, c), r)) = best else {
        return Ok(None);
    };
    let (mut gs, mut cs, mut rs) = (geoms.to_vec(), crops.to_vec(), readings.to_vec());
    let at = if place == 0 { 0 } else { 2 };
    gs.insert(at, g);
    cs.insert(at, c);
    rs.insert(at, r);
    Ok(Some((gs, cs, rs)))
}

/// The expected line length for a block of `lines` lines read with these
/// lengths.
fn target_len(lines: usize, lens: &[usize]) -> usize {
    if lines >= 3 {
        return 30;
    }
    let mut sorted = lens.to_vec();
    sorted.sort_unstable();
    let m = sorted.last().copied().unwrap_or(0);
    match m {
        0..=32 => 30,
        33..=39 => 36,
        _ => 44,
    }
}

/// Makes `chars` exactly `len` long by growing or shrinking its longest
/// run of fillers (CTC most often drops or doubles a '<' in a long run);
/// lines off by more than three are left as read.
fn fit_length(chars: &mut Vec<ReadChar>, len: usize) {
    // No MRZ line starts with a filler: a leading '<' at the right length
    // is a mark before the line, and the line's last filler was missed.
    if chars.len() == len
        && chars.first().is_some_and(|c| c.ch == '<')
        && chars.last().is_some_and(|c| c.ch == '<')
        && chars.get(1).is_some_and(|c| c.ch != '<')
    {
        let first = chars.remove(0);
        let last = chars.last().map_or(first.quad, |c| c.quad);
        chars.push(ReadChar {
            ch: '<',
            p: first.p.min(0.5),
            quad: last,
        });
        return;
    }
    let diff = len.abs_diff(chars.len());
    if diff == 0 || diff > 3 {
        return;
    }
    // Longest run of '<'.
    let (mut best, mut run_start, mut i) = ((0usize, 0usize), 0usize, 0usize);
    while i < chars.len() {
        if chars[i].ch == '<' {
            run_start = if i > 0 && chars[i - 1].ch == '<' {
                run_start
            } else {
                i
            };
            if i + 1 - run_start > best.1 {
                best = (run_start, i + 1 - run_start);
            }
        }
        i += 1;
    }
    let (start, run) = best;
    if chars.len() > len {
        // Stray marks at the ends (a border, a stain) read as characters
        // the model doubted: drop those first.
        let mut extra = chars.len() - len;
        // No MRZ line starts with a filler (a document code, a date, a
        // number or a name comes first): a leading '<' is a mark before it.
        while extra > 0 && chars.first().is_some_and(|c| c.ch == '<' || c.p < 0.5) {
            chars.remove(0);
            extra -= 1;
        }
        while extra > 0 && chars.last().is_some_and(|c| c.p < 0.5) {
            chars.pop();
            extra -= 1;
        }
        if extra < diff {
            return fit_length(chars, len);
        }
    }
    if chars.len() < len && fill_gaps(chars, len) {
        return;
    }
    if chars.len() < len {
        let at = if run > 0 { start + run } else { chars.len() };
        let template = chars
            .get(at.saturating_sub(1))
            .cloned()
            .unwrap_or(ReadChar {
                ch: '<',
                p: 0.5,
                quad: [[0.0; 2]; 4],
            });
        for _ in 0..diff {
            chars.insert(
                at,
                ReadChar {
                    ch: '<',
                    p: template.p.min(0.5),
                    quad: template.quad,
                },
            );
        }
    } else if run > diff {
        chars.drain(start..start + diff);
    }
}

/// Where the line is short and its characters' positions show as many
/// gaps of about two pitches as characters are missing (an MRZ is
/// monospaced, ICAO 9303-3 §4.4: CTC merges a doubled character, `<<` or
/// `SS`, into one), a character goes into each gap: a filler when one of
/// its neighbours is one, else a copy of the character before it (the one
/// merged), at half confidence. `false` (nothing changed) when the gaps do
/// not account for the missing characters.
fn fill_gaps(chars: &mut Vec<ReadChar>, len: usize) -> bool {
    let missing = len.saturating_sub(chars.len());
    if missing == 0 || chars.len() < 8 {
        return false;
    }
    let centre = |c: &ReadChar| {
        [
            c.quad.iter().map(|q| q[0]).sum::<f32>() / 4.0,
            c.quad.iter().map(|q| q[1]).sum::<f32>() / 4.0,
        ]
    };
    let (first, last) = (centre(&chars[0]), centre(&chars[chars.len() - 1]));
    let along = [last[0] - first[0], last[1] - first[1]];
    let norm = along[0].hypot(along[1]);
    if norm <= 0.0 {
        return false;
    }
    let pos: Vec<f32> = chars
        .iter()
        .map(|c| {
            let p = centre(c);
            ((p[0] - first[0]) * along[0] + (p[1] - first[1]) * along[1]) / norm
        })
        .collect();
    let steps: Vec<f32> = pos.windows(2).map(|w| w[1] - w[0]).collect();
    let mut sorted = steps.clone();
    sorted.sort_by(f32::total_cmp);
    let pitch = sorted[sorted.len() / 2];
    if pitch <= 0.0 {
        return false;
    }
    // Gaps of 1.6 to 2.5 pitches hold one character each.
    let gaps: Vec<usize> = (0..steps.len())
        .filter(|&i| (1.6 * pitch..2.5 * pitch).contains(&steps[i]))
        .collect();
    if gaps.len() != missing || steps.iter().any(|&d| d >= 2.5 * pitch) {
        return false;
    }
    for &i in gaps.iter().rev() {
        let (a, b) = (&chars[i], &chars[i + 1]);
        let ch = if a.ch == '<' || b.ch == '<' {
            '<'
        } else {
            a.ch
        };
        let quad = std::array::from_fn(|k| {
            [
                f32::midpoint(a.quad[k][0], b.quad[k][0]),
                f32::midpoint(a.quad[k][1], b.quad[k][1]),
            ]
        });
        chars.insert(
            i + 1,
            ReadChar {
                ch,
                p: a.p.min(b.p).min(0.5),
                quad,
            },
        );
    }
    true
}

fn assemble(
    geoms: &[LineGeometry],
    crops: &[LineCrop],
    readings: &[LineReading],
    reference: Date,
) -> MrzReading {
    let lens: Vec<usize> = readings.iter().map(|r| r.chars.len()).collect();
    let len = target_len(readings.len(), &lens);
    let mut chars: Vec<Vec<ReadChar>> = Vec::new();
    let mut cands: Vec<Vec<Vec<Candidate>>> = Vec::new();
    let charset: Vec<char> = CHARSET.chars().collect();
    for ((g, c), r) in geoms.iter().zip(crops).zip(readings) {
        // A line a few characters short of its format's length (CTC
        // merged a doubled character) is decoded again as the model's best
        // reading of exactly that length. A line too long keeps the
        // heuristics of `fit_length`: its extra character is most often a
        // mark beside the line, and marks at its ends make the spacing of
        // its characters unreliable.
        let exact = (r.chars.len() < len && len - r.chars.len() <= 3)
            .then(|| decode_exact(&r.frames, &charset, len, Spacing::of(r, len)))
            .flatten();
        let r = exact.as_ref().unwrap_or(r);
        let half = g.char_height * 0.65;
        let d = g.direction();
        let nrm = [-d[1], d[0]];
        let pitch = g.length() / (r.chars.len().max(1) as f32);
        let mut line: Vec<ReadChar> = r
            .chars
            .iter()
            .map(|k| {
                let p = c.point_at(k.column);
                let (a, b) = (pitch / 2.0, half);
                ReadChar {
                    ch: k.ch,
                    p: k.p,
                    quad: [
                        [p[0] - d[0] * a - nrm[0] * b, p[1] - d[1] * a - nrm[1] * b],
                        [p[0] + d[0] * a - nrm[0] * b, p[1] + d[1] * a - nrm[1] * b],
                        [p[0] + d[0] * a + nrm[0] * b, p[1] + d[1] * a + nrm[1] * b],
                        [p[0] - d[0] * a + nrm[0] * b, p[1] - d[1] * a + nrm[1] * b],
                    ],
                }
            })
            .collect();
        // Candidates before fitting, keyed by position after it.
        let mut by_pos: Vec<Vec<Candidate>> = r
            .chars
            .iter()
            .map(|k| {
                if k.p >= REPAIR_CONFIDENT {
                    vec![Candidate { ch: k.ch, p: 1.0 }]
                } else {
                    k.candidates
                        .iter()
                        .filter(|(_, p)| *p >= REPAIR_FLOOR)
                        .map(|&(ch, p)| Candidate { ch, p })
                        .collect()
                }
            })
            .collect();
        let before = line.len();
        fit_length(&mut line, len);
        if line.len() != before {
            // Positions moved: candidates follow the fitted text.
            by_pos = line
                .iter()
                .map(|k| {
                    vec![Candidate {
                        ch: k.ch,
                        p: k.p.max(0.5),
                    }]
                })
                .collect();
        }
        chars.push(line);
        cands.push(by_pos);
    }
    let raw_lines: Vec<String> = chars
        .iter()
        .map(|l| l.iter().map(|c| c.ch).collect())
        .collect();
    let mut lines = raw_lines.clone();
    let mut mrz = parse_lines(&raw_lines, reference);
    let mut substitutions = Vec::new();
    if !mrz.is_valid()
        && let Some(format) = detect_format(&raw_lines)
        && chars.iter().all(|l| l.len() == format.line_len())
        && let Some(fixed) = repair(format, &cands, reference)
        && fixed.mrz.is_valid()
    {
        apply(&mut chars, &fixed.substitutions);
        lines.clone_from(&fixed.lines);
        substitutions.clone_from(&fixed.substitutions);
        mrz = fixed.mrz;
    }
    let repairs: [Proposal; 3] = [class_repair, filler_repair, code_repair];
    for propose in repairs {
        if !mrz.is_valid() {
            structural_repair(
                propose,
                &mut Reading {
                    chars: &mut chars,
                    mrz: &mut mrz,
                    lines: &mut lines,
                    substitutions: &mut substitutions,
                },
                &cands,
                reference,
            );
        }
    }
    let confidence = chars.iter().flatten().map(|c| c.p).fold(1.0f32, f32::min);
    let angle_deg = geoms.first().map_or(0.0, |g| {
        let d = g.direction();
        d[1].atan2(d[0]).to_degrees().rem_euclid(360.0)
    });
    MrzReading {
        raw_lines,
        lines,
        mrz,
        substitutions,
        chars,
        line_quads: geoms.iter().map(|g| g.quad(0.3)).collect(),
        confidence,
        angle_deg,
    }
}

/// Writes substitutions (1-based line and column) into the characters.
fn apply(chars: &mut [Vec<ReadChar>], subs: &[Substitution]) {
    for s in subs {
        if let Some(c) = chars
            .get_mut(usize::from(s.line).saturating_sub(1))
            .and_then(|l| l.get_mut(usize::from(s.column).saturating_sub(1)))
        {
            c.ch = s.to;
        }
    }
}

/// A reading being repaired: its characters, parse, lines and the
/// substitutions made so far.
struct Reading<'a> {
    chars: &'a mut [Vec<ReadChar>],
    mrz: &'a mut Mrz,
    lines: &'a mut Vec<String>,
    substitutions: &'a mut Vec<Substitution>,
}

/// A structural repair: for one failing check, the changes it proposes
/// (written into `trial`, the lines as characters), given the characters
/// read and each position's candidates.
type Proposal =
    fn(&Check, &[Vec<ReadChar>], &[Vec<Vec<Candidate>>], &mut [Vec<char>]) -> Vec<Substitution>;

/// Runs `propose` on every failing check and keeps all its changes when
/// the lines then parse with fewer failing checks; every change is listed
/// with the reading's substitutions.
fn structural_repair(
    propose: Proposal,
    r: &mut Reading<'_>,
    cands: &[Vec<Vec<Candidate>>],
    reference: Date,
) {
    let mut trial: Vec<Vec<char>> = r.lines.iter().map(|l| l.chars().collect()).collect();
    let mut subs = Vec::new();
    for c in r.mrz.checks.iter().filter(|c| !c.ok) {
        subs.extend(propose(c, r.chars, cands, &mut trial));
    }
    if subs.is_empty() {
        return;
    }
    let failing = |m: &Mrz| m.checks.iter().filter(|c| !c.ok).count();
    let new_lines: Vec<String> = trial.iter().map(|l| l.iter().collect()).collect();
    let parsed = parse_lines(&new_lines, reference);
    if failing(&parsed) < failing(r.mrz) {
        apply(r.chars, &subs);
        *r.lines = new_lines;
        *r.mrz = parsed;
        r.substitutions.extend(subs);
    }
}

/// A check's span as (span, line index, first column index, end column
/// index), 0-based.
fn span_of(c: &Check) -> Option<(Span, usize, usize, usize)> {
    let span = c.span?;
    Some((
        span,
        usize::from(span.line).saturating_sub(1),
        usize::from(span.start).saturating_sub(1),
        usize::from(span.end),
    ))
}

/// [`span_of`] with the span's line of `trial`, the end column clamped to
/// it; `None` for an empty or missing span.
fn span_line<'t>(
    c: &Check,
    trial: &'t mut [Vec<char>],
) -> Option<(Span, usize, usize, usize, &'t mut Vec<char>)> {
    let (span, l, a, b) = span_of(c)?;
    let line = trial.get_mut(l)?;
    let b = b.min(line.len());
    (a < b).then_some((span, l, a, b, line))
}

/// The recogniser's probability for the character at (line, column).
fn p_at(chars: &[Vec<ReadChar>], l: usize, col: usize) -> f32 {
    chars.get(l).and_then(|x| x.get(col)).map_or(1.0, |k| k.p)
}

/// Letters where the format wants letters (names, codes) and digits where
/// it wants digits (dates): an unsure character of the wrong kind becomes
/// its best candidate of the right kind. Check digits are not involved, so
/// this also runs on an MRZ whose check digits fail (an altered MRZ with an
/// OCR slip elsewhere).
fn class_repair(
    c: &Check,
    chars: &[Vec<ReadChar>],
    cands: &[Vec<Vec<Candidate>>],
    trial: &mut [Vec<char>],
) -> Vec<Substitution> {
    let mut subs = Vec::new();
    if !matches!(
        c.id,
        CheckId::FieldFormat | CheckId::IssuingState | CheckId::Nationality
    ) {
        return subs;
    }
    let Some((span, l, a, b, line)) = span_line(c, trial) else {
        return subs;
    };
    let digits = line[a..b].iter().filter(|ch| ch.is_ascii_digit()).count();
    let letters = line[a..b]
        .iter()
        .filter(|ch| ch.is_ascii_uppercase())
        .count();
    let want_digits = digits > letters;
    let right_kind = |ch: char| {
        if want_digits {
            ch.is_ascii_digit()
        } else {
            ch.is_ascii_uppercase()
        }
    };
    for (col, slot) in line.iter_mut().enumerate().take(b).skip(a) {
        let ch = *slot;
        let wrong = if want_digits {
            ch.is_ascii_uppercase()
        } else {
            ch.is_ascii_digit()
        };
        if !wrong || p_at(chars, l, col) >= REPAIR_CONFIDENT {
            continue;
        }
        let alt = cands
            .get(l)
            .and_then(|x| x.get(col))
            .and_then(|ks| ks.iter().find(|k| right_kind(k.ch)));
        if let Some(k) = alt {
            subs.push(substitute(slot, span.line, col, k.ch, k.p));
        }
    }
    subs
}

/// Puts `to` in `slot` (0-based column `col` of MRZ line `line`) and
/// records the change for `mrz.repairs`.
fn substitute(slot: &mut char, line: u8, col: usize, to: char, confidence: f32) -> Substitution {
    let from = std::mem::replace(slot, to);
    Substitution {
        line,
        column: (col + 1) as u8,
        from,
        to,
        confidence,
    }
}

/// An issuing state or nationality that is no known code (ICAO 9303-3
/// §5: ISO 3166-1 alpha-3 and the codes ICAO adds) where the recogniser
/// was unsure: the most probable combination of candidates that is a
/// known code replaces it. Characters read at [`REPAIR_CONFIDENT`] or
/// above keep their reading (their candidates are only themselves), so an
/// invented code printed cleanly stays as it is.
fn code_repair(
    c: &Check,
    _chars: &[Vec<ReadChar>],
    cands: &[Vec<Vec<Candidate>>],
    trial: &mut [Vec<char>],
) -> Vec<Substitution> {
    let mut subs = Vec::new();
    if !matches!(c.id, CheckId::IssuingState | CheckId::Nationality) {
        return subs;
    }
    let Some((span, l, a, b)) = span_of(c) else {
        return subs;
    };
    let Some(options) = cands.get(l).and_then(|x| x.get(a..b)) else {
        return subs;
    };
    if options.is_empty() || options.len() > 3 || options.iter().any(Vec::is_empty) {
        return subs;
    }
    // Every combination (at most a few dozen), the likeliest known one.
    let mut best: Option<(f32, Vec<char>)> = None;
    let mut pick = vec![0usize; options.len()];
    'all: loop {
        let code: Vec<char> = pick.iter().zip(options).map(|(&i, o)| o[i].ch).collect();
        let p: f32 = pick.iter().zip(options).map(|(&i, o)| o[i].p).product();
        let text: String = code.iter().collect();
        if docscreen_mrz::lookup_code(text.trim_end_matches('<')).is_some()
            && best.as_ref().is_none_or(|(q, _)| p > *q)
        {
            best = Some((p, code));
        }
        // Next combination, odometer-wise.
        for (k, o) in options.iter().enumerate() {
            pick[k] += 1;
            if pick[k] < o.len() {
                continue 'all;
            }
            pick[k] = 0;
        }
        break;
    }
    let Some((_, code)) = best else {
        return subs;
    };
    for (i, &to) in code.iter().enumerate() {
        let col = a + i;
        let Some(slot) = trial.get_mut(l).and_then(|x| x.get_mut(col)) else {
            continue;
        };
        if *slot != to {
            let confidence = options[i].iter().find(|k| k.ch == to).map_or(0.0, |k| k.p);
            subs.push(substitute(slot, span.line, col, to, confidence));
        }
    }
    subs
}

/// Characters after three or more fillers in a name field, read unsurely:
/// nothing can follow the name's trailing fillers (ICAO 9303-3 §4.6; name
/// components are joined by one filler, the two identifiers by two), so a
/// dust speck or a stamp's edge read as a letter there becomes a filler.
/// A character read surely stays (and the filler check fails: evidence).
fn filler_repair(
    c: &Check,
    chars: &[Vec<ReadChar>],
    _cands: &[Vec<Vec<Candidate>>],
    trial: &mut [Vec<char>],
) -> Vec<Substitution> {
    let mut subs = Vec::new();
    if c.id != CheckId::Filler {
        return subs;
    }
    let Some((span, l, a, b, line)) = span_line(c, trial) else {
        return subs;
    };
    let mut run = 0usize;
    for (col, slot) in line.iter_mut().enumerate().take(b).skip(a) {
        if *slot == '<' {
            run += 1;
            continue;
        }
        let p = p_at(chars, l, col);
        if run >= 3 && p < REPAIR_CONFIDENT {
            subs.push(substitute(slot, span.line, col, '<', 1.0 - p));
            run += 1;
        } else {
            run = 0;
        }
    }
    subs
}

/// The format the lines' count, length and first characters say.
fn detect_format(lines: &[String]) -> Option<Format> {
    let len = lines.first()?.len();
    let first = lines.first()?.as_bytes();
    match (lines.len(), len) {
        (3, 30) => Some(Format::Td1),
        (2, 44) if first.first() == Some(&b'V') => Some(Format::MrvA),
        (2, 44) => Some(Format::Td3),
        (2, 36) if first.starts_with(b"IDFRA") => Some(Format::FrenchId),
        (2, 36) if first.first() == Some(&b'V') => Some(Format::MrvB),
        (2, 36) => Some(Format::Td2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> Vec<ReadChar> {
        s.chars()
            .map(|ch| ReadChar {
                ch,
                p: 0.99,
                quad: [[0.0; 2]; 4],
            })
            .collect()
    }

    fn text(l: &[ReadChar]) -> String {
        l.iter().map(|c| c.ch).collect()
    }

    /// A letter read unsurely inside the name's trailing fillers becomes a
    /// filler; read surely, it stays and the filler check still fails.
    #[test]
    fn a_speck_in_the_trailing_fillers_is_a_filler() {
        let date = Date::new(2010, 1, 1).expect("date");
        let text = [
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<Y<<<<<<<<".to_owned(),
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10".to_owned(),
        ];
        for (p_y, repaired) in [(0.6, true), (0.99, false)] {
            let mut chars: Vec<Vec<ReadChar>> = text.iter().map(|l| line(l)).collect();
            chars[0][35].p = p_y;
            let mut lines = text.to_vec();
            let mut mrz = parse_lines(&lines, date);
            assert!(!mrz.is_valid());
            let mut subs = Vec::new();
            structural_repair(
                filler_repair,
                &mut Reading {
                    chars: &mut chars,
                    mrz: &mut mrz,
                    lines: &mut lines,
                    substitutions: &mut subs,
                },
                &[],
                date,
            );
            assert_eq!(mrz.is_valid(), repaired, "{lines:?}");
            if repaired {
                assert_eq!(lines[0], "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<");
                assert_eq!((subs[0].from, subs[0].to, subs[0].column), ('Y', '<', 36));
            } else {
                assert!(subs.is_empty());
            }
        }
    }

    /// An unknown nationality read unsurely becomes the known code among
    /// its candidates; read surely, it stays and still fails.
    #[test]
    fn an_unsure_unknown_code_is_repaired_from_its_candidates() {
        let date = Date::new(2010, 1, 1).expect("date");
        let text = [
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<".to_owned(),
            "L898902C36UTQ7408122F1204159ZE184226B<<<<<10".to_owned(),
        ];
        for (p_q, repaired) in [(0.7, true), (0.99, false)] {
            let mut chars: Vec<Vec<ReadChar>> = text.iter().map(|l| line(l)).collect();
            let mut cands: Vec<Vec<Vec<Candidate>>> = text
                .iter()
                .map(|l| l.chars().map(|ch| vec![Candidate { ch, p: 1.0 }]).collect())
                .collect();
            if p_q < REPAIR_CONFIDENT {
                cands[1][12] = vec![
                    Candidate { ch: 'Q', p: p_q },
                    Candidate { ch: 'O', p: 0.25 },
                ];
            }
            let mut lines = text.to_vec();
            let mut mrz = parse_lines(&lines, date);
            assert!(!mrz.is_valid());
            let mut subs = Vec::new();
            structural_repair(
                code_repair,
                &mut Reading {
                    chars: &mut chars,
                    mrz: &mut mrz,
                    lines: &mut lines,
                    substitutions: &mut subs,
                },
                &cands,
                date,
            );
            assert_eq!(mrz.is_valid(), repaired, "{lines:?}");
            assert_eq!(subs.len(), usize::from(repaired));
            if repaired {
                assert_eq!(&lines[1][10..13], "UTO");
                assert_eq!((subs[0].from, subs[0].to, subs[0].column), ('Q', 'O', 13));
                assert_eq!(chars[1][12].ch, 'O');
            }
        }
    }

    /// Characters at a fixed pitch with one position empty: the missing
    /// character goes into the gap, not into the longest filler run.
    #[test]
    fn a_merged_double_is_restored_in_its_gap() {
        let placed = |s: &str, skip: usize| -> Vec<ReadChar> {
            s.chars()
                .enumerate()
                .filter(|&(i, _)| i != skip)
                .map(|(i, ch)| {
                    let x = 10.0 * i as f32;
                    ReadChar {
                        ch,
                        p: 0.99,
                        quad: [[x, 0.0], [x + 8.0, 0.0], [x + 8.0, 12.0], [x, 12.0]],
                    }
                })
                .collect()
        };
        let truth = "P<ASUMXHMWD<<EBDALRXHYM<<<<<<<<<<<<<<<<<<<<<";
        let mut l = placed(truth, 12);
        fit_length(&mut l, 44);
        assert_eq!(text(&l), truth);
        let mut l = placed("ERIKSSON<<ANNA<<<<<<", 5);
        fit_length(&mut l, 20);
        assert_eq!(text(&l), "ERIKSSON<<ANNA<<<<<<");
        // No gap to see: the longest filler run grows, as before.
        let mut l = placed("ABCDEFGHIJ<<<<", usize::MAX);
        fit_length(&mut l, 15);
        assert_eq!(text(&l), "ABCDEFGHIJ<<<<<");
    }

    #[test]
    fn fitting_grows_and_shrinks_the_longest_filler_run() {
        let mut l = line("AB<<CD<<<<EF");
        fit_length(&mut l, 14);
        assert_eq!(text(&l), "AB<<CD<<<<<<EF");
        let mut l = line("AB<<CD<<<<EF");
        fit_length(&mut l, 10);
        assert_eq!(text(&l), "AB<<CD<<EF");
        let mut l = line("<<AB<<CD<<<<EF");
        fit_length(&mut l, 12);
        assert_eq!(
            text(&l),
            "AB<<CD<<<<EF",
            "leading fillers are marks before the line"
        );
        let mut l = line("<AB<<CD<<<<");
        fit_length(&mut l, 11);
        assert_eq!(
            text(&l),
            "AB<<CD<<<<<",
            "a mark before the line, the last filler missed"
        );
        let mut l = line("ABCDEF");
        fit_length(&mut l, 20);
        assert_eq!(text(&l), "ABCDEF", "off by more than three: left alone");
    }

    #[test]
    fn formats_from_shape() {
        let l = |s: &str, n: usize| vec![s.to_owned() + &"<".repeat(n - s.len()); 2];
        assert_eq!(detect_format(&l("P<UTO", 44)), Some(Format::Td3));
        assert_eq!(detect_format(&l("V<UTO", 44)), Some(Format::MrvA));
        assert_eq!(detect_format(&l("V<UTO", 36)), Some(Format::MrvB));
        assert_eq!(detect_format(&l("IDFRA", 36)), Some(Format::FrenchId));
        assert_eq!(detect_format(&l("I<UTO", 36)), Some(Format::Td2));
        assert_eq!(detect_format(&l("I<UTO", 35)), None);
        assert_eq!(target_len(2, &[43, 44]), 44);
        assert_eq!(target_len(2, &[35, 36]), 36);
        assert_eq!(target_len(3, &[30, 29, 30]), 30);
        assert_eq!(target_len(2, &[30, 29]), 30, "a TD1 missing a line");
    }
}
