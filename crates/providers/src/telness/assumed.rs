//! Every point of the Telness wire reference (`telness.md`) that this adapter relies on although
//! no source confirms it — marked "(assumed)" there or listed in §13 "Open points" — in one
//! place, each with the section it comes from. Values are the constants below; behaviours are
//! listed here with the function that implements them. Where the seed and the public reference
//! disagree on what Telness *sends*, the adapter reads both spellings (`wire.rs`, `map.rs`).
//!
//! When Telness confirms or corrects one of these, this file is where to look first.
//!
//! Behaviours assumed:
//!
//! - §4.1, open point 4: whether list parameters repeat or take commas is unconfirmed, so at most
//!   one value per parameter is sent: `countries` only when the query names exactly one country;
//!   regions and several countries are filtered locally (`catalogue::page`).
//! - §3 step 1: the Travel eSIM subscription offering is configured, else the first orderable
//!   `TRAVEL_ESIM` offering listed (several: the first, with a warning in the log)
//!   (`catalogue::find_subscription_offering`).
//! - §4.1, open point 2: a category's `PRODUCT_CATEGORY_` prefix is dropped before comparing
//!   (`map::category`).
//! - §5.2: the `SUBSCRIPTION` line's `subscriber.name` and `subscriber.email` are required, so a
//!   new eSIM needs the traveller's name and email ([`crate::Capabilities::requires_customer`]),
//!   checked before anything is sent (`orders::new_esim_cart`).
//! - §6: a dry run without a traveller is a price check: priced for [`PRICE_CHECK_TRAVELLER`],
//!   then cancelled; it leaves no draft (`orders::validate_new`).
//! - Open point 16: with a configured desk `customerId`, carts name it; without one, a new-eSIM
//!   cart carries §5.1's new-customer object for the traveller (`orders::new_esim_cart`).
//! - §5.4: a top-up cart names the subscription's own customer (read from it), else the desk's
//!   configured customer (`orders::top_up_cart`).
//! - §5.3, open point 10: any 2xx answers a create (the shared HTTP client).
//! - §8.1, open point 11: `409` on submit means the order is no longer `PENDING`/`CONFIGURED` (or
//!   the submit key came with another body). That may be *because* an earlier submit of the same
//!   sale went through, so it is [`crate::ProviderError::OutcomeUnknown`] and reconciliation reads
//!   the order; `412` (the payment precondition) is a refusal: nothing was bought
//!   (`errors::map_reply`).
//! - §8.2: `FAILED` ([`FAILED_STATE`]) is read as a failure; any other unknown state (e.g.
//!   `PENDING_PAYMENT`) is unrecognised: keep polling, then reconcile (`map::order_status`).
//! - §9.1, open point 8: the packages of a subscription (`addons[]`) are never read; usage is the
//!   authoritative read (`map::usage_packages`).
//! - §9.5, open point 15: the cancel-subscription reply body is unconfirmed, so after a `2xx` the
//!   subscription is read again (`subscriptions::cancel`).
//! - §11, open point 9: error bodies are `{message, code, details[{message, code, property,
//!   suggestion}], hint}`; any other body is read for a plain `message` or its text
//!   (`errors::describe`). `Retry-After` on `429` is honoured when present (the shared HTTP
//!   client).

/// §3 (assumed application of §1's optional `X-Idempotency-Key`): the cart (`POST /orders`) is
/// sent with the key `<client reference>-order` ...
pub(super) const CART_KEY_SUFFIX: &str = "-order";

/// §6, §5.2: a price check before the traveller is known (the checkout screen shows the exact
/// total before the customer's details are typed) prices a cart for this placeholder traveller,
/// then cancels it; it is never submitted, and never the draft a sale submits. `.invalid` is a
/// reserved top-level domain: no mail can reach it.
pub(super) const PRICE_CHECK_TRAVELLER: (&str, &str) =
    ("Price check", "price-check@example.invalid");

/// ... and the submit (`POST /orders/{id}/submit`) with `<client reference>-submit`, so that a
/// sale's two mutating requests never share a key (a shared key with a different body is a
/// `409`, §1).
pub(super) const SUBMIT_KEY_SUFFIX: &str = "-submit";

/// §1 and §4.1 (assumed): 1 GB = 1024 MB = 1024³ bytes. The reference's usage example (limits of
/// `5368709120` = 5 × 1024³ bytes) is the only hint. `features.dataMb` is therefore read as
/// binary megabytes, and the seed's `dataGb` (open point 3) as `dataGb × 1024` of them.
pub(super) const MB_PER_GB: u64 = 1024;

/// §4.1 (assumed): only offerings with this `status` can be ordered; others are left out of the
/// catalogue. An offering without a `status` is kept (the seed's examples carry none).
pub(super) const ORDERABLE_STATUS: &str = "AVAILABLE";

/// §4.1 (assumed): travel packages are priced `ONE_TIME`. An offering with another `priceType`
/// (a recurring price) is not a package a desk can sell over the counter: skipped with a reason.
pub(super) const ONE_TIME_PRICE: &str = "ONE_TIME";

/// §5.1 (assumed): the desk's sale reference travels in the order's `metadata` under this key
/// (the reference's own example), and is read back from it into
/// [`crate::PlacedOrder::client_reference`].
pub(super) const SALE_REFERENCE_KEY: &str = "deskSaleRef";

/// §5.1 (notes: 3rd-party) and open point 16 (assumed): without a configured desk customer id a
/// new-eSIM cart carries a new customer object `{name, customerType, referenceId, contact:
/// {email}}` for the traveller, with this customer type.
pub(super) const NEW_CUSTOMER_TYPE: &str = "CONSUMER";

/// §5.2 (assumed): the line-item ids are the client's to choose, unique within the order. The
/// adapter numbers them: `esim-1` / `package-1`, `esim-2` / `package-2`, ..., and `topup-package`
/// for a top-up's single line (the reference's own example name).
pub(super) const SUBSCRIPTION_LINE_PREFIX: &str = "esim-";
pub(super) const PACKAGE_LINE_PREFIX: &str = "package-";
pub(super) const TOP_UP_LINE_ID: &str = "topup-package";

/// A desk choice, not a Telness limit (none is documented): the most eSIMs one sale asks for.
/// Each eSIM is two lines (container + package), so this keeps a cart small.
pub(super) const MAX_ESIMS_PER_ORDER: u32 = 5;

/// §8.4 (assumed): the cancel page shows a request body whose fields are not confirmed; `{}` is
/// sent.
pub(super) const CANCEL_ORDER_BODY: &[u8] = b"{}";

/// §9.4 open point 6 (assumed unit): the seed's `dataUsed` / `dataRemaining` are bytes, like the
/// reference's `dataBytes`.
pub(super) const SEED_USAGE_UNIT_BYTES: u64 = 1;

/// §9.3 (assumed): the QR code endpoint answers `409` while the subscription is still `PENDING`:
/// "not ready yet", a note rather than a failure.
pub(super) const QR_CODE_NOT_READY_STATUS: u16 = 409;

/// Open point 13: no rate limit is documented. The desk keeps itself to this many requests per
/// second per account (evenly spaced), well below anything a partner API would object to.
pub(super) const DEFAULT_REQUESTS_PER_SECOND: u32 = 5;

/// §8.2 (notes: 3rd-party): `FAILED` is not in the reference's order-state enum; read as a
/// failure when it appears. Any other unknown state (e.g. `PENDING_PAYMENT`) is "unrecognised:
/// keep polling, then reconcile".
pub(super) const FAILED_STATE: &str = "FAILED";
