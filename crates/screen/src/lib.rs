//! The docscreen pipeline: a [`Screener`] built once from a
//! [`ScreeningConfig`] turns scan bytes into a [`Report`] (the report
//! contract, `DESIGN.md` §4): decoding under limits, the MRZ read and its
//! checks, watch lists, and a documented, monotone score and verdict.
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
mod mrz_checks;
mod report;
mod screener;
mod template_checks;
pub mod templates;
mod viz_checks;
mod watchlist;

use std::path::PathBuf;

pub use anomaly_checks::{AnomalyModel, EMBEDDED_ANOMALY_MODEL, EMBEDDED_ANOMALY_SHA256};
pub use mrz_checks::{MRZ_CHECK_IDS, mrz_checks};
pub use report::{CheckResult, DocumentInfo, MrzReport, Region, Report, Status, Verdict};
pub use screener::{Screener, ScreeningConfig, Thresholds, fuse};
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
}
