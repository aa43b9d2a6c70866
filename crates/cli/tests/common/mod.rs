//! What the CLI's integration tests share: a data folder with its own sandbox (or one shared
//! with another desk), the `esimdesk` binary, and the checks on what the journal and the
//! provider say.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use esimdesk_sandbox::{BlockingSandbox, SandboxConfig, start_blocking};
use serde_json::Value;

pub struct Desk {
    pub _dir: tempfile::TempDir,
    pub data: PathBuf,
    pub sandbox: Arc<BlockingSandbox>,
    /// A unique account id per test, so tests sharing one keychain never meet.
    pub account: String,
}

pub fn desk() -> Desk {
    desk_on(Arc::new(
        start_blocking(SandboxConfig::for_tests()).unwrap(),
    ))
}

/// Another data folder on the same sandbox (two desks sharing one provider account).
pub fn desk_on(sandbox: Arc<BlockingSandbox>) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let account = format!("esimgo-{}", std::process::id() as u64 * 1000 + next_id());
    Desk {
        _dir: dir,
        data,
        sandbox,
        account,
    }
}

pub fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

/// `esimdesk --data-dir DATA`, without the crash-test pause.
pub fn esimdesk(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_esimdesk"));
    c.arg("--data-dir").arg(data);
    c.env_remove("ESIMDESK_TEST_PAUSE_AT");
    c.env_remove("ESIMDESK_TEST_FAIL_AT");
    c
}

pub fn run_in(data: &Path, args: &[&str]) -> Output {
    esimdesk(data)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Runs a command that must succeed and returns its JSON.
pub fn json_in(data: &Path, args: &[&str]) -> Value {
    let out = run_in(data, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

impl Desk {
    pub fn cmd(&self) -> Command {
        esimdesk(&self.data)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        run_in(&self.data, args)
    }

    pub fn json(&self, args: &[&str]) -> Value {
        json_in(&self.data, args)
    }

    pub fn add_account(&self, key: &str) -> Output {
        let mut child = self
            .cmd()
            .args([
                "providers",
                "add",
                "esimgo",
                "--id",
                &self.account,
                "--json",
                "--base-url",
            ])
            .arg(self.sandbox.esimgo_base_url())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{key}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn ready(&self) {
        let out = self.add_account(self.sandbox.esimgo_api_key());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.json(&["sync", "--json"]);
    }

    pub fn remove_account(&self) {
        let _ = self.run(&["providers", "remove", &self.account]);
    }
}

/// `esimdesk providers add <provider> --id ID --base-url URL --json`, the credential's lines on
/// standard input (as `esim-sandbox` prints them).
pub fn add_provider_account(
    d: &Desk,
    provider: &str,
    id: &str,
    base_url: &str,
    credential: &str,
) -> Output {
    use std::io::Write;
    let mut child = d
        .cmd()
        .args([
            "providers",
            "add",
            provider,
            "--id",
            id,
            "--base-url",
            base_url,
            "--json",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(credential.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// A sandbox provider's account on this desk (id `<provider>-<unique>`), removed on drop.
pub struct SandboxAccount<'a> {
    pub desk: &'a Desk,
    pub id: String,
}

impl Drop for SandboxAccount<'_> {
    fn drop(&mut self) {
        let _ = self.desk.run(&["providers", "remove", &self.id]);
    }
}

/// Adds the sandbox's `provider` to the desk with the credential the sandbox prints.
pub fn add_sandbox_account<'a>(d: &'a Desk, provider: &str) -> SandboxAccount<'a> {
    let id = format!(
        "{provider}-{}",
        std::process::id() as u64 * 1000 + next_id()
    );
    let url = d.sandbox.provider_base_url(provider).unwrap();
    let credential = d.sandbox.provider_credential(provider).unwrap();
    let out = add_provider_account(d, provider, &id, &url, &credential);
    assert!(
        out.status.success(),
        "{provider}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    SandboxAccount { desk: d, id }
}

pub fn order_states(d: &Desk) -> Vec<(String, String)> {
    d.json(&["orders", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["order"]["clientReference"].as_str().unwrap().to_owned(),
                o["order"]["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub fn wait_for(path: &Path) {
    for _ in 0..600 {
        if path.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the purchase never reached the pause point");
}
