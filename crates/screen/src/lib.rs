//! The docscreen pipeline: a [`Screener`] built once from a
//! [`ScreeningConfig`] turns scan bytes into a [`Report`] (the report
//! contract, `DESIGN.md` §4): decoding under limits, the MRZ read and its
//! checks, watch lists, and a fitted, calibrated, monotone score with
//! verdict thresholds per desk ([`fusion`]).
//!
//! ```no_run
//! use docscreen_screen::{Screener, ScreeningConfig};
//! let screener = Screener::new(ScreeningConfig::default())?;
//! let bytes = std::fs::read("scan.jpg")?;
//! let report = screener.screen("scan.jpg", &bytes);
//! println!("{}", serde_json::to_string(&report)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod anomaly_checks;
pub mod evidence;
mod forensic_checks;
pub mod fusion;
mod mrz_checks;
mod print_search;
mod report;
mod resemblance;
mod screener;
mod template_checks;
pub mod templates;
mod viz_checks;
mod watchlist;
mod zone_read;

use std::path::PathBuf;

pub use anomaly_checks::{AnomalyModel, EMBEDDED_ANOMALY_MODEL, EMBEDDED_ANOMALY_SHA256};
pub use fusion::{Desk, FusionModel};
pub use mrz_checks::{MRZ_CHECK_IDS, mrz_checks};
pub use report::{CheckResult, DocumentInfo, MrzReport, Region, Report, Status, Verdict};
pub use screener::{Screener, ScreeningConfig, Thresholds};
pub use template_checks::{MATCH_SUPPORT, RunnerUp, TEMPLATE_CHECK_IDS, TemplateMatch};
pub use templates::{Template, TemplateRegistry, TemplateSpec, ZoneKind, ZoneSpec};
pub use viz_checks::{PrintedField, VIZ_CHECK_IDS};
pub use watchlist::{Entry as WatchlistEntry, Watchlist};

/// Why a screener could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScreenError {
    /// ONNX Runtime or a model failed to load.
    #[error(transparent)]
    Inference(#[from] docscreen_inference::InferenceError),
    /// A watch list is unreadable or malformed.
    #[error("watch list {path}, line {line}: {detail}")]
    Watchlist {
        /// The file.
        path: PathBuf,
        /// 1-based line (0: the file itself).
        line: u64,
        /// What is wrong.
        detail: String,
    },
    /// The templates folder is unusable.
    #[error("templates {path}: {detail}")]
    Templates {
        /// The folder.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A fusion file of another format.
    #[error(
        "fusion model {origin}: format {got:?} is not \"docscreen-fusion\": give a file written by `docscreen calibrate`"
    )]
    FusionFormat {
        /// The file (or "embedded").
        origin: String,
        /// The format it names.
        got: String,
    },
    /// A fusion file of a version this build does not read.
    #[error(
        "fusion model {origin}: version {got} is not version {expected}, the one this build reads: re-fit it with `docscreen calibrate`"
    )]
    FusionVersion {
        /// The file.
        origin: String,
        /// Its version (0 when missing).
        got: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// A fusion file with a negative (or non-finite) weight, which would
    /// let a finding lower the score.
    #[error(
        "fusion model {origin}: weight {weight} of {check} is negative or not a number: weights must be ≥ 0 so that no finding lowers the score; re-fit with `docscreen calibrate`"
    )]
    FusionWeight {
        /// The file.
        origin: String,
        /// The check id (or `default_weight`).
        check: String,
        /// The weight found.
        weight: f64,
    },
    /// A fusion file that is unreadable or malformed otherwise.
    #[error("fusion model {origin}: {detail}")]
    Fusion {
        /// The file.
        origin: String,
        /// What is wrong.
        detail: String,
    },
    /// A desk the fusion model does not define.
    #[error("unknown desk {desk:?}: pick one of {known}")]
    UnknownDesk {
        /// The desk asked for.
        desk: String,
        /// The model's desks, comma-separated.
        known: String,
    },
    /// Verdict thresholds out of range or out of order.
    #[error("verdict thresholds: {detail}")]
    Thresholds {
        /// What is wrong.
        detail: String,
    },
    /// A fusion model could not be fitted.
    #[error("cannot fit the fusion model: {detail}")]
    FusionFit {
        /// What is wrong.
        detail: String,
    },
}
