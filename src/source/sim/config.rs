//! How the simulated fleet behaves: its size and seed, how fast simulated time passes, and
//! which of the platform's and the tenants' behaviours run.

use std::time::{Duration, SystemTime};

/// The largest fleet the simulator generates.
pub const MAX_HOSTS: usize = 25_000;

#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Hosts to generate, clamped to `1..=MAX_HOSTS`.
    pub hosts: usize,
    /// Seed of the generated fleet and of every random choice after it: the same config and
    /// the same steps give the same events.
    pub seed: u64,
    /// Simulated seconds per second passed to [`super::Simulator::step`].
    pub speed: f64,
    /// Wall time between two steps of the driver ([`super::spawn`]).
    pub tick: Duration,
    /// How many drifted claims the platform rolls over at a time.
    pub rollover_parallel: usize,
    /// Mean lifetime of a tenant's claim. New claims arrive at the rate that keeps the
    /// generated number of claims on average.
    pub claim_lifetime: Duration,
    /// Whether tenants create and delete claims.
    pub claim_churn: bool,
    /// Whether hosts fail now and then (and recover), and free hosts get re-inspected.
    pub host_faults: bool,
    /// How often, at most, the platform's controller places waiting claims and looks for
    /// drift (simulated time). Each pass rebuilds the fleet snapshot once, which costs about
    /// 0.2 s of CPU at 25,000 hosts, so the default grows with the fleet: 2 s up to 5,000
    /// hosts, 10 s at 25,000.
    pub reconcile_interval: Duration,
    /// The moment simulated time zero stands for, for timestamps written into objects.
    pub started_at: SystemTime,
    /// `demo --chaos`: take the Metal3 clusters down one at a time and back (wall time up,
    /// then down), to show a cluster going stale while the others stay live.
    pub chaos: Option<Chaos>,
}

/// How long each Metal3 cluster stays up, then down, in turn (wall time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chaos {
    pub up: Duration,
    pub down: Duration,
}

impl Default for Chaos {
    /// 40 s up, 20 s down: long enough to read the stale banner and see the relist.
    fn default() -> Self {
        Chaos {
            up: Duration::from_secs(40),
            down: Duration::from_secs(20),
        }
    }
}

impl SimConfig {
    /// A lively fleet: claims come and go, hosts fail and recover, time at wall speed.
    pub fn new(hosts: usize, seed: u64) -> Self {
        let hosts = hosts.clamp(1, MAX_HOSTS);
        SimConfig {
            hosts,
            seed,
            speed: 1.0,
            tick: Duration::from_millis(250),
            rollover_parallel: 1,
            claim_lifetime: Duration::from_secs(15 * 60),
            claim_churn: true,
            host_faults: true,
            reconcile_interval: Duration::from_secs((hosts / 2_500).clamp(2, 10) as u64),
            started_at: SystemTime::now(),
            chaos: None,
        }
    }

    /// The same fleet with nothing happening on its own but what is already under way and
    /// what writes start: no new or deleted claims, no faults.
    pub fn quiet(hosts: usize, seed: u64) -> Self {
        SimConfig {
            claim_churn: false,
            host_faults: false,
            ..SimConfig::new(hosts, seed)
        }
    }
}

impl Default for SimConfig {
    /// About 500 hosts in 2 datacenters.
    fn default() -> Self {
        SimConfig::new(500, 1)
    }
}
