//! Drives the real eSIM Desk window: starts tauri-driver (which starts WebKitWebDriver and the
//! app), opens a WebDriver session, and saves screenshots as artifacts under `target/`.
//!
//! Run through `cargo xtask test`, which builds the app, starts Xvfb and sets:
//! `ESIMDESK_APP` (the built binary), `ESIMDESK_TAURI_DRIVER`, `ESIMDESK_ARTIFACTS`, `DISPLAY`.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// How long a step may take to show its result before the test fails. Generous: this is a
/// bound on waiting for the UI, not a performance assertion.
const UI_WAIT: Duration = Duration::from_secs(20);

#[derive(Debug)]
pub struct Desk {
    pub client: Client,
    driver: Child,
    artifacts: PathBuf,
}

fn env_path(name: &str) -> Result<PathBuf> {
    std::env::var_os(name).map(PathBuf::from).ok_or_else(|| {
        anyhow!("{name} is not set: run the end-to-end tests with `cargo xtask test`")
    })
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Desk {
    /// The app in demo mode on a fresh data folder of its own.
    pub async fn launch() -> Result<Desk> {
        let data = tempfile::tempdir()?.keep();
        Desk::launch_with(&data).await
    }

    /// The app on the given data folder (`ESIMDESK_DATA_DIR`): demo mode when it holds no
    /// provider account.
    pub async fn launch_with(data_dir: &std::path::Path) -> Result<Desk> {
        Desk::launch_with_env(data_dir, &[]).await
    }

    /// The app on the given data folder, with these extra environment variables.
    pub async fn launch_with_env(data_dir: &std::path::Path, env: &[(&str, &str)]) -> Result<Desk> {
        let app = env_path("ESIMDESK_APP")?;
        let tauri_driver = env_path("ESIMDESK_TAURI_DRIVER")?;
        let artifacts = env_path("ESIMDESK_ARTIFACTS")?;
        if std::env::var_os("DISPLAY").is_none() {
            bail!("DISPLAY is not set: run the end-to-end tests with `cargo xtask test`");
        }
        if !app.exists() {
            bail!("the app is not built at {}", app.display());
        }
        std::fs::create_dir_all(&artifacts)?;

        let port = free_port()?;
        let native_port = free_port()?;
        let mut driver = Command::new(&tauri_driver);
        driver
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("ESIMDESK_DATA_DIR", data_dir)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        own_process_group(&mut driver);
        let driver = driver
            .spawn()
            .with_context(|| format!("starting {}", tauri_driver.display()))?;
        let mut desk_driver = DriverGuard(Some(driver));
        wait_for_port(port).await?;

        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app }),
        );
        // tauri-driver listens before WebKitWebDriver behind it is ready; a session request in
        // that gap fails to connect. Retry (bounded): this is start-up, not a timing assertion.
        let url = format!("http://127.0.0.1:{port}");
        let mut attempt = 0;
        let client = loop {
            attempt += 1;
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if attempt < 30 => {
                    eprintln!("WebDriver session not ready yet (attempt {attempt}): {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => return Err(e).context("opening a WebDriver session on the app"),
            }
        };
        let driver = desk_driver.0.take().ok_or_else(|| anyhow!("driver lost"))?;
        Ok(Desk {
            client,
            driver,
            artifacts,
        })
    }

    /// Lays the page out as it would print on a page whose printable area is `width_px` wide
    /// (CSS pixels, 96 per inch): print rules on, screen-only rules off, width rules evaluated for
    /// that width. Returns the height of the content, to compare with the page's. WebKit's
    /// WebDriver cannot print to PDF, and this is what decides the page count.
    pub async fn print_layout(&self, width_px: u32) -> Result<f64> {
        const SCRIPT: &str = r#"
const width = arguments[0];
for (const sheet of document.styleSheets) {
  for (const rule of sheet.cssRules) {
    if (!(rule instanceof CSSMediaRule)) continue;
    const m = rule.__media ?? (rule.__media = rule.media.mediaText);
    let applies = !/\bscreen\b/.test(m);
    const max = m.match(/max-width:\s*(\d+)px/);
    if (max && width > Number(max[1])) applies = false;
    const min = m.match(/min-width:\s*(\d+)px/);
    if (min && width < Number(min[1])) applies = false;
    rule.media.mediaText = applies ? "all" : "not all";
  }
}
document.documentElement.style.width = width + "px";
return document.documentElement.scrollHeight;
"#;
        let height = self
            .client
            .execute(SCRIPT, vec![serde_json::json!(width_px)])
            .await?;
        height.as_f64().context("page height")
    }

    /// Runs a script in the page that returns a number, e.g. `return window.innerWidth;`.
    pub async fn number(&self, script: &str) -> Result<f64> {
        let value = self.client.execute(script, vec![]).await?;
        value
            .as_f64()
            .with_context(|| format!("not a number from `{script}`: {value}"))
    }

    /// tauri-driver's process id; the app runs below it (tauri-driver → WebKitWebDriver → app).
    pub fn driver_pid(&self) -> u32 {
        self.driver.id()
    }

    pub async fn by_testid(&self, id: &str) -> Result<Element> {
        self.client
            .wait()
            .at_most(UI_WAIT)
            .for_element(Locator::Css(&format!("[data-testid=\"{id}\"]")))
            .await
            .with_context(|| format!("no element with data-testid={id}"))
    }

    /// Waits until the element's text satisfies `check`, and returns that text.
    pub async fn text_when(&self, id: &str, check: impl Fn(&str) -> bool) -> Result<String> {
        self.text_when_within(id, UI_WAIT, check).await
    }

    /// [`Desk::text_when`] with a wait of its own (a long sync in a benchmark).
    pub async fn text_when_within(
        &self,
        id: &str,
        wait: Duration,
        check: impl Fn(&str) -> bool,
    ) -> Result<String> {
        self.css_text_when(&format!("[data-testid=\"{id}\"]"), wait, check)
            .await
            .with_context(|| format!("data-testid={id}"))
    }

    /// Waits until the first element matching a CSS selector has text satisfying `check`, e.g.
    /// the state of one order: `tr[data-reference="desk-1"] [data-testid="order-state"]`.
    pub async fn text_at_when(&self, css: &str, check: impl Fn(&str) -> bool) -> Result<String> {
        self.css_text_when(css, UI_WAIT, check).await
    }

    async fn css_text_when(
        &self,
        css: &str,
        wait: Duration,
        check: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut last = String::new();
        while tokio::time::Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if check(&last) {
                    return Ok(last);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{css} never showed the expected text; last seen: {last:?}")
    }

    /// An attribute of the element with this test id (`None` when it has none).
    pub async fn attr(&self, id: &str, name: &str) -> Result<Option<String>> {
        Ok(self.by_testid(id).await?.attr(name).await?)
    }

    /// Sends keys (text, or [`fantoccini::key::Key`]s as strings) to the focused element.
    pub async fn keys(&self, keys: &str) -> Result<()> {
        self.client.active_element().await?.send_keys(keys).await?;
        Ok(())
    }

    /// The value of the input with this test id.
    pub async fn value(&self, id: &str) -> Result<String> {
        Ok(self
            .by_testid(id)
            .await?
            .prop("value")
            .await?
            .unwrap_or_default())
    }

    /// Clicks the element with this test id.
    pub async fn click(&self, id: &str) -> Result<()> {
        self.by_testid(id).await?.click().await?;
        Ok(())
    }

    /// Types into the element with this test id.
    pub async fn type_into(&self, id: &str, text: &str) -> Result<()> {
        self.by_testid(id).await?.send_keys(text).await?;
        Ok(())
    }

    /// Waits until every account's catalogue is synced (none "updated never", no sync running):
    /// with several providers syncing at different speeds, a list clicked earlier is re-drawn
    /// under the pointer when the next provider's sync ends.
    pub async fn wait_catalogues_synced(&self) -> Result<()> {
        self.text_when("freshness", |t| {
            t.contains("offerings") && !t.contains("updated never")
        })
        .await?;
        self.wait_gone("sync-status").await
    }

    /// How many elements carry this test id now.
    pub async fn count(&self, id: &str) -> Result<usize> {
        Ok(self
            .client
            .find_all(Locator::Css(&format!("[data-testid=\"{id}\"]")))
            .await?
            .len())
    }

    /// Waits until at least `n` elements carry this test id.
    pub async fn wait_count(&self, id: &str, n: usize) -> Result<usize> {
        let deadline = tokio::time::Instant::now() + UI_WAIT;
        loop {
            let found = self.count(id).await?;
            if found >= n {
                return Ok(found);
            }
            if tokio::time::Instant::now() > deadline {
                bail!("only {found} of {n} elements with data-testid={id}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until no element carries this test id.
    pub async fn wait_gone(&self, id: &str) -> Result<()> {
        let deadline = tokio::time::Instant::now() + UI_WAIT;
        while self.is_present(id).await? {
            if tokio::time::Instant::now() > deadline {
                bail!("data-testid={id} is still shown");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    pub async fn is_present(&self, id: &str) -> Result<bool> {
        Ok(!self
            .client
            .find_all(Locator::Css(&format!("[data-testid=\"{id}\"]")))
            .await?
            .is_empty())
    }

    /// Drags a file over the element with this test id, as a person dragging it from the file
    /// manager would: `dragenter`, then `dragover`, on the element. WebDriver cannot drag the OS's
    /// files, so the `File` (and the `DataTransfer` carrying it) is built in the page from these
    /// bytes; [`Desk::drop_dragged`] and [`Desk::leave_dragged`] end the same drag. Returns whether
    /// the page took the drag (cancelled `dragover`, which is what lets a drop happen).
    pub async fn drag_file_over(
        &self,
        id: &str,
        name: &str,
        mime: &str,
        bytes: &[u8],
    ) -> Result<bool> {
        let taken = self
            .drag_event(id, "over", serde_json::json!([name, mime, base64(bytes)]))
            .await?;
        Ok(taken.get("dragover").and_then(serde_json::Value::as_bool) == Some(true))
    }

    /// Drops the file of the drag [`Desk::drag_file_over`] started on the element with this test
    /// id. Returns whether the page took the drop (cancelled it).
    pub async fn drop_dragged(&self, id: &str) -> Result<bool> {
        let taken = self.drag_event(id, "drop", serde_json::Value::Null).await?;
        Ok(taken.get("drop").and_then(serde_json::Value::as_bool) == Some(true))
    }

    /// The drag [`Desk::drag_file_over`] started leaves the element with this test id, undropped.
    pub async fn leave_dragged(&self, id: &str) -> Result<()> {
        self.drag_event(id, "leave", serde_json::Value::Null)
            .await?;
        Ok(())
    }

    /// Dispatches one stage of a file drag on an element: `over` (builds the file from
    /// `[name, type, base64]`), `leave` or `drop`. Answers, per event, whether the page cancelled it.
    async fn drag_event(
        &self,
        id: &str,
        stage: &str,
        file: serde_json::Value,
    ) -> Result<serde_json::Value> {
        const SCRIPT: &str = r#"
const [id, stage, file] = arguments;
const target = document.querySelector(`[data-testid="${id}"]`);
if (!target) throw new Error(`no element with data-testid=${id}`);
if (stage === "over") {
  const [name, type, b64] = file;
  const raw = atob(b64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  const dragged = new DataTransfer();
  dragged.items.add(new File([bytes], name, { type }));
  window.__e2eDragged = dragged;
}
const dragged = window.__e2eDragged;
if (!dragged) throw new Error("no file is being dragged: start with drag_file_over");
const fire = (type) => {
  const event = new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dragged });
  // An engine that leaves a script-made DataTransfer out of the event: put it in.
  if (event.dataTransfer !== dragged) {
    Object.defineProperty(event, "dataTransfer", { value: dragged });
  }
  // dispatchEvent answers false when a handler cancelled the event (took the drag).
  return !target.dispatchEvent(event);
};
const taken = {};
const events = { over: ["dragenter", "dragover"], leave: ["dragleave"], drop: ["dragover", "drop"] };
for (const type of events[stage]) taken[type] = fire(type);
if (stage !== "over") delete window.__e2eDragged;
return taken;
"#;
        self.client
            .execute(
                SCRIPT,
                vec![serde_json::json!(id), serde_json::json!(stage), file],
            )
            .await
            .with_context(|| format!("file drag ({stage}) on data-testid={id}"))
    }

    /// Saves a screenshot of the window as `<artifacts>/<name>.png` and returns its bytes.
    pub async fn screenshot(&self, name: &str) -> Result<Vec<u8>> {
        // WebKit's screenshot is the last frame drawn, which can lag the page by a second in a
        // window that has just opened: wait until the page's latest changes are painted.
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await
            .context("waiting for the window to paint")?;
        let png = self.client.screenshot().await?;
        let path = self.artifacts.join(format!("{name}.png"));
        std::fs::write(&path, &png).with_context(|| format!("writing {}", path.display()))?;
        println!("screenshot: {}", path.display());
        Ok(png)
    }

    /// A screenshot (saved as [`Desk::screenshot`] does) in which a QR code holding `text` can be
    /// decoded: taken again for a few seconds while the code is still being drawn or laid out.
    pub async fn screenshot_showing_qr(&self, name: &str, text: &str) -> Result<Vec<u8>> {
        let mut decoded = Vec::new();
        for _ in 0..20 {
            // The install QR in view (a notice appearing above it moves it down).
            self.client
                .execute(
                    "document.querySelector('.install svg, .voucher svg')\
                     ?.scrollIntoView({block: 'center'})",
                    vec![],
                )
                .await?;
            let png = self.screenshot(name).await?;
            decoded = decode_qr_codes(&png)?;
            if decoded.iter().any(|d| d == text) {
                return Ok(png);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        bail!("no QR code holding {text:?} in {name}.png; decoded: {decoded:?}")
    }

    pub async fn close(mut self) -> Result<()> {
        let closed = self.client.clone().close().await;
        end_driver(&mut self.driver);
        closed.map_err(Into::into)
    }
}

impl Drop for Desk {
    fn drop(&mut self) {
        end_driver(&mut self.driver);
    }
}

/// Kills tauri-driver if the session could not be opened.
struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            end_driver(&mut child);
        }
    }
}

/// tauri-driver leads a process group of its own, so that ending it also ends the
/// WebKitWebDriver and the app it started (killing tauri-driver alone would orphan them).
#[cfg(unix)]
fn own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
}

#[cfg(not(unix))]
fn own_process_group(_command: &mut Command) {}

fn end_driver(driver: &mut Child) {
    #[cfg(unix)]
    if let Ok(leader) = i32::try_from(driver.id()) {
        use nix::sys::signal::{Signal, killpg};
        let _ = killpg(nix::unistd::Pid::from_raw(leader), Signal::SIGKILL);
    }
    let _ = driver.kill();
    let _ = driver.wait();
}

async fn wait_for_port(port: u16) -> Result<()> {
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("tauri-driver did not listen on port {port}")
}

/// Every QR code found in a PNG screenshot, decoded.
pub fn decode_qr_codes(png: &[u8]) -> Result<Vec<String>> {
    let image = image::load_from_memory(png)?.to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    Ok(prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect())
}

/// Standard base64 (with padding): how bytes cross into a page's script.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(super::base64(&[0xfb, 0xff]), "+/8=");
    }
}
