//! A fleet kept current from a stream of [`FleetEvent`]s: the objects, the latest snapshot,
//! and each watch's state. Events are applied as they come; the snapshot is rebuilt only when
//! asked and something changed, so a burst of events costs one rebuild.

use crate::decode::Rejected;
use crate::event::{FleetEvent, Kind, SourceNotes, WatchState};
use crate::fleet::{Fleet, FleetObjects, ObjectKey};
use crate::model::ProjectNamespaces;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

fn rejection_key(r: &Rejected) -> (Kind, String, ObjectKey) {
    (r.kind, r.cluster.clone(), r.key.clone())
}

/// The objects every source reported, the snapshot [`Fleet`] built from them, every watch's
/// state, and what was left out (rejected objects, a file source's notes). Feed it with
/// [`LiveFleet::apply`]; read it through [`LiveFleet::fleet`] after [`LiveFleet::refresh`].
#[derive(Debug)]
pub struct LiveFleet {
    objects: FleetObjects,
    fleet: Arc<Fleet>,
    watches: BTreeMap<Kind, WatchState>,
    /// The watches of each Metal3 cluster (BareMetalHost, HardwareData), by cluster and kind.
    cluster_watches: BTreeMap<(String, Kind), WatchState>,
    /// Objects that do not fit their type, by kind, cluster (for a host kind) and key: left
    /// out of `objects`.
    rejected: BTreeMap<(Kind, String, ObjectKey), Rejected>,
    /// What a file source skipped and warns about.
    notes: SourceNotes,
    dirty: bool,
    /// When the newest object event arrived.
    newest_data: Option<SystemTime>,
    /// How snapshots name project namespaces.
    projects: ProjectNamespaces,
    /// The watches (by cluster, `None` for one watch of a kind, and kind) that have
    /// completed a list at least once: their kind's objects are whole as of that list, even
    /// while the watch relists after a failure.
    listed: std::collections::BTreeSet<(Option<String>, Kind)>,
}

impl Default for LiveFleet {
    fn default() -> Self {
        LiveFleet::new(Kind::ALL)
    }
}

impl LiveFleet {
    /// A fleet fed by watches of these kinds, all connecting.
    pub fn new(kinds: impl IntoIterator<Item = Kind>) -> Self {
        LiveFleet {
            objects: FleetObjects::default(),
            fleet: Arc::new(Fleet::default()),
            watches: kinds
                .into_iter()
                .map(|k| (k, WatchState::Connecting))
                .collect(),
            cluster_watches: BTreeMap::new(),
            rejected: BTreeMap::new(),
            notes: SourceNotes::default(),
            dirty: false,
            newest_data: None,
            projects: ProjectNamespaces::default(),
            listed: Default::default(),
        }
    }

    /// The same fleet, building snapshots that name project namespaces with `projects`.
    pub fn with_projects(mut self, projects: ProjectNamespaces) -> Self {
        self.projects = projects;
        self.fleet = Arc::new(Fleet::build_with(
            self.objects.clone(),
            self.projects.clone(),
        ));
        self
    }

    /// How snapshots name project namespaces.
    pub fn projects(&self) -> &ProjectNamespaces {
        &self.projects
    }

    /// Applies one event: objects and rejections change at once, the snapshot only at the
    /// next [`LiveFleet::refresh`]. A watch event with a cluster replaces the kind's
    /// one-watch entry with per-cluster entries; [`FleetEvent::ClusterGone`] drops that
    /// cluster's watches, objects and rejections.
    pub fn apply(&mut self, event: FleetEvent) {
        match event {
            FleetEvent::Watch {
                kind,
                cluster: None,
                state,
            } => {
                if state.is_synced() {
                    self.listed.insert((None, kind));
                }
                self.watches.insert(kind, state);
                return;
            }
            FleetEvent::Watch {
                kind,
                cluster: Some(cluster),
                state,
            } => {
                if state.is_synced() {
                    self.listed.insert((Some(cluster.clone()), kind));
                }
                // Per-cluster watches of a kind stand in for its one watch.
                self.watches.remove(&kind);
                self.cluster_watches.insert((cluster, kind), state);
                return;
            }
            FleetEvent::ClusterGone(ref cluster) => {
                self.listed
                    .retain(|(c, _)| c.as_deref() != Some(cluster.as_str()));
                self.cluster_watches.retain(|(c, _), _| c != cluster);
                if cluster.is_empty() {
                    self.watches.remove(&Kind::BareMetalHost);
                    self.watches.remove(&Kind::HardwareData);
                }
                self.rejected.retain(|(_, c, _), _| c != cluster);
            }
            FleetEvent::Notes(notes) => {
                self.notes = notes;
                return;
            }
            FleetEvent::Applied(ref o) | FleetEvent::Deleted(ref o) => {
                self.rejected.remove(&o.key());
            }
            FleetEvent::Replaced {
                kind,
                ref cluster,
                ref rejected,
                ..
            } => {
                self.rejected.retain(|(k, c, _), _| {
                    *k != kind || cluster.as_ref().is_some_and(|only| c != only)
                });
                for r in rejected {
                    self.rejected.insert(rejection_key(r), r.clone());
                }
            }
            FleetEvent::Rejected(ref r) => {
                self.rejected.insert(rejection_key(r), r.clone());
            }
        }
        if self.objects.apply_event(&event) {
            self.dirty = true;
            self.newest_data = Some(SystemTime::now());
        }
    }

    /// Rebuilds the snapshot if events changed the objects. Returns whether it did.
    pub fn refresh(&mut self) -> bool {
        if !self.dirty {
            return false;
        }
        self.fleet = Arc::new(Fleet::build_with(
            self.objects.clone(),
            self.projects.clone(),
        ));
        self.dirty = false;
        true
    }

    /// For a rebuild elsewhere (a blocking task): the objects as they are now, if events
    /// changed them since the last snapshot. Marks them clean; hand the result to
    /// [`LiveFleet::install`].
    pub fn take_changed_objects(&mut self) -> Option<FleetObjects> {
        if !self.dirty {
            return None;
        }
        self.dirty = false;
        Some(self.objects.clone())
    }

    /// Installs a snapshot built from objects taken with [`LiveFleet::take_changed_objects`].
    pub fn install(&mut self, fleet: Arc<Fleet>) {
        self.fleet = fleet;
    }

    /// The latest snapshot (as of the last [`LiveFleet::refresh`]).
    pub fn fleet(&self) -> &Arc<Fleet> {
        &self.fleet
    }

    /// The objects as they are now, including changes not yet in the snapshot.
    pub fn objects(&self) -> &FleetObjects {
        &self.objects
    }

    /// The state of each kind's one watch (a kind watched per Metal3 cluster is in
    /// [`LiveFleet::cluster_watches`] instead).
    pub fn watches(&self) -> &BTreeMap<Kind, WatchState> {
        &self.watches
    }

    /// Objects that do not fit their type, by kind, then namespace and name.
    pub fn rejected(&self) -> impl Iterator<Item = &Rejected> {
        self.rejected.values()
    }

    /// Rejected objects of one kind.
    pub fn rejected_count(&self, kind: Kind) -> usize {
        self.rejected.keys().filter(|(k, _, _)| *k == kind).count()
    }

    /// What a file source skipped and warns about.
    pub fn notes(&self) -> &SourceNotes {
        &self.notes
    }

    /// How many objects and documents are left out: rejected objects and what a file source
    /// skipped.
    pub fn skipped_count(&self) -> usize {
        self.rejected.len() + self.notes.skipped.len()
    }

    /// The first `limit` of what is left out, one line each: rejected objects (by kind,
    /// namespace and name), then what a file source skipped. Only these are formatted, so a
    /// frame that names the first costs the same with ten thousand.
    pub fn skipped(&self, limit: usize) -> Vec<String> {
        self.rejected
            .values()
            .map(Rejected::to_string)
            .chain(self.notes.skipped.iter().cloned())
            .take(limit)
            .collect()
    }

    /// The watches of each Metal3 cluster, by cluster and kind (empty where one watch per
    /// kind serves every host: files, the simulator, a fleet of one unnamed cluster).
    pub fn cluster_watches(&self) -> &BTreeMap<(String, Kind), WatchState> {
        &self.cluster_watches
    }

    /// Every watch's state: the platform's kinds, then each cluster's.
    pub fn all_watches(&self) -> impl Iterator<Item = (Option<&str>, Kind, &WatchState)> {
        self.watches.iter().map(|(k, s)| (None, *k, s)).chain(
            self.cluster_watches
                .iter()
                .map(|((c, k), s)| (Some(c.as_str()), *k, s)),
        )
    }

    /// Whether every watch, platform and per cluster, is complete ([`WatchState::is_synced`]);
    /// true when there is no watch at all.
    pub fn all_synced(&self) -> bool {
        self.all_watches().all(|(_, _, s)| s.is_synced())
    }

    /// The Metal3 clusters the providers name (as the objects have them now:
    /// [`metal3_scopes`](crate::fleet::build::metal3_scopes)) whose watches have not been
    /// reported at all, in name order: a cluster named but not yet watched.
    pub fn clusters_unreported(&self) -> Vec<String> {
        crate::fleet::build::metal3_scopes(self.objects.providers.values().map(|p| &**p))
            .into_keys()
            .filter(|c| !c.is_empty())
            .filter(|c| {
                !self
                    .cluster_watches
                    .contains_key(&(c.clone(), Kind::BareMetalHost))
            })
            .collect()
    }

    /// Whether every watch, platform and per cluster, has listed its kind whole at least
    /// once: synced now, or failing since a list that completed (a server that answers
    /// every watch `410 Gone` keeps its watches relisting, each list whole). True when there
    /// is no watch at all.
    pub fn all_listed(&self) -> bool {
        self.all_watches().all(|(cluster, kind, s)| {
            s.is_synced() || self.listed.contains(&(cluster.map(str::to_string), kind))
        })
    }

    /// Whether the fleet is complete: every watch has listed its kind whole
    /// ([`LiveFleet::all_listed`]) and every Metal3 cluster the providers name is watched
    /// ([`LiveFleet::clusters_unreported`]). What a one-shot command waits for: never a
    /// part of the fleet.
    pub fn complete(&self) -> bool {
        self.all_listed() && self.clusters_unreported().is_empty()
    }

    /// The oldest moment the data shown could be from: the earliest `Stale` since, if any.
    pub fn stale_since(&self) -> Option<SystemTime> {
        self.stale_sinces().first().copied()
    }

    /// The moments failing watches have failed since, each once, oldest first.
    pub fn stale_sinces(&self) -> std::collections::BTreeSet<SystemTime> {
        self.all_watches()
            .filter_map(|(_, _, s)| match s {
                WatchState::Stale { since, .. } => Some(*since),
                _ => None,
            })
            .collect()
    }

    /// When an event last changed the objects (wall clock); `None` before the first.
    pub fn newest_data(&self) -> Option<SystemTime> {
        self.newest_data
    }

    /// Whether events changed the objects since the last snapshot was built or taken.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::FleetObject;
    use crate::model::BareMetalHost;

    fn host(name: &str) -> FleetObject {
        let mut h = BareMetalHost::default();
        h.metadata.name = Some(name.into());
        h.metadata.namespace = Some("m3".into());
        h.into()
    }

    #[test]
    fn a_relist_replaces_a_kind_in_one_step_and_rebuilds_once() {
        let mut live = LiveFleet::default();
        live.apply(FleetEvent::Replaced {
            kind: Kind::BareMetalHost,
            cluster: None,
            objects: vec![host("a"), host("b")],
            rejected: Vec::new(),
        });
        live.apply(FleetEvent::Applied(host("c")));
        assert!(live.refresh());
        assert!(!live.refresh(), "nothing changed since");
        assert_eq!(live.fleet().hosts().len(), 3);
        live.apply(FleetEvent::Replaced {
            kind: Kind::BareMetalHost,
            cluster: None,
            objects: vec![host("b")],
            rejected: Vec::new(),
        });
        live.apply(FleetEvent::Deleted(host("b")));
        live.refresh();
        assert!(live.fleet().hosts().is_empty());
        assert!(!live.all_synced());
        for k in Kind::ALL {
            live.apply(FleetEvent::Watch {
                kind: k,
                cluster: None,
                state: WatchState::Synced {
                    since: SystemTime::now(),
                },
            });
        }
        assert!(live.all_synced());
    }

    /// A watch that listed its kind whole and then failed (a server answering every watch
    /// 410) still counts as listed: the fleet is complete as of those lists.
    #[test]
    fn a_watch_that_listed_and_then_failed_is_listed() {
        let mut live = LiveFleet::new([Kind::BareMetalHost, Kind::NodeClaim]);
        let synced = WatchState::Synced {
            since: SystemTime::now(),
        };
        let stale = WatchState::stale(SystemTime::now(), "410");
        let watch = |kind, state: &WatchState| FleetEvent::Watch {
            kind,
            cluster: None,
            state: state.clone(),
        };
        live.apply(watch(Kind::NodeClaim, &stale));
        live.apply(watch(Kind::BareMetalHost, &synced));
        assert!(!live.all_listed(), "claims never listed");
        live.apply(watch(Kind::NodeClaim, &synced));
        live.apply(watch(Kind::NodeClaim, &stale));
        assert!(live.all_listed());
        assert!(live.complete());
        assert!(!live.all_synced());
    }

    fn rejected(kind: Kind, name: &str) -> Rejected {
        Rejected {
            kind,
            cluster: String::new(),
            key: ("m3".into(), name.into()),
            error: crate::decode::DecodeError {
                kind: kind.to_string(),
                name: format!("m3/{name}"),
                field: Some("spec.online".into()),
                message: "invalid type: string \"yes\", expected a boolean".into(),
            },
        }
    }

    #[test]
    fn a_relist_replaces_the_rejections_of_its_kind_only() {
        let mut live = LiveFleet::default();
        live.apply(FleetEvent::Rejected(rejected(Kind::NodeClaim, "c")));
        live.apply(FleetEvent::Replaced {
            kind: Kind::BareMetalHost,
            cluster: None,
            objects: vec![host("a")],
            rejected: vec![rejected(Kind::BareMetalHost, "x")],
        });
        assert_eq!(live.rejected_count(Kind::BareMetalHost), 1);
        assert_eq!(
            live.skipped(usize::MAX),
            [
                "BareMetalHost m3/x: field spec.online: invalid type: string \"yes\", expected a boolean",
                "NodeClaim m3/c: field spec.online: invalid type: string \"yes\", expected a boolean",
            ]
        );
        live.apply(FleetEvent::Replaced {
            kind: Kind::BareMetalHost,
            cluster: None,
            objects: vec![host("a"), host("x")],
            rejected: Vec::new(),
        });
        assert_eq!(live.rejected_count(Kind::BareMetalHost), 0);
        assert_eq!(live.rejected_count(Kind::NodeClaim), 1);
    }
}
