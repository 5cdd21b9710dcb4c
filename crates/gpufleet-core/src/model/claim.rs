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

/// `status.phase` of a NodeClaim, spelled as the platform writes it: `Pending`, `Available`,
/// `Failed` (loft-sh/api storage/v1 `NodeClaimPhase`,
/// <https://github.com/loft-sh/api/blob/main/pkg/apis/storage/v1/nodeclaim_types.go>). A phase
/// gpufleet does not know is kept in [`ClaimPhase::Other`] and shown as it is, never an error.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClaimPhase {
    /// `Pending`: the initial phase, waiting for a server.
    Pending,
    /// `Available`: the node is provisioned.
    Available,
    /// `Failed`: provisioning failed; the platform does not replace the claim.
    Failed,
    /// A phase this version of gpufleet does not know, as written.
    Other(String),
}

impl ClaimPhase {
    /// Reads the platform's spelling; an unknown word is kept in [`ClaimPhase::Other`].
    pub fn parse(s: &str) -> Self {
        match s {
            "Pending" => ClaimPhase::Pending,
            "Available" => ClaimPhase::Available,
            "Failed" => ClaimPhase::Failed,
            other => ClaimPhase::Other(other.to_string()),
        }
    }

    /// The platform's spelling (`Pending`, `Available`, `Failed`), or the unknown phase as read.
    pub fn as_str(&self) -> &str {
        match self {
            ClaimPhase::Pending => "Pending",
            ClaimPhase::Available => "Available",
            ClaimPhase::Failed => "Failed",
            ClaimPhase::Other(s) => s,
        }
    }
}

impl std::fmt::Display for ClaimPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `status` of a NodeClaim.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeClaimStatus {
    /// `phase`: `Pending`, `Available` or `Failed`, as written (read as [`ClaimPhase`] with
    /// [`NodeClaimStatus::phase`], and into [`ClaimStage`](crate::fleet::ClaimStage)).
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
    /// `phase` read as a [`ClaimPhase`]; `None` when absent or empty.
    pub fn phase(&self) -> Option<ClaimPhase> {
        self.phase
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(ClaimPhase::parse)
    }

    /// Sets `phase` to the platform's spelling of `phase`.
    pub fn set_phase(&mut self, phase: ClaimPhase) {
        self.phase = Some(phase.as_str().to_string());
    }

    /// A condition's status (`True`, `False`, `Unknown`), when the claim has it.
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }

    /// A claim the platform has not scheduled yet: phase Pending, `Scheduled` False.
    pub fn waiting() -> Self {
        NodeClaimStatus {
            phase: Some(ClaimPhase::Pending.as_str().into()),
            conditions: vec![Condition {
                type_: SCHEDULED.into(),
                status: "False".into(),
                ..Condition::default()
            }],
            ..NodeClaimStatus::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// loft-sh/api storage/v1 `NodeClaimPhase`: `Pending`, `Available`, `Failed`.
    #[test]
    fn phases_are_spelled_as_loft_api_spells_them() {
        for (api, phase) in [
            ("Pending", ClaimPhase::Pending),
            ("Available", ClaimPhase::Available),
            ("Failed", ClaimPhase::Failed),
        ] {
            assert_eq!(ClaimPhase::parse(api), phase);
            assert_eq!(phase.as_str(), api);
            let mut status = NodeClaimStatus::default();
            status.set_phase(phase.clone());
            assert_eq!(status.phase.as_deref(), Some(api));
            assert_eq!(status.phase(), Some(phase));
        }
        assert_eq!(
            NodeClaimStatus::waiting().phase(),
            Some(ClaimPhase::Pending)
        );
    }

    /// A phase from a newer platform loads, is kept as written and shown as it is.
    #[test]
    fn an_unknown_phase_is_kept_as_written() {
        let claim: NodeClaim = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "c", "namespace": "p-default"},
            "spec": {"vClusterRef": "v"},
            "status": {"phase": "Draining"}
        }))
        .unwrap();
        let status = claim.status.unwrap();
        assert_eq!(status.phase(), Some(ClaimPhase::Other("Draining".into())));
        assert_eq!(status.phase().unwrap().to_string(), "Draining");
        assert_eq!(
            ClaimPhase::parse("pending"),
            ClaimPhase::Other("pending".into())
        );
        let empty = NodeClaimStatus {
            phase: Some(String::new()),
            ..NodeClaimStatus::default()
        };
        assert_eq!(empty.phase(), None, "an empty phase is no phase");
    }
}
