//! A fleet over three real API servers: the platform's kinds on one, the BareMetalHosts of
//! two sites on the two others (tests/fixtures/two-sites: two providers, each targeting its
//! own Metal3 cluster, the same host names in `metal3-system`). One trio serves every
//! assertion, since each start costs seconds.

use crate::harness::{TestCluster, restart_apiserver};
use gpufleet::cli::live::{ClusterArgs, live_snapshot};
use gpufleet::event::{Kind, WatchState};
use gpufleet::fleet::summary::summarize;
use gpufleet::fleet::{Fleet, FleetObjects};
use gpufleet::kube::{connect, spawn_watches};
use gpufleet::live::LiveFleet;
use gpufleet::model::BareMetalHost;
use gpufleet::source::file::load_paths;
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use kube::api::PostParams;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The sites: Metal3 cluster name (as the providers' `clusterRef.cluster` gives it), which is
/// also the kube context that reaches it (the default: a context named like the cluster).
const SITES: [&str; 2] = ["dc1-infra", "dc2-infra"];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/two-sites")
}

/// One kubeconfig with a context per server: `platform` (current) and one per site named like
/// its cluster; `reader` picks each server's read-only user.
fn merged_kubeconfig(dir: &Path, servers: &[(&str, &TestCluster)], reader: bool) -> PathBuf {
    let (mut clusters, mut users, mut contexts) = (Vec::new(), Vec::new(), Vec::new());
    for (name, server) in servers {
        let file = if reader {
            server.reader_kubeconfig()
        } else {
            server.kubeconfig()
        };
        let config: Value =
            serde_saphyr::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let mut cluster = config["clusters"][0].clone();
        cluster["name"] = (*name).into();
        let mut user = config["users"][0].clone();
        user["name"] = (*name).into();
        clusters.push(cluster);
        users.push(user);
        contexts.push(serde_json::json!({
            "name": name, "context": {"cluster": name, "user": name}
        }));
    }
    let config = serde_json::json!({
        "apiVersion": "v1", "kind": "Config", "current-context": "platform",
        "clusters": clusters, "users": users, "contexts": contexts,
    });
    let path = dir.join(if reader {
        "kubeconfig-three-reader"
    } else {
        "kubeconfig-three"
    });
    std::fs::write(&path, serde_json::to_string(&config).unwrap()).unwrap();
    path
}

async fn create_namespace(server: &TestCluster, name: &str) {
    let api: Api<Namespace> = Api::all(server.client.clone());
    let ns = Namespace {
        metadata: kube::api::ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        },
        ..Default::default()
    };
    api.create(&PostParams::default(), &ns).await.unwrap();
}

async fn labels_on(server: &TestCluster, name: &str) -> std::collections::BTreeMap<String, String> {
    Api::<BareMetalHost>::namespaced(server.client.clone(), "metal3-system")
        .get(name)
        .await
        .unwrap()
        .metadata
        .labels
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_over_three_api_servers_is_right_and_each_write_lands_on_its_cluster() {
    let test = "a_fleet_over_three_api_servers";
    let Some(platform) = TestCluster::start(test).await else {
        return;
    };
    let (Some(dc1), Some(dc2)) = (
        TestCluster::start(test).await,
        TestCluster::start(test).await,
    ) else {
        return;
    };
    let mut report = load_paths(&[fixture()]).unwrap();
    assert!(report.unnamed_clusters.is_empty());
    // As a dump is created again: the server assigns resourceVersions.
    for host in report.objects.hosts.values_mut() {
        std::sync::Arc::make_mut(host).metadata.resource_version = None;
    }
    for provider in report.objects.providers.values_mut() {
        std::sync::Arc::make_mut(provider).metadata.resource_version = None;
    }
    let file_fleet = Fleet::build(report.objects.clone());
    // The platform's kinds on one server; each site's hosts on its own.
    let platform_objects = FleetObjects {
        hosts: Default::default(),
        ..report.objects.clone()
    };
    platform.load_objects(&platform_objects).await;
    for (site, server) in SITES.iter().zip([&dc1, &dc2]) {
        create_namespace(server, "metal3-system").await;
        let mut objects = FleetObjects::default();
        for (key, host) in &report.objects.hosts {
            if key.cluster == *site {
                objects.hosts.insert(key.clone(), host.clone());
            }
        }
        assert_eq!(objects.hosts.len(), 2);
        server.load_objects(&objects).await;
    }
    let servers = [("platform", &platform), (SITES[0], &dc1), (SITES[1], &dc2)];
    let kubeconfig = merged_kubeconfig(&platform.dir, &servers, false);
    let args = ClusterArgs {
        kubeconfig: Some(kubeconfig.clone()),
        sync_timeout: Duration::from_secs(120),
        ..ClusterArgs::default()
    };

    // The live summary equals the file summary: four hosts, two per cluster, each type
    // seeing only its own cluster's.
    let (live, _) = live_snapshot(&args, true).await.unwrap();
    assert_eq!(live.hosts().len(), 4);
    assert_eq!(summarize(&live), summarize(&file_fleet));

    // A label edit lands on the right cluster only.
    let gpufleet = |config: &Path, args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gpufleet"))
            .args(args)
            .args(["--kubeconfig", config.to_str().unwrap()])
            .env("XDG_STATE_HOME", platform.dir.join("state"))
            .env("XDG_CONFIG_HOME", platform.dir.join("config"))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let out = gpufleet(
        &kubeconfig,
        &[
            "apply",
            "label",
            "dc2-infra/metal3-system/gpu-01",
            "maintenance=true",
            "--yes",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        labels_on(&dc2, "gpu-01")
            .await
            .get("maintenance")
            .map(String::as_str),
        Some("true")
    );
    assert!(!labels_on(&dc1, "gpu-01").await.contains_key("maintenance"));

    // A read-only user can write to none of them.
    let reader = merged_kubeconfig(&platform.dir, &servers, true);
    for key in [
        "dc1-infra/metal3-system/gpu-02",
        "dc2-infra/metal3-system/gpu-02",
    ] {
        let out = gpufleet(&reader, &["apply", "label", key, "pool=burst", "--yes"]);
        assert!(!out.status.success(), "{key}: a reader's write succeeded");
    }
    for server in [&dc1, &dc2] {
        assert!(!labels_on(server, "gpu-02").await.contains_key("pool"));
    }

    // Stopping one site's API server turns only its hosts stale; it recovers by itself.
    let clusters = connect(&args.options(true).unwrap()).await.unwrap();
    let (mut rx, tasks) = spawn_watches(&clusters, None);
    let mut live = LiveFleet::default();
    let state = |live: &LiveFleet, site: &str| {
        live.cluster_watches()
            .get(&(site.to_string(), Kind::BareMetalHost))
            .cloned()
    };
    let pump = async |live: &mut LiveFleet,
                      rx: &mut tokio::sync::mpsc::Receiver<_>,
                      done: &dyn Fn(&LiveFleet) -> bool| {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        while !done(live) {
            let event = tokio::time::timeout_at(deadline, rx.recv())
                .await
                .expect("the watches got there in time")
                .unwrap();
            live.apply(event);
        }
        live.refresh();
    };
    pump(&mut live, &mut rx, &|l: &LiveFleet| {
        l.all_synced() && l.objects().hosts.len() == 4
    })
    .await;
    let dir = dc2.dir.clone();
    let restart = std::thread::spawn(move || restart_apiserver(&dir));
    pump(&mut live, &mut rx, &|l: &LiveFleet| {
        matches!(state(l, "dc2-infra"), Some(WatchState::Stale { .. }))
    })
    .await;
    assert!(
        matches!(state(&live, "dc1-infra"), Some(WatchState::Synced { .. })),
        "the other site stays live: {:?}",
        live.cluster_watches()
    );
    assert!(live.watches().values().all(WatchState::is_synced));
    assert_eq!(
        live.fleet().hosts().len(),
        4,
        "a stale cluster keeps its hosts"
    );
    restart.join().unwrap();
    pump(&mut live, &mut rx, &LiveFleet::all_synced).await;
    assert_eq!(live.fleet().hosts().len(), 4);
    for task in tasks {
        task.abort();
    }
}
