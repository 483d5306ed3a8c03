//! The invented document models: sizes, layouts, styles and labels.
//!
//! Each model is built from a kind-specific layout and a style drawn from a
//! seed of its own, so the catalogue is fixed (templates stay valid) while
//! models differ in everything real documents differ in: security printing,
//! colours, fonts and sizes, portrait placement and style, labels and their
//! languages, date formats.

use docscreen_mrz::Format;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

use crate::SynthRng;
use crate::person::DateStyle;
use crate::security::{Guilloche, GuillocheParams, PortraitStyle, Rect};

/// What a model is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Passport data page (TD3).
    Passport,
    /// Identity card (TD1 or TD2).
    IdCard,
    /// Back of an identity card (MRZ side of a front/back pair).
    IdCardBack,
    /// Visa sticker (MRV-A, MRV-B).
    Visa,
    /// Residence permit (TD1).
    ResidencePermit,
    /// French-style identity card (1988-2021 layout, invented design).
    FrenchId,
    /// Birth certificate (no MRZ).
    BirthCertificate,
}

/// A rectangle in millimetres from the document's top-left corner.
pub type MmRect = Rect;

/// One printed field: its label and where its value goes.
#[derive(Debug, Clone, Serialize)]
pub struct FieldSpec {
    /// Field name of the template contract (`surname`, `dob`, …).
    pub name: &'static str,
    /// The label as printed (one or two languages).
    pub label: String,
    /// Label baseline origin, mm.
    pub label_at: (f32, f32),
    /// Value baseline origin, mm.
    pub value_at: (f32, f32),
    /// Widest value the zone holds, mm.
    pub max_width: f32,
}

/// A rosette medallion of the style.
#[derive(Debug, Clone, Serialize)]
pub struct RosetteSpec {
    /// Centre, mm.
    pub center: (f32, f32),
    /// Radius, mm.
    pub radius: f32,
    /// Petals.
    pub petals: u32,
    /// Rings.
    pub rings: u32,
    /// Phase, radians.
    pub phase: f32,
    /// Colour.
    pub color: [u8; 3],
}

/// A microtext line: from, to (mm), text.
pub type Microtext = ((f32, f32), (f32, f32), String);

/// Rainbow printing: colours, angle (degrees), strength.
pub type Rainbow = (Vec<[u8; 3]>, f32, f32);

/// Everything about how a model looks.
#[derive(Debug, Clone, Serialize)]
pub struct Style {
    /// Paper colour.
    pub paper: [u8; 3],
    /// Label ink.
    pub label_ink: [u8; 3],
    /// Personal data ink.
    pub data_ink: [u8; 3],
    /// Titles and emblem.
    pub accent: [u8; 3],
    /// Guilloche fills: area (mm) and parameters.
    pub guilloche: Vec<(MmRect, GuillocheParams)>,
    /// Rosettes.
    pub rosettes: Vec<RosetteSpec>,
    /// Rainbow printing colours and angle, when the model has it.
    pub rainbow: Option<Rainbow>,
    /// Microtext lines: from, to (mm), text.
    pub microtext: Vec<Microtext>,
    /// Font family index for labels (see `text::Fonts::family`).
    pub label_family: usize,
    /// Font family index for data.
    pub data_family: usize,
    /// Font family index for titles.
    pub title_family: usize,
    /// Label glyph size, mm.
    pub label_size: f32,
    /// Data glyph size, mm.
    pub data_size: f32,
    /// Data printed in bold.
    pub data_bold: bool,
    /// Given names printed in capitals.
    pub upper_case: bool,
    /// How dates are printed.
    pub date_style: DateStyle,
    /// Portrait colour or grey.
    pub portrait_style: PortraitStyle,
    /// Ghost image area, mm.
    pub ghost: Option<MmRect>,
    /// A seal printed over the portrait's corner.
    pub seal_over_photo: bool,
    /// Seal text.
    pub seal_text: String,
}

/// An invented document model.
#[derive(Debug, Clone, Serialize)]
pub struct DocModel {
    /// Template id.
    pub id: &'static str,
    /// Human name.
    pub name: &'static str,
    /// Kind.
    pub kind: Kind,
    /// Size, mm.
    pub size_mm: [f32; 2],
    /// MRZ format, if any.
    pub mrz: Option<Format>,
    /// Document code written in the MRZ.
    pub doc_code: &'static str,
    /// Issuing state code.
    pub issuing_state: &'static str,
    /// State name printed in the title.
    pub state_name: &'static str,
    /// Title lines: text, baseline origin (mm), glyph size (mm), centred.
    pub titles: Vec<(String, (f32, f32), f32, bool)>,
    /// Printed fields.
    pub fields: Vec<FieldSpec>,
    /// Portrait area, mm.
    pub portrait: Option<MmRect>,
    /// Signature area, mm.
    pub signature: Option<MmRect>,
    /// Emblem centre and radius, mm.
    pub emblem: Option<((f32, f32), f32)>,
    /// Style.
    pub style: Style,
    /// For one side of a front/back pair: the other side's id.
    pub pair: Option<&'static str>,
}

impl DocModel {
    /// Where the MRZ lines are printed: baseline origins (mm) of each line,
    /// for Doc 9303's 10 characters per inch and about 6 lines per inch.
    #[must_use]
    pub fn mrz_baselines(&self) -> Vec<(f32, f32)> {
        let Some(format) = self.mrz else {
            return Vec::new();
        };
        #[allow(clippy::cast_precision_loss)] // 30-44 characters
        let width = format.line_len() as f32 * MRZ_PITCH_MM;
        let x = (self.size_mm[0] - width) / 2.0;
        let n = format.line_count();
        // The bottom line's baseline about 4.5-6 mm above the lower edge.
        let bottom = self.size_mm[1] - 5.0;
        #[allow(clippy::cast_precision_loss)]
        (0..n)
            .map(|i| (x, bottom - (n - 1 - i) as f32 * MRZ_LINE_MM))
            .collect()
    }

    /// The MRZ zone (mm): all lines with a margin.
    #[must_use]
    pub fn mrz_rect(&self) -> Option<MmRect> {
        let lines = self.mrz_baselines();
        let (first, last) = (lines.first()?, lines.last()?);
        #[allow(clippy::cast_precision_loss)]
        let width = self.mrz.map_or(0, Format::line_len) as f32 * MRZ_PITCH_MM;
        Some(Rect {
            x: first.0 - 1.0,
            y: first.1 - MRZ_CHAR_MM - 1.0,
            w: width + 2.0,
            h: last.1 - first.1 + MRZ_CHAR_MM + 2.0,
        })
    }

    /// The value zone of a field (mm).
    #[must_use]
    pub fn value_rect(&self, f: &FieldSpec) -> MmRect {
        let size = self.style.data_size;
        Rect {
            x: f.value_at.0 - 0.5,
            y: f.value_at.1 - size * 1.05,
            w: f.max_width + 1.0,
            h: size * 1.45,
        }
    }
}

/// MRZ character pitch: 10 per inch (Doc 9303-3 §4.4).
pub const MRZ_PITCH_MM: f32 = 2.54;
/// MRZ line pitch, about 6 lines per inch (Doc 9303-3 §4.4: 4.0-4.3 mm).
pub const MRZ_LINE_MM: f32 = 4.23;
/// OCR-B glyph (em) size that gives the ICAO character height (≈ 2.4 mm caps).
pub const MRZ_CHAR_MM: f32 = 3.3;

const PAPERS: &[[u8; 3]] = &[
    [250, 248, 240],
    [246, 244, 250],
    [242, 248, 244],
    [252, 246, 238],
    [248, 242, 246],
    [244, 246, 248],
];
const PASTELS: &[[u8; 3]] = &[
    [150, 190, 230],
    [230, 170, 190],
    [170, 210, 170],
    [220, 200, 140],
    [190, 170, 225],
    [140, 205, 205],
    [235, 180, 140],
    [200, 200, 200],
];
const INKS: &[[u8; 3]] = &[
    [30, 50, 110],
    [110, 30, 40],
    [30, 80, 50],
    [60, 40, 90],
    [20, 20, 20],
    [90, 60, 20],
];
const DATA_INKS: &[[u8; 3]] = &[[15, 15, 20], [20, 20, 45], [35, 30, 30], [10, 25, 35]];

/// Label texts per field in four languages: en, fr, es, de.
fn label(field: &str, lang: usize) -> &'static str {
    let t: [&str; 4] = match field {
        "doc_type" => ["Type", "Type", "Tipo", "Typ"],
        "issuing_code" => ["Code", "Code", "Código", "Kode"],
        "doc_number" => [
            "Document No.",
            "N° du document",
            "N.º documento",
            "Dokumentennr.",
        ],
        "surname" => ["Surname", "Nom", "Apellidos", "Name"],
        "given_names" => ["Given names", "Prénoms", "Nombre", "Vornamen"],
        "nationality" => [
            "Nationality",
            "Nationalité",
            "Nacionalidad",
            "Staatsangehörigkeit",
        ],
        "dob" => [
            "Date of birth",
            "Date de naissance",
            "Fecha de nacimiento",
            "Geburtsdatum",
        ],
        "sex" => ["Sex", "Sexe", "Sexo", "Geschlecht"],
        "place_of_birth" => [
            "Place of birth",
            "Lieu de naissance",
            "Lugar de nacimiento",
            "Geburtsort",
        ],
        "issue_date" => [
            "Date of issue",
            "Date de délivrance",
            "Fecha de expedición",
            "Ausstellungsdatum",
        ],
        "authority" => ["Authority", "Autorité", "Autoridad", "Behörde"],
        "expiry" => [
            "Date of expiry",
            "Date d'expiration",
            "Fecha de caducidad",
            "Gültig bis",
        ],
        "personal_number" => [
            "Personal No.",
            "N° personnel",
            "N.º personal",
            "Persönliche Nr.",
        ],
        "visa_number" => ["Visa No.", "N° du visa", "N.º de visado", "Visumnr."],
        "valid_from" => ["Valid from", "Valable du", "Válido desde", "Gültig ab"],
        "valid_until" => ["Until", "Au", "Hasta", "Bis"],
        "entries" => ["Entries", "Entrées", "Entradas", "Einreisen"],
        "duration" => [
            "Duration of stay",
            "Durée du séjour",
            "Duración",
            "Aufenthaltsdauer",
        ],
        "height" => ["Height", "Taille", "Estatura", "Größe"],
        "father" => ["Father", "Père", "Padre", "Vater"],
        "mother" => ["Mother", "Mère", "Madre", "Mutter"],
        "reg_number" => [
            "Registration No.",
            "N° d'enregistrement",
            "N.º de registro",
            "Registernr.",
        ],
        "name_line" => ["Name", "Nom", "Nombre", "Name"],
        "permit_type" => [
            "Type of permit",
            "Type de titre",
            "Tipo de permiso",
            "Art des Titels",
        ],
        "remarks" => ["Remarks", "Observations", "Observaciones", "Anmerkungen"],
        _ => ["", "", "", ""],
    };
    t[lang % 4]
}

struct Builder {
    rng: SynthRng,
    langs: (usize, Option<usize>),
    fields: Vec<FieldSpec>,
}

impl Builder {
    fn new(id: &str) -> Self {
        // The model's own seed: a stable hash of its id.
        let seed = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let mut rng = SynthRng::seed_from_u64(seed);
        let first = rng.random_range(0..4);
        let second = if rng.random_bool(0.7) {
            Some((first + rng.random_range(1..4)) % 4)
        } else {
            None
        };
        Self {
            rng,
            langs: (first, second),
            fields: Vec::new(),
        }
    }

    fn label_text(&self, field: &str) -> String {
        match self.langs.1 {
            Some(l2) if label(field, l2) != label(field, self.langs.0) => {
                format!("{} / {}", label(field, self.langs.0), label(field, l2))
            }
            _ => label(field, self.langs.0).to_owned(),
        }
    }

    /// A field with its label `label_gap` mm above the value.
    fn field(&mut self, name: &'static str, x: f32, y: f32, max_width: f32, label_gap: f32) {
        let label = self.label_text(name);
        self.fields.push(FieldSpec {
            name,
            label,
            label_at: (x, y - label_gap),
            value_at: (x, y),
            max_width,
        });
    }

    fn pick<T: Copy>(&mut self, list: &[T]) -> T {
        list[self.rng.random_range(0..list.len())]
    }

    fn style(&mut self, size: [f32; 2], label_size: f32, data_size: f32) -> Style {
        let paper = self.pick(PAPERS);
        let p1 = self.pick(PASTELS);
        let p2 = self.pick(PASTELS);
        let families = [
            Guilloche::Hypotrochoid,
            Guilloche::Epitrochoid,
            Guilloche::Lissajous,
            Guilloche::WaveBands,
            Guilloche::Moire,
        ];
        let mut guilloche = Vec::new();
        let whole = Rect {
            x: 0.0,
            y: 0.0,
            w: size[0],
            h: size[1],
        };
        let mut p = GuillocheParams::random(&mut self.rng, p1);
        p.family = self.pick(&families);
        guilloche.push((whole, p));
        if self.rng.random_bool(0.7) {
            let mut q = GuillocheParams::random(&mut self.rng, p2);
            q.family = self.pick(&families);
            let band = Rect {
                x: 0.0,
                y: size[1] * self.rng.random_range(0.15..0.5),
                w: size[0],
                h: size[1] * self.rng.random_range(0.2..0.4),
            };
            guilloche.push((band, q));
        }
        let rosettes = (0..self.rng.random_range(0..3))
            .map(|_| RosetteSpec {
                center: (
                    size[0] * self.rng.random_range(0.3..0.9),
                    size[1] * self.rng.random_range(0.15..0.7),
                ),
                radius: size[1] * self.rng.random_range(0.12..0.3),
                petals: self.rng.random_range(6..24),
                rings: self.rng.random_range(3..9),
                phase: self.rng.random_range(0.0..std::f32::consts::TAU),
                color: self.pick(PASTELS),
            })
            .collect();
        let rainbow = self.rng.random_bool(0.6).then(|| {
            let c = vec![self.pick(PASTELS), self.pick(PASTELS), self.pick(PASTELS)];
            (
                c,
                self.rng.random_range(0.0..180.0),
                self.rng.random_range(0.15..0.35),
            )
        });
        let microtext = (0..self.rng.random_range(1..4))
            .map(|_| {
                let y = size[1] * self.rng.random_range(0.05..0.75);
                ((2.0, y), (size[0] - 2.0, y), "REPUBLICOFUTOPIA".to_owned())
            })
            .collect();
        let n_families = 14;
        Style {
            paper,
            label_ink: self.pick(INKS),
            data_ink: self.pick(DATA_INKS),
            accent: self.pick(INKS),
            guilloche,
            rosettes,
            rainbow,
            microtext,
            label_family: self.rng.random_range(0..n_families),
            data_family: self.rng.random_range(0..n_families),
            title_family: self.rng.random_range(0..n_families),
            label_size: label_size * self.rng.random_range(0.9..1.1),
            data_size: data_size * self.rng.random_range(0.9..1.12),
            data_bold: self.rng.random_bool(0.4),
            upper_case: self.rng.random_bool(0.7),
            date_style: self.pick(&DateStyle::ALL),
            portrait_style: if self.rng.random_bool(0.6) {
                PortraitStyle::Colour
            } else {
                PortraitStyle::Grey
            },
            ghost: None,
            seal_over_photo: self.rng.random_bool(0.6),
            seal_text: "REPUBLIC OF UTOPIA * OFFICIAL *".to_owned(),
        }
    }
}

/// A model's text for its microtext and seal, from the state name.
fn brand(style: &mut Style, state: &str) {
    let compact: String = state
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_uppercase();
    for m in &mut style.microtext {
        m.2.clone_from(&compact);
    }
    style.seal_text = format!("{} * OFFICIAL *", state.to_uppercase());
}

/// TD3 passport data page, 125 × 88 mm (Doc 9303-4).
fn passport(
    id: &'static str,
    name: &'static str,
    state: &'static str,
    state_name: &'static str,
) -> DocModel {
    let size = [125.0, 88.0];
    let mut b = Builder::new(id);
    let mut style = b.style(size, 1.6, 3.0);
    brand(&mut style, state_name);
    let portrait_left = b.rng.random_bool(0.75);
    let (px, fx) = if portrait_left {
        (6.0, 42.0)
    } else {
        (87.0, 6.0)
    };
    let top = b.rng.random_range(13.0..17.0);
    let portrait = Rect {
        x: px,
        y: top,
        w: 32.0,
        h: 41.0,
    };
    let gap = style.label_size + 0.8;
    let row = b.rng.random_range(6.6..7.4);
    let col2 = fx + 26.0;
    let col3 = fx + 50.0;
    let y0 = top + 4.5;
    b.field("doc_type", fx, y0, 10.0, gap);
    b.field("issuing_code", col2, y0, 14.0, gap);
    b.field("doc_number", col3, y0, 28.0, gap);
    b.field("surname", fx, y0 + row, 76.0, gap);
    b.field("given_names", fx, y0 + 2.0 * row, 76.0, gap);
    b.field("nationality", fx, y0 + 3.0 * row, 24.0, gap);
    b.field("dob", col2, y0 + 3.0 * row, 30.0, gap);
    b.field("sex", col3 + 12.0, y0 + 3.0 * row, 8.0, gap);
    b.field("place_of_birth", fx, y0 + 4.0 * row, 48.0, gap);
    b.field("issue_date", fx, y0 + 5.0 * row, 24.0, gap);
    b.field("authority", col2, y0 + 5.0 * row, 50.0, gap);
    b.field("expiry", fx, y0 + 6.0 * row, 24.0, gap);
    if b.rng.random_bool(0.5) {
        b.field("personal_number", col2, y0 + 6.0 * row, 30.0, gap);
    }
    style.ghost = b.rng.random_bool(0.6).then_some(Rect {
        x: if portrait_left { 100.0 } else { 62.0 },
        y: 44.0,
        w: 17.0,
        h: 22.0,
    });
    let title_x = size[0] / 2.0;
    let passport_word = ["PASSPORT", "PASSEPORT", "PASAPORTE", "REISEPASS"];
    let l = b.langs;
    let title = match l.1 {
        Some(l2) => format!("{} / {}", passport_word[l.0], passport_word[l2]),
        None => passport_word[l.0].to_owned(),
    };
    DocModel {
        id,
        name,
        kind: Kind::Passport,
        size_mm: size,
        mrz: Some(Format::Td3),
        doc_code: "P",
        issuing_state: state,
        state_name,
        titles: vec![
            (state_name.to_uppercase(), (title_x, 6.5), 3.2, true),
            (title, (title_x, 11.0), 2.6, true),
        ],
        fields: b.fields,
        portrait: Some(portrait),
        signature: Some(Rect {
            x: px,
            y: top + 43.0,
            w: 32.0,
            h: 8.0,
        }),
        emblem: Some(((if portrait_left { 114.0 } else { 11.0 }, 9.0), 5.5)),
        style,
        pair: None,
    }
}

/// ID-1 card (85.6 × 54 mm) front; `mrz` puts a TD1 MRZ on it.
fn id1_front(
    id: &'static str,
    name: &'static str,
    kind: Kind,
    mrz: bool,
    doc_code: &'static str,
    pair: Option<&'static str>,
) -> DocModel {
    let size = [85.6, 54.0];
    let mut b = Builder::new(id);
    let mut style = b.style(size, 1.25, 2.3);
    let state_name = "Republic of Utopia";
    brand(&mut style, state_name);
    let top = b.rng.random_range(8.5..10.5);
    let ph = if mrz { 26.0 } else { 33.0 };
    let portrait = Rect {
        x: 3.5,
        y: top,
        w: ph * 0.77,
        h: ph,
    };
    let fx = 3.5 + ph * 0.77 + 3.0;
    let gap = style.label_size + 0.5;
    let row = if mrz { 5.4 } else { 6.4 };
    let y0 = top + 3.5;
    let wide = size[0] - fx - 3.0;
    b.field("surname", fx, y0, wide, gap);
    b.field("given_names", fx, y0 + row, wide, gap);
    b.field("dob", fx, y0 + 2.0 * row, 22.0, gap);
    b.field("sex", fx + 30.0, y0 + 2.0 * row, 6.0, gap);
    b.field(
        "nationality",
        fx + 38.0,
        y0 + 2.0 * row,
        (wide - 38.0).max(8.0),
        gap,
    );
    b.field("doc_number", fx, y0 + 3.0 * row, 30.0, gap);
    b.field(
        "expiry",
        fx + 32.0,
        y0 + 3.0 * row,
        (wide - 32.0).max(12.0),
        gap,
    );
    if kind == Kind::ResidencePermit {
        b.field("permit_type", fx, y0 + 4.0 * row, 40.0, gap);
    }
    style.ghost = (!mrz && b.rng.random_bool(0.7)).then_some(Rect {
        x: 66.0,
        y: 34.0,
        w: 13.0,
        h: 16.0,
    });
    let word = match kind {
        Kind::ResidencePermit => "RESIDENCE PERMIT",
        _ => "IDENTITY CARD",
    };
    DocModel {
        id,
        name,
        kind,
        size_mm: size,
        mrz: mrz.then_some(Format::Td1),
        doc_code,
        issuing_state: "UTO",
        state_name,
        titles: vec![
            (
                state_name.to_uppercase(),
                (size[0] / 2.0 + 6.0, 4.2),
                2.2,
                true,
            ),
            (word.to_owned(), (size[0] / 2.0 + 6.0, 7.6), 1.9, true),
        ],
        fields: b.fields,
        portrait: Some(portrait),
        signature: (!mrz).then_some(Rect {
            x: fx,
            y: 44.0,
            w: 30.0,
            h: 7.0,
        }),
        emblem: Some(((7.0, 5.0), 3.2)),
        style,
        pair,
    }
}

/// Back of an ID-1 card: TD1 MRZ, address and issue data.
fn id1_back(id: &'static str, name: &'static str, pair: &'static str) -> DocModel {
    let size = [85.6, 54.0];
    let mut b = Builder::new(id);
    let mut style = b.style(size, 1.25, 2.3);
    brand(&mut style, "Republic of Utopia");
    let gap = style.label_size + 0.5;
    b.field("place_of_birth", 4.0, 8.0, 40.0, gap);
    b.field("height", 50.0, 8.0, 20.0, gap);
    b.field("issue_date", 4.0, 14.5, 24.0, gap);
    b.field("authority", 32.0, 14.5, 50.0, gap);
    b.field("personal_number", 4.0, 21.0, 40.0, gap);
    DocModel {
        id,
        name,
        kind: Kind::IdCardBack,
        size_mm: size,
        mrz: Some(Format::Td1),
        doc_code: "ID",
        issuing_state: "UTO",
        state_name: "Republic of Utopia",
        titles: vec![],
        fields: b.fields,
        portrait: None,
        signature: Some(Rect {
            x: 50.0,
            y: 17.0,
            w: 30.0,
            h: 7.0,
        }),
        emblem: Some(((75.0, 25.0), 3.0)),
        style,
        pair: Some(pair),
    }
}

/// ID-2 size card (105 × 74 mm) with a two-line MRZ: TD2 or the French card.
fn id2(id: &'static str, name: &'static str, format: Format) -> DocModel {
    let size = [105.0, 74.0];
    let mut b = Builder::new(id);
    let mut style = b.style(size, 1.4, 2.6);
    let state_name = if format == Format::FrenchId {
        "République d'Utopie"
    } else {
        "Federation of Borduria"
    };
    brand(&mut style, state_name);
    let top = b.rng.random_range(11.0..13.0);
    let portrait = Rect {
        x: 5.0,
        y: top,
        w: 25.0,
        h: 32.0,
    };
    let fx = 34.0;
    let gap = style.label_size + 0.6;
    let row = 6.2;
    let y0 = top + 3.8;
    if format == Format::FrenchId {
        b.field("doc_number", fx, y0, 40.0, gap);
        b.field("surname", fx, y0 + row, 66.0, gap);
        b.field("given_names", fx, y0 + 2.0 * row, 66.0, gap);
        b.field("sex", fx, y0 + 3.0 * row, 8.0, gap);
        b.field("dob", fx + 14.0, y0 + 3.0 * row, 28.0, gap);
        b.field("place_of_birth", fx + 44.0, y0 + 3.0 * row, 24.0, gap);
        b.field("height", fx, y0 + 4.0 * row, 16.0, gap);
    } else {
        b.field("doc_type", fx, y0, 10.0, gap);
        b.field("doc_number", fx + 14.0, y0, 30.0, gap);
        b.field("surname", fx, y0 + row, 66.0, gap);
        b.field("given_names", fx, y0 + 2.0 * row, 66.0, gap);
        b.field("nationality", fx, y0 + 3.0 * row, 16.0, gap);
        b.field("dob", fx + 20.0, y0 + 3.0 * row, 26.0, gap);
        b.field("sex", fx + 50.0, y0 + 3.0 * row, 8.0, gap);
        b.field("expiry", fx, y0 + 4.0 * row, 26.0, gap);
        b.field("authority", fx + 30.0, y0 + 4.0 * row, 36.0, gap);
    }
    let (code, state, title) = if format == Format::FrenchId {
        ("ID", "FRA", "CARTE NATIONALE D'IDENTITÉ")
    } else {
        ("I", "UTO", "IDENTITY CARD")
    };
    DocModel {
        id,
        name,
        kind: if format == Format::FrenchId {
            Kind::FrenchId
        } else {
            Kind::IdCard
        },
        size_mm: size,
        mrz: Some(format),
        doc_code: code,
        issuing_state: state,
        state_name,
        titles: vec![
            (
                state_name.to_uppercase(),
                (size[0] / 2.0 + 8.0, 5.0),
                2.4,
                true,
            ),
            (title.to_owned(), (size[0] / 2.0 + 8.0, 9.0), 2.1, true),
        ],
        fields: b.fields,
        portrait: Some(portrait),
        signature: Some(Rect {
            x: 5.0,
            y: top + 33.5,
            w: 25.0,
            h: 7.0,
        }),
        emblem: Some(((96.0, 8.0), 4.5)),
        style,
        pair: None,
    }
}

/// Visa sticker: MRV-A (120 × 80 mm) or MRV-B (105 × 74 mm).
fn visa(id: &'static str, name: &'static str, format: Format) -> DocModel {
    let size = if format == Format::MrvA {
        [120.0, 80.0]
    } else {
        [105.0, 74.0]
    };
    let mut b = Builder::new(id);
    let mut style = b.style(size, 1.4, 2.6);
    brand(&mut style, "Kingdom of Syldavia");
    let portrait = Rect {
        x: 5.0,
        y: 12.0,
        w: 26.0,
        h: 33.0,
    };
    let fx = 35.0;
    let gap = style.label_size + 0.6;
    let row = 6.0;
    let y0 = 15.5;
    let w = size[0] - fx - 4.0;
    b.field("valid_from", fx, y0, 24.0, gap);
    b.field("valid_until", fx + 28.0, y0, 24.0, gap);
    b.field("visa_number", fx + 56.0, y0, w - 56.0, gap);
    b.field("entries", fx, y0 + row, 16.0, gap);
    b.field("duration", fx + 28.0, y0 + row, 20.0, gap);
    b.field("name_line", fx, y0 + 2.0 * row, w, gap);
    b.field("doc_number", fx, y0 + 3.0 * row, 30.0, gap);
    b.field("remarks", fx, y0 + 4.0 * row, w, gap);
    DocModel {
        id,
        name,
        kind: Kind::Visa,
        size_mm: size,
        mrz: Some(format),
        doc_code: "V",
        issuing_state: "UTO",
        state_name: "Kingdom of Syldavia",
        titles: vec![("VISA".to_owned(), (size[0] / 2.0, 8.0), 4.0, true)],
        fields: b.fields,
        portrait: Some(portrait),
        signature: None,
        emblem: Some(((size[0] - 10.0, 8.0), 5.0)),
        style,
        pair: None,
    }
}

/// Birth certificate, A4 (210 × 297) or A5 (148 × 210): no MRZ, no portrait.
fn birth_certificate(id: &'static str, name: &'static str, a4: bool) -> DocModel {
    let size = if a4 { [210.0, 297.0] } else { [148.0, 210.0] };
    let mut b = Builder::new(id);
    let s = if a4 { 1.0 } else { 0.75 };
    let mut style = b.style(size, 3.0 * s, 4.2 * s);
    brand(&mut style, "Commonwealth of Arcadia");
    style.rosettes.clear();
    let gap = style.label_size + 1.2 * s;
    let x = 20.0 * s;
    let w = size[0] - 2.0 * x;
    let y0 = 90.0 * s;
    let row = 16.0 * s;
    b.field("reg_number", x, y0 - row, 60.0 * s, gap);
    b.field("surname", x, y0, w, gap);
    b.field("given_names", x, y0 + row, w, gap);
    b.field("dob", x, y0 + 2.0 * row, 70.0 * s, gap);
    b.field("sex", x + 100.0 * s, y0 + 2.0 * row, 20.0 * s, gap);
    b.field("place_of_birth", x, y0 + 3.0 * row, w, gap);
    b.field("father", x, y0 + 4.0 * row, w, gap);
    b.field("mother", x, y0 + 5.0 * row, w, gap);
    b.field("issue_date", x, y0 + 6.0 * row, 70.0 * s, gap);
    b.field("authority", x, y0 + 7.0 * row, w, gap);
    DocModel {
        id,
        name,
        kind: Kind::BirthCertificate,
        size_mm: size,
        mrz: None,
        doc_code: "",
        issuing_state: "UTO",
        state_name: "Commonwealth of Arcadia",
        titles: vec![
            (
                "COMMONWEALTH OF ARCADIA".to_owned(),
                (size[0] / 2.0, 45.0 * s),
                6.0 * s,
                true,
            ),
            (
                "CERTIFICATE OF BIRTH".to_owned(),
                (size[0] / 2.0, 58.0 * s),
                5.0 * s,
                true,
            ),
        ],
        fields: b.fields,
        portrait: None,
        signature: Some(Rect {
            x: size[0] - 80.0 * s,
            y: size[1] - 45.0 * s,
            w: 55.0 * s,
            h: 14.0 * s,
        }),
        emblem: Some(((size[0] / 2.0, 22.0 * s), 12.0 * s)),
        style,
        pair: None,
    }
}

/// Every model of the catalogue.
#[must_use]
pub fn catalogue() -> Vec<DocModel> {
    vec![
        passport(
            "utopia_passport_td3",
            "Utopia passport data page (TD3)",
            "UTO",
            "Republic of Utopia",
        ),
        passport(
            "borduria_passport_td3",
            "Borduria passport data page (TD3)",
            "UTO",
            "Federation of Borduria",
        ),
        id1_front(
            "utopia_id_td1",
            "Utopia identity card, front with MRZ (TD1)",
            Kind::IdCard,
            true,
            "ID",
            None,
        ),
        id1_front(
            "utopia_id_pair_front",
            "Utopia identity card (pair), front",
            Kind::IdCard,
            false,
            "ID",
            Some("utopia_id_pair_back"),
        ),
        id1_back(
            "utopia_id_pair_back",
            "Utopia identity card (pair), back with MRZ (TD1)",
            "utopia_id_pair_front",
        ),
        id2(
            "borduria_id_td2",
            "Borduria identity card (TD2)",
            Format::Td2,
        ),
        id2(
            "utopie_cni_frid",
            "Utopie identity card, French 1988 layout (FRID)",
            Format::FrenchId,
        ),
        visa(
            "syldavia_visa_mrva",
            "Syldavia visa sticker (MRV-A)",
            Format::MrvA,
        ),
        visa(
            "syldavia_visa_mrvb",
            "Syldavia visa sticker (MRV-B)",
            Format::MrvB,
        ),
        id1_front(
            "utopia_residence_td1",
            "Utopia residence permit (TD1)",
            Kind::ResidencePermit,
            true,
            "IR",
            None,
        ),
        birth_certificate("arcadia_birth_a4", "Arcadia birth certificate (A4)", true),
        birth_certificate("arcadia_birth_a5", "Arcadia birth certificate (A5)", false),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_stable_and_inside_the_page() {
        let a = catalogue();
        let b = catalogue();
        assert!(a.len() >= 10);
        for (m, n) in a.iter().zip(&b) {
            assert_eq!(
                serde_json::to_string(m).ok(),
                serde_json::to_string(n).ok(),
                "{}",
                m.id
            );
            let inside = |r: &Rect| {
                r.x >= 0.0
                    && r.y >= 0.0
                    && r.x + r.w <= m.size_mm[0] + 0.01
                    && r.y + r.h <= m.size_mm[1] + 0.01
            };
            for f in &m.fields {
                assert!(inside(&m.value_rect(f)), "{} {}", m.id, f.name);
            }
            if let Some(r) = m.mrz_rect() {
                assert!(inside(&r), "{} mrz {r:?}", m.id);
            }
            for r in m.portrait.iter().chain(&m.signature).chain(&m.style.ghost) {
                assert!(inside(r), "{} {r:?}", m.id);
            }
        }
        let ids: std::collections::BTreeSet<_> = a.iter().map(|m| m.id).collect();
        assert_eq!(ids.len(), a.len());
    }
}
