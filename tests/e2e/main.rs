//! End-to-end tests against a real kube-apiserver with etcd (v1.20, built by
//! `scripts/kube-apiserver`). Each test starts its own server, so tests cannot disturb each
//! other. `scripts/test` builds the server first; run alone with `cargo test --test e2e`.

mod clusters;
mod dialogs;
mod faults;
mod harness;
mod inventory;
mod promises;
mod realworld;
#[path = "../support/mod.rs"]
mod support;

use futures::FutureExt;
use gpufleet::cli::live::{ClusterArgs, live_snapshot};
use gpufleet::event::{FleetEvent, WatchState};
use gpufleet::fleet::lints::all_lints;
use gpufleet::fleet::summary::summarize;
use gpufleet::fleet::{ClaimStage, Fleet, FleetView, HostKey};
use gpufleet::generate::{GenerateConfig, generate};
use gpufleet::impact::{
    Change, ClaimEffect, HostTargets, LabelEdit, NewImage, PinChange, PinTarget, Rotation, impact,
};
use gpufleet::kube::read_only::is_refusal;
use gpufleet::kube::writer::KubeWriter;
use gpufleet::kube::{connect, spawn_watches};
use gpufleet::live::LiveFleet;
use gpufleet::model::{BareMetalHost, NodeClaim, NodeProvider, OsImage, keys};
use gpufleet::write::{WriteError, WriteMode, Writer};
use harness::TestCluster;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use support::run;
use support::tmux::Tmux;
use tokio::sync::mpsc::Receiver;

/// Feeds events into `live` until `done` holds; every event is shown to `seen`.
pub async fn pump_until(
    live: &mut LiveFleet,
    rx: &mut Receiver<FleetEvent>,
    timeout: Duration,
    mut done: impl FnMut(&LiveFleet) -> bool,
    mut seen: impl FnMut(&FleetEvent),
) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !done(live) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(event)) => {
                seen(&event);
                live.apply(event);
                live.refresh();
            }
            Ok(None) => panic!("the watches stopped"),
            Err(_) => panic!(
                "not reached within {timeout:?}; watches: {:?}",
                live.watches()
            ),
        }
    }
}

/// Read-only watches on a test cluster, pumped until every kind is synced.
async fn synced_watches(
    cluster: &TestCluster,
) -> (
    LiveFleet,
    Receiver<FleetEvent>,
    Vec<tokio::task::JoinHandle<()>>,
) {
    synced_watches_with(&cluster.args()).await
}

/// Read-only watches as `args` connect, pumped until every kind is synced.
pub async fn synced_watches_with(
    args: &ClusterArgs,
) -> (
    LiveFleet,
    Receiver<FleetEvent>,
    Vec<tokio::task::JoinHandle<()>>,
) {
    let clusters = connect(&args.options(true).unwrap()).await.unwrap();
    let (mut rx, tasks) = spawn_watches(&clusters, None);
    let mut live = LiveFleet::default();
    pump_until(
        &mut live,
        &mut rx,
        Duration::from_secs(60),
        LiveFleet::all_synced,
        |_| {},
    )
    .await;
    (live, rx, tasks)
}

/// Labels a host as `kubectl label` would (not through gpufleet), then waits until the
/// watches show the label.
async fn label_and_see_it(
    cluster: &TestCluster,
    live: &mut LiveFleet,
    rx: &mut Receiver<FleetEvent>,
    key: HostKey,
    label: &str,
    value: &str,
) {
    Api::<BareMetalHost>::namespaced(cluster.client.clone(), &key.namespace)
        .patch(
            &key.name,
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {label: value}}})),
        )
        .await
        .unwrap();
    pump_until(
        live,
        rx,
        Duration::from_secs(30),
        |l| {
            l.objects()
                .hosts
                .get(&key)
                .and_then(|h| h.metadata.labels.as_ref())
                .is_some_and(|l| l.contains_key(label))
        },
        |_| {},
    )
    .await;
}

/// The object as the server stores it, without what every write changes.
async fn raw<K: kube::Resource<DynamicType = ()>>(
    client: &kube::Client,
    namespace: Option<&str>,
    name: &str,
) -> Value {
    let resource = ApiResource::erase::<K>(&());
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
        None => Api::all_with(client.clone(), &resource),
    };
    let mut v = serde_json::to_value(api.get(name).await.expect("object exists")).unwrap();
    let meta = v["metadata"].as_object_mut().unwrap();
    for field in ["resourceVersion", "managedFields", "generation"] {
        meta.remove(field);
    }
    v
}

fn without_labels(mut v: Value) -> Value {
    v["metadata"].as_object_mut().unwrap().remove("labels");
    v
}

pub fn small_fleet() -> gpufleet::generate::Generated {
    generate(&GenerateConfig::new(200, 3))
}

fn lint_keys(fleet: &Fleet) -> BTreeSet<(String, String)> {
    all_lints(fleet)
        .into_iter()
        .map(|l| (l.id.to_string(), l.subject))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_sync_of_2000_hosts_equals_the_file_fleet() {
    let Some(cluster) =
        TestCluster::start("initial_sync_of_2000_hosts_equals_the_file_fleet").await
    else {
        return;
    };
    let generated = generate(&GenerateConfig::new(2000, 7));
    cluster.load(&generated).await;
    let started = Instant::now();
    let (live, _) = live_snapshot(&cluster.args(), true).await.expect("synced");
    eprintln!("2000-host fleet synced in {:?}", started.elapsed());
    let file = Fleet::build(generated.objects.clone());
    assert_eq!(live.hosts().len(), 2000);
    assert_eq!(live.claims().len(), file.claims().len());
    assert_eq!(summarize(&live), summarize(&file));
    assert_eq!(lint_keys(&live), lint_keys(&file));
    for host in file.hosts() {
        let h = live
            .resolve_host(&format!("{}/{}", host.namespace, host.name))
            .expect("host is live");
        assert_eq!(live.labels(h), host.labels(), "{}", host.name);
        assert_eq!(live.host(h).state, host.state, "{}", host.name);
        let names = |f: &Fleet, ts: &[gpufleet::fleet::NodeTypeId]| {
            ts.iter()
                .map(|&t| f.node_type(t).name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&live, &live.derived(h).eligible),
            names(&file, &host.derived.eligible)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_behind_our_back_arrive_live() {
    let Some(cluster) = TestCluster::start("changes_made_behind_our_back_arrive_live").await else {
        return;
    };
    let generated = small_fleet();
    cluster.load(&generated).await;
    let (mut live, mut rx, _tasks) = synced_watches(&cluster).await;
    assert_eq!(live.fleet().hosts().len(), 200);

    // As `kubectl label` would.
    let key = generated.objects.hosts.keys().next().unwrap().clone();
    let started = Instant::now();
    label_and_see_it(&cluster, &mut live, &mut rx, key, "maintenance", "true").await;
    eprintln!("a label change arrived after {:?}", started.elapsed());

    // As `kubectl delete nodeclaim` would.
    let claim_key = generated.objects.claims.keys().next().unwrap().clone();
    let claims: Api<NodeClaim> = Api::namespaced(cluster.client.clone(), &claim_key.0);
    claims
        .delete(&claim_key.1, &Default::default())
        .await
        .unwrap();
    pump_until(
        &mut live,
        &mut rx,
        Duration::from_secs(30),
        |l| !l.objects().claims.contains_key(&claim_key),
        |_| {},
    )
    .await;
    assert_eq!(
        live.fleet().claims().len(),
        generated.objects.claims.len() - 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_label_edit_changes_exactly_the_named_keys() {
    let Some(cluster) = TestCluster::start("a_label_edit_changes_exactly_the_named_keys").await
    else {
        return;
    };
    cluster.load(&small_fleet()).await;
    let (fleet, clusters) = live_snapshot(&cluster.args(), false).await.unwrap();
    let h = fleet
        .host_ids()
        .find(|&h| fleet.is_free(h) && fleet.labels(h).contains_key(keys::RACK))
        .unwrap();
    let host = fleet.host(h).clone();
    let change = Change::Label(
        LabelEdit::parse_args(
            HostTargets::Names(vec![host.key().to_string()]),
            &["tenant=acme-research", "pool=burst", "rack-"],
        )
        .unwrap(),
    );
    let before = raw::<BareMetalHost>(&cluster.client, Some(&host.namespace), &host.name).await;
    let writer = KubeWriter::new(clusters).unwrap();

    let dry = writer
        .write(&fleet, &change, WriteMode::DryRun)
        .await
        .expect("dry run passes");
    assert_eq!(dry.objects.len(), 1);
    assert_eq!(
        raw::<BareMetalHost>(&cluster.client, Some(&host.namespace), &host.name).await,
        before,
        "a dry run writes nothing"
    );

    let done = writer
        .write(&fleet, &change, WriteMode::Commit)
        .await
        .expect("written");
    assert_eq!(
        done.objects[0].resource_version_before.as_deref(),
        host.resource_version()
    );
    let after = raw::<BareMetalHost>(&cluster.client, Some(&host.namespace), &host.name).await;
    let mut expected_labels = host.labels().clone();
    expected_labels.remove(keys::RACK);
    expected_labels.insert("tenant".into(), "acme-research".into());
    expected_labels.insert("pool".into(), "burst".into());
    assert_eq!(
        after["metadata"]["labels"],
        serde_json::to_value(&expected_labels).unwrap()
    );
    assert_eq!(
        without_labels(after),
        without_labels(before),
        "nothing but the labels changed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_after_the_preview_is_refused_and_nothing_is_lost() {
    let Some(cluster) =
        TestCluster::start("a_change_after_the_preview_is_refused_and_nothing_is_lost").await
    else {
        return;
    };
    cluster.load(&small_fleet()).await;
    let (fleet, clusters) = live_snapshot(&cluster.args(), false).await.unwrap();
    let h = fleet
        .host_ids()
        .find(|&h| fleet.is_free(h) && !fleet.labels(h).contains_key(keys::TENANT))
        .unwrap();
    let host = fleet.host(h).clone();
    let change = Change::Label(
        LabelEdit::parse_args(
            HostTargets::Names(vec![host.key().to_string()]),
            &["tenant=acme-research"],
        )
        .unwrap(),
    );
    assert!(impact(&fleet, &change).is_ok());

    // Someone else edits the host after our preview.
    let hosts: Api<BareMetalHost> = Api::namespaced(cluster.client.clone(), &host.namespace);
    hosts
        .patch(
            &host.name,
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"pool": "other-team"}}})),
        )
        .await
        .unwrap();
    let writer = KubeWriter::new(clusters).unwrap();
    for mode in [WriteMode::DryRun, WriteMode::Commit] {
        match writer.write(&fleet, &change, mode).await {
            Err(WriteError::Conflict {
                kind,
                name,
                what_changed,
            }) => {
                assert_eq!(kind, "BareMetalHost");
                assert!(name.ends_with(&host.name));
                assert!(
                    what_changed.contains("pool=other-team added"),
                    "{what_changed}"
                );
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
    let now = hosts.get(&host.name).await.unwrap();
    let labels = now.metadata.labels.unwrap();
    assert_eq!(
        labels.get("pool").map(String::as_str),
        Some("other-team"),
        "their change is kept"
    );
    assert!(!labels.contains_key("tenant"), "ours was not written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pins_and_rotations_land_exactly_as_previewed() {
    let Some(cluster) = TestCluster::start("pins_and_rotations_land_exactly_as_previewed").await
    else {
        return;
    };
    cluster.load(&small_fleet()).await;
    let (fleet, clusters) = live_snapshot(&cluster.args(), false).await.unwrap();
    let writer = KubeWriter::new(clusters).unwrap();
    let client = cluster.client.clone();

    // A new claim pinned to a free server.
    let h = fleet
        .host_ids()
        .find(|&h| !fleet.derived(h).eligible.is_empty())
        .unwrap();
    let t = fleet.derived(h).eligible[0];
    // Named by its key (host names repeat across clusters); the claim gets its name.
    let server = fleet.host(h).name.clone();
    let pin = Change::Pin(PinChange {
        server: fleet.host(h).key().to_string(),
        node_type: Some(fleet.node_type(t).name.clone()),
        target: PinTarget::New {
            vcluster: "train".into(),
            project: "acme-research".into(),
        },
    });
    let preview = impact(&fleet, &pin).unwrap();
    assert_eq!(preview.claims_with(ClaimEffect::PinSucceeds).count(), 1);
    let report = writer
        .write(&fleet, &pin, WriteMode::Commit)
        .await
        .expect("pinned");
    let created = &report.objects[0];
    assert_eq!(preview.objects[0].name, created.name);
    let claim = raw::<NodeClaim>(&client, Some("p-acme-research"), &created.name).await;
    assert_eq!(
        claim["spec"],
        json!({
            "providerRef": fleet.node_type(t).provider,
            "typeRef": fleet.node_type(t).name,
            "vClusterRef": "train",
            "properties": {keys::SERVER_NAME: server},
        })
    );

    // An existing waiting claim pinned: only its server-name property changes.
    let c = fleet
        .claim_ids()
        .find(|&c| {
            fleet.claim(c).stage == ClaimStage::Pending && fleet.claim(c).node_type.is_some()
        })
        .unwrap();
    let waiting = fleet.claim(c).clone();
    let target = fleet.type_hosts(waiting.node_type.unwrap())[0];
    let before = raw::<NodeClaim>(&client, Some(&waiting.namespace), &waiting.name).await;
    let pin_existing = Change::Pin(PinChange {
        server: fleet.host(target).key().to_string(),
        node_type: Some(fleet.node_type(waiting.node_type.unwrap()).name.clone()),
        target: PinTarget::Existing {
            namespace: waiting.namespace.clone(),
            name: waiting.name.clone(),
        },
    });
    writer
        .write(&fleet, &pin_existing, WriteMode::Commit)
        .await
        .expect("pinned");
    let mut after = raw::<NodeClaim>(&client, Some(&waiting.namespace), &waiting.name).await;
    assert_eq!(
        after["spec"]["properties"][keys::SERVER_NAME],
        json!(fleet.host(target).name)
    );
    after["spec"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove(keys::SERVER_NAME);
    if after["spec"]["properties"].as_object().unwrap().is_empty() {
        after["spec"].as_object_mut().unwrap().remove("properties");
    }
    assert_eq!(after, before, "nothing else in the claim changed");

    // A rotation to a new OSImage: the image is created, the node type repointed, nothing else.
    let busiest = fleet
        .node_type_ids()
        .max_by_key(|&t| fleet.held_count(t))
        .unwrap();
    let info = fleet.node_type(busiest).clone();
    let images_before: Vec<OsImage> = cluster.raw::<OsImage>().await;
    let provider_before = raw::<NodeProvider>(&client, None, &info.provider).await;
    let rotate = Change::Rotate(Rotation {
        node_type: info.name.clone(),
        image: "ubuntu-noble-gpu-2026-12".into(),
        new_image: Some(NewImage {
            url: "http://images.fleet.internal/ubuntu-noble-gpu-2026-12.qcow2".into(),
            checksum: Some("ab".repeat(32)),
            checksum_type: Some("sha256".into()),
        }),
    });
    let preview = impact(&fleet, &rotate).unwrap();
    assert!(preview.claims_with(ClaimEffect::RollsOver).count() > 0);
    writer
        .write(&fleet, &rotate, WriteMode::Commit)
        .await
        .expect("rotated");
    let image = raw::<OsImage>(&client, None, "ubuntu-noble-gpu-2026-12").await;
    assert_eq!(
        image["spec"]["properties"],
        json!({
            keys::IMAGE_URL: "http://images.fleet.internal/ubuntu-noble-gpu-2026-12.qcow2",
            keys::IMAGE_CHECKSUM: "ab".repeat(32),
            keys::IMAGE_CHECKSUM_TYPE: "sha256",
        })
    );
    let mut provider_after = raw::<NodeProvider>(&client, None, &info.provider).await;
    let index = info.provider_index.unwrap();
    let entry = &mut provider_after["spec"]["metal3"]["nodeTypes"][index]["properties"];
    assert_eq!(entry[keys::OS_IMAGE], json!("ubuntu-noble-gpu-2026-12"));
    entry[keys::OS_IMAGE] =
        provider_before["spec"]["metal3"]["nodeTypes"][index]["properties"][keys::OS_IMAGE].clone();
    assert_eq!(
        provider_after, provider_before,
        "nothing else in the provider changed"
    );
    let images_after: Vec<OsImage> = cluster.raw::<OsImage>().await;
    for old in &images_before {
        let now = images_after
            .iter()
            .find(|i| i.name() == old.name())
            .unwrap();
        assert_eq!(
            now.metadata.resource_version,
            old.metadata.resource_version,
            "OSImage {} untouched",
            old.name()
        );
    }

    // Rotating "to" an existing OSImage with another URL is refused before anything is sent.
    let in_place = Change::Rotate(Rotation {
        node_type: info.name.clone(),
        image: "ubuntu-noble-gpu-2026-10".into(),
        new_image: Some(NewImage {
            url: "http://elsewhere/x.qcow2".into(),
            checksum: Some("00".into()),
            checksum_type: None,
        }),
    });
    assert!(matches!(
        writer.write(&fleet, &in_place, WriteMode::Commit).await,
        Err(WriteError::Invalid { .. })
    ));
    let untouched: Vec<OsImage> = cluster.raw::<OsImage>().await;
    let current = untouched
        .iter()
        .find(|i| i.name() == "ubuntu-noble-gpu-2026-10")
        .unwrap();
    let was = images_before
        .iter()
        .find(|i| i.name() == "ubuntu-noble-gpu-2026-10")
        .unwrap();
    assert_eq!(
        current.metadata.resource_version,
        was.metadata.resource_version
    );
}

/// An API server that stops answering without closing its connections (frozen; a network
/// partition without a reset) turns the watches stale within the read timeout, and they
/// recover by themselves when it answers again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_apiserver_goes_stale_within_the_read_timeout_then_recovers() {
    let Some(cluster) = TestCluster::start("a_frozen_apiserver_goes_stale").await else {
        return;
    };
    let generated = small_fleet();
    cluster.load(&generated).await;
    let (mut live, mut rx, _tasks) = synced_watches(&cluster).await;
    let pid = std::fs::read_to_string(cluster.dir.join("kube-apiserver.pid")).unwrap();
    let signal = |sig: &str| {
        let ok = std::process::Command::new("kill")
            .args([sig, pid.trim()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig} {pid}");
    };
    signal("-STOP");
    let frozen = Instant::now();
    pump_until(
        &mut live,
        &mut rx,
        gpufleet::kube::watch::READ_TIMEOUT + Duration::from_secs(40),
        |l| l.stale_since().is_some(),
        |_| {},
    )
    .await;
    eprintln!("stale {:?} after the server froze", frozen.elapsed());
    signal("-CONT");
    assert_eq!(
        live.fleet().hosts().len(),
        200,
        "a stale fleet keeps what it had"
    );
    pump_until(
        &mut live,
        &mut rx,
        Duration::from_secs(120),
        LiveFleet::all_synced,
        |_| {},
    )
    .await;
    assert!(live.stale_since().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apiserver_restart_goes_stale_then_recovers() {
    let Some(cluster) = TestCluster::start("an_apiserver_restart_goes_stale_then_recovers").await
    else {
        return;
    };
    let generated = small_fleet();
    cluster.load(&generated).await;
    let (mut live, mut rx, _tasks) = synced_watches(&cluster).await;

    let mut stale_reasons = Vec::new();
    let restart = {
        let dir = cluster.dir.clone();
        tokio::task::spawn_blocking(move || harness::restart_apiserver(&dir))
    };
    pump_until(
        &mut live,
        &mut rx,
        Duration::from_secs(60),
        |l| l.stale_since().is_some(),
        |e| {
            if let FleetEvent::Watch {
                state: WatchState::Stale { reason, .. },
                kind,
                ..
            } = e
            {
                stale_reasons.push(format!("{kind}: {reason}"));
            }
        },
    )
    .await;
    assert_eq!(
        live.fleet().hosts().len(),
        200,
        "a stale fleet keeps what it had"
    );
    restart.await.unwrap();
    pump_until(
        &mut live,
        &mut rx,
        Duration::from_secs(120),
        LiveFleet::all_synced,
        |e| {
            if let FleetEvent::Watch {
                state: WatchState::Stale { reason, .. },
                kind,
                ..
            } = e
            {
                stale_reasons.push(format!("{kind}: {reason}"));
            }
        },
    )
    .await;
    eprintln!("stale reasons seen: {stale_reasons:#?}");
    assert!(live.stale_since().is_none());
    assert_eq!(live.fleet().hosts().len(), 200);

    // And it is live again.
    let key = generated.objects.hosts.keys().nth(3).unwrap().clone();
    label_and_see_it(&cluster, &mut live, &mut rx, key, "after-restart", "yes").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_user_sees_everything_and_no_write_reaches_the_server() {
    let Some(cluster) =
        TestCluster::start("a_read_only_user_sees_everything_and_no_write_reaches_the_server")
            .await
    else {
        return;
    };
    cluster.load(&small_fleet()).await;
    let admin_view = live_snapshot(&cluster.args(), true).await.unwrap().0;
    let reader = ClusterArgs {
        kubeconfig: Some(cluster.reader_kubeconfig()),
        ..cluster.args()
    };
    let (fleet, clusters) = live_snapshot(&reader, true)
        .await
        .expect("the reader sees the fleet");
    assert_eq!(summarize(&fleet), summarize(&admin_view));

    // No writer exists for a read-only client.
    assert!(matches!(
        KubeWriter::new(clusters.clone()),
        Err(WriteError::ReadOnly { .. })
    ));
    // And the client itself refuses every mutating verb before sending it.
    let host = fleet.hosts()[0].clone();
    let hosts: Api<BareMetalHost> =
        Api::namespaced(clusters.metal3.client.clone(), &host.namespace);
    let e = hosts
        .patch(
            &host.name,
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"x": "y"}}})),
        )
        .await
        .unwrap_err();
    assert!(is_refusal(&e), "{e}");
    let images: Api<OsImage> = Api::all(clusters.platform.client.clone());
    let e = images
        .create(&PostParams::default(), &OsImage::default())
        .await
        .unwrap_err();
    assert!(is_refusal(&e), "{e}");
    let e = images
        .delete("ubuntu-noble-gpu-2026-10", &Default::default())
        .now_or_never();
    if let Some(result) = e {
        assert!(is_refusal(&result.unwrap_err()));
    }

    // The audit log: the reader listed and watched, and sent nothing else.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let log = std::fs::read_to_string(cluster.audit_log()).unwrap();
    let verbs: Vec<String> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["user"]["username"] == "gpufleet-reader")
        .map(|e| e["verb"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        verbs.iter().any(|v| v == "list"),
        "the audit log shows the reader: {verbs:?}"
    );
    assert!(verbs.iter().any(|v| v == "watch"), "{verbs:?}");
    assert!(
        log.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .any(|e| e["userAgent"] == gpufleet::kube::client::USER_AGENT && e["verb"] == "watch"),
        "gpufleet's watches name it in the audit log"
    );
    let mutating: Vec<&String> = verbs
        .iter()
        .filter(|v| !matches!(v.as_str(), "get" | "list" | "watch"))
        .collect();
    assert!(
        mutating.is_empty(),
        "mutating requests from the reader reached the server: {mutating:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_write_says_which_verb_on_which_resource() {
    let Some(cluster) =
        TestCluster::start("a_forbidden_write_says_which_verb_on_which_resource").await
    else {
        return;
    };
    cluster.load(&small_fleet()).await;
    let reader = ClusterArgs {
        kubeconfig: Some(cluster.reader_kubeconfig()),
        ..cluster.args()
    };
    // Not read-only on our side: the server's RBAC is what refuses.
    let (fleet, clusters) = live_snapshot(&reader, false).await.unwrap();
    let writer = KubeWriter::new(clusters).unwrap();
    let h = fleet.host_ids().next().unwrap();
    let change = Change::Label(
        LabelEdit::parse_args(
            HostTargets::Names(vec![fleet.host(h).key().to_string()]),
            &["a=b"],
        )
        .unwrap(),
    );
    match writer.write(&fleet, &change, WriteMode::Commit).await {
        Err(e @ WriteError::Forbidden { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("patch") && text.contains("baremetalhosts"),
                "{text}"
            );
        }
        other => panic!("expected forbidden, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_context_fails_fast_with_its_state() {
    let dir = std::env::temp_dir().join(format!("gpufleet-e2e-unreachable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters: [{name: gone, cluster: {server: 'https://127.0.0.1:9'}}]\n\
         users: [{name: u, user: {token: t}}]\ncontexts: [{name: gone, context: {cluster: gone, user: u}}]\ncurrent-context: gone\n",
    )
    .unwrap();
    let args = ClusterArgs {
        kubeconfig: Some(kubeconfig),
        sync_timeout: Duration::from_secs(3),
        ..ClusterArgs::default()
    };
    let started = Instant::now();
    let error = live_snapshot(&args, true)
        .await
        .err()
        .expect("no fleet from nowhere")
        .to_string();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        error.contains("no complete view after 3s; waiting for the platform (context gone)"),
        "{error}"
    );
    assert!(error.contains("stale"), "{error}");
    std::fs::remove_dir_all(dir).ok();
}

/// Scale: 25,000 BareMetalHosts and 20,000 NodeClaims. Not part of the normal run (it loads
/// 45,000 objects); run with
/// `cargo test --release --test e2e -- --ignored scale --nocapture`. Figures go in BENCHMARKS.md.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn scale_sync_of_25000_hosts_and_20000_claims() {
    let Some(cluster) = TestCluster::start("scale_sync_of_25000_hosts_and_20000_claims").await
    else {
        return;
    };
    let generated = generate(&GenerateConfig::new(25_000, 1));
    assert_eq!(generated.objects.claims.len(), 20_000);
    let started = Instant::now();
    cluster.load(&generated).await;
    eprintln!(
        "loaded {} objects in {:?}",
        generated.objects.len(),
        started.elapsed()
    );

    // In this process: what the synced live fleet adds to resident memory.
    let rss = || {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
            .unwrap_or(0)
    };
    let before = rss();
    let started = Instant::now();
    let (fleet, _) = live_snapshot(&cluster.args(), true).await.expect("synced");
    eprintln!(
        "in-process sync: {:?}; resident memory after sync grew by {} MiB ({} hosts, {} claims)",
        started.elapsed(),
        (rss().saturating_sub(before)) / 1024,
        fleet.hosts().len(),
        fleet.claims().len()
    );
    drop(fleet);

    let kubeconfig = cluster.kubeconfig();
    let timed = |program: &str, args: &[&str]| {
        let out = run::output(
            run::timed(program)
                .args(args)
                .stdout(std::process::Stdio::null()),
        );
        let err = run::stderr(&out);
        assert!(out.status.success(), "{program} failed: {err}");
        run::figure(&out)
    };
    for run in 1..=3 {
        let figure = timed(
            run::BIN,
            &[
                "summary",
                "-o",
                "json",
                "--kubeconfig",
                kubeconfig.to_str().unwrap(),
            ],
        );
        eprintln!("gpufleet summary (sync of every kind), run {run}: {figure}");
    }
    if std::path::Path::new("/usr/bin/kubectl").exists() {
        for run in 1..=3 {
            let figure = timed(
                "kubectl",
                &[
                    "get",
                    "baremetalhosts",
                    "-A",
                    "-o",
                    "json",
                    "--kubeconfig",
                    kubeconfig.to_str().unwrap(),
                ],
            );
            eprintln!("kubectl get baremetalhosts -A -o json, run {run}: {figure}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apply_command_dry_runs_asks_and_writes() {
    let Some(cluster) = TestCluster::start("the_apply_command_dry_runs_asks_and_writes").await
    else {
        return;
    };
    let generated = small_fleet();
    cluster.load(&generated).await;
    let HostKey {
        namespace: ns,
        name,
        ..
    } = generated.objects.hosts.keys().nth(7).unwrap().clone();
    let kubeconfig = cluster.kubeconfig();
    let gpufleet = |args: &[&str]| {
        run::output(
            run::gpufleet()
                .args(args)
                .args(["--kubeconfig", kubeconfig.to_str().unwrap()]),
        )
    };
    let labels = || async {
        Api::<BareMetalHost>::namespaced(cluster.client.clone(), &ns)
            .get(&name)
            .await
            .unwrap()
            .metadata
            .labels
            .unwrap_or_default()
    };

    // Host names repeat across the generated fleet's clusters: name it with its namespace.
    let host = format!("{ns}/{name}");
    let out = gpufleet(&["apply", "label", &host, "pool=burst", "--dry-run=server"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("SERVER DRY RUN  ok: 1 object would be written")
    );
    assert!(
        !labels().await.contains_key("pool"),
        "a dry run writes nothing"
    );

    let out = gpufleet(&["apply", "label", &host, "pool=burst"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pass --yes"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!labels().await.contains_key("pool"), "no answer, no write");

    let out = gpufleet(&["apply", "label", &host, "pool=burst", "--yes", "-o", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["result"]["objects"][0]["name"], json!(name));
    assert_eq!(
        labels().await.get("pool").map(String::as_str),
        Some("burst")
    );

    // A pin its own preview says fails (the server is held by another claim) is refused
    // before anything is written, even with --yes.
    let fleet = Fleet::build(generated.objects.clone());
    let held = fleet
        .host_ids()
        .find(|&h| fleet.holder(h).is_some())
        .expect("the generated fleet has claimed hosts");
    let server = fleet.host(held).key().to_string();
    let node_type = fleet.node_types()[0].name.clone();
    let claims_before = Api::<NodeClaim>::all(cluster.client.clone())
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .len();
    let out = gpufleet(&[
        "apply",
        "pin",
        &server,
        "--node-type",
        &node_type,
        "--vcluster",
        "v",
        "--project",
        "acme",
        "--yes",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not written: the pin of"), "{stderr}");
    let claims_after = Api::<NodeClaim>::all(cluster.client.clone())
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .len();
    assert_eq!(claims_after, claims_before, "no claim was created");
}

/// The wall display on a real cluster, in a real terminal: it shows the fleet, shouts when the
/// API server goes away, keeps what it had, and recovers by itself when the server is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wall_display_rides_out_an_api_server_restart() {
    let Some(cluster) =
        TestCluster::start("the_wall_display_rides_out_an_api_server_restart").await
    else {
        return;
    };
    cluster.load(&small_fleet()).await;
    let command = format!(
        "{} dash --watch --stale-after 1 --kubeconfig {}",
        run::BIN,
        cluster.kubeconfig().display()
    );
    let tmux = Tmux::start("wall", &command, (160, 45));
    let wait_for = |what: &dyn Fn(&str) -> bool, label: &str, limit: Duration| {
        tmux.wait_until(what, label, limit, Duration::from_millis(200))
    };
    wait_for(
        // Both generated datacenters' Metal3 clusters (use1-infra, usw2-infra) are watched.
        &|s| s.contains("200 hosts") && s.contains("hosts:ok (2 clusters)"),
        "the synced fleet",
        Duration::from_secs(60),
    );

    let dir = cluster.dir.clone();
    let restart = std::thread::spawn(move || harness::restart_apiserver(&dir));
    let during = wait_for(
        &|s| s.contains("STALE DATA"),
        "the stale banner",
        Duration::from_secs(60),
    );
    assert!(
        during.contains("200 hosts"),
        "a stale display keeps what it had:\n{during}"
    );
    restart.join().unwrap();
    let after = wait_for(
        &|s| !s.contains("STALE DATA") && s.contains("hosts:ok (2 clusters)"),
        "recovery",
        Duration::from_secs(120),
    );
    assert!(after.contains("200 hosts"));
}
