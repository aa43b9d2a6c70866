//! The error for a state change the domain does not allow.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entity} cannot go from {from} to {to}")]
pub struct IllegalTransition {
    pub entity: &'static str,
    pub from: &'static str,
    pub to: &'static str,
}
