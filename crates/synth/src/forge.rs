//! Forgeries with ground truth: the kinds of ../shared/DESIGN.md §6, each
//! at a random strength, some of them subtle.

use std::collections::BTreeMap;

use docscreen_mrz::{CheckId, Date, parse_lines};
use image::{Rgb, RgbImage};
use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::SynthRng;
use crate::model::{DocModel, MRZ_CHAR_MM, MRZ_PITCH_MM, MmRect};
use crate::person::Person;
use crate::render::{self, Rendered, to_px as px};
use crate::security::{self, Rect};
use crate::text::{self, Fonts};

/// The forgery kinds (PRADO/iFADO vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForgeryKind {
    /// MRZ characters changed, check digits left wrong.
    MrzAlteration,
    /// MRZ re-printed with new data and valid check digits.
    MrzRecreation,
    /// Portrait replaced.
    PhotoSubstitution,
    /// A printed value erased and re-printed.
    PrintedDataAlteration,
    /// A patch of the document pasted elsewhere on it.
    CopyMove,
    /// The whole document reproduced with deviations.
    Counterfeit,
}

impl ForgeryKind {
    /// Every kind.
    pub const ALL: [ForgeryKind; 6] = [
        ForgeryKind::MrzAlteration,
        ForgeryKind::MrzRecreation,
        ForgeryKind::PhotoSubstitution,
        ForgeryKind::PrintedDataAlteration,
        ForgeryKind::CopyMove,
        ForgeryKind::Counterfeit,
    ];

    /// The name used on the command line and in the ground truth.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ForgeryKind::MrzAlteration => "mrz_alteration",
            ForgeryKind::MrzRecreation => "mrz_recreation",
            ForgeryKind::PhotoSubstitution => "photo_substitution",
            ForgeryKind::PrintedDataAlteration => "printed_data_alteration",
            ForgeryKind::CopyMove => "copy_move",
            ForgeryKind::Counterfeit => "counterfeit",
        }
    }

    /// Parses [`ForgeryKind::as_str`].
    #[must_use]
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the kind applies to `model` (no MRZ, no portrait…).
    #[must_use]
    pub fn applies_to(self, model: &DocModel) -> bool {
        match self {
            ForgeryKind::MrzAlteration | ForgeryKind::MrzRecreation => model.mrz.is_some(),
            ForgeryKind::PhotoSubstitution => model.portrait.is_some(),
            ForgeryKind::PrintedDataAlteration
            | ForgeryKind::CopyMove
            | ForgeryKind::Counterfeit => !model.fields.is_empty(),
        }
    }
}

/// A region of the ground truth, in document millimetres.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Region {
    /// `forged`, or `source` for the origin of a copy-move.
    pub role: &'static str,
    /// What is there (`mrz`, `portrait`, a field name, `background`, `document`).
    pub what: String,
    /// The rectangle, mm.
    pub rect_mm: MmRect,
}

/// What a forgery did.
#[derive(Debug, Clone, Serialize)]
pub struct Forgery {
    /// The kind.
    pub kind: ForgeryKind,
    /// 0 (subtle) to 1 (crude).
    pub strength: f32,
    /// Kind-specific details.
    pub details: serde_json::Value,
    /// Where it is.
    pub regions: Vec<Region>,
}

fn grow(r: MmRect, by: f32) -> MmRect {
    Rect {
        x: r.x - by,
        y: r.y - by,
        w: r.w + 2.0 * by,
        h: r.h + 2.0 * by,
    }
}

fn clamp_to(r: MmRect, size: [f32; 2]) -> MmRect {
    let x0 = r.x.clamp(0.0, size[0]);
    let y0 = r.y.clamp(0.0, size[1]);
    let x1 = (r.x + r.w).clamp(0.0, size[0]);
    let y1 = (r.y + r.h).clamp(0.0, size[1]);
    Rect {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: y1 - y0,
    }
}

/// Paints `area` (px) with the paper colour, with faint mottling: an erasure.
#[allow(clippy::cast_sign_loss, clippy::cast_possible_wrap)] // clamped to the image
fn erase(img: &mut RgbImage, area: Rect, paper: [u8; 3], rng: &mut SynthRng) {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    let x0 = (area.x.floor() as i64).clamp(0, w);
    let y0 = (area.y.floor() as i64).clamp(0, h);
    let x1 = ((area.x + area.w).ceil() as i64).clamp(0, w);
    let y1 = ((area.y + area.h).ceil() as i64).clamp(0, h);
    let tint: i16 = rng.random_range(-6..=4);
    for y in y0..y1 {
        for x in x0..x1 {
            let n: i16 = rng.random_range(-3..=3);
            let c = paper.map(|v| (i16::from(v) + tint + n).clamp(0, 255) as u8);
            img.put_pixel(x as u32, y as u32, Rgb(c));
        }
    }
}

/// Copies `src` (px) onto `dst_origin` (px), scaled and rotated about the
/// patch centre (bilinear).
#[allow(
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    clippy::cast_precision_loss
)] // clamped
fn copy_patch(img: &mut RgbImage, src: Rect, dst: Rect, angle_deg: f32) {
    let copy = img.clone();
    let (cw, ch) = (copy.width() as f32, copy.height() as f32);
    let (sin, cos) = angle_deg.to_radians().sin_cos();
    let (dcx, dcy) = (dst.x + dst.w / 2.0, dst.y + dst.h / 2.0);
    let (scx, scy) = (src.x + src.w / 2.0, src.y + src.h / 2.0);
    let (sx, sy) = (src.w / dst.w.max(1.0), src.h / dst.h.max(1.0));
    let pad = (dst.w.max(dst.h) * 0.2) as i64;
    let x0 = (dst.x as i64 - pad).max(0);
    let y0 = (dst.y as i64 - pad).max(0);
    let x1 = ((dst.x + dst.w) as i64 + pad).min(i64::from(img.width()));
    let y1 = ((dst.y + dst.h) as i64 + pad).min(i64::from(img.height()));
    for y in y0..y1 {
        for x in x0..x1 {
            let (rx, ry) = (x as f32 + 0.5 - dcx, y as f32 + 0.5 - dcy);
            // Inverse rotation into the patch frame.
            let (ux, uy) = (rx * cos + ry * sin, -rx * sin + ry * cos);
            if ux.abs() > dst.w / 2.0 || uy.abs() > dst.h / 2.0 {
                continue;
            }
            let (qx, qy) = (scx + ux * sx - 0.5, scy + uy * sy - 0.5);
            if qx < 0.0 || qy < 0.0 || qx >= cw - 1.0 || qy >= ch - 1.0 {
                continue;
            }
            let (ix, iy) = (qx.floor(), qy.floor());
            let (fx, fy) = (qx - ix, qy - iy);
            let p = |dx: u32, dy: u32| copy.get_pixel(ix as u32 + dx, iy as u32 + dy).0;
            let (a, b, c, d) = (p(0, 0), p(1, 0), p(0, 1), p(1, 1));
            let mut out = [0u8; 3];
            for i in 0..3 {
                let top = f32::from(a[i]) * (1.0 - fx) + f32::from(b[i]) * fx;
                let bot = f32::from(c[i]) * (1.0 - fx) + f32::from(d[i]) * fx;
                out[i] = (top * (1.0 - fy) + bot * fy).round().clamp(0.0, 255.0) as u8;
            }
            img.put_pixel(x as u32, y as u32, Rgb(out));
        }
    }
}

/// A changed version of a printed value: same kind of characters.
fn alter_value(value: &str, rng: &mut SynthRng) -> String {
    let chars: Vec<char> = value.chars().collect();
    let candidates: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_ascii_alphanumeric())
        .collect();
    if candidates.is_empty() {
        return format!("{value}X");
    }
    let mut out = chars.clone();
    for _ in 0..rng.random_range(1..=2) {
        let i = candidates[rng.random_range(0..candidates.len())];
        out[i] = if chars[i].is_ascii_digit() {
            char::from(b'0' + ((chars[i] as u8 - b'0' + rng.random_range(1..10)) % 10))
        } else {
            let base = if chars[i].is_ascii_lowercase() {
                b'a'
            } else {
                b'A'
            };
            char::from(
                base + ((chars[i].to_ascii_uppercase() as u8 - b'A' + rng.random_range(1..26))
                    % 26),
            )
        };
    }
    out.into_iter().collect()
}

#[allow(clippy::cast_sign_loss)] // colour channels are clamped to 0..=255 first
/// Renders a counterfeit's model: background phases, frequencies and colours
/// perturbed, layout shifted 0.5-2 mm, other fonts.
#[must_use]
pub fn counterfeit_model(
    model: &DocModel,
    strength: f32,
    rng: &mut SynthRng,
) -> (DocModel, serde_json::Value) {
    let mut m = model.clone();
    let s = strength.clamp(0.05, 1.0);
    for (_, g) in &mut m.style.guilloche {
        g.phase += rng.random_range(0.3..1.5) * s;
        g.frequency *=
            1.0 + rng.random_range(0.03..0.15) * s * if rng.random_bool(0.5) { 1.0 } else { -1.0 };
        for c in &mut g.color {
            *c = (f32::from(*c) + rng.random_range(-40.0..40.0) * s).clamp(0.0, 255.0) as u8;
        }
    }
    for r in &mut m.style.rosettes {
        r.phase += rng.random_range(0.2..1.0);
        r.petals += 1;
    }
    let shift = (
        rng.random_range(0.5..2.0) * if rng.random_bool(0.5) { 1.0 } else { -1.0 },
        rng.random_range(0.5..2.0) * if rng.random_bool(0.5) { 1.0 } else { -1.0 },
    );
    let shift_all = rng.random_bool(0.5);
    for f in &mut m.fields {
        let (dx, dy) = if shift_all {
            shift
        } else {
            (
                shift.0 * rng.random_range(0.3..1.0),
                shift.1 * rng.random_range(0.3..1.0),
            )
        };
        f.value_at.0 = (f.value_at.0 + dx).max(0.5);
        f.value_at.1 = (f.value_at.1 + dy).max(f.value_at.1.min(3.0));
        f.label_at.0 = (f.label_at.0 + dx).max(0.5);
        f.label_at.1 = (f.label_at.1 + dy).max(f.label_at.1.min(3.0));
    }
    let other_fonts = rng.random_bool(0.6);
    if other_fonts {
        m.style.label_family += rng.random_range(1..5);
        m.style.data_family += rng.random_range(1..5);
    }
    let paper_shift = rng.random_range(-8i16..8);
    m.style.paper = m
        .style
        .paper
        .map(|v| (i16::from(v) + paper_shift).clamp(0, 255) as u8);
    let details = serde_json::json!({ "layout_shift_mm": [shift.0, shift.1], "shift_all_fields": shift_all, "other_fonts": other_fonts });
    (m, details)
}

#[allow(clippy::cast_sign_loss)] // colour channels are clamped to 0..=255 first
/// Applies a forgery of `kind` to a rendered genuine document. `person`,
/// `printed` and `mrz` are updated to what the forged document now shows
/// (printed values as printed; MRZ lines as printed).
#[allow(clippy::too_many_arguments, clippy::too_many_lines)] // one entry point for every kind
pub fn forge(
    kind: ForgeryKind,
    model: &DocModel,
    doc: &mut Rendered,
    printed: &mut BTreeMap<&'static str, String>,
    mrz: &mut Option<Vec<String>>,
    person: &Person,
    fonts: &Fonts,
    reference: Date,
    rng: &mut SynthRng,
) -> Forgery {
    let k = doc.px_per_mm;
    let strength: f32 = rng.random_range(0.0..1.0);
    let paper = model.style.paper;
    let mut regions = Vec::new();
    let details;
    match kind {
        ForgeryKind::MrzAlteration => {
            let lines = mrz.clone().unwrap_or_default();
            let parsed = parse_lines(&lines, reference);
            // Positions covered by a field check digit, the digit itself excluded.
            let mut spots = Vec::new();
            for c in &parsed.checks {
                if matches!(
                    c.id,
                    CheckId::DocumentNumberCheckDigit
                        | CheckId::BirthDateCheckDigit
                        | CheckId::ExpiryDateCheckDigit
                ) && let Some(sp) = c.span
                {
                    for col in sp.start..sp.end {
                        spots.push((usize::from(sp.line - 1), usize::from(col - 1)));
                    }
                }
            }
            let mut new = lines.clone();
            let mut changes = Vec::new();
            for _ in 0..20 {
                let (l, c) = spots[rng.random_range(0..spots.len())];
                let old = new[l].as_bytes()[c];
                let rep = if old.is_ascii_digit() {
                    b'0' + (old - b'0' + rng.random_range(1..10)) % 10
                } else if old.is_ascii_uppercase() {
                    b'A' + (old - b'A' + rng.random_range(1..26)) % 26
                } else {
                    b'0' + rng.random_range(0..10)
                };
                let mut bytes = new[l].clone().into_bytes();
                bytes[c] = rep;
                new[l] = String::from_utf8(bytes).unwrap_or_default();
                changes.push((l, c, old as char, rep as char));
                if !parse_lines(&new, reference).is_valid()
                    && (changes.len() >= 2 || rng.random_bool(0.7))
                {
                    break;
                }
            }
            // Erase and re-print the changed cells; a subtle forger matches the print.
            let baselines = model.mrz_baselines();
            let font = &fonts.ocr_b;
            let offset = (
                strength * rng.random_range(-0.4..0.4),
                strength * rng.random_range(-0.3..0.3),
            );
            for &(l, c, _, to) in &changes {
                let (bx, by) = baselines[l];
                #[allow(clippy::cast_precision_loss)]
                let cell = Rect {
                    x: bx + c as f32 * MRZ_PITCH_MM,
                    y: by - MRZ_CHAR_MM * 0.8,
                    w: MRZ_PITCH_MM,
                    h: MRZ_CHAR_MM * 0.95,
                };
                if strength > 0.25 {
                    erase(&mut doc.image, px(cell, k), paper, rng);
                } else {
                    // Careful erasure: only the old glyph's ink.
                    lift_ink(&mut doc.image, px(cell, k), paper);
                }
                let s = to.to_string();
                let w = text::text_width(font, MRZ_CHAR_MM * k, &s);
                text::draw_text(
                    &mut doc.image,
                    font,
                    (cell.x + offset.0) * k + (MRZ_PITCH_MM * k - w) / 2.0,
                    (by + offset.1) * k,
                    MRZ_CHAR_MM * k,
                    0.0,
                    &s,
                    [12, 12, 12],
                    0.97,
                );
                regions.push(Region {
                    role: "forged",
                    what: "mrz".into(),
                    rect_mm: grow(cell, 0.2),
                });
            }
            details = serde_json::json!({ "changes": changes.iter().map(|(l, c, f, t)| serde_json::json!({"line": l + 1, "column": c + 1, "from": f.to_string(), "to": t.to_string()})).collect::<Vec<_>>() });
            *mrz = Some(new);
        }
        ForgeryKind::MrzRecreation => {
            let mut p = person.clone();
            let what = match rng.random_range(0..4) {
                0 => {
                    let d = p.birth_date.unwrap_or(Date::new(1980, 1, 1).expect("date"));
                    // Another year, the same day and month (29 February
                    // falls back to the 28th in a common year).
                    let y = d.year() - rng.random_range(1..15);
                    p.birth_date =
                        Date::new(y, d.month(), d.day()).or_else(|| Date::new(y, d.month(), 28));
                    "birth_date"
                }
                1 => {
                    p.surname = alter_value(&p.surname, rng);
                    "surname"
                }
                2 => {
                    p.document_number = alter_value(&p.document_number, rng);
                    "document_number"
                }
                _ => {
                    let (e, y) = (p.expiry_date, p.expiry_date.year() + rng.random_range(1..8));
                    p.expiry_date = Date::new(y, e.month(), e.day())
                        .or_else(|| Date::new(y, e.month(), 28))
                        .expect("the 28th exists");
                    "expiry_date"
                }
            };
            let new = render::mrz_lines(model, &p)
                .ok()
                .flatten()
                .unwrap_or_else(|| mrz.clone().unwrap_or_default());
            let zone = model.mrz_rect().unwrap_or(Rect {
                x: 0.0,
                y: 0.0,
                w: 1.0,
                h: 1.0,
            });
            erase(&mut doc.image, px(zone, k), paper, rng);
            if rng.random_bool(0.5)
                && let Some((_, g)) = model.style.guilloche.first()
            {
                // Imitated background under the new MRZ, slightly off.
                let mut q = g.clone();
                q.phase += 0.7;
                q.line_width = g.line_width * k / 11.811;
                security::guilloche(&mut doc.image, px(zone, k), &q);
            }
            let offset = (
                rng.random_range(0.3..1.5)
                    * if rng.random_bool(0.5) { 1.0 } else { -1.0 }
                    * (0.3 + strength),
                rng.random_range(0.2..1.0)
                    * if rng.random_bool(0.5) { 1.0 } else { -1.0 }
                    * (0.3 + strength),
            );
            let alt = rng.random_bool(0.5) && !fonts.mrz_alternatives.is_empty();
            let (font_name, font) = if alt {
                let (n, f) =
                    &fonts.mrz_alternatives[rng.random_range(0..fonts.mrz_alternatives.len())];
                (*n, f)
            } else {
                ("ocr_b", &fonts.ocr_b)
            };
            let scale = 1.0 + rng.random_range(-0.08..0.08) * strength;
            let color = [
                rng.random_range(5..60),
                rng.random_range(5..50),
                rng.random_range(5..60),
            ];
            render::print_mrz(&mut doc.image, model, font, &new, k, offset, scale, color);
            regions.push(Region {
                role: "forged",
                what: "mrz".into(),
                rect_mm: clamp_to(grow(zone, 1.5), model.size_mm),
            });
            details = serde_json::json!({ "changed": what, "offset_mm": [offset.0, offset.1], "font": font_name, "scale": scale });
            *mrz = Some(new);
        }
        ForgeryKind::PhotoSubstitution => {
            let p = model.portrait.unwrap_or(Rect {
                x: 0.0,
                y: 0.0,
                w: 10.0,
                h: 10.0,
            });
            let style = if rng.random_bool(0.7) {
                model.style.portrait_style
            } else {
                security::PortraitStyle::Grey
            };
            let dx = strength * rng.random_range(0.0..1.5);
            let area = Rect {
                x: p.x - dx * rng.random_range(-1.0..1.0),
                y: p.y - dx * rng.random_range(-1.0..1.0),
                w: p.w + dx,
                h: p.h + dx,
            };
            let a = px(area, k);
            #[allow(clippy::cast_sign_loss)]
            let photo = security::portrait(a.w.max(8.0) as u32, a.h.max(8.0) as u32, style, rng);
            let feather = if rng.random_bool(0.5) {
                0.0
            } else {
                rng.random_range(2.0..6.0)
            };
            security::paste_photo(&mut doc.image, a, &photo, feather);
            let seal = if model.style.seal_over_photo {
                if rng.random_bool(0.5) {
                    // Imitated seal: drawn anew, not the model's.
                    let r = p.w * 0.32;
                    let c = ((p.x + p.w - r * 0.35) * k, (p.y + p.h - r * 0.45) * k);
                    security::seal(
                        &mut doc.image,
                        &fonts.family(model.style.label_family + 1).regular,
                        c,
                        r * k,
                        &model.style.seal_text,
                        model.style.accent,
                        rng,
                    );
                    "imitated"
                } else {
                    "missing"
                }
            } else {
                "none"
            };
            regions.push(Region {
                role: "forged",
                what: "portrait".into(),
                rect_mm: clamp_to(grow(area, 0.3), model.size_mm),
            });
            details = serde_json::json!({ "feather_px": feather, "seal": seal, "style": style });
        }
        ForgeryKind::PrintedDataAlteration => {
            let choices: Vec<&'static str> = [
                "surname",
                "given_names",
                "dob",
                "doc_number",
                "expiry",
                "nationality",
                "sex",
                "name_line",
                "valid_until",
                "issue_date",
            ]
            .into_iter()
            .filter(|f| doc.values.contains_key(f))
            .collect();
            let field = if choices.is_empty() {
                *doc.values.keys().next().unwrap_or(&"surname")
            } else {
                choices[rng.random_range(0..choices.len())]
            };
            let old_rect = doc.values.get(field).copied().unwrap_or(Rect {
                x: 1.0,
                y: 1.0,
                w: 5.0,
                h: 3.0,
            });
            let old = printed.get(field).cloned().unwrap_or_default();
            let style = model.style.date_style;
            let shift_years = |d: Date, rng: &mut SynthRng| {
                let years = rng.random_range(1..12) * if rng.random_bool(0.5) { 1 } else { -1 };
                let y = d.year() + years;
                Date::new(y, d.month(), d.day())
                    .or_else(|| Date::new(y, d.month(), 28))
                    .unwrap_or(d)
            };
            // A forger writes a plausible value, in the document's own format.
            let new_value = match field {
                "dob" => style.format(Some(shift_years(
                    person.birth_date.unwrap_or(person.issue_date),
                    rng,
                ))),
                "expiry" | "valid_until" => {
                    style.format(Some(shift_years(person.expiry_date, rng)))
                }
                "issue_date" | "valid_from" => {
                    style.format(Some(shift_years(person.issue_date, rng)))
                }
                "sex" => {
                    if old == "F" {
                        "M".into()
                    } else {
                        "F".into()
                    }
                }
                "nationality" => ["FRA", "DEU", "NLD", "ESP", "UTO", "XXA"]
                    .into_iter()
                    .find(|c| *c != old)
                    .unwrap_or("FRA")
                    .to_owned(),
                _ => alter_value(&old, rng),
            };
            let erase_rect = grow(old_rect, 0.3);
            if strength < 0.3 {
                lift_ink(&mut doc.image, px(erase_rect, k), paper);
            } else {
                erase(&mut doc.image, px(erase_rect, k), paper, rng);
            }
            let spec = render::field(model, field);
            let s = &model.style;
            let other_font = rng.random_bool(0.6);
            let family = fonts.family(if other_font {
                s.data_family + rng.random_range(1..6)
            } else {
                s.data_family
            });
            let font = if s.data_bold ^ rng.random_bool(f64::from(0.2 * strength)) {
                family.bold()
            } else {
                &family.regular
            };
            let size = s.data_size
                * (1.0
                    + rng.random_range(0.05..0.2)
                        * if rng.random_bool(0.5) { 1.0 } else { -1.0 }
                        * strength.max(0.3));
            let shift = (
                rng.random_range(-1.0..1.0) * strength,
                rng.random_range(-0.6..0.6) * strength,
            );
            let ink = s.data_ink.map(|v| {
                (f32::from(v) + rng.random_range(0.0..60.0) * strength).clamp(0.0, 255.0) as u8
            });
            let at = spec.map_or((old_rect.x, old_rect.y + old_rect.h), |f| f.value_at);
            let max_w = spec.map_or(old_rect.w * 1.5, |f| f.max_width);
            let r = render::print_value(
                &mut doc.image,
                font,
                ((at.0 + shift.0) * k, (at.1 + shift.1) * k),
                size * k,
                max_w * k,
                &new_value,
                ink,
            );
            let new_rect = Rect {
                x: r.x / k,
                y: r.y / k,
                w: r.w / k,
                h: r.h / k,
            };
            let both = text::union(erase_rect, new_rect);
            regions.push(Region {
                role: "forged",
                what: field.to_owned(),
                rect_mm: clamp_to(both, model.size_mm),
            });
            details = serde_json::json!({ "field": field, "other_font": other_font, "size_mm": size, "shift_mm": [shift.0, shift.1], "from": old, "to": new_value });
            printed.insert(field, new_value);
        }
        ForgeryKind::CopyMove => {
            let keys: Vec<&'static str> = doc.values.keys().copied().collect();
            let from_value = !keys.is_empty() && rng.random_bool(0.7);
            let size = model.size_mm;
            let src = if from_value {
                let f = keys[rng.random_range(0..keys.len())];
                let r = doc.values[f];
                // A piece of the value (a few characters) or all of it.
                let frac = if rng.random_bool(0.5) {
                    rng.random_range(0.25..0.6)
                } else {
                    1.0
                };
                let w = (r.w * frac).max(1.0);
                Rect {
                    x: r.x + rng.random_range(0.0..=(r.w - w).max(0.0)),
                    y: r.y - 0.2,
                    w,
                    h: r.h + 0.4,
                }
            } else {
                let w = rng.random_range(4.0..12.0f32).min(size[0] / 3.0);
                let h = rng.random_range(3.0..8.0f32).min(size[1] / 3.0);
                Rect {
                    x: rng.random_range(0.0..size[0] - w),
                    y: rng.random_range(0.0..size[1] - h),
                    w,
                    h,
                }
            };
            let src = clamp_to(src, size);
            // Destination: over another value when there is one, else anywhere.
            let mut dst = src;
            for _ in 0..20 {
                let cand = if !keys.is_empty() && rng.random_bool(0.6) {
                    let r = doc.values[keys[rng.random_range(0..keys.len())]];
                    Rect {
                        x: r.x + rng.random_range(0.0..=r.w.max(0.1)) - src.w / 2.0,
                        y: r.y + r.h / 2.0 - src.h / 2.0,
                        w: src.w,
                        h: src.h,
                    }
                } else {
                    Rect {
                        x: rng.random_range(0.0..(size[0] - src.w).max(0.1)),
                        y: rng.random_range(0.0..(size[1] - src.h).max(0.1)),
                        w: src.w,
                        h: src.h,
                    }
                };
                let overlap = cand.x < src.x + src.w
                    && src.x < cand.x + cand.w
                    && cand.y < src.y + src.h
                    && src.y < cand.y + cand.h;
                if !overlap
                    && cand.x >= 0.0
                    && cand.y >= 0.0
                    && cand.x + cand.w <= size[0]
                    && cand.y + cand.h <= size[1]
                {
                    dst = cand;
                    break;
                }
            }
            let transformed = strength > 0.6;
            let (scale, angle) = if transformed {
                (rng.random_range(0.9..1.1), rng.random_range(-8.0..8.0))
            } else {
                (1.0, 0.0)
            };
            let dst = Rect {
                x: dst.x,
                y: dst.y,
                w: dst.w * scale,
                h: dst.h * scale,
            };
            let dst = clamp_to(dst, size);
            copy_patch(&mut doc.image, px(src, k), px(dst, k), angle);
            regions.push(Region {
                role: "forged",
                what: if from_value {
                    "value".into()
                } else {
                    "background".into()
                },
                rect_mm: dst,
            });
            regions.push(Region {
                role: "source",
                what: if from_value {
                    "value".into()
                } else {
                    "background".into()
                },
                rect_mm: src,
            });
            details = serde_json::json!({ "scale": scale, "rotation_deg": angle, "from_value": from_value });
        }
        ForgeryKind::Counterfeit => {
            // The caller renders counterfeits from `counterfeit_model`; here
            // only the region is recorded.
            regions.push(Region {
                role: "forged",
                what: "document".into(),
                rect_mm: Rect {
                    x: 0.0,
                    y: 0.0,
                    w: model.size_mm[0],
                    h: model.size_mm[1],
                },
            });
            details = serde_json::Value::Null;
        }
    }
    Forgery {
        kind,
        strength,
        details,
        regions,
    }
}

/// Lifts dark ink in `area` (px) back to paper, leaving the pale background
/// pattern: the careful forger's erasure.
#[allow(clippy::cast_sign_loss, clippy::cast_possible_wrap)] // clamped to the image
fn lift_ink(img: &mut RgbImage, area: Rect, paper: [u8; 3]) {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    let x0 = (area.x.floor() as i64).clamp(0, w);
    let y0 = (area.y.floor() as i64).clamp(0, h);
    let x1 = ((area.x + area.w).ceil() as i64).clamp(0, w);
    let y1 = ((area.y + area.h).ceil() as i64).clamp(0, h);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x as u32, y as u32).0;
            let lum = (u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2])) / 3;
            if lum < 170 {
                img.put_pixel(x as u32, y as u32, Rgb(paper));
            }
        }
    }
}
