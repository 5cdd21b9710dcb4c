//! Property requirements: a claim's `requirements` or a pool's `nodeTypeSelector`
//! (domain.md §1.9, §2.2), evaluated against a node type's properties.

use super::Labels;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Operators the guide documents for `nodeTypeSelector` (In, NotIn, Exists, NotExists).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum PropertyOperator {
    #[default]
    In,
    NotIn,
    Exists,
    /// Kubernetes spells it `DoesNotExist`; the vCluster docs `NotExists`. Both are read.
    #[serde(alias = "DoesNotExist")]
    NotExists,
}

/// One requirement on a node type property. Reads both the vcluster.yaml shape
/// (`property`, `value` | `values`) and the NodeClaim shape (`key`, `values`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyRequirement {
    #[serde(alias = "property")]
    pub key: String,
    #[serde(default)]
    pub operator: PropertyOperator,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Single-value form; folded into `values` by [`PropertyRequirement::all_values`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A node type property value `a,b` means "In [a, b]"; `*` means every value (domain.md §1.3).
pub const ANY_VALUE: &str = "*";

impl PropertyRequirement {
    pub fn is_in(key: &str, values: &[&str]) -> Self {
        PropertyRequirement {
            key: key.to_string(),
            operator: PropertyOperator::In,
            values: values.iter().map(|v| v.to_string()).collect(),
            value: None,
        }
    }

    pub fn all_values(&self) -> impl Iterator<Item = &str> {
        self.values
            .iter()
            .map(String::as_str)
            .chain(self.value.as_deref())
    }

    /// Whether a node type with these properties satisfies the requirement.
    pub fn satisfied_by(&self, properties: &Labels) -> bool {
        let offered = properties.get(&self.key);
        let offers = |wanted: &str| {
            offered.is_some_and(|o| {
                o.split(',')
                    .any(|v| v.trim() == wanted || v.trim() == ANY_VALUE)
            })
        };
        match self.operator {
            PropertyOperator::Exists => offered.is_some(),
            PropertyOperator::NotExists => offered.is_none(),
            PropertyOperator::In => self.all_values().any(offers),
            PropertyOperator::NotIn => match offered {
                None => true,
                Some(o) => o.split(',').any(|v| {
                    let v = v.trim();
                    v == ANY_VALUE || !self.all_values().any(|w| w == v)
                }),
            },
        }
    }
}

impl fmt::Display for PropertyRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values: Vec<&str> = self.all_values().collect();
        match self.operator {
            PropertyOperator::In if values.len() == 1 => write!(f, "{}={}", self.key, values[0]),
            PropertyOperator::In => write!(f, "{} in ({})", self.key, values.join(",")),
            PropertyOperator::NotIn => write!(f, "{} notin ({})", self.key, values.join(",")),
            PropertyOperator::Exists => write!(f, "{}", self.key),
            PropertyOperator::NotExists => write!(f, "!{}", self.key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn operators_follow_the_docs() {
        let p = props(&[("gpu-tier", "dedicated,shared"), ("zone", "*")]);
        assert!(PropertyRequirement::is_in("gpu-tier", &["shared"]).satisfied_by(&p));
        assert!(!PropertyRequirement::is_in("gpu-tier", &["spot"]).satisfied_by(&p));
        assert!(PropertyRequirement::is_in("zone", &["anything"]).satisfied_by(&p));
        let not_in = PropertyRequirement {
            operator: PropertyOperator::NotIn,
            ..PropertyRequirement::is_in("gpu-tier", &["dedicated", "shared"])
        };
        assert!(!not_in.satisfied_by(&p));
        assert!(not_in.satisfied_by(&props(&[])));
        let exists: PropertyRequirement =
            serde_json::from_str(r#"{"property":"maintenance","operator":"NotExists"}"#).unwrap();
        assert!(exists.satisfied_by(&p));
        let single: PropertyRequirement =
            serde_json::from_str(r#"{"property":"gpu-tier","value":"dedicated"}"#).unwrap();
        assert!(single.satisfied_by(&p));
        let k8s: PropertyRequirement =
            serde_json::from_str(r#"{"key":"zone","operator":"DoesNotExist"}"#).unwrap();
        assert!(!k8s.satisfied_by(&p));
    }
}
