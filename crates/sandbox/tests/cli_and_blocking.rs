//! The `esim-sandbox` binary and the blocking starter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn http_get(addr: &str, path: &str, key: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nX-API-Key: {key}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn blocking_sandbox_serves_and_stops() {
    let sandbox =
        esimdesk_sandbox::start_blocking(esimdesk_sandbox::SandboxConfig::for_tests()).unwrap();
    let addr = sandbox.local_addr().to_string();
    let answer = http_get(&addr, "/v2.4/organisation", sandbox.esimgo_api_key());
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"organisations\""));
    assert!(sandbox.esimgo_base_url().ends_with("/v2.4"));
    sandbox.shutdown();
    assert!(TcpStream::connect(&addr).is_err(), "stopped listening");
}

#[test]
fn help_lists_the_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_esim-sandbox"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--port",
        "--seed",
        "--catalogue-size",
        "--exit-on-stdin-eof",
        "--rate-limit",
    ] {
        assert!(text.contains(flag), "{flag} missing from --help");
    }
}

#[test]
fn binary_prints_its_endpoints_serves_and_exits_when_stdin_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_esim-sandbox"))
        .args([
            "--port",
            "0",
            "--seed",
            "3",
            "--catalogue-size",
            "60",
            "--exit-on-stdin-eof",
            "--fault",
            r#"{"kind":"status","status":503,"path":"/v2.4/organisation"}"#,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(info["provider"], "esimgo");
    let base = info["base_url"].as_str().unwrap();
    let key = info["api_key"].as_str().unwrap();
    assert!(info["admin_token"].is_string());
    let addr = base
        .strip_prefix("http://")
        .and_then(|r| r.strip_suffix("/v2.4"))
        .unwrap();
    let answer = http_get(addr, "/v2.4/catalogue?perPage=100", key);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"rows\":60"), "{answer}");
    let answer = http_get(addr, "/v2.4/organisation", key);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );

    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("esim-sandbox did not exit after stdin closed");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_bad_fault_flag_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_esim-sandbox"))
        .args(["--fault", r#"{"kind":"status","code":503}"#])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
