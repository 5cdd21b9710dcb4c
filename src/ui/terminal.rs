//! The real terminal: raw mode and the alternate screen on the way in, and the terminal
//! given back on every way out: quit, error, panic, SIGTERM, SIGHUP (a dropped SSH link).

use super::app::App;
use super::run::{LoopStats, run};
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
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{IsTerminal, Write, stdout};
use std::sync::Once;
use tokio::sync::mpsc::Receiver;

/// Gives the terminal back: leaves the alternate screen, shows the cursor, ends raw mode.
/// Safe to call more than once and when nothing was set up.
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

/// Resolves on SIGTERM or SIGHUP, so the loop ends and the terminal is restored.
async fn terminated() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
}

/// Runs the dashboard in this process's terminal.
pub async fn run_in_terminal(
    app: &mut App,
    fleet: Receiver<FleetEvent>,
    mouse: bool,
) -> Result<LoopStats> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("the dashboard needs a terminal; for scripts use `gpufleet summary` or `lint`");
    }
    install_panic_hook();
    let _guard = Guard;
    enable_raw_mode().wrap_err("cannot put the terminal in raw mode")?;
    execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste)
        .wrap_err("cannot enter the alternate screen")?;
    if mouse {
        execute!(stdout(), EnableMouseCapture).wrap_err("cannot capture the mouse")?;
    }
    let mut terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    terminal.hide_cursor()?;
    terminal.clear()?;
    run(&mut terminal, app, EventStream::new(), fleet, terminated()).await
}
