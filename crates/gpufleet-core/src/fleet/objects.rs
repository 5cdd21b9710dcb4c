//! The raw objects a fleet is built from, as the sources deliver them. Objects are
//! shared (`Arc`), so building a new fleet snapshot never copies them.

use super::HostKey;
use crate::model::{
    BareMetalHost, HardwareData, Machine, NodeClaim, NodeProvider, NodeType, OsImage,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Namespace and name of a namespaced object.
pub type ObjectKey = (String, String);

/// Every object a fleet is built from, one map per kind, keyed as the API tells objects
/// apart: cluster-scoped kinds by name, namespaced kinds by namespace and name, and the
/// Metal3 kinds also by their cluster. One object per key: a later one replaces it.
#[derive(Clone, Debug, Default)]
pub struct FleetObjects {
    /// BareMetalHosts by cluster, namespace and name (each object's `cluster` is its key's).
    pub hosts: BTreeMap<HostKey, Arc<BareMetalHost>>,
    /// NodeProviders (cluster-scoped), by name.
    pub providers: BTreeMap<String, Arc<NodeProvider>>,
    /// NodeTypes (cluster-scoped), by name (`<provider>.<type>`).
    pub node_types: BTreeMap<String, Arc<NodeType>>,
    /// NodeClaims, by project namespace and name.
    pub claims: BTreeMap<ObjectKey, Arc<NodeClaim>>,
    /// OSImages (cluster-scoped), by name: what `vcluster.com/os-image` names.
    pub os_images: BTreeMap<String, Arc<OsImage>>,
    /// Inventory machines, by name (`<provider>.<host>`); none where the kind is not served.
    pub machines: BTreeMap<String, Arc<Machine>>,
    /// Metal3 HardwareData, by the key of their BareMetalHost (same cluster, namespace, name).
    pub hardware_data: BTreeMap<HostKey, Arc<HardwareData>>,
}

fn key_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> ObjectKey {
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
    )
}

fn name_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

/// One object of any kind gpufleet reads.
#[derive(Clone, Debug)]
pub enum FleetObject {
    /// A Metal3 BareMetalHost.
    Host(Arc<BareMetalHost>),
    /// A vCluster Platform NodeProvider.
    Provider(Arc<NodeProvider>),
    /// A vCluster Platform NodeType.
    NodeType(Arc<NodeType>),
    /// A vCluster Platform NodeClaim.
    Claim(Arc<NodeClaim>),
    /// A vCluster Platform OSImage.
    OsImage(Arc<OsImage>),
    /// A vCluster Platform inventory Machine (4.13+).
    Machine(Arc<Machine>),
    /// A Metal3 HardwareData.
    HardwareData(Arc<HardwareData>),
}

impl FleetObjects {
    /// Adds the object, replacing the one of the same key (a missing name or namespace
    /// counts as empty).
    pub fn insert(&mut self, object: FleetObject) {
        match object {
            FleetObject::Host(o) => {
                self.hosts.insert(HostKey::of(&o.cluster, &o.metadata), o);
            }
            FleetObject::Provider(o) => {
                self.providers.insert(name_of(&o.metadata), o);
            }
            FleetObject::NodeType(o) => {
                self.node_types.insert(name_of(&o.metadata), o);
            }
            FleetObject::Claim(o) => {
                self.claims.insert(key_of(&o.metadata), o);
            }
            FleetObject::OsImage(o) => {
                self.os_images.insert(name_of(&o.metadata), o);
            }
            FleetObject::Machine(o) => {
                self.machines.insert(name_of(&o.metadata), o);
            }
            FleetObject::HardwareData(o) => {
                self.hardware_data
                    .insert(HostKey::of(&o.cluster, &o.metadata), o);
            }
        }
    }

    /// Removes the object of the same key as `object`, if there is one.
    pub fn remove(&mut self, object: &FleetObject) {
        match object {
            FleetObject::Host(o) => {
                self.hosts.remove(&HostKey::of(&o.cluster, &o.metadata));
            }
            FleetObject::Provider(o) => {
                self.providers.remove(&name_of(&o.metadata));
            }
            FleetObject::NodeType(o) => {
                self.node_types.remove(&name_of(&o.metadata));
            }
            FleetObject::Claim(o) => {
                self.claims.remove(&key_of(&o.metadata));
            }
            FleetObject::OsImage(o) => {
                self.os_images.remove(&name_of(&o.metadata));
            }
            FleetObject::Machine(o) => {
                self.machines.remove(&name_of(&o.metadata));
            }
            FleetObject::HardwareData(o) => {
                self.hardware_data
                    .remove(&HostKey::of(&o.cluster, &o.metadata));
            }
        }
    }

    /// The resourceVersion of the object of `kind` (`BareMetalHost`, `NodeClaim`,
    /// `NodeProvider`, `NodeType`, `OSImage`) named `name` (in `namespace` when namespaced,
    /// and for a host in `cluster`; a host named without a cluster, as audit records written
    /// before fleets spanned clusters name them, is looked for in the only cluster when all
    /// hosts are of one): `None` when there is no such object, `Some(None)` when it has no
    /// version.
    pub fn resource_version(
        &self,
        kind: &str,
        cluster: Option<&str>,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Option<&str>> {
        let key = || (namespace.unwrap_or_default().to_string(), name.to_string());
        let meta = match kind {
            "BareMetalHost" => {
                let cluster = match cluster {
                    Some(c) => c,
                    None => self.only_cluster()?,
                };
                let key = HostKey::new(cluster, namespace.unwrap_or_default(), name);
                &self.hosts.get(&key)?.metadata
            }
            "NodeClaim" => &self.claims.get(&key())?.metadata,
            "NodeProvider" => &self.providers.get(name)?.metadata,
            "NodeType" => &self.node_types.get(name)?.metadata,
            "OSImage" => &self.os_images.get(name)?.metadata,
            _ => return None,
        };
        Some(meta.resource_version.as_deref())
    }

    /// The cluster of every host, when all hosts are of one (`None` without hosts).
    pub fn only_cluster(&self) -> Option<&str> {
        let first = self.hosts.keys().next()?;
        let last = self.hosts.keys().next_back()?;
        (first.cluster == last.cluster).then_some(first.cluster.as_str())
    }

    /// How many objects, of every kind.
    pub fn len(&self) -> usize {
        self.hosts.len()
            + self.providers.len()
            + self.node_types.len()
            + self.claims.len()
            + self.os_images.len()
            + self.machines.len()
            + self.hardware_data.len()
    }

    /// Whether there is no object of any kind.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<BareMetalHost> for FleetObject {
    fn from(o: BareMetalHost) -> Self {
        FleetObject::Host(Arc::new(o))
    }
}
impl From<NodeProvider> for FleetObject {
    fn from(o: NodeProvider) -> Self {
        FleetObject::Provider(Arc::new(o))
    }
}
impl From<NodeType> for FleetObject {
    fn from(o: NodeType) -> Self {
        FleetObject::NodeType(Arc::new(o))
    }
}
impl From<NodeClaim> for FleetObject {
    fn from(o: NodeClaim) -> Self {
        FleetObject::Claim(Arc::new(o))
    }
}
impl From<OsImage> for FleetObject {
    fn from(o: OsImage) -> Self {
        FleetObject::OsImage(Arc::new(o))
    }
}
impl From<Machine> for FleetObject {
    fn from(o: Machine) -> Self {
        FleetObject::Machine(Arc::new(o))
    }
}
impl From<HardwareData> for FleetObject {
    fn from(o: HardwareData) -> Self {
        FleetObject::HardwareData(Arc::new(o))
    }
}

impl FleetObject {
    /// The object's metadata, whatever its kind.
    pub fn metadata(&self) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
        match self {
            FleetObject::Host(o) => &o.metadata,
            FleetObject::Provider(o) => &o.metadata,
            FleetObject::NodeType(o) => &o.metadata,
            FleetObject::Claim(o) => &o.metadata,
            FleetObject::OsImage(o) => &o.metadata,
            FleetObject::Machine(o) => &o.metadata,
            FleetObject::HardwareData(o) => &o.metadata,
        }
    }
}
