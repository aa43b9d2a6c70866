//! Printing results: JSON with stable field names, or short text for people.

use crate::Failure;

pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::Other(format!("cannot encode the result: {e}")))?;
    println!("{text}");
    Ok(())
}

/// JSON when asked, text otherwise.
pub fn either<T: serde::Serialize + ?Sized>(
    as_json: bool,
    value: &T,
    text: impl FnOnce(&T) -> String,
) -> Result<(), Failure> {
    if as_json {
        json(value)
    } else {
        print!("{}", text(value));
        Ok(())
    }
}
