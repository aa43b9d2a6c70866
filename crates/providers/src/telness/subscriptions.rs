//! Subscriptions (telness.md §9): the eSIMs an order produced, their activation codes, usage, and
//! cancelling a whole eSIM.

use esimdesk_core::{Iccid, OrderKind};
use reqwest::Method;

use super::errors::{Op, map_failure};
use super::map::{self, OrderView, SubscriptionState};
use super::{Telness, assumed, orders, parse, subscription_id, wire};
use crate::error::{ProviderError, clip};
use crate::http::{Call, CallKind, Failure};
use crate::{
    CancelOutcome, DeliverySource, EsimHandle, EsimUsage, IssuedEsim, OrderDelivery, OrderStatus,
    PlacedOrder, Refund,
};

/// `GET /subscriptions/{id}` (§9.1).
pub(super) async fn read(t: &Telness, id: &str) -> Result<wire::Subscription, ProviderError> {
    t.get_json(Call::get(&["subscriptions", id]), "subscription")
        .await
}

/// The ICCID of a subscription (`sim.iccid`), through core's parser.
fn iccid(subscription: &wire::Subscription, id: &str) -> Result<Iccid, String> {
    let raw = subscription
        .sim
        .as_ref()
        .and_then(|s| s.iccid.as_deref())
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .ok_or_else(|| format!("subscription {id}: no ICCID yet"))?;
    Iccid::parse(raw).map_err(|e| format!("subscription {id}: ICCID '{}' refused: {e}", clip(raw)))
}

/// The subscriptions an order concerns: the ones it created, or for a top-up the ones its
/// package went on.
fn targets(view: &OrderView) -> &[String] {
    match view.placed.kind {
        OrderKind::TopUp => &view.top_up_targets,
        _ => &view.created,
    }
}

/// The one offering of an order with a single package line (what its eSIMs were bought with).
fn single_offering(placed: &PlacedOrder) -> Option<String> {
    match placed.lines.as_slice() {
        [one] => Some(one.offering_code.clone()),
        _ => None,
    }
}

/// The order with its eSIMs: each subscription read for its ICCID (`known` saves the read for
/// a top-up's own eSIM). Never fails: a subscription that cannot be read is a note, and a
/// `COMPLETED` order missing one of its eSIMs is reported as still provisioning, so that the
/// desk asks again instead of settling an order without all it bought.
pub(super) async fn with_esims(
    t: &Telness,
    view: OrderView,
    known: Option<&EsimHandle>,
) -> PlacedOrder {
    let subscriptions = targets(&view).to_vec();
    let mut placed = view.placed;
    let offering = single_offering(&placed);
    let mut missing = false;
    for id in &subscriptions {
        let found = match known.filter(|h| h.provider_ref.as_deref() == Some(id.as_str())) {
            Some(handle) => Ok(handle.iccid.clone()),
            None => match read(t, id).await {
                Ok(s) => iccid(&s, id),
                Err(e) => Err(format!("subscription {id} not read: {e}")),
            },
        };
        match found {
            Ok(iccid) => {
                if let [line] = placed.lines.as_mut_slice()
                    && !line.iccids.contains(&iccid)
                {
                    line.iccids.push(iccid.clone());
                }
                placed.esims.push(IssuedEsim {
                    iccid,
                    activation_code: None,
                    provider_ref: Some(id.clone()),
                    offering_code: offering.clone(),
                });
            }
            Err(note) => {
                placed.notes.push(note);
                missing = true;
            }
        }
    }
    if placed.status == OrderStatus::Completed && (missing || subscriptions.is_empty()) {
        placed.status = OrderStatus::Provisioning;
        placed.notes.push(
            "Telness reports the order completed but not all of its eSIMs can be read yet; asking again later"
                .to_owned(),
        );
    }
    placed
}

/// The order's subscriptions with their activation codes (`GET
/// /subscriptions/{id}/esim/qrcode`, §9.3). A subscription not ready yet is a note and an eSIM
/// without a code; a transient failure fails the call, to be asked again.
pub(super) async fn activation_codes(
    t: &Telness,
    order_id: &str,
) -> Result<OrderDelivery, ProviderError> {
    let view = orders::read(t, order_id).await?;
    let offering = single_offering(&view.placed);
    let mut notes = Vec::new();
    let mut esims = Vec::new();
    if targets(&view).is_empty() {
        notes.push(format!(
            "Telness names no eSIM for order {order_id} yet (it is {})",
            orders::describe(&view.placed.status)
        ));
    }
    for id in targets(&view) {
        let subscription = match read(t, id).await {
            Ok(s) => s,
            Err(e) if e.is_transient() => return Err(e),
            Err(e) => {
                notes.push(format!("subscription {id} not read: {e}"));
                continue;
            }
        };
        let iccid = match iccid(&subscription, id) {
            Ok(i) => i,
            Err(note) => {
                notes.push(note);
                continue;
            }
        };
        let activation_code = match SubscriptionState::parse(subscription.status.as_deref()) {
            SubscriptionState::Pending => {
                notes.push(format!(
                    "eSIM {iccid}: still being provisioned, no code yet"
                ));
                None
            }
            SubscriptionState::Cancelled => {
                notes.push(format!("eSIM {iccid}: cancelled at Telness, no code"));
                None
            }
            _ => match qr_code(t, id).await? {
                QrAnswer::Code(code) => Some(code),
                QrAnswer::NotReady => {
                    notes.push(format!("eSIM {iccid}: Telness has no code ready yet"));
                    None
                }
                QrAnswer::Unusable(reason) => {
                    notes.push(format!("eSIM {iccid}: {reason}"));
                    None
                }
            },
        };
        esims.push(IssuedEsim {
            iccid,
            activation_code,
            provider_ref: Some(id.clone()),
            offering_code: offering.clone(),
        });
    }
    Ok(OrderDelivery {
        esims,
        qr_images: Vec::new(),
        source: DeliverySource::Json,
        notes,
    })
}

enum QrAnswer {
    Code(esimdesk_core::ActivationCode),
    NotReady,
    /// Refused or unreadable (never the code itself).
    Unusable(String),
}

/// `GET /subscriptions/{id}/esim/qrcode`. `qrCodeData` goes through core's parser.
async fn qr_code(t: &Telness, id: &str) -> Result<QrAnswer, ProviderError> {
    let call = Call::get(&["subscriptions", id, "esim", "qrcode"]);
    let reply = match t.http.send(&call).await {
        Ok(reply) => reply,
        Err(Failure::Status(r)) if r.status.as_u16() == assumed::QR_CODE_NOT_READY_STATUS => {
            return Ok(QrAnswer::NotReady);
        }
        Err(f) => {
            let e = map_failure(f, Op::Other, t.http.redactor());
            return if e.is_transient() {
                Err(e)
            } else {
                Ok(QrAnswer::Unusable(format!("no code: {e}")))
            };
        }
    };
    let qr: wire::QrCode = match parse(&reply.body, "QR code") {
        Ok(q) => q,
        Err(e) => return Ok(QrAnswer::Unusable(e.to_string())),
    };
    Ok(match map::activation_code(qr.qr_code_data.as_deref()) {
        Ok(code) => QrAnswer::Code(code),
        Err(reason) => QrAnswer::Unusable(reason),
    })
}

/// `GET /subscriptions/{id}/usage` (§9.4, either shape), with the subscription's status (best
/// effort) for the packages' state.
pub(super) async fn usage(t: &Telness, esim: &EsimHandle) -> Result<EsimUsage, ProviderError> {
    let id = subscription_id(esim)?;
    let reply: wire::Usage = t
        .get_json(Call::get(&["subscriptions", id, "usage"]), "usage")
        .await?;
    let state = match read(t, id).await {
        Ok(s) => {
            // A subscription id that names another eSIM must not show that eSIM's data.
            if let Ok(theirs) = iccid(&s, id)
                && theirs != esim.iccid
            {
                return Err(ProviderError::InvalidRequest {
                    message: format!(
                        "Telness subscription {id} belongs to eSIM {theirs}, not {}",
                        esim.iccid
                    ),
                });
            }
            Some(SubscriptionState::parse(s.status.as_deref()))
        }
        Err(e) => {
            tracing::info!(
                provider = "telness",
                error = e.code(),
                "subscription status not read"
            );
            None
        }
    };
    let taken_at =
        map::timestamp(reply.updated_at.as_deref()).unwrap_or_else(time::OffsetDateTime::now_utc);
    Ok(EsimUsage {
        iccid: esim.iccid.clone(),
        packages: map::usage_packages(&reply, state.as_ref(), taken_at),
        profile_status: state.as_ref().and_then(SubscriptionState::profile_status),
        taken_at,
    })
}

/// `POST /subscriptions/{id}/cancel`, no body (§9.5), sent once; then the subscription is read
/// again, its reply body being unconfirmed (open point 15).
pub(super) async fn cancel(t: &Telness, esim: &EsimHandle) -> Result<CancelOutcome, ProviderError> {
    let id = subscription_id(esim)?;
    let call = Call::new(
        Method::POST,
        &["subscriptions", id, "cancel"],
        CallKind::Once,
    );
    t.send(&call, Op::Cancel).await?;
    let message = match read(t, id).await {
        Ok(s) => match SubscriptionState::parse(s.status.as_deref()) {
            SubscriptionState::Cancelled => format!("Telness cancelled eSIM {}", esim.iccid),
            other => match s.pending_status {
                Some(p)
                    if SubscriptionState::parse(p.status.as_deref())
                        == SubscriptionState::Cancelled =>
                {
                    format!(
                        "Telness will cancel eSIM {} at {}",
                        esim.iccid,
                        clip(p.scheduled_at.as_deref().unwrap_or("a scheduled time"))
                    )
                }
                _ => format!(
                    "Telness accepted the cancellation of eSIM {}, but it still shows {}",
                    esim.iccid,
                    state_words(&other)
                ),
            },
        },
        Err(e) => format!(
            "Telness accepted the cancellation of eSIM {}; it could not be confirmed yet ({})",
            esim.iccid,
            e.code()
        ),
    };
    Ok(CancelOutcome {
        // Nothing in the reference says what happens to unused packages' money.
        refund: Refund::Unknown,
        message: Some(message),
    })
}

fn state_words(state: &SubscriptionState) -> String {
    match state {
        SubscriptionState::Pending => "pending".into(),
        SubscriptionState::Active => "active".into(),
        SubscriptionState::Suspended => "suspended".into(),
        SubscriptionState::Cancelled => "cancelled".into(),
        SubscriptionState::Unknown(raw) => format!("state {raw}"),
    }
}
