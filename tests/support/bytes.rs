//! One byte counter for what the dashboard sends a terminal, shared by `tests/ui/bytes_sent.rs`
//! and `benches/ui.rs` (included by path).
#![allow(dead_code)]

use gpufleet::event::FleetEvent;
use gpufleet::fleet::FleetObject;
use gpufleet::ui::app::App;
use gpufleet::ui::screen;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A writer that counts the bytes written to it; clones share the count.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    /// Bytes written since the last `take`.
    pub fn take(&self) -> usize {
        self.0.swap(0, Ordering::Relaxed)
    }

    /// Bytes written since the last `take`, leaving the count.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What one change costs on the wire: the bytes `app` sends a terminal of `area`, as (the
/// first frame, the frame after the first host of the first rack goes into `error`), with the
/// clock held still so that only the change is drawn.
pub fn first_frame_and_one_change(app: &mut App, area: Rect) -> (usize, usize) {
    let counter = Counter::default();
    app.resize(area.width, area.height);
    let mut terminal = Terminal::with_options(
        CrosstermBackend::new(counter.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(area),
        },
    )
    .unwrap();
    let now = app.now;
    terminal.draw(|f| screen::draw(f, app)).unwrap();
    let first = counter.take();
    let h = app.data.racks[0].hosts[0];
    let mut host = (*app.data.fleet.host(h).object).clone();
    host.status
        .get_or_insert_with(Default::default)
        .operational_status = Some("error".into());
    app.apply(FleetEvent::Applied(FleetObject::from(host)));
    app.rebuild();
    app.now = now;
    terminal.draw(|f| screen::draw(f, app)).unwrap();
    (first, counter.get())
}
