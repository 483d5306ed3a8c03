//! Rendering a document model, blank or with a holder's data, at a given
//! resolution.

use std::collections::BTreeMap;

use docscreen_mrz::{Format, MrzInput, format_mrz};
use image::{Rgb, RgbImage};
use rand::{RngExt, SeedableRng};

use crate::SynthRng;
use crate::model::{DocModel, FieldSpec, MRZ_CHAR_MM, MRZ_PITCH_MM, MmRect};
use crate::person::Person;
use crate::security::{self, Rect};
use crate::text::{self, Fonts};

/// The render resolution of documents and templates.
pub const DPI: f32 = 300.0;

/// What to print on a model.
#[derive(Debug, Clone, Default)]
pub struct Content {
    /// The printed values per field name; empty for a blank specimen.
    pub printed: BTreeMap<&'static str, String>,
    /// The MRZ lines, when printed.
    pub mrz: Option<Vec<String>>,
    /// The holder's photo (absent on a blank specimen).
    pub photo: Option<RgbImage>,
    /// Seed of the per-copy variations (signature strokes).
    pub copy_seed: u64,
}

/// A rendered document and where its variable parts landed (mm).
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The page.
    pub image: RgbImage,
    /// Pixels per millimetre.
    pub px_per_mm: f32,
    /// Ink box of each printed value, mm.
    pub values: BTreeMap<&'static str, MmRect>,
    /// Ink box of each MRZ line, mm.
    pub mrz_lines: Vec<MmRect>,
}

/// A model's own random generator, for what is printed identically on every
/// copy (emblem, seal).
pub(crate) fn model_rng(model: &DocModel, salt: u64) -> SynthRng {
    let h = model
        .id
        .bytes()
        .fold(0x9e37_79b9_7f4a_7c15_u64 ^ salt, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    SynthRng::seed_from_u64(h)
}

/// The values a model prints for `person`.
#[must_use]
pub fn printed_values(model: &DocModel, person: &Person) -> BTreeMap<&'static str, String> {
    let s = &model.style;
    let given = if s.upper_case {
        person.given_names.to_uppercase()
    } else {
        person.given_names.clone()
    };
    let mut out = BTreeMap::new();
    for f in &model.fields {
        let v = match f.name {
            "doc_type" => model.doc_code.to_owned(),
            "issuing_code" => model.issuing_state.to_owned(),
            "doc_number" => model.mrz.map_or_else(
                || person.document_number.clone(),
                |f| mrz_document_number(f, person),
            ),
            "surname" => person.surname.to_uppercase(),
            "given_names" => given.clone(),
            "name_line" => format!("{}, {}", person.surname.to_uppercase(), given),
            "nationality" => person.nationality.clone(),
            "dob" => s.date_style.format(person.birth_date),
            "sex" => person.sex.to_string(),
            "place_of_birth" => person.place_of_birth.clone(),
            "issue_date" | "valid_from" => s.date_style.format(Some(person.issue_date)),
            "expiry" | "valid_until" => s.date_style.format(Some(person.expiry_date)),
            "authority" => person.authority.clone(),
            "personal_number" | "reg_number" => {
                if person.personal_number.is_empty() {
                    person.document_number.clone()
                } else {
                    person.personal_number.clone()
                }
            }
            "visa_number" => person.document_number.chars().rev().collect(),
            "entries" => {
                if person.height_cm.is_multiple_of(2) {
                    "MULT".into()
                } else {
                    "1".into()
                }
            }
            "duration" => format!("{} DAYS", [30, 60, 90][(person.height_cm % 3) as usize]),
            "height" => format!("{} cm", person.height_cm),
            "father" => person.parents.0.clone(),
            "mother" => person.parents.1.clone(),
            "permit_type" => {
                if person.height_cm.is_multiple_of(2) {
                    "PERMANENT".into()
                } else {
                    "TEMPORARY".into()
                }
            }
            "remarks" => "NONE".into(),
            _ => String::new(),
        };
        out.insert(f.name, v);
    }
    out
}

/// The document number as the MRZ of `format` holds it, which is also the
/// number the document prints: nine characters on TD3 and visas; the
/// French card's issue year and month, department, office and sequence.
fn mrz_document_number(format: Format, person: &Person) -> String {
    let mut number = person.document_number.clone();
    match format {
        Format::Td3 | Format::MrvA | Format::MrvB => number.truncate(9),
        Format::FrenchId => {
            // Issue year and month, department, office, sequence.
            let digits: String = person
                .document_number
                .chars()
                .filter(char::is_ascii_digit)
                .chain("00000".chars())
                .take(5)
                .collect();
            number = format!(
                "{:02}{:02}{}{}",
                person.issue_date.year().rem_euclid(100),
                person.issue_date.month(),
                &["075", "013", "069", "2A1", "974"][(person.height_cm % 5) as usize],
                digits
            );
        }
        _ => {}
    }
    number
}

/// The MRZ a model carries for `person` (`None` without an MRZ).
///
/// # Errors
/// When the data does not fit the format (the caller draws another holder).
pub fn mrz_lines(
    model: &DocModel,
    person: &Person,
) -> Result<Option<Vec<String>>, docscreen_mrz::FormatError> {
    let Some(format) = model.mrz else {
        return Ok(None);
    };
    let number = mrz_document_number(format, person);
    let mut optional = person.personal_number.clone();
    if format == Format::FrenchId {
        optional = format!("{:0>3}{}", person.height_cm % 1000, "AB");
    }
    let cap = match format {
        Format::Td3 => 14,
        Format::MrvA => 16,
        Format::MrvB => 8,
        Format::Td2 => 7,
        Format::Td1 => 15usize.saturating_sub(if number.len() > 9 {
            number.len() - 9 + 2
        } else {
            0
        }),
        Format::FrenchId => 6,
    };
    if format == Format::Td2 && number.len() > 9 {
        optional.clear();
    }
    optional.truncate(cap);
    let input = MrzInput {
        format,
        document_code: model.doc_code.to_owned(),
        issuing_state: model.issuing_state.to_owned(),
        primary_identifier: person.surname.clone(),
        secondary_identifier: person.given_names.clone(),
        document_number: number,
        nationality: person.nationality.clone(),
        birth_date: person.birth_date,
        sex: person.sex,
        expiry_date: Some(person.expiry_date),
        optional_data: optional,
        optional_data_2: String::new(),
    };
    format_mrz(&input).map(Some)
}

/// A rectangle in mm to pixels at `k` px/mm.
pub(crate) fn to_px(r: MmRect, k: f32) -> Rect {
    Rect {
        x: r.x * k,
        y: r.y * k,
        w: r.w * k,
        h: r.h * k,
    }
}

fn to_mm(r: Rect, k: f32) -> MmRect {
    Rect {
        x: r.x / k,
        y: r.y / k,
        w: r.w / k,
        h: r.h / k,
    }
}

/// The page size in pixels at `px_per_mm`.
#[must_use]
pub fn page_px(model: &DocModel, px_per_mm: f32) -> (u32, u32) {
    #[allow(clippy::cast_sign_loss)] // sizes are positive
    (
        (model.size_mm[0] * px_per_mm).round() as u32,
        (model.size_mm[1] * px_per_mm).round() as u32,
    )
}

/// Draws the printing every copy shares: paper, security background,
/// emblem, titles, labels, the seal. This is the blank specimen.
fn draw_static(img: &mut RgbImage, model: &DocModel, fonts: &Fonts, k: f32) {
    let s = &model.style;
    let page = Rect {
        x: 0.0,
        y: 0.0,
        w: model.size_mm[0] * k,
        h: model.size_mm[1] * k,
    };
    if let Some((colors, angle, strength)) = &s.rainbow {
        security::rainbow(img, page, colors, *angle, *strength);
    }
    for (area, p) in &s.guilloche {
        let mut q = p.clone();
        q.line_width = p.line_width * k / 11.811; // parameters are tuned at 300 dpi
        security::guilloche(img, to_px(*area, k), &q);
    }
    for r in &s.rosettes {
        security::rosette(
            img,
            (r.center.0 * k, r.center.1 * k),
            r.radius * k,
            r.petals,
            r.rings,
            r.phase,
            r.color,
            0.55,
        );
    }
    let label_font = &fonts.family(s.label_family).regular;
    for (from, to, t) in &s.microtext {
        security::microtext_line(
            img,
            label_font,
            (from.0 * k, from.1 * k),
            (to.0 * k, to.1 * k),
            t,
            0.32 * k,
            s.label_ink,
        );
    }
    if let Some((c, r)) = model.emblem {
        let mut rng = model_rng(model, 1);
        security::emblem(img, (c.0 * k, c.1 * k), r * k, s.accent, 0.85, &mut rng);
    }
    let title_font = fonts.family(s.title_family).bold();
    for (t, at, size, centred) in &model.titles {
        let w = text::text_width(title_font, size * k, t);
        let x = if *centred {
            at.0 * k - w / 2.0
        } else {
            at.0 * k
        };
        text::draw_text(
            img,
            title_font,
            x,
            at.1 * k,
            size * k,
            0.0,
            t,
            s.accent,
            0.95,
        );
    }
    for f in &model.fields {
        text::draw_text(
            img,
            label_font,
            f.label_at.0 * k,
            f.label_at.1 * k,
            s.label_size * k,
            0.0,
            &f.label,
            s.label_ink,
            0.9,
        );
    }
}

/// Where and how the seal is printed (over the portrait's lower corner).
fn draw_seal(img: &mut RgbImage, model: &DocModel, fonts: &Fonts, k: f32) {
    let (Some(p), true) = (model.portrait, model.style.seal_over_photo) else {
        return;
    };
    let mut rng = model_rng(model, 2);
    let r = p.w * 0.32;
    let c = ((p.x + p.w - r * 0.35) * k, (p.y + p.h - r * 0.45) * k);
    security::seal(
        img,
        &fonts.family(model.style.label_family).regular,
        c,
        r * k,
        &model.style.seal_text,
        model.style.accent,
        &mut rng,
    );
}

/// Prints a value in its zone, shrinking it to fit as issuers do. Returns
/// the ink box in pixels.
#[allow(clippy::too_many_arguments)] // the print job's properties
pub(crate) fn print_value(
    img: &mut RgbImage,
    font: &ab_glyph::FontVec,
    at_px: (f32, f32),
    size_px: f32,
    max_w_px: f32,
    value: &str,
    color: [u8; 3],
) -> Rect {
    let w = text::text_width(font, size_px, value);
    let size = if w > max_w_px && w > 0.0 {
        size_px * max_w_px / w
    } else {
        size_px
    };
    text::draw_text(img, font, at_px.0, at_px.1, size, 0.0, value, color, 0.97)
}

/// Prints the MRZ lines in OCR-B (or `font`) at the model's positions
/// shifted by `offset_mm`, glyphs scaled by `scale`. Returns each line's
/// ink box in pixels.
#[allow(clippy::too_many_arguments)] // the print job's properties
pub(crate) fn print_mrz(
    img: &mut RgbImage,
    model: &DocModel,
    font: &ab_glyph::FontVec,
    lines: &[String],
    k: f32,
    offset_mm: (f32, f32),
    scale: f32,
    color: [u8; 3],
) -> Vec<Rect> {
    model
        .mrz_baselines()
        .iter()
        .zip(lines)
        .map(|(at, line)| {
            text::draw_fixed_pitch(
                img,
                font,
                (at.0 + offset_mm.0) * k,
                (at.1 + offset_mm.1) * k,
                MRZ_CHAR_MM * k * scale,
                MRZ_PITCH_MM * k,
                line,
                color,
                0.97,
            )
        })
        .collect()
}

/// The field spec of `name`.
#[must_use]
pub fn field<'m>(model: &'m DocModel, name: &str) -> Option<&'m FieldSpec> {
    model.fields.iter().find(|f| f.name == name)
}

/// Renders `model` with `content` at `px_per_mm`.
#[must_use]
pub fn render(model: &DocModel, content: &Content, fonts: &Fonts, px_per_mm: f32) -> Rendered {
    let k = px_per_mm;
    let (w, h) = page_px(model, k);
    let mut img = RgbImage::from_pixel(w, h, Rgb(model.style.paper));
    draw_static(&mut img, model, fonts, k);
    let s = &model.style;

    if let (Some(p), Some(photo)) = (model.portrait, &content.photo) {
        let area = to_px(p, k);
        security::paste_photo(&mut img, area, photo, 0.0);
        // The background pattern runs on over the photo, faintly: a pasted
        // photo lacks it.
        if let Some((_, g)) = s.guilloche.first() {
            let mut q = g.clone();
            q.alpha *= 0.45;
            q.line_width = g.line_width * k / 11.811;
            security::guilloche(&mut img, area, &q);
        }
        if let Some(ghost) = s.ghost {
            security::ghost_image(&mut img, to_px(ghost, k), photo, s.accent, 0.35);
        }
    }
    draw_seal(&mut img, model, fonts, k);

    let data_family = fonts.family(s.data_family);
    let data_font = if s.data_bold {
        data_family.bold()
    } else {
        &data_family.regular
    };
    let mut values = BTreeMap::new();
    for f in &model.fields {
        let Some(v) = content.printed.get(f.name) else {
            continue;
        };
        let r = print_value(
            &mut img,
            data_font,
            (f.value_at.0 * k, f.value_at.1 * k),
            s.data_size * k,
            f.max_width * k,
            v,
            s.data_ink,
        );
        values.insert(f.name, to_mm(r, k));
    }
    if let (Some(sig), false) = (model.signature, content.printed.is_empty()) {
        let mut rng = SynthRng::seed_from_u64(content.copy_seed ^ 0x5147);
        let ink = if rng.random_bool(0.5) {
            [20, 30, 90]
        } else {
            [25, 25, 25]
        };
        security::signature(&mut img, to_px(sig, k), ink, &mut rng);
    }
    let mut mrz_lines = Vec::new();
    if let Some(lines) = &content.mrz {
        mrz_lines = print_mrz(
            &mut img,
            model,
            &fonts.ocr_b,
            lines,
            k,
            (0.0, 0.0),
            1.0,
            [12, 12, 12],
        )
        .into_iter()
        .map(|r| to_mm(r, k))
        .collect();
    }
    Rendered {
        image: img,
        px_per_mm: k,
        values,
        mrz_lines,
    }
}

/// The blank specimen of a model (template reference image).
#[must_use]
pub fn render_blank(model: &DocModel, fonts: &Fonts, px_per_mm: f32) -> RgbImage {
    render(model, &Content::default(), fonts, px_per_mm).image
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalogue;

    #[test]
    fn renders_every_model_with_data_where_the_zones_are() {
        let fonts = Fonts::shared().expect("fonts");
        let reference = docscreen_mrz::Date::new(2026, 1, 1).expect("date");
        let k = 150.0 / 25.4;
        let mut sheet = Vec::new();
        for (i, model) in catalogue().iter().enumerate() {
            let mut rng = SynthRng::seed_from_u64(i as u64);
            let person = loop {
                let p = Person::random(&mut rng, model.issuing_state, reference, false);
                if mrz_lines(model, &p).is_ok() {
                    break p;
                }
            };
            let mrz = mrz_lines(model, &person).expect("fits");
            let photo = model
                .portrait
                .map(|_| security::portrait(120, 150, model.style.portrait_style, &mut rng));
            let content = Content {
                printed: printed_values(model, &person),
                mrz: mrz.clone(),
                photo,
                copy_seed: 1,
            };
            let doc = render(model, &content, fonts, k);
            assert_eq!((doc.image.width(), doc.image.height()), page_px(model, k));
            // Every printed value left ink inside its template zone.
            for f in &model.fields {
                let ink = doc.values.get(f.name).copied().expect("value printed");
                let zone = model.value_rect(f);
                assert!(ink.w > 0.0, "{} {}: nothing printed", model.id, f.name);
                assert!(
                    ink.x >= zone.x - 0.5 && ink.x + ink.w <= zone.x + zone.w + 0.5,
                    "{} {}: {ink:?} outside {zone:?}",
                    model.id,
                    f.name
                );
            }
            assert_eq!(
                doc.mrz_lines.len(),
                model.mrz.map_or(0, docscreen_mrz::Format::line_count),
                "{}",
                model.id
            );
            if let Some(z) = model.mrz_rect() {
                for l in &doc.mrz_lines {
                    assert!(
                        l.y >= z.y
                            && l.y + l.h <= z.y + z.h + 0.3
                            && l.x >= z.x - 0.3
                            && l.x + l.w <= z.x + z.w + 0.3,
                        "{}: MRZ line {l:?} outside {z:?}",
                        model.id
                    );
                }
            }
            sheet.push(doc.image);
        }
        if std::env::var_os("SAVE_SAMPLES").is_some() {
            for (i, img) in sheet.iter().enumerate() {
                img.save(format!(
                    "{}/../../target/model_{i:02}.png",
                    env!("CARGO_MANIFEST_DIR")
                ))
                .expect("save");
            }
        }
    }
}
