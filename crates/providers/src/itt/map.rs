//! ITT wire types → core types: offerings with exact money, booking states, the eSIMs of a
//! booking with their activation codes, usage.

use esimdesk_core::{
    ActivationCode, ActivationType, Country, Currency, DataAllowance, DataAmount, Iccid, Money,
    Offering, OrderKind, Package, ProviderKind, Region, UsageSnapshot,
};
use rust_decimal::Decimal;
use serde_json::value::RawValue;
use time::OffsetDateTime;

use super::{assumed, lenient, wire};
use crate::error::{ProviderError, clip};
use crate::{EsimUsage, IssuedEsim, OrderStatus, PackageUsage, PlacedLine, PlacedOrder};

/// Label of the one package `usage` reports when ITT does not name it (§11 reports per eSIM).
pub(super) const USAGE_PACKAGE_LABEL: &str = "data";

// ---------------------------------------------------------------------------------------------
// Money

/// Major units in the account's currency (§1: sample BDT; never assumed), exact: an amount the
/// currency cannot hold (`1.005` BDT) is refused, never rounded.
pub(super) fn money(amount: Decimal, currency: Option<&str>) -> Result<Money, String> {
    let code = currency
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or("no currency")?;
    let currency = Currency::parse(code).map_err(|e| format!("currency: {e}"))?;
    let money = Money::from_major_decimal(amount, currency).map_err(|e| format!("price: {e}"))?;
    if money.minor() < 0 {
        return Err("negative price".to_owned());
    }
    Ok(money)
}

// ---------------------------------------------------------------------------------------------
// Offerings

/// Reads one raw package, or why it cannot be read (with its id when it has one).
pub(super) fn package(raw: &RawValue) -> Result<wire::Package, (Option<String>, String)> {
    serde_json::from_str(raw.get()).map_err(|e| {
        let id = serde_json::from_str::<serde_json::Value>(raw.get())
            .ok()
            .and_then(|v| v.get("package_id")?.as_str().map(str::to_owned));
        (id, clip(&e.to_string()))
    })
}

/// A package → an [`Offering`], or why it cannot be one (the caller skips it). A catalogue
/// package must say where it works; a top-up package (§12.1) goes on an eSIM that already
/// says so, and may not.
pub(super) fn offering(p: &wire::Package, top_up_list: bool) -> Result<Offering, String> {
    let code = p.package_id.trim();
    if code.is_empty() {
        return Err("no package_id".to_owned());
    }
    let cost = money(
        p.sell_price.ok_or("no sell_price")?,
        p.sell_currency.as_deref(),
    )?;
    let details = p.package_details.as_ref().ok_or("no package_details")?;
    let data = if details.is_unlimited == Some(true) {
        DataAllowance::Unlimited
    } else {
        let mb = details
            .data_amount
            .ok_or("no data_amount")
            .and_then(|d| lenient::whole(d).ok_or("data_amount is not a whole number of MB"))?;
        let amount = DataAmount::from_binary_megabytes(mb).ok_or("data_amount too large")?;
        DataAllowance::Limited { amount }
    };
    let validity_days = details
        .validity_days
        .and_then(lenient::whole)
        .and_then(|d| u32::try_from(d).ok())
        .filter(|d| *d > 0)
        .ok_or("no validity_days")?;
    let (countries, region) = coverage(p.region_details.as_ref(), p.coverage_type.as_deref());
    if countries.is_empty() && region.is_none() && !top_up_list {
        return Err("no known country or region".to_owned());
    }
    Ok(Offering {
        provider: ProviderKind::Itt,
        code: code.to_owned(),
        name: name(p),
        countries,
        region,
        data,
        validity_days,
        cost,
        activation: match p.activation_policy.as_deref().map(str::trim) {
            Some(a) if a.eq_ignore_ascii_case("first-usage") => ActivationType::FirstUse,
            _ => ActivationType::Unknown,
        },
        speeds: Vec::new(),
        top_up: top_up_list || p.rechargeable == Some(true),
    })
}

/// "5 GB - 30 days (airalo)": ITT resells several suppliers, and the agent chooses by them.
fn name(p: &wire::Package) -> String {
    let title = p
        .title
        .as_deref()
        .or(p.data.as_deref())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(p.package_id.trim());
    match p
        .supplier
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(supplier) => format!("{title} ({supplier})"),
        None => title.to_owned(),
    }
}

/// `region_details.country_code` for a local package; otherwise the region its name (or id)
/// names. Unknown codes are dropped, not fatal.
fn coverage(
    region: Option<&wire::RegionDetails>,
    coverage_type: Option<&str>,
) -> (Vec<Country>, Option<Region>) {
    let Some(region) = region else {
        return (Vec::new(), None);
    };
    let countries: Vec<Country> = region
        .country_code
        .as_deref()
        .and_then(|c| Country::parse(c.trim()).ok())
        .into_iter()
        .collect();
    let local = coverage_type.is_none_or(|c| c.trim().eq_ignore_ascii_case("local"));
    if !countries.is_empty() && local {
        return (countries, None);
    }
    let named = region
        .name
        .as_deref()
        .or(region.id.as_deref())
        .map(Region::from_provider_name)
        .filter(|r| *r != Region::Other);
    (countries, named)
}

// ---------------------------------------------------------------------------------------------
// Bookings

/// `booking_status` (§7, assumed values) with the eSIMs read → the order's status. A confirmed
/// booking whose eSIM is not readable yet is still provisioning (§8: read until it is there).
pub(super) fn booking_status(
    status: Option<&str>,
    reason: Option<&str>,
    esims: usize,
) -> OrderStatus {
    let raw = status.map(str::trim).unwrap_or("");
    let lower = raw.to_ascii_lowercase();
    match lower.as_str() {
        s if s == assumed::BOOKING_CONFIRMED && esims > 0 => OrderStatus::Completed,
        s if s == assumed::BOOKING_CONFIRMED || s == assumed::BOOKING_PENDING => {
            OrderStatus::Provisioning
        }
        s if s == assumed::BOOKING_FAILED => OrderStatus::Failed {
            reason: reason.map(clip),
        },
        s if s == assumed::BOOKING_CANCELLED => OrderStatus::Cancelled,
        // No status but eSIMs: issued.
        "" if esims > 0 => OrderStatus::Completed,
        "" => OrderStatus::Provisioning,
        _ => OrderStatus::Unrecognised { raw: clip(raw) },
    }
}

/// The eSIMs of a booking with their codes, and how many ITT issued (with an ICCID, usable or
/// not). An eSIM whose ICCID fails the desk's check (the reference's samples: 18 digits starting
/// `87`) is left out with a note naming it: the desk cannot keep an eSIM under an invalid ICCID,
/// and one bad eSIM must not fail the booking.
pub(super) fn esims(
    raw: &[Box<RawValue>],
    tracking_id: &str,
    package_id: Option<&str>,
    notes: &mut Vec<String>,
) -> (Vec<IssuedEsim>, usize) {
    let mut out = Vec::new();
    let mut issued = 0;
    for (i, item) in raw.iter().enumerate() {
        let e: wire::Esim = match serde_json::from_str(item.get()) {
            Ok(e) => e,
            Err(err) => {
                notes.push(format!(
                    "eSIM {} of the booking could not be read: {}",
                    i + 1,
                    clip(&err.to_string())
                ));
                continue;
            }
        };
        let Some(raw_iccid) = e.iccid.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
            notes.push(format!("eSIM {} of the booking has no ICCID yet", i + 1));
            continue;
        };
        issued += 1;
        // §2, open point 12: an ICCID that fails the desk's rule (ITT's samples: 18 digits
        // starting 87) is kept as ITT issued it, flagged, and never fails the booking.
        let iccid = match Iccid::from_provider(raw_iccid) {
            Ok((iccid, None)) => iccid,
            Ok((iccid, Some(problem))) => {
                notes.push(format!(
                    "ITT issued eSIM {iccid} with an ICCID that fails the desk's check ({problem}): kept as issued"
                ));
                iccid
            }
            Err(err) => {
                notes.push(format!(
                    "ITT issued eSIM {} whose ICCID is not one at all ({err}): see the ITT portal for this eSIM",
                    clip(raw_iccid)
                ));
                continue;
            }
        };
        let activation_code = activation_code(&e);
        if activation_code.is_none() {
            notes.push(format!("eSIM {iccid}: no usable activation code yet"));
        }
        out.push(IssuedEsim {
            iccid,
            activation_code,
            provider_ref: Some(tracking_id.to_owned()),
            offering_code: package_id.map(str::to_owned),
        });
    }
    (out, issued)
}

/// §8: `qrcode` when it parses, else `LPA:1$<lpa>$<matching_id>`; `None` when neither does
/// (never logged in full: a code is a bearer credential).
fn activation_code(e: &wire::Esim) -> Option<ActivationCode> {
    if let Some(code) = e
        .qrcode
        .as_deref()
        .and_then(|q| ActivationCode::parse(q).ok())
    {
        return Some(code);
    }
    let (lpa, matching_id) = (e.lpa.as_deref()?, e.matching_id.as_deref()?);
    ActivationCode::parse(&assumed::built_activation_code(lpa, matching_id)).ok()
}

/// A booking's details → the order (its reference is the booking tracking id).
pub(super) fn placed_order(tracking_id: &str, d: &wire::BookingDetails) -> PlacedOrder {
    let mut notes = Vec::new();
    let package_id = d
        .package
        .as_ref()
        .and_then(|p| p.package_id.as_deref())
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let (esims, issued) = esims(&d.esims, tracking_id, package_id, &mut notes);
    // Issued eSIMs complete the booking even when the desk cannot keep one (its note says
    // which): polling would not make an invalid ICCID valid.
    let status = booking_status(d.booking_status.as_deref(), d.reason.as_deref(), issued);
    let total = match (d.total_price, d.currency.as_deref(), d.package.as_ref()) {
        (Some(amount), Some(currency), _) => money(amount, Some(currency)).ok(),
        (_, _, Some(p)) => p
            .sell_price
            .and_then(|a| money(a, p.sell_currency.as_deref()).ok()),
        _ => None,
    };
    if status == OrderStatus::Completed && esims.is_empty() {
        notes.push("ITT reports the booking confirmed but names no usable eSIM".to_owned());
    }
    PlacedOrder {
        provider_reference: tracking_id.to_owned(),
        client_reference: None,
        kind: OrderKind::NewEsim,
        status,
        total,
        created_at: d.created_at.as_deref().and_then(assumed::wire_time),
        lines: package_id
            .map(|p| PlacedLine {
                offering_code: p.to_owned(),
                quantity: assumed::ESIMS_PER_BOOKING,
                iccids: esims.iter().map(|e| e.iccid.clone()).collect(),
            })
            .into_iter()
            .collect(),
        esims,
        notes,
    }
}

// ---------------------------------------------------------------------------------------------
// Usage

/// §11: one eSIM's data, in MB (assumed unit), as one package.
pub(super) fn usage(
    iccid: &Iccid,
    u: &wire::Usage,
    now: OffsetDateTime,
) -> Result<EsimUsage, ProviderError> {
    let bad = |detail: &str| ProviderError::malformed("ITT data usage", detail);
    if let Some(reported) = u.iccid.as_deref()
        && reported.trim() != iccid.as_str()
    {
        return Err(bad("the reply is about another eSIM"));
    }
    let per_mb = match u
        .unit
        .as_deref()
        .map(|s| s.trim().to_ascii_uppercase())
        .as_deref()
    {
        None => 1,
        Some(unit) if unit == assumed::USAGE_UNIT => 1,
        Some("GB") => assumed::MB_PER_GB,
        Some(_) => return Err(bad("an unknown data unit")),
    };
    let amount = |v: Option<Decimal>| -> Result<Option<DataAmount>, ProviderError> {
        v.map(|d| {
            let mb = d
                .checked_mul(Decimal::from(per_mb))
                .and_then(lenient::whole)
                .ok_or_else(|| bad("an amount that is not a whole number of MB"))?;
            DataAmount::from_binary_megabytes(mb).ok_or_else(|| bad("an amount too large"))
        })
        .transpose()
    };
    let total = amount(u.total)?;
    let used = amount(u.used)?;
    let remaining = match (amount(u.remaining)?, total, used) {
        (Some(r), _, _) => Some(r),
        (None, Some(t), Some(used)) => Some(t.saturating_sub(used)),
        _ => None,
    };
    let allowance = match (u.is_unlimited, total) {
        (Some(true), _) => DataAllowance::Unlimited,
        (_, Some(amount)) => DataAllowance::Limited { amount },
        (_, None) => return Err(bad("no total")),
    };
    let (state, profile) = assumed::esim_status(u.esim_status.as_deref());
    let taken_at = u
        .updated_at
        .as_deref()
        .and_then(assumed::wire_time)
        .unwrap_or(now);
    Ok(EsimUsage {
        iccid: iccid.clone(),
        packages: vec![PackageUsage {
            package: Package {
                offering_code: USAGE_PACKAGE_LABEL.to_owned(),
                state,
                allowance,
                usage: Some(UsageSnapshot {
                    remaining,
                    taken_at,
                }),
                starts_at: None,
                ends_at: u.expired_at.as_deref().and_then(assumed::wire_time),
                provider_id: None,
            },
            assignment_id: None,
            assigned_at: None,
            initial: total,
        }],
        profile_status: Some(profile),
        taken_at,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn money_is_exact_in_the_accounts_currency() {
        let bdt = Currency::parse("BDT").unwrap();
        assert_eq!(
            money(Decimal::new(48941, 2), Some("BDT")),
            Ok(Money::from_minor(48941, bdt))
        );
        assert!(money(Decimal::new(1005, 3), Some("BDT")).is_err());
        assert!(money(Decimal::new(1, 0), None).is_err());
        assert!(money(Decimal::new(-1, 0), Some("BDT")).is_err());
    }

    #[test]
    fn booking_states() {
        assert_eq!(
            booking_status(Some("confirmed"), None, 1),
            OrderStatus::Completed
        );
        assert_eq!(
            booking_status(Some("Confirmed"), None, 0),
            OrderStatus::Provisioning
        );
        assert_eq!(
            booking_status(Some("pending"), None, 0),
            OrderStatus::Provisioning
        );
        assert_eq!(
            booking_status(Some("failed"), Some("supplier refused"), 0),
            OrderStatus::Failed {
                reason: Some("supplier refused".into())
            }
        );
        assert_eq!(
            booking_status(Some("cancelled"), None, 0),
            OrderStatus::Cancelled
        );
        assert_eq!(
            booking_status(Some("on_hold"), None, 0),
            OrderStatus::Unrecognised {
                raw: "on_hold".into()
            }
        );
    }
}
