//! ICCID (ITU-T E.118): the eSIM's serial number, printed on vouchers and typed back in to find an
//! eSIM again. Typing errors are caught by the Luhn check digit, so they are refused rather than
//! matched against the wrong eSIM.

use crate::activation_code::describe_char;

/// Shortest and longest ICCID, check digit included.
pub const MIN_DIGITS: usize = 18;
pub const MAX_DIGITS: usize = 22;

/// A validated ICCID, stored as its digits only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iccid(String);

/// Why an ICCID was refused. Positions are 1-based and count characters of the input as typed
/// (spaces and dashes included), so they point where the agent is looking.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IccidError {
    #[error("ICCID is empty")]
    Empty,
    #[error("ICCID contains {} at position {position}; only digits are allowed", describe_char(*.ch))]
    InvalidCharacter { ch: char, position: usize },
    #[error(
        "ICCID has {digits} digits; it must have {MIN_DIGITS} to {MAX_DIGITS} (usually 19 or 20)"
    )]
    Length { digits: usize },
    #[error("ICCID must start with 89 (telecommunications), found {found}")]
    NotTelecom { found: String },
    #[error(
        "ICCID check digit is wrong: expected {expected}, found {found}; a digit is probably mistyped"
    )]
    CheckDigit { expected: u8, found: u8 },
}

impl Iccid {
    /// Parses an ICCID as typed: spaces and dashes are removed, then 18–22 digits starting with
    /// `89` whose last digit is the Luhn check digit are required.
    pub fn parse(input: &str) -> Result<Self, IccidError> {
        let digits = normalise(input)?;
        check_shape(&digits)?;
        let (body, last) = digits.split_at(digits.len() - 1);
        let expected = luhn_check_digit(body).ok_or(IccidError::Empty)?;
        let found = last.bytes().next().map_or(0, |b| b - b'0');
        if expected != found {
            return Err(IccidError::CheckDigit { expected, found });
        }
        Ok(Self(digits))
    }

    /// Mints an ICCID from every digit but the check digit, which is computed and appended
    /// (the simulator and tests use this). A [`IccidError::Length`] counts the appended digit.
    /// An ICCID as a provider issued it: digits of an ICCID's length are kept even when they fail
    /// the telecom prefix or the check digit (ITT's samples: 18 digits starting `87`), with that
    /// failure returned beside them so the desk can flag it. What a person types goes through
    /// [`Iccid::parse`].
    pub fn from_provider(input: &str) -> Result<(Self, Option<IccidError>), IccidError> {
        let digits = normalise(input)?;
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) {
            return Err(IccidError::Length {
                digits: digits.len(),
            });
        }
        let problem = Self::parse(&digits).err();
        Ok((Self(digits), problem))
    }

    /// What is wrong with this ICCID by the desk's rule, for one a provider issued
    /// ([`Iccid::from_provider`]); `None` for a valid one.
    pub fn problem(&self) -> Option<IccidError> {
        Self::parse(&self.0).err()
    }

    pub fn from_body(body_without_check_digit: &str) -> Result<Self, IccidError> {
        let mut digits = normalise(body_without_check_digit)?;
        let check = luhn_check_digit(&digits).ok_or(IccidError::Empty)?;
        digits.push(char::from(b'0' + check));
        check_shape(&digits)?;
        Ok(Self(digits))
    }

    /// The normalised digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits in groups of four separated by spaces, for reading aloud and printing.
    pub fn grouped(&self) -> String {
        let mut out = String::with_capacity(self.0.len() + self.0.len() / 4);
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }
}

/// The Luhn check digit to append to `digits`, or `None` if `digits` is empty or has a non-digit.
pub fn luhn_check_digit(digits: &str) -> Option<u8> {
    if digits.is_empty() {
        return None;
    }
    let mut sum = 0u32;
    // The digit next to the check digit is doubled, then every second one going left.
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = u32::from(b - b'0');
        sum += if i % 2 == 0 {
            let twice = d * 2;
            if twice > 9 { twice - 9 } else { twice }
        } else {
            d
        };
    }
    u8::try_from((10 - sum % 10) % 10).ok()
}

/// Removes the spaces and dashes people type, and refuses anything else that is not a digit.
fn normalise(input: &str) -> Result<String, IccidError> {
    let mut digits = String::with_capacity(input.len());
    // A barcode scanner ends what it reads with CR or LF (or both); a copied cell brings its own
    // line end. Only the ends are trimmed: a line break inside the number is still refused.
    let input = input.trim_matches(['\r', '\n', ' ', '\t']);
    for (i, ch) in input.chars().enumerate() {
        match ch {
            '0'..='9' => digits.push(ch),
            ' ' | '-' | '\t' => {}
            _ => {
                return Err(IccidError::InvalidCharacter {
                    ch,
                    position: i + 1,
                });
            }
        }
    }
    if digits.is_empty() {
        return Err(IccidError::Empty);
    }
    Ok(digits)
}

fn check_shape(digits: &str) -> Result<(), IccidError> {
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) {
        return Err(IccidError::Length {
            digits: digits.len(),
        });
    }
    if !digits.starts_with("89") {
        return Err(IccidError::NotTelecom {
            found: digits.chars().take(2).collect(),
        });
    }
    Ok(())
}

crate::digit_string::digit_string_traits!(Iccid, IccidError);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// `Ok(normalised)` or the expected error.
    fn check(input: &str, expected: Result<&str, IccidError>) {
        let got = Iccid::parse(input);
        match (&got, &expected) {
            (Ok(i), Ok(want)) => assert_eq!(i.as_str(), *want, "input {input:?}"),
            _ => assert_eq!(
                got.map(|i| i.0),
                expected.map(str::to_owned),
                "input {input:?}"
            ),
        }
    }

    #[test]
    fn a_scanner_s_line_end_is_not_part_of_the_number() {
        for scanned in [
            "8944000100000000017\r\n",
            "8944000100000000017\n",
            " 8944000100000000017\r",
        ] {
            assert_eq!(
                Iccid::parse(scanned).map(|i| i.as_str().to_owned()),
                Ok("8944000100000000017".to_owned()),
                "{scanned:?}"
            );
        }
        assert!(Iccid::parse("89440001000\n00000017").is_err());
    }

    #[test]
    fn domain_examples() {
        check("8944538532046590109", Ok("8944538532046590109"));
        check("89440000000000001232", Ok("89440000000000001232"));
        check("8937 2020 0000 0123 4569", Ok("89372020000001234569"));
        check("8937-2020-0000-0123-4569", Ok("89372020000001234569"));
        check(
            "8944538532046590100",
            Err(IccidError::CheckDigit {
                expected: 9,
                found: 0,
            }),
        );
        check(
            "894453853204659010A",
            Err(IccidError::InvalidCharacter {
                ch: 'A',
                position: 19,
            }),
        );
        check(
            "1234567890123456789",
            Err(IccidError::NotTelecom { found: "12".into() }),
        );
        check("89445385", Err(IccidError::Length { digits: 8 }));
        check("", Err(IccidError::Empty));
        check(" - ", Err(IccidError::Empty));
    }

    #[test]
    fn messages_are_readable() {
        let e = Iccid::parse("8944 5385 3204 6590 10A").unwrap_err();
        assert_eq!(
            e.to_string(),
            "ICCID contains 'A' at position 23; only digits are allowed"
        );
        let e = Iccid::parse("8944538532046590100").unwrap_err();
        assert!(e.to_string().contains("expected 9, found 0"), "{e}");
    }

    #[test]
    fn grouped_and_display() {
        let i = Iccid::parse("8944538532046590109").unwrap();
        assert_eq!(i.grouped(), "8944 5385 3204 6590 109");
        assert_eq!(i.to_string(), "8944538532046590109");
        assert_eq!("8944538532046590109".parse::<Iccid>().unwrap(), i);
    }

    #[test]
    fn luhn() {
        assert_eq!(luhn_check_digit("7992739871"), Some(3));
        assert_eq!(luhn_check_digit("894453853204659010"), Some(9));
        assert_eq!(luhn_check_digit(""), None);
        assert_eq!(luhn_check_digit("12a"), None);
        let minted = Iccid::from_body("8944000000000000123").unwrap();
        assert_eq!(minted.as_str(), "89440000000000001232");
        assert_eq!(
            Iccid::from_body("1244000000000000123"),
            Err(IccidError::NotTelecom { found: "12".into() })
        );
    }

    #[test]
    fn serde_as_string_and_validated() {
        let i = Iccid::parse("89440000000000001232").unwrap();
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(json, "\"89440000000000001232\"");
        assert_eq!(serde_json::from_str::<Iccid>(&json).unwrap(), i);
        assert!(serde_json::from_str::<Iccid>("\"89440000000000001233\"").is_err());
    }

    #[test]
    fn a_providers_iccid_is_kept_with_its_problem() {
        let (sample, problem) = Iccid::from_provider("873000000000040589").unwrap();
        assert_eq!(sample.as_str(), "873000000000040589");
        assert!(matches!(problem, Some(IccidError::NotTelecom { .. })));
        assert!(sample.problem().is_some());
        let (good, none) = Iccid::from_provider("8930000000000405894").unwrap();
        assert!(none.is_none() && good.problem().is_none());
        assert!(Iccid::from_provider("1234").is_err());
        assert!(Iccid::from_provider("87300000000004058x").is_err());
    }
}
