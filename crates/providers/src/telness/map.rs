//! Telness wire types → core types: offerings with exact money, order states, subscription
//! states, usage, activation codes.

use esimdesk_core::{
    ActivationCode, ActivationType, Country, Currency, DataAllowance, DataAmount, Money, Offering,
    OrderKind, Package, PackageState, ProfileStatus, ProviderKind, Region, UsageSnapshot,
};
use rust_decimal::Decimal;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::assumed;
use super::wire::{self, Number};
use crate::error::{ProviderError, clip};
use crate::{OrderStatus, PackageUsage, PlacedLine, PlacedOrder};

/// The data-package category (§2), after [`category`] has dropped any prefix.
pub(super) const PACKAGE_CATEGORY: &str = "TRAVEL_ESIM_PACKAGE";
/// The eSIM-container (subscription) category (§2).
pub(super) const SUBSCRIPTION_CATEGORY: &str = "TRAVEL_ESIM";

/// Labels of the two data buckets `usage` reports (§9.4): Telness counts data per subscription,
/// not per package, so the desk shows one package for the plan data and one for top-ups.
pub(super) const PLAN_DATA_LABEL: &str = "data";
pub(super) const TOP_UP_DATA_LABEL: &str = "top-up data";

// ---------------------------------------------------------------------------------------------
// Money

/// Major units, from the number's exact text → integer minor units with the currency's exponent.
/// An amount the currency cannot hold exactly (`1.005` EUR) is refused, never rounded (§1,
/// open point 14).
pub(super) fn money(value: Number, currency: Currency, what: &str) -> Result<Money, ProviderError> {
    Money::from_major_decimal(value.0, currency).map_err(|e| ProviderError::malformed(what, e))
}

pub(super) fn currency(code: Option<&str>, what: &str) -> Result<Currency, ProviderError> {
    let code = code
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ProviderError::malformed(what, "no currency"))?;
    Currency::parse(code).map_err(|e| ProviderError::malformed(what, e))
}

// ---------------------------------------------------------------------------------------------
// Offerings

/// A category without the `PRODUCT_CATEGORY_` prefix one reference version adds (open point 2).
pub(super) fn category(raw: &str) -> String {
    let upper = raw.trim().to_ascii_uppercase();
    match upper.strip_prefix("PRODUCT_CATEGORY_") {
        Some(rest) => rest.to_owned(),
        None => upper,
    }
}

/// Whether the offering is in `wanted` (an absent category is trusted to the server's filter).
pub(super) fn in_category(offering: &wire::Offering, wanted: &str) -> bool {
    offering
        .product
        .as_ref()
        .and_then(|p| p.category.as_deref())
        .is_none_or(|c| category(c) == wanted)
}

/// Whether the offering can be ordered (§4.1, assumed: `AVAILABLE`; no status = available).
pub(super) fn orderable(offering: &wire::Offering) -> bool {
    offering
        .status
        .as_deref()
        .is_none_or(|s| s.trim().eq_ignore_ascii_case(assumed::ORDERABLE_STATUS))
}

/// A data-package offering → an [`Offering`], or why it cannot be one (the caller skips it).
pub(super) fn offering(o: wire::Offering) -> Result<Offering, String> {
    let product = o.product.ok_or("no product")?;
    let features = product.features.ok_or("no product features")?;
    let price = o.price.ok_or("no price")?;
    if let Some(kind) = price.price_type.as_deref()
        && !kind.trim().eq_ignore_ascii_case(assumed::ONE_TIME_PRICE)
    {
        return Err(format!("not a one-time price ({})", clip(kind)));
    }
    let currency = Currency::parse(price.currency.as_deref().unwrap_or("").trim())
        .map_err(|e| format!("price: {e}"))?;
    let amount = net_price(&price).ok_or("no net price")?;
    let cost = Money::from_major_decimal(amount, currency).map_err(|e| format!("price: {e}"))?;
    if cost.minor() < 0 {
        return Err("negative price".to_owned());
    }
    let data = data_allowance(&features)?;
    let validity_days = features
        .validity_days
        .and_then(Number::as_u64)
        .and_then(|d| u32::try_from(d).ok())
        .filter(|d| *d > 0)
        .ok_or("no validity in days")?;
    let countries = countries(features.countries.as_deref().unwrap_or_default());
    let region = region(features.regions.as_deref().unwrap_or_default());
    if countries.is_empty() && region.is_none() {
        return Err("no known country or region".to_owned());
    }
    Ok(Offering {
        provider: ProviderKind::Telness,
        name: o
            .name
            .or(o.description)
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| o.product_offering_id.clone()),
        code: o.product_offering_id,
        countries,
        region,
        data,
        validity_days,
        cost,
        activation: activation(features.activation_type.as_deref()),
        speeds: Vec::new(),
        // Every package is an addon that can go on an existing subscription, also for another
        // region (§2): a top-up is simply a new package.
        top_up: true,
    })
}

/// `netPrice`, or `grossPrice − discount` when only those are sent (§4.1).
fn net_price(price: &wire::Price) -> Option<Decimal> {
    match (price.net_price, price.gross_price) {
        (Some(net), _) => Some(net.0),
        (None, Some(gross)) => gross
            .0
            .checked_sub(price.discount.map_or(Decimal::ZERO, |d| d.0)),
        (None, None) => None,
    }
}

/// `features.dataMb` (reference), else the seed's `dataGb` × 1024 (open point 3); both binary
/// (1 MB = 1024² bytes, assumed). A `dataGb` that is not a whole number of MB is refused.
fn data_allowance(features: &wire::Features) -> Result<DataAllowance, String> {
    let mb = match (features.data_mb, features.data_gb) {
        (Some(mb), _) => mb.as_u64().ok_or("dataMb is not a whole number of MB")?,
        (None, Some(gb)) => {
            gb.0.checked_mul(Decimal::from(assumed::MB_PER_GB))
                .map(Number)
                .and_then(Number::as_u64)
                .ok_or("dataGb is not a whole number of MB")?
        }
        (None, None) => return Err("no data allowance (dataMb or dataGb)".to_owned()),
    };
    let amount = DataAmount::from_binary_megabytes(mb).ok_or("data allowance too large")?;
    Ok(DataAllowance::Limited { amount })
}

/// ISO alpha-2 codes; unknown ones are dropped (and logged), not fatal.
fn countries(codes: &[String]) -> Vec<Country> {
    let mut out: Vec<Country> = Vec::new();
    for code in codes {
        match Country::parse(code.trim()) {
            Ok(c) if !out.contains(&c) => out.push(c),
            Ok(_) => {}
            Err(_) => {
                tracing::debug!(provider = "telness", code = %clip(code), "unknown country code")
            }
        }
    }
    out
}

/// One region when all named regions agree; unknown names (e.g. the reference example's
/// `NORTH_AMERICA` is known, a new one is not) become [`Region::Other`], never a failure.
fn region(names: &[String]) -> Option<Region> {
    let mut regions = names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|n| Region::from_provider_name(n));
    match regions.next() {
        Some(first) if regions.all(|r| r == first) => Some(first),
        _ => None,
    }
}

/// `INSTANT` (validity starts at submit) / `FIRST_USE` (§2).
fn activation(value: Option<&str>) -> ActivationType {
    match value.map(|v| v.trim().to_ascii_uppercase()).as_deref() {
        Some("INSTANT") => ActivationType::Immediate,
        Some("FIRST_USE") => ActivationType::FirstUse,
        _ => ActivationType::Unknown,
    }
}

// ---------------------------------------------------------------------------------------------
// Orders

/// Order `state` (§8.2) → core terms. `PENDING`/`CONFIGURED` are carts: nothing was bought.
pub(super) fn order_status(state: Option<&str>) -> OrderStatus {
    let raw = state.map(str::trim).unwrap_or("");
    match raw.to_ascii_uppercase().as_str() {
        "PENDING" | "CONFIGURED" => OrderStatus::Draft,
        "SUBMITTED" | "PENDING_APPROVAL" | "PROCESSING" => OrderStatus::Provisioning,
        "COMPLETED" => OrderStatus::Completed,
        "CANCELLED" | "EXPIRED" => OrderStatus::Cancelled,
        s if s == assumed::FAILED_STATE => OrderStatus::Failed { reason: None },
        _ => OrderStatus::Unrecognised { raw: clip(raw) },
    }
}

/// An order reply read into a [`PlacedOrder`] (without its eSIMs: those need a read of each
/// subscription) plus the subscriptions it concerns.
#[derive(Debug)]
pub(super) struct OrderView {
    pub placed: PlacedOrder,
    /// `createdEntities.subscriptions[]`: the new eSIMs.
    pub created: Vec<String>,
    /// The `subscriptionId` of its `ADDON` lines: the eSIMs a top-up went on.
    pub top_up_targets: Vec<String>,
}

pub(super) fn order_view(order: wire::Order) -> Result<OrderView, ProviderError> {
    let id = order
        .order_id
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .ok_or_else(|| ProviderError::malformed("order", "no orderId"))?;
    let items = order.line_items.unwrap_or_default();
    let has_container = items.iter().any(|l| is_kind(l, "SUBSCRIPTION"));
    let mut lines: Vec<PlacedLine> = Vec::new();
    let mut top_up_targets = Vec::new();
    for addon in items.iter().filter(|l| is_kind(l, "ADDON")) {
        if let Some(target) = addon.subscription_id.as_deref().map(str::trim)
            && !target.is_empty()
            && !top_up_targets.iter().any(|t: &String| t == target)
        {
            top_up_targets.push(target.to_owned());
        }
        let code = addon.product_offering_id.clone().unwrap_or_default();
        match lines.iter_mut().find(|l| l.offering_code == code) {
            Some(line) => line.quantity += 1,
            None => lines.push(PlacedLine {
                offering_code: code,
                quantity: 1,
                iccids: Vec::new(),
            }),
        }
    }
    let created: Vec<String> = order
        .created_entities
        .map(|c| c.subscriptions)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.subscription_id)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let kind = if !has_container && created.is_empty() && !top_up_targets.is_empty() {
        OrderKind::TopUp
    } else {
        OrderKind::NewEsim
    };
    let mut status = order_status(order.state.as_deref());
    if let OrderStatus::Failed { reason } = &mut status {
        *reason = order.validation.as_ref().and_then(validation_problems);
    }
    let client_reference = order
        .metadata
        .as_ref()
        .and_then(|m| m.get(assumed::SALE_REFERENCE_KEY))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    Ok(OrderView {
        placed: PlacedOrder {
            provider_reference: id,
            client_reference,
            kind,
            status,
            // The order object carries no price (§5.3); calculate-price does (§6).
            total: None,
            created_at: timestamp(order.created_at.as_deref()),
            lines,
            esims: Vec::new(),
            notes: Vec::new(),
        },
        created,
        top_up_targets,
    })
}

fn is_kind(line: &wire::OrderLineItem, kind: &str) -> bool {
    line.kind
        .as_deref()
        .is_some_and(|k| k.trim().eq_ignore_ascii_case(kind))
}

/// What an order's `validation` says is wrong, in plain words; `None` when nothing is.
pub(super) fn validation_problems(v: &wire::Validation) -> Option<String> {
    let mut parts = Vec::new();
    if !v.missing_fields.is_empty() {
        parts.push(format!("missing {}", v.missing_fields.join(", ")));
    }
    parts.extend(v.errors.iter().filter_map(error_words));
    for line in &v.line_item_validation {
        let mut line_parts = Vec::new();
        if !line.missing_fields.is_empty() {
            line_parts.push(format!("missing {}", line.missing_fields.join(", ")));
        }
        line_parts.extend(line.errors.iter().filter_map(error_words));
        if line_parts.is_empty() && line.is_valid == Some(false) {
            line_parts.push("not valid".to_owned());
        }
        if !line_parts.is_empty() {
            parts.push(format!(
                "line {}: {}",
                line.line_item_id.as_deref().unwrap_or("?"),
                line_parts.join("; ")
            ));
        }
    }
    if parts.is_empty() && v.is_valid == Some(false) {
        parts.push("the order is not valid".to_owned());
    }
    (!parts.is_empty()).then(|| clip(&parts.join("; ")))
}

fn error_words(e: &wire::ValidationError) -> Option<String> {
    let message = e
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())?;
    Some(
        match e
            .property
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(property) => format!("{property}: {message}"),
            None => message.to_owned(),
        },
    )
}

/// RFC 3339 date-times (§1).
pub(super) fn timestamp(text: Option<&str>) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text?.trim(), &Rfc3339).ok()
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

/// A subscription's `status` (§9.2). The reference says `ACTIVATED`, the seed `ACTIVE` (open
/// point 7): both are active. `BLOCKED`/`PAUSED` are suspended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SubscriptionState {
    Pending,
    Active,
    Suspended,
    Cancelled,
    Unknown(String),
}

impl SubscriptionState {
    pub(super) fn parse(raw: Option<&str>) -> SubscriptionState {
        let raw = raw.map(str::trim).unwrap_or("");
        match raw.to_ascii_uppercase().as_str() {
            "PENDING" => SubscriptionState::Pending,
            "ACTIVATED" | "ACTIVE" => SubscriptionState::Active,
            "BLOCKED" | "PAUSED" => SubscriptionState::Suspended,
            "CANCELLED" | "CANCELED" => SubscriptionState::Cancelled,
            _ => SubscriptionState::Unknown(clip(raw)),
        }
    }

    /// What the desk shows of the profile: Telness reports no install status, only that a
    /// cancelled subscription's eSIM is gone for good.
    pub(super) fn profile_status(&self) -> Option<ProfileStatus> {
        match self {
            SubscriptionState::Cancelled => Some(ProfileStatus::Deactivated),
            _ => None,
        }
    }
}

/// `qrCodeData` (`LPA:1$…`) through core's activation-code parser. The error never holds the
/// code itself (a bearer credential).
pub(super) fn activation_code(data: Option<&str>) -> Result<ActivationCode, String> {
    let data = data
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .ok_or("no qrCodeData in the reply")?;
    let code = ActivationCode::parse(data).map_err(|e| format!("activation code refused: {e}"))?;
    for warning in code.warnings() {
        tracing::debug!(provider = "telness", %warning, code = %code.masked(), "activation code accepted with a warning");
    }
    Ok(code)
}

// ---------------------------------------------------------------------------------------------
// Usage

/// The usage reply (§9.4, both shapes) as packages: the plan data and the top-up data, each a
/// bucket with a limit and what remains. A bucket with a zero limit is not a package.
pub(super) fn usage_packages(
    usage: &wire::Usage,
    state: Option<&SubscriptionState>,
    taken_at: OffsetDateTime,
) -> Vec<PackageUsage> {
    let mut buckets: Vec<(&str, Option<u64>, Option<u64>)> = Vec::new();
    if usage.data_bytes.is_some() || usage.topup_bytes.is_some() {
        for (label, bucket) in [
            (PLAN_DATA_LABEL, &usage.data_bytes),
            (TOP_UP_DATA_LABEL, &usage.topup_bytes),
        ] {
            if let Some(b) = bucket {
                buckets.push((
                    label,
                    b.limit.and_then(Number::as_u64),
                    b.remaining.and_then(Number::as_u64),
                ));
            }
        }
    } else {
        // The seed's shape: used and remaining, bytes (assumed unit).
        let unit = assumed::SEED_USAGE_UNIT_BYTES;
        let used = usage
            .data_used
            .and_then(Number::as_u64)
            .and_then(|u| u.checked_mul(unit));
        let remaining = usage
            .data_remaining
            .and_then(Number::as_u64)
            .and_then(|r| r.checked_mul(unit));
        let limit = match (used, remaining) {
            (Some(u), Some(r)) => u.checked_add(r),
            _ => None,
        };
        if used.is_some() || remaining.is_some() {
            buckets.push((PLAN_DATA_LABEL, limit.or(remaining), remaining));
        }
    }
    buckets
        .into_iter()
        .filter_map(|(label, limit, remaining)| {
            let limit = limit.filter(|l| *l > 0)?;
            Some(PackageUsage {
                package: Package {
                    offering_code: label.to_owned(),
                    state: package_state(state, remaining),
                    allowance: DataAllowance::Limited {
                        amount: DataAmount::from_bytes(limit),
                    },
                    usage: Some(UsageSnapshot {
                        remaining: remaining.map(DataAmount::from_bytes),
                        taken_at,
                    }),
                    starts_at: None,
                    ends_at: None,
                    provider_id: None,
                },
                // Telness counts data per subscription: no single package to revoke.
                assignment_id: None,
                assigned_at: None,
                initial: None,
            })
        })
        .collect()
}

fn package_state(state: Option<&SubscriptionState>, remaining: Option<u64>) -> PackageState {
    match state {
        Some(SubscriptionState::Cancelled) => PackageState::Revoked,
        Some(SubscriptionState::Pending) => PackageState::Processing,
        Some(SubscriptionState::Suspended | SubscriptionState::Unknown(_)) => PackageState::Unknown,
        Some(SubscriptionState::Active) | None => match remaining {
            Some(0) => PackageState::Depleted,
            Some(_) => PackageState::Active,
            None => PackageState::Unknown,
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    fn number(text: &str) -> Number {
        serde_json::from_str(text).unwrap()
    }

    fn offering_json(features: &str, price: &str) -> wire::Offering {
        serde_json::from_str(&format!(
            r#"{{"productOfferingId": "europe-5gb-30days-offering-id", "status": "AVAILABLE",
            "name": "Europe 5 GB / 30 days", "customerType": "CONSUMER",
            "product": {{"productId": "prd_eu_5gb_30d", "type": "SUBSCRIPTION_ADDON",
              "category": "TRAVEL_ESIM_PACKAGE", "features": {features}}},
            "price": {price}}}"#
        ))
        .unwrap()
    }

    const FEATURES: &str = r#"{"dataMb": 5120, "validityDays": 30, "countries": ["ES", "FR", "DE", "IT"],
        "regions": ["EUROPE"], "activationType": "FIRST_USE"}"#;
    const PRICE: &str = r#"{"grossPrice": 14.99, "discount": 0, "netPrice": 14.99, "currency": "EUR",
        "priceType": "ONE_TIME", "taxIncluded": true}"#;

    #[test]
    fn money_is_exact_or_refused() {
        assert_eq!(
            money(number("137.39"), eur(), "x").unwrap(),
            Money::from_minor(13739, eur())
        );
        assert_eq!(
            money(number("14.990"), eur(), "x").unwrap(),
            Money::from_minor(1499, eur())
        );
        assert_eq!(money(number("0"), eur(), "x").unwrap(), Money::zero(eur()));
        let err = money(number("1.005"), eur(), "order total").unwrap_err();
        assert_eq!(err.code(), "malformed_reply");
        assert!(err.to_string().contains("order total"), "{err}");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(
            money(number("1500"), jpy, "x").unwrap(),
            Money::from_minor(1500, jpy)
        );
        assert!(money(number("1500.5"), jpy, "x").is_err());
    }

    #[test]
    fn the_reference_offering() {
        let o = offering(offering_json(FEATURES, PRICE)).unwrap();
        assert_eq!(o.code, "europe-5gb-30days-offering-id");
        assert_eq!(o.name, "Europe 5 GB / 30 days");
        assert_eq!(o.cost, Money::from_minor(1499, eur()));
        assert_eq!(o.data.limited_bytes(), Some(5 * 1024 * 1024 * 1024));
        assert_eq!(o.validity_days, 30);
        assert_eq!(o.countries.len(), 4);
        assert_eq!(o.region, Some(Region::Europe));
        assert_eq!(o.activation, ActivationType::FirstUse);
        assert!(o.top_up);
        assert_eq!(o.provider, ProviderKind::Telness);
    }

    #[test]
    fn data_in_mb_or_the_seeds_gb() {
        let gb = FEATURES.replace(r#""dataMb": 5120"#, r#""dataGb": 5"#);
        let o = offering(offering_json(&gb, PRICE)).unwrap();
        assert_eq!(o.data.limited_bytes(), Some(5 * 1024 * 1024 * 1024));
        let half = FEATURES.replace(r#""dataMb": 5120"#, r#""dataGb": 0.5"#);
        let o = offering(offering_json(&half, PRICE)).unwrap();
        assert_eq!(o.data.limited_bytes(), Some(512 * 1024 * 1024));
        // dataMb wins when both are sent.
        let both = FEATURES.replace(r#""dataMb": 5120"#, r#""dataMb": 1024, "dataGb": 5"#);
        let o = offering(offering_json(&both, PRICE)).unwrap();
        assert_eq!(o.data.limited_bytes(), Some(1024 * 1024 * 1024));
        let none = FEATURES.replace(r#""dataMb": 5120, "#, "");
        assert!(
            offering(offering_json(&none, PRICE))
                .unwrap_err()
                .contains("no data allowance")
        );
        let odd = FEATURES.replace(r#""dataMb": 5120"#, r#""dataGb": 0.0001"#);
        assert!(offering(offering_json(&odd, PRICE)).is_err());
    }

    #[test]
    fn prices_that_cannot_be_exact_are_skipped() {
        let p = PRICE.replace(r#""netPrice": 14.99"#, r#""netPrice": 1.005"#);
        let reason = offering(offering_json(FEATURES, &p)).unwrap_err();
        assert!(reason.contains("decimal places"), "{reason}");
        let gross_only = r#"{"grossPrice": 10, "discount": 5, "currency": "EUR"}"#;
        assert_eq!(
            offering(offering_json(FEATURES, gross_only)).unwrap().cost,
            Money::from_minor(500, eur())
        );
        let recurring = PRICE.replace("ONE_TIME", "RECURRING");
        assert!(offering(offering_json(FEATURES, &recurring)).is_err());
        let negative = PRICE.replace(r#""netPrice": 14.99"#, r#""netPrice": -1"#);
        assert!(offering(offering_json(FEATURES, &negative)).is_err());
        let no_currency = PRICE.replace(r#""currency": "EUR","#, "");
        assert!(offering(offering_json(FEATURES, &no_currency)).is_err());
    }

    #[test]
    fn regions_known_unknown_and_mixed() {
        let na = FEATURES.replace(r#"["EUROPE"]"#, r#"["NORTH_AMERICA"]"#);
        assert_eq!(
            offering(offering_json(&na, PRICE)).unwrap().region,
            Some(Region::NorthAmerica)
        );
        let new = FEATURES.replace(r#"["EUROPE"]"#, r#"["POLAR"]"#);
        assert_eq!(
            offering(offering_json(&new, PRICE)).unwrap().region,
            Some(Region::Other)
        );
        let mixed = FEATURES.replace(r#"["EUROPE"]"#, r#"["EUROPE", "ASIA_PACIFIC"]"#);
        assert_eq!(offering(offering_json(&mixed, PRICE)).unwrap().region, None);
        // Unknown country codes are dropped; a region alone is enough.
        let global = FEATURES
            .replace(r#"["ES", "FR", "DE", "IT"]"#, r#"["XX"]"#)
            .replace(r#"["EUROPE"]"#, r#"["GLOBAL"]"#);
        let o = offering(offering_json(&global, PRICE)).unwrap();
        assert!(o.countries.is_empty());
        assert_eq!(o.region, Some(Region::Global));
        let nowhere = FEATURES
            .replace(r#"["ES", "FR", "DE", "IT"]"#, "[]")
            .replace(r#"["EUROPE"]"#, "[]");
        assert!(offering(offering_json(&nowhere, PRICE)).is_err());
    }

    #[test]
    fn both_category_spellings() {
        assert_eq!(
            category("PRODUCT_CATEGORY_TRAVEL_ESIM_PACKAGE"),
            PACKAGE_CATEGORY
        );
        assert_eq!(category("TRAVEL_ESIM_PACKAGE"), PACKAGE_CATEGORY);
        assert_eq!(category("travel_esim"), SUBSCRIPTION_CATEGORY);
        let o = offering_json(FEATURES, PRICE);
        assert!(in_category(&o, PACKAGE_CATEGORY));
        assert!(!in_category(&o, SUBSCRIPTION_CATEGORY));
    }

    #[test]
    fn order_states() {
        for (wire, status) in [
            ("PENDING", OrderStatus::Draft),
            ("CONFIGURED", OrderStatus::Draft),
            ("SUBMITTED", OrderStatus::Provisioning),
            ("PENDING_APPROVAL", OrderStatus::Provisioning),
            ("PROCESSING", OrderStatus::Provisioning),
            ("COMPLETED", OrderStatus::Completed),
            ("CANCELLED", OrderStatus::Cancelled),
            ("EXPIRED", OrderStatus::Cancelled),
            ("FAILED", OrderStatus::Failed { reason: None }),
        ] {
            assert_eq!(order_status(Some(wire)), status, "{wire}");
        }
        assert_eq!(
            order_status(Some("PENDING_PAYMENT")),
            OrderStatus::Unrecognised {
                raw: "PENDING_PAYMENT".into()
            }
        );
    }

    #[test]
    fn both_subscription_status_spellings() {
        assert_eq!(
            SubscriptionState::parse(Some("ACTIVATED")),
            SubscriptionState::Active
        );
        assert_eq!(
            SubscriptionState::parse(Some("ACTIVE")),
            SubscriptionState::Active
        );
        assert_eq!(
            SubscriptionState::parse(Some("PAUSED")),
            SubscriptionState::Suspended
        );
        assert_eq!(
            SubscriptionState::parse(Some("CANCELLED")).profile_status(),
            Some(ProfileStatus::Deactivated)
        );
        assert!(matches!(
            SubscriptionState::parse(Some("ZOMBIE")),
            SubscriptionState::Unknown(_)
        ));
    }

    #[test]
    fn validation_in_plain_words() {
        let v: wire::Validation = serde_json::from_str(
            r#"{"isValid": false, "missingFields": ["customer", "billing.address"],
            "errors": [{"message": "Order must contain a TRAVEL_ESIM_PACKAGE line item", "property": "lineItems"}],
            "lineItemValidation": [{"lineItemId": "esim-1", "isValid": false, "missingFields": ["subscriber.email"], "errors": []}]}"#,
        )
        .unwrap();
        assert_eq!(
            validation_problems(&v).unwrap(),
            "missing customer, billing.address; lineItems: Order must contain a TRAVEL_ESIM_PACKAGE line item; line esim-1: missing subscriber.email"
        );
        let ok: wire::Validation = serde_json::from_str(r#"{"isValid": true}"#).unwrap();
        assert_eq!(validation_problems(&ok), None);
        let bare: wire::Validation = serde_json::from_str(r#"{"isValid": false}"#).unwrap();
        assert_eq!(
            validation_problems(&bare).unwrap(),
            "the order is not valid"
        );
    }

    #[test]
    fn usage_in_both_shapes() {
        let reference: wire::Usage = serde_json::from_str(
            r#"{"dataBytes": {"remaining": 4294967296, "limit": 5368709120},
            "topupBytes": {"remaining": 0, "limit": 0}, "updatedAt": "2025-06-05T18:00:00Z"}"#,
        )
        .unwrap();
        let t = OffsetDateTime::UNIX_EPOCH;
        let p = usage_packages(&reference, Some(&SubscriptionState::Active), t);
        assert_eq!(p.len(), 1, "a zero top-up bucket is no package");
        assert_eq!(p[0].package.offering_code, PLAN_DATA_LABEL);
        assert_eq!(p[0].package.allowance.limited_bytes(), Some(5_368_709_120));
        assert_eq!(
            p[0].package.usage.unwrap().remaining,
            Some(DataAmount::from_bytes(4_294_967_296))
        );
        assert_eq!(p[0].package.used_per_mille(), Some(200));
        assert_eq!(p[0].package.state, PackageState::Active);

        let seed: wire::Usage =
            serde_json::from_str(r#"{"dataUsed": 1073741824, "dataRemaining": 0}"#).unwrap();
        let p = usage_packages(&seed, None, t);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].package.allowance.limited_bytes(), Some(1_073_741_824));
        assert_eq!(p[0].package.state, PackageState::Depleted);

        let topped: wire::Usage = serde_json::from_str(
            r#"{"dataBytes": {"remaining": 0, "limit": 1073741824},
            "topupBytes": {"remaining": 536870912, "limit": 1073741824}}"#,
        )
        .unwrap();
        let p = usage_packages(&topped, Some(&SubscriptionState::Active), t);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].package.state, PackageState::Depleted);
        assert_eq!(p[1].package.offering_code, TOP_UP_DATA_LABEL);
        assert_eq!(p[1].package.state, PackageState::Active);
        assert_eq!(p[1].package.used_per_mille(), Some(500));

        let cancelled = usage_packages(&reference, Some(&SubscriptionState::Cancelled), t);
        assert_eq!(cancelled[0].package.state, PackageState::Revoked);
        let pending = usage_packages(&reference, Some(&SubscriptionState::Pending), t);
        assert_eq!(pending[0].package.state, PackageState::Processing);
    }

    #[test]
    fn activation_codes_go_through_the_core_parser() {
        let code = activation_code(Some(
            "LPA:1$rsp.sandbox-telness.example.com$K2-4Q7ZP-1MB3XY",
        ))
        .unwrap();
        assert_eq!(code.smdp_address(), "rsp.sandbox-telness.example.com");
        assert_eq!(code.matching_id(), "K2-4Q7ZP-1MB3XY");
        // The reference example's UUID-form matching id (lower-case hex) is accepted.
        assert!(
            activation_code(Some(
                "LPA:1$rsp.example.com$12345678-1234-1234-1234-123456789abc"
            ))
            .is_ok()
        );
        let err = activation_code(Some("LPA:1$not a host$SECRET-MATCHING-ID")).unwrap_err();
        assert!(!err.contains("SECRET-MATCHING-ID"), "{err}");
        assert!(activation_code(None).is_err());
    }
}
