//! The real terminal: raw mode and the alternate screen on the way in, and the terminal
//! given back on every way out: quit, error, panic, and every signal that ends the process
//! (SIGTERM, SIGHUP for a dropped SSH link, SIGINT and SIGQUIT sent by `kill`). SIGTSTP (and
//! `Ctrl-z`) give it back and stop, as a shell job does; SIGCONT (`fg`) takes it again and
//! repaints. A terminal that goes away (its input hangs up) ends the dashboard: its input
//! would only ever answer end-of-file. Nothing here asks the terminal anything, so a
//! terminal that never answers cannot stall it.

use super::app::App;
use super::run::{Console, LoopStats, Outside, run_in};
use crate::event::FleetEvent;
use color_eyre::eyre::{Result, WrapErr, bail};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    EventStream,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures::Stream;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{IsTerminal, Write, stdout};
use std::sync::Once;
use tokio::sync::mpsc::Receiver;

/// Gives the terminal back: leaves the alternate screen, shows the cursor, ends mouse
/// reporting and raw mode. Safe to call more than once, when nothing was set up, and when
/// the terminal is gone (every error is ignored).
pub fn restore() {
    let mut out = stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Restores the terminal before any panic is reported, so the report is readable and the
/// shell usable. Chains to the hook installed before (color-eyre's).
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            report(info);
        }));
    });
}

/// Restores the terminal when dropped: on return, on `?`, on unwinding.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// The modes the dashboard holds the terminal in: raw mode, the alternate screen, bracketed
/// paste, the cursor hidden, and mouse reporting with `--mouse`.
struct Modes {
    mouse: bool,
}

impl Modes {
    /// Puts the terminal in the dashboard's modes (again: each step is harmless when the
    /// terminal is in it already).
    fn take(&self) -> std::io::Result<()> {
        enable_raw_mode()?;
        execute!(
            stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            crossterm::cursor::Hide
        )?;
        if self.mouse {
            execute!(stdout(), EnableMouseCapture)?;
        }
        Ok(())
    }
}

impl Console for Modes {
    fn suspend(&mut self) -> std::io::Result<()> {
        restore();
        // SIGTSTP's default action, which gpufleet's own handler of it replaces: stop. A
        // SIGSTOP cannot be caught, so this returns once the process is continued.
        rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::STOP)?;
        self.take()
    }

    fn retake(&mut self) -> std::io::Result<()> {
        self.take()
    }
}

/// The signals the dashboard handles, as [`Outside`] events: SIGTERM, SIGHUP, SIGINT and
/// SIGQUIT end it (raw mode turns `Ctrl-c` into a key, so a SIGINT comes from `kill`);
/// SIGTSTP stops it; SIGCONT takes the terminal again. A signal that cannot be caught here is
/// left to its default action.
fn signals() -> impl Stream<Item = Outside> {
    use signal_hook::consts::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP};
    use tokio::signal::unix::{SignalKind, signal};
    let handled = [
        (SIGTERM, Outside::End(SIGTERM)),
        (SIGHUP, Outside::End(SIGHUP)),
        (SIGINT, Outside::End(SIGINT)),
        (SIGQUIT, Outside::End(SIGQUIT)),
        (SIGTSTP, Outside::Stop),
        (SIGCONT, Outside::Continued),
    ];
    let streams = handled.into_iter().filter_map(|(number, told)| {
        let signal = signal(SignalKind::from_raw(number)).ok()?;
        Some(Box::pin(futures::stream::unfold(
            signal,
            move |mut signal| async move {
                signal.recv().await?;
                Some((told, signal))
            },
        )))
    });
    futures::stream::select_all(streams)
}

/// Resolves once standard input (the terminal) hangs up: its SSH session ended, its tmux
/// pane closed. The terminal's reader would then read end-of-file for ever (and spin a core
/// doing it), so this watches for the hang-up on a thread of its own, with `poll(2)` asking
/// for no input (it consumes nothing): the kernel reports a hang-up whatever is asked.
/// Never resolves when the watch cannot be set up.
fn hang_up() -> impl Stream<Item = Outside> {
    use rustix::event::{PollFd, PollFlags, poll};
    let (tx, rx) = tokio::sync::oneshot::channel();
    let watcher = std::thread::Builder::new()
        .name("tty-hangup".into())
        .spawn(move || {
            let stdin = std::io::stdin();
            loop {
                let mut fds = [PollFd::new(&stdin, PollFlags::empty())];
                match poll(&mut fds, None) {
                    Ok(_) => {
                        let gone = PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL;
                        if fds[0].revents().intersects(gone) {
                            let _ = tx.send(());
                            return;
                        }
                    }
                    Err(rustix::io::Errno::INTR) => {}
                    Err(_) => return,
                }
            }
        });
    let watching = watcher.is_ok();
    futures::stream::once(async move {
        match (watching, rx.await) {
            (true, Ok(())) => Outside::HangUp,
            _ => std::future::pending().await,
        }
    })
}

/// How the dashboard ended: quit by the operator, or by what reached it from outside (a
/// signal's number; [`Outside::HangUp`] counts as SIGHUP, which it is to a shell).
pub fn ending_signal(stats: &LoopStats) -> Option<i32> {
    match stats.ended_by? {
        Outside::End(0) => None,
        Outside::End(signal) => Some(signal),
        Outside::HangUp => Some(signal_hook::consts::SIGHUP),
        Outside::Stop | Outside::Continued => None,
    }
}

/// Runs the dashboard in this process's terminal. Refuses to start without one (standard
/// input and output must both be terminals), saying what it needs.
pub async fn run_in_terminal(
    app: &mut App,
    fleet: Receiver<FleetEvent>,
    mouse: bool,
) -> Result<LoopStats> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!(
            "the dashboard needs a terminal (standard input and output both a terminal); \
             for scripts use `gpufleet summary` or `lint`"
        );
    }
    install_panic_hook();
    // Caught before the terminal is taken, so no signal can leave it taken.
    let outside = futures::stream::select(signals(), hang_up());
    let _guard = Guard;
    let mut modes = Modes { mouse };
    enable_raw_mode().wrap_err("cannot put the terminal in raw mode")?;
    execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste)
        .wrap_err("cannot enter the alternate screen")?;
    if mouse {
        execute!(stdout(), EnableMouseCapture).wrap_err("cannot capture the mouse")?;
    }
    let mut terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    terminal.hide_cursor()?;
    // A clean screen without `Terminal::clear`, which asks the terminal for the cursor.
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))?;
    run_in(
        &mut terminal,
        app,
        EventStream::new(),
        fleet,
        outside,
        &mut modes,
    )
    .await
}
