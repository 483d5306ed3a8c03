//! The printed data (VIZ): every `text` zone of the identified model is cut
//! out of the aligned scan and read by the VIZ recogniser, then compared
//! with the MRZ field by field (`viz.mrz_agreement`; ICAO Doc 9303-3 §4 and
//! BSI TR-03135-1 make the MRZ/VIZ comparison a core check: an MRZ
//! re-created with valid check digits, or a printed value altered, no longer
//! agrees with the other zone) and checked for internal consistency
//! (`viz.consistency`: impossible or out-of-order dates, values that are no
//! date or no sex, print with no place in its field), which is all a civil
//! document without an MRZ offers.

use std::collections::BTreeMap;

use docscreen_mrz::{CheckId, Date, Format};
use docscreen_ocr::{LineCrop, LineReading, MrzReading, Recogniser, crop_zone};
use docscreen_vision::Homography;
use docscreen_vision::align::Pyramid;
use docscreen_viz::{
    Agreement, FieldComparison, FieldKind, ReadChar, compare_field, field_kind, foreign_print,
    parse_printed_date,
};
use serde::{Deserialize, Serialize};

use crate::mrz_checks::span_quad;
use crate::report::{CheckResult, Region, Status};
use crate::template_checks::{finding, mm_quad};
use crate::templates::{Template, ZoneKind};

/// The ids of the printed-data checks, in report order.
pub const VIZ_CHECK_IDS: [&str; 2] = ["viz.mrz_agreement", "viz.consistency"];

/// One printed field as read (`document.fields` of the report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintedField {
    /// The text read (capitals: lower-case print is read as upper case).
    pub value: String,
    /// Mean probability of the characters read, 0..1.
    pub confidence: f32,
    /// Where the text was read, input pixels.
    pub quad_px: [[f32; 2]; 4],
    /// The MRZ's value of the same field, normalised as it was compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrz: Option<String>,
    /// `agree`, `disagree`, `unreadable` or `not_in_mrz`; absent without
    /// an MRZ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<String>,
}

/// What the printed-data stage produced.
#[derive(Debug, Default)]
pub(crate) struct VizOutcome {
    pub checks: Vec<CheckResult>,
    pub fields: BTreeMap<String, PrintedField>,
}

/// One zone's reading: its name, the characters, where it was read.
type Read<'a> = (&'a str, Vec<ReadChar>, [[f32; 2]; 4]);

fn not_performed_all(reason: &str) -> Vec<CheckResult> {
    VIZ_CHECK_IDS
        .iter()
        .map(|id| CheckResult::not_performed(id, reason))
        .collect()
}

/// The score of one disagreeing field, from how sure the comparison is
/// that a differing character was read right (`c`, 0..1): its evidence
/// `e = −log₁₀(1 − c)` is mapped linearly from 0 at [`EVIDENCE_NONE`] to
/// [`DISAGREE_SURE`] at [`EVIDENCE_FULL`]. On generated scans a genuine
/// document's misread character comes with c ≈ 0.96-0.98 (e ≈ 1.4-1.8:
/// the MRZ's character is among the runner-up candidates), a forger's
/// cleanly printed difference with c ≥ 0.995 (e ≥ 2.3).
const DISAGREE_SURE: f32 = 0.98;
const EVIDENCE_NONE: f32 = 1.0;
const EVIDENCE_FULL: f32 = 2.3;

pub(crate) fn disagreement_score(c: f32) -> f32 {
    let e = -(1.0 - c.clamp(0.0, 1.0)).max(1e-6).log10();
    DISAGREE_SURE * ((e - EVIDENCE_NONE) / (EVIDENCE_FULL - EVIDENCE_NONE)).clamp(0.05, 1.0)
}
/// Each consistency problem weighs this much (advisory: one alone does
/// not reach `review`; misread digits can also put dates out of order).
const PROBLEM_SCORE: f32 = 0.35;
/// A field read with a mean character probability under this is not
/// evidence of anything (it is reported, and compared, as unreadable).
const CONFIDENT_READ: f32 = 0.9;

/// Reads the printed fields of the identified model and checks them.
pub(crate) fn viz_checks(
    aligned: Option<&(&Template, Homography, Pyramid)>,
    reading: Option<&MrzReading>,
    recogniser: &Recogniser,
    today: Date,
) -> VizOutcome {
    let Some((t, mm_to_img, pyramid)) = aligned else {
        return VizOutcome {
            checks: not_performed_all(
                "printed fields are read in the zones of an identified document model, and none was identified",
            ),
            fields: BTreeMap::new(),
        };
    };
    let statics: Vec<[f64; 4]> = t
        .spec
        .zones
        .iter()
        .filter(|z| z.kind == ZoneKind::Static)
        .map(|z| z.rect_mm)
        .collect();
    let mut names: Vec<&str> = Vec::new();
    let mut crops: Vec<LineCrop> = Vec::new();
    let mut quads: Vec<[[f32; 2]; 4]> = Vec::new();
    for z in t.spec.zones.iter().filter(|z| z.kind == ZoneKind::Text) {
        if let Some((crop, band)) =
            crop_zone(pyramid, mm_to_img, z.rect_mm, t.spec.size_mm, &statics)
        {
            quads.push(mm_quad(
                mm_to_img,
                [band.x[0], band.y[0], band.x[1] - band.x[0], band.height()],
            ));
            names.push(&z.name);
            crops.push(crop);
        }
    }
    if crops.is_empty() {
        return VizOutcome {
            checks: not_performed_all("no printed text was found in the model's text zones"),
            fields: BTreeMap::new(),
        };
    }
    let lines = match recogniser.read(&crops) {
        Ok(l) => l,
        Err(e) => {
            return VizOutcome {
                checks: VIZ_CHECK_IDS
                    .iter()
                    .map(|id| {
                        CheckResult::new(
                            id,
                            Status::Error,
                            0.0,
                            format!("the printed-data recogniser failed: {e}"),
                        )
                    })
                    .collect(),
                fields: BTreeMap::new(),
            };
        }
    };
    let mut fields = BTreeMap::new();
    let mut read: Vec<Read<'_>> = Vec::new();
    for ((name, line), quad) in names.iter().zip(&lines).zip(&quads) {
        let chars = viz_chars(line);
        let confidence = mean_confidence(&chars);
        fields.insert(
            (*name).to_owned(),
            PrintedField {
                value: line.text(),
                confidence,
                quad_px: *quad,
                mrz: None,
                agreement: None,
            },
        );
        read.push((name, chars, *quad));
    }
    let agreement = mrz_agreement(&read, reading, t, &mut fields);
    let consistency = consistency(&read, &fields, today);
    VizOutcome {
        checks: vec![agreement, consistency],
        fields,
    }
}

/// A line the VIZ recogniser read, as the comparison's characters.
pub(crate) fn viz_chars(line: &LineReading) -> Vec<ReadChar> {
    line.chars
        .iter()
        .map(|c| ReadChar {
            ch: c.ch,
            p: c.p,
            candidates: c.candidates.clone(),
        })
        .collect()
}

/// Mean probability of the characters read, 0 for none.
pub(crate) fn mean_confidence(chars: &[ReadChar]) -> f32 {
    if chars.is_empty() {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)] // short lines
    let n = chars.len() as f32;
    chars.iter().map(|c| c.p).sum::<f32>() / n
}

fn agreement_name(a: Agreement) -> &'static str {
    match a {
        Agreement::Agree => "agree",
        Agreement::Disagree => "disagree",
        Agreement::Unreadable => "unreadable",
        Agreement::NotInMrz => "not_in_mrz",
    }
}

/// The words an officer reads for a field.
pub(crate) fn field_words(zone: &str) -> String {
    match field_kind(zone) {
        FieldKind::Surname => "surname".into(),
        FieldKind::GivenNames => "given names".into(),
        FieldKind::NameLine => "name".into(),
        FieldKind::DocNumber => "document number".into(),
        FieldKind::Nationality => "nationality".into(),
        FieldKind::IssuingState => "issuing state".into(),
        FieldKind::BirthDate => "date of birth".into(),
        FieldKind::Sex => "sex".into(),
        FieldKind::ExpiryDate => "date of expiry".into(),
        FieldKind::DocType => "document type".into(),
        FieldKind::Date | FieldKind::Other => zone.replace('_', " "),
    }
}

/// Where the MRZ holds the counterpart of a printed field: the span of the
/// check (digit) that covers it, or the line of the names.
pub(crate) fn mrz_region(zone: &str, r: &MrzReading) -> Option<[[f32; 2]; 4]> {
    let id = match field_kind(zone) {
        FieldKind::DocNumber => CheckId::DocumentNumberCheckDigit,
        FieldKind::BirthDate => CheckId::BirthDateCheckDigit,
        FieldKind::ExpiryDate => CheckId::ExpiryDateCheckDigit,
        FieldKind::Nationality => CheckId::Nationality,
        FieldKind::IssuingState => CheckId::IssuingState,
        FieldKind::Sex => CheckId::Sex,
        FieldKind::Surname | FieldKind::GivenNames | FieldKind::NameLine => {
            // Doc 9303-5 §4.2.2 (TD1: names on line 3), 9303-4/7 (line 1),
            // the French card (surname line 1, given names line 2).
            let line = match (r.mrz.format, field_kind(zone)) {
                (Some(Format::Td1), _) => 3,
                (Some(Format::FrenchId), FieldKind::GivenNames) => 2,
                _ => 1,
            };
            return r.line_quads.get(line - 1).copied();
        }
        _ => return None,
    };
    let span = r.mrz.check(id)?.span?;
    span_quad(r, span.line, span.start, span.end)
}

/// A reading of a number or name two or more characters shorter than its
/// MRZ value: part of the print was not read (a crop cut short, a smudge),
/// which a forger's substitution does not produce.
fn partial_read(c: &FieldComparison) -> bool {
    let Some(mrz) = &c.mrz else {
        return false;
    };
    let (n, m) = (c.printed_normalised.chars().count(), mrz.chars().count());
    matches!(
        field_kind(&c.field),
        FieldKind::DocNumber | FieldKind::Surname | FieldKind::GivenNames | FieldKind::NameLine
    ) && n + 2 <= m
}

fn mrz_agreement(
    read: &[Read<'_>],
    reading: Option<&MrzReading>,
    t: &Template,
    fields: &mut BTreeMap<String, PrintedField>,
) -> CheckResult {
    const ID: &str = "viz.mrz_agreement";
    if t.spec.mrz_format.is_none() {
        return CheckResult::not_performed(ID, "this document model has no MRZ");
    }
    let Some((r, mrz)) = reading.and_then(|r| r.mrz.fields.as_ref().map(|f| (r, f))) else {
        return CheckResult::not_performed(ID, "no MRZ was read to compare the printed data with");
    };
    let compared: Vec<(FieldComparison, [[f32; 2]; 4])> = read
        .iter()
        .map(|(zone, chars, quad)| {
            let mut c = compare_field(zone, chars, mrz);
            // A difference in a field the recogniser was unsure of is a
            // misreading as often as a forgery: not evidence.
            if c.agreement == Agreement::Disagree
                && (fields
                    .get(*zone)
                    .is_none_or(|f| f.confidence < CONFIDENT_READ)
                    || partial_read(&c))
            {
                c.agreement = Agreement::Unreadable;
            }
            (c, *quad)
        })
        .collect();
    for (c, _) in &compared {
        if let Some(f) = fields.get_mut(&c.field) {
            f.mrz.clone_from(&c.mrz);
            f.agreement = Some(agreement_name(c.agreement).to_owned());
        }
    }
    let count = |a: Agreement| compared.iter().filter(|(c, _)| c.agreement == a).count();
    let (agree, unreadable) = (count(Agreement::Agree), count(Agreement::Unreadable));
    let disagreements: Vec<&(FieldComparison, [[f32; 2]; 4])> = compared
        .iter()
        .filter(|(c, _)| c.agreement == Agreement::Disagree)
        .collect();
    if disagreements.is_empty() {
        if agree == 0 {
            return CheckResult::not_performed(
                ID,
                format!(
                    "no printed field could be compared with the MRZ ({unreadable} unreadable)"
                ),
            );
        }
        return CheckResult::pass(
            ID,
            format!(
                "{agree} printed field{} agree{} with the MRZ{}",
                if agree == 1 { "" } else { "s" },
                if agree == 1 { "s" } else { "" },
                if unreadable > 0 {
                    format!(" ({unreadable} could not be read well enough to compare)")
                } else {
                    String::new()
                }
            ),
        );
    }
    let mut keep = 1.0f32;
    let mut regions = Vec::new();
    let mut what = Vec::new();
    for (c, quad) in &disagreements {
        keep *= 1.0 - disagreement_score(c.confidence);
        let words = field_words(&c.field);
        regions.push(Region {
            label: format!("printed {words}"),
            quad_px: *quad,
        });
        if let Some(q) = mrz_region(&c.field, r) {
            regions.push(Region {
                label: format!("MRZ {words}"),
                quad_px: q,
            });
        }
        what.push(format!(
            "the printed {words} \"{}\" does not match the MRZ \"{}\"",
            c.printed,
            c.mrz.as_deref().unwrap_or("")
        ));
    }
    finding(
        ID,
        1.0 - keep,
        format!(
            "{}: the MRZ may have been re-created or the printed data altered ({agree} other field{} agree)",
            capitalise(&what.join("; ")),
            if agree == 1 { "" } else { "s" }
        ),
    )
    .with_regions(regions)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn consistency(
    read: &[Read<'_>],
    fields: &BTreeMap<String, PrintedField>,
    today: Date,
) -> CheckResult {
    const ID: &str = "viz.consistency";
    // Only dates read with confidence and that parse: a date the
    // recogniser could not make out is no evidence of an impossible one.
    let values: Vec<(String, String)> = read
        .iter()
        .filter(|(name, ..)| {
            matches!(
                field_kind(name),
                FieldKind::BirthDate | FieldKind::ExpiryDate | FieldKind::Date
            ) && fields
                .get(*name)
                .is_some_and(|f| f.confidence >= CONFIDENT_READ)
        })
        .map(|(name, chars, _)| {
            (
                (*name).to_owned(),
                chars.iter().map(|c| c.ch).collect::<String>(),
            )
        })
        .filter(|(_, v)| parse_printed_date(v).is_some_and(|d| d.is_complete()))
        .collect();
    let dated = values.len();
    // Print with no place in its field (letters in a date, figures in a
    // state code) needs no parsable date.
    let owned: Vec<(String, Vec<ReadChar>)> = read
        .iter()
        .map(|(name, chars, _)| ((*name).to_owned(), chars.clone()))
        .collect();
    // Foreign print weighs as much as an MRZ disagreement read with the
    // same confidence; the calendar problems are advisory.
    let mut problems: Vec<(docscreen_viz::Problem, f32)> = foreign_print(&owned)
        .into_iter()
        .map(|(p, c)| (p, disagreement_score(c)))
        .collect();
    if dated == 0 && problems.is_empty() {
        return CheckResult::not_performed(ID, "no printed date was read with confidence");
    }
    problems.extend(
        docscreen_viz::consistency(&values, today)
            .into_iter()
            .map(|p| (p, PROBLEM_SCORE)),
    );
    if problems.is_empty() {
        return CheckResult::pass(
            ID,
            format!("{dated} printed dates are plausible and in order"),
        );
    }
    let mut keep = 1.0f32;
    let mut regions = Vec::new();
    for (p, score) in &problems {
        keep *= 1.0 - score;
        for f in &p.fields {
            if let Some(pf) = fields.get(f) {
                regions.push(Region {
                    label: format!("printed {}", field_words(f)),
                    quad_px: pf.quad_px,
                });
            }
        }
    }
    finding(
        ID,
        1.0 - keep,
        capitalise(
            &problems
                .iter()
                .map(|(p, _)| p.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
        ),
    )
    .with_regions(regions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disagreement_scores_grow_with_the_evidence() {
        let misread = disagreement_score(0.97);
        let forged = disagreement_score(0.999);
        assert!(
            misread < 0.5,
            "a runner-up misreading stays below review: {misread}"
        );
        assert!(forged >= 0.9, "a clean difference fails: {forged}");
        assert!(
            disagreement_score(0.5) > 0.0,
            "never zero: the field still disagrees"
        );
        let mut last = 0.0;
        for k in 0..=100u8 {
            let s = disagreement_score(f32::from(k) / 100.0);
            assert!(s >= last && s <= DISAGREE_SURE);
            last = s;
        }
    }

    #[test]
    fn field_words_name_the_contract_fields() {
        assert_eq!(field_words("dob"), "date of birth");
        assert_eq!(field_words("valid_until"), "date of expiry");
        assert_eq!(field_words("place_of_birth"), "place of birth");
    }
}
