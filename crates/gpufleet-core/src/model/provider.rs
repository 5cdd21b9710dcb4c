//! `NodeProvider` with its Metal3 `nodeTypes[]`, and the generated `NodeType`
//! (management.loft.sh/v1, cluster-scoped), as the public `loft-sh/api` storage/v1 types
//! have them since 4.4
//! (<https://github.com/loft-sh/api/blob/main/pkg/apis/storage/v1/nodeprovider_types.go>,
//! `nodetype_types.go` beside it): no `zone` or `region`, and NodeType
//! `status.capacity {total, claimed}` with `status.requirements`.

use super::claim::Condition;
use super::resource::impl_resource;
use super::{Labels, PropertyRequirement, Quantity};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Resources of a node type: `cpu`, `memory`, `nvidia.com/gpu`, ...
pub type ResourceList = BTreeMap<String, Quantity>;

/// A vCluster Platform NodeProvider (`management.loft.sh/v1`, cluster-scoped); gpufleet reads
/// its Metal3 section: the cluster and namespace of its BareMetalHosts and its node types.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct NodeProvider {
    /// `metadata`: name, labels, resourceVersion.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// `spec`: properties and the Metal3 section.
    #[serde(default)]
    pub spec: NodeProviderSpec,
    /// `status`: the platform's phase, shown as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PhaseStatus>,
}

impl NodeProvider {
    /// The Metal3 cluster holding this provider's BareMetalHosts:
    /// `spec.metal3.clusterRef.cluster` (one connected cluster per provider: vCluster docs,
    /// Metal3 node provider,
    /// <https://www.vcluster.com/docs/platform/next/administer/node-providers/metal3>), empty
    /// when the provider names none.
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

/// `spec` of a NodeProvider.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeProviderSpec {
    /// `displayName`, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `properties`: offered by every node type of the provider, under the type's own.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub properties: Labels,
    /// `metal3`: present on a Metal3 provider, absent on others (KubeVirt, Terraform, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metal3: Option<Metal3Spec>,
}

/// `spec.metal3` of a NodeProvider.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metal3Spec {
    /// `clusterRef`: where this provider's BareMetalHosts live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_ref: Option<ClusterRef>,
    /// `nodeTypes[]`: the node types the platform generates from this provider.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_types: Vec<Metal3NodeType>,
}

/// `spec.metal3.clusterRef`: the Metal3 cluster and namespace the provider's node types
/// claim BareMetalHosts from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterRef {
    /// `cluster`: the Metal3 cluster (a vCluster Platform cluster name); absent for the one the
    /// platform runs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// `namespace`: the namespace of the BareMetalHosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// One entry of `spec.metal3.nodeTypes[]`: the platform generates a NodeType
/// `<provider>.<name>` from it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metal3NodeType {
    /// `name`, unique within the provider.
    #[serde(default)]
    pub name: String,
    /// `displayName`, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `metadata`: labels and annotations given to the nodes of this type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<TemplateMetadata>,
    /// `resources`: what a node of this type offers (`cpu`, `memory`, `nvidia.com/gpu`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: ResourceList,
    /// `cost`: lower is chosen first; when absent, derived from the resources (guide, "Cost
    /// configuration").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<i64>,
    /// `properties`: what `nodeTypeSelector` and claim requirements match, over the provider's.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub properties: Labels,
    /// `overhead`: resources kept back from the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overhead: Option<Overhead>,
    /// `bareMetalHosts`: which BareMetalHosts the type may claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bare_metal_hosts: Option<BareMetalHostsSelector>,
}

/// `overhead` of a node type: resources kept for the kubelet and system daemons.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Overhead {
    /// `kubeReserved`: resources kept for the kubelet and system daemons.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kube_reserved: ResourceList,
}

/// `metadata` of a node type's nodes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateMetadata {
    /// `labels` given to the node.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    /// `annotations` given to the node.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub annotations: Labels,
}

/// `bareMetalHosts` of a node type.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BareMetalHostsSelector {
    /// `selector`: a Kubernetes label selector over BareMetalHost labels; absent selects no host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
}

/// The generated NodeType resource. Its selector is not part of it: the fleet reads
/// selectors from the provider's `nodeTypes[]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct NodeType {
    /// `metadata`: name (`<provider>.<type>`), resourceVersion.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// `spec`, copied by the platform from the provider's entry.
    #[serde(default)]
    pub spec: NodeTypeSpec,
    /// `status`: phase, capacity and requirements, as the platform writes them.
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

/// `spec` of a generated NodeType.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeTypeSpec {
    /// `providerRef`: the NodeProvider the type comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_ref: Option<String>,
    /// `displayName`, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `properties` of the type.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub properties: Labels,
    /// `resources` a node of the type offers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: ResourceList,
    /// `overhead`: resources kept back from the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overhead: Option<Overhead>,
    /// `cost`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<i64>,
}

/// A `status` that carries only a phase, reason and message (a NodeProvider's).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseStatus {
    /// `phase` as the platform writes it (`Available`, `Failed`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// `reason`: a machine-readable word for the phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `message`: why, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `status` of a NodeType. `cost` was in the status before 4.4; it is read when present.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeTypeStatus {
    /// `phase`: `Available` while a host is free for the type, else `Pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// `reason`: a machine-readable word for the phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `message`: why, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `cost` (before 4.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<i64>,
    /// `capacity` (since 4.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
    /// The properties the platform says the type offers, as node selector requirements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<PropertyRequirement>,
    /// `conditions`, shown as they are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

/// `status.capacity` of a NodeType since 4.4: nodes of the type in all, and those claimed.
/// Both are always written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    /// `total`: nodes of the type in all.
    #[serde(default)]
    pub total: i64,
    /// `claimed`: nodes of the type held by claims.
    #[serde(default)]
    pub claimed: i64,
}

impl NodeTypeStatus {
    /// The status the simulated platform keeps on a generated NodeType: phase `Available`
    /// while a host is free for it, the effective cost, and capacity: `total` matching hosts
    /// and `claimed` held by its claims. `[INFERRED]` what `total` counts is not documented.
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
