//! Every point of the ITT wire reference (`itt.md`) that this adapter relies on although no
//! source confirms it — marked "(assumed)" there or listed in §15 "Open points" — in one place,
//! each a constant or a function below with its section. [`ASSUMPTIONS`] lists them all (a test
//! checks the list against this file), so that when ITT confirms or corrects one, this file is
//! where to look first.
//!
//! Points of itt.md the adapter does not rely on (nothing here for them): the meaning of
//! `validity.activation_days` / `topup_days` (§4, not read), the polling rhythm of §8 (the app
//! polls), webhooks (§13: the desk has no public endpoint and polls), the simulator's repeated
//! `create-booking` returning the same booking (§3, §15.15: never relied on, so
//! [`crate::Capabilities::idempotent_orders`] is `false` and nothing is ever re-sent).

use esimdesk_core::{Country, PackageState, ProfileStatus};
use time::{OffsetDateTime, PrimitiveDateTime};

use super::wire;

// ---------------------------------------------------------------------------------------------
// §1 Basics

/// §1, §15.2 (assumed): the production base for eSIM calls is the service host; the paths below
/// are appended as `/esim/<operation>`. Configurable ([`super::IttConfig::base_url`]).
pub(super) const PRODUCTION_BASE_URL: &str = "https://serviceapi.innotraveltech.com";

/// §1 (assumed): the words a damaged or string-typed boolean may use for true.
pub(super) const TRUE_WORDS: &[&str] = &["true", "yes"];

/// §1 (assumed): ... and for false.
pub(super) const FALSE_WORDS: &[&str] = &["false", "no"];

/// §1 (assumed): a string that means "absent" (`"null"`, `"null,"` after cleaning).
pub(super) const NULL_WORD: &str = "null";

/// §1 (docs sample `"1 GB"` ↔ `"1024"`), §11 (assumed unit): data amounts are binary megabytes,
/// 1 GB = 1024 MB, 1 MB = 1024² bytes.
pub(super) const MB_PER_GB: u64 = 1024;

/// §15.13 (no rate limit published): the desk keeps to this many requests per second per
/// account, evenly spaced.
pub(super) const DEFAULT_REQUESTS_PER_SECOND: u32 = 5;

// ---------------------------------------------------------------------------------------------
// §3, §15.1 Paths other than search, single-package and create-booking (which the seed names)

/// §6 (path assumed).
pub(super) const UPDATE_TRAVELLERS_PATH: &str = "update-travellers";
/// §8 (path assumed).
pub(super) const BOOKING_DETAILS_PATH: &str = "booking-details";
/// §9 (path assumed).
pub(super) const INSTALLATION_INSTRUCTIONS_PATH: &str = "installation-instructions";
/// §10 (path assumed).
pub(super) const COMPATIBLE_DEVICES_PATH: &str = "compatible-devices";
/// §11 (path assumed).
pub(super) const DATA_USAGE_PATH: &str = "data-usage";
/// §12.1 (path assumed).
pub(super) const TOP_UP_PACKAGES_PATH: &str = "topup-packages";
/// §12.2 (path assumed).
pub(super) const CREATE_TOP_UP_BOOKING_PATH: &str = "create-topup-booking";
/// §12.3 (path assumed).
pub(super) const TOP_UP_HISTORY_PATH: &str = "topup-history";

// ---------------------------------------------------------------------------------------------
// §4 Search

/// §4 (assumed): a catalogue for one country searches `region_type: "local"` with its
/// `country_code` (the seed's sample); a catalogue for everything sends neither (both optional,
/// assumed) and gets every package. Regions and several countries are walked country by country
/// or filtered locally.
pub(super) fn search_criteria(country: Option<Country>) -> wire::SearchCriteria {
    wire::SearchCriteria {
        region_type: country.map(|_| "local"),
        country_code: country.map(Country::code),
        plan_type: "data",
    }
}

/// §4 (`language`, optional): the language asked for in search replies.
pub(super) const SEARCH_LANGUAGE: &str = "en";

/// §2, §5 (assumed): a search `tracking_id` may expire, so every dry run searches afresh rather
/// than reuse one from the catalogue sync: first where the catalogue found the package (its
/// country, or everything), then, if the package is not there any more, everything.
pub(super) fn pricing_searches(found_under: Option<Option<Country>>) -> Vec<Option<Country>> {
    match found_under {
        Some(Some(country)) => vec![Some(country), None],
        Some(None) | None => vec![None],
    }
}

// ---------------------------------------------------------------------------------------------
// §5–§8 The sale

/// §5, §15.9 (assumed): the confirmed price is `price.sell_price` + `price.sell_currency`,
/// falling back to `data.sell_price` + `data.sell_currency`; `None` when neither is complete.
pub(super) fn confirmed_price(
    reply: &wire::SinglePackageReply,
) -> Option<(rust_decimal::Decimal, String)> {
    [reply.price.as_ref(), reply.data.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|p| Some((p.sell_price?, p.sell_currency.clone()?)))
}

/// §6 (passenger fields assumed from the platform): the traveller's name is split at its first
/// white space into `first_name` / `last_name` ("Ana María García" → "Ana" / "María García");
/// `None` for a name of one word (both fields are required: refused before anything is sent).
pub(super) fn split_name(name: &str) -> Option<(&str, &str)> {
    let (first, last) = name.trim().split_once(char::is_whitespace)?;
    let (first, last) = (first.trim(), last.trim());
    (!first.is_empty() && !last.is_empty()).then_some((first, last))
}

/// §6, §7 (assumed): the desk does not split a phone number into `isd_code` and `contact_no`;
/// the number goes whole in `contact_no` (white space removed) and `isd_code` is left out.
pub(super) fn contact_no(phone: Option<&str>) -> Option<String> {
    let phone: String = phone?.chars().filter(|c| !c.is_whitespace()).collect();
    (!phone.is_empty()).then_some(phone)
}

/// §6 (assumed): the one traveller of a sale is `pax_id` "1", an adult ...
pub(super) const LEAD_PAX_ID: &str = "1";
/// ... (`pax_type`) ...
pub(super) const PAX_TYPE: &str = "ADT";
/// ... not saved to the partner's passenger list (`save_pax`).
pub(super) const SAVE_PAX: &str = "no";

/// §7, §15.6 (assumed): payment is charged to the partner's credit (`payment_type`).
pub(super) const PAYMENT_TYPE: &str = "wallet";

/// §7 (`quantity` assumed, default 1): one booking tracking id prices one package, so a sale
/// books exactly one eSIM (`quantity` is never sent). A sale of several eSIMs is several sales.
pub(super) const ESIMS_PER_BOOKING: u32 = 1;

/// §7, §15.11 (assumed booking statuses): a supplier order in progress ...
pub(super) const BOOKING_PENDING: &str = "pending";
/// ... an issued eSIM ...
pub(super) const BOOKING_CONFIRMED: &str = "confirmed";
/// ... a failed booking (nothing delivered) ...
pub(super) const BOOKING_FAILED: &str = "failed";
/// ... and a cancelled one.
pub(super) const BOOKING_CANCELLED: &str = "cancelled";

/// §3, §8 (assumed, as the platform's flight API): booking-details looks a booking up by its
/// tracking id when `booking_id` is empty.
pub(super) const LOOKUP_BY_TRACKING_ID: &str = "";

/// §3, §8, §14 (assumed): booking-details on a booking tracking id that was priced but never
/// booked answers "not found" (`404`, or a `failed` envelope whose reason says so, §14's
/// "unknown or expired tracking id"). The reference gives no way to tell a never-booked
/// tracking id from an unknown or expired one, and the desk needs none: either way ITT holds no
/// booking under it, so nothing was bought through it (yet) — [`crate::OrderStatus::Draft`],
/// which the app settles after its grace period. Only tracking ids the desk journaled are ever
/// asked for.
pub(super) fn not_booked(error: &crate::ProviderError) -> bool {
    matches!(error, crate::ProviderError::NotFound { .. })
}

/// §8 (assumed): a success reply for a tracking id that names no booking (no `booking_id`, no
/// `booking_status`, no eSIM) is likewise a tracking id not booked.
pub(super) fn unbooked_reply(
    booking_id: Option<&str>,
    booking_status: Option<&str>,
    esims: usize,
) -> bool {
    booking_id.is_none_or(str::is_empty) && booking_status.is_none_or(str::is_empty) && esims == 0
}

/// §8, §15.10 (assumed fields): when `qrcode` does not parse as an activation code, the code is
/// built from the SM-DP+ address `lpa` and `matching_id`.
pub(super) fn built_activation_code(lpa: &str, matching_id: &str) -> String {
    format!("LPA:1${}${}", lpa.trim(), matching_id.trim())
}

/// §8, §11 (assumed): times are `yyyy-MM-dd HH:mm:ss` without a zone, in UTC. Anything else is
/// left unread (`None`).
pub(super) fn wire_time(text: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    PrimitiveDateTime::parse(text.trim(), &format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

// ---------------------------------------------------------------------------------------------
// §9–§12 After the sale

/// §2, §8, §11, §12 (linkage assumed): every call about an eSIM names it by the booking tracking
/// id it was sold under (kept as [`crate::EsimHandle::provider_ref`]) and its ICCID.
pub(super) fn tracking_id_of(esim: &crate::EsimHandle) -> Result<&str, crate::ProviderError> {
    esim.provider_ref
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| crate::ProviderError::InvalidRequest {
            message: format!(
                "ITT addresses eSIM {} by the booking tracking id it was sold under, which this desk does not hold",
                esim.iccid
            ),
        })
}

/// §9 (response assumed): each step is `{ "step": n, "text": "…" }` (ordered by `step`); a plain
/// string is taken as a step too. Anything else is skipped.
pub(super) fn step_text(item: &serde_json::Value) -> Option<(Option<u64>, String)> {
    let (order, text) = match item {
        serde_json::Value::String(s) => (None, s.as_str()),
        serde_json::Value::Object(map) => {
            let order = match map.get("step") {
                Some(serde_json::Value::Number(n)) => n.as_u64(),
                Some(serde_json::Value::String(s)) => super::lenient::clean(s).parse().ok(),
                _ => None,
            };
            (order, map.get("text")?.as_str()?)
        }
        _ => return None,
    };
    let text = text.trim();
    (!text.is_empty()).then(|| (order, text.to_owned()))
}

/// §10 (seed 001 sample `{ "member_id": 1 }`): compatible-devices gets the member id as a JSON
/// number when it is one; every other call sends it as a string (the other samples' form).
pub(super) fn devices_member_id(member_id: &str) -> wire::MemberId<'_> {
    match member_id.parse::<u64>() {
        Ok(n) => wire::MemberId::Number(n),
        Err(_) => wire::MemberId::Text(member_id),
    }
}

/// §11 (assumed unit): usage amounts are in this unit when `unit` is absent.
pub(super) const USAGE_UNIT: &str = "MB";

/// §11, §15.11 (assumed values): `esim_status` → the package's state and the profile's.
/// `NOT_ACTIVE` (not used yet: queued; the profile may or may not be installed), `ACTIVE`,
/// `FINISHED` (data used up), `EXPIRED`; `UNKNOWN` and anything else is unknown.
pub(super) fn esim_status(raw: Option<&str>) -> (PackageState, ProfileStatus) {
    match raw.map(|s| s.trim().to_ascii_uppercase()).as_deref() {
        Some("NOT_ACTIVE") => (PackageState::Queued, ProfileStatus::Unknown),
        // Data was used, so the profile is on a phone.
        Some("ACTIVE") => (PackageState::Active, ProfileStatus::Installed),
        Some("FINISHED") => (PackageState::Depleted, ProfileStatus::Installed),
        Some("EXPIRED") => (PackageState::Expired, ProfileStatus::Unknown),
        _ => (PackageState::Unknown, ProfileStatus::Unknown),
    }
}

/// §12.2 (assumed body): a top-up is booked on the eSIM's own booking tracking id (not the
/// `tracking_id` of the top-up package list, §12.1), with its ICCID and the top-up `package_id`.
/// ITT prices top-ups only in that list, and leaves nothing behind before the booking, so the
/// top-up's dry run reads the list and hands back a desk-made draft reference
/// `itt-topup:<unix seconds>:<tracking id>:<iccid>:<package_id>`: reading it later looks the
/// eSIM's top-up history (§12.3) for that package booked since then.
pub(super) const TOP_UP_DRAFT_PREFIX: &str = "itt-topup:";

/// §12.2, §12.3 (desk convention): a booked top-up's reference,
/// `itt-topup-booking:<tracking id>:<iccid>:<booking_id>`, read back from the top-up history.
pub(super) const TOP_UP_BOOKING_PREFIX: &str = "itt-topup-booking:";

/// §12.3 (desk choice): clock skew allowed between the desk and ITT when looking for a top-up
/// booked after its dry run.
pub(super) const TOP_UP_LOOKUP_SKEW_SECS: i64 = 60;

// ---------------------------------------------------------------------------------------------
// §14 Errors (all assumed): business refusals come as `200` with `status: "failed"`; their
// `reason` decides the variant, matched case-insensitively on these words.

/// §14: "Insufficient balance" (and its likely variants) → insufficient balance.
pub(super) const INSUFFICIENT_BALANCE_WORDS: &[&str] = &[
    "insufficient",
    "low balance",
    "not enough balance",
    "not enough credit",
];
/// §14: "Booking not found", an unknown or expired id → not found.
pub(super) const NOT_FOUND_WORDS: &[&str] = &["not found", "does not exist", "expired"];
/// §14: "Invalid API credentials" → credentials refused.
pub(super) const CREDENTIAL_WORDS: &[&str] = &[
    "credential",
    "api key",
    "apikey",
    "secret code",
    "unauthori",
];
/// §14: "no stock" → refused access (nothing left to sell).
pub(super) const NO_STOCK_WORDS: &[&str] = &["stock", "sold out"];

/// Every assumption above as (section, name). The test below keeps this list and the file in
/// step: each constant and function here is listed, and each listed name is here.
#[cfg_attr(not(test), allow(dead_code))]
pub(super) const ASSUMPTIONS: &[(&str, &str)] = &[
    ("§1, §15.2", "PRODUCTION_BASE_URL"),
    ("§1", "TRUE_WORDS"),
    ("§1", "FALSE_WORDS"),
    ("§1", "NULL_WORD"),
    ("§1, §11", "MB_PER_GB"),
    ("§15.13", "DEFAULT_REQUESTS_PER_SECOND"),
    ("§6, §15.1", "UPDATE_TRAVELLERS_PATH"),
    ("§8, §15.1", "BOOKING_DETAILS_PATH"),
    ("§9, §15.1", "INSTALLATION_INSTRUCTIONS_PATH"),
    ("§10, §15.1", "COMPATIBLE_DEVICES_PATH"),
    ("§11, §15.1", "DATA_USAGE_PATH"),
    ("§12.1, §15.1", "TOP_UP_PACKAGES_PATH"),
    ("§12.2, §15.1", "CREATE_TOP_UP_BOOKING_PATH"),
    ("§12.3, §15.1", "TOP_UP_HISTORY_PATH"),
    ("§4", "search_criteria"),
    ("§4", "SEARCH_LANGUAGE"),
    ("§2, §5", "pricing_searches"),
    ("§5, §15.9", "confirmed_price"),
    ("§6", "split_name"),
    ("§6, §7", "contact_no"),
    ("§6", "LEAD_PAX_ID"),
    ("§6", "PAX_TYPE"),
    ("§6", "SAVE_PAX"),
    ("§7, §15.6", "PAYMENT_TYPE"),
    ("§7", "ESIMS_PER_BOOKING"),
    ("§7, §15.11", "BOOKING_PENDING"),
    ("§7, §15.11", "BOOKING_CONFIRMED"),
    ("§7, §15.11", "BOOKING_FAILED"),
    ("§7, §15.11", "BOOKING_CANCELLED"),
    ("§3, §8", "LOOKUP_BY_TRACKING_ID"),
    ("§3, §8, §14", "not_booked"),
    ("§8", "unbooked_reply"),
    ("§8, §15.10", "built_activation_code"),
    ("§8, §11", "wire_time"),
    ("§2, §8, §11, §12", "tracking_id_of"),
    ("§9", "step_text"),
    ("§10", "devices_member_id"),
    ("§11", "USAGE_UNIT"),
    ("§11, §15.11", "esim_status"),
    ("§12.2", "TOP_UP_DRAFT_PREFIX"),
    ("§12.2, §12.3", "TOP_UP_BOOKING_PREFIX"),
    ("§12.3", "TOP_UP_LOOKUP_SKEW_SECS"),
    ("§14", "INSUFFICIENT_BALANCE_WORDS"),
    ("§14", "NOT_FOUND_WORDS"),
    ("§14", "CREDENTIAL_WORDS"),
    ("§14", "NO_STOCK_WORDS"),
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::collections::BTreeSet;

    use super::*;

    /// The names this file defines (`pub(super) const X` / `pub(super) fn x`), from its source.
    fn defined() -> BTreeSet<String> {
        include_str!("assumed.rs")
            .lines()
            .filter_map(|l| {
                let rest = l
                    .strip_prefix("pub(super) const ")
                    .or_else(|| l.strip_prefix("pub(super) fn "))?;
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                Some(name)
            })
            .filter(|n| n != "ASSUMPTIONS")
            .collect()
    }

    #[test]
    fn every_assumption_is_listed_with_its_section() {
        let listed: BTreeSet<String> = ASSUMPTIONS.iter().map(|(_, n)| (*n).to_owned()).collect();
        assert_eq!(listed.len(), ASSUMPTIONS.len(), "a name is listed twice");
        assert_eq!(listed, defined(), "ASSUMPTIONS and assumed.rs differ");
        for (section, name) in ASSUMPTIONS {
            assert!(section.starts_with('§'), "{name}: {section}");
        }
        // The doc comment of each names its section.
        let source = include_str!("assumed.rs");
        for (section, name) in ASSUMPTIONS {
            let first = section.split(',').next().unwrap().trim();
            assert!(source.contains(first), "{name}: {first} is not cited");
        }
    }

    #[test]
    fn the_behaviours_as_written() {
        assert_eq!(
            split_name("Ana María García"),
            Some(("Ana", "María García"))
        );
        assert_eq!(split_name("  Ana   García "), Some(("Ana", "García")));
        assert_eq!(split_name("Ana"), None);
        assert_eq!(
            contact_no(Some("+34 612 345 678")).as_deref(),
            Some("+34612345678")
        );
        assert_eq!(contact_no(Some("  ")), None);
        assert_eq!(
            built_activation_code(" rsp.example.com ", "K2-1"),
            "LPA:1$rsp.example.com$K2-1"
        );
        assert_eq!(
            wire_time("2025-06-02 09:15:02"),
            Some(time::macros::datetime!(2025-06-02 09:15:02 UTC))
        );
        assert_eq!(wire_time("2 June"), None);
        assert!(unbooked_reply(None, Some(""), 0));
        assert!(!unbooked_reply(Some("ES1"), None, 0));
        assert!(!unbooked_reply(None, Some("pending"), 0));
        assert_eq!(
            esim_status(Some("finished")),
            (PackageState::Depleted, ProfileStatus::Installed)
        );
        assert_eq!(
            esim_status(Some("whatever")),
            (PackageState::Unknown, ProfileStatus::Unknown)
        );
        assert!(matches!(devices_member_id("1"), wire::MemberId::Number(1)));
        assert!(matches!(
            devices_member_id("P-7"),
            wire::MemberId::Text("P-7")
        ));
        assert_eq!(
            step_text(&serde_json::json!({"step": "2,", "text": " Scan "})),
            Some((Some(2), "Scan".to_owned()))
        );
        assert_eq!(
            step_text(&serde_json::json!("Open Settings")),
            Some((None, "Open Settings".to_owned()))
        );
        assert_eq!(step_text(&serde_json::json!(3)), None);
        let c = search_criteria(Some(Country::parse("BD").unwrap()));
        assert_eq!(
            (c.region_type, c.country_code.as_deref()),
            (Some("local"), Some("BD"))
        );
        assert_eq!(search_criteria(None).country_code, None);
    }
}
