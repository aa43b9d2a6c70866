//! Finding the order behind a lost purchase reply (truphone.md §3, open point 4).
//!
//! Truphone has no idempotency, stores no client reference and documents no order list. What a
//! completed order leaves behind is a subscription (§6 `output.subscription_id`), and
//! subscriptions can be listed by `product-id`, `iccid`, `email` and `after` (§8.2). So:
//!
//! - a new eSIM: subscriptions of the sold product created since the sale was sent (less
//!   [`assumed::LOOKUP_SKEW_SECS`]), whose SIM has no older subscription (an older one means a
//!   top-up of an eSIM sold before, not this sale);
//! - a top-up: subscriptions of the product on the eSIM, created since the sale was sent.
//!
//! Every one is a candidate by contents and time, never proof ([`MatchBasis::ContentsAndTime`]):
//! the app adopts only a unique match inside its window. The reference's lookup is by the
//! customer's email (§3): sent when [`OrderLookup::customer_email`] has it, with the product and
//! the time.
//!
//! Such an order is known only by its subscription: its provider reference is
//! `subscription:<iccid>:<subscription id>` ([`assumed::SUBSCRIPTION_REFERENCE_PREFIX`]), which
//! [`crate::Provider::order_status`] and [`crate::Provider::activation_codes`] read from the
//! subscription and the SIM.
//!
//! Limit: an order still `ACCEPTED`/`FULFILLING` has no subscription yet, so it cannot be seen
//! here until it completes.

use esimdesk_core::{Iccid, OrderKind};
use time::{Duration, OffsetDateTime};

use super::{Truphone, assumed, map, subscriptions, wire};
use crate::error::{ProviderError, clip};
use crate::{
    IssuedEsim, MatchBasis, OrderLookup, OrderMatch, OrderStatus, PlacedLine, PlacedOrder,
};

pub(super) fn reference(iccid: &Iccid, subscription_id: &str) -> String {
    format!(
        "{}{iccid}:{subscription_id}",
        assumed::SUBSCRIPTION_REFERENCE_PREFIX
    )
}

/// `None`: not a subscription reference (an order id). `Some(Err)`: one that cannot be read.
pub(super) fn parse_reference(reference: &str) -> Option<Result<(Iccid, &str), ProviderError>> {
    let rest = reference
        .trim()
        .strip_prefix(assumed::SUBSCRIPTION_REFERENCE_PREFIX)?;
    let parsed = rest
        .split_once(':')
        .and_then(|(iccid, id)| Some((Iccid::parse(iccid).ok()?, id.trim())))
        .filter(|(_, id)| !id.is_empty());
    Some(parsed.ok_or_else(|| ProviderError::InvalidRequest {
        message: format!(
            "'{}' is not a Truphone subscription reference",
            clip(reference)
        ),
    }))
}

pub(super) async fn find_order(
    t: &Truphone,
    lookup: &OrderLookup,
) -> Result<Vec<OrderMatch>, ProviderError> {
    // A Truphone order is one product on one SIM: a lookup for anything else matches nothing.
    let [line] = lookup.lines.as_slice() else {
        return Ok(Vec::new());
    };
    let product = line.offering_code.trim();
    if line.quantity != 1 || product.is_empty() {
        return Ok(Vec::new());
    }
    let since = lookup.sent_at - Duration::seconds(assumed::LOOKUP_SKEW_SECS);
    let mut filters = vec![
        ("product-id", product.to_owned()),
        ("after", assumed::format_instant(since)),
    ];
    // §3: the reference's lookup is by the traveller's email; with it, other travellers' eSIMs
    // of the same product at the same time are not candidates at all.
    if let Some(email) = lookup
        .customer_email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        filters.push(("email", email.to_owned()));
    }
    let target = match lookup.kind {
        OrderKind::NewEsim => None,
        OrderKind::TopUp => {
            let Some(esim) = &lookup.esim else {
                return Ok(Vec::new());
            };
            filters.push(("iccid", esim.iccid.as_str().to_owned()));
            Some(&esim.iccid)
        }
        // Nothing is bought by a revoke or a cancel: not looked for here.
        _ => return Ok(Vec::new()),
    };
    let mut matches: Vec<OrderMatch> = Vec::new();
    for s in subscriptions::list(t, &filters).await? {
        let Some(candidate) = candidate(&s, product, since, target) else {
            continue;
        };
        if target.is_none() && has_older_subscription(t, &candidate.iccid, since).await? {
            continue;
        }
        let reference = reference(&candidate.iccid, &candidate.id);
        if matches
            .iter()
            .any(|m| m.order.provider_reference == reference)
        {
            continue;
        }
        matches.push(OrderMatch {
            order: placed(
                reference,
                lookup.kind,
                product,
                candidate.iccid,
                candidate.created_at,
            ),
            basis: MatchBasis::ContentsAndTime,
            foreign_reference: None,
        });
    }
    matches.sort_by_key(|m| m.order.created_at.unwrap_or(OffsetDateTime::UNIX_EPOCH));
    Ok(matches)
}

struct Candidate {
    id: String,
    iccid: Iccid,
    created_at: Option<OffsetDateTime>,
}

/// A subscription that may be the lost order's: the product, not created before `since`, on
/// the eSIM of a top-up. Filters the server may not have applied are checked again here.
fn candidate(
    s: &wire::Subscription,
    product: &str,
    since: OffsetDateTime,
    target: Option<&Iccid>,
) -> Option<Candidate> {
    if s.product_id.as_deref().map(str::trim) != Some(product) {
        return None;
    }
    let created_at = map::timestamp(s.created_date.as_deref());
    if created_at.is_some_and(|at| at < since) {
        return None;
    }
    let id = s.id.as_deref().map(str::trim).filter(|i| !i.is_empty())?;
    let iccid = match Iccid::parse(s.sim_id.as_deref().unwrap_or("").trim()) {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(provider = "truphone", error = %e, "subscription without a usable ICCID left out");
            return None;
        }
    };
    if target.is_some_and(|t| *t != iccid) {
        return None;
    }
    Some(Candidate {
        id: id.to_owned(),
        iccid,
        created_at,
    })
}

/// Whether the SIM had a subscription before `since`: it existed before the sale.
async fn has_older_subscription(
    t: &Truphone,
    iccid: &Iccid,
    since: OffsetDateTime,
) -> Result<bool, ProviderError> {
    let all = subscriptions::list(t, &[("iccid", iccid.as_str().to_owned())]).await?;
    Ok(all
        .iter()
        .any(|s| map::timestamp(s.created_date.as_deref()).is_some_and(|at| at < since)))
}

/// The order a subscription stands for: completed (the subscription exists), one line, one
/// eSIM whose code comes from its SIM.
fn placed(
    reference: String,
    kind: OrderKind,
    product: &str,
    iccid: Iccid,
    created_at: Option<OffsetDateTime>,
) -> PlacedOrder {
    PlacedOrder {
        provider_reference: reference,
        client_reference: None,
        kind,
        status: OrderStatus::Completed,
        total: None,
        created_at,
        lines: vec![PlacedLine {
            offering_code: product.to_owned(),
            quantity: 1,
            iccids: vec![iccid.clone()],
        }],
        esims: vec![IssuedEsim {
            iccid,
            activation_code: None,
            provider_ref: None,
            offering_code: Some(product.to_owned()),
        }],
        notes: Vec::new(),
    }
}

/// [`crate::Provider::order_status`] of a `subscription:` reference: the subscription, read
/// again among the SIM's. Its kind is not on the wire: the journal's is the one that counts.
pub(super) async fn subscription_order(
    t: &Truphone,
    iccid: &Iccid,
    id: &str,
) -> Result<PlacedOrder, ProviderError> {
    let all = subscriptions::list(t, &[("iccid", iccid.as_str().to_owned())]).await?;
    let s = all
        .iter()
        .find(|s| s.id.as_deref().map(str::trim) == Some(id))
        .ok_or_else(|| ProviderError::NotFound {
            message: Some(format!(
                "Truphone lists no subscription {} on eSIM {iccid}",
                clip(id)
            )),
        })?;
    Ok(placed(
        reference(iccid, id),
        OrderKind::NewEsim,
        s.product_id.as_deref().map(str::trim).unwrap_or(""),
        iccid.clone(),
        map::timestamp(s.created_date.as_deref()),
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    const ICCID: &str = "8944470000005678901";

    fn sub(product: &str, created: &str, sim: &str) -> wire::Subscription {
        serde_json::from_str(&format!(
            r#"{{"id": "Q-hz=", "product_id": "{product}", "sim_id": "{sim}", "created_date": "{created}"}}"#
        ))
        .unwrap()
    }

    #[test]
    fn references_round_trip() {
        let iccid = Iccid::parse(ICCID).unwrap();
        let r = reference(&iccid, "Q-hz=");
        assert_eq!(r, "subscription:8944470000005678901:Q-hz=");
        let (i, id) = parse_reference(&r).unwrap().unwrap();
        assert_eq!((i, id), (iccid, "Q-hz="));
        assert!(parse_reference("6d41c4ff-1877-4d13-82b0-7dad02c4b02a").is_none());
        assert!(parse_reference("subscription:123:x").unwrap().is_err());
        assert!(
            parse_reference("subscription:8944470000005678901:")
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn candidates_by_product_time_and_esim() {
        let since = datetime!(2025-06-02 09:13 UTC);
        let iccid = Iccid::parse(ICCID).unwrap();
        let c = candidate(
            &sub("wp=", "2025-06-02T09:14:03Z", ICCID),
            "wp=",
            since,
            None,
        )
        .unwrap();
        assert_eq!(c.iccid, iccid);
        assert_eq!(c.created_at, Some(datetime!(2025-06-02 09:14:03 UTC)));
        assert!(
            candidate(
                &sub("other=", "2025-06-02T09:14:03Z", ICCID),
                "wp=",
                since,
                None
            )
            .is_none()
        );
        assert!(
            candidate(
                &sub("wp=", "2025-06-02T09:00:00Z", ICCID),
                "wp=",
                since,
                None
            )
            .is_none()
        );
        assert!(
            candidate(
                &sub("wp=", "2025-06-02T09:14:03Z", "12"),
                "wp=",
                since,
                None
            )
            .is_none()
        );
        let other = Iccid::parse("89444700000056789016").unwrap();
        assert!(
            candidate(
                &sub("wp=", "2025-06-02T09:14:03Z", ICCID),
                "wp=",
                since,
                Some(&other)
            )
            .is_none()
        );
        // No readable time: still a candidate (the app asks a person).
        assert!(
            candidate(&sub("wp=", "soon", ICCID), "wp=", since, None)
                .unwrap()
                .created_at
                .is_none()
        );
    }
}
