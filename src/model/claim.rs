//! `NodeClaim` (management.loft.sh/v1, namespaced `p-<project>`): the "Machine" of the
//! docs, one claim on one server (domain.md §0, §1.4).

use super::resource::impl_resource;
use super::{Labels, PropertyRequirement, Quantity};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct NodeClaim {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: NodeClaimSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NodeClaimStatus>,
}

impl_resource!(
    NodeClaim,
    "management.loft.sh",
    "v1",
    "NodeClaim",
    "nodeclaims",
    k8s_openapi::NamespaceResourceScope,
    fields: [spec],
    optional: [status]
);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeClaimSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_ref: Option<String>,
    /// Full NodeType name `<provider>.<type>`; empty = the platform picks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_ref: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        rename = "vClusterRef"
    )]
    pub vcluster_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane: Option<bool>,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub properties: Labels,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<PropertyRequirement>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub desired_capacity: BTreeMap<String, Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeClaimStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

impl NodeClaimStatus {
    /// A claim the platform has not scheduled yet: phase Pending, `Scheduled` False.
    pub fn waiting() -> Self {
        NodeClaimStatus {
            phase: Some("Pending".into()),
            conditions: vec![Condition {
                type_: "Scheduled".into(),
                status: "False".into(),
                ..Condition::default()
            }],
            ..NodeClaimStatus::default()
        }
    }
}
