//! The embedded simulated fleet: `gpufleet demo` without a cluster.
//!
//! A [`Simulator`] holds a generated fleet and behaves as the operators' guide says the
//! platform does: tenants' claims come and go and get servers by the engine's rules
//! ([`crate::fleet::rules::place_claim`]), hosts move through Metal3's states (seconds instead
//! of minutes), fail now and then and mostly recover, and after an OS image rotation the
//! drifted claims are rolled over a few at a time. It speaks the same [`FleetEvent`] stream
//! as the kube watches and takes writes through the same [`crate::write::Writer`] interface
//! ([`SimWriter`]).
//!
//! The simulator itself is a plain struct stepped by hand, deterministic for a given
//! [`SimConfig`] and sequence of steps; [`spawn`] runs it on a tokio task with a timer.

mod claims;
mod config;
mod diff;
mod driver;
mod hosts;
mod placement;
mod random;
mod schedule;
mod store;
mod write;

pub use config::{Chaos, MAX_HOSTS, SimConfig};
pub use driver::{OUTAGE_REASON, OutageSwitch, SimWriter, spawn};
pub use write::{WritePlan, plan_write};

use crate::event::{FleetEvent, Kind, WatchState};
use crate::fleet::{ClaimStage, Fleet, FleetObjects, HostKey, ObjectKey};
use crate::generate::{GenerateConfig, Rng, generate};
use claims::Catalog;
use hosts::HostBook;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use placement::Controller;
use schedule::{Schedule, Task};
use std::time::{Duration, SystemTime};
use store::Store;

/// Mixed into the seed so the simulation's random stream differs from the generator's.
const SIMULATION_STREAM: u64 = 0x5157_u64 << 32;

/// The simulated platform and its fleet.
#[derive(Debug)]
pub struct Simulator {
    config: SimConfig,
    rng: Rng,
    /// Simulated time since the start.
    now: Duration,
    store: Store,
    schedule: Schedule,
    hosts: HostBook,
    catalog: Catalog,
    controller: Controller,
    /// Claims in the generated fleet: the level claim arrivals keep on average.
    initial_claims: usize,
    /// The Metal3 cluster whose API server is down (`demo --chaos`, the chaos key), with
    /// the reason its writes fail.
    outage: Option<(String, String)>,
}

impl Simulator {
    /// Generates the fleet (`generate::generate` with the config's hosts and seed) and sets
    /// everything already under way in motion.
    pub fn new(config: SimConfig) -> Self {
        let hosts = config.hosts.clamp(1, MAX_HOSTS);
        let generated = generate(&GenerateConfig::new(hosts, config.seed));
        Simulator::from_objects(config, generated.objects)
    }

    /// The platform over a fleet of existing objects (read from a cluster or a dump) instead
    /// of a generated one: everything under way in them is set in motion, as
    /// [`Simulator::new`] does. `config.hosts` is not used.
    pub fn from_objects(config: SimConfig, objects: FleetObjects) -> Self {
        let fleet = Fleet::build(objects.clone());
        let host_keys: Vec<HostKey> = objects.hosts.keys().cloned().collect();
        let mut sim = Simulator {
            rng: Rng::new(config.seed ^ SIMULATION_STREAM),
            now: Duration::ZERO,
            store: Store::new(objects),
            schedule: Schedule::default(),
            hosts: HostBook::new(host_keys),
            catalog: Catalog::of(&fleet),
            controller: Controller::default(),
            initial_claims: fleet.claims().len(),
            outage: None,
            config,
        };
        sim.start(&fleet);
        sim
    }

    fn start(&mut self, fleet: &Fleet) {
        let failed: Vec<ObjectKey> = fleet
            .claims()
            .iter()
            .filter(|c| c.stage == ClaimStage::Failed)
            .map(|c| (c.namespace.clone(), c.name.clone()))
            .collect();
        self.start_host_timers(&failed);
        for claim in fleet.claims() {
            let key = (claim.namespace.clone(), claim.name.clone());
            if claim.stage == ClaimStage::Pending {
                self.controller.enqueue(key.clone());
            }
            if self.config.claim_churn {
                self.schedule_expiry(key);
            }
        }
        if self.config.claim_churn {
            self.schedule_arrival();
        }
        if self.config.host_faults {
            self.next_process(Task::HostFault, hosts::FAULT_EVERY_PER_HOST);
            self.next_process(Task::HostMaintenance, hosts::MAINTENANCE_EVERY_PER_HOST);
        }
        // The generated fleet is mid-rotation: the platform finds the drift at once.
        self.controller.drift_scan_due = true;
    }

    /// What a watch sees first: every object, one `Replaced` list per kind, then each
    /// kind's watch `Synced` as of `since`.
    pub fn initial_events(&self, since: SystemTime) -> Vec<FleetEvent> {
        let mut events = self.store.lists();
        events.extend(Kind::ALL.into_iter().map(|kind| FleetEvent::Watch {
            kind,
            cluster: None,
            state: WatchState::Synced { since },
        }));
        events
    }

    /// Lets `dt` pass (times the config's speed): first the controller acts on what it saw
    /// at the end of the last step, then everything due in the meantime happens. Returns the
    /// step's events (and those of writes since the last step), one per object changed.
    pub fn step(&mut self, dt: Duration) -> Vec<FleetEvent> {
        self.reconcile();
        let end = self
            .now
            .saturating_add(random::scale(dt, self.config.speed));
        while let Some((at, task)) = self.schedule.pop_due(end) {
            self.now = at.max(self.now);
            self.run(task);
        }
        self.now = end;
        self.store.take_events()
    }

    /// Steps a second at a time until nothing has changed for `quiet` (simulated time), or
    /// `limit` has passed. Returns whether the fleet went quiet: every host at rest, every
    /// claim placed or waiting with no server, every rollover done.
    pub fn settle(&mut self, quiet: Duration, limit: Duration) -> bool {
        let start = self.now;
        let mut last_change = self.now;
        while self.now.saturating_sub(start) < limit {
            if !self.step(Duration::from_secs(1)).is_empty() {
                last_change = self.now;
            } else if self.now.saturating_sub(last_change) >= quiet {
                return true;
            }
        }
        false
    }

    fn run(&mut self, task: Task) {
        match task {
            Task::Host { host, generation } => self.host_due(host, generation),
            Task::ClaimExpires(claim) => self.claim_expires(claim),
            Task::ClaimArrives => self.claim_arrives(),
            Task::HostFault => self.host_fault(),
            Task::HostMaintenance => self.host_maintenance(),
        }
    }

    /// The events not yet returned by [`Simulator::step`]: those of writes.
    pub fn take_events(&mut self) -> Vec<FleetEvent> {
        self.store.take_events()
    }

    /// The simulator's objects, as a watch that saw every event has them.
    pub fn objects(&self) -> &FleetObjects {
        self.store.objects()
    }

    /// Simulated time since the start.
    pub fn now(&self) -> Duration {
        self.now
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The current simulated moment as an object timestamp.
    fn timestamp(&self) -> Option<Time> {
        let moment = self.config.started_at.checked_add(self.now)?;
        Timestamp::try_from(moment).ok().map(Time)
    }

    /// The current simulated moment as a condition's transition time (RFC 3339).
    fn timestamp_text(&self) -> Option<String> {
        self.timestamp().map(|t| format!("{:.0}", t.0))
    }
}
