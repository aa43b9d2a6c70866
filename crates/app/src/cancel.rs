//! Cancelling: revoking a package from an eSIM, where the provider allows it. Recorded in the
//! audit log; the provider decides about any refund and says so.

use esimdesk_core::Iccid;
use esimdesk_providers::{CancelTarget, EsimHandle, Refund};
use serde::Serialize;
use ts_rs::TS;

use crate::AppError;
use crate::desk::Desk;

/// Where the money of a revoked package went, as the provider reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RefundView {
    /// Back to the desk's prepaid balance at the provider.
    ToBalance,
    /// Back to the desk's inventory at the provider, to be used again.
    ToInventory,
    /// Not refunded (it had been used or was too old).
    None,
    /// The provider did not say.
    Unknown,
}

impl From<Refund> for RefundView {
    fn from(r: Refund) -> Self {
        match r {
            Refund::ToBalance => RefundView::ToBalance,
            Refund::ToInventory => RefundView::ToInventory,
            Refund::None => RefundView::None,
            Refund::Unknown => RefundView::Unknown,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RevokeOutcome {
    pub iccid: String,
    pub offering_code: String,
    pub refund: RefundView,
    /// The provider's own words.
    pub message: Option<String>,
}

/// Revokes one package (the provider's oldest unused one of that offering) from an eSIM this desk
/// holds. Refused, changing nothing, when the eSIM's provider cannot revoke packages.
pub async fn revoke_package(
    desk: &Desk,
    iccid: &str,
    offering_code: &str,
) -> Result<RevokeOutcome, AppError> {
    let iccid = Iccid::parse(iccid)?;
    let offering_code = offering_code.trim();
    if offering_code.is_empty() {
        return Err(AppError::InvalidInput {
            field: "package".into(),
            message: "choose the package to revoke".into(),
        });
    }
    let held = desk
        .store()
        .esim(&iccid)?
        .ok_or_else(|| AppError::UnknownEsim(iccid.to_string()))?;
    let provider = desk.provider(&held.account_id)?;
    if !provider.capabilities().revoke_package {
        return Err(provider.unsupported("revoking a package").into());
    }
    let outcome = provider
        .cancel(&CancelTarget::Package {
            esim: EsimHandle {
                iccid: iccid.clone(),
                provider_ref: held.provider_ref.clone(),
            },
            offering_code: offering_code.to_owned(),
            assignment_id: None,
            // The provider's default (eSIM Go: back to inventory); a refund to the balance
            // needs details of the original offer this desk does not keep.
            refund_to_balance: false,
        })
        .await?;
    let refund = RefundView::from(outcome.refund);
    desk.store().audit(
        &desk.actor(),
        "package.revoke",
        &format!(
            "eSIM {iccid}: {offering_code} revoked via {} (refund: {refund:?}){}",
            held.account_id,
            outcome
                .message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
    )?;
    tracing::info!(iccid = %iccid, offering = offering_code, ?refund, "package revoked");
    Ok(RevokeOutcome {
        iccid: iccid.to_string(),
        offering_code: offering_code.to_owned(),
        refund,
        message: outcome.message,
    })
}
