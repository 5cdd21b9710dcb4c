//! A real kube-apiserver with etcd per test (started by `scripts/kube-apiserver` in a
//! temporary directory), with Metal3's real BareMetalHost CRD (status subresource and all,
//! read from `../shared/realworld/crds/`) and the stand-ins for the platform's kinds
//! (`tests/crds/`), and a generated fleet loaded into it: hosts created, then their status
//! written through `/status`, as baremetal-operator writes it.

use futures::{StreamExt, TryStreamExt, stream};
use gpufleet::cli::live::ClusterArgs;
use gpufleet::fleet::FleetObjects;
use gpufleet::generate::Generated;
use gpufleet::model::BareMetalHost;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{ApiResource, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real objects beside the repository (`../shared/realworld`), or `None`, said on
/// stderr, where a clone has none: the tests that need them are then skipped.
pub fn realworld(test: &str) -> Option<PathBuf> {
    let dir = repo().join("../shared/realworld");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped {test}: ../shared/realworld (the real BareMetalHost CRD) is absent");
        None
    }
}

/// The real BareMetalHost CRD the suite runs on: baremetal-operator v0.12.0, the version
/// vMetal deploys by default.
pub const BMH_CRD: &str = "crds/metal3.io_baremetalhosts.v0.12.0.yaml";

/// One API server for one test; stopped when dropped.
pub struct TestCluster {
    pub dir: PathBuf,
    pub env: BTreeMap<String, String>,
    pub client: Client,
    /// The BareMetalHost CRD's `status` schema, which a status written must satisfy.
    host_status_schema: Value,
}

/// The OpenAPI schema of `status` in a CRD file's first version.
fn status_schema(crd: &Path) -> Value {
    let text = std::fs::read_to_string(crd).expect("the CRD is readable");
    let crd: Value = serde_saphyr::from_str(&text).expect("the CRD parses");
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"].clone()
}

/// Adds every field the schema requires and `value` lacks, as the zero value of its type
/// (`""`, `0`, `false`, `{}` with its own required fields, `[]`), at every level: what
/// baremetal-operator always writes (`errorMessage: ""` on a healthy host, for one).
pub fn with_required(value: &mut Value, schema: &Value) {
    let Some(object) = value.as_object_mut() else {
        return;
    };
    let properties = &schema["properties"];
    for name in schema["required"].as_array().into_iter().flatten() {
        let Some(name) = name.as_str() else { continue };
        if object.contains_key(name) {
            continue;
        }
        let zero = match properties[name]["type"].as_str() {
            Some("string") => json!(""),
            Some("integer") | Some("number") => json!(0),
            Some("boolean") => json!(false),
            Some("array") => json!([]),
            _ => json!({}),
        };
        object.insert(name.to_string(), zero);
    }
    for (name, field) in object.iter_mut() {
        if properties[name]["type"] == "object" {
            with_required(field, &properties[name]);
        }
    }
}

fn script(args: &[&str]) -> std::process::Output {
    Command::new(repo().join("scripts/kube-apiserver"))
        .args(args)
        .output()
        .expect("scripts/kube-apiserver runs")
}

fn read_env(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).expect("the env file exists");
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            (
                k.to_string(),
                v.trim_matches(|c| c == '"' || c == '\'').to_string(),
            )
        })
        .collect()
}

pub async fn client_for(kubeconfig: &Path) -> Client {
    let kc = Kubeconfig::read_from(kubeconfig).expect("kubeconfig");
    let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .expect("config");
    Client::try_from(config).expect("client")
}

/// Stops and starts only the API server of a test cluster (same port, same etcd).
pub fn restart_apiserver(dir: &Path) {
    let out = script(&["restart-apiserver", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TestCluster {
    /// A fresh API server with the CRDs installed, or `None` (said on stderr) where the real
    /// BareMetalHost CRD is absent.
    pub async fn start(test: &str) -> Option<TestCluster> {
        let realworld = realworld(test)?;
        Some(TestCluster::start_with(&realworld.join(BMH_CRD)).await)
    }

    async fn start_with(bmh_crd: &Path) -> TestCluster {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "gpufleet-e2e-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("run dir");
        let out = script(&["start", dir.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "scripts/kube-apiserver start failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let env = read_env(&dir.join("env"));
        let client = client_for(&dir.join("kubeconfig")).await;
        let cluster = TestCluster {
            dir,
            env,
            client,
            host_status_schema: status_schema(bmh_crd),
        };
        cluster.install_crds(bmh_crd).await;
        cluster
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.join("kubeconfig")
    }

    pub fn reader_kubeconfig(&self) -> PathBuf {
        self.dir.join("kubeconfig-reader")
    }

    pub fn audit_log(&self) -> PathBuf {
        PathBuf::from(&self.env["GPUFLEET_TEST_AUDIT_LOG"])
    }

    /// Connection flags for gpufleet, as a user would pass them.
    pub fn args(&self) -> ClusterArgs {
        ClusterArgs {
            kubeconfig: Some(self.kubeconfig()),
            sync_timeout: Duration::from_secs(120),
            ..ClusterArgs::default()
        }
    }

    async fn install_crds(&self, bmh_crd: &Path) {
        let api: Api<CustomResourceDefinition> = Api::all(self.client.clone());
        let mut names = Vec::new();
        let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/crds"))
            .expect("tests/crds")
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files.push(bmh_crd.to_path_buf());
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let crd: CustomResourceDefinition = serde_saphyr::from_str(&text).expect("CRD parses");
            names.push(crd.metadata.name.clone().unwrap());
            api.create(&PostParams::default(), &crd)
                .await
                .expect("CRD created");
        }
        for name in names {
            let established = || async {
                api.get(&name)
                    .await
                    .ok()
                    .and_then(|c| c.status)
                    .is_some_and(|s| {
                        s.conditions
                            .unwrap_or_default()
                            .iter()
                            .any(|c| c.type_ == "Established" && c.status == "True")
                    })
            };
            let mut waited = Duration::ZERO;
            while !established().await {
                assert!(
                    waited < Duration::from_secs(30),
                    "CRD {name} never established"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
                waited += Duration::from_millis(100);
            }
        }
        // Discovery of new CRDs takes a moment longer than Established.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    /// Creates every generated object (namespaces first), 16 at a time.
    pub async fn load(&self, generated: &Generated) {
        let namespaces: Api<Namespace> = Api::all(self.client.clone());
        for ns in &generated.namespaces {
            let object = Namespace {
                metadata: kube::api::ObjectMeta {
                    name: Some(ns.clone()),
                    ..Default::default()
                },
                ..Default::default()
            };
            namespaces
                .create(&PostParams::default(), &object)
                .await
                .expect("namespace");
        }
        self.load_objects(&generated.objects).await;
    }

    pub async fn load_objects(&self, o: &FleetObjects) {
        create_all(
            &self.client,
            o.os_images.values().map(|x| (**x).clone()).collect(),
        )
        .await;
        create_all(
            &self.client,
            o.providers.values().map(|x| (**x).clone()).collect(),
        )
        .await;
        create_all(
            &self.client,
            o.node_types.values().map(|x| (**x).clone()).collect(),
        )
        .await;
        create_all(
            &self.client,
            o.hosts.values().map(|x| (**x).clone()).collect(),
        )
        .await;
        self.write_host_statuses(o).await;
        create_all(
            &self.client,
            o.claims.values().map(|x| (**x).clone()).collect(),
        )
        .await;
    }

    /// The status body for a host: its status, with every field the real CRD requires.
    pub fn host_status(&self, host: &BareMetalHost) -> Option<Value> {
        let mut status = serde_json::to_value(host.status.as_ref()?).unwrap();
        with_required(&mut status, &self.host_status_schema);
        Some(status)
    }

    /// Writes each host's status through `/status` (the real CRD ignores a status sent with
    /// the object), whole, as baremetal-operator does: a field the host no longer has goes.
    /// 16 at a time.
    pub async fn write_host_statuses(&self, o: &FleetObjects) {
        stream::iter(o.hosts.values().filter_map(|host| {
            let status = self.host_status(host)?;
            let namespace = host.metadata.namespace.clone()?;
            let name = host.metadata.name.clone()?;
            let api: Api<BareMetalHost> = Api::namespaced(self.client.clone(), &namespace);
            // `add` of a member that exists replaces it: the status as a whole, no precondition.
            let ops = json!([{"op": "add", "path": "/status", "value": status}]);
            Some(async move {
                api.patch_status(
                    &name,
                    &PatchParams::default(),
                    &Patch::<()>::Json(serde_json::from_value(ops).unwrap()),
                )
                .await
                .map_err(|e| format!("status of {name}: {e}"))
            })
        }))
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .expect("every host status is written");
    }

    /// Every object of a kind as the server has it (for exact comparisons).
    pub async fn raw<K>(&self) -> Vec<K>
    where
        K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug,
    {
        Api::<K>::all(self.client.clone())
            .list(&ListParams::default())
            .await
            .expect("list")
            .items
    }
}

async fn create_all<K>(client: &Client, objects: Vec<K>)
where
    K: Resource<DynamicType = ()> + Serialize,
{
    let resource = ApiResource::erase::<K>(&());
    let objects: Vec<DynamicObject> = objects
        .iter()
        .map(|o| serde_json::from_value(serde_json::to_value(o).unwrap()).unwrap())
        .collect();
    stream::iter(objects.into_iter().map(|o| {
        let api: Api<DynamicObject> = match o.metadata.namespace.as_deref() {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
            None => Api::all_with(client.clone(), &resource),
        };
        async move {
            let name = o.metadata.name.clone().unwrap_or_default();
            api.create(&PostParams::default(), &o)
                .await
                .map_err(|e| format!("creating {name}: {e}"))
        }
    }))
    .buffer_unordered(16)
    .try_collect::<Vec<_>>()
    .await
    .expect("every object is created");
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        let out = script(&["stop", self.dir.to_str().unwrap_or_default()]);
        if out.status.success() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
