//! The wall display's header: the figures an operator reads from across the room, in big
//! digits when there is room and in plain text when there is not.

use super::big_number;
use crate::ui::app::App;
use crate::ui::data::thousands;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Rows the header takes: a label row and the big digits.
pub const HEIGHT: u16 = 1 + big_number::HEIGHT;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.data.totals;
    let ui = &app.theme.ui;
    let attention = |n: u32, style: Style| if n > 0 { style } else { ui.big_number };
    let tiles: [(&str, u32, Style); 5] = [
        ("GPUs total", t.gpus_total, ui.big_number),
        ("GPUs free", t.gpus_free, app.theme.host.free),
        ("GPUs claimed", t.gpus_claimed, ui.big_number),
        (
            "hosts in error",
            t.hosts_in_error,
            attention(t.hosts_in_error, ui.error),
        ),
        (
            "drifted claims",
            t.claims_drifted,
            attention(t.claims_drifted, ui.warn),
        ),
    ];
    let areas = Layout::horizontal([Constraint::Ratio(1, 5); 5]).split(area);
    for ((label, n, style), tile) in tiles.into_iter().zip(areas.iter()) {
        let mut lines = vec![Line::from(Span::styled(format!(" {label}"), ui.muted))];
        if big_number::width(u64::from(n)) < usize::from(tile.width) {
            lines.extend(big_number::big(u64::from(n), style).into_iter().map(|l| {
                let mut spans = vec![Span::raw(" ")];
                spans.extend(l.spans);
                Line::from(spans)
            }));
        } else {
            lines.push(Line::from(Span::styled(
                format!(" {}", thousands(n)),
                style,
            )));
        }
        frame.render_widget(Paragraph::new(super::safe::lines(lines)), *tile);
    }
}
