//! The [`Screener`]: built once from a [`ScreeningConfig`], then
//! `screen(bytes)` per scan from any number of threads.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use docscreen_mrz::Date;
use docscreen_ocr::{
    MAX_CANDIDATES, MrzBlock, MrzReading, Recogniser, TextGlyphs, find_mrz_candidates, ink_grey,
    read_candidates, read_more_candidates,
};
use docscreen_vision::{Limits, Page, decode, locate_document};
use serde::{Deserialize, Serialize};

use crate::ScreenError;
use crate::anomaly_checks::{AnomalyModel, anomaly_check};
use crate::forensic_checks::forensic_checks;
use crate::fusion::{DEFAULT_DESK, FusionModel, check_thresholds};
use crate::mrz_checks::mrz_checks;
use crate::print_search::mrz_in_print;
use crate::report::{CheckResult, DocumentInfo, MrzReport, Report, Status, Verdict};
use crate::template_checks::template_checks;
use crate::templates::TemplateRegistry;
use crate::viz_checks::viz_checks;
use crate::watchlist::Watchlist;
use crate::zone_read::read_in_zone;

/// Score thresholds of the verdict: `fail` at or above `fail`, `review` at
/// or above `review`, `pass` below. The fusion model's desks hold them
/// ([`FusionModel::desk`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Lowest score that asks for a review.
    pub review: f32,
    /// Lowest score that fails the document.
    pub fail: f32,
}

impl Thresholds {
    /// The verdict of `score`.
    #[must_use]
    pub fn verdict(&self, score: f32) -> Verdict {
        if score >= self.fail {
            Verdict::Fail
        } else if score >= self.review {
            Verdict::Review
        } else {
            Verdict::Pass
        }
    }
}

/// Everything a screener is built from; plain data with defaults.
#[derive(Debug, Clone, Default)]
pub struct ScreeningConfig {
    /// Template folders' parent (`--templates`); template checks come with
    /// the template issue.
    pub templates: Option<PathBuf>,
    /// Watch-list CSV files (lost, stolen, revoked documents).
    pub watchlists: Vec<PathBuf>,
    /// "Today" for expiry and century inference; the current UTC date when
    /// `None` (set it for reproducible reports).
    pub reference_date: Option<Date>,
    /// Decoding limits for untrusted bytes.
    pub limits: Limits,
    /// Score fusion file (`docscreen calibrate` writes one); the embedded
    /// fitted model (`models/fusion/fusion.json`) when `None`.
    pub fusion: Option<PathBuf>,
    /// The fusion model's desk whose thresholds set the verdict
    /// (`default`, `consular`, `airport` in the shipped model); `default`
    /// when `None`.
    pub desk: Option<String>,
    /// Lowest score that asks for a review; beats the desk's.
    pub review_at: Option<f32>,
    /// Lowest score that fails the document; beats the desk's.
    pub fail_at: Option<f32>,
    /// MRZ recogniser model file; the embedded one when `None`.
    pub mrz_model: Option<PathBuf>,
    /// ONNX Runtime threads per inference (1 when scans run in parallel).
    pub inference_threads: usize,
    /// Scans screened at once (one recogniser session each); 1 when 0.
    pub parallel_scans: usize,
}

/// The screening pipeline, built once and shared read-only.
#[derive(Debug)]
pub struct Screener {
    config: ScreeningConfig,
    recogniser: Recogniser,
    viz_recogniser: Recogniser,
    anomaly: AnomalyModel,
    watchlist: Watchlist,
    templates: TemplateRegistry,
    fusion: FusionModel,
    thresholds: Thresholds,
    score_model: String,
}

impl Screener {
    /// Builds the screener: loads the fusion model and picks the
    /// thresholds, the recogniser (checking its sha256), the watch lists
    /// and the templates.
    ///
    /// # Errors
    /// An invalid fusion file, an unknown desk, thresholds out of order,
    /// a missing ONNX Runtime, a model that fails its checksum, an
    /// unreadable watch list or templates folder.
    pub fn new(config: ScreeningConfig) -> Result<Self, ScreenError> {
        let fusion = match &config.fusion {
            Some(p) => FusionModel::load(p)?,
            None => FusionModel::embedded()?,
        };
        let (thresholds, score_model) = select_thresholds(&fusion, &config)?;
        let threads = config.inference_threads.max(1);
        let recogniser = match &config.mrz_model {
            Some(p) => Recogniser::load(p, None, threads)?,
            None => {
                docscreen_ocr::embedded_recogniser_pooled(threads, config.parallel_scans.max(1))?
            }
        };
        let viz_recogniser =
            docscreen_ocr::embedded_viz_recogniser(threads, config.parallel_scans.max(1))?;
        let anomaly = AnomalyModel::embedded(threads, config.parallel_scans.max(1))?;
        let mut watchlist = Watchlist::default();
        for p in &config.watchlists {
            watchlist.load(p)?;
        }
        let templates = match &config.templates {
            Some(dir) => TemplateRegistry::load(dir, &config.limits)?,
            None => TemplateRegistry::default(),
        };
        Ok(Self {
            config,
            recogniser,
            viz_recogniser,
            anomaly,
            watchlist,
            templates,
            fusion,
            thresholds,
            score_model,
        })
    }

    /// The fusion model in use.
    #[must_use]
    pub fn fusion(&self) -> &FusionModel {
        &self.fusion
    }

    /// The verdict thresholds in use (the desk's, or the explicit ones).
    #[must_use]
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// What reports name as `score_model`: `MODEL_ID/DESK`, or
    /// `MODEL_ID/review=R,fail=F` when explicit thresholds were given.
    #[must_use]
    pub fn score_model(&self) -> &str {
        &self.score_model
    }

    /// The loaded document models.
    #[must_use]
    pub fn templates(&self) -> &TemplateRegistry {
        &self.templates
    }

    /// The configuration it was built from.
    #[must_use]
    pub fn config(&self) -> &ScreeningConfig {
        &self.config
    }

    /// Screens one file's bytes; `path` is reported as given. Never fails:
    /// a file that cannot be screened gives a report with `error` set.
    #[must_use]
    pub fn screen(&self, path: &str, bytes: &[u8]) -> Report {
        // The file name only at debug level (it may carry a name).
        let _scan = tracing::debug_span!("scan", path).entered();
        let t0 = Instant::now();
        let sha256 = docscreen_inference::sha256_hex(bytes);
        let decoded = match decode(bytes, &self.config.limits) {
            Ok(d) => d,
            Err(e) => return Report::failed(path, sha256, e.to_string(), ms(t0)),
        };
        let decode_ms = ms(t0);
        let mut pages: Vec<Report> = decoded
            .pages
            .iter()
            .map(|p| self.screen_page(path, &sha256, p, bytes))
            .collect();
        // The worst page speaks for the file; the others ride along.
        let worst = pages
            .iter()
            .enumerate()
            .max_by(|a, b| {
                let key = |r: &Report| (r.error.is_none(), r.score.unwrap_or(0.0));
                key(a.1)
                    .partial_cmp(&key(b.1))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .map_or(0, |(i, _)| i);
        let mut report = pages.swap_remove(worst);
        pages.sort_by_key(|r| r.page);
        report.other_pages = pages;
        report.timings_ms.insert("decode".into(), decode_ms);
        report.timings_ms.insert("total".into(), ms(t0));
        report
    }

    fn reference_date(&self) -> Date {
        self.config.reference_date.unwrap_or_else(Date::today_utc)
    }

    fn screen_page(&self, path: &str, sha256: &str, page: &Page, bytes: &[u8]) -> Report {
        let mut timings = BTreeMap::new();
        let t = Instant::now();
        let corners = locate_document(&page.image);
        timings.insert("locate".into(), ms(t));
        let t = Instant::now();
        let grey = docscreen_vision::grey_of(&page.image);
        let glyphs = TextGlyphs::of(&grey);
        let blocks = glyphs.mrz_candidates(MAX_CANDIDATES);
        timings.insert("mrz_find".into(), ms(t));
        let t = Instant::now();
        let date = self.reference_date();
        // No valid MRZ in luma: look again in the black-ink view, where
        // coloured print across the MRZ (a security band, a stamp) no longer
        // merges its characters; blocks found there are read in luma.
        let reading = read_candidates(&grey, &blocks, &self.recogniser, date).and_then(|first| {
            if first.as_ref().is_some_and(|r| r.mrz.is_valid()) {
                return Ok(first);
            }
            let more: Vec<MrzBlock> = find_mrz_candidates(&ink_grey(&page.image), MAX_CANDIDATES)
                .into_iter()
                .filter(|b| !blocks.iter().any(|a| b.lies_on(a)))
                .collect();
            read_more_candidates(&grey, &more, &self.recogniser, date, first)
        });
        timings.insert("mrz_read".into(), ms(t));
        let mut checks: Vec<CheckResult> = Vec::new();
        let reading: Option<MrzReading> = match reading {
            Ok(r) => r,
            Err(e) => {
                checks.push(CheckResult::new(
                    "mrz.present",
                    Status::Error,
                    0.0,
                    format!("the MRZ recogniser failed: {e}"),
                ));
                None
            }
        };
        if checks.is_empty() {
            checks.extend(mrz_checks(reading.as_ref(), Some(&self.watchlist)));
        }
        let t = Instant::now();
        let outcome = template_checks(
            &self.templates,
            &page.image,
            &grey,
            corners.as_ref(),
            reading.as_ref(),
        );
        checks.extend(outcome.checks);
        // No valid MRZ found by the line finder, but a model with an MRZ
        // identified: read the lines where the model has them.
        let reading = match (&outcome.aligned, reading) {
            (Some((model, mm_to_img, _)), r)
                if r.as_ref().is_none_or(|r| !r.mrz.is_valid())
                    && !checks
                        .iter()
                        .any(|c| c.id == "mrz.present" && c.status == Status::Error) =>
            {
                match read_in_zone(&grey, model, mm_to_img, &self.recogniser, date) {
                    Some(found) => {
                        tracing::debug!("MRZ read in the model's MRZ zone");
                        let mut redone = mrz_checks(Some(&found), Some(&self.watchlist));
                        let ids: Vec<String> = redone.iter().map(|c| c.id.clone()).collect();
                        redone.extend(checks.into_iter().filter(|c| !ids.contains(&c.id)));
                        checks = redone;
                        Some(found)
                    }
                    None => r,
                }
            }
            (_, r) => r,
        };
        timings.insert("template".into(), ms(t));
        let t = Instant::now();
        let viz = viz_checks(
            outcome.aligned.as_ref(),
            reading.as_ref(),
            &self.viz_recogniser,
            self.reference_date(),
        );
        checks.extend(viz.checks);
        checks.push(mrz_in_print(
            &grey,
            &glyphs,
            corners.as_ref().map(|c| &c.corners),
            reading.as_ref(),
            outcome.aligned.is_some(),
            &self.viz_recogniser,
        ));
        timings.insert("viz".into(), ms(t));
        let t = Instant::now();
        checks.extend(forensic_checks(
            page,
            bytes,
            corners.as_ref().map(|c| &c.corners),
        ));
        timings.insert("forensics".into(), ms(t));
        let t = Instant::now();
        checks.push(anomaly_check(
            &self.anomaly,
            page,
            corners.as_ref().map(|c| &c.corners),
        ));
        timings.insert("anomaly".into(), ms(t));
        let (score, verdict) = self.fusion.fuse(&checks, self.thresholds);
        // The aligned model's corners when a model was identified well
        // (within 1 mm on most scans, and in the document's own order:
        // top-left first); else the outline the locator found.
        // A weakly supported match (a counterfeit's moved print) may be
        // skewed: the locator's outline then speaks.
        let corners_px = outcome
            .matched
            .as_ref()
            .filter(|m| m.score >= 0.3)
            .map(|m| m.corners_px)
            .or(corners.map(|c| c.corners));
        let document = DocumentInfo {
            template: outcome.matched.as_ref().map(|m| m.id.clone()),
            template_match: outcome.matched,
            mrz_format: reading
                .as_ref()
                .and_then(|r| r.mrz.format)
                .map(|f| f.as_str().to_owned()),
            orientation_deg: reading.as_ref().map(|r| quarter_turn(r.angle_deg)),
            corners_px,
            fields: viz.fields,
        };
        let mrz = reading.as_ref().map(|r| MrzReport {
            lines: r.lines.clone(),
            valid: r.mrz.is_valid(),
            fields: serde_json::to_value(&r.mrz.fields).unwrap_or(serde_json::Value::Null),
            confidence: r.confidence,
            raw_lines: (r.raw_lines != r.lines).then(|| r.raw_lines.clone()),
            repairs: r
                .substitutions
                .iter()
                .filter_map(|s| serde_json::to_value(s).ok())
                .collect(),
        });
        Report {
            path: path.to_owned(),
            sha256: sha256.to_owned(),
            verdict: Some(verdict),
            score: Some(score),
            score_model: Some(self.score_model.clone()),
            document: Some(document),
            mrz,
            checks,
            timings_ms: timings,
            error: None,
            page: page.index,
            other_pages: Vec::new(),
        }
    }
}

/// The rotation (0/90/180/270, clockwise) that makes text at `angle_deg`
/// read left to right.
fn quarter_turn(angle_deg: f32) -> u32 {
    #[allow(clippy::cast_sign_loss)] // rem_euclid is non-negative
    let q = ((angle_deg.rem_euclid(360.0) / 90.0).round() as u32) % 4;
    q * 90
}

/// The desk's thresholds with the explicit ones over them, checked, and
/// the `score_model` name they give.
fn select_thresholds(
    fusion: &FusionModel,
    config: &ScreeningConfig,
) -> Result<(Thresholds, String), ScreenError> {
    let desk = config.desk.as_deref().unwrap_or(DEFAULT_DESK);
    let mut t = fusion.desk(desk)?;
    if let Some(r) = config.review_at {
        t.review = r;
    }
    if let Some(f) = config.fail_at {
        t.fail = f;
    }
    check_thresholds(t).map_err(|detail| ScreenError::Thresholds { detail })?;
    let name = if config.review_at.is_some() || config.fail_at.is_some() {
        format!("{}/review={},fail={}", fusion.id, t.review, t.fail)
    } else {
        format!("{}/{desk}", fusion.id)
    };
    Ok((t, name))
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // thresholds are copied, not computed
mod tests {
    use super::*;

    #[test]
    fn thresholds_give_verdicts() {
        let t = Thresholds {
            review: 0.3,
            fail: 0.9,
        };
        assert_eq!(t.verdict(0.0), Verdict::Pass);
        assert_eq!(t.verdict(0.299), Verdict::Pass);
        assert_eq!(t.verdict(0.3), Verdict::Review);
        assert_eq!(t.verdict(0.9), Verdict::Fail);
        assert_eq!(t.verdict(1.0), Verdict::Fail);
    }

    #[test]
    fn explicit_thresholds_beat_the_desk() {
        let m = FusionModel::embedded().expect("embedded");
        let config = |desk: Option<&str>, review_at, fail_at| ScreeningConfig {
            desk: desk.map(str::to_owned),
            review_at,
            fail_at,
            ..ScreeningConfig::default()
        };
        let (t, name) = select_thresholds(&m, &config(None, None, None)).expect("default");
        assert_eq!(t, m.desk("default").expect("desk"));
        assert_eq!(name, format!("{}/default", m.id));
        let (t, _) = select_thresholds(&m, &config(Some("airport"), None, None)).expect("desk");
        assert_eq!(t, m.desk("airport").expect("desk"));
        let (t, name) =
            select_thresholds(&m, &config(Some("airport"), Some(0.25), None)).expect("review");
        assert_eq!(t.review, 0.25);
        assert_eq!(t.fail, m.desk("airport").expect("desk").fail);
        assert!(name.contains("/review=0.25,fail="), "{name}");
        assert!(matches!(
            select_thresholds(&m, &config(Some("harbour"), None, None)),
            Err(ScreenError::UnknownDesk { .. })
        ));
        assert!(matches!(
            select_thresholds(&m, &config(None, Some(0.9), Some(0.5))),
            Err(ScreenError::Thresholds { .. })
        ));
        assert!(matches!(
            select_thresholds(&m, &config(None, None, Some(1.5))),
            Err(ScreenError::Thresholds { .. })
        ));
    }

    #[test]
    fn quarter_turns() {
        assert_eq!(quarter_turn(1.0), 0);
        assert_eq!(quarter_turn(359.0), 0);
        assert_eq!(quarter_turn(88.0), 90);
        assert_eq!(quarter_turn(181.0), 180);
        assert_eq!(quarter_turn(-89.0), 270);
    }
}
