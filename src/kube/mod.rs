//! The live clusters, both halves of the kube backend: kube clients, one watch per kind of
//! the platform, one BareMetalHost and HardwareData watch per Metal3 cluster, the read-only
//! guard, and the guarded writer ([`writer::KubeWriter`]).

pub mod answer;
pub mod client;
pub mod failure;
pub mod read_only;
pub mod watch;
pub mod writer;

pub use client::{
    Attempt, ClientError, ClientPlan, ClusterClient, ClusterOptions, Clusters, ContextMap, connect,
    connect_within,
};

use crate::decode::Lenient;
use crate::event::{FleetEvent, Kind, WatchState};
use crate::fleet::build::{DEFAULT_BMH_NAMESPACE, metal3_scopes};
use crate::model::{
    BareMetalHost, HardwareData, Machine, NodeClaim, NodeProvider, NodeType, OsImage,
};
use futures::StreamExt;
use kube::Api;
use kube::runtime::watcher::{DefaultBackoff, Event};
use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Events buffered between the watches and the app.
pub const CHANNEL_CAPACITY: usize = 4096;

/// Where to watch BareMetalHosts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostScope {
    Namespace(String),
    AllNamespaces,
}

/// The BareMetalHost namespace: `--bmh-namespace`, else the one namespace the providers'
/// `clusterRef` names, else `metal3-system`. Providers naming several namespaces are watched
/// across all namespaces.
pub fn host_scope(explicit: Option<&str>, provider_namespaces: &BTreeSet<String>) -> HostScope {
    if let Some(ns) = explicit {
        return HostScope::Namespace(ns.to_string());
    }
    match provider_namespaces.len() {
        0 => HostScope::Namespace(DEFAULT_BMH_NAMESPACE.to_string()),
        1 => HostScope::Namespace(
            provider_namespaces
                .iter()
                .next()
                .cloned()
                .unwrap_or_default(),
        ),
        _ => HostScope::AllNamespaces,
    }
}

/// Starts every watch. They run until the receiver is dropped.
pub fn spawn_watches(
    clusters: &Clusters,
    bmh_namespace: Option<String>,
) -> (mpsc::Receiver<FleetEvent>, Vec<JoinHandle<()>>) {
    let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
    let tasks = spawn_watches_into(clusters, bmh_namespace, tx);
    (rx, tasks)
}

/// Starts every watch, sending into `tx`. They run until its receiver is dropped.
pub fn spawn_watches_into(
    clusters: &Clusters,
    bmh_namespace: Option<String>,
    tx: mpsc::Sender<FleetEvent>,
) -> Vec<JoinHandle<()>> {
    let platform = clusters.platform.client.clone();
    // Who asks, named in a refusal; the platform's kinds are cluster-scoped but claims,
    // which are watched across every namespace.
    let asking = clusters.asking(&clusters.platform, None);
    let start = || watch::Watching {
        asking: asking.clone(),
        ..watch::Watching::default()
    };
    vec![
        tokio::spawn(watch::run_from(
            Api::<Lenient<NodeProvider>>::all(platform.clone()),
            None,
            tx.clone(),
            start(),
        )),
        tokio::spawn(watch::run_from(
            Api::<Lenient<NodeType>>::all(platform.clone()),
            None,
            tx.clone(),
            start(),
        )),
        tokio::spawn(watch::run_from(
            Api::<Lenient<NodeClaim>>::all(platform.clone()),
            None,
            tx.clone(),
            start(),
        )),
        tokio::spawn(watch::run_from(
            Api::<Lenient<OsImage>>::all(platform.clone()),
            None,
            tx.clone(),
            start(),
        )),
        // The inventory mirror: platforms before 4.13 do not serve it (not served, not stale).
        tokio::spawn(watch::run_from(
            Api::<Lenient<Machine>>::all(platform),
            None,
            tx.clone(),
            start(),
        )),
        tokio::spawn(supervise_metal3(clusters.clone(), bmh_namespace, tx)),
    ]
}

/// One BareMetalHost and one HardwareData watch per Metal3 cluster the providers name,
/// started and stopped as providers come and go: the providers are watched here too (their
/// own watch feeds the fleet), and each change of the clusters and their namespaces
/// restarts only the clusters it changes. A cluster no provider names any more is stopped
/// and its objects leave ([`FleetEvent::ClusterGone`]). Runs until `tx` closes.
async fn supervise_metal3(
    clusters: Clusters,
    bmh_namespace: Option<String>,
    tx: mpsc::Sender<FleetEvent>,
) {
    let api: Api<Lenient<NodeProvider>> = Api::all(clusters.platform.client.clone());
    let mut providers: BTreeMap<String, NodeProvider> = BTreeMap::new();
    let mut running: BTreeMap<String, (BTreeSet<String>, ClusterTask)> = BTreeMap::new();
    // The same policy as every watch's: a list is no reason to start the pauses over.
    let mut policy = failure::RetryPolicy::default();
    let asking = clusters.asking(&clusters.platform, None);
    let name_of = |p: &NodeProvider| p.metadata.name.clone().unwrap_or_default();
    loop {
        let config = kube::runtime::watcher::Config::default().timeout(watch::WATCH_TIMEOUT_SECS);
        let mut stream = kube::runtime::watcher::watcher(api.clone(), config).boxed();
        let mut listing: Option<BTreeMap<String, NodeProvider>> = None;
        let failed = loop {
            let event = tokio::select! {
                event = stream.next() => event,
                () = tx.closed() => {
                    for (_, (_, task)) in running {
                        task.abort();
                    }
                    return;
                }
            };
            let changed = match event {
                Some(Ok(Event::Init)) => {
                    listing = Some(BTreeMap::new());
                    false
                }
                Some(Ok(Event::InitApply(p))) => {
                    if let (Some(l), Ok(p)) = (listing.as_mut(), p.split()) {
                        l.insert(name_of(&p), p);
                    }
                    false
                }
                Some(Ok(Event::InitDone)) => {
                    providers = listing.take().unwrap_or_default();
                    policy.synced(tokio::time::Instant::now());
                    true
                }
                Some(Ok(Event::Apply(p))) => match p.split() {
                    Ok(p) => {
                        providers.insert(name_of(&p), p);
                        true
                    }
                    Err(misfit) => providers.remove(&name_of(&misfit.1)).is_some(),
                },
                Some(Ok(Event::Delete(p))) => {
                    let p = match p.split() {
                        Ok(p) => p,
                        Err(misfit) => misfit.1,
                    };
                    providers.remove(&name_of(&p)).is_some()
                }
                // The providers cannot be read: the clusters' watches go on as they are
                // (the providers' own watch shows the failure); list again after a pause.
                Some(Err(e)) => break failure::classify::<NodeProvider>(&e, &asking),
                None => {
                    break failure::Failure {
                        trouble: crate::event::Trouble::Unreachable,
                        reason: "the watch stream ended".into(),
                        retry_after: None,
                    };
                }
            };
            if changed {
                let scopes = metal3_scopes(providers.values());
                reconcile(&clusters, &bmh_namespace, &tx, &mut running, scopes).await;
            }
        };
        let pause = policy.pause(&failed, tokio::time::Instant::now());
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = tx.closed() => {
                for (_, (_, task)) in running {
                    task.abort();
                }
                return;
            }
        }
    }
}

/// One Metal3 cluster's watches, stopped when dropped: the supervisor's end (its task
/// aborted, say) ends every cluster's watches with it, rather than leaving them retrying
/// (and running exec plugins) until the channel closes.
struct ClusterTask(JoinHandle<()>);

impl ClusterTask {
    fn abort(&self) {
        self.0.abort();
    }
}

impl Drop for ClusterTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the watches of clusters new or changed, stops those of clusters gone.
async fn reconcile(
    clusters: &Clusters,
    bmh_namespace: &Option<String>,
    tx: &mpsc::Sender<FleetEvent>,
    running: &mut BTreeMap<String, (BTreeSet<String>, ClusterTask)>,
    scopes: BTreeMap<String, BTreeSet<String>>,
) {
    let gone: Vec<String> = running
        .keys()
        .filter(|c| !scopes.contains_key(*c))
        .cloned()
        .collect();
    for cluster in gone {
        if let Some((_, task)) = running.remove(&cluster) {
            task.abort();
        }
        let _ = tx.send(FleetEvent::ClusterGone(cluster)).await;
    }
    let start: Vec<(String, BTreeSet<String>)> = scopes
        .into_iter()
        .filter(|(cluster, namespaces)| running.get(cluster).is_none_or(|(ns, _)| ns != namespaces))
        .collect();
    // Every cluster is shown connecting from the moment a provider names it, before any of
    // them connects: a cluster whose client takes long (an exec plugin waiting for a login)
    // is never missing from the status, `:ctx` or the one-shot commands' sync.
    for (cluster, _) in &start {
        if let Some((_, task)) = running.remove(cluster) {
            task.abort();
        }
        for kind in [Kind::BareMetalHost, Kind::HardwareData] {
            let event = FleetEvent::Watch {
                kind,
                cluster: (!cluster.is_empty()).then(|| cluster.clone()),
                state: WatchState::Connecting,
            };
            if tx.send(event).await.is_err() {
                return;
            }
        }
    }
    for (cluster, namespaces) in start {
        let scope = match bmh_namespace {
            Some(ns) => HostScope::Namespace(ns.clone()),
            None => host_scope(None, &namespaces),
        };
        let task = tokio::spawn(watch_metal3(
            clusters.clone(),
            cluster.clone(),
            scope,
            tx.clone(),
        ));
        running.insert(cluster, (namespaces, ClusterTask(task)));
    }
}

/// The watches of one Metal3 cluster: its client first (a cluster no context reaches, or
/// whose client cannot be built, is shown stale with why, and tried again after a pause),
/// then BareMetalHosts and HardwareData in its namespace(s).
async fn watch_metal3(
    clusters: Clusters,
    cluster: String,
    scope: HostScope,
    tx: mpsc::Sender<FleetEvent>,
) {
    // The unnamed cluster (providers naming none) is watched as one watch per kind was.
    let named = (!cluster.is_empty()).then(|| cluster.clone());
    let mut backoff = DefaultBackoff::default();
    // The first failure: what is shown has been out of date since then, however many
    // attempts follow.
    let mut stale_since: Option<SystemTime> = None;
    let client = loop {
        match clusters.metal3_client(&cluster).await {
            Ok(client) => break client,
            Err(e) => {
                let state = WatchState::stale(
                    *stale_since.get_or_insert_with(SystemTime::now),
                    format!("no way to reach it: {e}"),
                );
                for kind in [Kind::BareMetalHost, Kind::HardwareData] {
                    let event = FleetEvent::Watch {
                        kind,
                        cluster: named.clone(),
                        state: state.clone(),
                    };
                    if tx.send(event).await.is_err() {
                        return;
                    }
                }
                tokio::time::sleep(watch::next_pause(&mut backoff)).await;
            }
        }
    };
    let namespace = match &scope {
        HostScope::Namespace(ns) => Some(ns.clone()),
        HostScope::AllNamespaces => None,
    };
    let (hosts, hardware): (Api<Lenient<BareMetalHost>>, Api<Lenient<HardwareData>>) = match scope {
        HostScope::Namespace(ns) => (
            Api::namespaced(client.client.clone(), &ns),
            Api::namespaced(client.client.clone(), &ns),
        ),
        HostScope::AllNamespaces => (
            Api::all(client.client.clone()),
            Api::all(client.client.clone()),
        ),
    };
    // A context that does not serve BareMetalHosts says which cluster it was meant to
    // reach and how to name the right one.
    let why = clusters.context_for(&cluster).map(|(_, why)| why).ok();
    let start = watch::Watching {
        stale_since,
        asking: clusters.asking(&client, namespace),
        not_served_hint: Some(format!(
            "{}name the context that reaches Metal3 cluster {cluster}: --bmh-context \
             {cluster}=CONTEXT, or under [clusters] in the settings file",
            match why {
                Some(why) => format!("it was chosen as {why}; "),
                None => String::new(),
            }
        )),
    };
    // HardwareData beside its hosts; a baremetal-operator without the kind is not served.
    tokio::join!(
        watch::run_from(hosts, named.clone(), tx.clone(), start.clone()),
        watch::run_from(hardware, named, tx, start)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_namespace_follows_the_providers() {
        let none = BTreeSet::new();
        assert_eq!(
            host_scope(None, &none),
            HostScope::Namespace("metal3-system".into())
        );
        let one: BTreeSet<String> = ["m3".to_string()].into();
        assert_eq!(host_scope(None, &one), HostScope::Namespace("m3".into()));
        assert_eq!(
            host_scope(Some("x"), &one),
            HostScope::Namespace("x".into())
        );
        let two: BTreeSet<String> = ["a".to_string(), "b".to_string()].into();
        assert_eq!(host_scope(None, &two), HostScope::AllNamespaces);
    }
}
