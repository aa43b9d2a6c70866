//! The one place ITT values are read leniently (itt.md §1): the published samples were damaged by
//! a Postman conversion (`"489.41,"`, `"24,"`, `"null,"`, `"true,"`), and numbers and booleans
//! arrive as JSON values or as strings. Every field that may carry such a value is read with one
//! of the functions here (`#[serde(default, deserialize_with = "...")]` on an `Option`); every
//! other field (the envelope's `status`, identifiers) is read strictly.
//!
//! Rules (assumed, §1): trim white space and one trailing comma; a number is a JSON number or a
//! numeric string, read exactly (never through `f64`, see [`crate::json_number`]); a boolean is
//! `true`/`false` or one of [`assumed::TRUE_WORDS`] / [`assumed::FALSE_WORDS`] as a string; JSON
//! `null`, an empty string and [`assumed::NULL_WORD`] are absent.

use rust_decimal::Decimal;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::assumed;
use crate::json_number::{Number, parse_decimal};

/// Trims, then drops one trailing comma and trims again: `" 489.41, "` → `489.41`.
pub(super) fn clean(text: &str) -> &str {
    let t = text.trim();
    t.strip_suffix(',').map_or(t, str::trim_end)
}

/// A JSON scalar as sent: a string's (cleaned) content, or a bare literal's text.
enum Scalar {
    Absent,
    Text(String),
    Bare(String),
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    // The raw text, so that a number keeps every digit (money, 18–20-digit ICCIDs).
    let Some(raw) = Option::<Box<RawValue>>::deserialize(d)? else {
        return Ok(Scalar::Absent);
    };
    let text = raw.get().trim();
    if text.starts_with('"') {
        let s: String = serde_json::from_str(text).map_err(D::Error::custom)?;
        let s = clean(&s);
        if s.is_empty() || s.eq_ignore_ascii_case(assumed::NULL_WORD) {
            return Ok(Scalar::Absent);
        }
        return Ok(Scalar::Text(s.to_owned()));
    }
    if text.starts_with('{') || text.starts_with('[') {
        return Err(D::Error::custom(
            "expected a single value, found a list or object",
        ));
    }
    if text == "null" {
        return Ok(Scalar::Absent);
    }
    Ok(Scalar::Bare(text.to_owned()))
}

fn short(text: &str) -> String {
    text.chars().take(40).collect()
}

/// A number (JSON number or numeric string), exact.
pub(super) fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match scalar(d)? {
        Scalar::Absent => Ok(None),
        Scalar::Text(t) | Scalar::Bare(t) => parse_decimal(&t)
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("expected a number, found {}", short(&t)))),
    }
}

/// A boolean: `true`/`false`, or the words of §1 as a string.
pub(super) fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let word = match scalar(d)? {
        Scalar::Absent => return Ok(None),
        Scalar::Text(t) | Scalar::Bare(t) => t.to_ascii_lowercase(),
    };
    if assumed::TRUE_WORDS.contains(&word.as_str()) {
        Ok(Some(true))
    } else if assumed::FALSE_WORDS.contains(&word.as_str()) {
        Ok(Some(false))
    } else {
        Err(D::Error::custom(format!(
            "expected true/false/yes/no, found {}",
            short(&word)
        )))
    }
}

/// A text that may be damaged or `null`: cleaned, absent when empty. A bare number is taken as
/// its text (an ICCID sent as a JSON number keeps all its digits); a bare boolean is refused.
pub(super) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match scalar(d)? {
        Scalar::Absent => Ok(None),
        Scalar::Text(t) => Ok(Some(t)),
        Scalar::Bare(t) if parse_decimal(&t).is_some() => Ok(Some(t)),
        Scalar::Bare(t) => Err(D::Error::custom(format!(
            "expected a text, found {}",
            short(&t)
        ))),
    }
}

/// A list that may arrive as a single object (§4, open point 8), or `null` (empty). The items
/// are kept raw, so that the caller reads each on its own and skips the ones it cannot read.
pub(super) fn raw_items<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Box<RawValue>>, D::Error> {
    let Some(raw) = Option::<Box<RawValue>>::deserialize(d)? else {
        return Ok(Vec::new());
    };
    let text = raw.get().trim_start();
    if text.starts_with('[') {
        serde_json::from_str(raw.get()).map_err(D::Error::custom)
    } else if text.starts_with('{') {
        Ok(vec![raw])
    } else {
        Err(D::Error::custom("expected a list or an object"))
    }
}

/// A list of `T` that may arrive as a single object or `null`.
pub(super) fn items<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    raw_items(d)?
        .iter()
        .map(|raw| serde_json::from_str(raw.get()).map_err(D::Error::custom))
        .collect()
}

/// A whole non-negative number (MB, days), where the value is one.
pub(super) fn whole(value: Decimal) -> Option<u64> {
    Number(value).as_u64()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Sample {
        #[serde(default, deserialize_with = "number")]
        n: Option<Decimal>,
        #[serde(default, deserialize_with = "boolean")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "text")]
        t: Option<String>,
        #[serde(default, deserialize_with = "items")]
        list: Vec<Sample>,
    }

    fn read(json: &str) -> Result<Sample, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn clean_drops_white_space_and_one_trailing_comma() {
        assert_eq!(clean(" 489.41, "), "489.41");
        assert_eq!(clean("24,"), "24");
        assert_eq!(clean("a,,"), "a,");
        assert_eq!(clean("plain"), "plain");
    }

    #[test]
    fn numbers_as_json_numbers_or_strings_exactly() {
        for (json, want) in [
            (r#"{"n": 489.41}"#, "489.41"),
            (r#"{"n": "489.41"}"#, "489.41"),
            (r#"{"n": "489.41,"}"#, "489.41"),
            (r#"{"n": " 24, "}"#, "24"),
            (r#"{"n": 365}"#, "365"),
            (r#"{"n": "12345678901234567.89"}"#, "12345678901234567.89"),
        ] {
            assert_eq!(read(json).unwrap().n.unwrap().to_string(), want, "{json}");
        }
        for json in [
            r#"{"n": null}"#,
            r#"{"n": "null"}"#,
            r#"{"n": "null,"}"#,
            r#"{"n": "NULL"}"#,
            r#"{"n": ""}"#,
            "{}",
        ] {
            assert_eq!(read(json).unwrap().n, None, "{json}");
        }
        for json in [r#"{"n": "12 GB"}"#, r#"{"n": true}"#, r#"{"n": [1]}"#] {
            assert!(read(json).is_err(), "{json}");
        }
        assert_eq!(whole(Decimal::new(1024, 0)), Some(1024));
        assert_eq!(whole(Decimal::new(15, 1)), None);
    }

    #[test]
    fn booleans_as_literals_or_words() {
        for (json, want) in [
            (r#"{"b": true}"#, Some(true)),
            (r#"{"b": false}"#, Some(false)),
            (r#"{"b": "true"}"#, Some(true)),
            (r#"{"b": "true,"}"#, Some(true)),
            (r#"{"b": "FALSE"}"#, Some(false)),
            (r#"{"b": "yes"}"#, Some(true)),
            (r#"{"b": "no"}"#, Some(false)),
            (r#"{"b": null}"#, None),
            (r#"{"b": "null,"}"#, None),
        ] {
            assert_eq!(read(json).unwrap().b, want, "{json}");
        }
        for json in [r#"{"b": 1}"#, r#"{"b": "maybe"}"#] {
            assert!(read(json).is_err(), "{json}");
        }
    }

    #[test]
    fn texts_are_cleaned_and_null_is_absent() {
        assert_eq!(
            read(r#"{"t": " airalo, "}"#).unwrap().t.as_deref(),
            Some("airalo")
        );
        assert_eq!(read(r#"{"t": "null,"}"#).unwrap().t, None);
        // An ICCID sent as a JSON number keeps every digit.
        assert_eq!(
            read(r#"{"t": 8930000000000405894}"#).unwrap().t.as_deref(),
            Some("8930000000000405894")
        );
        assert!(read(r#"{"t": true}"#).is_err());
    }

    #[test]
    fn a_list_may_be_one_object_or_null() {
        assert_eq!(
            read(r#"{"list": [{"n": 1}, {"n": "2"}]}"#)
                .unwrap()
                .list
                .len(),
            2
        );
        assert_eq!(read(r#"{"list": {"n": 1}}"#).unwrap().list.len(), 1);
        assert!(read(r#"{"list": null}"#).unwrap().list.is_empty());
        assert!(read(r#"{"list": "x"}"#).is_err());
    }
}
