//! Copying text to the operator's clipboard with OSC 52: the terminal does the copying, so it
//! works over SSH and inside tmux or GNU screen, and no clipboard library (which can crash on
//! a headless bastion) is involved.

use base64::Engine;

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

/// [`osc52`] for the terminal gpufleet runs in, read from the environment.
pub fn osc52_for_this_terminal(text: &str) -> String {
    let tmux = std::env::var_os("TMUX").is_some();
    let screen = std::env::var("TERM").is_ok_and(|t| t.starts_with("screen")) && !tmux;
    osc52(text, tmux, screen)
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
}
