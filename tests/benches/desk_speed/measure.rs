//! Timing inside the page: a key's `keydown` to the frame after the DOM shows its answer, both on
//! the page's own clock (`performance.now()`), so WebDriver's round trips are not counted.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use esimdesk_e2e::Desk;
use fantoccini::elements::Element;
use serde_json::{Value, json};

/// Records every keydown's time (capture phase, before the app sees the key).
const INSTALL: &str = r#"
if (!window.__bench) {
  window.__bench = { keys: [], log: [] };
  document.addEventListener("keydown", (e) => {
    window.__bench.keys.push(performance.now());
    window.__bench.log.push(`${e.key}@${e.target.getAttribute("data-testid")}`);
  }, true);
}
return window.__bench.keys.length;
"#;

/// Waits until a condition holds, then for the next frame to be drawn, and returns that moment;
/// `null` after 30 s. Arguments: the condition (see [`Condition`]), the done callback. Conditions
/// are data, not code: the window's content security policy forbids `eval`.
const WAIT_DRAWN: &str = r#"
const [c, done] = arguments;
const el = (id) => document.querySelector(`[data-testid="${id}"]`);
const test = () => {
  if (c.kind === "results") {
    const r = document.querySelector("[data-results-for]");
    return !!r && r.getAttribute("data-results-for") === c.query &&
      (c.days === null || r.getAttribute("data-trip-days") === String(c.days));
  }
  if (c.kind === "text") {
    const e = el(c.testid);
    return !!e && e.textContent.includes(c.contains);
  }
  if (c.kind === "focused") {
    return !!document.activeElement && document.activeElement.getAttribute("data-testid") === c.testid;
  }
  return false;
};
// Settles once: every hook stops then, so nothing of this wait acts on a later one.
let settled = false;
let drawing = false;
const settle = (value) => {
  if (settled) return;
  settled = true;
  observer.disconnect();
  clearTimeout(timer);
  done(value);
};
const check = () => {
  if (settled || drawing || !test()) return;
  drawing = true;
  requestAnimationFrame(() => setTimeout(() => settle(performance.now()), 0));
};
const observer = new MutationObserver(check);
observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
// Focus changes are not mutations: also look once a frame.
const poll = () => { if (!settled && !drawing) { check(); requestAnimationFrame(poll); } };
const timer = setTimeout(() => settle(null), 25000);
check();
requestAnimationFrame(poll);
"#;

/// What the page must show before a step counts as answered.
#[derive(Debug, Clone)]
pub enum Condition {
    /// Sell shows the results for this destination text (and trip length).
    Results { query: String, days: Option<u32> },
    /// The element with this test id contains this text.
    Text { testid: String, contains: String },
    /// The element with this test id has the keyboard focus.
    Focused { testid: String },
}

impl Condition {
    pub fn results(query: &str) -> Condition {
        Condition::Results {
            query: query.trim().to_owned(),
            days: None,
        }
    }

    fn json(&self) -> Value {
        match self {
            Condition::Results { query, days } => {
                json!({ "kind": "results", "query": query, "days": days })
            }
            Condition::Text { testid, contains } => {
                json!({ "kind": "text", "testid": testid, "contains": contains })
            }
            Condition::Focused { testid } => json!({ "kind": "focused", "testid": testid }),
        }
    }
}

pub async fn install(desk: &Desk) -> Result<()> {
    desk.client.execute(INSTALL, vec![]).await?;
    Ok(())
}

/// How many keydowns the page has seen.
pub async fn keys_seen(desk: &Desk) -> Result<usize> {
    let n = desk.client.execute(INSTALL, vec![]).await?;
    n.as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .context("keydown count")
}

/// The page-clock time of keydown number `index` (0-based), waiting for it to arrive.
pub async fn keydown_at(desk: &Desk, index: usize) -> Result<f64> {
    for _ in 0..200 {
        let t = desk
            .client
            .execute(
                "return (window.__bench.keys[arguments[0]] ?? null);",
                vec![json!(index)],
            )
            .await?;
        if let Some(t) = t.as_f64() {
            return Ok(t);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bail!("keydown {index} never reached the page")
}

/// Waits (in the page) for `condition` and the frame after it; returns the page-clock time.
pub async fn drawn_when(desk: &Desk, condition: &Condition) -> Result<f64> {
    let t = desk
        .client
        .execute_async(WAIT_DRAWN, vec![condition.json()])
        .await?;
    t.as_f64()
        .with_context(|| format!("the page never showed: {condition:?}"))
}

/// Sends `key` to `input` and returns the milliseconds from its keydown to the frame that shows
/// the results for `expected` (what the box then holds).
pub async fn key_to_results(
    desk: &Desk,
    input: &Element,
    key: &str,
    expected: &str,
) -> Result<f64> {
    let before = keys_seen(desk).await?;
    input.send_keys(key).await?;
    let pressed = keydown_at(desk, before).await?;
    let drawn = drawn_when(desk, &Condition::results(expected)).await?;
    Ok(drawn - pressed)
}

/// Milliseconds by how many characters the box held.
#[derive(Debug, Default)]
pub struct KeyLatency {
    by_length: BTreeMap<usize, Vec<f64>>,
}

impl KeyLatency {
    pub fn add(&mut self, length: usize, ms: f64) {
        self.by_length.entry(length).or_default().push(ms);
    }

    pub fn all(&self) -> Stats {
        let all: Vec<f64> = self.by_length.values().flatten().copied().collect();
        Stats::of(&all)
    }

    pub fn by_length(&self) -> String {
        self.by_length
            .iter()
            .map(|(len, ms)| format!("{len} chars: median {:.1} ms", Stats::of(ms).median))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Median, 95th percentile and extremes of a sample, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub n: usize,
    pub min: f64,
    pub median: f64,
    pub p95: f64,
    pub max: f64,
}

impl Stats {
    pub fn of(sample: &[f64]) -> Stats {
        let mut v: Vec<f64> = sample.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let at = |q: f64| -> f64 {
            if v.is_empty() {
                return f64::NAN;
            }
            // Nearest rank.
            let rank = (q * v.len() as f64).ceil().max(1.0) as usize;
            v[rank.min(v.len()) - 1]
        };
        Stats {
            n: v.len(),
            min: v.first().copied().unwrap_or(f64::NAN),
            median: at(0.5),
            p95: at(0.95),
            max: v.last().copied().unwrap_or(f64::NAN),
        }
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "median {:.1} ms, p95 {:.1} ms, min {:.1}, max {:.1} (n = {})",
            self.median, self.p95, self.min, self.max, self.n
        )
    }
}
