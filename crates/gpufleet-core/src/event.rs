//! What every source (kube watches, the simulator, a file) tells the app: objects applied
//! or deleted, a kind relisted as a whole, and how each watch is doing.

use crate::decode::Rejected;
use crate::fleet::objects::ObjectKey;
use crate::fleet::{FleetObject, FleetObjects, HostKey};
use serde::Serialize;
use std::fmt;
use std::time::SystemTime;

/// The kinds gpufleet watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Metal3's `metal3.io/v1alpha1` BareMetalHost, namespaced, in each provider's Metal3
    /// cluster.
    BareMetalHost,
    /// vCluster Platform's `management.loft.sh/v1` NodeProvider, cluster-scoped.
    NodeProvider,
    /// `management.loft.sh/v1` NodeType, cluster-scoped, one per provider node type.
    NodeType,
    /// `management.loft.sh/v1` NodeClaim, namespaced in a project namespace: the "Machine"
    /// tenants see.
    NodeClaim,
    /// `management.loft.sh/v1` OSImage, cluster-scoped.
    OsImage,
    /// The platform's inventory mirror (4.13+); not served by older platforms.
    Machine,
    /// Metal3's inspected hardware; not served by every baremetal-operator.
    HardwareData,
}

impl Kind {
    /// Every kind, in the order the status line lists them.
    pub const ALL: [Kind; 7] = [
        Kind::BareMetalHost,
        Kind::NodeProvider,
        Kind::NodeType,
        Kind::NodeClaim,
        Kind::OsImage,
        Kind::Machine,
        Kind::HardwareData,
    ];

    /// Kinds a cluster may not serve at all: their absence is "not served", not a failure.
    pub fn is_optional(self) -> bool {
        matches!(self, Kind::Machine | Kind::HardwareData)
    }

    /// Short plural, as the status line shows it.
    pub fn short(self) -> &'static str {
        match self {
            Kind::BareMetalHost => "hosts",
            Kind::NodeProvider => "providers",
            Kind::NodeType => "types",
            Kind::NodeClaim => "claims",
            Kind::OsImage => "images",
            Kind::Machine => "inventory",
            Kind::HardwareData => "hardware",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::BareMetalHost => "BareMetalHost",
            Kind::NodeProvider => "NodeProvider",
            Kind::NodeType => "NodeType",
            Kind::NodeClaim => "NodeClaim",
            Kind::OsImage => "OSImage",
            Kind::Machine => "Machine",
            Kind::HardwareData => "HardwareData",
        })
    }
}

impl FleetObject {
    /// The object's kind.
    pub fn kind(&self) -> Kind {
        match self {
            FleetObject::Host(_) => Kind::BareMetalHost,
            FleetObject::Provider(_) => Kind::NodeProvider,
            FleetObject::NodeType(_) => Kind::NodeType,
            FleetObject::Claim(_) => Kind::NodeClaim,
            FleetObject::OsImage(_) => Kind::OsImage,
            FleetObject::Machine(_) => Kind::Machine,
            FleetObject::HardwareData(_) => Kind::HardwareData,
        }
    }

    /// The Metal3 cluster a BareMetalHost or HardwareData was read from; empty for the
    /// platform's kinds.
    pub fn cluster(&self) -> &str {
        match self {
            FleetObject::Host(o) => &o.cluster,
            FleetObject::HardwareData(o) => &o.cluster,
            _ => "",
        }
    }

    /// The kind, the cluster (see [`FleetObject::cluster`]), then namespace (empty for a
    /// cluster-scoped kind) and name: what tells objects apart.
    pub fn key(&self) -> (Kind, String, ObjectKey) {
        let meta = self.metadata();
        (
            self.kind(),
            self.cluster().to_string(),
            (
                meta.namespace.clone().unwrap_or_default(),
                meta.name.clone().unwrap_or_default(),
            ),
        )
    }
}

/// How one watch is doing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WatchState {
    /// Not connected yet.
    Connecting,
    /// The initial list (or a relist after `410 Gone`) is arriving.
    Syncing {
        /// Objects of the list received so far.
        received: usize,
    },
    /// Up to date and streaming changes.
    Synced {
        /// When the list completed.
        since: SystemTime,
    },
    /// The watch failed; what is shown is as of `since`.
    Stale {
        /// When the watch last failed; what is shown was read before.
        since: SystemTime,
        /// The failure, one line, as the client reported it.
        reason: String,
    },
    /// Read once from files (a dump), complete: nothing watches the files, so what is shown
    /// is as of `at` until gpufleet is started again. Never "streaming changes".
    Loaded {
        /// When the files were read.
        at: SystemTime,
    },
    /// The cluster does not serve this kind (404 for its resource): an optional kind that
    /// is absent, checked again now and then. Complete, with no objects.
    NotServed {
        /// When the cluster answered 404.
        since: SystemTime,
    },
}

impl WatchState {
    /// Complete: synced, read from files, or a kind the cluster does not serve.
    pub fn is_synced(&self) -> bool {
        matches!(
            self,
            WatchState::Synced { .. } | WatchState::Loaded { .. } | WatchState::NotServed { .. }
        )
    }
}

/// What a file source reports besides its objects, one line each, naming file and document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SourceNotes {
    /// Documents and objects that could not be read.
    pub skipped: Vec<String>,
    /// What was read but deserves a look (the same object twice, say).
    pub warnings: Vec<String>,
}

/// One message from a source.
#[derive(Clone, Debug)]
pub enum FleetEvent {
    /// An object was added or changed: it replaces any object of the same key
    /// ([`FleetObject::key`]).
    Applied(FleetObject),
    /// An object was deleted; its last state, as the watch reports it.
    Deleted(FleetObject),
    /// A complete list of one kind: replaces every object of that kind, and every rejection
    /// of it. Sent after the initial list and after a relist, so a half-listed kind is never
    /// shown.
    Replaced {
        /// The kind listed.
        kind: Kind,
        /// For a kind of the Metal3 clusters (BareMetalHost, HardwareData): the one cluster
        /// whose objects the list replaces, the others left as they are. `None`: every
        /// object of the kind.
        cluster: Option<String>,
        /// Every object of the list that fits its type.
        objects: Vec<FleetObject>,
        /// The listed objects that do not fit their type, left out of `objects`.
        rejected: Vec<Rejected>,
    },
    /// An object that does not fit its type was added or changed: any earlier version of it
    /// leaves the fleet, and it is named until it is fixed, deleted or relisted.
    Rejected(Rejected),
    /// What a source that reads everything at once (files) skipped and warns about; replaces
    /// any earlier report.
    Notes(SourceNotes),
    /// A watch changed state.
    Watch {
        /// The kind watched.
        kind: Kind,
        /// The Metal3 cluster of a BareMetalHost or HardwareData watch (one per provider
        /// cluster); `None` for the platform's kinds and sources of one place.
        cluster: Option<String>,
        /// The watch's new state.
        state: WatchState,
    },
    /// A Metal3 cluster no provider names any more: its watches stopped and its objects left.
    ClusterGone(String),
}

impl FleetObjects {
    /// Applies an object event; returns whether the objects changed.
    pub fn apply_event(&mut self, event: &FleetEvent) -> bool {
        match event {
            FleetEvent::Applied(o) => {
                self.insert(o.clone());
                true
            }
            FleetEvent::Deleted(o) => {
                self.remove(o);
                true
            }
            FleetEvent::Replaced {
                kind,
                cluster,
                objects,
                ..
            } => {
                self.clear_kind(*kind, cluster.as_deref());
                for o in objects {
                    self.insert(o.clone());
                }
                true
            }
            FleetEvent::Rejected(r) => self.remove_key(r.kind, &r.cluster, &r.key),
            FleetEvent::ClusterGone(cluster) => {
                let before = self.hosts.len() + self.hardware_data.len();
                self.clear_kind(Kind::BareMetalHost, Some(cluster));
                self.clear_kind(Kind::HardwareData, Some(cluster));
                before != self.hosts.len() + self.hardware_data.len()
            }
            FleetEvent::Watch { .. } | FleetEvent::Notes(_) => false,
        }
    }

    /// Removes the object of this kind and key (for a host or its HardwareData, in
    /// `cluster`), if there is one; returns whether there was. A cluster-scoped kind's key
    /// has an empty namespace.
    pub fn remove_key(&mut self, kind: Kind, cluster: &str, key: &ObjectKey) -> bool {
        let host_key = || HostKey::new(cluster, &key.0, &key.1);
        match kind {
            Kind::BareMetalHost => self.hosts.remove(&host_key()).is_some(),
            Kind::NodeProvider => self.providers.remove(&key.1).is_some(),
            Kind::NodeType => self.node_types.remove(&key.1).is_some(),
            Kind::NodeClaim => self.claims.remove(key).is_some(),
            Kind::OsImage => self.os_images.remove(&key.1).is_some(),
            Kind::Machine => self.machines.remove(&key.1).is_some(),
            Kind::HardwareData => self.hardware_data.remove(&host_key()).is_some(),
        }
    }

    /// Removes every object of `kind`; for a host kind with `cluster`, only that cluster's.
    pub fn clear_kind(&mut self, kind: Kind, cluster: Option<&str>) {
        match (kind, cluster) {
            (Kind::BareMetalHost, Some(c)) => self.hosts.retain(|k, _| k.cluster != c),
            (Kind::HardwareData, Some(c)) => self.hardware_data.retain(|k, _| k.cluster != c),
            _ => self.clear_all(kind),
        }
    }

    fn clear_all(&mut self, kind: Kind) {
        match kind {
            Kind::BareMetalHost => self.hosts.clear(),
            Kind::NodeProvider => self.providers.clear(),
            Kind::NodeType => self.node_types.clear(),
            Kind::NodeClaim => self.claims.clear(),
            Kind::OsImage => self.os_images.clear(),
            Kind::Machine => self.machines.clear(),
            Kind::HardwareData => self.hardware_data.clear(),
        }
    }

    /// How many objects of `kind` are held, over every cluster.
    pub fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::BareMetalHost => self.hosts.len(),
            Kind::NodeProvider => self.providers.len(),
            Kind::NodeType => self.node_types.len(),
            Kind::NodeClaim => self.claims.len(),
            Kind::OsImage => self.os_images.len(),
            Kind::Machine => self.machines.len(),
            Kind::HardwareData => self.hardware_data.len(),
        }
    }
}

impl FleetEvent {
    /// The event as read from Metal3 cluster `cluster`: its hosts and HardwareData carry
    /// the cluster, a list replaces only that cluster's objects, and its watch states and
    /// rejections name it.
    pub fn in_cluster(self, cluster: &str) -> FleetEvent {
        let stamp = |mut o: FleetObject| {
            match &mut o {
                FleetObject::Host(h) => std::sync::Arc::make_mut(h).cluster = cluster.to_string(),
                FleetObject::HardwareData(h) => {
                    std::sync::Arc::make_mut(h).cluster = cluster.to_string()
                }
                _ => {}
            }
            o
        };
        match self {
            FleetEvent::Applied(o) => FleetEvent::Applied(stamp(o)),
            FleetEvent::Deleted(o) => FleetEvent::Deleted(stamp(o)),
            FleetEvent::Replaced {
                kind,
                objects,
                rejected,
                ..
            } => FleetEvent::Replaced {
                kind,
                cluster: Some(cluster.to_string()),
                objects: objects.into_iter().map(stamp).collect(),
                rejected: rejected
                    .into_iter()
                    .map(|r| crate::decode::Rejected {
                        cluster: cluster.to_string(),
                        ..r
                    })
                    .collect(),
            },
            FleetEvent::Rejected(r) => FleetEvent::Rejected(crate::decode::Rejected {
                cluster: cluster.to_string(),
                ..r
            }),
            FleetEvent::Watch { kind, state, .. } => FleetEvent::Watch {
                kind,
                cluster: Some(cluster.to_string()),
                state,
            },
            other => other,
        }
    }
}
