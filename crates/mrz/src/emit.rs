//! Building MRZ lines from data: the inverse of parsing.

use std::fmt;

use crate::charset::{self, FILLER};
use crate::date::Date;
use crate::format::{Format, NameLayout};
use crate::translit::transliterate;

/// The data to write into an MRZ. Names are given as printed in the VIZ
/// (any script Doc 9303-3 §6 covers); codes and numbers in MRZ characters
/// (other characters in numbers become fillers, as Doc 9303-7 note a asks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MrzInput {
    /// The format to write.
    pub format: Format,
    /// Document code (`P`, `ID`, `V`, `AC`, …).
    pub document_code: String,
    /// Issuing state or organisation (`UTO`, `D`, …).
    pub issuing_state: String,
    /// Primary identifier (surname) as printed.
    pub primary_identifier: String,
    /// Secondary identifier (given names) as printed.
    pub secondary_identifier: String,
    /// Document number. TD1 and TD2 take more than 9 characters.
    pub document_number: String,
    /// Nationality (ignored on the French card).
    pub nationality: String,
    /// Date of birth; `None` when unknown (written as fillers).
    pub birth_date: Option<Date>,
    /// Sex: `M`, `F` or `<` (`X` is written `<`, Doc 9303-5 note f).
    pub sex: char,
    /// Date of expiry (ignored on the French card).
    pub expiry_date: Option<Date>,
    /// Optional data (personal number on a TD3, administrative code on the
    /// French card).
    pub optional_data: String,
    /// TD1 middle-line optional data.
    pub optional_data_2: String,
}

/// Why an MRZ could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// A value does not fit its field.
    TooLong {
        /// The field.
        field: &'static str,
        /// Characters available.
        max: usize,
        /// Characters given.
        got: usize,
    },
    /// A code is not 1-3 letters, or a document code not 1-2.
    BadCode {
        /// The field.
        field: &'static str,
    },
    /// The format needs this date.
    MissingDate {
        /// The field.
        field: &'static str,
    },
    /// The sex is not `M`, `F`, `X` or `<`.
    BadSex(char),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::TooLong { field, max, got } => {
                write!(f, "{field} has {got} characters, the MRZ field holds {max}")
            }
            FormatError::BadCode { field } => write!(
                f,
                "{field} must be letters (1-3, or 1-2 for a document code)"
            ),
            FormatError::MissingDate { field } => write!(f, "{field} is required for this format"),
            FormatError::BadSex(c) => write!(f, "sex {c:?} must be M, F, X or <"),
        }
    }
}

impl std::error::Error for FormatError {}

/// Numbers and optional data in MRZ characters: upper case, any other
/// character a filler.
fn mrz_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            let c = c.to_ascii_uppercase();
            if c.is_ascii_uppercase() || c.is_ascii_digit() {
                c
            } else {
                '<'
            }
        })
        .collect()
}

fn code(s: &str, field: &'static str, max: usize) -> Result<String, FormatError> {
    let s = s.trim().to_ascii_uppercase();
    if s.is_empty() || s.len() > max || !s.bytes().all(|b| b.is_ascii_uppercase() || b == FILLER) {
        return Err(FormatError::BadCode { field });
    }
    Ok(s)
}

fn yymmdd(d: Option<Date>) -> String {
    d.map_or_else(
        || "<<<<<<".to_owned(),
        |d| {
            format!(
                "{:02}{:02}{:02}",
                d.year().rem_euclid(100),
                d.month(),
                d.day()
            )
        },
    )
}

/// `text` fits a field of `max` characters.
fn fits(field: &'static str, text: &str, max: u8) -> Result<(), FormatError> {
    if text.len() > usize::from(max) {
        return Err(FormatError::TooLong {
            field,
            max: usize::from(max),
            got: text.len(),
        });
    }
    Ok(())
}

fn put(line: &mut [u8], start: usize, text: &str) {
    line[start..start + text.len()].copy_from_slice(text.as_bytes());
}

fn digit(data: &[u8]) -> u8 {
    // Inputs are MRZ characters by construction.
    b'0' + charset::check_digit(data).unwrap_or(0)
}

/// The name field of `width` characters (Doc 9303-3 §4.6), truncated when
/// needed as Doc 9303-4 §4.2.3 / -5 §4.2.3 allow: the secondary identifier
/// is cut first; a primary identifier too long for the field keeps room for
/// `<<` and the first letter of the secondary. Returns the field, padded.
#[must_use]
pub fn name_field(primary: &str, secondary: &str, width: usize) -> String {
    let p = transliterate(primary);
    let s = transliterate(secondary);
    let full = if s.is_empty() {
        p.clone()
    } else {
        format!("{p}<<{s}")
    };
    let mut out = full.clone();
    if full.len() > width {
        if s.is_empty() || p.len() + 3 <= width {
            out.truncate(width);
            // A truncated name must end on a letter, or a reader cannot tell it
            // was truncated: keep the next component's initial in the last place.
            if out.ends_with('<') {
                let sep = if out.ends_with("<<") { "<<" } else { "<" };
                let base = out.trim_end_matches('<');
                let keep = width - sep.len() - 1;
                let next = full[width..].chars().find(|&c| c != '<');
                if let Some(n) = next
                    && base.len() >= keep
                    && !base[..keep].ends_with('<')
                {
                    out = format!("{}{sep}{n}", &base[..keep]);
                }
            }
        } else {
            // The primary identifier alone overflows: cut it, keep `<<` and as
            // much of the secondary identifier as fits.
            let head = p[..width - 3].trim_end_matches('<');
            let room = width - head.len() - 2;
            out = format!("{head}<<{}", &s[..room.min(s.len())]);
        }
    }
    while out.len() < width {
        out.push('<');
    }
    out
}

/// The lines of the MRZ for `input`, check digits computed.
///
/// ```
/// use docscreen_mrz::{format_mrz, Date, Format, MrzInput};
/// let lines = format_mrz(&MrzInput {
///     format: Format::Td3,
///     document_code: "P".into(),
///     issuing_state: "UTO".into(),
///     primary_identifier: "Eriksson".into(),
///     secondary_identifier: "Anna María".into(),
///     document_number: "L898902C3".into(),
///     nationality: "UTO".into(),
///     birth_date: Date::new(1974, 8, 12),
///     sex: 'F',
///     expiry_date: Date::new(2012, 4, 15),
///     optional_data: "ZE184226B".into(),
///     optional_data_2: String::new(),
/// })
/// .unwrap();
/// assert_eq!(lines, [
///     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
///     "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
/// ]);
/// ```
///
/// # Errors
/// [`FormatError`] when a value does not fit its field or is malformed.
pub fn format_mrz(input: &MrzInput) -> Result<Vec<String>, FormatError> {
    let layout = input.format.layout();
    let width = layout.len as usize;
    let mut lines = vec![vec![FILLER; width]; layout.lines as usize];

    let doc_code = code(&input.document_code, "document code", 2)?;
    let issuing = code(&input.issuing_state, "issuing state", 3)?;
    let sex = match input.sex.to_ascii_uppercase() {
        c @ ('M' | 'F' | '<') => c,
        'X' => '<',
        c => return Err(FormatError::BadSex(c)),
    };
    let dc = layout.document_code;
    put(&mut lines[dc.line as usize], dc.start as usize, &doc_code);
    let is = layout.issuing_state;
    put(&mut lines[is.line as usize], is.start as usize, &issuing);

    match layout.name {
        NameLayout::Icao(run) => {
            let f = name_field(
                &input.primary_identifier,
                &input.secondary_identifier,
                run.len as usize,
            );
            put(&mut lines[run.line as usize], run.start as usize, &f);
        }
        NameLayout::French { surname, given } => {
            let s = name_field(&input.primary_identifier, "", surname.len as usize);
            put(
                &mut lines[surname.line as usize],
                surname.start as usize,
                &s,
            );
            // Given names are separated by `<<` on the card.
            let names: Vec<String> = input
                .secondary_identifier
                .split_whitespace()
                .map(transliterate)
                .collect();
            let mut g = names.join("<<");
            g.truncate(given.len as usize);
            put(&mut lines[given.line as usize], given.start as usize, &g);
        }
    }

    // Document number, long numbers on TD1/TD2 (Doc 9303-5 §4.2.2 note j).
    let number = mrz_text(&input.document_number);
    let dn = layout.document_number;
    let mut optional = mrz_text(&input.optional_data);
    if number.len() > dn.len as usize {
        let opt = layout
            .optional
            .filter(|_| layout.long_document_number)
            .ok_or(FormatError::TooLong {
                field: "document number",
                max: dn.len as usize,
                got: number.len(),
            })?;
        let (head, rest) = number.split_at(dn.len as usize);
        let cd = digit(number.as_bytes()) as char;
        let mut carried = format!("{rest}{cd}");
        if !optional.is_empty() {
            carried.push('<');
            carried.push_str(&optional);
        }
        fits("document number and optional data", &carried, opt.len)?;
        put(&mut lines[dn.line as usize], dn.start as usize, head);
        optional = carried;
        // The check-digit position holds the filler already.
    } else {
        put(&mut lines[dn.line as usize], dn.start as usize, &number);
        let mut field = number.clone().into_bytes();
        field.resize(dn.len as usize, FILLER);
        let cd = layout.document_number_cd;
        lines[cd.line as usize][cd.col as usize] = digit(&field);
    }

    if let Some(run) = layout.nationality {
        let n = code(&input.nationality, "nationality", 3)?;
        put(&mut lines[run.line as usize], run.start as usize, &n);
    }
    let bd = layout.birth_date;
    let birth = yymmdd(input.birth_date);
    put(&mut lines[bd.line as usize], bd.start as usize, &birth);
    lines[layout.birth_date_cd.line as usize][layout.birth_date_cd.col as usize] =
        digit(birth.as_bytes());
    lines[layout.sex.line as usize][layout.sex.col as usize] = sex as u8;
    if let Some((run, cd)) = layout.expiry_date {
        let exp = yymmdd(Some(input.expiry_date.ok_or(FormatError::MissingDate {
            field: "date of expiry",
        })?));
        put(&mut lines[run.line as usize], run.start as usize, &exp);
        lines[cd.line as usize][cd.col as usize] = digit(exp.as_bytes());
    }
    if let Some(run) = layout.optional {
        fits("optional data", &optional, run.len)?;
        put(&mut lines[run.line as usize], run.start as usize, &optional);
        if let Some(cd) = layout.optional_cd {
            // Doc 9303-4 §4.2.2.2: an empty personal number may carry '<'.
            let field = &lines[run.line as usize][run.range()];
            lines[cd.line as usize][cd.col as usize] = if field.iter().all(|&c| c == FILLER) {
                FILLER
            } else {
                digit(field)
            };
        }
    }
    if let Some(run) = layout.optional_2 {
        let o2 = mrz_text(&input.optional_data_2);
        fits("optional data 2", &o2, run.len)?;
        put(&mut lines[run.line as usize], run.start as usize, &o2);
    }
    if let Some((cd, runs)) = layout.composite {
        let value =
            charset::check_digit_of_parts(runs.iter().map(|r| &lines[r.line as usize][r.range()]))
                .unwrap_or(0);
        lines[cd.line as usize][cd.col as usize] = b'0' + value;
    }
    Ok(lines
        .into_iter()
        .map(|l| String::from_utf8(l).unwrap_or_default())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_examples() {
        // Doc 9303-4 §4.2.3 (TD3, 39 positions).
        assert_eq!(
            name_field("Nilavadhanananda", "Chayapa Dejthamrong Krasuang", 39),
            "NILAVADHANANANDA<<CHAYAPA<DEJTHAMRONG<K"
        );
        // Doc 9303-5 §4.2.3.4 (TD1, 30 positions).
        assert_eq!(
            name_field("Vilarchao Fernandez", "Jose Ramon", 30),
            "VILARCHAO<FERNANDEZ<<JOSE<RAMO"
        );
        assert_eq!(
            name_field("Van Der Muellen", "Martin", 30),
            "VAN<DER<MUELLEN<<MARTIN<<<<<<<"
        );
        assert_eq!(
            name_field("Arkfreith", "", 30),
            "ARKFREITH<<<<<<<<<<<<<<<<<<<<<"
        );
        let long = name_field(
            "Bennelong Wooloomooloo Warrandyte Warnambool",
            "Dingo Potoroo",
            30,
        );
        assert_eq!(long.len(), 30);
        assert!(long.ends_with("<<D"), "{long}");
    }
}
