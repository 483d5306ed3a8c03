//! Printed (VIZ) field values read by OCR, normalised and compared with the
//! MRZ, as BSI TR-03135-1 §5.7.5 asks ("comparison of the personalization
//! contents", transliteration and truncation per ICAO Doc 9303).
//!
//! Pure and deterministic: no I/O. A separate OCR model reads each printed
//! zone of a template; [`compare_field`] takes one zone's characters, each
//! with its probability and candidates, and says whether it agrees with the
//! MRZ. A difference weighs as much as the OCR was sure of the characters
//! that differ ([`DISAGREE_COST`]), so a misread does not pass for a forgery.
//! [`consistency`] checks printed values against each other, for documents
//! without an MRZ (birth certificates) as well as with one.
//!
//! ```
//! use docscreen_mrz::{parse, Date};
//! use docscreen_viz::{compare_field, Agreement, ReadChar};
//!
//! let mrz = parse(
//!     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
//!      L898902C36UTO7408122F1204159ZE184226B<<<<<10",
//!     Date::new(2026, 11, 23).unwrap(),
//! );
//! let fields = mrz.fields.unwrap();
//! let dob = compare_field("dob", &ReadChar::from_text("12 AUG/AOÛT 74", 0.98), &fields);
//! assert_eq!(dob.agreement, Agreement::Agree);
//! assert_eq!(dob.printed_normalised, "XX74-08-12");
//! let name = compare_field("name_line", &ReadChar::from_text("ERIKSSON, ANNA MARIA", 0.98), &fields);
//! assert_eq!(name.agreement, Agreement::Agree);
//! let forged = compare_field("doc_number", &ReadChar::from_text("L898962C3", 0.98), &fields);
//! assert_eq!(forged.agreement, Agreement::Disagree);
//! ```
#![deny(missing_docs)]

mod compare;
mod consistency;
mod cost;
mod date;
mod names;
mod sex;
mod states;
#[cfg(test)]
mod test_support;

use serde::{Deserialize, Serialize};

pub use compare::{FieldComparison, MAX_READ_CHARS, compare_field};
pub use consistency::{EARLIEST_BIRTH_YEAR, FOREIGN_P, Problem, consistency, foreign_print};
pub use cost::{CONFUSABLE_FACTOR, DISAGREE_COST, MIN_MEAN_P, MISSING_CHAR_COST, SEPARATOR_FACTOR};
pub use date::{PrintedDate, parse_printed_date};
pub use states::same_state;

/// One character read by the OCR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadChar {
    /// The character (upper case: the OCR reads lower-case print as upper case).
    pub ch: char,
    /// Its probability, 0..=1.
    pub p: f32,
    /// Up to three candidates with their probabilities, most likely first;
    /// the character itself may be among them.
    pub candidates: Vec<(char, f32)>,
}

impl ReadChar {
    /// `text` read with probability `p` for every character and no
    /// candidates: for plain strings and tests.
    #[must_use]
    pub fn from_text(text: &str, p: f32) -> Vec<ReadChar> {
        text.chars()
            .map(|ch| ReadChar {
                ch,
                p,
                candidates: Vec::new(),
            })
            .collect()
    }
}

/// What a printed zone holds, by the template contract's zone names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// `surname`: the primary identifier.
    Surname,
    /// `given_names`: the secondary identifier.
    GivenNames,
    /// `name_line`: the whole name on one line (`ERIKSSON, ANNA MARIA`).
    NameLine,
    /// `doc_number`.
    DocNumber,
    /// `nationality`.
    Nationality,
    /// `issuing_code`: the issuing state or organisation.
    IssuingState,
    /// `dob`.
    BirthDate,
    /// `sex`.
    Sex,
    /// `expiry`, and a visa's `valid_until`: the MRZ's date of expiry is the
    /// "valid until" date on visas (Doc 9303-7 §4.1.1, field 05/III).
    ExpiryDate,
    /// `doc_type`: the document code.
    DocType,
    /// A date the MRZ does not hold: `issue_date`, `valid_from`.
    Date,
    /// Anything else (`place_of_birth`, `authority`, `personal_number`, …).
    Other,
}

/// The kind of the zone named `zone_name` (the template contract's names,
/// and a few common synonyms).
#[must_use]
pub fn field_kind(zone_name: &str) -> FieldKind {
    match zone_name {
        "surname" | "primary_identifier" => FieldKind::Surname,
        "given_names" | "secondary_identifier" => FieldKind::GivenNames,
        "name_line" | "name" => FieldKind::NameLine,
        "doc_number" | "document_number" | "passport_number" => FieldKind::DocNumber,
        "nationality" => FieldKind::Nationality,
        "issuing_code" | "issuing_state" | "country_code" => FieldKind::IssuingState,
        "dob" | "birth_date" | "date_of_birth" => FieldKind::BirthDate,
        "sex" => FieldKind::Sex,
        "expiry" | "expiry_date" | "date_of_expiry" | "valid_until" => FieldKind::ExpiryDate,
        "doc_type" | "document_code" => FieldKind::DocType,
        "issue_date" | "date_of_issue" | "valid_from" => FieldKind::Date,
        _ => FieldKind::Other,
    }
}

/// The verdict of one comparison (BSI TR-03135-1 Table 5.51: successful,
/// failed, undetermined / not supported).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Agreement {
    /// The print and the MRZ agree, up to what the OCR may have misread.
    Agree,
    /// They differ in characters the OCR read confidently.
    Disagree,
    /// The print, or the MRZ value, could not be read well enough to judge.
    Unreadable,
    /// The MRZ has no counterpart of this field.
    NotInMrz,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names() {
        for (zone, kind) in [
            ("surname", FieldKind::Surname),
            ("given_names", FieldKind::GivenNames),
            ("name_line", FieldKind::NameLine),
            ("doc_type", FieldKind::DocType),
            ("doc_number", FieldKind::DocNumber),
            ("issuing_code", FieldKind::IssuingState),
            ("nationality", FieldKind::Nationality),
            ("dob", FieldKind::BirthDate),
            ("sex", FieldKind::Sex),
            ("expiry", FieldKind::ExpiryDate),
            ("valid_until", FieldKind::ExpiryDate),
            ("issue_date", FieldKind::Date),
            ("valid_from", FieldKind::Date),
            ("place_of_birth", FieldKind::Other),
            ("authority", FieldKind::Other),
            ("personal_number", FieldKind::Other),
            ("visa_number", FieldKind::Other),
            ("height", FieldKind::Other),
            ("", FieldKind::Other),
        ] {
            assert_eq!(field_kind(zone), kind, "{zone}");
        }
    }

    #[test]
    fn serialises_in_snake_case() {
        let json = serde_json::to_string(&[Agreement::NotInMrz, Agreement::Agree]).expect("json");
        assert_eq!(json, r#"["not_in_mrz","agree"]"#);
        assert_eq!(
            serde_json::to_string(&FieldKind::BirthDate).expect("json"),
            r#""birth_date""#
        );
    }
}
