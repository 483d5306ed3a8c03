//! OCR repair under the check digits: an explicit step that never runs by
//! itself and reports every substitution it makes.
//!
//! Given per-position candidates with confidences, [`repair`] finds the most
//! likely reading in which every check digit holds and every character fits
//! its field's class (letters in names and codes, digits in dates and check
//! digits). The search is exact: each check-digit group is a dynamic
//! programme over (sum mod 10 of its own digit, contribution mod 10 to the
//! composite digit), and the groups are combined by a second programme over
//! the composite sum.

use crate::charset::{self, FILLER, WEIGHTS};
use crate::date::Date;
use crate::format::{At, Format, Layout, NameLayout, Run};
use crate::parse::{Mrz, parse_lines};

/// One candidate character for a position, with its probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// The character (MRZ set: `0-9`, `A-Z`, `<`).
    pub ch: char,
    /// Its probability, in (0, 1].
    pub p: f32,
}

/// A character the repair changed.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Substitution {
    /// Line, 1-based.
    pub line: u8,
    /// Column, 1-based.
    pub column: u8,
    /// The character read (the most likely candidate).
    pub from: char,
    /// The character chosen.
    pub to: char,
    /// The chosen character's probability.
    pub confidence: f32,
}

/// The outcome of a repair.
#[derive(Debug, Clone, PartialEq)]
pub struct Repair {
    /// The repaired lines.
    pub lines: Vec<String>,
    /// Every change from the most likely reading, in line order.
    pub substitutions: Vec<Substitution>,
    /// The repaired lines parsed.
    pub mrz: Mrz,
    /// Sum of the log-probabilities of the chosen characters.
    pub log_likelihood: f32,
}

/// The characters an OCR of OCR-B confuses, both ways.
const CONFUSIONS: &[(char, &[char])] = &[
    ('0', &['O', 'D', 'Q']),
    ('O', &['0', 'D', 'Q']),
    ('D', &['0', 'O']),
    ('Q', &['0', 'O']),
    ('1', &['I', 'L', 'T']),
    ('I', &['1', 'L']),
    ('L', &['1', 'I']),
    ('T', &['1', '7']),
    ('2', &['Z']),
    ('Z', &['2']),
    ('5', &['S']),
    ('S', &['5']),
    ('6', &['G']),
    ('G', &['6', 'C']),
    ('8', &['B']),
    ('B', &['8']),
    ('4', &['A']),
    ('A', &['4']),
    ('7', &['T']),
    ('<', &['K', 'C', 'L']),
    ('K', &['<']),
    ('C', &['<', 'G']),
];

/// Probability given to a look-alike of the field's class standing in for
/// a character the field cannot hold (as [`candidates_from_text`] gives
/// every confusion).
const LOOK_ALIKE_P: f32 = 0.02;

/// Candidates for plain text (no OCR confidences): the character read at
/// 0.9, each of its usual confusions (O/0, I/1, B/8, S/5, Z/2, G/6, `<`/K…)
/// at 0.02. Lower-case letters are read as their capitals, whitespace inside
/// a line as a filler.
#[must_use]
pub fn candidates_from_text(lines: &[&str]) -> Vec<Vec<Vec<Candidate>>> {
    lines
        .iter()
        .map(|line| {
            line.trim()
                .chars()
                .map(|c| {
                    let c = match c {
                        c if c.is_whitespace() => '<',
                        c => c.to_ascii_uppercase(),
                    };
                    let mut v = vec![Candidate { ch: c, p: 0.9 }];
                    if let Some((_, alts)) = CONFUSIONS.iter().find(|(k, _)| *k == c) {
                        v.extend(alts.iter().map(|&a| Candidate { ch: a, p: 0.02 }));
                    }
                    v
                })
                .collect()
        })
        .collect()
}

/// Most substitutions [`repair_text`] accepts: text carries no confidences,
/// and a reading that needs more changes is another MRZ, not a repair.
pub const MAX_TEXT_SUBSTITUTIONS: usize = 4;

/// Repairs plain MRZ text: [`candidates_from_text`] then [`repair`], the
/// format detected from the text. `None` when no format fits, no reading
/// satisfies every check digit, or the best one needs more than
/// [`MAX_TEXT_SUBSTITUTIONS`] changes.
#[must_use]
pub fn repair_text(lines: &[&str], reference: Date) -> Option<Repair> {
    let format = parse_lines(lines, reference).format?;
    let candidates = candidates_from_text(lines);
    // Two lines of 36 beginning IDFRA may be a TD2 or the French card, and
    // detection on damaged text can pick the wrong one: try both.
    let formats: &[Format] = match format {
        Format::Td2 | Format::FrenchId if lines[0].trim().starts_with("IDFRA") => {
            &[Format::Td2, Format::FrenchId]
        }
        _ => std::slice::from_ref(&format),
    };
    formats
        .iter()
        .filter_map(|&f| repair(f, &candidates, reference))
        .filter(|r| r.substitutions.len() <= MAX_TEXT_SUBSTITUTIONS)
        .max_by(|a, b| a.log_likelihood.total_cmp(&b.log_likelihood))
}

/// The class of characters a position allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Any,
    Alpha,
    Digit,
    DigitOrFiller,
    Sex,
}

impl Class {
    fn allows(self, c: u8) -> bool {
        match self {
            Class::Any => charset::is_mrz_char(c),
            Class::Alpha => c.is_ascii_uppercase() || c == FILLER,
            Class::Digit => c.is_ascii_digit(),
            Class::DigitOrFiller => c.is_ascii_digit() || c == FILLER,
            Class::Sex => matches!(c, b'M' | b'F' | b'X' | FILLER),
        }
    }
}

/// A group of positions that one check digit covers.
struct Group {
    /// Data positions, in order (their weight is their index in the group).
    data: Vec<At>,
    /// The check digit; `None` for positions without their own digit.
    check: Option<At>,
}

fn classes(layout: &Layout) -> Vec<Vec<Class>> {
    let mut cls = vec![vec![Class::Any; layout.len as usize]; layout.lines as usize];
    let mut set = |r: Run, c: Class| {
        for col in r.range() {
            cls[r.line as usize][col] = c;
        }
    };
    let one = |a: At| Run {
        line: a.line,
        start: a.col,
        len: 1,
    };
    set(layout.document_code, Class::Alpha);
    set(layout.issuing_state, Class::Alpha);
    match layout.name {
        NameLayout::Icao(r) => set(r, Class::Alpha),
        NameLayout::French { surname, given } => {
            set(surname, Class::Alpha);
            set(given, Class::Alpha);
        }
    }
    set(one(layout.document_number_cd), Class::Digit);
    if let Some(n) = layout.nationality {
        set(n, Class::Alpha);
    }
    set(layout.birth_date, Class::DigitOrFiller);
    set(one(layout.birth_date_cd), Class::Digit);
    set(one(layout.sex), Class::Sex);
    if let Some((r, cd)) = layout.expiry_date {
        set(r, Class::Digit);
        set(one(cd), Class::Digit);
    }
    if let Some(cd) = layout.optional_cd {
        set(one(cd), Class::DigitOrFiller);
    }
    if let Some((cd, _)) = layout.composite {
        set(one(cd), Class::Digit);
    }
    cls
}

fn run_positions(r: Run) -> impl Iterator<Item = At> {
    r.range().map(move |c| At {
        line: r.line,
        col: c as u8,
    })
}

fn groups(layout: &Layout) -> Vec<Group> {
    let mut g = vec![
        Group {
            data: run_positions(layout.document_number).collect(),
            check: Some(layout.document_number_cd),
        },
        Group {
            data: run_positions(layout.birth_date).collect(),
            check: Some(layout.birth_date_cd),
        },
    ];
    if let Some((r, cd)) = layout.expiry_date {
        g.push(Group {
            data: run_positions(r).collect(),
            check: Some(cd),
        });
    }
    if let (Some(r), Some(cd)) = (layout.optional, layout.optional_cd) {
        g.push(Group {
            data: run_positions(r).collect(),
            check: Some(cd),
        });
    }
    g
}

/// For each composite share 0-9: the best log-probability and the choices.
type Shares = Vec<(f32, Vec<(At, u8)>)>;

/// A DP cell: best log-probability and (previous state, candidate index).
type Cell = (f32, Option<(usize, usize)>);

/// Log-probability floor for a class-compatible character no candidate
/// proposed (kept out of the search: it would be a guess).
const NEG: f32 = f32::NEG_INFINITY;

/// Finds the most likely reading of `format` whose check digits all hold.
/// `candidates[line][column]` lists the candidates of each position, most
/// likely first; missing positions are read as fillers. `None` when no
/// combination of candidates satisfies the check digits.
#[must_use]
pub fn repair(
    format: Format,
    candidates: &[Vec<Vec<Candidate>>],
    reference: Date,
) -> Option<Repair> {
    let layout = format.layout();
    let cls = classes(layout);
    let (lines, len) = (layout.lines as usize, layout.len as usize);

    // Per position: the class-compatible candidates as (byte, log p).
    let filler = vec![Candidate { ch: '<', p: 1.0 }];
    let mut cand: Vec<Vec<Vec<(u8, f32)>>> = vec![vec![Vec::new(); len]; lines];
    let mut top: Vec<Vec<u8>> = vec![vec![FILLER; len]; lines];
    for l in 0..lines {
        for c in 0..len {
            let given = candidates
                .get(l)
                .and_then(|line| line.get(c))
                .unwrap_or(&filler);
            top[l][c] = given
                .first()
                .map_or(FILLER, |k| if k.ch.is_ascii() { k.ch as u8 } else { b'?' });
            let mut v: Vec<(u8, f32)> = given
                .iter()
                .filter(|k| k.ch.is_ascii() && k.p > 0.0 && cls[l][c].allows(k.ch as u8))
                .map(|k| (k.ch as u8, k.p.ln()))
                .collect();
            if v.is_empty() {
                // Only characters the field cannot hold were read (an `O`
                // read confidently in a date or check digit: Doc 9303-4
                // §4.2.2.2 notes a and b, and the same in parts 5 and 6,
                // make those fields numeric and names and codes
                // alphabetic). The reading is impossible as it stands, so
                // the look-alikes of the field's class stand in at a low
                // probability and the check digits decide.
                v = given
                    .first()
                    .and_then(|k| CONFUSIONS.iter().find(|(x, _)| *x == k.ch))
                    .map(|(_, alts)| {
                        alts.iter()
                            .filter(|a| cls[l][c].allows(**a as u8))
                            .map(|&a| (a as u8, LOOK_ALIKE_P.ln()))
                            .collect()
                    })
                    .unwrap_or_default();
            }
            v.sort_by(|a, b| b.1.total_cmp(&a.1));
            v.dedup_by_key(|x| x.0);
            if v.is_empty() {
                return None;
            }
            cand[l][c] = v;
        }
    }

    // Composite weights per position (0 outside the composite).
    let mut comp_w = vec![vec![0u32; len]; lines];
    if let Some((_, runs)) = layout.composite {
        let mut i = 0usize;
        for r in runs {
            for c in r.range() {
                comp_w[r.line as usize][c] = WEIGHTS[i % 3];
                i += 1;
            }
        }
    }

    // Each check-digit group, and every other composite position as a group
    // of its own, yields best[k] = (log p, choices) for composite share k.
    let mut chosen: Vec<Vec<u8>> = top
        .iter()
        .map(|l| l.iter().map(|_| FILLER).collect())
        .collect();
    let mut covered = vec![vec![false; len]; lines];
    let mut tables: Vec<Shares> = Vec::new();
    let composite_cd = layout.composite.map(|(cd, _)| cd);
    for g in groups(layout) {
        let mut dp: Vec<[Cell; 100]> = Vec::with_capacity(g.data.len() + 2);
        let mut init = [(NEG, None); 100];
        init[0] = (0.0, None);
        dp.push(init);
        let mut positions: Vec<At> = g.data.clone();
        for (i, at) in g.data.iter().enumerate() {
            let w = WEIGHTS[i % 3];
            let cw = comp_w[at.line as usize][at.col as usize];
            let prev = &dp[i];
            let mut next = [(NEG, None); 100];
            for (state, &(score, _)) in prev.iter().enumerate() {
                if score == NEG {
                    continue;
                }
                let (fs, cs) = (state / 10, state % 10);
                for (ci, &(ch, lp)) in cand[at.line as usize][at.col as usize].iter().enumerate() {
                    let v = u32::from(charset::char_value(ch).unwrap_or(0));
                    let ns = ((fs as u32 + v * w) % 10) as usize * 10
                        + ((cs as u32 + v * cw) % 10) as usize;
                    if score + lp > next[ns].0 {
                        next[ns] = (score + lp, Some((state, ci)));
                    }
                }
            }
            dp.push(next);
        }
        // The check digit must equal the field sum mod 10.
        let cd = g.check.expect("groups carry their check digit");
        positions.push(cd);
        let cw = comp_w[cd.line as usize][cd.col as usize];
        let last = &dp[g.data.len()];
        let mut best: Shares = vec![(NEG, Vec::new()); 10];
        for (state, &(score, _)) in last.iter().enumerate() {
            if score == NEG {
                continue;
            }
            let (fs, cs) = (state / 10, state % 10);
            for &(ch, lp) in &cand[cd.line as usize][cd.col as usize] {
                let v = charset::char_value(ch).unwrap_or(0);
                // An empty optional field may carry a filler as its digit
                // (Doc 9303-4 §4.2.2.2); elsewhere the digit must be a digit.
                let ok = if ch == FILLER {
                    fs == 0
                } else {
                    usize::from(v) == fs
                };
                if !ok {
                    continue;
                }
                let share = (cs + usize::from(v) * cw as usize) % 10;
                let total = score + lp;
                if total > best[share].0 {
                    // Walk back the choices.
                    let mut picks = vec![(cd, ch)];
                    let mut st = state;
                    for i in (0..g.data.len()).rev() {
                        let (prev, ci) = dp[i + 1][st].1.expect("reachable state has a parent");
                        let at = g.data[i];
                        picks.push((at, cand[at.line as usize][at.col as usize][ci].0));
                        st = prev;
                    }
                    best[share] = (total, picks);
                }
            }
        }
        for at in &positions {
            covered[at.line as usize][at.col as usize] = true;
        }
        tables.push(best);
    }
    // Remaining positions: composite members form one-position groups,
    // the rest take their best candidate.
    for l in 0..lines {
        for c in 0..len {
            if covered[l][c] {
                continue;
            }
            let at = At {
                line: l as u8,
                col: c as u8,
            };
            if Some(at) == composite_cd {
                continue;
            }
            let cw = comp_w[l][c];
            if cw == 0 {
                chosen[l][c] = cand[l][c][0].0;
                continue;
            }
            let mut best: Shares = vec![(NEG, Vec::new()); 10];
            for &(ch, lp) in &cand[l][c] {
                let share = (u32::from(charset::char_value(ch).unwrap_or(0)) * cw % 10) as usize;
                if lp > best[share].0 {
                    best[share] = (lp, vec![(at, ch)]);
                }
            }
            tables.push(best);
        }
    }

    // Combine the groups over the composite sum.
    let mut acc: Vec<(f32, Vec<usize>)> = vec![(NEG, Vec::new()); 10];
    acc[0] = (0.0, Vec::new());
    for table in &tables {
        let mut next: Vec<(f32, Vec<usize>)> = vec![(NEG, Vec::new()); 10];
        for (s, (score, path)) in acc.iter().enumerate() {
            if *score == NEG {
                continue;
            }
            for (k, (lp, _)) in table.iter().enumerate() {
                if *lp == NEG {
                    continue;
                }
                let ns = (s + k) % 10;
                if score + lp > next[ns].0 {
                    let mut p = path.clone();
                    p.push(k);
                    next[ns] = (score + lp, p);
                }
            }
        }
        acc = next;
    }
    let (total, path) = if let Some(cd) = composite_cd {
        let mut best: (f32, Vec<usize>, u8) = (NEG, Vec::new(), FILLER);
        for &(ch, lp) in &cand[cd.line as usize][cd.col as usize] {
            let v = usize::from(charset::char_value(ch).unwrap_or(0));
            if ch != FILLER && acc[v].0 + lp > best.0 {
                best = (acc[v].0 + lp, acc[v].1.clone(), ch);
            }
        }
        chosen[cd.line as usize][cd.col as usize] = best.2;
        (best.0, best.1)
    } else {
        // No composite: every group independently at its best.
        let picks: Vec<usize> = tables
            .iter()
            .map(|t| {
                (0..10)
                    .max_by(|&a, &b| t[a].0.total_cmp(&t[b].0))
                    .unwrap_or(0)
            })
            .collect();
        let total = tables.iter().zip(&picks).map(|(t, &k)| t[k].0).sum();
        (total, picks)
    };
    if total == NEG {
        return None;
    }
    for (table, &k) in tables.iter().zip(&path) {
        for &(at, ch) in &table[k].1 {
            chosen[at.line as usize][at.col as usize] = ch;
        }
    }
    let mut log_likelihood = total;
    for l in 0..lines {
        for c in 0..len {
            let at = At {
                line: l as u8,
                col: c as u8,
            };
            if !covered[l][c] && comp_w[l][c] == 0 && Some(at) != composite_cd {
                log_likelihood += cand[l][c][0].1;
            }
        }
    }

    let mut substitutions = Vec::new();
    for l in 0..lines {
        for c in 0..len {
            if chosen[l][c] != top[l][c] {
                let p = cand[l][c]
                    .iter()
                    .find(|x| x.0 == chosen[l][c])
                    .map_or(0.0, |x| x.1.exp());
                substitutions.push(Substitution {
                    line: l as u8 + 1,
                    column: c as u8 + 1,
                    from: top[l][c] as char,
                    to: chosen[l][c] as char,
                    confidence: p,
                });
            }
        }
    }
    let lines: Vec<String> = chosen
        .into_iter()
        .map(|l| String::from_utf8(l).unwrap_or_default())
        .collect();
    let mrz = parse_lines(&lines, reference);
    Some(Repair {
        lines,
        substitutions,
        mrz,
        log_likelihood,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> Date {
        Date::new(2026, 11, 23).expect("date")
    }

    fn check(input: &[&str], expected: &[&str], substitutions: &[(u8, u8, char, char)]) {
        let r = repair_text(input, reference()).expect("a repair");
        assert_eq!(r.lines, expected, "{input:?}");
        let subs: Vec<_> = r
            .substitutions
            .iter()
            .map(|s| (s.line, s.column, s.from, s.to))
            .collect();
        assert_eq!(subs, substitutions);
        assert!(r.mrz.is_valid());
    }

    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    #[test]
    fn valid_input_is_left_alone() {
        check(&TD3, &TD3, &[]);
    }

    #[test]
    fn o_for_zero_in_a_date_is_repaired_and_reported() {
        check(
            &[TD3[0], "L898902C36UTO74O8122F1204159ZE184226B<<<<<10"],
            &TD3,
            &[(2, 16, 'O', '0')],
        );
    }

    #[test]
    fn class_repairs_in_names_and_codes() {
        check(
            &["P<UT0ER1KSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", TD3[1]],
            &TD3,
            &[(1, 5, '0', 'O'), (1, 8, '1', 'I')],
        );
    }

    #[test]
    fn check_digits_choose_among_ambiguous_readings() {
        // Document number read with O for 0 twice; only the right choice
        // satisfies both the number's and the composite check digits.
        check(
            &[
                "I<UTOD231458907<<<<<<<<<<<<<<<",
                "74O8122F12O4159UTO<<<<<<<<<<<6",
                "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
            ],
            &[
                "I<UTOD231458907<<<<<<<<<<<<<<<",
                "7408122F1204159UTO<<<<<<<<<<<6",
                "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
            ],
            &[(2, 3, 'O', '0'), (2, 11, 'O', '0')],
        );
    }

    /// OCR candidates: every character read alone and confidently.
    fn confident(lines: &[&str]) -> Vec<Vec<Vec<Candidate>>> {
        lines
            .iter()
            .map(|l| {
                l.chars()
                    .map(|ch| vec![Candidate { ch, p: 0.999 }])
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_confident_letter_in_a_digit_field_gives_way_to_its_look_alike() {
        // The recogniser offered nothing but `O` for the composite check
        // digit (line 2, column 44): the digit look-alike stands in.
        let lines = [TD3[0], "L898902C36UTO7408122F1204159ZE184226B<<<<<1O"];
        let r = repair(Format::Td3, &confident(&lines), reference()).expect("a repair");
        assert_eq!(r.lines, TD3);
        let subs: Vec<_> = r
            .substitutions
            .iter()
            .map(|s| (s.line, s.column, s.from, s.to))
            .collect();
        assert_eq!(subs, [(2, 44, 'O', '0')]);
        // `Z` for the birth date's check digit 2.
        let lines = [TD3[0], "L898902C36UTO740812ZF1204159ZE184226B<<<<<10"];
        assert!(repair(Format::Td3, &confident(&lines), reference()).is_some());
        // The look-alike must satisfy the check digits: `O` (0) there is no
        // repair of a 2.
        let lines = [TD3[0], "L898902C36UTO740812OF1204159ZE184226B<<<<<10"];
        assert!(repair(Format::Td3, &confident(&lines), reference()).is_none());
    }

    #[test]
    fn unrepairable_input_gives_none() {
        // A wrong digit with no confusion that fixes it.
        let r = repair_text(
            &[TD3[0], "L898902C36UTO7408122F1204159ZE184226B<<<<<13"],
            reference(),
        );
        assert!(r.is_none());
        assert!(repair_text(&["P<UTO"], reference()).is_none());
    }
}
