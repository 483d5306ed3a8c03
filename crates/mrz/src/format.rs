//! The MRZ formats and where each field sits in them.
//!
//! Positions follow the data-structure tables of Doc 9303 part 4 §4.2.2
//! (TD3), part 5 §4.2.2 (TD1), part 6 §4.2.2 (TD2) and part 7 §4.2.2
//! (MRV-A, MRV-B). The French national identity card of 1988-2021 is not an
//! ICAO layout; its positions are those the card itself defines and that
//! every reader of it uses (see `FRENCH_ID`). All indices here are 0-based.

use std::fmt;

/// An MRZ format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Three lines of 30 (ID-1 size cards), Doc 9303-5.
    Td1,
    /// Two lines of 36 (ID-2 size cards), Doc 9303-6.
    Td2,
    /// Two lines of 44 (passport data pages), Doc 9303-4.
    Td3,
    /// Two lines of 44 (full-size visa), Doc 9303-7.
    MrvA,
    /// Two lines of 36 (smaller visa), Doc 9303-7.
    MrvB,
    /// Two lines of 36, the French national identity card of 1988-2021.
    FrenchId,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 6] = [
        Format::Td1,
        Format::Td2,
        Format::Td3,
        Format::MrvA,
        Format::MrvB,
        Format::FrenchId,
    ];

    /// The name used in reports and templates: `TD1`, `TD2`, `TD3`, `MRVA`,
    /// `MRVB`, `FRID`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Td1 => "TD1",
            Format::Td2 => "TD2",
            Format::Td3 => "TD3",
            Format::MrvA => "MRVA",
            Format::MrvB => "MRVB",
            Format::FrenchId => "FRID",
        }
    }

    /// Parses a name given by [`Format::as_str`] (case-insensitive; `MRV-A`
    /// and `MRV-B` are accepted too).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Format> {
        let n = name.to_ascii_uppercase().replace('-', "");
        Format::ALL.into_iter().find(|f| f.as_str() == n)
    }

    /// Number of lines.
    #[must_use]
    pub fn line_count(self) -> usize {
        self.layout().lines as usize
    }

    /// Characters per line.
    #[must_use]
    pub fn line_len(self) -> usize {
        self.layout().len as usize
    }

    pub(crate) fn layout(self) -> &'static Layout {
        match self {
            Format::Td1 => &TD1,
            Format::Td2 => &TD2,
            Format::Td3 => &TD3,
            Format::MrvA => &MRVA,
            Format::MrvB => &MRVB,
            Format::FrenchId => &FRENCH_ID,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Format {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A run of characters on one line (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) line: u8,
    pub(crate) start: u8,
    pub(crate) len: u8,
}

impl Run {
    const fn new(line: u8, start: u8, len: u8) -> Self {
        Self { line, start, len }
    }

    pub(crate) fn end(self) -> usize {
        self.start as usize + self.len as usize
    }

    pub(crate) fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end()
    }
}

/// A single character position (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At {
    pub(crate) line: u8,
    pub(crate) col: u8,
}

const fn at(line: u8, col: u8) -> At {
    At { line, col }
}

/// Where the holder's name is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NameLayout {
    /// One field, primary and secondary identifiers separated by `<<`
    /// (Doc 9303-3 §4.6).
    Icao(Run),
    /// The French card: surname and given names in separate fields.
    French { surname: Run, given: Run },
}

/// Where every field of a format sits.
#[derive(Debug)]
pub(crate) struct Layout {
    pub(crate) format: Format,
    pub(crate) lines: u8,
    pub(crate) len: u8,
    pub(crate) document_code: Run,
    pub(crate) issuing_state: Run,
    pub(crate) name: NameLayout,
    pub(crate) document_number: Run,
    pub(crate) document_number_cd: At,
    /// TD1 and TD2 allow document numbers longer than 9 characters, carried on
    /// into the optional data (Doc 9303-5 §4.2.2 note j, Doc 9303-6 note j).
    pub(crate) long_document_number: bool,
    pub(crate) nationality: Option<Run>,
    pub(crate) birth_date: Run,
    pub(crate) birth_date_cd: At,
    pub(crate) sex: At,
    pub(crate) expiry_date: Option<(Run, At)>,
    /// Optional data (TD1: upper line); the personal number on a TD3; the
    /// administrative code on the French card.
    pub(crate) optional: Option<Run>,
    /// Check digit over `optional` (TD3 personal number, Doc 9303-4 §4.2.2.2).
    pub(crate) optional_cd: Option<At>,
    /// The second optional data field (TD1 middle line).
    pub(crate) optional_2: Option<Run>,
    /// Composite check digit and the runs it covers, in order.
    pub(crate) composite: Option<(At, &'static [Run])>,
}

/// Doc 9303-4 §4.2.2: TD3.
static TD3: Layout = Layout {
    format: Format::Td3,
    lines: 2,
    len: 44,
    document_code: Run::new(0, 0, 2),
    issuing_state: Run::new(0, 2, 3),
    name: NameLayout::Icao(Run::new(0, 5, 39)),
    document_number: Run::new(1, 0, 9),
    document_number_cd: at(1, 9),
    long_document_number: false,
    nationality: Some(Run::new(1, 10, 3)),
    birth_date: Run::new(1, 13, 6),
    birth_date_cd: at(1, 19),
    sex: at(1, 20),
    expiry_date: Some((Run::new(1, 21, 6), at(1, 27))),
    optional: Some(Run::new(1, 28, 14)),
    optional_cd: Some(at(1, 42)),
    optional_2: None,
    // Positions 1-10, 14-20, 22-43 of the lower line.
    composite: Some((
        at(1, 43),
        &[Run::new(1, 0, 10), Run::new(1, 13, 7), Run::new(1, 21, 22)],
    )),
};

/// Doc 9303-7 §4.2.2: MRV-A. No composite check digit.
static MRVA: Layout = Layout {
    format: Format::MrvA,
    lines: 2,
    len: 44,
    document_code: Run::new(0, 0, 2),
    issuing_state: Run::new(0, 2, 3),
    name: NameLayout::Icao(Run::new(0, 5, 39)),
    document_number: Run::new(1, 0, 9),
    document_number_cd: at(1, 9),
    long_document_number: false,
    nationality: Some(Run::new(1, 10, 3)),
    birth_date: Run::new(1, 13, 6),
    birth_date_cd: at(1, 19),
    sex: at(1, 20),
    expiry_date: Some((Run::new(1, 21, 6), at(1, 27))),
    optional: Some(Run::new(1, 28, 16)),
    optional_cd: None,
    optional_2: None,
    composite: None,
};

/// Doc 9303-6 §4.2.2: TD2.
static TD2: Layout = Layout {
    format: Format::Td2,
    lines: 2,
    len: 36,
    document_code: Run::new(0, 0, 2),
    issuing_state: Run::new(0, 2, 3),
    name: NameLayout::Icao(Run::new(0, 5, 31)),
    document_number: Run::new(1, 0, 9),
    document_number_cd: at(1, 9),
    long_document_number: true,
    nationality: Some(Run::new(1, 10, 3)),
    birth_date: Run::new(1, 13, 6),
    birth_date_cd: at(1, 19),
    sex: at(1, 20),
    expiry_date: Some((Run::new(1, 21, 6), at(1, 27))),
    optional: Some(Run::new(1, 28, 7)),
    optional_cd: None,
    optional_2: None,
    // Positions 1-10, 14-20, 22-35 of the lower line.
    composite: Some((
        at(1, 35),
        &[Run::new(1, 0, 10), Run::new(1, 13, 7), Run::new(1, 21, 14)],
    )),
};

/// Doc 9303-7 §4.2.2: MRV-B. No composite check digit.
static MRVB: Layout = Layout {
    format: Format::MrvB,
    lines: 2,
    len: 36,
    document_code: Run::new(0, 0, 2),
    issuing_state: Run::new(0, 2, 3),
    name: NameLayout::Icao(Run::new(0, 5, 31)),
    document_number: Run::new(1, 0, 9),
    document_number_cd: at(1, 9),
    long_document_number: false,
    nationality: Some(Run::new(1, 10, 3)),
    birth_date: Run::new(1, 13, 6),
    birth_date_cd: at(1, 19),
    sex: at(1, 20),
    expiry_date: Some((Run::new(1, 21, 6), at(1, 27))),
    optional: Some(Run::new(1, 28, 8)),
    optional_cd: None,
    optional_2: None,
    composite: None,
};

/// Doc 9303-5 §4.2.2 and §4.2.4: TD1.
static TD1: Layout = Layout {
    format: Format::Td1,
    lines: 3,
    len: 30,
    document_code: Run::new(0, 0, 2),
    issuing_state: Run::new(0, 2, 3),
    name: NameLayout::Icao(Run::new(2, 0, 30)),
    document_number: Run::new(0, 5, 9),
    document_number_cd: at(0, 14),
    long_document_number: true,
    nationality: Some(Run::new(1, 15, 3)),
    birth_date: Run::new(1, 0, 6),
    birth_date_cd: at(1, 6),
    sex: at(1, 7),
    expiry_date: Some((Run::new(1, 8, 6), at(1, 14))),
    optional: Some(Run::new(0, 15, 15)),
    optional_cd: None,
    optional_2: Some(Run::new(1, 18, 11)),
    // Upper line 6-30; middle line 1-7, 9-15, 19-29.
    composite: Some((
        at(1, 29),
        &[
            Run::new(0, 5, 25),
            Run::new(1, 0, 7),
            Run::new(1, 8, 7),
            Run::new(1, 18, 11),
        ],
    )),
};

/// The French national identity card (1988-2021), two lines of 36:
/// upper: `ID`, `FRA`, surname (6-30), administrative code (31-36);
/// lower: document number (1-12: issue year and month, department, office,
/// sequence), its check digit (13), given names (14-27), date of birth
/// (28-33), its check digit (34), sex (35), composite check digit over both
/// lines' first 71 characters (36).
static FRENCH_ID: Layout = Layout {
    format: Format::FrenchId,
    lines: 2,
    len: 36,
    document_code: Run::new(0, 0, 2),
    issuing_state: Run::new(0, 2, 3),
    name: NameLayout::French {
        surname: Run::new(0, 5, 25),
        given: Run::new(1, 13, 14),
    },
    document_number: Run::new(1, 0, 12),
    document_number_cd: at(1, 12),
    long_document_number: false,
    nationality: None,
    birth_date: Run::new(1, 27, 6),
    birth_date_cd: at(1, 33),
    sex: at(1, 34),
    expiry_date: None,
    optional: Some(Run::new(0, 30, 6)),
    optional_cd: None,
    optional_2: None,
    composite: Some((at(1, 35), &[Run::new(0, 0, 36), Run::new(1, 0, 35)])),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_stay_inside_their_lines_and_do_not_overlap() {
        for f in Format::ALL {
            let l = f.layout();
            assert_eq!(l.format, f);
            let mut used = vec![vec![0u8; l.len as usize]; l.lines as usize];
            let mut mark = |r: Run| {
                assert!(r.line < l.lines && r.end() <= l.len as usize, "{f}: {r:?}");
                for c in r.range() {
                    used[r.line as usize][c] += 1;
                }
            };
            let one = |a: At| Run::new(a.line, a.col, 1);
            mark(l.document_code);
            mark(l.issuing_state);
            match l.name {
                NameLayout::Icao(r) => mark(r),
                NameLayout::French { surname, given } => {
                    mark(surname);
                    mark(given);
                }
            }
            mark(l.document_number);
            mark(one(l.document_number_cd));
            l.nationality.into_iter().for_each(&mut mark);
            mark(l.birth_date);
            mark(one(l.birth_date_cd));
            mark(one(l.sex));
            if let Some((r, cd)) = l.expiry_date {
                mark(r);
                mark(one(cd));
            }
            l.optional.into_iter().for_each(&mut mark);
            l.optional_cd.map(one).into_iter().for_each(&mut mark);
            l.optional_2.into_iter().for_each(&mut mark);
            l.composite
                .map(|(a, _)| one(a))
                .into_iter()
                .for_each(&mut mark);
            // Every position of every line belongs to exactly one field.
            for (i, line) in used.iter().enumerate() {
                for (c, &n) in line.iter().enumerate() {
                    assert_eq!(n, 1, "{f}: line {} column {} used {n} times", i + 1, c + 1);
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.as_str()), Some(f));
        }
        assert_eq!(Format::from_name("mrv-a"), Some(Format::MrvA));
        assert_eq!(Format::from_name("TD4"), None);
    }
}
