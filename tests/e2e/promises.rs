//! A preview's promise through a real API server: the preview on what the watches read, the
//! kube writer's patches, and the platform's next passes (the simulated platform over the
//! objects the server then stores) leave every claim, host and node type where the preview
//! said (`support::promise`, the check `tests/promises.rs` makes over random edits).
//! Between two changes the platform's results are written back, as the platform writes
//! them, so each change starts from a fleet at rest.

use crate::harness::TestCluster;
use crate::support::promise::{self, Request, broken_promises, waiting_claim};
use gpufleet::cli::live::live_snapshot;
use gpufleet::fleet::{ClaimStage, Fleet, FleetObjects, FleetView};
use gpufleet::impact::{
    Change, ClaimEffect, HostTargets, LabelEdit, NewImage, PinChange, PinTarget, Rotation, impact,
};
use gpufleet::kube::writer::KubeWriter;
use gpufleet::model::{BareMetalHost, NodeClaim, NodeProvider, NodeType, OsImage, keys};
use gpufleet::write::{WriteMode, Writer};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{ApiResource, DynamicObject, ListParams, PostParams};
use kube::{Api, Client, Resource};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a write or the platform changes in an object: its labels, annotations, spec, status.
fn content(v: &Value) -> Value {
    serde_json::json!([
        v["metadata"]["labels"],
        v["metadata"]["annotations"],
        v["spec"],
        v["status"]
    ])
}

/// Makes the server hold `objects` of one kind: creates the missing ones, replaces those
/// whose content differs (at the server's resourceVersion).
async fn store_kind<'a, K>(client: &Client, objects: impl Iterator<Item = &'a K>)
where
    K: Resource<DynamicType = ()> + Serialize + 'a,
{
    let resource = ApiResource::erase::<K>(&());
    let all: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
    let current: BTreeMap<(Option<String>, String), DynamicObject> = all
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .into_iter()
        .map(|o| {
            (
                (
                    o.metadata.namespace.clone(),
                    o.metadata.name.clone().unwrap_or_default(),
                ),
                o,
            )
        })
        .collect();
    for object in objects {
        let mut wanted: DynamicObject =
            serde_json::from_value(serde_json::to_value(object).unwrap()).unwrap();
        let key = (
            wanted.metadata.namespace.clone(),
            wanted.metadata.name.clone().unwrap_or_default(),
        );
        let api: Api<DynamicObject> = match &key.0 {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
            None => Api::all_with(client.clone(), &resource),
        };
        wanted.metadata.resource_version = None;
        wanted.metadata.uid = None;
        wanted.metadata.creation_timestamp = None;
        match current.get(&key) {
            None => {
                api.create(&PostParams::default(), &wanted)
                    .await
                    .expect("create");
            }
            Some(now) => {
                let (a, b) = (
                    serde_json::to_value(&wanted).unwrap(),
                    serde_json::to_value(now).unwrap(),
                );
                if content(&a) != content(&b) {
                    wanted.metadata.resource_version = now.metadata.resource_version.clone();
                    api.replace(&key.1, &PostParams::default(), &wanted)
                        .await
                        .expect("replace");
                }
            }
        }
    }
}

/// Makes the server hold `objects` (namespaces first; host status through `/status`).
async fn store(cluster: &TestCluster, objects: &FleetObjects) {
    let client = &cluster.client;
    let namespaces: BTreeSet<&String> = objects
        .claims
        .keys()
        .map(|(ns, _)| ns)
        .chain(objects.hosts.keys().map(|k| &k.namespace))
        .collect();
    let api: Api<Namespace> = Api::all(client.clone());
    for ns in namespaces {
        let object = Namespace {
            metadata: kube::api::ObjectMeta {
                name: Some(ns.clone()),
                ..Default::default()
            },
            ..Default::default()
        };
        if api.get_opt(ns).await.expect("get namespace").is_none() {
            api.create(&PostParams::default(), &object)
                .await
                .expect("namespace");
        }
    }
    store_kind::<OsImage>(client, objects.os_images.values().map(|o| o.as_ref())).await;
    store_kind::<NodeProvider>(client, objects.providers.values().map(|o| o.as_ref())).await;
    store_kind::<NodeType>(client, objects.node_types.values().map(|o| o.as_ref())).await;
    store_kind::<BareMetalHost>(client, objects.hosts.values().map(|o| o.as_ref())).await;
    // The real BareMetalHost CRD keeps status apart: it is written through `/status`.
    cluster.write_host_statuses(objects).await;
    store_kind::<NodeClaim>(client, objects.claims.values().map(|o| o.as_ref())).await;
}

/// One change, made from the fleet it is previewed on.
type Step = Box<dyn Fn(&Fleet) -> Change>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_preview_comes_true_through_the_api_server() {
    let config = promise::config(120, 5);
    let Some(cluster) = TestCluster::start("every_preview_comes_true_through_the_api_server").await
    else {
        return;
    };
    store(&cluster, &promise::fleet_at_rest(&config)).await;
    let (_, clusters) = live_snapshot(&cluster.args(), false).await.unwrap();
    let writer = KubeWriter::new(clusters).unwrap();

    // A claim asking for a GPU model arrives (written as the tenant's pool would); before the
    // platform's next pass the operator pins it to a free server of that model.
    let (fleet, _) = live_snapshot(&cluster.args(), true).await.unwrap();
    let free = fleet
        .host_ids()
        .find(|&h| fleet.is_free(h) && !fleet.derived(h).eligible.is_empty())
        .expect("a free server");
    let t = fleet.node_type(fleet.derived(free).eligible[0]);
    let model = t
        .properties
        .get(keys::GPU_MODEL)
        .expect("a GPU type")
        .clone();
    let arrival = waiting_claim(
        "arrival-0",
        "cobalt-ai",
        &t.provider,
        Request::Model(&model, t.gpus),
    );
    let mut with_arrival = fleet.objects().clone();
    with_arrival.insert(arrival.clone().into());
    store(&cluster, &with_arrival).await;
    let free_name = fleet.host(free).name.clone();
    let pin_arrival = move |_: &Fleet| {
        Change::Pin(PinChange {
            server: free_name.clone(),
            node_type: None,
            target: PinTarget::Existing {
                namespace: arrival.metadata.namespace.clone().unwrap(),
                name: "arrival-0".into(),
            },
        })
    };

    // The demo's pin: a waiting claim that asks for a model, pinned to a free server of another.
    let pin_elsewhere = |fleet: &Fleet| {
        let c = fleet
            .claim_ids()
            .find(|&c| {
                fleet.claim(c).stage == ClaimStage::Pending && fleet.claim(c).type_ref.is_none()
            })
            .expect("an unbound waiting claim");
        let wanted = fleet.claim(c).object.spec.requirements[0].values[0].clone();
        let h = fleet
            .host_ids()
            .find(|&h| {
                fleet.is_free(h) && fleet.host(h).label(keys::GPU_MODEL) != Some(wanted.as_str())
            })
            .expect("a free server of another model");
        Change::Pin(PinChange {
            server: fleet.host(h).name.clone(),
            node_type: None,
            target: PinTarget::Existing {
                namespace: fleet.claim(c).namespace.clone(),
                name: fleet.claim(c).name.clone(),
            },
        })
    };

    // A free server relabelled to the hardware profile a waiting claim's node type selects.
    let relabel = |fleet: &Fleet| {
        let c = fleet
            .claim_ids()
            .find(|&c| {
                fleet.claim(c).stage == ClaimStage::Pending && fleet.claim(c).type_ref.is_some()
            })
            .expect("a typed waiting claim");
        let t = fleet.node_type(fleet.claim(c).node_type.unwrap());
        let selector = t.selector.as_ref().unwrap().to_string();
        let h = fleet
            .host_ids()
            .find(|&h| fleet.is_free(h))
            .expect("a free server");
        let args: Vec<String> = selector
            .split(',')
            .filter(|w| w.contains('=') && !w.contains("!="))
            .map(str::to_string)
            .collect();
        Change::Label(
            LabelEdit::parse_args(HostTargets::Names(vec![fleet.host(h).name.clone()]), &args)
                .unwrap(),
        )
    };

    // The busiest node type rotated to a new OSImage.
    let rotate = |fleet: &Fleet| {
        let t = fleet
            .node_type_ids()
            .filter(|&t| fleet.node_type(t).provider_index.is_some())
            .max_by_key(|&t| fleet.held_count(t))
            .unwrap();
        Change::Rotate(Rotation {
            node_type: fleet.node_type(t).name.clone(),
            image: "ubuntu-noble-gpu-2027-01".into(),
            new_image: Some(NewImage {
                url: "http://images.fleet.internal/ubuntu-noble-gpu-2027-01.qcow2".into(),
                checksum: Some("ab".repeat(32)),
                checksum_type: Some("sha256".into()),
            }),
        })
    };

    let steps: Vec<(Step, ClaimEffect)> = vec![
        (Box::new(pin_arrival), ClaimEffect::PinSucceeds),
        (Box::new(pin_elsewhere), ClaimEffect::PinFails),
        (Box::new(relabel), ClaimEffect::BecomesSchedulable),
        (Box::new(rotate), ClaimEffect::RollsOver),
    ];
    for (make, effect) in steps {
        let (before, _) = live_snapshot(&cluster.args(), true).await.unwrap();
        let change = make(&before);
        let preview = impact(&before, &change).unwrap();
        assert!(
            preview.claims_with(effect).count() > 0,
            "{change}: the preview says {effect:?} for some claim: {:?}",
            preview.claims
        );
        writer
            .write(&before, &change, WriteMode::Commit)
            .await
            .expect("written");
        let (written, _) = live_snapshot(&cluster.args(), true).await.unwrap();
        let settled = promise::platform_passes(&config, written.objects().clone());
        let broken = broken_promises(&before, &preview, &settled);
        assert!(broken.is_empty(), "{change}:\n{}", broken.join("\n"));
        store(&cluster, settled.objects()).await;
    }
}
