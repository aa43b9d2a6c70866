//! What a desk agent feels, measured in the real window: cold start to the Sell screen, a
//! keypress in the destination box to its results drawn over 100,000 offerings, idle memory of
//! the whole process tree, and the walk-in flow's inputs and the time the app itself spends.
//!
//! Run by `cargo xtask bench` (release app, private Xvfb, the same variables as the end-to-end
//! tests). It prints figures for BENCHMARKS.md and asserts nothing about time.
#![allow(clippy::print_stdout)]

mod flow;
mod measure;
mod procs;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use esimdesk_e2e::Desk;
use fantoccini::key::Key;

use crate::measure::{KeyLatency, Stats};

/// Cold starts measured (each a new process on a new data folder).
const COLD_STARTS: usize = 10;
/// The demo catalogue size for the search figures (the 100,000-offering cache);
/// `ESIMDESK_BENCH_CATALOGUE` sets another (a quicker run while working on the search).
const BIG_CATALOGUE: &str = "100000";

fn big_catalogue_size() -> String {
    std::env::var("ESIMDESK_BENCH_CATALOGUE").unwrap_or_else(|_| BIG_CATALOGUE.to_owned())
}

fn main() -> Result<()> {
    let app = std::env::var_os("ESIMDESK_APP")
        .map(std::path::PathBuf::from)
        .context("ESIMDESK_APP is not set: run this through `cargo xtask bench`")?;
    println!("eSIM Desk benchmarks — {}", app.display());

    // `ESIMDESK_BENCH_ONLY=start|search|flow` runs one part (while working on it).
    let only = std::env::var("ESIMDESK_BENCH_ONLY").unwrap_or_default();
    let run = |part: &str| only.is_empty() || only == part;
    if run("start") {
        cold_start(&app)?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        if run("search") {
            big_catalogue(&app).await?;
        }
        if run("flow") {
            flow::walk_in(&app).await?;
        }
        Ok(())
    })
}

/// Release app, demo mode, a new data folder each time: process start to the Sell screen drawn
/// with its destination box focused (the app quits there: `ESIMDESK_EXIT_WHEN_READY`).
fn cold_start(app: &std::path::Path) -> Result<()> {
    println!("\n## Cold start to Sell accepting input ({COLD_STARTS} runs)");
    let mut wall = Vec::new();
    let mut inside = Vec::new();
    for run in 0..COLD_STARTS {
        let data = tempfile::tempdir()?;
        let started = Instant::now();
        let mut child = Command::new(app)
            .env("ESIMDESK_DATA_DIR", data.path())
            .env("ESIMDESK_EXIT_WHEN_READY", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", app.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("ready for input after") {
                    let _ = tx.send((Instant::now(), line));
                    break;
                }
            }
        });
        let got = rx.recv_timeout(Duration::from_secs(60));
        let _ = child.kill();
        let _ = child.wait();
        let Ok((ready, line)) = got else {
            bail!("run {run}: the app never said it was ready for input");
        };
        let ms = ready.duration_since(started).as_secs_f64() * 1000.0;
        let app_ms: f64 = line
            .trim_start_matches("ready for input after")
            .trim()
            .trim_end_matches("ms")
            .trim()
            .parse()
            .unwrap_or(f64::NAN);
        println!(
            "run {:>2}: {ms:7.1} ms (the app's own clock: {app_ms:.1} ms)",
            run + 1
        );
        wall.push(ms);
        inside.push(app_ms);
    }
    let first = wall[0];
    let rest = Stats::of(&wall[1..]);
    println!(
        "first run (files not yet in the page cache): {first:.1} ms; the other {}: {rest}",
        wall.len() - 1
    );
    println!("the app's own clock, all runs: {}", Stats::of(&inside));
    Ok(())
}

/// Demo mode on a 100,000-offering catalogue: keypress → results drawn, then idle memory.
async fn big_catalogue(app: &std::path::Path) -> Result<()> {
    let size = big_catalogue_size();
    println!("\n## Search over {size} offerings (release app, demo mode)");
    let data = tempfile::tempdir()?;
    let desk =
        Desk::launch_with_env(data.path(), &[("ESIMDESK_DEMO_CATALOGUE", size.as_str())]).await?;
    let synced = Instant::now();
    // The demo catalogue is fetched page by page at the simulated provider's 10 requests/s.
    desk.text_when_within("freshness", Duration::from_secs(600), |t| {
        t.contains(&format!("{size} offerings"))
    })
    .await?;
    println!(
        "catalogue synced after {:.0} s (pages of 100 at eSIM Go's 10 requests/s)",
        synced.elapsed().as_secs_f64()
    );
    measure::install(&desk).await?;
    let input = desk.by_testid("destination-input").await?;
    let mut typed = KeyLatency::default();
    let mut cleared = Vec::new();
    for query in [
        "spain", "germany", "europe", "united k", "usa", "thai", "japan", "esim_1gb", "bra", "asia",
    ] {
        for (i, _) in query.char_indices() {
            let end = query[i..].chars().next().map_or(i, |c| i + c.len_utf8());
            let ms = measure::key_to_results(&desk, &input, &query[i..end], &query[..end]).await?;
            typed.add(end, ms);
        }
        desk.client
            .execute(
                "document.querySelector('[data-testid=destination-input]').select()",
                vec![],
            )
            .await?;
        cleared
            .push(measure::key_to_results(&desk, &input, &Key::Backspace.to_string(), "").await?);
    }
    println!("keypress → results drawn, every keystroke: {}", typed.all());
    println!("  by length typed: {}", typed.by_length());
    println!(
        "clearing the box (every offering listed, cheapest first): {}",
        Stats::of(&cleared)
    );
    desk.screenshot("bench-big-catalogue").await?;

    // Idle: nothing typed, no sync running.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let memory = procs::app_tree_memory(desk.driver_pid(), app)?;
    println!("idle memory, Sell screen with results, {size} offerings cached: {memory}");
    desk.close().await?;
    Ok(())
}
