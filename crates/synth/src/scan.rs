//! Scan simulation: lays a rendered document on a procedural background the way a
//! flatbed scanner or a hand-held capture sees it, degrades it photometrically,
//! encodes the file and records the exact document geometry as ground truth.

use std::f32::consts::{FRAC_PI_2, PI, TAU};
use std::sync::OnceLock;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::{ExtendedColorType, ImageEncoder, ImageFormat, RgbImage};
use rand::{Rng, RngExt};

use crate::SynthRng;

/// Where the document lies during the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Background {
    /// The scanner's own lid: near white or light grey with a faint texture,
    /// sometimes a dark strip where the lid did not close on the document edge.
    ScannerLid,
    /// A wooden desk: low-frequency grain in browns.
    Desk,
    /// A dark surface: near black with noise.
    Dark,
    /// Woven fabric: two crossing thread families in colour.
    Fabric,
}

/// Output file format.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum Encoding {
    /// Baseline JPEG, optionally decoded and saved a second time.
    Jpeg {
        /// First-save quality (1..=100).
        quality: u8,
        /// Quality of a second save of the decoded first file, if any.
        resave_quality: Option<u8>,
    },
    /// Lossless PNG.
    Png,
}

/// Every parameter of one simulated scan (all recorded in the ground truth).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScanParams {
    /// Output resolution (150..=600).
    pub dpi: u32,
    /// Clockwise rotation of the document on the output image, in degrees, in [0, 360).
    pub rotation_deg: f32,
    /// Maximum corner displacement as a fraction of the document diagonal (0..0.04).
    pub perspective: f32,
    /// Background visible around the document, in millimetres (3..40).
    pub margin_mm: f32,
    /// Shift of the document inside the canvas, in millimetres; each side's
    /// margin is `margin_mm ± offset`, floored at zero.
    pub offset_mm: [f32; 2],
    /// What the document lies on.
    pub background: Background,
    /// Gaussian blur sigma in output pixels (0..2).
    pub defocus_sigma: f32,
    /// Motion blur: (length in output pixels 2..8, angle in degrees).
    pub motion_blur: Option<(f32, f32)>,
    /// Sensor noise standard deviation on the 0..255 scale (0..8).
    pub noise_sigma: f32,
    /// Strength of uneven light (0..0.35): the darkest point gets `1 - illumination` of the light.
    pub illumination: f32,
    /// Per-channel gains (0.9..1.1).
    pub color_cast: [f32; 3],
    /// Tone curve exponent (0.8..1.25), applied to the document.
    pub gamma: f32,
    /// File format.
    pub encoding: Encoding,
}

impl ScanParams {
    /// Random parameters covering everything genuine scans vary in.
    #[must_use]
    pub fn random(rng: &mut SynthRng) -> Self {
        // Scanner drivers offer a few standard resolutions; the odd ones come
        // from rescaled or re-exported files.
        const COMMON_DPI: [u32; 7] = [150, 200, 300, 300, 300, 400, 600];
        let dpi = if rng.random_bool(0.8) {
            COMMON_DPI[rng.random_range(0..COMMON_DPI.len())]
        } else {
            rng.random_range(150..=600)
        };
        let rotation_deg = if rng.random_bool(0.85) {
            let quarter = f32::from(rng.random_range(0u8..4)) * 90.0;
            // Most documents are laid almost straight; a sizeable minority not.
            let skew = if rng.random_bool(0.5) {
                rng.random_range(-1.5f32..1.5)
            } else {
                rng.random_range(-8.0f32..8.0)
            };
            normalize_deg(quarter + skew)
        } else {
            rng.random_range(0.0f32..360.0)
        };
        // Flatbed scans have no keystone at all; captures with a camera do.
        let perspective = if rng.random_bool(0.5) {
            0.0
        } else {
            rng.random_range(0.0f32..0.04)
        };
        let margin_mm = rng.random_range(3.0f32..40.0);
        let offset_mm = [
            rng.random_range(-0.8..0.8) * margin_mm,
            rng.random_range(-0.8..0.8) * margin_mm,
        ];
        let background = match rng.random_range(0u8..10) {
            0..=3 => Background::ScannerLid,
            4 | 5 => Background::Desk,
            6 | 7 => Background::Dark,
            _ => Background::Fabric,
        };
        let defocus_sigma = rng.random_range(0.0f32..2.0);
        let motion_blur = rng.random_bool(0.15).then(|| {
            (
                rng.random_range(2.0f32..8.0),
                rng.random_range(0.0f32..180.0),
            )
        });
        let noise_sigma = rng.random_range(0.0f32..8.0);
        let illumination = rng.random_range(0.0f32..0.35);
        let color_cast = [
            rng.random_range(0.9f32..1.1),
            rng.random_range(0.9f32..1.1),
            rng.random_range(0.9f32..1.1),
        ];
        let gamma = rng.random_range(0.8f32..1.25);
        let encoding = if rng.random_bool(0.8) {
            let quality = rng.random_range(40u8..=95);
            let resave_quality = rng.random_bool(0.2).then(|| rng.random_range(50u8..=95));
            Encoding::Jpeg {
                quality,
                resave_quality,
            }
        } else {
            Encoding::Png
        };
        Self {
            dpi,
            rotation_deg,
            perspective,
            margin_mm,
            offset_mm,
            background,
            defocus_sigma,
            motion_blur,
            noise_sigma,
            illumination,
            color_cast,
            gamma,
            encoding,
        }
    }

    /// A clean, upright 300-dpi PNG scan (no noise, no blur, no rotation): for tests.
    #[must_use]
    pub fn clean() -> Self {
        Self {
            dpi: 300,
            rotation_deg: 0.0,
            perspective: 0.0,
            margin_mm: 10.0,
            offset_mm: [0.0, 0.0],
            background: Background::ScannerLid,
            defocus_sigma: 0.0,
            motion_blur: None,
            noise_sigma: 0.0,
            illumination: 0.0,
            color_cast: [1.0; 3],
            gamma: 1.0,
            encoding: Encoding::Png,
        }
    }
}

/// A simulated scan and its geometry.
///
/// Pixel convention: output pixel `(i, j)` covers `[i, i+1) × [j, j+1)`, so
/// its centre is at `(i + 0.5, j + 0.5)` in the coordinates of `corners_px`
/// and `mm_to_px`.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The encoded file.
    pub bytes: Vec<u8>,
    /// File extension without the dot: "jpg" or "png".
    pub extension: &'static str,
    /// Output width in pixels.
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// Document corners in output pixels: top-left, top-right, bottom-right,
    /// bottom-left of the DOCUMENT (its own orientation), after rotation and
    /// perspective. After a 180° turn `corners_px[0]` is therefore the
    /// bottom-right-most corner of the image.
    pub corners_px: [[f32; 2]; 4],
    /// 3x3 row-major homography mapping document millimetres (x right, y down,
    /// origin top-left of the document) to output pixels.
    pub mm_to_px: [f64; 9],
    /// The parameters the scan was made with.
    pub params: ScanParams,
}

/// Simulates scanning `document` (rendered at `doc_dpi`, covering `size_mm` =
/// [width, height] millimetres).
///
/// Document millimetres map to document pixels at `doc_dpi` (pixel `(i, j)`
/// covering `[i, i+1) × [j, j+1)`), the way the renderer placed its content;
/// the document extent is `size_mm`.
///
/// # Panics
///
/// Panics if the document is empty or `size_mm` or `doc_dpi` is not positive.
#[must_use]
pub fn simulate(
    document: &RgbImage,
    doc_dpi: f32,
    size_mm: [f32; 2],
    params: &ScanParams,
    rng: &mut SynthRng,
) -> Scan {
    simulate_raw(document, doc_dpi, size_mm, params, rng).into_scan(params)
}

/// [`simulate`] without the encoding. The geometry, background and light are
/// drawn from `rng` before anything that depends on the blur or noise
/// parameters, so two calls with clones of one generator and parameters that
/// differ only in blur, noise or encoding give pixel-aligned scans.
///
/// # Panics
/// As [`simulate`].
#[must_use]
pub fn simulate_raw(
    document: &RgbImage,
    doc_dpi: f32,
    size_mm: [f32; 2],
    params: &ScanParams,
    rng: &mut SynthRng,
) -> RawScan {
    assert!(
        document.width() > 0 && document.height() > 0,
        "empty document image"
    );
    assert!(
        size_mm[0] > 0.0 && size_mm[1] > 0.0 && doc_dpi > 0.0,
        "document size and resolution must be positive"
    );
    let geometry = Geometry::new(size_mm, params, rng);
    let (w, h) = (geometry.width as usize, geometry.height as usize);
    let px_per_mm = u32_to_f32(params.dpi) / 25.4;
    let mut background = texture(params.background, w, h, px_per_mm, params.color_cast, rng);
    let shadows = random_shadows(params.background, geometry.rotation_rad, size_mm, rng);
    let gain = GainField::new(w, h, params.illumination, rng);
    let source = DocSource::new(document, doc_dpi, params);
    let mut warper = Warper::new(&geometry, size_mm, px_per_mm);
    let mut stages = blur_stages(params, w, h);
    let mut sink = Quantizer::new(w * h * 3, params.noise_sigma, rng);
    // Rows stream through every stage, so no full-size float canvas is ever
    // allocated: fresh buffers that large cost more in page faults than the
    // arithmetic done on them.
    for y in 0..h {
        let row = warper.row(y, &source, background.as_mut(), &shadows, &gain);
        push_through(&mut stages, row, &mut |r| sink.put(r));
    }
    RawScan {
        pixels: RgbImage::from_raw(geometry.width, geometry.height, sink.out)
            .expect("the quantizer fills width × height × 3 bytes"),
        corners_px: geometry.corners_px.map(|[x, y]| [x as f32, y as f32]),
        mm_to_px: geometry.mm_to_px,
    }
}

/// A simulated scan before encoding: what the scanner saw.
#[derive(Debug, Clone)]
pub struct RawScan {
    /// The pixels.
    pub pixels: RgbImage,
    /// Document corners in pixels (see [`Scan::corners_px`]).
    pub corners_px: [[f32; 2]; 4],
    /// Document millimetres to pixels (see [`Scan::mm_to_px`]).
    pub mm_to_px: [f64; 9],
}

impl RawScan {
    /// Encodes the pixels as `params.encoding` says: the scanner's file.
    #[must_use]
    pub fn into_scan(self, params: &ScanParams) -> Scan {
        let (bytes, extension) = encode_image(&self.pixels, params.encoding);
        self.with_file(bytes, extension, params)
    }

    /// The scan whose file is `bytes` (an edited copy of these pixels,
    /// saved as `extension`), with this geometry.
    #[must_use]
    pub fn with_file(self, bytes: Vec<u8>, extension: &'static str, params: &ScanParams) -> Scan {
        Scan {
            bytes,
            extension,
            width: self.pixels.width(),
            height: self.pixels.height(),
            corners_px: self.corners_px,
            mm_to_px: self.mm_to_px,
            params: params.clone(),
        }
    }
}

/// Encodes an image as a scanner or an editor saves it; returns the bytes and
/// the file extension.
#[must_use]
pub fn encode_image(image: &RgbImage, encoding: Encoding) -> (Vec<u8>, &'static str) {
    encode(image.as_raw(), image.width(), image.height(), encoding)
}

/// Applies a homography to a point.
#[must_use]
pub fn apply(h: &[f64; 9], x: f64, y: f64) -> [f32; 2] {
    let [u, v] = apply_f64(h, x, y);
    [u as f32, v as f32]
}

fn apply_f64(h: &[f64; 9], x: f64, y: f64) -> [f64; 2] {
    let w = h[6] * x + h[7] * y + h[8];
    [
        (h[0] * x + h[1] * y + h[2]) / w,
        (h[3] * x + h[4] * y + h[5]) / w,
    ]
}

/// Angle in [0, 360): `rem_euclid` alone can round a tiny negative up to 360.
fn normalize_deg(deg: f32) -> f32 {
    let r = deg.rem_euclid(360.0);
    if r >= 360.0 { 0.0 } else { r }
}

#[allow(clippy::cast_precision_loss)] // pixel indices stay far below 2^24
fn to_f32(v: usize) -> f32 {
    v as f32
}

#[allow(clippy::cast_precision_loss)] // image sizes and resolutions stay far below 2^24
fn u32_to_f32(v: u32) -> f32 {
    v as f32
}

#[allow(clippy::cast_precision_loss)] // pixel indices stay far below 2^52
fn to_f64(v: usize) -> f64 {
    v as f64
}

// ---------------------------------------------------------------- geometry --

/// Where the document lands: canvas size and the exact mm ↔ pixel mapping.
struct Geometry {
    width: u32,
    height: u32,
    mm_to_px: [f64; 9],
    px_to_mm: [f64; 9],
    corners_px: [[f64; 2]; 4],
    rotation_rad: f64,
}

impl Geometry {
    #[allow(clippy::cast_sign_loss)] // canvas sizes are clamped to at least one pixel
    fn new(size_mm: [f32; 2], params: &ScanParams, rng: &mut SynthRng) -> Self {
        let s = f64::from(params.dpi) / 25.4;
        let (w_mm, h_mm) = (f64::from(size_mm[0]), f64::from(size_mm[1]));
        let (w, h) = (w_mm * s, h_mm * s);
        let rotation_rad = f64::from(params.rotation_deg).to_radians();
        let (sin, cos) = rotation_rad.sin_cos();
        let max_shift = f64::from(params.perspective.max(0.0)) * w.hypot(h);
        let mut dst = [[0.0f64; 2]; 4];
        let unit = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        for (d, [ux, uy]) in dst.iter_mut().zip(unit) {
            let (x, y) = ((ux - 0.5) * w, (uy - 0.5) * h);
            // Drawn even without perspective so the stream does not depend on it.
            let angle = rng.random_range(0.0..std::f64::consts::TAU);
            let len = max_shift * rng.random::<f64>();
            *d = [
                x * cos - y * sin + len * angle.cos(),
                x * sin + y * cos + len * angle.sin(),
            ];
        }
        let min_x = dst.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
        let max_x = dst.iter().map(|p| p[0]).fold(f64::NEG_INFINITY, f64::max);
        let min_y = dst.iter().map(|p| p[1]).fold(f64::INFINITY, f64::min);
        let max_y = dst.iter().map(|p| p[1]).fold(f64::NEG_INFINITY, f64::max);
        let margin = f64::from(params.margin_mm.max(0.0));
        let [ox, oy] = params.offset_mm.map(f64::from);
        let left = (margin + ox).max(0.0) * s;
        let right = (margin - ox).max(0.0) * s;
        let top = (margin + oy).max(0.0) * s;
        let bottom = (margin - oy).max(0.0) * s;
        let width = (max_x - min_x + left + right).ceil().max(1.0) as u32;
        let height = (max_y - min_y + top + bottom).ceil().max(1.0) as u32;
        for d in &mut dst {
            d[0] += left - min_x;
            d[1] += top - min_y;
        }
        // Solving from the unit square keeps the system well conditioned; the
        // column scaling then turns it into a map from millimetres.
        let mut mm_to_px = solve_homography(&unit, &dst);
        for i in [0, 3, 6] {
            mm_to_px[i] /= w_mm;
            mm_to_px[i + 1] /= h_mm;
        }
        let corners_mm = [[0.0, 0.0], [w_mm, 0.0], [w_mm, h_mm], [0.0, h_mm]];
        let corners_px = corners_mm.map(|[x, y]| apply_f64(&mm_to_px, x, y));
        Self {
            width,
            height,
            px_to_mm: invert3(&mm_to_px),
            mm_to_px,
            corners_px,
            rotation_rad,
        }
    }
}

/// The homography taking the four `src` points to the four `dst` points
/// (h[8] = 1), by Gauss-Jordan elimination on the 8x8 system.
fn solve_homography(src: &[[f64; 2]; 4], dst: &[[f64; 2]; 4]) -> [f64; 9] {
    let mut m = [[0.0f64; 9]; 8];
    for (k, ([x, y], [u, v])) in src.iter().zip(dst).enumerate() {
        m[2 * k] = [*x, *y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, *u];
        m[2 * k + 1] = [0.0, 0.0, 0.0, *x, *y, 1.0, -v * x, -v * y, *v];
    }
    for col in 0..8 {
        let pivot = (col..8)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
            .expect("pivot range is never empty");
        m.swap(col, pivot);
        let pivot_row = m[col];
        assert!(
            pivot_row[col].abs() > 1e-12,
            "degenerate corner correspondence"
        );
        for (r, row) in m.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                for (a, b) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *a -= f * b;
                }
            }
        }
    }
    let mut h = [0.0; 9];
    for (i, (out, row)) in h.iter_mut().zip(&m).enumerate() {
        *out = row[8] / row[i];
    }
    h[8] = 1.0;
    h
}

fn invert3(m: &[f64; 9]) -> [f64; 9] {
    let c = [
        m[4] * m[8] - m[5] * m[7],
        m[2] * m[7] - m[1] * m[8],
        m[1] * m[5] - m[2] * m[4],
        m[5] * m[6] - m[3] * m[8],
        m[0] * m[8] - m[2] * m[6],
        m[2] * m[3] - m[0] * m[5],
        m[3] * m[7] - m[4] * m[6],
        m[1] * m[6] - m[0] * m[7],
        m[0] * m[4] - m[1] * m[3],
    ];
    let det = m[0] * c[0] + m[1] * c[3] + m[2] * c[6];
    assert!(det.abs() > 1e-300, "singular homography");
    c.map(|v| v / det)
}

// ------------------------------------------------------------ the document --

/// Quarter-level steps of the tone table over 0..=255.
const TONE_STEPS: usize = 1021;

/// The document pixels, their pixels-per-millimetre along each axis, and the
/// tone curve (gamma, then colour cast) applied after interpolation, the way
/// a sensor integrates light before its response curve.
struct DocSource {
    /// RGB rows with the last column and row repeated once, so a bilinear
    /// sample always reads two whole neighbouring pixels per row.
    data: Vec<u8>,
    w: usize,
    h: usize,
    px_per_mm: [f32; 2],
    tone: [Box<[f32; TONE_STEPS]>; 3],
}

impl DocSource {
    #[allow(clippy::cast_sign_loss)] // resized sizes are positive and clamped to at least 2
    fn new(document: &RgbImage, doc_dpi: f32, params: &ScanParams) -> Self {
        let ratio = doc_dpi / u32_to_f32(params.dpi);
        // Bilinear sampling alone aliases fine print when shrinking a lot; a
        // real sensor integrates over its pixel, which the triangle filter
        // (support widened by the ratio) approximates.
        let resized;
        let image = if ratio > 1.4 {
            let nw = (u32_to_f32(document.width()) / ratio).round().max(2.0) as u32;
            let nh = (u32_to_f32(document.height()) / ratio).round().max(2.0) as u32;
            resized = image::imageops::resize(document, nw, nh, FilterType::Triangle);
            &resized
        } else {
            document
        };
        let scale = doc_dpi / 25.4;
        let px_per_mm = [
            scale * u32_to_f32(image.width()) / u32_to_f32(document.width()),
            scale * u32_to_f32(image.height()) / u32_to_f32(document.height()),
        ];
        let tone = params.color_cast.map(|gain| {
            let mut table = Box::new([0.0f32; TONE_STEPS]);
            for (i, t) in table.iter_mut().enumerate() {
                *t = 255.0 * (to_f32(i) / to_f32(TONE_STEPS - 1)).powf(params.gamma) * gain;
            }
            table
        });
        let (w, h) = (image.width() as usize, image.height() as usize);
        let mut data = Vec::with_capacity((w + 1) * (h + 1) * 3);
        for row in image.as_raw().chunks_exact(w * 3) {
            data.extend_from_slice(row);
            data.extend_from_slice(&row[row.len() - 3..]);
        }
        data.extend_from_within(data.len() - (w + 1) * 3..);
        Self {
            data,
            w,
            h,
            px_per_mm,
            tone,
        }
    }

    /// Bilinear sample at document millimetres, clamped to the edge pixels.
    ///
    /// Fixed point with 8 fractional bits: float-to-index conversions and
    /// float lerps made this the most expensive call of the whole scan.
    #[allow(clippy::cast_sign_loss)] // positions are clamped to be non-negative first
    #[inline]
    fn sample(&self, u: f32, v: f32) -> [f32; 3] {
        let fx = (u * self.px_per_mm[0] - 0.5).clamp(0.0, to_f32(self.w - 1)) * 256.0;
        let fy = (v * self.px_per_mm[1] - 0.5).clamp(0.0, to_f32(self.h - 1)) * 256.0;
        let (ix, iy) = (fx as i32, fy as i32);
        let (tx, ty) = (ix & 255, iy & 255);
        let start = ((iy >> 8) as usize * (self.w + 1) + (ix >> 8) as usize) * 3;
        let top = &self.data[start..start + 6];
        let bottom = &self.data[start + (self.w + 1) * 3..][..6];
        let lerp = |k: usize| {
            let (a, b) = (i32::from(top[k]), i32::from(top[k + 3]));
            let (c, d) = (i32::from(bottom[k]), i32::from(bottom[k + 3]));
            let upper = (a << 8) + (b - a) * tx;
            let lower = (c << 8) + (d - c) * tx;
            // value × 65536, rounded to quarter levels.
            ((((upper << 8) + (lower - upper) * ty) + (1 << 13)) >> 14) as usize
        };
        let (i0, i1, i2) = (lerp(0), lerp(1), lerp(2));
        [
            self.tone[0][i0.min(TONE_STEPS - 1)],
            self.tone[1][i1.min(TONE_STEPS - 1)],
            self.tone[2][i2.min(TONE_STEPS - 1)],
        ]
    }

    /// Fills a run of pixels fully covered by the document.
    fn fill_run(&self, u: &[f32], v: &[f32], gain: &[f32], out: &mut [f32]) {
        for (((px, &u), &v), &g) in out.chunks_exact_mut(3).zip(u).zip(v).zip(gain) {
            let [r, gr, b] = self.sample(u, v);
            px[0] = r * g;
            px[1] = gr * g;
            px[2] = b * g;
        }
    }
}

/// Produces the output rows before blur and noise: background, shadows,
/// document and illumination.
struct Warper {
    px_to_mm: [f64; 9],
    size_mm: [f32; 2],
    px_per_mm: f32,
    u: Vec<f32>,
    v: Vec<f32>,
    alpha: Vec<f32>,
    gain: Vec<f32>,
    out: Vec<f32>,
}

impl Warper {
    fn new(geometry: &Geometry, size_mm: [f32; 2], px_per_mm: f32) -> Self {
        let w = geometry.width as usize;
        Self {
            px_to_mm: geometry.px_to_mm,
            size_mm,
            px_per_mm,
            u: vec![0.0; w],
            v: vec![0.0; w],
            alpha: vec![0.0; w],
            gain: vec![1.0; w],
            out: vec![0.0; w * 3],
        }
    }

    fn row(
        &mut self,
        y: usize,
        doc: &DocSource,
        background: &mut dyn Texture,
        shadows: &[Shadow],
        gain: &GainField,
    ) -> &[f32] {
        let m = &self.px_to_mm;
        let yc = to_f64(y) + 0.5;
        // Per-row constants in f64; within a row f32 keeps well under 1e-3 px.
        let (au, bu) = (m[0] as f32, (m[1] * yc + m[2]) as f32);
        let (av, bv) = (m[3] as f32, (m[4] * yc + m[5]) as f32);
        let (aw, bw) = (m[6] as f32, (m[7] * yc + m[8]) as f32);
        let [wm, hm] = self.size_mm;
        let ppm = self.px_per_mm;
        for (x, ((u, v), alpha)) in self
            .u
            .iter_mut()
            .zip(&mut self.v)
            .zip(&mut self.alpha)
            .enumerate()
        {
            let xc = to_f32(x) + 0.5;
            let iw = 1.0 / (aw * xc + bw);
            *u = (au * xc + bu) * iw;
            *v = (av * xc + bv) * iw;
            // Coverage from the distance to the nearest edge gives the
            // document a one-pixel anti-aliased border instead of a jagged one.
            let inside = u.min(wm - *u).min(*v).min(hm - *v);
            *alpha = (inside * ppm + 0.5).clamp(0.0, 1.0);
        }
        // The fully covered part of a convex quadrilateral is one run per
        // row; the background is only needed outside it.
        let w = self.alpha.len();
        let (lo, hi) = match self.alpha.iter().position(|&a| a >= 1.0) {
            Some(first) => {
                let last = self.alpha.iter().rposition(|&a| a >= 1.0).unwrap_or(first);
                (first, last + 1)
            }
            None => (w, w),
        };
        background.row(y, 0, lo, &mut self.out);
        background.row(y, hi, w, &mut self.out);
        gain.row(y, &mut self.gain);
        doc.fill_run(
            &self.u[lo..hi],
            &self.v[lo..hi],
            &self.gain[lo..hi],
            &mut self.out[lo * 3..hi * 3],
        );
        for x in (0..lo).chain(hi..w) {
            let (u, v, alpha) = (self.u[x], self.v[x], self.alpha[x]);
            let shade = shadows.iter().fold(1.0, |acc, s| acc * s.factor(u, v));
            let px = &mut self.out[x * 3..x * 3 + 3];
            let mut rgb = [px[0] * shade, px[1] * shade, px[2] * shade];
            if alpha > 0.0 {
                for (c, dc) in rgb.iter_mut().zip(doc.sample(u, v)) {
                    *c += alpha * (dc - *c);
                }
            }
            let g = self.gain[x];
            px[0] = rgb[0] * g;
            px[1] = rgb[1] * g;
            px[2] = rgb[2] * g;
        }
        &self.out
    }
}

/// A soft shadow cast by the document: a blurred copy of its rectangle,
/// shifted in document millimetres.
struct Shadow {
    centre: [f32; 2],
    half: [f32; 2],
    blur: f32,
    strength: f32,
}

impl Shadow {
    #[inline]
    fn factor(&self, u: f32, v: f32) -> f32 {
        let qx = (u - self.centre[0]).abs() - self.half[0];
        let qy = (v - self.centre[1]).abs() - self.half[1];
        if qx >= self.blur || qy >= self.blur {
            return 1.0;
        }
        let d = qx.max(0.0).hypot(qy.max(0.0)) + qx.max(qy).min(0.0);
        let t = ((d + self.blur) / (2.0 * self.blur)).clamp(0.0, 1.0);
        let cover = 1.0 - t * t * (3.0 - 2.0 * t);
        1.0 - self.strength * cover
    }
}

fn random_shadows(
    background: Background,
    rotation_rad: f64,
    size_mm: [f32; 2],
    rng: &mut SynthRng,
) -> Vec<Shadow> {
    let [wm, hm] = size_mm;
    let make = |offset: [f32; 2], blur: f32, strength: f32| Shadow {
        centre: [wm / 2.0 + offset[0], hm / 2.0 + offset[1]],
        half: [wm / 2.0, hm / 2.0],
        blur,
        strength,
    };
    let mut shadows = Vec::new();
    let drop_chance = match background {
        Background::ScannerLid => 0.5,
        Background::Desk => 0.35,
        Background::Dark | Background::Fabric => 0.0,
    };
    if rng.random_bool(drop_chance) {
        // The light comes from a fixed side of the scanner, so the offset is
        // drawn on the canvas and turned into the document's frame.
        let angle = rng.random_range(0.0f32..TAU);
        let dist = rng.random_range(0.5f32..3.0);
        let (s, c) = (angle - rotation_rad as f32).sin_cos();
        shadows.push(make(
            [dist * c, dist * s],
            rng.random_range(1.0..4.0),
            rng.random_range(0.12..0.35),
        ));
    }
    if background == Background::ScannerLid && rng.random_bool(0.3) {
        // The lid lifts along one edge of a thick card: a narrow dark strip.
        let normals = [[0.0, -1.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]];
        let [nx, ny] = normals[rng.random_range(0..4)];
        let dist = rng.random_range(0.3f32..1.2);
        shadows.push(make(
            [nx * dist, ny * dist],
            rng.random_range(0.4..1.2),
            rng.random_range(0.3..0.6),
        ));
    }
    shadows
}

// ------------------------------------------------------------ illumination --

/// A smooth gain field `offset[y] + Σ cols[x][k] · rows[y][k]`: a tilt plus
/// three wide gaussian blobs, each separable, so a row costs four FMAs per pixel.
struct GainField {
    cols: Vec<[f32; 4]>,
    rows: Vec<[f32; 4]>,
    offset: Vec<f32>,
}

impl GainField {
    fn new(w: usize, h: usize, strength: f32, rng: &mut SynthRng) -> Self {
        let tilt = [
            rng.random_range(-1.0f32..1.0),
            rng.random_range(-1.0f32..1.0),
        ];
        let blobs: [[f32; 4]; 3] = std::array::from_fn(|_| {
            [
                rng.random_range(-0.2f32..1.2),
                rng.random_range(-0.2f32..1.2),
                rng.random_range(0.3f32..0.9),
                rng.random_range(-1.0f32..1.0),
            ]
        });
        if strength <= 0.0 {
            return Self {
                cols: Vec::new(),
                rows: Vec::new(),
                offset: Vec::new(),
            };
        }
        let bump =
            |t: f32, centre: f32, sigma: f32| (-(t - centre).powi(2) / (2.0 * sigma * sigma)).exp();
        let field = |xn: f32, yn: f32| {
            tilt[0] * xn
                + tilt[1] * yn
                + blobs
                    .iter()
                    .map(|&[cx, cy, s, a]| a * bump(xn, cx, s) * bump(yn, cy, s))
                    .sum::<f32>()
        };
        // The field is smooth, so a coarse grid finds its range well enough
        // to map it onto [1 - strength, 1].
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for j in 0..=16u8 {
            for i in 0..=16u8 {
                let f = field(f32::from(i) / 16.0, f32::from(j) / 16.0);
                lo = lo.min(f);
                hi = hi.max(f);
            }
        }
        let beta = strength / (hi - lo).max(1e-6);
        let alpha = 1.0 - beta * hi;
        let (wf, hf) = (to_f32(w), to_f32(h));
        let cols = (0..w)
            .map(|x| {
                let xn = (to_f32(x) + 0.5) / wf;
                let mut c = [beta * tilt[0] * xn, 0.0, 0.0, 0.0];
                for (ck, &[cx, _, s, a]) in c[1..].iter_mut().zip(&blobs) {
                    *ck = beta * a * bump(xn, cx, s);
                }
                c
            })
            .collect();
        let rows = (0..h)
            .map(|y| {
                let yn = (to_f32(y) + 0.5) / hf;
                let mut r = [1.0, 0.0, 0.0, 0.0];
                for (rk, &[_, cy, s, _]) in r[1..].iter_mut().zip(&blobs) {
                    *rk = bump(yn, cy, s);
                }
                r
            })
            .collect();
        let offset = (0..h)
            .map(|y| alpha + beta * tilt[1] * (to_f32(y) + 0.5) / hf)
            .collect();
        Self { cols, rows, offset }
    }

    fn row(&self, y: usize, out: &mut [f32]) {
        if self.rows.is_empty() {
            return;
        }
        let r = self.rows[y];
        let o = self.offset[y];
        for (g, c) in out.iter_mut().zip(&self.cols) {
            *g = o + c[0] * r[0] + c[1] * r[1] + c[2] * r[2] + c[3] * r[3];
        }
    }
}

// ------------------------------------------------------------- backgrounds --

/// `SplitMix64`: per-pixel texture and noise need millions of draws, far more
/// than `ChaCha8` can give cheaply; seeded from the scan's rng, so still
/// deterministic.
struct FastRng(u64);

impl FastRng {
    fn new(rng: &mut SynthRng) -> Self {
        Self(rng.next_u64())
    }

    #[inline]
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    #[inline]
    fn signed(&mut self) -> f32 {
        f32::from((self.next() >> 48) as u16) / 32768.0 - 1.0
    }
}

/// Smooth 2D value noise in [-1, 1] on a grid of `cell` pixels.
struct ValueNoise {
    grid: Vec<f32>,
    gw: usize,
    cell: f32,
    cols: Vec<(usize, f32)>,
    tmp: Vec<f32>,
}

impl ValueNoise {
    #[allow(clippy::cast_sign_loss)] // cell positions are non-negative
    fn new(w: usize, h: usize, cell: f32, rng: &mut FastRng) -> Self {
        let cell = cell.max(1.0);
        let gw = (to_f32(w) / cell) as usize + 3;
        let gh = (to_f32(h) / cell) as usize + 3;
        let grid = (0..gw * gh).map(|_| rng.signed()).collect();
        let cols = (0..w)
            .map(|x| {
                let f = (to_f32(x) + 0.5) / cell;
                let i = f as usize;
                (i, smooth(f - to_f32(i)))
            })
            .collect();
        Self {
            grid,
            gw,
            cell,
            cols,
            tmp: vec![0.0; gw],
        }
    }

    /// Writes columns `x0..x1` of row `y` into `out[x0..x1]`.
    #[allow(clippy::cast_sign_loss)] // cell positions are non-negative
    fn row(&mut self, y: usize, x0: usize, x1: usize, out: &mut [f32]) {
        let f = (to_f32(y) + 0.5) / self.cell;
        let j = f as usize;
        let t = smooth(f - to_f32(j));
        let a = &self.grid[j * self.gw..(j + 1) * self.gw];
        let b = &self.grid[(j + 1) * self.gw..(j + 2) * self.gw];
        for ((o, &p), &q) in self.tmp.iter_mut().zip(a).zip(b) {
            *o = p + t * (q - p);
        }
        for (o, &(i, t)) in out[x0..x1].iter_mut().zip(&self.cols[x0..x1]) {
            *o = self.tmp[i] + t * (self.tmp[i + 1] - self.tmp[i]);
        }
    }
}

fn smooth(t: f32) -> f32 {
    t * t * (3.0 - 2.0 * t)
}

/// `sin(rows[y] + cols[x])`, evaluated separably from per-row and per-column
/// sines and cosines, so no trigonometry runs per pixel.
struct Wave {
    row_sin: Vec<f32>,
    row_cos: Vec<f32>,
    col_sin: Vec<f32>,
    col_cos: Vec<f32>,
}

impl Wave {
    fn new(cols: &[f32], rows: &[f32]) -> Self {
        Self {
            row_sin: rows.iter().map(|p| p.sin()).collect(),
            row_cos: rows.iter().map(|p| p.cos()).collect(),
            col_sin: cols.iter().map(|p| p.sin()).collect(),
            col_cos: cols.iter().map(|p| p.cos()).collect(),
        }
    }

    /// Writes columns `x0..x1` of row `y` into `out[x0..x1]`.
    fn row(&self, y: usize, x0: usize, x1: usize, out: &mut [f32]) {
        let (s, c) = (self.row_sin[y], self.row_cos[y]);
        for ((o, &cs), &cc) in out[x0..x1]
            .iter_mut()
            .zip(&self.col_sin[x0..x1])
            .zip(&self.col_cos[x0..x1])
        {
            *o = s * cc + c * cs;
        }
    }
}

fn jitter_colour(base: [f32; 3], amount: f32, rng: &mut SynthRng) -> [f32; 3] {
    base.map(|c| c + rng.random_range(-amount..amount))
}

#[inline]
fn put(px: &mut [f32], rgb: [f32; 3], cast: [f32; 3]) {
    px[0] = rgb[0] * cast[0];
    px[1] = rgb[1] * cast[1];
    px[2] = rgb[2] * cast[2];
}

/// A procedural background, generated a row span at a time so that only the
/// pixels the document does not cover are computed. It gets the colour cast
/// but no gamma: its tone is drawn at random anyway.
trait Texture {
    /// Writes RGB columns `x0..x1` of row `y` into `out`, a full RGB row.
    fn row(&mut self, y: usize, x0: usize, x1: usize, out: &mut [f32]);
}

fn texture(
    kind: Background,
    w: usize,
    h: usize,
    px_per_mm: f32,
    cast: [f32; 3],
    rng: &mut SynthRng,
) -> Box<dyn Texture> {
    match kind {
        Background::ScannerLid => Box::new(Flat::new(w, h, px_per_mm, cast, rng, true)),
        Background::Dark => Box::new(Flat::new(w, h, px_per_mm, cast, rng, false)),
        Background::Desk => Box::new(Desk::new(w, h, px_per_mm, cast, rng)),
        Background::Fabric => Box::new(Fabric::new(w, h, px_per_mm, cast, rng)),
    }
}

/// Lid (light) or dark surface: a flat tone with two scales of soft blotches
/// and per-pixel grain.
struct Flat {
    colour: [f32; 3],
    cast: [f32; 3],
    amps: [f32; 3],
    coarse: ValueNoise,
    fine: ValueNoise,
    fast: FastRng,
    rc: Vec<f32>,
    rf: Vec<f32>,
}

impl Flat {
    fn new(
        w: usize,
        h: usize,
        px_per_mm: f32,
        cast: [f32; 3],
        rng: &mut SynthRng,
        light: bool,
    ) -> Self {
        let (base, tint, amps) = if light {
            (
                rng.random_range(222.0f32..250.0),
                4.0,
                [
                    rng.random_range(1.5f32..4.0),
                    rng.random_range(0.5f32..2.0),
                    rng.random_range(0.5f32..2.0),
                ],
            )
        } else {
            (
                rng.random_range(6.0f32..40.0),
                3.0,
                [
                    rng.random_range(2.0f32..8.0),
                    rng.random_range(1.0f32..3.0),
                    rng.random_range(2.0f32..6.0),
                ],
            )
        };
        let colour = jitter_colour([base; 3], tint, rng);
        let coarse_cell = rng.random_range(6.0f32..20.0) * px_per_mm;
        let fine_cell = rng.random_range(0.4f32..1.5) * px_per_mm;
        let mut fast = FastRng::new(rng);
        Self {
            colour,
            cast,
            amps,
            coarse: ValueNoise::new(w, h, coarse_cell, &mut fast),
            fine: ValueNoise::new(w, h, fine_cell, &mut fast),
            fast,
            rc: vec![0.0; w],
            rf: vec![0.0; w],
        }
    }
}

impl Texture for Flat {
    fn row(&mut self, y: usize, x0: usize, x1: usize, out: &mut [f32]) {
        if x0 >= x1 {
            return;
        }
        self.coarse.row(y, x0, x1, &mut self.rc);
        self.fine.row(y, x0, x1, &mut self.rf);
        let [ac, af, ag] = self.amps;
        for ((px, &c), &f) in out[x0 * 3..x1 * 3]
            .chunks_exact_mut(3)
            .zip(&self.rc[x0..x1])
            .zip(&self.rf[x0..x1])
        {
            let v = ac * c + af * f + ag * self.fast.signed();
            let c = self.colour;
            put(px, [c[0] + v, c[1] + v, c[2] + v], self.cast);
        }
    }
}

/// Wood: stripes across the grain whose phase follows a slow wavy flow, fine
/// grain lines along the same flow, streaks and soft blotches.
struct Desk {
    dark: [f32; 3],
    light: [f32; 3],
    cast: [f32; 3],
    amps: [f32; 4],
    broad: Wave,
    fine: Wave,
    streaks: Vec<f32>,
    inv_streak_cell: f32,
    col_pos: Vec<f32>,
    row_pos: Vec<f32>,
    blotch: ValueNoise,
    rb: Vec<f32>,
    rf: Vec<f32>,
    rn: Vec<f32>,
}

impl Desk {
    #[allow(clippy::cast_sign_loss)] // the streak table length is positive
    fn new(w: usize, h: usize, px_per_mm: f32, cast: [f32; 3], rng: &mut SynthRng) -> Self {
        const WOODS: [[f32; 3]; 5] = [
            [196.0, 154.0, 108.0],
            [160.0, 110.0, 70.0],
            [120.0, 80.0, 50.0],
            [210.0, 180.0, 140.0],
            [95.0, 62.0, 40.0],
        ];
        let base = jitter_colour(WOODS[rng.random_range(0..WOODS.len())], 10.0, rng);
        let grain_along_x = rng.random_bool(0.5);
        let (along_len, across_len) = if grain_along_x { (w, h) } else { (h, w) };
        let waves: [[f32; 3]; 2] = [
            [
                rng.random_range(1.0f32..5.0) * px_per_mm,
                TAU / (rng.random_range(80.0f32..300.0) * px_per_mm),
                rng.random_range(0.0f32..TAU),
            ],
            [
                rng.random_range(0.3f32..1.5) * px_per_mm,
                TAU / (rng.random_range(15.0f32..60.0) * px_per_mm),
                rng.random_range(0.0f32..TAU),
            ],
        ];
        let flow: Vec<f32> = (0..along_len)
            .map(|i| {
                waves
                    .iter()
                    .map(|&[amp, freq, phase]| amp * (freq * to_f32(i) + phase).sin())
                    .sum()
            })
            .collect();
        let across: Vec<f32> = (0..across_len).map(to_f32).collect();
        let stripe = |freq: f32, phase: f32| {
            let a: Vec<f32> = across.iter().map(|p| freq * p + phase).collect();
            let f: Vec<f32> = flow.iter().map(|p| freq * p).collect();
            if grain_along_x {
                Wave::new(&f, &a)
            } else {
                Wave::new(&a, &f)
            }
        };
        let broad = stripe(
            TAU / (rng.random_range(4.0f32..14.0) * px_per_mm),
            rng.random_range(0.0f32..TAU),
        );
        let fine = stripe(
            TAU / (rng.random_range(0.6f32..2.0) * px_per_mm),
            rng.random_range(0.0f32..TAU),
        );
        let amps = [
            rng.random_range(0.2f32..0.35),
            rng.random_range(0.05f32..0.15),
            rng.random_range(0.08f32..0.2),
            rng.random_range(0.04f32..0.12),
        ];
        let streak_cell = rng.random_range(0.25f32..0.8) * px_per_mm;
        let blotch_cell = rng.random_range(15.0f32..40.0) * px_per_mm;
        let mut fast = FastRng::new(rng);
        // Streak positions are shifted by the largest flow so they index the
        // table from zero.
        let max_flow = waves.iter().map(|wave| wave[0]).sum::<f32>() + streak_cell;
        let streaks = (0..((to_f32(across_len) + 2.0 * max_flow) / streak_cell) as usize + 3)
            .map(|_| fast.signed())
            .collect();
        let (col_pos, mut row_pos) = if grain_along_x {
            (flow, across)
        } else {
            (across, flow)
        };
        for p in &mut row_pos {
            *p += max_flow;
        }
        Self {
            dark: base.map(|c| c * 0.65),
            light: base.map(|c| c * 1.15),
            cast,
            amps,
            broad,
            fine,
            streaks,
            inv_streak_cell: 1.0 / streak_cell,
            col_pos,
            row_pos,
            blotch: ValueNoise::new(w, h, blotch_cell, &mut fast),
            rb: vec![0.0; w],
            rf: vec![0.0; w],
            rn: vec![0.0; w],
        }
    }
}

impl Texture for Desk {
    #[allow(clippy::cast_sign_loss)] // streak positions are shifted to be non-negative
    fn row(&mut self, y: usize, x0: usize, x1: usize, out: &mut [f32]) {
        if x0 >= x1 {
            return;
        }
        self.broad.row(y, x0, x1, &mut self.rb);
        self.fine.row(y, x0, x1, &mut self.rf);
        self.blotch.row(y, x0, x1, &mut self.rn);
        let [a_broad, a_fine, a_streak, a_blotch] = self.amps;
        let ry = self.row_pos[y];
        for ((((px, &cp), &b), &f), &n) in out[x0 * 3..x1 * 3]
            .chunks_exact_mut(3)
            .zip(&self.col_pos[x0..x1])
            .zip(&self.rb[x0..x1])
            .zip(&self.rf[x0..x1])
            .zip(&self.rn[x0..x1])
        {
            let s = (ry + cp) * self.inv_streak_cell;
            let i = s as usize;
            let streak =
                self.streaks[i] + (s - to_f32(i)) * (self.streaks[i + 1] - self.streaks[i]);
            let t =
                (0.5 + a_broad * b + a_fine * f + a_streak * streak + a_blotch * n).clamp(0.0, 1.0);
            let (dark, light) = (self.dark, self.light);
            put(
                px,
                [
                    dark[0] + t * (light[0] - dark[0]),
                    dark[1] + t * (light[1] - dark[1]),
                    dark[2] + t * (light[2] - dark[2]),
                ],
                self.cast,
            );
        }
    }
}

/// Woven cloth: warp and weft as two crossing sinusoid families, their
/// product for the over-under pattern, and soft colour blotches.
struct Fabric {
    base: [f32; 3],
    cast: [f32; 3],
    amps: [f32; 3],
    warp_threads: Wave,
    weft_threads: Wave,
    blotch: ValueNoise,
    ra: Vec<f32>,
    rb: Vec<f32>,
    rn: Vec<f32>,
}

impl Fabric {
    fn new(w: usize, h: usize, px_per_mm: f32, cast: [f32; 3], rng: &mut SynthRng) -> Self {
        const CLOTHS: [[f32; 3]; 7] = [
            [60.0, 80.0, 120.0],
            [150.0, 40.0, 40.0],
            [60.0, 100.0, 60.0],
            [120.0, 120.0, 120.0],
            [190.0, 170.0, 140.0],
            [90.0, 60.0, 110.0],
            [40.0, 40.0, 45.0],
        ];
        let base = jitter_colour(CLOTHS[rng.random_range(0..CLOTHS.len())], 15.0, rng);
        // Below about 2.5 pixels per thread the weave would only alias.
        let period = (rng.random_range(0.5f32..2.0) * px_per_mm).max(2.5);
        let theta = rng.random_range(0.0f32..PI);
        let period_b = (period * rng.random_range(0.8f32..1.25)).max(2.5);
        let theta_b = theta + FRAC_PI_2 + rng.random_range(-0.05f32..0.05);
        let family = |period: f32, theta: f32, phase: f32| {
            let k = TAU / period;
            let (s, c) = theta.sin_cos();
            let cols: Vec<f32> = (0..w).map(|x| k * c * to_f32(x) + phase).collect();
            let rows: Vec<f32> = (0..h).map(|y| k * s * to_f32(y)).collect();
            Wave::new(&cols, &rows)
        };
        let warp_threads = family(period, theta, rng.random_range(0.0f32..TAU));
        let weft_threads = family(period_b, theta_b, rng.random_range(0.0f32..TAU));
        let amps = [
            rng.random_range(0.1f32..0.25),
            rng.random_range(-0.15f32..0.15),
            rng.random_range(0.05f32..0.12),
        ];
        let blotch_cell = rng.random_range(5.0f32..30.0) * px_per_mm;
        let mut fast = FastRng::new(rng);
        Self {
            base,
            cast,
            amps,
            warp_threads,
            weft_threads,
            blotch: ValueNoise::new(w, h, blotch_cell, &mut fast),
            ra: vec![0.0; w],
            rb: vec![0.0; w],
            rn: vec![0.0; w],
        }
    }
}

impl Texture for Fabric {
    fn row(&mut self, y: usize, x0: usize, x1: usize, out: &mut [f32]) {
        if x0 >= x1 {
            return;
        }
        self.warp_threads.row(y, x0, x1, &mut self.ra);
        self.weft_threads.row(y, x0, x1, &mut self.rb);
        self.blotch.row(y, x0, x1, &mut self.rn);
        let [a_sum, a_prod, a_blotch] = self.amps;
        for (((px, &sa), &sb), &n) in out[x0 * 3..x1 * 3]
            .chunks_exact_mut(3)
            .zip(&self.ra[x0..x1])
            .zip(&self.rb[x0..x1])
            .zip(&self.rn[x0..x1])
        {
            let v = 1.0 + a_sum * 0.5 * (sa + sb) + a_prod * sa * sb + a_blotch * n;
            let c = self.base;
            put(px, [c[0] * v, c[1] * v, c[2] * v], self.cast);
        }
    }
}

// ------------------------------------------------------------------- blurs --

/// One term of a convolution: weight times the pixel `(dx, dy)` away.
struct Tap {
    dx: isize,
    dy: isize,
    weight: f32,
}

#[allow(clippy::cast_sign_loss)] // the radius is a rounded-up positive number
fn gaussian_weights(sigma: f32) -> Vec<f32> {
    let r = (3.0 * sigma).ceil().max(1.0) as usize;
    let weights: Vec<f32> = (0..=2 * r)
        .map(|i| {
            let d = to_f32(i) - to_f32(r);
            (-d * d / (2.0 * sigma * sigma)).exp()
        })
        .collect();
    let sum: f32 = weights.iter().sum();
    weights.into_iter().map(|v| v / sum).collect()
}

/// A rasterised line of equal weights, `length` pixels long.
#[allow(clippy::cast_sign_loss)] // the tap count is a rounded-up positive number
fn line_taps(length: f32, angle_deg: f32) -> Vec<Tap> {
    let n = length.max(0.0).ceil() as usize + 1;
    let (s, c) = angle_deg.to_radians().sin_cos();
    let mut taps: Vec<Tap> = Vec::with_capacity(n);
    let weight = 1.0 / to_f32(n);
    for i in 0..n {
        let t = -length / 2.0 + length * to_f32(i) / to_f32(n - 1);
        let (dx, dy) = ((t * c).round() as isize, (t * s).round() as isize);
        // Steps that round to the same pixel pile up their weight there.
        match taps.iter_mut().find(|tap| tap.dx == dx && tap.dy == dy) {
            Some(tap) => tap.weight += weight,
            None => taps.push(Tap { dx, dy, weight }),
        }
    }
    taps
}

/// The blur stages a scan goes through, in order.
fn blur_stages(params: &ScanParams, w: usize, h: usize) -> Vec<ConvStage> {
    let mut stages = Vec::new();
    if params.defocus_sigma >= 0.25 {
        let weights = gaussian_weights(params.defocus_sigma);
        let r = isize::try_from(weights.len() / 2).expect("blur radius fits isize");
        let taps = |vertical: bool| {
            (-r..=r)
                .zip(&weights)
                .map(|(d, &weight)| Tap {
                    dx: if vertical { 0 } else { d },
                    dy: if vertical { d } else { 0 },
                    weight,
                })
                .collect()
        };
        stages.push(ConvStage::new(taps(false), w, h));
        stages.push(ConvStage::new(taps(true), w, h));
    }
    if let Some((length, angle_deg)) = params.motion_blur {
        let taps = line_taps(length, angle_deg);
        if taps.len() > 1 {
            stages.push(ConvStage::new(taps, w, h));
        }
    }
    stages
}

/// A streaming convolution with edge replication: rows come in in order and
/// go out in order once every row they reach has arrived. It keeps only the
/// rows within reach, padded at both ends so each tap reads one contiguous
/// slice, and adds whole shifted rows at a time, which vectorises. Taps
/// mirrored about the centre with equal weights share one multiply.
struct ConvStage {
    /// (tap, its mirror image if it has one with the same weight).
    groups: Vec<(Tap, Option<Tap>)>,
    reach: usize,
    pad: usize,
    w: usize,
    h: usize,
    ring: Vec<f32>,
    received: usize,
    emitted: usize,
    out: Vec<f32>,
}

impl ConvStage {
    fn new(taps: Vec<Tap>, w: usize, h: usize) -> Self {
        let reach = taps.iter().map(|t| t.dy.unsigned_abs()).max().unwrap_or(0);
        let pad = taps.iter().map(|t| t.dx.unsigned_abs()).max().unwrap_or(0);
        let mut rest = taps;
        let mut groups = Vec::with_capacity(rest.len());
        while !rest.is_empty() {
            let tap = rest.remove(0);
            let mirror = rest.iter().position(|m| {
                (tap.dx != 0 || tap.dy != 0)
                    && m.dx == -tap.dx
                    && m.dy == -tap.dy
                    && (m.weight - tap.weight).abs() <= f32::EPSILON * tap.weight.abs()
            });
            groups.push((tap, mirror.map(|i| rest.remove(i))));
        }
        Self {
            ring: vec![0.0; (2 * reach + 1) * (w + 2 * pad) * 3],
            groups,
            reach,
            pad,
            w,
            h,
            received: 0,
            emitted: 0,
            out: vec![0.0; w * 3],
        }
    }

    fn push(&mut self, row: &[f32], emit: &mut dyn FnMut(&[f32])) {
        let slots = 2 * self.reach + 1;
        let stride = (self.w + 2 * self.pad) * 3;
        let (p, w3) = (self.pad * 3, self.w * 3);
        let slot = &mut self.ring[(self.received % slots) * stride..][..stride];
        slot[p..p + w3].copy_from_slice(row);
        for i in 0..self.pad {
            slot[i * 3..i * 3 + 3].copy_from_slice(&row[..3]);
            slot[p + w3 + i * 3..p + w3 + i * 3 + 3].copy_from_slice(&row[w3 - 3..]);
        }
        self.received += 1;
        while self.emitted < self.h
            && (self.emitted + self.reach < self.received || self.received == self.h)
        {
            let y = self.emitted;
            let start = |tap: &Tap| {
                let sy = y.saturating_add_signed(tap.dy).min(self.h - 1);
                (sy % slots) * stride + self.pad.saturating_add_signed(tap.dx) * 3
            };
            self.out.fill(0.0);
            for (tap, mirror) in &self.groups {
                let a = &self.ring[start(tap)..][..w3];
                match mirror {
                    Some(m) => {
                        let b = &self.ring[start(m)..][..w3];
                        for ((o, x), y) in self.out.iter_mut().zip(a).zip(b) {
                            *o += tap.weight * (x + y);
                        }
                    }
                    None => {
                        for (o, x) in self.out.iter_mut().zip(a) {
                            *o += tap.weight * x;
                        }
                    }
                }
            }
            emit(&self.out);
            self.emitted += 1;
        }
    }
}

fn push_through(stages: &mut [ConvStage], row: &[f32], sink: &mut dyn FnMut(&[f32])) {
    match stages.split_first_mut() {
        None => sink(row),
        Some((first, rest)) => first.push(row, &mut |r| push_through(rest, r, sink)),
    }
}

// ----------------------------------------------------------- noise, files --

const GAUSS_BITS: u32 = 12;
const GAUSS_LEN: usize = 1 << GAUSS_BITS;

/// Quantiles of the standard normal at `(i + 0.5) / 4096`: a table lookup per
/// sample is far cheaper than Box-Muller and exact enough for sensor noise.
fn gaussian_table() -> &'static [f32; GAUSS_LEN] {
    static TABLE: OnceLock<Box<[f32; GAUSS_LEN]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // Invert the CDF by integrating the density on a fine grid.
        const STEPS: usize = 1 << 17;
        const LO: f64 = -6.0;
        let dx = 12.0 / to_f64(STEPS);
        let density = |x: f64| (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let mut table = Vec::with_capacity(GAUSS_LEN);
        let mut cdf = 0.0;
        let mut step = 0;
        for i in 0..GAUSS_LEN {
            let p = (to_f64(i) + 0.5) / to_f64(GAUSS_LEN);
            while step < STEPS {
                let x = LO + to_f64(step) * dx;
                let next = cdf + 0.5 * (density(x) + density(x + dx)) * dx;
                if next >= p {
                    let x_at = x + dx * (p - cdf) / (next - cdf);
                    table.push(x_at as f32);
                    break;
                }
                cdf = next;
                step += 1;
            }
        }
        table
            .into_boxed_slice()
            .try_into()
            .expect("every quantile lies within ±6 sigma")
    })
}

/// The last stage: adds gaussian sensor noise and rounds to bytes.
struct Quantizer {
    out: Vec<u8>,
    filled: usize,
    sigma: f32,
    fast: FastRng,
}

impl Quantizer {
    fn new(len: usize, sigma: f32, rng: &mut SynthRng) -> Self {
        Self {
            out: vec![0; len],
            filled: 0,
            sigma,
            fast: FastRng::new(rng),
        }
    }

    fn put(&mut self, row: &[f32]) {
        let dst = &mut self.out[self.filled..self.filled + row.len()];
        self.filled += row.len();
        let sigma = self.sigma;
        if sigma > 0.0 {
            let table = gaussian_table();
            let mask = (1u64 << GAUSS_BITS) - 1;
            // Five 12-bit table indices per 64-bit draw.
            for (d, s) in dst.chunks_mut(5).zip(row.chunks(5)) {
                let mut bits = self.fast.next();
                for (d, &v) in d.iter_mut().zip(s) {
                    *d = to_u8(v + sigma * table[(bits & mask) as usize]);
                    bits >>= GAUSS_BITS;
                }
            }
        } else {
            for (d, &v) in dst.iter_mut().zip(row) {
                *d = to_u8(v);
            }
        }
    }
}

/// Float-to-int `as` casts saturate, which is exactly the clamp to 0..=255.
#[allow(clippy::cast_sign_loss)] // the cast saturates negatives to zero, as wanted
#[inline]
fn to_u8(v: f32) -> u8 {
    (v + 0.5) as u8
}

fn encode(pixels: &[u8], w: u32, h: u32, encoding: Encoding) -> (Vec<u8>, &'static str) {
    match encoding {
        Encoding::Png => {
            let mut out = Vec::new();
            PngEncoder::new_with_quality(&mut out, CompressionType::Fast, PngFilter::Adaptive)
                .write_image(pixels, w, h, ExtendedColorType::Rgb8)
                .expect("PNG encoding into memory cannot fail for a valid buffer");
            (out, "png")
        }
        Encoding::Jpeg {
            quality,
            resave_quality,
        } => {
            let first = encode_jpeg(pixels, w, h, quality);
            let bytes = match resave_quality {
                Some(q) => {
                    let decoded = image::load_from_memory_with_format(&first, ImageFormat::Jpeg)
                        .expect("a JPEG just written decodes")
                        .to_rgb8();
                    encode_jpeg(decoded.as_raw(), w, h, q)
                }
                None => first,
            };
            (bytes, "jpg")
        }
    }
}

fn encode_jpeg(pixels: &[u8], w: u32, h: u32, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
        .write_image(pixels, w, h, ExtendedColorType::Rgb8)
        .expect("JPEG encoding into memory cannot fail for a valid buffer");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;
    use rand::SeedableRng;

    const MARKERS: [[u8; 3]; 4] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]];

    /// A paper-coloured document with a coloured square in each corner
    /// (TL red, TR green, BR blue, BL yellow); returns it with its size in mm
    /// and each marker's centre in mm.
    fn marker_document(w: u32, h: u32, dpi: f32) -> (RgbImage, [f32; 2], [[f64; 2]; 4]) {
        let m = w.min(h) / 8;
        let mut img = RgbImage::from_pixel(w, h, Rgb([235, 232, 222]));
        let origins = [[0, 0], [w - m, 0], [w - m, h - m], [0, h - m]];
        for (origin, colour) in origins.iter().zip(MARKERS) {
            for y in origin[1]..origin[1] + m {
                for x in origin[0]..origin[0] + m {
                    img.put_pixel(x, y, Rgb(colour));
                }
            }
        }
        let mm = 25.4 / f64::from(dpi);
        let centres = origins.map(|[x, y]| {
            [
                (f64::from(x) + f64::from(m) / 2.0) * mm,
                (f64::from(y) + f64::from(m) / 2.0) * mm,
            ]
        });
        let size = [u32_to_f32(w) * 25.4 / dpi, u32_to_f32(h) * 25.4 / dpi];
        (img, size, centres)
    }

    fn centroid(img: &RgbImage, colour: [u8; 3]) -> [f64; 2] {
        let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
        for (x, y, p) in img.enumerate_pixels() {
            let matches =
                p.0.iter()
                    .zip(colour)
                    .all(|(&v, c)| if c > 128 { v > 150 } else { v < 100 });
            if matches {
                sx += f64::from(x) + 0.5;
                sy += f64::from(y) + 0.5;
                n += 1.0;
            }
        }
        assert!(n > 10.0, "marker {colour:?} not found");
        [sx / n, sy / n]
    }

    fn check_markers(params: &ScanParams, doc_dpi: f32, w: u32, h: u32, tol: f64) -> Scan {
        let (doc, size, centres) = marker_document(w, h, doc_dpi);
        let mut rng = SynthRng::seed_from_u64(11);
        let scan = simulate(&doc, doc_dpi, size, params, &mut rng);
        let img = image::load_from_memory(&scan.bytes)
            .expect("scan decodes")
            .to_rgb8();
        assert_eq!((img.width(), img.height()), (scan.width, scan.height));
        let corners_mm = [
            [0.0, 0.0],
            [f64::from(size[0]), 0.0],
            [f64::from(size[0]), f64::from(size[1])],
            [0.0, f64::from(size[1])],
        ];
        for (corner, [x, y]) in scan.corners_px.iter().zip(corners_mm) {
            let p = apply(&scan.mm_to_px, x, y);
            assert!((p[0] - corner[0]).abs() < 1e-3 && (p[1] - corner[1]).abs() < 1e-3);
            assert!(corner[0] >= -0.01 && corner[0] <= u32_to_f32(scan.width) + 0.01);
            assert!(corner[1] >= -0.01 && corner[1] <= u32_to_f32(scan.height) + 0.01);
        }
        for (colour, [x, y]) in MARKERS.iter().zip(centres) {
            let expected = apply(&scan.mm_to_px, x, y);
            let found = centroid(&img, *colour);
            let err = (found[0] - f64::from(expected[0])).hypot(found[1] - f64::from(expected[1]));
            assert!(
                err < tol,
                "rotation {}: marker {colour:?} at {found:?}, expected {expected:?}",
                params.rotation_deg
            );
        }
        scan
    }

    fn clean_at(dpi: u32, rotation_deg: f32) -> ScanParams {
        ScanParams {
            dpi,
            rotation_deg,
            ..ScanParams::clean()
        }
    }

    #[test]
    fn markers_land_on_the_homography() {
        for rotation in [0.0, 90.0, 180.0, 270.0, 7.5, 183.2, 301.0] {
            check_markers(&clean_at(150, rotation), 150.0, 354, 236, 0.5);
        }
    }

    #[test]
    fn markers_land_with_perspective_and_resampling() {
        let params = ScanParams {
            perspective: 0.035,
            offset_mm: [6.0, -4.0],
            ..clean_at(100, 95.0)
        };
        check_markers(&params, 150.0, 354, 236, 1.0);
        // Downscaling by more than 1.4 goes through the prefilter.
        check_markers(&clean_at(100, 12.0), 300.0, 600, 400, 0.75);
    }

    #[test]
    fn markers_land_at_300_dpi() {
        check_markers(&clean_at(300, 3.5), 300.0, 709, 472, 0.5);
    }

    #[test]
    fn corner_order_follows_the_document() {
        let (doc, size, _) = marker_document(200, 120, 100.0);
        let mut rng = SynthRng::seed_from_u64(1);
        let turned = simulate(&doc, 100.0, size, &clean_at(100, 180.0), &mut rng);
        let [tl, _, br, _] = turned.corners_px;
        assert!(tl[0] > br[0] && tl[1] > br[1]);
        // Positive angles turn clockwise on screen: the top-left goes top-right.
        let quarter = simulate(&doc, 100.0, size, &clean_at(100, 90.0), &mut rng);
        let [tl, tr, _, bl] = quarter.corners_px;
        assert!(tl[0] > bl[0] && tl[1] < tr[1]);
    }

    #[test]
    fn same_seed_same_bytes() {
        let (doc, size, _) = marker_document(300, 200, 120.0);
        let run = |seed: u64| {
            let mut rng = SynthRng::seed_from_u64(seed);
            let params = ScanParams {
                dpi: 100,
                ..ScanParams::random(&mut rng)
            };
            simulate(&doc, 120.0, size, &params, &mut rng).bytes
        };
        for seed in 0..6 {
            assert_eq!(run(seed), run(seed));
        }
        assert_ne!(run(1), run(2));
    }

    #[test]
    fn every_background_and_degradation_runs() {
        let (doc, size, _) = marker_document(300, 200, 120.0);
        let mut rng = SynthRng::seed_from_u64(5);
        for background in [
            Background::ScannerLid,
            Background::Desk,
            Background::Dark,
            Background::Fabric,
        ] {
            let params = ScanParams {
                background,
                defocus_sigma: 1.5,
                motion_blur: Some((6.0, 30.0)),
                noise_sigma: 5.0,
                illumination: 0.3,
                color_cast: [1.05, 0.95, 1.0],
                gamma: 1.2,
                ..clean_at(100, 20.0)
            };
            let scan = simulate(&doc, 120.0, size, &params, &mut rng);
            let img = image::load_from_memory(&scan.bytes)
                .expect("scan decodes")
                .to_rgb8();
            // The background shows in the corner of a 20°-turned document.
            let corner = img.get_pixel(1, 1).0;
            match background {
                Background::ScannerLid => assert!(corner.iter().all(|&c| c > 150)),
                Background::Dark => assert!(corner.iter().all(|&c| c < 90)),
                Background::Desk | Background::Fabric => {}
            }
        }
    }

    #[test]
    fn dimensions_follow_dpi() {
        let (doc, size, _) = marker_document(236, 157, 200.0);
        let mut rng = SynthRng::seed_from_u64(3);
        for dpi in [150u32, 600] {
            let scan = simulate(&doc, 200.0, size, &clean_at(dpi, 0.0), &mut rng);
            let ppm = f64::from(dpi) / 25.4;
            let ew = (f64::from(size[0]) + 20.0) * ppm;
            let eh = (f64::from(size[1]) + 20.0) * ppm;
            assert!(
                (f64::from(scan.width) - ew).abs() <= 1.0,
                "{dpi}: {}",
                scan.width
            );
            assert!(
                (f64::from(scan.height) - eh).abs() <= 1.0,
                "{dpi}: {}",
                scan.height
            );
        }
    }

    #[test]
    fn jpeg_decodes() {
        let (doc, size, _) = marker_document(300, 200, 120.0);
        let mut rng = SynthRng::seed_from_u64(9);
        for resave_quality in [None, Some(85)] {
            let params = ScanParams {
                encoding: Encoding::Jpeg {
                    quality: 60,
                    resave_quality,
                },
                ..clean_at(120, 4.0)
            };
            let scan = simulate(&doc, 120.0, size, &params, &mut rng);
            assert_eq!(scan.extension, "jpg");
            let img = image::load_from_memory_with_format(&scan.bytes, ImageFormat::Jpeg)
                .expect("JPEG decodes");
            assert_eq!((img.width(), img.height()), (scan.width, scan.height));
        }
    }

    #[test]
    #[allow(clippy::cast_sign_loss)] // rotations are non-negative
    fn random_covers_the_ranges() {
        let mut rng = SynthRng::seed_from_u64(42);
        let (mut jpeg, mut resaved, mut quarters, mut free) = (0, 0, [0; 4], 0);
        let mut backgrounds = [0; 4];
        for _ in 0..500 {
            let p = ScanParams::random(&mut rng);
            assert!((150..=600).contains(&p.dpi));
            assert!((0.0..360.0).contains(&p.rotation_deg));
            assert!((0.0..0.04).contains(&p.perspective));
            assert!((3.0..40.0).contains(&p.margin_mm));
            assert!(p.offset_mm.iter().all(|o| o.abs() < p.margin_mm));
            assert!((0.0..2.0).contains(&p.defocus_sigma));
            if let Some((len, angle)) = p.motion_blur {
                assert!((2.0..8.0).contains(&len) && (0.0..180.0).contains(&angle));
            }
            assert!((0.0..8.0).contains(&p.noise_sigma));
            assert!((0.0..0.35).contains(&p.illumination));
            assert!(p.color_cast.iter().all(|g| (0.9..1.1).contains(g)));
            assert!((0.8..1.25).contains(&p.gamma));
            match p.encoding {
                Encoding::Jpeg {
                    quality,
                    resave_quality,
                } => {
                    jpeg += 1;
                    assert!((40..=95).contains(&quality));
                    if let Some(q) = resave_quality {
                        resaved += 1;
                        assert!((50..=95).contains(&q));
                    }
                }
                Encoding::Png => {}
            }
            let nearest = ((p.rotation_deg / 90.0).round() as usize) % 4;
            let off = (p.rotation_deg - 90.0 * (p.rotation_deg / 90.0).round()).abs();
            if off <= 8.0 {
                quarters[nearest] += 1;
            } else {
                free += 1;
            }
            backgrounds[p.background as usize] += 1;
        }
        assert!((360..=440).contains(&jpeg), "jpeg share {jpeg}/500");
        assert!((45..=120).contains(&resaved), "resaved {resaved}/{jpeg}");
        assert!(quarters.iter().all(|&n| n > 60), "{quarters:?}");
        assert!(free > 20, "fully random rotations: {free}");
        assert!(backgrounds.iter().all(|&n| n > 50), "{backgrounds:?}");
    }

    #[test]
    fn homography_round_trips() {
        let src = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        let dst = [[10.0, 5.0], [300.0, 20.0], [280.0, 250.0], [-4.0, 230.0]];
        let h = solve_homography(&src, &dst);
        let inv = invert3(&h);
        for (s, d) in src.iter().zip(&dst) {
            let p = apply_f64(&h, s[0], s[1]);
            assert!((p[0] - d[0]).abs() < 1e-9 && (p[1] - d[1]).abs() < 1e-9);
            let q = apply_f64(&inv, d[0], d[1]);
            assert!((q[0] - s[0]).abs() < 1e-9 && (q[1] - s[1]).abs() < 1e-9);
        }
    }

    /// The streaming stages must equal a plain 2D convolution with edge
    /// replication, including images shorter than a stage's reach.
    #[test]
    fn streaming_blur_matches_direct_convolution() {
        let mut fast = FastRng(99);
        for (w, h) in [(13usize, 9usize), (17, 3), (5, 1)] {
            let src: Vec<f32> = (0..w * h * 3).map(|_| fast.signed() * 100.0).collect();
            let params = ScanParams {
                defocus_sigma: 1.3,
                motion_blur: Some((5.5, 33.0)),
                ..ScanParams::clean()
            };
            let mut stages = blur_stages(&params, w, h);
            assert_eq!(stages.len(), 3);
            let mut streamed = Vec::new();
            for row in src.chunks_exact(w * 3) {
                push_through(&mut stages, row, &mut |r| streamed.extend_from_slice(r));
            }
            let weights = gaussian_weights(1.3);
            let r = isize::try_from(weights.len() / 2).expect("small radius");
            let gauss_h: Vec<Tap> = (-r..=r)
                .zip(&weights)
                .map(|(dx, &weight)| Tap { dx, dy: 0, weight })
                .collect();
            let gauss_v: Vec<Tap> = (-r..=r)
                .zip(&weights)
                .map(|(dy, &weight)| Tap { dx: 0, dy, weight })
                .collect();
            let mut direct = src.clone();
            for taps in [gauss_h, gauss_v, line_taps(5.5, 33.0)] {
                let mut next = vec![0.0f32; direct.len()];
                for y in 0..h {
                    for x in 0..w {
                        for tap in &taps {
                            let sy = y.saturating_add_signed(tap.dy).min(h - 1);
                            let sx = x.saturating_add_signed(tap.dx).min(w - 1);
                            for c in 0..3 {
                                next[(y * w + x) * 3 + c] +=
                                    tap.weight * direct[(sy * w + sx) * 3 + c];
                            }
                        }
                    }
                }
                direct = next;
            }
            assert_eq!(streamed.len(), direct.len());
            for (a, b) in streamed.iter().zip(&direct) {
                assert!((a - b).abs() < 1e-3, "{a} vs {b} at {w}x{h}");
            }
        }
    }

    #[test]
    fn gaussian_table_is_standard_normal() {
        let t = gaussian_table();
        assert_eq!(t.len(), 1 << GAUSS_BITS);
        let n = to_f32(t.len());
        let mean: f32 = t.iter().sum::<f32>() / n;
        let var: f32 = t.iter().map(|v| v * v).sum::<f32>() / n;
        assert!(
            mean.abs() < 1e-3 && (var - 1.0).abs() < 0.02,
            "{mean} {var}"
        );
    }

    /// Release-mode timing: `cargo test --release -p docscreen-synth --lib
    /// scan::tests::timing -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing check, run in release"]
    #[allow(clippy::print_stderr)] // the measurement is the point of this test
    fn timing() {
        let (doc, size, _) = marker_document(1476, 1039, 300.0);
        let mut rng = SynthRng::seed_from_u64(0);
        let mut cases = Vec::new();
        for (name, encoding, blur) in [
            (
                "jpeg q85, blur 1.2, noise 4",
                Encoding::Jpeg {
                    quality: 85,
                    resave_quality: None,
                },
                1.2,
            ),
            ("png, blur 1.2, noise 4", Encoding::Png, 1.2),
            (
                "jpeg+resave, blur 2, motion",
                Encoding::Jpeg {
                    quality: 70,
                    resave_quality: Some(80),
                },
                2.0,
            ),
        ] {
            let params = ScanParams {
                rotation_deg: 3.0,
                margin_mm: 20.0,
                defocus_sigma: blur,
                noise_sigma: 4.0,
                illumination: 0.2,
                gamma: 1.1,
                encoding,
                motion_blur: (blur > 1.5).then_some((6.0, 20.0)),
                background: Background::Desk,
                ..ScanParams::clean()
            };
            let mut times: Vec<f64> = (0..10)
                .map(|_| {
                    let t = std::time::Instant::now();
                    let scan = simulate(&doc, 300.0, size, &params, &mut rng);
                    std::hint::black_box(scan);
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            times.sort_by(f64::total_cmp);
            cases.push((name, times[5]));
        }
        let mut rng = SynthRng::seed_from_u64(1);
        let mut times: Vec<f64> = (0..20)
            .map(|_| {
                let params = ScanParams {
                    dpi: 300,
                    ..ScanParams::random(&mut rng)
                };
                let t = std::time::Instant::now();
                std::hint::black_box(simulate(&doc, 300.0, size, &params, &mut rng));
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        cases.push(("random params at 300 dpi", times[10]));
        for (name, ms) in cases {
            eprintln!("simulate {name}: median {ms:.1} ms");
        }
    }
}
