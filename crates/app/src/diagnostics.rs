//! "Copy diagnostics": what support needs to know — version, OS, the end of the newest log —
//! with anything that looks like a secret blotted out, ready to paste into an e-mail.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Lines of the newest log included.
pub const LOG_LINES: usize = 200;
/// Tokens at least this long that mix letters and digits are taken for keys and redacted.
pub const MIN_SECRET_LEN: usize = 16;
const REDACTED: &str = "[redacted]";

/// Names whose value, after `=`, `:` or `": "`, is always redacted.
const SECRET_NAMES: &[&str] = &[
    "x-api-key",
    "api_key",
    "api-key",
    "apikey",
    "authorization",
    "password",
    "secret",
    "token",
    "key",
];

/// The report: app version, OS and architecture, the log directory and the last
/// [`LOG_LINES`] lines of its newest log, redacted ([`redact`]).
pub fn diagnostics(log_dir: &Path) -> String {
    let info = crate::about();
    let mut out = format!(
        "{} {}\nOS: {} ({}, {})\nLog directory: {}\n",
        info.name,
        info.version,
        std::env::consts::OS,
        std::env::consts::FAMILY,
        std::env::consts::ARCH,
        log_dir.display()
    );
    match newest_log(log_dir) {
        Some(path) => match fs::read(&path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let lines: Vec<&str> = text.lines().collect();
                let tail = &lines[lines.len().saturating_sub(LOG_LINES)..];
                out.push_str(&format!(
                    "\nLast {} lines of {}:\n",
                    tail.len(),
                    path.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ));
                for line in tail {
                    out.push_str(&redact(line));
                    out.push('\n');
                }
            }
            Err(e) => out.push_str(&format!("\nThe log could not be read: {e}\n")),
        },
        None => out.push_str("\nNo log file yet.\n"),
    }
    out
}

/// The most recently written regular file in `dir`.
fn newest_log(dir: &Path) -> Option<PathBuf> {
    fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            meta.is_file()
                .then(|| (meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), e.path()))
        })
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)))
        .map(|(_, p)| p)
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+/_-.".contains(c)
}

/// A token that looks like a key: long, and mixing letters with digits (hex, `prefix-key-0001`
/// style) or switching case as often as random base64 does. Plain numbers (ICCIDs, amounts),
/// words and CamelCase names are kept, and so are this desk's own order references (`desk-` and
/// 12 hex digits), which support needs.
fn looks_secret(token: &str) -> bool {
    let core = token.trim_matches(|c| c == '.' || c == '-');
    if core.chars().count() < MIN_SECRET_LEN {
        return false;
    }
    if let Some(rest) = core.strip_prefix("desk-")
        && rest.len() == 12
        && rest.chars().all(|c| c.is_ascii_hexdigit())
    {
        return false;
    }
    let letters = core.chars().any(|c| c.is_ascii_alphabetic());
    let digits = core.chars().any(|c| c.is_ascii_digit());
    let letters_only: Vec<char> = core.chars().filter(char::is_ascii_alphabetic).collect();
    let case_switches = letters_only
        .windows(2)
        .filter(|w| w[0].is_ascii_uppercase() != w[1].is_ascii_uppercase())
        .count();
    (letters && digits) || case_switches * 3 > core.chars().count()
}

/// Redacts values that follow a secret's name (`X-API-Key: …`, `api_key=…`,
/// `"password": "…"`) and any token that [looks like a key](looks_secret).
pub fn redact(line: &str) -> String {
    let named = redact_named(line);
    let mut out = String::with_capacity(named.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        if looks_secret(token) {
            out.push_str(REDACTED);
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for c in named.chars() {
        if is_token_char(c) {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

/// Replaces the value after each secret name (any case) followed by `=`, `:` or `":`, up to
/// the next space, comma, quote, `&` or bracket.
fn redact_named(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    'scan: while i < line.len() {
        for name in SECRET_NAMES {
            if lower[i..].starts_with(name)
                && (i == 0 || !is_name_char(bytes[i - 1]))
                && let Some(value_start) = value_start(bytes, i + name.len())
            {
                let mut end = value_start;
                while end < bytes.len() && !b" \t,\"'&;)]}".contains(&bytes[end]) {
                    end += 1;
                }
                if end > value_start {
                    out.push_str(&line[i..value_start]);
                    out.push_str(REDACTED);
                    i = end;
                    continue 'scan;
                }
            }
        }
        let c = line[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Where the value begins after a name ending at `at`: past `=`, `:` or `":`, and spaces and an
/// opening quote. `None` when no separator follows the name.
fn value_start(bytes: &[u8], at: usize) -> Option<usize> {
    let mut j = at;
    if bytes.get(j) == Some(&b'"') {
        j += 1;
    }
    while bytes.get(j) == Some(&b' ') {
        j += 1;
    }
    match bytes.get(j) {
        Some(b'=') | Some(b':') => j += 1,
        _ => return None,
    }
    while matches!(bytes.get(j), Some(b' ') | Some(b'"') | Some(b'\'')) {
        j += 1;
    }
    // "Bearer <token>": the scheme stays, the token goes.
    if bytes.len() >= j + 7 && bytes[j..j + 7].eq_ignore_ascii_case(b"bearer ") {
        j += 7;
    }
    Some(j)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn named_secrets_are_redacted() {
        for (line, secret) in [
            ("GET /v2.4/catalogue X-API-Key: abc123", "abc123"),
            ("x-api-key:abc", "x-api-key:abc"),
            ("url=https://x/?api_key=s3cr3t&page=2", "s3cr3t"),
            (r#"{"apiKey": "hunter2", "page": 1}"#, "hunter2"),
            ("Authorization: Bearer eyJhbGciOi", "eyJhbGciOi"),
            ("password=pw token=tk", "pw"),
        ] {
            let out = redact(line);
            if secret.contains(':') {
                assert!(out.contains("x-api-key:[redacted]"), "{out}");
            } else {
                assert!(!out.contains(secret), "{line} → {out}");
                assert!(out.contains(REDACTED), "{out}");
            }
        }
        assert_eq!(
            redact("password=pw token=tk"),
            "password=[redacted] token=[redacted]"
        );
        assert_eq!(
            redact("?api_key=s3cr3t&page=2"),
            "?api_key=[redacted]&page=2"
        );
        // A name without a value, or inside another word, is left alone.
        assert_eq!(redact("monkey: banana"), "monkey: banana");
        assert_eq!(redact("the key was refused"), "the key was refused");
    }

    #[test]
    fn key_shaped_tokens_are_redacted_and_ordinary_ones_kept() {
        let line = "account esimgo key sandbox-esimgo-key-0001 hex 9f86d081884c7d659a2feaa0c55ad015 b64 dGhpcyBpcyBhIGtleTEyMw==";
        let out = redact(line);
        assert!(!out.contains("sandbox-esimgo-key-0001"), "{out}");
        assert!(!out.contains("9f86d081884c7d659a2feaa0c55ad015"), "{out}");
        assert!(!out.contains("dGhpcyBpcyBhIGtleTEyMw"), "{out}");
        let kept = "2026-05-01T10:00:00.123Z INFO esimdesk_app::checkout: purchase sent order=desk-0a1b2c3d4e5f iccid=8944538532046590109 code=LPA:1$smdp.example$****3F815";
        assert_eq!(redact(kept), kept);
        let names = "error=ProviderNotAvailable kind=CatalogueFreshness";
        assert_eq!(redact(names), names);
    }

    #[test]
    fn report_has_version_os_and_the_redacted_tail_of_the_newest_log() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("esim-desk.2026-01-01.log");
        fs::write(&old, "old line\n").unwrap();
        // Make sure the newer file is newer, whatever the file system's time resolution.
        let earlier = SystemTime::now() - std::time::Duration::from_secs(3600);
        fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(earlier)
            .unwrap();
        let mut text = String::new();
        for i in 0..250 {
            text.push_str(&format!("line {i}\n"));
        }
        text.push_str("calling provider with X-API-Key: sandbox-esimgo-key-0001\n");
        fs::write(dir.path().join("esim-desk.2026-01-02.log"), text).unwrap();
        let report = diagnostics(dir.path());
        assert!(report.starts_with(&format!("eSIM Desk {}", env!("CARGO_PKG_VERSION"))));
        assert!(report.contains(std::env::consts::OS));
        assert!(report.contains("esim-desk.2026-01-02.log"));
        assert!(!report.contains("old line"));
        assert!(!report.contains("line 50\n"));
        assert!(report.contains("line 51\n") && report.contains("line 249\n"));
        assert!(!report.contains("sandbox-esimgo-key-0001"));
        assert!(report.contains("X-API-Key: [redacted]"));

        let empty = tempfile::tempdir().unwrap();
        assert!(diagnostics(empty.path()).contains("No log file yet."));
        assert!(diagnostics(&empty.path().join("missing")).contains("No log file yet."));
    }
}
