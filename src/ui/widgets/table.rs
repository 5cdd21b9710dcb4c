//! A table that builds only the rows on screen, a page at a time. A 25,000-row table costs
//! what its visible 50 rows cost, and moving within a page repaints two rows, not all of
//! them, which is what a slow SSH link wants.

use crate::ui::data::thousands;
use crate::ui::nav::Sort;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

pub struct Column {
    pub title: &'static str,
    pub width: Constraint,
}

pub const fn col(title: &'static str, width: Constraint) -> Column {
    Column { title, width }
}

/// The first row of the page that holds `selected`.
pub fn page_start(selected: usize, page: usize) -> usize {
    if page == 0 {
        return 0;
    }
    selected - selected % page
}

/// A pane's frame: a rule along the top with the title on the left and a position on the
/// right. No side borders: every column goes to data.
pub fn pane_block<'a>(theme: &Theme, title: Vec<Span<'a>>, right: String) -> Block<'a> {
    Block::new()
        .borders(Borders::TOP)
        .border_style(theme.ui.border)
        .title(Line::from(title))
        .title(Line::from(Span::styled(right, theme.ui.muted)).right_aligned())
}

/// `12/25,000`, or `0/0`.
pub fn position(selected: usize, len: usize) -> String {
    if len == 0 {
        return "0/0 ".into();
    }
    format!(
        "{}/{} ",
        thousands(selected as u64 + 1),
        thousands(len as u64)
    )
}

/// A count, in `style` when it is not zero and `muted` when it is: zeros recede.
pub fn count_cell<'a>(n: u32, style: Style, muted: Style) -> Cell<'a> {
    Cell::from(Span::styled(
        thousands(n),
        if n > 0 { style } else { muted },
    ))
}

pub struct PagedTable<'c> {
    pub columns: &'c [Column],
    pub len: usize,
    pub selected: usize,
    pub sort: Option<Sort>,
    /// Shown when there are no rows.
    pub empty: &'c str,
    /// Whether the selected row is highlighted (not on a wall display, where nobody moves it).
    pub highlight: bool,
}

impl PagedTable<'_> {
    /// Draws the page holding the selection; `row(i)` builds row `i` of the whole table.
    pub fn draw<'r>(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        row: impl Fn(usize) -> Row<'r>,
    ) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let header = Row::new(self.columns.iter().enumerate().map(|(i, c)| {
            match self.sort.filter(|s| s.column == i) {
                Some(s) => format!("{}{}", c.title, if s.reverse { "↓" } else { "↑" }),
                None => c.title.to_string(),
            }
        }))
        .style(theme.ui.header);
        if self.len == 0 {
            let table =
                Table::new(Vec::<Row>::new(), self.columns.iter().map(|c| c.width)).header(header);
            frame.render_widget(table, area);
            if area.height > 1 {
                let below = Rect {
                    y: area.y + 1,
                    height: 1,
                    ..area
                };
                frame.render_widget(Paragraph::new(self.empty).style(theme.ui.muted), below);
            }
            return;
        }
        let page = usize::from(area.height.saturating_sub(1)).max(1);
        let selected = self.selected.min(self.len - 1);
        let start = page_start(selected, page);
        let end = (start + page).min(self.len);
        let rows: Vec<Row> = (start..end).map(row).collect();
        let table = Table::new(rows, self.columns.iter().map(|c| c.width))
            .header(header)
            .column_spacing(1)
            .row_highlight_style(if self.highlight {
                theme.ui.selected
            } else {
                Style::new()
            });
        let mut state = TableState::default().with_selected(Some(selected - start));
        frame.render_stateful_widget(table, area, &mut state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_the_selection() {
        assert_eq!(page_start(0, 10), 0);
        assert_eq!(page_start(9, 10), 0);
        assert_eq!(page_start(10, 10), 10);
        assert_eq!(page_start(25, 10), 20);
        assert_eq!(page_start(5, 0), 0);
        assert_eq!(position(0, 0), "0/0 ");
        assert_eq!(position(11, 25_000), "12/25,000 ");
    }
}
