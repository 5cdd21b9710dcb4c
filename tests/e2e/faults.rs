//! Issue 20, kinds 1 to 4: faults of the API server, injected between gpufleet and a real
//! kube-apiserver by the fault proxy (`tests/support/fault_proxy.rs`), so that the client
//! under test is gpufleet's own: its kubeconfig, TLS, watches and retry policy.

use crate::harness::TestCluster;
use crate::support::fault_proxy::{Answer, Certificate, Fault, FaultProxy};
use gpufleet::cli::live::ClusterArgs;
use gpufleet::event::{FleetEvent, WatchState};
use gpufleet::kube::{connect, spawn_watches};
use gpufleet::live::LiveFleet;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::Receiver;

/// A test server with the small generated fleet, and a fault proxy in front of it.
struct Faulty {
    cluster: TestCluster,
    proxy: FaultProxy,
    kubeconfig: PathBuf,
}

impl Faulty {
    async fn start(test: &str, certificate: Certificate) -> Option<Faulty> {
        let cluster = TestCluster::start(test).await?;
        cluster.load(&crate::small_fleet()).await;
        let proxy = FaultProxy::start(cluster.client.clone(), certificate).await;
        let kubeconfig = cluster.dir.join("kubeconfig-proxy");
        proxy.write_kubeconfig(&kubeconfig, "proxied");
        Some(Faulty {
            cluster,
            proxy,
            kubeconfig,
        })
    }

    /// Connection flags through the proxy.
    fn args(&self) -> ClusterArgs {
        ClusterArgs {
            kubeconfig: Some(self.kubeconfig.clone()),
            ..self.cluster.args()
        }
    }

    /// Read-only watches through the proxy.
    async fn watch(&self) -> (Receiver<FleetEvent>, Vec<tokio::task::JoinHandle<()>>) {
        let clusters = connect(&self.args().options(true).unwrap())
            .await
            .expect("a client");
        spawn_watches(&clusters, None)
    }
}

/// Feeds events into `live` for `how_long`, calling `seen` on each.
async fn pump_for(
    live: &mut LiveFleet,
    rx: &mut Receiver<FleetEvent>,
    how_long: Duration,
    mut seen: impl FnMut(&FleetEvent),
) {
    let until = tokio::time::Instant::now() + how_long;
    while let Ok(Some(event)) = tokio::time::timeout_at(until, rx.recv()).await {
        seen(&event);
        live.apply(event);
    }
}

/// The figure of BENCHMARKS.md: LISTs per minute of one watch under a server that answers
/// every watch with `410 Gone` (its list succeeds, its watch expires at once), over a
/// minute. `cargo test --release --test e2e -- --ignored lists_per_minute --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn lists_per_minute_under_a_server_that_always_answers_410() {
    let Some(faulty) = Faulty::start("lists_per_minute", Certificate::Good).await else {
        return;
    };
    faulty.proxy.set(vec![Fault::watches(None, Answer::Gone)]);
    let (mut rx, _tasks) = faulty.watch().await;
    let mut live = LiveFleet::default();
    let started = Instant::now();
    pump_for(&mut live, &mut rx, Duration::from_secs(60), |_| {}).await;
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    // Two Metal3 clusters (use1-infra, usw2-infra): two BareMetalHost watches.
    let hosts = faulty.proxy.lists("baremetalhosts") as f64 / 2.0;
    let claims = faulty.proxy.lists("nodeclaims") as f64;
    let all = faulty.proxy.seen().iter().filter(|s| s.is_list()).count() as f64;
    eprintln!(
        "LISTs per minute under a 410 loop: {:.1} per BareMetalHost watch, {:.1} of NodeClaims, \
         {:.1} in all ({} watches)",
        hosts / minutes,
        claims / minutes,
        all / minutes,
        live.all_watches().count()
    );
}

/// The watch's state as it shows, for a failing watch: its reason.
fn stale_reason(state: &WatchState) -> Option<&str> {
    match state {
        WatchState::Stale { reason, .. } => Some(reason),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_proxy_without_faults_the_fleet_syncs() {
    let Some(faulty) = Faulty::start("proxy_without_faults", Certificate::Good).await else {
        return;
    };
    let (mut rx, _tasks) = faulty.watch().await;
    let mut live = LiveFleet::default();
    let until = tokio::time::Instant::now() + Duration::from_secs(60);
    while !live.all_synced() {
        let event = tokio::time::timeout_at(until, rx.recv())
            .await
            .expect("synced in time")
            .expect("the watches run");
        live.apply(event);
    }
    live.refresh();
    assert_eq!(live.fleet().hosts().len(), 200);
    let failing: Vec<_> = live
        .all_watches()
        .filter_map(|(_, _, s)| stale_reason(s))
        .collect();
    assert!(failing.is_empty(), "{failing:?}");
}
