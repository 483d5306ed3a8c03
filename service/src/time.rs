//! UTC timestamps as fixed-width RFC 3339 text (`2026-01-02T03:04:05.678Z`):
//! they sort as strings, so the store filters dates with plain comparisons
//! on every SQL backend.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_millis(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn format_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A filter bound from a query: `YYYY-MM-DD` (the start of the day for a
/// lower bound, its end for an upper one) or `YYYY-MM-DDTHH:MM:SS[.mmm]Z`;
/// `None` when malformed.
pub(crate) fn bound(text: &str, upper: bool) -> Option<String> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() < 10 || !digits(0..4) || b[4] != b'-' || !digits(5..7) || b[7] != b'-' {
        return None;
    }
    if !digits(8..10) {
        return None;
    }
    if b.len() == 10 {
        let tail = if upper {
            "T23:59:59.999Z"
        } else {
            "T00:00:00.000Z"
        };
        return Some(format!("{text}{tail}"));
    }
    let ok_time = b.len() >= 20
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !ok_time || b[b.len() - 1] != b'Z' {
        return None;
    }
    match b.len() {
        20 => Some(format!(
            "{}.{}Z",
            &text[..19],
            if upper { "999" } else { "000" }
        )),
        24 if b[19] == b'.' && digits(20..23) => Some(text.to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(format_millis(1_798_761_599_999), "2026-12-31T23:59:59.999Z");
    }

    #[test]
    fn bounds() {
        assert_eq!(
            bound("2026-01-02", false).as_deref(),
            Some("2026-01-02T00:00:00.000Z")
        );
        assert_eq!(
            bound("2026-01-02", true).as_deref(),
            Some("2026-01-02T23:59:59.999Z")
        );
        assert_eq!(
            bound("2026-01-02T03:04:05Z", false).as_deref(),
            Some("2026-01-02T03:04:05.000Z")
        );
        assert_eq!(
            bound("2026-01-02T03:04:05.678Z", true).as_deref(),
            Some("2026-01-02T03:04:05.678Z")
        );
        for bad in [
            "",
            "yesterday",
            "2026-1-2",
            "2026-01-02T03:04",
            "2026-01-02 03:04:05Z",
        ] {
            assert_eq!(bound(bad, false), None, "{bad}");
        }
    }
}
