//! Formatting helpers every layer may call: text from a cluster object or a dump made safe
//! for a terminal ([`escape`]), and counts as people read them ([`thousands`]).
//!
//! Any string gpufleet did not write itself — a name, a label, an annotation, a URL, an
//! error message from Metal3 or the API server, a kubeconfig context — may hold control
//! characters. Written raw, `ESC ] 0 ; … BEL` retitles the window, `CR` and cursor moves
//! overwrite the line that names the object, and bidirectional overrides reorder what is
//! read. [`escape`] turns every such character into a visible escape, so what reaches the
//! terminal is exactly what the object holds, readable and inert:
//!
//! | character | shown as |
//! |---|---|
//! | tab, line feed, carriage return | `\t`, `\n`, `\r` |
//! | other C0 controls and DEL (U+0000–U+001F, U+007F) | `\x1b`, `\x07`, `\x7f` |
//! | C1 controls (U+0080–U+009F), bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), line and paragraph separators (U+2028, U+2029) | `\u{9b}`, `\u{202e}` |
//!
//! Everything else, other scripts included, is left as it is; a backslash stays a backslash.
//! Use it on every CLI output path (table cells, `warning:` and `error:` lines) and in the
//! dashboard, where ratatui would otherwise drop control characters silently. JSON output
//! needs nothing: serde already escapes control characters there.
//!
//! This module depends on nothing else in gpufleet (a leaf), so any layer may call it.

use std::borrow::Cow;
use std::fmt::{self, Write};

/// Whether a character must not reach a terminal as it is.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every character a terminal would act on written as a visible escape (see the
/// module docs for the forms). Borrows when there is nothing to escape, which is the usual
/// case, so calling it on every cell costs a scan and no allocation.
pub fn escape(text: &str) -> Cow<'_, str> {
    match text.find(needs_escape) {
        None => Cow::Borrowed(text),
        Some(first) => {
            let mut out = String::with_capacity(text.len() + 8);
            out.push_str(&text[..first]);
            for c in text[first..].chars() {
                push_escaped(&mut out, c);
            }
            Cow::Owned(out)
        }
    }
}

fn push_escaped(out: &mut String, c: char) {
    if !needs_escape(c) {
        out.push(c);
        return;
    }
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// Displays a string escaped, for `format!`: `format!("host {}", Escaped(&name))`.
#[derive(Clone, Copy, Debug)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape(self.0))
    }
}

/// `12,345`: counts as people read them.
pub fn thousands(n: impl Into<u64>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 host`, `12,345 hosts`: a count and its noun, singular for one.
pub fn counted(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular() {
        assert_eq!(counted(1u32, "host", "hosts"), "1 host");
        assert_eq!(counted(0u32, "host", "hosts"), "0 hosts");
        assert_eq!(counted(12_345u32, "cluster", "clusters"), "12,345 clusters");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0u32), "0");
        assert_eq!(thousands(999u32), "999");
        assert_eq!(thousands(1000u32), "1,000");
        assert_eq!(thousands(25_000u32), "25,000");
        assert_eq!(thousands(1_234_567u32), "1,234,567");
    }

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(
            escape("gpu-01\u{1b}]0;pwned\u{7}"),
            "gpu-01\\x1b]0;pwned\\x07"
        );
        assert_eq!(escape("a\r\nb\tc"), "a\\r\\nb\\tc");
        assert_eq!(escape("\u{7f}\u{9b}31m"), "\\x7f\\u{9b}31m");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("\u{0}"), "\\x00");
        assert_eq!(Escaped("x\u{1b}").to_string(), "x\\x1b");
    }

    #[test]
    fn plain_text_is_borrowed_and_unchanged() {
        for text in ["gpu-h100-dc1-rack12-u01", "Ünïcödé 日本 \\x1b", ""] {
            assert!(matches!(escape(text), Cow::Borrowed(t) if t == text));
        }
    }
}
