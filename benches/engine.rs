//! Engine benchmarks on a generated fleet of 25,000 hosts, 40 node types, 20,000 claims and
//! 30 tenants, and loading files: that dump as YAML, and YAML alias bombs of 100 KB and 1 MB,
//! which must be refused without expanding. `cargo bench --bench engine`; figures go in
//! BENCHMARKS.md.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use gpufleet::decode::Lenient;
use gpufleet::fleet::lints::all_lints;
use gpufleet::fleet::summary::summarize;
use gpufleet::fleet::{Fleet, FleetView};
use gpufleet::generate::{GenerateConfig, generate};
use gpufleet::impact::{Change, HostTargets, LabelEdit, NewImage, Rotation, impact};
use gpufleet::model::BareMetalHost;
use gpufleet::source::file::{LoadReport, load_bytes};
use kube::core::ObjectList;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn label(hosts: Vec<String>, args: &[&str]) -> Change {
    Change::Label(LabelEdit::parse_args(HostTargets::Names(hosts), args).unwrap())
}

fn engine(c: &mut Criterion) {
    let generated = generate(&GenerateConfig::new(25_000, 1));
    let objects = generated.objects;
    let fleet = Fleet::build(objects.clone());
    assert_eq!(fleet.hosts().len(), 25_000);
    assert_eq!(fleet.node_types().len(), 40);
    assert_eq!(fleet.claims().len(), 20_000);
    assert_eq!(fleet.groups().tenants.len(), 30);

    let mut group = c.benchmark_group("engine");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(6));

    group.bench_function("build_fleet_25k_hosts", |b| {
        b.iter_batched(
            || objects.clone(),
            |o| black_box(Fleet::build(o)),
            BatchSize::LargeInput,
        )
    });

    // One free host reserved for a tenant: eligibility, tenants and lints all move.
    let free = fleet.host_ids().find(|&h| fleet.is_free(h)).unwrap();
    let one = label(
        vec![fleet.host(free).key().to_string()],
        &["tenant=acme-research"],
    );
    group.bench_function("impact_label_1_host", |b| {
        b.iter(|| black_box(impact(&fleet, &one).unwrap()))
    });

    // A thousand hosts, claimed and free, in a run of racks.
    let thousand: Vec<String> = fleet
        .hosts()
        .iter()
        .skip(5_000)
        .take(1_000)
        .map(|h| h.key().to_string())
        .collect();
    let many = label(thousand, &["tenant=acme-research", "maintenance-"]);
    group.bench_function("impact_label_1000_hosts", |b| {
        b.iter(|| black_box(impact(&fleet, &many).unwrap()))
    });

    // The node type with the most claims moves to a new image.
    let busiest = fleet
        .node_type_ids()
        .max_by_key(|&t| fleet.held_count(t))
        .unwrap();
    let rotate = Change::Rotate(Rotation {
        node_type: fleet.node_type(busiest).name.clone(),
        image: "ubuntu-noble-gpu-2026-12".into(),
        new_image: Some(NewImage {
            url: "http://images.fleet.internal/ubuntu-noble-gpu-2026-12.qcow2".into(),
            checksum: Some("ab".repeat(32)),
            checksum_type: Some("sha256".into()),
        }),
    });
    group.bench_function("impact_rotation", |b| {
        b.iter(|| black_box(impact(&fleet, &rotate).unwrap()))
    });

    group.bench_function("summary", |b| b.iter(|| black_box(summarize(&fleet))));
    group.bench_function("all_lints", |b| b.iter(|| black_box(all_lints(&fleet))));
    group.finish();
}

/// A "billion laughs" of about `bytes`: levels of 100 aliases, each to the level below.
fn alias_bomb(bytes: usize) -> String {
    let mut text = format!("a0: &a0 [{}]\n", vec!["\"lol\""; 100].join(", "));
    let mut level = 1;
    while text.len() < bytes {
        let refs = vec![format!("*a{}", level - 1); 100].join(", ");
        text += &format!("a{level}: &a{level} [{refs}]\n");
        level += 1;
    }
    text
}

/// The process's peak resident memory so far (VmHWM), in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or(0)
}

fn load(name: &str, bytes: &[u8]) -> LoadReport {
    let mut report = LoadReport::default();
    load_bytes(Path::new(name), bytes, &mut report);
    report
}

/// Whether this is `cargo bench` (criterion's `--bench`), not `cargo test` running each
/// benchmark once: the test run keeps to small inputs.
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn loading(c: &mut Criterion) {
    let full = benchmarking();
    let mut bombs = vec![("alias_bomb_100kb", alias_bomb(100_000))];
    if full {
        bombs.push(("alias_bomb_1mb", alias_bomb(1_000_000)));
    }
    // Before anything else grows the process: what refusing each bomb costs in memory.
    for (name, text) in &bombs {
        let before = peak_kib();
        let report = load("bomb.yaml", text.as_bytes());
        assert_eq!((report.loaded, report.problems.len()), (0, 1));
        assert!(report.problems[0].error.contains("expands to more than"));
        eprintln!(
            "{name}: {} bytes refused; peak resident memory grew by {} MiB",
            text.len(),
            peak_kib().saturating_sub(before) / 1024
        );
    }
    let hosts = if full { 25_000 } else { 500 };
    let dump = gpufleet::generate::to_yaml(&generate(&GenerateConfig::new(hosts, 1)));
    let mut group = c.benchmark_group("load");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for (name, text) in &bombs {
        group.bench_function(*name, |b| {
            b.iter(|| black_box(load("bomb.yaml", text.as_bytes())))
        });
    }
    group.bench_function("dump_25k_hosts_yaml", |b| {
        b.iter(|| {
            let report = load("fleet.yaml", dump.as_bytes());
            assert!(report.problems.is_empty());
            black_box(report)
        })
    });
    group.finish();
}

/// A list of 25,000 hosts as the API server sends it, decoded as one typed list (what a
/// watch did before) and each object on its own (`Lenient`, what a watch does now: one that
/// does not fit costs only itself).
fn decode(c: &mut Criterion) {
    let hosts = if benchmarking() { 25_000 } else { 500 };
    let generated = generate(&GenerateConfig::new(hosts, 1));
    let items: Vec<serde_json::Value> = generated
        .objects
        .hosts
        .values()
        .map(|h| serde_json::to_value(&**h).unwrap())
        .collect();
    let list = serde_json::to_vec(&serde_json::json!({
        "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHostList",
        "metadata": {"resourceVersion": "1"}, "items": items,
    }))
    .unwrap();
    let lenient: ObjectList<Lenient<BareMetalHost>> = serde_json::from_slice(&list).unwrap();
    assert_eq!(lenient.items.len(), hosts);
    assert!(lenient.items.iter().all(|o| matches!(o, Lenient::Fits(_))));

    let mut group = c.benchmark_group("decode");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("list_25k_hosts_typed", |b| {
        b.iter(|| black_box(serde_json::from_slice::<ObjectList<BareMetalHost>>(&list).unwrap()))
    });
    group.bench_function("list_25k_hosts_each_on_its_own", |b| {
        b.iter(|| {
            black_box(serde_json::from_slice::<ObjectList<Lenient<BareMetalHost>>>(&list).unwrap())
        })
    });
    group.finish();
}

criterion_group!(benches, loading, engine, decode);
criterion_main!(benches);
