//! `NodeProvider` with its Metal3 `nodeTypes[]`, and the generated `NodeType`
//! (management.loft.sh/v1, cluster-scoped; domain.md §1.2, §1.3), as the public
//! `loft-sh/api` storage/v1 types have them since 4.4: no `zone` or `region`, and NodeType
//! `status.capacity {total, claimed}` with `status.requirements`.

use super::claim::Condition;
use super::resource::impl_resource;
use super::{Labels, PropertyRequirement, Quantity};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Resources of a node type: `cpu`, `memory`, `nvidia.com/gpu`, ...
pub type ResourceList = BTreeMap<String, Quantity>;

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct NodeProvider {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: NodeProviderSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PhaseStatus>,
}

impl NodeProvider {
    /// The Metal3 cluster holding this provider's BareMetalHosts:
    /// `spec.metal3.clusterRef.cluster` (domain.md, correction 5: one Metal3 cluster per
    /// provider), empty when the provider names none.
    pub fn metal3_cluster(&self) -> &str {
        self.spec
            .metal3
            .as_ref()
            .and_then(|m| m.cluster_ref.as_ref())
            .and_then(|c| c.cluster.as_deref())
            .unwrap_or_default()
    }
}

impl_resource!(
    NodeProvider,
    "management.loft.sh",
    "v1",
    "NodeProvider",
    "nodeproviders",
    k8s_openapi::ClusterResourceScope,
    fields: [spec],
    optional: [status]
);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeProviderSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub properties: Labels,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metal3: Option<Metal3Spec>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metal3Spec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_ref: Option<ClusterRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_types: Vec<Metal3NodeType>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// One entry of `spec.metal3.nodeTypes[]`: the platform generates a NodeType
/// `<provider>.<name>` from it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metal3NodeType {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<TemplateMetadata>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: ResourceList,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<i64>,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub properties: Labels,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overhead: Option<Overhead>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bare_metal_hosts: Option<BareMetalHostsSelector>,
}

/// `overhead` of a node type: resources kept for the kubelet and system daemons.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Overhead {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kube_reserved: ResourceList,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateMetadata {
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub annotations: Labels,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BareMetalHostsSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
}

/// The generated NodeType resource. Its selector is not part of it: the fleet reads
/// selectors from the provider's `nodeTypes[]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct NodeType {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: NodeTypeSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NodeTypeStatus>,
}

impl_resource!(
    NodeType,
    "management.loft.sh",
    "v1",
    "NodeType",
    "nodetypes",
    k8s_openapi::ClusterResourceScope,
    fields: [spec],
    optional: [status]
);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeTypeSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub properties: Labels,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: ResourceList,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overhead: Option<Overhead>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `status` of a NodeType. `cost` was in the status before 4.4; it is read when present.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeTypeStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
    /// The properties the platform says the type offers, as node selector requirements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<PropertyRequirement>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

/// `status.capacity` of a NodeType since 4.4: nodes of the type in all, and those claimed.
/// Both are always written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    #[serde(default)]
    pub total: i64,
    #[serde(default)]
    pub claimed: i64,
}

impl NodeTypeStatus {
    /// The status the simulated platform keeps on a generated NodeType: phase `Available`
    /// while a host is free for it, the effective cost, and capacity: `total` matching hosts
    /// and `claimed` held by its claims. [INFERRED] what `total` counts is not documented.
    pub fn current(cost: i64, total: usize, free: u32, claimed: u32) -> Self {
        NodeTypeStatus {
            phase: Some(if free > 0 { "Available" } else { "Pending" }.into()),
            cost: Some(cost),
            capacity: Some(Capacity {
                total: total as i64,
                claimed: i64::from(claimed),
            }),
            ..NodeTypeStatus::default()
        }
    }
}
