//! The whole test pipeline, as CI runs it. Ends with one line: `N passed, N failed`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::summary::Tally;
use crate::xvfb::Xvfb;
use crate::{build_ui, cargo, npm, root, setup, status, step};

pub fn run(with_e2e: bool) -> Result<()> {
    setup::all(with_e2e)?;

    step("cargo fmt --check");
    status(cargo().args(["fmt", "--all", "--check"]))?;

    // The shell embeds ui/dist at compile time, so the UI is built before anything compiles it.
    build_ui()?;

    step("cargo clippy (warnings are errors)");
    status(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;

    let mut total = Tally::default();

    // Also regenerates the UI's TypeScript bindings (ts-rs) before the UI type check below.
    // Runs inside a private D-Bus session with an unlocked gnome-keyring, so the tests that need
    // the OS keychain (ignored by a plain `cargo test`) use a real Secret Service.
    step("Rust tests (with a private, real Secret Service)");
    let mut rust_tests = keyring_session();
    rust_tests.arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    rust_tests.args([
        "test",
        "--workspace",
        "--locked",
        "--exclude",
        "esimdesk-e2e",
        "--",
        "--include-ignored",
    ]);
    total.add(libtest(&mut rust_tests)?);

    step("UI type check (svelte-check)");
    status(npm().args(["run", "check", "--silent"]))?;

    step("UI unit tests (vitest)");
    total.add(vitest()?);

    if with_e2e {
        step("end-to-end tests: the real window under Xvfb, through WebDriver");
        status(cargo().args(["build", "--locked", "-p", "esim-desk"]))?;
        let display = Xvfb::start()?;
        let app = target_dir().join("debug").join(exe("esim-desk"));
        let mut e2e = keyring_session();
        e2e.arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        total.add(libtest(
            e2e.args(["test", "--locked", "-p", "esimdesk-e2e"])
                .env("DISPLAY", &display.display)
                .env("ESIMDESK_APP", &app)
                .env("ESIMDESK_TAURI_DRIVER", setup::tauri_driver_path())
                .env("ESIMDESK_ARTIFACTS", target_dir().join("e2e-artifacts")),
        )?);
        println!(
            "screenshots: {}",
            target_dir().join("e2e-artifacts").display()
        );
    }

    println!();
    println!("{}", total.line());
    if total.failed > 0 {
        bail!("{} test(s) failed", total.failed);
    }
    if total.passed == 0 {
        bail!("no test ran");
    }
    Ok(())
}

/// `sh xtask/keyring-session.sh ...`: runs what follows with its own unlocked Secret Service.
fn keyring_session() -> Command {
    let mut command = Command::new("sh");
    command
        .current_dir(root())
        .arg(root().join("xtask").join("keyring-session.sh"));
    command
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

/// Runs a `cargo test`, streaming its output and adding up its `test result:` lines. A failing
/// run counts as failed even when its failure happened before any summary line (a build error).
fn libtest(command: &mut Command) -> Result<Tally> {
    let shown = format!("{command:?}");
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {shown}"))?;
    let mut tally = Tally::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.context("reading test output")?;
            println!("{line}");
            if let Some(t) = Tally::from_libtest_line(&line) {
                tally.add(t);
            }
        }
    }
    let exit = child.wait().context("waiting for cargo test")?;
    if !exit.success() && tally.failed == 0 {
        eprintln!("xtask: {shown} failed ({exit}) before reporting a failed test");
        tally.failed += 1;
    }
    Ok(tally)
}

fn vitest() -> Result<Tally> {
    let report = target_dir().join("vitest-report.json");
    let exit = npm()
        .args([
            "exec",
            "--",
            "vitest",
            "run",
            "--reporter=default",
            "--reporter=json",
        ])
        .arg(format!("--outputFile={}", report.display()))
        .status()
        .context("could not start vitest")?;
    let text = std::fs::read_to_string(&report)
        .with_context(|| format!("vitest wrote no report at {}", report.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text).context("vitest's JSON report")?;
    let mut tally = Tally::from_vitest_json(&json).context("vitest's report has no counts")?;
    if !exit.success() && tally.failed == 0 {
        tally.failed += 1;
    }
    Ok(tally)
}
