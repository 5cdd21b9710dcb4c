//! `NodeClaim` (management.loft.sh/v1, namespaced `p-<project>`): the "Machine" of the
//! docs, one claim on one server (domain.md §0, §1.4). Field for field as the public
//! `loft-sh/api` storage/v1 `NodeClaimSpec` and `NodeClaimStatus`.

use super::resource::impl_resource;
use super::{Labels, PropertyRequirement, Quantity};
use k8s_openapi::api::core::v1::Taint;
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

/// `spec` of a NodeClaim. There is no `machineRef` in any public release.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeClaimSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub startup_taints: Vec<Taint>,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub kubelet_args: Labels,
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
    /// The user or team owning the claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UserOrTeam>,
    /// Access rights of users and teams.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<Access>,
    /// The claim's power request. Kept as written and never interpreted: [UNCERTAIN] its
    /// shape is not in the public material gpufleet was checked against, only its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power: Option<serde_json::Value>,
}

/// `owner` of a platform object: a user or a team (storage/v1 `UserOrTeam`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserOrTeam {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// One `access` rule of a platform object (storage/v1 `Access`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub verbs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subresources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<String>,
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

/// One condition of a platform object (agentapi storage/v1 `Condition`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

/// NodeClaim condition: the platform picked a server (storage/v1 constants).
pub const SCHEDULED: &str = "Scheduled";
/// NodeClaim condition: the server is provisioned.
pub const PROVISIONED: &str = "Provisioned";
/// NodeClaim condition: the node joined the tenant cluster.
pub const JOINED: &str = "Joined";
/// NodeClaim condition: the claim is not drifted from its desired state (the platform's own
/// drift verdict; its setter for Metal3 is not documented).
pub const NOT_DRIFTED: &str = "NotDrifted";

/// Claim status reason while the platform rolls a drifted claim over (set by the simulator,
/// read by the node types pane).
pub const ROLLING_OVER: &str = "RollingOver";
/// Claim status reason when its pinned server cannot be claimed. The docs say only that
/// "provisioning fails" [UNCERTAIN, domain.md §3 item 3]; this is gpufleet's reading.
pub const PIN_FAILED: &str = "PinnedServerUnavailable";
/// Claim status reason when the image of its node type cannot be resolved.
pub const IMAGE_UNAVAILABLE: &str = "OSImageUnavailable";

impl NodeClaimStatus {
    /// A condition's status (`True`, `False`, `Unknown`), when the claim has it.
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }

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
