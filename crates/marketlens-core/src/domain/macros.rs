//! The two shapes most domain types take, written once.
//!
//! - A *checked newtype* wraps a value that passed its check (`parse`/`new`). Serde
//!   reads it through that check (`#[serde(try_from = …, into = …)]`), so an invalid
//!   value cannot be deserialised either: [`checked_conversions!`] writes the two
//!   conversions serde goes through.
//! - A *word enum* is a closed vocabulary whose every variant is written as one word
//!   (in JSON, in the database, in logs). [`word_enum!`] declares it with its words, so
//!   serde's names, `as_str`, `from_word` and `Display` cannot drift apart.

/// The conversions of a checked newtype `Name(Inner)`: `TryFrom<Inner>` runs the check
/// (`$check`), `From<Name> for Inner` gives the value back. For a string, the check
/// takes `&str`, and `as_str` is written too.
macro_rules! checked_conversions {
    ($name:ident: String = $check:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::domain::InvalidInput;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::$check(&s)
            }
        }

        $crate::domain::macros::checked_conversions!(@into $name: String);
    };
    ($name:ident: $inner:ty = $check:ident) => {
        impl TryFrom<$inner> for $name {
            type Error = $crate::domain::InvalidInput;
            fn try_from(v: $inner) -> Result<Self, Self::Error> {
                Self::$check(v)
            }
        }

        $crate::domain::macros::checked_conversions!(@into $name: $inner);
    };
    (@into $name:ident: $inner:ty) => {
        impl From<$name> for $inner {
            fn from(v: $name) -> $inner {
                <$inner>::from(v.0)
            }
        }
    };
}

/// A closed vocabulary: `word_enum! { /// docs  pub enum Scope { Read = "read", … } }`.
///
/// The enum derives `Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
/// Serialize, Deserialize` (more derives and attributes may be given above it); each
/// variant is serialised as its word. Written: `ALL` (declaration order), `as_str`,
/// `from_word` (the exact word, else `None`) and `Display` (the word).
macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            // `tt`, not `literal`: a literal fragment reaches derives wrapped in an
            // invisible group, which utoipa's `ToSchema` does not read as the serde
            // name (the schema then listed the variants' Rust names).
            $( $(#[$variant_meta:meta])* $variant:ident = $word:tt, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $word)] $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$($word),+].len()] = [$($name::$variant),+];

            /// The variant's word, as serialised.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word, )+
                }
            }

            /// The variant written exactly `word`.
            pub fn from_word(word: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == word)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use {checked_conversions, word_enum};
