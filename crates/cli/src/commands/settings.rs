//! `esimdesk settings ...`

use esimdesk_app::{Desk, DeskSettings};

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
            // Read by core through the app, never by the CLI (ARCHITECTURE.md).
            let saved = esimdesk_app::settings::change_desk_settings(
                desk,
                esimdesk_app::settings::SettingsChange {
                    desk_name,
                    currency,
                    country,
                    profile_name: profile,
                },
            )?;
            output::either(json.json, &saved, text)
        }
    }
}
