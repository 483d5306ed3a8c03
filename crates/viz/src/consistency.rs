//! Printed values checked against each other and the calendar: the only
//! check a document without an MRZ (a birth certificate) gets, and one more
//! for a document with one.

use docscreen_mrz::{Date, DateRole};
use serde::Serialize;

use crate::cost::mean;
use crate::date::names_a_month;
use crate::{FieldKind, PrintedDate, ReadChar, field_kind, parse_printed_date, sex};

/// Dates of birth before this year are implausible.
pub const EARLIEST_BIRTH_YEAR: i32 = 1890;

/// Something inconsistent among printed values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The zones involved.
    pub fields: Vec<String>,
    /// What is wrong, in short English; it quotes no value.
    pub message: String,
}

impl Problem {
    fn new(fields: &[&str], message: String) -> Self {
        Self {
            fields: fields.iter().map(|&f| f.to_owned()).collect(),
            message,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Birth,
    Issue,
    ValidFrom,
    Expiry,
    ValidUntil,
}

impl Role {
    fn of(zone: &str) -> Option<Role> {
        Some(match (zone, field_kind(zone)) {
            ("valid_from", _) => Role::ValidFrom,
            ("valid_until", _) => Role::ValidUntil,
            (_, FieldKind::BirthDate) => Role::Birth,
            (_, FieldKind::ExpiryDate) => Role::Expiry,
            (_, FieldKind::Date) => Role::Issue,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Role::Birth => "date of birth",
            Role::Issue => "date of issue",
            Role::ValidFrom => "\"valid from\" date",
            Role::Expiry => "date of expiry",
            Role::ValidUntil => "\"valid until\" date",
        }
    }
}

/// Pairs that must be in this order (earlier, later).
const ORDER: [(Role, Role); 6] = [
    (Role::Birth, Role::Issue),
    (Role::Birth, Role::ValidFrom),
    (Role::Birth, Role::Expiry),
    (Role::Issue, Role::Expiry),
    (Role::Issue, Role::ValidUntil),
    (Role::ValidFrom, Role::ValidUntil),
];

/// Checks printed values (`(zone, text)`, raw or normalised) for
/// plausibility on `today`: every date field reads as a real date (unknown
/// `X` parts only in the date of birth, Doc 9303-3 §3.8); the birth is not
/// in the future nor before [`EARLIEST_BIRTH_YEAR`]; the issue is not in the
/// future; birth ≤ issue ≤ expiry and valid from ≤ valid until; the sex is a
/// known marker.
///
/// A two-digit year takes the century an MRZ date would (Doc 9303-3 §4.8):
/// the latest not after the reference for past dates (for a birth, the
/// earliest issue date when there is one), within fifty years for expiry.
#[must_use]
pub fn consistency(fields: &[(String, String)], today: Date) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut printed: Vec<(Role, &str, PrintedDate)> = Vec::new();
    for (zone, text) in fields {
        if field_kind(zone) == FieldKind::Sex {
            if sex::parse(text).is_none() {
                let message = "the sex is not a known marker (F, M, X or a local initial)";
                problems.push(Problem::new(&[zone], message.to_owned()));
            }
            continue;
        }
        let Some(role) = Role::of(zone) else {
            continue;
        };
        match parse_printed_date(text) {
            None => problems.push(Problem::new(
                &[zone],
                format!("the {} does not read as a date", role.name()),
            )),
            Some(d) if !d.is_complete() && role != Role::Birth => problems.push(Problem::new(
                &[zone],
                format!(
                    "the {} has unknown parts, allowed only in the date of birth",
                    role.name()
                ),
            )),
            Some(d) => printed.push((role, zone, d)),
        }
    }
    let resolve = |role: Role, d: &PrintedDate, reference: Date| {
        let century = match role {
            Role::Expiry | Role::ValidUntil => DateRole::Expiry,
            _ => DateRole::Past,
        };
        d.resolve(century, reference)
    };
    let first_issue = printed
        .iter()
        .filter(|(r, _, _)| matches!(r, Role::Issue | Role::ValidFrom))
        .filter_map(|(r, _, d)| resolve(*r, d, today))
        .min();
    let mut dates: Vec<(Role, &str, Date)> = Vec::new();
    for (role, zone, d) in printed {
        let reference = match role {
            Role::Birth => first_issue.map_or(today, |i| i.min(today)),
            _ => today,
        };
        let Some(date) = resolve(role, &d, reference) else {
            continue;
        };
        let message = match role {
            Role::Birth if date > today => Some("the date of birth is in the future".to_owned()),
            Role::Birth if date.year() < EARLIEST_BIRTH_YEAR => {
                Some(format!("the date of birth is before {EARLIEST_BIRTH_YEAR}"))
            }
            Role::Issue if date > today => Some("the date of issue is in the future".to_owned()),
            _ => None,
        };
        if let Some(message) = message {
            problems.push(Problem::new(&[zone], message));
        }
        dates.push((role, zone, date));
    }
    for (early, late) in ORDER {
        for (_, a, da) in dates.iter().filter(|(r, _, _)| *r == early) {
            for (_, b, db) in dates.iter().filter(|(r, _, _)| *r == late) {
                if da > db {
                    problems.push(Problem::new(
                        &[a, b],
                        format!("the {} is after the {}", early.name(), late.name()),
                    ));
                }
            }
        }
    }
    problems
}

/// Smallest probability of a character counted by [`foreign_print`], and
/// smallest mean probability of a field it looks at.
pub const FOREIGN_P: f32 = 0.9;

/// Print that has no place in its field, read with confidence: a piece of
/// another field pasted over it (copy-move), or print added by hand.
///
/// - Letters in a date, when another date of the same document is printed
///   in figures only: a document prints its dates in one style (Doc 9303-3
///   §4.1.3 and the model's own layout), so `CH/05/26` beside `25/01/68`
///   holds foreign print. A figure misread as a letter gives one; two or
///   more confident letters are counted. `X`, the unknown part of a date
///   (Doc 9303-3 §3.8), is no letter here, and a date that reads as one or
///   names a month is left alone (a date in words beside one in figures).
/// - Figures in a nationality or issuing-state field longer than its
///   three-letter code (Doc 9303-3 §5): `UTO7`. A code read as `UT0` is a
///   misreading of the O and is left alone.
///
/// `fields` are `(zone, characters read)`. Each problem comes with the
/// mean probability of its foreign characters, the strength of the
/// evidence; the problems quote no value.
#[must_use]
pub fn foreign_print(fields: &[(String, Vec<ReadChar>)]) -> Vec<(Problem, f32)> {
    let confident =
        |chars: &[ReadChar]| mean(chars.iter().map(|c| c.p)).is_some_and(|m| m >= FOREIGN_P);
    // The mean probability of the foreign characters (never empty here).
    let strength = |p: &[f32]| mean(p.iter().copied()).unwrap_or(0.0);
    let in_figures = |chars: &[ReadChar]| {
        chars.iter().filter(|c| c.ch.is_ascii_digit()).count() >= 4
            && chars
                .iter()
                .all(|c| c.ch.is_ascii_digit() || matches!(c.ch, 'X' | '.' | '/' | '-' | ' '))
    };
    let dated: Vec<&(String, Vec<ReadChar>)> = fields
        .iter()
        .filter(|(zone, chars)| Role::of(zone).is_some() && confident(chars))
        .collect();
    let mut problems = Vec::new();
    for (zone, chars) in &dated {
        let others_in_figures = dated
            .iter()
            .any(|(other, c)| other != zone && in_figures(c));
        let letters: Vec<f32> = chars
            .iter()
            .filter(|c| c.p >= FOREIGN_P && c.ch.is_alphabetic() && c.ch != 'X')
            .map(|c| c.p)
            .collect();
        // A date that reads as one, or names a month, is a date printed in
        // words: a document may print its dates in two styles.
        let text: String = chars.iter().map(|c| c.ch).collect();
        let a_date = parse_printed_date(&text).is_some() || names_a_month(&text);
        if others_in_figures && letters.len() >= 2 && !a_date {
            let role = Role::of(zone).map_or("date", Role::name);
            let message = format!(
                "the {role} holds letters where the document's other dates are printed in figures: print from elsewhere may have been pasted over it"
            );
            problems.push((Problem::new(&[zone], message), strength(&letters)));
        }
    }
    for (zone, chars) in fields {
        let words = match field_kind(zone) {
            FieldKind::Nationality => "nationality",
            FieldKind::IssuingState => "issuing state",
            _ => continue,
        };
        let figures: Vec<f32> = chars
            .iter()
            .filter(|c| c.p >= FOREIGN_P && c.ch.is_ascii_digit())
            .map(|c| c.p)
            .collect();
        if confident(chars) && chars.len() > 3 && !figures.is_empty() {
            let message = format!(
                "the {words} code holds figures: print from elsewhere may have been pasted over it"
            );
            problems.push((Problem::new(&[zone], message), strength(&figures)));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::reference;

    fn check(fields: &[(&str, &str)], expected: &[&str]) {
        let owned: Vec<(String, String)> = fields
            .iter()
            .map(|&(z, t)| (z.to_owned(), t.to_owned()))
            .collect();
        let got: Vec<String> = consistency(&owned, reference())
            .into_iter()
            .map(|p| format!("{}: {}", p.fields.join("+"), p.message))
            .collect();
        assert_eq!(got, expected, "{fields:?}");
    }

    #[test]
    fn a_consistent_document() {
        check(
            &[
                ("dob", "12 AUG/AOÛT 74"),
                ("sex", "F/F"),
                ("issue_date", "16 APR/AVR 07"),
                ("expiry", "15 APR/AVR 12"),
                ("surname", "ERIKSSON"),
                ("place_of_birth", "ZENITH"),
            ],
            &[],
        );
        // Normalised values read back.
        check(
            &[
                ("dob", "XX74-08-12"),
                ("issue_date", "2007-04-16"),
                ("sex", "F"),
            ],
            &[],
        );
        // A birth certificate: unknown parts of the birth date are allowed.
        check(
            &[
                ("dob", "XX XX 1921"),
                ("issue_date", "03.02.1921"),
                ("sex", "M"),
            ],
            &[],
        );
    }

    #[test]
    fn formats() {
        check(
            &[
                ("dob", "31.02.1974"),
                ("sex", "Q"),
                ("expiry", "XX.XX.2030"),
            ],
            &[
                "dob: the date of birth does not read as a date",
                "sex: the sex is not a known marker (F, M, X or a local initial)",
                "expiry: the date of expiry has unknown parts, allowed only in the date of birth",
            ],
        );
    }

    #[test]
    fn calendar() {
        check(
            &[("dob", "01.01.2030"), ("issue_date", "01.01.2027")],
            &[
                "dob: the date of birth is in the future",
                "issue_date: the date of issue is in the future",
                "dob+issue_date: the date of birth is after the date of issue",
            ],
        );
        check(
            &[("dob", "01.01.1889")],
            &["dob: the date of birth is before 1890"],
        );
        check(
            &[("issue_date", "16.04.2017"), ("expiry", "15.04.2012")],
            &["issue_date+expiry: the date of issue is after the date of expiry"],
        );
        check(
            &[("valid_from", "01.06.2026"), ("valid_until", "01.05.2026")],
            &["valid_from+valid_until: the \"valid from\" date is after the \"valid until\" date"],
        );
        check(
            &[("dob", "12.08.2010"), ("issue_date", "16.04.2007")],
            &["dob+issue_date: the date of birth is after the date of issue"],
        );
    }

    #[test]
    fn two_digit_years_take_the_mrz_century() {
        // Born '20, issued '15: 1920, not 2020 (the birth is before the issue).
        check(
            &[
                ("dob", "01 JAN 20"),
                ("issue_date", "01 JAN 15"),
                ("expiry", "01 JAN 25"),
            ],
            &[],
        );
        // Expiry '40 is 2040, not 1940.
        check(&[("issue_date", "01.01.2020"), ("expiry", "01/01/40")], &[]);
    }

    fn chars(text: &str, p: f32) -> Vec<ReadChar> {
        text.chars()
            .map(|ch| ReadChar {
                ch,
                p,
                candidates: vec![(ch, p)],
            })
            .collect()
    }

    fn foreign(fields: &[(&str, &str, f32)]) -> Vec<String> {
        let owned: Vec<(String, Vec<ReadChar>)> = fields
            .iter()
            .map(|&(z, t, p)| (z.to_owned(), chars(t, p)))
            .collect();
        foreign_print(&owned)
            .into_iter()
            .map(|(p, _)| p.fields.join("+"))
            .collect()
    }

    #[test]
    fn letters_in_a_date_printed_in_figures_are_foreign() {
        // "Ch" of the given name pasted over the day of expiry.
        let doc = [
            ("dob", "25/01/68", 0.99),
            ("issue_date", "24/05/23", 0.98),
            ("expiry", "CH/05/26", 0.99),
        ];
        assert_eq!(foreign(&doc), ["expiry"]);
        // Read unsure: no evidence.
        assert!(foreign(&[doc[0], doc[1], ("expiry", "CH/05/26", 0.6)]).is_empty());
    }

    #[test]
    fn dates_in_words_misreadings_and_unknown_parts_are_not_foreign() {
        // Month names: no other date in figures to go by.
        assert!(
            foreign(&[
                ("dob", "12 AUG/AOÛT 74", 0.99),
                ("expiry", "15 APR/AVR 12", 0.99)
            ])
            .is_empty()
        );
        // One figure misread as a letter.
        assert!(foreign(&[("dob", "25/01/68", 0.99), ("expiry", "2I/05/26", 0.99)]).is_empty());
        // A date in words beside one in figures, also garbled.
        assert!(
            foreign(&[
                ("dob", "12 AUG 1974", 0.99),
                ("issue_date", "21.05.2016", 0.99)
            ])
            .is_empty()
        );
        assert!(
            foreign(&[
                ("dob", "05 JANJAR28", 0.99),
                ("issue_date", "21.05.2016", 0.99)
            ])
            .is_empty()
        );
        // An unknown date of birth.
        assert!(foreign(&[("dob", "XX.XX.1968", 0.99), ("expiry", "21.05.2026", 0.99)]).is_empty());
        // A date missing a figure.
        assert!(foreign(&[("dob", "25/01/6", 0.99), ("expiry", "21/05/26", 0.99)]).is_empty());
    }

    #[test]
    fn figures_in_a_state_code_are_foreign() {
        assert_eq!(foreign(&[("nationality", "UTO7", 0.97)]), ["nationality"]);
        assert_eq!(
            foreign(&[("issuing_code", "UTO80492", 0.99)]),
            ["issuing_code"]
        );
        // A misread O, and a state's name.
        assert!(
            foreign(&[
                ("nationality", "UT0", 0.97),
                ("nationality", "UTOPIAN", 0.97)
            ])
            .is_empty()
        );
        assert!(foreign(&[("nationality", "UTO7", 0.5)]).is_empty());
    }
}
