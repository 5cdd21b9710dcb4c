//! The fleet: one immutable snapshot of every object, indexed by rack, datacenter,
//! NVLink domain, tenant and node type, with each host's state, holder, matching and
//! eligible node types. Built by [`Fleet::build`]; read through [`FleetView`].

pub mod build;
pub mod figures;
pub mod key;
pub mod links;
pub mod lints;
pub mod names;
pub mod objects;
pub mod rules;
pub mod state;
pub mod summary;
pub mod tenancy;
pub mod view;

pub use key::{DomainKey, HostKey, HostKeyError, RackKey};
pub use objects::{FleetObject, FleetObjects, ObjectKey};
pub use state::{HostState, Leaving, OperationalStatus, ProvisioningState};
pub use view::FleetView;

use crate::model::host::HostImage;
use crate::model::provider::ResourceList;
use crate::model::{
    BareMetalHost, LabelQuery, Labels, Machine, NodeClaim, NodeType, ProjectNamespaces, keys,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

macro_rules! id_type {
    ($name:ident) => {
        #[doc = concat!(
                    "`", stringify!($name), "`: a position in one [`Fleet`] snapshot's table; ",
                    "valid only for the snapshot that issued it."
                )]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub struct $name(pub u32);
        impl $name {
            /// The position as a `usize`, for indexing the snapshot's table.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}
id_type!(HostId);
id_type!(NodeTypeId);
id_type!(ClaimId);

/// Group key for hosts that lack the grouping label. Not a valid label value, so it
/// cannot collide with a real rack or tenant name.
pub const UNLABELLED: &str = "(none)";

static NO_LABELS: Labels = Labels::new();

/// Who holds a host (see [`links`] for where that comes from).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holder {
    /// Held by this claim of the snapshot.
    Claim(ClaimId),
    /// A link names a claim this snapshot does not contain: `<namespace>/<name>`, or a bare
    /// name when the host label gives only that.
    Unknown(String),
    /// The host label names a claim several claims fit: held, but by which is not known.
    Ambiguous(Vec<ClaimId>),
}

/// Tenant shown for a holder whose project cannot be told.
pub const UNKNOWN_TENANT: &str = "(unknown)";

impl Holder {
    /// The tenant (project) of the claim holding a host. An unknown claim named
    /// `<namespace>/<name>` still shows its project; ambiguous claims show theirs when they
    /// share one.
    pub fn tenant<'a>(&'a self, fleet: &'a Fleet) -> &'a str {
        match self {
            Holder::Claim(c) => &fleet.claim(*c).tenant,
            Holder::Unknown(key) => match key.split_once('/') {
                Some((namespace, _)) => fleet.projects.project(namespace).unwrap_or(namespace),
                None => UNKNOWN_TENANT,
            },
            Holder::Ambiguous(claims) => {
                let first = claims.first().map(|c| fleet.claim(*c).tenant.as_str());
                match first {
                    Some(t) if claims.iter().all(|c| fleet.claim(*c).tenant == t) => t,
                    _ => UNKNOWN_TENANT,
                }
            }
        }
    }

    /// For people: the claim key, `<key> (not in the fleet)`, or `one of a, b (ambiguous)`.
    pub fn describe(&self, fleet: &Fleet) -> String {
        match self {
            Holder::Claim(c) => fleet.claim(*c).key(),
            Holder::Unknown(key) => format!("{key} (not in the fleet)"),
            Holder::Ambiguous(claims) => format!(
                "one of {} (ambiguous)",
                claims
                    .iter()
                    .map(|c| fleet.claim(*c).key())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Where a host's inspected CPUs and memory come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HardwareSource {
    /// The BareMetalHost's `status.hardware`.
    Status,
    /// The HardwareData object of the same namespace and name.
    HardwareData,
    /// The `inspect.metal3.io/hardwaredetails` annotation, which baremetal-operator copies
    /// into the status when inspection is disabled.
    Annotation,
    /// Nothing: the host has not been inspected, so no node type can claim it.
    NotInspected,
}

impl HardwareSource {
    /// For people: `status.hardware`, `HardwareData`, the annotation's key, or `hardware not inspected`.
    pub fn describe(self) -> &'static str {
        match self {
            HardwareSource::Status => "status.hardware",
            HardwareSource::HardwareData => "HardwareData",
            HardwareSource::Annotation => "annotation inspect.metal3.io/hardwaredetails",
            HardwareSource::NotInspected => "hardware not inspected",
        }
    }
}

/// What follows from a host's labels: recomputed when a change edits them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostDerived {
    /// Node types whose selector matches the host (in the host's provider namespace).
    pub matches: Vec<NodeTypeId>,
    /// Node types that could claim the host now.
    pub eligible: Vec<NodeTypeId>,
    /// GPUs in the host, by [`rules::host_gpus`]: the `gpu-count` label, the inventory Machine, else
    /// the node types' `nvidia.com/gpu`; 0 when none tells.
    pub gpus: u32,
}

/// A Metal3 BareMetalHost as the snapshot sees it: the object, its state, holder and what its
/// labels imply. Indexed by [`HostId`].
#[derive(Clone, Debug)]
pub struct Host {
    /// The BareMetalHost as the source delivered it.
    pub object: Arc<BareMetalHost>,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// The Metal3 cluster the host lives in (see [`HostKey`]).
    pub cluster: String,
    /// Metal3 `status.provisioning.state` and `status.operationalStatus`, read together.
    pub state: HostState,
    /// Inspected logical CPUs.
    pub cpus: Option<u32>,
    /// Inspected memory.
    pub memory_bytes: Option<u64>,
    /// Where `cpus` and `memory_bytes` come from.
    pub hardware: HardwareSource,
    /// The NodeProvider whose BareMetalHosts live in this host's namespace (its
    /// `clusterRef`), when one does; the first by name when several do.
    pub provider: Option<String>,
    /// The inventory Machine mirroring the host (`<provider>.<host>`), where one exists.
    pub machine: Option<Arc<Machine>>,
    /// The claim holding the host, when one does (see [`links`]).
    pub holder: Option<Holder>,
    /// How the holder was found, and what did not fit.
    pub link: links::HostLink,
    /// What the labels imply now (matching and eligible node types, GPUs).
    pub derived: HostDerived,
}

impl Host {
    /// The host's identity: cluster, namespace, name.
    pub fn key(&self) -> HostKey {
        HostKey::new(&self.cluster, &self.namespace, &self.name)
    }
    /// All of `metadata.labels` (empty when the object has none).
    pub fn labels(&self) -> &Labels {
        self.object.metadata.labels.as_ref().unwrap_or(&NO_LABELS)
    }
    /// The value of one label, if set.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels().get(key).map(String::as_str)
    }
    /// The image the host was provisioned with: `status.provisioning.image`, else `spec.image`.
    pub fn actual_image(&self) -> Option<&HostImage> {
        self.object
            .status
            .as_ref()
            .and_then(|s| s.provisioning.as_ref())
            .and_then(|p| p.image.as_ref())
            .filter(|i| !i.url.is_empty())
            .or(self.object.spec.image.as_ref())
            .filter(|i| !i.url.is_empty())
    }
    /// `spec.bmc.address` (the BMC URL; never its credentials).
    pub fn bmc_address(&self) -> Option<&str> {
        self.object.spec.bmc.as_ref()?.address.as_deref()
    }
    /// `metadata.resourceVersion`, the precondition of a write.
    pub fn resource_version(&self) -> Option<&str> {
        self.object.metadata.resource_version.as_deref()
    }
}

/// Where a node type's cost comes from (guide, "Cost configuration").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostSource {
    /// The node type sets `cost`.
    Explicit,
    /// No `cost`: derived from the resources by [`rules::default_cost`].
    Default,
}

/// A node type as gpufleet reads it from its NodeProvider's `spec.metal3.nodeTypes[]` (and the
/// generated NodeType, when there is one). Indexed by [`NodeTypeId`].
#[derive(Clone, Debug)]
pub struct NodeTypeInfo {
    /// The NodeType resource name, `<provider>.<type>`.
    pub name: String,
    /// The entry's `name` in the provider, unique only within that provider.
    pub short_name: String,
    /// The NodeProvider the type belongs to.
    pub provider: String,
    /// `displayName`, when set.
    pub display_name: Option<String>,
    /// The Metal3 cluster whose BareMetalHosts this type may claim (the provider's
    /// `spec.metal3.clusterRef.cluster`; empty when it names none).
    pub cluster: String,
    /// Namespace of the BareMetalHosts this type may claim (the provider's `clusterRef`).
    pub namespace: String,
    /// `bareMetalHosts.selector`, read as a label query; `None` when absent or unreadable (it then
    /// matches no host).
    pub selector: Option<LabelQuery>,
    /// Why the selector could not be read, if it could not.
    pub selector_error: Option<String>,
    /// `resources` as written (Kubernetes quantities by resource name).
    pub resources: ResourceList,
    /// `resources.cpu` in cores, when it parses.
    pub cpus: Option<f64>,
    /// `resources.memory` in bytes, when it parses.
    pub memory_bytes: Option<f64>,
    /// `resources["nvidia.com/gpu"]`; 0 when absent or above [`rules::MAX_GPUS_PER_HOST`].
    pub gpus: u32,
    /// Resource names besides cpu and memory (e.g. `nvidia.com/gpu`).
    pub extended_resources: Vec<String>,
    /// The cost the platform compares (lower is chosen first), by [`rules::effective_cost`].
    pub cost: i64,
    /// Whether `cost` was set or derived.
    pub cost_source: CostSource,
    /// The type's own properties, as written in the provider.
    pub properties: Labels,
    /// What `nodeTypeSelector` sees: provider, type and built-in properties.
    pub selection_properties: Labels,
    /// The tenant the selector reserves this type for (`tenant=T` or `tenant in (T)`).
    pub tenant: Option<String>,
    /// The generated NodeType resource, when the snapshot has it.
    pub resource: Option<Arc<NodeType>>,
    /// Position of this entry in the provider's `spec.metal3.nodeTypes[]`, for writes.
    pub provider_index: Option<usize>,
}

/// Where a claim is in its life: its `status.phase` (loft-sh/api,
/// `pkg/apis/storage/v1/nodeclaim_types.go`, `NodeClaimPhase`: `Pending`, `Available`,
/// `Failed`), split by whether it holds a host yet, and whether it is being deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStage {
    /// Waiting for a server; not an error (`Pending` is "the initial state of a NodeClaim",
    /// loft-sh/api `NodeClaimPhasePending`).
    Pending,
    /// Holds a server that is not yet provisioned and joined.
    Provisioning,
    /// The platform reports it ready (`status.phase` `Available`).
    Available,
    /// `status.phase` is `Failed`.
    Failed,
    /// `metadata.deletionTimestamp` is set.
    Deleting,
}

impl ClaimStage {
    /// The stage as written in JSON output and filters (`pending`, `provisioning`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStage::Pending => "pending",
            ClaimStage::Provisioning => "provisioning",
            ClaimStage::Available => "available",
            ClaimStage::Failed => "failed",
            ClaimStage::Deleting => "deleting",
        }
    }
}

/// A vCluster Platform NodeClaim as the snapshot sees it: its tenant, node type, host and stage.
/// Indexed by [`ClaimId`].
#[derive(Clone, Debug)]
pub struct Claim {
    /// The NodeClaim as the source delivered it.
    pub object: Arc<NodeClaim>,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` (a project namespace).
    pub namespace: String,
    /// The project the claim lives in (namespace `p-<project>` or `loft-p-<project>`), which
    /// gpufleet reads as its tenant; the namespace itself when it fits no project prefix.
    pub tenant: String,
    /// `spec.vClusterRef`: the virtual cluster the node joins, when set.
    pub vcluster: Option<String>,
    /// `spec.typeRef`: the NodeType asked for, when set.
    pub type_ref: Option<String>,
    /// That node type in this snapshot, when it exists.
    pub node_type: Option<NodeTypeId>,
    /// The host the claim holds, by the links of [`links`].
    pub host: Option<HostId>,
    /// The host named by the claim's `metal3.vcluster.com/claimed-node` annotation
    /// (`[UNCERTAIN]`: read only to cross-check the link).
    pub annotated_host: Option<String>,
    /// Derived from `status.phase`, the deletion timestamp and the link to a host.
    pub stage: ClaimStage,
    /// `metal3.vcluster.com/server-name`, when the claim is pinned.
    pub pin: Option<String>,
}

impl Claim {
    /// `<namespace>/<name>`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
    /// `spec.properties`: what the claim asks of its node type.
    pub fn properties(&self) -> &Labels {
        &self.object.spec.properties
    }
}

/// What belongs to one tenant: the hosts its `tenant` label reserves (guide, "Per-tenant
/// node types"), the hosts its claims hold, its claims and the node types reserved for it.
#[derive(Clone, Debug, Default)]
pub struct TenantIndex {
    /// Hosts labelled `tenant=<name>`.
    pub reserved_hosts: Vec<HostId>,
    /// Hosts held by the tenant's claims.
    pub held_hosts: Vec<HostId>,
    /// The tenant's claims.
    pub claims: Vec<ClaimId>,
    /// Node types reserved for the tenant by their selector.
    pub node_types: Vec<NodeTypeId>,
}

/// Hosts grouped by the guide's topology labels (guide, "Recommended labels"); a host lacking the
/// label is grouped under [`UNLABELLED`]. Each list is in host order.
#[derive(Clone, Debug, Default)]
pub struct Groups {
    /// Hosts by rack: (cluster, datacenter label, rack label).
    pub racks: BTreeMap<RackKey, Vec<HostId>>,
    /// Hosts by `datacenter` label (a datacenter is a place, whichever cluster runs it).
    pub datacenters: BTreeMap<String, Vec<HostId>>,
    /// Hosts by NVLink domain: (cluster, `nvlink-domain` label).
    pub nvlink_domains: BTreeMap<DomainKey, Vec<HostId>>,
    /// Tenants by name: reserved and held hosts, claims, node types.
    pub tenants: BTreeMap<String, TenantIndex>,
}

/// One snapshot of the fleet. Cheap to share; never mutated after [`Fleet::build`].
#[derive(Clone, Debug, Default)]
pub struct Fleet {
    objects: FleetObjects,
    /// How project namespaces are named, for reading claims' tenants and naming new claims.
    projects: ProjectNamespaces,
    hosts: Vec<Host>,
    node_types: Vec<NodeTypeInfo>,
    claims: Vec<Claim>,
    hosts_by_name: HashMap<String, Vec<HostId>>,
    types_by_name: HashMap<String, Vec<NodeTypeId>>,
    claims_by_key: HashMap<ObjectKey, ClaimId>,
    /// Claims by name alone, for the host label, which may name a claim without its project.
    claims_by_name: HashMap<String, Vec<ClaimId>>,
    /// Node types by the cluster and namespace whose hosts they see.
    types_by_scope: HashMap<(String, String), Vec<NodeTypeId>>,
    /// Hosts whose labels match each node type.
    type_hosts: Vec<Vec<HostId>>,
    /// Eligible hosts per node type.
    available: Vec<u32>,
    /// Hosts held by claims of each node type.
    held: Vec<u32>,
    groups: Groups,
    tenant_gpus: tenancy::TenantGpus,
    /// Problems found while building (a selector that cannot be read, a dangling reference).
    warnings: Vec<String>,
    /// Whether the snapshot has any inventory Machine (the platform serves them).
    has_machines: bool,
}

impl Fleet {
    /// Every object the snapshot was built from.
    pub fn objects(&self) -> &FleetObjects {
        &self.objects
    }
    /// How project namespaces are named in this fleet.
    pub fn projects(&self) -> &ProjectNamespaces {
        &self.projects
    }
    /// Every host, in [`HostId`] order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }
    /// One host. Panics on an id beyond this snapshot.
    pub fn host(&self, id: HostId) -> &Host {
        &self.hosts[id.index()]
    }
    /// Whether the fleet's hosts live in more than one Metal3 cluster, so that host names
    /// may repeat and each host is named with its cluster ([`key::shown_name`]). Hosts are
    /// kept in [`HostKey`] order, cluster first: the first and last host tell.
    pub fn hosts_span_clusters(&self) -> bool {
        match (self.hosts.first(), self.hosts.last()) {
            (Some(first), Some(last)) => first.cluster != last.cluster,
            _ => false,
        }
    }
    /// Host `id` as people read it: `cluster/name` in a fleet whose hosts span clusters,
    /// else its name ([`key::shown_name`]). Panics on an id beyond this snapshot.
    pub fn shown_name(&self, id: HostId) -> String {
        let host = self.host(id);
        key::shown_name(&host.cluster, &host.name, self.hosts_span_clusters())
    }
    /// Every host id, in order.
    pub fn host_ids(&self) -> impl Iterator<Item = HostId> + '_ {
        (0..self.hosts.len() as u32).map(HostId)
    }
    /// Every node type, in [`NodeTypeId`] order.
    pub fn node_types(&self) -> &[NodeTypeInfo] {
        &self.node_types
    }
    /// One node type. Panics on an id beyond this snapshot.
    pub fn node_type(&self, id: NodeTypeId) -> &NodeTypeInfo {
        &self.node_types[id.index()]
    }
    /// Every node type id, in order.
    pub fn node_type_ids(&self) -> impl Iterator<Item = NodeTypeId> + '_ {
        (0..self.node_types.len() as u32).map(NodeTypeId)
    }
    /// Every claim, in [`ClaimId`] order.
    pub fn claims(&self) -> &[Claim] {
        &self.claims
    }
    /// One claim. Panics on an id beyond this snapshot.
    pub fn claim(&self, id: ClaimId) -> &Claim {
        &self.claims[id.index()]
    }
    /// Every claim id, in order.
    pub fn claim_ids(&self) -> impl Iterator<Item = ClaimId> + '_ {
        (0..self.claims.len() as u32).map(ClaimId)
    }
    /// Hosts by rack, datacenter, NVLink domain and tenant.
    pub fn groups(&self) -> &Groups {
        &self.groups
    }
    /// Reserved and eligible GPUs per tenant.
    pub fn tenant_gpus(&self) -> &tenancy::TenantGpus {
        &self.tenant_gpus
    }
    /// Problems found while building, for people (a selector that cannot be read, a dangling link).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
    /// Whether links come from inventory Machines (else from host labels).
    pub fn has_machines(&self) -> bool {
        self.has_machines
    }
    /// Hosts whose labels match the node type.
    pub fn type_hosts(&self, t: NodeTypeId) -> &[HostId] {
        &self.type_hosts[t.index()]
    }
    /// Hosts held by claims of the node type.
    pub fn held_count(&self, t: NodeTypeId) -> u32 {
        self.held[t.index()]
    }
    /// Node types that see hosts in `namespace` of `cluster` (rule: a node type sees only
    /// the hosts of its provider's Metal3 cluster and `clusterRef.namespace`; loft-sh/api,
    /// `pkg/apis/storage/v1/nodeprovider_types.go`, `NodeProviderClusterRef`: the connected
    /// cluster and the namespace in it).
    pub fn types_in(&self, cluster: &str, namespace: &str) -> &[NodeTypeId] {
        self.types_by_scope
            .get(&(cluster.to_string(), namespace.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
    /// The claim of this namespace and name, if the snapshot has it.
    pub fn claim_by_key(&self, namespace: &str, name: &str) -> Option<ClaimId> {
        self.claims_by_key
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
    }
    /// The host of this key, if the snapshot has it.
    pub fn host_by_key(&self, key: &HostKey) -> Option<HostId> {
        self.hosts_named(&key.name).iter().copied().find(|&h| {
            let host = self.host(h);
            host.namespace == key.namespace && host.cluster == key.cluster
        })
    }
    /// Hosts of this `metadata.name`, in any cluster or namespace.
    pub fn hosts_named(&self, name: &str) -> &[HostId] {
        self.hosts_by_name
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
    /// Node types by full (`<provider>.<type>`) or short name.
    pub fn types_named(&self, name: &str) -> &[NodeTypeId] {
        self.types_by_name
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
    /// The NodeProvider of this name, if the snapshot has it.
    pub fn provider(&self, name: &str) -> Option<&crate::model::NodeProvider> {
        self.objects.providers.get(name).map(Arc::as_ref)
    }
    /// The tenant a host is reserved for, by the guide's `tenant` label.
    pub fn host_tenant(labels: &Labels) -> Option<&str> {
        labels.get(keys::TENANT).map(String::as_str)
    }
}
