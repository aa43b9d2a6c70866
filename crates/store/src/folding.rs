//! Text folding for search: what an agent types and what is stored are compared folded, and
//! prefixes become index ranges.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds text for matching what an agent types: lower case, accents removed ("Côte d'Ivoire" →
/// "cote d ivoire"), every run of other non-alphanumeric characters one space, trimmed.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// The exclusive upper bound of a prefix range: every string starting with `prefix` sorts
/// (bytewise, SQLite's BINARY collation) at or above `prefix` and below this.
pub(crate) fn prefix_end(prefix: &str) -> String {
    let mut end = String::with_capacity(prefix.len() + 4);
    end.push_str(prefix);
    end.push(char::MAX);
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_what_agents_type() {
        assert_eq!(fold("Côte d'Ivoire"), "cote d ivoire");
        assert_eq!(fold("  Guinea-Bissau "), "guinea bissau");
        assert_eq!(fold("ÅLAND"), "aland");
        assert_eq!(fold("USA"), "usa");
        assert_eq!(fold("--"), "");
    }

    #[test]
    fn prefix_range_covers_continuations() {
        let end = prefix_end("spa");
        assert!("spain" < end.as_str() && "spa" < end.as_str());
        assert!("spb" > end.as_str());
    }
}
