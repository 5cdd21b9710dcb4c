//! Engine benchmarks on a generated fleet of 25,000 hosts, 40 node types, 20,000 claims and
//! 30 tenants. `cargo bench --bench engine`; figures go in BENCHMARKS.md.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use gpufleet::fleet::lints::all_lints;
use gpufleet::fleet::summary::summarize;
use gpufleet::fleet::{Fleet, FleetView};
use gpufleet::generate::{GenerateConfig, generate};
use gpufleet::impact::{Change, HostTargets, LabelEdit, NewImage, Rotation, impact};
use gpufleet::model::BareMetalHost;
use gpufleet::source::decode::Lenient;
use kube::core::ObjectList;
use std::hint::black_box;
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
        vec![fleet.host(free).name.clone()],
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
        .map(|h| h.name.clone())
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

/// A list of 25,000 hosts as the API server sends it, decoded as one typed list (what a
/// watch did before) and each object on its own (`Lenient`, what a watch does now: one that
/// does not fit costs only itself).
fn decode(c: &mut Criterion) {
    let generated = generate(&GenerateConfig::new(25_000, 1));
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
    assert_eq!(lenient.items.len(), 25_000);
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

criterion_group!(benches, engine, decode);
criterion_main!(benches);
