//! `esimdesk`: the same services as the desktop app, for scripts and automation.
//!
//! Exit codes: 0 success, 2 bad input (the message names the field), 1 anything else.
//! Data goes to stdout (text, or JSON with --json); errors go to stderr as one line.

mod args;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;
use esimdesk_app::AppError;

use crate::args::Cli;

/// A failure of this run, with its exit code.
#[derive(Debug)]
pub enum Failure {
    App(AppError),
    /// Bad input found by the CLI itself (exit 2).
    Invalid(String),
    /// Anything else (exit 1).
    Other(String),
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure::App(e)
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::App(e)) => {
            // Scripts read whether a failed purchase may have spent money; only `not_sent`
            // allows buying again under a new reference.
            match e.money_moved() {
                Some(moved) => eprintln!("error: {e} [money: {}]", moved.as_str()),
                None => eprintln!("error: {e}"),
            }
            ExitCode::from(if e.is_bad_input() { 2 } else { 1 })
        }
        Err(Failure::Invalid(reason)) => {
            eprintln!("error: {reason}");
            ExitCode::from(2)
        }
        Err(Failure::Other(reason)) => {
            eprintln!("error: {reason}");
            ExitCode::from(1)
        }
    }
}
