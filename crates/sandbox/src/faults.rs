//! Fault injection for the simulated provider APIs (not part of any real API): added latency,
//! forced error statuses, malformed JSON bodies, and dropped connections — before handling, or
//! after the request's change was committed (esimgo.md §6.5, §14.8).
//!
//! Every simulated provider runs its requests through [`run`] (its own gate first checks the
//! credential), so a fault's `path` can name any provider's routes; the body of a forced error
//! status is written in that provider's own error shape (an [`ErrorBody`]).
//!
//! A fault can be limited to one eSIM Go order type (`orderType`): the dry run
//! (`"type": "validate"`) and the purchase (`"type": "transaction"`) are both
//! `POST /v2.4/orders` and differ only in the body, so the body of every such request is read
//! first (up to [`ORDER_BODY_LIMIT`], by the eSIM Go gate, which also logs the type) and then
//! handed on unchanged.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{OriginalUri, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use hyper::body::{Frame, SizeHint};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::app::{AppState, lock};

/// The order types of `POST /v2.4/orders` a fault can be limited to.
pub const ORDER_TYPES: [&str; 2] = ["validate", "transaction"];

/// The largest `POST /v2.4/orders` body read to find its order type. A longer one is handed on
/// as it came and matches no fault limited to an order type.
pub const ORDER_BODY_LIMIT: usize = 1024 * 1024;

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
    /// Handle the request, then answer without the eSIMs' install details (each order line's
    /// `esims` left out), as eSIM Go answers orders it completes asynchronously (esimgo.md
    /// §6.1): the codes must then be fetched with `GET /esims/assignments`.
    WithoutEsimDetails,
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
    /// Only `POST /v2.4/orders` requests whose JSON body has this `type`: `validate` (the dry
    /// run) or `transaction` (the purchase). Absent: any request, body unread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_type: Option<String>,
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
            order_type: None,
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

    /// Only `POST /v2.4/orders` with this order type (`validate` or `transaction`) in the body.
    pub fn order_type(mut self, order_type: &str) -> Self {
        self.order_type = Some(order_type.to_owned());
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
            _ if self
                .order_type
                .as_deref()
                .is_some_and(|t| !ORDER_TYPES.contains(&t)) =>
            {
                Err("orderType must be validate or transaction".to_owned())
            }
            _ => Ok(()),
        }
    }

    /// Method and path only.
    fn matches_route(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.as_deref().is_none_or(|p| path.starts_with(p))
    }

    /// `order_type` is the request's order type when it is a `POST /v2.4/orders` whose body
    /// was read, else `None` (which no spec with an order type matches).
    fn matches(&self, method: &str, path: &str, order_type: Option<&str>) -> bool {
        self.matches_route(method, path)
            && self
                .order_type
                .as_deref()
                .is_none_or(|t| order_type == Some(t))
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
    WithoutEsimDetails,
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
    /// other fault decides the outcome. `order_type` as for [`FaultSpec`]'s matching: the
    /// `type` of a `POST /v2.4/orders` body that was read.
    pub fn plan(&mut self, method: &str, path: &str, order_type: Option<&str>) -> Plan {
        let mut plan = Plan::default();
        let mut idx = 0;
        while idx < self.faults.len() {
            let Some(f) = self.faults.get(idx) else { break };
            if !f.spec.matches(method, path, order_type) {
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
                FaultKind::WithoutEsimDetails => {
                    plan.after = Some(After::WithoutEsimDetails);
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

/// A response marker: this request changed state (used by the drop-after-commit fault). A
/// simulator's handler adds it (as an `Extension`) to the response of every request that
/// committed a change, and only to those: a replayed or refused request carries none.
#[derive(Debug, Clone, Copy)]
pub struct Committed;

/// How a provider writes an error the sandbox answers on its behalf (an injected status, or a
/// connection that cannot be dropped): status and message in, that provider's error body out.
pub type ErrorBody = fn(StatusCode, &str) -> Response;

/// Lets a handler close its own connection without answering.
#[derive(Debug, Clone, Default)]
pub struct ConnKill(pub Arc<Notify>);

impl ConnKill {
    pub fn kill(&self) {
        self.0.notify_one();
    }
}

async fn drop_connection(kill: Option<ConnKill>, error_body: ErrorBody) -> Response {
    match kill {
        Some(kill) => {
            tracing::info!("fault injection: dropping the connection");
            kill.kill();
            // The connection task drops this future together with the connection.
            std::future::pending::<Response>().await
        }
        None => error_body(
            StatusCode::INTERNAL_SERVER_ERROR,
            "connection cannot be dropped here",
        ),
    }
}

/// Runs a provider request through the active faults. `order_type` is the `type` of a
/// `POST /v2.4/orders` body, read by the caller ([`read_order_type`]); `error_body` writes a
/// forced status in the provider's error shape.
pub async fn run(
    app: &AppState,
    req: Request,
    next: Next,
    order_type: Option<&str>,
    error_body: ErrorBody,
) -> Response {
    let method = req.method().as_str().to_owned();
    // Inside a nested router the URI lost its prefix; match on the path the client sent.
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().path().to_owned(), |u| u.path().to_owned());
    let plan = lock(&app.faults).plan(&method, &path, order_type);
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
            let mut r = error_body(status, &message);
            if let Some(secs) = retry_after {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return r;
        }
        Some(Before::Drop) => return drop_connection(kill, error_body).await,
        None => {}
    }
    let response = next.run(req).await;
    match plan.after {
        Some(After::MalformedJson) => malformed(response).await,
        Some(After::WithoutEsimDetails) => without_esim_details(response).await,
        Some(After::DropAfterCommit(id))
            if response.extensions().get::<Committed>().is_some() && lock(&app.faults).take(id) =>
        {
            tracing::info!(%path, "fault injection: change committed, response dropped");
            drop_connection(kill, error_body).await
        }
        _ => response,
    }
}

/// The `type` of a `POST /orders` body, read up to [`ORDER_BODY_LIMIT`]; the request goes on
/// with the same body bytes (and trailers). A longer body is handed on unread (`None`).
pub async fn read_order_type(req: Request) -> (Request, Option<String>) {
    let (parts, body) = req.into_parts();
    let (body, whole) = buffer(body, ORDER_BODY_LIMIT).await;
    let order_type = whole.as_deref().and_then(order_type_of);
    (Request::from_parts(parts, body), order_type)
}

/// The top-level `type` of a JSON object, if it is a string.
fn order_type_of(json: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "type")]
        kind: Option<String>,
    }
    serde_json::from_slice::<Probe>(json).ok()?.kind
}

/// Reads `body` until it ends or has more than `limit` bytes. Returns a body with the same
/// frames, and the bytes if the whole body (data only, no trailers) was read.
async fn buffer(mut body: Body, limit: usize) -> (Body, Option<Bytes>) {
    let mut head = BytesMut::new();
    let stop = loop {
        match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            None => {
                let whole = head.freeze();
                return (Body::from(whole.clone()), Some(whole));
            }
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => {
                    head.extend_from_slice(&data);
                    if head.len() > limit {
                        break None;
                    }
                }
                Err(trailers) => break Some(Ok(trailers)),
            },
            Some(Err(e)) => break Some(Err(e)),
        }
    };
    let mut queued = VecDeque::from([Ok(Frame::data(head.freeze()))]);
    queued.extend(stop);
    (Body::new(Replay { queued, rest: body }), None)
}

/// Frames already read, then the rest of the body.
#[derive(Debug)]
struct Replay {
    queued: VecDeque<Result<Frame<Bytes>, axum::Error>>,
    rest: Body,
}

impl HttpBody for Replay {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        match self.queued.pop_front() {
            Some(frame) => Poll::Ready(Some(frame)),
            None => Pin::new(&mut self.rest).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.queued.is_empty() && self.rest.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let queued: u64 = self
            .queued
            .iter()
            .filter_map(|f| f.as_ref().ok()?.data_ref())
            .map(|d| d.len() as u64)
            .sum();
        let rest = self.rest.size_hint();
        let mut hint = SizeHint::new();
        hint.set_lower(rest.lower().saturating_add(queued));
        if let Some(upper) = rest.upper() {
            hint.set_upper(upper.saturating_add(queued));
        }
        hint
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

/// The same JSON with every order line's `esims` removed; a body that is not such JSON is sent
/// as it was.
async fn without_esim_details(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if let Some(lines) = json.get_mut("order").and_then(|o| o.as_array_mut()) {
        for line in lines {
            if let Some(line) = line.as_object_mut() {
                line.remove("esims");
            }
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    tracing::info!("fault injection: answered without the eSIMs' install details");
    Response::from_parts(parts, Body::from(json.to_string()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::esimgo::is_order_post;

    #[test]
    fn counts_and_matching() {
        let mut set = FaultSet::default();
        set.add(FaultSpec::status(503).on("POST", "/v2.4/orders").times(1));
        set.add(FaultSpec::latency(5));
        let p = set.plan("GET", "/v2.4/catalogue", None);
        assert!(p.before.is_none());
        assert_eq!(p.latency, Duration::from_millis(5));
        let p = set.plan("POST", "/v2.4/orders", None);
        assert!(matches!(p.before, Some(Before::Status { .. })));
        let p = set.plan("POST", "/v2.4/orders", None);
        assert!(p.before.is_none());
        assert_eq!(set.list().len(), 1);
    }

    #[test]
    fn drop_after_commit_is_consumed_only_by_take() {
        let mut set = FaultSet::default();
        let id = set.add(FaultSpec::new(FaultKind::DropAfterCommit).times(1));
        assert!(matches!(
            set.plan("POST", "/x", None).after,
            Some(After::DropAfterCommit(_))
        ));
        assert!(matches!(
            set.plan("POST", "/x", None).after,
            Some(After::DropAfterCommit(_))
        ));
        assert!(set.take(id));
        assert!(!set.take(id));
        assert!(set.plan("POST", "/x", None).after.is_none());
    }

    #[test]
    fn order_type_limits_a_fault_to_the_dry_run_or_the_purchase() {
        let mut set = FaultSet::default();
        set.add(FaultSpec::status(400).order_type("transaction").times(1));
        set.add(FaultSpec::latency(7).on("GET", "/v2.4/catalogue"));
        // Only `POST /v2.4/orders` has its body read.
        assert!(is_order_post("POST", "/v2.4/orders"));
        assert!(!is_order_post("GET", "/v2.4/orders"));
        assert!(!is_order_post("POST", "/v2.4/esims/apply"));
        assert!(!is_order_post("POST", "/v2.4/orders/x"));
        // The dry run, a body without `type` and an unread body pass.
        for order_type in [Some("validate"), None] {
            let p = set.plan("POST", "/v2.4/orders", order_type);
            assert!(p.before.is_none(), "{order_type:?}");
        }
        assert_eq!(set.list()[0].fired, 0);
        let p = set.plan("POST", "/v2.4/orders", Some("transaction"));
        assert!(matches!(
            p.before,
            Some(Before::Status { status, .. }) if status == StatusCode::BAD_REQUEST
        ));
        assert!(
            set.plan("POST", "/v2.4/orders", Some("transaction"))
                .before
                .is_none()
        );
        assert!(set.list().iter().all(|f| f.spec.order_type.is_none()));
    }

    #[test]
    fn only_the_two_order_types_are_accepted() {
        assert!(
            FaultSpec::status(503)
                .order_type("validate")
                .check()
                .is_ok()
        );
        assert!(
            FaultSpec::status(503)
                .order_type("Transaction")
                .check()
                .is_err()
        );
        let spec: FaultSpec =
            serde_json::from_str(r#"{"kind":"drop","orderType":"transaction"}"#).unwrap();
        assert_eq!(
            spec,
            FaultSpec::new(FaultKind::Drop).order_type("transaction")
        );
        assert_eq!(
            serde_json::to_value(&spec).unwrap(),
            serde_json::json!({"kind": "drop", "orderType": "transaction"})
        );
    }

    #[test]
    fn the_order_type_is_the_top_level_type() {
        assert_eq!(
            order_type_of(br#"{"order":[{"type":"bundle"}],"type":"validate"}"#).as_deref(),
            Some("validate")
        );
        assert_eq!(order_type_of(br#"{"order":[{"type":"bundle"}]}"#), None);
        assert_eq!(order_type_of(br#"{"type":1}"#), None);
        assert_eq!(order_type_of(b"{\"type\":"), None);
        assert_eq!(order_type_of(b""), None);
    }

    async fn frames(mut body: Body) -> Vec<Frame<Bytes>> {
        let mut out = Vec::new();
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            out.push(frame.unwrap());
        }
        out
    }

    fn data(frames: &[Frame<Bytes>]) -> Vec<u8> {
        frames
            .iter()
            .filter_map(Frame::data_ref)
            .flat_map(|d| d.iter().copied())
            .collect()
    }

    /// A body sent in several frames, as a client's chunks arrive.
    fn chunked(chunks: &[&'static [u8]], trailers: bool) -> Body {
        let mut queued: VecDeque<_> = chunks
            .iter()
            .map(|c| Ok(Frame::data(Bytes::from_static(c))))
            .collect();
        if trailers {
            let mut map = axum::http::HeaderMap::new();
            map.insert("x-check", HeaderValue::from_static("1"));
            queued.push_back(Ok(Frame::trailers(map)));
        }
        Body::new(Replay {
            queued,
            rest: Body::empty(),
        })
    }

    #[tokio::test]
    async fn a_read_body_is_handed_on_unchanged() {
        // Whole, in several chunks.
        let (body, whole) = buffer(chunked(&[b"{\"type\":", b"\"transaction\"}"], false), 64).await;
        assert_eq!(whole.as_deref(), Some(&b"{\"type\":\"transaction\"}"[..]));
        assert_eq!(data(&frames(body).await), b"{\"type\":\"transaction\"}");

        // Over the limit: not read further, yet every byte still arrives.
        let (body, whole) = buffer(chunked(&[b"abcd", b"efgh", b"ijkl"], false), 5).await;
        assert!(whole.is_none());
        assert_eq!(data(&frames(body).await), b"abcdefghijkl");

        // Trailers are passed on too.
        let (body, whole) = buffer(chunked(&[b"ab", b"cd"], true), 64).await;
        assert!(whole.is_none());
        let got = frames(body).await;
        assert_eq!(data(&got), b"abcd");
        assert_eq!(
            got.last()
                .and_then(Frame::trailers_ref)
                .map(|t| t["x-check"].clone()),
            Some(HeaderValue::from_static("1"))
        );

        // Empty.
        let (body, whole) = buffer(Body::empty(), 64).await;
        assert_eq!(whole.as_deref(), Some(&b""[..]));
        assert!(frames(body).await.is_empty());
    }
}
