//! Finding the order behind a lost purchase reply (esimgo.md §6.5), and claiming it.
//!
//! eSIM Go has no client reference on orders and no idempotency key. Two sources, best first:
//! 1. eSIMs whose `customerRef` is the desk's reference (`GET /esims?filterBy=customerRef`,
//!    every page): present when the reply did arrive and the adapter tagged the eSIMs before the
//!    desk lost track (e.g. a crash before the journal write), or after a claim. An order
//!    holding one of them is certain.
//! 2. Orders created since the purchase was sent, less a minute of clock skew
//!    (`GET /orders?createdAt=gte:…&includeIccids=true`, every page), whose lines have the same
//!    bundles and quantities (and, for a top-up, the same ICCID): likely, not proof.
//!
//! Nothing is guessed: a list longer than [`MAX_PAGES`] pages fails the lookup rather than
//! answer from part of it, an order without a readable time keeps `created_at: None`, and a
//! new-eSIM match whose eSIMs carry another desk's `customerRef` (§7.2) says so in
//! [`OrderMatch::foreign_reference`].

use std::collections::HashSet;

use esimdesk_core::{Iccid, OrderKind};
use time::{Duration, OffsetDateTime, UtcOffset};

use super::{EsimGo, map, parse, wire};
use crate::error::ProviderError;
use crate::http::Call;
use crate::{MatchBasis, OrderLookup, OrderMatch, PlacedOrder};

/// Orders per page when listing (`limit`).
const ORDERS_PAGE: u32 = 50;
/// eSIMs per page when listing (`perPage`: one of 10, 25, 50, 100, §7.1).
const ESIMS_PAGE: u32 = 100;
/// Pages of one list read at most.
pub(super) const MAX_PAGES: u32 = 200;
/// Clock skew allowed between the desk and eSIM Go.
const SKEW: Duration = Duration::minutes(1);

pub(super) async fn find_order(
    go: &EsimGo,
    lookup: &OrderLookup,
) -> Result<Vec<OrderMatch>, ProviderError> {
    // Top-ups tag nothing: the eSIM's `customerRef` names its first sale, not the top-up.
    let new_esims = lookup.kind == OrderKind::NewEsim;
    let tagged = if new_esims {
        tagged_esims(go, &lookup.client_reference).await?
    } else {
        HashSet::new()
    };
    let since = lookup.sent_at - SKEW;
    let orders = recent_orders(go, since).await?;
    let mut matches = Vec::new();
    for order in orders {
        let Some(mut found) = classify(order, lookup, &tagged, since) else {
            continue;
        };
        if new_esims {
            found.foreign_reference =
                foreign_reference(go, &found.order, &lookup.client_reference, &tagged).await?;
        }
        matches.push(found);
    }
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
    if !order.has_lines(&lookup.lines) {
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
    Some(OrderMatch {
        order,
        basis,
        foreign_reference: None,
    })
}

/// Every eSIM of an order, once each.
fn order_iccids(order: &PlacedOrder) -> Vec<Iccid> {
    let mut out: Vec<Iccid> = Vec::new();
    let all = order
        .lines
        .iter()
        .flat_map(|l| l.iccids.iter())
        .chain(order.esims.iter().map(|e| &e.iccid));
    for iccid in all {
        if !out.contains(iccid) {
            out.push(iccid.clone());
        }
    }
    out
}

/// The first non-empty `customerRef` other than `reference` on the order's eSIMs
/// (`GET /esims/{iccid}`, §7.2). eSIMs already known to carry `reference` are not read.
async fn foreign_reference(
    go: &EsimGo,
    order: &PlacedOrder,
    reference: &str,
    tagged: &HashSet<Iccid>,
) -> Result<Option<String>, ProviderError> {
    for iccid in order_iccids(order) {
        if tagged.contains(&iccid) {
            continue;
        }
        if let Some(other) = go.customer_ref(iccid.as_str()).await?
            && other != reference
        {
            return Ok(Some(other));
        }
    }
    Ok(None)
}

/// [`crate::Provider::claim_order`] for eSIM Go. eSIM Go has no compare-and-set: two desks
/// claiming the same order at the same instant could both read their own reference back. The
/// read-back only narrows that window to one desk's write and the other's read.
pub(super) async fn claim_order(
    go: &EsimGo,
    order: &PlacedOrder,
    reference: &str,
) -> Result<bool, ProviderError> {
    if reference.trim().is_empty() {
        return Err(ProviderError::InvalidRequest {
            message: "claiming an order needs the desk's client reference".into(),
        });
    }
    if order.kind == OrderKind::TopUp {
        // A top-up's eSIM carries the reference of its first sale: there is nothing on the
        // order a desk can mark, so there is nothing to claim.
        return Ok(true);
    }
    let iccids = order_iccids(order);
    if iccids.is_empty() {
        tracing::warn!(
            provider = "esimgo",
            "order lists no eSIM; it cannot be marked as the desk's"
        );
        return Ok(false);
    }
    for iccid in &iccids {
        match go.customer_ref(iccid.as_str()).await? {
            None => go.put_customer_ref(iccid.as_str(), reference).await?,
            Some(current) if current == reference => {}
            // Another desk's: leave the rest of the order alone.
            Some(_) => return Ok(false),
        }
    }
    for iccid in &iccids {
        if go.customer_ref(iccid.as_str()).await?.as_deref() != Some(reference) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// ICCIDs of eSIMs whose `customerRef` is exactly `reference` (the API filter is a substring
/// match), every page. A refusal of the filter itself is not fatal: the order list still
/// decides, and [`foreign_reference`] reads each candidate's eSIMs.
async fn tagged_esims(go: &EsimGo, reference: &str) -> Result<HashSet<Iccid>, ProviderError> {
    let mut out = HashSet::new();
    for page in 1..=MAX_PAGES {
        let call = Call::get(&["esims"])
            .query("filterBy", "customerRef")
            .query("filter", reference)
            .query("perPage", ESIMS_PAGE.to_string())
            .query("page", page.to_string());
        let list: wire::EsimList = match go.get_json(call, "eSIM list").await {
            Ok(list) => list,
            Err(
                e @ (ProviderError::InvalidRequest { .. } | ProviderError::MalformedReply { .. }),
            ) if page == 1 => {
                tracing::info!(
                    provider = "esimgo",
                    error = e.code(),
                    "eSIM lookup by reference failed"
                );
                return Ok(HashSet::new());
            }
            Err(e) => return Err(e),
        };
        let received = list.esims.len();
        out.extend(
            list.esims
                .into_iter()
                .filter(|e| e.customer_ref.as_deref() == Some(reference))
                .filter_map(|e| Iccid::parse(e.iccid.as_deref()?).ok()),
        );
        let more = match list.page_count {
            Some(count) => page < count,
            None => received >= ESIMS_PAGE as usize,
        };
        if !more {
            return Ok(out);
        }
    }
    Err(ProviderError::malformed(
        "eSIM list",
        format!("more than {MAX_PAGES} pages of eSIMs for one reference"),
    ))
}

/// `GET /orders` since `since`, every page (at most [`MAX_PAGES`]). Unreadable orders are
/// skipped; an order seen twice (the list shifts when orders arrive meanwhile) counts once.
async fn recent_orders(
    go: &EsimGo,
    since: OffsetDateTime,
) -> Result<Vec<PlacedOrder>, ProviderError> {
    let bound = format!("gte:{}", format_instant(since));
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for page in 1..=MAX_PAGES {
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
                Ok(order) => {
                    if seen.insert(order.provider_reference.clone()) {
                        out.push(order);
                    }
                }
                Err(e) => {
                    tracing::warn!(provider = "esimgo", error = %e, "order skipped while reconciling")
                }
            }
        }
        // Object form: walk 1..=pageCount, or stop on a short page when pageCount is absent.
        // Bare array: one page (esimgo.md §6.2).
        let more = envelope
            && match page_count {
                Some(count) => page < count,
                None => received >= ORDERS_PAGE as usize,
            };
        if !more {
            return Ok(out);
        }
    }
    Err(ProviderError::malformed(
        "order list",
        format!("more than {MAX_PAGES} pages of orders since the purchase"),
    ))
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
    use crate::{EsimHandle, OrderStatus, PlacedLine, RequestLine};
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
            customer_email: None,
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
