//! Counts per rack, datacenter, NVLink domain, tenant and node type: hosts by state and
//! GPUs total, free and claimed; for node types and tenants also their own figures
//! ([`super::figures`]), the ones the dashboard shows.

use super::figures::{ClaimCounts, TenantFigures, TypeFigures, every_type_figures, tenant_figures};
use super::{Fleet, FleetView, HostId, UNLABELLED};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Counts over one group of hosts (the fleet, a cluster, datacenter, rack, NVLink domain,
/// tenant or node type). Every figure is a count: hosts, or GPUs from each host's derived GPU
/// count.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupCounts {
    /// The group: `fleet`, a cluster, a `datacenter` label, `datacenter/rack`, an
    /// `nvlink-domain` label, a tenant or a node type's full name; `(none)` for hosts without
    /// the label.
    pub name: String,
    /// Racks and NVLink domains: the Metal3 cluster of their hosts, when they have one (rack
    /// and domain labels repeat across clusters; the name alone may not tell two apart).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Hosts in the group.
    pub hosts: u32,
    /// Hosts by state as the dashboard shows it ("available", "provisioned (error)").
    pub states: BTreeMap<String, u32>,
    /// Hosts whose `status.operationalStatus` is `error`.
    pub hosts_in_error: u32,
    /// GPUs on every host of the group.
    pub gpus_total: u32,
    /// GPUs on hosts free for a new claim.
    pub gpus_free: u32,
    /// GPUs on hosts a claim holds (any claim: for a node type, its own and those through
    /// other types).
    pub gpus_claimed: u32,
    /// Node types only: the type's hosts by what they are to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_type: Option<TypeFigures>,
    /// Tenants only: reserved hosts, hosts in use, eligible GPUs, claims by phase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<TenantFigures>,
    /// The fleet only: every claim by phase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<ClaimCounts>,
}

/// The fleet counted every way the dashboard and `gpufleet summary` show it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Every host, with every claim by phase.
    pub fleet: GroupCounts,
    /// Hosts by the Metal3 cluster they live in (a provider's `clusterRef.cluster`; `(none)`
    /// for hosts of no named cluster).
    pub clusters: Vec<GroupCounts>,
    /// Hosts by `datacenter` label.
    pub datacenters: Vec<GroupCounts>,
    /// Hosts by rack ([`super::RackKey`]), named `datacenter/rack`, with their cluster.
    pub racks: Vec<GroupCounts>,
    /// Hosts by NVLink domain ([`super::DomainKey`]), named by label, with their cluster.
    pub nvlink_domains: Vec<GroupCounts>,
    /// Per tenant, the hosts reserved for it (`tenant` label) or held by its claims, with
    /// its own figures.
    pub tenants: Vec<GroupCounts>,
    /// Per node type, the hosts its selector matches, with its own figures.
    pub node_types: Vec<GroupCounts>,
}

/// Counts over a set of hosts.
pub fn count_hosts<V: FleetView + ?Sized>(
    view: &V,
    name: &str,
    hosts: impl IntoIterator<Item = HostId>,
) -> GroupCounts {
    let fleet = view.fleet();
    let mut g = GroupCounts {
        name: name.to_string(),
        ..GroupCounts::default()
    };
    for h in hosts {
        let host = fleet.host(h);
        let gpus = view.derived(h).gpus;
        g.hosts += 1;
        *g.states.entry(host.state.label()).or_default() += 1;
        g.hosts_in_error += u32::from(host.state.is_error());
        g.gpus_total += gpus;
        if view.holder(h).is_some() {
            g.gpus_claimed += gpus;
        } else if view.is_free(h) {
            g.gpus_free += gpus;
        }
    }
    g
}

/// Counts the fleet by every grouping of [`Summary`].
pub fn summarize(fleet: &Fleet) -> Summary {
    let groups = fleet.groups();
    let by = |map: &BTreeMap<String, Vec<HostId>>| -> Vec<GroupCounts> {
        map.iter()
            .map(|(name, hosts)| count_hosts(fleet, name, hosts.iter().copied()))
            .collect()
    };
    // A rack is named `datacenter/rack` and a domain by its label, each with its cluster.
    let in_cluster = |cluster: &str, name: String, hosts: &[HostId]| GroupCounts {
        cluster: (!cluster.is_empty()).then(|| cluster.to_string()),
        ..count_hosts(fleet, &name, hosts.iter().copied())
    };
    let racks = groups
        .racks
        .iter()
        .map(|(k, hosts)| in_cluster(&k.cluster, format!("{}/{}", k.datacenter, k.rack), hosts))
        .collect();
    let nvlink_domains = groups
        .nvlink_domains
        .iter()
        .map(|(k, hosts)| in_cluster(&k.cluster, k.domain.clone(), hosts))
        .collect();
    let tenants = groups
        .tenants
        .iter()
        .map(|(name, t)| {
            let hosts: BTreeSet<HostId> = t
                .reserved_hosts
                .iter()
                .chain(t.held_hosts.iter())
                .copied()
                .collect();
            GroupCounts {
                tenant: Some(tenant_figures(fleet, name)),
                ..count_hosts(fleet, name, hosts)
            }
        })
        .collect();
    let figures = every_type_figures(fleet);
    let node_types = fleet
        .node_type_ids()
        .map(|t| GroupCounts {
            node_type: figures.get(t.index()).copied(),
            ..count_hosts(
                fleet,
                &fleet.node_type(t).name,
                fleet.type_hosts(t).iter().copied(),
            )
        })
        .collect();
    Summary {
        fleet: GroupCounts {
            claims: Some(ClaimCounts::of(fleet, fleet.claim_ids())),
            ..count_hosts(fleet, "fleet", fleet.host_ids())
        },
        clusters: by(&by_cluster(fleet)),
        datacenters: by(&groups.datacenters),
        racks,
        nvlink_domains,
        tenants,
        node_types,
    }
}

/// Hosts by their Metal3 cluster.
fn by_cluster(fleet: &Fleet) -> BTreeMap<String, Vec<HostId>> {
    let mut out: BTreeMap<String, Vec<HostId>> = BTreeMap::new();
    for h in fleet.host_ids() {
        let cluster = &fleet.host(h).cluster;
        let name = if cluster.is_empty() {
            UNLABELLED.to_string()
        } else {
            cluster.clone()
        };
        out.entry(name).or_default().push(h);
    }
    out
}

/// Whether a group name stands for hosts without the grouping label.
pub fn is_unlabelled(name: &str) -> bool {
    name == UNLABELLED || name.split('/').any(|part| part == UNLABELLED)
}
