//! The sex marker: `F`, `M`, `X` (or `<`), local initials and bilingual
//! prints such as `F/F` or `W/F`.

use docscreen_mrz::{Sex, transliterate};

use crate::ReadChar;
use crate::compare::{Finding, Outcome};
use crate::cost::{Alignment, Slot, mean, prob, sub_cost, upper};

/// What one printed token says. Doc 9303-4 §4.1.1.1 field 11/II: the
/// initial used in the issuing State's language, then, after an oblique
/// (Doc 9303-3 §3.1), `F`, `M` or `X`. Local initials read here, all female:
/// `W` (German weiblich), `V` (Dutch vrouw), `K` (Nordic kvinna, kvinne,
/// kvinde). `M` is always male: where a national print uses it for mujer or
/// mulher, the ICAO letter after the oblique decides (see [`decide`]).
fn marker(token: &str) -> Option<Sex> {
    Some(match token {
        "F" | "W" | "V" | "K" | "FEMALE" | "FEMININ" | "FEMININE" | "FEMME" | "WEIBLICH"
        | "VROUW" | "MUJER" | "FEMENINO" => Sex::Female,
        "M" | "MALE" | "MASCULIN" | "HOMME" | "MAENNLICH" | "MANNLICH" | "MAN" | "HOMBRE"
        | "MASCULINO" => Sex::Male,
        "X" | "<" => Sex::Unspecified,
        _ => return None,
    })
}

/// The sex the tokens give and the index of the token that decides (`None`
/// when they all agree and none is an ICAO letter): the last ICAO letter
/// (`F`, `M`, `X`, `<`), else every token, which must agree.
fn decide(tokens: &[String]) -> Option<(Sex, Option<usize>)> {
    if let Some(k) = tokens
        .iter()
        .rposition(|t| matches!(t.as_str(), "F" | "M" | "X" | "<"))
    {
        return Some((marker(&tokens[k])?, Some(k)));
    }
    let first = marker(tokens.first()?)?;
    tokens
        .iter()
        .all(|t| marker(t) == Some(first))
        .then_some((first, None))
}

fn is_break(c: char) -> bool {
    c == '/' || c == ',' || c.is_whitespace()
}

fn fold(token: &str) -> String {
    if token == "<" {
        "<".to_owned()
    } else {
        transliterate(token)
    }
}

/// The sex a printed text gives, `None` when it is no known marker.
pub(crate) fn parse(text: &str) -> Option<Sex> {
    let tokens: Vec<String> = text
        .split(is_break)
        .filter(|t| !t.is_empty())
        .map(fold)
        .collect();
    decide(&tokens).map(|(sex, _)| sex)
}

fn letter(sex: Sex) -> char {
    match sex {
        Sex::Unspecified => 'X',
        s => s.as_char(),
    }
}

/// Compares the printed marker with the MRZ's sex (`X` and `<` are both
/// "unspecified").
pub(crate) fn compare(read: &[ReadChar], mrz: Sex) -> Outcome {
    let groups: Vec<&[ReadChar]> = read
        .split(|r| is_break(r.ch))
        .filter(|g| !g.is_empty())
        .collect();
    let tokens: Vec<String> = groups
        .iter()
        .map(|g| fold(&g.iter().map(|r| upper(r.ch)).collect::<String>()))
        .collect();
    let text: String = read.iter().map(|r| r.ch).collect();
    let expected = letter(mrz);
    let mrz_value = Some(expected.to_string());
    if mrz == Sex::Invalid {
        return Outcome::unreadable(
            letter_or(&tokens, &text),
            None,
            "the MRZ sex is not F, M or <",
        );
    }
    let Some((sex, decider)) = decide(&tokens) else {
        return Outcome::unreadable(text.trim().to_owned(), mrz_value, "not a known sex marker");
    };
    let cost = |g: &[ReadChar]| -> f32 {
        match g {
            [r] => sub_cost(&Slot::from_read(r, upper(r.ch), 1.0, Some), expected),
            _ => mean(g.iter().map(|r| prob(r.p))).unwrap_or(0.0),
        }
    };
    let a = if sex == mrz {
        Alignment::default()
    } else if let Some(k) = decider {
        Alignment::single(cost(groups[k]))
    } else {
        Alignment::single(groups.iter().map(|g| cost(g)).fold(0.0, f32::max))
    };
    Outcome {
        normalised: letter(sex).to_string(),
        mrz: mrz_value,
        finding: Finding::Scored(a, ""),
    }
}

fn letter_or(tokens: &[String], text: &str) -> String {
    decide(tokens).map_or_else(|| text.trim().to_owned(), |(s, _)| letter(s).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{altered, read, td3};
    use crate::{Agreement, compare_field};

    fn check(text: &str, agreement: Agreement, normalised: &str) {
        let c = compare_field("sex", &read(text), &td3());
        assert_eq!(
            (c.agreement, c.printed_normalised.as_str()),
            (agreement, normalised),
            "{text:?}: {c:?}"
        );
    }

    #[test]
    fn markers_against_a_female_mrz() {
        check("F", Agreement::Agree, "F");
        check("F/F", Agreement::Agree, "F");
        check("F / W", Agreement::Agree, "F");
        check("W/F", Agreement::Agree, "F");
        check("W", Agreement::Agree, "F");
        check("V", Agreement::Agree, "F");
        check("K/F", Agreement::Agree, "F");
        check("FEMALE", Agreement::Agree, "F");
        check("M/F", Agreement::Agree, "F"); // mujer / female: the ICAO letter decides
        check("M", Agreement::Disagree, "M");
        check("M/M", Agreement::Disagree, "M");
        check("X", Agreement::Disagree, "X");
        check("Q", Agreement::Unreadable, "Q");
        check("W/M", Agreement::Disagree, "M");
    }

    #[test]
    fn doubtful_markers() {
        let c = compare_field("sex", &altered("M", 0, 0.6, &[('F', 0.38)]), &td3());
        assert_eq!(c.agreement, Agreement::Agree, "{c:?}");
        let c = compare_field("sex", &altered("M", 0, 0.95, &[]), &td3());
        assert_eq!(c.agreement, Agreement::Disagree, "{c:?}");
        assert!(c.confidence > 0.9);
    }

    #[test]
    fn parses_text() {
        assert_eq!(parse("F"), Some(Sex::Female));
        assert_eq!(parse("M/M"), Some(Sex::Male));
        assert_eq!(parse("<"), Some(Sex::Unspecified));
        assert_eq!(parse("MÄNNLICH"), Some(Sex::Male));
        assert_eq!(parse("W/V"), Some(Sex::Female));
        assert_eq!(parse("W/MAN"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("Z"), None);
    }
}
