//! Parsing and validation: text in, an [`Mrz`] with every check out.
//!
//! Parsing never fails: a damaged MRZ yields what could be read and the
//! failed checks with their positions.

use crate::charset::{self, FILLER};
use crate::checks::{Category, Check, CheckId, Detail, Span};
use crate::codes::{self, CodeKind};
use crate::date::{Date, DateProblem, DateRole, MrzDate};
use crate::format::{At, Format, Layout, NameLayout, Run};
use crate::text::MrzText;

/// Longest line of any format.
const MAX_LEN: usize = 44;
/// Stand-in for a character outside ASCII, so that columns stay columns.
const NON_ASCII: u8 = b'?';

/// Sex as written in the MRZ (Doc 9303-3; `<` means unspecified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `<`, or `X` as some issuers write it.
    Unspecified,
    /// Anything else.
    Invalid,
}

impl Sex {
    fn from_mrz(c: u8) -> Self {
        match c {
            b'M' => Sex::Male,
            b'F' => Sex::Female,
            b'<' | b'X' => Sex::Unspecified,
            _ => Sex::Invalid,
        }
    }

    /// The MRZ character (`M`, `F`, `<`), `?` for [`Sex::Invalid`].
    #[must_use]
    pub fn as_char(self) -> char {
        match self {
            Sex::Male => 'M',
            Sex::Female => 'F',
            Sex::Unspecified => '<',
            Sex::Invalid => '?',
        }
    }
}

/// The data elements of an MRZ, fillers removed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Fields {
    /// Document code (`P`, `ID`, `V`, `AC`, …).
    pub document_code: MrzText,
    /// Issuing state or organisation (`UTO`, `D`, …).
    pub issuing_state: MrzText,
    /// Primary identifier (surname), components separated by spaces.
    pub primary_identifier: MrzText,
    /// Secondary identifier (given names), components separated by spaces.
    pub secondary_identifier: MrzText,
    /// The name fills its field to the last position, so it may have been
    /// truncated (Doc 9303-5 §4.2.3.3: "it must be assumed").
    pub name_truncated: bool,
    /// Document number, whole (a long TD1/TD2 number includes its
    /// continuation from the optional data).
    pub document_number: MrzText,
    /// Nationality (absent on the French card).
    pub nationality: Option<MrzText>,
    /// Date of birth.
    pub birth_date: MrzDate,
    /// Sex.
    pub sex: Sex,
    /// Date of expiry ("valid until" on visas; absent on the French card).
    pub expiry_date: Option<MrzDate>,
    /// Optional data: the personal number of a TD3, the upper-line optional
    /// data of a TD1 (after a long document number's continuation), the
    /// administrative code of the French card.
    pub optional_data: MrzText,
    /// The TD1 middle line's optional data.
    pub optional_data_2: Option<MrzText>,
}

/// A parsed MRZ with every check that was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mrz {
    /// The format, `None` when the lines fit none.
    pub format: Option<Format>,
    /// The lines as read (surrounding whitespace removed).
    pub lines: Vec<String>,
    /// The fields, read even when checks fail; `None` without a format.
    pub fields: Option<Fields>,
    /// Every check made, passed or failed, in line order.
    pub checks: Vec<Check>,
    /// The date that expiry and century inference were judged against.
    pub reference_date: Date,
}

impl Mrz {
    /// Every structural rule, check digit and value rule (known codes, real
    /// dates, sex) holds. Expiry and specimen status are facts about the
    /// document, reported apart ([`Mrz::is_expired`], [`Mrz::is_specimen`]).
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.format.is_some()
            && self
                .checks
                .iter()
                .all(|c| c.ok || c.id.category() == Category::Status)
    }

    /// Whether the document had expired on the reference date; `None` when
    /// the expiry date is absent or unreadable.
    #[must_use]
    pub fn is_expired(&self) -> Option<bool> {
        self.check(CheckId::Expired).map(|c| !c.ok)
    }

    /// Whether the MRZ is a specimen's (UTO code or a name written SPECIMEN).
    #[must_use]
    pub fn is_specimen(&self) -> bool {
        self.check(CheckId::Specimen).is_some_and(|c| !c.ok)
    }

    /// The first check with this id.
    #[must_use]
    pub fn check(&self, id: CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.ok)
    }
}

/// Parses MRZ text: lines separated by newlines (blank lines and surrounding
/// whitespace ignored), or one run of 90, 88 or 72 characters.
///
/// ```
/// use docscreen_mrz::{parse, Date, Format};
/// let mrz = parse(
///     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
///      L898902C36UTO7408122F1204159ZE184226B<<<<<10",
///     Date::new(2026, 11, 23).unwrap(),
/// );
/// assert_eq!(mrz.format, Some(Format::Td3));
/// assert!(mrz.is_valid());
/// assert!(mrz.is_specimen());
/// assert_eq!(mrz.is_expired(), Some(true));
/// let f = mrz.fields.unwrap();
/// assert_eq!(f.primary_identifier, "ERIKSSON");
/// assert_eq!(f.secondary_identifier, "ANNA MARIA");
/// assert_eq!(f.birth_date.iso(), "1974-08-12");
/// ```
#[must_use]
pub fn parse(text: &str, reference: Date) -> Mrz {
    let mut lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let single;
    if let [one] = lines[..]
        && one.is_ascii()
    {
        let n = match one.len() {
            90 => 30,
            88 => 44,
            72 => 36,
            _ => 0,
        };
        if n > 0 {
            single = [&one[..n], &one[n..2 * n], &one[2 * n..]];
            lines = single.iter().copied().filter(|l| !l.is_empty()).collect();
        }
    }
    parse_lines(&lines, reference)
}

/// Parses MRZ lines (surrounding whitespace of each line ignored).
#[must_use]
pub fn parse_lines<S: AsRef<str>>(lines: &[S], reference: Date) -> Mrz {
    let mut buf = [[FILLER; MAX_LEN]; 3];
    let mut lens = [0usize; 3];
    let owned: Vec<String> = lines.iter().map(|l| l.as_ref().trim().to_owned()).collect();
    for (i, line) in owned.iter().take(3).enumerate() {
        if line.is_ascii() {
            let bytes = line.as_bytes();
            let n = bytes.len().min(MAX_LEN);
            buf[i][..n].copy_from_slice(&bytes[..n]);
            lens[i] = bytes.len();
            continue;
        }
        let mut n = 0;
        for c in line.chars() {
            if n < MAX_LEN {
                buf[i][n] = if c.is_ascii() { c as u8 } else { NON_ASCII };
            }
            n += 1;
        }
        lens[i] = n;
    }
    let Some(format) = detect(&owned, &buf, &lens) else {
        let found = u8::try_from(owned.len()).unwrap_or(u8::MAX);
        return Mrz {
            format: None,
            lines: owned,
            fields: None,
            checks: vec![Check {
                id: CheckId::LineCount,
                ok: false,
                span: None,
                detail: Detail::Count { expected: 0, found },
            }],
            reference_date: reference,
        };
    };
    let (fields, checks) = read(format.layout(), &owned, &buf, &lens, reference);
    Mrz {
        format: Some(format),
        lines: owned,
        fields: Some(fields),
        checks,
        reference_date: reference,
    }
}

/// Decides the format from the line count, lengths and document code.
fn detect(lines: &[String], buf: &[[u8; MAX_LEN]; 3], lens: &[usize; 3]) -> Option<Format> {
    match lines.len() {
        3 => Some(Format::Td1),
        2 => {
            let len = lens[0].max(lens[1]);
            let long = len.abs_diff(44) < len.abs_diff(36);
            let visa = buf[0][0] == b'V';
            Some(match (long, visa) {
                (true, true) => Format::MrvA,
                (true, false) => Format::Td3,
                (false, true) => Format::MrvB,
                (false, false) if buf[0].starts_with(b"IDFRA") => {
                    // The French card and a TD2 share the shape: take the
                    // reading whose check digits hold better, the card on a tie.
                    let score = |f: Format| {
                        read(f.layout(), lines, buf, lens, Date::from_days_since_epoch(0))
                            .1
                            .iter()
                            .filter(|c| !c.ok && c.id.category() == Category::CheckDigit)
                            .count()
                    };
                    if score(Format::Td2) < score(Format::FrenchId) {
                        Format::Td2
                    } else {
                        Format::FrenchId
                    }
                }
                (false, false) => Format::Td2,
            })
        }
        _ => None,
    }
}

fn trim_fillers(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&c| c != FILLER).map_or(0, |p| p + 1);
    &b[..end]
}

/// Position of the first `<<` in `b`.
fn find_double_filler(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"<<")
}

struct Reader<'a> {
    buf: &'a [[u8; MAX_LEN]; 3],
    lines: &'a [String],
    checks: Vec<Check>,
}

impl<'a> Reader<'a> {
    fn run(&self, r: Run) -> &'a [u8] {
        &self.buf[r.line as usize][r.range()]
    }

    fn at(&self, a: At) -> u8 {
        self.buf[a.line as usize][a.col as usize]
    }

    fn push(&mut self, id: CheckId, ok: bool, span: Option<Span>, detail: Detail) {
        self.checks.push(Check {
            id,
            ok,
            span,
            detail,
        });
    }

    /// The original character at a position (for messages).
    fn original(&self, line: usize, col: usize) -> char {
        self.lines
            .get(line)
            .and_then(|l| l.chars().nth(col))
            .unwrap_or('<')
    }

    /// A field must hold only letters (or digits) and fillers; one check per
    /// field, at the first offender. Bytes outside the MRZ set are left to
    /// the charset check.
    fn field_format(&mut self, r: Run, allowed: fn(u8) -> bool) {
        let data = self.run(r);
        if let Some(p) = data
            .iter()
            .position(|&c| charset::is_mrz_char(c) && !allowed(c))
        {
            let c = data[p] as char;
            self.push(
                CheckId::FieldFormat,
                false,
                Some(Span::cols(r.line, r.start as usize, r.len as usize)),
                Detail::Char(c),
            );
        }
    }

    fn check_digit(&mut self, id: CheckId, parts: &[&[u8]], cd: At, span: Span) -> bool {
        let expected = charset::check_digit_of_parts(parts.iter().copied());
        let found = self.at(cd);
        let ok = expected.is_some_and(|e| found == b'0' + e);
        let found = if found == NON_ASCII {
            self.original(cd.line as usize, cd.col as usize)
        } else {
            found as char
        };
        self.push(id, ok, Some(span), Detail::CheckDigit { expected, found });
        ok
    }

    fn code(&mut self, id: CheckId, r: Run) -> (MrzText, Option<CodeKind>) {
        let raw = trim_fillers(self.run(r));
        let text = MrzText::from_ascii(raw);
        let kind = codes::lookup_bytes(raw);
        let mut code = [FILLER; 3];
        for (d, s) in code.iter_mut().zip(self.run(r)) {
            *d = *s;
        }
        self.push(
            id,
            kind.is_some(),
            Some(Span::cols(r.line, r.start as usize, r.len as usize)),
            Detail::Code { code, kind },
        );
        (text, kind)
    }
}

fn is_alpha_or_filler(c: u8) -> bool {
    c.is_ascii_uppercase() || c == FILLER
}

fn is_digit_or_filler(c: u8) -> bool {
    c.is_ascii_digit() || c == FILLER
}

fn read(
    layout: &'static Layout,
    lines: &[String],
    buf: &[[u8; MAX_LEN]; 3],
    lens: &[usize; 3],
    reference: Date,
) -> (Fields, Vec<Check>) {
    let mut r = Reader {
        buf,
        lines,
        checks: Vec::with_capacity(24),
    };
    let len = layout.len as usize;

    // Structure: line count, lengths, character set (Doc 9303-3 §4.3).
    if lines.len() != layout.lines as usize {
        r.push(
            CheckId::LineCount,
            false,
            None,
            Detail::Count {
                expected: layout.lines,
                found: lines.len() as u8,
            },
        );
    }
    for (i, &n) in lens.iter().enumerate().take(layout.lines as usize) {
        if n != len {
            let found = u8::try_from(n).unwrap_or(u8::MAX);
            r.push(
                CheckId::LineLength,
                false,
                Some(Span::cols(i as u8, n.min(len), len.abs_diff(n))),
                Detail::Count {
                    expected: layout.len,
                    found,
                },
            );
        }
        let line = &buf[i][..len];
        let mut col = 0;
        while col < len.min(n) {
            if charset::is_mrz_char(line[col]) {
                col += 1;
                continue;
            }
            let start = col;
            while col < len.min(n) && !charset::is_mrz_char(line[col]) {
                col += 1;
            }
            let c = r.original(i, start);
            r.push(
                CheckId::Charset,
                false,
                Some(Span::cols(i as u8, start, col - start)),
                Detail::Char(c),
            );
        }
    }

    // Document code (Doc 9303-4 §4.2.2.1, -5 note k, -6 note k, -7). Issued
    // practice is wider than the letter of 9303 in two places that genuine
    // documents show, and both are accepted: ID documents in the TD3 shape
    // (A, C, I) and passports in the TD2 shape (Germany's temporary passport).
    let code = r.run(layout.document_code);
    let second_ok = is_alpha_or_filler(code[1]);
    let code_ok = match layout.format {
        Format::Td3 => matches!(code[0], b'P' | b'A' | b'C' | b'I') && second_ok,
        Format::MrvA | Format::MrvB => code[0] == b'V' && second_ok,
        Format::Td2 => matches!(code[0], b'A' | b'C' | b'I' | b'P') && second_ok && code[1] != b'V',
        Format::Td1 => {
            matches!(code[0], b'A' | b'C' | b'I')
                && second_ok
                && code[1] != b'V'
                && !(code[0] == b'A' && code[1] == b'I')
        }
        Format::FrenchId => code == b"ID",
    };
    let dc = layout.document_code;
    r.push(
        CheckId::DocumentCode,
        code_ok,
        Some(Span::cols(dc.line, dc.start as usize, 2)),
        Detail::None,
    );
    let document_code = MrzText::from_ascii(trim_fillers(code));

    // Issuing state.
    r.field_format(layout.issuing_state, is_alpha_or_filler);
    let (issuing_state, issuing_kind) = r.code(CheckId::IssuingState, layout.issuing_state);

    // Name (Doc 9303-3 §4.6).
    let (primary, secondary, truncated) = match layout.name {
        NameLayout::Icao(run) => {
            r.field_format(run, is_alpha_or_filler);
            let name = read_icao_name(r.run(run));
            if !name.fillers_ok {
                r.push(
                    CheckId::Filler,
                    false,
                    Some(Span::cols(run.line, run.start as usize, run.len as usize)),
                    Detail::None,
                );
            }
            (name.primary, name.secondary, name.truncated)
        }
        NameLayout::French { surname, given } => {
            r.field_format(surname, is_alpha_or_filler);
            r.field_format(given, is_alpha_or_filler);
            let s = r.run(surname);
            let g = r.run(given);
            let truncated = s.last() != Some(&FILLER) || g.last() != Some(&FILLER);
            // Given names are separated by `<<` on the card; single fillers join
            // the parts of a compound name.
            let mut given_text = MrzText::new();
            let mut rest = trim_fillers(g);
            while !rest.is_empty() {
                let (name, next) = match find_double_filler(rest) {
                    Some(p) => (&rest[..p], &rest[p + 2..]),
                    None => (rest, &[][..]),
                };
                if !name.is_empty() {
                    if !given_text.is_empty() {
                        given_text.push(b' ');
                    }
                    for &c in name {
                        given_text.push(if c == FILLER { b'-' } else { c });
                    }
                }
                rest = next;
            }
            (components(trim_fillers(s)), given_text, truncated)
        }
    };

    // Document number and its check digit.
    let dn = layout.document_number;
    let dn_data = r.run(dn);
    let cd_at = layout.document_number_cd;
    let mut document_number = MrzText::from_ascii(trim_fillers(dn_data));
    let mut optional_skip = 0usize; // characters of the optional data used by a long number
    let long = layout.long_document_number
        && r.at(cd_at) == FILLER
        && layout.optional.is_some_and(|o| {
            r.at(At {
                line: o.line,
                col: o.start,
            }) != FILLER
        });
    if long {
        // Doc 9303-5 §4.2.4: 9 principal characters, '<' instead of the check
        // digit, the rest at the start of the optional data, then the check
        // digit, then a filler.
        let opt = layout.optional.unwrap_or(dn);
        let data = r.run(opt);
        let run_len = data.iter().position(|&c| c == FILLER).unwrap_or(data.len());
        let rest = &data[..run_len.saturating_sub(1)];
        let cd = At {
            line: opt.line,
            col: opt.start + run_len.saturating_sub(1) as u8,
        };
        document_number.extend_ascii(rest);
        let span = Span::cols(dn.line, dn.start as usize, (cd.col - dn.start) as usize + 1);
        let ok = r.check_digit(
            CheckId::DocumentNumberCheckDigit,
            &[dn_data, rest],
            cd,
            span,
        );
        if let Some(last) = r.checks.last_mut() {
            if ok {
                last.detail = Detail::LongDocumentNumber;
            } else {
                // Some issuers (Belgian identity cards) compute the digit with
                // the filler of position 15 included; 9303-5 §4.2.4 excludes it.
                // A known deviation, accepted and named (Doc 9303-3 §7).
                let with_filler = &r.buf[dn.line as usize][dn.start as usize..cd.col as usize];
                if charset::check_digit(with_filler)
                    .is_some_and(|e| r.buf[cd.line as usize][cd.col as usize] == b'0' + e)
                {
                    last.ok = true;
                    last.detail = Detail::LongDocumentNumberDeviation;
                }
            }
        }
        optional_skip = run_len + 1;
    } else {
        let span = Span::cols(dn.line, dn.start as usize, dn.len as usize + 1);
        r.check_digit(CheckId::DocumentNumberCheckDigit, &[dn_data], cd_at, span);
    }

    // Nationality.
    let nationality = layout.nationality.map(|run| {
        r.field_format(run, is_alpha_or_filler);
        r.code(CheckId::Nationality, run)
    });

    // Date of birth: fillers allowed for unknown parts (Doc 9303-3 §4.8).
    let bd = layout.birth_date;
    r.field_format(bd, is_digit_or_filler);
    let birth_date = MrzDate::from_mrz(r.run(bd), DateRole::Past, reference);
    let bd_span = Span::cols(bd.line, bd.start as usize, bd.len as usize + 1);
    r.check_digit(
        CheckId::BirthDateCheckDigit,
        &[r.run(bd)],
        layout.birth_date_cd,
        bd_span,
    );
    push_date_problem(&mut r, CheckId::BirthDate, &birth_date, true, bd);

    // Sex.
    let sex_c = r.at(layout.sex);
    let sex = Sex::from_mrz(sex_c);
    let sex_span = Span::cols(layout.sex.line, layout.sex.col as usize, 1);
    let sex_char = if sex_c == NON_ASCII {
        r.original(layout.sex.line as usize, layout.sex.col as usize)
    } else {
        sex_c as char
    };
    r.push(
        CheckId::Sex,
        sex != Sex::Invalid,
        Some(sex_span),
        Detail::Char(sex_char),
    );

    // Date of expiry.
    let expiry_date = layout.expiry_date.map(|(run, cd)| {
        r.field_format(run, |c| c.is_ascii_digit());
        let d = MrzDate::from_mrz(r.run(run), DateRole::Expiry, reference);
        let span = Span::cols(run.line, run.start as usize, run.len as usize + 1);
        r.check_digit(CheckId::ExpiryDateCheckDigit, &[r.run(run)], cd, span);
        push_date_problem(&mut r, CheckId::ExpiryDate, &d, false, run);
        (d, run)
    });

    // Optional data and its check digit (TD3 personal number: Doc 9303-4
    // §4.2.2.2 allows '<' or '0' as the check digit of an empty field).
    let mut optional_data = MrzText::new();
    if let Some(opt) = layout.optional {
        let data = r.run(opt);
        optional_data = MrzText::from_ascii(trim_fillers(&data[optional_skip.min(data.len())..]));
        if let Some(cd) = layout.optional_cd {
            let span = Span::cols(opt.line, opt.start as usize, opt.len as usize + 1);
            if data.iter().all(|&c| c == FILLER) && r.at(cd) == FILLER {
                r.push(
                    CheckId::OptionalDataCheckDigit,
                    true,
                    Some(span),
                    Detail::EmptyField,
                );
            } else {
                r.check_digit(CheckId::OptionalDataCheckDigit, &[data], cd, span);
            }
        }
    }
    let optional_data_2 = layout
        .optional_2
        .map(|o| MrzText::from_ascii(trim_fillers(r.run(o))));

    // Composite check digit.
    if let Some((cd, runs)) = layout.composite {
        let mut parts: [&[u8]; 4] = [&[]; 4];
        for (p, &run) in parts.iter_mut().zip(runs) {
            *p = r.run(run);
        }
        let span = Span::cols(cd.line, cd.col as usize, 1);
        r.check_digit(CheckId::CompositeCheckDigit, &parts[..runs.len()], cd, span);
    }

    // Dates against each other and against the reference date.
    if let Some((expiry, run)) = &expiry_date
        && let Some(exp) = expiry.date()
    {
        let span = Some(Span::cols(run.line, run.start as usize, run.len as usize));
        if let Some(birth) = birth_date.date() {
            let ok = exp >= birth;
            r.push(CheckId::DateOrder, ok, span, Detail::None);
        }
        r.push(CheckId::Expired, exp >= reference, span, Detail::None);
    }

    // Specimen: ICAO's Utopia, or a name written SPECIMEN.
    let specimen = issuing_kind == Some(CodeKind::Specimen)
        || nationality
            .as_ref()
            .is_some_and(|(_, k)| *k == Some(CodeKind::Specimen))
        || primary
            .split(' ')
            .chain(secondary.split(' '))
            .any(|w| w == "SPECIMEN");
    r.push(CheckId::Specimen, !specimen, None, Detail::None);

    let checks = r.checks;
    let fields = Fields {
        document_code,
        issuing_state,
        primary_identifier: primary,
        secondary_identifier: secondary,
        name_truncated: truncated,
        document_number,
        nationality: nationality.map(|(n, _)| n),
        birth_date,
        sex,
        expiry_date: expiry_date.map(|(d, _)| d),
        optional_data,
        optional_data_2,
    };
    (fields, checks)
}

fn push_date_problem(r: &mut Reader<'_>, id: CheckId, d: &MrzDate, allow_unknown: bool, run: Run) {
    let span = Some(Span::cols(run.line, run.start as usize, run.len as usize));
    match d.problem(allow_unknown) {
        // Non-digits are a structure fault, already reported as field format.
        Some(DateProblem::NotDigits) => {}
        Some(p) => r.push(id, false, span, Detail::Date(p)),
        None => r.push(id, true, span, Detail::None),
    }
}

struct Name {
    primary: MrzText,
    secondary: MrzText,
    truncated: bool,
    fillers_ok: bool,
}

/// Name components joined by spaces.
fn components(s: &[u8]) -> MrzText {
    let mut out = MrzText::new();
    for part in s.split(|&c| c == FILLER).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend_ascii(part);
    }
    out
}

/// Splits an ICAO name field at the first `<<` (Doc 9303-3 §4.6).
fn read_icao_name(field: &[u8]) -> Name {
    let text = trim_fillers(field);
    let (primary, secondary) = match find_double_filler(text) {
        Some(p) => (&text[..p], &text[p + 2..]),
        None => (text, &[][..]),
    };
    // Fillers are well placed when no run of three or more fillers, which can
    // only be padding, is followed by more name, and the field does not start
    // with a single filler. An empty primary identifier (`<<GIVEN`) is issued
    // for persons with a single name (e.g. Indian passports) and accepted.
    let rest = text.strip_prefix(b"<<").unwrap_or(text);
    let fillers_ok = rest.first() != Some(&FILLER) && !text.windows(3).any(|w| w == b"<<<");
    Name {
        primary: components(primary),
        secondary: components(secondary),
        truncated: field.last().is_some_and(|&c| c != FILLER),
        fillers_ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> Date {
        Date::new(2026, 11, 23).expect("date")
    }

    fn failed(lines: &[&str]) -> Vec<&'static str> {
        let mrz = parse_lines(lines, reference());
        mrz.failures()
            .filter(|c| c.id.category() != Category::Status)
            .map(|c| c.id.as_str())
            .collect()
    }

    #[test]
    fn icao_specimens_are_valid() {
        // Doc 9303-4 Appendix A (TD3), -5 (TD1), -6 (TD2), -7 (MRV-A, MRV-B).
        let cases: [(&[&str], Format); 5] = [
            (
                &[
                    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
                ],
                Format::Td3,
            ),
            (
                &[
                    "I<UTOD231458907<<<<<<<<<<<<<<<",
                    "7408122F1204159UTO<<<<<<<<<<<6",
                    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
                ],
                Format::Td1,
            ),
            (
                &[
                    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                    "D231458907UTO7408122F1204159<<<<<<<6",
                ],
                Format::Td2,
            ),
            (
                &[
                    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
                ],
                Format::MrvA,
            ),
            (
                &[
                    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                    "L8988901C4XXX4009078F9612109<<<<<<<<",
                ],
                Format::MrvB,
            ),
        ];
        for (lines, format) in cases {
            let mrz = parse_lines(lines, reference());
            assert_eq!(mrz.format, Some(format));
            assert!(
                mrz.is_valid(),
                "{format}: {:?}",
                mrz.failures().collect::<Vec<_>>()
            );
            assert!(mrz.is_specimen(), "{format}");
            let f = mrz.fields.expect("fields");
            assert_eq!(f.primary_identifier, "ERIKSSON");
            assert_eq!(f.secondary_identifier, "ANNA MARIA");
            assert_eq!(f.sex, Sex::Female);
        }
    }

    #[test]
    fn wrong_check_digit_is_located() {
        let mrz = parse_lines(
            &[
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408123F1204159ZE184226B<<<<<10",
            ],
            reference(),
        );
        assert!(!mrz.is_valid());
        let fails: Vec<_> = mrz
            .failures()
            .filter(|c| c.id.category() == Category::CheckDigit)
            .collect();
        assert_eq!(fails.len(), 2, "{fails:?}");
        assert_eq!(fails[0].id, CheckId::BirthDateCheckDigit);
        assert_eq!(
            fails[0].span,
            Some(Span {
                line: 2,
                start: 14,
                end: 20
            })
        );
        assert_eq!(
            fails[0].detail,
            Detail::CheckDigit {
                expected: Some(2),
                found: '3'
            }
        );
        assert_eq!(fails[1].id, CheckId::CompositeCheckDigit);
        assert_eq!(
            fails[1].span,
            Some(Span {
                line: 2,
                start: 44,
                end: 44
            })
        );
    }

    #[test]
    fn td1_long_document_number() {
        // Doc 9303-5 §4.2.2 note j: D23145890734, check digit 9.
        let lines = [
            "I<UTOD23145890<7349<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ];
        let mrz = parse_lines(&lines, reference());
        let f = mrz.fields.as_ref().expect("fields");
        assert_eq!(f.document_number, "D23145890734");
        let c = mrz.check(CheckId::DocumentNumberCheckDigit).expect("check");
        assert!(c.ok, "{c:?}");
        assert_eq!(c.detail, Detail::LongDocumentNumber);
        assert_eq!(f.optional_data, "");
    }

    #[test]
    fn empty_personal_number_check_digit_may_be_filler_or_zero() {
        let base = "L898902C36UTO7408122F1204159";
        for (tail, ok) in [
            ("<<<<<<<<<<<<<<<", true),
            ("<<<<<<<<<<<<<<0", true),
            ("<<<<<<<<<<<<<<1", false),
        ] {
            let l2 = format!("{base}{tail}");
            let composite = charset::check_digit_of_parts([
                &l2.as_bytes()[0..10],
                &l2.as_bytes()[13..20],
                &l2.as_bytes()[21..43],
            ])
            .expect("cd");
            let l2 = format!("{l2}{composite}");
            let mrz = parse_lines(
                &["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", l2.as_str()],
                reference(),
            );
            assert_eq!(
                mrz.check(CheckId::OptionalDataCheckDigit).map(|c| c.ok),
                Some(ok),
                "{l2}"
            );
        }
    }

    #[test]
    fn structure_failures() {
        assert_eq!(failed(&["P<UTO"]), ["structure.line_count"]);
        assert!(
            failed(&[
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
            ])
            .contains(&"structure.line_length")
        );
        let f = failed(&[
            "P<UTOERIKSSON<<ANNA<MARiA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ]);
        assert_eq!(f, ["structure.charset"]);
        let f = failed(&[
            "P<UTOERIKSSON<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ]);
        assert_eq!(f, ["structure.field_format"]);
        let f = failed(&[
            "P<UTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<MARIA",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ]);
        assert_eq!(f, ["structure.filler"]);
        let f = failed(&[
            "X<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ]);
        assert_eq!(f, ["structure.document_code"]);
    }

    #[test]
    fn non_ascii_keeps_columns() {
        let mrz = parse_lines(
            &[
                "P<UTOERIKSSÖN<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
            ],
            reference(),
        );
        let c = mrz.failures().next().expect("a failure");
        assert_eq!(c.id, CheckId::Charset);
        assert_eq!(
            c.span,
            Some(Span {
                line: 1,
                start: 12,
                end: 12
            })
        );
        assert_eq!(c.detail, Detail::Char('Ö'));
    }

    #[test]
    fn single_run_is_split() {
        let mrz = parse(
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10",
            reference(),
        );
        assert!(mrz.is_valid());
        assert_eq!(mrz.lines.len(), 2);
    }

    #[test]
    fn french_id_card() {
        let mrz = parse_lines(
            &[
                "IDFRATEST<NAME<<<<<<<<<<<<<<<<0CHE02",
                "1710GVA123451ROBERTA<<<<<<<9112311F2",
            ],
            reference(),
        );
        assert_eq!(mrz.format, Some(Format::FrenchId));
        assert!(mrz.is_valid(), "{:?}", mrz.failures().collect::<Vec<_>>());
        let f = mrz.fields.expect("fields");
        assert_eq!(f.primary_identifier, "TEST NAME");
        assert_eq!(f.secondary_identifier, "ROBERTA");
        assert_eq!(f.document_number, "1710GVA12345");
        assert_eq!(f.optional_data, "0CHE02");
        assert_eq!(f.nationality, None);
        assert_eq!(f.birth_date.iso(), "1991-12-31");
    }
}
