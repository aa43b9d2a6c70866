//! EID (GSMA SGP.29): the 32-digit identifier of a phone's eUICC, read out by a customer for a
//! compatibility check or a push install. Its two check digits (ISO/IEC 7064 MOD 97-10) catch a
//! misheard digit before it reaches a provider.

use crate::activation_code::describe_char;

/// Number of digits in an EID.
pub const DIGITS: usize = 32;

/// A validated EID, stored as its 32 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Eid(String);

/// Why an EID was refused. Positions are 1-based and count characters of the input as typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EidError {
    #[error("EID is empty")]
    Empty,
    #[error("EID contains {} at position {position}; only digits are allowed", describe_char(*.ch))]
    InvalidCharacter { ch: char, position: usize },
    #[error("EID has {digits} digits; it must have exactly {DIGITS}")]
    Length { digits: usize },
    #[error("EID must start with 89, found {found}")]
    NotStartingWith89 { found: String },
    #[error(
        "EID check digits are wrong: expected {expected}, found {found}; a digit is probably mistyped"
    )]
    CheckDigits { expected: String, found: String },
}

impl Eid {
    /// Parses an EID as read out: spaces and dashes are removed, then exactly 32 digits starting
    /// with `89` whose value modulo 97 is 1 are required.
    pub fn parse(input: &str) -> Result<Self, EidError> {
        let mut digits = String::with_capacity(DIGITS);
        for (i, ch) in input.chars().enumerate() {
            match ch {
                '0'..='9' => digits.push(ch),
                ' ' | '-' | '\t' => {}
                _ => {
                    return Err(EidError::InvalidCharacter {
                        ch,
                        position: i + 1,
                    });
                }
            }
        }
        if digits.is_empty() {
            return Err(EidError::Empty);
        }
        if digits.len() != DIGITS {
            return Err(EidError::Length {
                digits: digits.len(),
            });
        }
        if !digits.starts_with("89") {
            return Err(EidError::NotStartingWith89 {
                found: digits[..2].to_owned(),
            });
        }
        if mod97(&digits) != 1 {
            let body = &digits[..DIGITS - 2];
            let expected = 98 - mod97(&format!("{body}00"));
            return Err(EidError::CheckDigits {
                expected: format!("{expected:02}"),
                found: digits[DIGITS - 2..].to_owned(),
            });
        }
        Ok(Self(digits))
    }

    /// The 32 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The decimal number written by `digits` (ASCII digits only) modulo 97, one digit at a time so
/// no big integer is needed.
fn mod97(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0, |r, b| (r * 10 + u32::from(b - b'0')) % 97)
}

crate::digit_string::digit_string_traits!(Eid, EidError);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn check(input: &str, expected: Result<&str, EidError>) {
        assert_eq!(
            Eid::parse(input).map(|e| e.0),
            expected.map(str::to_owned),
            "input {input:?}"
        );
    }

    #[test]
    fn domain_examples() {
        check(
            "89049032000088880000000000001425",
            Ok("89049032000088880000000000001425"),
        );
        check(
            "89044045116727494800000004479172",
            Ok("89044045116727494800000004479172"),
        );
        check(
            "8904 9032 0000 8888 0000 0000 0000 1425",
            Ok("89049032000088880000000000001425"),
        );
        check(
            "89049032000088880000000000001426",
            Err(EidError::CheckDigits {
                expected: "25".into(),
                found: "26".into(),
            }),
        );
        check(
            "8904903200008888000000000000142",
            Err(EidError::Length { digits: 31 }),
        );
        check(
            "8904903200008888000000000000142X",
            Err(EidError::InvalidCharacter {
                ch: 'X',
                position: 32,
            }),
        );
        check(
            "12049032000088880000000000001425",
            Err(EidError::NotStartingWith89 { found: "12".into() }),
        );
        check("  ", Err(EidError::Empty));
    }

    #[test]
    fn message_and_serde() {
        let e = Eid::parse("89049032000088880000000000001426").unwrap_err();
        assert_eq!(
            e.to_string(),
            "EID check digits are wrong: expected 25, found 26; a digit is probably mistyped"
        );
        let eid: Eid = "89049032000088880000000000001425".parse().unwrap();
        let json = serde_json::to_string(&eid).unwrap();
        assert_eq!(json, "\"89049032000088880000000000001425\"");
        assert_eq!(serde_json::from_str::<Eid>(&json).unwrap(), eid);
        assert!(serde_json::from_str::<Eid>("\"89049032000088880000000000001426\"").is_err());
    }
}
