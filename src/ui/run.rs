//! The event loop. It sleeps in one `select!` over terminal input, the fleet channel and
//! timers, and draws only when something shown changed. Bursts of fleet events are drained
//! at once and the snapshot rebuilt at most every [`REBUILD_GAP`], so a busy cluster costs a
//! few rebuilds a second, and an idle one no CPU at all. Generic over the ratatui backend so
//! tests drive it with `TestBackend`.

use super::action::Action;
use super::app::{App, Mode};
use super::screen;
use crate::event::FleetEvent;
use color_eyre::eyre::{Report, Result};
use crossterm::event::{Event, KeyEventKind, MouseEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use std::future::Future;
use std::io::Write;
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc::Receiver;
use tokio::time::{Instant, sleep_until};

/// Least time between two snapshot rebuilds. A rebuild of 25,000 hosts takes ~85 ms; this
/// keeps the dashboard answering keys under a stream of events.
pub const REBUILD_GAP: Duration = Duration::from_millis(300);

/// Most terminal events handled before a frame is drawn.
const INPUT_CHUNK: usize = 256;

/// Most fleet events applied before input gets a turn again.
const MAX_DRAIN: usize = 10_000;

/// Bytes for the terminal itself, outside any frame: an OSC 52 copy. It moves no cursor and
/// prints nothing, so the frame ratatui keeps stays true.
pub trait Passthrough {
    fn passthrough(&mut self, text: &str) -> std::io::Result<()>;
}

impl<W: Write> Passthrough for CrosstermBackend<W> {
    fn passthrough(&mut self, text: &str) -> std::io::Result<()> {
        self.write_all(text.as_bytes())?;
        Write::flush(self)
    }
}

/// A test backend has no terminal to copy with.
impl Passthrough for TestBackend {
    fn passthrough(&mut self, _: &str) -> std::io::Result<()> {
        Ok(())
    }
}

/// Applies a terminal event; returns whether the screen must be redrawn.
pub fn handle_terminal_event(app: &mut App, event: Event) -> bool {
    match event {
        Event::Key(k) if k.kind != KeyEventKind::Release => app.on_key(&k),
        Event::Resize(w, h) => {
            app.resize(w, h);
            true
        }
        Event::Mouse(m) => {
            let action = match m.kind {
                MouseEventKind::ScrollDown => Action::Down,
                MouseEventKind::ScrollUp => Action::Up,
                _ => return false,
            };
            if app.settings.mode == Mode::Watch {
                return false;
            }
            app.update(action);
            true
        }
        Event::Paste(text) => app.paste(&text),
        _ => false,
    }
}

fn to_instant(at: SystemTime) -> Instant {
    // A few milliseconds late, so that the text has changed when we look.
    Instant::now()
        + at.duration_since(SystemTime::now()).unwrap_or_default()
        + Duration::from_millis(5)
}

/// What a loop run did, for tests and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoopStats {
    pub frames: u64,
    pub rebuilds: u64,
    pub fleet_events: u64,
}

/// Runs the dashboard until quit, the input ends, or `shutdown` resolves.
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    input: S,
    mut fleet: Receiver<FleetEvent>,
    shutdown: impl Future<Output = ()>,
) -> Result<LoopStats>
where
    B: Backend + Passthrough,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let mut stats = LoopStats::default();
    let size = terminal.size().map_err(Report::new)?;
    app.resize(size.width, size.height);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut dirty = true;
    let mut fleet_open = true;
    let mut last_rebuild: Option<Instant> = None;
    let mut rebuild_at: Option<Instant> = None;
    let mut building: Option<tokio::task::JoinHandle<super::data::FleetData>> = None;
    let cycle = app.settings.cycle.max(Duration::from_secs(1));
    let mut next_cycle = Instant::now() + cycle;
    // Writes answer here; a caller that took the inbox already gets no answers in the loop.
    let mut inbox = app.take_inbox();
    let mut input = input.ready_chunks(INPUT_CHUNK);
    loop {
        if app.should_quit() {
            break;
        }
        if app.take_repaint() {
            terminal.clear().map_err(Report::new)?;
            dirty = true;
        }
        if dirty {
            app.tick(SystemTime::now());
            terminal
                .draw(|f| screen::draw(f, app))
                .map_err(Report::new)?;
            stats.frames += 1;
            dirty = false;
        }
        for text in app.take_output() {
            terminal
                .backend_mut()
                .passthrough(&text)
                .map_err(Report::new)?;
        }
        let wake = app.next_wake().map(to_instant);
        let watch = app.settings.mode == Mode::Watch;
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            // Keys that arrived together (a paste, key repeat over a slow link) come as one
            // chunk and make one frame. The chunk is polled with this task's own waker: polling
            // the stream with any other (`now_or_never`) would hand the terminal reader a waker
            // that wakes nobody, and keys would wait for the next timer.
            events = input.next() => match events {
                Some(events) => {
                    for event in events {
                        dirty |= handle_terminal_event(app, event.map_err(Report::new)?);
                    }
                }
                None => break,
            },
            message = fleet.recv(), if fleet_open => match message {
                Some(event) => {
                    dirty |= app.apply(event);
                    stats.fleet_events += 1;
                    let mut drained = 1;
                    while drained < MAX_DRAIN {
                        let Ok(event) = fleet.try_recv() else { break };
                        app.apply(event);
                        drained += 1;
                        stats.fleet_events += 1;
                    }
                    if app.needs_rebuild() && rebuild_at.is_none() {
                        let due = last_rebuild.map_or_else(Instant::now, |t| t + REBUILD_GAP);
                        rebuild_at = Some(due);
                    }
                }
                None => {
                    fleet_open = false;
                    app.source_ended = true;
                    dirty = true;
                }
            },
            () = sleep_until(rebuild_at.unwrap_or_else(Instant::now)), if rebuild_at.is_some() && building.is_none() => {
                rebuild_at = None;
                last_rebuild = Some(Instant::now());
                // The snapshot is built on a blocking thread, so keys keep answering while a
                // large fleet rebuilds; one build at a time.
                if let Some(job) = app.rebuild_job() {
                    building = Some(tokio::task::spawn_blocking(job));
                }
            }
            built = async { building.as_mut()?.await.ok() }, if building.is_some() => {
                building = None;
                if let Some(data) = built {
                    app.install(data);
                    stats.rebuilds += 1;
                    dirty = true;
                }
                if app.needs_rebuild() && rebuild_at.is_none() {
                    rebuild_at = last_rebuild.map(|t| t + REBUILD_GAP);
                }
            }
            () = sleep_until(wake.unwrap_or_else(Instant::now)), if wake.is_some() => {
                dirty |= app.tick(SystemTime::now());
            }
            message = async { inbox.as_mut()?.recv().await }, if inbox.is_some() => match message {
                Some(message) => dirty |= app.receive(message),
                None => inbox = None,
            },
            () = sleep_until(next_cycle), if watch => {
                next_cycle = Instant::now() + cycle;
                dirty |= app.cycle();
            }
        }
    }
    Ok(stats)
}
