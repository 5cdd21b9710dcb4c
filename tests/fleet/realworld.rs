//! Real objects nobody on this project wrote: one test per file of
//! `../shared/realworld/bmh` and `../shared/realworld/platform`, and the files an operator
//! would load together. Every expected figure is read off the objects and the docs they come
//! from (Metal3, OpenShift and vCluster docs, public vMetal demos), never off gpufleet's
//! output. Where `../shared` is absent (a clone of this repository alone), each test says so
//! and passes without checking anything.

use gpufleet::fleet::lints::{Lint, LintId, all_lints};
use gpufleet::fleet::rules::{NotFree, not_free};
use gpufleet::fleet::{Fleet, FleetView, HardwareSource, HostId};
use gpufleet::source::file::{LoadReport, load_paths};
use std::path::PathBuf;

/// `../shared/realworld` beside the repository, if it is there.
fn realworld() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "skipped: {} is absent, so the real-object tests check nothing here",
            dir.display()
        );
        None
    }
}

/// Loads files of the real-object collection together.
fn load(files: &[&str]) -> Option<(LoadReport, Fleet)> {
    let dir = realworld()?;
    let paths: Vec<PathBuf> = files.iter().map(|f| dir.join(f)).collect();
    let report = load_paths(&paths).expect("the files are readable");
    let fleet = Fleet::build(report.objects.clone());
    Some((report, fleet))
}

fn host(fleet: &Fleet, namespace: &str, name: &str) -> HostId {
    fleet
        .hosts_named(name)
        .iter()
        .copied()
        .find(|&h| fleet.host(h).namespace == namespace)
        .unwrap_or_else(|| panic!("no host {namespace}/{name}"))
}

fn reasons(fleet: &Fleet, h: HostId) -> Vec<NotFree> {
    not_free(fleet, fleet.host(h), fleet.holder(h))
}

fn not_available(state: &str) -> NotFree {
    NotFree::NotAvailable {
        state: state.into(),
    }
}

fn lints_of(fleet: &Fleet, subject: &str) -> Vec<(LintId, String)> {
    all_lints(fleet)
        .into_iter()
        .filter(|l: &Lint| l.subject == subject)
        .map(|l| (l.id, l.message))
        .collect()
}

fn gib(fleet: &Fleet, h: HostId) -> Option<u64> {
    fleet.host(h).memory_bytes.map(|b| b >> 30)
}

/// A host in a namespace no provider claims from, or with none at all, is told so.
fn no_provider_sees(fleet: &Fleet, name: &str, namespace: &str) {
    let want = if namespace.is_empty() {
        "has no namespace, so no NodeProvider's node types see it (no node type is defined); \
         its labels were not compared"
            .to_string()
    } else {
        format!(
            "is in namespace {namespace}, where no NodeProvider claims hosts (no node type is \
             defined); its labels were not compared"
        )
    };
    assert_eq!(
        lints_of(fleet, name),
        [(LintId::HostMatchesNoNodeType, want)],
        "{name}"
    );
}

// ------------------------------------------------------------------ BareMetalHosts

#[test]
fn bmo_demo_hosts_one_per_state_without_a_namespace() {
    let Some((report, fleet)) = load(&["bmh/01-bmo-examples-demo-hosts.yaml"]) else {
        return;
    };
    // 9 BareMetalHosts, 9 BMC Secrets (never read) and OpenShift's Machine, which is not
    // the platform's inventory Machine.
    assert_eq!(report.loaded, 9, "{:?}", report.problems);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.ignored.get("Secret"), Some(&9));
    assert_eq!(report.ignored.get("Machine"), Some(&1));
    assert!(report.objects.machines.is_empty());
    assert_eq!(fleet.hosts().len(), 9);
    for h in fleet.host_ids() {
        let host = fleet.host(h);
        // The examples carry spec only: no status, so no state, never inspected.
        assert_eq!(host.namespace, "", "{}", host.name);
        assert_eq!(host.hardware, HardwareSource::NotInspected);
        assert!(!fleet.is_free(h));
        no_provider_sees(&fleet, &host.name, "");
    }
    let consumed = host(&fleet, "", "demo-externally-provisioned");
    assert_eq!(
        fleet.host(consumed).state.to_string(),
        "none (consumed)",
        "spec.consumerRef names openshift-machine-api/demo-ostest-worker"
    );
    assert_eq!(
        reasons(&fleet, consumed),
        [
            NotFree::Consumed {
                by: "object openshift-machine-api/demo-ostest-worker".into()
            },
            not_available("none"),
            NotFree::HardwareNotInspected
        ]
    );
    let available = host(&fleet, "", "demo-available");
    assert_eq!(fleet.host(available).state.to_string(), "none");
    assert_eq!(
        reasons(&fleet, available),
        [not_available("none"), NotFree::HardwareNotInspected]
    );
    let provisioned = host(&fleet, "", "demo-provisioned");
    let image = fleet.host(provisioned).actual_image().unwrap();
    assert_eq!(
        image.url,
        "http://192.0.2.15/images/rhcos-ootpa-latest.qcow2"
    );
    assert_eq!(
        image.checksum.as_deref(),
        Some("http://192.0.2.15/images/rhcos-ootpa-latest.qcow2.md5sum")
    );
}

#[test]
fn bmo_worker_0_with_an_image_and_no_status() {
    let Some((report, fleet)) = load(&["bmh/02-bmo-examples-worker-0.yaml"]) else {
        return;
    };
    assert_eq!((report.loaded, report.ignored.get("Secret")), (1, Some(&1)));
    let h = host(&fleet, "", "worker-0");
    let image = fleet.host(h).actual_image().unwrap();
    assert_eq!(
        image.checksum.as_deref(),
        Some("97830b21ed272a3d854615beb54cf004")
    );
    assert_eq!(fleet.host(h).state.to_string(), "none");
    assert_eq!(
        reasons(&fleet, h),
        [not_available("none"), NotFree::HardwareNotInspected]
    );
}

#[test]
fn metal3_tryit_host_is_ready_as_the_api_calls_it_and_free() {
    let Some((report, fleet)) = load(&["bmh/03-metal3-docs-tryit-ready.yaml"]) else {
        return;
    };
    assert_eq!(report.loaded, 1);
    let h = host(&fleet, "metal3", "node-0");
    let node = fleet.host(h);
    // `state: ready` is shown as it is written, and read as available.
    assert_eq!(node.state.to_string(), "ready");
    assert!(node.state.provisioning.is_available());
    assert_eq!(node.hardware, HardwareSource::Status);
    assert_eq!((node.cpus, gib(&fleet, h)), (Some(2), Some(4)));
    assert_eq!(node.object.status.as_ref().unwrap().powered_on, Some(true));
    assert!(reasons(&fleet, h).is_empty());
    assert!(fleet.is_free(h));
    assert_eq!(node.derived.gpus, 0);
    no_provider_sees(&fleet, "node-0", "metal3");
}

#[test]
fn metal3_intro_host_has_hardware_and_no_provisioning_state() {
    let Some((_, fleet)) = load(&["bmh/04-metal3-docs-intro-inspected.yaml"]) else {
        return;
    };
    let h = host(&fleet, "metal3", "node-0");
    assert_eq!(fleet.host(h).state.to_string(), "none");
    assert_eq!((fleet.host(h).cpus, gib(&fleet, h)), (Some(2), Some(4)));
    assert_eq!(fleet.host(h).hardware, HardwareSource::Status);
    assert_eq!(reasons(&fleet, h), [not_available("none")]);
    assert_eq!(
        fleet.host(h).actual_image().unwrap().url,
        "http://192.0.2.15/images/CENTOS_9_NODE_IMAGE_K8S_v1.33.0.qcow2"
    );
}

#[test]
fn metal3_externally_provisioned_host_is_not_free() {
    let Some((_, fleet)) = load(&["bmh/05-metal3-docs-externally-provisioned.yaml"]) else {
        return;
    };
    let h = host(&fleet, "my-cluster", "host-0");
    assert_eq!(fleet.host(h).state.to_string(), "externally provisioned");
    assert_eq!(
        reasons(&fleet, h),
        [
            not_available("externally provisioned"),
            NotFree::HardwareNotInspected
        ]
    );
    // `image.url: ""` is no image.
    assert!(fleet.host(h).actual_image().is_none());
}

#[test]
fn metal3_provisioned_host_runs_its_image() {
    let Some((_, fleet)) = load(&["bmh/06-metal3-docs-state-machine-provisioned.yaml"]) else {
        return;
    };
    let h = host(&fleet, "metal3", "state-machine-example");
    assert_eq!(fleet.host(h).state.to_string(), "provisioned");
    let image = fleet.host(h).actual_image().unwrap();
    assert_eq!(
        image.url,
        "http://192.0.2.22/jammy-server-cloudimg-amd64.img"
    );
    assert_eq!(
        image.checksum.as_deref(),
        Some("http://192.0.2.22/SHA256SUMS")
    );
    assert_eq!(image.checksum_type.as_deref(), Some("sha256"));
    assert_eq!(
        reasons(&fleet, h),
        [not_available("provisioned"), NotFree::HardwareNotInspected]
    );
}

#[test]
fn metal3_status_annotation_second_document_costs_only_itself() {
    let Some((report, fleet)) = load(&["bmh/07-metal3-docs-status-annotation.yaml"]) else {
        return;
    };
    // The second document writes `spec:` as the guide's `...`: not a BareMetalHost spec.
    assert_eq!(report.loaded, 1);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    let problem = report.problems[0].to_string();
    assert!(
        problem.contains("document 2: BareMetalHost metal3/node-0: field spec"),
        "{problem}"
    );
    let h = host(&fleet, "metal3", "node-0");
    assert_eq!(fleet.host(h).state.to_string(), "inspecting");
    assert_eq!(
        fleet.host(h).object.status.as_ref().unwrap().powered_on,
        Some(false)
    );
    assert_eq!(
        reasons(&fleet, h),
        [not_available("inspecting"), NotFree::HardwareNotInspected]
    );
}

#[test]
fn metal3_detached_annotation_is_shown_and_keeps_the_host() {
    let Some((report, fleet)) = load(&["bmh/08-metal3-docs-detached.yaml"]) else {
        return;
    };
    assert_eq!(report.loaded, 1, "{:?}", report.problems);
    let h = host(&fleet, "", "example");
    assert_eq!(fleet.host(h).state.to_string(), "none (detached)");
    assert_eq!(
        reasons(&fleet, h),
        [
            NotFree::Detached,
            not_available("none"),
            NotFree::HardwareNotInspected
        ]
    );
}

#[test]
fn metal3_external_inspection_shorthand_costs_only_itself() {
    let Some((report, fleet)) = load(&["bmh/09-metal3-docs-external-inspection.yaml"]) else {
        return;
    };
    // `spec: ...` is the guide's shorthand, not a spec: named, and nothing else is lost.
    assert_eq!((report.loaded, report.problems.len()), (0, 1));
    assert!(
        report.problems[0]
            .to_string()
            .contains("BareMetalHost metal3/node-0: field spec"),
        "{}",
        report.problems[0]
    );
    assert!(fleet.hosts().is_empty());
}

#[test]
fn metal3_dev_env_2019_schema_reads_its_memory_in_gib() {
    let Some((_, fleet)) = load(&["bmh/10-metal3-dev-env-2019-old-schema.yaml"]) else {
        return;
    };
    let h = host(&fleet, "metal3", "kube-worker-0");
    // Before baremetal-operator 0.1: `ramGiB: 4`, `cpu.count: 2`, state `ready`.
    assert_eq!((fleet.host(h).cpus, gib(&fleet, h)), (Some(2), Some(4)));
    assert_eq!(fleet.host(h).state.to_string(), "ready");
    assert!(fleet.is_free(h));
}

#[test]
fn openshift_worker_is_consumed_and_custom_deployed() {
    let Some((_, fleet)) = load(&["bmh/11-openshift-docs-worker-provisioned.yaml"]) else {
        return;
    };
    let h = host(&fleet, "openshift-machine-api", "openshift-worker-0");
    let w = fleet.host(h);
    assert_eq!(w.state.to_string(), "provisioned (consumed)");
    assert_eq!((w.cpus, gib(&fleet, h)), (Some(64), Some(256)));
    assert_eq!(w.object.custom_deploy(), Some("install_coreos"));
    assert!(w.actual_image().is_none(), "image.url is empty");
    assert_eq!(
        reasons(&fleet, h),
        [
            NotFree::Consumed {
                by: "Machine openshift-machine-api/ocp-edge-958fk-worker-0-nrfcg".into()
            },
            not_available("provisioned")
        ]
    );
    let vendor = w
        .object
        .status
        .as_ref()
        .and_then(|s| s.hardware.as_ref())
        .and_then(|h| h.system_vendor.as_ref())
        .unwrap();
    assert_eq!(
        (
            vendor.manufacturer.as_deref(),
            vendor.product_name.as_deref()
        ),
        (Some("HPE"), Some("ProLiant DL380 Gen10 (868703-B21)"))
    );
}

#[test]
fn bmo_issue_721_paste_without_metadata_is_named_and_skipped() {
    let Some((report, _)) = load(&["bmh/12-issue-bmo-721-provisioning-error.yaml"]) else {
        return;
    };
    assert_eq!((report.loaded, report.problems.len()), (0, 1));
    assert!(
        report.problems[0].to_string().contains("BareMetalHost"),
        "{}",
        report.problems[0]
    );
}

#[test]
fn devscripts_master_cut_short_is_consumed() {
    let Some((report, fleet)) =
        load(&["bmh/13-issue-devscripts-779-externally-provisioned-master.yaml"])
    else {
        return;
    };
    assert_eq!(report.loaded, 1, "{:?}", report.problems);
    let h = host(&fleet, "openshift-machine-api", "openshift-master-0");
    // The paste ends inside consumerRef: only its kind is known.
    assert_eq!(fleet.host(h).state.to_string(), "none (consumed)");
    assert_eq!(
        reasons(&fleet, h),
        [
            NotFree::Consumed {
                by: "Machine".into()
            },
            not_available("none"),
            NotFree::HardwareNotInspected
        ]
    );
}

#[test]
fn vcluster_docs_server_01_is_not_inspected() {
    let Some((_, fleet)) = load(&["bmh/14-vcluster-docs-metal3-server-01.yaml"]) else {
        return;
    };
    let h = host(&fleet, "metal3-system", "server-01");
    assert_eq!(fleet.host(h).label("role"), Some("compute"));
    assert_eq!(fleet.host(h).object.spec.online, None);
    assert_eq!(
        reasons(&fleet, h),
        [not_available("none"), NotFree::HardwareNotInspected]
    );
    no_provider_sees(&fleet, "server-01", "metal3-system");
}

#[test]
fn vmetal_sushy_template_host() {
    let Some((_, fleet)) = load(&["bmh/15-vmetal-sushy-demo-bmh-template.yaml"]) else {
        return;
    };
    let h = host(&fleet, "metal3-system", "vmetal-small-1");
    assert_eq!(fleet.host(h).label("vmetal-size"), Some("small"));
    assert_eq!(
        fleet.host(h).object.spec.automated_cleaning_mode.as_deref(),
        Some("metadata")
    );
    assert_eq!(
        reasons(&fleet, h),
        [not_available("none"), NotFree::HardwareNotInspected]
    );
}

// ------------------------------------------------------------------ platform objects

/// A node type's figures: name, BareMetalHost namespace, CPUs, memory in GiB, GPUs, cost.
fn node_type(fleet: &Fleet, name: &str) -> (String, f64, f64, u32, i64) {
    let t = fleet.resolve_node_type(name).unwrap();
    let info = fleet.node_type(t);
    (
        info.namespace.clone(),
        info.cpus.unwrap(),
        info.memory_bytes.unwrap() / (1u64 << 30) as f64,
        info.gpus,
        info.cost,
    )
}

#[test]
fn vcluster_docs_metal3_provider() {
    let Some((report, fleet)) = load(&["platform/01-vcluster-docs-metal3-nodeprovider.yaml"])
    else {
        return;
    };
    assert_eq!(report.loaded, 1);
    // 32 CPUs × 10 + 128Gi (137.4 GB) × 2 = 320 + 275 (guide, "Cost configuration").
    assert_eq!(
        node_type(&fleet, "metal3-provider.compute-node"),
        ("metal3-system".into(), 32.0, 128.0, 0, 595)
    );
    assert_eq!(
        lints_of(&fleet, "metal3-provider.compute-node"),
        [
            (
                LintId::NodeTypeNoEligibleHost,
                "has no eligible host: no host in namespace metal3-system matches its selector \
                 role=compute"
                    .into()
            ),
            (
                LintId::NodeTypeMissingOsImage,
                "points at OSImage ubuntu-noble, which does not exist; new Machines will fail"
                    .into()
            ),
        ]
    );
}

#[test]
fn vcluster_docs_gpu_node_types() {
    let Some((_, fleet)) = load(&["platform/02-vcluster-docs-metal3-gpu-nodetypes.yaml"]) else {
        return;
    };
    // 64 × 10 + 256Gi (274.9 GB) × 2 + 4 GPUs × 10000 = 640 + 550 + 40000.
    assert_eq!(
        node_type(&fleet, "gpu-server"),
        ("metal3-system".into(), 64.0, 256.0, 4, 41190)
    );
    assert_eq!(
        node_type(&fleet, "general-compute"),
        ("metal3-system".into(), 32.0, 128.0, 0, 595)
    );
    let ids: Vec<LintId> = lints_of(&fleet, "metal3-provider.gpu-server")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    // Selected by role and datacenter, not by GPU model (guide, "Node type design").
    assert_eq!(
        ids,
        [
            LintId::NodeTypeNoEligibleHost,
            LintId::GpuNodeTypeUnpinnedModel
        ]
    );
}

#[test]
fn vcluster_api_reference_claim_is_in_project_default() {
    let Some((_, fleet)) = load(&["platform/03-vcluster-docs-api-nodeclaim.yaml"]) else {
        return;
    };
    let c = fleet.resolve_claim("p-default/vcluster-62ftb").unwrap();
    let claim = fleet.claim(c);
    assert_eq!(claim.tenant, "default");
    assert_eq!(claim.vcluster.as_deref(), Some("my-vcluster"));
    assert_eq!(claim.type_ref, None);
    assert_eq!(claim.host, None);
    assert_eq!(claim.stage.as_str(), "pending");
    assert!(fleet.warnings().is_empty(), "{:?}", fleet.warnings());
}

#[test]
fn auto_nodes_claim_names_its_node_types_by_instance_type() {
    let Some((report, fleet)) = load(&["platform/04-vcluster-docs-auto-nodes-nodeclaim.yaml"])
    else {
        return;
    };
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let c = fleet.resolve_claim("p-default/vcluster-62ftb").unwrap();
    assert_eq!(fleet.claim(c).tenant, "default");
    assert_eq!(fleet.claim(c).object.spec.requirements.len(), 2);
    assert_eq!(
        fleet.warnings(),
        [
            "NodeClaim p-default/vcluster-62ftb asks for node type my-node-provider.large or \
          my-node-provider.medium (node.kubernetes.io/instance-type), none of which exists: \
          it waits"
        ]
    );
}

#[test]
fn metal3_and_kubevirt_os_images_from_the_docs() {
    let Some((report, fleet)) = load(&[
        "platform/05-vcluster-docs-osimage-ubuntu-noble.yaml",
        "platform/06-vcluster-docs-osimage-kubevirt.yaml",
    ]) else {
        return;
    };
    assert_eq!(report.loaded, 2);
    let noble = &report.objects.os_images["ubuntu-noble"];
    assert_eq!(
        noble.url(),
        Some("https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img")
    );
    assert_eq!(noble.checksum_type(), Some("sha256"));
    // A KubeVirt image has no Metal3 URL by design: not an incomplete Metal3 image.
    assert!(lints_of(&fleet, "ubuntu-container-disk").is_empty());
    assert!(lints_of(&fleet, "ubuntu-noble").is_empty());
}

#[test]
fn each_os_image_alone_is_complete_or_another_providers() {
    for file in [
        "platform/05-vcluster-docs-osimage-ubuntu-noble.yaml",
        "platform/06-vcluster-docs-osimage-kubevirt.yaml",
        "platform/08-vmetal-sushy-demo-osimage.yaml",
        "platform/10-vmetal-dgxspark-demo-osimage.yaml",
        "platform/12-kubevirt-demo-osimage.yaml",
    ] {
        let Some((report, fleet)) = load(&[file]) else {
            return;
        };
        assert_eq!(
            (report.loaded, report.problems.len()),
            (1, 0),
            "{file}: {:?}",
            report.problems
        );
        assert!(
            all_lints(&fleet).is_empty(),
            "{file}: {:?}",
            all_lints(&fleet)
        );
    }
}

#[test]
fn vmetal_sushy_demo_provider() {
    let Some((_, fleet)) = load(&["platform/07-vmetal-sushy-demo-nodeprovider.yaml"]) else {
        return;
    };
    // 2 × 10 + 4Gi × 2/GB, 3 × 10 + 6Gi × 2/GB, 4 × 10 + 8Gi × 2/GB; no GPUs declared.
    assert_eq!(
        node_type(&fleet, "small-node"),
        ("metal3-system".into(), 2.0, 4.0, 0, 29)
    );
    assert_eq!(
        node_type(&fleet, "medium-node"),
        ("metal3-system".into(), 3.0, 6.0, 0, 43)
    );
    assert_eq!(
        node_type(&fleet, "large-node"),
        ("metal3-system".into(), 4.0, 8.0, 0, 57)
    );
    let provider = fleet.provider("metal3-provider").unwrap();
    assert_eq!(
        provider
            .spec
            .properties
            .get("vcluster.com/ssh-keys")
            .map(String::as_str),
        Some("ops-key")
    );
}

#[test]
fn vmetal_dgx_spark_gpu_node_declares_no_gpu() {
    let Some((_, fleet)) = load(&["platform/09-vmetal-dgxspark-demo-nodeprovider.yaml"]) else {
        return;
    };
    assert_eq!(
        node_type(&fleet, "gpu-node"),
        ("metal3-system".into(), 8.0, 16.0, 0, 114)
    );
    assert_eq!(fleet.node_types().len(), 3);
}

#[test]
fn kubevirt_demo_storage_api_provider_in_default() {
    let Some((report, fleet)) = load(&["platform/11-kubevirt-demo-nodeprovider.yaml"]) else {
        return;
    };
    // `storage.loft.sh/v1`, hosts in `default`, `cpu: 2` as an integer.
    assert_eq!(report.loaded, 1, "{:?}", report.problems);
    assert_eq!(
        node_type(&fleet, "metal3.vm"),
        ("default".into(), 2.0, 8.0, 0, 37)
    );
    let t = fleet.resolve_node_type("metal3.vm").unwrap();
    assert_eq!(
        fleet.node_type(t).selector.as_ref().unwrap().to_string(),
        "app.kubernetes.io/name in (bare-metal-1,bare-metal-2)"
    );
}

// ------------------------------------------------------------------ loaded together

#[test]
fn vcluster_docs_provider_with_its_host_and_image() {
    let Some((report, fleet)) = load(&[
        "platform/01-vcluster-docs-metal3-nodeprovider.yaml",
        "platform/05-vcluster-docs-osimage-ubuntu-noble.yaml",
        "bmh/14-vcluster-docs-metal3-server-01.yaml",
    ]) else {
        return;
    };
    assert_eq!(report.loaded, 3);
    let h = host(&fleet, "metal3-system", "server-01");
    let t = fleet.resolve_node_type("compute-node").unwrap();
    // Matches by `role: compute`, but has no status yet: never inspected, not available.
    assert_eq!(fleet.host(h).derived.matches, [t]);
    assert!(fleet.host(h).derived.eligible.is_empty());
    assert_eq!(fleet.host(h).provider.as_deref(), Some("metal3-provider"));
    assert_eq!(
        lints_of(&fleet, "metal3-provider.compute-node"),
        [(
            LintId::NodeTypeNoEligibleHost,
            "has no eligible host: 1 host matches its selector: 1 not available".into()
        )]
    );
    assert!(lints_of(&fleet, "server-01").is_empty());
}

#[test]
fn vcluster_docs_provider_does_not_see_hosts_in_another_namespace() {
    let Some((_, fleet)) = load(&[
        "platform/01-vcluster-docs-metal3-nodeprovider.yaml",
        "bmh/03-metal3-docs-tryit-ready.yaml",
    ]) else {
        return;
    };
    // node-0 is free and inspected, but in `metal3`: the provider claims from metal3-system.
    // The dump names no cluster; the provider names one (`clusterRef.cluster:
    // bare-metal-cluster`), so the host is read as of that cluster.
    assert_eq!(
        lints_of(&fleet, "node-0"),
        [(
            LintId::HostMatchesNoNodeType,
            "is in namespace metal3 of cluster bare-metal-cluster, where no NodeProvider claims \
             hosts (node types claim hosts in namespace metal3-system of cluster \
             bare-metal-cluster); its labels were not compared"
                .into()
        )]
    );
}

#[test]
fn vmetal_sushy_demo_together() {
    let Some((report, fleet)) = load(&[
        "platform/07-vmetal-sushy-demo-nodeprovider.yaml",
        "platform/08-vmetal-sushy-demo-osimage.yaml",
        "bmh/15-vmetal-sushy-demo-bmh-template.yaml",
    ]) else {
        return;
    };
    assert_eq!(report.loaded, 3);
    let h = host(&fleet, "metal3-system", "vmetal-small-1");
    let small = fleet.resolve_node_type("small-node").unwrap();
    assert_eq!(fleet.host(h).derived.matches, [small]);
    assert_eq!(
        lints_of(&fleet, "metal3-provider.small-node"),
        [(
            LintId::NodeTypeNoEligibleHost,
            "has no eligible host: 1 host matches its selector: 1 not available".into()
        )]
    );
    assert_eq!(
        lints_of(&fleet, "metal3-provider.medium-node"),
        [(
            LintId::NodeTypeNoEligibleHost,
            "has no eligible host: no host in namespace metal3-system matches its selector \
             demo=vmetal,vmetal-size=medium"
                .into()
        )]
    );
    // The OSImage the types point at is loaded: no missing-image lint.
    assert!(
        all_lints(&fleet)
            .iter()
            .all(|l| l.id != LintId::NodeTypeMissingOsImage)
    );
}

#[test]
fn vmetal_dgx_spark_demo_together() {
    let Some((_, fleet)) = load(&[
        "platform/09-vmetal-dgxspark-demo-nodeprovider.yaml",
        "platform/10-vmetal-dgxspark-demo-osimage.yaml",
    ]) else {
        return;
    };
    let ids: Vec<(LintId, String)> = all_lints(&fleet)
        .into_iter()
        .map(|l| (l.id, l.subject))
        .collect();
    assert_eq!(
        ids,
        [
            (
                LintId::NodeTypeNoEligibleHost,
                "metal3-provider.gpu-node".into()
            ),
            (
                LintId::NodeTypeNoEligibleHost,
                "metal3-provider.large-node".into()
            ),
            (
                LintId::NodeTypeNoEligibleHost,
                "metal3-provider.small-node".into()
            ),
        ]
    );
}

#[test]
fn kubevirt_demo_together() {
    let Some((report, fleet)) = load(&[
        "platform/11-kubevirt-demo-nodeprovider.yaml",
        "platform/12-kubevirt-demo-osimage.yaml",
    ]) else {
        return;
    };
    assert_eq!(report.loaded, 2);
    let image = &report.objects.os_images["ubuntu2404-20260307"];
    assert_eq!(
        image.spec.owner.as_ref().and_then(|o| o.user.as_deref()),
        Some("admin")
    );
    let ids: Vec<LintId> = all_lints(&fleet).into_iter().map(|l| l.id).collect();
    // The node type names no image property: only its missing hosts are told.
    assert_eq!(ids, [LintId::NodeTypeNoEligibleHost]);
}

#[test]
fn a_metal3_node_type_pointing_at_the_kubevirt_image_is_told_so() {
    let Some(dir) = realworld() else {
        return;
    };
    // The docs' provider with its image property pointed at the KubeVirt container disk.
    let provider =
        std::fs::read_to_string(dir.join("platform/01-vcluster-docs-metal3-nodeprovider.yaml"))
            .unwrap()
            .replace(
                "vcluster.com/os-image: ubuntu-noble",
                "vcluster.com/os-image: ubuntu-container-disk",
            );
    let kubevirt =
        std::fs::read_to_string(dir.join("platform/06-vcluster-docs-osimage-kubevirt.yaml"))
            .unwrap();
    let mut report = LoadReport::default();
    gpufleet::source::file::load_text(
        std::path::Path::new("provider.yaml"),
        &provider,
        &mut report,
    );
    gpufleet::source::file::load_text(std::path::Path::new("image.yaml"), &kubevirt, &mut report);
    let fleet = Fleet::build(report.objects);
    let lints = lints_of(&fleet, "metal3-provider.compute-node");
    assert!(
        lints.contains(&(
            LintId::NodeTypeOsImageOtherProvider,
            "points at OSImage ubuntu-container-disk, a kubevirt image with no Metal3 URL; new \
             Machines of this Metal3 node type cannot be provisioned"
                .into()
        )),
        "{lints:?}"
    );
    assert!(lints_of(&fleet, "ubuntu-container-disk").is_empty());
}

/// Every `enum:` list under a property named `name` in a CRD, wherever it is.
fn crd_enums(crd: &serde_json::Value, name: &str, out: &mut Vec<Vec<String>>) {
    match crd {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                if key == name
                    && let Some(list) = value.get("enum").and_then(|e| e.as_array())
                {
                    out.push(
                        list.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect(),
                    );
                }
                crd_enums(value, name, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| crd_enums(v, name, out)),
        _ => {}
    }
}

/// The real BareMetalHost CRDs' enums of `operationalStatus` and `checksumType` read as
/// statuses and types gpufleet knows, spelled back exactly as the CRD spells them.
#[test]
fn crd_enum_values_read_as_known_and_spell_back_the_same() {
    use gpufleet::fleet::OperationalStatus;
    use gpufleet::model::ChecksumType;
    let Some(dir) = realworld() else {
        return;
    };
    for file in [
        "crds/metal3.io_baremetalhosts.main.yaml",
        "crds/metal3.io_baremetalhosts.v0.12.0.yaml",
    ] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let crd: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let mut statuses = Vec::new();
        crd_enums(&crd, "operationalStatus", &mut statuses);
        assert!(!statuses.is_empty(), "{file}: no operationalStatus enum");
        for word in statuses.iter().flatten() {
            let status = OperationalStatus::parse(Some(word));
            assert!(
                !matches!(status, OperationalStatus::Other(_)),
                "{file}: {word:?} unknown"
            );
            assert_eq!(status.as_str(), word, "{file}");
        }
        let mut checksums = Vec::new();
        crd_enums(&crd, "checksumType", &mut checksums);
        assert!(!checksums.is_empty(), "{file}: no checksumType enum");
        for list in &checksums {
            let read: Vec<ChecksumType> = list.iter().map(|w| ChecksumType::parse(w)).collect();
            assert_eq!(read, ChecksumType::KNOWN, "{file}");
        }
    }
}
