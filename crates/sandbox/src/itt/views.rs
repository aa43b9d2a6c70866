//! Small formats of the ITT wire (itt.md §1): money as decimal strings in major units, times
//! without zone, numbers and booleans as strings where the samples have strings.

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::faults::Committed;

/// `1240` → `"12.40"`: always two decimals, as the reference's `"489.41"`.
pub fn amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// `2025-06-02 09:15:02`: UTC without a zone, as the reference's samples (§8, §11).
pub fn stamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `"true"` / `"false"` (the samples' `"is_unlimited": "false"`, `"rechargeable": "true"`).
pub fn flag(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// A successful answer: `{"status": "success", "reason": …}` and `fields`.
pub fn success(reason: &str, fields: Value) -> Value {
    let mut body = json!({"status": "success", "reason": reason});
    if let (Some(map), Value::Object(extra)) = (body.as_object_mut(), fields) {
        map.extend(extra);
    }
    body
}

/// An answer to a request that committed a change: the drop-after-commit fault may swallow it.
pub fn committed(body: Value) -> Response {
    (axum::Extension(Committed), Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_two_decimals() {
        assert_eq!(amount(1240), "12.40");
        assert_eq!(amount(48_941), "489.41");
        assert_eq!(amount(5), "0.05");
        assert_eq!(amount(0), "0.00");
        assert_eq!(amount(-25), "-0.25");
    }

    #[test]
    fn stamps_have_no_zone() {
        let t = time::macros::datetime!(2025-06-02 09:15:02.5 UTC);
        assert_eq!(stamp(t), "2025-06-02 09:15:02");
    }
}
