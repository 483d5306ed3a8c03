//! The confidence-weighted edit distance between an OCR reading and the
//! value the MRZ implies: a difference costs about as much as the OCR was
//! sure of the character that differs, so that a misread never weighs like
//! a confidently printed change.

use crate::ReadChar;

/// Total difference cost at or above which a field disagrees with the MRZ:
/// at least one differing character read with p ≥ 0.9 (or several less
/// sure ones). A false disagreement on a genuine document is costly, so the
/// bar sits above what one doubtful character can reach.
pub const DISAGREE_COST: f32 = 0.9;

/// Cost of a character the MRZ value has and the print lacks: the OCR may
/// have dropped it, so one alone stays under [`DISAGREE_COST`], two exceed it.
pub const MISSING_CHAR_COST: f32 = 0.8;

/// Factor on a difference between look-alikes (`0/O`, `1/I`, `1/L`, `5/S`,
/// `8/B`, `2/Z`): the commonest OCR confusions, so they count as weak.
pub const CONFUSABLE_FACTOR: f32 = 0.35;

/// Factor on a missing or extra separator (space, hyphen): OCR finds gaps
/// less reliably than ink, and a separator alone changes no identity.
pub const SEPARATOR_FACTOR: f32 = 0.5;

/// Mean character probability under which a reading is unreadable rather
/// than compared.
pub const MIN_MEAN_P: f32 = 0.5;

/// A probability from outside, made safe to add: NaN is 0, the rest is
/// clamped to 0..=1.
pub(crate) fn prob(p: f32) -> f32 {
    if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) }
}

/// `(digit, letter)` pairs OCR confuses.
const LOOK_ALIKES: [(char, char); 6] = [
    ('0', 'O'),
    ('1', 'I'),
    ('1', 'L'),
    ('5', 'S'),
    ('8', 'B'),
    ('2', 'Z'),
];

fn confusable(a: char, b: char) -> bool {
    LOOK_ALIKES
        .iter()
        .any(|&(d, l)| (a, b) == (d, l) || (a, b) == (l, d))
}

/// The digit a look-alike letter stands for in a digit position.
pub(crate) fn as_digit(c: char) -> Option<char> {
    LOOK_ALIKES.iter().find(|&&(_, l)| l == c).map(|&(d, _)| d)
}

/// The letter a look-alike digit stands for in a letter position.
pub(crate) fn as_letter(c: char) -> Option<char> {
    LOOK_ALIKES.iter().find(|&&(d, _)| d == c).map(|&(_, l)| l)
}

/// The upper-case form of `c` when it is one character (OCR output is upper
/// case; other callers may not be). Keeps one character per read position.
pub(crate) fn upper(c: char) -> char {
    let mut u = c.to_uppercase();
    match (u.next(), u.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

/// The mean probability of the characters read, whitespace left out; `None`
/// when nothing but whitespace was read.
pub(crate) fn mean_p(read: &[ReadChar]) -> Option<f32> {
    mean(
        read.iter()
            .filter(|r| !r.ch.is_whitespace())
            .map(|r| prob(r.p)),
    )
}

/// The mean of `values`, `None` when there are none.
pub(crate) fn mean(values: impl Iterator<Item = f32>) -> Option<f32> {
    // In f64, so that the mean of equal values is that value exactly (a
    // mean of 0.9s must reach a threshold of 0.9).
    let (sum, n) = values.fold((0.0f64, 0u32), |(s, n), v| (s + f64::from(v), n + 1));
    (n > 0).then(|| (sum / f64::from(n)) as f32)
}

/// One printed character in the form it is compared in, with what the OCR
/// said about it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Slot {
    pub(crate) ch: char,
    pub(crate) p: f32,
    /// Other candidates and their probabilities (`ch` itself left out).
    pub(crate) alts: Vec<(char, f32)>,
    /// How much a difference here counts (1; less for weak evidence).
    pub(crate) weight: f32,
}

impl Slot {
    /// A separator or a letter of a multi-letter transliteration: no candidates.
    pub(crate) fn bare(ch: char, p: f32) -> Self {
        Self {
            ch,
            p: prob(p),
            alts: Vec::new(),
            weight: 1.0,
        }
    }

    /// `ch` standing for `read`, its probability times `factor` (lowered
    /// for a look-alike), the candidates mapped by `map` (those it rejects
    /// are left out).
    pub(crate) fn from_read(
        read: &ReadChar,
        ch: char,
        factor: f32,
        map: impl Fn(char) -> Option<char>,
    ) -> Self {
        let alts = read
            .candidates
            .iter()
            .filter(|(c, _)| *c != read.ch)
            .filter_map(|&(c, q)| Some((map(upper(c))?, prob(q))))
            .filter(|(c, _)| *c != ch)
            .collect();
        Self {
            ch,
            p: prob(read.p) * factor,
            alts,
            weight: 1.0,
        }
    }

    /// The same slot, a difference here counting `weight` as much.
    pub(crate) fn weighted(mut self, weight: f32) -> Self {
        self.weight = weight;
        self
    }

    /// How sure the OCR was that this is not `c`: `1 - p(c)` for a
    /// candidate, else the probability of the character and the other
    /// candidates (the mass left over may all be `c`'s).
    fn doubt_about(&self, c: char) -> f32 {
        if let Some(&(_, q)) = self.alts.iter().find(|(a, _)| *a == c) {
            return 1.0 - q;
        }
        self.p + self.alts.iter().map(|(_, q)| q).sum::<f32>()
    }
}

/// Cost of reading `s` where `e` is expected: how sure the OCR was that it
/// is not `e`, lowered for look-alikes.
pub(crate) fn sub_cost(s: &Slot, e: char) -> f32 {
    if s.ch == e {
        return 0.0;
    }
    let c = s.doubt_about(e).clamp(0.0, 1.0) * s.weight;
    if confusable(s.ch, e) {
        c * CONFUSABLE_FACTOR
    } else {
        c
    }
}

fn separator_factor(c: char) -> f32 {
    if c == '<' { SEPARATOR_FACTOR } else { 1.0 }
}

fn insert_cost(e: char) -> f32 {
    MISSING_CHAR_COST * separator_factor(e)
}

/// The cheapest alignment of a reading with an expected value.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Alignment {
    /// Total cost.
    pub(crate) cost: f32,
    /// The cost of each operation that cost anything.
    pub(crate) diffs: Vec<f32>,
}

impl Alignment {
    /// One difference of `cost` (a date part, a sex marker).
    pub(crate) fn single(cost: f32) -> Self {
        Self {
            cost,
            diffs: if cost > 0.0 { vec![cost] } else { Vec::new() },
        }
    }

    /// Adds another part's differences.
    pub(crate) fn add(&mut self, other: Alignment) {
        self.cost += other.cost;
        self.diffs.extend(other.diffs);
    }
}

/// Aligns `printed` with `expected` (`<` separates name components).
///
/// With `truncated`, the MRZ value may be a component-wise prefix of the
/// print (Doc 9303-4 §4.2.3, Doc 9303-5 §4.2.3: components cut, down to an
/// initial, or dropped at the end): printed characters are then free to drop
/// where an MRZ component has ended.
pub(crate) fn align(printed: &[Slot], expected: &[char], truncated: bool) -> Alignment {
    let (rows, cols) = (printed.len(), expected.len());
    let width = cols + 1;
    let delete = |i: usize, j: usize| -> f32 {
        let free = truncated && cols > 0 && (j == cols || (j > 0 && expected[j] == '<'));
        if free {
            0.0
        } else {
            printed[i].p * separator_factor(printed[i].ch)
        }
    };
    let mut dist = vec![0.0f32; (rows + 1) * width];
    for j in 1..=cols {
        dist[j] = dist[j - 1] + insert_cost(expected[j - 1]);
    }
    for i in 1..=rows {
        dist[i * width] = dist[(i - 1) * width] + delete(i - 1, 0);
        for j in 1..=cols {
            let sub = dist[(i - 1) * width + j - 1] + sub_cost(&printed[i - 1], expected[j - 1]);
            let del = dist[(i - 1) * width + j] + delete(i - 1, j);
            let ins = dist[i * width + j - 1] + insert_cost(expected[j - 1]);
            dist[i * width + j] = sub.min(del).min(ins);
        }
    }
    // Walk back to collect what each step cost (the same sums are recomputed,
    // so the step taken matches exactly).
    let same = |a: f32, b: f32| (a - b).abs() <= 1e-6;
    let mut diffs = Vec::new();
    let (mut i, mut j) = (rows, cols);
    while i > 0 || j > 0 {
        let here = dist[i * width + j];
        let step = if i > 0 && j > 0 {
            let c = sub_cost(&printed[i - 1], expected[j - 1]);
            same(dist[(i - 1) * width + j - 1] + c, here).then_some((c, 1, 1))
        } else {
            None
        };
        let step = step.or_else(|| {
            let c = delete(i.checked_sub(1)?, j);
            (j == 0 || same(dist[(i - 1) * width + j] + c, here)).then_some((c, 1, 0))
        });
        let (c, di, dj) = step.unwrap_or_else(|| (insert_cost(expected[j - 1]), 0, 1));
        if c > 0.0 {
            diffs.push(c);
        }
        i -= di;
        j -= dj;
    }
    diffs.reverse();
    Alignment {
        cost: dist[rows * width + cols],
        diffs,
    }
}

/// How sure it is that at least one of the differences is real: one minus
/// the chance that every one of them is a misread.
pub(crate) fn difference_confidence(diffs: &[f32]) -> f32 {
    1.0 - diffs
        .iter()
        .map(|d| 1.0 - d.clamp(0.0, 1.0))
        .product::<f32>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(text: &str, p: f32) -> Vec<Slot> {
        text.chars().map(|c| Slot::bare(c, p)).collect()
    }

    fn cost(printed: &[Slot], expected: &str, truncated: bool) -> f32 {
        let e: Vec<char> = expected.chars().collect();
        align(printed, &e, truncated).cost
    }

    fn near(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-4
    }

    #[test]
    fn identical_costs_nothing() {
        let a = align(
            &slots("L898902C3", 0.99),
            &"L898902C3".chars().collect::<Vec<_>>(),
            false,
        );
        assert!(near(a.cost, 0.0) && a.diffs.is_empty());
    }

    #[test]
    fn a_difference_costs_its_confidence() {
        assert!(near(
            cost(&slots("L898902C4", 0.97), "L898902C3", false),
            0.97
        ));
        assert!(near(
            cost(&slots("L898902C4", 0.4), "L898902C3", false),
            0.4
        ));
        // A missing character costs the constant, an extra one its confidence.
        assert!(near(
            cost(&slots("L89890C3", 0.97), "L898902C3", false),
            MISSING_CHAR_COST
        ));
        assert!(near(
            cost(&slots("L8989022C3", 0.6), "L898902C3", false),
            0.6
        ));
        // Look-alikes are weak.
        let c = cost(&slots("L8989O2C3", 0.97), "L898902C3", false);
        assert!(near(c, 0.97 * CONFUSABLE_FACTOR), "{c}");
    }

    #[test]
    fn candidates_lower_the_cost() {
        let read = ReadChar {
            ch: '4',
            p: 0.55,
            candidates: vec![('4', 0.55), ('3', 0.40), ('9', 0.02)],
        };
        let s = Slot::from_read(&read, '4', 1.0, Some);
        assert!(near(sub_cost(&s, '3'), 0.60));
        // Not a candidate: the mass the OCR gave to neither.
        assert!(near(sub_cost(&s, '7'), 0.97));
        // Garbage probabilities stay in range.
        let bad = ReadChar {
            ch: 'A',
            p: f32::NAN,
            candidates: vec![('B', 7.0)],
        };
        let s = Slot::from_read(&bad, 'A', 1.0, Some);
        assert!((0.0..=1.0).contains(&sub_cost(&s, 'B')));
        assert!((0.0..=1.0).contains(&sub_cost(&s, 'C')));
    }

    #[test]
    fn truncation_drops_the_rest_of_components() {
        // Doc 9303-4 §4.2.3.3 b): components cut.
        let printed = slots("BENNELONG<WOOLOOMOOLOO<WARRANDYTE<WARNAMBOOL", 0.95);
        assert!(near(
            cost(&printed, "BENNELONG<WOOLOOM<WARRAND<WARNAM", true),
            0.0
        ));
        assert!(cost(&printed, "BENNELONG<WOOLOOM<WARRAND<WARNAM", false) > DISAGREE_COST);
        // §4.2.3.3 a): the last component cut to its initial.
        assert!(near(
            cost(&printed, "BENNELONG<WOOLOOMOOLOO<WARRANDYTE<W", true),
            0.0
        ));
        // Truncation never excuses a differing letter.
        assert!(cost(&printed, "BENNELONG<WOOLXOM", true) >= DISAGREE_COST);
    }

    #[test]
    fn confidence_of_differences() {
        assert!(near(difference_confidence(&[]), 0.0));
        assert!(near(difference_confidence(&[0.9]), 0.9));
        assert!(near(difference_confidence(&[0.5, 0.5]), 0.75));
        assert!(near(difference_confidence(&[3.0]), 1.0));
    }
}
