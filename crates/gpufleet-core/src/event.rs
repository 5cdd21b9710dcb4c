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

    /// Whether objects of the kind live in a namespace (BareMetalHost, NodeClaim,
    /// HardwareData); the platform's other kinds are cluster-scoped.
    pub fn is_namespaced(self) -> bool {
        matches!(
            self,
            Kind::BareMetalHost | Kind::NodeClaim | Kind::HardwareData
        )
    }

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
        /// When the watch first failed (through every retry since); what is shown was read
        /// before.
        since: SystemTime,
        /// The failure, one line: the server's answer, or the client's error, and the fix
        /// where one helps.
        reason: String,
        /// What kind of failure: how it is retried and shown.
        trouble: Trouble,
        /// When the next attempt starts; `None` when it is not known (or under way).
        retry_at: Option<SystemTime>,
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

    /// A watch that cannot reach its server, failing since `since`, for `reason`, with no
    /// attempt planned that it knows of ([`Trouble::Unreachable`]).
    pub fn stale(since: SystemTime, reason: impl Into<String>) -> WatchState {
        WatchState::Stale {
            since,
            reason: reason.into(),
            trouble: Trouble::Unreachable,
            retry_at: None,
        }
    }

    /// The failure as the status line and the progress line say it, at `now`, for a failure
    /// the server answered ([`Trouble::is_answer`]): `throttled (429), retrying in 12s`,
    /// `relisting (410), next in 8s`; `None` for a watch that is not failing so, or a
    /// server that did not answer (shown by how long it has been stale).
    pub fn failure_text(&self, now: SystemTime) -> Option<String> {
        let WatchState::Stale {
            trouble, retry_at, ..
        } = self
        else {
            return None;
        };
        if !trouble.is_answer() {
            return None;
        }
        let words = trouble.words();
        let left = retry_at
            .and_then(|at| at.duration_since(now).ok())
            .filter(|left| !left.is_zero());
        Some(match (left, trouble) {
            (Some(left), Trouble::Expired) => format!("{words}, next in {}", seconds(left)),
            (Some(left), _) => format!("{words}, retrying in {}", seconds(left)),
            (None, Trouble::Expired) => words,
            (None, _) => format!("{words}, retrying"),
        })
    }
}

impl WatchState {
    /// A failing watch's failure in one line, for where it stands alone (the stale banner,
    /// a warning, `:ctx`): the answer's words and its reason (`throttled (429): the API
    /// server says: …`, `unauthorized (401): the token of user u … was refused; …`), or the
    /// reason alone where it says it already (a kind not served, a connection that failed).
    /// `None` for a watch that is not failing.
    pub fn failure_line(&self) -> Option<String> {
        let WatchState::Stale {
            reason, trouble, ..
        } = self
        else {
            return None;
        };
        Some(match trouble {
            Trouble::Unreachable | Trouble::Other | Trouble::NotServed => reason.clone(),
            answered => format!("{}: {reason}", answered.words()),
        })
    }
}

/// A wait as a countdown reads: `8s`, `2m` (rounded up: never `0s` while it lasts).
fn seconds(left: std::time::Duration) -> String {
    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    if secs < 120 {
        format!("{secs}s")
    } else {
        format!("{}m", secs.div_ceil(60))
    }
}

/// What kind of failure a failing watch is in: how it is retried, how it is shown, and
/// whether a one-shot command can still hope for it. Each answer of the API server is told
/// as the server gave it (its code), never as "syncing".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trouble {
    /// The server could not be reached or stopped answering: connection refused or reset, a
    /// timeout, a watch stream that ended.
    Unreachable,
    /// `410 Gone`: the watch's resourceVersion expired; it lists again.
    Expired,
    /// `429 Too Many Requests`: the server throttles; retried no sooner than its
    /// `Retry-After`.
    Throttled,
    /// A `5xx` answer: the server failed (500) or is unavailable (503).
    ServerError {
        /// The HTTP status code.
        code: u16,
    },
    /// `401 Unauthorized`: the credentials were refused.
    Unauthorized,
    /// `403 Forbidden`: the user may not list or watch the kind.
    Forbidden,
    /// The server's TLS certificate does not fit: signed by an unknown authority, expired,
    /// or for another host name.
    Certificate,
    /// `404 Not Found` for a kind gpufleet needs: the cluster does not serve it (its
    /// CustomResourceDefinition absent or deleted, an aggregated API down).
    NotServed,
    /// Any other answer (another `4xx`, a body that could not be read).
    Other,
}

impl Trouble {
    /// No retry helps until someone acts (credentials, RBAC, a certificate, a CRD): a
    /// one-shot command ends at once; the dashboard keeps retrying, slowly.
    pub fn is_permanent(self) -> bool {
        matches!(
            self,
            Trouble::Unauthorized | Trouble::Forbidden | Trouble::Certificate | Trouble::NotServed
        )
    }

    /// Whether the server (or its certificate) answered: shown as the answer
    /// ([`WatchState::failure_text`]) rather than as a stale age.
    pub fn is_answer(self) -> bool {
        !matches!(self, Trouble::Unreachable | Trouble::Other)
    }

    /// A few words for a status line: `relisting (410)`, `throttled (429)`,
    /// `unavailable (503)`, `server error (500)`, `unauthorized (401)`, `forbidden (403)`,
    /// `certificate refused`, `not served (404)`, `unreachable`, `failing`.
    pub fn words(self) -> String {
        match self {
            Trouble::Unreachable => "unreachable".into(),
            Trouble::Expired => "relisting (410)".into(),
            Trouble::Throttled => "throttled (429)".into(),
            Trouble::ServerError { code: 503 } => "unavailable (503)".into(),
            Trouble::ServerError { code } => format!("server error ({code})"),
            Trouble::Unauthorized => "unauthorized (401)".into(),
            Trouble::Forbidden => "forbidden (403)".into(),
            Trouble::Certificate => "certificate refused".into(),
            Trouble::NotServed => "not served (404)".into(),
            Trouble::Other => "failing".into(),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn failing(trouble: Trouble, retry_in: Option<u64>) -> (WatchState, SystemTime) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let state = WatchState::Stale {
            since: now,
            reason: "why".into(),
            trouble,
            retry_at: retry_in.map(|s| now + Duration::from_millis(s * 1000 - 300)),
        };
        (state, now)
    }

    /// An answer says its code and when the next attempt is, rounded up; a server that did
    /// not answer is told by its age elsewhere.
    #[test]
    fn a_failure_says_the_answer_and_the_countdown() {
        let text = |trouble, retry_in| {
            let (state, now) = failing(trouble, retry_in);
            state.failure_text(now)
        };
        assert_eq!(
            text(Trouble::Expired, Some(8)).as_deref(),
            Some("relisting (410), next in 8s")
        );
        assert_eq!(
            text(Trouble::Throttled, Some(12)).as_deref(),
            Some("throttled (429), retrying in 12s")
        );
        assert_eq!(
            text(Trouble::ServerError { code: 503 }, Some(300)).as_deref(),
            Some("unavailable (503), retrying in 5m")
        );
        assert_eq!(
            text(Trouble::Forbidden, None).as_deref(),
            Some("forbidden (403), retrying")
        );
        assert_eq!(
            text(Trouble::Expired, None).as_deref(),
            Some("relisting (410)")
        );
        assert_eq!(text(Trouble::Unreachable, Some(3)), None);
        let (state, _) = failing(Trouble::Unauthorized, None);
        assert_eq!(
            state.failure_line().as_deref(),
            Some("unauthorized (401): why")
        );
        let (state, _) = failing(Trouble::NotServed, None);
        assert_eq!(state.failure_line().as_deref(), Some("why"));
        assert!(
            Trouble::Certificate.is_permanent() && !Trouble::Throttled.is_permanent(),
            "only what no retry helps"
        );
    }
}
