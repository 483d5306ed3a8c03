//! The MRZ character set and the check digit of ICAO Doc 9303 part 3 §4.9.

/// The filler character (`<`), Doc 9303-3 §4.4.
pub const FILLER: u8 = b'<';

/// Numeric value of every byte for the check-digit computation: `0`-`9` are
/// 0-9, `A`-`Z` are 10-35, `<` is 0 (Doc 9303-3 §4.9); 255 marks a byte
/// outside the MRZ character set.
const VALUES: [u8; 256] = {
    let mut t = [255u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t[FILLER as usize] = 0;
    t
};

/// The repeating weights 7, 3, 1 of Doc 9303-3 §4.9.
pub(crate) const WEIGHTS: [u32; 3] = [7, 3, 1];

/// Value of an MRZ character in the check-digit computation, or `None` when
/// the byte is not in the MRZ character set (`0-9`, `A-Z`, `<`).
#[inline]
#[must_use]
pub fn char_value(c: u8) -> Option<u8> {
    match VALUES[c as usize] {
        255 => None,
        v => Some(v),
    }
}

/// Whether `c` belongs to the MRZ character set (Doc 9303-3 §4.3).
#[inline]
#[must_use]
pub fn is_mrz_char(c: u8) -> bool {
    VALUES[c as usize] != 255
}

/// Check digit (0-9) of `data` per Doc 9303-3 §4.9, or `None` when `data`
/// holds a character outside the MRZ set.
///
/// ```
/// // Doc 9303-3 Appendix A, example 1: the date 27 July 1952.
/// assert_eq!(docscreen_mrz::check_digit(b"520727"), Some(3));
/// assert_eq!(docscreen_mrz::check_digit(b"AB2134<<<"), Some(5));
/// ```
#[inline]
#[must_use]
pub fn check_digit(data: &[u8]) -> Option<u8> {
    weighted_sum(data, 0).map(|s| (s % 10) as u8)
}

/// Sum of `value * weight` over `data`, the weights starting at offset
/// `phase` of the 7-3-1 cycle; `None` on a character outside the set.
#[inline]
pub(crate) fn weighted_sum(data: &[u8], phase: usize) -> Option<u32> {
    let mut sum = 0u32;
    let mut bad = false;
    // Rotate the weights once instead of a modulo per character.
    let w = [
        WEIGHTS[phase % 3],
        WEIGHTS[(phase + 1) % 3],
        WEIGHTS[(phase + 2) % 3],
    ];
    let mut chunks = data.chunks_exact(3);
    for c in &mut chunks {
        let (a, b, d) = (
            VALUES[c[0] as usize],
            VALUES[c[1] as usize],
            VALUES[c[2] as usize],
        );
        // Valid values are at most 35, so the maximum tells: no branch.
        bad |= a.max(b).max(d) == 255;
        sum += u32::from(a) * w[0] + u32::from(b) * w[1] + u32::from(d) * w[2];
    }
    for (i, &c) in chunks.remainder().iter().enumerate() {
        let v = VALUES[c as usize];
        bad |= v == 255;
        sum += u32::from(v) * w[i];
    }
    (!bad).then_some(sum)
}

/// Check digit of several spans taken as one string (the composite check
/// digit of Doc 9303-4 §4.2.2.2 and its equivalents), without concatenating.
#[inline]
pub(crate) fn check_digit_of_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Option<u8> {
    let mut sum = 0u32;
    let mut phase = 0usize;
    for p in parts {
        sum += weighted_sum(p, phase)?;
        phase = (phase + p.len()) % 3;
    }
    Some((sum % 10) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(data: &str, expected: Option<u8>) {
        assert_eq!(
            check_digit(data.as_bytes()),
            expected,
            "check digit of {data:?}"
        );
    }

    #[test]
    fn doc9303_part3_appendix_a_examples() {
        // Doc 9303-3 Appendix A (informative), worked examples.
        check("520727", Some(3));
        check("AB2134<<<", Some(5));
        check("L898902C3", Some(6));
        check("740812", Some(2));
        check("120415", Some(9));
        check("ZE184226B<<<<<", Some(1));
    }

    #[test]
    fn doc9303_part3_appendix_a_composite_td3() {
        // Example 3: lower line HA672242<6YTO5802254M9601086<<<<<<<<<<<<<<0,
        // composite over positions 1-10, 14-20, 22-43 is 8.
        let l = b"HA672242<6YTO5802254M9601086<<<<<<<<<<<<<<0";
        assert_eq!(
            check_digit_of_parts([&l[0..10], &l[13..20], &l[21..43]]),
            Some(8)
        );
    }

    #[test]
    fn values_and_charset() {
        assert_eq!(char_value(b'<'), Some(0));
        assert_eq!(char_value(b'9'), Some(9));
        assert_eq!(char_value(b'A'), Some(10));
        assert_eq!(char_value(b'Z'), Some(35));
        for c in [b'a', b' ', b'-', 0u8, 200u8] {
            assert_eq!(char_value(c), None);
            assert!(!is_mrz_char(c));
        }
        check("AB c", None);
        check("", Some(0));
    }

    #[test]
    fn parts_equal_concatenation() {
        let a = b"L898902C36";
        let b = b"7408122";
        let c = b"1204159ZE184226B<<<<<1";
        let whole: Vec<u8> = [&a[..], &b[..], &c[..]].concat();
        assert_eq!(
            check_digit_of_parts([&a[..], &b[..], &c[..]]),
            check_digit(&whole)
        );
        assert_eq!(check_digit(&whole), Some(0));
    }
}
