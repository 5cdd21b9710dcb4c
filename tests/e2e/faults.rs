//! Issue 20, kinds 1 to 4: faults of the API server, injected between gpufleet and a real
//! kube-apiserver by the fault proxy (`tests/support/fault_proxy.rs`), so that the client
//! under test is gpufleet's own: its kubeconfig, TLS, watches and retry policy.

use crate::harness::TestCluster;
use crate::support::fault_proxy::{Answer, Certificate, Fault, FaultProxy};
use crate::support::run;
use crate::support::tmux::Tmux;
use gpufleet::cli::live::ClusterArgs;
use gpufleet::event::{FleetEvent, Trouble, WatchState};
use gpufleet::kube::{connect, spawn_watches};
use gpufleet::live::LiveFleet;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};
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
/// every watch with `410 Gone` (its list succeeds, its watch expires at once), over the
/// first minute and the three after. `cargo test --release --test e2e -- --ignored
/// lists_per_minute --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn lists_per_minute_under_a_server_that_always_answers_410() {
    let Some(faulty) = Faulty::start("lists_per_minute", Certificate::Good).await else {
        return;
    };
    faulty.proxy.set(vec![Fault::watches(None, Answer::Gone)]);
    let (mut rx, _tasks) = faulty.watch().await;
    let mut live = LiveFleet::default();
    // The first minute (the pauses growing), then three more (at their ceiling).
    for (minutes, when) in [(1, "the first minute"), (3, "minutes 2 to 4")] {
        faulty.proxy.forget();
        pump_for(
            &mut live,
            &mut rx,
            Duration::from_secs(60 * minutes),
            |_| {},
        )
        .await;
        let per_minute = |n: usize| n as f64 / minutes as f64;
        // Two Metal3 clusters (use1-infra, usw2-infra): two BareMetalHost watches.
        let mut by_resource: std::collections::BTreeMap<String, usize> = Default::default();
        for s in faulty.proxy.seen().iter().filter(|s| s.is_list()) {
            *by_resource
                .entry(s.resource.clone().unwrap_or_default())
                .or_default() += 1;
        }
        eprintln!(
            "LISTs per minute under a 410 loop, {when}: {:.1} per BareMetalHost watch, {:.1} \
             of NodeClaims, {:.1} in all; by resource: {by_resource:?}",
            per_minute(faulty.proxy.lists("baremetalhosts")) / 2.0,
            per_minute(faulty.proxy.lists("nodeclaims")),
            per_minute(by_resource.values().sum()),
        );
    }
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
    let (mut live, _rx, _tasks) = crate::synced_watches_with(&faulty.args()).await;
    live.refresh();
    assert_eq!(live.fleet().hosts().len(), 200);
    let failing: Vec<_> = live
        .all_watches()
        .filter_map(|(_, _, s)| stale_reason(s))
        .collect();
    assert!(failing.is_empty(), "{failing:?}");
}

/// Runs fresh watches through the proxy until `done` holds of a watch state event, or fails
/// after `limit`; returns that event's kind, cluster and state, and how long it took.
async fn first_state(
    faulty: &Faulty,
    limit: Duration,
    done: impl Fn(&WatchState) -> bool,
) -> (gpufleet::event::Kind, Option<String>, WatchState, Duration) {
    let started = Instant::now();
    let (mut rx, tasks) = faulty.watch().await;
    let until = tokio::time::Instant::now() + limit;
    let found = loop {
        match tokio::time::timeout_at(until, rx.recv()).await {
            Ok(Some(FleetEvent::Watch {
                kind,
                cluster,
                state,
            })) if done(&state) => break (kind, cluster, state, started.elapsed()),
            Ok(Some(_)) => {}
            other => panic!("no such state within {limit:?}: {other:?}"),
        }
    };
    for task in tasks {
        task.abort();
    }
    found
}

fn trouble_of(state: &WatchState) -> Option<Trouble> {
    match state {
        WatchState::Stale { trouble, .. } => Some(*trouble),
        _ => None,
    }
}

/// Kind 1: a server that answers every watch `410 Gone` (each relist succeeds) gets few
/// LISTs: the pauses grow across lists and watches (about 46 LISTs a minute per watch
/// before). Each watch asks for bookmarks, which make a 410 rare; the watch says
/// `relisting (410), next in Ns`, N growing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_answers_every_watch_410_gets_few_lists_and_the_watch_says_so() {
    let Some(faulty) = Faulty::start("every_watch_410", Certificate::Good).await else {
        return;
    };
    faulty.proxy.set(vec![Fault::watches(None, Answer::Gone)]);
    let (mut rx, _tasks) = faulty.watch().await;
    let mut live = LiveFleet::default();
    let mut waits = Vec::new();
    pump_for(&mut live, &mut rx, Duration::from_secs(25), |event| {
        if let FleetEvent::Watch {
            kind: gpufleet::event::Kind::NodeClaim,
            state: state @ WatchState::Stale { retry_at, .. },
            ..
        } = event
        {
            assert_eq!(trouble_of(state), Some(Trouble::Expired));
            let text = state.failure_text(SystemTime::now()).unwrap();
            assert!(text.starts_with("relisting (410), next in "), "{text}");
            let wait = retry_at
                .and_then(|at| at.duration_since(SystemTime::now()).ok())
                .unwrap_or_default();
            waits.push(wait);
        }
    })
    .await;
    // Two Metal3 clusters: two BareMetalHost watches. 0.8 s doubling, plus up to as much
    // again: at most 5 LISTs each in 25 s (a storm made about 19).
    let lists = faulty.proxy.lists("baremetalhosts");
    assert!(lists <= 2 * 6, "{lists} LISTs of BareMetalHosts in 25 s");
    assert!(lists >= 2 * 2, "it does relist: {lists}");
    // The providers are watched twice (their own watch, and the one that starts each Metal3
    // cluster's watches): neither storms.
    let providers = faulty.proxy.lists("nodeproviders");
    assert!(
        providers <= 2 * 6,
        "{providers} LISTs of NodeProviders in 25 s"
    );
    assert!(waits.len() >= 3, "{waits:?}");
    assert!(
        waits
            .windows(2)
            .all(|w| w[1] + Duration::from_millis(500) >= w[0]),
        "the waits grow: {waits:?}"
    );
    assert!(*waits.last().unwrap() > waits[0] * 3, "{waits:?}");
    // A one-shot command answers: each kind was listed whole, relisting or not.
    let out = run::output(run::gpufleet().args([
        "summary",
        "-o",
        "json",
        "--kubeconfig",
        faulty.kubeconfig.to_str().unwrap(),
    ]));
    assert!(out.status.success(), "{}", run::stderr(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["fleet"]["hosts"], 200);
    let watches: Vec<_> = faulty
        .proxy
        .seen()
        .into_iter()
        .filter(|s| s.watch)
        .collect();
    assert!(!watches.is_empty());
    for w in &watches {
        assert!(
            w.query.split('&').any(|p| p == "allowWatchBookmarks=true"),
            "a watch without bookmarks: {}?{}",
            w.path,
            w.query
        );
    }
}

/// Kind 2: the server's answer is the watch's state within seconds, with its code, its
/// reason and when the next attempt is: 429 (API priority and fairness's plain text, with
/// `Retry-After: 12`, honoured), 503 and 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_server_errors_are_said_within_seconds_with_their_retry() {
    let Some(faulty) = Faulty::start("throttled", Certificate::Good).await else {
        return;
    };
    faulty.proxy.set(vec![Fault::every(Answer::throttled(12))]);
    let (_, _, state, took) = first_state(&faulty, Duration::from_secs(10), |s| {
        trouble_of(s) == Some(Trouble::Throttled)
    })
    .await;
    assert!(took < Duration::from_secs(5), "said after {took:?}");
    let text = state.failure_text(SystemTime::now()).unwrap();
    assert!(
        text.starts_with("throttled (429), retrying in 1") && text.ends_with('s'),
        "Retry-After: 12 is honoured: {text}"
    );
    assert_eq!(
        state.failure_line().unwrap(),
        "throttled (429): the API server says: Too many requests, please try again later."
    );
    for (code, reason, words) in [
        (503, "ServiceUnavailable", "unavailable (503)"),
        (500, "InternalError", "server error (500)"),
    ] {
        faulty.proxy.set(vec![Fault::every(Answer::status(
            code,
            reason,
            "etcdserver: request timed out",
        ))]);
        let (_, _, state, took) = first_state(&faulty, Duration::from_secs(10), |s| {
            trouble_of(s) == Some(Trouble::ServerError { code })
        })
        .await;
        assert!(took < Duration::from_secs(5), "{code} said after {took:?}");
        let text = state.failure_text(SystemTime::now()).unwrap();
        assert!(
            text.starts_with(&format!("{words}, retrying in ")),
            "{text}"
        );
        assert_eq!(
            state.failure_line().unwrap(),
            format!("{words}: the API server says: {reason}: etcdserver: request timed out")
        );
    }
    // The one-shot commands say it in their progress line within seconds (here a log, not
    // a terminal), and at their deadline.
    faulty.proxy.set(vec![Fault::every(Answer::throttled(12))]);
    let out = run::output(run::gpufleet().args([
        "summary",
        "--kubeconfig",
        faulty.kubeconfig.to_str().unwrap(),
        "--sync-timeout",
        "5s",
    ]));
    let err = run::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("providers: throttled (429), retrying in "),
        "the progress line says it: {err}"
    );
    assert!(err.contains("no complete view after 5s"), "{err}");
}

/// `gpufleet summary` through `kubeconfig`, with the deadline it would wait in vain.
fn summary(kubeconfig: &std::path::Path) -> (std::process::Output, Duration) {
    let started = Instant::now();
    let out = run::output(run::gpufleet().args([
        "summary",
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
        "--sync-timeout",
        "90s",
    ]));
    (out, started.elapsed())
}

/// Kind 3: failures no retry helps are named at once as kubectl names them, with the fix:
/// the one-shot commands end at once (status 1, never waiting out `--sync-timeout`); the
/// dashboard's watches show them as their reason and retry slowly (credentials may be
/// renewed, a RoleBinding added).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_failures_fail_fast_and_say_the_fix() {
    let Some(faulty) = Faulty::start("permanent", Certificate::Good).await else {
        return;
    };
    let forbidden = "nodeclaims.management.loft.sh is forbidden: User \"gpufleet-reader\" \
        cannot list resource \"nodeclaims\" in API group \"management.loft.sh\" at the cluster scope";
    let cases = [
        (
            Fault::every(Answer::status(401, "Unauthorized", "Unauthorized")),
            Trouble::Unauthorized,
            "unauthorized (401): the token of user proxied-user (context proxied) was refused; \
             log in again or renew it in the kubeconfig",
        ),
        (
            Fault::on("nodeclaims", Answer::status(403, "Forbidden", forbidden)),
            Trouble::Forbidden,
            "forbidden (403): user gpufleet-reader cannot list nodeclaims.management.loft.sh \
             in any namespace (context proxied); gpufleet needs get, list and watch on \
             nodeclaims.management.loft.sh: ask for a Role (or ClusterRole) that grants them, \
             or use a context that has them",
        ),
    ];
    for (fault, trouble, said) in cases {
        faulty.proxy.set(vec![fault]);
        let (out, took) = summary(&faulty.kubeconfig);
        let err = run::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            took < Duration::from_secs(20),
            "{trouble:?} took {took:?}: {err}"
        );
        assert!(err.contains("no complete view can come"), "{err}");
        assert!(err.contains(said), "{trouble:?}: {err}");
        // The dashboard's watch: the reason, and a slow retry.
        let (_, _, state, _) = first_state(&faulty, Duration::from_secs(20), |s| {
            trouble_of(s) == Some(trouble)
        })
        .await;
        assert_eq!(state.failure_line().unwrap(), said);
        let WatchState::Stale {
            retry_at: Some(at), ..
        } = state
        else {
            panic!("{state:?}");
        };
        let wait = at.duration_since(SystemTime::now()).unwrap_or_default();
        assert!(wait >= Duration::from_secs(55), "retried slowly: {wait:?}");
    }
    // Certificates that do not fit, each from a proxy of its own.
    for (certificate, said) in [
        (
            Certificate::UnknownAuthority,
            "certificate refused: x509: certificate signed by unknown authority (context \
             proxied): the API server's certificate is not signed by the kubeconfig's \
             certificate-authority",
        ),
        (
            Certificate::Expired,
            "certificate refused: x509: certificate has expired or is not yet valid (valid \
             until 2021-01-01T00:00:00Z) (context proxied): renew the API server's certificate",
        ),
        (
            Certificate::OtherHost,
            "certificate refused: x509: certificate is valid for apiserver.elsewhere.example, \
             not 127.0.0.1 (context proxied): connect by a name the certificate carries",
        ),
    ] {
        let proxy = FaultProxy::start(faulty.cluster.client.clone(), certificate).await;
        let kubeconfig = faulty
            .cluster
            .dir
            .join(format!("kubeconfig-{certificate:?}"));
        proxy.write_kubeconfig(&kubeconfig, "proxied");
        let (out, took) = summary(&kubeconfig);
        let err = run::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            took < Duration::from_secs(20),
            "{certificate:?} took {took:?}: {err}"
        );
        assert!(err.contains(said), "{certificate:?}: {err}");
    }
}

/// Kind 4: a kind that stops being served (its CRD deleted: the server ends its watches and
/// answers 404) is said as such, not as a cluster unreachable, and the watch recovers by
/// itself once it is served again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kind_that_stops_being_served_says_so_and_recovers() {
    let Some(faulty) = Faulty::start("stops_being_served", Certificate::Good).await else {
        return;
    };
    let (mut live, mut rx, _tasks) = crate::synced_watches_with(&faulty.args()).await;
    faulty.proxy.set(vec![Fault::on(
        "baremetalhosts",
        Answer::status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        ),
    )]);
    faulty.proxy.cut_watches();
    let mut reason = None;
    let until = tokio::time::Instant::now() + Duration::from_secs(60);
    while reason.is_none() {
        let event = tokio::time::timeout_at(until, rx.recv())
            .await
            .expect("said in time")
            .expect("the watches run");
        if let FleetEvent::Watch {
            kind: gpufleet::event::Kind::BareMetalHost,
            state: state @ WatchState::Stale { .. },
            ..
        } = &event
        {
            reason = state.failure_line();
        }
        live.apply(event);
    }
    let reason = reason.unwrap();
    assert!(
        reason.starts_with(
            "BareMetalHost (metal3.io/v1alpha1) is no longer served on context proxied (404): \
             its CustomResourceDefinition was deleted or its API is down"
        ),
        "{reason}"
    );
    live.refresh();
    assert_eq!(
        live.fleet().hosts().len(),
        200,
        "its hosts stay as last known"
    );
    faulty.proxy.set(Vec::new());
    crate::pump_until(
        &mut live,
        &mut rx,
        Duration::from_secs(120),
        LiveFleet::all_synced,
        |_| {},
    )
    .await;
}

/// Kinds 1 and 2 on the dashboard, in a real terminal: the status line says the watches'
/// answer within seconds (`relisting (410), next in 8s`, the platform's kinds failing alike
/// said once), and so does `:ctx`, with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_says_the_servers_answer_in_its_status_line_and_ctx() {
    let Some(faulty) = Faulty::start("dashboard_answers", Certificate::Good).await else {
        return;
    };
    faulty.proxy.set(vec![Fault::watches(None, Answer::Gone)]);
    let command = format!(
        "{} dash --kubeconfig {}",
        run::BIN,
        faulty.kubeconfig.display()
    );
    let tmux = Tmux::start("answers", &command, (220, 50));
    let wait = |what: &dyn Fn(&str) -> bool, label: &str| {
        tmux.wait_until(
            what,
            label,
            Duration::from_secs(60),
            Duration::from_millis(100),
        )
    };
    // Kinds failing alike are said once, with the soonest retry.
    wait(
        &|s| s.contains("claims images") && s.contains(":relisting (410), next in "),
        "the status line's 410",
    );
    // Each kind was listed whole: the counts are true as of those lists; a site whose
    // watch relists says so, not that it cannot be reached.
    let screen = wait(&|s| s.contains("200 hosts"), "the counts");
    assert!(
        !screen.contains("unreachable"),
        "a server that answers is reachable:\n{screen}"
    );
    tmux.send_text(":ctx");
    tmux.send(&["Enter"]);
    let ctx = wait(&|s| s.contains("failing for"), ":ctx");
    assert!(
        ctx.lines()
            .any(|l| l.contains("  claims ") && l.contains("relisting (410), next in ")),
        "{ctx}"
    );
    tmux.send(&["Escape"]);
    tmux.wait_gone("failing for");
    tmux.send(&["q"]);
}

/// The figures of BENCHMARKS.md: how long until a 429 and a 403 are shown, from the start of
/// the watches (in-process), of the dashboard (on its status line, in tmux), and of
/// `summary` (its end, for a 403). `cargo test --release --test e2e -- --ignored
/// time_to_show --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn time_to_show_a_429_and_a_403() {
    let Some(faulty) = Faulty::start("time_to_show", Certificate::Good).await else {
        return;
    };
    let forbidden = "nodeclaims.management.loft.sh is forbidden: User \"gpufleet-reader\" \
        cannot list resource \"nodeclaims\" in API group \"management.loft.sh\" at the cluster scope";
    for (name, fault, trouble, shown) in [
        (
            "429",
            Fault::every(Answer::throttled(12)),
            Trouble::Throttled,
            ":throttled (429), retrying in",
        ),
        (
            "403",
            Fault::on("nodeclaims", Answer::status(403, "Forbidden", forbidden)),
            Trouble::Forbidden,
            "claims:forbidden (403), retrying in",
        ),
    ] {
        faulty.proxy.set(vec![fault]);
        let (_, _, _, watch) = first_state(&faulty, Duration::from_secs(30), |s| {
            trouble_of(s) == Some(trouble)
        })
        .await;
        let started = Instant::now();
        let tmux = Tmux::start(
            &format!("time-{name}"),
            &format!(
                "{} dash --kubeconfig {}",
                run::BIN,
                faulty.kubeconfig.display()
            ),
            (220, 50),
        );
        tmux.wait_until(
            |s| s.contains(shown),
            name,
            Duration::from_secs(30),
            Duration::from_millis(20),
        );
        let dashboard = started.elapsed();
        drop(tmux);
        let summary = if trouble.is_permanent() {
            let (out, took) = summary(&faulty.kubeconfig);
            assert_eq!(out.status.code(), Some(1));
            format!("{took:.2?} to its end (status 1)")
        } else {
            "its progress line at 2 s (it says nothing sooner)".to_string()
        };
        eprintln!(
            "{name}: the watch's state after {watch:.2?}; the dashboard's status line after \
             {dashboard:.2?} (from its start); summary: {summary}"
        );
    }
}
