//! The label editor on a generated 25,000-host fleet: the preview recomputed per keystroke
//! for 1,000 selected hosts (parse, impact, preview lines), and a frame of the dialog at
//! 200x60. `cargo bench --bench edit`; figures go in BENCHMARKS.md.

#[path = "../tests/support/load.rs"]
mod load;
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gpufleet::generate::{GenerateConfig, generate};
use gpufleet::ui::app::{App, Mode, Settings};
use gpufleet::ui::edit::labels::{FieldStyles, LabelDialog};
use gpufleet::ui::edit::targets::{TargetKind, TargetOption};
use gpufleet::ui::screen;
use gpufleet::ui::theme::Theme;
use load::LoadComplete;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn press(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn edit(c: &mut Criterion) {
    let objects = generate(&GenerateConfig::new(25_000, 1)).objects;
    let mut app = App::new(
        Settings::demo(Mode::Interactive),
        Theme::default_truecolor(),
        None,
    );
    app.load_complete(&objects);
    let fleet = app.data.fleet.clone();
    assert_eq!(fleet.hosts().len(), 25_000);
    // Every 25th host: 1,000 hosts across racks, claimed and free.
    let hosts: Vec<String> = fleet
        .hosts()
        .iter()
        .step_by(25)
        .map(|h| format!("{}/{}", h.namespace, h.name))
        .collect();
    assert_eq!(hosts.len(), 1_000);
    let targets = TargetOption {
        kind: TargetKind::Marked,
        describe: "the 1,000 marked hosts".into(),
        hosts,
        with_cluster: fleet.hosts_span_clusters(),
    };
    let styles = FieldStyles {
        text: app.theme.ui.text,
        placeholder: app.theme.ui.muted,
    };
    let mut dialog = LabelDialog::open(fleet.clone(), vec![targets], styles);
    for ch in "tenant=acme-research maintenance=x".chars() {
        dialog.text_key(fleet.clone(), press(KeyCode::Char(ch)));
    }
    let mut group = c.benchmark_group("label_editor_25k_hosts");
    group.sample_size(50);
    // Each keystroke changes the edit (a value gains or loses a letter), so each one
    // previews again.
    let mut typed = false;
    group.bench_function("preview_per_keystroke_1000_hosts", |b| {
        b.iter(|| {
            let key = if typed {
                KeyCode::Backspace
            } else {
                KeyCode::Char('y')
            };
            typed = !typed;
            dialog.text_key(fleet.clone(), press(key));
        })
    });
    // A key that leaves the edit as it is (the cursor moves) costs no preview.
    group.bench_function("cursor_key_1000_hosts", |b| {
        b.iter(|| dialog.text_key(fleet.clone(), press(KeyCode::Left)))
    });
    app.open_dialog(gpufleet::ui::edit::Dialog::Labels(Box::new(dialog)));
    app.resize(200, 60);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    group.bench_function("frame_200x60_label_dialog", |b| {
        b.iter(|| {
            terminal.draw(|f| screen::draw(f, &app)).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, edit);
criterion_main!(benches);
