//! `esimdesk`: the same services as the desktop app, for scripts and automation.
//!
//! Exit codes: 0 success, 2 bad input (the message names the field), 1 anything else.
//! Data goes to stdout as JSON; errors go to stderr as one line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use esimdesk_app::AppError;
use esimdesk_app::codes::{self, QrFormat};
use esimdesk_app::identifiers::{self, IdentifierCheck};

#[derive(Debug, Parser)]
#[command(
    name = "esimdesk",
    version,
    about = "eSIM Desk from the command line: check activation codes, ICCIDs and EIDs, draw QR codes.",
    after_help = "Exit codes: 0 success, 2 bad input, 1 any other failure.\n\
                  Logs go to stderr; set RUST_LOG=debug for more."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Activation codes (the text inside an eSIM QR code).
    #[command(subcommand)]
    Code(CodeCommand),
    /// ICCIDs (the eSIM's serial number).
    #[command(subcommand)]
    Iccid(IccidCommand),
    /// EIDs (the phone's eUICC identifier).
    #[command(subcommand)]
    Eid(EidCommand),
    /// Write the QR code of an activation code to an SVG or PNG file.
    #[command(after_help = "Examples:\n  \
        esimdesk qr 'LPA:1$rsp.truphone.com$6C-DA326D-K86D' --svg code.svg\n  \
        esimdesk qr '1$rsp.truphone.com$6C-DA326D-K86D' --png code.png --size 600\n\n\
        The QR always carries the canonical LPA: string, error correction M, 4-module quiet zone.")]
    Qr(QrArgs),
}

#[derive(Debug, Subcommand)]
enum CodeCommand {
    /// Parse and check an activation code; print its fields and install links as JSON.
    #[command(after_help = "Examples:\n  \
        esimdesk code parse 'LPA:1$rsp.truphone.com$6C-DA326D-K86D'\n  \
        esimdesk code parse '1$smdp.example.com$04386-AGYFT-A74Y8-3F815$$1'\n\n\
        JSON fields: smdp_address, matching_id, oid (or null), confirmation_code_required,\n\
        canonical, apple_install_url, android_install_url, windows_install_link, warnings.\n\
        Quote the code: '$' is special to shells.")]
    Parse {
        /// The activation code, with or without the LPA: prefix.
        code: String,
    },
}

#[derive(Debug, Subcommand)]
enum IccidCommand {
    /// Check an ICCID (length, 89 prefix, Luhn check digit); spaces and dashes are allowed.
    #[command(after_help = "Examples:\n  \
        esimdesk iccid check 8944538532046590109\n  \
        esimdesk iccid check '8937 2020 0000 0123 4569'\n\n\
        JSON: { \"normalized\": digits or null, \"valid\": bool, \"reason\": text or null }.\n\
        Exit code 0 when valid, 2 when not.")]
    Check { iccid: String },
}

#[derive(Debug, Subcommand)]
enum EidCommand {
    /// Check an EID (32 digits, 89 prefix, ISO 7064 MOD 97-10 check digits).
    #[command(after_help = "Examples:\n  \
        esimdesk eid check 89049032000088880000000000001425\n\n\
        JSON: { \"normalized\": digits or null, \"valid\": bool, \"reason\": text or null }.\n\
        Exit code 0 when valid, 2 when not.")]
    Check { eid: String },
}

#[derive(Debug, Args)]
struct QrArgs {
    /// The activation code, with or without the LPA: prefix.
    code: String,
    #[command(flatten)]
    output: QrOutput,
    /// Minimum width of the PNG in pixels.
    #[arg(long, default_value_t = 512, requires = "png")]
    size: u32,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct QrOutput {
    /// Write an SVG (for screen and print).
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Write a PNG (for export).
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
}

/// A failure of this run, with its exit code.
enum Failure {
    App(AppError),
    Invalid(String),
    Io(String),
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
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::App(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.is_bad_input() { 2 } else { 1 })
        }
        Err(Failure::Invalid(reason)) => {
            eprintln!("error: {reason}");
            ExitCode::from(2)
        }
        Err(Failure::Io(reason)) => {
            eprintln!("error: {reason}");
            ExitCode::from(1)
        }
    }
}

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Code(CodeCommand::Parse { code }) => {
            let report = codes::inspect(&code).map_err(Failure::App)?;
            print_json(&report)
        }
        Command::Iccid(IccidCommand::Check { iccid }) => {
            report_check(identifiers::check_iccid(&iccid), "ICCID")
        }
        Command::Eid(EidCommand::Check { eid }) => {
            report_check(identifiers::check_eid(&eid), "EID")
        }
        Command::Qr(args) => {
            let (path, format) = match (args.output.svg, args.output.png) {
                (Some(path), _) => (path, QrFormat::Svg),
                (None, Some(path)) => (
                    path,
                    QrFormat::Png {
                        min_size_px: args.size,
                    },
                ),
                (None, None) => {
                    return Err(Failure::Invalid("give --svg FILE or --png FILE".into()));
                }
            };
            let bytes = codes::qr_bytes(&args.code, format).map_err(Failure::App)?;
            std::fs::write(&path, bytes)
                .map_err(|e| Failure::Io(format!("cannot write {}: {e}", path.display())))
        }
    }
}

fn report_check(check: IdentifierCheck, what: &str) -> Result<(), Failure> {
    print_json(&check)?;
    if check.valid {
        Ok(())
    } else {
        let reason = check.reason.unwrap_or_default();
        Err(Failure::Invalid(format!("{what}: {reason}")))
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::Io(format!("cannot encode the result: {e}")))?;
    println!("{text}");
    Ok(())
}
