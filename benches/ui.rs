//! Dashboard benchmarks on a generated 25,000-host fleet at 200x60: the cost of a frame of
//! each pane, of deriving the panes' data from a new snapshot, the bytes one host's change
//! sends to the terminal, and the CPU an idle dashboard uses (the real binary in tmux).
//! `cargo bench --bench ui`; figures go in BENCHMARKS.md.

#[path = "../tests/support/load.rs"]
mod load;
use load::LoadComplete;
#[path = "../tests/support/bytes.rs"]
mod bytes;
#[path = "../tests/support/tmux.rs"]
mod tmux;

use criterion::{Criterion, criterion_group, criterion_main};
use gpufleet::generate::{GenerateConfig, generate};
use gpufleet::ui::action::{Action, PaneId};
use gpufleet::ui::app::{App, Mode, Settings};
use gpufleet::ui::data::FleetData;
use gpufleet::ui::screen;
use gpufleet::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use std::hint::black_box;
use std::time::Duration;

const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;

fn loaded_app(mode: Mode) -> App {
    let objects = generate(&GenerateConfig::new(25_000, 1)).objects;
    let mut app = App::new(Settings::demo(mode), Theme::default_truecolor(), None);
    app.load_complete(&objects);
    app.resize(WIDTH, HEIGHT);
    assert_eq!(app.data.totals.hosts, 25_000);
    app
}

fn frames(c: &mut Criterion) {
    let mut app = loaded_app(Mode::Interactive);
    let mut group = c.benchmark_group("frame_200x60_25k_hosts");
    group.sample_size(30);
    for pane in PaneId::ALL {
        app.update(Action::ShowPane(pane));
        // The last page: the worst case for anything that walks rows to find the page.
        app.update(Action::Bottom);
        let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
        group.bench_function(pane.command(), |b| {
            b.iter(|| {
                terminal.draw(|f| screen::draw(f, &app)).unwrap();
            })
        });
    }
    let mut watch = loaded_app(Mode::Watch);
    watch.update(Action::ShowPane(PaneId::Racks));
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    group.bench_function("watch", |b| {
        b.iter(|| {
            terminal.draw(|f| screen::draw(f, &watch)).unwrap();
        })
    });
    group.finish();

    let fleet = app.data.fleet.clone();
    let mut derive = c.benchmark_group("snapshot_25k_hosts");
    derive.sample_size(10);
    derive.bench_function("derive_pane_data", |b| {
        b.iter(|| black_box(FleetData::build(fleet.clone())))
    });
    derive.finish();
}

/// Bytes written by the frame after one on-screen host goes into error.
fn bytes_after_one_change(pane: PaneId) -> (usize, usize) {
    let mut app = loaded_app(Mode::Interactive);
    app.update(Action::ShowPane(pane));
    bytes::first_frame_and_one_change(&mut app, Rect::new(0, 0, WIDTH, HEIGHT))
}

fn bytes() {
    for pane in [PaneId::Racks, PaneId::Nvlink, PaneId::Hosts] {
        let (first, change) = bytes_after_one_change(pane);
        println!(
            "bytes {pane:?} 200x60 25k hosts: first frame {first} B, after one host changes {change} B"
        );
    }
}

fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): utime is 14th, stime 15th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// CPU the real binary uses while nothing happens, in tmux, over `secs` seconds.
fn idle_cpu(hosts: u32, mode: &str, secs: u64) {
    let bin = env!("CARGO_BIN_EXE_gpufleet");
    tmux::assert_is_gpufleet(bin);
    let cmd = format!("exec {bin} demo --hosts {hosts} {mode}");
    let tmux = tmux::Tmux::start("bench", &cmd, (200, 60));
    tmux.wait_until(
        |s| s.contains("hosts:ok"),
        "the demo starts",
        Duration::from_secs(120),
        Duration::from_millis(200),
    );
    std::thread::sleep(Duration::from_secs(2));
    let pid = tmux.format("#{pane_pid}");
    let before = cpu_ticks(&pid).expect("the process runs");
    std::thread::sleep(Duration::from_secs(secs));
    let after = cpu_ticks(&pid).expect("the process runs");
    drop(tmux);
    // Linux counts CPU time in ticks of 1/100 s.
    let cpu_ms = (after - before) * 10;
    println!(
        "idle CPU, demo --hosts {hosts} {mode}: {cpu_ms} ms of CPU in {secs} s ({:.2}%)",
        cpu_ms as f64 / (secs as f64 * 10.0)
    );
}

fn ui(c: &mut Criterion) {
    // `cargo test` runs benches once to see that they work: skip the 30 s of measuring there.
    if std::env::args().any(|a| a == "--bench") {
        bytes();
        idle_cpu(500, "", 10);
        idle_cpu(25_000, "", 10);
        idle_cpu(25_000, "--watch", 10);
    }
    frames(c);
}

criterion_group!(benches, ui);
criterion_main!(benches);
