//! A deterministic fleet generator: datacenters of racks, NVL72-style NVLink domains of 18
//! hosts, 8-GPU HGX hosts, tenants with reserved racks and their own node types, claims in
//! every phase, hosts in error, inspecting or unlabelled, and some drift. Tests, benchmarks,
//! the demo and the screenshots all use it; the YAML it writes can be `kubectl apply`-ed.
//!
//! [`generate`] runs six phases, each a function of the plan before it and the one seeded
//! [`Rng`]: the catalog (what there is to draw from), the layout (racks, hosts and
//! reservations), providers and types, hosts (states, labels, hardware and who holds them),
//! claims, and status (the platform's NodeTypes). The same configuration gives the same
//! fleet, byte for byte, on every version: tests pin it (`seeds_are_stable`), so a phase may
//! not change how many draws it takes or in what order.

mod catalog;
mod claims;
mod hosts;
mod layout;
mod providers;
mod rng;
mod status;

pub use rng::Rng;

use crate::fleet::FleetObjects;
use crate::model::{BareMetalHost, Manifest};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::{BTreeMap, BTreeSet};

/// What to generate. [`GenerateConfig::new`] gives the defaults for a size and seed.
#[derive(Clone, Debug)]
pub struct GenerateConfig {
    /// BareMetalHosts to generate. The CLI takes up to 100,000; the generator itself takes any
    /// number (0 gives only the OS images, providers and namespaces).
    pub hosts: usize,
    /// The seed of the [`Rng`]: equal configs give equal fleets.
    pub seed: u64,
    /// Tenants, 1 to [`MAX_TENANTS`] (more are cut to it, 0 is 1). Defaults to one per
    /// 800 hosts, between 3 and 30.
    pub tenants: Option<usize>,
    /// NodeClaims: one in 25 waits (at least one when any), the rest hold a host, at most
    /// 87% of the hosts (97% usable, 90% of those claimed); claims beyond that are not
    /// generated. Defaults to 80% of the hosts.
    pub claims: Option<usize>,
}

impl GenerateConfig {
    /// `hosts` hosts from `seed`, with the default tenants and claims.
    pub fn new(hosts: usize, seed: u64) -> Self {
        GenerateConfig {
            hosts,
            seed,
            tenants: None,
            claims: None,
        }
    }
}

/// Most tenants a generated fleet has (one per built-in tenant name).
pub const MAX_TENANTS: usize = catalog::TENANTS.len();

/// An OS image a host ran before the current one: some hosts still run it (drift).
pub const IMAGE_OLD: &str = "ubuntu-noble-gpu-2026-09";
/// The OS image most node types ask for.
pub const IMAGE_CURRENT: &str = "ubuntu-noble-gpu-2026-10";
/// A new OS image mid-rotation: H100 node types ask for it, many of their hosts still run
/// [`IMAGE_CURRENT`].
pub const IMAGE_NEW: &str = "ubuntu-noble-gpu-2026-11";
/// An incomplete OS image: its OSImage has a URL but no checksum.
pub const IMAGE_INCOMPLETE: &str = "rocky9-gpu-eval";

/// The generated objects, plus the namespaces they need.
pub struct Generated {
    /// OSImages, NodeProviders, the platform's NodeTypes (with status), BareMetalHosts (each
    /// in its datacenter's Metal3 cluster) and NodeClaims.
    pub objects: FleetObjects,
    /// Every namespace the objects live in: `metal3-<code>` per datacenter and each tenant's
    /// project namespace.
    pub namespaces: BTreeSet<String>,
}

/// Generates a fleet. The same config always gives the same fleet, byte for byte in
/// [`to_yaml`]. Never fails and never panics, whatever the config.
pub fn generate(config: &GenerateConfig) -> Generated {
    let mut rng = Rng::new(config.seed);
    let catalog = catalog::plan(config);
    let layout = layout::plan(catalog, &mut rng);
    let platform = providers::plan(layout);
    let hosted = hosts::plan(platform, &mut rng);
    let claimed = claims::plan(hosted, &mut rng);
    status::plan(claimed)
}

/// The Metal3 cluster of a datacenter (`use1-infra` for `use1`): one per datacenter, named by
/// its provider's `spec.metal3.clusterRef.cluster`.
pub fn metal3_cluster(code: &str) -> String {
    format!("{code}-infra")
}

/// Metadata with only a name (a cluster-scoped object).
fn named(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        ..ObjectMeta::default()
    }
}

/// The fleet as multi-document YAML: namespaces, OSImages, NodeProviders, NodeTypes,
/// BareMetalHosts, NodeClaims.
pub fn to_yaml(generated: &Generated) -> String {
    let o = &generated.objects;
    let mut docs: Vec<serde_json::Value> = generated.namespaces.iter().map(namespace).collect();
    docs.extend(platform_docs(o));
    docs.extend(o.hosts.values().map(|x| x.to_manifest()));
    docs.extend(o.claims.values().map(|x| x.to_manifest()));
    yaml_stream(docs)
}

/// The file of the platform's objects in [`to_dir`]'s layout.
pub const PLATFORM_FILE: &str = "platform.yaml";
/// The file of a cluster's BareMetalHosts in [`to_dir`]'s layout, below its directory.
pub const HOSTS_FILE: &str = "hosts.yaml";

/// The fleet as one directory per Metal3 cluster, the layout `-f DIR` reads back with each
/// host in its cluster (the directory's name): `platform.yaml` (the namespaces no host lives
/// in, OSImages, NodeProviders, NodeTypes, NodeClaims) and `<cluster>/hosts.yaml` (the
/// cluster's host namespaces and BareMetalHosts), as (path relative to the directory, text),
/// platform first, then clusters by name. Hosts of no cluster stay in `platform.yaml`.
pub fn to_dir(generated: &Generated) -> Vec<(std::path::PathBuf, String)> {
    let o = &generated.objects;
    let mut by_cluster: BTreeMap<&str, Vec<&BareMetalHost>> = BTreeMap::new();
    for (key, host) in &o.hosts {
        by_cluster
            .entry(key.cluster.as_str())
            .or_default()
            .push(host);
    }
    let loose = by_cluster.remove("").unwrap_or_default();
    let host_namespaces: BTreeSet<&str> = o
        .hosts
        .keys()
        .filter(|k| !k.cluster.is_empty())
        .map(|k| k.namespace.as_str())
        .collect();
    let mut platform: Vec<serde_json::Value> = generated
        .namespaces
        .iter()
        .filter(|ns| !host_namespaces.contains(ns.as_str()))
        .map(namespace)
        .collect();
    platform.extend(platform_docs(o));
    platform.extend(loose.iter().map(|h| h.to_manifest()));
    platform.extend(o.claims.values().map(|x| x.to_manifest()));
    let mut files = vec![(PLATFORM_FILE.into(), yaml_stream(platform))];
    for (cluster, hosts) in by_cluster {
        let namespaces: BTreeSet<&str> = hosts
            .iter()
            .filter_map(|h| h.metadata.namespace.as_deref())
            .collect();
        let mut docs: Vec<serde_json::Value> = namespaces.into_iter().map(namespace).collect();
        docs.extend(hosts.iter().map(|h| h.to_manifest()));
        files.push((
            std::path::Path::new(cluster).join(HOSTS_FILE),
            yaml_stream(docs),
        ));
    }
    files
}

fn namespace(name: impl AsRef<str>) -> serde_json::Value {
    serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name.as_ref()}})
}

/// OSImages, NodeProviders and NodeTypes.
fn platform_docs(o: &FleetObjects) -> impl Iterator<Item = serde_json::Value> + '_ {
    o.os_images
        .values()
        .map(|x| x.to_manifest())
        .chain(o.providers.values().map(|x| x.to_manifest()))
        .chain(o.node_types.values().map(|x| x.to_manifest()))
}

fn yaml_stream(docs: Vec<serde_json::Value>) -> String {
    let mut out = String::new();
    for doc in docs {
        out.push_str("---\n");
        out.push_str(&serde_saphyr::to_string(&doc).unwrap_or_default());
    }
    out
}

#[cfg(test)]
mod tests;
