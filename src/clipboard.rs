//! Copying text to the operator's clipboard with OSC 52: the terminal does the copying, so it
//! works over SSH and inside tmux or GNU screen, and no clipboard library (which can crash on
//! a headless bastion) is involved.
//!
//! gpufleet cannot see whether the terminal honours the request, so it says what it sent
//! and where to. Inside tmux it reads tmux's own settings first: with its defaults
//! (`set-clipboard external`, `allow-passthrough off`) tmux drops a program's clipboard
//! request, so nothing is sent; the caller shows the text for a mouse copy instead, with the
//! setting that would make the copy work.

use base64::Engine;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The escape sequence that asks the terminal to put `text` on the clipboard. Inside tmux or
/// screen (`TERM` or `$TMUX` say so) the sequence is wrapped so it passes through to the
/// outer terminal.
pub fn osc52(text: &str, tmux: bool, screen: bool) -> String {
    let payload = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let sequence = format!("\x1b]52;c;{payload}\x07");
    if tmux {
        // tmux passthrough: wrap in DCS and double every ESC inside.
        format!("\x1bPtmux;{}\x1b\\", sequence.replace('\x1b', "\x1b\x1b"))
    } else if screen {
        format!("\x1bP{sequence}\x1b\\")
    } else {
        sequence
    }
}

/// How a clipboard request gets from gpufleet to the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClipboardRoute {
    /// Straight to the terminal.
    Terminal,
    /// Through GNU screen, wrapped in DCS.
    Screen,
    /// To tmux, which takes programs' OSC 52 (`set-clipboard on`): into its paste buffer,
    /// and on to the terminal when tmux knows the terminal can.
    TmuxSetClipboard,
    /// Through tmux's passthrough (`allow-passthrough on`, or a tmux before 3.3).
    TmuxPassthrough,
    /// tmux with settings that drop a program's request (its defaults: `set-clipboard
    /// external`, `allow-passthrough off`).
    TmuxBlocked { set_clipboard: String },
    /// tmux whose settings could not be read.
    TmuxUnknown,
}

/// What a copy does: the bytes to write to the terminal (none when they could not arrive),
/// and what to tell the operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyPlan {
    pub bytes: Option<String>,
    /// What was sent where, or why nothing was, and how to make it work.
    pub note: String,
    /// Whether the operator should also be shown the text to select with the mouse: the
    /// request was not sent, or may not arrive.
    pub show_text: bool,
}

/// The tmux setting that lets programs set the clipboard, as a command to run.
pub const TMUX_ENABLE: &str =
    "tmux set -g set-clipboard on (and the same line, without \"tmux\", in ~/.tmux.conf)";

/// What copying `text` (described as `what`) along `route` does.
pub fn plan(text: &str, what: &str, route: &ClipboardRoute) -> CopyPlan {
    let n = text.len();
    let sent = |bytes: String, to: &str| CopyPlan {
        bytes: Some(bytes),
        note: format!(
            "sent {what} ({n} bytes) {to} as an OSC 52 clipboard request; a terminal that allows clipboard writes puts it on your clipboard"
        ),
        show_text: false,
    };
    match route {
        ClipboardRoute::Terminal => sent(osc52(text, false, false), "to your terminal"),
        ClipboardRoute::Screen => sent(
            osc52(text, false, true),
            "through GNU screen to your terminal",
        ),
        ClipboardRoute::TmuxSetClipboard => sent(
            osc52(text, false, false),
            "to tmux (set-clipboard on), which keeps it in its paste buffer and passes it to your terminal",
        ),
        ClipboardRoute::TmuxPassthrough => sent(
            osc52(text, true, false),
            "through tmux's passthrough to your terminal",
        ),
        ClipboardRoute::TmuxBlocked { set_clipboard } => CopyPlan {
            bytes: None,
            note: format!(
                "not copied: tmux drops a program's clipboard request with its settings (set-clipboard {set_clipboard}, allow-passthrough off). To allow it: {TMUX_ENABLE}. The text is shown on its own: select it with the mouse"
            ),
            show_text: true,
        },
        ClipboardRoute::TmuxUnknown => CopyPlan {
            bytes: Some(osc52(text, true, false)),
            note: format!(
                "sent {what} ({n} bytes) through tmux's passthrough, but tmux's settings could not be read, so it may not arrive. If it does not: {TMUX_ENABLE}; the text is shown on its own for a mouse copy"
            ),
            show_text: true,
        },
    }
}

/// The route in a terminal described by `var` (environment) and, inside tmux, `tmux_option`
/// (the value of a global tmux option, `None` when it cannot be read).
pub fn route(
    var: impl Fn(&str) -> Option<String>,
    tmux_option: impl Fn(&str) -> Option<String>,
) -> ClipboardRoute {
    if var("TMUX").is_none_or(|v| v.is_empty()) {
        let screen = var("TERM").is_some_and(|t| t.starts_with("screen"));
        return if screen {
            ClipboardRoute::Screen
        } else {
            ClipboardRoute::Terminal
        };
    }
    let Some(set_clipboard) = tmux_option("set-clipboard") else {
        return ClipboardRoute::TmuxUnknown;
    };
    if set_clipboard == "on" {
        return ClipboardRoute::TmuxSetClipboard;
    }
    // tmux before 3.3 has no allow-passthrough: passthrough is always on there.
    match tmux_option("allow-passthrough").as_deref() {
        Some("on" | "all") | None => ClipboardRoute::TmuxPassthrough,
        Some(_) => ClipboardRoute::TmuxBlocked { set_clipboard },
    }
}

/// How long reading a tmux option may take before gpufleet gives up on it.
const TMUX_TIMEOUT: Duration = Duration::from_millis(500);

/// A global tmux option of the tmux server this process runs in (`tmux show-options -gv`),
/// or `None` when tmux is not there, does not know the option, or takes too long.
pub fn tmux_option(name: &str) -> Option<String> {
    let mut child = Command::new("tmux")
        .args(["show-options", "-gv", name])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + TMUX_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    if !status.success() {
        return None;
    }
    let mut out = String::new();
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    Some(out.trim().to_string()).filter(|s| !s.is_empty())
}

/// [`plan`] for the terminal gpufleet runs in.
pub fn plan_for_this_terminal(text: &str, what: &str) -> CopyPlan {
    let route = route(|k| std::env::var(k).ok(), tmux_option);
    plan(text, what, &route)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_wraps_for_multiplexers() {
        assert_eq!(osc52("hi", false, false), "\x1b]52;c;aGk=\x07");
        assert_eq!(
            osc52("hi", true, false),
            "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
        assert_eq!(osc52("hi", false, true), "\x1bP\x1b]52;c;aGk=\x07\x1b\\");
    }

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn tmux_with_its_defaults_gets_nothing_and_the_operator_is_told_how_to_enable_it() {
        let tmux = [
            ("TMUX", "/tmp/tmux-0/default,1,0"),
            ("TERM", "tmux-256color"),
        ];
        // tmux 3.3+ defaults.
        let defaults = |o: &str| match o {
            "set-clipboard" => Some("external".to_string()),
            "allow-passthrough" => Some("off".to_string()),
            _ => None,
        };
        let r = route(env(&tmux), defaults);
        assert_eq!(
            r,
            ClipboardRoute::TmuxBlocked {
                set_clipboard: "external".into()
            }
        );
        let p = plan("snippet", "the snippet", &r);
        assert_eq!(p.bytes, None, "nothing is sent that cannot arrive");
        assert!(p.show_text);
        assert!(p.note.starts_with("not copied"), "{}", p.note);
        assert!(
            p.note.contains("tmux set -g set-clipboard on"),
            "{}",
            p.note
        );
        // set-clipboard on: plain OSC 52 to tmux, which takes it.
        let on = |o: &str| (o == "set-clipboard").then(|| "on".to_string());
        let r = route(env(&tmux), on);
        assert_eq!(r, ClipboardRoute::TmuxSetClipboard);
        assert_eq!(
            plan("hi", "x", &r).bytes.as_deref(),
            Some("\x1b]52;c;aGk=\x07")
        );
        // allow-passthrough on: wrapped.
        let passthrough = |o: &str| match o {
            "set-clipboard" => Some("external".to_string()),
            _ => Some("on".to_string()),
        };
        assert_eq!(
            route(env(&tmux), passthrough),
            ClipboardRoute::TmuxPassthrough
        );
        // tmux before 3.3 knows no allow-passthrough, and passes through.
        let old = |o: &str| (o == "set-clipboard").then(|| "external".to_string());
        assert_eq!(route(env(&tmux), old), ClipboardRoute::TmuxPassthrough);
        // Unreadable settings: sent, said so, and the text shown too.
        let r = route(env(&tmux), |_| None);
        assert_eq!(r, ClipboardRoute::TmuxUnknown);
        assert!(plan("x", "x", &r).show_text);
    }

    #[test]
    fn outside_tmux_the_request_goes_to_the_terminal_and_says_so() {
        let r = route(env(&[("TERM", "xterm-256color")]), |_| None);
        assert_eq!(r, ClipboardRoute::Terminal);
        let p = plan("hello", "the snippet", &r);
        assert_eq!(p.bytes.as_deref(), Some("\x1b]52;c;aGVsbG8=\x07"));
        assert!(
            p.note
                .contains("sent the snippet (5 bytes) to your terminal"),
            "{}",
            p.note
        );
        assert!(!p.show_text);
        assert_eq!(
            route(env(&[("TERM", "screen")]), |_| None),
            ClipboardRoute::Screen
        );
    }
}
