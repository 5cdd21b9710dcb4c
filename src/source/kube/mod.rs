//! The live cluster: kube clients, one watch per kind, and the read-only guard.

pub mod client;
pub mod read_only;
pub mod watch;

pub use client::{
    Attempt, ClientError, ClientPlan, ClusterClient, ClusterOptions, Clusters, connect,
    connect_within,
};

use crate::fleet::build::DEFAULT_BMH_NAMESPACE;
use crate::model::{
    BareMetalHost, HardwareData, Machine, NodeClaim, NodeProvider, NodeType, OsImage,
};
use crate::source::decode::Lenient;
use crate::source::event::FleetEvent;
use kube::Api;
use kube::api::ListParams;
use std::collections::BTreeSet;
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

/// The providers' BareMetalHost namespaces, by one list at start.
async fn provider_namespaces(client: &ClusterClient) -> Result<BTreeSet<String>, kube::Error> {
    let api: Api<NodeProvider> = Api::all(client.client.clone());
    let list = api.list(&ListParams::default()).await?;
    Ok(list
        .items
        .iter()
        .filter_map(|p| {
            p.spec
                .metal3
                .as_ref()?
                .cluster_ref
                .as_ref()?
                .namespace
                .clone()
        })
        .collect())
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
    let mut tasks = vec![
        tokio::spawn(watch::run(
            Api::<Lenient<NodeProvider>>::all(platform.clone()),
            tx.clone(),
        )),
        tokio::spawn(watch::run(
            Api::<Lenient<NodeType>>::all(platform.clone()),
            tx.clone(),
        )),
        tokio::spawn(watch::run(
            Api::<Lenient<NodeClaim>>::all(platform.clone()),
            tx.clone(),
        )),
        tokio::spawn(watch::run(
            Api::<Lenient<OsImage>>::all(platform.clone()),
            tx.clone(),
        )),
        // The inventory mirror: platforms before 4.13 do not serve it (not served, not stale).
        tokio::spawn(watch::run(
            Api::<Lenient<Machine>>::all(platform),
            tx.clone(),
        )),
    ];
    let metal3 = clusters.metal3.clone();
    let platform = clusters.platform.clone();
    tasks.push(tokio::spawn(async move {
        let scope = match bmh_namespace {
            Some(ns) => HostScope::Namespace(ns),
            None => {
                // The providers say where their hosts are; until they answer, keep asking.
                let mut backoff = watch::Backoff::new();
                loop {
                    match provider_namespaces(&platform).await {
                        Ok(namespaces) => break host_scope(None, &namespaces),
                        Err(_) => tokio::time::sleep(backoff.next_delay()).await,
                    }
                    if tx.is_closed() {
                        return;
                    }
                }
            }
        };
        let (hosts, hardware): (Api<Lenient<BareMetalHost>>, Api<Lenient<HardwareData>>) =
            match scope {
                HostScope::Namespace(ns) => (
                    Api::namespaced(metal3.client.clone(), &ns),
                    Api::namespaced(metal3.client, &ns),
                ),
                HostScope::AllNamespaces => {
                    (Api::all(metal3.client.clone()), Api::all(metal3.client))
                }
            };
        // HardwareData beside its hosts; a baremetal-operator without the kind is not served.
        tokio::join!(watch::run(hosts, tx.clone()), watch::run(hardware, tx));
    }));
    tasks
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
