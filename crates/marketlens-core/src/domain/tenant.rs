//! Who a request acts for: a tenant (whose analyses it may see) and what its key
//! allows (scopes).

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::InvalidInput;

/// Longest tenant id.
pub const MAX_TENANT_CHARS: usize = 63;

/// A tenant: a slug of lowercase ASCII letters, digits, `-` and `_`, starting with a
/// letter or a digit (`acme`, `team-7`). Every query belongs to one; the API answers a
/// caller about its own tenant's analyses only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TenantId {
    /// The tenant of the laptop case: the CLI's own analyses, `serve --no-auth`, and
    /// every query recorded before tenants existed.
    pub const LOCAL: &'static str = "local";

    pub fn local() -> Self {
        TenantId(Self::LOCAL.to_owned())
    }

    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let valid = !input.is_empty()
            && input.len() <= MAX_TENANT_CHARS
            && input
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
            && input
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !valid {
            return Err(InvalidInput::parameter(
                "tenant",
                format!(
                    "a tenant is 1 to {MAX_TENANT_CHARS} lowercase letters, digits, '-' or '_', \
                     starting with a letter or a digit"
                ),
            ));
        }
        Ok(TenantId(input.to_owned()))
    }
}

super::macros::checked_conversions!(TenantId: String = parse);

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

super::macros::word_enum! {
    /// What an API key may do. `read`: the tenant's analyses, results, reports, history,
    /// feedback sums and experiment results. `write`: submit analyses and feedback.
    /// `admin`: experiments, agent configurations, `/metrics` and `/v1/stats`.
    #[derive(utoipa::ToSchema)]
    pub enum Scope {
        Read = "read",
        Write = "write",
        Admin = "admin",
    }
}

impl Scope {
    pub fn parse(s: &str) -> Option<Self> {
        Self::from_word(s)
    }
}

/// A key's scopes: a non-empty set, written space-separated in a fixed order
/// (`read write admin`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Result<Self, InvalidInput> {
        let set: BTreeSet<Scope> = scopes.into_iter().collect();
        if set.is_empty() {
            return Err(InvalidInput::parameter(
                "scopes",
                "a key needs at least one scope (read, write, admin)",
            ));
        }
        Ok(Scopes(set))
    }

    /// Every scope: what the laptop case (`serve --no-auth`) and the CLI act with.
    pub fn all() -> Self {
        Scopes(Scope::ALL.into_iter().collect())
    }

    /// Parses a list separated by spaces or commas (`read,write`, `read write`).
    pub fn parse(text: &str) -> Result<Self, InvalidInput> {
        let mut set = BTreeSet::new();
        for word in text.split([' ', ',']).filter(|w| !w.is_empty()) {
            let scope = Scope::parse(word).ok_or_else(|| {
                InvalidInput::parameter(
                    "scopes",
                    format!("unknown scope {word:?}: expected read, write or admin"),
                )
            })?;
            set.insert(scope);
        }
        Self::new(set)
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&words.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_are_slugs() {
        for ok in ["local", "acme", "team-7", "a_b", "0x"] {
            assert_eq!(TenantId::parse(ok).unwrap().as_str(), ok);
        }
        let long = "a".repeat(MAX_TENANT_CHARS + 1);
        for bad in ["", "Acme", "-a", "_a", "a b", "a/b", "é", long.as_str()] {
            let err = TenantId::parse(bad).unwrap_err();
            assert_eq!(err.field, "tenant", "{bad:?}");
        }
    }

    #[test]
    fn scopes_parse_in_any_order_and_print_in_one() {
        let s = Scopes::parse("admin,read write").unwrap();
        assert_eq!(s.to_string(), "read write admin");
        assert!(s.contains(Scope::Admin) && !Scopes::parse("read").unwrap().contains(Scope::Write));
        assert_eq!(Scopes::parse(" , ").unwrap_err().field, "scopes");
        assert!(
            Scopes::parse("read delete")
                .unwrap_err()
                .message
                .contains("delete")
        );
        assert_eq!(Scopes::all().to_string(), "read write admin");
    }
}
