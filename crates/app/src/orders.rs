//! The order journal as the Orders screen and `esimdesk orders` show it.

use crate::AppError;
use crate::desk::Desk;
use crate::views::JournaledOrder;

/// The most orders one listing returns.
pub const MAX_ORDERS: usize = 1_000;

/// The latest orders, newest first (at most [`MAX_ORDERS`]).
pub fn orders(desk: &Desk, limit: usize) -> Result<Vec<JournaledOrder>, AppError> {
    Ok(views(desk.store().orders(limit.min(MAX_ORDERS))?))
}

/// Orders reconciliation could not settle with certainty, oldest first: a person settles each
/// ([`crate::reconcile::resolve`]).
pub fn needing_a_person(desk: &Desk) -> Result<Vec<JournaledOrder>, AppError> {
    Ok(views(desk.store().orders_needing_a_person()?))
}

fn views(rows: Vec<esimdesk_store::JournaledOrder>) -> Vec<JournaledOrder> {
    rows.into_iter().map(Into::into).collect()
}
