//! Loaders only tests and benchmarks use: a complete set of objects handed over at once, as
//! `source::replay` delivers a dump (each kind `Replaced`, then every watch `Synced`). Kept
//! here, out of `App` and `LiveFleet`, which production code feeds only through events.
#![allow(dead_code)]

use gpufleet::event::{FleetEvent, Kind, WatchState};
use gpufleet::fleet::FleetObjects;
use gpufleet::live::LiveFleet;
use gpufleet::source::replay::objects_of;
use gpufleet::ui::app::App;
use std::time::SystemTime;

/// Every kind of `objects` as one complete list, as a watch sends it after listing.
fn replaced(objects: &FleetObjects) -> impl Iterator<Item = FleetEvent> + '_ {
    Kind::ALL.into_iter().map(|kind| FleetEvent::Replaced {
        kind,
        cluster: None,
        objects: objects_of(objects, kind),
        rejected: Vec::new(),
    })
}

/// Every watch synced as of `since`.
fn synced(since: SystemTime) -> impl Iterator<Item = FleetEvent> {
    Kind::ALL.into_iter().map(move |kind| FleetEvent::Watch {
        kind,
        cluster: None,
        state: WatchState::Synced { since },
    })
}

/// The dashboard given a complete set of objects at once.
pub trait LoadComplete {
    /// Takes every object as a complete list per kind, marks every watch synced as of the
    /// data's arrival and builds the snapshot (and the panes' data) before returning.
    fn load_complete(&mut self, objects: &FleetObjects);
}

impl LoadComplete for App {
    fn load_complete(&mut self, objects: &FleetObjects) {
        for event in replaced(objects) {
            self.apply(event);
        }
        let since = self.live().newest_data().unwrap_or(self.now);
        for event in synced(since) {
            self.apply(event);
        }
        self.rebuild();
        self.now = since;
    }
}

/// A `LiveFleet` of objects already complete (a file, a generated fleet).
pub trait FromObjects {
    /// Every kind listed and synced, the snapshot built.
    fn from_objects(objects: FleetObjects) -> Self;
}

impl FromObjects for LiveFleet {
    fn from_objects(objects: FleetObjects) -> Self {
        let mut live = LiveFleet::new(Kind::ALL);
        for event in replaced(&objects).chain(synced(SystemTime::now())) {
            live.apply(event);
        }
        live.refresh();
        live
    }
}
