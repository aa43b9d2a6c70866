//! `X-Idempotency-Key` on mutating POSTs (telness.md §1): a repeat with the same key and the
//! same request answers the first result again, without doing anything; the same key with a
//! different request is `409`; keys are forgotten 24 hours (of sandbox clock) after first use.
//!
//! Only successful answers are remembered: a refused request changed nothing, so the client may
//! correct it and send it again under the same key (which is what a desk that journals its key
//! before sending will do). The whole check-run-remember sequence happens under the simulator's
//! lock, so two identical requests racing each other still make one order.

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use time::OffsetDateTime;

use super::error::TelnessError;

/// Header name (matched case-insensitively, as every HTTP header).
pub const HEADER: &str = "x-idempotency-key";
/// Longest key the reference allows.
pub const MAX_KEY_LEN: usize = 256;
/// How long a key is remembered.
pub const KEY_LIFETIME: time::Duration = time::Duration::hours(24);

/// What makes two requests "the same": method, path and body (as JSON when it is JSON, so that
/// white space and key order do not matter; byte for byte otherwise).
#[derive(Debug, Clone, PartialEq)]
pub struct Fingerprint {
    method: String,
    path: String,
    body: Body,
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Empty,
    Json(Value),
    Raw(Vec<u8>),
}

impl Fingerprint {
    pub fn new(method: &str, path: &str, body: &[u8]) -> Self {
        let body = if super::error::is_blank(body) {
            Body::Empty
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(v) => Body::Json(v),
                Err(_) => Body::Raw(body.to_vec()),
            }
        };
        Self {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            body,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    fingerprint: Fingerprint,
    status: StatusCode,
    body: Value,
    first_used: OffsetDateTime,
}

/// What the store says about a request's key.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// Never seen (or expired): handle the request.
    Fresh,
    /// Seen with the same request: answer this again.
    Replay(StatusCode, Value),
    /// Seen with a different request.
    Conflict,
}

#[derive(Debug, Default)]
pub struct IdempotencyStore {
    entries: HashMap<String, Entry>,
}

impl IdempotencyStore {
    pub fn lookup(&mut self, key: &str, fingerprint: &Fingerprint, now: OffsetDateTime) -> Lookup {
        self.entries
            .retain(|_, e| e.first_used + KEY_LIFETIME > now);
        match self.entries.get(key) {
            None => Lookup::Fresh,
            Some(e) if e.fingerprint == *fingerprint => Lookup::Replay(e.status, e.body.clone()),
            Some(_) => Lookup::Conflict,
        }
    }

    /// Remembers a successful answer under `key`.
    pub fn remember(
        &mut self,
        key: String,
        fingerprint: Fingerprint,
        status: StatusCode,
        body: Value,
        now: OffsetDateTime,
    ) {
        self.entries.insert(
            key,
            Entry {
                fingerprint,
                status,
                body,
                first_used: now,
            },
        );
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The request's key: `None` when absent; `400` when empty or longer than 256 characters.
pub fn key_of(headers: &HeaderMap) -> Result<Option<String>, TelnessError> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let bad = |msg: &str| TelnessError::field("X-Idempotency-Key", "INVALID_VALUE", msg);
    let key = value
        .to_str()
        .map_err(|_| bad("the idempotency key must be visible ASCII"))?;
    if key.is_empty() {
        return Err(bad("the idempotency key is empty"));
    }
    if key.chars().count() > MAX_KEY_LEN {
        return Err(bad("the idempotency key is longer than 256 characters"));
    }
    Ok(Some(key.to_owned()))
}

/// Like [`key_of`] but never failing, for the request log.
pub fn logged_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get(HEADER)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_request_replays_different_conflicts_and_keys_expire() {
        let t0 = time::macros::datetime!(2025-06-02 09:00 UTC);
        let mut store = IdempotencyStore::default();
        let a = Fingerprint::new("POST", "/orders", br#"{"a": 1, "b": 2}"#);
        let same = Fingerprint::new("post", "/orders", br#"{"b":2,"a":1}"#);
        let other = Fingerprint::new("POST", "/orders", br#"{"a": 2}"#);
        let elsewhere = Fingerprint::new("POST", "/orders/x/submit", br#"{"a": 1, "b": 2}"#);
        assert_eq!(store.lookup("k", &a, t0), Lookup::Fresh);
        store.remember("k".into(), a, StatusCode::CREATED, Value::from(1), t0);
        assert_eq!(
            store.lookup("k", &same, t0),
            Lookup::Replay(StatusCode::CREATED, Value::from(1))
        );
        assert_eq!(store.lookup("k", &other, t0), Lookup::Conflict);
        assert_eq!(store.lookup("k", &elsewhere, t0), Lookup::Conflict);
        let later = t0 + KEY_LIFETIME - time::Duration::seconds(1);
        assert_eq!(store.lookup("k", &other, later), Lookup::Conflict);
        assert_eq!(store.lookup("k", &other, t0 + KEY_LIFETIME), Lookup::Fresh);
        assert_eq!(store.len(), 0);
    }
}
