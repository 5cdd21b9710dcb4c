//! A fleet over two Metal3 clusters (tests/fixtures/two-sites): two NodeProviders, each
//! targeting its own cluster (`spec.metal3.clusterRef.cluster`), both with BareMetalHosts in
//! `metal3-system` and the same host names. Expected values come from the fixture: dc1 has
//! two H100 hosts, dc2 one H100 and one A100, each provider one type selecting `gpu-model:
//! h100`.

use crate::support::load;
use gpufleet::event::{FleetEvent, Kind};
use gpufleet::fleet::lints::LintId;
use gpufleet::fleet::summary::summarize;
use gpufleet::fleet::{Fleet, HostKey};
use gpufleet::impact::{
    Change, ClaimEffect, HostEffect, HostTargets, LabelEdit, PinChange, PinTarget, impact,
};
use gpufleet::live::LiveFleet;
use gpufleet::source::file::load_paths;
use load::FromObjects;
use std::path::{Path, PathBuf};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/two-sites")
        .join(path)
}

fn two_sites() -> Fleet {
    let report = load_paths(&[fixture("")]).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(report.duplicates.is_empty(), "{:?}", report.duplicates);
    assert!(report.unnamed_clusters.is_empty());
    Fleet::build(report.objects)
}

fn keys_of(fleet: &Fleet, type_name: &str) -> Vec<String> {
    let t = fleet.resolve_node_type(type_name).unwrap();
    fleet
        .type_hosts(t)
        .iter()
        .map(|&h| fleet.host(h).key().to_string())
        .collect()
}

#[test]
fn a_node_type_sees_only_the_hosts_of_its_providers_cluster() {
    let fleet = two_sites();
    assert_eq!(
        fleet.hosts().len(),
        4,
        "same names, two clusters: four hosts"
    );
    assert_eq!(
        keys_of(&fleet, "dc1.h100-8x"),
        [
            "dc1-infra/metal3-system/gpu-01",
            "dc1-infra/metal3-system/gpu-02"
        ]
    );
    assert_eq!(
        keys_of(&fleet, "dc2.h100-8x"),
        ["dc2-infra/metal3-system/gpu-01"]
    );
    let summary = summarize(&fleet);
    let clusters: Vec<(&str, u32)> = summary
        .clusters
        .iter()
        .map(|g| (g.name.as_str(), g.hosts))
        .collect();
    assert_eq!(clusters, [("dc1-infra", 2), ("dc2-infra", 2)]);
    // The A100 host of dc2 matches no type; its lint names its cluster.
    let lints = gpufleet::fleet::lints::all_lints(&fleet);
    let unmatched: Vec<(&str, Option<&str>)> = lints
        .iter()
        .filter(|l| l.id == LintId::HostMatchesNoNodeType)
        .map(|l| (l.subject.as_str(), l.cluster.as_deref()))
        .collect();
    assert_eq!(unmatched, [("gpu-02", Some("dc2-infra"))]);
}

#[test]
fn host_names_resolve_by_cluster_and_an_edit_touches_only_its_clusters_host() {
    let fleet = two_sites();
    let ambiguous = fleet.resolve_host("gpu-01").unwrap_err().to_string();
    assert!(
        ambiguous.contains("dc1-infra/metal3-system/gpu-01")
            && ambiguous.contains("dc2-infra/metal3-system/gpu-01"),
        "{ambiguous}"
    );
    let h = fleet
        .resolve_host("dc2-infra/metal3-system/gpu-01")
        .unwrap();
    assert_eq!(
        fleet.host(h).key(),
        HostKey::new("dc2-infra", "metal3-system", "gpu-01")
    );
    let edit = Change::Label(
        LabelEdit::parse_args(
            HostTargets::Names(vec!["dc2-infra/metal3-system/gpu-01".into()]),
            &["maintenance=true"],
        )
        .unwrap(),
    );
    let preview = impact(&fleet, &edit).unwrap();
    let written: Vec<(Option<&str>, &str, Option<&str>)> = preview
        .objects
        .iter()
        .map(|o| {
            (
                o.cluster.as_deref(),
                o.name.as_str(),
                o.resource_version.as_deref(),
            )
        })
        .collect();
    // resourceVersion 30 is dc2's gpu-01 in the fixture (dc1's is 20).
    assert_eq!(written, [(Some("dc2-infra"), "gpu-01", Some("30"))]);
}

/// A preview of an edit on same-named hosts of two clusters names each host's cluster: in
/// the JSON (`hosts[].cluster`) and, for people, as `cluster/name`; a preview within one
/// cluster keeps bare names.
#[test]
fn a_preview_across_clusters_names_each_hosts_cluster() {
    let fleet = two_sites();
    let edit = |keys: &[&str]| {
        let names = keys.iter().map(ToString::to_string).collect();
        let edit = LabelEdit::parse_args(HostTargets::Names(names), &["maintenance=true"]);
        impact(&fleet, &Change::Label(edit.unwrap())).unwrap()
    };
    let both = edit(&[
        "dc1-infra/metal3-system/gpu-01",
        "dc2-infra/metal3-system/gpu-01",
    ]);
    let json = serde_json::to_value(&both).unwrap();
    let clusters: Vec<(&str, &str)> = json["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["cluster"].as_str().unwrap(), h["name"].as_str().unwrap()))
        .collect();
    assert_eq!(clusters, [("dc1-infra", "gpu-01"), ("dc2-infra", "gpu-01")]);
    let spans = both.hosts_span_clusters();
    let shown: Vec<String> = both.hosts.iter().map(|h| h.shown_name(spans)).collect();
    assert_eq!(shown, ["dc1-infra/gpu-01", "dc2-infra/gpu-01"]);
    // One host of a fleet of two clusters: still named with its cluster, since its name
    // alone is another cluster's host too.
    let one = edit(&["dc2-infra/metal3-system/gpu-01"]);
    assert!(fleet.hosts_span_clusters());
    assert_eq!(
        one.hosts[0].shown_name(one.hosts_span_clusters()),
        "dc2-infra/gpu-01"
    );
    let dc2 = fleet.host_by_key(&"dc2-infra/metal3-system/gpu-01".parse().unwrap());
    assert_eq!(fleet.shown_name(dc2.unwrap()), "dc2-infra/gpu-01");
}

#[test]
fn a_dump_names_its_cluster_on_the_command_line() {
    let named = |cluster: &str| {
        PathBuf::from(format!(
            "{cluster}={}",
            fixture(&format!("{cluster}/hosts.yaml")).display()
        ))
    };
    let report = load_paths(&[
        fixture("platform.yaml"),
        named("dc1-infra"),
        named("dc2-infra"),
    ])
    .unwrap();
    assert!(report.duplicates.is_empty(), "{:?}", report.duplicates);
    let fleet = Fleet::build(report.objects);
    assert_eq!(keys_of(&fleet, "dc2.h100-8x").len(), 1);
    assert_eq!(keys_of(&fleet, "dc1.h100-8x").len(), 2);
}

#[test]
fn an_unnamed_dump_of_several_clusters_says_it_cannot_tell_and_how_to_name_it() {
    let report = load_paths(&[fixture("platform.yaml"), fixture("dc1-infra/hosts.yaml")]).unwrap();
    // The file's directory is named after its cluster: that tells.
    assert!(report.unnamed_clusters.is_empty());
    let dir = std::env::temp_dir().join(format!("gpufleet-two-sites-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let flat = dir.join("hosts.yaml");
    std::fs::copy(fixture("dc1-infra/hosts.yaml"), &flat).unwrap();
    let report = load_paths(&[fixture("platform.yaml"), flat.clone()]).unwrap();
    let [warning] = report.unnamed_clusters.as_slice() else {
        panic!("{:?}", report.unnamed_clusters)
    };
    assert!(
        warning.contains("cannot tell which Metal3 cluster")
            && warning.contains("dc1-infra, dc2-infra")
            && warning.contains(&format!("-f dc1-infra={}", flat.display())),
        "{warning}"
    );
    assert!(report.notes().warnings.contains(warning));
    // Nothing is lost: the hosts are read, as of no cluster, and no type claims them.
    let fleet = Fleet::build(report.objects);
    assert_eq!(fleet.hosts().len(), 2);
    assert!(fleet.hosts().iter().all(|h| h.derived.matches.is_empty()));
    // With one provider, its cluster is the only one: the same dump needs no name.
    let one = dir.join("one-provider.yaml");
    let text = std::fs::read_to_string(fixture("platform.yaml")).unwrap();
    std::fs::write(&one, text.split("\n---\n").next().unwrap()).unwrap();
    let report = load_paths(&[one, flat]).unwrap();
    assert!(report.unnamed_clusters.is_empty());
    assert!(
        report
            .objects
            .hosts
            .keys()
            .all(|k| k.cluster == "dc1-infra")
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_relist_of_one_cluster_replaces_only_that_clusters_hosts() {
    let report = load_paths(&[fixture("")]).unwrap();
    let mut live = LiveFleet::from_objects(report.objects);
    live.apply(FleetEvent::Replaced {
        kind: Kind::BareMetalHost,
        cluster: Some("dc1-infra".into()),
        objects: Vec::new(),
        rejected: Vec::new(),
    });
    live.refresh();
    let left: Vec<String> = live
        .fleet()
        .hosts()
        .iter()
        .map(|h| h.key().to_string())
        .collect();
    assert_eq!(
        left,
        [
            "dc2-infra/metal3-system/gpu-01",
            "dc2-infra/metal3-system/gpu-02"
        ]
    );
    live.apply(FleetEvent::ClusterGone("dc2-infra".into()));
    live.refresh();
    assert!(live.fleet().hosts().is_empty());
}

/// tests/fixtures/shared-labels: two clusters whose hosts carry the same datacenter, rack
/// and NVLink domain labels (and names). A rack is (cluster, datacenter, rack) and a domain
/// (cluster, label): two of each, never one of four hosts.
#[test]
fn racks_and_nvlink_domains_of_two_clusters_never_merge_on_equal_labels() {
    let report =
        load_paths(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-labels")])
            .unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(report.unnamed_clusters.is_empty());
    let fleet = Fleet::build(report.objects);
    assert_eq!(fleet.hosts().len(), 4);
    let groups = fleet.groups();
    let racks: Vec<(String, usize)> = groups
        .racks
        .iter()
        .map(|(k, hosts)| (k.to_string(), hosts.len()))
        .collect();
    assert_eq!(
        racks,
        [
            ("dc1-infra/campus/r01".to_string(), 2),
            ("dc2-infra/campus/r01".to_string(), 2)
        ]
    );
    let domains: Vec<(String, usize)> = groups
        .nvlink_domains
        .iter()
        .map(|(k, hosts)| (k.to_string(), hosts.len()))
        .collect();
    assert_eq!(
        domains,
        [
            ("dc1-infra/nvl-01".to_string(), 2),
            ("dc2-infra/nvl-01".to_string(), 2)
        ]
    );
    // acme holds dc1's gpu-01 and bluefin dc2's: each fabric has one tenant, so no split.
    let lints = gpufleet::fleet::lints::all_lints(&fleet);
    assert!(
        lints
            .iter()
            .all(|l| l.id != LintId::NvlinkDomainSplitTenants),
        "{lints:?}"
    );
    // The summary keeps the labels as names and says whose they are.
    let summary = summarize(&fleet);
    let named = |groups: &[gpufleet::fleet::summary::GroupCounts]| -> Vec<(String, Option<String>, u32, u32)> {
        groups
            .iter()
            .map(|g| (g.name.clone(), g.cluster.clone(), g.hosts, g.gpus_claimed))
            .collect()
    };
    let site = |name: &str, cluster: &str| (name.to_string(), Some(cluster.to_string()), 2, 4);
    assert_eq!(
        named(&summary.racks),
        [
            site("campus/r01", "dc1-infra"),
            site("campus/r01", "dc2-infra")
        ]
    );
    assert_eq!(
        named(&summary.nvlink_domains),
        [site("nvl-01", "dc1-infra"), site("nvl-01", "dc2-infra")]
    );
    // One datacenter label is one place, whichever clusters run it.
    assert_eq!(summary.datacenters.len(), 1);
    assert_eq!(summary.datacenters[0].hosts, 4);
}

/// A pin that puts acme on dc2's free gpu-02 splits dc2's nvl-01 (bluefin holds its
/// gpu-01); the lint names dc2's domain, not dc1's of the same label, where acme already is.
#[test]
fn a_pin_splits_only_the_nvlink_domain_of_its_own_cluster() {
    let report =
        load_paths(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-labels")])
            .unwrap();
    let fleet = Fleet::build(report.objects);
    let pin = Change::Pin(PinChange {
        server: "dc2-infra/metal3-system/gpu-02".into(),
        node_type: Some("dc2.gb200-4x".into()),
        target: PinTarget::New {
            vcluster: "train".into(),
            project: "acme".into(),
        },
    });
    let preview = impact(&fleet, &pin).unwrap();
    let splits: Vec<(&str, Option<&str>)> = preview
        .lints_introduced
        .iter()
        .filter(|l| l.id == LintId::NvlinkDomainSplitTenants)
        .map(|l| (l.subject.as_str(), l.cluster.as_deref()))
        .collect();
    assert_eq!(splits, [("nvl-01", Some("dc2-infra"))]);
}

/// Links by the host label only, across two clusters with the same host names
/// (tests/fixtures/links-two-sites): a problem names the other host with its cluster, and a
/// claim's annotation, which gives a bare name, is read as the host its node type can see.
#[test]
fn link_problems_name_hosts_by_cluster_where_host_names_repeat() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/links-two-sites");
    let report = load_paths(&[dir]).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let fleet = Fleet::build(report.objects);
    let problems = |key: &str| -> Vec<String> {
        let h = fleet.resolve_host(key).unwrap();
        fleet
            .host(h)
            .link
            .problems
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    let train = fleet.resolve_claim("p-acme/train-1").unwrap();
    let held = fleet
        .claim(train)
        .host
        .map(|h| fleet.host(h).key().to_string());
    assert_eq!(held.as_deref(), Some("dc1-infra/metal3-system/gpu-01"));
    assert_eq!(
        problems("dc2-infra/metal3-system/gpu-01"),
        [
            "claim p-acme/train-1 is linked to dc1-infra/metal3-system/gpu-01 too; a claim holds \
          one server"
        ]
    );
    // infer-1 is of dc2's type: its annotation's gpu-02 is dc2's, never dc1's.
    assert_eq!(
        problems("dc2-infra/metal3-system/gpu-02"),
        [
            "claim p-acme/infer-1's annotation metal3.vcluster.com/claimed-node (unconfirmed) \
          names this host, but no confirmed key links them"
        ]
    );
    assert!(problems("dc1-infra/metal3-system/gpu-02").is_empty());
}

/// tests/fixtures/shared-labels with a pending claim of dc2's type
/// (tests/fixtures/pending-dc2-claim.yaml); both clusters have a free gpu-02.
fn shared_labels_with_a_pending_dc2_claim() -> Fleet {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let report = load_paths(&[
        dir.join("shared-labels"),
        dir.join("pending-dc2-claim.yaml"),
    ])
    .unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    Fleet::build(report.objects)
}

fn pin_of(server: &str, node_type: Option<&str>, target: PinTarget) -> Change {
    Change::Pin(PinChange {
        server: server.into(),
        node_type: node_type.map(str::to_string),
        target,
    })
}

fn infer_2() -> PinTarget {
    PinTarget::Existing {
        namespace: "p-bluefin".into(),
        name: "infer-2".into(),
    }
}

/// A node type sees only hosts of its provider's cluster and namespace, and the pin property
/// carries only the host's name: a pin of dc1's gpu-02 for a claim of dc2's type is refused,
/// naming dc1's host and where the type claims from, never previewed as dc2's gpu-02.
#[test]
fn a_pin_of_a_host_in_another_cluster_than_the_claims_is_refused() {
    let fleet = shared_labels_with_a_pending_dc2_claim();
    let dc1 = "dc1-infra/metal3-system/gpu-02";
    let e = impact(&fleet, &pin_of(dc1, None, infer_2())).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with(
            "server dc1-infra/gpu-02 is not in the cluster and namespace node type \
             dc2.gb200-4x claims from (dc2-infra/metal3-system)"
        ),
        "{text}"
    );
    assert!(text.contains("dc2-infra/gpu-02 instead"), "{text}");
    // The same for a new claim of dc2's type.
    let new = PinTarget::New {
        vcluster: "infer".into(),
        project: "bluefin".into(),
    };
    let e = impact(&fleet, &pin_of(dc1, Some("dc2.gb200-4x"), new)).unwrap_err();
    assert!(
        e.to_string().contains("server dc1-infra/gpu-02 is not"),
        "{e}"
    );
    // The dialog's verdict says the same, of the named host.
    let c = fleet.resolve_claim("p-bluefin/infer-2").unwrap();
    let h = fleet.resolve_host(dc1).unwrap();
    let verdict = gpufleet::impact::pin::pin_verdict(&fleet, c, h).unwrap_err();
    assert!(
        verdict
            .to_string()
            .starts_with("server dc1-infra/gpu-02 is not in the cluster"),
        "{verdict}"
    );
}

/// The pin of dc2's gpu-02 for the same claim holds on exactly that host: one host in scope,
/// dc1's gpu-02 untouched.
#[test]
fn a_pin_of_a_host_in_the_claims_cluster_claims_exactly_that_host() {
    let fleet = shared_labels_with_a_pending_dc2_claim();
    let preview = impact(
        &fleet,
        &pin_of("dc2-infra/metal3-system/gpu-02", None, infer_2()),
    )
    .unwrap();
    let scope: Vec<(Option<&str>, &str, Option<String>)> = preview
        .hosts
        .iter()
        .map(|h| (h.cluster.as_deref(), h.name.as_str(), h.claimed_by.clone()))
        .collect();
    assert_eq!(
        scope,
        [(
            Some("dc2-infra"),
            "gpu-02",
            Some("p-bluefin/infer-2".to_string())
        )]
    );
    assert_eq!(preview.hosts[0].effect, HostEffect::ClaimedByPin);
    let claim = &preview.claims[0];
    assert_eq!(
        (
            claim.effect,
            claim.node_type.as_deref(),
            claim.host.as_deref()
        ),
        (
            ClaimEffect::PinSucceeds,
            Some("dc2.gb200-4x"),
            Some("gpu-02")
        )
    );
    assert_eq!(preview.failing_pin(), None);
}
