//! The wall display's header: the figures an operator reads from across the room, in big
//! digits when there is room and in plain text when there is not. It never shows a number
//! that is not true: before the first sync the figures say "no data", and once the data is
//! stale they are dimmed and say how old they are.

use super::big_number;
use crate::format::thousands;
use crate::ui::app::{App, Freshness};
use crate::ui::clock;
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
    let freshness = app.freshness();
    let areas = Layout::horizontal([Constraint::Ratio(1, 5); 5]).split(area);
    for ((label, n, style), tile) in tiles.into_iter().zip(areas.iter()) {
        frame.render_widget(
            Paragraph::new(tile_lines(label, n, style, freshness, app, tile.width)),
            *tile,
        );
    }
}

/// One figure: its label, then the figure in big digits when there is room and in plain
/// text when there is not. Before the first sync there is no figure, only "no data"; once
/// the data is stale the figure is dimmed and its label says how old it is.
fn tile_lines(
    label: &str,
    n: u32,
    style: Style,
    freshness: Freshness,
    app: &App,
    width: u16,
) -> Vec<Line<'static>> {
    let ui = &app.theme.ui;
    let fits = |w: usize| w < usize::from(width);
    let indent = |lines: Vec<Line<'static>>| -> Vec<Line<'static>> {
        lines
            .into_iter()
            .map(|l| {
                let mut spans = vec![Span::raw(" ")];
                spans.extend(l.spans);
                Line::from(spans)
            })
            .collect()
    };
    let (label, figure, style) = match freshness {
        Freshness::NoData => {
            let mut lines = vec![Line::from(Span::styled(format!(" {label}"), ui.muted))];
            if fits(big_number::text_width(NO_DATA) + 1) {
                lines.extend(indent(big_number::big_text(NO_DATA, ui.muted)));
            } else {
                lines.push(Line::from(Span::styled(" no data", ui.muted)));
            }
            return lines;
        }
        // How long the figures have gone unconfirmed (a watch failing), not the status line's
        // "data … old" (the last change seen): one meaning per figure.
        Freshness::Stale { age } => (format!(" {label} · stale {}", clock::age(age)), n, ui.muted),
        Freshness::Current => (format!(" {label}"), n, style),
    };
    let mut lines = vec![Line::from(Span::styled(label, ui.muted))];
    if fits(big_number::width(u64::from(figure))) {
        lines.extend(indent(big_number::big(u64::from(figure), style)));
    } else {
        lines.push(Line::from(Span::styled(
            format!(" {}", thousands(figure)),
            style,
        )));
    }
    lines
}

/// What a figure says before there is one.
const NO_DATA: &str = "NO DATA";
