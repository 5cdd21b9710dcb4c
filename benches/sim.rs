//! The simulator's cost per step on 25,000 hosts, at steady state (the controller's fleet
//! rebuilds amortised over the steps between them), and the events it sends per simulated
//! second at 500 and 25,000 hosts. `cargo bench --bench sim`; figures go in BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use gpufleet::source::sim::{SimConfig, Simulator};
use std::hint::black_box;
use std::time::{Duration, Instant};

const TICK: Duration = Duration::from_millis(250);

/// Runs a fresh simulator for ten simulated minutes; prints its events per second and its
/// CPU time per step.
fn report_rate(hosts: usize) -> Simulator {
    let mut sim = Simulator::new(SimConfig::new(hosts, 1));
    let steps = 4 * 600;
    let started = Instant::now();
    let events: usize = (0..steps).map(|_| sim.step(TICK).len()).sum();
    let took = started.elapsed();
    println!(
        "{hosts} hosts: {:.1} events per simulated second, {:.2} ms per 250 ms step",
        events as f64 / 600.0,
        took.as_secs_f64() * 1000.0 / steps as f64
    );
    sim
}

fn simulator(c: &mut Criterion) {
    report_rate(500);
    let mut sim = report_rate(25_000);
    let mut group = c.benchmark_group("sim");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("step_250ms_25k_hosts", |b| {
        b.iter(|| black_box(sim.step(TICK)))
    });
    group.finish();
}

criterion_group!(benches, simulator);
criterion_main!(benches);
