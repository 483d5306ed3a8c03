//! Property tests: every supported date layout reads back, a document's own
//! values agree with its MRZ, a confidently altered date never agrees, and
//! no input makes parsing or comparing panic.

use docscreen_mrz::{Date, Format, MrzInput, format_mrz, parse, transliterate};
use docscreen_viz::{Agreement, ReadChar, compare_field, consistency, parse_printed_date};
use proptest::prelude::*;

const EN: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const FR: [&str; 12] = [
    "JAN", "FÉV", "MARS", "AVR", "MAI", "JUIN", "JUIL", "AOÛT", "SEPT", "OCT", "NOV", "DÉC",
];
const FULL: [&str; 12] = [
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "MAY",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
];

/// Layouts: `(text, four-digit year printed)`.
const STYLES: usize = 10;

fn format_date(style: usize, d: Date) -> (String, bool) {
    let (y, m, day) = (d.year(), usize::from(d.month()), d.day());
    let yy = y.rem_euclid(100);
    let mi = m - 1;
    match style {
        0 => (format!("{day:02} {} {y}", EN[mi]), true),
        1 => (format!("{day:02} {}/{} {yy:02}", EN[mi], FR[mi]), false),
        2 => (format!("{day:02}.{m:02}.{y}"), true),
        3 => (format!("{day:02}/{m:02}/{yy:02}"), false),
        4 => (format!("{y}-{m:02}-{day:02}"), true),
        5 => (format!("{day:02} {m:02} {y}"), true),
        6 => (format!("{day:02}-{m:02}-{y}"), true),
        7 => (format!("{day:02} {} {y}", FULL[mi]), true),
        8 => (format!("{day:02}{}{y}", FR[mi]), true),
        _ => (format!("{} {day}, {y}", FULL[mi]), true),
    }
}

fn reference() -> Date {
    Date::new(2026, 11, 23).expect("date")
}

fn date(from: i32, to: i32) -> impl Strategy<Value = Date> {
    let days = |y| Date::new(y, 1, 1).expect("date").days_since_epoch();
    (days(from)..days(to + 1)).prop_map(Date::from_days_since_epoch)
}

fn td3(
    birth: Date,
    expiry: Date,
    primary: &str,
    secondary: &str,
    number: &str,
    sex: char,
) -> docscreen_mrz::Fields {
    let lines = format_mrz(&MrzInput {
        format: Format::Td3,
        document_code: "P".into(),
        issuing_state: "UTO".into(),
        primary_identifier: primary.into(),
        secondary_identifier: secondary.into(),
        document_number: number.into(),
        nationality: "D".into(),
        birth_date: Some(birth),
        sex,
        expiry_date: Some(expiry),
        optional_data: String::new(),
        optional_data_2: String::new(),
    })
    .expect("formats");
    parse(&lines.join("\n"), reference())
        .fields
        .expect("fields")
}

fn word() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec![
            'A', 'B', 'E', 'K', 'M', 'N', 'O', 'R', 'S', 'T', 'U', 'Z', 'Ä', 'Ö', 'Ü', 'Å', 'Ø',
            'Ñ', 'É', 'Ç', 'Ł', 'Þ', 'Œ', 'Š',
        ]),
        2..9,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn words() -> impl Strategy<Value = String> {
    proptest::collection::vec(word(), 1..4).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_never_panics(text in "\\PC{0,60}") {
        let _ = parse_printed_date(&text);
    }

    #[test]
    fn parse_never_panics_on_date_like_text(text in "[0-9OILSBZX .:/,()'<-]{0,24}[A-ZÉÛÄ]{0,6}[0-9OIX ./-]{0,12}") {
        if let Some(d) = parse_printed_date(&text) {
            // What parses reads back from its normal form.
            prop_assert_eq!(parse_printed_date(&d.iso()), Some(d));
        }
    }

    #[test]
    fn every_layout_reads_back(d in date(1900, 2099), style in 0..STYLES) {
        let (text, four) = format_date(style, d);
        let p = parse_printed_date(&text);
        prop_assert!(p.is_some(), "{}", text);
        let p = p.expect("checked");
        prop_assert_eq!(p.year, four.then_some(d.year()), "{}", text);
        prop_assert_eq!(p.yy, Some(d.year().rem_euclid(100) as u8), "{}", text);
        prop_assert_eq!((p.month, p.day), (Some(d.month()), Some(d.day())), "{}", text);
        prop_assert_eq!(parse_printed_date(&p.iso()), Some(p));
    }

    #[test]
    fn a_document_agrees_with_its_own_mrz(
        birth in date(1930, 2020),
        expiry in date(2020, 2070),
        primary in words(),
        secondary in words(),
        number in "[A-Z0-9]{9}",
        sex in prop::sample::select(vec!['F', 'M', 'X']),
        birth_style in 0..STYLES,
        expiry_style in 0..STYLES,
    ) {
        let mrz = td3(birth, expiry, &primary, &secondary, &number, sex);
        let viz = [
            ("surname", primary.clone()),
            ("given_names", secondary.clone()),
            ("name_line", format!("{primary}, {secondary}")),
            ("doc_number", number.clone()),
            ("doc_type", "P".to_owned()),
            ("issuing_code", "UTO".to_owned()),
            ("nationality", "DEUTSCH".to_owned()),
            ("sex", sex.to_string()),
            ("dob", format_date(birth_style, birth).0),
            ("expiry", format_date(expiry_style, expiry).0),
        ];
        for (zone, text) in &viz {
            let c = compare_field(zone, &ReadChar::from_text(text, 0.97), &mrz);
            prop_assert_eq!(c.agreement, Agreement::Agree, "{} {:?} vs MRZ {:?}: {:?}", zone, text, transliterate(text), c);
        }
    }

    #[test]
    fn a_confidently_altered_date_disagrees(
        birth in date(1930, 2020),
        altered in date(1930, 2020),
        style in 0..STYLES,
        p in 0.9f32..=1.0,
    ) {
        let same = |d: Date| (d.year().rem_euclid(100), d.month(), d.day());
        prop_assume!(same(birth) != same(altered));
        let mrz = td3(birth, reference(), "ERIKSSON", "ANNA", "L898902C3", 'F');
        let text = format_date(style, altered).0;
        let c = compare_field("dob", &ReadChar::from_text(&text, p), &mrz);
        prop_assert_eq!(c.agreement, Agreement::Disagree, "{:?}", c);
    }

    #[test]
    fn comparing_never_panics(
        chars in proptest::collection::vec(
            (any::<char>(), any::<f32>(), proptest::collection::vec((any::<char>(), any::<f32>()), 0..3)),
            0..40,
        ),
        zone in prop::sample::select(vec![
            "surname", "given_names", "name_line", "doc_type", "doc_number", "issuing_code",
            "nationality", "dob", "sex", "expiry", "issue_date", "valid_until", "height",
        ]),
    ) {
        let read: Vec<ReadChar> = chars
            .into_iter()
            .map(|(ch, p, candidates)| ReadChar { ch, p, candidates })
            .collect();
        let mrz = td3(reference(), reference(), "ERIKSSON", "ANNA", "L898902C3", 'F');
        let c = compare_field(zone, &read, &mrz);
        prop_assert!((0.0..=1.0).contains(&c.confidence), "{:?}", c);
        let text: String = read.iter().map(|r| r.ch).collect();
        let _ = consistency(&[(zone.to_owned(), text)], reference());
    }

    #[test]
    fn comparing_ocr_alphabet_never_panics(
        text in "[0-9A-ZÀ-ÖØ-ÞŒŠŽ.,/'():< -]{0,50}",
        p in 0.0f32..=1.0,
        zone in prop::sample::select(vec!["name_line", "dob", "sex", "nationality", "doc_number"]),
    ) {
        let mrz = td3(reference(), reference(), "GONÇALVES", "KARL THEODOR", "L898902C3", 'M');
        let c = compare_field(zone, &ReadChar::from_text(&text, p), &mrz);
        prop_assert!((0.0..=1.0).contains(&c.confidence), "{:?}", c);
    }
}
