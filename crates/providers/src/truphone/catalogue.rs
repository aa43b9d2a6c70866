//! Products (truphone.md §4): the eSIM products as offerings, page by page, and one by id.

use esimdesk_core::Offering;

use super::{Truphone, assumed, map, wire};
use crate::error::{ProviderError, clip};
use crate::http::Call;
use crate::{CataloguePage, CatalogueQuery, PageToken, SkippedItem};

fn list_call(page: u32, page_size: u32) -> Call {
    Call::get(&["v2", "products"])
        .query("page", page.to_string())
        .query("page_size", page_size.to_string())
}

/// A page token is the page number (2 and up; the first page has none).
fn parse_token(token: &PageToken) -> Result<u32, ProviderError> {
    token
        .0
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 1)
        .ok_or_else(|| ProviderError::InvalidRequest {
            message: format!("'{}' is not a Truphone catalogue page", clip(&token.0)),
        })
}

/// The credentials check: a token and one product.
pub(super) async fn probe(t: &Truphone) -> Result<(), ProviderError> {
    let _: wire::List = t.get_json(list_call(1, 1), "product list").await?;
    Ok(())
}

/// One page of products. Only eSIM products are offerings (`sim_type`); physical-SIM products
/// are left out silently, unreadable ones and those whose zone the desk does not know are
/// skipped with the reason. Countries, regions and free text are not Truphone filters (none is
/// documented): they are applied locally, free text by the desk's own search.
pub(super) async fn page(
    t: &Truphone,
    query: &CatalogueQuery,
    token: Option<&PageToken>,
) -> Result<CataloguePage, ProviderError> {
    let number = token.map(parse_token).transpose()?.unwrap_or(1);
    let list: wire::List = t
        .get_json(
            list_call(number, assumed::PRODUCTS_PAGE_SIZE),
            "product list",
        )
        .await?;
    let mut offerings = Vec::new();
    let mut skipped = Vec::new();
    for raw in list.data {
        let product = match serde_json::from_str::<wire::Product>(raw.get()) {
            Ok(p) => p,
            Err(e) => {
                skipped.push(SkippedItem {
                    code: None,
                    reason: clip(&e.to_string()),
                });
                continue;
            }
        };
        if !map::is_esim(&product) {
            continue;
        }
        let code = product.id.clone();
        match map::offering(product) {
            Ok(o) if query.matches(&o) => offerings.push(o),
            Ok(_) => {}
            Err(reason) => skipped.push(SkippedItem {
                code: Some(code),
                reason,
            }),
        }
    }
    for s in &skipped {
        tracing::warn!(provider = "truphone", code = ?s.code, reason = %s.reason, "product skipped");
    }
    let metadata = list.metadata.as_ref();
    let page_count = metadata
        .and_then(|m| m.page_count)
        .and_then(wire::Number::as_u64)
        .and_then(|n| u32::try_from(n).ok());
    // §4: page until `page == page_count`; without a count, while a `_next` link is offered.
    // The page asked for counts, not the one the reply names: a reply that always says "page 1"
    // must not make the walk start over.
    let more = match page_count {
        Some(count) => number < count,
        None => metadata
            .and_then(|m| m.links.as_ref())
            .and_then(|l| l.next.as_deref())
            .is_some_and(|n| !n.trim().is_empty()),
    };
    Ok(CataloguePage {
        offerings,
        skipped,
        next: more.then(|| PageToken((number + 1).to_string())),
        page: number,
        page_count,
        total_items: None,
    })
}

/// `GET /v2/products/{id}` (§4; reply shape assumed = one list item): an eSIM product the desk
/// can sell.
pub(super) async fn one(t: &Truphone, code: &str) -> Result<Offering, ProviderError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(ProviderError::InvalidRequest {
            message: "no Truphone product id given".into(),
        });
    }
    let product: wire::Product = t
        .get_json(Call::get(&["v2", "products", code]), "product")
        .await?;
    if !map::is_esim(&product) {
        return Err(ProviderError::InvalidRequest {
            message: format!("Truphone product {} is not sold as an eSIM", clip(code)),
        });
    }
    map::offering(product).map_err(|reason| ProviderError::malformed("product", reason))
}
