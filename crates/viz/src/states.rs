//! Nationality and issuing state: a printed code (Doc 9303-3 §5) or a
//! printed name or adjective (§3.5, §3.6), compared with the MRZ's code.

use docscreen_mrz::transliterate;

use crate::ReadChar;
use crate::compare::{Finding, Outcome, text_of};
use crate::cost::{Alignment, DISAGREE_COST};
use crate::names::{best, spellings};

/// Names and adjectives printed for a state (`|`-separated), by code,
/// spelt as printed and compared in MRZ form. The synthetic generator's fictional states
/// (Borduria, Syldavia, Arcadia) all carry the specimen code UTO.
const STATES: [(&str, &str); 12] = [
    (
        "UTO",
        "UTOPIA|UTOPIAN|UTOPIE|UTOPIEN|UTOPIENNE|REPUBLIC OF UTOPIA|RÉPUBLIQUE D'UTOPIE|\
         BORDURIA|BORDURIAN|FEDERATION OF BORDURIA|SYLDAVIA|SYLDAVIAN|KINGDOM OF SYLDAVIA|\
         ARCADIA|ARCADIAN|COMMONWEALTH OF ARCADIA",
    ),
    (
        "D",
        "GERMANY|GERMAN|DEUTSCH|DEUTSCHE|DEUTSCHLAND|BUNDESREPUBLIK DEUTSCHLAND|\
         FEDERAL REPUBLIC OF GERMANY|ALLEMAGNE|ALLEMAND|ALLEMANDE",
    ),
    (
        "FRA",
        "FRANCE|FRENCH|FRANÇAIS|FRANÇAISE|RÉPUBLIQUE FRANÇAISE",
    ),
    (
        "NLD",
        "NETHERLANDS|THE NETHERLANDS|KINGDOM OF THE NETHERLANDS|DUTCH|NEDERLAND|\
         NEDERLANDSE|NEDERLANDER|KONINKRIJK DER NEDERLANDEN|PAYS-BAS|NÉERLANDAIS|NÉERLANDAISE",
    ),
    (
        "ESP",
        "SPAIN|SPANISH|ESPAÑA|ESPAÑOL|ESPAÑOLA|REINO DE ESPAÑA|ESPAGNE|ESPAGNOL|ESPAGNOLE",
    ),
    (
        "ITA",
        "ITALY|ITALIAN|ITALIA|ITALIANA|ITALIANO|REPUBBLICA ITALIANA|ITALIE|ITALIEN|ITALIENNE",
    ),
    (
        "BEL",
        "BELGIUM|BELGIAN|BELGIQUE|BELGE|BELGIË|BELG|BELGISCHE|BELGIEN",
    ),
    (
        "AUT",
        "AUSTRIA|AUSTRIAN|ÖSTERREICH|REPUBLIK ÖSTERREICH|AUTRICHE|AUTRICHIEN|AUTRICHIENNE",
    ),
    (
        "CHE",
        "SWITZERLAND|SWISS|SCHWEIZ|SCHWEIZER|SCHWEIZERIN|SUISSE|SVIZZERA|SVIZZERO|SVIZRA",
    ),
    (
        "GBR",
        "UNITED KINGDOM|UNITED KINGDOM OF GREAT BRITAIN AND NORTHERN IRELAND|GREAT BRITAIN|\
         BRITISH|BRITISH CITIZEN|ROYAUME-UNI|BRITANNIQUE",
    ),
    (
        "USA",
        "UNITED STATES|UNITED STATES OF AMERICA|AMERICAN|ÉTATS-UNIS|AMÉRICAIN|AMÉRICAINE",
    ),
    ("XXA", "STATELESS|STATELESS PERSON|APATRIDE|STAATENLOS"),
];

/// A state's names in MRZ form.
fn names(list: &str) -> Vec<String> {
    list.split('|').map(transliterate).collect()
}

/// Whether two state codes mean the same state (see [`aliases`]).
#[must_use]
pub fn same_state(a: &str, b: &str) -> bool {
    aliases(a).iter().any(|c| c == b)
}

/// The codes that mean the same state: Germany writes `D` in the MRZ
/// (Doc 9303-3 §5 Part A) and `DEU` elsewhere.
fn aliases(code: &str) -> Vec<String> {
    if code == "D" || code == "DEU" {
        vec!["D".to_owned(), "DEU".to_owned()]
    } else {
        vec![code.to_owned()]
    }
}

fn canonical(code: &str) -> &str {
    if code == "DEU" { "D" } else { code }
}

fn names_of(code: &str) -> Vec<String> {
    STATES
        .iter()
        .filter(|(c, _)| *c == canonical(code))
        .flat_map(|(_, list)| names(list))
        .collect()
}

/// What one printed part (one side of an oblique) is.
enum Part {
    Agrees(Alignment),
    Differs(Alignment),
    Unknown,
}

fn part(read: &[ReadChar], mrz: &str) -> Option<(Part, String)> {
    let spellings = spellings(read, false);
    let text = text_of(spellings.first()?);
    if text.is_empty() {
        return None;
    }
    let code_like = text.len() <= 3 && text.bytes().all(|b| b.is_ascii_uppercase());
    let own = if code_like {
        aliases(mrz)
    } else {
        names_of(mrz)
    };
    let own_best = best(&spellings, &own, false).map(|(a, _, _)| a);
    match own_best {
        Some(a) if a.cost < DISAGREE_COST => {
            return Some((Part::Agrees(a), canonical(mrz).to_owned()));
        }
        Some(a) if code_like => return Some((Part::Differs(a), text)),
        _ => {}
    }
    // Not the MRZ's state: a known other one, or a name not in the table.
    let other = STATES
        .iter()
        .filter(|(c, _)| *c != canonical(mrz))
        .filter_map(|(c, list)| Some((best(&spellings, &names(list), false)?.0.cost, *c)))
        .min_by(|x, y| x.0.total_cmp(&y.0));
    Some(match other {
        Some((cost, code)) if cost < DISAGREE_COST => {
            // The cost against the MRZ state's own names; without any, how
            // well the reading fits the other state.
            let differs =
                own_best.unwrap_or_else(|| Alignment::single(DISAGREE_COST.max(1.0 - cost)));
            (Part::Differs(differs), code.to_owned())
        }
        _ => (Part::Unknown, text),
    })
}

fn parts(read: &[ReadChar]) -> impl Iterator<Item = &[ReadChar]> {
    read.split(|r| r.ch == '/').filter(|p| !p.is_empty())
}

/// The printed value as a code where it is one or a known name, parts of a
/// bilingual print joined by `/` when they differ.
pub(crate) fn normalise(read: &[ReadChar]) -> String {
    let mut out: Vec<String> = Vec::new();
    for p in parts(read) {
        let spellings = spellings(p, false);
        let Some(text) = spellings.first().map(|s| text_of(s)) else {
            continue;
        };
        let code = STATES
            .iter()
            .find(|(_, list)| names(list).contains(&text))
            .map_or(text, |(c, _)| (*c).to_owned());
        if !code.is_empty() && !out.contains(&code) {
            out.push(code);
        }
    }
    out.join("/")
}

/// Compares a printed nationality or issuing state with the MRZ code
/// `mrz`. Each side of an oblique (`UTOPIAN/UTOPIENNE`) is read on its own:
/// one confidently naming another state disagrees; a name in no table is
/// unreadable rather than different.
pub(crate) fn compare(read: &[ReadChar], mrz: &str) -> Outcome {
    if mrz.is_empty() {
        return Outcome::unreadable(normalise(read), None, "the MRZ code is empty");
    }
    let mut agree: Option<Alignment> = None;
    let mut differ: Option<Alignment> = None;
    let mut shown: Vec<String> = Vec::new();
    for p in parts(read) {
        let Some((verdict, code)) = part(p, mrz) else {
            continue;
        };
        if !shown.contains(&code) {
            shown.push(code);
        }
        let worse = |slot: &mut Option<Alignment>, a: Alignment| {
            if slot.as_ref().is_none_or(|b| a.cost > b.cost) {
                *slot = Some(a);
            }
        };
        match verdict {
            Part::Agrees(a) => worse(&mut agree, a),
            Part::Differs(a) => worse(&mut differ, a),
            Part::Unknown => {}
        }
    }
    let normalised = shown.join("/");
    let finding = match (differ, agree) {
        (Some(a), _) | (None, Some(a)) => Finding::Scored(a, ""),
        (None, None) => Finding::Unreadable("not a known state code or name"),
    };
    Outcome {
        normalised,
        mrz: Some(mrz.to_owned()),
        finding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{read, td3};
    use crate::{Agreement, compare_field};

    use Agreement::{Agree, Disagree, Unreadable};

    /// `(zone, printed, MRZ code, verdict, normalised)`.
    fn check(cases: &[(&str, &str, &str, Agreement, &str)]) {
        for &(zone, text, code, agreement, normalised) in cases {
            let mut mrz = td3();
            mrz.issuing_state = docscreen_mrz::MrzText::from_ascii(code.as_bytes());
            mrz.nationality = Some(mrz.issuing_state);
            let c = compare_field(zone, &read(text), &mrz);
            assert_eq!(
                (c.agreement, c.printed_normalised.as_str()),
                (agreement, normalised),
                "{text:?} vs {code}: {c:?}"
            );
        }
    }

    #[test]
    fn codes() {
        check(&[
            ("issuing_code", "UTO", "UTO", Agree, "UTO"),
            ("nationality", "D", "D", Agree, "D"),
            ("nationality", "DEU", "D", Agree, "D"),
            ("nationality", "D", "DEU", Agree, "D"),
            ("nationality", "FRA", "UTO", Disagree, "FRA"),
            ("issuing_code", "UT0", "UTO", Agree, "UTO"),
        ]);
    }

    #[test]
    fn names_and_adjectives() {
        check(&[
            ("nationality", "UTOPIAN/UTOPIENNE", "UTO", Agree, "UTO"),
            ("nationality", "UTOPIA", "UTO", Agree, "UTO"),
            ("nationality", "DEUTSCH", "D", Agree, "D"),
            ("nationality", "GERMAN", "D", Agree, "D"),
            ("nationality", "FRANÇAISE", "FRA", Agree, "FRA"),
            ("nationality", "FRANCAISE", "FRA", Agree, "FRA"),
            ("nationality", "NETHERLANDS", "NLD", Agree, "NLD"),
            ("nationality", "ESPAÑOLA", "ESP", Agree, "ESP"),
            ("nationality", "ÖSTERREICH", "AUT", Agree, "AUT"),
            ("nationality", "STATELESS", "XXA", Agree, "XXA"),
            ("nationality", "BORDURIAN", "UTO", Agree, "UTO"),
            // Another state's name disagrees, even when the MRZ state has
            // no names here.
            ("nationality", "FRENCH", "UTO", Disagree, "FRA"),
            ("nationality", "ITALIANA", "POL", Disagree, "ITA"),
            // A name in no table is unreadable, not a difference.
            ("nationality", "POLISH", "POL", Unreadable, "POLISH"),
            ("nationality", "ZEMBLAN", "UTO", Unreadable, "ZEMBLAN"),
        ]);
    }

    #[test]
    fn doubtful_letters() {
        let mut r = read("UTOPLAN");
        r[4].p = 0.5;
        let c = compare_field("nationality", &r, &td3());
        assert_eq!((c.agreement, c.printed_normalised.as_str()), (Agree, "UTO"));
    }

    #[test]
    fn table_names_are_distinct() {
        let mut all: Vec<String> = STATES.iter().flat_map(|(_, list)| names(list)).collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "a name under two codes");
        assert!(
            STATES
                .iter()
                .all(|(c, _)| docscreen_mrz::lookup_code(c).is_some())
        );
    }

    #[test]
    fn normalises_without_an_mrz() {
        assert_eq!(normalise(&read("UTOPIAN/UTOPIENNE")), "UTO");
        assert_eq!(normalise(&read("DEUTSCH/GERMAN")), "D");
        assert_eq!(normalise(&read("ZEMBLAN")), "ZEMBLAN");
    }
}
