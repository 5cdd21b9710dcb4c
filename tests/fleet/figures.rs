//! One figure, one meaning: on a generated fleet, what the dashboard's panes show (the node
//! types, tenants and NVLink panes and the status line, read off the drawn screen by their
//! column headers) and what `gpufleet summary -o json` prints (the real binary) are the same
//! numbers, and the figures add up as their definitions say.

use crate::support;
use crate::support::load;
use load::LoadComplete;

use gpufleet::format::thousands;
use gpufleet::source::file::load_paths;
use gpufleet::ui::app::{App, Mode, Settings};
use gpufleet::ui::theme::Theme;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use support::run::{run, stderr, stdout, temp_dir};
use support::{draw, press};

/// What `gpufleet args` prints, once it succeeded.
fn gpufleet(args: &[&str]) -> String {
    let o = run(args);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

/// The table rows of the screen whose header line holds every one of `headers` (in order),
/// as `header → cell` maps keyed by the first word under the first header. A cell runs from
/// its header's first column to the next header's.
fn table(screen: &str, headers: &[&str]) -> BTreeMap<String, BTreeMap<String, String>> {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let text = |l: &[char]| l.iter().collect::<String>();
    let (at, starts) = lines
        .iter()
        .enumerate()
        .find_map(|(at, l)| {
            let t = text(l);
            let mut starts = Vec::new();
            let mut from = 0;
            for h in headers {
                let byte = from + t[from..].find(h)?;
                starts.push(t[..byte].chars().count());
                from = byte + h.len();
            }
            Some((at, starts))
        })
        .unwrap_or_else(|| panic!("a table headed {headers:?}:\n{screen}"));
    let mut rows = BTreeMap::new();
    for line in &lines[at + 1..] {
        let cell = |k: usize| {
            let from = starts[k].min(line.len());
            let to = starts.get(k + 1).map_or(line.len(), |&s| s.min(line.len()));
            text(&line[from..to]).trim().to_string()
        };
        // The first header's cell may run over columns this test does not read.
        let key = cell(0)
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        if key.is_empty() || key.contains('─') {
            break;
        }
        let row = (0..headers.len())
            .map(|k| (headers[k].to_string(), cell(k)))
            .collect();
        rows.insert(key, row);
    }
    rows
}

fn number(s: &str) -> u64 {
    s.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("a number: {s:?}"))
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("a number: {v}"))
}

#[test]
fn the_panes_and_summary_json_agree_on_a_generated_fleet() {
    let dir = temp_dir("figures");
    let file = dir.join("fleet.yaml");
    let path = file.to_str().unwrap();
    gpufleet(&["generate", "--hosts", "500", "--seed", "1", "--file", path]);
    let summary: Value =
        serde_json::from_str(&gpufleet(&["summary", "-f", path, "-o", "json"])).unwrap();

    let objects = load_paths(&[&file]).unwrap().objects;
    let mut app = App::new(
        Settings::demo(Mode::Interactive),
        Theme::default_truecolor(),
        None,
    );
    app.load_complete(&objects);
    app.now += Duration::from_secs(5);
    let screen = |app: &mut App, keys: &str| {
        press(app, keys);
        draw(app, 260, 90).backend().to_string().replace('"', " ")
    };

    // Node types: every host the selector matches is available, claimed by the type's own
    // claims, claimed through another type, or unavailable; claims of the type on hosts that
    // no longer match count as claimed, not as matched.
    let types = table(
        &screen(&mut app, "4"),
        &[
            "NAME",
            "MATCHED",
            "AVAIL",
            "CLAIMED",
            "VIA OTHER",
            "UNAVAIL",
            "DRIFT",
        ],
    );
    let json_types = summary["node_types"].as_array().unwrap();
    assert_eq!(types.len(), json_types.len());
    let mut through_other_types = 0;
    for t in json_types {
        let row = &types[t["name"].as_str().unwrap()];
        let f = &t["node_type"];
        for (column, figure) in [
            ("MATCHED", "matched"),
            ("AVAIL", "available"),
            ("CLAIMED", "claimed"),
            ("VIA OTHER", "claimed_through_other_types"),
            ("UNAVAIL", "unavailable"),
        ] {
            assert_eq!(
                number(&row[column]),
                n(&f[figure]["hosts"]),
                "{} {column}",
                t["name"]
            );
        }
        assert_eq!(n(&f["matched"]["hosts"]), n(&t["hosts"]));
        assert_eq!(n(&f["matched"]["gpus"]), n(&t["gpus_total"]));
        for unit in ["hosts", "gpus"] {
            assert_eq!(
                n(&f["matched"][unit]),
                n(&f["available"][unit]) + n(&f["claimed"][unit])
                    - n(&f["claimed_off_selector"][unit])
                    + n(&f["claimed_through_other_types"][unit])
                    + n(&f["unavailable"][unit]),
                "{} {unit} add up",
                t["name"]
            );
        }
        // The group's claimed GPUs are every claim's on the matched hosts.
        assert_eq!(
            n(&t["gpus_claimed"]),
            n(&f["claimed"]["gpus"]) - n(&f["claimed_off_selector"]["gpus"])
                + n(&f["claimed_through_other_types"]["gpus"])
        );
        through_other_types += n(&f["claimed_through_other_types"]["hosts"]);
    }
    assert!(
        through_other_types > 0,
        "the generated fleet has overlapping selectors"
    );

    // Tenants: reserved hosts, GPUs used/reserved, eligible GPUs, and every claim in exactly
    // one phase column (deleting included).
    let tenants = table(
        &screen(&mut app, "3"),
        &[
            "TENANT",
            "RESERVED",
            "GPUS USED/RESERVED",
            "ELIGIBLE",
            "CLAIMS",
            "AVAIL",
            "PROV",
            "PEND",
            "FAIL",
            "DEL",
            "LEAKS",
        ],
    );
    let json_tenants = summary["tenants"].as_array().unwrap();
    assert_eq!(tenants.len(), json_tenants.len());
    for t in json_tenants {
        let row = &tenants[t["name"].as_str().unwrap()];
        let f = &t["tenant"];
        assert_eq!(number(&row["RESERVED"]), n(&f["reserved"]["hosts"]));
        assert_eq!(
            row["GPUS USED/RESERVED"],
            format!(
                "{}/{}",
                thousands(n(&f["in_use"]["gpus"])),
                thousands(n(&f["reserved"]["gpus"]))
            )
        );
        assert_eq!(number(&row["ELIGIBLE"]), n(&f["eligible_gpus"]));
        let claims = &f["claims"];
        let mut phases = 0;
        for (column, phase) in [
            ("AVAIL", "available"),
            ("PROV", "provisioning"),
            ("PEND", "pending"),
            ("FAIL", "failed"),
            ("DEL", "deleting"),
        ] {
            let shown = if row[column] == "-" {
                0
            } else {
                number(&row[column])
            };
            assert_eq!(shown, n(&claims[phase]), "{} {column}", t["name"]);
            phases += shown;
        }
        assert_eq!(number(&row["CLAIMS"]), n(&claims["total"]));
        assert_eq!(
            phases,
            n(&claims["total"]),
            "{}: the phases add up to CLAIMS",
            t["name"]
        );
    }

    // NVLink domains: GPUs total, free and claimed as the summary's domain groups. The
    // generated fleet spans two Metal3 clusters: the DC column is SITE.
    let domains = table(
        &screen(&mut app, "2"),
        &[
            "DOMAIN", "SITE", "HOSTS", "GPUS", "FREE", "CLAIMED", "SPLIT",
        ],
    );
    let json_domains = summary["nvlink_domains"].as_array().unwrap();
    assert!(!json_domains.is_empty());
    for d in json_domains {
        let Some(row) = domains.get(d["name"].as_str().unwrap()) else {
            continue; // beyond the screen
        };
        assert_eq!(number(&row["GPUS"]), n(&d["gpus_total"]), "{}", d["name"]);
        assert_eq!(number(&row["FREE"]), n(&d["gpus_free"]), "{}", d["name"]);
        assert_eq!(
            number(&row["CLAIMED"]),
            n(&d["gpus_claimed"]),
            "{}",
            d["name"]
        );
    }

    // The status line: the fleet group.
    let status = screen(&mut app, "");
    let fleet = &summary["fleet"];
    for (figure, word) in [
        (n(&fleet["hosts"]), "hosts"),
        (n(&fleet["gpus_total"]), "GPUs"),
        (n(&fleet["gpus_free"]), "free"),
        (n(&fleet["claims"]["total"]), "claims"),
    ] {
        let shown = format!("{} {word}", thousands(figure));
        assert!(
            status.contains(&shown),
            "the status line says {shown}:\n{status}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A claim linked to two hosts (both carry its name in their node-claim label) holds one of
/// them; the other still lands in exactly one of the node type's figures, so they add up,
/// and `summary` counts both as claimed. Huge GPU counts cost nothing but a lint.
#[test]
fn a_type_s_figures_add_up_with_a_claim_linked_twice_and_huge_gpu_counts() {
    let host = |name: &str, gpu_count: &str| {
        format!(
            r#"{{"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost", "metadata": {{"name": "{name}", "namespace": "metal3-system", "labels": {{"metal3.vcluster.com/node-claim": "c-two", "gpu-model": "h100", "gpu-count": "{gpu_count}", "rack": "r1"}}, "resourceVersion": "1"}}, "spec": {{"online": true}}, "status": {{"errorMessage": "", "operationalStatus": "OK", "poweredOn": true, "provisioning": {{"state": "provisioned", "ID": "x", "image": {{"url": "http://i/a.qcow2", "checksum": "a"}}}}, "hardware": {{"cpu": {{"count": 128}}, "ramMebibytes": 2097152}}}}}}"#
        )
    };
    let items = [
        r#"{"apiVersion": "management.loft.sh/v1", "kind": "NodeProvider", "metadata": {"name": "p", "resourceVersion": "1"}, "spec": {"properties": {"vcluster.com/os-image": "img"}, "metal3": {"clusterRef": {"cluster": "c", "namespace": "metal3-system"}, "nodeTypes": [{"name": "h100", "resources": {"cpu": "96", "memory": "768Gi", "nvidia.com/gpu": "1e30"}, "bareMetalHosts": {"selector": {"matchLabels": {"gpu-model": "h100"}}}}]}}}"#.to_string(),
        r#"{"apiVersion": "management.loft.sh/v1", "kind": "OSImage", "metadata": {"name": "img"}, "spec": {"properties": {"metal3.vcluster.com/image-url": "http://i/a.qcow2", "metal3.vcluster.com/image-checksum": "a"}}}"#.to_string(),
        host("h-two", "8"),
        host("h-two-b", "4294967295"),
        r#"{"apiVersion": "management.loft.sh/v1", "kind": "NodeClaim", "metadata": {"name": "c-two", "namespace": "p-acme", "resourceVersion": "1"}, "spec": {"providerRef": "p", "typeRef": "p.h100", "vClusterRef": "v"}, "status": {"phase": "Available"}}"#.to_string(),
    ];
    let dir = temp_dir("figures-twice");
    let file = dir.join("fleet.json");
    std::fs::write(
        &file,
        format!(
            r#"{{"apiVersion": "v1", "kind": "List", "items": [{}]}}"#,
            items.join(",")
        ),
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let summary: Value =
        serde_json::from_str(&gpufleet(&["summary", "-f", path, "-o", "json"])).unwrap();
    let t = &summary["node_types"][0]["node_type"];
    let hosts = |k: &str| n(&t[k]["hosts"]);
    assert_eq!(hosts("matched"), 2, "{t}");
    assert_eq!(
        hosts("matched"),
        hosts("available")
            + (hosts("claimed") - hosts("claimed_off_selector"))
            + hosts("claimed_through_other_types")
            + hosts("unavailable"),
        "{t}"
    );
    // 8 GPUs on the host that says 8; the other's label and the type's 1e30 are not counts.
    assert_eq!(n(&summary["fleet"]["gpus_total"]), 8, "{summary}");
    let lints = gpufleet(&["lint", "-f", path]);
    assert!(
        lints.contains("gpu-count-label-invalid") && lints.contains("h-two-b"),
        "{lints}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The figures' definitions on a small fleet written out by hand (moved here from the
/// core's unit tests, which cannot read a dump).
mod definitions {
    use gpufleet::fleet::Fleet;
    use gpufleet::fleet::figures::*;
    use gpufleet::source::file::{LoadReport, load_text};

    /// Two node types whose selectors overlap: `any-8x` (gpu-count=8) also matches the hosts
    /// of `h100-8x` (gpu-model=h100, gpu-count=8).
    const FLEET: &str = r#"
apiVersion: management.loft.sh/v1
kind: NodeProvider
metadata: {name: p}
spec:
  metal3:
    clusterRef: {namespace: m3}
    nodeTypes:
      - name: h100-8x
        resources: {cpu: "8", memory: 8Gi, nvidia.com/gpu: "8"}
        bareMetalHosts: {selector: {matchLabels: {gpu-model: h100, gpu-count: "8"}}}
      - name: any-8x
        resources: {cpu: "8", memory: 8Gi, nvidia.com/gpu: "8"}
        bareMetalHosts: {selector: {matchLabels: {gpu-count: "8"}}}
---
apiVersion: v1
kind: List
items:
- {apiVersion: metal3.io/v1alpha1, kind: BareMetalHost, metadata: {name: free, namespace: m3, labels: {gpu-model: h100, gpu-count: "8"}}, status: {operationalStatus: OK, provisioning: {state: available}, hardware: {cpu: {count: 64}, ramMebibytes: 65536}}}
- {apiVersion: metal3.io/v1alpha1, kind: BareMetalHost, metadata: {name: mine, namespace: m3, labels: {gpu-model: h100, gpu-count: "8", metal3.vcluster.com/node-claim: a}}, status: {operationalStatus: OK, provisioning: {state: provisioned}, hardware: {cpu: {count: 64}, ramMebibytes: 65536}}}
- {apiVersion: metal3.io/v1alpha1, kind: BareMetalHost, metadata: {name: theirs, namespace: m3, labels: {gpu-model: h100, gpu-count: "8", metal3.vcluster.com/node-claim: b}}, status: {operationalStatus: OK, provisioning: {state: provisioned}, hardware: {cpu: {count: 64}, ramMebibytes: 65536}}}
- {apiVersion: metal3.io/v1alpha1, kind: BareMetalHost, metadata: {name: inspecting, namespace: m3, labels: {gpu-model: h100, gpu-count: "8"}}, status: {operationalStatus: OK, provisioning: {state: inspecting}}}
- {apiVersion: metal3.io/v1alpha1, kind: BareMetalHost, metadata: {name: relabelled, namespace: m3, labels: {gpu-model: a100, gpu-count: "8", metal3.vcluster.com/node-claim: c}}, status: {operationalStatus: OK, provisioning: {state: provisioned}, hardware: {cpu: {count: 64}, ramMebibytes: 65536}}}
- {apiVersion: management.loft.sh/v1, kind: NodeClaim, metadata: {name: a, namespace: loft-p-t, annotations: {metal3.vcluster.com/claimed-node: mine}}, spec: {typeRef: p.h100-8x}, status: {phase: Available}}
- {apiVersion: management.loft.sh/v1, kind: NodeClaim, metadata: {name: b, namespace: loft-p-t, annotations: {metal3.vcluster.com/claimed-node: theirs}}, spec: {typeRef: p.any-8x}, status: {phase: Available}}
- {apiVersion: management.loft.sh/v1, kind: NodeClaim, metadata: {name: c, namespace: loft-p-t, annotations: {metal3.vcluster.com/claimed-node: relabelled}}, spec: {typeRef: p.h100-8x}, status: {phase: Available}}
- {apiVersion: management.loft.sh/v1, kind: NodeClaim, metadata: {name: d, namespace: loft-p-t, deletionTimestamp: "2026-01-01T00:00:00Z"}, spec: {typeRef: p.h100-8x}, status: {phase: Pending}}
"#;

    fn fleet() -> Fleet {
        let mut report = LoadReport::default();
        load_text(std::path::Path::new("figures.yaml"), FLEET, &mut report);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        Fleet::build(report.objects)
    }

    fn hosts(n: u32) -> Figure {
        Figure {
            hosts: n,
            gpus: 8 * n,
        }
    }

    #[test]
    fn a_type_counts_its_own_claims_apart_from_those_through_other_types() {
        let fleet = fleet();
        let t = fleet.resolve_node_type("p.h100-8x").unwrap();
        assert_eq!(
            type_figures(&fleet, t),
            TypeFigures {
                // free, mine, theirs, inspecting
                matched: hosts(4),
                available: hosts(1),
                // mine, and relabelled (its labels no longer match)
                claimed: hosts(2),
                claimed_off_selector: hosts(1),
                // theirs, held by a claim of any-8x
                claimed_through_other_types: hosts(1),
                unavailable: hosts(1),
            }
        );
        let any = fleet.resolve_node_type("p.any-8x").unwrap();
        let f = type_figures(&fleet, any);
        assert_eq!(
            (f.matched, f.claimed, f.claimed_through_other_types),
            (hosts(5), hosts(1), hosts(2))
        );
    }

    #[test]
    fn every_claim_phase_is_counted_deleting_included() {
        let fleet = fleet();
        let f = tenant_figures(&fleet, "t");
        assert_eq!(
            f.claims,
            ClaimCounts {
                total: 4,
                available: 3,
                deleting: 1,
                ..ClaimCounts::default()
            }
        );
        assert_eq!(f.in_use, hosts(3));
        assert_eq!(f.reserved, Figure::default());
    }
}
