//! The ICAO Doc 9303 machine readable zone (MRZ) engine of docscreen.
//!
//! Pure and dependency-free (serde behind a feature): it parses and
//! validates the six MRZ formats (TD1, TD2, TD3, MRV-A, MRV-B and the French
//! identity card of 1988-2021), repairs OCR readings under the check digits
//! and builds MRZ lines from data.
//!
//! Parsing never fails: a damaged MRZ is a result, with every check that was
//! made and the position of every failure, so that a screening can mark the
//! region on the image.
//!
//! ```
//! use docscreen_mrz::{parse, CheckId, Date};
//!
//! let mrz = parse(
//!     "I<UTOD231458907<<<<<<<<<<<<<<<\n\
//!      7408122F1204159UTO<<<<<<<<<<<6\n\
//!      ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
//!     Date::new(2026, 11, 23).unwrap(),
//! );
//! assert!(mrz.is_valid());
//! assert_eq!(mrz.fields.as_ref().unwrap().document_number, "D23145890");
//! let composite = mrz.check(CheckId::CompositeCheckDigit).unwrap();
//! assert!(composite.ok);
//! assert_eq!(composite.span.unwrap().line, 2);
//! ```
#![deny(missing_docs)]

mod charset;
mod checks;
mod codes;
mod date;
mod emit;
mod format;
mod parse;
mod repair;
mod text;
mod translit;

pub use charset::{FILLER, char_value, check_digit, is_mrz_char};
pub use checks::{Category, Check, CheckId, Detail, Span};
pub use codes::{CodeKind, lookup as lookup_code};
pub use date::{Date, DateParseError, DateProblem, DateRole, MrzDate, is_leap_year};
pub use emit::{FormatError, MrzInput, format_mrz, name_field};
pub use format::Format;
pub use parse::{Fields, Mrz, Sex, parse, parse_lines};
pub use repair::{
    Candidate, MAX_TEXT_SUBSTITUTIONS, Repair, Substitution, candidates_from_text, repair,
    repair_text,
};
pub use text::MrzText;
pub use translit::transliterate;
