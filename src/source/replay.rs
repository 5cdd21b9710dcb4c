//! A complete set of objects (a file dump) delivered as a watch source would deliver it: each
//! kind connecting, its full list, then synced. The dashboard treats it like any other
//! source, beside the embedded simulator and the kube watches.

use crate::event::{FleetEvent, Kind, SourceNotes, WatchState};
use crate::fleet::{FleetObject, FleetObjects};
use std::time::SystemTime;
use tokio::sync::mpsc::{Receiver, Sender, channel};

/// Every object of one kind.
pub fn objects_of(objects: &FleetObjects, kind: Kind) -> Vec<FleetObject> {
    match kind {
        Kind::BareMetalHost => objects
            .hosts
            .values()
            .map(|o| FleetObject::Host(o.clone()))
            .collect(),
        Kind::NodeProvider => objects
            .providers
            .values()
            .map(|o| FleetObject::Provider(o.clone()))
            .collect(),
        Kind::NodeType => objects
            .node_types
            .values()
            .map(|o| FleetObject::NodeType(o.clone()))
            .collect(),
        Kind::NodeClaim => objects
            .claims
            .values()
            .map(|o| FleetObject::Claim(o.clone()))
            .collect(),
        Kind::OsImage => objects
            .os_images
            .values()
            .map(|o| FleetObject::OsImage(o.clone()))
            .collect(),
        Kind::Machine => objects
            .machines
            .values()
            .map(|o| FleetObject::Machine(o.clone()))
            .collect(),
        Kind::HardwareData => objects
            .hardware_data
            .values()
            .map(|o| FleetObject::HardwareData(o.clone()))
            .collect(),
    }
}

/// Sends each kind as one `Replaced`, then `Synced`. Errs when the receiver is gone.
pub async fn send_complete(
    objects: &FleetObjects,
    tx: &Sender<FleetEvent>,
) -> Result<(), tokio::sync::mpsc::error::SendError<FleetEvent>> {
    send_complete_as(objects, tx, || WatchState::Synced {
        since: SystemTime::now(),
    })
    .await
}

/// Sends each kind as one `Replaced`, then `state()`. Errs when the receiver is gone.
async fn send_complete_as(
    objects: &FleetObjects,
    tx: &Sender<FleetEvent>,
    state: impl Fn() -> WatchState,
) -> Result<(), tokio::sync::mpsc::error::SendError<FleetEvent>> {
    for kind in Kind::ALL {
        tx.send(FleetEvent::Replaced {
            kind,
            cluster: None,
            objects: objects_of(objects, kind),
            rejected: Vec::new(),
        })
        .await?;
        tx.send(FleetEvent::Watch {
            kind,
            cluster: None,
            state: state(),
        })
        .await?;
    }
    Ok(())
}

/// Objects already loaded (a file dump) as a source: announces every watch as listing, reports
/// what loading skipped and warns about, sends the objects, each kind [`WatchState::Loaded`]
/// as of `read_at` (nothing watches the files), then stays connected until the dashboard
/// closes.
pub fn spawn_objects(
    objects: FleetObjects,
    notes: SourceNotes,
    read_at: SystemTime,
) -> Receiver<FleetEvent> {
    let (tx, rx) = channel(64);
    tokio::spawn(async move {
        if tx.send(FleetEvent::Notes(notes)).await.is_err() {
            return;
        }
        for kind in Kind::ALL {
            let listing = FleetEvent::Watch {
                kind,
                cluster: None,
                state: WatchState::Syncing { received: 0 },
            };
            if tx.send(listing).await.is_err() {
                return;
            }
        }
        let loaded = || WatchState::Loaded { at: read_at };
        if send_complete_as(&objects, &tx, loaded).await.is_ok() {
            tx.closed().await;
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenerateConfig, generate};
    use crate::live::LiveFleet;

    #[tokio::test]
    async fn a_generated_fleet_arrives_complete_and_synced() {
        let notes = SourceNotes {
            skipped: vec!["fleet.yaml: document 4: not valid YAML".into()],
            warnings: Vec::new(),
        };
        let read_at = SystemTime::now();
        let mut rx = spawn_objects(
            generate(&GenerateConfig::new(40, 3)).objects,
            notes.clone(),
            read_at,
        );
        let mut live = LiveFleet::default();
        while !live.all_synced() {
            live.apply(rx.recv().await.expect("the source stays open"));
        }
        live.refresh();
        assert_eq!(live.fleet().hosts().len(), 40);
        assert!(!live.fleet().claims().is_empty());
        assert_eq!(
            live.notes(),
            &notes,
            "what the load skipped arrives with the objects"
        );
        // Read once, as of the read: not a watch streaming changes.
        assert!(
            live.watches()
                .values()
                .all(|s| *s == WatchState::Loaded { at: read_at }),
            "{:?}",
            live.watches()
        );
    }
}
