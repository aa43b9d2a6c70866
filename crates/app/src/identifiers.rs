//! Checks of the identifiers a person types: ICCID and EID.

use esimdesk_core::{Eid, Iccid};
use serde::Serialize;
use ts_rs::TS;

/// The answer to "is this ICCID/EID right?": the normalised digits when they are, the reason
/// when they are not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct IdentifierCheck {
    pub normalized: Option<String>,
    pub valid: bool,
    pub reason: Option<String>,
}

fn check<T, E: std::fmt::Display>(
    parsed: Result<T, E>,
    normalized: impl Fn(&T) -> String,
) -> IdentifierCheck {
    match parsed {
        Ok(value) => IdentifierCheck {
            normalized: Some(normalized(&value)),
            valid: true,
            reason: None,
        },
        Err(e) => IdentifierCheck {
            normalized: None,
            valid: false,
            reason: Some(e.to_string()),
        },
    }
}

pub fn check_iccid(input: &str) -> IdentifierCheck {
    check(Iccid::parse(input), |i| i.as_str().to_owned())
}

pub fn check_eid(input: &str) -> IdentifierCheck {
    check(Eid::parse(input), |e| e.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iccid_with_spaces_normalises() {
        let c = check_iccid("8937 2020 0000 0123 4569");
        assert!(c.valid);
        assert_eq!(c.normalized.as_deref(), Some("89372020000001234569"));
        let bad = check_iccid("8944538532046590100");
        assert!(!bad.valid);
        assert!(bad.reason.is_some());
    }

    #[test]
    fn eid_check_digits() {
        assert!(check_eid("89049032000088880000000000001425").valid);
        assert!(!check_eid("89049032000088880000000000001426").valid);
    }
}
