//! Finding the order behind a lost purchase reply (esimgo.md §6.5).
//!
//! eSIM Go has no client reference on orders and no idempotency key. Two sources, best first:
//! 1. eSIMs whose `customerRef` is the desk's reference (`GET /esims?filterBy=customerRef`):
//!    present when the reply did arrive and the adapter tagged the eSIMs before the desk lost
//!    track (e.g. a crash before the journal write). An order holding one of them is certain.
//! 2. Orders created since the purchase was sent, less a minute of clock skew
//!    (`GET /orders?createdAt=gte:…&includeIccids=true`), whose lines have the same bundles and
//!    quantities (and, for a top-up, the same ICCID): likely, not proof.

use std::collections::HashSet;

use esimdesk_core::{Iccid, OrderKind};
use time::{Duration, OffsetDateTime, UtcOffset};

use super::{EsimGo, map, parse, wire};
use crate::error::ProviderError;
use crate::http::Call;
use crate::types::{MatchBasis, OrderLookup, OrderMatch, PlacedLine, PlacedOrder, RequestLine};

/// Orders per page when listing (`limit`).
const ORDERS_PAGE: u32 = 50;
/// Pages of recent orders read at most.
const MAX_ORDER_PAGES: u32 = 20;
/// Clock skew allowed between the desk and eSIM Go.
const SKEW: Duration = Duration::minutes(1);

pub(super) async fn find_order(
    go: &EsimGo,
    lookup: &OrderLookup,
) -> Result<Vec<OrderMatch>, ProviderError> {
    let tagged = if lookup.kind == OrderKind::NewEsim {
        tagged_esims(go, &lookup.client_reference).await?
    } else {
        HashSet::new()
    };
    let since = lookup.sent_at - SKEW;
    let orders = recent_orders(go, since).await?;
    let mut matches: Vec<OrderMatch> = orders
        .into_iter()
        .filter_map(|order| classify(order, lookup, &tagged, since))
        .collect();
    matches.sort_by_key(|m| {
        (
            m.basis != MatchBasis::ClientReference,
            m.order.created_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
        )
    });
    Ok(matches)
}

/// Whether an order is the one looked for, and on what basis.
fn classify(
    mut order: PlacedOrder,
    lookup: &OrderLookup,
    tagged: &HashSet<Iccid>,
    since: OffsetDateTime,
) -> Option<OrderMatch> {
    if order.created_at.is_some_and(|t| t < since) {
        return None;
    }
    if !same_lines(&order.lines, &lookup.lines) {
        return None;
    }
    let iccids = || order.lines.iter().flat_map(|l| l.iccids.iter());
    if let Some(esim) = &lookup.esim
        && !iccids().any(|i| *i == esim.iccid)
    {
        return None;
    }
    let basis = if iccids().any(|i| tagged.contains(i)) {
        MatchBasis::ClientReference
    } else {
        MatchBasis::ContentsAndTime
    };
    order.kind = lookup.kind;
    if basis == MatchBasis::ClientReference {
        order.client_reference = Some(lookup.client_reference.clone());
    }
    Some(OrderMatch { order, basis })
}

/// Same bundles with the same quantities, in any order.
fn same_lines(placed: &[PlacedLine], wanted: &[RequestLine]) -> bool {
    let mut a: Vec<(&str, u32)> = placed
        .iter()
        .map(|l| (l.offering_code.as_str(), l.quantity))
        .collect();
    let mut b: Vec<(&str, u32)> = wanted
        .iter()
        .map(|l| (l.offering_code.as_str(), l.quantity))
        .collect();
    a.sort_unstable();
    b.sort_unstable();
    !a.is_empty() && a == b
}

/// ICCIDs of eSIMs whose `customerRef` is exactly `reference` (the API filter is a substring
/// match). A refusal of the filter itself is not fatal: the order list still decides.
async fn tagged_esims(go: &EsimGo, reference: &str) -> Result<HashSet<Iccid>, ProviderError> {
    let call = Call::get(&["esims"])
        .query("filterBy", "customerRef")
        .query("filter", reference)
        .query("perPage", "100")
        .query("page", "1");
    let list: wire::EsimList = match go.get_json(call, "eSIM list").await {
        Ok(list) => list,
        Err(e @ (ProviderError::InvalidRequest { .. } | ProviderError::MalformedReply { .. })) => {
            tracing::info!(
                provider = "esimgo",
                error = e.code(),
                "eSIM lookup by reference failed"
            );
            return Ok(HashSet::new());
        }
        Err(e) => return Err(e),
    };
    Ok(list
        .esims
        .into_iter()
        .filter(|e| e.customer_ref.as_deref() == Some(reference))
        .filter_map(|e| Iccid::parse(e.iccid.as_deref()?).ok())
        .collect())
}

/// `GET /orders` since `since`, every page (bounded). Unreadable orders are skipped.
async fn recent_orders(
    go: &EsimGo,
    since: OffsetDateTime,
) -> Result<Vec<PlacedOrder>, ProviderError> {
    let bound = format!("gte:{}", format_instant(since));
    let mut out = Vec::new();
    for page in 1..=MAX_ORDER_PAGES {
        let call = Call::get(&["orders"])
            .query("includeIccids", "true")
            .query("page", page.to_string())
            .query("limit", ORDERS_PAGE.to_string())
            .query("createdAt", bound.clone());
        let reply = go.send(&call, super::Op::Other).await?;
        let (raw, page_count, envelope) = match wire::first_byte(&reply.body) {
            Some(b'[') => (
                parse::<Vec<Box<serde_json::value::RawValue>>>(&reply.body, "order list")?,
                None,
                false,
            ),
            _ => {
                let list: wire::OrderList = parse(&reply.body, "order list")?;
                (list.orders, list.page_count, true)
            }
        };
        let received = raw.len();
        for item in raw {
            let parsed = serde_json::from_str::<wire::Order>(item.get())
                .map_err(|e| ProviderError::malformed("order", e))
                .and_then(|o| map::placed_order(o, OrderKind::NewEsim, None));
            match parsed {
                Ok(order) => out.push(order),
                Err(e) => {
                    tracing::warn!(provider = "esimgo", error = %e, "order skipped while reconciling")
                }
            }
        }
        let more = envelope
            && match page_count {
                Some(count) => page < count,
                None => received >= ORDERS_PAGE as usize,
            };
        if !more {
            break;
        }
    }
    Ok(out)
}

/// `2024-03-01T00:00:00.000Z`, as the reference's `createdAt` example.
pub(super) fn format_instant(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::types::{EsimHandle, OrderStatus};
    use time::macros::datetime;

    fn placed(item: &str, qty: u32, iccid: &str, at: OffsetDateTime) -> PlacedOrder {
        PlacedOrder {
            provider_reference: format!("ref-{item}-{iccid}"),
            client_reference: None,
            kind: OrderKind::NewEsim,
            status: OrderStatus::Completed,
            total: None,
            created_at: Some(at),
            lines: vec![PlacedLine {
                offering_code: item.into(),
                quantity: qty,
                iccids: vec![Iccid::parse(iccid).unwrap()],
            }],
            esims: vec![],
            notes: vec![],
        }
    }

    fn lookup(kind: OrderKind, esim: Option<&str>) -> OrderLookup {
        OrderLookup {
            client_reference: "desk-42".into(),
            kind,
            lines: vec![RequestLine {
                offering_code: "esim_1GB_7D_NL_V2".into(),
                quantity: 1,
            }],
            esim: esim.map(|i| EsimHandle::iccid(Iccid::parse(i).unwrap())),
            sent_at: datetime!(2025-06-01 10:16:00 UTC),
        }
    }

    #[test]
    fn matches_contents_time_and_reference() {
        let since = datetime!(2025-06-01 10:15:00 UTC);
        let at = datetime!(2025-06-01 10:16:02 UTC);
        let l = lookup(OrderKind::NewEsim, None);
        let none = HashSet::new();
        let m = classify(
            placed("esim_1GB_7D_NL_V2", 1, "8944000100000000017", at),
            &l,
            &none,
            since,
        )
        .unwrap();
        assert_eq!(m.basis, MatchBasis::ContentsAndTime);
        assert_eq!(m.order.client_reference, None);
        let tagged: HashSet<Iccid> = [Iccid::parse("8944000100000000017").unwrap()].into();
        let m = classify(
            placed("esim_1GB_7D_NL_V2", 1, "8944000100000000017", at),
            &l,
            &tagged,
            since,
        )
        .unwrap();
        assert_eq!(m.basis, MatchBasis::ClientReference);
        assert_eq!(m.order.client_reference.as_deref(), Some("desk-42"));
        // Other bundle, other quantity, too early.
        assert!(
            classify(
                placed("esim_3GB_30D_NL_V2", 1, "8944000100000000017", at),
                &l,
                &none,
                since
            )
            .is_none()
        );
        assert!(
            classify(
                placed("esim_1GB_7D_NL_V2", 2, "8944000100000000017", at),
                &l,
                &none,
                since
            )
            .is_none()
        );
        let early = datetime!(2025-06-01 10:00:00 UTC);
        assert!(
            classify(
                placed("esim_1GB_7D_NL_V2", 1, "8944000100000000017", early),
                &l,
                &none,
                since
            )
            .is_none()
        );
    }

    #[test]
    fn top_ups_must_hit_the_same_esim() {
        let since = datetime!(2025-06-01 10:15:00 UTC);
        let at = datetime!(2025-06-01 10:16:02 UTC);
        let l = lookup(OrderKind::TopUp, Some("8944000100000000017"));
        let none = HashSet::new();
        assert!(
            classify(
                placed("esim_1GB_7D_NL_V2", 1, "8944000100000000017", at),
                &l,
                &none,
                since
            )
            .is_some()
        );
        assert!(
            classify(
                placed("esim_1GB_7D_NL_V2", 1, "8944000100000000025", at),
                &l,
                &none,
                since
            )
            .is_none()
        );
    }

    #[test]
    fn formats_created_at_bounds() {
        assert_eq!(
            format_instant(datetime!(2024-03-01 00:00:00.5 +02:00)),
            "2024-02-29T22:00:00.500Z"
        );
    }
}
