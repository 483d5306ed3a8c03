//! Property tests: formatting then parsing gives back the data, every
//! single-digit change to a date is caught, and no input makes parsing panic.

use docscreen_mrz::{
    Category, Date, Format, MrzInput, Sex, format_mrz, parse, parse_lines, repair_text,
    transliterate,
};
use proptest::prelude::*;

fn reference() -> Date {
    Date::new(2026, 11, 23).expect("date")
}

fn word() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec![
            'a', 'b', 'e', 'k', 'm', 'o', 'r', 's', 'u', 'z', 'A', 'N', 'T', 'Ä', 'ö', 'ü', 'ß',
            'é', 'ñ', 'ł', 'Ø', 'å', 'Ж', 'я', 'щ', '\'',
        ]),
        1..10,
    )
    .prop_map(|cs| cs.into_iter().collect())
    .prop_filter("a name has letters", |w: &String| {
        !transliterate(w).is_empty()
    })
}

fn words(min: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(word(), min..4).prop_map(|w| w.join(" "))
}

fn alnum(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Z0-9]{{{min},{max}}}")).expect("regex")
}

fn date(from: i32, to: i32) -> impl Strategy<Value = Date> {
    (from..=to, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).expect("valid day"))
}

prop_compose! {
    fn input()(
        format in prop::sample::select(Format::ALL.to_vec()),
        state in prop::sample::select(vec!["FRA", "DEU", "D", "UTO", "GBR", "XXA", "UNO", "NLD", "EUE"]),
        nat in prop::sample::select(vec!["FRA", "D", "ESP", "XXX", "GBD", "RKS"]),
        primary in words(1),
        secondary in prop::option::of(words(1)),
        number in alnum(1, 9),
        french_number in alnum(12, 12),
        birth in date(1930, 2015),
        years in 0i32..15,
        sex in prop::sample::select(vec!['M', 'F', '<']),
        optional in alnum(0, 6),
        optional_2 in alnum(0, 11),
    ) -> MrzInput {
        let (code, state, number) = match format {
            Format::Td3 => ("P", state, number),
            Format::MrvA | Format::MrvB => ("V", state, number),
            Format::Td1 | Format::Td2 => ("ID", state, number),
            Format::FrenchId => ("ID", "FRA", french_number),
        };
        let expiry = Date::new(2016 + years, birth.month(), birth.day());
        MrzInput {
            format,
            document_code: code.into(),
            issuing_state: state.into(),
            primary_identifier: primary,
            secondary_identifier: secondary.unwrap_or_default(),
            document_number: number,
            nationality: nat.into(),
            birth_date: Some(birth),
            sex,
            expiry_date: expiry,
            optional_data: if format == Format::FrenchId { "0CHE02".into() } else { optional },
            optional_data_2: optional_2,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn format_then_parse_round_trips(input in input()) {
        let lines = format_mrz(&input).expect("formats");
        prop_assert_eq!(lines.len(), input.format.line_count());
        prop_assert!(lines.iter().all(|l| l.len() == input.format.line_len()));
        let mrz = parse_lines(&lines, reference());
        prop_assert_eq!(mrz.format, Some(input.format), "{:?}", lines);
        let failures: Vec<_> = mrz.failures().filter(|c| c.id.category() != Category::Status).collect();
        prop_assert!(mrz.is_valid(), "{:?}\n{:?}", lines, failures);
        let f = mrz.fields.expect("fields");
        prop_assert_eq!(&f.document_number, &input.document_number);
        prop_assert_eq!(&f.issuing_state, &input.issuing_state);
        prop_assert_eq!(f.birth_date.date(), input.birth_date);
        if input.format != Format::FrenchId {
            prop_assert_eq!(f.expiry_date.and_then(|d| d.date()), input.expiry_date);
            prop_assert_eq!(f.nationality.as_deref(), Some(input.nationality.as_str()));
            prop_assert_eq!(f.sex, match input.sex { 'M' => Sex::Male, 'F' => Sex::Female, _ => Sex::Unspecified });
            let (p, s) = (transliterate(&input.primary_identifier), transliterate(&input.secondary_identifier));
            let width = if matches!(input.format, Format::Td3 | Format::MrvA) { 39 } else if input.format == Format::Td1 { 30 } else { 31 };
            let full_len = if s.is_empty() { p.len() } else { p.len() + 2 + s.len() };
            if full_len <= width {
                prop_assert_eq!(f.primary_identifier, p.replace('<', " "));
                prop_assert_eq!(f.secondary_identifier, s.replace('<', " "));
            } else {
                // Truncated (Doc 9303-4 §4.2.3): every component read is a
                // prefix of the component given, none is invented.
                for (read, given) in [(&f.primary_identifier, &p), (&f.secondary_identifier, &s)] {
                    let given: Vec<&str> = given.split('<').collect();
                    for (i, part) in read.split(' ').filter(|x| !x.is_empty()).enumerate() {
                        prop_assert!(given.get(i).is_some_and(|g| g.starts_with(part)), "{} vs {:?}", read, given);
                    }
                }
            }
        }
    }

    #[test]
    fn any_single_digit_change_in_a_date_is_caught(input in input(), which in 0usize..12, delta in 1u8..10) {
        let lines = format_mrz(&input).expect("formats");
        // The birth and expiry dates (and their check digits) on the data line.
        let (line, cols): (usize, Vec<usize>) = match input.format {
            Format::Td1 => (1, (0..7).chain(8..15).collect()),
            Format::FrenchId => (1, (27..34).collect()),
            _ => (1, (13..20).chain(21..28).collect()),
        };
        let col = cols[which % cols.len()];
        let mut bytes = lines[line].clone().into_bytes();
        bytes[col] = b'0' + (bytes[col] - b'0' + delta) % 10;
        let mut changed = lines.clone();
        changed[line] = String::from_utf8(bytes).expect("ascii");
        let mrz = parse_lines(&changed, reference());
        prop_assert!(!mrz.is_valid(), "{:?}", changed);
    }

    #[test]
    fn repair_undoes_one_ocr_confusion_in_a_date(input in input(), which in 0usize..12) {
        // O for 0, I for 1, S for 5, B for 8, Z for 2, G for 6 in a date:
        // the class rule alone forces the repair back, and it is reported.
        let lines = format_mrz(&input).expect("formats");
        let cols: Vec<usize> = match input.format {
            Format::Td1 => (0..6).chain(8..14).collect(),
            Format::FrenchId => (27..33).collect(),
            _ => (13..19).chain(21..27).collect(),
        };
        let col = cols[which % cols.len()];
        let mut bytes = lines[1].clone().into_bytes();
        let confused = match bytes[col] {
            b'0' => b'O', b'1' => b'I', b'5' => b'S', b'8' => b'B', b'2' => b'Z', b'6' => b'G',
            _ => return Ok(()),
        };
        let original = bytes[col];
        bytes[col] = confused;
        let damaged = [lines[0].clone(), String::from_utf8(bytes).expect("ascii")].into_iter().chain(lines.get(2).cloned()).collect::<Vec<_>>();
        prop_assert!(!parse_lines(&damaged, reference()).is_valid());
        let refs: Vec<&str> = damaged.iter().map(String::as_str).collect();
        let r = repair_text(&refs, reference()).expect("repairable");
        prop_assert_eq!(&r.lines, &lines);
        prop_assert_eq!(r.substitutions.len(), 1);
        prop_assert_eq!((r.substitutions[0].line, r.substitutions[0].column as usize), (2, col + 1));
        prop_assert_eq!((r.substitutions[0].from, r.substitutions[0].to), (confused as char, original as char));
    }

    #[test]
    fn parsing_never_panics(text in "\\PC{0,120}") {
        let mrz = parse(&text, reference());
        prop_assert!(!mrz.checks.is_empty());
    }

    #[test]
    fn parsing_mrz_like_noise_never_panics(lines in proptest::collection::vec("[A-Z0-9<]{25,46}", 0..5)) {
        let mrz = parse_lines(&lines, reference());
        for c in &mrz.checks {
            prop_assert!(!c.message().is_empty());
        }
    }
}

#[test]
fn long_document_numbers_round_trip_on_td1_and_td2() {
    for (format, number) in [(Format::Td1, "D23145890734"), (Format::Td2, "AB1234567891")] {
        let input = MrzInput {
            format,
            document_code: "I".into(),
            issuing_state: "UTO".into(),
            primary_identifier: "Eriksson".into(),
            secondary_identifier: "Anna Maria".into(),
            document_number: number.into(),
            nationality: "UTO".into(),
            birth_date: Date::new(1974, 8, 12),
            sex: 'F',
            expiry_date: Date::new(2030, 4, 15),
            optional_data: String::new(),
            optional_data_2: String::new(),
        };
        let lines = format_mrz(&input).expect("formats");
        let mrz = parse_lines(&lines, reference());
        assert!(mrz.is_valid(), "{lines:?}");
        assert_eq!(mrz.fields.expect("fields").document_number, number);
    }
    // The ICAO example itself.
    let lines = format_mrz(&MrzInput {
        format: Format::Td1,
        document_code: "I".into(),
        issuing_state: "UTO".into(),
        primary_identifier: "Eriksson".into(),
        secondary_identifier: "Anna Maria".into(),
        document_number: "D23145890734".into(),
        nationality: "UTO".into(),
        birth_date: Date::new(1974, 8, 12),
        sex: 'F',
        expiry_date: Date::new(2012, 4, 15),
        optional_data: String::new(),
        optional_data_2: String::new(),
    })
    .expect("formats");
    assert_eq!(lines[0], "I<UTOD23145890<7349<<<<<<<<<<<");
}
