//! Every real BareMetalHost of `../shared/realworld/bmh` on Metal3's real CRD (v0.12.0), in one
//! API server: created as the file has it, its status written through `/status`, then read
//! back through gpufleet's watch with the same figures as gpufleet reads from the file. What
//! the real CRD refuses is named below with the schema rule that refuses it, and what it
//! prunes with the reason.
//!
//! The same server holds one host gpufleet cannot read (a CPU count no `u32` holds, which the
//! CRD's plain `integer` allows): the watch stays synced, names it, and `summary` answers.

use crate::harness::{BMH_CRD, TestCluster};
use crate::support::run;
use gpufleet::decode::Lenient;
use gpufleet::event::{FleetEvent, Kind};
use gpufleet::fleet::Fleet;
use gpufleet::fleet::summary::summarize;
use gpufleet::kube::watch;
use gpufleet::live::LiveFleet;
use gpufleet::model::BareMetalHost;
use gpufleet::source::file::{load_paths, split_documents};
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;

/// What the v0.12.0 CRD refuses, by file, document (as gpufleet numbers a file's documents)
/// and step, with the API server's words for the rule each breaks.
const REFUSED: &[(&str, usize, Step, &[&str])] = &[
    // `status.required` is errorCount (defaulted to 0), errorMessage, operationalStatus,
    // poweredOn and provisioning: the guide shows a status with only `hardware`.
    (
        "04-metal3-docs-intro-inspected.yaml",
        1,
        Step::Status,
        &[
            "status.errorMessage: Required value",
            "status.operationalStatus: Required value",
            "status.poweredOn: Required value",
            "status.provisioning: Required value",
        ],
    ),
    // An externally provisioned host's status as the guide shows it: no errorMessage, no
    // poweredOn.
    (
        "05-metal3-docs-externally-provisioned.yaml",
        1,
        Step::Status,
        &[
            "status.errorMessage: Required value",
            "status.poweredOn: Required value",
        ],
    ),
    // The state machine guide's status leaves errorMessage out.
    (
        "06-metal3-docs-state-machine-provisioned.yaml",
        1,
        Step::Status,
        &["status.errorMessage: Required value"],
    ),
    // The guide's shorthand `spec: ...` is a string where the schema wants an object.
    (
        "07-metal3-docs-status-annotation.yaml",
        2,
        Step::Create,
        &["spec in body must be of type object"],
    ),
    (
        "09-metal3-docs-external-inspection.yaml",
        1,
        Step::Create,
        &["spec in body must be of type object"],
    ),
    // The user's paste has no metadata (so no name) and `spec: …`.
    (
        "12-issue-bmo-721-provisioning-error.yaml",
        1,
        Step::Create,
        &[
            "metadata.name: Required value",
            "spec in body must be of type object",
        ],
    ),
    // The user redacted the MAC to `xx` (the schema's MAC pattern refuses it), and the host
    // has no `online`, which `spec.required` asks for.
    (
        "13-issue-devscripts-779-externally-provisioned-master.yaml",
        1,
        Step::Create,
        &[
            "spec.bootMACAddress in body should match",
            "spec.online: Required value",
        ],
    ),
    // The host vMetal's docs tell users to create has no `online`.
    (
        "14-vcluster-docs-metal3-server-01.yaml",
        1,
        Step::Create,
        &["spec.online: Required value"],
    ),
];

/// Fields gpufleet reads that the v0.12.0 schema does not have, so the API server prunes
/// them: (file, field, why). A dump with them cannot come from such a cluster.
const PRUNED: &[(&str, &str, &str)] = &[(
    "10-metal3-dev-env-2019-old-schema.yaml",
    "status.hardware.ramGiB",
    "the pre-1.0 schema's memory figure; the CRD has ramMebibytes",
)];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Create,
    Status,
}

/// What the API server made of one BareMetalHost document.
#[derive(Debug)]
struct Outcome {
    file: String,
    document: usize,
    name: String,
    /// Whether the document has a `spec` mapping (the CRD's defaults apply only inside one).
    has_spec: bool,
    refused: Option<(Step, String)>,
}

/// The API server's message, without the rest of the error.
fn reason(error: kube::Error) -> String {
    match error {
        kube::Error::Api(status) => status.message,
        other => other.to_string(),
    }
}

/// The watch's next event, within a minute.
async fn next(rx: &mut mpsc::Receiver<FleetEvent>) -> FleetEvent {
    tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await
        .expect("the watch answers")
        .expect("the watch runs")
}

fn host_resource() -> ApiResource {
    ApiResource::erase::<BareMetalHost>(&())
}

/// The namespace a file's hosts are loaded into: names repeat across files (`node-0` is in
/// five), and some files have no namespace at all.
fn namespace_of(file: &str) -> String {
    format!("rw-{}", &file[..2])
}

async fn create_namespace(cluster: &TestCluster, name: &str) {
    let object = Namespace {
        metadata: kube::api::ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        },
        ..Default::default()
    };
    Api::<Namespace>::all(cluster.client.clone())
        .create(&PostParams::default(), &object)
        .await
        .expect("namespace");
}

/// Creates a raw object as `kubectl create` would (server-set metadata dropped), then writes
/// its status, if it has one, through `/status`. Returns what the server refused, if anything.
async fn load_raw(
    cluster: &TestCluster,
    namespace: &str,
    mut doc: Value,
) -> Option<(Step, String)> {
    if !doc["metadata"].is_object() {
        doc["metadata"] = json!({});
    }
    let meta = doc["metadata"].as_object_mut().unwrap();
    meta.insert("namespace".into(), json!(namespace));
    for field in [
        "resourceVersion",
        "uid",
        "creationTimestamp",
        "selfLink",
        "generation",
        "managedFields",
    ] {
        meta.remove(field);
    }
    let status = doc.as_object_mut().unwrap().remove("status");
    let api: Api<DynamicObject> =
        Api::namespaced_with(cluster.client.clone(), namespace, &host_resource());
    let object: DynamicObject = serde_json::from_value(doc).expect("an object");
    let name = object.metadata.name.clone().unwrap_or_default();
    if let Err(e) = api.create(&PostParams::default(), &object).await {
        return Some((Step::Create, reason(e)));
    }
    let status = status.filter(Value::is_object)?;
    api.patch_status(
        &name,
        &PatchParams::default(),
        &Patch::Merge(json!({ "status": status })),
    )
    .await
    .err()
    .map(|e| (Step::Status, reason(e)))
}

/// Every BareMetalHost document of a file, numbered as gpufleet numbers them.
fn host_documents(path: &Path) -> Vec<(usize, Value)> {
    let text = std::fs::read_to_string(path).unwrap();
    split_documents(&text)
        .into_iter()
        .enumerate()
        .filter_map(|(i, doc)| {
            let value: Value = serde_saphyr::from_str(doc).ok()?;
            let is_host = value["kind"] == "BareMetalHost"
                && value["apiVersion"]
                    .as_str()
                    .is_some_and(|v| v.starts_with("metal3.io/"));
            is_host.then_some((i + 1, value))
        })
        .collect()
}

/// A host as it must read live: in the test's namespace, without what the server sets, with
/// the CRD's defaults inside the mappings given (`spec.automatedCleaningMode: metadata`,
/// `status.errorCount: 0`), without a status the server refused and without the fields it
/// prunes ([`PRUNED`]).
fn as_served(host: &BareMetalHost, namespace: &str, outcome: &Outcome) -> BareMetalHost {
    let mut host = without_server_fields(host);
    host.metadata.namespace = Some(namespace.into());
    for (file, field, _) in PRUNED {
        if *file == outcome.file && *field == "status.hardware.ramGiB" {
            let hardware = host.status.as_mut().and_then(|s| s.hardware.as_mut());
            assert!(
                hardware.is_some_and(|h| h.ram_gib.take().is_some()),
                "{file} has {field}"
            );
        }
    }
    if outcome.has_spec && host.spec.automated_cleaning_mode.is_none() {
        host.spec.automated_cleaning_mode = Some("metadata".into());
    }
    if matches!(outcome.refused, Some((Step::Status, _))) {
        host.status = None;
    }
    if let Some(status) = host.status.as_mut() {
        status.error_count.get_or_insert(0);
    }
    host
}

/// A host without what the server sets (resourceVersion, uid, creation time, generation):
/// what a file and the server can agree on.
fn without_server_fields(host: &BareMetalHost) -> BareMetalHost {
    let mut host = host.clone();
    let meta = &mut host.metadata;
    meta.resource_version = None;
    meta.uid = None;
    meta.creation_timestamp = None;
    meta.generation = None;
    meta.self_link = None;
    meta.managed_fields = None;
    host
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_real_host_reads_the_same_live_as_from_its_file() {
    let Some(cluster) =
        TestCluster::start("every_real_host_reads_the_same_live_as_from_its_file").await
    else {
        return;
    };
    let realworld = crate::harness::repo().join("../shared/realworld");
    eprintln!("the real CRD: {}", realworld.join(BMH_CRD).display());
    let mut files: Vec<_> = std::fs::read_dir(realworld.join("bmh"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 15, "the collection's README lists 15 files");

    // Load every host document of every file, as the file has it.
    let mut outcomes = Vec::new();
    for path in &files {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let namespace = namespace_of(&file);
        create_namespace(&cluster, &namespace).await;
        for (document, doc) in host_documents(path) {
            let name = doc["metadata"]["name"]
                .as_str()
                .unwrap_or("<unnamed>")
                .to_string();
            let has_spec = doc["spec"].is_object();
            let refused = load_raw(&cluster, &namespace, doc).await;
            outcomes.push(Outcome {
                file: file.clone(),
                document,
                name,
                has_spec,
                refused,
            });
        }
    }
    for o in &outcomes {
        if let Some((step, why)) = &o.refused {
            eprintln!(
                "refused: {} document {} ({step:?}): {why}",
                o.file, o.document
            );
        }
    }

    // Exactly what the table says is refused, for the reasons it gives.
    let refused: BTreeSet<(String, usize, Step)> = outcomes
        .iter()
        .filter_map(|o| Some((o.file.clone(), o.document, o.refused.as_ref()?.0)))
        .collect();
    let expected: BTreeSet<(String, usize, Step)> = REFUSED
        .iter()
        .map(|(f, d, s, _)| (f.to_string(), *d, *s))
        .collect();
    assert_eq!(refused, expected);
    for (file, document, _, reasons) in REFUSED {
        let o = outcomes
            .iter()
            .find(|o| o.file == *file && o.document == *document)
            .unwrap();
        let message = &o.refused.as_ref().unwrap().1;
        for reason in *reasons {
            assert!(message.contains(reason), "{file} {document}: {message}");
        }
    }

    // The host gpufleet cannot read, beside one it can, where `summary` looks for hosts.
    create_namespace(&cluster, "metal3-system").await;
    let status = |cpus: i64| {
        json!({"errorMessage": "", "operationalStatus": "OK", "poweredOn": true,
            "provisioning": {"ID": "", "state": "available"},
            "hardware": {"cpu": {"arch": "x86_64", "count": cpus}, "ramMebibytes": 1048576}})
    };
    for (name, cpus) in [("fits", 64), ("misfit", -8)] {
        let host = json!({"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
            "metadata": {"name": name, "labels": {"gpu-model": "h100", "gpu-count": "8"}},
            "spec": {"online": true}, "status": status(cpus)});
        assert_eq!(load_raw(&cluster, "metal3-system", host).await, None);
    }

    // Read back through gpufleet's own watch, over every namespace.
    let (tx, mut rx) = mpsc::channel(1024);
    let task = tokio::spawn(watch::run(
        Api::<Lenient<BareMetalHost>>::all(cluster.client.clone()),
        tx,
    ));
    let mut live = LiveFleet::new([Kind::BareMetalHost]);
    while !live.all_synced() {
        live.apply(next(&mut rx).await);
    }
    live.refresh();

    // The host that does not fit costs only itself: the watch is synced, and it is named.
    let rejected: Vec<_> = live.rejected().cloned().collect();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(
        rejected[0].key,
        ("metal3-system".to_string(), "misfit".to_string())
    );
    assert_eq!(
        rejected[0].error.field.as_deref(),
        Some("status.hardware.cpu.count")
    );
    assert!(rejected[0].error.message.contains("-8"), "{rejected:?}");

    // Every host the server took reads as it does from its file.
    let mut compared = 0;
    for path in &files {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let namespace = namespace_of(&file);
        let report = load_paths(&[path]).expect("the file reads");
        let mut expected = BTreeMap::new();
        for host in report.objects.hosts.values() {
            let name = host.metadata.name.clone().unwrap();
            // The document gpufleet kept: the last of that name it could read.
            let unread: BTreeSet<usize> = report.problems.iter().map(|p| p.document).collect();
            let outcome = outcomes
                .iter()
                .rev()
                .find(|o| o.file == file && o.name == name && !unread.contains(&o.document))
                .unwrap();
            if matches!(outcome.refused, Some((Step::Create, _))) {
                continue;
            }
            expected.insert(name, as_served(host, &namespace, outcome));
        }
        let served: BTreeMap<String, BareMetalHost> = live
            .objects()
            .hosts
            .iter()
            .filter(|(k, _)| k.namespace == namespace)
            .map(|(k, h)| (k.name.clone(), without_server_fields(h)))
            .collect();
        assert_eq!(
            served.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{file}: the hosts served"
        );
        for (name, host) in &expected {
            assert_eq!(&served[name], host, "{file}: {name}");
            compared += 1;
        }
        // And the figures gpufleet derives from them.
        let fleet_of = |hosts: Vec<BareMetalHost>| {
            let mut objects = gpufleet::fleet::FleetObjects::default();
            for h in hosts {
                objects.insert(h.into());
            }
            Fleet::build(objects)
        };
        let from_file = fleet_of(expected.into_values().collect());
        let from_server = fleet_of(served.into_values().collect());
        assert_eq!(summarize(&from_server), summarize(&from_file), "{file}");
        for (a, b) in from_file.hosts().iter().zip(from_server.hosts()) {
            assert_eq!(
                (&a.name, &a.state, a.cpus, a.memory_bytes, a.derived.gpus),
                (&b.name, &b.state, b.cpus, b.memory_bytes, b.derived.gpus),
                "{file}"
            );
        }
    }
    // The nine demo hosts of 01, then one host each from 02 to 08, 10, 11 and 15.
    assert_eq!(compared, 19);

    // What the schema does not have is pruned, as the table says.
    for (file, field, why) in PRUNED {
        let name = &outcomes.iter().find(|o| o.file == *file).unwrap().name;
        let api: Api<DynamicObject> = Api::namespaced_with(
            cluster.client.clone(),
            &namespace_of(file),
            &host_resource(),
        );
        let mut value = serde_json::to_value(api.get(name).await.unwrap()).unwrap();
        for part in field.split('.') {
            value = value[part].take();
        }
        assert_eq!(value, Value::Null, "{file}: {field} ({why}) is pruned");
    }

    // `errorMessage: ""` (and `provisioning.image.url: ""`) as the file has them.
    let served: Value = {
        let api: Api<DynamicObject> =
            Api::namespaced_with(cluster.client.clone(), "rw-03", &host_resource());
        serde_json::to_value(api.get("node-0").await.unwrap()).unwrap()
    };
    assert_eq!(served["status"]["errorMessage"], json!(""));
    assert_eq!(served["status"]["provisioning"]["image"]["url"], json!(""));

    // `summary` answers from the synced watches, and names the host it skipped.
    let out = run::output(
        run::gpufleet()
            .args(["summary", "-o", "json", "--kubeconfig"])
            .arg(cluster.kubeconfig()),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "warning: skipped BareMetalHost metal3-system/misfit: field status.hardware.cpu.count:"
        ),
        "{stderr}"
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        summary["fleet"]["hosts"],
        json!(1),
        "only the host that fits"
    );

    // Fixed, it joins the fleet and is no longer named; the watch never went stale.
    let api: Api<DynamicObject> =
        Api::namespaced_with(cluster.client.clone(), "metal3-system", &host_resource());
    api.patch_status(
        "misfit",
        &PatchParams::default(),
        &Patch::Merge(json!({"status": status(64)})),
    )
    .await
    .unwrap();
    let is_misfit =
        |k: &gpufleet::fleet::HostKey| k.namespace == "metal3-system" && k.name == "misfit";
    while !live.objects().hosts.keys().any(is_misfit) {
        let event = next(&mut rx).await;
        assert!(!matches!(event, FleetEvent::Watch { .. }), "{event:?}");
        live.apply(event);
    }
    assert_eq!(live.rejected().count(), 0);
    assert!(live.all_synced());
    task.abort();
}
