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
use ratatui::layout::Rect;
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
    /// Why the loop ended, when it was not asked to quit: [`Outside::End`]'s signal, or
    /// [`Outside::HangUp`] (the terminal went away).
    pub ended_by: Option<Outside>,
}

/// What reaches the dashboard from outside its terminal input: the process's signals, and
/// the terminal going away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outside {
    /// A signal that ends the process (SIGTERM, SIGHUP, SIGINT, SIGQUIT), by its number;
    /// `0` for a caller's own shutdown.
    End(i32),
    /// SIGTSTP: give the terminal back and stop, as a shell job does.
    Stop,
    /// SIGCONT: the process was continued (after a SIGSTOP it did not ask for, say): take
    /// the terminal again and repaint.
    Continued,
    /// The terminal hung up (its SSH session or pane closed): its input will only ever
    /// answer end-of-file, so the loop ends instead of reading again.
    HangUp,
}

/// The terminal around the loop, beyond drawing: giving it back and taking it again.
pub trait Console {
    /// Gives the terminal back (cooked mode, the main screen, the cursor shown, no mouse
    /// reporting), stops the process as SIGTSTP's default action would, and, once it is
    /// continued (`fg`), takes the terminal again. Errs when the terminal cannot be taken
    /// again (it is gone).
    fn suspend(&mut self) -> std::io::Result<()>;
    /// Takes the terminal again (raw mode, the alternate screen, as at the start), after the
    /// process was continued; harmless when it holds it already.
    fn retake(&mut self) -> std::io::Result<()>;
}

/// No terminal to give back: tests and benchmarks drawing into a [`TestBackend`].
pub struct NoConsole;

impl Console for NoConsole {
    fn suspend(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn retake(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Repaints the whole screen: clears it and forgets what was drawn, so the next frame
/// draws every cell, at the terminal's size as it is now. Never asks the terminal anything
/// (ratatui's `Terminal::clear` asks for the cursor position, an answer that can come late
/// or never): `Ctrl-l`, and the way back from a suspension.
fn repaint<B>(terminal: &mut Terminal<B>, app: &mut App) -> Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
{
    let size = terminal.size().map_err(Report::new)?;
    terminal
        .resize(Rect::new(0, 0, size.width, size.height))
        .map_err(Report::new)?;
    app.resize(size.width, size.height);
    Ok(())
}

/// Runs the dashboard until quit, the input ends, or `shutdown` resolves.
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    input: S,
    fleet: Receiver<FleetEvent>,
    shutdown: impl Future<Output = ()>,
) -> Result<LoopStats>
where
    B: Backend + Passthrough,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let outside = futures::stream::once(shutdown).map(|()| Outside::End(0));
    run_in(terminal, app, input, fleet, outside, &mut NoConsole).await
}

/// [`run`], told by `outside` what reaches the process from outside its input, and giving
/// the terminal back through `console` to suspend. Ends on quit, at the end of the input, on
/// [`Outside::End`] and on [`Outside::HangUp`] (saying which in [`LoopStats::ended_by`]).
pub async fn run_in<B, S, O, C>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    input: S,
    mut fleet: Receiver<FleetEvent>,
    outside: O,
    console: &mut C,
) -> Result<LoopStats>
where
    B: Backend + Passthrough,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
    O: Stream<Item = Outside>,
    C: Console,
{
    let mut stats = LoopStats::default();
    let size = terminal.size().map_err(Report::new)?;
    app.resize(size.width, size.height);
    let mut outside = std::pin::pin!(outside);
    let mut outside_open = true;
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
        if app.take_suspend() {
            console.suspend().map_err(Report::new)?;
            repaint(terminal, app)?;
            dirty = true;
        }
        if app.take_repaint() {
            repaint(terminal, app)?;
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
            told = outside.next(), if outside_open => match told {
                Some(end @ (Outside::End(_) | Outside::HangUp)) => {
                    stats.ended_by = Some(end);
                    break;
                }
                Some(Outside::Stop) => {
                    console.suspend().map_err(Report::new)?;
                    repaint(terminal, app)?;
                    dirty = true;
                }
                Some(Outside::Continued) => {
                    console.retake().map_err(Report::new)?;
                    repaint(terminal, app)?;
                    dirty = true;
                }
                None => outside_open = false,
            },
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
