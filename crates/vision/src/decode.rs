//! Safe decoding of untrusted scan bytes.
//!
//! Every format goes through one function with the same limits. JPEGs are
//! decoded in zune-jpeg's strict mode: `image` fills a truncated JPEG with
//! grey and calls it a success (../shared/NOTES.md), and a half-grey scan
//! must never be screened as if whole.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};

/// Limits applied to every decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, bytes.
    pub max_bytes: usize,
    /// Largest width or height, pixels.
    pub max_side: u32,
    /// Largest page, pixels (width × height).
    pub max_pixels: u64,
    /// Largest allocation a decoder may make, bytes.
    pub max_alloc: u64,
    /// Most pages of a TIFF or PDF.
    pub max_pages: usize,
}

impl Default for Limits {
    /// 64 MiB files, 30 000 px sides, 100 Mpx pages (A4 at 1 000 dpi),
    /// 512 MiB allocations, 32 pages.
    fn default() -> Self {
        Self {
            max_bytes: 64 << 20,
            max_side: 30_000,
            max_pixels: 100_000_000,
            max_alloc: 512 << 20,
            max_pages: 32,
        }
    }
}

/// The container a scan came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceFormat {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// TIFF (possibly several pages).
    Tiff,
    /// WebP.
    Webp,
    /// PDF (embedded images).
    Pdf,
}

impl SourceFormat {
    /// Lower-case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Jpeg => "jpeg",
            SourceFormat::Png => "png",
            SourceFormat::Tiff => "tiff",
            SourceFormat::Webp => "webp",
            SourceFormat::Pdf => "pdf",
        }
    }
}

/// One decoded page, upright.
#[derive(Debug, Clone)]
pub struct Page {
    /// The pixels, 8-bit RGB, EXIF orientation applied.
    pub image: RgbImage,
    /// Page number, 0-based (TIFF pages, PDF images in page order).
    pub index: usize,
    /// The EXIF orientation that was applied (1 = none), so that regions can
    /// be mapped back to the file's stored pixels.
    pub exif_orientation: u8,
}

/// A decoded file.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The container.
    pub format: SourceFormat,
    /// Its pages (at least one).
    pub pages: Vec<Page>,
}

/// Why a file cannot be screened. Messages say what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Zero bytes.
    #[error("the file is empty")]
    Empty,
    /// Over the byte limit.
    #[error("the file has {bytes} bytes, more than the {max} allowed: send a smaller scan")]
    TooLarge {
        /// Size.
        bytes: usize,
        /// Limit.
        max: usize,
    },
    /// Not a known image container.
    #[error("not a supported image (first bytes {magic}): send JPEG, PNG, TIFF, WebP or PDF")]
    UnknownFormat {
        /// Hex of the first bytes.
        magic: String,
    },
    /// The file ends before the image does.
    #[error(
        "the {format} file is truncated ({detail}): the scan is incomplete, scan or copy it again"
    )]
    Truncated {
        /// Container.
        format: &'static str,
        /// Decoder's words.
        detail: String,
    },
    /// Over the dimension or pixel limits.
    #[error(
        "the image is {width}×{height} pixels, over the limit ({max_side} px a side, {max_pixels} pixels): scan at a lower resolution"
    )]
    Dimensions {
        /// Width.
        width: u64,
        /// Height.
        height: u64,
        /// Side limit.
        max_side: u32,
        /// Pixel limit.
        max_pixels: u64,
    },
    /// Too many pages.
    #[error("the file has more than {max} pages: split it")]
    TooManyPages {
        /// Limit.
        max: usize,
    },
    /// Animated images are not scans.
    #[error("the {format} image is animated: send a single still scan")]
    Animated {
        /// Container.
        format: &'static str,
    },
    /// Encrypted PDF.
    #[error("the PDF is encrypted: export it without a password")]
    Encrypted,
    /// A PDF without images.
    #[error("the PDF holds no scanned image (pages without embedded images are not rendered yet)")]
    NoImage,
    /// Something the decoder does not handle.
    #[error("unsupported {format} content: {detail}")]
    Unsupported {
        /// Container.
        format: &'static str,
        /// What.
        detail: String,
    },
    /// The file is damaged.
    #[error("the {format} file is corrupt: {detail}")]
    Corrupt {
        /// Container.
        format: &'static str,
        /// Decoder's words.
        detail: String,
    },
}

fn sniff(bytes: &[u8]) -> Option<SourceFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(SourceFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(SourceFormat::Png)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(SourceFormat::Tiff)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(SourceFormat::Webp)
    } else if bytes.starts_with(b"%PDF-") {
        Some(SourceFormat::Pdf)
    } else {
        None
    }
}

fn check_dims(width: u64, height: u64, limits: &Limits) -> Result<(), DecodeError> {
    let too_big = width == 0
        || height == 0
        || width > u64::from(limits.max_side)
        || height > u64::from(limits.max_side)
        || width.saturating_mul(height) > limits.max_pixels;
    if too_big {
        return Err(DecodeError::Dimensions {
            width,
            height,
            max_side: limits.max_side,
            max_pixels: limits.max_pixels,
        });
    }
    Ok(())
}

/// Decodes untrusted bytes into upright RGB pages, under `limits`.
///
/// # Errors
/// [`DecodeError`] says what is wrong with the file; nothing panics and no
/// allocation exceeds the limits.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(DecodeError::TooLarge {
            bytes: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let format = sniff(bytes).ok_or_else(|| DecodeError::UnknownFormat {
        magic: bytes
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" "),
    })?;
    let pages = match format {
        SourceFormat::Jpeg => vec![decode_jpeg(bytes, limits, 0)?],
        SourceFormat::Png | SourceFormat::Webp => vec![decode_with_image(bytes, format, limits)?],
        SourceFormat::Tiff => decode_tiff(bytes, limits)?,
        SourceFormat::Pdf => decode_pdf(bytes, limits)?,
    };
    Ok(Decoded { format, pages })
}

/// JPEG through zune-jpeg in strict mode: truncation is an error.
fn decode_jpeg(bytes: &[u8], limits: &Limits, index: usize) -> Result<Page, DecodeError> {
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;
    let side = limits.max_side as usize;
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(side)
        .set_max_height(side)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), options);
    let corrupt = |e: &dyn std::fmt::Display| {
        let detail = e.to_string();
        let lower = detail.to_lowercase();
        if lower.contains("exhausted")
            || lower.contains("eof")
            || lower.contains("no more bytes")
            || lower.contains("end of")
        {
            DecodeError::Truncated {
                format: "JPEG",
                detail,
            }
        } else if lower.contains("width") && lower.contains("greater")
            || lower.contains("height") && lower.contains("greater")
        {
            DecodeError::Dimensions {
                width: 0,
                height: 0,
                max_side: limits.max_side,
                max_pixels: limits.max_pixels,
            }
        } else {
            DecodeError::Corrupt {
                format: "JPEG",
                detail,
            }
        }
    };
    dec.decode_headers().map_err(|e| corrupt(&e))?;
    let info = dec.info().ok_or_else(|| DecodeError::Corrupt {
        format: "JPEG",
        detail: "no frame header".into(),
    })?;
    let (w, h) = (u64::from(info.width), u64::from(info.height));
    check_dims(w, h, limits)?;
    let pixels = dec.decode().map_err(|e| corrupt(&e))?;
    let image = RgbImage::from_raw(u32::from(info.width), u32::from(info.height), pixels)
        .ok_or_else(|| DecodeError::Corrupt {
            format: "JPEG",
            detail: "pixel buffer does not match the frame".into(),
        })?;
    let orientation = dec
        .exif()
        .and_then(|e| Orientation::from_exif_chunk(e))
        .unwrap_or(Orientation::NoTransforms);
    Ok(upright(DynamicImage::ImageRgb8(image), orientation, index))
}

fn upright(mut img: DynamicImage, orientation: Orientation, index: usize) -> Page {
    img.apply_orientation(orientation);
    Page {
        image: img.into_rgb8(),
        index,
        exif_orientation: orientation.to_exif(),
    }
}

fn image_err(format: &'static str, e: &image::ImageError, limits: &Limits) -> DecodeError {
    match e {
        image::ImageError::Limits(_) => DecodeError::Dimensions {
            width: 0,
            height: 0,
            max_side: limits.max_side,
            max_pixels: limits.max_pixels,
        },
        image::ImageError::Unsupported(u) => DecodeError::Unsupported {
            format,
            detail: u.to_string(),
        },
        other => {
            let detail = other.to_string();
            if detail.to_lowercase().contains("eof")
                || detail.to_lowercase().contains("unexpected end")
            {
                DecodeError::Truncated { format, detail }
            } else {
                DecodeError::Corrupt { format, detail }
            }
        }
    }
}

/// PNG and WebP through `image`, under its `Limits`.
fn decode_with_image(
    bytes: &[u8],
    format: SourceFormat,
    limits: &Limits,
) -> Result<Page, DecodeError> {
    let name = if format == SourceFormat::Png {
        "PNG"
    } else {
        "WebP"
    };
    if format == SourceFormat::Png {
        let png = image::codecs::png::PngDecoder::new(Cursor::new(bytes))
            .map_err(|e| image_err(name, &e, limits))?;
        if png.is_apng().unwrap_or(false) {
            return Err(DecodeError::Animated { format: name });
        }
    } else if let Ok(webp) = image::codecs::webp::WebPDecoder::new(Cursor::new(bytes))
        && webp.has_animation()
    {
        return Err(DecodeError::Animated { format: name });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(if format == SourceFormat::Png {
        image::ImageFormat::Png
    } else {
        image::ImageFormat::WebP
    });
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_side);
    l.max_image_height = Some(limits.max_side);
    l.max_alloc = Some(limits.max_alloc);
    reader.limits(l);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| image_err(name, &e, limits))?;
    let (w, h) = decoder.dimensions();
    check_dims(u64::from(w), u64::from(h), limits)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let img = DynamicImage::from_decoder(decoder).map_err(|e| image_err(name, &e, limits))?;
    Ok(upright(img, orientation, 0))
}

/// Every page of a TIFF, through the `tiff` crate (image reads only the first).
fn decode_tiff(bytes: &[u8], limits: &Limits) -> Result<Vec<Page>, DecodeError> {
    use tiff::ColorType;
    use tiff::decoder::{Decoder, DecodingResult};
    let err = |e: tiff::TiffError| match e {
        tiff::TiffError::LimitsExceeded => DecodeError::Dimensions {
            width: 0,
            height: 0,
            max_side: limits.max_side,
            max_pixels: limits.max_pixels,
        },
        tiff::TiffError::UnsupportedError(u) => DecodeError::Unsupported {
            format: "TIFF",
            detail: u.to_string(),
        },
        tiff::TiffError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            DecodeError::Truncated {
                format: "TIFF",
                detail: io.to_string(),
            }
        }
        other => DecodeError::Corrupt {
            format: "TIFF",
            detail: other.to_string(),
        },
    };
    let mut tl = tiff::decoder::Limits::default();
    tl.decoding_buffer_size = usize::try_from(limits.max_alloc).unwrap_or(usize::MAX);
    tl.intermediate_buffer_size = usize::try_from(limits.max_alloc).unwrap_or(usize::MAX);
    let mut dec = Decoder::new(Cursor::new(bytes))
        .map_err(err)?
        .with_limits(tl);
    let mut pages = Vec::new();
    loop {
        if pages.len() >= limits.max_pages {
            return Err(DecodeError::TooManyPages {
                max: limits.max_pages,
            });
        }
        let (w, h) = dec.dimensions().map_err(err)?;
        check_dims(u64::from(w), u64::from(h), limits)?;
        let color = dec.colortype().map_err(err)?;
        let data = dec.read_image().map_err(err)?;
        let n = (w as usize) * (h as usize);
        // Everything becomes 8-bit RGB; 16-bit samples keep their high byte.
        let samples: Vec<u8> = match data {
            DecodingResult::U8(v) => v,
            DecodingResult::U16(v) => v.into_iter().map(|s| (s >> 8) as u8).collect(),
            _ => {
                return Err(DecodeError::Unsupported {
                    format: "TIFF",
                    detail: format!("sample format of {color:?}"),
                });
            }
        };
        let rgb: Vec<u8> = match color {
            ColorType::RGB(_) => samples,
            ColorType::RGBA(_) => samples
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect(),
            ColorType::Gray(_) => samples.iter().flat_map(|&g| [g, g, g]).collect(),
            ColorType::GrayA(_) => samples
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0]])
                .collect(),
            ColorType::CMYK(_) => samples
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = 255 - u16::from(p[3]);
                    [p[0], p[1], p[2]].map(|c| ((255 - u16::from(c)) * k / 255) as u8)
                })
                .collect(),
            other => {
                return Err(DecodeError::Unsupported {
                    format: "TIFF",
                    detail: format!("colour type {other:?}"),
                });
            }
        };
        if rgb.len() != n * 3 {
            return Err(DecodeError::Corrupt {
                format: "TIFF",
                detail: "pixel data does not match the page size".into(),
            });
        }
        let image = RgbImage::from_raw(w, h, rgb).ok_or_else(|| DecodeError::Corrupt {
            format: "TIFF",
            detail: "bad page buffer".into(),
        })?;
        pages.push(Page {
            image,
            index: pages.len(),
            exif_orientation: 1,
        });
        if !dec.more_images() {
            break;
        }
        dec.next_image().map_err(err)?;
    }
    Ok(pages)
}

/// The images embedded in a PDF, in page order (a scanner's PDF holds one
/// image a page). JPEG (`DCTDecode`) images are decoded strictly; others
/// through their decompressed samples.
fn decode_pdf(bytes: &[u8], limits: &Limits) -> Result<Vec<Page>, DecodeError> {
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| {
        let detail = e.to_string();
        if detail.to_lowercase().contains("encrypt") {
            DecodeError::Encrypted
        } else {
            DecodeError::Corrupt {
                format: "PDF",
                detail,
            }
        }
    })?;
    if doc.is_encrypted() {
        return Err(DecodeError::Encrypted);
    }
    let mut pages = Vec::new();
    for (_, page_id) in doc.get_pages() {
        let images = doc
            .get_page_images(page_id)
            .map_err(|e| DecodeError::Corrupt {
                format: "PDF",
                detail: e.to_string(),
            })?;
        for img in images {
            if pages.len() >= limits.max_pages {
                return Err(DecodeError::TooManyPages {
                    max: limits.max_pages,
                });
            }
            let (w, h) = (
                u64::try_from(img.width).unwrap_or(0),
                u64::try_from(img.height).unwrap_or(0),
            );
            check_dims(w, h, limits)?;
            let filters = img.filters.clone().unwrap_or_default();
            let index = pages.len();
            if filters.iter().any(|f| f == "DCTDecode") {
                pages.push(decode_jpeg(img.content, limits, index)?);
                continue;
            }
            let stream = doc
                .get_object(img.id)
                .and_then(lopdf::Object::as_stream)
                .map_err(|e| DecodeError::Corrupt {
                    format: "PDF",
                    detail: e.to_string(),
                })?;
            let data = stream
                .decompressed_content()
                .map_err(|e| DecodeError::Unsupported {
                    format: "PDF",
                    detail: format!("image filter {filters:?}: {e}"),
                })?;
            let (wu, hu) = (w as usize, h as usize);
            let rgb: Vec<u8> = match (img.color_space.as_deref(), img.bits_per_component) {
                (Some("DeviceRGB"), Some(8)) if data.len() >= wu * hu * 3 => {
                    data[..wu * hu * 3].to_vec()
                }
                (Some("DeviceGray"), Some(8)) if data.len() >= wu * hu => {
                    data[..wu * hu].iter().flat_map(|&g| [g, g, g]).collect()
                }
                (cs, bpc) => {
                    return Err(DecodeError::Unsupported {
                        format: "PDF",
                        detail: format!("image colour space {cs:?} at {bpc:?} bits"),
                    });
                }
            };
            #[allow(clippy::cast_possible_truncation)] // checked against max_side
            let image = RgbImage::from_raw(w as u32, h as u32, rgb).ok_or_else(|| {
                DecodeError::Corrupt {
                    format: "PDF",
                    detail: "bad image buffer".into(),
                }
            })?;
            pages.push(Page {
                image,
                index,
                exif_orientation: 1,
            });
        }
    }
    if pages.is_empty() {
        return Err(DecodeError::NoImage);
    }
    Ok(pages)
}
