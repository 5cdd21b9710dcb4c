//! A fleet over three real API servers: the platform's kinds on one, the BareMetalHosts of
//! two sites on the two others (tests/fixtures/two-sites: two providers, each targeting its
//! own Metal3 cluster, the same host names in `metal3-system`). One trio serves every
//! assertion, since each start costs seconds.

use crate::harness::{TestCluster, restart_apiserver};
use crate::support::run;
use gpufleet::cli::live::{ClusterArgs, live_snapshot};
use gpufleet::event::{Kind, WatchState};
use gpufleet::fleet::summary::{Summary, summarize};
use gpufleet::fleet::{Fleet, FleetObjects, HostKey};
use gpufleet::kube::{connect, spawn_watches};
use gpufleet::live::LiveFleet;
use gpufleet::model::BareMetalHost;
use gpufleet::source::file::load_paths;
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use kube::api::PostParams;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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

/// Three fresh API servers, or `None` (said on stderr) where the real CRD is absent.
async fn three_servers(test: &str) -> Option<(TestCluster, TestCluster, TestCluster)> {
    Some((
        TestCluster::start(test).await?,
        TestCluster::start(test).await?,
        TestCluster::start(test).await?,
    ))
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
    let Some((platform, dc1, dc2)) = three_servers(test).await else {
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
        run::output(
            run::gpufleet()
                .args(args)
                .args(["--kubeconfig", config.to_str().unwrap()])
                .env("XDG_STATE_HOME", platform.dir.join("xdg-state"))
                .env("XDG_CONFIG_HOME", platform.dir.join("config")),
        )
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
    // What is shown and audited names the context written, dc2-infra's, not the platform's.
    let shown = run::stdout(&out);
    assert!(
        shown.contains("WROTE  BareMetalHost dc2-infra/metal3-system/gpu-01")
            && shown.contains("(context dc2-infra)"),
        "{shown}"
    );
    let audit =
        std::fs::read_to_string(platform.dir.join("xdg-state/gpufleet/audit.jsonl")).unwrap();
    let record: Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(
        record["report"]["objects"][0]["context"], "dc2-infra",
        "{record}"
    );
    // The record is the platform context's, as a dashboard edit's is (so `u` finds it);
    // before writing, only the context this host goes to is named.
    assert_eq!(record["context"], "platform", "{record}");
    let said = run::stderr(&out);
    assert!(
        said.contains("would be written to context dc2-infra as "),
        "{said}"
    );
    assert!(!labels_on(&dc1, "gpu-01").await.contains_key("maintenance"));

    // A context the kubeconfig lacks can never be reached: said at once, and `summary` ends
    // (status 1) naming it, long before its deadline.
    let started = std::time::Instant::now();
    let out = gpufleet(
        &kubeconfig,
        &[
            "summary",
            "--bmh-context",
            "dc2-infra=nope",
            "--sync-timeout",
            "100s",
        ],
    );
    let err = run::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(started.elapsed() < Duration::from_secs(50), "{err}");
    assert!(
        err.contains("no complete view can come, so nothing is answered: Metal3 cluster dc2-infra: no way to reach it: the context \"nope\" named for it is not in the kubeconfig"),
        "{err}"
    );
    assert!(run::stdout(&out).is_empty(), "{}", run::stdout(&out));

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

/// The generated fleet's objects as Metal3 sites: its providers, in name order, shared out
/// evenly over `sites`. Each provider keeps a namespace of its own, as in the generated fleet
/// (so every node type sees the same hosts however the sites are cut): a site's first
/// provider `metal3-system`, its second `metal3-system-2`, and so on. Every host moves to its
/// provider's site and namespace and is named `gpu-NNNNN` by its place there, so with two
/// sites the same namespaces and names repeat in both. Each claim's `claimed-node`
/// annotation follows its host.
fn as_sites(generated: &FleetObjects, sites: &[&str]) -> FleetObjects {
    use gpufleet::model::keys::CLAIM_CLAIMED_NODE;
    use std::collections::BTreeMap;
    use std::sync::Arc;
    let mut objects = generated.clone();
    // (old cluster, old namespace) of each provider, to its new (site, namespace).
    let mut moved: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    let mut provider_cluster: BTreeMap<String, String> = BTreeMap::new();
    let count = objects.providers.len();
    let mut providers_in: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, (name, provider)) in objects.providers.iter_mut().enumerate() {
        let site = sites[i * sites.len() / count];
        let place = providers_in.entry(site).or_default();
        *place += 1;
        let namespace = match *place {
            1 => "metal3-system".to_string(),
            n => format!("metal3-system-{n}"),
        };
        let metal3 = Arc::make_mut(provider).spec.metal3.as_mut().unwrap();
        let cluster_ref = metal3.cluster_ref.as_mut().unwrap();
        let old = (
            cluster_ref.cluster.clone().unwrap(),
            cluster_ref.namespace.clone().unwrap(),
        );
        provider_cluster.insert(name.clone(), old.0.clone());
        moved.insert(old, (site.to_string(), namespace.clone()));
        cluster_ref.cluster = Some(site.to_string());
        cluster_ref.namespace = Some(namespace);
    }
    // (old cluster, old name) to the new name.
    let mut renamed: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut placed: BTreeMap<(String, String), usize> = BTreeMap::new();
    objects.hosts = std::mem::take(&mut objects.hosts)
        .into_iter()
        .map(|(key, mut host)| {
            let (site, namespace) = moved[&(key.cluster.clone(), key.namespace.clone())].clone();
            let n = placed.entry((site.clone(), namespace.clone())).or_default();
            let name = format!("gpu-{n:05}");
            *n += 1;
            renamed.insert((key.cluster.clone(), key.name.clone()), name.clone());
            let h = Arc::make_mut(&mut host);
            h.cluster = site.clone();
            h.metadata.name = Some(name.clone());
            h.metadata.namespace = Some(namespace.clone());
            (HostKey::new(site, namespace, name), host)
        })
        .collect();
    for claim in objects.claims.values_mut() {
        let cluster = claim
            .spec
            .provider_ref
            .as_ref()
            .and_then(|p| provider_cluster.get(p))
            .cloned();
        let claim = Arc::make_mut(claim);
        let annotations = claim.metadata.annotations.get_or_insert_default();
        if let (Some(cluster), Some(host)) = (cluster, annotations.get_mut(CLAIM_CLAIMED_NODE))
            && let Some(name) = renamed.get(&(cluster, host.clone()))
        {
            *host = name.clone();
        }
    }
    objects
}

/// Loads one server: the platform's kinds of `objects` (in `namespaces`) when `platform`
/// is given, and the hosts of `site` (in the namespaces they name).
async fn load_site(
    server: &TestCluster,
    namespaces: &std::collections::BTreeSet<String>,
    objects: &FleetObjects,
    site: &str,
    platform: bool,
) {
    let site_namespaces = objects
        .hosts
        .keys()
        .filter(|k| k.cluster == site)
        .map(|k| k.namespace.clone());
    let mut create: std::collections::BTreeSet<String> = site_namespaces.collect();
    if platform {
        create.extend(namespaces.iter().cloned());
    }
    for ns in &create {
        create_namespace(server, ns).await;
    }
    let mut load = FleetObjects::default();
    if platform {
        load = FleetObjects {
            hosts: Default::default(),
            ..objects.clone()
        };
    }
    for (key, host) in &objects.hosts {
        if key.cluster == site {
            load.hosts.insert(key.clone(), host.clone());
        }
    }
    server.load_objects(&load).await;
}

/// The figure: two Metal3 sites of 12,500 hosts each sync in at most 1.2x the time
/// of one site of 25,000, in no more resident memory. The generated 25,000-host fleet
/// (20,000 claims) is loaded twice: (a) on one server, every provider targeting its one
/// Metal3 cluster; (b) the platform's kinds and the first site's hosts on one server, the
/// second site's hosts on another, the same host names in both. The real `gpufleet summary`
/// is timed against each, alternately, three times (wall time from start to the printed
/// summary, peak resident memory: GNU time's `%e` and `%M`). Not part of the normal run (it
/// loads 95,000 objects); run with
/// `cargo test --release --test e2e -- --ignored scale_two_sites --nocapture`. Figures go in
/// BENCHMARKS.md; only correctness is asserted here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn scale_two_sites_of_12500_against_one_site_of_25000() {
    let test = "scale_two_sites_of_12500_against_one_site_of_25000";
    let generated =
        gpufleet::generate::generate(&gpufleet::generate::GenerateConfig::new(25_000, 1));
    let single = as_sites(&generated.objects, &["site-a"]);
    let split = as_sites(&generated.objects, &["site-1", "site-2"]);
    let per_site =
        |o: &FleetObjects, site: &str| o.hosts.keys().filter(|k| k.cluster == site).count();
    assert_eq!(per_site(&single, "site-a"), 25_000);
    assert_eq!(
        (per_site(&split, "site-1"), per_site(&split, "site-2")),
        (12_500, 12_500)
    );
    for site in ["site-1", "site-2"] {
        let key = HostKey::new(site, "metal3-system", "gpu-00000");
        assert!(
            split.hosts.contains_key(&key),
            "{key}: names repeat across sites"
        );
    }
    // The two layouts are one fleet: only the cluster grouping tells them apart.
    let without_clusters = |mut s: Summary| {
        s.clusters.clear();
        s
    };
    assert_eq!(
        without_clusters(summarize(&Fleet::build(single.clone()))),
        without_clusters(summarize(&Fleet::build(split.clone())))
    );

    let Some((one, first, second)) = three_servers(test).await else {
        return;
    };
    let namespaces = &generated.namespaces;
    let started = Instant::now();
    tokio::join!(
        load_site(&one, namespaces, &single, "site-a", true),
        load_site(&first, namespaces, &split, "site-1", true),
        load_site(&second, namespaces, &split, "site-2", false),
    );
    eprintln!(
        "loaded {} + {} objects on three servers in {:?}",
        single.len(),
        split.len(),
        started.elapsed()
    );

    let servers = [("one", &one), ("first", &first), ("second", &second)];
    let kubeconfig = merged_kubeconfig(&one.dir, &servers, false);
    let kubeconfig = kubeconfig.to_str().unwrap();
    let one_site = ["--context", "one", "--bmh-context", "site-a=one"];
    let two_sites = [
        "--context",
        "first",
        "--bmh-context",
        "site-1=first",
        "--bmh-context",
        "site-2=second",
    ];
    // The summary (JSON) and GNU time's last line.
    let summary = |flags: &[&str]| {
        let out = run::output(
            run::timed(run::BIN)
                .args(["summary", "-o", "json", "--kubeconfig", kubeconfig])
                .args(flags)
                .env("XDG_CONFIG_HOME", one.dir.join("config")),
        );
        let err = run::stderr(&out);
        assert!(out.status.success(), "gpufleet summary failed: {err}");
        let summary: Value = serde_json::from_slice(&out.stdout).expect("summary JSON");
        (summary, run::figure(&out))
    };
    let hosts_by_cluster = |s: &Value| -> Vec<(String, u64)> {
        s["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_string(),
                    c["hosts"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    for run in 1..=3 {
        let (a, figure) = summary(&one_site);
        eprintln!("one site of 25,000, run {run}: {figure}");
        let (b, figure) = summary(&two_sites);
        eprintln!("two sites of 12,500, run {run}: {figure}");
        assert_eq!(a["fleet"]["hosts"], 25_000);
        assert_eq!(hosts_by_cluster(&a), [("site-a".to_string(), 25_000)]);
        assert_eq!(
            hosts_by_cluster(&b),
            [
                ("site-1".to_string(), 12_500),
                ("site-2".to_string(), 12_500)
            ]
        );
        // Each node type sees its own site's hosts: everything but the cluster grouping is
        // the same fleet.
        let without_clusters = |mut s: Value| {
            s.as_object_mut().unwrap().remove("clusters");
            s
        };
        assert_eq!(without_clusters(a), without_clusters(b));
    }
}

/// One server holding the platform's kinds of the two-site fixture and the first site's
/// hosts (the first site reached through a context named like it, on the same server); the
/// second site's context `dc2-infra` reaches `second` (a kubeconfig `cluster` and `user`).
/// Returns the server and the kubeconfig.
async fn one_site_on_the_platform(
    test: &str,
    second: (Value, Value),
) -> Option<(TestCluster, PathBuf)> {
    let server = TestCluster::start(test).await?;
    let mut report = load_paths(&[fixture()]).unwrap();
    report
        .objects
        .hosts
        .retain(|key, _| key.cluster == SITES[0]);
    for host in report.objects.hosts.values_mut() {
        std::sync::Arc::make_mut(host).metadata.resource_version = None;
    }
    for provider in report.objects.providers.values_mut() {
        std::sync::Arc::make_mut(provider).metadata.resource_version = None;
    }
    create_namespace(&server, "metal3-system").await;
    server.load_objects(&report.objects).await;
    let mut config: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(server.kubeconfig()).unwrap()).unwrap();
    let cluster = config["clusters"][0]["name"].clone();
    let user = config["users"][0]["name"].clone();
    let context = |name: &str, cluster: &Value, user: &Value| serde_json::json!({"name": name, "context": {"cluster": cluster, "user": user}});
    let (mut second_cluster, mut second_user) = second;
    second_cluster["name"] = "second".into();
    second_user["name"] = "second".into();
    config["contexts"] = serde_json::json!([
        context("platform", &cluster, &user),
        context(SITES[0], &cluster, &user),
        context(SITES[1], &"second".into(), &"second".into()),
    ]);
    config["clusters"]
        .as_array_mut()
        .unwrap()
        .push(second_cluster);
    config["users"].as_array_mut().unwrap().push(second_user);
    config["current-context"] = "platform".into();
    let path = server.dir.join("kubeconfig-two-sites");
    std::fs::write(&path, serde_json::to_string(&config).unwrap()).unwrap();
    Some((server, path))
}

/// [`one_site_on_the_platform`] with the second site behind exec credential plugin
/// `plugin` (on the same server, never reached).
async fn a_site_behind_a_plugin(test: &str, plugin: &Path) -> Option<(TestCluster, PathBuf)> {
    // Any address will do: the client is never built.
    let cluster = serde_json::json!({"cluster": {"server": "https://127.0.0.1:1",
        "insecure-skip-tls-verify": true}});
    let user = serde_json::json!({"user": {"exec": {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": plugin, "interactiveMode": "Never"}}});
    one_site_on_the_platform(test, (cluster, user)).await
}

/// A site whose exec credential plugin never answers is never left out: the watches report
/// it connecting from the moment the providers name it, then stale with what it waits for;
/// `summary` does not answer with half the fleet but fails at its deadline naming the
/// cluster, its context and the plugin; and the plugin's processes end with the command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_whose_plugin_hangs_is_named_never_left_out() {
    let test = "a_site_whose_plugin_hangs";
    let dir = run::temp_dir(test);
    let (plugin, pids) = crate::support::plugin::hanging(&dir);
    let Some((server, kubeconfig)) = a_site_behind_a_plugin(test, &plugin).await else {
        return;
    };
    let args = ClusterArgs {
        kubeconfig: Some(kubeconfig.clone()),
        request_timeout: Some(Duration::from_secs(2)),
        sync_timeout: Duration::from_secs(60),
        ..ClusterArgs::default()
    };

    // The watches: dc2-infra connecting before anything else is heard of it, then stale
    // with why; dc1-infra synced all along.
    let clusters = connect(&args.options(true).unwrap()).await.unwrap();
    let (mut rx, tasks) = spawn_watches(&clusters, None);
    let mut live = LiveFleet::default();
    let mut seen: Vec<WatchState> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let stale = |s: &WatchState| matches!(s, WatchState::Stale { .. });
    while !seen.iter().any(stale) {
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("dc2-infra turns stale in time")
            .unwrap();
        if let gpufleet::event::FleetEvent::Watch {
            kind: Kind::BareMetalHost,
            cluster: Some(c),
            state,
        } = &event
            && c == SITES[1]
        {
            seen.push(state.clone());
        }
        live.apply(event);
    }
    assert_eq!(seen[0], WatchState::Connecting, "{seen:?}");
    let Some(WatchState::Stale { reason, .. }) = seen.last() else {
        unreachable!()
    };
    assert!(
        reason.contains(&format!(
            "waiting for the exec credential plugin {:?} of user second (context dc2-infra)",
            plugin.to_str().unwrap()
        )),
        "{reason}"
    );
    assert!(!live.complete(), "a stale site is not a complete fleet");
    for task in tasks {
        task.abort();
    }
    // The plugin this test process ran is this test's to end.
    let ours = crate::support::plugin::started(&pids);
    std::fs::remove_file(&pids).unwrap();

    // `summary`: no answer of half the fleet, but an error naming the site and its context.
    let out = run::output(
        run::gpufleet()
            .args(["summary", "--kubeconfig", kubeconfig.to_str().unwrap()])
            .args(["--sync-timeout", "5s", "--request-timeout", "2s"]),
    );
    let err = run::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(run::stdout(&out).is_empty(), "{}", run::stdout(&out));
    assert!(err.contains("no complete view after 5s"), "{err}");
    // While it waits, before the deadline, it says what for (the plugin sends no event).
    let waiting = err
        .find("waiting for Metal3 cluster dc2-infra (context dc2-infra, a context of its name): connecting: waiting ")
        .unwrap_or_else(|| panic!("no word of the wait: {err}"));
    assert!(
        waiting < err.find("no complete view").unwrap(),
        "said before the deadline: {err}"
    );
    assert!(
        err.contains("Metal3 cluster dc2-infra (context dc2-infra, a context of its name)"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "exec credential plugin {:?}",
            plugin.to_str().unwrap()
        )),
        "{err}"
    );
    assert!(!err.contains("Metal3 cluster dc1-infra"), "{err}");
    // The plugin's processes (it ran for the summary too) end with the command.
    assert!(crate::support::plugin::started(&pids).len() >= 2);
    assert_eq!(crate::support::plugin::survivors(&pids), Vec::<i32>::new());
    let after_summary = crate::support::plugin::started(&pids);
    let _ = std::process::Command::new("kill")
        .args(ours.iter().map(i32::to_string))
        .status();
    // With the watches' tasks aborted, no cluster watch is left to run the plugin again
    // once it ends (the retry pause is at most 1.6 s here).
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(crate::support::plugin::started(&pids), after_summary);
    drop(server);
}

/// A write names the context it went through, not the platform's: each object written (in
/// the report, and so in the audit log) carries its cluster's context, the writer's target
/// names every site context reached, and a write to a site whose API server is down is
/// refused naming the cluster and its context.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_names_the_context_of_its_cluster() {
    let test = "a_write_names_the_context_of_its_cluster";
    // The second site's API server is down: nothing listens on its port.
    let down = serde_json::json!({"cluster": {"server": "https://127.0.0.1:1",
        "insecure-skip-tls-verify": true}});
    let token = serde_json::json!({"user": {"token": "not-used"}});
    let Some((server, kubeconfig)) = one_site_on_the_platform(test, (down, token)).await else {
        return;
    };
    let args = ClusterArgs {
        kubeconfig: Some(kubeconfig),
        request_timeout: Some(Duration::from_secs(5)),
        sync_timeout: Duration::from_secs(60),
        ..ClusterArgs::default()
    };
    let clusters = connect(&args.options(false).unwrap()).await.unwrap();
    let (mut rx, tasks) = spawn_watches(&clusters, None);
    let mut live = LiveFleet::default();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let site_state = |live: &LiveFleet, site: &str| {
        live.cluster_watches()
            .get(&(site.to_string(), Kind::BareMetalHost))
            .cloned()
    };
    while !(matches!(site_state(&live, SITES[0]), Some(WatchState::Synced { .. }))
        && matches!(site_state(&live, SITES[1]), Some(WatchState::Stale { .. })))
    {
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("dc1-infra syncs and dc2-infra turns stale in time")
            .unwrap();
        live.apply(event);
    }
    live.refresh();
    for task in tasks {
        task.abort();
    }
    let writer = gpufleet::kube::writer::KubeWriter::new(clusters).unwrap();
    let label = |host: &str| {
        gpufleet::impact::Change::Label(
            gpufleet::impact::LabelEdit::parse_args(
                gpufleet::impact::HostTargets::Names(vec![host.to_string()]),
                &["maintenance=true"],
            )
            .unwrap(),
        )
    };
    use gpufleet::write::{WriteMode, Writer};
    let report = writer
        .write(
            live.fleet(),
            &label("dc1-infra/metal3-system/gpu-01"),
            WriteMode::Commit,
        )
        .await
        .unwrap();
    assert_eq!(report.contexts(), ["dc1-infra"]);
    assert_eq!(
        report.objects[0].cluster.as_deref(),
        Some("dc1-infra"),
        "{report:?}"
    );
    assert!(
        labels_on(&server, "gpu-01")
            .await
            .contains_key("maintenance")
    );
    // Each site context reached, beside the platform's.
    assert_eq!(
        writer.target(),
        "platform, dc1-infra (dc1-infra), dc2-infra (dc2-infra)"
    );
    // The site that is down: the fixture's dc2-infra host, as the files have it.
    let files = Fleet::build(load_paths(&[fixture()]).unwrap().objects);
    let refused = writer
        .write(
            &files,
            &label("dc2-infra/metal3-system/gpu-01"),
            WriteMode::DryRun,
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused
            .starts_with("API server unreachable: Metal3 cluster dc2-infra, context dc2-infra: "),
        "{refused}"
    );

    // A context named for a cluster that the kubeconfig lacks, and a cluster no provider
    // names: each said at once, with the closest names; the first can never be reached, so
    // the command ends then, naming it, not at its deadline.
    let out = run::output(
        run::gpufleet()
            .args([
                "summary",
                "--kubeconfig",
                args.kubeconfig.as_ref().unwrap().to_str().unwrap(),
            ])
            .args([
                "--bmh-context",
                "dc2-infra=dc1-infr",
                "--bmh-context",
                "dc3-infra=platform",
            ])
            .args(["--sync-timeout", "100s"]),
    );
    let err = run::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let said = |text: &str| {
        err.find(text)
            .unwrap_or_else(|| panic!("{text:?} in {err}"))
    };
    let missing = said(
        "warning: Metal3 cluster dc2-infra (no context reaches it): hosts: stale: no way to \
         reach it: the context \"dc1-infr\" named for it is not in the kubeconfig; closest: \
         dc1-infra",
    );
    let unknown = said(
        "warning: --bmh-context names Metal3 cluster \"dc3-infra\", which no NodeProvider names \
         (spec.metal3.clusterRef.cluster); closest: dc1-infra, dc2-infra",
    );
    let end = said(
        "no complete view can come, so nothing is answered: Metal3 cluster dc2-infra: no way \
         to reach it: the context \"dc1-infr\" named for it is not in the kubeconfig",
    );
    assert!(missing < end && unknown < end, "{err}");
    assert!(!err.contains("no complete view after"), "{err}");
}
