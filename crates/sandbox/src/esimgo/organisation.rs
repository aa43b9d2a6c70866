//! `GET /organisation`, `POST /organisation/balance`, `GET /organisation/groups` (esimgo.md §4.3, §5).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use super::Ctx;
use super::state::CURRENCY;
use super::wire::{
    BundleGroup, BundleGroups, Organisation, OrganisationUser, OrganisationsEnvelope, TopupResponse,
};
use super::{ApiError, Committed, Params};
use crate::clock::date;
use crate::money::{Major, parse_cents};

/// Smallest top-up (USD cents).
const MIN_TOP_UP: i64 = 100_000;
/// Largest total of top-ups per day (USD cents).
const MAX_TOP_UP_PER_DAY: i64 = 500_000;

pub async fn get(State(app): State<Ctx>) -> Json<OrganisationsEnvelope> {
    let now = app.clock.now();
    let st = app.sim.lock();
    let org = Organisation {
        name: "Demo Travel Desk Ltd".to_owned(),
        api_key: st.settings.api_key.clone(),
        tax_liable: "No".to_owned(),
        addr1: "1 Sandbox Street".to_owned(),
        addr2: String::new(),
        city: "London".to_owned(),
        country: "GB".to_owned(),
        postcode: "EC1A 1AA".to_owned(),
        callback_url: String::new(),
        notes: "eSIM Desk sandbox".to_owned(),
        groups: st.catalogue.groups(),
        currency: CURRENCY.to_owned(),
        balance: Major(st.balance_cents),
        test_credit: Major(0),
        test_credit_expiry: date(now + time::Duration::days(365)),
        business_type: "Travel agency".to_owned(),
        website: "https://desk.example".to_owned(),
        product_description: "Travel eSIMs sold at the desk".to_owned(),
        users: vec![OrganisationUser {
            first_name: "Sandy".to_owned(),
            last_name: "Box".to_owned(),
            role: "Admin".to_owned(),
            email_address: "sandy@desk.example".to_owned(),
            phone_number: "+44 20 7946 0000".to_owned(),
            time_zone: "Europe/London".to_owned(),
        }],
    };
    Json(OrganisationsEnvelope {
        organisations: vec![org],
    })
}

pub async fn top_up(State(app): State<Ctx>, params: Params) -> Result<Response, ApiError> {
    let amount = params
        .get("amount")
        .ok_or_else(|| ApiError::bad_request("amount is required"))?;
    let cents =
        parse_cents(amount).map_err(|_| ApiError::bad_request("amount must be a number of USD"))?;
    if cents < MIN_TOP_UP {
        return Err(ApiError::bad_request("The minimum top-up is 1000 USD"));
    }
    let today = app.clock.now().date();
    let mut st = app.sim.lock();
    let so_far = match st.topups_today {
        Some((day, total)) if day == today => total,
        _ => 0,
    };
    if so_far + cents > MAX_TOP_UP_PER_DAY {
        return Err(ApiError::bad_request(
            "Daily top-up limit of 5000 USD exceeded",
        ));
    }
    st.topups_today = Some((today, so_far + cents));
    st.balance_cents += cents;
    let reference = st.next_topup_ref;
    st.next_topup_ref += 1;
    Ok((
        Extension(Committed),
        Json(TopupResponse {
            amount: cents / 100,
            balance: Major(st.balance_cents),
            reference,
        }),
    )
        .into_response())
}

pub async fn groups(State(app): State<Ctx>) -> Json<BundleGroups> {
    let st = app.sim.lock();
    let groups = st
        .catalogue
        .groups()
        .into_iter()
        .map(|name| {
            let desc = match name.as_str() {
                "Standard Fixed" => "Fixed data bundles",
                "Standard Long Duration" => "Fixed data bundles valid for 90 days or more",
                "Standard Unlimited Lite" => "Unlimited data, 1GB a day at high speed",
                "Standard Unlimited Essential" => "Unlimited data, 2GB a day at high speed",
                "Standard Unlimited Plus" => "Unlimited data, 5GB a day at high speed",
                _ => "",
            };
            BundleGroup {
                desc: desc.to_owned(),
                name,
            }
        })
        .collect();
    Json(BundleGroups { groups })
}
