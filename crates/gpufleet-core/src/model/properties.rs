//! Property requirements: a claim's `requirements` (a `[]corev1.NodeSelectorRequirement` in the
//! public NodeClaim type) or a pool's `nodeTypeSelector`, evaluated against a node type's
//! properties. Source for the requirement: Kubernetes API reference,
//! `NodeSelectorRequirement`,
//! <https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/node-selector-requirement/>.

use super::Labels;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The operators of a Kubernetes `NodeSelectorRequirement` (In, NotIn, Exists, DoesNotExist,
/// Gt, Lt), which a NodeClaim's `requirements` are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum PropertyOperator {
    /// The property offers one of the values; the default when `operator` is absent.
    #[default]
    In,
    /// The property is absent, or offers a value not among them.
    NotIn,
    /// The property is set, whatever its value.
    Exists,
    /// The vCluster docs' `nodeTypeSelector` spells it `NotExists`; both are read.
    #[serde(alias = "NotExists")]
    DoesNotExist,
    /// Greater than: the one value is an integer, compared as Kubernetes does.
    Gt,
    /// Less than: the one value is an integer, compared as Kubernetes does.
    Lt,
}

/// One requirement on a node type property. Reads both the vcluster.yaml shape
/// (`property`, `value` | `values`) and the NodeClaim shape (`key`, `values`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyRequirement {
    /// The property key (`key`, or `property` in vcluster.yaml).
    #[serde(alias = "property")]
    pub key: String,
    /// How the values apply; `In` when absent.
    #[serde(default)]
    pub operator: PropertyOperator,
    /// `values`: for In and NotIn the set, for Gt and Lt one integer, else none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Single-value form; folded into `values` by [`PropertyRequirement::all_values`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A node type property value `a,b` means "In [a, b]" and `*` every value (vCluster docs,
/// "Node providers" overview, "Custom properties",
/// <https://github.com/loft-sh/vcluster-docs/blob/main/platform/vmetal/concepts/machine-types-and-nodetypes.mdx>;
/// NodeType `GetAllProperties` splits each custom property on `,`,
/// <https://github.com/loft-sh/api/blob/main/pkg/apis/storage/v1/nodetype_types.go>).
pub const ANY_VALUE: &str = "*";

impl PropertyRequirement {
    /// `key In values`, in the NodeClaim shape.
    pub fn is_in(key: &str, values: &[&str]) -> Self {
        PropertyRequirement {
            key: key.to_string(),
            operator: PropertyOperator::In,
            values: values.iter().map(|v| v.to_string()).collect(),
            value: None,
        }
    }

    /// `values`, then `value` if set: every value the requirement names.
    pub fn all_values(&self) -> impl Iterator<Item = &str> {
        self.values
            .iter()
            .map(String::as_str)
            .chain(self.value.as_deref())
    }

    /// The integer a `Gt` or `Lt` requirement compares with: its one value, parsed as a
    /// 64-bit integer. `None` when it has no value, several, or one that is not an integer;
    /// the API server refuses such a requirement, so nothing satisfies it here.
    ///
    /// Source: Kubernetes API reference, NodeSelectorRequirement ("If the operator is Gt or
    /// Lt, the values array must have a single element, which will be interpreted as an
    /// integer").
    pub fn bound(&self) -> Option<i64> {
        let mut values = self.all_values();
        let one = values.next()?;
        if values.next().is_some() {
            return None;
        }
        one.trim().parse().ok()
    }

    /// Whether a node type with these properties satisfies the requirement.
    ///
    /// An offered value `a,b` means "In [a, b]" and `*` every value, so an offered list
    /// satisfies `Gt`/`Lt` when one of its integers does (`*` always does). Gt and Lt compare
    /// integers, never text (`10 > 9`), and an offered value that is not an integer never
    /// satisfies them, as Kubernetes treats a label value it cannot parse.
    pub fn satisfied_by(&self, properties: &Labels) -> bool {
        let offered = properties.get(&self.key);
        let offers = |wanted: &str| {
            offered.is_some_and(|o| {
                o.split(',')
                    .any(|v| v.trim() == wanted || v.trim() == ANY_VALUE)
            })
        };
        let compares = |holds: fn(i64, i64) -> bool| {
            let (Some(o), Some(bound)) = (offered, self.bound()) else {
                return false;
            };
            o.split(',')
                .map(str::trim)
                .any(|v| v == ANY_VALUE || v.parse::<i64>().is_ok_and(|have| holds(have, bound)))
        };
        match self.operator {
            PropertyOperator::Exists => offered.is_some(),
            PropertyOperator::DoesNotExist => offered.is_none(),
            PropertyOperator::Gt => compares(|have, bound| have > bound),
            PropertyOperator::Lt => compares(|have, bound| have < bound),
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
            PropertyOperator::DoesNotExist => write!(f, "!{}", self.key),
            PropertyOperator::Gt => write!(f, "{}>{}", self.key, values.join(",")),
            PropertyOperator::Lt => write!(f, "{}<{}", self.key, values.join(",")),
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

    #[test]
    fn gt_and_lt_compare_integers_as_kubernetes_does() {
        let req = |json: &str| serde_json::from_str::<PropertyRequirement>(json).unwrap();
        let gt9 = req(r#"{"key":"vcluster.com/cpu","operator":"Gt","values":["9"]}"#);
        assert_eq!(gt9.to_string(), "vcluster.com/cpu>9");
        // 10 > 9 as integers, though "10" < "9" as text.
        assert!(gt9.satisfied_by(&props(&[("vcluster.com/cpu", "10")])));
        assert!(!gt9.satisfied_by(&props(&[("vcluster.com/cpu", "9")])));
        assert!(!gt9.satisfied_by(&props(&[("vcluster.com/cpu", "4Gi")])));
        assert!(!gt9.satisfied_by(&props(&[])));
        assert!(gt9.satisfied_by(&props(&[("vcluster.com/cpu", "2,16")])));
        assert!(gt9.satisfied_by(&props(&[("vcluster.com/cpu", "*")])));
        let lt4 = req(r#"{"key":"gpu-count","operator":"Lt","values":["4"]}"#);
        assert!(lt4.satisfied_by(&props(&[("gpu-count", "-1")])));
        assert!(!lt4.satisfied_by(&props(&[("gpu-count", "4")])));
        for bad in [
            r#"{"key":"k","operator":"Gt","values":["1","2"]}"#,
            r#"{"key":"k","operator":"Gt","values":["one"]}"#,
            r#"{"key":"k","operator":"Lt"}"#,
        ] {
            let r = req(bad);
            assert_eq!(r.bound(), None, "{bad}");
            assert!(!r.satisfied_by(&props(&[("k", "0")])), "{bad}");
        }
        let docs = req(r#"{"property":"gpu-model","operator":"NotExists"}"#);
        assert_eq!(
            serde_json::to_value(&docs).unwrap()["operator"],
            "DoesNotExist",
            "written as Kubernetes spells it"
        );
    }
}
