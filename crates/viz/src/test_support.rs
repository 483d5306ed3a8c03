//! Shared test data: the ICAO specimens and readings built from text.

use docscreen_mrz::{Date, Fields, parse};

use crate::ReadChar;

pub(crate) fn reference() -> Date {
    Date::new(2026, 11, 23).expect("date")
}

fn fields(mrz: &str) -> Fields {
    parse(mrz, reference()).fields.expect("an MRZ format")
}

/// Doc 9303-3 Figure 1 / Doc 9303-4 specimen: ERIKSSON, ANNA MARIA, TD3.
pub(crate) fn td3() -> Fields {
    fields(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
         L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    )
}

/// Doc 9303-5 specimen, TD1.
pub(crate) fn td1() -> Fields {
    fields(
        "I<UTOD231458907<<<<<<<<<<<<<<<\n\
         7408122F1204159UTO<<<<<<<<<<<6\n\
         ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    )
}

/// A TD3 with `name_line` as the upper line's name field (check digits of
/// the specimen: only the fields matter here).
pub(crate) fn td3_named(name_field: &str) -> Fields {
    fields(&format!(
        "P<UTO{name_field:<<39}\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
    ))
}

/// `text` read confidently (p = 0.97), no candidates.
pub(crate) fn read(text: &str) -> Vec<ReadChar> {
    ReadChar::from_text(text, 0.97)
}

/// `text` read confidently except the character at `at`, read with `p`
/// and `candidates`.
pub(crate) fn altered(text: &str, at: usize, p: f32, candidates: &[(char, f32)]) -> Vec<ReadChar> {
    let mut r = read(text);
    r[at].p = p;
    r[at].candidates = candidates.to_vec();
    r
}

/// The TD3 specimen with the date of birth written `dob` (six characters).
pub(crate) fn td3_dob(dob: &str) -> Fields {
    fields(&format!(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
         L898902C36UTO{dob}2F1204159ZE184226B<<<<<10"
    ))
}
