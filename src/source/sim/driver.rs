//! Runs a [`Simulator`] on a tokio task: a timer steps simulated time (this is time passing,
//! not polling), and writes are served between steps. Events go out in one burst per step
//! so the app can coalesce them into one redraw.

use super::config::Chaos;
use super::write::{WritePlan, plan_write};
use super::{SimConfig, Simulator};
use crate::event::{FleetEvent, Kind, WatchState};
use crate::fleet::{Fleet, FleetObject, FleetObjects};
use crate::impact::Change;
use crate::write::{WriteError, WriteMode, WriteReport, Writer};
use futures::future::BoxFuture;
use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};

/// Events waiting for the app before the simulator waits for it.
const EVENT_BUFFER: usize = 4096;
/// Writes waiting for the simulator.
const WRITE_BUFFER: usize = 16;
/// A stalled runtime (a suspended laptop) advances simulated time by at most this per step.
const MAX_STEP: Duration = Duration::from_secs(2);
/// The shortest and longest tick the driver accepts.
const TICKS: (Duration, Duration) = (Duration::from_millis(10), Duration::from_secs(60));

struct WriteRequest {
    plan: WritePlan,
    mode: WriteMode,
    reply: oneshot::Sender<Result<WriteReport, WriteError>>,
}

/// What the simulator's task is asked between steps.
enum Request {
    Write(WriteRequest),
    /// The chaos key: take the next Metal3 cluster down, or bring the down one back.
    ToggleOutage,
}

/// Writes to the simulator: the [`Writer`] of `gpufleet demo`. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SimWriter {
    requests: mpsc::Sender<Request>,
}

impl SimWriter {
    /// The switch of the demo's chaos key, for this simulator.
    pub fn outage_switch(&self) -> OutageSwitch {
        OutageSwitch {
            requests: self.requests.clone(),
        }
    }
}

/// The demo's chaos key: asks the simulator to take its next Metal3 cluster down, or to
/// bring the down one back. The watch states that follow say which (the status line shows
/// `dc2 stale …: connection refused`). Cheap to clone.
#[derive(Clone, Debug)]
pub struct OutageSwitch {
    requests: mpsc::Sender<Request>,
}

impl OutageSwitch {
    /// Asks for the toggle without waiting; false when the simulator has stopped or has
    /// [`WRITE_BUFFER`] requests waiting already.
    pub fn toggle(&self) -> bool {
        self.requests.try_send(Request::ToggleOutage).is_ok()
    }
}

fn stopped() -> WriteError {
    WriteError::Unreachable {
        message: "the simulator has stopped".into(),
    }
}

impl Writer for SimWriter {
    fn write<'a>(
        &'a self,
        fleet: &'a Fleet,
        change: &'a Change,
        mode: WriteMode,
    ) -> BoxFuture<'a, Result<WriteReport, WriteError>> {
        Box::pin(async move {
            // Planning reads the caller's snapshot here, so only the plan crosses over.
            let plan = plan_write(fleet, change)?;
            let (reply, answer) = oneshot::channel();
            self.requests
                .send(Request::Write(WriteRequest { plan, mode, reply }))
                .await
                .map_err(|_| stopped())?;
            answer.await.map_err(|_| stopped())?
        })
    }

    fn target(&self) -> String {
        "simulator".into()
    }
}

/// Starts the simulator on the current tokio runtime (call it from within one). The
/// receiver gets one `Replaced` per kind and each kind's `Synced`, then every step's
/// changes; the writer applies changes. The simulator stops when the receiver is dropped.
pub fn spawn(config: SimConfig) -> (mpsc::Receiver<FleetEvent>, SimWriter) {
    let (events, receiver) = mpsc::channel(EVENT_BUFFER);
    let (requests, incoming) = mpsc::channel(WRITE_BUFFER);
    tokio::spawn(run(config, events, incoming));
    (receiver, SimWriter { requests })
}

async fn send_all(events: &mpsc::Sender<FleetEvent>, batch: Vec<FleetEvent>) -> bool {
    for event in batch {
        if events.send(event).await.is_err() {
            return false;
        }
    }
    true
}

/// The Metal3 clusters of the simulated hosts, when every host has one.
fn clusters_of(objects: &FleetObjects) -> Vec<String> {
    let clusters: BTreeSet<&str> = objects.hosts.keys().map(|k| k.cluster.as_str()).collect();
    if clusters.contains("") {
        return Vec::new();
    }
    clusters.into_iter().map(str::to_string).collect()
}

fn is_metal3_kind(kind: Kind) -> bool {
    matches!(kind, Kind::BareMetalHost | Kind::HardwareData)
}

/// Events as the watches of each Metal3 cluster send them: one list and one state per
/// cluster for hosts and HardwareData (the simulated platform's kinds stay as they are).
fn per_cluster(batch: Vec<FleetEvent>, clusters: &[String]) -> Vec<FleetEvent> {
    if clusters.is_empty() {
        return batch;
    }
    let mut out = Vec::with_capacity(batch.len());
    for event in batch {
        match event {
            FleetEvent::Replaced {
                kind,
                cluster: None,
                objects,
                ..
            } if is_metal3_kind(kind) => {
                for c in clusters {
                    out.push(FleetEvent::Replaced {
                        kind,
                        cluster: Some(c.clone()),
                        objects: objects
                            .iter()
                            .filter(|o| o.cluster() == c)
                            .cloned()
                            .collect(),
                        rejected: Vec::new(),
                    });
                }
            }
            FleetEvent::Watch {
                kind,
                cluster: None,
                state,
            } if is_metal3_kind(kind) => {
                for c in clusters {
                    out.push(FleetEvent::Watch {
                        kind,
                        cluster: Some(c.clone()),
                        state: state.clone(),
                    });
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Simulated outages of the Metal3 clusters: which one is down, and (`demo --chaos`) when
/// the next one goes down or the down one comes back. The chaos key toggles them too.
struct Outages {
    /// `demo --chaos`: outages in turn on a timer; without it only the key toggles.
    chaos: Option<Chaos>,
    clusters: Vec<String>,
    next: usize,
    down: Option<String>,
    change_at: Option<Instant>,
}

/// The reason a simulated outage shows, as a refused connection would read.
pub const OUTAGE_REASON: &str = "simulated outage (demo): connection refused";

impl Outages {
    fn new(chaos: Option<Chaos>, clusters: Vec<String>) -> Option<Self> {
        (!clusters.is_empty()).then(|| Outages {
            chaos,
            clusters,
            next: 0,
            down: None,
            change_at: chaos.map(|c| Instant::now() + c.up),
        })
    }

    /// Takes the next cluster down, or brings the down one back with a relist of what it has
    /// now: the events a real watch sends for either. The simulator refuses writes to the
    /// down cluster's hosts as its API server would.
    fn toggle(&mut self, sim: &mut Simulator) -> Vec<FleetEvent> {
        let objects = sim.objects();
        let watch = |c: &str, state: WatchState| {
            [Kind::BareMetalHost, Kind::HardwareData].map(|kind| FleetEvent::Watch {
                kind,
                cluster: Some(c.to_string()),
                state: state.clone(),
            })
        };
        match self.down.take() {
            None => {
                let c = self.clusters[self.next % self.clusters.len()].clone();
                self.next += 1;
                self.change_at = self.chaos.map(|chaos| Instant::now() + chaos.down);
                let stale = WatchState::stale(SystemTime::now(), OUTAGE_REASON);
                let events = watch(&c, stale).to_vec();
                sim.set_outage(Some((c.clone(), OUTAGE_REASON.into())));
                self.down = Some(c);
                events
            }
            Some(c) => {
                self.change_at = self.chaos.map(|chaos| Instant::now() + chaos.up);
                let lists = crate::source::replay::objects_of;
                let mut events: Vec<FleetEvent> = [Kind::BareMetalHost, Kind::HardwareData]
                    .into_iter()
                    .map(|kind| FleetEvent::Replaced {
                        kind,
                        cluster: Some(c.clone()),
                        objects: lists(objects, kind)
                            .into_iter()
                            .filter(|o| o.cluster() == c)
                            .collect(),
                        rejected: Vec::new(),
                    })
                    .collect();
                events.extend(watch(
                    &c,
                    WatchState::Synced {
                        since: SystemTime::now(),
                    },
                ));
                sim.set_outage(None);
                events
            }
        }
    }

    /// Leaves out what the down cluster's watches would not see.
    fn filter(&self, batch: Vec<FleetEvent>) -> Vec<FleetEvent> {
        let Some(down) = &self.down else {
            return batch;
        };
        batch
            .into_iter()
            .filter(|e| match e {
                FleetEvent::Applied(o) | FleetEvent::Deleted(o) => {
                    !matches!(o, FleetObject::Host(_) | FleetObject::HardwareData(_))
                        || o.cluster() != down
                }
                _ => true,
            })
            .collect()
    }
}

async fn run(
    config: SimConfig,
    events: mpsc::Sender<FleetEvent>,
    mut incoming: mpsc::Receiver<Request>,
) {
    let chaos = config.chaos;
    let tick = config.tick.clamp(TICKS.0, TICKS.1);
    // Generating and stepping 25,000 hosts is CPU work: keep it off the async workers.
    let Ok(mut sim) = tokio::task::spawn_blocking(move || Simulator::new(config)).await else {
        return;
    };
    let clusters = clusters_of(sim.objects());
    let initial = per_cluster(sim.initial_events(SystemTime::now()), &clusters);
    if !send_all(&events, initial).await {
        return;
    }
    let mut outages = Outages::new(chaos, clusters);
    let far = Instant::now() + Duration::from_secs(365 * 24 * 3600);
    let mut timer = tokio::time::interval_at(Instant::now() + tick, tick);
    timer.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_step = Instant::now();
    let mut writers_open = true;
    loop {
        tokio::select! {
            _ = timer.tick() => {
                let now = Instant::now();
                let dt = now.duration_since(last_step).min(MAX_STEP);
                last_step = now;
                let Ok((moved, batch)) = tokio::task::spawn_blocking(move || {
                    let batch = sim.step(dt);
                    (sim, batch)
                })
                .await
                else {
                    return;
                };
                sim = moved;
                let batch = match &outages {
                    Some(o) => o.filter(batch),
                    None => batch,
                };
                if !send_all(&events, batch).await {
                    return;
                }
            }
            () = tokio::time::sleep_until(outages.as_ref().and_then(|o| o.change_at).unwrap_or(far)),
                if outages.as_ref().is_some_and(|o| o.change_at.is_some()) => {
                if let Some(o) = outages.as_mut()
                    && !send_all(&events, o.toggle(&mut sim)).await
                {
                    return;
                }
            }
            request = incoming.recv(), if writers_open => match request {
                // A fleet of no named cluster has none to take down: the key does nothing.
                Some(Request::ToggleOutage) => {
                    if let Some(o) = outages.as_mut()
                        && !send_all(&events, o.toggle(&mut sim)).await
                    {
                        return;
                    }
                }
                Some(Request::Write(request)) => {
                    let result = sim.apply_plan(&request.plan, request.mode);
                    let batch = sim.take_events();
                    let batch = match &outages {
                        Some(o) => o.filter(batch),
                        None => batch,
                    };
                    let delivered = send_all(&events, batch).await;
                    // The caller may have given up waiting; the write stands either way.
                    let _ = request.reply.send(result);
                    if !delivered {
                        return;
                    }
                }
                None => writers_open = false,
            },
        }
    }
}
