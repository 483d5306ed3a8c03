//! API keys and roles: generation, hashing, the bearer-key middleware, and
//! the permission table every handler asks.
//!
//! A key reads `dsk_<id>_<secret>`: `id` (8 hex digits) finds the stored
//! record, `secret` is 32 random bytes. Only the sha256 of the whole key is
//! stored and it is compared in constant time. A plain hash (no slow KDF)
//! is enough because keys are 256-bit random, never chosen by people.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::error::AppError;

/// What a key may do (see [`Permission`] and `service/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Screens, reads their own cases and their evidence.
    Officer,
    /// Screens, reads every case and its evidence, reads metrics.
    Lab,
    /// Everything a lab does, plus keys, deletion and the audit log.
    Admin,
}

impl Role {
    /// The stored and command-line spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Lab => "lab",
            Role::Admin => "admin",
        }
    }

    /// Every role, for the permission table's tests.
    pub const ALL: [Role; 3] = [Role::Officer, Role::Lab, Role::Admin];

    /// Whether this role holds `p`.
    #[must_use]
    pub fn allows(self, p: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Admin => true,
            Role::Lab => !matches!(p, P::Delete | P::Keys | P::Audit),
            Role::Officer => matches!(p, P::Screen | P::ReadOwn | P::Read),
        }
    }

    /// Whether this role reads every case (otherwise only its own).
    #[must_use]
    pub fn reads_all(self) -> bool {
        matches!(self, Role::Lab | Role::Admin)
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "officer" => Ok(Role::Officer),
            "lab" => Ok(Role::Lab),
            "admin" => Ok(Role::Admin),
            _ => Err(format!("unknown role {s:?}: use officer, lab or admin")),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing a request may need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Submit scans.
    Screen,
    /// Read one's own cases and their evidence.
    ReadOwn,
    /// Read the API's description and the template list.
    Read,
    /// Read every case and its evidence.
    ReadAll,
    /// Read the metrics.
    Metrics,
    /// Delete cases.
    Delete,
    /// Manage keys.
    Keys,
    /// Read the audit log.
    Audit,
}

/// Who is calling: set by the middleware on every authenticated request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The key's id (stored with the cases it creates and in the audit log).
    pub key_id: String,
    /// The key's role.
    pub role: Role,
    /// Where the request came from (the peer address; `unknown` without a
    /// socket, as in `oneshot` tests).
    pub remote: String,
}

impl Caller {
    /// `Ok` when the role holds `p`, else `403`.
    ///
    /// # Errors
    /// [`AppError::Forbidden`].
    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if self.role.allows(p) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// A new key: (id, the key text to hand out once, its stored hash).
///
/// # Errors
/// The operating system's random source failed.
pub fn generate_key() -> Result<(String, String, String), getrandom::Error> {
    let mut id = [0u8; 4];
    let mut secret = [0u8; 32];
    getrandom::fill(&mut id)?;
    getrandom::fill(&mut secret)?;
    let id = hex(&id);
    let key = format!("dsk_{id}_{}", hex(&secret));
    let hash = hash_key(&key);
    Ok((id, key, hash))
}

/// The stored form of a key.
#[must_use]
pub fn hash_key(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

/// The id part of a well-formed key.
#[must_use]
pub fn key_id(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("dsk_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 8
        && secret.len() == 64
        && id
            .bytes()
            .chain(secret.bytes())
            .all(|b| b.is_ascii_hexdigit()))
    .then_some(id)
}

/// Constant-time comparison of a presented key with a stored hash.
#[must_use]
pub fn key_matches(key: &str, stored_hash: &str) -> bool {
    let presented = hash_key(key);
    presented.as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The bearer-key middleware: `401` without a valid, unrevoked key;
/// otherwise puts a [`Caller`] into the request's extensions.
pub(crate) async fn require_key(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, AppError> {
    let remote = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
    let key = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .ok_or(AppError::Unauthorized)?;
    let id = key_id(key).ok_or(AppError::Unauthorized)?;
    let record = state
        .store()
        .key(id)
        .await?
        .filter(|r| r.revoked_at.is_none())
        .ok_or(AppError::Unauthorized)?;
    if !key_matches(key, &record.hash) {
        return Err(AppError::Unauthorized);
    }
    req.extensions_mut().insert(Caller {
        key_id: record.id,
        role: record.role,
        remote,
    });
    Ok(next.run(req).await)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_round_trip() {
        let (id, key, hash) = generate_key().unwrap();
        assert_eq!(key_id(&key), Some(id.as_str()));
        assert!(key_matches(&key, &hash));
        let mut other = key.clone();
        other.pop();
        other.push(if key.ends_with('0') { '1' } else { '0' });
        assert!(!key_matches(&other, &hash));
        assert_eq!(key_id("dsk_1234_abcd"), None);
        assert_eq!(key_id("Bearer x"), None);
    }

    #[test]
    fn permission_table() {
        use Permission as P;
        let officer = [P::Screen, P::ReadOwn, P::Read];
        for p in [
            P::Screen,
            P::ReadOwn,
            P::Read,
            P::ReadAll,
            P::Metrics,
            P::Delete,
            P::Keys,
            P::Audit,
        ] {
            assert!(Role::Admin.allows(p));
            assert_eq!(Role::Officer.allows(p), officer.contains(&p), "{p:?}");
            assert_eq!(
                Role::Lab.allows(p),
                !matches!(p, P::Delete | P::Keys | P::Audit),
                "{p:?}"
            );
        }
    }
}
