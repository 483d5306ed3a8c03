//! Names: the printed name in MRZ form under every transliteration ICAO
//! allows (Doc 9303-3 §6), compared with the MRZ's identifiers, which may
//! be truncated (Doc 9303-4 §4.2.3, Doc 9303-5 §4.2.3).

use docscreen_mrz::{Fields, transliterate};

use crate::compare::{Finding, Outcome, text_of};
use crate::cost::{Alignment, CONFUSABLE_FACTOR, Slot, align, as_letter, prob, upper};
use crate::{FieldKind, ReadChar};

/// How much a difference under an accented capital counts, relative to a
/// plain letter's (see where it is used).
const ACCENTED_FACTOR: f32 = 0.35;

/// Letters Doc 9303-3 §6 Table A transliterates more than one way, the
/// first-listed form first (the one `docscreen_mrz::transliterate` uses),
/// the plain letter second.
/// `Ø → O` is not in Table A, which gives only `OE`; older Nordic documents
/// write it, and a false disagreement costs more than the leniency.
const ALTERNATIVES: [(char, &[&str]); 6] = [
    ('Ä', &["AE", "A"]),
    ('Å', &["AA", "A"]),
    ('Ñ', &["N", "NXX"]),
    ('Ö', &["OE", "O"]),
    ('Ø', &["OE", "O"]),
    ('Ü', &["UE", "U", "UXX"]),
];

/// Most spellings tried per reading. With more ambiguous letters than fit,
/// every ambiguous letter takes the same option index (all first forms, all
/// second forms, …): names mixing conventions are that rare.
const MAX_VARIANTS: usize = 16;

/// One printed character: a separator, or its possible MRZ spellings.
enum Unit<'a> {
    Sep {
        comma: bool,
        p: f32,
    },
    Chars {
        read: &'a ReadChar,
        options: Vec<String>,
        factor: f32,
    },
}

fn units(read: &[ReadChar]) -> Vec<Unit<'_>> {
    read.iter()
        .filter_map(|r| {
            let c = upper(r.ch);
            // Doc 9303-3 §4.6: spaces, hyphens and commas separate components.
            if matches!(
                c,
                ' ' | '-' | ',' | '<' | '\u{2010}' | '\u{2011}' | '\u{a0}'
            ) {
                return Some(Unit::Sep {
                    comma: c == ',',
                    p: prob(r.p),
                });
            }
            // Names have no digits (§4.6): a look-alike is a misread letter.
            let (options, factor) = if let Some(l) = as_letter(c) {
                (vec![l.to_string()], CONFUSABLE_FACTOR)
            } else if c.is_ascii_digit() {
                (vec![c.to_string()], 1.0)
            } else if let Some((_, alts)) = ALTERNATIVES.iter().find(|(k, _)| *k == c) {
                (alts.iter().map(|&s| s.to_owned()).collect(), 1.0)
            } else {
                (vec![transliterate(&c.to_string())], 1.0)
            };
            (!options[0].is_empty()).then_some(Unit::Chars {
                read: r,
                options,
                factor,
            })
        })
        .collect()
}

/// A candidate character in MRZ form, when it is one letter.
fn letter(c: char) -> Option<char> {
    if let Some(l) = as_letter(c) {
        return Some(l);
    }
    let t = transliterate(&c.to_string());
    let mut chars = t.chars();
    match (chars.next(), chars.next()) {
        (Some(x), None) => Some(x),
        _ => None,
    }
}

/// The slots of one spelling: `choice(i)` picks unit `i`'s option. Runs of
/// separators become one `<`, or `<<` when they hold a comma and
/// `comma_splits` (the comma between surname and given names).
fn spelling(units: &[Unit<'_>], choice: impl Fn(usize) -> usize, comma_splits: bool) -> Vec<Slot> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, f32)> = None;
    for (i, u) in units.iter().enumerate() {
        match u {
            Unit::Sep { comma, p } => {
                let n = if *comma && comma_splits { 2 } else { 1 };
                pending = Some(pending.map_or((n, *p), |(m, q)| (m.max(n), q.max(*p))));
            }
            Unit::Chars {
                read,
                options,
                factor,
            } => {
                if let Some((n, p)) = pending.take()
                    && !out.is_empty()
                {
                    out.extend((0..n).map(|_| Slot::bare('<', p)));
                }
                let s = &options[choice(i).min(options.len() - 1)];
                // An accented capital is weak evidence of its base letter:
                // the recogniser knows a few dozen of them, and a letter
                // outside its classes (Ć, Ł, Ř, Ş…) comes out as the
                // nearest one it knows (Ć read as É).
                let weight = if read.ch.is_ascii() {
                    1.0
                } else {
                    ACCENTED_FACTOR
                };
                if s.chars().count() == 1 {
                    out.extend(
                        s.chars()
                            .map(|c| Slot::from_read(read, c, *factor, letter).weighted(weight)),
                    );
                } else {
                    out.extend(
                        s.chars()
                            .map(|c| Slot::bare(c, prob(read.p) * factor).weighted(weight)),
                    );
                }
            }
        }
    }
    out
}

/// Every spelling of a reading (up to [`MAX_VARIANTS`]), the recommended
/// one first.
pub(crate) fn spellings(read: &[ReadChar], comma_splits: bool) -> Vec<Vec<Slot>> {
    let units = units(read);
    let radix: Vec<usize> = units
        .iter()
        .map(|u| match u {
            Unit::Chars { options, .. } => options.len(),
            Unit::Sep { .. } => 1,
        })
        .collect();
    let total = radix.iter().try_fold(1usize, |acc, &r| {
        acc.checked_mul(r).filter(|&t| t <= MAX_VARIANTS)
    });
    let Some(total) = total else {
        let widest = radix.iter().copied().max().unwrap_or(1);
        return (0..widest)
            .map(|t| spelling(&units, |_| t, comma_splits))
            .collect();
    };
    (0..total)
        .map(|mut k| {
            // Unit i's option is digit i of k in the mixed radix.
            let mut digits = vec![0; radix.len()];
            for (d, &r) in digits.iter_mut().zip(&radix) {
                *d = k % r;
                k /= r;
            }
            spelling(&units, |i| digits[i], comma_splits)
        })
        .collect()
}

/// The cheapest alignment of any spelling with any target; whether it took
/// an alternative spelling, and whether truncation made the difference.
/// `None` without spellings or targets.
pub(crate) fn best(
    spellings: &[Vec<Slot>],
    targets: &[String],
    truncated: bool,
) -> Option<(Alignment, bool, bool)> {
    let mut best: Option<(Alignment, bool, bool)> = None;
    for (k, s) in spellings.iter().enumerate() {
        for t in targets {
            let expected: Vec<char> = t.chars().collect();
            let whole = align(s, &expected, false);
            let cut = truncated.then(|| align(s, &expected, true));
            let (a, by_cut) = match cut {
                Some(c) if c.cost < whole.cost => (c, true),
                _ => (whole, false),
            };
            if best.as_ref().is_none_or(|(b, _, _)| a.cost < b.cost) {
                best = Some((a, k > 0, by_cut));
            }
        }
    }
    best
}

/// Compares a surname, given names or whole name line with the MRZ.
///
/// A name line is compared with `SURNAME<<GIVEN<NAMES` (a comma in the print
/// splits it the same way), and without a comma also with the two orders
/// joined by one filler: the MRZ's primary identifier then only has to be a
/// prefix (or suffix) of the line.
pub(crate) fn compare(kind: FieldKind, read: &[ReadChar], mrz: &Fields) -> Outcome {
    // In MRZ form: the parser writes a French card's given names with a
    // space between names and a hyphen inside a compound one (`SVEN-ERIK`
    // from `SVEN<ERIK`), and both are one filler in the MRZ.
    let primary = mrz.primary_identifier.replace([' ', '-'], "<");
    let secondary = mrz.secondary_identifier.replace([' ', '-'], "<");
    let (value, targets, comma_splits) = match kind {
        FieldKind::Surname => (primary.clone(), vec![primary], false),
        FieldKind::GivenNames => (secondary.clone(), vec![secondary], false),
        _ if secondary.is_empty() => (primary.clone(), vec![primary], true),
        _ => (
            format!("{primary}<<{secondary}"),
            vec![
                format!("{primary}<<{secondary}"),
                format!("{primary}<{secondary}"),
                format!("{secondary}<{primary}"),
            ],
            true,
        ),
    };
    let spellings = spellings(read, comma_splits);
    let normalised = spellings.first().map(|s| text_of(s)).unwrap_or_default();
    if normalised.is_empty() {
        return Outcome::unreadable(normalised, Some(value), "no letters were read");
    }
    if value.is_empty() && mrz.name_truncated {
        return Outcome::unreadable(
            normalised,
            Some(value),
            "the MRZ name was truncated before it",
        );
    }
    let Some((a, alternative, cut)) = best(&spellings, &targets, mrz.name_truncated) else {
        return Outcome::unreadable(normalised, Some(value), "no letters were read");
    };
    let note = match (cut, alternative) {
        (true, _) => "MRZ name truncated (Doc 9303-4/-5 §4.2.3)",
        (false, true) => "alternative transliteration (Doc 9303-3 §6)",
        (false, false) => "",
    };
    Outcome {
        normalised,
        mrz: Some(value),
        finding: Finding::Scored(a, note),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{altered, read, td1, td3, td3_named};
    use crate::{Agreement, compare_field};

    fn check(zone: &str, text: &str, mrz: &Fields, expected: Agreement) {
        let c = compare_field(zone, &read(text), mrz);
        assert_eq!(c.agreement, expected, "{zone} {text:?}: {c:?}");
    }

    #[test]
    fn specimen_names() {
        check("surname", "ERIKSSON", &td3(), Agreement::Agree);
        check("given_names", "ANNA MARIA", &td3(), Agreement::Agree);
        check("given_names", "ANNA-MARIA", &td3(), Agreement::Agree);
        check(
            "name_line",
            "ERIKSSON, ANNA MARIA",
            &td1(),
            Agreement::Agree,
        );
        check("name_line", "ERIKSSON ANNA MARIA", &td1(), Agreement::Agree);
        check("name_line", "ANNA MARIA ERIKSSON", &td1(), Agreement::Agree);
        check("surname", "ERIKSEN", &td3(), Agreement::Disagree);
        check("given_names", "ANNA", &td3(), Agreement::Disagree);
        check(
            "name_line",
            "ERIKSSON, ANNA MARTA",
            &td1(),
            Agreement::Disagree,
        );
        let c = compare_field("name_line", &read("ERIKSSON, ANNA MARIA"), &td1());
        assert_eq!(c.printed_normalised, "ERIKSSON<<ANNA<MARIA");
        assert_eq!(c.mrz.as_deref(), Some("ERIKSSON<<ANNA<MARIA"));
    }

    #[test]
    fn letters_outside_the_recognisers_classes() {
        // Ć is no class of the VIZ recogniser: KOVAČEVIĆ comes out with
        // the nearest accented capitals it knows.
        let mrz = td3_named("KOVACEVIC<<IVANA");
        check("surname", "KOVAÉEVIÉ", &mrz, Agreement::Agree);
        check("surname", "KOVACEVIÉ", &mrz, Agreement::Agree);
        // Even when the recogniser offers C as an unlikely runner-up.
        let mut r = read("KOVAÉEVIÉ");
        for c in &mut r {
            if c.ch == 'É' {
                c.p = 0.97;
                c.candidates = vec![('É', 0.97), ('E', 0.02), ('C', 0.001)];
            }
        }
        assert_eq!(
            compare_field("surname", &r, &mrz).agreement,
            Agreement::Agree
        );
        // A plain letter changed is still a difference.
        check("surname", "KOVALEVIC", &mrz, Agreement::Disagree);
    }

    #[test]
    fn transliteration_alternatives() {
        // Doc 9303-3 §6 Table A: Ä, Ö, Ü, Å, Ñ two ways; punctuation dropped.
        let mrz = td3_named("MUELLER<<JOERG<AASA");
        check("surname", "MÜLLER", &mrz, Agreement::Agree);
        check("given_names", "JÖRG ÅSA", &mrz, Agreement::Agree);
        check("name_line", "MÜLLER, JÖRG ÅSA", &mrz, Agreement::Agree);
        let mrz = td3_named("MULLER<<JORG<ASA");
        check("surname", "MÜLLER", &mrz, Agreement::Agree);
        check("name_line", "MÜLLER, JÖRG ÅSA", &mrz, Agreement::Agree);
        let c = compare_field("surname", &read("MÜLLER"), &mrz);
        assert!(c.reason.contains("alternative transliteration"), "{c:?}");
        assert_eq!(c.printed_normalised, "MUELLER");
        let mrz = td3_named("NUNXXEZ<<OCONNOR<OESTERGAARD");
        check("surname", "NUÑEZ", &mrz, Agreement::Agree);
        check("given_names", "O'CONNOR ØSTERGÅRD", &mrz, Agreement::Agree);
        // Accents the MRZ drops; a misread diacritic still agrees.
        let mrz = td3_named("GONCALVES<<KARL<THEODOR");
        check(
            "name_line",
            "GONÇALVES, KARL THEODOR",
            &mrz,
            Agreement::Agree,
        );
        check("surname", "GONCALVES", &mrz, Agreement::Agree);
    }

    #[test]
    fn french_card_compound_given_names() {
        // FRID given names: `<<` between names, `<` inside a compound one.
        let parse = |l2: &str| {
            docscreen_mrz::parse(
                &format!("IDFRAJOERGENSEN<<<<<<<<<<<<<<<159AB<\n{l2}"),
                crate::test_support::reference(),
            )
            .fields
            .expect("an MRZ format")
        };
        let mrz = parse("2107974600006SVEN<ERIK<<<<<5802232F5");
        check("given_names", "SVEN-ERIK", &mrz, Agreement::Agree);
        check("given_names", "SVEN ERIK", &mrz, Agreement::Agree);
        check("given_names", "SVEN-ERIC", &mrz, Agreement::Disagree);
        // Truncated after two names: the print only has to start the same.
        let mrz = parse("19072A1843005SVEN<ERIK<<BJO4905169F7");
        check("given_names", "SVEN-ERIK BJÖRN", &mrz, Agreement::Agree);
    }

    #[test]
    fn truncated_names() {
        // Doc 9303-4 §4.2.3.2 and §4.2.3.3 examples.
        let line = "NILAVADHANANANDA, ARNPOL PETCH CHARONGUANG";
        let mrz = td3_named("NILAVADHANANANDA<<ARNPOL<PETCH<CHARONGU");
        assert!(mrz.name_truncated);
        check("name_line", line, &mrz, Agreement::Agree);
        check(
            "given_names",
            "ARNPOL PETCH CHARONGUANG",
            &mrz,
            Agreement::Agree,
        );
        let c = compare_field("name_line", &read(line), &mrz);
        assert!(c.reason.contains("truncated"), "{c:?}");
        let mrz = td3_named("NILAVADHANANANDA<<CHAYAPA<DEJTHAMRONG<K");
        check(
            "given_names",
            "CHAYAPA DEJTHAMRONG KRASUANG",
            &mrz,
            Agreement::Agree,
        );
        let line = "BENNELONG WOOLOOMOOLOO WARRANDYTE WARNAMBOOL, DINGO POTOROO";
        for field in [
            "BENNELONG<WOOLOOMOOLOO<WARRANDYTE<W<<DI",
            "BENNELONG<WOOLOOM<WARRAND<WARNAM<<DINGO",
            "BENNEL<WOOLOO<WARRAN<WARNAM<<DINGO<POTO",
        ] {
            let mrz = td3_named(field);
            check("name_line", line, &mrz, Agreement::Agree);
            check(
                "surname",
                "BENNELONG WOOLOOMOOLOO WARRANDYTE WARNAMBOOL",
                &mrz,
                Agreement::Agree,
            );
            check("given_names", "DINGO POTOROO", &mrz, Agreement::Agree);
            // Truncation excuses no changed letter.
            check("given_names", "BINGO POTOROO", &mrz, Agreement::Disagree);
        }
        // Not truncated (the field does not end on a letter): no prefix.
        let mrz = td3_named("ERIKSSON<<ANNA");
        assert!(!mrz.name_truncated);
        check("given_names", "ANNA MARIA", &mrz, Agreement::Disagree);
    }

    #[test]
    fn ocr_noise_in_names() {
        // A digit look-alike in a name is a weak difference.
        check("surname", "ER1KSS0N", &td3(), Agreement::Agree);
        // A doubtful letter agrees, a confident one does not.
        let doubtful = altered("ERIKSSEN", 6, 0.45, &[]);
        assert_eq!(
            compare_field("surname", &doubtful, &td3()).agreement,
            Agreement::Agree
        );
        let candidate = altered("ERIKSSEN", 6, 0.6, &[('O', 0.35)]);
        assert_eq!(
            compare_field("surname", &candidate, &td3()).agreement,
            Agreement::Agree
        );
        // A lost or extra space costs little.
        check("name_line", "ERIKSSON,ANNA MARIA", &td1(), Agreement::Agree);
        check("given_names", "ANNAMARIA", &td3(), Agreement::Agree);
    }

    #[test]
    fn many_ambiguous_letters_stay_bounded() {
        let s = spellings(&read("ÄÖÜÅÄÖÜÅÄÖÜÅ"), false);
        assert_eq!(s.len(), 3);
        assert_eq!(text_of(&s[0]), "AEOEUEAAAEOEUEAAAEOEUEAA");
        assert_eq!(text_of(&s[1]), "AOUAAOUAAOUA");
        assert_eq!(spellings(&read("MÄKELÄ"), false).len(), 4);
    }
}
