//! The dashboard's dialogs against a real API server: the App is driven by its actions (no
//! terminal), writes through the KubeWriter, and each write lands exactly as previewed while
//! nothing else in the objects changes.

use crate::harness::TestCluster;
use crate::support::{key, press, pump};
use crossterm::event::KeyCode;
use gpufleet::fleet::FleetView;
use gpufleet::impact::{Change, impact};
use gpufleet::kube::writer::KubeWriter;
use gpufleet::kube::{connect, spawn_watches};
use gpufleet::model::{BareMetalHost, NodeClaim, NodeProvider, OsImage, keys};
use gpufleet::ui::action::{Action, PaneId};
use gpufleet::ui::app::{App, Mode, Settings};
use gpufleet::ui::edit::Dialog;
use gpufleet::ui::message::Message;
use gpufleet::ui::theme::Theme;
use kube::Resource;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// Enter for the dry run, Enter for the commit, each answered.
async fn confirm_twice(app: &mut App, inbox: &mut UnboundedReceiver<Message>) {
    for _ in 0..2 {
        key(app, KeyCode::Enter);
        let message = tokio::time::timeout(Duration::from_secs(30), inbox.recv())
            .await
            .expect("the write answers")
            .expect("inbox open");
        app.receive(message);
    }
    assert!(app.dialog().is_none(), "written: {:?}", app.notice);
}

/// Every object of a kind as the server stores it, without what any write changes.
async fn objects<K>(cluster: &TestCluster) -> BTreeMap<String, Value>
where
    K: Resource<DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Serialize,
{
    cluster
        .raw::<K>()
        .await
        .into_iter()
        .map(|o| {
            let mut v = serde_json::to_value(&o).unwrap();
            let meta = v["metadata"].as_object_mut().unwrap();
            let key = format!(
                "{}/{}",
                meta.get("namespace").and_then(Value::as_str).unwrap_or(""),
                meta["name"].as_str().unwrap_or("")
            );
            for field in ["resourceVersion", "managedFields", "generation"] {
                meta.remove(field);
            }
            (key, v)
        })
        .collect()
}

/// The keys whose objects differ between two listings (added, removed or changed).
fn changed(before: &BTreeMap<String, Value>, after: &BTreeMap<String, Value>) -> Vec<String> {
    let mut keys: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect();
    keys.dedup();
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_dialog_writes_exactly_what_it_previewed() {
    let Some(cluster) = TestCluster::start("each_dialog_writes_exactly_what_it_previewed").await
    else {
        return;
    };
    cluster.load(&crate::small_fleet()).await;
    let clusters = connect(&cluster.args().options(false).unwrap())
        .await
        .unwrap();
    let (mut events, _watches) = spawn_watches(&clusters, None);
    let audit = cluster.dir.join("gpufleet-audit/audit.jsonl");
    let settings = Settings {
        context: clusters.platform.context.clone(),
        user: clusters.platform.user.clone(),
        audit_log: Some(audit.clone()),
        ..Settings::demo(Mode::Interactive)
    };
    let writer = KubeWriter::new(clusters).unwrap();
    let mut app = App::new(settings, Theme::default_truecolor(), Some(Arc::new(writer)));
    let mut inbox = app.take_inbox().unwrap();
    pump(&mut app, &mut events, |a| {
        a.first_sync_done && a.data.totals.hosts == 200
    })
    .await;

    // Labels: the host under the cursor, one key set and one removed.
    let hosts_before = objects::<BareMetalHost>(&cluster).await;
    press(&mut app, "5");
    // The host under the cursor, which the dialog edits: not always the first row, since the
    // cursor stays on its host when another cluster's hosts arrive and sort before it.
    let h = app.selected_host().expect("a host under the cursor");
    let host = app.data.fleet.host(h).clone();
    let removed = host
        .labels()
        .keys()
        .find(|k| !keys::PLATFORM_OWNED_HOST_LABELS.contains(&k.as_str()) && *k != "rack")
        .cloned()
        .unwrap();
    press(&mut app, "e");
    press(&mut app, &format!("rack=e2e-r1 {removed}-"));
    let preview = impact(&app.data.fleet, &app.dialog().unwrap().change().unwrap()).unwrap();
    assert_eq!(preview.hosts.len(), 1);
    confirm_twice(&mut app, &mut inbox).await;
    let key_of = format!("{}/{}", host.namespace, host.name);
    pump(&mut app, &mut events, |a| {
        let f = &a.data.fleet;
        f.resolve_host(&key_of)
            .is_ok_and(|h| f.host(h).label("rack") == Some("e2e-r1"))
    })
    .await;
    let hosts_after = objects::<BareMetalHost>(&cluster).await;
    assert_eq!(
        changed(&hosts_before, &hosts_after),
        std::slice::from_ref(&key_of)
    );
    let mut expected = hosts_before[&key_of].clone();
    let labels = expected["metadata"]["labels"].as_object_mut().unwrap();
    labels.insert("rack".into(), "e2e-r1".into());
    labels.remove(&removed);
    assert_eq!(
        hosts_after[&key_of], expected,
        "only the previewed labels changed"
    );
    assert_eq!(
        preview.hosts[0].labels_set.get("rack").map(String::as_str),
        Some("e2e-r1")
    );
    assert_eq!(
        preview.hosts[0].labels_removed,
        std::slice::from_ref(&removed)
    );

    // Pin: a free server, a new claim for a vCluster in a project.
    let claims_before = objects::<NodeClaim>(&cluster).await;
    let fleet = app.data.fleet.clone();
    let free = fleet
        .host_ids()
        .find(|&h| fleet.is_free(h) && !fleet.derived(h).eligible.is_empty())
        .unwrap();
    let server = fleet.host(free).name.clone();
    press(&mut app, "/");
    press(&mut app, &server);
    key(&mut app, KeyCode::Enter);
    press(&mut app, "p");
    let Some(Dialog::Pin(d)) = app.dialog() else {
        panic!("the pin dialog is open");
    };
    if !d.new_claim {
        key(&mut app, KeyCode::Right);
    }
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    press(&mut app, "train");
    key(&mut app, KeyCode::Tab);
    press(&mut app, "acme-research");
    let Ok(Change::Pin(pin)) = app.dialog().unwrap().change() else {
        panic!("the pin dialog makes a pin");
    };
    confirm_twice(&mut app, &mut inbox).await;
    let claims_after = objects::<NodeClaim>(&cluster).await;
    let created = format!("p-acme-research/train-{server}");
    assert_eq!(
        changed(&claims_before, &claims_after),
        std::slice::from_ref(&created)
    );
    let claim = &claims_after[&created];
    assert_eq!(
        claim["spec"]["properties"][keys::SERVER_NAME],
        server.as_str()
    );
    assert_eq!(claim["spec"]["typeRef"], pin.node_type.as_deref().unwrap());
    assert_eq!(
        objects::<BareMetalHost>(&cluster).await,
        hosts_after,
        "a pin writes no host"
    );

    // Rotation: the first node type to a new OSImage.
    key(&mut app, KeyCode::Esc);
    app.update(Action::ShowPane(PaneId::Types));
    let providers_before = objects::<NodeProvider>(&cluster).await;
    let images_before = objects::<OsImage>(&cluster).await;
    press(&mut app, "r");
    key(&mut app, KeyCode::Tab);
    press(&mut app, "noble-e2e");
    key(&mut app, KeyCode::Tab);
    press(&mut app, "http://images/noble-e2e.qcow2");
    key(&mut app, KeyCode::Tab);
    press(&mut app, &"ab".repeat(32));
    let Ok(Change::Rotate(rotation)) = app.dialog().unwrap().change() else {
        panic!("the rotation dialog makes a rotation");
    };
    confirm_twice(&mut app, &mut inbox).await;
    let images_after = objects::<OsImage>(&cluster).await;
    assert_eq!(changed(&images_before, &images_after), ["/noble-e2e"]);
    let props = &images_after["/noble-e2e"]["spec"]["properties"];
    assert_eq!(props[keys::IMAGE_URL], "http://images/noble-e2e.qcow2");
    assert_eq!(props[keys::IMAGE_CHECKSUM_TYPE], "sha256");
    let providers_after = objects::<NodeProvider>(&cluster).await;
    let t = fleet.resolve_node_type(&rotation.node_type).unwrap();
    let info = fleet.node_type(t);
    let key = format!("/{}", info.provider);
    assert_eq!(
        changed(&providers_before, &providers_after),
        std::slice::from_ref(&key)
    );
    let mut expected = providers_before[&key].clone();
    expected["spec"]["metal3"]["nodeTypes"][info.provider_index.unwrap()]["properties"]
        [keys::OS_IMAGE] = "noble-e2e".into();
    assert_eq!(
        providers_after[&key], expected,
        "only the type's image changed"
    );

    // Three commits, three audit records, with the kube user and context.
    let records: Vec<Value> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3);
    for r in &records {
        assert_eq!(r["result"], "applied");
        assert_eq!(r["context"], app.settings.context.as_str());
    }
}
