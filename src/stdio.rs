//! Standard output and standard error for every command. When the reader has gone
//! (`gpufleet summary -f dump 2>&1 | head -1`), the write ends the process quietly, as
//! command-line tools do: by SIGPIPE, which a shell reports as status 141 and prints nothing
//! for. Nothing here panics, and the panic hook itself writes through [`err`], so a report
//! written to a closed pipe ends the same way instead of aborting.
//!
//! Messages about objects ([`warn`], [`error`], [`note`]) are escaped with
//! [`crate::format::escape`], so a control character in an object never reaches the
//! terminal raw.

use crate::format::escape;
use std::fmt::Display;
use std::io::{self, IsTerminal, Write};

/// Exit status when the process could not end by SIGPIPE itself: 128 + 13, what a shell
/// reports for a process that did.
pub const EXIT_BROKEN_PIPE: u8 = 141;

/// What a write came to.
#[derive(Debug, PartialEq, Eq)]
enum Written {
    Done,
    /// The reader has gone: the process should end.
    ReaderGone,
}

fn write_to(mut w: impl Write, text: &str) -> io::Result<Written> {
    match w.write_all(text.as_bytes()).and_then(|()| w.flush()) {
        Ok(()) => Ok(Written::Done),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Written::ReaderGone),
        Err(e) => Err(e),
    }
}

/// Ends the process as a command-line tool does when its reader has gone: by SIGPIPE, or
/// with [`EXIT_BROKEN_PIPE`] where the signal cannot be raised.
pub fn reader_gone() -> ! {
    #[cfg(unix)]
    {
        let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGPIPE);
    }
    std::process::exit(i32::from(EXIT_BROKEN_PIPE))
}

/// Writes `text` to standard output. A closed pipe ends the process quietly; any other
/// failure (a full disk) is returned.
pub fn out(text: &str) -> io::Result<()> {
    match write_to(io::stdout().lock(), text)? {
        Written::Done => Ok(()),
        Written::ReaderGone => reader_gone(),
    }
}

/// Writes `text` to standard error as it is. A closed pipe ends the process quietly; other
/// failures are dropped, since there is nowhere left to report them.
pub fn err(text: &str) {
    if let Ok(Written::ReaderGone) = write_to(io::stderr().lock(), text) {
        reader_gone()
    }
}

/// `warning: MESSAGE` on standard error, the message escaped.
pub fn warn(message: impl Display) {
    err(&format!("warning: {}\n", escape(&message.to_string())));
}

/// `error: MESSAGE` on standard error, the message escaped.
pub fn error(message: impl Display) {
    err(&format!("error: {}\n", escape(&message.to_string())));
}

/// One line of progress or explanation on standard error, escaped.
pub fn note(message: impl Display) {
    err(&format!("{}\n", escape(&message.to_string())));
}

/// A note that is written only if what it announces takes longer than `after`, and only
/// to a terminal: dropping the guard before then cancels it. For work that is usually quick
/// but can take a while (a 40 MB dump), so the operator is never left before a blank screen.
pub fn note_if_slow(after: std::time::Duration, message: impl Display) -> SlowNote {
    if !io::stderr().is_terminal() {
        return SlowNote(None);
    }
    let message = message.to_string();
    let (done, wait) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(after) {
            note(message);
        }
    });
    SlowNote(Some(done))
}

/// Cancels its [`note_if_slow`] when dropped.
pub struct SlowNote(#[allow(dead_code)] Option<std::sync::mpsc::Sender<()>>);

/// Installs color-eyre's report hook and a panic hook that writes color-eyre's panic report
/// through [`err`]: a panic reported to a closed pipe ends quietly instead of aborting.
///
/// A panic on any thread ends the process with status 101 once reported: a watch or a
/// background task that panicked must not leave the rest running half-alive (the dashboard's
/// own hook restores the terminal first). Colours only when stderr is a terminal.
pub fn install_hooks() {
    let mut builder = color_eyre::config::HookBuilder::default();
    if !io::stderr().is_terminal() {
        builder = builder.theme(color_eyre::config::Theme::new());
    }
    let (panic_hook, eyre_hook) = builder.into_hooks();
    let _ = eyre_hook.install();
    std::panic::set_hook(Box::new(move |info| {
        err(&format!("{}\n", panic_hook.panic_report(info)));
        std::process::exit(101);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Failing(io::ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(self.0.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_told_apart_from_other_failures() {
        assert_eq!(
            write_to(Failing(io::ErrorKind::BrokenPipe), "x").unwrap(),
            Written::ReaderGone
        );
        assert!(write_to(Failing(io::ErrorKind::StorageFull), "x").is_err());
        let mut buffer = Vec::new();
        assert_eq!(write_to(&mut buffer, "ok\n").unwrap(), Written::Done);
        assert_eq!(buffer, b"ok\n");
    }
}
