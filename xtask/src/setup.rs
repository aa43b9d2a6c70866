//! Installs what a fresh machine lacks. On Debian/Ubuntu as root (or with sudo) it installs the
//! system packages itself; otherwise it prints exactly what to install.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Result, bail};

use crate::{npm, root, status, step};

/// Debian packages the app, its build and its tests need.
const DEBIAN_PACKAGES: &[&str] = &[
    // building the Tauri shell (WebKitGTK 4.1, GTK 3)
    "build-essential",
    "pkg-config",
    "file",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libssl-dev",
    "libxdo-dev",
    // the OS keychain (Secret Service client) and a private, real one for the tests
    "libdbus-1-dev",
    "dbus-daemon",
    "dbus-bin",
    "gnome-keyring",
    // end-to-end tests: a virtual display and WebKit's WebDriver
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
];

const TAURI_DRIVER_VERSION: &str = "2.1.0";

/// `with_test_tools`: also tauri-driver (only the test pipeline needs it).
pub fn all(with_test_tools: bool) -> Result<()> {
    if cfg!(target_os = "linux") {
        debian_packages()?;
    }
    node_packages()?;
    if with_test_tools {
        tauri_driver()?;
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn has_command(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn debian_packages() -> Result<()> {
    if !has_command("dpkg-query") {
        println!(
            "xtask: not a Debian-family system; install the equivalents of: {} and Node.js 20+",
            DEBIAN_PACKAGES.join(" ")
        );
        return Ok(());
    }
    let mut wanted: Vec<&str> = DEBIAN_PACKAGES.to_vec();
    if !has_command("node") || !has_command("npm") {
        wanted.extend(["nodejs", "npm"]);
    }
    let missing: Vec<&str> = wanted.into_iter().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    step(&format!(
        "installing Debian packages: {}",
        missing.join(" ")
    ));
    let sudo: &[&str] = if is_root() {
        &[]
    } else if has_command("sudo") {
        &["sudo"]
    } else {
        bail!(
            "missing Debian packages; install them as root:\n  apt-get update && apt-get install -y {}",
            missing.join(" ")
        );
    };
    // Fresh machines have stale package lists: an install without an update fails on a
    // version mismatch.
    apt(sudo, &["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(missing.iter().copied());
    apt(sudo, &args)
}

fn apt(sudo: &[&str], args: &[&str]) -> Result<()> {
    let (program, rest) = match sudo.first() {
        Some(s) => (*s, [&["apt-get"], args].concat()),
        None => ("apt-get", args.to_vec()),
    };
    status(
        Command::new(program)
            .args(rest)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn node_packages() -> Result<()> {
    let ui = root().join("ui");
    let stamp = ui.join("node_modules/.package-lock.json");
    let lock = ui.join("package-lock.json");
    let fresh = match (stamp.metadata(), lock.metadata()) {
        (Ok(s), Ok(l)) => match (s.modified(), l.modified()) {
            (Ok(s), Ok(l)) => s >= l,
            _ => false,
        },
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    step("installing the UI's npm packages (npm ci)");
    status(npm().args(["ci", "--no-audit", "--loglevel=error"]))
}

/// Where cargo installs binaries, which may not be on PATH in a fresh shell.
pub fn cargo_bin_dir() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    home.join("bin")
}

pub fn tauri_driver_path() -> PathBuf {
    cargo_bin_dir().join("tauri-driver")
}

fn tauri_driver() -> Result<()> {
    if tauri_driver_path().exists() || !cfg!(any(target_os = "linux", target_os = "windows")) {
        return Ok(());
    }
    step(&format!("installing tauri-driver {TAURI_DRIVER_VERSION}"));
    status(Command::new("cargo").args([
        "install",
        "tauri-driver",
        "--locked",
        "--version",
        TAURI_DRIVER_VERSION,
    ]))
}
