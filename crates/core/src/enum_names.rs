//! The string forms of the domain's enums (order states and kinds, package states, profile
//! statuses, activation types): written once, here, and used by storage, the faces and the wire
//! alike. Each is the variant's serde form, so JSON and SQLite agree (a test checks it).

/// A name that is none of an enum's string forms: a stored value from a newer version, or a typo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{name}' is not a known {what}")]
pub struct UnknownName {
    /// What was being read, e.g. "order state".
    pub what: &'static str,
    pub name: String,
}

/// Gives an enum `ALL`, `name()`, `from_name()` and `FromStr` from one table of variant → name.
/// `name()` matches on every variant, so a variant added to the enum but not to the table does
/// not compile.
macro_rules! string_forms {
    ($ty:ident, $what:literal, [$($variant:ident => $name:literal),+ $(,)?]) => {
        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$variant),+];

            /// The stored and wire name (the same as its serde form).
            pub const fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }

            /// The variant a [`Self::name`] stands for.
            pub fn from_name(name: &str) -> Option<$ty> {
                match name {
                    $($name => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::enum_names::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::from_name(s).ok_or_else(|| $crate::enum_names::UnknownName {
                    what: $what,
                    name: s.to_owned(),
                })
            }
        }
    };
}

pub(crate) use string_forms;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::str::FromStr;

    use serde::Serialize;

    use crate::{ActivationType, OrderKind, OrderState, PackageState, ProfileStatus};

    /// Every variant: `name` → `from_name` and `FromStr` give it back, and the name is its serde
    /// form, so what SQLite holds and what JSON carries never drift apart.
    fn round_trips<T>(all: &[T], name: fn(T) -> &'static str, from: fn(&str) -> Option<T>)
    where
        T: Copy + PartialEq + std::fmt::Debug + Serialize + FromStr,
        <T as FromStr>::Err: std::fmt::Debug,
    {
        for &v in all {
            assert_eq!(from(name(v)), Some(v), "{v:?}");
            assert_eq!(T::from_str(name(v)).unwrap(), v, "{v:?}");
            assert_eq!(
                serde_json::to_string(&v).unwrap(),
                format!("\"{}\"", name(v)),
                "{v:?}"
            );
        }
    }

    #[test]
    fn every_variant_round_trips() {
        round_trips(&OrderState::ALL, OrderState::name, OrderState::from_name);
        round_trips(&OrderKind::ALL, OrderKind::name, OrderKind::from_name);
        round_trips(
            &PackageState::ALL,
            PackageState::name,
            PackageState::from_name,
        );
        round_trips(
            &ProfileStatus::ALL,
            ProfileStatus::name,
            ProfileStatus::from_name,
        );
        round_trips(
            &ActivationType::ALL,
            ActivationType::name,
            ActivationType::from_name,
        );
    }

    #[test]
    fn unknown_names_are_refused_by_name() {
        for (text, what) in [
            ("delivered", "order state"),
            ("Completed", "order state"),
            (" active", "order state"),
            ("", "order state"),
        ] {
            let err = OrderState::from_str(text).unwrap_err();
            assert_eq!(err.what, what);
            assert_eq!(err.name, text);
        }
        assert_eq!(
            PackageState::from_str("paused").unwrap_err().to_string(),
            "'paused' is not a known package state"
        );
        assert!(ProfileStatus::from_str("enabled").is_err());
        assert!(ActivationType::from_str("on_purchase").is_err());
        assert!(OrderKind::from_str("refund").is_err());
    }
}
