//! The `esimdesk` binary as a script sees it: JSON on stdout, one-line errors on stderr, exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use serde_json::Value;

fn esimdesk() -> Command {
    Command::cargo_bin("esimdesk").unwrap()
}

fn parse_ok(code: &str) -> Value {
    let out = esimdesk().args(["code", "parse", code]).output().unwrap();
    assert!(
        out.status.success(),
        "{code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn accepts_every_valid_example() {
    for (input, canonical) in [
        (
            "LPA:1$rsp.truphone.com$6C-DA326D-K86D",
            "LPA:1$rsp.truphone.com$6C-DA326D-K86D",
        ),
        (
            "1$rsp.truphone.com$6C-DA326D-K86D",
            "LPA:1$rsp.truphone.com$6C-DA326D-K86D",
        ),
        (
            "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746",
            "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746",
        ),
        (
            "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$$1",
            "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$$1",
        ),
        (
            "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746$1",
            "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746$1",
        ),
        (
            "  LPA:1$sm-dp.example.net$K2-1A2B3C-4D5E6F  ",
            "LPA:1$sm-dp.example.net$K2-1A2B3C-4D5E6F",
        ),
    ] {
        let json = parse_ok(input);
        assert_eq!(json["canonical"], canonical, "{input}");
    }
}

#[test]
fn prints_the_documented_fields() {
    let json = parse_ok("LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$$1");
    assert_eq!(json["smdpAddress"], "smdp.example.com");
    assert_eq!(json["matchingId"], "04386-AGYFT-A74Y8-3F815");
    assert_eq!(json["oid"], Value::Null);
    assert_eq!(json["confirmationCodeRequired"], true);
    let apple = json["appleInstallUrl"].as_str().unwrap();
    assert!(apple.starts_with("https://esimsetup.apple.com/esim_qrcode_provisioning?carddata="));
    let android = json["androidInstallUrl"].as_str().unwrap();
    assert!(
        android.starts_with("https://esimsetup.android.com/esim_qrcode_provisioning?carddata=")
    );
}

#[test]
fn rejects_every_invalid_example_naming_the_field() {
    for (input, field) in [
        ("LPA:2$rsp.truphone.com$6C-DA326D-K86D", "format"),
        ("LPA:1$$6C-DA326D-K86D", "SM-DP+ address"),
        (
            "LPA:1$https://rsp.truphone.com$6C-DA326D-K86D",
            "SM-DP+ address",
        ),
        ("LPA:1$rsp truphone.com$6C-DA326D-K86D", "SM-DP+ address"),
        ("LPA:1$rsp.truphone.com$6C DA326D", "matching ID"),
        ("LPA:1$rsp.truphone.com$6C_DA326D", "matching ID"),
        ("LPA:1$rsp.truphone.com$6C-DA326D-K86D$1.3.6.x", "OID"),
        ("LPA:1$rsp.truphone.com$6C-DA326D-K86D$$2", "confirmation"),
        ("LPA:1$rsp.truphone.com$6C-DA326D-K86D$$1$X", "field"),
        ("rsp.truphone.com$6C-DA326D-K86D", "format"),
        ("", "empty"),
    ] {
        let out = esimdesk().args(["code", "parse", input]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{input:?} should exit 2");
        assert!(out.stdout.is_empty(), "{input:?} printed data");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{input:?}: {stderr}");
        assert!(
            stderr.to_lowercase().contains(&field.to_lowercase()),
            "{input:?}: '{stderr}' does not name {field}"
        );
    }
}

#[test]
fn iccid_and_eid_checks() {
    for (iccid, valid) in [
        ("8944538532046590109", true),
        ("89440000000000001232", true),
        ("8937 2020 0000 0123 4569", true),
        ("8944538532046590100", false),
        ("894453853204659010A", false),
        ("1234567890123456789", false),
        ("89445385", false),
    ] {
        let out = esimdesk().args(["iccid", "check", iccid]).output().unwrap();
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["valid"], valid, "{iccid}");
        assert_eq!(
            out.status.code(),
            Some(if valid { 0 } else { 2 }),
            "{iccid}"
        );
        if !valid {
            assert!(json["reason"].is_string());
            assert_eq!(json["normalized"], Value::Null);
        }
    }
    let out = esimdesk()
        .args(["iccid", "check", "8937-2020-0000-0123-4569"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["normalized"], "89372020000001234569");

    for (eid, valid) in [
        ("89049032000088880000000000001425", true),
        ("89044045116727494800000004479172", true),
        ("89049032000088880000000000001426", false),
        ("8904903200008888000000000000142", false),
    ] {
        let out = esimdesk().args(["eid", "check", eid]).output().unwrap();
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["valid"], valid, "{eid}");
        assert_eq!(out.status.code(), Some(if valid { 0 } else { 2 }), "{eid}");
    }
}

fn decode_png(path: &std::path::Path) -> String {
    let img = image::open(path).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR expected");
    grids[0].decode().unwrap().1
}

#[test]
fn qr_png_decodes_to_the_canonical_code_at_every_length() {
    let dir = tempfile::tempdir().unwrap();
    let base = "LPA:1$smdp.example.com$";
    // Matching IDs from 1 character up to the longest that keeps the code within 255.
    let max = 255 - base.len();
    for len in [1, 10, 40, 90, 150, max] {
        let matching_id: String = "0123456789ABCDEF-".chars().cycle().take(len).collect();
        let input = format!("1$smdp.example.com${matching_id}");
        let canonical = format!("{base}{matching_id}");
        let png = dir.path().join(format!("{len}.png"));
        let out = esimdesk()
            .args(["qr", &input, "--png"])
            .arg(&png)
            .args(["--size", "800"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(decode_png(&png), canonical, "length {}", canonical.len());
    }
}

#[test]
fn qr_svg_is_written_and_bad_codes_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("code.svg");
    esimdesk()
        .args(["qr", "LPA:1$rsp.truphone.com$6C-DA326D-K86D", "--svg"])
        .arg(&svg)
        .assert()
        .success();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("<svg"));

    let bad = dir.path().join("bad.svg");
    let out = esimdesk()
        .args(["qr", "LPA:1$rsp.truphone.com$6C_DA326D", "--svg"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!bad.exists());
}

#[test]
fn help_has_examples() {
    for args in [
        vec!["code", "parse", "--help"],
        vec!["iccid", "check", "--help"],
        vec!["eid", "check", "--help"],
        vec!["qr", "--help"],
    ] {
        let out = esimdesk().args(&args).output().unwrap();
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Examples:"),
            "{args:?}"
        );
    }
}
