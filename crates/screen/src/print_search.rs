//! The MRZ against the print on a document of unknown design
//! (`viz.mrz_in_print`). ICAO Doc 9303-3 §4 puts the holder's data in both
//! zones, so the MRZ's surname, given names, document number and dates are
//! printed somewhere in the visual zone whatever the layout. Without a
//! document model there are no zones to read field by field; instead every
//! text line running along the MRZ is read by the VIZ recogniser, and each
//! MRZ value is looked for among them with the same normalised comparison
//! as `viz.mrz_agreement` (names transliterated, dates in any printed
//! format). A value printed nowhere is what an MRZ re-created with new data
//! or a printed value altered leaves behind. The nationality is looked for
//! as well, and contradicted only by another state's code printed alone
//! (see `search_state`).

use docscreen_ocr::{
    CROP_CAP, CROP_MID, LineCrop, LineGeometry, MrzReading, Recogniser, TextGlyphs, crop_line_as,
};
use docscreen_viz::{Agreement, ReadChar, compare_field, same_state};
use image::GrayImage;

use crate::report::{CheckResult, Region, Status};
use crate::viz_checks::{disagreement_score, field_words, mean_confidence, mrz_region, viz_chars};

/// The check's id.
pub(crate) const PRINT_SEARCH_ID: &str = "viz.mrz_in_print";

/// Text lines read at most (the longest first): a data page holds 20-40.
const MAX_LINES: usize = 64;
/// A line read with a mean character probability under this is not used.
const CONFIDENT_LINE: f32 = 0.8;
/// Fewer confidently read lines than this: the print is not readable
/// enough to say a value is missing from it.
const MIN_READABLE_LINES: usize = 4;
/// Printed data are set between half and three times the MRZ's character
/// height (labels are smaller, a title larger).
const HEIGHT_RANGE: (f32, f32) = (0.5, 3.0);

/// The MRZ fields looked for, by the zone name the comparison knows them by.
const FIELDS: [&str; 6] = [
    "surname",
    "given_names",
    "doc_number",
    "dob",
    "expiry",
    "nationality",
];

/// Looks for the MRZ's values in the document's printed text lines.
/// `not_performed` without a parsed MRZ, when a document model was
/// identified (`viz.mrz_agreement` compares zone by zone then), or when too
/// little print could be read.
pub(crate) fn mrz_in_print(
    grey: &GrayImage,
    glyphs: &TextGlyphs,
    corners: Option<&[[f32; 2]; 4]>,
    reading: Option<&MrzReading>,
    identified: bool,
    recogniser: &Recogniser,
) -> CheckResult {
    let Some(r) = reading else {
        return CheckResult::not_performed(PRINT_SEARCH_ID, "no MRZ was read");
    };
    let Some(fields) = r.mrz.fields.as_ref() else {
        return CheckResult::not_performed(PRINT_SEARCH_ID, "the MRZ fits no ICAO 9303 format");
    };
    if identified {
        return CheckResult::not_performed(
            PRINT_SEARCH_ID,
            "the document model was identified: its printed fields are compared zone by zone (viz.mrz_agreement)",
        );
    }
    let lines = print_lines(glyphs, corners, r);
    let (geometry, crops): (Vec<LineGeometry>, Vec<LineCrop>) = lines
        .iter()
        .filter_map(|l| {
            let g = refine(grey, l)?;
            let c = crop_line_as(grey, &g, 1.0, 1.0)?;
            Some((g, c))
        })
        .unzip();
    if crops.is_empty() {
        return CheckResult::not_performed(
            PRINT_SEARCH_ID,
            "no printed text lines were found beside the MRZ",
        );
    }
    let read = match recogniser.read(&crops) {
        Ok(read) => read,
        Err(e) => {
            return CheckResult::new(
                PRINT_SEARCH_ID,
                Status::Error,
                0.0,
                format!("the printed-data recogniser failed: {e}"),
            );
        }
    };
    // The confidently read lines, and where each is on the scan.
    let (texts, placed): (Vec<Vec<ReadChar>>, Vec<&LineGeometry>) = read
        .iter()
        .map(viz_chars)
        .zip(&geometry)
        .filter(|(chars, _)| !chars.is_empty() && mean_confidence(chars) >= CONFIDENT_LINE)
        .unzip();
    if tracing::enabled!(tracing::Level::DEBUG) {
        let read: Vec<String> = texts
            .iter()
            .map(|t| t.iter().map(|c| c.ch).collect())
            .collect();
        tracing::debug!(lines = ?read, "print lines read");
    }
    if texts.len() < MIN_READABLE_LINES {
        return CheckResult::not_performed(
            PRINT_SEARCH_ID,
            format!(
                "too little printed text could be read to look for the MRZ's values ({} lines)",
                texts.len()
            ),
        );
    }
    let mut searched: Vec<&str> = Vec::new();
    let mut missing: Vec<&str> = Vec::new();
    let mut contradicted: Vec<(&str, f32, usize)> = Vec::new();
    for field in FIELDS {
        match search(field, &texts, fields) {
            None => {}
            Some(Search::Found) => searched.push(field),
            Some(Search::Missing) => {
                searched.push(field);
                missing.push(field);
            }
            Some(Search::Contradicted(c, at)) => {
                searched.push(field);
                contradicted.push((field, c, at));
            }
        }
    }
    let found = searched.len() - missing.len() - contradicted.len();
    let not_found = if missing.is_empty() {
        String::new()
    } else {
        let words: Vec<String> = missing.iter().map(|f| field_words(f)).collect();
        format!(
            "; not found in the print: {} (not evidence by itself: a design may not print a field, and the reader misses some print)",
            words.join(", ")
        )
    };
    if contradicted.is_empty() {
        return CheckResult::pass(
            PRINT_SEARCH_ID,
            format!(
                "{found} of the MRZ's {} values looked for are printed on the document and none is contradicted ({} text lines read){not_found}",
                searched.len(),
                texts.len()
            ),
        );
    }
    let score = contradicted
        .iter()
        .map(|&(_, c, _)| disagreement_score(c))
        .fold(0.0f32, f32::max);
    let words: Vec<String> = contradicted
        .iter()
        .map(|(f, _, _)| {
            if matches!(*f, "dob" | "expiry") {
                format!(
                    "{} on the MRZ's day and month in another year",
                    field_words(f)
                )
            } else if *f == "nationality" {
                "nationality code of another state".to_owned()
            } else {
                format!(
                    "{} one or two characters different from the MRZ's",
                    field_words(f)
                )
            }
        })
        .collect();
    // Both sides of each contradiction: the MRZ's field and the printed
    // line that contradicts it.
    let regions: Vec<Region> = contradicted
        .iter()
        .flat_map(|&(f, _, at)| {
            let mrz = mrz_region(f, r).map(|q| Region {
                label: format!("MRZ {}", field_words(f)),
                quad_px: q,
            });
            let printed = placed.get(at).map(|g| Region {
                label: format!("printed {}", field_words(f)),
                quad_px: g.quad(0.2),
            });
            mrz.into_iter().chain(printed)
        })
        .collect();
    CheckResult::new(
        PRINT_SEARCH_ID,
        Status::Warn,
        score,
        format!(
            "the print holds a {}, read confidently, \
             and nowhere the MRZ's own value: an MRZ re-created with other data, or a printed value altered, \
             leaves this ({found} of {} values found in {} text lines read){not_found}",
            words.join(", and a "),
            searched.len(),
            texts.len()
        ),
    )
    .with_regions(regions)
}

/// What the lines say of one MRZ value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Search {
    /// Some line (or word of one) agrees with it.
    Found,
    /// No line agrees, but one holds a value of the same kind one or two
    /// characters away from it, the difference read confidently (the
    /// comparison's confidence, and the line's index): a value altered in
    /// one zone.
    Contradicted(f32, usize),
    /// Nothing like it is printed (or the print was misread, or this
    /// design does not print the field).
    Missing,
}

/// The number of differing characters of two values of equal length
/// (hyphens and spaces count as the MRZ's filler), `None` for different
/// lengths: a forger changes characters in place, while an OCR slip on
/// the print far more often drops or merges one.
fn substitutions(a: &str, b: &str) -> Option<usize> {
    let norm = |c: char| if c == '-' || c == ' ' { '<' } else { c };
    let (a, b): (Vec<char>, Vec<char>) =
        (a.chars().map(norm).collect(), b.chars().map(norm).collect());
    (a.len() == b.len()).then(|| a.iter().zip(&b).filter(|(x, y)| x != y).count())
}

/// Whether a value printed (read as `printed`, normalised) that disagrees
/// with the MRZ's `value` of `field` contradicts it, rather than being
/// another value or a misreading. `expiry` is the MRZ's date of expiry,
/// normalised as the dates are.
fn contradicts_value(
    field: &str,
    zone: &str,
    printed: &str,
    value: &str,
    expiry: Option<&str>,
) -> bool {
    match field {
        // A printed birth date on the MRZ's day and month in another
        // year: the year was changed in one zone (an issue date on the
        // same day and month as a birth is a 1-in-365 chance). Not judged
        // when the document's expiry falls on the birthday (some issuers
        // date validity by it, so issue and expiry dates print that day
        // and month too), nor when the printed year's two digits are the
        // MRZ year's century: a four-digit year read cut short.
        "dob" => {
            same_day_other_year(printed, value)
                && expiry.is_none_or(|e| same_day(e, value).is_none())
                && !century_cut(printed, value)
        }
        // A printed date on the MRZ expiry's day and month in a later
        // year: the validity was extended in the print (or the MRZ
        // re-created with an earlier expiry). An earlier year is not
        // judged: issue and expiry dates often share day and month a few
        // years apart.
        "expiry" => same_day_later_year(printed, value),
        // A value of the field itself one or two characters changed; on a
        // value of four characters or fewer only one (two of four is
        // another word: a place name read for a given name).
        _ => {
            let n = value.chars().count();
            let most = if n <= 4 { 1 } else { 2 };
            zone == field
                && n >= 4
                && substitutions(printed, value).is_some_and(|d| (1..=most).contains(&d))
        }
    }
}

/// A two-digit printed year equal to the first two digits of the MRZ's
/// four-digit year (`XX19-07-12` against `1986-07-12`): "12 JUL 1986"
/// read without its last two digits, not another year.
fn century_cut(printed: &str, mrz: &str) -> bool {
    let (p, m) = (printed.as_bytes(), mrz.as_bytes());
    p.len() == 10 && m.len() == 10 && p.starts_with(b"XX") && p[2..4] == m[0..2]
}

/// Two normalised dates (`YYYY-MM-DD`, `XXYY-MM-DD` for a two-digit
/// year) on the same month and day, as bytes; `None` otherwise.
fn same_day<'a>(a: &'a str, b: &'a str) -> Option<(&'a [u8], &'a [u8])> {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    (a.len() == 10 && b.len() == 10 && a[5..] == b[5..]).then_some((a, b))
}

/// Two normalised dates with the same month and day and another year.
fn same_day_other_year(a: &str, b: &str) -> bool {
    let Some((a, b)) = same_day(a, b) else {
        return false;
    };
    // Compare the digits both years show (a two-digit year shows two).
    let known = |y: &[u8], i: usize| y[i].is_ascii_digit();
    (0..4).any(|i| known(a, i) && known(b, i) && a[i] != b[i])
}

/// A printed date (normalised as in [`same_day_other_year`]) on the MRZ
/// date's day and month in a later year: for the expiry, a validity
/// extended in the print. Nothing else a document prints falls on the
/// expiry's day and month after it (issue dates, which often share them,
/// come before).
fn same_day_later_year(printed: &str, mrz: &str) -> bool {
    let Some((a, b)) = same_day(printed, mrz) else {
        return false;
    };
    let year = |y: &[u8], from: usize| -> Option<u32> {
        y[from..4].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    match (year(a, 0), year(b, 0)) {
        (Some(p), Some(m)) => p > m,
        // A two-digit printed year: compare the decade and year digits.
        _ => matches!((year(a, 2), year(b, 2)), (Some(p), Some(m)) if p > m),
    }
}

/// Looks for `field` of the MRZ among the lines: `None` when the MRZ has
/// no such value. A line, or for a number or a name each word of it, is
/// compared; names are also compared as a whole-name line.
fn search(field: &str, lines: &[Vec<ReadChar>], mrz: &docscreen_mrz::Fields) -> Option<Search> {
    if field == "nationality" {
        return search_state(lines, mrz);
    }
    let mut in_mrz = false;
    let expiry = mrz.expiry_date.as_ref().map(docscreen_mrz::MrzDate::iso);
    // (confidence, line) of the surest contradiction.
    let mut contradiction: Option<(f32, usize)> = None;
    for (at, line) in lines.iter().enumerate() {
        let mut contradicts = |confidence: f32| {
            if contradiction.is_none_or(|(k, _)| confidence > k) {
                contradiction = Some((confidence, at));
            }
        };
        let mut tries: Vec<(&str, &[ReadChar])> = vec![(field, line)];
        if matches!(field, "surname" | "given_names") {
            tries.push(("name_line", line));
        }
        if matches!(field, "doc_number" | "surname" | "given_names") {
            tries.extend(
                words(line)
                    .filter(|w| w.len() < line.len())
                    .map(|w| (field, w)),
            );
        }
        for (zone, chars) in tries {
            let c = compare_field(zone, chars, mrz);
            let Some(value) = c.mrz.as_deref().filter(|v| !v.trim_matches('<').is_empty()) else {
                continue;
            };
            in_mrz = true;
            match c.agreement {
                Agreement::Agree => return Some(Search::Found),
                Agreement::Disagree
                    if contradicts_value(
                        field,
                        zone,
                        &c.printed_normalised,
                        value,
                        expiry.as_deref(),
                    ) =>
                {
                    contradicts(c.confidence);
                }
                _ => {}
            }
        }
    }
    in_mrz.then_some(contradiction.map_or(Search::Missing, |(c, at)| Search::Contradicted(c, at)))
}

/// The words of a printed line (split at spaces, slashes and commas).
fn words(line: &[ReadChar]) -> impl Iterator<Item = &[ReadChar]> {
    line.split(|c| c.ch == ' ' || c.ch == '/' || c.ch == ',')
        .filter(|w| !w.is_empty())
}

/// The holder's nationality (Doc 9303-3 §3.5, §5). Most designs print it
/// as a state code on its own: a line that is the MRZ's code finds it; a
/// line that is another state's code alone, read confidently, and neither
/// the MRZ's nationality nor its issuing state, contradicts it (the
/// printed nationality changed), unless the MRZ's own code is printed
/// alone too. Otherwise the state's name or adjective in any line or word
/// finds it (the document's title names the issuing state, so a name is
/// never evidence against). A code inside a longer line is not judged:
/// labels and addresses hold three-letter words that are codes (AND, CAN,
/// PER).
fn search_state(lines: &[Vec<ReadChar>], mrz: &docscreen_mrz::Fields) -> Option<Search> {
    let own = mrz
        .nationality
        .as_ref()?
        .as_str()
        .trim_end_matches('<')
        .to_owned();
    if own.is_empty() {
        return None;
    }
    let issuer = mrz.issuing_state.as_str().trim_end_matches('<');
    let mut contradiction: Option<(f32, usize)> = None;
    let mut named = false;
    for (at, line) in lines.iter().enumerate() {
        let text: String = line.iter().map(|c| c.ch).collect();
        let code = text.trim();
        let is_code = (1..=3).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_uppercase())
            && docscreen_mrz::lookup_code(code).is_some();
        if is_code && same_state(code, &own) {
            return Some(Search::Found);
        }
        if is_code && code.len() == 3 && !same_state(code, issuer) {
            let confidence = line.iter().map(|c| c.p).fold(1.0f32, f32::min);
            if contradiction.is_none_or(|(k, _)| confidence > k) {
                contradiction = Some((confidence, at));
            }
        }
        named = named
            || std::iter::once(line.as_slice())
                .chain(words(line))
                .any(|w| compare_field("nationality", w, mrz).agreement == Agreement::Agree);
    }
    Some(match contradiction {
        Some((c, at)) => Search::Contradicted(c, at),
        None if named => Search::Found,
        None => Search::Missing,
    })
}

/// The text lines along the MRZ's direction that could hold printed data:
/// on the document (inside its corners when known), off the MRZ's own
/// lines, of a plausible height; the longest first.
fn print_lines(
    glyphs: &TextGlyphs,
    corners: Option<&[[f32; 2]; 4]>,
    r: &MrzReading,
) -> Vec<LineGeometry> {
    let mrz_height = mrz_char_height(r);
    let all = glyphs.text_lines(r.angle_deg, 3);
    let mut lines: Vec<LineGeometry> = all
        .into_iter()
        .filter(|l| {
            let h = l.char_height / mrz_height;
            let mid = [
                f32::midpoint(l.start[0], l.end[0]),
                f32::midpoint(l.start[1], l.end[1]),
            ];
            (HEIGHT_RANGE.0..=HEIGHT_RANGE.1).contains(&h)
                && corners.is_none_or(|q| inside(q, mid))
                && !r.line_quads.iter().any(|q| inside(q, mid))
        })
        .collect();
    lines.sort_by(|a, b| b.length().total_cmp(&a.length()));
    lines.truncate(MAX_LINES);
    lines
}

/// The line re-measured in a first crop: the band of rows holding most ink
/// (the capitals' height; blob heights are inflated where characters touch
/// a guilloche line or a label) sets the character height and centres the
/// line across, as the VIZ recogniser's crops are made.
#[allow(clippy::many_single_char_names)] // a, b, c, d, n, t, w: the geometry's names
fn refine(grey: &GrayImage, l: &LineGeometry) -> Option<LineGeometry> {
    let c = crop_line_as(grey, l, 1.0, 0.2)?;
    let w = c.width as usize;
    let rows = c.pixels.len() / w.max(1);
    let mut sorted = c.pixels.clone();
    sorted.sort_by(f32::total_cmp);
    let paper = sorted[sorted.len() * 4 / 5];
    let dark = sorted[sorted.len() / 100];
    if paper - dark < 0.12 {
        return None;
    }
    let t = paper - 0.45 * (paper - dark);
    #[allow(clippy::cast_precision_loss)] // crop sizes
    let share: Vec<f32> = (0..rows)
        .map(|y| {
            c.pixels[y * w..(y + 1) * w]
                .iter()
                .filter(|&&v| v < t)
                .count() as f32
                / w as f32
        })
        .collect();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // row 16
    let mid = CROP_MID as usize;
    let peak = share.iter().copied().fold(0.0f32, f32::max);
    if peak <= 0.0 {
        return None;
    }
    let on = |y: usize| share[y] > peak / 5.0;
    // The run of inked rows through the middle (or nearest to it).
    let start = (0..rows).min_by_key(|&y| if on(y) { y.abs_diff(mid) } else { usize::MAX })?;
    if !on(start) {
        return None;
    }
    let (mut a, mut b) = (start, start);
    while a > 0 && on(a - 1) {
        a -= 1;
    }
    while b + 1 < rows && on(b + 1) {
        b += 1;
    }
    #[allow(clippy::cast_precision_loss)] // crop rows
    let (band, centre) = ((b - a + 1) as f32, (a + b) as f32 / 2.0);
    // Input pixels per crop row, across the line.
    let step = l.char_height / CROP_CAP;
    let d = l.direction();
    let shift = (centre - CROP_MID) * step;
    let n = [-d[1] * shift, d[0] * shift];
    Some(LineGeometry {
        start: [l.start[0] + n[0], l.start[1] + n[1]],
        end: [l.end[0] + n[0], l.end[1] + n[1]],
        char_height: (band * step).max(4.0),
        blobs: l.blobs,
    })
}

/// The MRZ's character height: its characters' boxes are 1.3 heights tall.
fn mrz_char_height(r: &MrzReading) -> f32 {
    let mut hs: Vec<f32> = r
        .chars
        .iter()
        .flatten()
        .map(|c| (c.quad[3][0] - c.quad[0][0]).hypot(c.quad[3][1] - c.quad[0][1]) / 1.3)
        .collect();
    if hs.is_empty() {
        return 1.0;
    }
    hs.sort_by(f32::total_cmp);
    hs[hs.len() / 2].max(1.0)
}

/// Whether `p` lies inside the convex quadrilateral `q` (either winding).
fn inside(q: &[[f32; 2]; 4], p: [f32; 2]) -> bool {
    let (mut pos, mut neg) = (false, false);
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        let cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
        pos |= cross > 0.0;
        neg |= cross < 0.0;
    }
    !(pos && neg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_a_quad_either_winding() {
        let q = [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0]];
        assert!(inside(&q, [5.0, 2.0]));
        assert!(!inside(&q, [11.0, 2.0]));
        let r = [q[3], q[2], q[1], q[0]];
        assert!(inside(&r, [5.0, 2.0]));
        assert!(!inside(&r, [5.0, -1.0]));
    }

    /// Lines read with confidence 0.99.
    fn read(lines: &[&str]) -> Vec<Vec<ReadChar>> {
        lines.iter().map(|t| ReadChar::from_text(t, 0.99)).collect()
    }

    #[test]
    fn the_nationality_is_found_by_code_or_name_and_contradicted_by_another_code_alone() {
        // A residence permit of UTO held by a national of D (Germany).
        let m = docscreen_mrz::parse(
            "IRUTO259833518<<<<<<<<<<<<<<<\n0602046F2408286D<<<<<<<<<<<<6\nMACLEOD<<OLIVIA<<<<<<<<<<<<<<",
            docscreen_mrz::Date::new(2020, 1, 1).expect("date"),
        );
        let fields = m.fields.expect("fields");
        let search = |lines: &[&str]| search_state(&read(lines), &fields);
        assert_eq!(search(&["MACLEOD", "DEU"]), Some(Search::Found));
        assert_eq!(search(&["MACLEOD", "GERMAN"]), Some(Search::Found));
        assert_eq!(search(&["MACLEOD", "OLIVIA"]), Some(Search::Missing));
        // The issuing state's code alone (a "code of state" field) and codes
        // inside longer lines (labels, addresses) are no contradiction.
        assert_eq!(search(&["UTO", "DATE AND PLACE"]), Some(Search::Missing));
        // Another state's code alone: the printed nationality changed, even
        // where the title names the issuing state.
        assert!(matches!(
            search(&["REPUBLIC OF UTOPIA", "FRA"]),
            Some(Search::Contradicted(c, 1)) if c > 0.9
        ));
        // The MRZ's own code printed alone too: the other code is something
        // else (an authority's code), not the holder's nationality.
        assert_eq!(search(&["FRA", "D"]), Some(Search::Found));
        // A word that is no state code is not a nationality.
        assert_eq!(search(&["XYZ"]), Some(Search::Missing));
    }

    #[test]
    fn a_value_is_found_contradicted_or_missing() {
        let m = docscreen_mrz::parse(
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
            docscreen_mrz::Date::new(2010, 1, 1).expect("date"),
        );
        let fields = m.fields.expect("fields");
        let lines: Vec<Vec<ReadChar>> =
            read(&["ERIKSSON", "ANNA MARIA", "12 AUG/AOUT 1974", "NO L898902C3"]);
        for f in ["surname", "given_names", "dob", "doc_number"] {
            assert_eq!(search(f, &lines, &fields), Some(Search::Found), "{f}");
        }
        assert_eq!(search("expiry", &lines, &fields), Some(Search::Missing));
        let altered: Vec<Vec<ReadChar>> = read(&["ERIKSZON", "12 AUG/AOUT 1977"]);
        assert!(
            matches!(search("surname", &altered, &fields), Some(Search::Contradicted(c, 0)) if c > 0.9),
            "{:?}",
            search("surname", &altered, &fields)
        );
        assert!(matches!(
            search("dob", &altered, &fields),
            Some(Search::Contradicted(_, 1))
        ));
        let elsewhere: Vec<Vec<ReadChar>> = read(&["12 SEP 1974"]);
        assert_eq!(search("dob", &elsewhere, &fields), Some(Search::Missing));
        // The expiry (15 APR 2012) extended in the print; an issue date on
        // its day and month years before is no contradiction.
        let extended: Vec<Vec<ReadChar>> = read(&["15 APR 2017"]);
        assert!(matches!(
            search("expiry", &extended, &fields),
            Some(Search::Contradicted(_, 0))
        ));
        let issued: Vec<Vec<ReadChar>> = read(&["15 APR 2002"]);
        assert_eq!(search("expiry", &issued, &fields), Some(Search::Missing));
        assert!(same_day_later_year("XX17-04-15", "2012-04-15"));
        assert!(same_day_later_year("2013-04-15", "2012-04-15"));
        assert!(!same_day_later_year("XX02-04-15", "2012-04-15"));
        assert!(!same_day_later_year("2012-04-15", "2012-04-15"));
        assert!(!same_day_later_year("2017-05-15", "2012-04-15"));
        assert!(same_day_other_year("XX75-08-12", "1974-08-12"));
        assert!(!same_day_other_year("XX74-08-12", "1974-08-12"));
        assert!(!same_day_other_year("1974-09-12", "1974-08-12"));
        assert!(century_cut("XX19-08-12", "1974-08-12"));
        assert!(!century_cut("XX75-08-12", "1974-08-12"));
        assert!(!century_cut("1919-08-12", "1974-08-12"));
        assert_eq!(substitutions("ERIKSSON", "ERIKSEN"), None);
        assert_eq!(substitutions("JEAN-LUC", "JEAN<LUC"), Some(0));
        assert_eq!(substitutions("L898902C3", "L898992C8"), Some(2));
    }

    #[test]
    fn look_alikes_of_genuine_print_are_no_contradiction() {
        // Expiry on the birthday (2035-05-23, born 1940-05-23): the issue
        // date prints the same day and month in another year.
        let m = docscreen_mrz::parse(
            "P<UTOSZABO<<NOAH<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nTXC0ZWRD<9UTO4005232M3505230<<<<<<<<<<<<<<<4",
            docscreen_mrz::Date::new(2026, 1, 1).expect("date"),
        );
        let fields = m.fields.expect("fields");
        let issued = read(&["23/05/25"]);
        assert_eq!(search("dob", &issued, &fields), Some(Search::Missing));
        // A place of birth read as a word two letters off a four-letter
        // given name; one letter off still contradicts.
        assert_eq!(
            search("given_names", &read(&["NOVD VG"]), &fields),
            Some(Search::Missing)
        );
        assert!(matches!(
            search("given_names", &read(&["NOAM"]), &fields),
            Some(Search::Contradicted(_, 0))
        ));
        // A four-digit birth year read cut short ("12 JUL 19" for 1986).
        let m = docscreen_mrz::parse(
            "IDUTOTGL064TVS8<<<<<<<<<<<<<<<\n8607128M2707130UTO<<<<<<<<<<<8\nHORVATH<<FRANCOIS<EMMA<<<<<<<<",
            docscreen_mrz::Date::new(2026, 1, 1).expect("date"),
        );
        let fields = m.fields.expect("fields");
        assert_eq!(
            search("dob", &read(&["12 JUL 19"]), &fields),
            Some(Search::Missing)
        );
        assert!(matches!(
            search("dob", &read(&["12 JUL 1987"]), &fields),
            Some(Search::Contradicted(_, 0))
        ));
    }
}
