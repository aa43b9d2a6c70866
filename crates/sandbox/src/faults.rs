//! Fault injection for the simulated provider APIs (not part of any real API): added latency,
//! forced error statuses, malformed JSON bodies, and dropped connections — before handling, or
//! after the request's change was committed (esimgo.md §6.5, §14.8).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{OriginalUri, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::app::{AppState, lock};
use crate::esimgo::{ApiError, Committed};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    /// Wait `ms` before handling.
    Latency,
    /// Answer `status` (default 503) with `{"message"}` and `Retry-After` for 429/503.
    Status,
    /// Handle the request, then send only the first half of the JSON body.
    MalformedJson,
    /// Close the connection without handling the request.
    Drop,
    /// Handle the request; if it committed a change (e.g. `POST /orders` transaction), close
    /// the connection without sending the response. Requests that commit nothing pass.
    DropAfterCommit,
}

/// A fault as the admin API takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FaultSpec {
    pub kind: FaultKind,
    /// Latency in milliseconds (`latency`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    /// HTTP status (`status`), 400..=599.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `Retry-After` seconds (`status`; default 1 for 429 and 503).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Body message (`status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Only requests whose path starts with this (e.g. `/v2.4/orders`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Only requests with this method (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Fire this many times, then disappear; absent = until removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

impl FaultSpec {
    pub fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            ms: None,
            status: None,
            retry_after: None,
            message: None,
            path: None,
            method: None,
            count: None,
        }
    }

    pub fn latency(ms: u64) -> Self {
        Self {
            ms: Some(ms),
            ..Self::new(FaultKind::Latency)
        }
    }

    pub fn status(status: u16) -> Self {
        Self {
            status: Some(status),
            ..Self::new(FaultKind::Status)
        }
    }

    pub fn on(mut self, method: &str, path: &str) -> Self {
        self.method = Some(method.to_owned());
        self.path = Some(path.to_owned());
        self
    }

    pub fn times(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }

    pub fn check(&self) -> Result<(), String> {
        match self.kind {
            FaultKind::Latency if self.ms.is_none() => Err("latency needs ms".to_owned()),
            FaultKind::Latency if self.ms.is_some_and(|ms| ms > 600_000) => {
                Err("latency is at most 600000 ms".to_owned())
            }
            FaultKind::Status if self.status.is_some_and(|s| !(400..=599).contains(&s)) => {
                Err("status must be 400..=599".to_owned())
            }
            _ if self.count == Some(0) => Err("count must be at least 1".to_owned()),
            _ => Ok(()),
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.as_deref().is_none_or(|p| path.starts_with(p))
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveFault {
    pub id: u64,
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// Times left (`None` = until removed).
    pub remaining: Option<u32>,
    /// Times fired so far.
    pub fired: u64,
}

#[derive(Debug, Default)]
pub struct FaultSet {
    next_id: u64,
    faults: Vec<ActiveFault>,
}

/// What to do with one request.
#[derive(Debug, Default)]
pub struct Plan {
    pub latency: Duration,
    pub before: Option<Before>,
    pub after: Option<After>,
}

#[derive(Debug)]
pub enum Before {
    Status {
        status: StatusCode,
        retry_after: Option<u64>,
        message: String,
    },
    Drop,
}

#[derive(Debug)]
pub enum After {
    MalformedJson,
    DropAfterCommit(u64),
}

impl FaultSet {
    pub fn add(&mut self, spec: FaultSpec) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.faults.push(ActiveFault {
            id,
            remaining: spec.count,
            spec,
            fired: 0,
        });
        id
    }

    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.faults.len();
        self.faults.retain(|f| f.id != id);
        before != self.faults.len()
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    pub fn list(&self) -> Vec<ActiveFault> {
        self.faults.clone()
    }

    fn fire(&mut self, idx: usize) {
        if let Some(f) = self.faults.get_mut(idx) {
            f.fired += 1;
            if let Some(r) = f.remaining.as_mut() {
                *r = r.saturating_sub(1);
            }
        }
        self.faults.retain(|f| f.remaining != Some(0));
    }

    /// Consumes one firing of fault `id` if it is still there.
    pub fn take(&mut self, id: u64) -> bool {
        match self.faults.iter().position(|f| f.id == id) {
            Some(idx) => {
                self.fire(idx);
                true
            }
            None => false,
        }
    }

    /// Chooses the faults for a request: every matching latency adds up; the first matching
    /// other fault decides the outcome.
    pub fn plan(&mut self, method: &str, path: &str) -> Plan {
        let mut plan = Plan::default();
        let mut idx = 0;
        while idx < self.faults.len() {
            let Some(f) = self.faults.get(idx) else { break };
            if !f.spec.matches(method, path) {
                idx += 1;
                continue;
            }
            let spec = f.spec.clone();
            let id = f.id;
            let decided = plan.before.is_some() || plan.after.is_some();
            let fires = match spec.kind {
                FaultKind::Latency => {
                    plan.latency += Duration::from_millis(spec.ms.unwrap_or(0));
                    true
                }
                _ if decided => false,
                FaultKind::Status => {
                    let status = StatusCode::from_u16(spec.status.unwrap_or(503))
                        .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                    let retry_after = spec
                        .retry_after
                        .or(matches!(status.as_u16(), 429 | 503).then_some(1));
                    let message = spec.message.clone().unwrap_or_else(|| {
                        match status.as_u16() {
                            429 => "Rate limit exceeded",
                            503 => "Processing - please retry later",
                            500 => "Internal Server Error",
                            _ => "Injected fault",
                        }
                        .to_owned()
                    });
                    plan.before = Some(Before::Status {
                        status,
                        retry_after,
                        message,
                    });
                    true
                }
                FaultKind::Drop => {
                    plan.before = Some(Before::Drop);
                    true
                }
                FaultKind::MalformedJson => {
                    plan.after = Some(After::MalformedJson);
                    true
                }
                FaultKind::DropAfterCommit => {
                    // Consumed only when the request really commits something.
                    plan.after = Some(After::DropAfterCommit(id));
                    false
                }
            };
            let len_before = self.faults.len();
            if fires {
                self.fire(idx);
            }
            if self.faults.len() == len_before {
                idx += 1;
            }
        }
        plan
    }
}

/// Lets a handler close its own connection without answering.
#[derive(Debug, Clone, Default)]
pub struct ConnKill(pub Arc<Notify>);

impl ConnKill {
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

async fn drop_connection(kill: Option<ConnKill>) -> Response {
    match kill {
        Some(kill) => {
            tracing::info!("fault injection: dropping the connection");
            kill.kill();
            // The connection task drops this future together with the connection.
            std::future::pending::<Response>().await
        }
        None => ApiError::internal("connection cannot be dropped here").into_response(),
    }
}

/// Runs a provider request through the active faults.
pub async fn run(app: &AppState, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    // Inside a nested router the URI lost its prefix; match on the path the client sent.
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().path().to_owned(), |u| u.path().to_owned());
    let plan = lock(&app.faults).plan(&method, &path);
    let latency = plan.latency + *lock(&app.base_latency);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let kill = req.extensions().get::<ConnKill>().cloned();
    match plan.before {
        Some(Before::Status {
            status,
            retry_after,
            message,
        }) => {
            tracing::info!(%status, %path, "fault injection: forced status");
            let mut r = ApiError::new(status, message).into_response();
            if let Some(secs) = retry_after {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return r;
        }
        Some(Before::Drop) => return drop_connection(kill).await,
        None => {}
    }
    let response = next.run(req).await;
    match plan.after {
        Some(After::MalformedJson) => malformed(response).await,
        Some(After::DropAfterCommit(id))
            if response.extensions().get::<Committed>().is_some() && lock(&app.faults).take(id) =>
        {
            tracing::info!(%path, "fault injection: change committed, response dropped");
            drop_connection(kill).await
        }
        _ => response,
    }
}

async fn malformed(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let cut = bytes.len() / 2;
    let mut garbled = bytes.slice(..cut).to_vec();
    if garbled.is_empty() {
        garbled.extend_from_slice(b"{\"");
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    tracing::info!("fault injection: malformed JSON body");
    Response::from_parts(parts, Body::from(garbled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_matching() {
        let mut set = FaultSet::default();
        set.add(FaultSpec::status(503).on("POST", "/v2.4/orders").times(1));
        set.add(FaultSpec::latency(5));
        let p = set.plan("GET", "/v2.4/catalogue");
        assert!(p.before.is_none());
        assert_eq!(p.latency, Duration::from_millis(5));
        let p = set.plan("POST", "/v2.4/orders");
        assert!(matches!(p.before, Some(Before::Status { .. })));
        let p = set.plan("POST", "/v2.4/orders");
        assert!(p.before.is_none());
        assert_eq!(set.list().len(), 1);
    }

    #[test]
    fn drop_after_commit_is_consumed_only_by_take() {
        let mut set = FaultSet::default();
        let id = set.add(FaultSpec::new(FaultKind::DropAfterCommit).times(1));
        assert!(matches!(
            set.plan("POST", "/x").after,
            Some(After::DropAfterCommit(_))
        ));
        assert!(matches!(
            set.plan("POST", "/x").after,
            Some(After::DropAfterCommit(_))
        ));
        assert!(set.take(id));
        assert!(!set.take(id));
        assert!(set.plan("POST", "/x").after.is_none());
    }
}
