//! Runs a [`Simulator`] on a tokio task: a timer steps simulated time (this is time passing,
//! not polling), and writes are served between steps. Events go out in one burst per step
//! so the app can coalesce them into one redraw.

use super::write::{WritePlan, plan_write};
use super::{SimConfig, Simulator};
use crate::fleet::Fleet;
use crate::impact::Change;
use crate::source::event::FleetEvent;
use crate::write::{WriteError, WriteMode, WriteReport, Writer};
use futures::future::BoxFuture;
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

/// Writes to the simulator: the [`Writer`] of `gpufleet demo`. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SimWriter {
    requests: mpsc::Sender<WriteRequest>,
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
                .send(WriteRequest { plan, mode, reply })
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

async fn run(
    config: SimConfig,
    events: mpsc::Sender<FleetEvent>,
    mut incoming: mpsc::Receiver<WriteRequest>,
) {
    let tick = config.tick.clamp(TICKS.0, TICKS.1);
    // Generating and stepping 25,000 hosts is CPU work: keep it off the async workers.
    let Ok(mut sim) = tokio::task::spawn_blocking(move || Simulator::new(config)).await else {
        return;
    };
    if !send_all(&events, sim.initial_events(SystemTime::now())).await {
        return;
    }
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
                if !send_all(&events, batch).await {
                    return;
                }
            }
            request = incoming.recv(), if writers_open => match request {
                Some(request) => {
                    let result = sim.apply_plan(&request.plan, request.mode);
                    let delivered = send_all(&events, sim.take_events()).await;
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
