//! Identifiers every simulator mints the same way: a seeded stream of UUIDs and code
//! characters, and Luhn-valid ICCIDs. Shared so that each provider's simulator differs only in
//! what its reference says (issuer prefix, code shape), never in how the digits are made.

use esimdesk_core::{Iccid, IccidError};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Upper-case letters and digits, the alphabet of SM-DP+ matching IDs in the references.
pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// Decimal digits (PINs, PUKs, numbers).
pub const DIGITS: &[u8] = b"0123456789";

/// A deterministic stream of identifiers: the same seed and stream give the same sequence, so
/// a sandbox run with a fixed seed mints the same IDs every time.
#[derive(Debug, Clone)]
pub struct Minter {
    rng: ChaCha8Rng,
}

impl Minter {
    /// `stream` keeps the simulators' sequences apart under one seed.
    pub fn new(seed: u64, stream: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed ^ stream),
        }
    }

    /// A random (version 4) UUID in its lower-case hyphenated form.
    pub fn uuid(&mut self) -> String {
        let bytes: [u8; 16] = self.rng.random();
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    /// `n` characters drawn from `alphabet`.
    pub fn chars(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n)
            .map(|_| {
                let i = self.rng.random_range(0..alphabet.len());
                char::from(alphabet.get(i).copied().unwrap_or(b'0'))
            })
            .collect()
    }

    /// A matching ID of upper-case alphanumeric groups joined by `-`, e.g. `K2-4Q7ZP-1MB3XY`
    /// for `[2, 5, 6]`.
    pub fn matching_id(&mut self, groups: &[usize]) -> String {
        groups
            .iter()
            .map(|&n| self.chars(n, ALNUM))
            .collect::<Vec<_>>()
            .join("-")
    }
}

/// The ICCID with serial number `serial` under a six-digit-or-shorter issuer `prefix` (e.g.
/// `8944`, `8946`). Serials alternate between 20-digit (even) and 19-digit (odd) ICCIDs — both
/// lengths occur in the field and clients must take both — and always end in a Luhn check digit.
pub fn iccid(prefix: &str, serial: u64) -> Result<String, IccidError> {
    let body = if serial.is_multiple_of(2) {
        format!("{prefix}00010{serial:010}")
    } else {
        format!("{prefix}0001{serial:010}")
    };
    Ok(Iccid::from_body(&body)?.as_str().to_owned())
}

/// The ICCID with serial number `serial` right after the issuer `prefix` (e.g. `894447`), the
/// serial zero-padded to fill the number: `8944470000005678901` rather than [`iccid`]'s fixed
/// `…00010…` filler, for references whose examples look so. Lengths alternate as in [`iccid`]
/// (even serials 20 digits, odd 19), always ending in a Luhn check digit; a serial too long
/// for the length is an [`IccidError::Length`].
pub fn iccid_padded(prefix: &str, serial: u64) -> Result<String, IccidError> {
    let digits = if serial.is_multiple_of(2) { 20 } else { 19 };
    let width = digits - 1 - prefix.len().min(digits - 1);
    let body = format!("{prefix}{serial:0width$}");
    if body.len() != digits - 1 {
        return Err(IccidError::Length {
            digits: body.len() + 1,
        });
    }
    Ok(Iccid::from_body(&body)?.as_str().to_owned())
}

/// FNV-1a: a stable 64-bit hash of a text, to derive per-item random streams from a seed.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn iccids_alternate_lengths_and_pass_luhn() {
        let even = iccid("8946", 2).unwrap();
        let odd = iccid("8946", 3).unwrap();
        assert_eq!(even.len(), 20);
        assert_eq!(odd.len(), 19);
        for text in [&even, &odd] {
            assert!(text.starts_with("8946"));
            assert!(Iccid::parse(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn padded_iccids_look_like_the_reference() {
        assert_eq!(iccid_padded("894447", 567_890).unwrap().len(), 20);
        let odd = iccid_padded("894447", 567_891).unwrap();
        assert_eq!(odd.len(), 19);
        assert!(odd.starts_with("894447000000567891"));
        assert!(Iccid::parse(&odd).is_ok());
        // The reference's own example body gets its example check digit.
        assert_eq!(
            Iccid::from_body("894447000000567890").unwrap().as_str(),
            "8944470000005678901"
        );
        assert!(iccid_padded("894447", 10_u64.pow(13)).is_err());
    }

    #[test]
    fn the_same_seed_mints_the_same_ids() {
        let mut a = Minter::new(7, 1);
        let mut b = Minter::new(7, 1);
        assert_eq!(a.uuid(), b.uuid());
        assert_eq!(a.matching_id(&[2, 5, 6]), b.matching_id(&[2, 5, 6]));
        let code = Minter::new(7, 2).matching_id(&[2, 5, 6]);
        assert_eq!(code.len(), 15);
        assert_eq!(code.matches('-').count(), 2);
    }
}
