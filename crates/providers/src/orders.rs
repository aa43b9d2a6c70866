//! Order requests and results: purchases and top-ups as the desk asks for them, the provider's
//! dry-run prices, placed orders and their status, and the lookup after a lost reply, in core
//! types (never wire types).

use esimdesk_core::{
    ActivationCode, Country, Customer, Iccid, Money, MoneyError, Order, OrderKind, OrderState,
};
use time::OffsetDateTime;

use crate::esims::EsimHandle;

/// One line to buy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine {
    /// The offering's provider code ([`esimdesk_core::Offering::code`]).
    pub offering_code: String,
    pub quantity: u32,
}

impl RequestLine {
    /// The lines of a journaled order, as a provider is asked for them.
    pub fn all_of(order: &Order) -> Vec<RequestLine> {
        order
            .lines
            .iter()
            .map(|l| RequestLine {
                offering_code: l.offering_code.clone(),
                quantity: l.quantity,
            })
            .collect()
    }
}

/// A purchase of new eSIMs, as the desk asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    /// The desk's journal reference: sent wherever the provider has a field for it (or as its
    /// idempotency key), and what [`crate::Provider::find_order`] looks for after a lost reply.
    pub client_reference: String,
    pub lines: Vec<RequestLine>,
    /// What the desk quoted (the provider cost it expects to pay). Adapters do not compare it:
    /// the app runs the dry run ([`crate::Provider::validate_order`]) and its price rule before
    /// placing the order, so that nothing sits between "submitted" and the purchase request.
    pub quoted_total: Money,
    /// The traveller, for providers that register the eSIM to a person.
    pub customer: Option<Customer>,
    /// The desk's payment reference (card terminal receipt), for providers that record it.
    pub payment_reference: Option<String>,
    /// The country of sale, for providers that ask.
    pub sale_country: Option<Country>,
    /// The provider's draft this purchase submits ([`ValidatedOrder::draft`]), for providers
    /// whose dry run creates one (a priced cart): the app records it in the journal before it
    /// submits, so a lost reply is settled by reading that very order. `None`: the adapter
    /// builds what it submits itself.
    pub draft: Option<String>,
    /// The traveller's iPhone, by its EID, for providers that push the profile to it
    /// ([`crate::Capabilities::eid_push_install`]); the activation code comes as well.
    pub push_to_iphone: Option<esimdesk_core::Eid>,
}

impl OrderRequest {
    /// The request for a journaled new-eSIM order; the quote is its total cost.
    pub fn from_order(order: &Order) -> Result<Self, MoneyError> {
        Ok(OrderRequest {
            client_reference: order.client_reference.clone(),
            lines: RequestLine::all_of(order),
            quoted_total: order.total_cost()?,
            customer: order.customer.clone(),
            payment_reference: order.payment_reference.clone(),
            sale_country: None,
            draft: None,
            push_to_iphone: None,
        })
    }
}

/// A package added to an existing eSIM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUpRequest {
    pub client_reference: String,
    pub esim: EsimHandle,
    pub offering_code: String,
    /// What the desk quoted; compared by the app, not the adapter (see [`OrderRequest`]).
    pub quoted_total: Money,
    pub payment_reference: Option<String>,
    /// As [`OrderRequest::draft`].
    pub draft: Option<String>,
    /// The country of sale, for providers that ask (as [`OrderRequest::sale_country`]).
    pub sale_country: Option<Country>,
}

/// The provider's dry-run answer: the price it would charge now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedOrder {
    pub total: Money,
    pub lines: Vec<PricedLine>,
    /// The provider's id of the priced draft order (a cart), where its dry run creates one: the
    /// purchase submits exactly this draft (see [`OrderRequest::draft`]). `None` for providers
    /// whose dry run leaves nothing behind.
    pub draft: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub offering_code: String,
    pub quantity: u32,
    pub unit_price: Option<Money>,
    pub subtotal: Option<Money>,
}

/// Where a placed order stands at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderStatus {
    /// A draft (cart) that was never submitted: nothing was bought, and it can still be
    /// cancelled so that a late submit cannot land.
    Draft,
    /// Accepted, being fulfilled: poll again.
    Provisioning,
    /// Fulfilled: eSIMs and codes exist.
    Completed,
    /// Refused or failed at the provider; nothing delivered.
    Failed { reason: Option<String> },
    /// Cancelled at the provider.
    Cancelled,
    /// A status text the adapter does not know; treated as still in progress.
    Unrecognised { raw: String },
}

impl OrderStatus {
    /// The journal state this status moves an order to.
    pub fn order_state(&self) -> OrderState {
        match self {
            // Not sent as far as the provider knows; reconciliation decides (after its grace
            // period, a late submit being possible) whether to cancel the draft and fail it.
            OrderStatus::Draft => OrderState::Submitted,
            OrderStatus::Provisioning | OrderStatus::Unrecognised { .. } => {
                OrderState::Provisioning
            }
            OrderStatus::Completed => OrderState::Completed,
            OrderStatus::Failed { .. } => OrderState::Failed,
            OrderStatus::Cancelled => OrderState::Cancelled,
        }
    }

    pub fn is_final(&self) -> bool {
        self.order_state().is_final()
    }
}

/// An eSIM an order produced (or a top-up landed on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedEsim {
    pub iccid: Iccid,
    /// `None` when the provider has not given it yet (or gave one that does not parse: see the
    /// order's notes).
    pub activation_code: Option<ActivationCode>,
    /// The provider's own id for the eSIM, where calls need it (see [`EsimHandle`]).
    pub provider_ref: Option<String>,
    /// The offering it was bought with, where the reply says.
    pub offering_code: Option<String>,
}

impl IssuedEsim {
    pub fn handle(&self) -> EsimHandle {
        EsimHandle {
            iccid: self.iccid.clone(),
            provider_ref: self.provider_ref.clone(),
        }
    }
}

/// A line of a placed order as the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedLine {
    pub offering_code: String,
    pub quantity: u32,
    /// The eSIMs the line went on.
    pub iccids: Vec<Iccid>,
}

/// A purchase the provider knows about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedOrder {
    /// The provider's id for the order (eSIM Go `orderReference`).
    pub provider_reference: String,
    /// The desk's reference, when the provider stored and returned it.
    pub client_reference: Option<String>,
    pub kind: OrderKind,
    pub status: OrderStatus,
    /// What the provider charged.
    pub total: Option<Money>,
    pub created_at: Option<OffsetDateTime>,
    pub lines: Vec<PlacedLine>,
    pub esims: Vec<IssuedEsim>,
    /// Things in the reply that could not be used (an ICCID that fails its check digit, a code
    /// that does not parse), for the agent and the log. Never contains a full activation code.
    pub notes: Vec<String>,
}

impl PlacedOrder {
    /// Whether the order holds exactly these offerings in these quantities, in any order (and at
    /// least one line): what a lost reply's order must hold to be considered at all.
    pub fn has_lines(&self, wanted: &[RequestLine]) -> bool {
        let mut placed: Vec<(&str, u32)> = self
            .lines
            .iter()
            .map(|l| (l.offering_code.as_str(), l.quantity))
            .collect();
        let mut wanted: Vec<(&str, u32)> = wanted
            .iter()
            .map(|l| (l.offering_code.as_str(), l.quantity))
            .collect();
        placed.sort_unstable();
        wanted.sort_unstable();
        !placed.is_empty() && placed == wanted
    }
}

/// What [`crate::Provider::find_order`] looks for after a lost purchase reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLookup {
    pub client_reference: String,
    pub kind: OrderKind,
    pub lines: Vec<RequestLine>,
    /// For a top-up: the eSIM it went on.
    pub esim: Option<EsimHandle>,
    /// When the purchase was sent (from the journal). Orders created well before it are ignored.
    pub sent_at: OffsetDateTime,
    /// The traveller's email, where the sale recorded one (Truphone finds eSIMs by it, §3).
    pub customer_email: Option<String>,
}

impl OrderLookup {
    pub fn for_order(request: &OrderRequest, sent_at: OffsetDateTime) -> Self {
        OrderLookup {
            client_reference: request.client_reference.clone(),
            kind: OrderKind::NewEsim,
            lines: request.lines.clone(),
            esim: None,
            sent_at,
            customer_email: request.customer.as_ref().and_then(|c| c.email.clone()),
        }
    }

    pub fn for_top_up(request: &TopUpRequest, sent_at: OffsetDateTime) -> Self {
        OrderLookup {
            client_reference: request.client_reference.clone(),
            kind: OrderKind::TopUp,
            lines: vec![RequestLine {
                offering_code: request.offering_code.clone(),
                quantity: 1,
            }],
            esim: Some(request.esim.clone()),
            sent_at,
            customer_email: None,
        }
    }
}

/// How sure a [`crate::Provider::find_order`] match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchBasis {
    /// The provider returned the desk's client reference with the order.
    ClientReference,
    /// Same offerings, quantities (and eSIM for a top-up), created after the purchase was sent:
    /// likely, but another sale of the same package at the same time would match too.
    ContentsAndTime,
}

/// A candidate for the order behind a lost reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderMatch {
    pub order: PlacedOrder,
    pub basis: MatchBasis,
    /// Another client reference the provider holds for this order (eSIM Go: a non-empty
    /// `customerRef` on one of its eSIMs that is not the lookup's): another desk sharing the
    /// account has claimed it, so it is not this desk's purchase. `None` when nothing says so.
    pub foreign_reference: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use esimdesk_core::{Currency, OrderLine, ProviderKind};

    #[test]
    fn request_from_journaled_order() {
        let usd = Currency::parse("USD").unwrap();
        let order = Order {
            client_reference: "desk-7".into(),
            provider: ProviderKind::Esimgo,
            kind: OrderKind::NewEsim,
            lines: vec![OrderLine {
                offering_code: "esim_1GB_7D_NL_V2".into(),
                quantity: 2,
                unit_cost: Money::from_minor(165, usd),
                unit_retail: Money::from_minor(500, usd),
                iccid: None,
            }],
            customer: None,
            payment_reference: Some("term-1".into()),
            state: OrderState::Journaled,
            provider_reference: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
        };
        let req = OrderRequest::from_order(&order).unwrap();
        assert_eq!(req.quoted_total, Money::from_minor(330, usd));
        assert_eq!(req.lines[0].quantity, 2);
        assert_eq!(req.payment_reference.as_deref(), Some("term-1"));
    }

    #[test]
    fn statuses_map_to_journal_states() {
        assert_eq!(OrderStatus::Completed.order_state(), OrderState::Completed);
        assert_eq!(
            OrderStatus::Unrecognised {
                raw: "weird".into()
            }
            .order_state(),
            OrderState::Provisioning
        );
        assert!(OrderStatus::Failed { reason: None }.is_final());
        assert!(!OrderStatus::Provisioning.is_final());
    }
}
