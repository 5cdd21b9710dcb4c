//! The rules of the operators' guide, each one named function. Everything here is pure:
//! a [`FleetView`] in, plain data out. The impact preview, the CLI, the dashboard and the
//! simulator all decide with these same functions.
//!
//! Sources cited below by title, besides the operators' guide (by section):
//! - vCluster docs, "Node providers" overview (node types: properties, resources, cost):
//!   <https://github.com/loft-sh/vcluster-docs/blob/main/platform/vmetal/concepts/machine-types-and-nodetypes.mdx>
//! - vCluster docs, "Metal3" provider overview (host selection, property merging):
//!   <https://github.com/loft-sh/vcluster-docs/blob/main/platform/vmetal/drivers/bare-metal/metal3/overview.mdx>
//! - vCluster docs, "GPU fleet operations" (Metal3; server pinning):
//!   <https://github.com/loft-sh/vcluster-docs/blob/main/platform/vmetal/drivers/bare-metal/metal3/gpu-fleet-operations.mdx>
//! - vCluster docs, Metal3 "Troubleshooting" (claim events):
//!   <https://github.com/loft-sh/vcluster-docs/blob/main/platform/vmetal/drivers/bare-metal/metal3/troubleshooting.mdx>

use super::{
    ClaimId, CostSource, Fleet, FleetView, HardwareSource, Holder, Host, HostId, Leaving,
    NodeTypeId, NodeTypeInfo, OperationalStatus, ProvisioningState,
};
use crate::model::provider::ResourceList;
use crate::model::{Labels, PropertyOperator, PropertyRequirement, keys};
use serde::Serialize;
use std::fmt;

/// Cost per CPU when a node type sets no explicit cost (guide, "Cost configuration").
pub const COST_PER_CPU: f64 = 10.0;
/// Cost per GB of memory (vCluster docs, "Node providers" overview, "Cost"). `[UNCERTAIN]`
/// GB read as 10^9 bytes: the docs do not say GB or GiB.
pub const COST_PER_GB_MEMORY: f64 = 2.0;
/// Cost per unit of any other resource, so 10000 per GPU (guide, "Cost configuration").
pub const COST_PER_OTHER_UNIT: f64 = 10000.0;

/// The default cost of a node type's resources: 10 per CPU, 2 per GB of memory and
/// 10000 per unit of any other resource.
///
/// Source: guide, "Cost configuration" ("the default cost contribution is 10000 per GPU
/// resource unit"); vCluster docs, "Node providers" overview, "Cost" (each `cpu` 10, each
/// GB of `memory` 2, each other resource 10000).
pub fn default_cost(resources: &ResourceList) -> i64 {
    let total: f64 = resources
        .iter()
        .map(|(name, q)| {
            let v = q.value().unwrap_or(0.0);
            match name.as_str() {
                "cpu" => v * COST_PER_CPU,
                "memory" => v / 1e9 * COST_PER_GB_MEMORY,
                _ => v * COST_PER_OTHER_UNIT,
            }
        })
        .sum();
    total.round() as i64
}

/// The cost the platform compares: the explicit `cost` if set, else [`default_cost`].
///
/// Source: guide, "Cost configuration" ("Override cost explicitly ...").
pub fn effective_cost(resources: &ResourceList, explicit: Option<i64>) -> (i64, CostSource) {
    match explicit {
        Some(c) => (c, CostSource::Explicit),
        None => (default_cost(resources), CostSource::Default),
    }
}

/// The zone every node type offers as `topology.kubernetes.io/zone`. `[UNCERTAIN]` NodeType
/// `GetAllProperties` offered its `zone`, default `global`, until `zone` left the spec in
/// 4.4; whether the built-in stays, and with which value, is not public.
pub const DEFAULT_ZONE: &str = "global";

/// The properties a node type offers to `nodeTypeSelector`: provider properties, then the
/// type's own, then the built-ins, which the platform always sets.
///
/// Source: NodeType `GetAllProperties` in the public `loft-sh/api` types (instance type, OS,
/// zone, capacity type, provider, node type). The node type name is offered in its full and
/// short form (`a,b` means either), since docs use both: the "Node providers" overview says
/// the property is the node type's name (`<provider>.<type>`), while "GPU fleet operations"
/// selects `value: h100-8x`.
pub fn selection_properties(
    provider_properties: &Labels,
    node_type: &NodeTypeInfo,
    type_properties: &Labels,
) -> Labels {
    let mut p = provider_properties.clone();
    p.extend(type_properties.iter().map(|(k, v)| (k.clone(), v.clone())));
    let names = format!("{},{}", node_type.name, node_type.short_name);
    p.insert(keys::PROP_NODE_TYPE.into(), names.clone());
    p.insert(keys::PROP_INSTANCE_TYPE.into(), names);
    p.insert(keys::PROP_NODE_PROVIDER.into(), node_type.provider.clone());
    p.insert(keys::PROP_OS.into(), "linux".into());
    p.insert(keys::PROP_ZONE.into(), DEFAULT_ZONE.into());
    p.insert(keys::PROP_CAPACITY_TYPE.into(), "on-demand".into());
    p
}

/// Why a host cannot be handed to a new claim, the first reason first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NotFree {
    /// A claim holds it (or the links say one does).
    Held {
        /// The claim, `<namespace>/<name>` (or what the links name).
        by: String,
    },
    /// `spec.consumerRef`: another controller (Cluster API, OpenShift) consumes it.
    Consumed {
        /// The consumer, `<kind> <namespace>/<name>`.
        by: String,
    },
    /// `baremetalhost.metal3.io/paused`: the operator will not act on it.
    Paused,
    /// `baremetalhost.metal3.io/detached`, or operational status `detached`.
    Detached,
    /// Operational status `error`.
    InError {
        /// `status.errorMessage`.
        error: String,
    },
    /// Not `available` (nor its alias `ready`).
    NotAvailable {
        /// The provisioning state it is in.
        state: ProvisioningState,
    },
    /// No inspected CPUs and memory to compare with any node type's.
    HardwareNotInspected,
    /// `metadata.deletionTimestamp`: being deleted. Its state may still read `available`
    /// until baremetal-operator powers it off and removes it.
    Deleting {
        /// The deletion timestamp, RFC 3339.
        since: String,
    },
    /// `available`, but asked to move on ([`Leaving`]): baremetal-operator takes it out of
    /// `available` at its next reconcile.
    Leaving {
        /// Why, and where to.
        leaving: Leaving,
    },
}

impl fmt::Display for NotFree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotFree::Held { by } => write!(f, "held by {by}"),
            NotFree::Consumed { by } => write!(
                f,
                "consumed by {by} (spec.consumerRef): not free for vMetal"
            ),
            NotFree::Paused => f.write_str(
                "paused (baremetalhost.metal3.io/paused): the operator will not act on it",
            ),
            NotFree::Detached => f.write_str("detached from Ironic"),
            NotFree::InError { error } => write!(f, "in error: {error}"),
            NotFree::NotAvailable { state } => write!(f, "{state}, not available"),
            NotFree::HardwareNotInspected => {
                f.write_str("hardware not inspected: no node type can compare its CPUs and memory")
            }
            NotFree::Deleting { since } => write!(
                f,
                "being deleted (metadata.deletionTimestamp {since}): baremetal-operator powers \
                 it off and removes it"
            ),
            NotFree::Leaving { leaving } => write!(
                f,
                "about to leave available for {}: {leaving}",
                leaving.to()
            ),
        }
    }
}

/// Every reason a host cannot be handed to a new claim; empty when it is free.
///
/// Source: vCluster docs, "Metal3" provider overview (the platform claims an `available`
/// BareMetalHost; inspected cpu and memory are compared), with gpufleet's reading of
/// "free": no claim label, operational status not error or detached;
/// baremetal-operator API docs (paused annotation: no reconciliation; `consumerRef`: the
/// host is consumed); guide, "Server pinning"; baremetal-operator's state machine
/// (`host_state_machine.go`: a deletion timestamp starts deletion from any state;
/// `handleAvailable` moves an available host on when its spec or annotations ask: see
/// [`Leaving`]).
pub fn not_free(fleet: &Fleet, host: &Host, holder: Option<&Holder>) -> Vec<NotFree> {
    let state = &host.state;
    let mut why = Vec::new();
    // Leaving for good comes first: nothing else about the host matters then.
    if let Some(since) = &state.deleting_since {
        why.push(NotFree::Deleting {
            since: since.clone(),
        });
    }
    if let Some(h) = holder {
        why.push(NotFree::Held {
            by: h.describe(fleet),
        });
    }
    if let Some(by) = &state.consumer {
        why.push(NotFree::Consumed { by: by.clone() });
    }
    if state.paused {
        why.push(NotFree::Paused);
    }
    if state.is_detached() {
        why.push(NotFree::Detached);
    }
    if state.is_error() {
        why.push(NotFree::InError {
            error: state.error_type.clone().unwrap_or_else(|| "error".into()),
        });
    }
    if !state.provisioning.is_available() {
        why.push(NotFree::NotAvailable {
            state: state.provisioning.clone(),
        });
    }
    if let Some(leaving) = &state.leaving {
        why.push(NotFree::Leaving {
            leaving: leaving.clone(),
        });
    }
    if host.hardware == HardwareSource::NotInspected {
        why.push(NotFree::HardwareNotInspected);
    }
    why
}

/// Whether a host can be handed to a new claim at all: [`not_free`] finds no reason.
pub fn is_free(host: &Host, holder: Option<&Holder>) -> bool {
    holder.is_none()
        && host.state.consumer.is_none()
        && !host.state.paused
        && !host.state.is_detached()
        && host.state.operational.is_usable()
        && host.state.provisioning.is_available()
        && !host.state.is_going_away()
        && host.hardware != HardwareSource::NotInspected
}

/// Whether the host's inspected CPUs and memory cover the node type's resources. GPUs are
/// not checked: the platform selects GPU hardware by labels only. A host never inspected
/// has nothing to compare, so it never has enough.
///
/// Source: vCluster docs, "Node providers" overview ("Resources": `nvidia.com/gpu` is for
/// scheduling inside the tenant cluster) and "Metal3" provider overview.
pub fn has_enough_hardware(host: &Host, node_type: &NodeTypeInfo) -> bool {
    if host.hardware == HardwareSource::NotInspected {
        return false;
    }
    let cpu_ok = node_type
        .cpus
        .is_none_or(|need| host.cpus.is_some_and(|have| f64::from(have) >= need));
    let mem_ok = node_type
        .memory_bytes
        .is_none_or(|need| host.memory_bytes.is_some_and(|have| have as f64 >= need));
    cpu_ok && mem_ok
}

/// Whether a node type may claim a host now: free, selector matches, enough hardware.
///
/// Source: vCluster docs, "Metal3" provider overview; guide, "Label strategy".
pub fn is_eligible(fleet: &Fleet, host: HostId, free: bool, matches: bool, t: NodeTypeId) -> bool {
    free && matches && has_enough_hardware(fleet.host(host), fleet.node_type(t))
}

/// A request for a node type: the requirements of a claim or pool, and the resources it asks for.
#[derive(Clone, Debug, Default)]
pub struct TypeRequest<'a> {
    /// `spec.providerRef`: only node types of this NodeProvider, when set.
    pub provider: Option<&'a str>,
    /// `spec.requirements`: what the node type's properties must satisfy.
    pub requirements: &'a [PropertyRequirement],
    /// Resource names the request asks for (e.g. `nvidia.com/gpu`).
    pub requested_resources: Vec<&'a str>,
}

impl<'a> TypeRequest<'a> {
    /// The request of a NodeClaim: its `providerRef`, `requirements` and the resource names of its
    /// `desiredCapacity`.
    pub fn of_claim(fleet: &'a Fleet, c: ClaimId) -> Self {
        let spec = &fleet.claim(c).object.spec;
        TypeRequest {
            provider: spec.provider_ref.as_deref(),
            requirements: &spec.requirements,
            requested_resources: spec.desired_capacity.keys().map(String::as_str).collect(),
        }
    }

    /// Naming a type through `vcluster.com/node-type` counts as asking for its resources
    /// (`[INFERRED]` from "GPU fleet operations", whose requests name GPU node types by
    /// `vcluster.com/node-type` without asking for `nvidia.com/gpu`).
    fn names_a_type(&self) -> bool {
        self.requirements.iter().any(|r| {
            r.operator == PropertyOperator::In
                && (r.key == keys::PROP_NODE_TYPE || r.key == keys::PROP_INSTANCE_TYPE)
        })
    }
}

/// The node types a claim's requirements name: the values of its `In` requirements on
/// `node.kubernetes.io/instance-type` (or `vcluster.com/node-type`), kept only where every
/// such requirement names them. Empty when none names a type.
///
/// Source: vCluster docs, auto nodes scheduling: the platform NodeClaim made from a
/// Karpenter NodeClaim names its candidate types as `node.kubernetes.io/instance-type In
/// [<provider>.<type>, ...]`; NodeType `GetAllProperties` offers the type's name under both
/// keys.
pub fn named_node_types(requirements: &[PropertyRequirement]) -> Vec<&str> {
    let mut named: Option<Vec<&str>> = None;
    for r in requirements {
        if r.operator != PropertyOperator::In
            || (r.key != keys::PROP_INSTANCE_TYPE && r.key != keys::PROP_NODE_TYPE)
        {
            continue;
        }
        let values: Vec<&str> = r.all_values().collect();
        named = Some(match named {
            None => values,
            Some(prev) => prev.into_iter().filter(|v| values.contains(v)).collect(),
        });
    }
    let mut named = named.unwrap_or_default();
    named.sort_unstable();
    named.dedup();
    named
}

/// Whether a node type can serve a request, leaving capacity aside: every requirement
/// holds, and a type with extended resources (GPUs) only serves requests that ask for them.
///
/// Source: guide, "Heterogeneous GPU fleets"; vCluster docs, "Node providers" overview,
/// "Resources" ("A tenant cluster that does not request a GPU is never assigned a GPU node
/// type").
pub fn type_serves_request<V: FleetView + ?Sized>(
    view: &V,
    t: NodeTypeId,
    request: &TypeRequest,
) -> bool {
    let info = view.fleet().node_type(t);
    if request.provider.is_some_and(|p| p != info.provider) {
        return false;
    }
    let extended_ok = request.names_a_type()
        || info
            .extended_resources
            .iter()
            .all(|r| request.requested_resources.contains(&r.as_str()));
    if !extended_ok {
        return false;
    }
    let props = view.selection_properties(t);
    request.requirements.iter().all(|r| r.satisfied_by(&props))
}

/// Which node type a request gets: among the types that serve it and have an eligible host,
/// the cheapest; ties go to the lower name [UNCERTAIN: the platform's tie-break is not
/// documented]. A request with no requirements gets the cheapest available type.
///
/// Source: guide, "Cost configuration" and "Heterogeneous GPU fleets"
/// ("The platform selects the cheapest matching type"; "If the tenant omits a selector, the
/// platform picks the cheapest available type").
pub fn choose_node_type<V: FleetView + ?Sized>(
    view: &V,
    request: &TypeRequest,
) -> Option<NodeTypeId> {
    let fleet = view.fleet();
    fleet
        .node_type_ids()
        .filter(|&t| view.available(t) > 0 && type_serves_request(view, t, request))
        .min_by(|&a, &b| {
            let (ta, tb) = (fleet.node_type(a), fleet.node_type(b));
            ta.cost.cmp(&tb.cost).then_with(|| ta.name.cmp(&tb.name))
        })
}

/// The node type a claim has or would get: its `typeRef`; else, for a claim pinned to a
/// server, [`pinned_claim_type`]; else [`choose_node_type`]. A pin never changes the type of
/// a claim that names one: the type comes from the claim's own request (guide, "Server
/// pinning": the pool names its type in `nodeTypeSelector` and sets the pin as a property).
pub fn claim_node_type<V: FleetView + ?Sized>(view: &V, c: ClaimId) -> Option<NodeTypeId> {
    let fleet = view.fleet();
    let claim = fleet.claim(c);
    if claim.type_ref.is_some() {
        return claim.node_type;
    }
    let request = TypeRequest::of_claim(fleet, c);
    match view.claim_properties(c).get(keys::SERVER_NAME) {
        Some(server) => pinned_claim_type(view, &request, server),
        None => choose_node_type(view, &request),
    }
}

/// The node type a claim without `typeRef` gets when it is pinned to `server`: the cheapest
/// type that serves its request and whose selector matches the server, whether or not the
/// type has other free hosts (the pinned server is the only one it may get). `None` when no
/// such type exists: the pin cannot be honoured.
///
/// [UNCERTAIN: the docs do not say how the platform picks the type of an unbound pinned
/// claim ("GPU fleet operations", "Server pinning", says only that the platform claims the
/// named server); this reading never gives a claim a type its request does not
/// allow, and never lets the pin fall back to another server.]
pub fn pinned_claim_type<V: FleetView + ?Sized>(
    view: &V,
    request: &TypeRequest,
    server: &str,
) -> Option<NodeTypeId> {
    let fleet = view.fleet();
    let hosts = fleet.hosts_named(server);
    fleet
        .node_type_ids()
        .filter(|&t| type_serves_request(view, t, request))
        .filter(|&t| hosts.iter().any(|&h| view.derived(h).matches.contains(&t)))
        .min_by(|&a, &b| {
            let (ta, tb) = (fleet.node_type(a), fleet.node_type(b));
            ta.cost.cmp(&tb.cost).then_with(|| ta.name.cmp(&tb.name))
        })
}

/// Why a pinned server cannot be claimed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum PinFailure {
    /// No BareMetalHost of that name.
    UnknownServer {
        /// The server named by `metal3.vcluster.com/server-name`.
        server: String,
    },
    /// The server is outside the Metal3 cluster and namespace the node type claims from.
    WrongProvider {
        /// The pinned server.
        server: String,
        /// The node type (full name).
        node_type: String,
        /// Where the node type claims from: `cluster/namespace` (`namespace` for a provider
        /// that names no cluster).
        claims_from: String,
    },
    /// The server's provisioning state is not `available`.
    NotAvailable {
        /// The pinned server.
        server: String,
        /// Its provisioning state.
        state: ProvisioningState,
    },
    /// Another claim holds the server.
    AlreadyClaimed {
        /// The pinned server.
        server: String,
        /// The holder, `<namespace>/<name>`.
        by: String,
    },
    /// The server's operational status is not `OK`.
    NotOperational {
        /// The pinned server.
        server: String,
        /// Its operational status (`detached` also when only the annotation detaches it).
        status: OperationalStatus,
    },
    /// The server's labels do not match the node type's `bareMetalHosts.selector` (checked while
    /// [`PIN_CHECKS_SELECTOR`]).
    SelectorMismatch {
        /// The pinned server.
        server: String,
        /// The node type (full name).
        node_type: String,
    },
    /// The server has less inspected CPU or memory than the node type's `resources`.
    NotEnoughHardware {
        /// The pinned server.
        server: String,
        /// The node type (full name).
        node_type: String,
    },
    /// Paused, consumed by another controller, or never inspected.
    NotFree {
        /// The pinned server.
        server: String,
        /// Why, for people (`paused`, `consumed by ...`, `not inspected`).
        why: String,
    },
    /// The claim names no type and no type its request can get matches the server.
    NoNodeTypeMatches {
        /// The pinned server.
        server: String,
        /// The claim, `<namespace>/<name>`.
        claim: String,
    },
}

impl fmt::Display for PinFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinFailure::UnknownServer { server } => write!(f, "server {server} does not exist"),
            PinFailure::WrongProvider {
                server,
                node_type,
                claims_from,
            } => write!(
                f,
                "server {server} is not in the cluster and namespace node type {node_type} \
                 claims from ({claims_from})"
            ),
            PinFailure::NotAvailable { server, state } => {
                write!(f, "server {server} is {state}, not available")
            }
            PinFailure::AlreadyClaimed { server, by } => {
                write!(f, "server {server} is already claimed by {by}")
            }
            PinFailure::NotOperational { server, status } => {
                write!(f, "server {server} has operational status {status}")
            }
            PinFailure::SelectorMismatch { server, node_type } => write!(
                f,
                "server {server}'s labels do not match node type {node_type}'s selector"
            ),
            PinFailure::NotEnoughHardware { server, node_type } => write!(
                f,
                "server {server} has less inspected CPU or memory than node type {node_type} needs"
            ),
            PinFailure::NotFree { server, why } => write!(f, "server {server} is {why}"),
            PinFailure::NoNodeTypeMatches { server, claim } => write!(
                f,
                "no node type that claim {claim}'s request can get matches server {server}'s labels"
            ),
        }
    }
}

/// Whether a pin also requires the server to match the node type's selector and hardware.
/// The docs do not say whether `server-name` bypasses them (`[UNCERTAIN]`: "GPU fleet
/// operations", "Server pinning", is silent on it);
/// gpufleet checks them, so a preview never promises a server the type would not take.
pub const PIN_CHECKS_SELECTOR: bool = true;

/// Which server a claim of node type `t` gets. A pin claims only the named server and fails
/// when it is unavailable, never falling back to another. Without a pin, the first eligible
/// host by name [UNCERTAIN: the platform's pick order is not documented].
///
/// Source: guide, "Server pinning" ("The platform claims only the named server. If that server
/// is unavailable, provisioning fails rather than selecting a different server.").
pub fn choose_server<V: FleetView + ?Sized>(
    view: &V,
    t: NodeTypeId,
    pin: Option<&str>,
) -> Result<Option<HostId>, PinFailure> {
    match pin {
        Some(server) => check_pin(view, t, server).map(Some),
        None => Ok(view.eligible_hosts(t).into_iter().next()),
    }
}

/// Whether node type `info` sees `host` at all: a node type claims only BareMetalHosts of its
/// provider's Metal3 cluster (`spec.metal3.clusterRef.cluster`) and namespace
/// (`clusterRef.namespace`). Source: the public `loft-sh/api` NodeProvider type, whose
/// `spec.metal3.clusterRef` names the one connected cluster and the namespace holding the
/// provider's BareMetalHosts
/// (<https://github.com/loft-sh/api/blob/main/pkg/apis/storage/v1/nodeprovider_types.go>);
/// host names repeat across clusters.
pub fn sees(info: &NodeTypeInfo, host: &Host) -> bool {
    host.cluster == info.cluster && host.namespace == info.namespace
}

/// Checks that a pinned server can be claimed by node type `t`. A server name is looked for
/// in the type's cluster first, since names repeat across clusters; the host found is held
/// to [`check_pinned_host`].
pub fn check_pin<V: FleetView + ?Sized>(
    view: &V,
    t: NodeTypeId,
    server: &str,
) -> Result<HostId, PinFailure> {
    let fleet = view.fleet();
    let info = fleet.node_type(t);
    let candidates = fleet.hosts_named(server);
    let Some(&h) = candidates
        .iter()
        .find(|&&h| sees(info, fleet.host(h)))
        .or(candidates.first())
    else {
        return Err(PinFailure::UnknownServer {
            server: server.to_string(),
        });
    };
    check_pinned_host(view, t, h)
}

/// The [`PinFailure::WrongProvider`] of node type `t` and host `h` when `t` does not see
/// `h` ([`sees`]); `None` when it does. The host is named as people read it
/// ([`Fleet::shown_name`]).
pub fn outside_type(fleet: &Fleet, t: NodeTypeId, h: HostId) -> Option<PinFailure> {
    let info = fleet.node_type(t);
    (!sees(info, fleet.host(h))).then(|| PinFailure::WrongProvider {
        server: fleet.shown_name(h),
        node_type: info.name.clone(),
        claims_from: if info.cluster.is_empty() {
            info.namespace.clone()
        } else {
            format!("{}/{}", info.cluster, info.namespace)
        },
    })
}

/// Checks that node type `t` can claim exactly host `h`: the type sees it, no one holds it,
/// it is free, and (while [`PIN_CHECKS_SELECTOR`]) the type's selector and hardware take it.
/// Every reason names `h` ([`Fleet::shown_name`]: with its cluster where names repeat).
pub fn check_pinned_host<V: FleetView + ?Sized>(
    view: &V,
    t: NodeTypeId,
    h: HostId,
) -> Result<HostId, PinFailure> {
    let fleet = view.fleet();
    let info = fleet.node_type(t);
    if let Some(failure) = outside_type(fleet, t, h) {
        return Err(failure);
    }
    let host = fleet.host(h);
    let server_s = fleet.shown_name(h);
    if let Some(holder) = view.holder(h) {
        return Err(PinFailure::AlreadyClaimed {
            server: server_s,
            by: match holder {
                Holder::Claim(c) => fleet.claim(*c).key(),
                other => other.describe(fleet),
            },
        });
    }
    let mut why = not_free(fleet, host, None).into_iter();
    match why.next() {
        None => {}
        Some(NotFree::InError { .. } | NotFree::Detached) => {
            return Err(PinFailure::NotOperational {
                server: server_s,
                status: if host.state.is_detached() {
                    OperationalStatus::Detached
                } else {
                    OperationalStatus::Error
                },
            });
        }
        Some(NotFree::NotAvailable { state }) => {
            return Err(PinFailure::NotAvailable {
                server: server_s,
                state,
            });
        }
        Some(other) => {
            return Err(PinFailure::NotFree {
                server: server_s,
                why: other.to_string(),
            });
        }
    }
    if PIN_CHECKS_SELECTOR {
        if !view.derived(h).matches.contains(&t) {
            return Err(PinFailure::SelectorMismatch {
                server: server_s,
                node_type: info.name.clone(),
            });
        }
        if !has_enough_hardware(host, info) {
            return Err(PinFailure::NotEnoughHardware {
                server: server_s,
                node_type: info.name.clone(),
            });
        }
    }
    Ok(h)
}

/// How many servers a waiting claim could get now: its pinned server if that one passes
/// [`check_pin`], else the eligible hosts of the type it has or would get.
pub fn claim_candidates<V: FleetView + ?Sized>(view: &V, c: ClaimId) -> u32 {
    let Some(t) = claim_node_type(view, c) else {
        return 0;
    };
    let pin = view.claim_properties(c).get(keys::SERVER_NAME);
    match pin {
        Some(server) => u32::from(check_pin(view, t, server).is_ok()),
        None => view.available(t),
    }
}

/// Where a waiting claim would land now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// The claim gets this server.
    Server {
        /// The node type that serves the claim.
        node_type: NodeTypeId,
        /// The server it gets.
        host: HostId,
    },
    /// No node type serves the claim, or its type has no eligible server: it waits.
    Waiting {
        /// The claim's node type, when one serves it.
        node_type: Option<NodeTypeId>,
    },
    /// The pinned server cannot be claimed; provisioning fails. `node_type` is `None` when
    /// no type the claim's request can get matches the server.
    PinFailed {
        /// The node type the claim would get, when one serves it.
        node_type: Option<NodeTypeId>,
        /// Why the pin fails.
        failure: PinFailure,
    },
    /// The claim would get this server, but the image it would be provisioned with cannot
    /// be resolved: the platform fails the claim with an image resolution error in its
    /// events (vCluster docs, Metal3 "Troubleshooting").
    ImageUnavailable {
        /// The node type.
        node_type: NodeTypeId,
        /// The server.
        host: HostId,
        /// Why the image cannot be resolved.
        problem: ImageProblem,
    },
}

/// Where a claim lands: its node type ([`claim_node_type`]), then its server
/// ([`choose_server`]), honouring a pin without fallback, then the image it is provisioned
/// with ([`desired_image_for`]). The simulated platform places claims with this function and
/// the pin preview predicts with it, so the two cannot disagree.
///
/// Source: vCluster docs, "Metal3" provider overview and "GPU fleet operations"
/// ("If that server is unavailable, provisioning fails rather than selecting a different
/// server"); guide, "Server pinning".
pub fn place_claim<V: FleetView + ?Sized>(view: &V, c: ClaimId) -> Placement {
    let pin = view.claim_properties(c).get(keys::SERVER_NAME).cloned();
    let Some(node_type) = claim_node_type(view, c) else {
        return match pin {
            Some(server) if view.fleet().hosts_named(&server).is_empty() => Placement::PinFailed {
                node_type: None,
                failure: PinFailure::UnknownServer { server },
            },
            Some(server) => Placement::PinFailed {
                node_type: None,
                failure: PinFailure::NoNodeTypeMatches {
                    server,
                    claim: view.fleet().claim(c).key(),
                },
            },
            None => Placement::Waiting { node_type: None },
        };
    };
    match choose_server(view, node_type, pin.as_deref()) {
        Ok(Some(host)) => match desired_image_for(view, c, node_type) {
            Ok(_) => Placement::Server { node_type, host },
            Err(problem) => Placement::ImageUnavailable {
                node_type,
                host,
                problem,
            },
        },
        Ok(None) => Placement::Waiting {
            node_type: Some(node_type),
        },
        Err(failure) => Placement::PinFailed {
            node_type: Some(node_type),
            failure,
        },
    }
}

/// The image a claim should run, as URL and checksum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DesiredImage {
    /// The OSImage named by `vcluster.com/os-image`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_image: Option<String>,
    /// The image URL the server should be provisioned with.
    pub url: String,
    /// The checksum (URL or digest), when the image gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

/// Why a claim's desired image cannot be worked out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum ImageProblem {
    /// Neither the node type nor its provider names an OSImage or image.
    NoImageConfigured,
    /// The OSImage named by `vcluster.com/os-image` does not exist.
    MissingOsImage {
        /// The OSImage's name.
        name: String,
    },
    /// The OSImage has no `spec.image.url`.
    OsImageWithoutUrl {
        /// The OSImage's name.
        name: String,
    },
    /// The claim names no node type of the snapshot.
    UnknownNodeType,
}

impl fmt::Display for ImageProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageProblem::NoImageConfigured => f.write_str("no OS image is configured"),
            ImageProblem::MissingOsImage { name } => write!(f, "OSImage {name} does not exist"),
            ImageProblem::OsImageWithoutUrl { name } => write!(f, "OSImage {name} has no URL"),
            ImageProblem::UnknownNodeType => f.write_str("the claim's node type is unknown"),
        }
    }
}

impl std::error::Error for PinFailure {}

impl std::error::Error for ImageProblem {}

/// The OSImage a node type points at: its own `vcluster.com/os-image`, else its provider's.
///
/// Source: vCluster docs, "Metal3" provider overview ("Machine-level properties override
/// node type properties, which override NodeProvider properties").
pub fn type_os_image<V: FleetView + ?Sized>(view: &V, t: NodeTypeId) -> Option<String> {
    let fleet = view.fleet();
    view.type_properties(t)
        .get(keys::OS_IMAGE)
        .or_else(|| {
            fleet
                .provider(&fleet.node_type(t).provider)
                .and_then(|p| p.spec.properties.get(keys::OS_IMAGE))
        })
        .cloned()
}

/// A claim's properties merged as the platform merges them: provider, then node type, then
/// claim; the most specific wins.
///
/// Source: vCluster docs, "Metal3" provider overview ("The most specific level wins").
pub fn merged_properties<V: FleetView + ?Sized>(view: &V, c: ClaimId, t: NodeTypeId) -> Labels {
    merged_with_claim_properties(view, t, view.claim_properties(c))
}

/// [`merged_properties`] for a claim with these properties, which may not exist yet.
pub fn merged_with_claim_properties<V: FleetView + ?Sized>(
    view: &V,
    t: NodeTypeId,
    claim_properties: &Labels,
) -> Labels {
    let fleet = view.fleet();
    let info = fleet.node_type(t);
    let mut p = fleet
        .provider(&info.provider)
        .map(|p| p.spec.properties.clone())
        .unwrap_or_default();
    p.extend(
        view.type_properties(t)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    p.extend(claim_properties.iter().map(|(k, v)| (k.clone(), v.clone())));
    p
}

/// The image a claim should run: `vcluster.com/os-image` resolved to its OSImage's URL and
/// checksum. Direct `metal3.vcluster.com/image-*` properties override the OSImage's
/// [UNCERTAIN: precedence undocumented; the "Metal3" provider overview names "the
/// configured OSImage or direct image properties" without an order].
///
/// Source: guide, "Rotating OS images".
pub fn desired_image<V: FleetView + ?Sized>(
    view: &V,
    c: ClaimId,
) -> Result<DesiredImage, ImageProblem> {
    let t = view
        .fleet()
        .claim(c)
        .node_type
        .ok_or(ImageProblem::UnknownNodeType)?;
    desired_image_for(view, c, t)
}

/// The image a claim should run as a claim of node type `t`: what [`desired_image`] gives
/// once the claim has that type, and what a server gets when the claim is placed on it.
pub fn desired_image_for<V: FleetView + ?Sized>(
    view: &V,
    c: ClaimId,
    t: NodeTypeId,
) -> Result<DesiredImage, ImageProblem> {
    image_of_properties(view, &merged_properties(view, c, t))
}

/// The image merged properties (see [`merged_with_claim_properties`]) resolve to.
pub fn image_of_properties<V: FleetView + ?Sized>(
    view: &V,
    props: &Labels,
) -> Result<DesiredImage, ImageProblem> {
    let mut image = match props.get(keys::OS_IMAGE) {
        Some(name) => {
            let os = view
                .os_image(name)
                .ok_or_else(|| ImageProblem::MissingOsImage { name: name.clone() })?;
            DesiredImage {
                os_image: Some(name.clone()),
                url: os.url().unwrap_or_default().to_string(),
                checksum: os.checksum().map(str::to_string),
            }
        }
        None => DesiredImage {
            os_image: None,
            url: String::new(),
            checksum: None,
        },
    };
    if let Some(url) = props.get(keys::IMAGE_URL).filter(|u| !u.is_empty()) {
        image.url = url.clone();
    }
    if let Some(sum) = props.get(keys::IMAGE_CHECKSUM).filter(|s| !s.is_empty()) {
        image.checksum = Some(sum.clone());
    }
    if image.url.is_empty() {
        return Err(match image.os_image {
            Some(name) => ImageProblem::OsImageWithoutUrl { name },
            None => ImageProblem::NoImageConfigured,
        });
    }
    Ok(image)
}

/// Whether a claim's server runs the image it should.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "drift", rename_all = "snake_case")]
pub enum Drift {
    /// The held server runs the desired image URL.
    InSync,
    /// The platform will roll the claim over (guide, "Rotating OS images").
    Drifted {
        /// What the claim should run.
        desired: DesiredImage,
        /// The URL the server was provisioned with (`status.provisioning.image.url`, else `spec.image.url`).
        actual_url: String,
    },
    /// No held server, or nothing to compare.
    Unknown {
        /// Why there is nothing to compare, for people.
        why: String,
    },
}

impl Drift {
    /// Whether the claim will be rolled over.
    pub fn is_drifted(&self) -> bool {
        matches!(self, Drift::Drifted { .. })
    }
}

/// Drift: the claim's desired image (claim > node type > provider, through its OSImage)
/// against the image its server was provisioned with. Drifted if the URL or checksum differ.
///
/// Source: guide, "Rotating OS images" ("The node type change causes drift. The platform
/// detects that running Machines no longer match the node type and rolls them over").
pub fn claim_drift<V: FleetView + ?Sized>(view: &V, c: ClaimId) -> Drift {
    let fleet = view.fleet();
    let claim = fleet.claim(c);
    let Some(h) = claim.host else {
        return Drift::Unknown {
            why: "the claim holds no server".into(),
        };
    };
    if let Some(method) = fleet.host(h).object.custom_deploy() {
        return Drift::Unknown {
            why: format!(
                "the server was deployed by customDeploy method {method}, with no image URL: \
                 no basis for drift"
            ),
        };
    }
    let Some(actual) = fleet.host(h).actual_image() else {
        return Drift::Unknown {
            why: "the server reports no image".into(),
        };
    };
    let desired = match desired_image(view, c) {
        Ok(d) => d,
        Err(problem) => {
            return Drift::Unknown {
                why: problem.to_string(),
            };
        }
    };
    let checksum_differs = match (&desired.checksum, &actual.checksum) {
        (Some(want), Some(have)) => want != have,
        _ => false,
    };
    if desired.url != actual.url || checksum_differs {
        Drift::Drifted {
            actual_url: actual.url.clone(),
            desired,
        }
    } else {
        Drift::InSync
    }
}

/// The platform's own drift verdict: the claim's `NotDrifted` condition, `Some(true)` when
/// it is `False` (drifted), `Some(false)` when `True`, `None` when absent or `Unknown`.
///
/// Source: public `loft-sh/api` storage/v1 NodeClaim conditions ("NotDrifted is the
/// condition that indicates if the node claim is not drifted from the desired state").
pub fn platform_drifted(claim: &super::Claim) -> Option<bool> {
    let status = claim.object.status.as_ref()?;
    match status
        .condition(crate::model::claim::NOT_DRIFTED)?
        .status
        .as_str()
    {
        "True" => Some(false),
        "False" => Some(true),
        _ => None,
    }
}

/// Whether the platform's verdict ([`platform_drifted`]) contradicts gpufleet's drift: it
/// says drifted where gpufleet finds the server in sync or cannot tell, or not drifted where
/// gpufleet finds drift.
pub fn verdicts_differ(platform: Option<bool>, drift: &Drift) -> bool {
    matches!(
        (platform, drift),
        (Some(true), Drift::InSync | Drift::Unknown { .. }) | (Some(false), Drift::Drifted { .. })
    )
}

/// Where the platform's drift verdict and gpufleet's differ, in words; `None` when they
/// agree or the platform says nothing.
pub fn drift_disagreement<V: FleetView + ?Sized>(view: &V, c: ClaimId) -> Option<String> {
    let claim = view.fleet().claim(c);
    let platform = platform_drifted(claim)?;
    let reason = claim
        .object
        .status
        .as_ref()
        .and_then(|s| s.condition(crate::model::claim::NOT_DRIFTED))
        .and_then(|cond| cond.reason.as_deref().or(cond.message.as_deref()))
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    match (platform, claim_drift(view, c)) {
        (true, Drift::InSync) => Some(format!(
            "the platform says drifted (NotDrifted False{reason}); gpufleet finds the server \
             running its node type's image"
        )),
        (true, Drift::Unknown { why }) => Some(format!(
            "the platform says drifted (NotDrifted False{reason}); gpufleet cannot tell: {why}"
        )),
        (
            false,
            Drift::Drifted {
                desired,
                actual_url,
            },
        ) => Some(format!(
            "the platform says not drifted (NotDrifted True{reason}); gpufleet finds the server \
             running {actual_url} where its node type wants {}",
            desired.url
        )),
        _ => None,
    }
}

/// The most GPUs one server is taken to hold. A count above it (a `gpu-count` label, an
/// inventory Machine's capabilities, a node type's `nvidia.com/gpu`) is not one server's GPUs
/// but a typo or hostile input, and is ignored, so no sum of a fleet's GPUs can overflow. The
/// largest single servers hold 16 GPUs; an NVL72 rack holds 72 across 18 servers.
pub const MAX_GPUS_PER_HOST: u32 = 1024;

/// A host's `gpu-count` label read as a GPU count: `None` without the label, `Some(Err(value))`
/// when it is not a whole number from 0 to [`MAX_GPUS_PER_HOST`] (lint
/// `gpu-count-label-invalid`).
pub fn gpu_count_label(labels: &Labels) -> Option<Result<u32, &str>> {
    let value = labels.get(keys::GPU_COUNT)?;
    let parsed = (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
        .then(|| value.parse::<u32>().ok())
        .flatten()
        .filter(|&n| n <= MAX_GPUS_PER_HOST);
    Some(parsed.ok_or(value.as_str()))
}

/// GPUs in a host: its `gpu-count` label, else the GPU capabilities of its inventory
/// Machine, else the `nvidia.com/gpu` of the node type that holds it, else of the first node
/// type that matches it; a count above [`MAX_GPUS_PER_HOST`] is passed over.
///
/// Source: guide, "Recommended labels" (`gpu-count`), "One node type per hardware profile";
/// public `loft-sh/api` storage/v1 Machine (`status.hardware.capabilities[]` of type GPU with a
/// count).
pub fn host_gpus(
    fleet: &Fleet,
    labels: &Labels,
    machine: Option<&crate::model::Machine>,
    holder_type: Option<NodeTypeId>,
    matches: &[NodeTypeId],
) -> u32 {
    if let Some(Ok(n)) = gpu_count_label(labels) {
        return n;
    }
    if let Some(n) = machine
        .and_then(|m| m.gpus())
        .filter(|&n| n <= MAX_GPUS_PER_HOST)
    {
        return n;
    }
    holder_type
        .into_iter()
        .chain(matches.iter().copied())
        .map(|t| fleet.node_type(t).gpus)
        .find(|&g| g > 0 && g <= MAX_GPUS_PER_HOST)
        .unwrap_or(0)
}

/// Where [`host_gpus`] took a host's GPU count from, for people: `label gpu-count`, `inventory
/// Machine`, `node type nvidia.com/gpu`, or `no GPU count` (0).
pub fn host_gpus_source(
    labels: &Labels,
    machine: Option<&crate::model::Machine>,
    gpus: u32,
) -> &'static str {
    if let Some(Ok(_)) = gpu_count_label(labels) {
        "label gpu-count"
    } else if machine
        .and_then(|m| m.gpus())
        .is_some_and(|n| n <= MAX_GPUS_PER_HOST)
    {
        "inventory Machine"
    } else if gpus > 0 {
        "node type nvidia.com/gpu"
    } else {
        "no GPU count"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Quantity;

    fn resources(pairs: &[(&str, &str)]) -> ResourceList {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Quantity::new(*v)))
            .collect()
    }

    #[test]
    fn default_cost_follows_the_guide() {
        // 96 CPUs, 768Gi (824.6 GB), 8 GPUs: 960 + 1649 + 80000.
        let h100 = resources(&[("cpu", "96"), ("memory", "768Gi"), ("nvidia.com/gpu", "8")]);
        assert_eq!(default_cost(&h100), 960 + 1649 + 80000);
        assert_eq!(default_cost(&resources(&[("cpu", "500m")])), 5);
        assert_eq!(default_cost(&resources(&[("memory", "1G")])), 2);
        assert_eq!(
            default_cost(&resources(&[("example.com/fpga", "2")])),
            20000
        );
        assert_eq!(default_cost(&ResourceList::new()), 0);
    }

    #[test]
    fn explicit_cost_wins() {
        let r = resources(&[("cpu", "96")]);
        assert_eq!(
            effective_cost(&r, Some(500000)),
            (500000, CostSource::Explicit)
        );
        assert_eq!(effective_cost(&r, None), (960, CostSource::Default));
    }
}
