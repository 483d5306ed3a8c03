//! The report contract (`DESIGN.md` §4): one JSON object per scan.
//!
//! *API Boundary*: field names and enum spellings here are read by the
//! batch runner's users, the service and the hidden evaluation; change
//! them only with the contract.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The screening's conclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing found that needs a person's look.
    Pass,
    /// Something an examiner should look at.
    Review,
    /// Evidence of forgery or of an invalid document.
    Fail,
}

impl Verdict {
    /// The contract's spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Review => "review",
            Verdict::Fail => "fail",
        }
    }
}

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The check ran and found nothing.
    Pass,
    /// The check found something worth a look (not by itself a forgery).
    Warn,
    /// The check found evidence.
    Fail,
    /// The check could not apply (no MRZ, no matching template…); the
    /// message says why.
    NotPerformed,
    /// The check failed to run.
    Error,
}

/// Where evidence is: a quadrilateral in input pixels (clockwise from the
/// top-left corner in reading order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Region {
    /// What is there, in words.
    pub label: String,
    /// The corners, input pixels of the decoded page before any rotation.
    pub quad_px: [[f32; 2]; 4],
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Stable id, e.g. `mrz.check_digits`.
    pub id: String,
    /// Outcome.
    pub status: Status,
    /// 0 (nothing) to 1 (certain evidence of forgery or invalidity).
    pub score: f32,
    /// An officer-readable explanation.
    pub message: String,
    /// Where the evidence is.
    pub regions: Vec<Region>,
}

impl CheckResult {
    /// A passing check.
    #[must_use]
    pub fn pass(id: &str, message: impl Into<String>) -> Self {
        Self::new(id, Status::Pass, 0.0, message)
    }

    /// A check that does not apply, with the reason.
    #[must_use]
    pub fn not_performed(id: &str, reason: impl Into<String>) -> Self {
        Self::new(id, Status::NotPerformed, 0.0, reason)
    }

    /// Any outcome.
    #[must_use]
    pub fn new(id: &str, status: Status, score: f32, message: impl Into<String>) -> Self {
        Self {
            id: id.to_owned(),
            status,
            score: score.clamp(0.0, 1.0),
            message: message.into(),
            regions: Vec::new(),
        }
    }

    /// The same with evidence regions.
    #[must_use]
    pub fn with_regions(mut self, regions: Vec<Region>) -> Self {
        self.regions = regions;
        self
    }
}

/// What the document is and where it lies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentInfo {
    /// Matched template id (`null` until the template checks identify one).
    pub template: Option<String>,
    /// How well the scan matched that template, and the runner-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_match: Option<crate::template_checks::TemplateMatch>,
    /// MRZ format read (`TD1`, `TD2`, `TD3`, `MRVA`, `MRVB`, `FRID`).
    pub mrz_format: Option<String>,
    /// Rotation of the document in the input, 0/90/180/270 degrees
    /// clockwise, from the MRZ's reading direction; `null` without one.
    pub orientation_deg: Option<u32>,
    /// The document's corners in input pixels (clockwise from the
    /// top-left-most), `null` when not found.
    pub corners_px: Option<[[f32; 2]; 4]>,
    /// The printed (VIZ) fields read in the identified model's text zones,
    /// by zone name, with their MRZ counterparts and agreement.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, crate::viz_checks::PrintedField>,
}

/// The MRZ as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MrzReport {
    /// The lines (after any check-digit repair).
    pub lines: Vec<String>,
    /// Every ICAO 9303 rule and check digit holds.
    pub valid: bool,
    /// The parsed fields.
    pub fields: serde_json::Value,
    /// Lowest per-character recognition probability.
    pub confidence: f32,
    /// The lines as recognised, before repair (only when a repair changed
    /// something).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_lines: Option<Vec<String>>,
    /// Characters the check-digit repair changed (line, column, from, to).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repairs: Vec<serde_json::Value>,
}

/// The report on one scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The file as given.
    pub path: String,
    /// sha256 of the file's bytes.
    pub sha256: String,
    /// `null` when `error` is set.
    pub verdict: Option<Verdict>,
    /// 0..1, higher = more likely forged or invalid; `null` on error.
    pub score: Option<f32>,
    /// The fusion model and desk behind `score` and `verdict`
    /// (`MODEL_ID/DESK`, or `MODEL_ID/review=R,fail=F` with explicit
    /// thresholds); absent on error. Additive to the contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_model: Option<String>,
    /// The document; `null` on error.
    pub document: Option<DocumentInfo>,
    /// The MRZ; `null` when none was read.
    pub mrz: Option<MrzReport>,
    /// Every check, in a fixed order.
    pub checks: Vec<CheckResult>,
    /// Stage timings, milliseconds.
    pub timings_ms: BTreeMap<String, f64>,
    /// Why the file could not be screened; `null` otherwise.
    pub error: Option<String>,
    /// Page screened (0-based) of a multi-page file: the worst one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub page: usize,
    /// The other pages' reports, for multi-page files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_pages: Vec<Report>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's signature
fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Report {
    /// A report for a file that could not be screened.
    #[must_use]
    pub fn failed(path: &str, sha256: String, error: String, total_ms: f64) -> Self {
        Self {
            path: path.to_owned(),
            sha256,
            verdict: None,
            score: None,
            score_model: None,
            document: None,
            mrz: None,
            checks: Vec::new(),
            timings_ms: BTreeMap::from([("total".to_owned(), total_ms)]),
            error: Some(error),
            page: 0,
            other_pages: Vec::new(),
        }
    }

    /// The check with `id`.
    #[must_use]
    pub fn check(&self, id: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }
}
