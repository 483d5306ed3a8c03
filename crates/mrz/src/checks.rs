//! The individual checks of an MRZ, each with its outcome and position.

use std::fmt;

use crate::codes::CodeKind;
use crate::date::DateProblem;

/// What a check verifies. Ids are stable: reports and tests use
/// [`CheckId::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CheckId {
    /// The number of lines fits a known format.
    LineCount,
    /// A line has the length of its format.
    LineLength,
    /// Only `0-9`, `A-Z` and `<` (Doc 9303-3 §4.3).
    Charset,
    /// Letters where letters belong (names, codes), digits where digits
    /// belong (dates).
    FieldFormat,
    /// The document code is allowed for the format (e.g. Doc 9303-5 note k).
    DocumentCode,
    /// Fillers follow Doc 9303-3 §4.6: no empty primary identifier, nothing
    /// after the trailing fillers of the name.
    Filler,
    /// Check digit of the document number.
    DocumentNumberCheckDigit,
    /// Check digit of the date of birth.
    BirthDateCheckDigit,
    /// Check digit of the date of expiry.
    ExpiryDateCheckDigit,
    /// Check digit of the personal number / optional data (TD3).
    OptionalDataCheckDigit,
    /// Composite check digit.
    CompositeCheckDigit,
    /// Issuing state or organisation is a known code (Doc 9303-3 §5).
    IssuingState,
    /// Nationality is a known code (Doc 9303-3 §5).
    Nationality,
    /// Sex is `F`, `M`, `<` (or `X`).
    Sex,
    /// The date of birth is a real day (or unknown, where allowed).
    BirthDate,
    /// The date of expiry is a real day.
    ExpiryDate,
    /// The date of expiry is not before the date of birth.
    DateOrder,
    /// The document has not expired on the reference date.
    Expired,
    /// The document is not a specimen (UTO, or a name written SPECIMEN).
    Specimen,
}

/// Families of checks. [`crate::Mrz::is_valid`] is the conjunction of the
/// structure and check-digit families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum Category {
    /// Line count, lengths, character set, field formats, fillers, codes.
    Structure,
    /// Check digits.
    CheckDigit,
    /// Meaning of the values: known state codes, sex, real dates.
    Semantic,
    /// Facts about the document, not faults of the MRZ: expired, specimen.
    Status,
}

impl CheckId {
    /// The stable identifier, e.g. `check_digit.composite`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::LineCount => "structure.line_count",
            CheckId::LineLength => "structure.line_length",
            CheckId::Charset => "structure.charset",
            CheckId::FieldFormat => "structure.field_format",
            CheckId::DocumentCode => "structure.document_code",
            CheckId::Filler => "structure.filler",
            CheckId::DocumentNumberCheckDigit => "check_digit.document_number",
            CheckId::BirthDateCheckDigit => "check_digit.birth_date",
            CheckId::ExpiryDateCheckDigit => "check_digit.expiry_date",
            CheckId::OptionalDataCheckDigit => "check_digit.optional_data",
            CheckId::CompositeCheckDigit => "check_digit.composite",
            CheckId::IssuingState => "semantic.issuing_state",
            CheckId::Nationality => "semantic.nationality",
            CheckId::Sex => "semantic.sex",
            CheckId::BirthDate => "semantic.birth_date",
            CheckId::ExpiryDate => "semantic.expiry_date",
            CheckId::DateOrder => "semantic.date_order",
            CheckId::Expired => "status.expired",
            CheckId::Specimen => "status.specimen",
        }
    }

    /// The family of the check.
    #[must_use]
    pub fn category(self) -> Category {
        match self {
            CheckId::LineCount
            | CheckId::LineLength
            | CheckId::Charset
            | CheckId::FieldFormat
            | CheckId::DocumentCode
            | CheckId::Filler => Category::Structure,
            CheckId::DocumentNumberCheckDigit
            | CheckId::BirthDateCheckDigit
            | CheckId::ExpiryDateCheckDigit
            | CheckId::OptionalDataCheckDigit
            | CheckId::CompositeCheckDigit => Category::CheckDigit,
            CheckId::IssuingState
            | CheckId::Nationality
            | CheckId::Sex
            | CheckId::BirthDate
            | CheckId::ExpiryDate
            | CheckId::DateOrder => Category::Semantic,
            CheckId::Expired | CheckId::Specimen => Category::Status,
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a check looked: a run of columns on one line, 1-based and inclusive
/// as Doc 9303 numbers character positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// Line, 1-based.
    pub line: u8,
    /// First column, 1-based.
    pub start: u8,
    /// Last column, 1-based, inclusive.
    pub end: u8,
}

impl Span {
    pub(crate) fn cols(line0: u8, start0: usize, len: usize) -> Self {
        let len = len.max(1);
        Self {
            line: line0 + 1,
            start: start0 as u8 + 1,
            end: (start0 + len) as u8,
        }
    }
}

/// The facts behind a check's outcome, for its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Detail {
    /// Nothing to add.
    None,
    /// A count was expected and another found (lines, characters).
    Count {
        /// What the format requires.
        expected: u8,
        /// What the input has.
        found: u8,
    },
    /// A character not allowed where it stands.
    Char(char),
    /// A check digit as computed and as written (`None`: the data holds a
    /// character outside the MRZ set, so no digit can be computed).
    CheckDigit {
        /// Computed from the data.
        expected: Option<u8>,
        /// As written.
        found: char,
    },
    /// A state or organisation code and how it is known.
    Code {
        /// The code, fillers removed.
        code: [u8; 3],
        /// `None` when unknown.
        kind: Option<CodeKind>,
    },
    /// A date that is not a valid date.
    Date(DateProblem),
    /// The empty personal number's check digit was written as a filler,
    /// which Doc 9303-4 allows.
    EmptyField,
    /// A document number longer than 9 characters, carried into the
    /// optional data (Doc 9303-5 §4.2.2 note j).
    LongDocumentNumber,
    /// A long document number whose check digit holds only when the filler
    /// at position 15 is counted: an issuer deviation from Doc 9303-5 §4.2.4.
    LongDocumentNumberDeviation,
}

/// One check with its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// What was checked.
    pub id: CheckId,
    /// Whether it holds.
    pub ok: bool,
    /// Where the evidence is, when it has a place.
    pub span: Option<Span>,
    /// The facts behind the outcome.
    pub detail: Detail,
}

impl Check {
    /// A sentence for the officer, without personal data (codes and check
    /// digits only, never names or numbers).
    #[must_use]
    pub fn message(&self) -> String {
        let what = match self.id {
            CheckId::DocumentNumberCheckDigit => "document number",
            CheckId::BirthDateCheckDigit => "date of birth",
            CheckId::ExpiryDateCheckDigit => "date of expiry",
            CheckId::OptionalDataCheckDigit => "personal number / optional data",
            CheckId::CompositeCheckDigit => "composite",
            _ => "",
        };
        match (self.id, self.detail, self.ok) {
            (CheckId::LineCount, Detail::Count { found, .. }, false) => {
                format!(
                    "{found} line(s) match no MRZ format (TD1: 3×30, TD2/MRV-B/FRID: 2×36, TD3/MRV-A: 2×44)"
                )
            }
            (CheckId::LineLength, Detail::Count { expected, found }, false) => {
                format!("line has {found} characters, the format has {expected}")
            }
            (CheckId::Charset, Detail::Char(c), false) => {
                format!("character {c:?} is not in the MRZ character set (0-9, A-Z, <)")
            }
            (CheckId::FieldFormat, Detail::Char(c), false) => {
                format!("character {c:?} is not allowed in this field")
            }
            (CheckId::DocumentCode, _, false) => "document code not allowed for this format".into(),
            (CheckId::Filler, _, false) => "fillers misplaced in the name field".into(),
            (
                _,
                Detail::CheckDigit {
                    expected: Some(e),
                    found,
                },
                false,
            ) => {
                format!("{what} check digit is {found:?}, computed {e}")
            }
            (_, Detail::CheckDigit { expected: None, .. }, false) => {
                format!("{what} check digit cannot be computed: invalid characters in the data")
            }
            (_, Detail::EmptyField, true) => {
                format!("{what} is empty and its check digit is a filler")
            }
            (_, Detail::LongDocumentNumberDeviation, true) => format!(
                "{what} check digit holds only with the filler at position 15 counted (known issuer deviation from Doc 9303-5 §4.2.4)"
            ),
            (_, Detail::LongDocumentNumber, true) => {
                format!(
                    "{what} check digit holds (long document number continued in the optional data)"
                )
            }
            (CheckId::IssuingState | CheckId::Nationality, Detail::Code { code, kind }, ok) => {
                let code = String::from_utf8_lossy(&code)
                    .trim_end_matches('<')
                    .to_owned();
                let field = if self.id == CheckId::IssuingState {
                    "issuing state"
                } else {
                    "nationality"
                };
                match (kind, ok) {
                    (None, _) => format!("{field} code {code:?} is not an ISO 3166-1 or ICAO code"),
                    (Some(CodeKind::Iso3166), _) => format!("{field} code {code} (ISO 3166-1)"),
                    (Some(CodeKind::Icao), _) => {
                        format!("{field} code {code} (ICAO Doc 9303-3 §5)")
                    }
                    (Some(CodeKind::Specimen), _) => {
                        format!("{field} code {code} is a specimen code")
                    }
                }
            }
            (CheckId::Sex, Detail::Char(c), false) => format!("sex {c:?} is not F, M or <"),
            (CheckId::BirthDate | CheckId::ExpiryDate, Detail::Date(p), false) => {
                let field = if self.id == CheckId::BirthDate {
                    "date of birth"
                } else {
                    "date of expiry"
                };
                match p {
                    DateProblem::NotDigits => format!("{field} is not written in digits"),
                    DateProblem::Unknown => format!("{field} has unknown parts"),
                    DateProblem::Impossible => format!("{field} is not a calendar day"),
                }
            }
            (CheckId::DateOrder, _, false) => "date of expiry is before the date of birth".into(),
            (CheckId::Expired, _, false) => "document expired before the reference date".into(),
            (CheckId::Expired, _, true) => "document not expired on the reference date".into(),
            (CheckId::Specimen, _, false) => "specimen document".into(),
            (CheckId::Specimen, _, true) => "not a specimen".into(),
            (id, _, true) if id.category() == Category::CheckDigit => {
                format!("{what} check digit holds")
            }
            (CheckId::LineCount, _, true) => "line count fits the format".into(),
            (CheckId::LineLength, _, true) => "line length fits the format".into(),
            (CheckId::Charset, _, true) => "only MRZ characters".into(),
            (CheckId::FieldFormat, _, true) => {
                "letters and digits where the fields want them".into()
            }
            (CheckId::DocumentCode, _, true) => "document code allowed for this format".into(),
            (CheckId::Filler, _, true) => "fillers well placed".into(),
            (CheckId::Sex, Detail::Char(c), true) => format!("sex {c:?} is an ICAO value"),
            (CheckId::BirthDate, _, true) => {
                "date of birth is a calendar day (or unknown, as allowed)".into()
            }
            (CheckId::ExpiryDate, _, true) => "date of expiry is a calendar day".into(),
            (CheckId::DateOrder, _, true) => "date of expiry is after the date of birth".into(),
            (_, _, true) => "holds".into(),
            (id, _, false) => format!("{id} failed"),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Check", 6)?;
        st.serialize_field("id", self.id.as_str())?;
        st.serialize_field("ok", &self.ok)?;
        st.serialize_field("category", &self.id.category())?;
        st.serialize_field("message", &self.message())?;
        st.serialize_field("line", &self.span.map(|s| s.line))?;
        st.serialize_field("columns", &self.span.map(|s| [s.start, s.end]))?;
        st.end()
    }
}
