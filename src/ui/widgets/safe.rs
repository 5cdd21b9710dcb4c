//! Text for the screen, escaped: ratatui drops control characters silently, which hides
//! that an object holds them and can make two names read alike. Every span drawn from an
//! object goes through here, so `ESC`, `BEL`, `CR` and bidirectional overrides show as
//! `\x1b`, `\x07`, `\r`, `\u{202e}` ([`crate::format`]). Tables do it for every cell
//! ([`super::table`]); paragraphs, titles and lines of other widgets call it.

use crate::format::escape;
use ratatui::text::{Line, Span, Text};
use std::borrow::Cow;

/// A span with its text escaped; borrowed text stays borrowed when nothing needs escaping.
pub fn span(span: Span<'_>) -> Span<'_> {
    match escape(&span.content) {
        Cow::Borrowed(_) => span,
        Cow::Owned(text) => Span::styled(text, span.style),
    }
}

/// Spans with their text escaped.
pub fn spans(spans: Vec<Span<'_>>) -> Vec<Span<'_>> {
    spans.into_iter().map(span).collect()
}

/// A line with every span escaped.
pub fn line(line: Line<'_>) -> Line<'_> {
    let Line {
        spans: parts,
        style,
        alignment,
    } = line;
    Line {
        spans: spans(parts),
        style,
        alignment,
    }
}

/// Lines with every span escaped.
pub fn lines(lines: Vec<Line<'_>>) -> Vec<Line<'_>> {
    lines.into_iter().map(line).collect()
}

/// Any text (a line, lines, a span, a string) with every span escaped, for a paragraph.
pub fn text<'a>(text: impl Into<Text<'a>>) -> Text<'a> {
    let mut text = text.into();
    text.lines = lines(std::mem::take(&mut text.lines));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_span_and_keeps_styles() {
        let bold = ratatui::style::Style::new().bold();
        let l = line(Line::from(vec![
            Span::styled("host ", bold),
            Span::raw("gpu\u{1b}]0;x\u{7}"),
        ]));
        assert_eq!(l.spans[0].content, "host ");
        assert_eq!(l.spans[0].style, bold);
        assert_eq!(l.spans[1].content, "gpu\\x1b]0;x\\x07");
        assert!(matches!(span(Span::raw("plain")).content, Cow::Borrowed(_)));
    }
}
