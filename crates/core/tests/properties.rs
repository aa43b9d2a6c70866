//! Property tests of the identifiers: canonical round trips, no panics on any input, and the
//! ICCID check digit catching every single-digit error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use esimdesk_core::{ActivationCode, CodeWarning, Eid, Iccid, IccidError};
use proptest::prelude::*;

/// An ICCID body (all digits but the check digit): `89`, then 16 to 20 more digits.
fn iccid_body() -> impl Strategy<Value = String> {
    "[0-9]{15,19}".prop_map(|rest| format!("89{rest}"))
}

/// Inserts spaces and dashes at random places, as people type them.
fn sprinkle(digits: &str, seps: &[(usize, bool)]) -> String {
    let mut out: Vec<char> = digits.chars().collect();
    let mut inserts: Vec<(usize, char)> = seps
        .iter()
        .map(|(at, dash)| (at % (out.len() + 1), if *dash { '-' } else { ' ' }))
        .collect();
    inserts.sort_by_key(|ins| std::cmp::Reverse(ins.0));
    for (at, c) in inserts {
        out.insert(at, c);
    }
    out.into_iter().collect()
}

proptest! {
    #[test]
    fn parse_then_display_is_canonical(generated in common::valid_code()) {
        let code = ActivationCode::parse(&generated.input).unwrap();
        prop_assert_eq!(code.to_string(), generated.canonical.clone());
        prop_assert!(generated.canonical.len() <= common::MAX_LEN);
        let again = ActivationCode::parse(&generated.canonical).unwrap();
        prop_assert_eq!(&again, &code);
        prop_assert_eq!(again.to_string(), generated.canonical);
        let rebuilt = ActivationCode::new(
            code.smdp_address(), code.matching_id(), code.oid(), code.confirmation_code_required(),
        ).unwrap();
        prop_assert_eq!(rebuilt, code);
    }

    #[test]
    fn lower_case_matching_ids_are_kept_with_a_warning(
        generated in common::valid_code_with("[a-z][0-9a-z-]{0,60}"),
    ) {
        let code = ActivationCode::parse(&generated.input).unwrap();
        prop_assert_eq!(code.to_string(), generated.canonical);
        prop_assert!(code.warnings().contains(&CodeWarning::LowercaseMatchingId));
    }

    #[test]
    fn masked_never_shows_the_whole_matching_id(generated in common::valid_code_with("[0-9A-Z-]{9,60}")) {
        let code = ActivationCode::parse(&generated.input).unwrap();
        prop_assume!(!code.matching_id().is_empty());
        prop_assert!(!code.masked().contains(code.matching_id()));
    }

    #[test]
    fn no_panic_on_any_string(s in any::<String>()) {
        let _ = ActivationCode::parse(&s);
        let _ = Iccid::parse(&s);
        let _ = Eid::parse(&s);
    }

    #[test]
    fn no_panic_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let s = String::from_utf8_lossy(&bytes);
        let _ = ActivationCode::parse(&s);
        let _ = Iccid::parse(&s);
        let _ = Eid::parse(&s);
    }

    /// Mostly-valid inputs reach deeper into the parser than random strings do.
    #[test]
    fn no_panic_on_mutated_codes(
        generated in common::valid_code(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<char>()), 1..4),
    ) {
        let mut chars: Vec<char> = generated.input.chars().collect();
        for (at, c) in edits {
            let i = at.index(chars.len() + 1);
            chars.insert(i, c);
        }
        let s: String = chars.into_iter().collect();
        if let Ok(code) = ActivationCode::parse(&s) {
            prop_assert_eq!(ActivationCode::parse(&code.to_string()).unwrap(), code);
        }
    }

    #[test]
    fn minted_iccids_parse_even_with_separators(
        body in iccid_body(),
        seps in prop::collection::vec((any::<usize>(), any::<bool>()), 0..6),
    ) {
        let iccid = Iccid::from_body(&body).unwrap();
        prop_assert_eq!(iccid.as_str().len(), body.len() + 1);
        prop_assert!(iccid.as_str().starts_with(&body));
        let typed = sprinkle(iccid.as_str(), &seps);
        prop_assert_eq!(Iccid::parse(&typed).unwrap(), iccid.clone());
        prop_assert_eq!(Iccid::parse(&iccid.grouped()).unwrap(), iccid);
    }

    /// Luhn detects every single-digit substitution.
    #[test]
    fn changing_one_digit_is_refused(body in iccid_body(), at in any::<prop::sample::Index>(), delta in 1u8..10) {
        let iccid = Iccid::from_body(&body).unwrap();
        let mut digits = iccid.as_str().as_bytes().to_vec();
        let i = at.index(digits.len());
        digits[i] = b'0' + (digits[i] - b'0' + delta) % 10;
        let changed = String::from_utf8(digits).unwrap();
        let result = Iccid::parse(&changed);
        if i < 2 {
            // The `89` prefix is checked before the check digit.
            let refused = matches!(result, Err(IccidError::NotTelecom { .. }) | Err(IccidError::CheckDigit { .. }));
            prop_assert!(refused);
        } else {
            let refused = matches!(result, Err(IccidError::CheckDigit { .. }));
            prop_assert!(refused, "{} accepted", changed);
        }
    }
}
