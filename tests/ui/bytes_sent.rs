//! What a change costs on the wire: after one host changes state, the next frame sends the
//! terminal only the cells that changed. Over a slow SSH link that is the difference between
//! a dashboard and a slideshow.

use crate::support::bytes;
use crate::support::load;
use bytes::Counter;
use load::LoadComplete;

use gpufleet::event::FleetEvent;
use gpufleet::fleet::FleetObject;
use gpufleet::generate::{GenerateConfig, generate};
use gpufleet::ui::action::{Action, PaneId};
use gpufleet::ui::app::{App, Mode, Settings};
use gpufleet::ui::screen;
use gpufleet::ui::theme::Theme;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

/// Bytes the frame after one host goes into error sends, per pane.
fn bytes_after_one_change(pane: PaneId) -> usize {
    let objects = generate(&GenerateConfig::new(2_000, 1)).objects;
    let mut app = App::new(
        Settings::demo(Mode::Interactive),
        Theme::default_truecolor(),
        None,
    );
    app.load_complete(&objects);
    app.update(Action::ShowPane(pane));
    let counter = Counter::default();
    let area = Rect::new(0, 0, 200, 60);
    app.resize(area.width, area.height);
    let mut terminal = Terminal::with_options(
        CrosstermBackend::new(counter.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(area),
        },
    )
    .unwrap();
    let now = app.now;
    terminal.draw(|f| screen::draw(f, &app)).unwrap();
    let first = counter.take();
    assert!(
        first > 5_000,
        "the first frame paints everything ({first} bytes)"
    );

    // A host on screen (the first of the first rack) goes into error.
    let h = app.data.racks[0].hosts[0];
    let mut host = (*app.data.fleet.host(h).object).clone();
    host.status
        .get_or_insert_with(Default::default)
        .operational_status = Some("error".into());
    app.apply(FleetEvent::Applied(FleetObject::from(host)));
    app.rebuild();
    app.now = now;
    terminal.draw(|f| screen::draw(f, &app)).unwrap();
    counter.get()
}

#[test]
fn one_host_changing_state_sends_under_two_kilobytes() {
    for pane in [PaneId::Racks, PaneId::Hosts, PaneId::Nvlink] {
        let bytes = bytes_after_one_change(pane);
        assert!(bytes > 0, "{pane:?}: the change is sent");
        assert!(bytes <= 2_048, "{pane:?}: {bytes} bytes for one host");
    }
}
