//! `cargo xtask bench`: the benchmarks, release builds only. Timings live here, never in
//! pass/fail tests; the figures go in BENCHMARKS.md.
//!
//! `cargo xtask bench` runs both sets; `--store` or `--desk` runs one.

use anyhow::Result;

use crate::test::{exe, target_dir};
use crate::xvfb::Xvfb;
use crate::{build_ui, cargo, setup, status, step};

pub fn run(store: bool, desk: bool) -> Result<()> {
    setup::all(desk)?;
    if store {
        step("store benchmarks (each figure beside bare rusqlite doing the same work)");
        status(cargo().args([
            "bench",
            "--locked",
            "-p",
            "esimdesk-store",
            "--bench",
            "store",
        ]))?;
    }
    if desk {
        build_ui()?;
        step("building the release app");
        status(cargo().args(["build", "--release", "--locked", "-p", "esim-desk"]))?;
        step("desk benchmarks: the release app in a real window under Xvfb");
        let display = Xvfb::start()?;
        status(
            cargo()
                .args([
                    "bench",
                    "--locked",
                    "-p",
                    "esimdesk-e2e",
                    "--bench",
                    "desk_speed",
                ])
                .env("DISPLAY", &display.display)
                .env(
                    "ESIMDESK_APP",
                    target_dir().join("release").join(exe("esim-desk")),
                )
                .env("ESIMDESK_TAURI_DRIVER", setup::tauri_driver_path())
                .env("ESIMDESK_ARTIFACTS", target_dir().join("bench-artifacts")),
        )?;
    }
    Ok(())
}
