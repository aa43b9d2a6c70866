//! `esimdesk providers ...`

use std::io::{BufRead, IsTerminal};

use esimdesk_app::Desk;
use esimdesk_app::ProviderKind;
use esimdesk_app::accounts::{self, NewAccount};
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

/// The key from a no-echo prompt at a terminal, or the first line of standard input.
fn read_key(kind: ProviderKind) -> Result<SecretString, Failure> {
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("{} API key: ", kind.display_name()))
            .map_err(|e| Failure::Other(format!("cannot read the key: {e}")))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::Other(format!("cannot read the key from standard input: {e}")))?;
        line
    };
    let key = text.trim();
    if key.is_empty() {
        return Err(Failure::Invalid(
            "key: none given (type it at the prompt or pipe it on standard input)".into(),
        ));
    }
    Ok(SecretString::from(key.to_owned()))
}
