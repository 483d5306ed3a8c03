//! Printed dates (Doc 9303-3 §3.8) in every layout ICAO allows and the
//! common national ones, OCR look-alikes tolerated in digit positions,
//! compared with the MRZ's YYMMDD (§4.8).

use std::ops::Range;

use docscreen_mrz::{Date, DateProblem, DateRole, MrzDate, transliterate};
use serde::Serialize;

use crate::ReadChar;
use crate::compare::{Finding, Outcome};
use crate::cost::{
    Alignment, CONFUSABLE_FACTOR, Slot, align, as_digit, as_letter, mean, prob, upper,
};

/// A date as printed. Parts printed as `X` (unknown; Doc 9303-3 §3.8 allows
/// it in the date of birth) are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PrintedDate {
    /// The year, when printed with four digits.
    pub year: Option<i32>,
    /// The year's last two digits (the MRZ's YY); `None` when unknown.
    pub yy: Option<u8>,
    /// The month, 1-12; `None` when unknown.
    pub month: Option<u8>,
    /// The day, 1-31; `None` when unknown.
    pub day: Option<u8>,
}

impl PrintedDate {
    /// Every part printed as `X`.
    #[must_use]
    pub fn is_unknown(&self) -> bool {
        self.yy.is_none() && self.month.is_none() && self.day.is_none()
    }

    /// No part unknown (the century may still be).
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.yy.is_some() && self.month.is_some() && self.day.is_some()
    }

    /// ISO 8601 text: `1940-04-16`; `XX40-04-16` when the year was printed
    /// with two digits (the century is not printed); `XX` for unknown parts.
    /// [`parse_printed_date`] reads it back.
    #[must_use]
    pub fn iso(&self) -> String {
        let two = |v: Option<u8>| v.map_or_else(|| "XX".to_owned(), |v| format!("{v:02}"));
        let year = match (self.year, self.yy) {
            (Some(y), _) => format!("{y:04}"),
            (None, yy) => format!("XX{}", two(yy)),
        };
        format!("{year}-{}-{}", two(self.month), two(self.day))
    }

    /// The calendar day: with the printed year, or with the century inferred
    /// for `role` against `reference` as for an MRZ date.
    #[must_use]
    pub fn resolve(&self, role: DateRole, reference: Date) -> Option<Date> {
        let (month, day) = (self.month?, self.day?);
        if let Some(year) = self.year {
            return Date::new(year, month, day);
        }
        let raw = format!("{:02}{month:02}{day:02}", self.yy?);
        MrzDate::from_mrz(raw.as_bytes(), role, reference).date()
    }
}

/// Month names and abbreviations in MRZ form (accents folded by
/// `transliterate`, so `AOÛT` is `AOUT`, `MÄRZ` is `MAERZ`): Doc 9303-3
/// §3.8 Table 1 (English, French, Spanish) and the German, Italian, Dutch
/// and Portuguese names and three-letter abbreviations. No key names two
/// months (tested).
const MONTHS: [&str; 12] = [
    "JAN JANUARY JANVIER JANUAR JAEN JAENNER JANUARI ENE ENERO GEN GENNAIO JANEIRO",
    "FEB FEBRUARY FEV FEVRIER FEBRUAR FEBRUARI FEBRERO FEBBRAIO FEVEREIRO",
    "MAR MARCH MARS MAER MAERZ MARZ MRZ MAART MRT MARZO MARCO",
    "APR APRIL AVR AVRIL ABR ABRIL APRILE",
    "MAY MAI MAYO MEI MAG MAGGIO MAIO",
    "JUN JUNE JUIN JUNI JUNIO GIU GIUGNO JUNHO",
    "JUL JULY JUIL JUILLET JULI JULIO LUG LUGLIO JULHO",
    "AUG AUGUST AOU AOUT AUGUSTUS AGO AGOSTO",
    "SEP SEPT SEPTEMBER SEPTEMBRE SEPTIEMBRE SETIEMBRE SET SETTEMBRE SETEMBRO",
    "OCT OCTOBER OCTOBRE OKT OKTOBER OCTUBRE OTT OTTOBRE OUT OUTUBRO",
    "NOV NOVEMBER NOVEMBRE NOVIEMBRE NOVEMBRO",
    "DEC DECEMBER DECEMBRE DEZ DEZEMBER DIC DICIEMBRE DICEMBRE DEZEMBRO",
];

fn month(word: &str) -> Option<u8> {
    let key = transliterate(word);
    let exact = |key: &str| {
        MONTHS
            .iter()
            .position(|names| names.split(' ').any(|n| n == key))
    };
    // A bilingual month whose separator the OCR lost (`DECOC` for
    // `DEC/DÉC`, `AOUET` for a misread `AOÛT`): its first three letters,
    // when they are a three-letter key.
    let i = exact(&key).or_else(|| {
        (key.len() > 3 && key.is_ascii())
            .then(|| exact(&key[..3]))
            .flatten()
    })?;
    Some(i as u8 + 1)
}

/// Whether a run of letters in `text` names a month (in any of the
/// languages above, or its first three letters do).
pub(crate) fn names_a_month(text: &str) -> bool {
    text.split(|c: char| !c.is_alphabetic())
        .any(|run| !run.is_empty() && month(run).is_some())
}

/// No printed date is longer; bounds the work on hostile input.
const MAX_DATE_CHARS: usize = 48;

/// A digit position: the digit, where it was read, and whether a look-alike
/// letter stood there.
#[derive(Debug, Clone, Copy)]
struct Digit {
    ch: char,
    at: usize,
    look_alike: bool,
}

#[derive(Debug, Clone)]
enum Tok {
    Num(Vec<Digit>),
    /// Two digits written `XX40`: a year only.
    ShortYear(Vec<Digit>),
    Month(u8, Vec<usize>),
    Unknown(Vec<usize>),
}

/// Where a part of the date was read.
#[derive(Debug, Clone)]
enum Src {
    Digits(Vec<Digit>),
    Chars(Vec<usize>),
}

struct Parsed {
    date: PrintedDate,
    day: Src,
    month: Src,
    year: Src,
}

/// Reads a printed date: `16 APR 1940`, `16 APR/AVR 40` (a translation
/// after an oblique, Doc 9303-3 §3.1 and §3.8: its month must agree),
/// `12JUIL1942`, `16 APRIL 1940`, `APRIL 16 1940`, `16.04.1940`,
/// `16/04/40`, `16-04-1940`, `16 04 1940`, `1940-04-16`, `16041940`,
/// `160440`; months in English, French, Spanish, German, Italian, Dutch
/// and Portuguese. Look-alike letters in digit positions (`O`, `I`, `L`,
/// `S`, `B`, `Z`) and spaces inside a part are tolerated. Unknown parts
/// (`XX XX XXXX`) are `None`.
///
/// `None` when the text is not a date or not a real calendar day. Never
/// panics.
///
/// ```
/// use docscreen_viz::parse_printed_date;
/// let d = parse_printed_date("16 APR/AVR 40").unwrap();
/// assert_eq!((d.year, d.yy, d.month, d.day), (None, Some(40), Some(4), Some(16)));
/// assert_eq!(parse_printed_date("I6.O4.194O").unwrap().iso(), "1940-04-16");
/// assert!(parse_printed_date("XX XX XXXX").unwrap().is_unknown());
/// assert_eq!(parse_printed_date("31.04.1940"), None);
/// ```
#[must_use]
pub fn parse_printed_date(text: &str) -> Option<PrintedDate> {
    let chars: Vec<char> = text.chars().map(upper).collect();
    parse_chars(&chars).map(|p| p.date)
}

fn parse_chars(chars: &[char]) -> Option<Parsed> {
    if chars.len() > MAX_DATE_CHARS {
        return None;
    }
    assemble(&tokens(chars)?)
}

fn tokens(chars: &[char]) -> Option<Vec<Tok>> {
    let mut words: Vec<Range<usize>> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && chars[i].is_alphanumeric() {
            i += 1;
        }
        if i > start {
            words.push(start..i);
        } else {
            i += 1;
        }
    }
    let mut toks = Vec::new();
    let mut w = 0;
    while w < words.len() {
        if let Some((m, last)) = spaced_month(chars, &words, w) {
            let at = words[w..=last].iter().flat_map(Clone::clone).collect();
            toks.push(Tok::Month(m, at));
            w = last + 1;
            continue;
        }
        if word(chars, words[w].clone(), &mut toks).is_none() {
            // The second half of a bilingual month garbled by the OCR
            // (`SEP/ISEPT`): letters right after a month carry nothing.
            let letters = chars[words[w].clone()].iter().all(|c| c.is_alphabetic());
            if !(letters && matches!(toks.last(), Some(Tok::Month(..)))) {
                return None;
            }
        }
        w += 1;
    }
    Some(toks)
}

/// A month name OCR split with spaces (`AOÛ T`): words `w..=last`
/// separated only by whitespace that together spell a month.
fn spaced_month(chars: &[char], words: &[Range<usize>], w: usize) -> Option<(u8, usize)> {
    (w + 1..words.len().min(w + 3)).rev().find_map(|last| {
        let spaced = (w..last).all(|k| {
            chars[words[k].end..words[k + 1].start]
                .iter()
                .all(|c| c.is_whitespace())
        });
        let text: String = words[w..=last]
            .iter()
            .flat_map(|r| &chars[r.clone()])
            .collect();
        (spaced && text.chars().all(char::is_alphabetic))
            .then(|| month(&text))
            .flatten()
            .map(|m| (m, last))
    })
}

/// Splits one word into numbers, months and unknowns (`16APR1940`).
fn word(chars: &[char], r: Range<usize>, out: &mut Vec<Tok>) -> Option<()> {
    let w = &chars[r.clone()];
    if w.iter().filter(|c| c.is_alphabetic()).count() >= 2 {
        // A month with look-alike digits in it (`0CT`).
        let text: String = w.iter().map(|&c| as_letter(c).unwrap_or(c)).collect();
        if let Some(m) = month(&text) {
            out.push(Tok::Month(m, r.collect()));
            return Some(());
        }
    }
    let first = out.len();
    let mut k = r.start;
    while k < r.end {
        let alpha = chars[k].is_alphabetic();
        let s = k;
        while k < r.end && chars[k].is_alphabetic() == alpha {
            k += 1;
        }
        let run = &chars[s..k];
        let tok = if !alpha {
            if !run.iter().all(char::is_ascii_digit) {
                return None;
            }
            Tok::Num(
                (s..k)
                    .map(|at| Digit {
                        ch: chars[at],
                        at,
                        look_alike: false,
                    })
                    .collect(),
            )
        } else if let Some(m) = month(&run.iter().collect::<String>()) {
            Tok::Month(m, (s..k).collect())
        } else if run.iter().all(|&c| c == 'X') {
            Tok::Unknown((s..k).collect())
        } else {
            let digits = (s..k).map(|at| {
                Some(Digit {
                    ch: as_digit(chars[at])?,
                    at,
                    look_alike: true,
                })
            });
            Tok::Num(digits.collect::<Option<_>>()?)
        };
        // Digit runs in one word are one number (`1O` read for `10`); `XX40`
        // is a two-digit year.
        let in_word = out.len() > first;
        match (out.last_mut(), tok) {
            (Some(Tok::Num(prev)), Tok::Num(next)) if in_word => prev.extend(next),
            (Some(last @ Tok::Unknown(_)), Tok::Num(next))
                if in_word && len(last) == 2 && next.len() == 2 =>
            {
                *last = Tok::ShortYear(next);
            }
            (_, tok) => out.push(tok),
        }
    }
    Some(())
}

fn len(t: &Tok) -> usize {
    match t {
        Tok::Num(d) | Tok::ShortYear(d) => d.len(),
        Tok::Month(_, at) | Tok::Unknown(at) => at.len(),
    }
}

fn value(ds: &[Digit]) -> u32 {
    ds.iter()
        .fold(0, |v, d| v * 10 + d.ch.to_digit(10).unwrap_or(0))
}

type Part = (Option<u8>, Src);

/// A day or numeric month of 1-2 digits, or unknown of `unknown` letters.
fn small(t: &Tok, unknown: Range<usize>) -> Option<Part> {
    match t {
        Tok::Num(d) if (1..=2).contains(&d.len()) => {
            Some((Some(value(d) as u8), Src::Digits(d.clone())))
        }
        Tok::Unknown(at) if unknown.contains(&at.len()) => Some((None, Src::Chars(at.clone()))),
        _ => None,
    }
}

fn year(t: &Tok) -> Option<(Option<i32>, Option<u8>, Src)> {
    match t {
        Tok::Num(d) | Tok::ShortYear(d) if d.len() == 2 => {
            Some((None, Some(value(d) as u8), Src::Digits(d.clone())))
        }
        Tok::Num(d) if d.len() == 4 => {
            let y = value(d);
            Some((
                i32::try_from(y).ok(),
                Some((y % 100) as u8),
                Src::Digits(d.clone()),
            ))
        }
        Tok::Unknown(at) if at.len() == 2 || at.len() == 4 => {
            Some((None, None, Src::Chars(at.clone())))
        }
        _ => None,
    }
}

fn build(day: Part, month: Part, year: (Option<i32>, Option<u8>, Src)) -> Option<Parsed> {
    let date = PrintedDate {
        year: year.0,
        yy: year.1,
        month: month.0,
        day: day.0,
    };
    if date.month.is_some_and(|m| !(1..=12).contains(&m))
        || date.day.is_some_and(|d| !(1..=31).contains(&d))
    {
        return None;
    }
    if let (Some(m), Some(d)) = (date.month, date.day) {
        // A two-digit or unknown year: 20YY is a leap year when YY is, and
        // an unknown year allows 29 February.
        let y = date.year.unwrap_or(2000 + i32::from(date.yy.unwrap_or(0)));
        Date::new(y, m, d)?;
    }
    Some(Parsed {
        date,
        day: day.1,
        month: month.1,
        year: year.2,
    })
}

fn assemble(toks: &[Tok]) -> Option<Parsed> {
    let months: Vec<usize> = (0..toks.len())
        .filter(|&i| matches!(toks[i], Tok::Month(..)))
        .collect();
    if let (Some(&first), Some(&last)) = (months.first(), months.last()) {
        if last - first + 1 != months.len() || months.len() > 2 {
            return None;
        }
        let mut m = None;
        let mut at = Vec::new();
        for t in &toks[first..=last] {
            if let Tok::Month(v, idx) = t {
                if m.is_some_and(|m| m != *v) {
                    return None;
                }
                m = Some(*v);
                at.extend(idx);
            }
        }
        let month = (m, Src::Chars(at));
        let (before, after) = (&toks[..first], &toks[last + 1..]);
        let (d, y) = match (before, after) {
            ([d], [y]) | ([], [d, y]) => (d.clone(), y.clone()),
            _ => (concat(before)?, concat(after)?),
        };
        return build(small(&d, 2..3)?, month, year(&y)?);
    }
    let three = || {
        let [first, middle, last] = toks else {
            return None;
        };
        let iso = len(first) == 4 || matches!(first, Tok::ShortYear(_));
        let (day, yr) = if iso { (last, first) } else { (first, last) };
        build(small(day, 2..3)?, small(middle, 2..4)?, year(yr)?)
    };
    three().or_else(|| compact(toks))
}

/// Numbers joined (spaces read inside a part).
fn concat(toks: &[Tok]) -> Option<Tok> {
    let mut all = Vec::new();
    for t in toks {
        let Tok::Num(d) = t else { return None };
        all.extend(d);
    }
    (!all.is_empty()).then_some(Tok::Num(all))
}

/// Digits without separators: `DDMMYYYY` (a year 1800-2199), `YYYYMMDD`,
/// `DDMMYY`.
fn compact(toks: &[Tok]) -> Option<Parsed> {
    let Tok::Num(d) = concat(toks)? else {
        return None;
    };
    let num = |r: Range<usize>| Tok::Num(d[r].to_vec());
    match d.len() {
        8 => {
            let dmy = || {
                let y = num(4..8);
                (1800..=2199)
                    .contains(&value(&d[4..8]))
                    .then(|| {
                        build(
                            small(&num(0..2), 0..0)?,
                            small(&num(2..4), 0..0)?,
                            year(&y)?,
                        )
                    })
                    .flatten()
            };
            dmy().or_else(|| {
                build(
                    small(&num(6..8), 0..0)?,
                    small(&num(4..6), 0..0)?,
                    year(&num(0..4))?,
                )
            })
        }
        6 => build(
            small(&num(0..2), 0..0)?,
            small(&num(2..4), 0..0)?,
            year(&num(4..6))?,
        ),
        _ => None,
    }
}

/// The printed date in ISO form, or the trimmed text when it is no date.
pub(crate) fn normalise(read: &[ReadChar]) -> String {
    let text: String = read.iter().map(|r| r.ch).collect();
    parse_printed_date(&text).map_or_else(|| text.trim().to_owned(), |d| d.iso())
}

/// The cost of a part that differs: digit by digit where both are digits
/// (a year's last two), else the mean probability of what was printed.
fn part_cost(read: &[ReadChar], src: &Src, printed: Option<u8>, expected: Option<u8>) -> Alignment {
    if printed == expected {
        return Alignment::default();
    }
    match (src, expected) {
        (Src::Digits(ds), Some(e)) => {
            let ds = &ds[ds.len().saturating_sub(2)..];
            let slots: Vec<Slot> = ds
                .iter()
                .filter_map(|d| {
                    let factor = if d.look_alike { CONFUSABLE_FACTOR } else { 1.0 };
                    let digit = |c: char| {
                        if c.is_ascii_digit() {
                            Some(c)
                        } else {
                            as_digit(c)
                        }
                    };
                    Some(Slot::from_read(read.get(d.at)?, d.ch, factor, digit))
                })
                .collect();
            let expected = if ds.len() == 1 {
                e.to_string()
            } else {
                format!("{e:02}")
            };
            align(&slots, &expected.chars().collect::<Vec<_>>(), false)
        }
        (Src::Digits(ds), None) => Alignment::single(
            mean(ds.iter().filter_map(|d| Some(prob(read.get(d.at)?.p)))).unwrap_or(0.0),
        ),
        (Src::Chars(at), _) => Alignment::single(
            mean(at.iter().filter_map(|&i| Some(prob(read.get(i)?.p)))).unwrap_or(0.0),
        ),
    }
}

/// Compares a printed date with an MRZ date: day, month and the year's last
/// two digits (the MRZ has no century). An unknown part (`XX`, MRZ `<<`)
/// agrees only with an unknown part; a known one against an unknown one
/// differs with the confidence of what was printed.
pub(crate) fn compare(read: &[ReadChar], mrz: &MrzDate) -> Outcome {
    let chars: Vec<char> = read.iter().map(|r| upper(r.ch)).collect();
    let mrz_iso = Some(mrz.iso());
    let Some(p) = parse_chars(&chars) else {
        let text: String = read.iter().map(|r| r.ch).collect();
        return Outcome::unreadable(text.trim().to_owned(), mrz_iso, "does not read as a date");
    };
    if mrz.problem(true) == Some(DateProblem::NotDigits) {
        return Outcome::unreadable(p.date.iso(), mrz_iso, "the MRZ date is not digits");
    }
    let raw = mrz.raw().as_bytes();
    let two = |i: usize| -> Option<u8> {
        let (a, b) = (*raw.get(i)?, *raw.get(i + 1)?);
        (a.is_ascii_digit() && b.is_ascii_digit()).then(|| (a - b'0') * 10 + (b - b'0'))
    };
    let mut a = part_cost(read, &p.day, p.date.day, two(4));
    a.add(part_cost(read, &p.month, p.date.month, two(2)));
    a.add(part_cost(read, &p.year, p.date.yy, two(0)));
    let look_alike = [&p.day, &p.month, &p.year]
        .iter()
        .any(|s| matches!(s, Src::Digits(ds) if ds.iter().any(|d| d.look_alike)));
    let note = if p.date.is_unknown() && mrz.is_unknown() {
        "both unknown (Doc 9303-3 §3.8, §4.8)"
    } else if look_alike {
        "letters read as digits"
    } else {
        ""
    };
    Outcome {
        normalised: p.date.iso(),
        mrz: mrz_iso,
        finding: Finding::Scored(a, note),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{altered, read, td3, td3_dob};
    use crate::{Agreement, compare_field};

    fn check(text: &str, iso: Option<&str>) {
        assert_eq!(
            parse_printed_date(text).map(|d| d.iso()).as_deref(),
            iso,
            "{text:?}"
        );
    }

    #[test]
    fn icao_layouts() {
        // Doc 9303-3 §3.8 examples.
        for text in [
            "12 LUG/JUIL 1942",
            "12JUIL1942",
            "12 JULY 1942",
            "12 July 1942",
            "12.07.1942",
            "12 07 1942",
            "1942-07-12",
            "12-07-1942",
            "12/07/1942",
            "JULY 12, 1942",
            "12JUL 1942",
            "12071942",
            "19420712",
        ] {
            check(text, Some("1942-07-12"));
        }
        for text in [
            "12 LUG/JUIL 42",
            "12JUL 42",
            "12 07 42",
            "12.07.42",
            "12/07/42",
            "120742",
            "XX42-07-12",
        ] {
            check(text, Some("XX42-07-12"));
        }
    }

    #[test]
    fn month_names() {
        for (text, m) in [
            ("16 FÉV 1940", 2),
            ("16 FEV 1940", 2),
            ("16 MÄRZ 1940", 3),
            ("16 MRT 1940", 3),
            ("16 MARS 1940", 3),
            ("16 ABR 1940", 4),
            ("16 MAG 1940", 5),
            ("16 MEI 1940", 5),
            ("16 JUIN 1940", 6),
            ("16 GIU 1940", 6),
            ("16 JUIL 1940", 7),
            ("16 AOÛT 1940", 8),
            ("16 AOUT 1940", 8),
            ("16 AGO 1940", 8),
            ("16 SEPT 1940", 9),
            ("16 SET 1940", 9),
            ("16 OKT 1940", 10),
            ("16 OUT 1940", 10),
            ("16 DÉC 1940", 12),
            ("16 DEZ 1940", 12),
            ("16 DIC 1940", 12),
            ("16 ENE 1940", 1),
            ("16 GEN 1940", 1),
            ("16 AUG/AOÛT 40", 8),
            ("16 SEP/SEPT 40", 9),
        ] {
            assert_eq!(
                parse_printed_date(text).and_then(|d| d.month),
                Some(m),
                "{text}"
            );
        }
        // Both sides of the oblique must name the same month.
        check("16 APR/MAI 40", None);
    }

    #[test]
    fn garbled_bilingual_months() {
        for (text, iso) in [
            ("14 DECOC 69", "XX69-12-14"),
            ("02 SEP/ISEPT 96", "XX96-09-02"),
            ("12 AUG/AOÜT 86", "XX86-08-12"),
        ] {
            let d = parse_printed_date(text).unwrap_or_else(|| panic!("{text} parses"));
            assert_eq!(d.iso(), iso, "{text}");
        }
        assert!(parse_printed_date("14 QQQ 69").is_none());
    }

    #[test]
    fn month_keys_are_unambiguous() {
        let mut keys: Vec<&str> = MONTHS.iter().flat_map(|k| k.split(' ')).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key under two months");
        assert!(
            keys.iter().all(|k| !k.is_empty() && transliterate(k) == *k),
            "keys are in MRZ form"
        );
    }

    #[test]
    fn ocr_noise() {
        check("I6.O4.194O", Some("1940-04-16"));
        check("16 APR I94O", Some("1940-04-16"));
        check("1 6 APR 19 40", Some("1940-04-16"));
        check("16 04 19 40", Some("1940-04-16"));
        check("16 0CT 1940", Some("1940-10-16"));
        check("12 AUG/AOÛ T 74", Some("XX74-08-12")); // as Doc 9303-3 Figure 1 extracts
        check("16.O4.I9S8", Some("1958-04-16"));
        check("Z9.02.2000", Some("2000-02-29"));
    }

    #[test]
    fn calendar_and_garbage() {
        for bad in [
            "31 APR 1940",
            "29.02.1900",
            "29/02/01",
            "00.01.1940",
            "16.13.1940",
            "",
            "APR",
            "16 FOO 1940",
            "16 APR",
            "1940",
            "16.04.194",
            "16.04.1940.12",
            "٣٣.04.1940",
            "ß",
            "04/16/1940",
        ] {
            check(bad, None);
        }
        check("29.02.2000", Some("2000-02-29"));
        check("29/02/00", Some("XX00-02-29"));
    }

    #[test]
    fn unknown_parts() {
        for text in ["XX XX XXXX", "XX.XX.XXXX", "XXXX-XX-XX", "XX XXX XX"] {
            assert!(
                parse_printed_date(text).is_some_and(|d| d.is_unknown()),
                "{text}"
            );
        }
        check("XX XX 1974", Some("1974-XX-XX"));
        check("XX.08.1974", Some("1974-08-XX"));
        check("XX.02.XXXX", Some("XXXX-02-XX"));
        check("30 FEB XXXX", None);
    }

    #[test]
    fn resolves_the_century() {
        let today = Date::new(2026, 11, 23).expect("date");
        for (text, role, expected) in [
            ("12 AUG/AOÛT 74", DateRole::Past, Some("1974-08-12")),
            ("15 APR/AVR 30", DateRole::Expiry, Some("2030-04-15")),
            ("15 APR/AVR 1930", DateRole::Expiry, Some("1930-04-15")),
            ("XX XX 1974", DateRole::Past, None),
        ] {
            let d = parse_printed_date(text).expect("a date");
            let got = d.resolve(role, today).map(|d| d.to_string());
            assert_eq!(got.as_deref(), expected, "{text}");
        }
    }

    fn verdict(zone: &str, read: &[ReadChar]) -> Agreement {
        let c = compare_field(zone, read, &td3());
        assert!((0.0..=1.0).contains(&c.confidence), "{c:?}");
        c.agreement
    }

    #[test]
    fn against_the_mrz() {
        // The specimen: born 12 August 1974, expiring 15 April 2012.
        for text in [
            "12 AUG/AOÛT 74",
            "12.08.1974",
            "1974-08-12",
            "12 AUGUST 1974",
            "12 08 74",
            "I2.O8.1974",
        ] {
            assert_eq!(verdict("dob", &read(text)), Agreement::Agree, "{text}");
        }
        assert_eq!(verdict("expiry", &read("15 APR/AVR 12")), Agreement::Agree);
        // The MRZ has no century: 2074 agrees too.
        assert_eq!(verdict("dob", &read("12.08.2074")), Agreement::Agree);
        // One confident digit changed: day, month, year.
        for text in ["13.08.1974", "12.09.1974", "12.08.1975", "12 SEP 1974"] {
            assert_eq!(verdict("dob", &read(text)), Agreement::Disagree, "{text}");
        }
        // The same digit read doubtfully, or with the MRZ's digit a strong candidate.
        assert_eq!(
            verdict("dob", &altered("13.08.1974", 1, 0.45, &[])),
            Agreement::Agree
        );
        assert_eq!(
            verdict("dob", &altered("18.08.1974", 1, 0.6, &[('2', 0.35)])),
            Agreement::Agree
        );
        // A look-alike letter where the MRZ has another digit is weak.
        assert_eq!(verdict("dob", &read("12.O9.1974")), Agreement::Disagree);
        assert_eq!(verdict("dob", &read("12.08.197S")), Agreement::Agree);
        // Unparseable and low-confidence reads.
        assert_eq!(verdict("dob", &read("31.02.1974")), Agreement::Unreadable);
        assert_eq!(
            verdict("dob", &ReadChar::from_text("13.08.1974", 0.3)),
            Agreement::Unreadable
        );
        let c = compare_field("dob", &read("13.08.1974"), &td3());
        assert!(c.confidence > 0.9 && c.reason.contains("0.97"), "{c:?}");
        assert_eq!(c.mrz.as_deref(), Some("1974-08-12"));
    }

    #[test]
    fn unknown_against_the_mrz() {
        let cmp = |text: &str, dob: &str| compare_field("dob", &read(text), &td3_dob(dob));
        let c = cmp("XX XX XXXX", "<<<<<<");
        assert_eq!(c.agreement, Agreement::Agree, "{c:?}");
        assert!(c.reason.contains("both unknown"));
        assert_eq!(cmp("XX XX 1974", "74<<<<").agreement, Agreement::Agree);
        assert_eq!(cmp("XX XX XXXX", "740812").agreement, Agreement::Disagree);
        assert_eq!(cmp("12.08.1974", "<<<<<<").agreement, Agreement::Disagree);
        assert_eq!(cmp("12.08.1974", "74O812").agreement, Agreement::Unreadable);
    }
}
