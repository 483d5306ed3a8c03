//! Calendar dates and the YYMMDD dates of the MRZ (Doc 9303-3 §4.8).

use std::fmt;
use std::str::FromStr;

/// A day of the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date `year-month-day`, or `None` when no such day exists.
    #[must_use]
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Self { year, month, day })
    }

    /// The year.
    #[must_use]
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1-12.
    #[must_use]
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1-31.
    #[must_use]
    pub fn day(self) -> u8 {
        self.day
    }

    /// Today in UTC, from the system clock.
    #[must_use]
    pub fn today_utc() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self::from_days_since_epoch(i64::try_from(secs / 86_400).unwrap_or(0))
    }

    /// The date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`).
    #[must_use]
    // Day and month are in 1..=31 and 1..=12 by construction of the algorithm.
    #[allow(clippy::cast_sign_loss)]
    pub fn from_days_since_epoch(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self {
            year: year as i32,
            month,
            day,
        }
    }

    /// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
    #[must_use]
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Error of [`Date::from_str`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateParseError(String);

impl fmt::Display for DateParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid date {:?}: expected YYYY-MM-DD, a real calendar day",
            self.0
        )
    }
}

impl std::error::Error for DateParseError {}

impl FromStr for Date {
    type Err = DateParseError;

    /// Parses `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || DateParseError(s.to_owned());
        let bytes = s.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(err());
        }
        let num = |range: std::ops::Range<usize>| -> Option<u16> {
            bytes[range].iter().try_fold(0u16, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u16::from(c - b'0'))
            })
        };
        let year = num(0..4).ok_or_else(err)?;
        let month = num(5..7).ok_or_else(err)?;
        let day = num(8..10).ok_or_else(err)?;
        Date::new(i32::from(year), month as u8, day as u8).ok_or_else(err)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Whether `year` is a Gregorian leap year.
#[must_use]
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Which date field a YYMMDD value is: it decides the century.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateRole {
    /// A date in the past (birth, issue): the latest century that does not
    /// put it after the reference date.
    Past,
    /// An expiry or "valid until" date: the century that puts it within
    /// 50 years before to 49 years after the reference date.
    Expiry,
}

/// A YYMMDD date as written in the MRZ, with the century inferred.
///
/// Doc 9303-3 §4.8 lets the date of birth have unknown parts written as
/// fillers (`<`); those parts are `None` here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MrzDate {
    raw: [u8; 6],
    /// Four-digit year after century inference, `None` when unknown or not digits.
    pub year: Option<i32>,
    /// Month 1-12 as written (may be out of range), `None` when unknown.
    pub month: Option<u8>,
    /// Day as written (may be out of range), `None` when unknown.
    pub day: Option<u8>,
}

/// What is wrong with an MRZ date, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateProblem {
    /// A position holds neither a digit nor, where allowed, a filler.
    NotDigits,
    /// Some parts are unknown (`<`) where the field does not allow it.
    Unknown,
    /// Digits, but no such calendar day (month 13, 30 February).
    Impossible,
}

impl MrzDate {
    /// Reads six MRZ characters (`raw` must be 6 bytes) and infers the
    /// century for `role` against `reference`.
    #[must_use]
    pub fn from_mrz(raw: &[u8], role: DateRole, reference: Date) -> Self {
        let mut r = [FILLER_BYTE; 6];
        let n = raw.len().min(6);
        r[..n].copy_from_slice(&raw[..n]);
        let two = |i: usize| -> Option<u8> {
            let (a, b) = (r[i], r[i + 1]);
            (a.is_ascii_digit() && b.is_ascii_digit()).then(|| (a - b'0') * 10 + (b - b'0'))
        };
        let (yy, month, day) = (two(0), two(2), two(4));
        let year = yy.map(|yy| infer_century(yy, month, day, role, reference));
        Self {
            raw: r,
            year,
            month,
            day,
        }
    }

    /// The six characters as written.
    #[must_use]
    pub fn raw(&self) -> &str {
        // Only MRZ bytes or fillers are stored; non-ASCII input was replaced.
        std::str::from_utf8(&self.raw).unwrap_or("<<<<<<")
    }

    /// The calendar date, when every part is known and the day exists.
    #[must_use]
    pub fn date(&self) -> Option<Date> {
        Date::new(self.year?, self.month?, self.day?)
    }

    /// Whether every part is written as fillers (date wholly unknown).
    #[must_use]
    pub fn is_unknown(&self) -> bool {
        self.raw.iter().all(|&c| c == FILLER_BYTE)
    }

    /// What is wrong with the date; `allow_unknown` for the date of birth,
    /// where Doc 9303-3 §4.8 allows fillers for unknown parts.
    #[must_use]
    pub fn problem(&self, allow_unknown: bool) -> Option<DateProblem> {
        let pair_ok = |i: usize| {
            let (a, b) = (self.raw[i], self.raw[i + 1]);
            (a.is_ascii_digit() && b.is_ascii_digit()) || (a == FILLER_BYTE && b == FILLER_BYTE)
        };
        if !(pair_ok(0) && pair_ok(2) && pair_ok(4)) {
            return Some(DateProblem::NotDigits);
        }
        let unknown = self.year.is_none() || self.month.is_none() || self.day.is_none();
        if unknown && !allow_unknown {
            return Some(DateProblem::Unknown);
        }
        let month_ok = self.month.is_none_or(|m| (1..=12).contains(&m));
        let day_ok = match (self.year, self.month, self.day) {
            (_, _, None) => true,
            // Unknown month or year: accept any day that some month has.
            (Some(y), Some(m), Some(d)) if month_ok => d >= 1 && d <= days_in_month(y, m),
            (None, Some(m), Some(d)) if month_ok => d >= 1 && d <= days_in_month(2000, m),
            (_, _, Some(d)) => (1..=31).contains(&d),
        };
        (!(month_ok && day_ok)).then_some(DateProblem::Impossible)
    }

    /// ISO 8601 text with `XX` for unknown parts (e.g. `1974-XX-XX`).
    #[must_use]
    pub fn iso(&self) -> String {
        let part = |v: Option<u8>| v.map_or_else(|| "XX".to_owned(), |v| format!("{v:02}"));
        let year = self
            .year
            .map_or_else(|| "XXXX".to_owned(), |y| format!("{y:04}"));
        format!("{year}-{}-{}", part(self.month), part(self.day))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for MrzDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("MrzDate", 3)?;
        st.serialize_field("raw", self.raw())?;
        st.serialize_field("iso", &self.iso())?;
        st.serialize_field("valid", &self.date().is_some())?;
        st.end()
    }
}

const FILLER_BYTE: u8 = b'<';

/// The century for a two-digit year. Month and day, when known, refine the
/// comparison with the reference date for past dates.
fn infer_century(
    yy: u8,
    month: Option<u8>,
    day: Option<u8>,
    role: DateRole,
    reference: Date,
) -> i32 {
    let yy = i32::from(yy);
    let ref_year = reference.year();
    match role {
        DateRole::Past => {
            let century = ref_year.div_euclid(100) * 100;
            let candidate = century + yy;
            let after_reference = match candidate.cmp(&ref_year) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Less => false,
                std::cmp::Ordering::Equal => {
                    (month.unwrap_or(1), day.unwrap_or(1)) > (reference.month(), reference.day())
                }
            };
            if after_reference {
                candidate - 100
            } else {
                candidate
            }
        }
        DateRole::Expiry => {
            // The year congruent to yy mod 100 in [ref-50, ref+49].
            let low = ref_year - 50;
            low + (yy - low).rem_euclid(100)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("test date")
    }

    #[test]
    fn civil_days_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let date = Date::from_days_since_epoch(days);
            assert_eq!(date.days_since_epoch(), days, "{date}");
            assert!(Date::new(date.year(), date.month(), date.day()).is_some());
        }
        assert_eq!(Date::from_days_since_epoch(0), d("1970-01-01"));
        assert_eq!(
            d("2000-03-01").days_since_epoch() - d("2000-02-28").days_since_epoch(),
            2
        );
    }

    #[test]
    fn parse_iso_dates() {
        assert_eq!(d("2026-11-23").to_string(), "2026-11-23");
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "26-11-23",
            "2026/11/23",
            "",
            "2026-1-023",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        assert!("2024-02-29".parse::<Date>().is_ok());
        assert!("2100-02-29".parse::<Date>().is_err());
    }

    fn check(raw: &str, role: DateRole, reference: &str, expected: &str) {
        let m = MrzDate::from_mrz(raw.as_bytes(), role, d(reference));
        assert_eq!(m.iso(), expected, "{raw} as {role:?} on {reference}");
    }

    #[test]
    fn century_inference() {
        check("740812", DateRole::Past, "2026-11-23", "1974-08-12");
        check("261123", DateRole::Past, "2026-11-23", "2026-11-23");
        check("261124", DateRole::Past, "2026-11-23", "1926-11-24");
        check("250101", DateRole::Past, "2026-11-23", "2025-01-01");
        check("<<<<<<", DateRole::Past, "2026-11-23", "XXXX-XX-XX");
        check("74<<<<", DateRole::Past, "2026-11-23", "1974-XX-XX");
        check("26<<<<", DateRole::Past, "2026-11-23", "2026-XX-XX");
        check("120415", DateRole::Expiry, "2026-11-23", "2012-04-15");
        check("760101", DateRole::Expiry, "2026-11-23", "1976-01-01");
        check("750101", DateRole::Expiry, "2026-11-23", "2075-01-01");
        check("991231", DateRole::Expiry, "2026-11-23", "1999-12-31");
        check("120415", DateRole::Expiry, "1998-01-01", "2012-04-15");
    }

    #[test]
    fn problems() {
        let r = d("2026-11-23");
        let p = |raw: &str, unknown| {
            MrzDate::from_mrz(raw.as_bytes(), DateRole::Past, r).problem(unknown)
        };
        assert_eq!(p("740812", false), None);
        assert_eq!(p("741312", false), Some(DateProblem::Impossible));
        assert_eq!(p("740230", false), Some(DateProblem::Impossible));
        assert_eq!(p("000229", false), None);
        assert_eq!(p("010229", false), Some(DateProblem::Impossible));
        assert_eq!(p("74O812", false), Some(DateProblem::NotDigits));
        assert_eq!(p("7408<2", true), Some(DateProblem::NotDigits));
        assert_eq!(p("74<<<<", true), None);
        assert_eq!(p("74<<<<", false), Some(DateProblem::Unknown));
        assert_eq!(p("<<<<32", true), Some(DateProblem::Impossible));
    }
}
