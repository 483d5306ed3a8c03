//! Fonts and text drawing: the families the generator prints with, loaded
//! once from the Debian font packages that `scripts/setup.sh` installs.

use std::sync::OnceLock;

use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use image::RgbImage;

use crate::security::{Rect, ink};

/// A font family the generator can print with.
#[derive(Debug)]
pub struct Family {
    /// Short name recorded in the ground truth (e.g. `liberation_serif`).
    pub name: &'static str,
    /// Regular weight.
    pub regular: FontVec,
    /// Bold weight (the regular one when the family has none).
    pub bold: Option<FontVec>,
}

/// Every font the generator uses.
#[derive(Debug)]
pub struct Fonts {
    /// OCR-B, for MRZs (ISO 1073-2, as Doc 9303-3 §4.4 requires).
    pub ocr_b: FontVec,
    /// Variants of OCR-B and other monospace faces, for re-printed MRZs.
    pub mrz_alternatives: Vec<(&'static str, FontVec)>,
    /// Label and data families.
    pub families: Vec<Family>,
}

/// Why fonts could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FontError {
    /// A required font file is missing.
    #[error(
        "font {path} is missing: run `bash scripts/setup.sh` (installs fonts-ocr-b and the other font packages)"
    )]
    Missing {
        /// The path looked for.
        path: &'static str,
    },
    /// A font file could not be parsed.
    #[error("font {path} is not a readable font")]
    Invalid {
        /// The path.
        path: &'static str,
    },
}

const OCR_B: &str = "/usr/share/fonts/opentype/ocr-b/OCRB.otf";

const MRZ_ALTERNATIVES: &[(&str, &str)] = &[
    ("ocr_b_light", "/usr/share/fonts/opentype/ocr-b/OCRBL.otf"),
    (
        "ocr_b_semibold",
        "/usr/share/fonts/opentype/ocr-b/OCRBS.otf",
    ),
    (
        "liberation_mono",
        "/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf",
    ),
    (
        "dejavu_sans_mono",
        "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    ),
    (
        "nimbus_mono",
        "/usr/share/fonts/opentype/urw-base35/NimbusMonoPS-Regular.otf",
    ),
    (
        "free_mono",
        "/usr/share/fonts/truetype/freefont/FreeMono.ttf",
    ),
];

/// (name, regular, bold)
const FAMILIES: &[(&str, &str, Option<&str>)] = &[
    (
        "dejavu_sans",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        Some("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
    (
        "dejavu_serif",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        Some("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"),
    ),
    (
        "liberation_sans",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
        Some("/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf"),
    ),
    (
        "liberation_serif",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        Some("/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf"),
    ),
    (
        "free_sans",
        "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
        Some("/usr/share/fonts/truetype/freefont/FreeSansBold.ttf"),
    ),
    (
        "free_serif",
        "/usr/share/fonts/truetype/freefont/FreeSerif.ttf",
        Some("/usr/share/fonts/truetype/freefont/FreeSerifBold.ttf"),
    ),
    (
        "nimbus_sans",
        "/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf",
        Some("/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf"),
    ),
    (
        "nimbus_sans_narrow",
        "/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Regular.otf",
        Some("/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Bold.otf"),
    ),
    (
        "nimbus_roman",
        "/usr/share/fonts/opentype/urw-base35/NimbusRoman-Regular.otf",
        Some("/usr/share/fonts/opentype/urw-base35/NimbusRoman-Bold.otf"),
    ),
    (
        "urw_gothic",
        "/usr/share/fonts/opentype/urw-base35/URWGothic-Book.otf",
        Some("/usr/share/fonts/opentype/urw-base35/URWGothic-Demi.otf"),
    ),
    (
        "c059",
        "/usr/share/fonts/opentype/urw-base35/C059-Roman.otf",
        Some("/usr/share/fonts/opentype/urw-base35/C059-Bold.otf"),
    ),
    (
        "p052",
        "/usr/share/fonts/opentype/urw-base35/P052-Roman.otf",
        Some("/usr/share/fonts/opentype/urw-base35/P052-Bold.otf"),
    ),
    (
        "urw_bookman",
        "/usr/share/fonts/opentype/urw-base35/URWBookman-Light.otf",
        Some("/usr/share/fonts/opentype/urw-base35/URWBookman-Demi.otf"),
    ),
    (
        "liberation_mono",
        "/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf",
        Some("/usr/share/fonts/truetype/liberation2/LiberationMono-Bold.ttf"),
    ),
];

fn load(path: &'static str) -> Result<FontVec, FontError> {
    let bytes = std::fs::read(path).map_err(|_| FontError::Missing { path })?;
    FontVec::try_from_vec(bytes).map_err(|_| FontError::Invalid { path })
}

impl Fonts {
    /// Loads every font; the OCR-B face is required, other families are
    /// used when present (at least one is required).
    ///
    /// # Errors
    /// [`FontError`] when OCR-B or every label family is missing.
    pub fn load() -> Result<Self, FontError> {
        let ocr_b = load(OCR_B)?;
        let mrz_alternatives = MRZ_ALTERNATIVES
            .iter()
            .filter_map(|(n, p)| load(p).ok().map(|f| (*n, f)))
            .collect();
        let families: Vec<Family> = FAMILIES
            .iter()
            .filter_map(|(name, reg, bold)| {
                let regular = load(reg).ok()?;
                Some(Family {
                    name,
                    regular,
                    bold: bold.and_then(|b| load(b).ok()),
                })
            })
            .collect();
        if families.is_empty() {
            return Err(FontError::Missing {
                path: FAMILIES[0].1,
            });
        }
        Ok(Self {
            ocr_b,
            mrz_alternatives,
            families,
        })
    }

    /// The fonts, loaded once per process.
    ///
    /// # Errors
    /// As [`Fonts::load`].
    pub fn shared() -> Result<&'static Fonts, &'static FontError> {
        static FONTS: OnceLock<Result<Fonts, FontError>> = OnceLock::new();
        FONTS.get_or_init(Fonts::load).as_ref()
    }

    /// The family at `index` (modulo the number loaded).
    #[must_use]
    pub fn family(&self, index: usize) -> &Family {
        &self.families[index % self.families.len()]
    }
}

impl Family {
    /// The bold face, or the regular one.
    #[must_use]
    pub fn bold(&self) -> &FontVec {
        self.bold.as_ref().unwrap_or(&self.regular)
    }
}

/// Width in pixels of `text` at `size_px` (the font's em height).
#[must_use]
pub fn text_width(font: &FontVec, size_px: f32, text: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size_px));
    let mut w = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            w += scaled.kern(p, id);
        }
        w += scaled.h_advance(id);
        prev = Some(id);
    }
    w
}

/// Draws `text` with its baseline starting at (`x`, `baseline`), glyphs
/// `size_px` high (em), in `color` with subtractive ink; `spacing` adds
/// pixels between glyphs. Returns the ink's bounding box (empty rect when
/// nothing was drawn).
#[allow(clippy::too_many_arguments)] // a text run has this many independent properties
pub fn draw_text(
    img: &mut RgbImage,
    font: &FontVec,
    x: f32,
    baseline: f32,
    size_px: f32,
    spacing: f32,
    text: &str,
    color: [u8; 3],
    alpha: f32,
) -> Rect {
    let scaled = font.as_scaled(PxScale::from(size_px));
    let mut pen = x;
    let mut prev = None;
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    let rgb = image::Rgb(color);
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        let glyph =
            id.with_scale_and_position(PxScale::from(size_px), ab_glyph::point(pen, baseline));
        if let Some(outline) = font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            x0 = x0.min(b.min.x);
            y0 = y0.min(b.min.y);
            x1 = x1.max(b.max.x);
            y1 = y1.max(b.max.y);
            outline.draw(|gx, gy, cov| {
                if cov > 0.01 {
                    #[allow(clippy::cast_possible_wrap, clippy::cast_precision_loss)]
                    // glyph pixels are small
                    ink(
                        img,
                        b.min.x as i32 + gx as i32,
                        b.min.y as i32 + gy as i32,
                        rgb,
                        cov.min(1.0) * alpha,
                    );
                }
            });
        }
        pen += scaled.h_advance(id) + spacing;
        prev = Some(id);
    }
    if x0 > x1 {
        Rect {
            x,
            y: baseline,
            w: 0.0,
            h: 0.0,
        }
    } else {
        Rect {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        }
    }
}

/// Draws monospaced text with a fixed `pitch` between character origins
/// (the MRZ is printed at 10 characters per inch, Doc 9303-3 §4.4). Returns
/// the ink's bounding box.
#[allow(clippy::too_many_arguments)] // as draw_text, plus the pitch
pub fn draw_fixed_pitch(
    img: &mut RgbImage,
    font: &FontVec,
    x: f32,
    baseline: f32,
    size_px: f32,
    pitch: f32,
    text: &str,
    color: [u8; 3],
    alpha: f32,
) -> Rect {
    let mut bbox: Option<Rect> = None;
    let mut buf = [0u8; 4];
    #[allow(clippy::cast_precision_loss)] // an MRZ line has at most 44 characters
    for (i, c) in text.chars().enumerate() {
        let cx = x + i as f32 * pitch;
        // Centre each glyph in its cell so that proportional fallbacks stay on the grid.
        let s: &str = c.encode_utf8(&mut buf);
        let w = text_width(font, size_px, s);
        let r = draw_text(
            img,
            font,
            cx + (pitch - w) / 2.0,
            baseline,
            size_px,
            0.0,
            s,
            color,
            alpha,
        );
        if r.w > 0.0 {
            bbox = Some(match bbox {
                None => r,
                Some(b) => union(b, r),
            });
        }
    }
    bbox.unwrap_or(Rect {
        x,
        y: baseline,
        w: 0.0,
        h: 0.0,
    })
}

/// The smallest rectangle holding both.
#[must_use]
pub fn union(a: Rect, b: Rect) -> Rect {
    let x0 = a.x.min(b.x);
    let y0 = a.y.min(b.y);
    let x1 = (a.x + a.w).max(b.x + b.w);
    let y1 = (a.y + a.h).max(b.y + b.h);
    Rect {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: y1 - y0,
    }
}
