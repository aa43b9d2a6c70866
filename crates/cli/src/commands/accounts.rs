//! `esimdesk providers ...`

use std::io::{BufRead, IsTerminal};

use esimdesk_app::Desk;
use esimdesk_app::ProviderKind;
use esimdesk_app::accounts::{self, NewAccount};
use esimdesk_app::credentials;
use secrecy::SecretString;

use crate::args::ProvidersCommand;
use crate::{Failure, output};

pub async fn providers(desk: &Desk, command: ProvidersCommand) -> Result<(), Failure> {
    match command {
        ProvidersCommand::Add {
            provider,
            base_url,
            id,
            label,
            json,
        } => {
            let kind = ProviderKind::from_id(&provider).ok_or_else(|| {
                Failure::Invalid(format!(
                    "provider: '{provider}' is not one of esimgo, telness, truphone, itt"
                ))
            })?;
            let key = read_key(kind)?;
            let check = accounts::add_account(
                desk,
                NewAccount {
                    provider: kind,
                    id,
                    label,
                    base_url,
                    key,
                },
            )
            .await?;
            output::either(json.json, &check, |c| {
                let balance = c
                    .balance
                    .map(|b| format!(", balance {b}"))
                    .unwrap_or_default();
                format!(
                    "added {} ({}) at {}{balance}; key stored in the OS keychain\n",
                    c.account.id, c.account.label, c.account.base_url
                )
            })
        }
        ProvidersCommand::List(json) => {
            let list = accounts::list_accounts(desk)?;
            output::either(json.json, &list, |list| {
                if list.is_empty() {
                    return "no provider accounts: add one with `esimdesk providers add esimgo`\n"
                        .to_owned();
                }
                list.iter()
                    .map(|a| format!("{:<16} {:<10} {}\n", a.id, a.provider.id(), a.base_url))
                    .collect()
            })
        }
        ProvidersCommand::Remove { id } => {
            accounts::remove_account(desk, &id)?;
            println!("removed {id} and its key");
            Ok(())
        }
        ProvidersCommand::Balance { id, json } => {
            let balance = accounts::balance(desk, &id).await?;
            output::either(json.json, &balance, |b| format!("{b}\n"))
        }
    }
}

/// The credential: at a terminal, one prompt per field of the provider's form (secrets without
/// echo); else its lines on standard input, one per field (see `providers add --help`).
fn read_key(kind: ProviderKind) -> Result<SecretString, Failure> {
    if std::io::stdin().is_terminal() {
        let mut values = Vec::new();
        for field in credentials::fields(kind) {
            let prompt = format!("{} {}: ", kind.display_name(), field.label);
            let value = if field.secret {
                rpassword::prompt_password(prompt)
                    .map_err(|e| Failure::Other(format!("cannot read the {}: {e}", field.label)))?
            } else {
                eprint!("{prompt}");
                read_line()?
            };
            values.push(value);
        }
        return Ok(credentials::from_values(kind, &values)?);
    }
    let mut text = String::new();
    for _ in credentials::fields(kind) {
        text.push_str(&read_line()?);
        text.push('\n');
    }
    Ok(credentials::from_text(kind, &text)?)
}

fn read_line() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Other(format!("cannot read standard input: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
