//! `cargo xtask bench`: criterion benchmarks in release mode. Timings live here, never in
//! pass/fail tests.

use anyhow::Result;

use crate::{cargo, setup, status, step};

pub fn run() -> Result<()> {
    setup::all(false)?;
    step("store benchmarks (each figure beside bare rusqlite doing the same work)");
    status(cargo().args([
        "bench",
        "--locked",
        "-p",
        "esimdesk-store",
        "--bench",
        "store",
    ]))
}
