//! The ICAO Doc 9303 specimens end to end: every printed zone of the data
//! page against its MRZ, a forged copy, and the report's JSON shape.

use docscreen_mrz::{Date, Fields, parse};
use docscreen_viz::{Agreement, ReadChar, compare_field, consistency};

fn today() -> Date {
    Date::new(2026, 11, 23).expect("date")
}

fn fields(mrz: &str) -> Fields {
    parse(mrz, today()).fields.expect("an MRZ format")
}

/// Doc 9303-3 Figure 1: the TD3 data page of ANNA MARIA ERIKSSON.
const TD3_VIZ: [(&str, &str); 13] = [
    ("doc_type", "P"),
    ("issuing_code", "UTO"),
    ("doc_number", "L898902C3"),
    ("surname", "ERIKSSON"),
    ("given_names", "ANNA MARIA"),
    ("nationality", "UTOPIAN/UTOPIENNE"),
    ("dob", "12 AUG/AOÛT 74"),
    ("personal_number", "Z E 184226 B"),
    ("sex", "F"),
    ("place_of_birth", "ZENITH"),
    ("issue_date", "16 APR/AVR 07"),
    ("authority", "PASSPORT OFFICE"),
    ("expiry", "15 APR/AVR 12"),
];

const TD3_MRZ: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                       L898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn compare_all(viz: &[(&str, &str)], mrz: &Fields) -> Vec<(String, Agreement)> {
    viz.iter()
        .map(|&(zone, text)| {
            let c = compare_field(zone, &ReadChar::from_text(text, 0.96), mrz);
            (c.field, c.agreement)
        })
        .collect()
}

fn not_in_mrz(zone: &str) -> bool {
    matches!(
        zone,
        "personal_number" | "place_of_birth" | "issue_date" | "authority"
    )
}

#[test]
fn td3_specimen_agrees() {
    let mrz = fields(TD3_MRZ);
    for (zone, agreement) in compare_all(&TD3_VIZ, &mrz) {
        let expected = if not_in_mrz(&zone) {
            Agreement::NotInMrz
        } else {
            Agreement::Agree
        };
        assert_eq!(agreement, expected, "{zone}");
    }
    let owned: Vec<(String, String)> = TD3_VIZ
        .iter()
        .map(|&(z, t)| (z.to_owned(), t.to_owned()))
        .collect();
    assert_eq!(consistency(&owned, today()), []);
}

#[test]
fn td1_specimen_agrees() {
    // Doc 9303-5 Appendix A: name on one line, bilingual sex, four-digit year.
    let mrz = fields(
        "I<UTOD231458907<<<<<<<<<<<<<<<\n\
         7408122F1204159UTO<<<<<<<<<<<6\n\
         ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    );
    let viz = [
        ("name_line", "ERIKSSON, ANNA MARIA"),
        ("sex", "F/F"),
        ("nationality", "UTO"),
        ("dob", "12 AUG/AOÛT 1974"),
        ("doc_number", "D23145890"),
        ("expiry", "15 04 2012"),
    ];
    for (zone, agreement) in compare_all(&viz, &mrz) {
        assert_eq!(agreement, Agreement::Agree, "{zone}");
    }
}

#[test]
fn a_forged_page_disagrees_where_it_was_changed() {
    let mrz = fields(TD3_MRZ);
    let mut viz = TD3_VIZ;
    viz[6].1 = "12 AUG/AOÛT 79"; // dob
    viz[3].1 = "ERIKSEN"; // surname
    for (zone, agreement) in compare_all(&viz, &mrz) {
        let expected = match zone.as_str() {
            "dob" | "surname" => Agreement::Disagree,
            z if not_in_mrz(z) => Agreement::NotInMrz,
            _ => Agreement::Agree,
        };
        assert_eq!(agreement, expected, "{zone}");
    }
}

#[test]
fn transliterated_and_truncated_names() {
    // Doc 9303-4 §4.2.3.2 b): secondary identifier truncated.
    let mrz = fields(
        "P<UTONILAVADHANANANDA<<ARNPOL<PETCH<CHARONGU\n\
         L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    );
    let c = compare_field(
        "name_line",
        &ReadChar::from_text("NILAVADHANANANDA, ARNPOL PETCH CHARONGUANG", 0.95),
        &mrz,
    );
    assert_eq!(c.agreement, Agreement::Agree, "{c:?}");
    // Doc 9303-3 §6: Ä as AE (recommended) or A, in the MRZ.
    for name in ["SCHAEFER<<JOERG", "SCHAFER<<JORG"] {
        let mrz = fields(&format!(
            "P<D<<{name:<<39}\nL898902C36D<<7408122F1204159ZE184226B<<<<<10"
        ));
        let c = compare_field(
            "name_line",
            &ReadChar::from_text("SCHÄFER, JÖRG", 0.95),
            &mrz,
        );
        assert_eq!(c.agreement, Agreement::Agree, "{c:?}");
        let c = compare_field("nationality", &ReadChar::from_text("DEUTSCH", 0.95), &mrz);
        assert_eq!(c.agreement, Agreement::Agree, "{c:?}");
    }
}

#[test]
fn serialises_for_the_report() {
    let mrz = fields(TD3_MRZ);
    let c = compare_field("dob", &ReadChar::from_text("12 AUG/AOÛT 79", 1.0), &mrz);
    let json = serde_json::to_value(&c).expect("json");
    assert_eq!(
        json,
        serde_json::json!({
            "field": "dob",
            "printed": "12 AUG/AOÛT 79",
            "printed_normalised": "XX79-08-12",
            "mrz": "1974-08-12",
            "agreement": "disagree",
            "confidence": 1.0,
            "reason": "differs from the MRZ: 1 difference read confidently (cost 1.00 ≥ 0.90)",
        })
    );
}
