//! One function per command; each calls `esimdesk-app` and prints.

mod accounts;
mod codes;
mod maintenance;
mod rates;
mod sales;
mod settings;

use esimdesk_app::Desk;

use crate::Failure;
use crate::args::{Cli, Command};

pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Code(c) => codes::code(c),
        Command::Iccid(c) => codes::iccid(c),
        Command::Eid(c) => codes::eid(c),
        Command::Qr(args) => codes::qr(args),
        command => {
            let desk = open_desk(&cli.data_dir, &cli.actor)?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| Failure::Other(format!("cannot start: {e}")))?;
            runtime.block_on(with_desk(&desk, command))
        }
    }
}

async fn with_desk(desk: &Desk, command: Command) -> Result<(), Failure> {
    match command {
        Command::Providers(c) => accounts::providers(desk, c).await,
        Command::Catalogue(c) => sales::catalogue(desk, c).await,
        Command::Sync(json) => sales::sync(desk, json.json).await,
        Command::Search(args) => sales::search(desk, args),
        Command::Order(c) => sales::order(desk, c).await,
        Command::Orders { limit, json } => maintenance::orders(desk, limit, json.json),
        Command::Reconcile {
            grace_seconds,
            json,
            action: None,
        } => maintenance::reconcile(desk, grace_seconds, json.json).await,
        Command::Reconcile {
            action: Some(action),
            ..
        } => maintenance::resolve(desk, action).await,
        Command::Esim(c) => sales::esim(desk, c).await,
        Command::Rates(c) => rates::rates(desk, c),
        Command::Settings(c) => settings::settings(desk, c),
        Command::Backup { file } => maintenance::backup(desk, &file),
        Command::Check(json) => maintenance::check(desk, json.json),
        Command::Code(_) | Command::Iccid(_) | Command::Eid(_) | Command::Qr(_) => Ok(()),
    }
}

fn open_desk(data_dir: &Option<std::path::PathBuf>, actor: &str) -> Result<Desk, Failure> {
    let desk = Desk::open(data_dir.as_deref(), esimdesk_app::os_keychain())?;
    desk.set_actor(actor);
    Ok(desk)
}
