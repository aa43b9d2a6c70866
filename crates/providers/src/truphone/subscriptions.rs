//! SIMs and subscriptions (truphone.md §8): the packages on an eSIM and what is left of them,
//! the SIM's profile state, and its activation code.

use esimdesk_core::{ActivationCode, Iccid, ProfileStatus};
use time::OffsetDateTime;

use super::{Truphone, assumed, map, wire};
use crate::error::{ProviderError, clip};
use crate::http::Call;
use crate::{EsimHandle, EsimUsage};

/// `GET /v2/subscriptions?<filters>`, every page (at most [`assumed::MAX_LIST_PAGES`]).
/// Unreadable items are logged and left out.
pub(super) async fn list(
    t: &Truphone,
    filters: &[(&'static str, String)],
) -> Result<Vec<wire::Subscription>, ProviderError> {
    let mut out = Vec::new();
    for page in 1..=assumed::MAX_LIST_PAGES {
        let mut call = Call::get(&["v2", "subscriptions"]);
        for (name, value) in filters {
            call = call.query(name, value.clone());
        }
        let call = call
            .query("page", page.to_string())
            .query("page_size", assumed::SUBSCRIPTIONS_PAGE_SIZE.to_string());
        let list: wire::List = t.get_json(call, "subscription list").await?;
        let received = list.data.len();
        for raw in list.data {
            match serde_json::from_str::<wire::Subscription>(raw.get()) {
                Ok(s) => out.push(s),
                Err(e) => {
                    tracing::warn!(provider = "truphone", error = %clip(&e.to_string()), "subscription skipped")
                }
            }
        }
        let metadata = list.metadata.as_ref();
        let more = match metadata
            .and_then(|m| m.page_count)
            .and_then(wire::Number::as_u64)
        {
            Some(count) => u64::from(page) < count,
            None => {
                metadata
                    .and_then(|m| m.links.as_ref())
                    .and_then(|l| l.next.as_deref())
                    .is_some_and(|n| !n.trim().is_empty())
                    && received > 0
            }
        };
        if !more {
            return Ok(out);
        }
    }
    Err(ProviderError::malformed(
        "subscription list",
        format!("more than {} pages", assumed::MAX_LIST_PAGES),
    ))
}

/// `GET /v2/sims/{iccid}` (§8.1).
async fn sim(t: &Truphone, iccid: &Iccid) -> Result<wire::Sim, ProviderError> {
    let reply = t
        .send(
            Call::get(&["v2", "sims", iccid.as_str()]),
            super::errors::Op::Read,
        )
        .await?;
    let sim: wire::Sim = serde_json::from_slice(&reply.body)
        // The SIM holds its matching id: serde's text could quote it, so it is not shown.
        .map_err(|_| ProviderError::malformed("SIM", "not the expected JSON SIM"))?;
    if let Some(theirs) = sim.iccid.as_deref().map(str::trim)
        && !theirs.is_empty()
        && theirs != iccid.as_str()
    {
        return Err(ProviderError::malformed(
            "SIM",
            format!("asked for {iccid}, Truphone answered {}", clip(theirs)),
        ));
    }
    Ok(sim)
}

/// The SIM's activation code (§7: `_lpa` with `LPA:`, else its matching id). A code that does
/// not parse is [`ProviderError::MalformedReply`] (never quoting it).
pub(super) async fn sim_code(
    t: &Truphone,
    iccid: &Iccid,
) -> Result<Option<ActivationCode>, ProviderError> {
    let sim = sim(t, iccid).await?;
    map::sim_code(&sim).map_err(|note| ProviderError::malformed("SIM", note))
}

/// Whether the SIM is `Unavailable` (deleted or deactivated): no top-up then (§5.4, §8.1).
pub(super) async fn unavailable(t: &Truphone, esim: &EsimHandle) -> Result<bool, ProviderError> {
    let sim = sim(t, &esim.iccid).await?;
    Ok(map::profile_status(sim.status.as_deref()) == ProfileStatus::Unavailable)
}

/// Every subscription of the eSIM (§8.2) as a package with what is left, and the SIM's profile
/// state (best effort: a failed SIM read leaves it unknown).
pub(super) async fn usage(t: &Truphone, esim: &EsimHandle) -> Result<EsimUsage, ProviderError> {
    let subscriptions = list(t, &[("iccid", esim.iccid.as_str().to_owned())]).await?;
    let taken_at = OffsetDateTime::now_utc();
    let mut packages = Vec::new();
    for s in &subscriptions {
        // A filter the server ignored must not show another eSIM's data.
        if let Some(sim) = s.sim_id.as_deref().map(str::trim)
            && !sim.is_empty()
            && sim != esim.iccid.as_str()
        {
            tracing::warn!(
                provider = "truphone",
                "subscription of another SIM left out"
            );
            continue;
        }
        match map::package_usage(s, taken_at) {
            Ok(p) => packages.push(p),
            Err(reason) => {
                tracing::warn!(provider = "truphone", id = ?s.id, %reason, "subscription not shown")
            }
        }
    }
    let profile_status = match sim(t, &esim.iccid).await {
        Ok(sim) => Some(map::profile_status(sim.status.as_deref())),
        Err(e) => {
            tracing::info!(
                provider = "truphone",
                error = e.code(),
                "SIM status not read"
            );
            None
        }
    };
    Ok(EsimUsage {
        iccid: esim.iccid.clone(),
        packages,
        profile_status,
        taken_at,
    })
}
