//! The variants of an experiment and the stable assignment of a user to one of them.
//!
//! Assignment is a pure function of (experiment salt, key, variants): the key is the
//! request's `user_id`, or the query's fingerprint when there is no user, hashed with the
//! salt by BLAKE3 in its key-derivation mode. Every process, before and after a restart,
//! computes the same variant without asking anyone; changing the salt reshuffles users,
//! which is how a new experiment on the same variants gets fresh groups.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::InvalidInput;

/// One arm of an experiment: its name, its share of the traffic, and what it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Variant {
    /// 1–64 characters of `A-Z a-z 0-9 _ - .`; unique within the experiment.
    pub name: String,
    /// Relative share of the traffic (1–10,000): weights 1 and 1 split 50/50, 3 and 2
    /// split 60/40.
    pub weight: u32,
    /// The `agent_configs` version this arm runs; `None`: the active one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_config_version: Option<i64>,
    /// The `prompt_version` this arm runs; `None`: the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_version: Option<String>,
}

/// The checked variants of an experiment, in the order they were declared. The first is
/// the control the others are compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "Vec<Variant>", into = "Vec<Variant>")]
pub struct Variants(Vec<Variant>);

impl Variants {
    pub const MIN_VARIANTS: usize = 2;
    pub const MAX_VARIANTS: usize = 8;
    pub const MAX_WEIGHT: u32 = 10_000;
    pub const MAX_NAME_CHARS: usize = 64;

    pub fn parse(variants: Vec<Variant>) -> Result<Self, InvalidInput> {
        let invalid = |message: String| InvalidInput::parameter("variants", message);
        if !(Self::MIN_VARIANTS..=Self::MAX_VARIANTS).contains(&variants.len()) {
            return Err(invalid(format!(
                "an experiment has {} to {} variants, not {}",
                Self::MIN_VARIANTS,
                Self::MAX_VARIANTS,
                variants.len()
            )));
        }
        for (i, v) in variants.iter().enumerate() {
            let name_ok = !v.name.is_empty()
                && v.name.chars().count() <= Self::MAX_NAME_CHARS
                && v.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !name_ok {
                return Err(invalid(format!(
                    "variant name {:?} must be 1 to {} characters of A-Z, a-z, 0-9, '_', '-', '.'",
                    v.name,
                    Self::MAX_NAME_CHARS
                )));
            }
            if variants[..i].iter().any(|earlier| earlier.name == v.name) {
                return Err(invalid(format!("variant name {:?} is used twice", v.name)));
            }
            if !(1..=Self::MAX_WEIGHT).contains(&v.weight) {
                return Err(invalid(format!(
                    "variant {:?} has weight {}; weights are 1 to {}",
                    v.name,
                    v.weight,
                    Self::MAX_WEIGHT
                )));
            }
            if v.agent_config_version.is_some_and(|version| version < 1) {
                return Err(invalid(format!(
                    "variant {:?} names agent config version {}; versions start at 1",
                    v.name,
                    v.agent_config_version.unwrap_or_default()
                )));
            }
            if v.prompt_version
                .as_deref()
                .is_some_and(|p| p.trim().is_empty())
            {
                return Err(invalid(format!(
                    "variant {:?} has an empty prompt_version",
                    v.name
                )));
            }
        }
        Ok(Self(variants))
    }

    pub fn as_slice(&self) -> &[Variant] {
        &self.0
    }

    pub fn get(&self, name: &str) -> Option<&Variant> {
        self.0.iter().find(|v| v.name == name)
    }

    /// The weights in declaration order (what the split is checked against).
    pub fn weights(&self) -> Vec<f64> {
        self.0.iter().map(|v| f64::from(v.weight)).collect()
    }

    fn total_weight(&self) -> u64 {
        self.0.iter().map(|v| u64::from(v.weight)).sum()
    }
}

impl TryFrom<Vec<Variant>> for Variants {
    type Error = InvalidInput;

    fn try_from(variants: Vec<Variant>) -> Result<Self, Self::Error> {
        Self::parse(variants)
    }
}

impl From<Variants> for Vec<Variant> {
    fn from(variants: Variants) -> Self {
        variants.0
    }
}

/// The experiment and variant a query was assigned to: recorded on the query
/// (`experiment_id`, `experiment_variant`) and in its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExperimentAssignment {
    pub experiment_id: Uuid,
    pub variant: String,
}

/// Who is being assigned: the user when the request names one, otherwise the query's
/// fingerprint (the same question then always gets the same variant). The kind is part
/// of the hash, so a user id that happens to equal a fingerprint is still a different key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentKey<'a> {
    User(&'a str),
    Fingerprint(&'a str),
}

impl<'a> AssignmentKey<'a> {
    /// The user when there is one (and it is not blank), the fingerprint otherwise.
    pub fn for_request(user_id: Option<&'a str>, fingerprint: &'a str) -> Self {
        match user_id.filter(|u| !u.trim().is_empty()) {
            Some(user) => AssignmentKey::User(user),
            None => AssignmentKey::Fingerprint(fingerprint),
        }
    }
}

/// Version prefix of the assignment hash. Changing it reassigns every user of every
/// running experiment, so it changes only with a new experiment scheme.
const ASSIGNMENT_DOMAIN: &str = "marketlens/experiment-assignment/v1";

/// The variant `key` is assigned to in the experiment salted with `salt`.
///
/// The first 64 bits of BLAKE3(salt, key) are a uniform number in [0, 2^64); scaling it
/// to [0, total weight) and walking the cumulative weights gives each variant a share of
/// users equal to its share of the weights (the bias of the scaling is below 2^-40).
pub fn assign<'v>(salt: &str, key: AssignmentKey<'_>, variants: &'v Variants) -> &'v Variant {
    let mut hasher = blake3::Hasher::new_derive_key(ASSIGNMENT_DOMAIN);
    // Length prefixes keep (salt "ab", key "c") apart from (salt "a", key "bc").
    hasher.update(&(salt.len() as u64).to_le_bytes());
    hasher.update(salt.as_bytes());
    let (kind, id) = match key {
        AssignmentKey::User(id) => (b'u', id),
        AssignmentKey::Fingerprint(id) => (b'f', id),
    };
    hasher.update(&[kind]);
    hasher.update(id.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest.as_bytes()[..8]);
    let uniform = u64::from_le_bytes(first);
    let bucket = ((u128::from(uniform) * u128::from(variants.total_weight())) >> 64) as u64;
    let mut cumulative = 0u64;
    for variant in variants.as_slice() {
        cumulative += u64::from(variant.weight);
        if bucket < cumulative {
            return variant;
        }
    }
    // Unreachable: bucket < total weight, which is the last cumulative value; the last
    // variant keeps the function total all the same.
    &variants.as_slice()[variants.as_slice().len() - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::srm::sample_ratio_check;

    fn variant(name: &str, weight: u32) -> Variant {
        Variant {
            name: name.into(),
            weight,
            agent_config_version: None,
            prompt_version: None,
        }
    }

    fn split(weights: &[u32]) -> Variants {
        let names = ["control", "treatment", "third", "fourth"];
        Variants::parse(
            weights
                .iter()
                .zip(names)
                .map(|(&w, name)| variant(name, w))
                .collect(),
        )
        .expect("valid variants")
    }

    fn counts(salt: &str, variants: &Variants, users: usize) -> Vec<u64> {
        let mut counts = vec![0u64; variants.as_slice().len()];
        for i in 0..users {
            let user = format!("user-{i}");
            let chosen = assign(salt, AssignmentKey::User(&user), variants);
            let index = variants
                .as_slice()
                .iter()
                .position(|v| v.name == chosen.name)
                .expect("assigned variant belongs to the experiment");
            counts[index] += 1;
        }
        counts
    }

    #[test]
    fn ten_thousand_users_on_a_fifty_fifty_split_pass_the_sample_ratio_check() {
        let variants = split(&[1, 1]);
        for salt in ["exp-1", "checkout-2026", "a"] {
            let observed = counts(salt, &variants, 10_000);
            let check = sample_ratio_check(&observed, &variants.weights()).expect("check runs");
            assert!(
                !check.mismatch,
                "salt {salt}: {observed:?} flagged: {check:?}"
            );
            assert!(
                observed.iter().all(|&c| (4_800..=5_200).contains(&c)),
                "{observed:?}"
            );
        }
    }

    #[test]
    fn a_split_that_lands_sixty_forty_is_flagged_against_fifty_fifty_weights() {
        // Users assigned by 60/40 weights while the experiment declares 50/50: what a
        // broken assignment or a lossy log of one arm looks like from the outside.
        let observed = counts("exp-1", &split(&[3, 2]), 10_000);
        assert!((5_800..=6_200).contains(&observed[0]), "{observed:?}");
        let check = sample_ratio_check(&observed, &split(&[1, 1]).weights()).expect("check runs");
        assert!(check.mismatch, "{check:?}");
        assert!(check.p_value < 1e-6, "{check:?}");
    }

    #[test]
    fn weights_set_each_variants_share() {
        let variants = split(&[1, 2, 1]);
        let observed = counts("weights", &variants, 20_000);
        let check = sample_ratio_check(&observed, &variants.weights()).expect("check runs");
        assert!(!check.mismatch, "{observed:?}");
        assert!((9_600..=10_400).contains(&observed[1]), "{observed:?}");
    }

    #[test]
    fn the_same_user_always_gets_the_same_variant_and_the_salt_reshuffles() {
        let variants = split(&[1, 1]);
        let assigned = |salt: &str| -> Vec<String> {
            (0..200)
                .map(|i| {
                    let user = format!("u{i}");
                    assign(salt, AssignmentKey::User(&user), &variants)
                        .name
                        .clone()
                })
                .collect()
        };
        let first = assigned("exp-1");
        assert_eq!(first, assigned("exp-1"));
        let other_salt = assigned("exp-2");
        assert_ne!(first, other_salt, "a new salt must reshuffle users");
    }

    #[test]
    fn assignment_is_pinned_so_processes_and_releases_agree() {
        // Frozen outputs: if the hash input or the scaling changes, running experiments
        // would silently move users between variants, so this test must fail first.
        let variants = split(&[1, 1]);
        let names: Vec<&str> = ["alice", "bob", "carol", "dave", "erin", "frank"]
            .iter()
            .map(|u| {
                assign("pinned", AssignmentKey::User(u), &variants)
                    .name
                    .as_str()
            })
            .collect();
        assert_eq!(names, PINNED_ASSIGNMENTS);
    }

    const PINNED_ASSIGNMENTS: [&str; 6] = [
        "treatment",
        "treatment",
        "control",
        "treatment",
        "control",
        "control",
    ];

    #[test]
    fn the_fingerprint_stands_in_for_a_missing_or_blank_user() {
        assert_eq!(
            AssignmentKey::for_request(None, "fp"),
            AssignmentKey::Fingerprint("fp")
        );
        assert_eq!(
            AssignmentKey::for_request(Some("  "), "fp"),
            AssignmentKey::Fingerprint("fp")
        );
        assert_eq!(
            AssignmentKey::for_request(Some("u1"), "fp"),
            AssignmentKey::User("u1")
        );
        // The key kind is hashed: the same string as user and as fingerprint are two keys.
        let variants = split(&[1, 1]);
        let differ = (0..64).any(|i| {
            let id = format!("k{i}");
            assign("s", AssignmentKey::User(&id), &variants).name
                != assign("s", AssignmentKey::Fingerprint(&id), &variants).name
        });
        assert!(differ);
    }

    #[test]
    fn bad_variants_are_refused_with_the_reason() {
        let cases: Vec<(Vec<Variant>, &str)> = vec![
            (vec![variant("a", 1)], "2 to 8 variants"),
            (vec![variant("a", 1), variant("a", 1)], "used twice"),
            (vec![variant("a", 0), variant("b", 1)], "weight 0"),
            (
                vec![variant("a", 10_001), variant("b", 1)],
                "weights are 1 to 10000",
            ),
            (vec![variant("a b", 1), variant("b", 1)], "must be 1 to 64"),
            (vec![variant("", 1), variant("b", 1)], "must be 1 to 64"),
            (
                vec![
                    Variant {
                        agent_config_version: Some(0),
                        ..variant("a", 1)
                    },
                    variant("b", 1),
                ],
                "versions start at 1",
            ),
            (
                vec![
                    Variant {
                        prompt_version: Some(" ".into()),
                        ..variant("a", 1)
                    },
                    variant("b", 1),
                ],
                "empty prompt_version",
            ),
        ];
        for (variants, reason) in cases {
            let err = Variants::parse(variants).expect_err(reason);
            assert_eq!(err.field, "variants");
            assert!(err.message.contains(reason), "{err} lacks {reason:?}");
        }
        let json = r#"[{"name":"a","weight":1},{"name":"a","weight":1}]"#;
        assert!(serde_json::from_str::<Variants>(json).is_err());
    }
}
