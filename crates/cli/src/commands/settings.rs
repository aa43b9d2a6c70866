//! `esimdesk settings ...`

use esimdesk_app::{Country, Currency, Desk, DeskSettings};

use crate::args::SettingsCommand;
use crate::{Failure, output};

pub fn settings(desk: &Desk, command: SettingsCommand) -> Result<(), Failure> {
    let text = |s: &DeskSettings| {
        format!(
            "desk name: {}\ncurrency: {}\ncountry of sale: {}\nprofile: {}\n",
            s.desk_name,
            s.currency,
            s.country.map_or_else(|| "not set".to_owned(), |c| c.code()),
            s.profile_name
        )
    };
    match command {
        SettingsCommand::Show(json) => {
            let now = esimdesk_app::settings::desk_settings(desk)?;
            output::either(json.json, &now, text)
        }
        SettingsCommand::Set {
            desk_name,
            currency,
            country,
            profile,
            json,
        } => {
            let mut s = esimdesk_app::settings::desk_settings(desk)?;
            if let Some(name) = desk_name {
                s.desk_name = name;
            }
            if let Some(code) = currency {
                s.currency = Currency::parse(code.trim())
                    .map_err(|e| Failure::Invalid(format!("currency: {e}")))?;
            }
            if let Some(code) = country {
                s.country = match code.trim() {
                    "" => None,
                    code => Some(
                        Country::parse(code)
                            .map_err(|e| Failure::Invalid(format!("country: {e}")))?,
                    ),
                };
            }
            if let Some(profile) = profile {
                s.profile_name = profile;
            }
            let saved = esimdesk_app::settings::set_desk_settings(desk, &s)?;
            output::either(json.json, &saved, text)
        }
    }
}
