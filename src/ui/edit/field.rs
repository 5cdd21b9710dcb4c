//! A text field of a dialog: a `ratatui-textarea` editor with a label, one line or several.
//! It knows whether a key changed its text, so the preview is recomputed only then.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Modifier, Style};
use ratatui_textarea::{CursorMove, TextArea};

/// Pasted text as it may enter a field or prompt. Whitespace separates words, as typing
/// would: a tab, a vertical tab, a form feed or a Unicode space becomes a space, and a line
/// break (`\r\n`, `\r`, `\n`) a new line where the field has lines, else a space. Any
/// other control character (an escape sequence's ESC, a BEL, a bidirectional override) is
/// removed. So `maintenance-<TAB>tenant=acme` stays two words.
pub fn clean_paste(text: &str, multi_line: bool) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    text.chars()
        .filter_map(|c| match c {
            '\n' if multi_line => Some('\n'),
            c if c.is_whitespace() => Some(' '),
            c if crate::format::needs_escape(c) => None,
            c => Some(c),
        })
        .collect()
}

pub struct Field {
    pub label: &'static str,
    pub editor: TextArea<'static>,
    multi_line: bool,
}

impl Field {
    pub fn single(label: &'static str, text: &str, style: Style) -> Field {
        Field::make(label, vec![text.to_string()], style, false)
    }

    pub fn multi(label: &'static str, style: Style) -> Field {
        Field::make(label, vec![String::new()], style, true)
    }

    fn make(label: &'static str, lines: Vec<String>, style: Style, multi_line: bool) -> Field {
        let mut editor = TextArea::new(lines);
        editor.set_style(style);
        editor.set_cursor_line_style(Style::default());
        editor.move_cursor(CursorMove::End);
        let mut field = Field {
            label,
            editor,
            multi_line,
        };
        field.set_focus(true);
        field
    }

    /// The text, lines joined by `\n`.
    pub fn text(&self) -> String {
        self.editor.lines().join("\n")
    }

    pub fn set_placeholder(&mut self, text: &str, style: Style) {
        self.editor.set_placeholder_text(text);
        self.editor.set_placeholder_style(style);
    }

    /// Only the focused field shows a cursor.
    pub fn set_focus(&mut self, focus: bool) {
        self.editor.set_cursor_style(if focus {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        });
    }

    /// Feeds one key to the editor; returns whether the text changed.
    pub fn key(&mut self, key: KeyEvent) -> bool {
        let newline = matches!(key.code, KeyCode::Enter)
            || (key.code == KeyCode::Char('m') && key.modifiers.contains(KeyModifiers::CONTROL));
        if newline && !self.multi_line {
            return false;
        }
        let before = self.editor.lines().to_vec();
        self.editor.input(key);
        before != self.editor.lines()
    }

    /// Inserts pasted text ([`clean_paste`]); a one-line field keeps it on one line.
    pub fn paste(&mut self, text: &str) -> bool {
        let clean = clean_paste(text, self.multi_line);
        !clean.is_empty() && self.editor.insert_str(clean)
    }

    pub fn newline(&mut self) -> bool {
        if !self.multi_line {
            return false;
        }
        self.editor.insert_newline();
        true
    }

    /// Inserts text at the cursor (a completion).
    pub fn insert(&mut self, text: &str) -> bool {
        self.editor.insert_str(text)
    }

    /// The text of the cursor's line before the cursor.
    pub fn before_cursor(&self) -> &str {
        let ratatui_textarea::DataCursor(row, col) = self.editor.cursor();
        let line = self.editor.lines().get(row).map_or("", String::as_str);
        let end = line.char_indices().nth(col).map_or(line.len(), |(i, _)| i);
        &line[..end]
    }

    /// (line, column) of the cursor, in characters.
    pub fn cursor(&self) -> (usize, usize) {
        let c = self.editor.cursor();
        (c.0, c.1)
    }

    pub fn line_count(&self) -> usize {
        self.editor.lines().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn reports_changes_and_keeps_one_line_fields_on_one_line() {
        let mut f = Field::single("name", "ab", Style::default());
        assert!(!f.key(k(KeyCode::Left)));
        assert!(f.key(k(KeyCode::Char('x'))));
        assert_eq!(f.text(), "axb");
        assert_eq!(f.before_cursor(), "ax");
        assert!(!f.key(k(KeyCode::Enter)));
        assert!(!f.newline());
        assert!(f.paste("1\n2"));
        assert_eq!(f.text(), "ax1 2b");
        let mut m = Field::multi("labels", Style::default());
        assert!(m.paste("a=1\r\nb-\u{7}"));
        assert_eq!(m.text(), "a=1\nb-");
        assert!(m.newline());
        assert_eq!(m.line_count(), 3);
        let mut m = Field::multi("labels", Style::default());
        assert!(m.paste("maintenance-\ttenant=acme\u{1b}[0m\u{b}x=1\u{a0}y-"));
        assert_eq!(m.text(), "maintenance- tenant=acme[0m x=1 y-");
        assert_eq!(clean_paste("a\tb\r\nc\rd", false), "a b c d");
    }
}
