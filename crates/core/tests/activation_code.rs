//! Table-driven tests of activation-code parsing: every example of the domain reference, and the
//! messages a desk agent reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use esimdesk_core::activation_code::CodeErrorKind;
use esimdesk_core::{ActivationCode, CodeField, CodeWarning};

/// `Ok(canonical)` for valid input, `Err(field)` for refused input.
fn check(input: &str, expected: Result<&str, CodeField>) {
    match (ActivationCode::parse(input), expected) {
        (Ok(code), Ok(canonical)) => {
            assert_eq!(code.to_string(), canonical, "input {input:?}");
            let again = ActivationCode::parse(canonical).unwrap();
            assert_eq!(
                again, code,
                "canonical form {canonical:?} parses differently"
            );
            assert_eq!(again.to_string(), canonical);
            assert_eq!(input.parse::<ActivationCode>().unwrap(), code);
        }
        (Err(e), Err(field)) => assert_eq!(e.field(), field, "input {input:?}: {e}"),
        (got, want) => panic!("input {input:?}: got {got:?}, want {want:?}"),
    }
}

#[test]
fn domain_valid_examples() {
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
        check(input, Ok(canonical));
    }
}

#[test]
fn domain_invalid_examples() {
    use CodeField as F;
    for (input, field) in [
        ("LPA:2$rsp.truphone.com$6C-DA326D-K86D", F::Format),
        ("LPA:1$$6C-DA326D-K86D", F::SmdpAddress),
        (
            "LPA:1$https://rsp.truphone.com$6C-DA326D-K86D",
            F::SmdpAddress,
        ),
        ("LPA:1$rsp truphone.com$6C-DA326D-K86D", F::SmdpAddress),
        ("LPA:1$rsp.truphone.com$6C DA326D", F::MatchingId),
        ("LPA:1$rsp.truphone.com$6C_DA326D", F::MatchingId),
        ("LPA:1$rsp.truphone.com$6C-DA326D-K86D$1.3.6.x", F::Oid),
        (
            "LPA:1$rsp.truphone.com$6C-DA326D-K86D$$2",
            F::ConfirmationFlag,
        ),
        ("LPA:1$rsp.truphone.com$6C-DA326D-K86D$$1$X", F::Whole),
        ("rsp.truphone.com$6C-DA326D-K86D", F::Format),
        ("", F::Whole),
    ] {
        check(input, Err(field));
    }
}

#[test]
fn more_valid_forms() {
    for (input, canonical) in [
        // Prefix in any case; address case kept.
        (
            "lpa:1$RSP.Truphone.com$6C-DA326D-K86D",
            "LPA:1$RSP.Truphone.com$6C-DA326D-K86D",
        ),
        ("LpA:1$a.b$X", "LPA:1$a.b$X"),
        // Lower-case matching ID kept as issued.
        (
            "LPA:1$rsp.truphone.com$6c-da326d-k86d",
            "LPA:1$rsp.truphone.com$6c-da326d-k86d",
        ),
        // Empty matching ID allowed by SGP.22.
        ("LPA:1$smdp.example.com$", "LPA:1$smdp.example.com$"),
        // Empty trailing OID/flag fields are absent, not collapsed into something else.
        ("LPA:1$smdp.example.com$AB$", "LPA:1$smdp.example.com$AB"),
        ("LPA:1$smdp.example.com$AB$$", "LPA:1$smdp.example.com$AB"),
        ("LPA:1$smdp.example.com$$$1", "LPA:1$smdp.example.com$$$1"),
        (
            "\t1$smdp.example.com$AB$1.2\r\n",
            "LPA:1$smdp.example.com$AB$1.2",
        ),
    ] {
        check(input, Ok(canonical));
    }
}

/// (input, field, exact message). Positions are 1-based within the field.
#[test]
fn messages_name_the_field_and_the_reason() {
    use CodeField as F;
    for (input, field, message) in [
        ("", F::Whole, "activation code is empty"),
        ("   ", F::Whole, "activation code is empty"),
        (
            "LPA:2$rsp.truphone.com$6C-DA326D-K86D",
            F::Format,
            "format must be 1, found 2",
        ),
        (
            "rsp.truphone.com$6C-DA326D-K86D",
            F::Format,
            "format is missing; the code must look like LPA:1$address$matching ID",
        ),
        (
            "LPA:1$$6C-DA326D-K86D",
            F::SmdpAddress,
            "SM-DP+ address is empty",
        ),
        (
            "LPA:1$https://rsp.truphone.com$6C-DA326D-K86D",
            F::SmdpAddress,
            "SM-DP+ address must not include a scheme such as https://",
        ),
        (
            "LPA:1$rsp truphone.com$6C-DA326D-K86D",
            F::SmdpAddress,
            "SM-DP+ address contains a space at position 4",
        ),
        (
            "LPA:1$rsp.truphone.com/x$6C",
            F::SmdpAddress,
            "SM-DP+ address must not include a path or port ('/' at position 17); give the host name only",
        ),
        (
            "LPA:1$rsp.truphone.com$6C DA326D",
            F::MatchingId,
            "matching ID contains a space at position 3",
        ),
        (
            "LPA:1$rsp.truphone.com$6C_DA326D",
            F::MatchingId,
            "matching ID contains '_' at position 3",
        ),
        (
            "LPA:1$rsp.truphone.com$6C-DA3?6D",
            F::MatchingId,
            "matching ID contains '?' at position 7",
        ),
        (
            "LPA:1$rsp.truphone.com$6C-DÄ",
            F::MatchingId,
            "matching ID contains 'Ä' at position 5",
        ),
        (
            "LPA:1$rsp.truphone.com$6C-DA326D-K86D$1.3.6.x",
            F::Oid,
            "SM-DP+ OID contains 'x' at position 7",
        ),
        (
            "LPA:1$rsp.truphone.com$6C-DA326D-K86D$$2",
            F::ConfirmationFlag,
            "confirmation code required flag must be 1 when present, found 2",
        ),
        (
            "LPA:1$rsp.truphone.com$6C-DA326D-K86D$123456",
            F::Oid,
            "SM-DP+ OID holds what looks like a confirmation code: the confirmation code must be \
             given separately, not in the code",
        ),
        (
            "LPA:1$rsp.truphone.com$6C-DA326D-K86D$$1$X",
            F::Whole,
            "activation code has too many fields: 6 found, at most 5 are defined \
             (1$address$matching ID$OID$flag); a confirmation code must be given separately",
        ),
        (
            "LPA:1$rsp.truphone.com\n$6C",
            F::Whole,
            "activation code has a line break inside the code (position 23); it must be on one line",
        ),
    ] {
        let e = ActivationCode::parse(input).unwrap_err();
        assert_eq!(
            (e.field(), e.to_string().as_str()),
            (field, message),
            "input {input:?}"
        );
    }
}

#[test]
fn more_refusals() {
    use CodeField as F;
    for (input, field) in [
        ("LPA:1", F::SmdpAddress),
        ("LPA:1$rsp.truphone.com", F::MatchingId),
        ("LPA:", F::Format),
        ("$a.b$X", F::Format),
        ("LPA1$a.b$X", F::Prefix),
        ("LPA:LPA:1$a.b$X", F::Prefix),
        ("LPA:1$localhost$X", F::SmdpAddress),
        ("LPA:1$a..b$X", F::SmdpAddress),
        ("LPA:1$.a.b$X", F::SmdpAddress),
        ("LPA:1$a.b.$X", F::SmdpAddress),
        ("LPA:1$-a.b$X", F::SmdpAddress),
        ("LPA:1$a-.b$X", F::SmdpAddress),
        ("LPA:1$a.b:443$X", F::SmdpAddress),
        ("LPA:1$a_b.c$X", F::SmdpAddress),
        ("LPA:1$a.b$X$1", F::Oid),
        ("LPA:1$a.b$X$1.", F::Oid),
        ("LPA:1$a.b$X$.1", F::Oid),
        ("LPA:1$a.b$X$1..2", F::Oid),
        ("LPA:1$a.b$X$12", F::Oid),
        ("LPA:1$a.b$X$$0", F::ConfirmationFlag),
        ("LPA:1$a.b$X$$11", F::ConfirmationFlag),
        ("LPA:1$a.b$X$$ABCD12", F::ConfirmationFlag),
        ("LPA:1$a.b$X Y", F::MatchingId),
        ("LPA:1$a.b$X/Y", F::MatchingId),
    ] {
        check(input, Err(field));
    }
    let label = "a".repeat(64);
    check(&format!("LPA:1${label}.com$X"), Err(F::SmdpAddress));
}

#[test]
fn length_limit_counts_the_canonical_string() {
    let fixed = "LPA:1$rsp.truphone.com$".len();
    let at_limit = format!("LPA:1$rsp.truphone.com${}", "A".repeat(255 - fixed));
    assert_eq!(
        ActivationCode::parse(&at_limit).unwrap().to_string(),
        at_limit
    );
    // Without the prefix the canonical form is four characters longer.
    let bare = at_limit.trim_start_matches("LPA:");
    assert!(ActivationCode::parse(bare).is_ok());
    let bare_over = format!("{bare}A");
    let e = ActivationCode::parse(&bare_over).unwrap_err();
    assert_eq!(e.field(), CodeField::Whole);
    assert_eq!(e.kind(), &CodeErrorKind::TooLong { length: 256 });
    assert_eq!(
        e.to_string(),
        "activation code is longer than 255 characters (256)"
    );
    let e =
        ActivationCode::new("rsp.truphone.com", &"A".repeat(256 - fixed), None, false).unwrap_err();
    assert_eq!(e.field(), CodeField::Whole);
}

#[test]
fn new_validates_like_parse() {
    let code = ActivationCode::new("rsp.truphone.com", "6C-DA326D-K86D", None, false).unwrap();
    assert_eq!(
        code,
        ActivationCode::parse("LPA:1$rsp.truphone.com$6C-DA326D-K86D").unwrap()
    );
    let code = ActivationCode::new(" smdp.example.com ", "AB", Some(""), true).unwrap();
    assert_eq!(code.to_string(), "LPA:1$smdp.example.com$AB$$1");
    assert_eq!(code.oid(), None);
    assert!(code.confirmation_code_required());
    let code =
        ActivationCode::new("smdp.example.com", "AB", Some("1.3.6.1.4.1.31746"), false).unwrap();
    assert_eq!(code.oid(), Some("1.3.6.1.4.1.31746"));
    assert_eq!(code.smdp_address(), "smdp.example.com");
    assert_eq!(code.matching_id(), "AB");
    for (address, id, oid, field) in [
        ("https://a.b", "AB", None, CodeField::SmdpAddress),
        ("a.b", "A$B", None, CodeField::MatchingId),
        ("a.b", "AB", Some("1.2$1"), CodeField::Oid),
        ("a$b.c", "AB", None, CodeField::SmdpAddress),
    ] {
        let e = ActivationCode::new(address, id, oid, false).unwrap_err();
        assert_eq!(e.field(), field, "{address} {id} {oid:?}: {e}");
    }
}

#[test]
fn warnings() {
    let code = |s| ActivationCode::parse(s).unwrap();
    assert!(code("LPA:1$a.b$6C-DA326D").warnings().is_empty());
    assert_eq!(
        code("LPA:1$a.b$6c-dA326D").warnings(),
        vec![CodeWarning::LowercaseMatchingId]
    );
    assert_eq!(
        code("LPA:1$a.b$").warnings(),
        vec![CodeWarning::EmptyMatchingId]
    );
}

#[test]
fn masked_hides_the_matching_id() {
    let code = ActivationCode::parse("LPA:1$rsp.truphone.com$6C-DA326D-K86D$$1").unwrap();
    assert_eq!(code.masked(), "LPA:1$rsp.truphone.com$6C-D…K86D$$1");
    assert!(!format!("{code:?}").contains("DA326D"));
    for (id, masked) in [
        ("", ""),
        ("ABCDE", "…"),
        ("ABCDEFGH", "AB…GH"),
        ("ABCDEFGHIJKL", "ABCD…IJKL"),
    ] {
        let code = ActivationCode::new("a.b", id, None, false).unwrap();
        assert_eq!(code.masked(), format!("LPA:1$a.b${masked}"));
    }
}

#[test]
fn errors_never_quote_the_matching_id() {
    for input in [
        "6C-DA326D-K86D",
        "LPA:6C-DA326D-K86D$a.b",
        "LPA:1$a.b$6C-DA326D-K86D$$6C-DA326D",
    ] {
        let e = ActivationCode::parse(input).unwrap_err();
        assert!(!e.to_string().contains("DA326D"), "{e}");
    }
}

#[test]
fn serde_as_canonical_string() {
    let code = ActivationCode::parse("lpa:1$rsp.truphone.com$6C-DA326D-K86D").unwrap();
    let json = serde_json::to_string(&code).unwrap();
    assert_eq!(json, "\"LPA:1$rsp.truphone.com$6C-DA326D-K86D\"");
    assert_eq!(serde_json::from_str::<ActivationCode>(&json).unwrap(), code);
    assert!(serde_json::from_str::<ActivationCode>("\"LPA:2$a.b$X\"").is_err());
}
