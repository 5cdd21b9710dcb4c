//! One kube watch per kind, turned into [`FleetEvent`]s. The initial list (and every relist)
//! is buffered and sent as one `Replaced`, so the app never shows a half-listed kind. After
//! any error (`410 Gone`, a dropped connection, an API server restart, a refusal) the watch
//! reports itself stale with what the server answered ([`classify`]), waits as its
//! [`RetryPolicy`] says (backing off across its lists and watches, honouring `Retry-After`),
//! and starts over with a fresh list; it never gives up.
//!
//! Each listed or watched object is decoded on its own ([`Lenient`]): one that does not fit
//! its type is sent as a rejection, named, and costs neither the list nor the watch.

use super::failure::{Asking, Failure, RetryPolicy, api_version, classify};
use crate::decode::{FleetKind, Lenient, Rejected};
use crate::event::{FleetEvent, Trouble, WatchState};
use crate::fleet::FleetObject;
use futures::StreamExt;
use kube::Api;
use kube::runtime::watcher::DefaultBackoff;
use kube::runtime::watcher::{self, Event};
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;

/// Objects per page of the initial list.
pub const PAGE_SIZE: u32 = 500;
/// How often the syncing count is reported during a list.
pub const PROGRESS_EVERY: usize = 1000;
/// How often a kind the cluster does not serve is looked for again (a platform or
/// baremetal-operator upgrade may add it).
pub const NOT_SERVED_RECHECK: Duration = Duration::from_secs(300);

/// How long the API server keeps one watch request open (`timeoutSeconds`) before the
/// watcher starts the next from the last resourceVersion (no relist). Short, so that a
/// healthy idle watch still hears from its server well within [`READ_TIMEOUT`]. Watches ask
/// for bookmarks (`allowWatchBookmarks`, kube-runtime's default, checked in the end-to-end
/// tests), which keep that resourceVersion fresh, so a `410 Gone` is rare.
pub const WATCH_TIMEOUT_SECS: u32 = 30;

/// The longest silence on a connection before gpufleet takes the server for gone: a server
/// that stops answering without closing its connections (frozen, or a network partition with
/// no reset) turns the watches stale after this, not after kube's default of 295 s.
pub const READ_TIMEOUT: Duration = Duration::from_secs(45);

/// The longest pause between two attempts before jitter, as kube-runtime's
/// [`DefaultBackoff`] sets it; also the pause should that backoff ever run out (it does not).
pub const LONGEST_PAUSE: Duration = Duration::from_secs(30);

/// The pause before the next attempt to connect (building a client: nothing is asked of the
/// server yet), from kube-runtime's watcher backoff ([`DefaultBackoff`], client-go's
/// reflector backoff): 0.8 s doubling up to [`LONGEST_PAUSE`], each pause plus a random
/// jitter of up to as much again. A watch's own attempts follow [`RetryPolicy`].
pub fn next_pause(backoff: &mut DefaultBackoff) -> Duration {
    backoff.next().unwrap_or(LONGEST_PAUSE)
}

/// A watched object as the event to send: applied, or rejected when it does not fit.
fn applied<K: FleetKind>(object: Lenient<K>) -> FleetEvent {
    match object.split() {
        Ok(object) => FleetEvent::Applied(object.into()),
        Err(misfit) => FleetEvent::Rejected(misfit.0),
    }
}

/// A deleted object as the event to send: what identifies it is enough, fit or not.
fn deleted<K: FleetKind>(object: Lenient<K>) -> FleetEvent {
    match object.split() {
        Ok(object) => FleetEvent::Deleted(object.into()),
        Err(misfit) => FleetEvent::Deleted(misfit.1.into()),
    }
}

/// Why a needed kind the cluster does not serve (404 for its resource) fails, and what to do:
/// never served on a context chosen for it (`BareMetalHost (metal3.io/v1alpha1) is not
/// served on context platform (404); …name the context that reaches…`), or served before and
/// no longer (`BareMetalHost (metal3.io/v1alpha1) is no longer served on context dc1 (404):
/// its CustomResourceDefinition was deleted or its API is down; …`).
fn not_served<K: FleetKind>(start: &Watching, served_before: bool) -> String {
    let on = start
        .asking
        .context
        .as_deref()
        .map(|c| format!(" on context {c}"))
        .unwrap_or_default();
    let kind = format!("{} ({})", K::FLEET_KIND, api_version::<K>());
    if served_before {
        return format!(
            "{kind} is no longer served{on} (404): its CustomResourceDefinition was deleted or \
             its API is down; watched again every {}s until it is back",
            super::failure::PERMANENT_PAUSE.as_secs()
        );
    }
    format!(
        "{kind} is not served{on} (404){}",
        start
            .not_served_hint
            .as_deref()
            .map(|h| format!("; {h}"))
            .unwrap_or_default()
    )
}

/// Watches one kind forever, sending events until the receiver is gone.
pub async fn run<K: FleetKind>(api: Api<Lenient<K>>, tx: mpsc::Sender<FleetEvent>) {
    run_in(api, None, tx).await
}

/// Watches one kind forever; with `cluster`, as the watch of that Metal3 cluster
/// ([`FleetEvent::in_cluster`]: its objects carry the cluster, its lists replace only that
/// cluster's objects, its states name it).
pub async fn run_in<K: FleetKind>(
    api: Api<Lenient<K>>,
    cluster: Option<String>,
    tx: mpsc::Sender<FleetEvent>,
) {
    run_from(api, cluster, tx, Watching::default()).await
}

/// What a watch starts from ([`run_from`]).
#[derive(Clone, Debug, Default)]
pub struct Watching {
    /// Stale since then already (its cluster could not be reached before): the stale age
    /// goes on from it until the first sync.
    pub stale_since: Option<SystemTime>,
    /// Who asks, where: named in a refusal (the context also when the kind is not served).
    pub asking: Asking,
    /// What to do about a cluster that does not serve the kind (a context to name).
    pub not_served_hint: Option<String>,
}

/// [`run_in`], from `start`. While the watch is stale, its state stays `Stale` with the
/// time of the first failure through every retry (a relist under way is not shown as
/// syncing), until a list completes; each failure says what the server answered and when
/// the next attempt starts.
pub async fn run_from<K: FleetKind>(
    api: Api<Lenient<K>>,
    cluster: Option<String>,
    tx: mpsc::Sender<FleetEvent>,
    start: Watching,
) {
    let kind = K::FLEET_KIND;
    let mut policy = RetryPolicy::default();
    let mut stale_since: Option<SystemTime> = start.stale_since;
    // Whether the kind was listed on this context since the watch started: a 404 then is a
    // kind that stopped being served, not a context chosen wrong.
    let mut served_before = false;
    let send = |event: FleetEvent| {
        let tx = tx.clone();
        let event = match &cluster {
            Some(c) => event.in_cluster(c),
            None => event,
        };
        async move { tx.send(event).await.is_ok() }
    };
    if stale_since.is_none()
        && !send(FleetEvent::Watch {
            kind,
            cluster: None,
            state: WatchState::Connecting,
        })
        .await
    {
        return;
    }
    'watch: loop {
        let config = watcher::Config::default()
            .page_size(PAGE_SIZE)
            .timeout(WATCH_TIMEOUT_SECS);
        let mut stream = watcher::watcher(api.clone(), config).boxed();
        let mut buffer: Vec<FleetObject> = Vec::new();
        let mut rejected: Vec<Rejected> = Vec::new();
        let failure = loop {
            let event = match stream.next().await {
                Some(Ok(Event::Init)) => {
                    buffer.clear();
                    rejected.clear();
                    // A retry: stale it stays, since the first failure, until it syncs.
                    if stale_since.is_some() {
                        continue;
                    }
                    FleetEvent::Watch {
                        kind,
                        cluster: None,
                        state: WatchState::Syncing { received: 0 },
                    }
                }
                Some(Ok(Event::InitApply(o))) => {
                    match o.split() {
                        Ok(o) => buffer.push(o.into()),
                        Err(misfit) => rejected.push(misfit.0),
                    }
                    let received = buffer.len() + rejected.len();
                    if !received.is_multiple_of(PROGRESS_EVERY) || stale_since.is_some() {
                        continue;
                    }
                    FleetEvent::Watch {
                        kind,
                        cluster: None,
                        state: WatchState::Syncing { received },
                    }
                }
                Some(Ok(Event::InitDone)) => {
                    let objects = std::mem::take(&mut buffer);
                    let rejected = std::mem::take(&mut rejected);
                    let replaced = FleetEvent::Replaced {
                        kind,
                        cluster: None,
                        objects,
                        rejected,
                    };
                    if !send(replaced).await {
                        return;
                    }
                    stale_since = None;
                    served_before = true;
                    // Healthy from now; the pauses start over only if it stays so.
                    policy.synced(tokio::time::Instant::now());
                    FleetEvent::Watch {
                        kind,
                        cluster: None,
                        state: WatchState::Synced {
                            since: SystemTime::now(),
                        },
                    }
                }
                Some(Ok(Event::Apply(o))) => applied(o),
                Some(Ok(Event::Delete(o))) => deleted(o),
                Some(Err(e)) => {
                    let failure = classify::<K>(&e, &start.asking);
                    if failure.trouble != Trouble::NotServed {
                        break failure;
                    }
                    if !kind.is_optional() {
                        // A kind gpufleet needs, not served: said as such, with what to do.
                        break Failure {
                            reason: not_served::<K>(&start, served_before),
                            ..failure
                        };
                    }
                    // Not served: complete and empty, not stale. Look again later.
                    let cleared = FleetEvent::Replaced {
                        kind,
                        cluster: None,
                        objects: Vec::new(),
                        rejected: Vec::new(),
                    };
                    let absent = FleetEvent::Watch {
                        kind,
                        cluster: None,
                        state: WatchState::NotServed {
                            since: SystemTime::now(),
                        },
                    };
                    if !send(cleared).await || !send(absent).await {
                        return;
                    }
                    stale_since = None;
                    policy = RetryPolicy::default();
                    tokio::time::sleep(NOT_SERVED_RECHECK).await;
                    continue 'watch;
                }
                None => {
                    break Failure {
                        trouble: Trouble::Unreachable,
                        reason: "the watch stream ended".to_string(),
                        retry_after: None,
                    };
                }
            };
            if !send(event).await {
                return;
            }
        };
        let since = *stale_since.get_or_insert_with(SystemTime::now);
        let pause = policy.pause(&failure, tokio::time::Instant::now());
        if !send(FleetEvent::Watch {
            kind,
            cluster: None,
            state: WatchState::Stale {
                since,
                reason: failure.reason,
                trouble: failure.trouble,
                retry_at: Some(SystemTime::now() + pause),
            },
        })
        .await
        {
            return;
        }
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A needed kind not served (404) says what to do where it never was, and that it is no
    /// longer served where it was.
    #[test]
    fn a_kind_not_served_says_whether_it_ever_was() {
        let start = Watching {
            stale_since: None,
            asking: Asking {
                context: Some("platform".into()),
                ..Asking::default()
            },
            not_served_hint: Some("name the context that reaches Metal3 cluster dc2".into()),
        };
        let never = not_served::<BareMetalHost>(&start, false);
        assert_eq!(
            never,
            "BareMetalHost (metal3.io/v1alpha1) is not served on context platform (404); name \
             the context that reaches Metal3 cluster dc2"
        );
        let gone = not_served::<BareMetalHost>(&start, true);
        assert!(
            gone.starts_with(
                "BareMetalHost (metal3.io/v1alpha1) is no longer served on context platform \
                 (404): its CustomResourceDefinition was deleted or its API is down"
            ),
            "{gone}"
        );
    }
    use super::super::failure::{MAX_RETRY_AFTER, PERMANENT_PAUSE};
    use crate::model::BareMetalHost;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};

    fn failing(trouble: Trouble, retry_after: Option<Duration>) -> Failure {
        Failure {
            trouble,
            reason: String::new(),
            retry_after,
        }
    }

    /// The list storm: a server that answers every watch 410 lets each relist succeed. The
    /// pauses keep growing across those lists and watches (a list is no reason to start
    /// over), to a ceiling, and start over only after the watch stayed healthy a while.
    #[test]
    fn retry_pauses_span_lists_and_watches_and_start_over_only_after_a_healthy_while() {
        let gone = failing(Trouble::Expired, None);
        let mut policy = RetryPolicy::default();
        let mut now = tokio::time::Instant::now();
        let mut pauses = Vec::new();
        for _ in 0..40 {
            // Listed whole, then the watch expires at once.
            policy.synced(now);
            now += Duration::from_millis(200);
            let pause = policy.pause(&gone, now);
            pauses.push(pause);
            now += pause;
        }
        let first_floor = Duration::from_millis(800);
        assert!(
            pauses[0] >= first_floor && pauses[0] < first_floor * 2,
            "{pauses:?}"
        );
        assert!(pauses[3] >= first_floor * 8, "still growing: {pauses:?}");
        assert!(
            pauses[10..].iter().all(|p| *p >= LONGEST_PAUSE),
            "{pauses:?}"
        );
        assert!(pauses.iter().all(|p| *p <= LONGEST_PAUSE * 2), "{pauses:?}");
        // Healthy for two minutes: the next failure is retried soon again.
        policy.synced(now);
        now += super::super::failure::HEALTHY_RESET;
        let again = policy.pause(&gone, now);
        assert!(again >= first_floor && again < first_floor * 2, "{again:?}");
    }

    /// What the server asks for is honoured (up to a ceiling), and a failure no retry helps
    /// is tried again slowly.
    #[test]
    fn retry_after_and_permanent_failures_set_the_least_pause() {
        let now = tokio::time::Instant::now();
        let mut policy = RetryPolicy::default();
        let throttled = failing(Trouble::Throttled, Some(Duration::from_secs(12)));
        assert!(policy.pause(&throttled, now) >= Duration::from_secs(12));
        let greedy = failing(Trouble::Throttled, Some(Duration::from_secs(86_400)));
        assert_eq!(policy.pause(&greedy, now), MAX_RETRY_AFTER);
        for trouble in [
            Trouble::Unauthorized,
            Trouble::Forbidden,
            Trouble::Certificate,
            Trouble::NotServed,
        ] {
            let mut policy = RetryPolicy::default();
            assert!(
                policy.pause(&failing(trouble, None), now) >= PERMANENT_PAUSE,
                "{trouble:?}"
            );
        }
    }

    /// An API server that answers requests in order from a script of (is a watch, body);
    /// past the script, or on a request of the other sort, it never answers.
    #[derive(Clone)]
    struct Scripted {
        calls: Arc<Mutex<usize>>,
        script: Arc<Vec<(bool, String)>>,
    }

    impl Scripted {
        fn client(script: Vec<(bool, serde_json::Value)>) -> kube::Client {
            let script = script
                .into_iter()
                .map(|(watch, body)| match body {
                    // A watch answers one event per line.
                    serde_json::Value::Array(events) if watch => {
                        (watch, events.iter().map(|e| e.to_string() + "\n").collect())
                    }
                    body => (watch, body.to_string()),
                })
                .collect();
            let server = Scripted {
                calls: Arc::default(),
                script: Arc::new(script),
            };
            kube::Client::new(server, "m3")
        }
    }

    fn host_json(name: &str) -> serde_json::Value {
        serde_json::json!({"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
            "metadata": {"name": name, "namespace": "m3", "resourceVersion": "5"}})
    }

    /// A host that does not fit: `spec.online` is a boolean.
    fn bad_host_json(name: &str) -> serde_json::Value {
        let mut host = host_json(name);
        host["spec"] = serde_json::json!({"online": "yes"});
        host
    }

    fn host_list(resource_version: &str, items: Vec<serde_json::Value>) -> serde_json::Value {
        serde_json::json!({"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHostList",
            "metadata": {"resourceVersion": resource_version}, "items": items})
    }

    impl tower::Service<http::Request<kube::client::Body>> for Scripted {
        type Response = http::Response<kube::client::Body>;
        type Error = std::convert::Infallible;
        type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

        fn poll_ready(
            &mut self,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), Self::Error>> {
            std::task::Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: http::Request<kube::client::Body>) -> Self::Future {
            let call = {
                let mut calls = self.calls.lock().unwrap();
                *calls += 1;
                *calls
            };
            let watch = request
                .uri()
                .query()
                .unwrap_or_default()
                .contains("watch=true");
            let body = match self.script.get(call - 1) {
                Some((w, body)) if *w == watch => body.clone(),
                _ => return Box::pin(std::future::pending()),
            };
            Box::pin(async move {
                Ok(http::Response::new(kube::client::Body::from(
                    body.into_bytes(),
                )))
            })
        }
    }

    /// Runs a host watch on a scripted server and names its events until `last` is seen.
    async fn events_until(client: kube::Client, last: &str) -> (Vec<String>, Vec<FleetEvent>) {
        let api: Api<Lenient<BareMetalHost>> = Api::namespaced(client, "m3");
        let (tx, mut rx) = mpsc::channel(64);
        let task = tokio::spawn(run(api, tx));
        let mut seen = Vec::new();
        let mut events = Vec::new();
        let outcome = tokio::time::timeout(std::time::Duration::from_secs(20), async {
            while let Some(event) = rx.recv().await {
                let name = |o: &FleetObject| o.metadata().name.clone().unwrap_or_default();
                let line = match &event {
                    FleetEvent::Watch { state, .. } => match state {
                        WatchState::Connecting => "connecting".to_string(),
                        WatchState::Syncing { .. } => "syncing".to_string(),
                        WatchState::Synced { .. } => "synced".to_string(),
                        WatchState::Loaded { .. } => "loaded".to_string(),
                        s @ WatchState::Stale { .. } => {
                            format!("stale: {}", s.failure_line().unwrap_or_default())
                        }
                        WatchState::NotServed { .. } => "not served".to_string(),
                    },
                    FleetEvent::Replaced {
                        objects, rejected, ..
                    } if rejected.is_empty() => format!("replaced {}", objects.len()),
                    FleetEvent::Replaced {
                        objects, rejected, ..
                    } => format!("replaced {}, rejected {}", objects.len(), rejected.len()),
                    FleetEvent::Applied(o) => format!("applied {}", name(o)),
                    FleetEvent::Deleted(o) => format!("deleted {}", name(o)),
                    FleetEvent::Rejected(r) => format!("rejected {}", r.key.1),
                    other => format!("{other:?}"),
                };
                let done = line == last;
                seen.push(line);
                events.push(event);
                if done {
                    break;
                }
            }
        })
        .await;
        task.abort();
        assert!(outcome.is_ok(), "events: {seen:?}");
        (seen, events)
    }

    #[tokio::test]
    async fn gone_relists_without_a_half_empty_fleet() {
        let gone = serde_json::json!({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1",
            "status": "Failure", "message": "too old resource version", "reason": "Expired", "code": 410}});
        let client = Scripted::client(vec![
            (false, host_list("10", vec![host_json("a")])),
            (true, serde_json::json!([gone])),
            (false, host_list("20", vec![host_json("a"), host_json("b")])),
        ]);
        let (seen, _) = events_until(client, "replaced 2").await;
        assert_eq!(
            seen[..4],
            ["connecting", "syncing", "replaced 1", "synced"],
            "{seen:?}"
        );
        assert_eq!(
            seen[4],
            "stale: relisting (410): the watch fell too far behind (too old resource version)",
            "{seen:?}"
        );
        // After the relist the kind is replaced whole: never a partial list. The relist of a
        // stale watch is not shown as syncing: it stays stale until it has synced.
        assert_eq!(seen[5..], ["replaced 2"], "{seen:?}");
    }

    #[tokio::test]
    async fn an_object_that_does_not_fit_costs_only_itself() {
        let event = |kind: &str, object| serde_json::json!({"type": kind, "object": object});
        let client = Scripted::client(vec![
            (
                false,
                host_list("10", vec![host_json("a"), bad_host_json("b")]),
            ),
            (
                true,
                serde_json::json!([
                    event("MODIFIED", bad_host_json("a")),
                    event("MODIFIED", host_json("b")),
                    event("ADDED", bad_host_json("c")),
                    event("DELETED", bad_host_json("c")),
                ]),
            ),
        ]);
        let (seen, events) = events_until(client, "deleted c").await;
        // The list arrives whole, with its misfit named beside it, and the watch is synced.
        assert_eq!(
            seen,
            [
                "connecting",
                "syncing",
                "replaced 1, rejected 1",
                "synced",
                "rejected a",
                "applied b",
                "rejected c",
                "deleted c",
            ]
        );
        let mut live = crate::live::LiveFleet::new([crate::event::Kind::BareMetalHost]);
        let mut rejected_after = Vec::new();
        for event in events {
            live.apply(event);
            rejected_after.push(live.skipped_count());
        }
        // After the list b is rejected; then a turns bad, b is fixed, c comes and goes.
        assert_eq!(rejected_after, [0, 0, 1, 1, 2, 1, 2, 1]);
        let named: Vec<String> = live.rejected().map(|r| r.to_string()).collect();
        assert_eq!(
            named,
            [
                "BareMetalHost m3/a: field spec.online: invalid type: string \"yes\", expected a boolean"
            ]
        );
        live.refresh();
        let hosts: Vec<&str> = live
            .fleet()
            .hosts()
            .iter()
            .map(|h| h.name.as_str())
            .collect();
        assert_eq!(hosts, ["b"], "a left the fleet when it stopped fitting");
        assert!(live.all_synced());
    }

    #[tokio::test]
    async fn a_watch_that_keeps_failing_stays_stale_since_its_first_failure() {
        let gone = serde_json::json!({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1",
            "status": "Failure", "message": "too old resource version", "reason": "Expired", "code": 410}});
        // A list, a watch that fails, then a relist that fails too (not a list at all).
        let client = Scripted::client(vec![
            (false, host_list("10", vec![host_json("a")])),
            (true, serde_json::json!([gone])),
            (false, serde_json::json!({"kind": "Status"})),
        ]);
        let api: Api<Lenient<BareMetalHost>> = Api::namespaced(client, "m3");
        let (tx, mut rx) = mpsc::channel(64);
        let task = tokio::spawn(run(api, tx));
        let mut seen = Vec::new();
        let mut stale = Vec::new();
        let outcome = tokio::time::timeout(Duration::from_secs(20), async {
            while stale.len() < 2 {
                match rx.recv().await.unwrap() {
                    FleetEvent::Watch {
                        state: WatchState::Stale { since, .. },
                        ..
                    } => {
                        stale.push(since);
                        seen.push("stale".to_string());
                    }
                    FleetEvent::Watch { state, .. } => seen.push(format!("{state:?}")),
                    _ => seen.push("objects".to_string()),
                }
            }
        })
        .await;
        task.abort();
        assert!(outcome.is_ok(), "events: {seen:?}");
        // The retry is not shown as syncing, and the stale age goes on from the first failure.
        assert_eq!(seen[seen.len() - 2..], ["stale", "stale"], "{seen:?}");
        assert_eq!(stale[0], stale[1]);
    }

    #[tokio::test]
    async fn a_context_that_does_not_serve_bare_metal_hosts_says_so_and_what_to_do() {
        let client = kube::Client::new(NotFound::default(), "default");
        let api: Api<Lenient<BareMetalHost>> = Api::all(client);
        let (tx, mut rx) = mpsc::channel(64);
        let start = Watching {
            stale_since: None,
            asking: Asking {
                context: Some("platform".into()),
                ..Asking::default()
            },
            not_served_hint: Some("name its context".into()),
        };
        let task = tokio::spawn(run_from(api, Some("dc2".into()), tx, start));
        let reason = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                if let Some(FleetEvent::Watch {
                    state: WatchState::Stale { reason, .. },
                    ..
                }) = rx.recv().await
                {
                    return reason;
                }
            }
        })
        .await
        .expect("stale at once");
        task.abort();
        assert_eq!(
            reason,
            "BareMetalHost (metal3.io/v1alpha1) is not served on context platform (404); \
             name its context"
        );
    }

    /// An API server that does not serve the kind: every request is `404 Not Found`.
    #[derive(Clone, Default)]
    struct NotFound {
        calls: Arc<Mutex<usize>>,
    }

    impl tower::Service<http::Request<kube::client::Body>> for NotFound {
        type Response = http::Response<kube::client::Body>;
        type Error = std::convert::Infallible;
        type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

        fn poll_ready(
            &mut self,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), Self::Error>> {
            std::task::Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: http::Request<kube::client::Body>) -> Self::Future {
            *self.calls.lock().unwrap() += 1;
            let body = serde_json::json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
                "status": "Failure", "message": "the server could not find the requested resource",
                "reason": "NotFound", "details": {}, "code": 404})
            .to_string();
            Box::pin(async move {
                let mut response = http::Response::new(kube::client::Body::from(body.into_bytes()));
                *response.status_mut() = http::StatusCode::NOT_FOUND;
                Ok(response)
            })
        }
    }

    #[tokio::test]
    async fn a_kind_the_cluster_does_not_serve_is_not_served_not_stale() {
        let service = NotFound::default();
        let calls = service.calls.clone();
        let client = kube::Client::new(service, "default");
        let api: Api<Lenient<crate::model::Machine>> = Api::all(client);
        let (tx, mut rx) = mpsc::channel(64);
        let task = tokio::spawn(run(api, tx));
        let mut seen = Vec::new();
        let outcome = tokio::time::timeout(std::time::Duration::from_secs(20), async {
            while let Some(event) = rx.recv().await {
                let line = match &event {
                    FleetEvent::Watch { state, .. } => match state {
                        WatchState::NotServed { .. } => "not served".to_string(),
                        WatchState::Stale { reason, .. } => format!("stale: {reason}"),
                        other => format!("{other:?}"),
                    },
                    FleetEvent::Replaced { objects, .. } => format!("replaced {}", objects.len()),
                    other => format!("{other:?}"),
                };
                let done = line == "not served";
                seen.push(line);
                if done {
                    break;
                }
            }
        })
        .await;
        task.abort();
        assert!(outcome.is_ok(), "events: {seen:?}");
        assert_eq!(seen[2..], ["replaced 0", "not served"], "{seen:?}");
        assert_eq!(
            *calls.lock().unwrap(),
            1,
            "no retry before {NOT_SERVED_RECHECK:?}"
        );
    }
}
