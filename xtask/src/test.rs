//! The whole test pipeline, as CI runs it. Ends with one line: `N passed, N failed`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::summary::Tally;
use crate::xvfb::Xvfb;
use crate::{bindings, build_ui, cargo, npm, root, setup, status, step};

/// The longest the Rust tests (end-to-end included) may run: about five minutes here, so this
/// only ends a run that hangs.
const TEST_RUN_LIMIT: Duration = Duration::from_secs(30 * 60);

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

    // One package selection for the build and the run: cargo unifies features over the packages
    // it builds, so building the app on its own (`-p esim-desk`) would compile the Tauri stack a
    // second time under another feature set. `cargo test` only builds a package's binary for its
    // own integration tests, hence the explicit build of every binary and test first.
    let mut selection = vec!["--workspace", "--locked"];
    if !with_e2e {
        selection.extend(["--exclude", "esimdesk-e2e"]);
    }
    step("building every crate, binary and test");
    status(cargo().arg("build").args(&selection).args([
        "--lib",
        "--bins",
        "--tests",
        "--examples",
    ]))?;

    let mut total = Tally::default();

    // Also regenerates the UI's TypeScript bindings (ts-rs) before the UI type check below.
    // Runs inside a private D-Bus session with an unlocked gnome-keyring, so the tests that need
    // the OS keychain (ignored by a plain `cargo test`) use a real Secret Service. The end-to-end
    // tests (the real window through WebDriver) run in the same `cargo test`, on a private Xvfb.
    step(if with_e2e {
        "Rust tests, then the end-to-end tests in the real window under Xvfb \
         (with a private, real Secret Service)"
    } else {
        "Rust tests (with a private, real Secret Service)"
    });
    // The bindings are regenerated from scratch, so a stale, changed or missing file shows.
    let committed_bindings = bindings::take()?;
    let display = if with_e2e { Some(Xvfb::start()?) } else { None };
    let mut rust_tests = keyring_session();
    rust_tests
        .arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .arg("test")
        .args(&selection)
        // Every test binary runs even after one fails: the summary then counts every failure.
        .arg("--no-fail-fast")
        .args(["--", "--include-ignored"]);
    if let Some(display) = &display {
        rust_tests
            .env("DISPLAY", &display.display)
            .env(
                "ESIMDESK_APP",
                target_dir().join("debug").join(exe("esim-desk")),
            )
            .env("ESIMDESK_TAURI_DRIVER", setup::tauri_driver_path())
            .env("ESIMDESK_ARTIFACTS", target_dir().join("e2e-artifacts"));
    }
    let run = libtest(&mut rust_tests);
    if run.is_err() {
        // The run itself broke: put back what it did not write, so the tree is left as it was.
        bindings::restore_missing(&committed_bindings);
    }
    total.add(run?);
    if display.is_some() {
        println!(
            "screenshots: {}",
            target_dir().join("e2e-artifacts").display()
        );
    }
    drop(display);

    step("the UI's TypeScript bindings match the Rust types");
    bindings::compare(&committed_bindings)?;

    step("UI type check (svelte-check)");
    status(npm().args(["run", "check", "--silent"]))?;

    step("UI unit tests (vitest)");
    total.add(vitest()?);

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

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

pub fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

/// Runs a `cargo test`, streaming its output and adding up its `test result:` lines. A failing
/// run counts as failed even when its failure happened before any summary line (a build error).
///
/// The run gets a process group of its own, ended once the run has exited: anything it left
/// behind (a WebDriver, a daemon) must neither outlive it nor hold its output open, which would
/// leave this loop waiting for an end of file that never comes.
fn libtest(command: &mut Command) -> Result<Tally> {
    let shown = format!("{command:?}");
    command.stdout(Stdio::piped());
    own_process_group(command);
    let mut child = command
        .spawn()
        .with_context(|| format!("could not start {shown}"))?;
    let (lines, received) = mpsc::channel::<String>();
    if let Some(stdout) = child.stdout.take() {
        thread::spawn(move || {
            // A test may print bytes that are not UTF-8: shown as they come, never fatal.
            for line in BufReader::new(stdout)
                .split(b'\n')
                .map_while(std::io::Result::ok)
            {
                if lines
                    .send(String::from_utf8_lossy(&line).into_owned())
                    .is_err()
                {
                    break;
                }
            }
        });
    }
    let mut tally = Tally::default();
    let mut show = |line: String| {
        println!("{line}");
        if let Some(t) = Tally::from_libtest_line(&line) {
            tally.add(t);
        }
    };
    let started = Instant::now();
    let mut overran = false;
    let exit = loop {
        match received.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => show(line),
            Err(RecvTimeoutError::Timeout) => {
                if let Some(exit) = child.try_wait().context("waiting for cargo test")? {
                    break exit;
                }
                // A hung test (a window that stopped answering WebDriver) must fail the run, not
                // hold CI until its own time limit.
                if started.elapsed() > TEST_RUN_LIMIT && !overran {
                    overran = true;
                    eprintln!(
                        "xtask: the test run took over {} minutes; ending it",
                        TEST_RUN_LIMIT.as_secs() / 60
                    );
                    let left = end_process_group(child.id());
                    eprintln!("xtask: still running then: {}", left.join(", "));
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                break child.wait().context("waiting for cargo test")?;
            }
        }
    };
    // What the run wrote just before it exited is still in the pipe; a few quiet seconds mean
    // the rest is only a leftover process holding the pipe (which may not talk for ever either).
    let drained = Instant::now();
    while drained.elapsed() < Duration::from_secs(30) {
        match received.recv_timeout(Duration::from_secs(3)) {
            Ok(line) => show(line),
            Err(_) => break,
        }
    }
    let left = end_process_group(child.id());
    if !left.is_empty() {
        eprintln!(
            "xtask: ended what the run left running: {}",
            left.join(", ")
        );
    }
    if overran {
        tally.failed += 1;
    } else if !exit.success() && tally.failed == 0 {
        eprintln!("xtask: {shown} failed ({exit}) before reporting a failed test");
        tally.failed += 1;
    }
    Ok(tally)
}

#[cfg(unix)]
fn own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
}

/// Kills whatever is left in the group led by `leader`, and names it (for the log).
#[cfg(unix)]
fn end_process_group(leader: u32) -> Vec<String> {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    let Ok(group) = i32::try_from(leader) else {
        return Vec::new();
    };
    let left = group_members(leader);
    let _ = killpg(Pid::from_raw(group), Signal::SIGKILL);
    left
}

/// `name (pid)` of every process in a process group, from `/proc` (empty where there is none).
#[cfg(unix)]
fn group_members(group: u32) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp ...`; comm may hold spaces, so split after its last ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let pgrp = stat[close + 1..].split_whitespace().nth(2);
        if pgrp.and_then(|p| p.parse::<u32>().ok()) == Some(group) {
            found.push(format!(
                "{} ({})",
                &stat[open + 1..close],
                entry.file_name().to_string_lossy()
            ));
        }
    }
    found
}

#[cfg(not(unix))]
fn own_process_group(_command: &mut Command) {}

#[cfg(not(unix))]
fn end_process_group(_leader: u32) -> Vec<String> {
    Vec::new()
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
