//! Arbitrary text as a printed field read by the VIZ recogniser: date
//! parsing, comparison with an MRZ and the consistency rules must never
//! panic, and a date that parses must read back from its normal form.
#![no_main]

use docscreen_mrz::{Date, parse};
use docscreen_viz::{ReadChar, compare_field, consistency, parse_printed_date};
use libfuzzer_sys::fuzz_target;

const ZONES: [&str; 8] = [
    "surname", "given_names", "name_line", "doc_number", "nationality", "dob", "sex", "expiry",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    if let Some(d) = parse_printed_date(&text) {
        assert!(parse_printed_date(&d.iso()).is_some(), "normal form reads back");
    }
    let reference = Date::from_days_since_epoch(20_000);
    let mrz = parse(
        "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        reference,
    );
    let fields = mrz.fields.expect("specimen parses");
    let zone = ZONES[usize::from(first) % ZONES.len()];
    let p = f32::from(first) / 255.0;
    let c = compare_field(zone, &ReadChar::from_text(&text, p), &fields);
    assert!((0.0..=1.0).contains(&c.confidence) || c.confidence.is_nan());
    let _ = consistency(&[(zone.to_owned(), text.into_owned())], reference);
});
