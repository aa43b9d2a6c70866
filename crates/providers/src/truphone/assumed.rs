//! Every point of the Truphone Connect v2 wire reference (`truphone.md`) that this adapter relies
//! on although no source confirms it — marked "(assumed)" there or listed in §10 "Open points" —
//! in one place, each with the section it comes from. Values are the constants below; behaviours
//! are listed here with the function that implements them. Where the reference shows two shapes
//! of what Truphone *sends*, the adapter reads both (`wire.rs`, `map.rs`).
//!
//! When Truphone confirms or corrects one of these, this file is where to look first (and
//! `footprints.rs` for coverage zones, open point 2).
//!
//! Behaviours assumed:
//!
//! - §1, §2: the token endpoint lives on the API's host: the API base's last path segment
//!   (`connect-api` live) is replaced by [`TOKEN_PATH`] (`TruphoneConfig::with_base_url`). The
//!   simulator serves the same shape under its own prefix.
//! - §2: credentials go in the form body (`client_id`, `client_secret`), the form the public
//!   documentation shows; HTTP Basic (the PHP client's form) is not used (`auth::Auth::grant`).
//! - §2, open point 3: the token reply is standard OAuth2/Keycloak (`expires_in`,
//!   `refresh_token`, `refresh_expires_in`, `token_type: Bearer`); lifetimes absent from it are
//!   the documented ones ([`DEFAULT_ACCESS_LIFETIME_SECS`], [`DEFAULT_REFRESH_LIFETIME_SECS`]).
//!   A refused refresh (`400 invalid_grant`, or any `400`/`401`) falls back to client
//!   credentials (`auth::Auth::token`).
//! - §2: on an API `401` the cached token is dropped, a new one is fetched with client
//!   credentials (not the refresh token, which belongs to the refused session) and the same
//!   request is sent once more with the same `X-Correlation-ID` — the order `POST` included,
//!   because a `401` is a refusal before anything was done (`Truphone::send`).
//! - §3: the journal's client reference is the `X-Correlation-ID` of `POST /v2/orders`; Truphone
//!   is not known to store it, so it is a trace for Truphone support, not a lookup key.
//! - §4: products are paged with `page`/`page_size` ([`PRODUCTS_PAGE_SIZE`]); paging stops at
//!   `page == page_count`, or, without `page_count`, when no `_next` link is given.
//! - §4: `GET /v2/products/{id}` answers one list item; the id goes in the path as one
//!   percent-encoded segment (`=`, `-` and `_` are legal in a segment and stay as they are).
//! - §4: every eSIM product can also be bought as a top-up (§5.4 takes any product id).
//! - §4: `duration_unit` `DAYS` is documented; `MONTHS` counts [`DAYS_PER_MONTH`] days; any other
//!   unit skips the product with its reason. `data_unit` `MB` is documented, `GB` is read as
//!   [`MB_PER_GB`] MB, and 1 MB as 1024² bytes (the reference's client note: balances in bytes
//!   are multiples of 1024³); other units skip the product.
//! - §5.1: `country` (the country of sale) is required for `ACTIVATION`: the request's
//!   `sale_country`, else the account's configured one; with neither, the sale is refused before
//!   anything is sent. A `TOPUP` sends it when known and omits it otherwise (§5.4's text names
//!   only the product and the ICCID).
//! - §5.1: `subscriber.country_of_residence` is required for `ACTIVATION`; the desk does not ask
//!   the traveller for it, so the country of sale is sent (a travel agency's walk-in customer
//!   usually lives where the desk is).
//! - §5.1: `first_name` / `last_name` are the customer's name split at its first white space
//!   ("Ana María García" → "Ana" / "María García"); a name of one word is refused before
//!   sending (both fields are required).
//! - §5.1, §7: push install sends `device.operating_system` = [`PUSH_INSTALL_OS`] with the EID
//!   (`OrderRequest::push_to_iphone`, `Truphone::place_order_with_push_install`); a sale without it sends no EID (no push).
//! - §5.2, open point 5: any `2xx` is an accepted order; links are read from `_metadata.links`
//!   and `_metadata._links` alike.
//! - §5.5: a voucher code (`output.data.code`) has no field in the desk's answer: the order's
//!   notes say one exists (without the code).
//! - §6: a `TOPUP` order's `output` has `iccid` and `subscription_id` but no `matching_id`; an
//!   order reply without `operation_type` whose completed output has no `matching_id` is read as
//!   a top-up (`map::placed_order`).
//! - §6, open point 6: a `FAILED` order carries `error: {type, messages}`; its messages are the
//!   failure's reason (`map::failure_reason`).
//! - §7: `_smdp` is always `rsp.truphone.com` (seed 004): when an order gives `matching_id` but
//!   neither `_smdp` nor `_lpa`, [`DEFAULT_SMDP`] completes the code.
//! - §8.2: `GET /v2/subscriptions` accepts its filters in any combination (`product-id` and
//!   `after` without `email`: the lookup after a lost reply has no customer email, see
//!   `reconcile.rs`), `after` bounds `created_date`, and dates are sent as
//!   `yyyy-MM-ddTHH:mm:ssZ` in UTC ([`format_instant`]).
//! - §8.2: a package's state: `PENDING`/`PENDING_USAGE` queued, `ACTIVE` active, `DEPLETED`
//!   depleted, `EXPIRED` expired; balances are bytes (`balance_units` absent or `Bytes`);
//!   remaining = `current_balance`, else `initial_balance − spend_balance`.
//! - §8.1: a SIM's `status` is its profile state (`Released`, `Downloaded`, `Installed`,
//!   `Unavailable`); `Unavailable` takes no top-up (§5.4).
//! - §9, open point 13: the error body is `{type, messages[]}`; the HTTP status decides first,
//!   the `type` refines statuses the table does not list; `NOT_FOUND` (404) for unknown ids.
//! - Open point 12: the per-minute rate limit is unpublished: the desk keeps to
//!   [`DEFAULT_REQUESTS_PER_MINUTE`].
//! - Desk convention (not Truphone's): an order found by reconciliation is known only by its
//!   subscription, so its provider reference is [`SUBSCRIPTION_REFERENCE_PREFIX`]`<iccid>:<id>`;
//!   `order_status` and `activation_codes` read such a reference from the subscription and the
//!   SIM instead of `GET /v2/orders/{id}`.

use time::{OffsetDateTime, UtcOffset};

/// §1, §2: the token endpoint's path relative to the host, replacing the API base's last
/// segment (`https://services.truphone.com/connect-api` →
/// `https://services.truphone.com/auth/realms/tru-staff/protocol/openid-connect/token`).
pub(super) const TOKEN_PATH: &str = "auth/realms/tru-staff/protocol/openid-connect/token";

/// §2 (client policy, assumed): a token with less than this left is renewed before use.
pub(super) const REFRESH_MARGIN_SECS: u64 = 30;

/// §2: the documented access-token lifetime ("about 5 minutes"), used when `expires_in` is
/// absent.
pub(super) const DEFAULT_ACCESS_LIFETIME_SECS: u64 = 300;

/// §2: the documented refresh-token lifetime ("about 30 minutes"), used when a refresh token
/// comes without `refresh_expires_in`.
pub(super) const DEFAULT_REFRESH_LIFETIME_SECS: u64 = 1800;

/// A desk bound, not Truphone's: a token lifetime longer than this is read as this (a reply
/// claiming years must not keep a token forever).
pub(super) const MAX_TOKEN_LIFETIME_SECS: u64 = 24 * 60 * 60;

/// §4 (assumed, the documented default is 10): products per catalogue page.
pub(super) const PRODUCTS_PAGE_SIZE: u32 = 50;

/// §4 (assumed): 1 GB = 1024 MB, 1 MB = 1024² bytes.
pub(super) const MB_PER_GB: u64 = 1024;

/// §4 (assumed): a monthly plan "expires on the same day of the next month": counted as this
/// many days in the desk's listing.
pub(super) const DAYS_PER_MONTH: u32 = 30;

/// §5.1 (assumed values `ios`, `android`, `iot`): the operating system sent for push install.
pub(super) const PUSH_INSTALL_OS: &str = "ios";

/// §7: the SM-DP+ address Truphone always uses (seed 004), for a code given only as a matching
/// id.
pub(super) const DEFAULT_SMDP: &str = "rsp.truphone.com";

/// §8.2 (desk choice): clock skew allowed between the desk and Truphone when looking for a
/// lost order's subscription.
pub(super) const LOOKUP_SKEW_SECS: i64 = 60;

/// §4, §8.2 (desk choice): subscriptions per page when listing.
pub(super) const SUBSCRIPTIONS_PAGE_SIZE: u32 = 50;

/// A desk bound: pages of one list read at most (a list that never ends fails the call rather
/// than keep the desk busy).
pub(super) const MAX_LIST_PAGES: u32 = 200;

/// Open point 12: the per-minute limit is not published. One request a second, evenly spaced,
/// leaves room for the polling of a sale (1, 2, 4, then every 5 s) and a catalogue sync.
pub(super) const DEFAULT_REQUESTS_PER_MINUTE: u32 = 60;

/// Desk convention: the provider reference of an order found through its subscription
/// (`subscription:<iccid>:<subscription id>`).
pub(super) const SUBSCRIPTION_REFERENCE_PREFIX: &str = "subscription:";

/// §8.2 (assumed format `yyyy-MM-dd'T'HH:mm:ssZ`): `2025-06-02T09:14:00Z`, in UTC, to the
/// second (rounded down, so the bound never moves past the instant).
pub(super) fn format_instant(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
