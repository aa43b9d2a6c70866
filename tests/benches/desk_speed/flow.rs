//! The walk-in flow in demo mode, by keyboard only: "Spain, ten days" typed to the QR code on
//! screen. Counts every input the agent gives and the time the app takes to answer each one
//! (the agent's own typing and thinking are not the app's time).

use std::time::Duration;

use anyhow::Result;
use esimdesk_e2e::Desk;
use fantoccini::key::Key;

use crate::measure::{self, Condition, Stats};
use crate::procs;

/// Walk-ins measured, one after another in one window.
const WALK_INS: usize = 3;

/// One input of the flow: text typed into a field, or one key.
enum Input {
    Text(&'static str),
    Key(Key, &'static str),
}

/// A step: the input, then what the window must show before the agent can go on.
struct Step {
    what: &'static str,
    input: Input,
    answered: Option<Condition>,
}

fn steps() -> Vec<Step> {
    let testid = |id: &str| id.to_owned();
    vec![
        Step {
            what: "type the destination",
            input: Input::Text("spain"),
            answered: Some(Condition::results("spain")),
        },
        Step {
            what: "Tab to Data",
            input: Input::Key(Key::Tab, "Tab"),
            answered: Some(Condition::Focused {
                testid: testid("filter-data"),
            }),
        },
        Step {
            what: "Tab to Trip days",
            input: Input::Key(Key::Tab, "Tab"),
            answered: Some(Condition::Focused {
                testid: testid("filter-days"),
            }),
        },
        Step {
            what: "type the trip length",
            input: Input::Text("10"),
            answered: Some(Condition::Results {
                query: "spain".into(),
                days: Some(10),
            }),
        },
        Step {
            what: "Enter: sell the cheapest that lasts the trip",
            input: Input::Key(Key::Enter, "Enter"),
            // Checkout open, the provider's dry run answered, the name box focused.
            answered: Some(Condition::Text {
                testid: testid("provider-total"),
                contains: "$".into(),
            }),
        },
        Step {
            what: "type the customer's name",
            input: Input::Text("Ana Ruiz"),
            answered: None,
        },
        Step {
            what: "Tab to the payment reference",
            input: Input::Key(Key::Tab, "Tab"),
            answered: Some(Condition::Focused {
                testid: testid("payment-reference"),
            }),
        },
        Step {
            what: "type the card terminal's reference",
            input: Input::Text("4821"),
            answered: None,
        },
        Step {
            what: "Enter: buy (journal, provider, QR)",
            input: Input::Key(Key::Enter, "Enter"),
            answered: Some(Condition::Text {
                testid: testid("deliver-lpa"),
                contains: "LPA:1$".into(),
            }),
        },
    ]
}

pub async fn walk_in(app: &std::path::Path) -> Result<()> {
    println!("\n## Walk-in flow, demo mode, keyboard only (release app)");
    let data = tempfile::tempdir()?;
    let desk = Desk::launch_with(data.path()).await?;
    // The demo catalogue synced (the label shows "0 offerings" before).
    desk.text_when("freshness", |t| t.contains("3000 offerings"))
        .await?;
    measure::install(&desk).await?;

    let mut totals = Vec::new();
    for round in 0..WALK_INS {
        if round > 0 {
            // Alt+1: back to a fresh Sell screen for the next customer.
            let body = desk.client.active_element().await?;
            body.send_keys(&format!("{}1{}", Key::Alt, Key::Null))
                .await?;
            measure::drawn_when(
                &desk,
                &Condition::Focused {
                    testid: "destination-input".into(),
                },
            )
            .await?;
        }
        let mut inputs = 0usize;
        let mut keystrokes = 0usize;
        let mut app_ms = 0.0;
        for step in steps() {
            let before = measure::keys_seen(&desk).await?;
            let focused = desk.client.active_element().await?;
            let keys = match &step.input {
                Input::Text(text) => {
                    focused.send_keys(text).await?;
                    text.chars().count()
                }
                Input::Key(key, _) => {
                    focused.send_keys(&key.to_string()).await?;
                    1
                }
            };
            inputs += 1;
            keystrokes += keys;
            // Wait for the page to have seen every key of this input.
            let last_key = measure::keydown_at(&desk, before + keys - 1).await?;
            let ms = match &step.answered {
                Some(condition) => match measure::drawn_when(&desk, condition).await {
                    Ok(t) => t - last_key,
                    Err(e) => {
                        desk.screenshot("bench-walk-in-stuck").await?;
                        let log = desk
                            .client
                            .execute("return window.__bench.log.join(' ');", vec![])
                            .await?;
                        eprintln!("keys the page saw: {log}");
                        return Err(e.context(format!("step \"{}\"", step.what)));
                    }
                },
                None => 0.0,
            };
            app_ms += ms;
            if round == 0 {
                let shown = match &step.input {
                    Input::Text(t) => format!("\"{t}\""),
                    Input::Key(_, name) => (*name).to_owned(),
                };
                println!("  {:<48} {shown:<12} app {ms:7.1} ms", step.what);
            }
        }
        if round == 0 {
            println!(
                "inputs: {inputs} (4 fields typed, 5 keys, no mouse); keystrokes in all: {keystrokes}"
            );
            desk.screenshot("bench-walk-in-deliver").await?;
        }
        totals.push(app_ms);
    }
    println!(
        "time the app spends over the whole flow, provisioning included: {}",
        Stats::of(&totals)
    );

    tokio::time::sleep(Duration::from_secs(5)).await;
    let memory = procs::app_tree_memory(desk.driver_pid(), app)?;
    println!("idle memory after {WALK_INS} sales (demo catalogue of 3,000): {memory}");
    desk.close().await?;
    Ok(())
}
