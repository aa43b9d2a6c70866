//! Catalogues, search, orders and eSIMs.

use std::io::Write;
use std::time::Duration;

use esimdesk_app::catalogue::{self, SyncProgress};
use esimdesk_app::checkout::{self, CheckoutOutcome, CheckoutRequest, CheckoutStep};
use esimdesk_app::top_up::{self, TopUpInput};
use esimdesk_app::{
    CatalogueQuery, Country, CustomerView, Desk, Money, OfferingView, Region, SearchHit,
    SearchSort, cancel, cancel_esim, esims,
};

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

fn offering_line(o: &OfferingView) -> String {
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

pub fn search(desk: &Desk, args: SearchArgs) -> Result<(), Failure> {
    // Sizes and prices are read by the app (core's parsers, the desk's currency).
    let input = catalogue::SearchInput {
        destination: args.destination.clone(),
        min_data: args.min_data.clone(),
        max_price: args.max_price.clone(),
        min_days: args.min_days,
        max_days: args.max_days,
        unlimited: args.unlimited.then_some(true),
        provider: args.provider.clone(),
        sort: Some(match args.sort {
            SortArg::Price => SearchSort::RetailPrice,
            SortArg::PerGb => SearchSort::PricePerGb,
        }),
        limit: u32::try_from(args.limit).unwrap_or(u32::MAX),
    };
    let hits = catalogue::search_input(desk, &input)?;
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
            language,
            wait,
            json,
        } => {
            desk.set_provisioning_deadline(Duration::from_secs(wait.wait_seconds));
            let customer = name.map(|name| CustomerView {
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
                language,
            };
            let outcome = checkout::checkout(desk, request, &progress).await?;
            output::either(json.json, &outcome, outcome_text)
        }
    }
}

/// Progress is not printed: the answer is.
fn quiet(_: CheckoutStep) {}

/// A purchase's progress: only the wait for an asynchronous provider is worth a line (on
/// standard error, so `--json` output stays one document).
fn progress(step: CheckoutStep) {
    if step == CheckoutStep::Provisioning {
        eprintln!("the provider is preparing the eSIM…");
    }
}

fn outcome_text(o: &CheckoutOutcome) -> String {
    let mut text = format!(
        "order {}: {}\n",
        o.order.order.client_reference,
        o.order.order.state.name()
    );
    if o.order.order.state == esimdesk_app::OrderState::Provisioning {
        text.push_str(
            "the provider is still preparing the eSIM: the order is kept; run `esimdesk reconcile` \
             in a minute to collect its code (never sell it again)\n",
        );
    }
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
            wait,
            json,
        } => {
            desk.set_provisioning_deadline(Duration::from_secs(wait.wait_seconds));
            let input = TopUpInput {
                iccid,
                account_id: None,
                offering_code: offering,
                payment_reference: payment_ref,
                client_reference: reference,
            };
            let outcome = top_up::top_up(desk, input, &progress).await?;
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
        EsimCommand::Cancel {
            iccid,
            reference,
            json,
        } => {
            let input = cancel_esim::CancelEsimInput {
                iccid,
                client_reference: reference,
            };
            let outcome = cancel_esim::cancel_esim(desk, input, &quiet).await?;
            output::either(json.json, &outcome, |o| {
                format!(
                    "order {}: eSIM {} cancelled\n{}\n",
                    o.client_reference, o.iccid, o.message
                )
            })
        }
    }
}
