//! Desk settings (name, selling currency, the profile recorded as the actor) and markup rules.
//! Every change is in the audit log.

use esimdesk_core::{MarkupRule, MarkupScope};

use crate::AppError;
use crate::desk::Desk;
use crate::views::DeskSettings;

pub fn desk_settings(desk: &Desk) -> Result<DeskSettings, AppError> {
    Ok(desk.store().desk_settings()?.into())
}

/// Saves the settings; the profile name becomes the actor of what follows.
pub fn set_desk_settings(desk: &Desk, settings: &DeskSettings) -> Result<DeskSettings, AppError> {
    let cleaned = DeskSettings {
        desk_name: settings.desk_name.trim().to_owned(),
        currency: settings.currency,
        profile_name: settings.profile_name.trim().to_owned(),
        country: settings.country,
    };
    if cleaned.desk_name.is_empty() {
        return Err(AppError::InvalidInput {
            field: "desk name".into(),
            message: "the desk needs a name (it is printed on vouchers)".into(),
        });
    }
    if cleaned.profile_name.is_empty() {
        return Err(AppError::InvalidInput {
            field: "profile".into(),
            message: "say who is at the desk (it is recorded with every action)".into(),
        });
    }
    let before = desk.store().desk_settings()?;
    desk.store().set_desk_settings(&cleaned.clone().into())?;
    desk.set_actor(cleaned.profile_name.clone());
    desk.store().audit(
        &desk.actor(),
        "settings.set",
        &format!(
            "desk name '{}' → '{}', currency {} → {}, profile '{}' → '{}', country {} → {}",
            before.desk_name,
            cleaned.desk_name,
            before.currency.code(),
            cleaned.currency.code(),
            before.profile_name,
            cleaned.profile_name,
            before.country.map_or("-".to_owned(), |c| c.code()),
            cleaned.country.map_or("-".to_owned(), |c| c.code())
        ),
    )?;
    Ok(cleaned)
}

pub fn markup_rules(desk: &Desk) -> Result<Vec<MarkupRule>, AppError> {
    Ok(desk.store().markup_rules()?)
}

/// Adds or replaces the rule for its scope and reprices the cached catalogue (the store records
/// it in the audit log in the same transaction).
pub fn set_markup_rule(desk: &Desk, rule: &MarkupRule) -> Result<(), AppError> {
    desk.store()
        .set_markup_rule(rule)
        .map_err(invalid("markup"))?;
    Ok(())
}

/// Removes the rule for a scope and reprices (audited by the store).
pub fn remove_markup_rule(desk: &Desk, scope: MarkupScope) -> Result<(), AppError> {
    desk.store()
        .remove_markup_rule(scope)
        .map_err(invalid("markup"))?;
    Ok(())
}

/// A store refusal of the value itself becomes an input error naming the field.
fn invalid(field: &'static str) -> impl Fn(esimdesk_store::StoreError) -> AppError {
    move |e| match e {
        esimdesk_store::StoreError::Invalid(message) => AppError::InvalidInput {
            field: field.into(),
            message,
        },
        other => AppError::Store(other),
    }
}

/// Some settings changed as a person types them (the CLI's `settings set`): each present field
/// replaces the current one; `country` empty clears it. Read by core, refused with the field's
/// name when it does not read.
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    pub desk_name: Option<String>,
    pub currency: Option<String>,
    pub country: Option<String>,
    pub profile_name: Option<String>,
}

/// Applies a [`SettingsChange`] to the current settings and saves them (audited).
pub fn change_desk_settings(desk: &Desk, change: SettingsChange) -> Result<DeskSettings, AppError> {
    let invalid = |field: &str, e: &dyn std::fmt::Display| AppError::InvalidInput {
        field: field.into(),
        message: e.to_string(),
    };
    let mut s = desk_settings(desk)?;
    if let Some(name) = change.desk_name {
        s.desk_name = name;
    }
    if let Some(code) = change.currency {
        s.currency =
            esimdesk_core::Currency::parse(code.trim()).map_err(|e| invalid("currency", &e))?;
    }
    if let Some(code) = change.country {
        s.country = match code.trim() {
            "" => None,
            code => Some(esimdesk_core::Country::parse(code).map_err(|e| invalid("country", &e))?),
        };
    }
    if let Some(profile) = change.profile_name {
        s.profile_name = profile;
    }
    set_desk_settings(desk, &s)
}
