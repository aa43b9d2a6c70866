//! Paged lists (truphone.md §4, §8.2): `page` and `page_size` (defaults 1 and 10, assumed from
//! the documented `_self` link), and the envelope
//! `{data, _metadata: {links: {_self, _next?, _prev?}, page, page_size, page_count}}`.
//!
//! `page_size` above [`MAX_PAGE_SIZE`] is refused: the reference publishes no maximum, and a
//! client that pages until `page == page_count` never needs a large one. A page past the last
//! is empty (it still reports `page_count`), so a client paging to the end always stops.

use serde_json::{Value, json};

use super::error::{Query, TruphoneError};

pub const DEFAULT_PAGE_SIZE: usize = 10;
pub const MAX_PAGE_SIZE: usize = 1_000;

/// The requested page, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: usize,
    pub page_size: usize,
}

impl Paging {
    pub fn parse(q: &Query) -> Result<Self, TruphoneError> {
        let number = |name: &str, default: usize, max: usize| match q.get(name) {
            None => Ok(default),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    TruphoneError::params(format!("{name} must be a whole number from 1 to {max}"))
                }),
        };
        Ok(Self {
            page: number("page", 1, usize::MAX)?,
            page_size: number("page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?,
        })
    }

    /// This page of `items` in the list envelope. `url` is the list's absolute URL without a
    /// query; `filters` are the other query parameters, repeated in the links.
    pub fn envelope(&self, items: Vec<Value>, url: &str, filters: &[(&str, String)]) -> Value {
        let total = items.len();
        let page_count = total.div_ceil(self.page_size).max(1);
        let data: Vec<Value> = items
            .into_iter()
            .skip((self.page - 1).saturating_mul(self.page_size))
            .take(self.page_size)
            .collect();
        let link = |page: usize| {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in filters {
                q.append_pair(k, v);
            }
            q.append_pair("page", &page.to_string());
            q.append_pair("page_size", &self.page_size.to_string());
            format!("{url}?{}", q.finish())
        };
        let mut links = serde_json::Map::new();
        links.insert("_self".to_owned(), link(self.page).into());
        if self.page < page_count {
            links.insert("_next".to_owned(), link(self.page + 1).into());
        }
        if self.page > 1 {
            links.insert(
                "_prev".to_owned(),
                link((self.page - 1).min(page_count)).into(),
            );
        }
        json!({
            "data": data,
            "_metadata": {
                "links": links,
                "page": self.page,
                "page_size": self.page_size,
                "page_count": page_count,
            },
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_links() {
        let items: Vec<Value> = (0..5).map(Value::from).collect();
        let p = Paging::parse(&Query::parse(Some("page=2&page_size=2"))).unwrap();
        let v = p.envelope(
            items.clone(),
            "http://h/v2/x",
            &[("email", "a@b".to_owned())],
        );
        assert_eq!(v["data"], json!([2, 3]));
        assert_eq!(v["_metadata"]["page_count"], 3);
        assert_eq!(
            v["_metadata"]["links"]["_next"],
            "http://h/v2/x?email=a%40b&page=3&page_size=2"
        );
        assert_eq!(
            v["_metadata"]["links"]["_prev"],
            "http://h/v2/x?email=a%40b&page=1&page_size=2"
        );
        let first = Paging::parse(&Query::parse(None)).unwrap();
        assert_eq!(
            first,
            Paging {
                page: 1,
                page_size: 10
            }
        );
        let v = first.envelope(Vec::new(), "http://h/v2/x", &[]);
        assert_eq!(v["_metadata"]["page_count"], 1);
        assert!(v["_metadata"]["links"].get("_next").is_none());
        for bad in ["page=0", "page_size=0", "page=x", "page_size=1001"] {
            assert!(Paging::parse(&Query::parse(Some(bad))).is_err(), "{bad}");
        }
    }
}
