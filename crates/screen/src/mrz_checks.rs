//! The MRZ checks: one reading, several independent verdicts on it, each
//! with the characters behind it as regions in input pixels.

use docscreen_mrz::{Category, CheckId};
use docscreen_ocr::MrzReading;

use crate::report::{CheckResult, Region, Status};
use crate::watchlist::Watchlist;

/// Ids of the MRZ checks, in report order.
pub const MRZ_CHECK_IDS: [&str; 7] = [
    "mrz.present",
    "mrz.structure",
    "mrz.check_digits",
    "mrz.codes",
    "mrz.dates",
    "mrz.specimen",
    "document.watchlist",
];

/// A check digit that fails under characters read with at least this
/// probability is evidence (fail); below it, a misreading is plausible
/// (review).
const SURE: f32 = 0.9;

/// The quad around columns `start..=end` (1-based) of `line` (1-based).
pub(crate) fn span_quad(r: &MrzReading, line: u8, start: u8, end: u8) -> Option<[[f32; 2]; 4]> {
    let l = r.chars.get(usize::from(line).checked_sub(1)?)?;
    let a = l.get(usize::from(start).checked_sub(1)?)?;
    let b = l.get(
        usize::from(end)
            .checked_sub(1)?
            .min(l.len().checked_sub(1)?),
    )?;
    Some([a.quad[0], b.quad[1], b.quad[2], a.quad[3]])
}

/// Lowest recognition probability over a span.
fn span_confidence(r: &MrzReading, line: u8, start: u8, end: u8) -> f32 {
    r.chars
        .get(usize::from(line).saturating_sub(1))
        .map_or(0.0, |l| {
            l.iter()
                .skip(usize::from(start).saturating_sub(1))
                .take(usize::from(end.saturating_sub(start)) + 1)
                .map(|c| c.p)
                .fold(1.0, f32::min)
        })
}

/// Failed checks of the reading that match `pick`, as regions.
fn failed_regions(
    r: &MrzReading,
    pick: impl Fn(CheckId) -> bool,
) -> (Vec<String>, Vec<Region>, f32) {
    let mut messages = Vec::new();
    let mut regions = Vec::new();
    let mut confidence = 1.0f32;
    for c in r.mrz.checks.iter().filter(|c| !c.ok && pick(c.id)) {
        let message = c.message();
        if let Some(s) = c.span {
            if let Some(quad) = span_quad(r, s.line, s.start, s.end) {
                regions.push(Region {
                    label: format!("{} (line {}, columns {}-{})", c.id, s.line, s.start, s.end),
                    quad_px: quad,
                });
            }
            confidence = confidence.min(span_confidence(r, s.line, s.start, s.end));
        }
        messages.push(message);
    }
    (messages, regions, confidence)
}

/// The MRZ checks for a reading (or its absence).
#[must_use]
pub fn mrz_checks(reading: Option<&MrzReading>, watchlist: Option<&Watchlist>) -> Vec<CheckResult> {
    let Some(r) = reading else {
        let why = "no machine-readable zone found on the scan (a civil document has none; \
                   otherwise it is missing, covered or unreadable)";
        return MRZ_CHECK_IDS
            .iter()
            .map(|id| {
                if *id == "mrz.present" {
                    CheckResult::not_performed(id, why)
                } else {
                    CheckResult::not_performed(id, "no MRZ was read")
                }
            })
            .collect();
    };
    let block: Vec<Region> = r
        .line_quads
        .iter()
        .enumerate()
        .map(|(i, q)| Region {
            label: format!("MRZ line {}", i + 1),
            quad_px: *q,
        })
        .collect();
    let mut out = Vec::with_capacity(MRZ_CHECK_IDS.len());
    let format = r.mrz.format;
    out.push(match format {
        Some(f) => CheckResult::pass(
            "mrz.present",
            format!(
                "{} MRZ read ({} lines, lowest character confidence {:.2})",
                f.as_str(),
                r.lines.len(),
                r.confidence
            ),
        )
        .with_regions(block.clone()),
        None => CheckResult::new(
            "mrz.present",
            Status::Warn,
            0.5,
            format!(
                "MRZ-like lines found but they fit no ICAO 9303 format ({} lines of {} characters)",
                r.lines.len(),
                r.lines.iter().map(String::len).max().unwrap_or(0)
            ),
        )
        .with_regions(block.clone()),
    });
    // Lines of the wrong length (a line lost or half read): the fields
    // would be read from the wrong columns, so no field check is fair.
    let lengths_wrong = r
        .mrz
        .checks
        .iter()
        .any(|c| !c.ok && matches!(c.id, CheckId::LineCount | CheckId::LineLength));
    if let Some(f) = format.filter(|_| lengths_wrong) {
        out[0] = CheckResult::new(
            "mrz.present",
            Status::Warn,
            0.5,
            format!(
                "incomplete MRZ: {} line(s) of up to {} characters read where {} has {} of {}; check it by eye",
                r.lines.len(),
                r.lines.iter().map(String::len).max().unwrap_or(0),
                f.as_str(),
                f.line_count(),
                f.line_len(),
            ),
        )
        .with_regions(block.clone());
    }
    if format.is_none() || lengths_wrong {
        for id in &MRZ_CHECK_IDS[1..] {
            out.push(CheckResult::not_performed(
                id,
                "the MRZ read does not fit a known format's line count and lengths",
            ));
        }
        return out;
    }

    // Structure: lengths, character set, field formats, document code, fillers.
    let (msgs, regions, conf) = failed_regions(r, |id| id.category() == Category::Structure);
    out.push(if msgs.is_empty() {
        CheckResult::pass(
            "mrz.structure",
            "line lengths, characters, field formats and fillers follow ICAO 9303",
        )
    } else {
        let score = if conf >= SURE { 0.8 } else { 0.45 };
        let status = if conf >= SURE {
            Status::Fail
        } else {
            Status::Warn
        };
        CheckResult::new("mrz.structure", status, score, msgs.join("; ")).with_regions(regions)
    });

    // Check digits (Doc 9303-3 §4.9).
    let (msgs, regions, conf) = failed_regions(r, |id| id.category() == Category::CheckDigit);
    out.push(if msgs.is_empty() {
        let repaired = if r.substitutions.is_empty() {
            String::new()
        } else {
            format!(
                " after correcting {} uncertain character(s) the check digits confirmed",
                r.substitutions.len()
            )
        };
        CheckResult::pass(
            "mrz.check_digits",
            format!("every check digit holds{repaired}"),
        )
    } else if conf >= SURE {
        CheckResult::new(
            "mrz.check_digits",
            Status::Fail,
            0.95,
            format!(
                "{} (characters read with confidence {conf:.2}: altered MRZ data)",
                msgs.join("; ")
            ),
        )
        .with_regions(regions)
    } else {
        CheckResult::new(
            "mrz.check_digits",
            Status::Warn,
            0.5,
            format!(
                "{} (some characters were hard to read, confidence {conf:.2}: check by eye)",
                msgs.join("; ")
            ),
        )
        .with_regions(regions)
    });

    // Codes: issuing state, nationality, sex.
    let (msgs, regions, _) = failed_regions(r, |id| {
        matches!(
            id,
            CheckId::IssuingState | CheckId::Nationality | CheckId::Sex
        )
    });
    out.push(if msgs.is_empty() {
        CheckResult::pass(
            "mrz.codes",
            "issuing state, nationality and sex are valid codes",
        )
    } else {
        CheckResult::new("mrz.codes", Status::Fail, 0.7, msgs.join("; ")).with_regions(regions)
    });

    // Dates: impossible dates and order fail; expiry warns.
    let (msgs, regions, _) = failed_regions(r, |id| {
        matches!(
            id,
            CheckId::BirthDate | CheckId::ExpiryDate | CheckId::DateOrder
        )
    });
    let (expired_msgs, expired_regions, _) = failed_regions(r, |id| id == CheckId::Expired);
    out.push(if !msgs.is_empty() {
        CheckResult::new("mrz.dates", Status::Fail, 0.8, msgs.join("; ")).with_regions(regions)
    } else if !expired_msgs.is_empty() {
        CheckResult::new("mrz.dates", Status::Warn, 0.3, expired_msgs.join("; "))
            .with_regions(expired_regions)
    } else {
        CheckResult::pass(
            "mrz.dates",
            "dates are real, in order, and the document has not expired",
        )
    });

    // Specimen: a fact an officer wants to see, not a forgery sign.
    let (msgs, regions, _) = failed_regions(r, |id| id == CheckId::Specimen);
    out.push(if msgs.is_empty() {
        CheckResult::pass("mrz.specimen", "not a specimen code")
    } else {
        CheckResult::new("mrz.specimen", Status::Warn, 0.1, msgs.join("; ")).with_regions(regions)
    });

    out.push(watchlist_check(r, watchlist));
    out
}

fn watchlist_check(r: &MrzReading, watchlist: Option<&Watchlist>) -> CheckResult {
    const ID: &str = "document.watchlist";
    let Some(list) = watchlist.filter(|w| !w.is_empty()) else {
        return CheckResult::not_performed(ID, "no watch list configured");
    };
    let Some(f) = &r.mrz.fields else {
        return CheckResult::not_performed(ID, "no document number read");
    };
    let (state, number) = (f.issuing_state.as_str(), f.document_number.as_str());
    match list.lookup(state, number) {
        Some(e) => {
            let regions = r
                .line_quads
                .first()
                .map(|q| {
                    vec![Region {
                        label: "document number".into(),
                        quad_px: *q,
                    }]
                })
                .unwrap_or_default();
            CheckResult::new(
                ID,
                Status::Fail,
                1.0,
                format!(
                    "document is on a watch list: {} (source: {})",
                    e.reason,
                    if e.source.is_empty() {
                        "unnamed"
                    } else {
                        &e.source
                    }
                ),
            )
            .with_regions(regions)
        }
        None => CheckResult::pass(
            ID,
            format!("not on the loaded watch lists ({} entries)", list.len()),
        ),
    }
}
