//! One printed field against the MRZ: dispatch by kind, and the verdict
//! from the difference cost.

use docscreen_mrz::{Fields, transliterate};
use serde::Serialize;

use crate::cost::{
    Alignment, DISAGREE_COST, MIN_MEAN_P, Slot, align, difference_confidence, mean_p, upper,
};
use crate::{Agreement, FieldKind, ReadChar, date, field_kind, names, sex, states};

/// Readings longer than this are not compared (no printed field is this
/// long); it also bounds the work on hostile input.
pub const MAX_READ_CHARS: usize = 160;

/// One printed field compared with the MRZ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldComparison {
    /// The zone name.
    pub field: String,
    /// The text as read.
    pub printed: String,
    /// The text in the form it is compared in: `1940-04-16` (`XX40-04-16`
    /// for a two-digit year), `ERIKSSON<<ANNA<MARIA` (MRZ name form), `F`,
    /// `UTO`, `L898902C3`.
    pub printed_normalised: String,
    /// The MRZ value compared with, normalised the same way.
    pub mrz: Option<String>,
    /// The verdict.
    pub agreement: Agreement,
    /// How sure the verdict is, 0..=1. For [`Agreement::Disagree`]: how
    /// sure it is that at least one differing character was read right.
    pub confidence: f32,
    /// Why, in short English for an officer; it quotes no value.
    pub reason: String,
}

/// What a field's comparison found, before the readability gate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Finding {
    /// Compared: the cheapest alignment and a note on how it matched.
    Scored(Alignment, &'static str),
    /// Could not be compared, and why.
    Unreadable(&'static str),
    /// The MRZ has no such field.
    NotInMrz,
}

/// A field's normalised value, the MRZ value and what the comparison found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    pub(crate) normalised: String,
    pub(crate) mrz: Option<String>,
    pub(crate) finding: Finding,
}

impl Outcome {
    pub(crate) fn unreadable(normalised: String, mrz: Option<String>, why: &'static str) -> Self {
        Self {
            normalised,
            mrz,
            finding: Finding::Unreadable(why),
        }
    }
}

/// Compares what the OCR read in zone `zone_name` with the MRZ `mrz`.
///
/// The verdict is [`Agreement::Unreadable`] when nothing was read, when the
/// mean probability is under [`MIN_MEAN_P`], or when the value cannot be
/// interpreted (a date that does not parse, an unknown state name); it is
/// [`Agreement::Disagree`] only when the difference cost reaches
/// [`DISAGREE_COST`]. Never panics.
#[must_use]
pub fn compare_field(zone_name: &str, read: &[ReadChar], mrz: &Fields) -> FieldComparison {
    let printed: String = read.iter().map(|r| r.ch).collect();
    let outcome = if read.len() > MAX_READ_CHARS {
        Outcome::unreadable(String::new(), None, "longer than any printed field")
    } else {
        outcome(field_kind(zone_name), read, mrz)
    };
    judge(zone_name, printed, outcome, mean_p(read))
}

fn outcome(kind: FieldKind, read: &[ReadChar], mrz: &Fields) -> Outcome {
    let not_in_mrz = |normalised| Outcome {
        normalised,
        mrz: None,
        finding: Finding::NotInMrz,
    };
    match kind {
        FieldKind::Surname | FieldKind::GivenNames | FieldKind::NameLine => {
            names::compare(kind, read, mrz)
        }
        FieldKind::DocNumber => code_or_number(read, &mrz.document_number, false),
        FieldKind::DocType => code_or_number(read, &mrz.document_code, true),
        FieldKind::IssuingState => states::compare(read, &mrz.issuing_state),
        FieldKind::Nationality => match &mrz.nationality {
            Some(code) => states::compare(read, code),
            None => not_in_mrz(states::normalise(read)),
        },
        FieldKind::Sex => sex::compare(read, mrz.sex),
        FieldKind::BirthDate => date::compare(read, &mrz.birth_date),
        FieldKind::ExpiryDate => match &mrz.expiry_date {
            Some(expiry) => date::compare(read, expiry),
            None => not_in_mrz(date::normalise(read)),
        },
        FieldKind::Date => not_in_mrz(date::normalise(read)),
        FieldKind::Other => {
            let text: String = read.iter().map(|r| r.ch).collect();
            not_in_mrz(text.trim().to_owned())
        }
    }
}

/// The verdict: the readability gate, then the cost against the threshold.
fn judge(field: &str, printed: String, o: Outcome, mean: Option<f32>) -> FieldComparison {
    let (agreement, confidence, reason) = match (&o.finding, mean) {
        (Finding::NotInMrz, _) => (Agreement::NotInMrz, 1.0, "no MRZ counterpart".to_owned()),
        (_, None) => (Agreement::Unreadable, 1.0, "nothing was read".to_owned()),
        (_, Some(m)) if m < MIN_MEAN_P => (
            Agreement::Unreadable,
            1.0 - m,
            format!("read with low confidence (mean p {m:.2} < {MIN_MEAN_P:.2})"),
        ),
        (Finding::Unreadable(why), Some(m)) => (Agreement::Unreadable, m, (*why).to_owned()),
        (Finding::Scored(a, note), Some(m)) => {
            let note = if note.is_empty() {
                String::new()
            } else {
                format!("; {note}")
            };
            if a.cost >= DISAGREE_COST {
                let n = a.diffs.len();
                (
                    Agreement::Disagree,
                    difference_confidence(&a.diffs),
                    format!(
                        "differs from the MRZ: {n} difference{} read confidently (cost {:.2} ≥ {DISAGREE_COST:.2}){note}",
                        if n == 1 { "" } else { "s" },
                        a.cost
                    ),
                )
            } else if a.cost > 0.0 {
                (
                    Agreement::Agree,
                    m * (1.0 - a.cost / DISAGREE_COST),
                    format!(
                        "agrees with the MRZ within OCR uncertainty (cost {:.2} < {DISAGREE_COST:.2}){note}",
                        a.cost
                    ),
                )
            } else {
                (Agreement::Agree, m, format!("agrees with the MRZ{note}"))
            }
        }
    };
    FieldComparison {
        field: field.to_owned(),
        printed,
        printed_normalised: o.normalised,
        mrz: o.mrz,
        agreement,
        confidence: confidence.clamp(0.0, 1.0),
        reason,
    }
}

/// The letters and digits of a reading (accented letters folded, other
/// characters dropped).
fn alnum_slots(read: &[ReadChar]) -> Vec<Slot> {
    read.iter()
        .filter_map(|r| Some(Slot::from_read(r, alnum(r.ch)?, 1.0, alnum)))
        .collect()
}

fn alnum(c: char) -> Option<char> {
    let c = upper(c);
    if c.is_ascii_alphanumeric() {
        return Some(c);
    }
    let t = transliterate(&c.to_string());
    let mut chars = t.chars();
    match (chars.next(), chars.next()) {
        (Some(x), None) if x.is_ascii_uppercase() => Some(x),
        _ => None,
    }
}

pub(crate) fn text_of(slots: &[Slot]) -> String {
    slots.iter().map(|s| s.ch).collect()
}

/// The document number (spaces and punctuation dropped, as the MRZ, which
/// has only letters, digits and fillers, holds it) or the document code.
/// A one-letter MRZ code (`P<`, `I<`) leaves the second letter at the
/// issuer's discretion (Doc 9303-4 §4.2.2.1, Doc 9303-5 §4.2.2 note k), so
/// only the first printed letter is compared then.
fn code_or_number(read: &[ReadChar], mrz: &str, is_code: bool) -> Outcome {
    let mut slots = alnum_slots(read);
    let normalised = text_of(&slots);
    if slots.is_empty() {
        return Outcome::unreadable(
            normalised,
            Some(mrz.to_owned()),
            "no letters or digits were read",
        );
    }
    if is_code && mrz.len() == 1 {
        slots.truncate(1);
    }
    let expected: Vec<char> = mrz.chars().collect();
    Outcome {
        normalised,
        mrz: Some(mrz.to_owned()),
        finding: Finding::Scored(align(&slots, &expected, false), ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{altered, read, td3};

    fn check(zone: &str, read: &[ReadChar], agreement: Agreement, normalised: &str) {
        let c = compare_field(zone, read, &td3());
        assert_eq!(c.agreement, agreement, "{zone}: {c:?}");
        assert_eq!(c.printed_normalised, normalised, "{zone}: {c:?}");
        assert!((0.0..=1.0).contains(&c.confidence), "{c:?}");
    }

    #[test]
    fn document_numbers() {
        check(
            "doc_number",
            &read("L898902C3"),
            Agreement::Agree,
            "L898902C3",
        );
        check(
            "doc_number",
            &read("L 898902 C3"),
            Agreement::Agree,
            "L898902C3",
        );
        check(
            "doc_number",
            &read("L-898.902/C3"),
            Agreement::Agree,
            "L898902C3",
        );
        // OCR look-alikes are weak differences.
        check(
            "doc_number",
            &read("L8989O2C3"),
            Agreement::Agree,
            "L8989O2C3",
        );
        check(
            "doc_number",
            &read("L89B9O2C3"),
            Agreement::Agree,
            "L89B9O2C3",
        );
        // One confidently read different digit disagrees.
        check(
            "doc_number",
            &read("L898962C3"),
            Agreement::Disagree,
            "L898962C3",
        );
        // The same digit read doubtfully agrees.
        check(
            "doc_number",
            &altered("L898962C3", 5, 0.45, &[]),
            Agreement::Agree,
            "L898962C3",
        );
        // …and so does a confident one when the MRZ's digit is a strong candidate.
        check(
            "doc_number",
            &altered("L898962C3", 5, 0.9, &[('0', 0.3)]),
            Agreement::Agree,
            "L898962C3",
        );
    }

    #[test]
    fn document_codes() {
        check("doc_type", &read("P"), Agreement::Agree, "P");
        check("doc_type", &read("PO"), Agreement::Agree, "PO");
        check("doc_type", &read("V"), Agreement::Disagree, "V");
        check("doc_type", &read("-"), Agreement::Unreadable, "");
    }

    #[test]
    fn readability_gate() {
        let c = compare_field("doc_number", &[], &td3());
        assert_eq!(
            (c.agreement, c.reason.as_str()),
            (Agreement::Unreadable, "nothing was read")
        );
        let c = compare_field("doc_number", &ReadChar::from_text("X1234567", 0.3), &td3());
        assert_eq!(c.agreement, Agreement::Unreadable);
        assert!(c.reason.contains("low confidence"), "{c:?}");
        let long = "A".repeat(MAX_READ_CHARS + 1);
        assert_eq!(
            compare_field("surname", &read(&long), &td3()).agreement,
            Agreement::Unreadable
        );
    }

    #[test]
    fn fields_the_mrz_lacks() {
        for zone in ["place_of_birth", "authority", "issue_date", "height"] {
            check(zone, &read("ZENITH"), Agreement::NotInMrz, "ZENITH");
        }
        check(
            "issue_date",
            &read("16 APR 2007"),
            Agreement::NotInMrz,
            "2007-04-16",
        );
    }

    #[test]
    fn reasons_quote_no_values() {
        for (zone, text) in [
            ("doc_number", "L898962C3"),
            ("surname", "ERIKSSEN"),
            ("dob", "12 08 1975"),
        ] {
            let c = compare_field(zone, &read(text), &td3());
            assert_eq!(c.agreement, Agreement::Disagree, "{c:?}");
            assert!(c.reason.contains("cost"), "{c:?}");
            for value in [text, "L898902C3", "ERIKSSON", "1975", "740812"] {
                assert!(!c.reason.contains(value), "{c:?}");
            }
        }
    }
}
