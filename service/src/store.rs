//! The [`Store`]: cases (report, file hash, who, when), API keys and an
//! append-only audit log in SQL, and scan bytes in an object store.
//!
//! One code path for every backend: the SQL goes through sqlx's `Any`
//! driver with portable statements (`$n` parameters, `CAST(… AS TEXT)`,
//! timestamps as fixed-width RFC 3339 text), so PostgreSQL is a URL and a
//! compiled-in driver away; scan bytes go through `object_store`'s
//! `ObjectStore` trait, so S3-compatible storage is another builder in
//! [`Store::open`]. Today the build has the SQLite driver and the local
//! file system.
//!
//! *Invariant*: the audit table is append-only; SQLite triggers refuse
//! `UPDATE` and `DELETE` on it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::Serialize;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use crate::auth::Role;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed.
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    /// The scan storage failed.
    #[error("scan storage: {0}")]
    Objects(#[from] object_store::Error),
    /// The data directory is unusable.
    #[error("data directory {path}: {source}")]
    Dir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A stored value is not what this version writes.
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

/// Where the store lives.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The database URL (`sqlite://DIR/docscreen.db?mode=rwc`).
    pub database_url: String,
    /// Where scan bytes go; `None` keeps no scans (no evidence images then).
    pub scans_dir: Option<PathBuf>,
}

impl StoreConfig {
    /// SQLite and scans under the data directory `dir` (created if needed);
    /// scans kept only when `keep_scans`.
    #[must_use]
    pub fn local(dir: &Path, keep_scans: bool) -> Self {
        Self {
            database_url: format!("sqlite://{}?mode=rwc", dir.join("docscreen.db").display()),
            scans_dir: keep_scans.then(|| dir.join("scans")),
        }
    }
}

/// A stored API key (never the key itself).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyRecord {
    /// The key's id (the 8 hex digits after `dsk_`).
    pub id: String,
    /// Its role.
    pub role: Role,
    /// A label given at creation.
    pub label: String,
    /// sha256 of the key.
    #[serde(skip)]
    pub hash: String,
    /// When it was created (RFC 3339, UTC).
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// The state of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Accepted, not screened yet.
    Pending,
    /// Screened: the report is there (its `error` may be set for a file
    /// that could not be screened).
    Done,
    /// The screening did not happen (the service stopped first); `error`
    /// says why.
    Failed,
}

impl CaseStatus {
    fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Pending => "pending",
            CaseStatus::Done => "done",
            CaseStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "pending" => Ok(CaseStatus::Pending),
            "done" => Ok(CaseStatus::Done),
            "failed" => Ok(CaseStatus::Failed),
            _ => Err(StoreError::Corrupt(format!("case status {s:?}"))),
        }
    }
}

/// One screened (or pending) file.
#[derive(Debug, Clone)]
pub struct Case {
    /// Random id.
    pub id: String,
    /// When it was accepted.
    pub created_at: String,
    /// The key that submitted it.
    pub created_by: String,
    /// The file name as sent.
    pub file_name: String,
    /// sha256 of the bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Where it stands.
    pub status: CaseStatus,
    /// `pass` / `review` / `fail` once screened (null for unreadable files).
    pub verdict: Option<String>,
    /// The report (JSON text, the report contract).
    pub report: Option<String>,
    /// Why it failed (status `failed`).
    pub error: Option<String>,
    /// Whether the scan bytes are kept.
    pub scan_kept: bool,
}

/// Filters of the case list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only this verdict.
    pub verdict: Option<String>,
    /// Created at or after (RFC 3339).
    pub since: Option<String>,
    /// Created at or before (RFC 3339).
    pub until: Option<String>,
    /// Only this key's cases.
    pub created_by: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Rows skipped.
    pub offset: i64,
}

/// One audit entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// When.
    pub at: String,
    /// The key id (or `cli` for the command line, `-` for nobody).
    pub actor: String,
    /// What: `screen`, `read`, `evidence`, `delete`, `key.add`, `key.revoke`…
    pub action: String,
    /// On what (a case or key id).
    pub target: String,
    /// From where (peer address).
    pub remote: String,
}

const SCHEMA: [&str; 6] = [
    "CREATE TABLE IF NOT EXISTS cases (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size_bytes BIGINT NOT NULL,
        status TEXT NOT NULL,
        verdict TEXT,
        report TEXT,
        error TEXT,
        scan_kept BIGINT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS cases_created_at ON cases (created_at)",
    "CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        label TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    )",
    "CREATE TABLE IF NOT EXISTS audit (
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        remote TEXT NOT NULL
    )",
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
];

const CASE_COLUMNS: &str = "id, created_at, created_by, file_name, sha256, size_bytes, status, verdict, report, error, scan_kept";

/// Cases, keys, audit log and scan bytes.
#[derive(Debug, Clone)]
pub struct Store {
    db: AnyPool,
    scans: Option<Arc<dyn ObjectStore>>,
}

impl Store {
    /// Opens (creating if needed) the database and the scan storage.
    ///
    /// # Errors
    /// The folder cannot be created, or the database cannot be opened.
    pub async fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        if let Some(p) = config.database_url.strip_prefix("sqlite://") {
            let file = p.split('?').next().unwrap_or(p);
            if let Some(dir) = Path::new(file)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
                    path: dir.to_owned(),
                    source,
                })?;
            }
        }
        let db = AnyPoolOptions::new()
            .max_connections(4)
            .connect(&config.database_url)
            .await?;
        for statement in SCHEMA {
            sqlx::query(statement).execute(&db).await?;
        }
        let scans: Option<Arc<dyn ObjectStore>> = match &config.scans_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
                    path: dir.clone(),
                    source,
                })?;
                Some(Arc::new(
                    LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true),
                ))
            }
            None => None,
        };
        Ok(Self { db, scans })
    }

    /// Whether scan bytes are kept.
    #[must_use]
    pub fn keeps_scans(&self) -> bool {
        self.scans.is_some()
    }

    /// `SELECT 1`: the readiness probe.
    ///
    /// # Errors
    /// The database does not answer.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.db).await?;
        Ok(())
    }

    // ---- keys ----

    /// Stores a new key record.
    ///
    /// # Errors
    /// The database failed.
    pub async fn add_key(&self, record: &KeyRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_keys (id, role, label, hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, NULL)",
        )
        .bind(record.id.clone())
        .bind(record.role.as_str())
        .bind(record.label.clone())
        .bind(record.hash.clone())
        .bind(record.created_at.clone())
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// The key with `id`, revoked or not.
    ///
    /// # Errors
    /// The database failed or holds an unknown role.
    pub async fn key(&self, id: &str) -> Result<Option<KeyRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, role, label, hash, created_at, revoked_at FROM api_keys WHERE id = $1",
        )
        .bind(id.to_owned())
        .fetch_optional(&self.db)
        .await?;
        row.map(|r| key_from_row(&r)).transpose()
    }

    /// Every key, oldest first.
    ///
    /// # Errors
    /// The database failed.
    pub async fn keys(&self) -> Result<Vec<KeyRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, role, label, hash, created_at, revoked_at FROM api_keys ORDER BY created_at, id",
        )
        .fetch_all(&self.db)
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// Revokes a key; `false` when there is no such unrevoked key.
    ///
    /// # Errors
    /// The database failed.
    pub async fn revoke_key(&self, id: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(crate::time::now())
                .bind(id.to_owned())
                .execute(&self.db)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    // ---- cases ----

    /// Records an accepted file (status `pending`) and keeps its bytes when
    /// retention says so. Done before the client hears "accepted", so
    /// nothing accepted is lost.
    ///
    /// # Errors
    /// The database or the scan storage failed.
    pub async fn insert_case(&self, case: &Case, bytes: &[u8]) -> Result<(), StoreError> {
        let kept = if let Some(scans) = &self.scans {
            scans
                .put(
                    &ObjectPath::from(case.id.as_str()),
                    PutPayload::from(bytes.to_vec()),
                )
                .await?;
            true
        } else {
            false
        };
        sqlx::query(
            "INSERT INTO cases (id, created_at, created_by, file_name, sha256, size_bytes, status, verdict, report, error, scan_kept)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(case.id.clone())
        .bind(case.created_at.clone())
        .bind(case.created_by.clone())
        .bind(case.file_name.clone())
        .bind(case.sha256.clone())
        .bind(case.size_bytes)
        .bind(case.status.as_str())
        .bind(case.verdict.clone())
        .bind(case.report.clone())
        .bind(case.error.clone())
        .bind(i64::from(kept))
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// Records a case's report (status `done`).
    ///
    /// # Errors
    /// The database failed.
    pub async fn finish_case(
        &self,
        id: &str,
        verdict: Option<&str>,
        report_json: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE cases SET status = 'done', verdict = $1, report = $2 WHERE id = $3 AND status = 'pending'",
        )
        .bind(verdict.map(str::to_owned))
        .bind(report_json.to_owned())
        .bind(id.to_owned())
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// Records every pending case as failed with `reason`; returns how many.
    ///
    /// # Errors
    /// The database failed.
    pub async fn fail_pending(&self, reason: &str) -> Result<u64, StoreError> {
        let done =
            sqlx::query("UPDATE cases SET status = 'failed', error = $1 WHERE status = 'pending'")
                .bind(reason.to_owned())
                .execute(&self.db)
                .await?;
        Ok(done.rows_affected())
    }

    /// The case with `id`.
    ///
    /// # Errors
    /// The database failed.
    pub async fn case(&self, id: &str) -> Result<Option<Case>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"));
        let row = sqlx::query(sql)
            .bind(id.to_owned())
            .fetch_optional(&self.db)
            .await?;
        row.map(|r| case_from_row(&r)).transpose()
    }

    /// A page of cases, newest first, and the number matching the filter.
    ///
    /// # Errors
    /// The database failed.
    pub async fn cases(&self, f: &CaseFilter) -> Result<(Vec<Case>, i64), StoreError> {
        const WHERE: &str = "WHERE (CAST($1 AS TEXT) IS NULL OR verdict = $1)
              AND (CAST($2 AS TEXT) IS NULL OR created_at >= $2)
              AND (CAST($3 AS TEXT) IS NULL OR created_at <= $3)
              AND (CAST($4 AS TEXT) IS NULL OR created_by = $4)";
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM cases {WHERE} ORDER BY created_at DESC, id DESC LIMIT $5 OFFSET $6"
        ));
        let rows = sqlx::query(sql)
            .bind(f.verdict.clone())
            .bind(f.since.clone())
            .bind(f.until.clone())
            .bind(f.created_by.clone())
            .bind(f.limit)
            .bind(f.offset)
            .fetch_all(&self.db)
            .await?;
        let count_sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM cases {WHERE}"));
        let total: i64 = sqlx::query(count_sql)
            .bind(f.verdict.clone())
            .bind(f.since.clone())
            .bind(f.until.clone())
            .bind(f.created_by.clone())
            .fetch_one(&self.db)
            .await?
            .try_get(0)?;
        let cases = rows.iter().map(case_from_row).collect::<Result<_, _>>()?;
        Ok((cases, total))
    }

    /// Deletes a case and its scan; `false` when there was none.
    ///
    /// # Errors
    /// The database or the scan storage failed.
    pub async fn delete_case(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM cases WHERE id = $1")
            .bind(id.to_owned())
            .execute(&self.db)
            .await?;
        if let Some(scans) = &self.scans {
            match scans.delete(&ObjectPath::from(id)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(done.rows_affected() > 0)
    }

    /// The scan bytes of a case, when kept.
    ///
    /// # Errors
    /// The scan storage failed.
    pub async fn scan(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(scans) = &self.scans else {
            return Ok(None);
        };
        match scans.get(&ObjectPath::from(id)).await {
            Ok(r) => Ok(Some(r.bytes().await?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    // ---- audit ----

    /// Appends to the audit log.
    ///
    /// # Errors
    /// The database failed.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        remote: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit (at, actor, action, target, remote) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(crate::time::now())
        .bind(actor.to_owned())
        .bind(action.to_owned())
        .bind(target.to_owned())
        .bind(remote.to_owned())
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// The newest `limit` audit entries, newest first.
    ///
    /// # Errors
    /// The database failed.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, action, target, remote FROM audit ORDER BY at DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.db)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    remote: r.try_get("remote")?,
                })
            })
            .collect()
    }

    /// Tries to change the audit log (for the append-only test).
    #[doc(hidden)]
    pub async fn try_erase_audit(&self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM audit").execute(&self.db).await?;
        Ok(())
    }
}

fn key_from_row(r: &AnyRow) -> Result<KeyRecord, StoreError> {
    let role: String = r.try_get("role")?;
    Ok(KeyRecord {
        id: r.try_get("id")?,
        role: role.parse().map_err(StoreError::Corrupt)?,
        label: r.try_get("label")?,
        hash: r.try_get("hash")?,
        created_at: r.try_get("created_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

fn case_from_row(r: &AnyRow) -> Result<Case, StoreError> {
    let status: String = r.try_get("status")?;
    let kept: i64 = r.try_get("scan_kept")?;
    Ok(Case {
        id: r.try_get("id")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        file_name: r.try_get("file_name")?,
        sha256: r.try_get("sha256")?,
        size_bytes: r.try_get("size_bytes")?,
        status: CaseStatus::parse(&status)?,
        verdict: r.try_get("verdict")?,
        report: r.try_get("report")?,
        error: r.try_get("error")?,
        scan_kept: kept != 0,
    })
}

/// A new random id (16 hex digits) for a case.
///
/// # Errors
/// The operating system's random source failed.
pub fn new_id() -> Result<String, getrandom::Error> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b)?;
    Ok(crate::auth::hex(&b))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn case(id: &str, by: &str, at: &str, verdict: Option<&str>) -> Case {
        Case {
            id: id.into(),
            created_at: at.into(),
            created_by: by.into(),
            file_name: "a.jpg".into(),
            sha256: "00".into(),
            size_bytes: 3,
            status: CaseStatus::Pending,
            verdict: verdict.map(Into::into),
            report: None,
            error: None,
            scan_kept: false,
        }
    }

    #[tokio::test]
    async fn cases_keys_and_audit() {
        let dir = std::env::temp_dir().join(format!("docscreen-store-{}", new_id().unwrap()));
        let store = Store::open(&StoreConfig::local(&dir, true)).await.unwrap();
        store
            .insert_case(&case("c1", "k1", "2026-01-01T10:00:00.000Z", None), b"abc")
            .await
            .unwrap();
        store
            .insert_case(&case("c2", "k2", "2026-01-02T10:00:00.000Z", None), b"def")
            .await
            .unwrap();
        store.finish_case("c1", Some("fail"), "{}").await.unwrap();
        assert_eq!(
            store.scan("c1").await.unwrap().as_deref(),
            Some(&b"abc"[..])
        );
        let all = CaseFilter {
            limit: 10,
            ..CaseFilter::default()
        };
        let (page, total) = store.cases(&all).await.unwrap();
        assert_eq!(total, 2);
        assert_eq!(page[0].id, "c2");
        let fails = CaseFilter {
            verdict: Some("fail".into()),
            ..all.clone()
        };
        assert_eq!(store.cases(&fails).await.unwrap().1, 1);
        let since = CaseFilter {
            since: Some("2026-01-02T00:00:00.000Z".into()),
            ..all.clone()
        };
        assert_eq!(store.cases(&since).await.unwrap().0[0].id, "c2");
        let mine = CaseFilter {
            created_by: Some("k1".into()),
            ..all.clone()
        };
        assert_eq!(store.cases(&mine).await.unwrap().1, 1);
        assert_eq!(store.fail_pending("stopped").await.unwrap(), 1);
        let c2 = store.case("c2").await.unwrap().unwrap();
        assert_eq!(c2.status, CaseStatus::Failed);
        assert!(store.delete_case("c1").await.unwrap());
        assert!(store.scan("c1").await.unwrap().is_none());
        assert!(!store.delete_case("c1").await.unwrap());

        store.audit("k1", "read", "c1", "127.0.0.1").await.unwrap();
        assert_eq!(store.audit_log(10).await.unwrap().len(), 1);
        assert!(
            store.try_erase_audit().await.is_err(),
            "audit is append-only"
        );
        assert_eq!(store.audit_log(10).await.unwrap().len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
