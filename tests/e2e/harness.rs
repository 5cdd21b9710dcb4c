//! A real kube-apiserver with etcd per test (started by `scripts/kube-apiserver` in a
//! temporary directory), the gpufleet CRDs installed, and a generated fleet loaded into it.

use futures::{StreamExt, TryStreamExt, stream};
use gpufleet::cli::live::ClusterArgs;
use gpufleet::fleet::FleetObjects;
use gpufleet::generate::Generated;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{ApiResource, DynamicObject, ListParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One API server for one test; stopped when dropped.
pub struct TestCluster {
    pub dir: PathBuf,
    pub env: BTreeMap<String, String>,
    pub client: Client,
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
    pub async fn start() -> TestCluster {
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
        let cluster = TestCluster { dir, env, client };
        cluster.install_crds().await;
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

    async fn install_crds(&self) {
        let api: Api<CustomResourceDefinition> = Api::all(self.client.clone());
        let mut names = Vec::new();
        let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/crds"))
            .expect("tests/crds")
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
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
        create_all(
            &self.client,
            o.claims.values().map(|x| (**x).clone()).collect(),
        )
        .await;
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
