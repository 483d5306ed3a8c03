//! Exports each model as a template folder in the template contract
//! (../shared/DESIGN.md §3): `template.json` and a blank 300-dpi reference.

use std::path::Path;

use serde::Serialize;

use crate::model::{DocModel, MmRect};
use crate::render::{self, DPI};
use crate::text::{self, Fonts};

/// A zone of the contract.
#[derive(Debug, Clone, Serialize)]
pub struct Zone {
    /// Name (`portrait`, `surname`, `label:surname`, `title`, …).
    pub name: String,
    /// `mrz`, `portrait`, `text`, `static`, `signature`.
    pub kind: &'static str,
    /// `[x, y, w, h]`, mm from the top-left corner.
    pub rect_mm: [f32; 4],
    /// A portrait the model prints over (its seal overlaps the photo).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub overprint: bool,
}

impl Zone {
    /// A zone with nothing printed over it.
    fn new(name: impl Into<String>, kind: &'static str, rect_mm: [f32; 4]) -> Zone {
        Zone {
            name: name.into(),
            kind,
            rect_mm,
            overprint: false,
        }
    }
}

/// `template.json` of the contract.
#[derive(Debug, Clone, Serialize)]
pub struct Template {
    /// Model id.
    pub id: String,
    /// Human name.
    pub name: String,
    /// Size, mm.
    pub size_mm: [f32; 2],
    /// `TD1`, `TD2`, `TD3`, `MRVA`, `MRVB`, `FRID`, or null.
    pub mrz_format: Option<&'static str>,
    /// Reference image file name.
    pub reference_image: String,
    /// Reference image resolution.
    pub reference_dpi: u32,
    /// Zones.
    pub zones: Vec<Zone>,
}

fn r(m: MmRect) -> [f32; 4] {
    let round = |v: f32| (v * 100.0).round() / 100.0;
    [round(m.x), round(m.y), round(m.w), round(m.h)]
}

/// The template of a model.
#[must_use]
pub fn template(model: &DocModel, fonts: &Fonts) -> Template {
    let s = &model.style;
    let mut zones = Vec::new();
    if let Some(m) = model.mrz_rect() {
        zones.push(Zone::new("mrz", "mrz", r(m)));
    }
    if let Some(p) = model.portrait {
        zones.push(Zone {
            overprint: s.seal_over_photo,
            ..Zone::new("portrait", "portrait", r(p))
        });
    }
    if let Some(g) = s.ghost {
        zones.push(Zone::new("ghost_portrait", "portrait", r(g)));
    }
    if let Some(sig) = model.signature {
        zones.push(Zone::new("signature", "signature", r(sig)));
    }
    let label_font = &fonts.family(s.label_family).regular;
    for f in &model.fields {
        zones.push(Zone::new(f.name, "text", r(model.value_rect(f))));
        // Label boxes from the font's advance width (mm at 1 px/mm).
        let w = text::text_width(label_font, s.label_size, &f.label);
        let label = MmRect {
            x: f.label_at.0 - 0.2,
            y: f.label_at.1 - s.label_size * 0.85,
            w: w + 0.4,
            h: s.label_size * 1.15,
        };
        zones.push(Zone::new(format!("label:{}", f.name), "static", r(label)));
    }
    let title_font = fonts.family(s.title_family).bold();
    for (i, (t, at, size, centred)) in model.titles.iter().enumerate() {
        let w = text::text_width(title_font, *size, t);
        let x = if *centred { at.0 - w / 2.0 } else { at.0 };
        let name = if i == 0 {
            "title".to_owned()
        } else {
            format!("title_{}", i + 1)
        };
        zones.push(Zone::new(
            name,
            "static",
            r(MmRect {
                x: x - 0.3,
                y: at.1 - size * 0.85,
                w: w + 0.6,
                h: size * 1.1,
            }),
        ));
    }
    if let Some((c, rad)) = model.emblem {
        zones.push(Zone::new(
            "emblem",
            "static",
            r(MmRect {
                x: c.0 - rad,
                y: c.1 - rad,
                w: 2.0 * rad,
                h: 2.0 * rad,
            }),
        ));
    }
    // Keep every zone inside the page.
    for z in &mut zones {
        let [x, y, w, h] = z.rect_mm;
        let (x0, y0) = (x.max(0.0), y.max(0.0));
        let (x1, y1) = ((x + w).min(model.size_mm[0]), (y + h).min(model.size_mm[1]));
        z.rect_mm = r(MmRect {
            x: x0,
            y: y0,
            w: (x1 - x0).max(0.0),
            h: (y1 - y0).max(0.0),
        });
    }
    Template {
        id: model.id.into(),
        name: model.name.into(),
        size_mm: model.size_mm,
        mrz_format: model.mrz.map(docscreen_mrz::Format::as_str),
        reference_image: "reference.png".into(),
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        reference_dpi: DPI as u32,
        zones,
    }
}

/// Writes `DIR/<id>/template.json` and `reference.png`.
///
/// # Errors
/// On I/O or encoding failure.
pub fn export(model: &DocModel, fonts: &Fonts, dir: &Path) -> std::io::Result<()> {
    let folder = dir.join(model.id);
    std::fs::create_dir_all(&folder)?;
    let t = template(model, fonts);
    std::fs::write(
        folder.join("template.json"),
        serde_json::to_vec_pretty(&t).map_err(std::io::Error::other)?,
    )?;
    let img = render::render_blank(model, fonts, DPI / 25.4);
    // Fast compression: references are written once per dataset, and an A4
    // page at 300 dpi takes seconds at the default level.
    let file = std::io::BufWriter::new(std::fs::File::create(folder.join("reference.png"))?);
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        file,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Adaptive,
    );
    image::ImageEncoder::write_image(
        encoder,
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::Rgb8,
    )
    .map_err(std::io::Error::other)
}

/// Writes `DIR/<id>/template.json` and a compact `reference.jpg` at `dpi`
/// (JPEG quality 90): the form shipped in `testdata/templates/`, where a
/// dozen 300-dpi PNG references would weigh 20 MB.
///
/// # Errors
/// On I/O or encoding failure.
pub fn export_compact(
    model: &DocModel,
    fonts: &Fonts,
    dir: &Path,
    dpi: u32,
) -> std::io::Result<()> {
    let folder = dir.join(model.id);
    std::fs::create_dir_all(&folder)?;
    let mut t = template(model, fonts);
    t.reference_image = "reference.jpg".into();
    t.reference_dpi = dpi;
    std::fs::write(
        folder.join("template.json"),
        serde_json::to_vec_pretty(&t).map_err(std::io::Error::other)?,
    )?;
    #[allow(clippy::cast_precision_loss)]
    let img = render::render_blank(model, fonts, dpi as f32 / 25.4);
    let file = std::io::BufWriter::new(std::fs::File::create(folder.join("reference.jpg"))?);
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(file, 90);
    encoder.encode_image(&img).map_err(std::io::Error::other)
}
