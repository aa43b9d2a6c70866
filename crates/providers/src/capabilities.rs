//! What each provider can do, so the UI hides what it cannot.

use serde::{Deserialize, Serialize};

/// One flag per thing a desk may want from a provider. A `false` flag means the matching
/// [`crate::Provider`] method returns [`crate::ProviderError::Unsupported`] (or, for the
/// "how" flags, that the desk must do that step itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Capabilities {
    /// The provider prices an order without buying it ([`crate::Provider::validate_order`],
    /// and [`crate::Provider::validate_top_up`] where `top_up` is set too): the desk can show
    /// the exact amount it will be charged before taking payment.
    pub validate_order: bool,
    /// A sale's dry run (with its customer) leaves a priced draft at the provider, and the
    /// purchase submits exactly that draft ([`crate::ValidatedOrder::draft`]): the app journals
    /// the draft's id before submitting and always makes that dry run itself (a price check
    /// shown earlier, without the customer, leaves no draft).
    pub draft_orders: bool,
    /// Orders are fulfilled asynchronously: after placing one, poll
    /// [`crate::Provider::order_status`] until it is final.
    pub async_provisioning: bool,
    /// The provider deduplicates a repeated purchase with the same client reference
    /// (idempotency key), so resending an identical request after a lost reply is safe.
    pub idempotent_orders: bool,
    /// The provider stores the desk's client reference with the order, so
    /// [`crate::Provider::find_order`] matches it exactly. When `false`, `find_order` lists
    /// recent orders and matches them by contents and time: candidates, not proof.
    pub order_lookup_by_reference: bool,
    /// The order carries the desk's own payment reference (card terminal receipt).
    pub payment_reference: bool,
    /// Orders need the customer's name (and email) at the provider.
    pub requires_customer: bool,
    /// A bundle download exists: a ZIP of QR code PNGs plus a CSV
    /// ([`crate::OrderDelivery::qr_images`] filled).
    pub qr_bundle_download: bool,
    /// [`crate::Provider::usage`]: remaining data per package.
    pub usage: bool,
    /// Packages can be added to an existing eSIM ([`crate::Provider::place_top_up`]).
    pub top_up: bool,
    /// The provider says whether a given package fits a given eSIM
    /// ([`crate::Provider::check_top_up`]).
    pub top_up_compatibility: bool,
    /// An order can be cancelled before it is fulfilled ([`crate::CancelTarget::Order`]).
    pub cancel_order: bool,
    /// A package can be revoked from an eSIM, possibly refunded ([`crate::CancelTarget::Package`]).
    pub revoke_package: bool,
    /// The whole eSIM can be cancelled ([`crate::CancelTarget::Esim`]).
    pub cancel_esim: bool,
    /// [`crate::Provider::balance`]: the prepaid account balance.
    pub balance: bool,
    /// The provider can push the profile to a phone given its EID.
    pub eid_push_install: bool,
    /// The provider words installation steps per language
    /// ([`crate::Provider::installation_instructions`]).
    pub install_instructions: bool,
    /// The provider lists the phone models its eSIMs work on
    /// ([`crate::Provider::compatible_devices`]).
    pub device_list: bool,
}

/// What a provider can do, known without an account or a key (it depends on the adapter
/// alone); `None` for a provider this version has no adapter for.
pub fn of(kind: esimdesk_core::ProviderKind) -> Option<Capabilities> {
    match kind {
        esimdesk_core::ProviderKind::Esimgo => Some(crate::esimgo::CAPABILITIES),
        esimdesk_core::ProviderKind::Telness => Some(crate::telness::CAPABILITIES),
        esimdesk_core::ProviderKind::Truphone => Some(crate::truphone::CAPABILITIES),
        esimdesk_core::ProviderKind::Itt => Some(crate::itt::CAPABILITIES),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_nothing() {
        let c = Capabilities::default();
        assert!(!c.validate_order && !c.top_up && !c.balance);
    }
}
