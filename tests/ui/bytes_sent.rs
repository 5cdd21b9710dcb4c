//! What a change costs on the wire: after one host changes state, the next frame sends the
//! terminal only the cells that changed. Over a slow SSH link that is the difference between
//! a dashboard and a slideshow.

use crate::support;
use crate::support::bytes;
use crate::support::load;
use load::LoadComplete;

use gpufleet::generate::{GenerateConfig, generate};
use gpufleet::ui::action::{Action, PaneId};
use gpufleet::ui::app::{Mode, Settings};
use ratatui::layout::Rect;

/// Bytes the frame after one host goes into error sends, per pane.
fn bytes_after_one_change(pane: PaneId) -> usize {
    let objects = generate(&GenerateConfig::new(2_000, 1)).objects;
    let mut app = support::dashboard(Settings::demo(Mode::Interactive), None);
    app.load_complete(&objects);
    app.update(Action::ShowPane(pane));
    let (first, change) = bytes::first_frame_and_one_change(&mut app, Rect::new(0, 0, 200, 60));
    assert!(
        first > 5_000,
        "the first frame paints everything ({first} bytes)"
    );
    change
}

#[test]
fn one_host_changing_state_sends_under_two_kilobytes() {
    for pane in [PaneId::Racks, PaneId::Hosts, PaneId::Nvlink] {
        let bytes = bytes_after_one_change(pane);
        assert!(bytes > 0, "{pane:?}: the change is sent");
        assert!(bytes <= 2_048, "{pane:?}: {bytes} bytes for one host");
    }
}
