//! Security printing and graphic elements of the invented documents:
//! guilloches, rosettes, microtext, rainbow printing, emblems, seals,
//! signatures and synthetic portraits. Ink is subtractive, as in print.

use std::f32::consts::TAU;

use ab_glyph::FontVec;
use image::{Rgb, RgbImage, imageops};
use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::SynthRng;

/// An axis-aligned rectangle: x, y of the top-left corner, width, height
/// (pixels, or millimetres where a name says so).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    /// Left.
    pub x: f32,
    /// Top.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl Rect {
    fn contains(&self, x: f32, y: f32) -> bool {
        x >= self.x && y >= self.y && x < self.x + self.w && y < self.y + self.h
    }
}

/// Prints one pixel: `out = paper × lerp(1, colour, alpha)` (multiply, as
/// ink on paper). Out-of-image coordinates are ignored.
#[allow(clippy::cast_sign_loss)] // checked non-negative
pub fn ink(img: &mut RgbImage, x: i32, y: i32, color: Rgb<u8>, alpha: f32) {
    if x < 0 || y < 0 || x as u32 >= img.width() || y as u32 >= img.height() || alpha <= 0.0 {
        return;
    }
    let a = alpha.min(1.0);
    let p = img.get_pixel_mut(x as u32, y as u32);
    for i in 0..3 {
        let f = 1.0 - a + a * f32::from(color.0[i]) / 255.0;
        p.0[i] = (f32::from(p.0[i]) * f).round() as u8;
    }
}

/// Anti-aliased thick polyline, optionally clipped to `clip`.
#[allow(clippy::cast_possible_wrap, clippy::cast_precision_loss)] // pixel coordinates
fn stroke(
    img: &mut RgbImage,
    points: &[(f32, f32)],
    width: f32,
    color: Rgb<u8>,
    alpha: f32,
    clip: Option<Rect>,
) {
    let half = width / 2.0;
    let reach = half + 1.0;
    for seg in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (seg[0], seg[1]);
        let (dx, dy) = (x1 - x0, y1 - y0);
        let len2 = (dx * dx + dy * dy).max(1e-6);
        let bx0 = (x0.min(x1) - reach).floor() as i32;
        let by0 = (y0.min(y1) - reach).floor() as i32;
        let bx1 = (x0.max(x1) + reach).ceil() as i32;
        let by1 = (y0.max(y1) + reach).ceil() as i32;
        if let Some(c) = clip
            && ((bx1 as f32) < c.x
                || (by1 as f32) < c.y
                || bx0 as f32 > c.x + c.w
                || by0 as f32 > c.y + c.h)
        {
            continue;
        }
        let (bx0, by0, bx1, by1) = match clip {
            Some(c) => (
                bx0.max(c.x.floor() as i32),
                by0.max(c.y.floor() as i32),
                bx1.min((c.x + c.w).ceil() as i32),
                by1.min((c.y + c.h).ceil() as i32),
            ),
            None => (bx0, by0, bx1, by1),
        };
        let (bx0, by0) = (bx0.max(0), by0.max(0));
        let (bx1, by1) = (
            bx1.min(img.width() as i32 - 1),
            by1.min(img.height() as i32 - 1),
        );
        for y in by0..=by1 {
            for x in bx0..=bx1 {
                let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                if let Some(c) = clip
                    && !c.contains(px, py)
                {
                    continue;
                }
                let t = (((px - x0) * dx + (py - y0) * dy) / len2).clamp(0.0, 1.0);
                let (qx, qy) = (x0 + t * dx - px, y0 + t * dy - py);
                let d = (qx * qx + qy * qy).sqrt();
                // Segments overlap at joints: only the part of a pixel closer to
                // this segment's interior prints, which keeps joints even.
                let cov = (half + 0.5 - d).clamp(0.0, 1.0);
                if cov > 0.0 && (t > 0.0 || seg[0] == points[0]) {
                    ink(img, x, y, color, cov * alpha);
                }
            }
        }
    }
}

/// Anti-aliased thick polyline.
pub fn stroke_polyline(
    img: &mut RgbImage,
    points: &[(f32, f32)],
    width: f32,
    color: Rgb<u8>,
    alpha: f32,
) {
    stroke(img, points, width, color, alpha, None);
}

/// Families of guilloche patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Guilloche {
    /// Spirograph curves rolling inside a circle.
    Hypotrochoid,
    /// Spirograph curves rolling outside a circle.
    Epitrochoid,
    /// Lissajous figures.
    Lissajous,
    /// Bands of modulated wavy lines.
    WaveBands,
    /// Two crossing families of wavy lines.
    Moire,
}

/// Parameters of one guilloche fill (a counterfeit perturbs them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuillocheParams {
    /// Family.
    pub family: Guilloche,
    /// Spatial frequency (cycles per 1000 px for waves; lobe count for curves).
    pub frequency: f32,
    /// Phase, radians.
    pub phase: f32,
    /// Amplitude relative to the line spacing or radius.
    pub amplitude: f32,
    /// Line width, px at 300 dpi.
    pub line_width: f32,
    /// Number of lines or curves.
    pub lines: u32,
    /// Ink colour.
    pub color: [u8; 3],
    /// Ink opacity.
    pub alpha: f32,
}

impl GuillocheParams {
    /// Random parameters in `color`.
    #[must_use]
    pub fn random(rng: &mut SynthRng, color: [u8; 3]) -> Self {
        let family = [
            Guilloche::Hypotrochoid,
            Guilloche::Epitrochoid,
            Guilloche::Lissajous,
            Guilloche::WaveBands,
            Guilloche::Moire,
        ][rng.random_range(0..5)];
        Self {
            family,
            frequency: rng.random_range(3.0..9.0),
            phase: rng.random_range(0.0..TAU),
            amplitude: rng.random_range(0.3..0.9),
            line_width: rng.random_range(0.7..1.4),
            lines: rng.random_range(40..110),
            color,
            alpha: rng.random_range(0.45..0.8),
        }
    }
}

/// Fills `area` with the pattern, clipped to it.
#[allow(clippy::cast_precision_loss, clippy::cast_sign_loss)] // counts of lines and samples; widths are positive
pub fn guilloche(img: &mut RgbImage, area: Rect, p: &GuillocheParams) {
    if area.w < 1.0 || area.h < 1.0 {
        return;
    }
    let color = Rgb(p.color);
    let (cx, cy) = (area.x + area.w / 2.0, area.y + area.h / 2.0);
    let n = p.lines.max(1);
    match p.family {
        Guilloche::WaveBands | Guilloche::Moire => {
            let spacing = area.h / n as f32;
            let amp = spacing * (1.0 + 3.0 * p.amplitude);
            // Periods of 10-35 mm at 300 dpi, as on printed documents.
            let k = p.frequency / 1000.0 * TAU;
            let steps = (area.w.max(0.0) / 3.0).ceil() as usize + 1;
            let families: &[f32] = if p.family == Guilloche::Moire {
                &[0.0, 0.35]
            } else {
                &[0.0]
            };
            for (fi, &tilt) in families.iter().enumerate() {
                for i in 0..=n {
                    let y0 = area.y + i as f32 * spacing;
                    let ph = p.phase + i as f32 * 0.21 + fi as f32 * 1.3;
                    let pts: Vec<(f32, f32)> = (0..=steps)
                        .map(|s| {
                            let x = area.x + s as f32 * 3.0;
                            let env = 1.0 + 0.5 * (x * k * 0.13 + ph).sin();
                            (
                                x,
                                y0 + tilt * (x - area.x) * 0.2 + amp * env * (x * k + ph).sin(),
                            )
                        })
                        .collect();
                    stroke(img, &pts, p.line_width, color, p.alpha, Some(area));
                }
            }
        }
        Guilloche::Hypotrochoid | Guilloche::Epitrochoid | Guilloche::Lissajous => {
            let radius = (area.w.max(area.h)) * 0.62;
            let lobes = p.frequency.round().max(3.0);
            let curves = (n / 6).max(6);
            for c in 0..curves {
                let ph = p.phase + c as f32 * TAU / curves as f32 / lobes;
                let scale = 0.55 + 0.45 * (c as f32 / curves as f32);
                // Segments of about 3 px: long curves get more samples, and no
                // segment's bounding box grows large (the stroke's cost).
                let curve = |samples: usize| -> Vec<(f32, f32)> {
                    (0..=samples)
                        .map(|s| {
                            let t = s as f32 / samples as f32 * TAU;
                            let (x, y) = match p.family {
                                Guilloche::Hypotrochoid => {
                                    let (big, small) = (1.0, 1.0 / lobes);
                                    let d = small * (1.0 + 3.0 * p.amplitude);
                                    let a = (big - small) * t.cos()
                                        + d * (((big - small) / small) * t + ph).cos();
                                    let b = (big - small) * t.sin()
                                        - d * (((big - small) / small) * t + ph).sin();
                                    (a, b)
                                }
                                Guilloche::Epitrochoid => {
                                    let (big, small) = (0.7, 0.7 / lobes);
                                    let d = small * (1.0 + 3.0 * p.amplitude);
                                    let a = (big + small) * t.cos()
                                        - d * (((big + small) / small) * t + ph).cos();
                                    let b = (big + small) * t.sin()
                                        - d * (((big + small) / small) * t + ph).sin();
                                    (a, b)
                                }
                                _ => (
                                    (lobes * t + ph).sin(),
                                    ((lobes + 1.0) * t).sin() * (0.6 + 0.4 * p.amplitude),
                                ),
                            };
                            (
                                cx + x * radius * scale,
                                cy + y * radius * scale * area.h.min(area.w) / area.w.max(area.h)
                                    * 1.4,
                            )
                        })
                        .collect()
                };
                let coarse = curve(400);
                let length: f32 = coarse
                    .windows(2)
                    .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
                    .sum();
                let pts = curve(((length / 3.0) as usize).clamp(400, 60_000));
                stroke(img, &pts, p.line_width, color, p.alpha, Some(area));
            }
        }
    }
}

/// A rosette (circular guilloche medallion): concentric modulated rings.
#[allow(clippy::cast_precision_loss, clippy::too_many_arguments)] // ring counts; the rosette's own parameters
pub fn rosette(
    img: &mut RgbImage,
    center: (f32, f32),
    radius: f32,
    petals: u32,
    rings: u32,
    phase: f32,
    color: [u8; 3],
    alpha: f32,
) {
    let rings = rings.max(1);
    for i in 0..rings {
        let r = radius * (0.35 + 0.65 * (i as f32 + 1.0) / rings as f32);
        for strand in 0..3 {
            let ph = phase + i as f32 * 0.4 + strand as f32 * TAU / 3.0 / petals.max(1) as f32;
            let samples = 720;
            let pts: Vec<(f32, f32)> = (0..=samples)
                .map(|s| {
                    let t = s as f32 / samples as f32 * TAU;
                    let rr = r * (1.0 + 0.09 * (petals as f32 * t + ph).sin());
                    (center.0 + rr * t.cos(), center.1 + rr * t.sin())
                })
                .collect();
            stroke(img, &pts, 0.9, Rgb(color), alpha, None);
        }
    }
}

/// A line of microtext repeating `text` along a horizontal baseline from
/// `from` to `to` (glyphs `size_px` high: 0.25-0.4 mm on real documents).
pub fn microtext_line(
    img: &mut RgbImage,
    font: &FontVec,
    from: (f32, f32),
    to: (f32, f32),
    text: &str,
    size_px: f32,
    color: [u8; 3],
) {
    if text.is_empty() || size_px <= 0.5 {
        return;
    }
    let unit = format!("{text} ");
    let w = crate::text::text_width(font, size_px, &unit).max(1.0);
    let mut x = from.0;
    while x < to.0 {
        crate::text::draw_text(img, font, x, from.1, size_px, 0.0, &unit, color, 0.8);
        x += w;
    }
}

/// Rainbow (split-fountain) printing: a smooth blend through `colors` along
/// `angle_deg`, printed as a light tint over `area`.
#[allow(
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    clippy::cast_precision_loss
)] // clamped pixel coordinates
pub fn rainbow(img: &mut RgbImage, area: Rect, colors: &[[u8; 3]], angle_deg: f32, strength: f32) {
    if colors.is_empty() {
        return;
    }
    let (s, c) = angle_deg.to_radians().sin_cos();
    let span = (area.w * c.abs() + area.h * s.abs()).max(1.0);
    let x0 = area.x.max(0.0) as u32;
    let y0 = area.y.max(0.0) as u32;
    let x1 = ((area.x + area.w).max(0.0) as u32).min(img.width());
    let y1 = ((area.y + area.h).max(0.0) as u32).min(img.height());
    let n = colors.len() - 1;
    // A 256-step colour ramp, then one multiply per channel: the whole page
    // is tinted, so this loop is hot.
    let ramp: Vec<[f32; 3]> = (0..256)
        .map(|i| {
            let t = i as f32 / 255.0 * n as f32;
            let j = (t.floor() as usize).min(n.saturating_sub(1));
            let f = if n == 0 { 0.0 } else { t - j as f32 };
            let (a, b) = (colors[j], colors[(j + 1).min(n)]);
            [0, 1, 2].map(|k| {
                1.0 - strength
                    + strength * (f32::from(a[k]) * (1.0 - f) + f32::from(b[k]) * f) / 255.0
            })
        })
        .collect();
    let offset = if c < 0.0 || s < 0.0 { 0.5 } else { 0.0 };
    let width = img.width() as usize;
    let raw: &mut [u8] = img;
    for y in y0..y1 {
        let row = &mut raw
            [(y as usize * width + x0 as usize) * 3..(y as usize * width + x1 as usize) * 3];
        let base = (y as f32 - area.y) * s / span + offset;
        for (i, px) in row.chunks_exact_mut(3).enumerate() {
            let proj = base + ((x0 as usize + i) as f32 - area.x) * c / span;
            let f = ramp[(proj.clamp(0.0, 1.0) * 255.0) as usize];
            for k in 0..3 {
                px[k] = (f32::from(px[k]) * f[k]) as u8;
            }
        }
    }
}

/// Fills a polygon with ink (even-odd rule), anti-aliased by 2×2 supersampling.
#[allow(clippy::cast_possible_wrap, clippy::cast_precision_loss)] // pixel coordinates
fn fill_polygon(img: &mut RgbImage, poly: &[(f32, f32)], color: [u8; 3], alpha: f32) {
    if poly.len() < 3 {
        return;
    }
    let inside = |px: f32, py: f32| {
        let mut c = false;
        let mut j = poly.len() - 1;
        for i in 0..poly.len() {
            let (xi, yi) = poly[i];
            let (xj, yj) = poly[j];
            if (yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi {
                c = !c;
            }
            j = i;
        }
        c
    };
    let x0 = poly.iter().map(|p| p.0).fold(f32::MAX, f32::min).floor() as i32;
    let x1 = poly.iter().map(|p| p.0).fold(f32::MIN, f32::max).ceil() as i32;
    let y0 = poly.iter().map(|p| p.1).fold(f32::MAX, f32::min).floor() as i32;
    let y1 = poly.iter().map(|p| p.1).fold(f32::MIN, f32::max).ceil() as i32;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let mut cov = 0.0;
            for (sx, sy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                if inside(x as f32 + sx, y as f32 + sy) {
                    cov += 0.25;
                }
            }
            if cov > 0.0 {
                ink(img, x, y, Rgb(color), cov * alpha);
            }
        }
    }
}

fn star(center: (f32, f32), outer: f32, inner: f32, points: u32, rot: f32) -> Vec<(f32, f32)> {
    #[allow(clippy::cast_precision_loss)]
    (0..points * 2)
        .map(|i| {
            let a = rot + i as f32 * TAU / (points * 2) as f32;
            let r = if i % 2 == 0 { outer } else { inner };
            (center.0 + r * a.sin(), center.1 - r * a.cos())
        })
        .collect()
}

fn circle(center: (f32, f32), r: f32, n: usize) -> Vec<(f32, f32)> {
    #[allow(clippy::cast_precision_loss)]
    (0..=n)
        .map(|i| i as f32 / n as f32 * TAU)
        .map(|a| (center.0 + r * a.cos(), center.1 + r * a.sin()))
        .collect()
}

/// A procedural emblem (never a real one): shield, star, sun or wreath.
pub fn emblem(
    img: &mut RgbImage,
    center: (f32, f32),
    radius: f32,
    color: [u8; 3],
    alpha: f32,
    rng: &mut SynthRng,
) {
    let (cx, cy) = center;
    let r = radius;
    match rng.random_range(0..4) {
        0 => {
            // Shield with a star.
            let shield = vec![
                (cx - r * 0.8, cy - r * 0.9),
                (cx + r * 0.8, cy - r * 0.9),
                (cx + r * 0.8, cy),
                (cx, cy + r),
                (cx - r * 0.8, cy),
            ];
            let mut outline = shield.clone();
            outline.push(shield[0]);
            stroke(img, &outline, (r * 0.08).max(1.0), Rgb(color), alpha, None);
            fill_polygon(
                img,
                &star((cx, cy - r * 0.15), r * 0.45, r * 0.18, 5, 0.0),
                color,
                alpha,
            );
        }
        1 => fill_polygon(
            img,
            &star(
                center,
                r,
                r * rng.random_range(0.35..0.55),
                rng.random_range(5..9),
                0.0,
            ),
            color,
            alpha,
        ),
        2 => {
            // Sun: disc and rays.
            fill_polygon(img, &circle(center, r * 0.4, 48), color, alpha);
            let rays = rng.random_range(10..20);
            #[allow(clippy::cast_precision_loss)]
            for i in 0..rays {
                let a = i as f32 * TAU / rays as f32;
                stroke(
                    img,
                    &[
                        (cx + r * 0.5 * a.cos(), cy + r * 0.5 * a.sin()),
                        (cx + r * a.cos(), cy + r * a.sin()),
                    ],
                    (r * 0.06).max(1.0),
                    Rgb(color),
                    alpha,
                    None,
                );
            }
        }
        _ => {
            // Wreath of leaves around a small star.
            let leaves = rng.random_range(12..20);
            #[allow(clippy::cast_precision_loss)]
            for i in 0..leaves {
                let a = -TAU / 4.0 + (i as f32 + 0.5) * (TAU * 0.85) / leaves as f32
                    - TAU * 0.85 / 2.0
                    + TAU / 4.0;
                let (lx, ly) = (cx + r * 0.8 * a.cos(), cy + r * 0.8 * a.sin());
                let leaf = [
                    (lx, ly),
                    (
                        lx + r * 0.22 * (a + 0.9).cos(),
                        ly + r * 0.22 * (a + 0.9).sin(),
                    ),
                    (
                        lx + r * 0.3 * (a + 1.6).cos(),
                        ly + r * 0.3 * (a + 1.6).sin(),
                    ),
                ];
                fill_polygon(img, &leaf, color, alpha);
            }
            fill_polygon(img, &star(center, r * 0.45, r * 0.2, 5, 0.0), color, alpha);
        }
    }
}

/// An official seal: double ring, `text` around the circle, a star in the
/// middle, semi-transparent ink with uneven pressure.
#[allow(clippy::cast_precision_loss)] // character counts
pub fn seal(
    img: &mut RgbImage,
    font: &FontVec,
    center: (f32, f32),
    radius: f32,
    text: &str,
    color: [u8; 3],
    rng: &mut SynthRng,
) {
    let pressure = rng.random_range(0.45..0.8);
    let tilt = rng.random_range(0.0..TAU);
    let w = (radius * 0.05).max(1.0);
    stroke(
        img,
        &circle(center, radius, 96),
        w,
        Rgb(color),
        pressure,
        None,
    );
    stroke(
        img,
        &circle(center, radius * 0.72, 96),
        w * 0.7,
        Rgb(color),
        pressure * 0.9,
        None,
    );
    fill_polygon(
        img,
        &star(center, radius * 0.32, radius * 0.13, 5, tilt * 0.1),
        color,
        pressure * 0.9,
    );
    let chars: Vec<char> = text.chars().collect();
    let size = radius * 0.2;
    for (i, ch) in chars.iter().enumerate() {
        let a = tilt + i as f32 / chars.len().max(1) as f32 * TAU;
        let r = radius * 0.86;
        let (x, y) = (center.0 + r * a.cos(), center.1 + r * a.sin());
        let s = ch.to_string();
        let cw = crate::text::text_width(font, size, &s);
        // Pressure varies around the ring, as with a hand stamp.
        let p = pressure * (0.75 + 0.25 * (a * 2.0 + tilt).sin());
        crate::text::draw_text(
            img,
            font,
            x - cw / 2.0,
            y + size * 0.35,
            size,
            0.0,
            &s,
            color,
            p,
        );
    }
}

/// A handwritten-looking signature: smooth connected strokes with loops.
#[allow(clippy::cast_precision_loss)] // sample counts
pub fn signature(img: &mut RgbImage, area: Rect, color: [u8; 3], rng: &mut SynthRng) {
    if area.w < 4.0 || area.h < 4.0 {
        return;
    }
    let n = rng.random_range(6..12);
    let mut ctrl: Vec<(f32, f32)> = (0..n)
        .map(|i| {
            let t = i as f32 / (n - 1) as f32;
            (
                area.x + area.w * (0.05 + 0.9 * t) + rng.random_range(-0.06..0.06) * area.w,
                area.y + area.h * rng.random_range(0.15..0.85),
            )
        })
        .collect();
    ctrl.insert(0, ctrl[0]);
    ctrl.push(ctrl[ctrl.len() - 1]);
    let mut pts = Vec::new();
    for w in ctrl.windows(4) {
        let (p0, p1, p2, p3) = (w[0], w[1], w[2], w[3]);
        for s in 0..16 {
            let t = s as f32 / 16.0;
            let (t2, t3) = (t * t, t * t * t);
            let f = |a: f32, b: f32, c: f32, d: f32| {
                0.5 * (2.0 * b
                    + (-a + c) * t
                    + (2.0 * a - 5.0 * b + 4.0 * c - d) * t2
                    + (-a + 3.0 * b - 3.0 * c + d) * t3)
            };
            let (x, y) = (f(p0.0, p1.0, p2.0, p3.0), f(p0.1, p1.1, p2.1, p3.1));
            // Loops: a small circular wobble.
            let lp = (t * TAU).sin() * area.h * 0.08;
            pts.push((
                (x + lp).clamp(area.x + 1.0, area.x + area.w - 1.0),
                (y + lp * 0.5).clamp(area.y + 1.0, area.y + area.h - 1.0),
            ));
        }
    }
    let width = rng.random_range(1.8..3.5);
    stroke(img, &pts, width, Rgb(color), 0.9, Some(area));
    // An underline flourish, sometimes.
    if rng.random_bool(0.5) {
        let y = area.y + area.h * rng.random_range(0.7..0.9);
        stroke(
            img,
            &[
                (area.x + area.w * 0.1, y),
                (area.x + area.w * 0.6, y + area.h * 0.05),
                (area.x + area.w * 0.9, y - area.h * 0.05),
            ],
            width * 0.8,
            Rgb(color),
            0.85,
            Some(area),
        );
    }
}

/// Portrait styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortraitStyle {
    /// Colour photo.
    Colour,
    /// Greyscale photo.
    Grey,
}

/// A synthetic portrait photo (no real person) of `w`×`h` pixels.
#[must_use]
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)] // pixel maths
pub fn portrait(w: u32, h: u32, style: PortraitStyle, rng: &mut SynthRng) -> RgbImage {
    let (wf, hf) = (w as f32, h as f32);
    let bg_top = [
        rng.random_range(170..240u8),
        rng.random_range(180..240u8),
        rng.random_range(190..250u8),
    ];
    let bg_bot = bg_top.map(|v| v.saturating_sub(rng.random_range(10..50)));
    let skin = [
        [255, 224, 196],
        [241, 194, 160],
        [224, 172, 135],
        [198, 134, 96],
        [160, 104, 70],
        [120, 78, 52],
        [88, 58, 40],
    ][rng.random_range(0..7)];
    let hair = [
        [30, 25, 20],
        [70, 45, 30],
        [120, 90, 50],
        [200, 170, 110],
        [150, 150, 150],
        [40, 40, 45],
    ][rng.random_range(0..6)];
    let cloth = [
        rng.random_range(20..200u8),
        rng.random_range(20..200u8),
        rng.random_range(20..200u8),
    ];
    let (hx, hy) = (
        wf * rng.random_range(0.46..0.54),
        hf * rng.random_range(0.38..0.45),
    );
    let (hw, hh) = (
        wf * rng.random_range(0.24..0.31),
        hf * rng.random_range(0.25..0.31),
    );
    let hair_long = rng.random_bool(0.4);
    let bald = rng.random_bool(0.1);
    let eye_y = hy - hh * 0.05;
    let mut img = RgbImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let (xf, yf) = (x as f32 + 0.5, y as f32 + 0.5);
            let t = yf / hf;
            let mut c = [0, 1, 2]
                .map(|i| (f32::from(bg_top[i]) * (1.0 - t) + f32::from(bg_bot[i]) * t) as u8);
            let e = |cx: f32, cy: f32, rx: f32, ry: f32| {
                ((xf - cx) / rx).powi(2) + ((yf - cy) / ry).powi(2)
            };
            // Hair behind the head (long hair).
            if hair_long && !bald && e(hx, hy + hh * 0.3, hw * 1.25, hh * 1.3) < 1.0 && yf > hy - hh
            {
                c = hair;
            }
            // Shoulders and neck.
            if e(wf * 0.5, hf * 1.05, wf * 0.55, hf * 0.3) < 1.0 {
                c = cloth;
            }
            if (xf - hx).abs() < hw * 0.38
                && yf > hy + hh * 0.6
                && yf < hf * 0.85
                && e(wf * 0.5, hf * 1.05, wf * 0.55, hf * 0.3) >= 1.0
            {
                c = skin.map(|v: u8| v.saturating_sub(15));
            }
            // Head.
            if e(hx, hy, hw, hh) < 1.0 {
                c = skin;
                // Hair cap.
                if !bald && yf < hy - hh * 0.45 + (xf - hx).abs() * 0.15 {
                    c = hair;
                }
                // Eyes, brows, nose, mouth.
                for side in [-1.0f32, 1.0] {
                    let ex = hx + side * hw * 0.38;
                    if e(ex, eye_y, hw * 0.13, hh * 0.06) < 1.0 {
                        c = [250, 250, 250];
                        if e(ex, eye_y, hw * 0.06, hh * 0.055) < 1.0 {
                            c = [40, 30, 25];
                        }
                    }
                    if (yf - (eye_y - hh * 0.14)).abs() < hh * 0.025 && (xf - ex).abs() < hw * 0.17
                    {
                        c = hair;
                    }
                }
                if (xf - hx).abs() < hw * 0.03 && yf > eye_y && yf < hy + hh * 0.3 {
                    c = skin.map(|v: u8| v.saturating_sub(40));
                }
                if e(hx, hy + hh * 0.55, hw * 0.3, hh * 0.05) < 1.0 {
                    c = [150, 60, 60];
                }
            }
            if style == PortraitStyle::Grey {
                let l = (0.299 * f32::from(c[0])
                    + 0.587 * f32::from(c[1])
                    + 0.114 * f32::from(c[2])) as u8;
                c = [l, l, l];
            }
            img.put_pixel(x, y, Rgb(c));
        }
    }
    // A touch of blur, as a printed photo has.
    imageops::blur(&img, 0.8)
}

fn resized(photo: &RgbImage, w: u32, h: u32) -> RgbImage {
    imageops::resize(photo, w.max(1), h.max(1), imageops::FilterType::Triangle)
}

/// A ghost image: a faint monochrome copy of `photo` printed into `area`.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)] // pixel maths
pub fn ghost_image(img: &mut RgbImage, area: Rect, photo: &RgbImage, color: [u8; 3], opacity: f32) {
    if area.w < 2.0 || area.h < 2.0 {
        return;
    }
    let small = resized(photo, area.w as u32, area.h as u32);
    for (x, y, p) in small.enumerate_pixels() {
        let l = (0.299 * f32::from(p.0[0]) + 0.587 * f32::from(p.0[1]) + 0.114 * f32::from(p.0[2]))
            / 255.0;
        ink(
            img,
            area.x as i32 + x as i32,
            area.y as i32 + y as i32,
            Rgb(color),
            opacity * (1.0 - l),
        );
    }
}

/// Pastes `photo` into `area` (resized), with a soft edge of `feather_px`.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap,
    clippy::cast_precision_loss
)] // pixel maths
pub fn paste_photo(img: &mut RgbImage, area: Rect, photo: &RgbImage, feather_px: f32) {
    if area.w < 1.0 || area.h < 1.0 {
        return;
    }
    let (w, h) = (area.w.round() as u32, area.h.round() as u32);
    let small = resized(photo, w, h);
    let (ox, oy) = (area.x.round() as i64, area.y.round() as i64);
    for (x, y, p) in small.enumerate_pixels() {
        let (ix, iy) = (ox + i64::from(x), oy + i64::from(y));
        if ix < 0 || iy < 0 || ix >= i64::from(img.width()) || iy >= i64::from(img.height()) {
            continue;
        }
        let edge = (x.min(w - 1 - x).min(y).min(h - 1 - y)) as f32;
        let a = if feather_px > 0.0 {
            ((edge + 0.5) / feather_px).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let q = img.get_pixel_mut(ix as u32, iy as u32);
        for i in 0..3 {
            q.0[i] = (f32::from(q.0[i]) * (1.0 - a) + f32::from(p.0[i]) * a).round() as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn page() -> RgbImage {
        RgbImage::from_pixel(1000, 700, Rgb([250, 248, 240]))
    }

    fn font() -> FontVec {
        FontVec::try_from_vec(
            std::fs::read("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
                .expect("DejaVu installed"),
        )
        .expect("font")
    }

    fn sample(seed: u64) -> RgbImage {
        let mut rng = SynthRng::seed_from_u64(seed);
        let mut img = page();
        let f = font();
        rainbow(
            &mut img,
            Rect {
                x: 0.0,
                y: 0.0,
                w: 1000.0,
                h: 700.0,
            },
            &[[150, 190, 230], [230, 170, 190], [170, 210, 170]],
            30.0,
            0.3,
        );
        let mut p = GuillocheParams::random(&mut rng, [150, 190, 230]);
        p.family = Guilloche::Hypotrochoid;
        guilloche(
            &mut img,
            Rect {
                x: 0.0,
                y: 0.0,
                w: 500.0,
                h: 350.0,
            },
            &p,
        );
        p.family = Guilloche::WaveBands;
        guilloche(
            &mut img,
            Rect {
                x: 500.0,
                y: 0.0,
                w: 500.0,
                h: 350.0,
            },
            &p,
        );
        p.family = Guilloche::Moire;
        guilloche(
            &mut img,
            Rect {
                x: 0.0,
                y: 350.0,
                w: 500.0,
                h: 350.0,
            },
            &p,
        );
        rosette(
            &mut img,
            (750.0, 520.0),
            150.0,
            12,
            6,
            0.3,
            [230, 170, 190],
            0.6,
        );
        microtext_line(
            &mut img,
            &f,
            (10.0, 360.0),
            (990.0, 360.0),
            "UTOPIA",
            4.0,
            [30, 50, 110],
        );
        emblem(&mut img, (900.0, 80.0), 60.0, [30, 50, 110], 0.9, &mut rng);
        let photo = portrait(240, 310, PortraitStyle::Colour, &mut rng);
        paste_photo(
            &mut img,
            Rect {
                x: 40.0,
                y: 380.0,
                w: 240.0,
                h: 310.0,
            },
            &photo,
            0.0,
        );
        seal(
            &mut img,
            &f,
            (260.0, 640.0),
            80.0,
            "REPUBLIC OF UTOPIA * OFFICIAL *",
            [110, 30, 40],
            &mut rng,
        );
        signature(
            &mut img,
            Rect {
                x: 300.0,
                y: 600.0,
                w: 250.0,
                h: 80.0,
            },
            [20, 30, 90],
            &mut rng,
        );
        ghost_image(
            &mut img,
            Rect {
                x: 320.0,
                y: 400.0,
                w: 120.0,
                h: 150.0,
            },
            &photo,
            [110, 30, 40],
            0.35,
        );
        img
    }

    #[test]
    fn sample_page_is_deterministic_and_saved_on_request() {
        let a = sample(5);
        assert_eq!(a, sample(5));
        assert_ne!(a, sample(6));
        if std::env::var_os("SAVE_SAMPLES").is_some() {
            a.save(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../target/security_sample.png"
            ))
            .expect("save");
        }
    }

    #[test]
    fn fills_stay_inside_their_area() {
        let mut rng = SynthRng::seed_from_u64(1);
        let area = Rect {
            x: 100.0,
            y: 100.0,
            w: 300.0,
            h: 200.0,
        };
        for family in [
            Guilloche::Hypotrochoid,
            Guilloche::Epitrochoid,
            Guilloche::Lissajous,
            Guilloche::WaveBands,
            Guilloche::Moire,
        ] {
            let mut img = page();
            let mut p = GuillocheParams::random(&mut rng, [100, 100, 200]);
            p.family = family;
            guilloche(&mut img, area, &p);
            signature(&mut img, area, [0, 0, 0], &mut rng);
            rainbow(&mut img, area, &[[200, 0, 0], [0, 0, 200]], 10.0, 0.5);
            let mut touched_inside = false;
            for (x, y, px) in img.enumerate_pixels() {
                #[allow(clippy::cast_precision_loss)]
                let inside = area.contains(x as f32 + 0.5, y as f32 + 0.5);
                if px.0 != [250, 248, 240] {
                    assert!(inside, "{family:?} inked ({x},{y}) outside");
                    touched_inside = true;
                }
            }
            assert!(touched_inside, "{family:?} drew nothing");
        }
    }

    #[test]
    fn borders_and_empty_areas_do_not_panic() {
        let mut rng = SynthRng::seed_from_u64(2);
        let mut img = RgbImage::from_pixel(50, 40, Rgb([255, 255, 255]));
        let p = GuillocheParams::random(&mut rng, [0, 0, 0]);
        guilloche(
            &mut img,
            Rect {
                x: -20.0,
                y: -20.0,
                w: 100.0,
                h: 100.0,
            },
            &p,
        );
        guilloche(
            &mut img,
            Rect {
                x: 10.0,
                y: 10.0,
                w: 0.0,
                h: 0.0,
            },
            &p,
        );
        signature(
            &mut img,
            Rect {
                x: 45.0,
                y: 35.0,
                w: 30.0,
                h: 30.0,
            },
            [0, 0, 0],
            &mut rng,
        );
        paste_photo(
            &mut img,
            Rect {
                x: 40.0,
                y: 30.0,
                w: 30.0,
                h: 30.0,
            },
            &portrait(10, 12, PortraitStyle::Grey, &mut rng),
            3.0,
        );
        emblem(&mut img, (0.0, 0.0), 30.0, [0, 0, 0], 1.0, &mut rng);
        rosette(&mut img, (49.0, 39.0), 30.0, 8, 3, 0.0, [0, 0, 0], 1.0);
        ghost_image(
            &mut img,
            Rect {
                x: 45.0,
                y: 35.0,
                w: 20.0,
                h: 20.0,
            },
            &portrait(10, 12, PortraitStyle::Colour, &mut rng),
            [0, 0, 0],
            0.5,
        );
    }

    #[test]
    fn portraits_differ_across_seeds() {
        let a = portrait(
            60,
            80,
            PortraitStyle::Colour,
            &mut SynthRng::seed_from_u64(1),
        );
        let b = portrait(
            60,
            80,
            PortraitStyle::Colour,
            &mut SynthRng::seed_from_u64(2),
        );
        assert_ne!(a, b);
        let g = portrait(60, 80, PortraitStyle::Grey, &mut SynthRng::seed_from_u64(1));
        assert!(g.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]));
    }
}
