//! `esimdesk rates ...`

use esimdesk_app::Desk;
use esimdesk_app::rates::{self, RateInput};

use crate::args::RatesCommand;
use crate::{Failure, output};

/// The largest file `rates import` reads (the app refuses larger text anyway).
const MAX_FILE_BYTES: u64 = rates::MAX_IMPORT_BYTES as u64;

pub fn rates(desk: &Desk, command: RatesCommand) -> Result<(), Failure> {
    match command {
        RatesCommand::List(json) => {
            let list = rates::exchange_rates(desk)?;
            output::either(json.json, &list, |list| {
                if list.is_empty() {
                    return "no exchange rates: offerings in another currency than the selling \
                            one are shown in their own (add one with `esimdesk rates set`)\n"
                        .to_owned();
                }
                list.iter().map(|r| format!("{r}\n")).collect()
            })
        }
        RatesCommand::Set {
            currency,
            rate,
            as_of,
            json,
        } => {
            let as_of = as_of.unwrap_or_else(rates::today);
            let set = rates::set_exchange_rate(
                desk,
                &RateInput {
                    from: currency,
                    rate,
                    as_of,
                },
            )?;
            output::either(json.json, &set, |r| format!("{r}; catalogue repriced\n"))
        }
        RatesCommand::Remove { currency, to } => {
            let to = match to {
                Some(to) => to,
                None => esimdesk_app::settings::desk_settings(desk)?
                    .currency
                    .code()
                    .to_owned(),
            };
            rates::remove_exchange_rate(desk, &currency, &to)?;
            println!("removed the rate of {currency} into {to}; catalogue repriced");
            Ok(())
        }
        RatesCommand::Import { file, json } => {
            let size = std::fs::metadata(&file)
                .map_err(|e| Failure::Invalid(format!("{}: {e}", file.display())))?
                .len();
            if size > MAX_FILE_BYTES {
                return Err(Failure::Invalid(format!(
                    "{}: {size} bytes is not a rate table",
                    file.display()
                )));
            }
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Failure::Invalid(format!("{}: {e}", file.display())))?;
            let imported = rates::import_csv(desk, &text)?;
            output::either(json.json, &imported, |i| {
                format!(
                    "imported {} rates ({} into the selling currency); catalogue repriced\n",
                    i.rates, i.into_selling_currency
                )
            })
        }
    }
}
