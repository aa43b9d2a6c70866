//! `cargo xtask run` starts the app; `cargo xtask test` runs every check CI runs. Both install what
//! a fresh Debian machine lacks first (see `setup`).

mod bench;
mod bindings;
mod setup;
mod summary;
mod test;
mod xvfb;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::OnceLock;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "eSIM Desk's set-up, run and test pipeline"
)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Install what is missing, build the UI and start the desktop app.
    Run {
        /// Build and run the optimised build.
        #[arg(long)]
        release: bool,
    },
    /// Install what is missing, then: fmt, clippy, Rust tests, UI type check and unit tests,
    /// and the end-to-end tests in a real window under Xvfb.
    Test {
        /// Skip the end-to-end tests (for a quick local loop; CI never skips them).
        #[arg(long)]
        no_e2e: bool,
    },
    /// Run the benchmarks (release build) and print their tables; the figures go in BENCHMARKS.md.
    Bench {
        /// Only the store's criterion benchmarks.
        #[arg(long, conflicts_with = "desk")]
        store: bool,
        /// Only the desk's: cold start, keypress to results, memory, the walk-in flow.
        #[arg(long)]
        desk: bool,
    },
    /// Only install what the machine lacks (Debian packages, npm packages, tauri-driver).
    Setup,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Task::Run { release } => run(release),
        Task::Test { no_e2e } => test::run(!no_e2e),
        Task::Bench { store, desk } => bench::run(!desk, !store),
        Task::Setup => setup::all(true),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(release: bool) -> Result<()> {
    setup::all(false)?;
    build_ui()?;
    let mut cargo = cargo();
    cargo.args(["run", "-p", "esim-desk"]);
    if release {
        cargo.arg("--release");
    }
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        bail!(
            "no display: run this from a desktop session (or under `xvfb-run cargo xtask run` to \
             start it headless)"
        );
    }
    step("starting eSIM Desk");
    status(&mut cargo)
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root());
    command
}

pub fn npm() -> Command {
    let mut command = Command::new("npm");
    command.current_dir(root().join("ui"));
    command.env("NO_COLOR", "1").env("npm_config_fund", "false");
    command
}

pub fn build_ui() -> Result<()> {
    step("building the UI (ui/dist)");
    status(npm().args(["run", "build", "--silent"]))
}

/// Prints a step's heading with the time since the first step, so a slow step shows in CI logs.
pub fn step(what: &str) {
    static STARTED: OnceLock<Instant> = OnceLock::new();
    let elapsed = STARTED.get_or_init(Instant::now).elapsed().as_secs();
    println!("\n==> {what}  [{}m{:02}s]", elapsed / 60, elapsed % 60);
}

/// Runs a command to completion, failing with its name when it fails.
pub fn status(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}");
    let exit = command
        .status()
        .with_context(|| format!("could not start {shown}"))?;
    if !exit.success() {
        bail!("{shown} failed ({exit})");
    }
    Ok(())
}
