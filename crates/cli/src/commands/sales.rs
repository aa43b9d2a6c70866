//! Catalogues, search, orders and eSIMs.

use std::io::Write;

use esimdesk_app::catalogue::{self, SyncProgress};
use esimdesk_app::checkout::{self, CheckoutOutcome, CheckoutRequest, CheckoutStep};
use esimdesk_app::top_up::{self, TopUpInput};
use esimdesk_app::{
    CatalogueQuery, Country, Customer, Desk, Offering, ProviderKind, Region, SearchHit,
    SearchQuery, SearchSort, cancel, esims,
};
// Not re-exported by esimdesk-app yet: the parsers of typed money and data amounts.
use esimdesk_core::{Currency, DataAmount, Money};

use crate::args::{CatalogueCommand, EsimCommand, OrderCommand, SearchArgs, SortArg};
use crate::{Failure, output};

pub async fn catalogue(desk: &Desk, command: CatalogueCommand) -> Result<(), Failure> {
    match command {
        CatalogueCommand::Status(json) => {
            let freshness = catalogue::freshness(desk)?;
            let now = time::OffsetDateTime::now_utc();
            output::either(json.json, &freshness, |list| {
                list.iter()
                    .map(|f| match f.fetched_at {
                        Some(at) => format!(
                            "{:<16} {:>7} offerings, synced {} ago\n",
                            f.account_id,
                            f.offerings,
                            catalogue::age_in_words(now - at)
                        ),
                        None => format!("{:<16} never synced: run `esimdesk sync`\n", f.account_id),
                    })
                    .collect()
            })
        }
        CatalogueCommand::List {
            provider,
            country,
            region,
            json,
        } => {
            let mut query = CatalogueQuery::all();
            for code in &country {
                query.countries.push(
                    Country::parse(code).map_err(|e| Failure::Invalid(format!("country: {e}")))?,
                );
            }
            query.region = region.as_deref().map(Region::from_provider_name);
            let offerings = catalogue::browse(desk, &provider, &query).await?;
            output::either(json.json, &offerings, |list| {
                list.iter().map(offering_line).collect()
            })
        }
    }
}

fn offering_line(o: &Offering) -> String {
    let countries: Vec<String> = o.countries.iter().take(6).map(|c| c.code()).collect();
    let more = if o.countries.len() > 6 { ", …" } else { "" };
    format!(
        "{:<28} {:>9} {:>4} days {:>12}  {}{more}\n",
        o.code,
        o.data.to_string(),
        o.validity_days,
        o.cost.to_string(),
        countries.join(",")
    )
}

pub async fn sync(desk: &Desk, json: bool) -> Result<(), Failure> {
    let report = catalogue::sync_all(desk, &|p| {
        let line = match p {
            SyncProgress::Fetching {
                account_id,
                pages_done,
                page_count,
                offerings,
            } => format!(
                "{account_id}: page {pages_done}{} ({offerings} offerings)",
                page_count.map(|n| format!("/{n}")).unwrap_or_default()
            ),
            SyncProgress::Saving {
                account_id,
                offerings,
            } => format!("{account_id}: saved {offerings}"),
            SyncProgress::Done {
                account_id,
                offerings,
            } => format!("{account_id}: done, {offerings} offerings"),
            SyncProgress::Failed {
                account_id,
                message,
            } => format!("{account_id}: failed: {message}"),
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    })
    .await?;
    let failed = report.iter().filter(|r| r.error.is_some()).count();
    output::either(json, &report, |r| {
        if r.is_empty() {
            return "no provider accounts to sync: add one with `esimdesk providers add`\n"
                .to_owned();
        }
        r.iter()
            .map(|a| match (&a.offerings, &a.error) {
                (Some(n), _) => format!("{}: {n} offerings cached\n", a.account_id),
                (None, Some(e)) => format!("{}: kept the previous catalogue: {e}\n", a.account_id),
                (None, None) => String::new(),
            })
            .collect()
    })?;
    if failed > 0 {
        return Err(Failure::Other(format!(
            "{failed} account(s) failed to sync"
        )));
    }
    Ok(())
}

/// "5GB", "500 MB", "1.5 GB" → bytes, read by core (decimal units, as catalogues sell).
fn parse_data(text: &str) -> Result<u64, Failure> {
    text.parse::<DataAmount>()
        .map(DataAmount::bytes)
        .map_err(|e| Failure::Invalid(format!("min-data: {e}")))
}

/// "19.99", "1500" → minor units, read by core with the currency's own decimals (JPY 0, USD 2,
/// KWD 3).
fn parse_price(text: &str, currency: Currency) -> Result<i64, Failure> {
    Money::from_major_str(text, currency)
        .map(Money::minor)
        .map_err(|e| Failure::Invalid(format!("max-price: {e}")))
}

pub fn search(desk: &Desk, args: SearchArgs) -> Result<(), Failure> {
    let provider = match &args.provider {
        Some(p) => Some(
            ProviderKind::from_id(p)
                .ok_or_else(|| Failure::Invalid(format!("provider: unknown provider '{p}'")))?,
        ),
        None => None,
    };
    let query = SearchQuery {
        destination: args.destination.clone(),
        min_data_bytes: args.min_data.as_deref().map(parse_data).transpose()?,
        min_days: args.min_days,
        max_days: args.max_days,
        // Retail prices are in the offerings' currency, which is the desk's own when it sells
        // what it buys (no conversion yet): the price typed is read in the desk's currency.
        max_price_minor: match args.max_price.as_deref() {
            Some(text) => Some(parse_price(
                text,
                esimdesk_app::settings::desk_settings(desk)?.currency,
            )?),
            None => None,
        },
        unlimited: args.unlimited.then_some(true),
        provider,
        sort: match args.sort {
            SortArg::Price => SearchSort::RetailPrice,
            SortArg::PerGb => SearchSort::PricePerGb,
        },
        limit: args.limit,
    };
    let hits = catalogue::search(desk, &query)?;
    output::either(args.json.json, &hits, |hits| {
        if hits.is_empty() {
            return "nothing found (is the catalogue synced? `esimdesk sync`)\n".to_owned();
        }
        hits.iter().map(hit_line).collect()
    })
}

fn hit_line(h: &SearchHit) -> String {
    let per_gb = h
        .price_per_gb_minor
        .map(|m| {
            format!(
                "{}/GB",
                Money::from_minor(m, h.retail.currency()).major_string()
            )
        })
        .unwrap_or_else(|| "-".into());
    format!(
        "{:<10} {:<28} {:>9} {:>4} days {:>12} {:>10}  {}\n",
        h.account_id,
        h.offering.code,
        h.offering.data.to_string(),
        h.offering.validity_days,
        h.retail.to_string(),
        per_gb,
        h.offering.name
    )
}

pub async fn order(desk: &Desk, command: OrderCommand) -> Result<(), Failure> {
    match command {
        OrderCommand::Validate { target, json } => {
            let v = checkout::validate(desk, &target.provider, &target.offering, target.quantity)
                .await?;
            output::either(json.json, &v, |v| {
                format!(
                    "{} × {}: provider charges {} (catalogue said {}); customer pays {}\n",
                    v.quantity,
                    v.offering.offering.code,
                    v.provider_total
                        .map(|t| t.to_string())
                        .unwrap_or_else(|| "— (no dry run)".into()),
                    v.quoted_cost,
                    v.retail_total
                )
            })
        }
        OrderCommand::Place {
            target,
            reference,
            payment_ref,
            name,
            email,
            phone,
            json,
        } => {
            let customer = name.map(|name| Customer {
                name,
                email,
                phone,
                device_model: None,
                eid: None,
            });
            let request = CheckoutRequest {
                account_id: target.provider,
                offering_code: target.offering,
                quantity: target.quantity,
                customer,
                payment_reference: payment_ref,
                client_reference: reference,
                // One new dry run: the CLI shows none beforehand.
                dry_run_id: None,
            };
            let outcome = checkout::checkout(desk, request, &quiet).await?;
            output::either(json.json, &outcome, outcome_text)
        }
    }
}

/// Progress is not printed: the answer is.
fn quiet(_: CheckoutStep) {}

fn outcome_text(o: &CheckoutOutcome) -> String {
    let mut text = format!(
        "order {}: {}\n",
        o.order.order.client_reference,
        o.order.order.state.name()
    );
    for esim in &o.esims {
        text.push_str(&format!("ICCID {}\n", esim.iccid));
        match &esim.code {
            Some(code) => text.push_str(&format!("{}\n", code.canonical)),
            None => text.push_str("activation code not issued yet: run `esimdesk reconcile`\n"),
        }
    }
    text
}

pub async fn esim(desk: &Desk, command: EsimCommand) -> Result<(), Failure> {
    match command {
        EsimCommand::Usage { iccid, json } => {
            let usage = esims::refresh_usage(desk, &iccid).await?;
            output::either(json.json, &usage, |u| {
                let mut text = format!("ICCID {}\n", u.iccid);
                if let Some(status) = u.profile_status {
                    text.push_str(&format!("profile: {status:?}\n"));
                }
                for p in &u.packages {
                    let remaining = p
                        .usage
                        .and_then(|s| s.remaining)
                        .map(|r| r.to_string())
                        .unwrap_or_else(|| "?".into());
                    text.push_str(&format!(
                        "{:<28} {:<10} {} left of {}  (package {})\n",
                        p.offering_code,
                        p.state.name(),
                        remaining,
                        p.allowance,
                        p.provider_id.as_deref().unwrap_or("-")
                    ));
                }
                text
            })
        }
        EsimCommand::Find { text, limit, json } => {
            let found = esims::find(desk, &text, limit)?;
            output::either(json.json, &found, |list| {
                if list.is_empty() {
                    return "no eSIM matches\n".to_owned();
                }
                list.iter()
                    .map(|e| {
                        format!(
                            "{:<22} {:<10} {:<24} {}\n",
                            e.iccid,
                            e.account_id,
                            e.customer_name.as_deref().unwrap_or("-"),
                            e.order_reference.as_deref().unwrap_or("-"),
                        )
                    })
                    .collect()
            })
        }
        EsimCommand::TopUp {
            iccid,
            offering,
            reference,
            payment_ref,
            json,
        } => {
            let input = TopUpInput {
                iccid,
                account_id: None,
                offering_code: offering,
                payment_reference: payment_ref,
                client_reference: reference,
            };
            let outcome = top_up::top_up(desk, input, &quiet).await?;
            output::either(json.json, &outcome, outcome_text)
        }
        EsimCommand::Revoke {
            iccid,
            package,
            reference,
            json,
        } => {
            let input = cancel::RevokeInput {
                iccid,
                package_id: package,
                client_reference: reference,
            };
            let outcome = cancel::revoke_package(desk, input, &quiet).await?;
            output::either(json.json, &outcome, |o| {
                let mut text = format!(
                    "order {}: package {} ({}) revoked from eSIM {}\n",
                    o.client_reference, o.package_id, o.offering_code, o.iccid
                );
                if let Some(m) = &o.message {
                    text.push_str(&format!("{m}\n"));
                }
                if let Some(original) = &o.cancelled_order {
                    text.push_str(&format!("order {original} is now cancelled\n"));
                }
                text
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn data_amounts() {
        assert_eq!(parse_data("5GB").ok(), Some(5_000_000_000));
        assert_eq!(parse_data("5").ok(), Some(5_000_000_000));
        assert_eq!(parse_data("500mb").ok(), Some(500_000_000));
        assert_eq!(parse_data("1.5 GB").ok(), Some(1_500_000_000));
        assert!(
            matches!(parse_data("lots"), Err(Failure::Invalid(m)) if m.starts_with("min-data:"))
        );
    }

    #[test]
    fn prices_in_the_currency_s_own_decimals() {
        let c = |code: &str| Currency::parse(code).unwrap();
        assert_eq!(parse_price("19.99", c("USD")).ok(), Some(1999));
        assert_eq!(parse_price("5", c("USD")).ok(), Some(500));
        assert_eq!(parse_price("5.5", c("USD")).ok(), Some(550));
        assert_eq!(parse_price("1500", c("JPY")).ok(), Some(1500));
        assert_eq!(parse_price("1.5", c("KWD")).ok(), Some(1500));
        assert!(parse_price("5.555", c("USD")).is_err());
        assert!(parse_price("1500.5", c("JPY")).is_err());
        assert!(
            matches!(parse_price("-1", c("USD")), Err(Failure::Invalid(m)) if m.starts_with("max-price:"))
        );
    }
}
