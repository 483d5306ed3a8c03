//! The image side of docscreen: [`decode`], the one entry point
//! for untrusted scan bytes (JPEG, PNG, TIFF with every page, WebP, PDF
//! embedded images), under limits on bytes, pixels, allocation and pages.
//!
//! ```
//! use docscreen_vision::{decode, DecodeError, Limits};
//! // Not an image: a clear, typed error, never a panic.
//! assert!(matches!(decode(b"hello", &Limits::default()), Err(DecodeError::UnknownFormat { .. })));
//! ```
#![deny(missing_docs)]

pub mod align;
mod decode;
pub mod forensics;
mod grey;
mod homography;
mod locate;

pub use decode::{DecodeError, Decoded, Limits, Page, SourceFormat, decode};
pub use grey::grey_of;
pub use homography::Homography;
pub use locate::{Located, locate_document};
