//! `NodeClaim` (management.loft.sh/v1, namespaced `p-<project>`): the "Machine" of the
//! docs, one claim on one server. Field for field as the public
//! `loft-sh/api` storage/v1 `NodeClaimSpec` and `NodeClaimStatus`.

use super::resource::impl_resource;
use super::{Labels, PropertyRequirement, Quantity};
use k8s_openapi::api::core::v1::Taint;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A vCluster Platform NodeClaim: a tenant's claim on one server of a node type. gpufleet reads
/// its type, requirements, pin annotation and phase, and creates one to pin a server.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct NodeClaim {
    /// `metadata`: name, namespace (a project namespace), annotations, resourceVersion.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// `spec`: what is claimed and for which virtual cluster.
    #[serde(default)]
    pub spec: NodeClaimSpec,
    /// `status`: phase and conditions, written by the platform.
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
    /// `taints` the node gets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
    /// `startupTaints` the node gets until it is ready.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub startup_taints: Vec<Taint>,
    /// `kubeletArgs`: extra kubelet flags by name.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub kubelet_args: Labels,
    /// `providerRef`: only node types of this NodeProvider, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_ref: Option<String>,
    /// Full NodeType name `<provider>.<type>`; empty = the platform picks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_ref: Option<String>,
    /// `vClusterRef`: the virtual cluster the node joins.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        rename = "vClusterRef"
    )]
    pub vcluster_ref: Option<String>,
    /// `controlPlane`: whether the node runs the virtual cluster's control plane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane: Option<bool>,
    /// `properties` the node should carry.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub properties: Labels,
    /// `requirements` on the node type's properties (node selector requirements).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<PropertyRequirement>,
    /// `desiredCapacity`: resources the claim asks for, Kubernetes quantities by resource name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub desired_capacity: BTreeMap<String, Quantity>,
    /// The user or team owning the claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UserOrTeam>,
    /// Access rights of users and teams.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<Access>,
    /// The claim's power request. Kept as written and never interpreted: `[UNCERTAIN]` its
    /// shape is not in the public material gpufleet was checked against, only its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power: Option<serde_json::Value>,
}

/// `owner` of a platform object: a user or a team (storage/v1 `UserOrTeam`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserOrTeam {
    /// `user` name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `team` name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// One `access` rule of a platform object (storage/v1 `Access`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// `name` of the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `verbs` allowed (`get`, `update`, `*`).
    #[serde(default)]
    pub verbs: Vec<String>,
    /// `subresources` the verbs apply to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subresources: Vec<String>,
    /// `users` the rule grants to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// `teams` the rule grants to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<String>,
}

/// `status` of a NodeClaim.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeClaimStatus {
    /// `phase`: `Pending`, `Available` or `Failed` (read as [`ClaimStage`](crate::fleet::ClaimStage)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// `reason`: a machine-readable word for the phase ([`PIN_FAILED`], [`ROLLING_OVER`], ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `message`: why, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `conditions`: [`SCHEDULED`], [`PROVISIONED`], [`JOINED`], [`NOT_DRIFTED`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

/// One condition of a platform object (agentapi storage/v1 `Condition`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// `type` of the condition.
    #[serde(rename = "type")]
    pub type_: String,
    /// `status`: `True`, `False` or `Unknown`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// `severity`: `Error`, `Warning` or `Info`, when the condition is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// `reason`: a machine-readable word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `message`, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `lastTransitionTime` (RFC 3339).
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
/// "provisioning fails" (vCluster docs, "GPU fleet operations", "Server pinning",
/// <https://github.com/loft-sh/vcluster-docs/blob/main/platform/vmetal/drivers/bare-metal/metal3/gpu-fleet-operations.mdx>);
/// the reason is `[UNCERTAIN]`, gpufleet's reading.
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
