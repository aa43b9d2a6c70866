//! Requests and results of [`crate::Provider`] calls, in core types (never wire types).

use std::fmt;

use bytes::Bytes;
use esimdesk_core::{
    ActivationCode, Country, Customer, DataAmount, Iccid, Money, MoneyError, Offering, Order,
    OrderKind, OrderState, Package, ProfileStatus, Region,
};
use time::OffsetDateTime;

// ---------------------------------------------------------------------------------------------
// Catalogue

/// Which offerings to list. Empty means everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueQuery {
    /// Offerings usable in at least one of these countries.
    pub countries: Vec<Country>,
    /// Offerings sold for this region (or whose countries lie in it).
    pub region: Option<Region>,
    /// Free text the provider matches against its descriptions, where it can.
    pub text: Option<String>,
}

impl CatalogueQuery {
    pub fn all() -> Self {
        CatalogueQuery::default()
    }

    pub fn country(country: Country) -> Self {
        CatalogueQuery {
            countries: vec![country],
            ..CatalogueQuery::default()
        }
    }

    /// Whether an offering passes the parts of the query an adapter applies locally.
    pub fn matches(&self, offering: &Offering) -> bool {
        let country_ok =
            self.countries.is_empty() || self.countries.iter().any(|c| offering.covers(*c));
        let region_ok = match self.region {
            None => true,
            Some(wanted) => match offering.region {
                Some(r) => wanted.contains_region(r),
                None => {
                    !offering.countries.is_empty()
                        && offering
                            .countries
                            .iter()
                            .all(|c| wanted.contains_region(c.home_region()))
                }
            },
        };
        country_ok && region_ok
    }
}

/// Where the next catalogue page starts; opaque to callers (a page number for eSIM Go, a cursor
/// for Telness).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageToken(pub String);

/// One page of a provider's catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CataloguePage {
    pub offerings: Vec<Offering>,
    /// Items of this page that could not be read, with the reason (kept out of `offerings`
    /// rather than failing the whole sync).
    pub skipped: Vec<SkippedItem>,
    /// `None` on the last page.
    pub next: Option<PageToken>,
    /// 1-based number of this page.
    pub page: u32,
    /// Number of pages, when the provider says.
    pub page_count: Option<u32>,
    /// Number of matching items across all pages, when the provider says.
    pub total_items: Option<u64>,
}

/// A catalogue item that could not be mapped to an [`Offering`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedItem {
    /// The provider's id for the item, when it had one.
    pub code: Option<String>,
    pub reason: String,
}

/// Progress of a whole-catalogue walk, reported after each page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueProgress {
    pub pages_done: u32,
    pub page_count: Option<u32>,
    pub offerings_so_far: usize,
}

/// The whole catalogue for a query, every page read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    pub offerings: Vec<Offering>,
    pub skipped: Vec<SkippedItem>,
    pub pages: u32,
}

// ---------------------------------------------------------------------------------------------
// Orders

/// One line to buy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine {
    /// The offering's provider code ([`Offering::code`]).
    pub offering_code: String,
    pub quantity: u32,
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
}

impl OrderRequest {
    /// The request for a journaled new-eSIM order; the quote is its total cost.
    pub fn from_order(order: &Order) -> Result<Self, MoneyError> {
        Ok(OrderRequest {
            client_reference: order.client_reference.clone(),
            lines: order
                .lines
                .iter()
                .map(|l| RequestLine {
                    offering_code: l.offering_code.clone(),
                    quantity: l.quantity,
                })
                .collect(),
            quoted_total: order.total_cost()?,
            customer: order.customer.clone(),
            payment_reference: order.payment_reference.clone(),
            sale_country: None,
        })
    }
}

/// An eSIM as a provider addresses it: the ICCID, plus the provider's own id where its API keys
/// calls by something else (a Telness subscription id, an ITT booking tracking id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EsimHandle {
    pub iccid: Iccid,
    pub provider_ref: Option<String>,
}

impl EsimHandle {
    pub fn iccid(iccid: Iccid) -> Self {
        EsimHandle {
            iccid,
            provider_ref: None,
        }
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
}

/// The provider's dry-run answer: the price it would charge now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedOrder {
    pub total: Money,
    pub lines: Vec<PricedLine>,
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
}

impl OrderLookup {
    pub fn for_order(request: &OrderRequest, sent_at: OffsetDateTime) -> Self {
        OrderLookup {
            client_reference: request.client_reference.clone(),
            kind: OrderKind::NewEsim,
            lines: request.lines.clone(),
            esim: None,
            sent_at,
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

// ---------------------------------------------------------------------------------------------
// Delivery

/// How an order's codes were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliverySource {
    /// A ZIP of QR code PNGs with a CSV.
    QrBundle,
    /// A JSON list of install details.
    Json,
    /// The order itself carried them.
    Order,
}

/// A QR code image from a provider's bundle download; the app decodes it and checks it against
/// the codes (file names are not trusted).
#[derive(Clone, PartialEq, Eq)]
pub struct QrImage {
    pub file_name: String,
    pub png: Bytes,
}

impl fmt::Debug for QrImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QrImage({}, {} bytes)", self.file_name, self.png.len())
    }
}

/// The activation codes of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDelivery {
    pub esims: Vec<IssuedEsim>,
    pub qr_images: Vec<QrImage>,
    pub source: DeliverySource,
    /// Rows or items that could not be used, with the reason (no full codes).
    pub notes: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Usage, top-ups, cancellation, balance

/// A package on an eSIM with the provider's handle for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageUsage {
    pub package: Package,
    /// What the provider calls this application of the package (eSIM Go assignment id), needed
    /// to revoke exactly it.
    pub assignment_id: Option<String>,
    pub assigned_at: Option<OffsetDateTime>,
    /// Data at assignment, when reported separately from the allowance.
    pub initial: Option<DataAmount>,
}

/// The packages of one eSIM and what is left on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsimUsage {
    pub iccid: Iccid,
    pub packages: Vec<PackageUsage>,
    pub profile_status: Option<ProfileStatus>,
    pub taken_at: OffsetDateTime,
}

/// Whether a package fits an existing eSIM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopUpCheck {
    Compatible,
    Incompatible,
    /// The provider cannot tell beforehand.
    Unknown,
}

/// What to cancel or revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelTarget {
    /// An order not yet fulfilled.
    Order { provider_reference: String },
    /// One package on an eSIM. An unused package inside the provider's refund window goes back
    /// to the provider's inventory (eSIM Go documents no way to learn the `offerId` a refund to
    /// the balance needs, esimgo.md §8.3).
    Package {
        esim: EsimHandle,
        offering_code: String,
        /// The exact application to revoke ([`PackageUsage::assignment_id`]): never "whichever
        /// the provider picks".
        assignment_id: String,
    },
    /// The whole eSIM.
    Esim { esim: EsimHandle },
}

/// Where the money of a cancelled item went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refund {
    ToBalance,
    ToInventory,
    None,
    /// The provider did not say.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelOutcome {
    pub refund: Refund,
    /// The provider's own words, for the agent.
    pub message: Option<String>,
}

/// The prepaid account at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountBalance {
    /// What can be spent now (eSIM Go: balance including test credit).
    pub available: Money,
    pub test_credit: Option<Money>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use esimdesk_core::{ActivationType, Currency, DataAllowance, OrderLine, ProviderKind};

    fn offering(countries: &[&str], region: Option<Region>) -> Offering {
        Offering {
            provider: ProviderKind::Esimgo,
            code: "x".into(),
            name: "x".into(),
            countries: countries
                .iter()
                .map(|c| Country::parse(c).unwrap())
                .collect(),
            region,
            data: DataAllowance::Unlimited,
            validity_days: 1,
            cost: Money::zero(Currency::parse("USD").unwrap()),
            activation: ActivationType::Unknown,
            speeds: vec![],
            top_up: true,
        }
    }

    #[test]
    fn query_matches_countries_and_regions() {
        let nl = offering(&["NL"], Some(Region::Europe));
        let us = offering(&["US"], None);
        let fr = Country::parse("FR").unwrap();
        assert!(CatalogueQuery::all().matches(&nl));
        assert!(!CatalogueQuery::country(fr).matches(&nl));
        assert!(CatalogueQuery::country(Country::parse("NL").unwrap()).matches(&nl));
        let americas = CatalogueQuery {
            region: Some(Region::Americas),
            ..CatalogueQuery::default()
        };
        assert!(americas.matches(&us));
        assert!(!americas.matches(&nl));
    }

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
