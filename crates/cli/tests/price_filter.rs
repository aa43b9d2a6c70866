//! `esimdesk search --max-price` reads the price in the desk's currency with that currency's own
//! decimals: a JPY desk's 1500 is 1,500 yen, not 150,000 minor units.
//!
//! The catalogue is written straight into the database (the sandbox sells in USD only), so no
//! keychain is needed and these run in a plain `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Output;

use esimdesk_core::{
    ActivationType, Country, Currency, DataAllowance, DataAmount, Money, Offering, ProviderKind,
};
use esimdesk_store::{DB_FILE_NAME, DeskSettings, ProviderAccount, Store};
use serde_json::Value;
use time::OffsetDateTime;

/// A desk selling in `currency`, whose cached catalogue has one 5 GB Japan offering at each of
/// `prices` (major units of `currency`, no markup).
fn desk_selling_in(currency: &str, prices: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join(DB_FILE_NAME)).unwrap();
    let currency = Currency::parse(currency).unwrap();
    store
        .set_desk_settings(&DeskSettings {
            currency,
            ..DeskSettings::default()
        })
        .unwrap();
    store
        .upsert_account(&ProviderAccount {
            id: "esimgo".into(),
            provider: ProviderKind::Esimgo,
            label: "eSIM Go".into(),
            base_url: "https://api.example.invalid".into(),
            created_at: OffsetDateTime::UNIX_EPOCH,
        })
        .unwrap();
    let offerings: Vec<Offering> = prices
        .iter()
        .map(|price| Offering {
            provider: ProviderKind::Esimgo,
            code: format!("esim_5GB_7D_JP_{}", price.replace('.', "_")),
            name: format!("eSIM, 5GB, 7 Days, Japan at {price}"),
            countries: vec![Country::parse("JP").unwrap()],
            region: None,
            data: DataAllowance::Limited {
                amount: DataAmount::from_bytes(5_000_000_000),
            },
            validity_days: 7,
            cost: Money::from_major_str(price, currency).unwrap(),
            activation: ActivationType::FirstUse,
            speeds: vec!["4G".into()],
            top_up: true,
        })
        .collect();
    store
        .replace_catalogue("esimgo", &offerings, OffsetDateTime::now_utc(), &mut |_| {})
        .unwrap();
    dir
}

fn search(data: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_esimdesk"))
        .arg("--data-dir")
        .arg(data)
        .arg("search")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// The retail prices (minor units, currency) of a JSON search.
fn retail(out: &Output) -> Vec<(i64, String)> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits: Value = serde_json::from_slice(&out.stdout).unwrap();
    hits.as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["retail"]["minor"].as_i64().unwrap(),
                h["retail"]["currency"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_jpy_price_filter_is_read_in_yen() {
    let dir = desk_selling_in("JPY", &["1200", "1500", "2000"]);
    let jpy = |minor: i64| (minor, "JPY".to_owned());

    let out = search(dir.path(), &["japan", "--max-price", "1500", "--json"]);
    assert_eq!(retail(&out), [jpy(1200), jpy(1500)]);
    let out = search(dir.path(), &["japan", "--max-price", "1499", "--json"]);
    assert_eq!(retail(&out), [jpy(1200)]);
    let out = search(dir.path(), &["japan", "--json"]);
    assert_eq!(retail(&out), [jpy(1200), jpy(1500), jpy(2000)]);

    // Yen have no decimals: a fraction of one is refused as bad input (exit code 2), naming it.
    let out = search(dir.path(), &["japan", "--max-price", "1500.5"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("max price") && err.contains("JPY"), "{err}");
    assert!(out.stdout.is_empty());

    // The text output shows yen as yen: 1200 JPY for 5 GB is 240 JPY per GB.
    let out = search(dir.path(), &["japan", "--max-price", "1200"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1200 JPY") && text.contains("240/GB"),
        "{text}"
    );
}

#[test]
fn other_currencies_keep_their_own_decimals() {
    let dir = desk_selling_in("USD", &["12", "15", "19.99"]);
    let usd = |minor: i64| (minor, "USD".to_owned());
    let out = search(dir.path(), &["japan", "--max-price", "15", "--json"]);
    assert_eq!(retail(&out), [usd(1200), usd(1500)]);
    let out = search(dir.path(), &["japan", "--max-price", "19,99", "--json"]);
    assert_eq!(retail(&out), [usd(1200), usd(1500), usd(1999)]);

    let dir = desk_selling_in("KWD", &["1.5", "2.25"]);
    let kwd = |minor: i64| (minor, "KWD".to_owned());
    let out = search(dir.path(), &["japan", "--max-price", "1.5", "--json"]);
    assert_eq!(retail(&out), [kwd(1500)]);
    let out = search(dir.path(), &["japan", "--max-price", "2.250", "--json"]);
    assert_eq!(retail(&out), [kwd(1500), kwd(2250)]);

    for bad in ["-1", "cheap", "1.2345"] {
        let out = search(dir.path(), &["japan", "--max-price", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

#[test]
fn data_filters_are_read_by_core() {
    let dir = desk_selling_in("USD", &["12"]);
    for (min_data, found) in [
        ("5GB", 1),
        ("5 GB", 1),
        ("5000mb", 1),
        ("5.1 GB", 0),
        ("6", 0),
    ] {
        let out = search(dir.path(), &["japan", "--min-data", min_data, "--json"]);
        assert_eq!(retail(&out).len(), found, "{min_data}");
    }
    let out = search(dir.path(), &["japan", "--min-data", "lots"]);
    assert_eq!(out.status.code(), Some(2));
}
