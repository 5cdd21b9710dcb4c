//! A table that builds only the rows on screen, a page at a time. A 25,000-row table costs
//! what its visible 50 rows cost, and moving within a page repaints two rows, not all of
//! them, which is what a slow SSH link wants.
//!
//! Columns take their width from the data and the space ([`layout`]): each [`Column`] says
//! how it may be sized ([`Width`]) and where a cell too long for it is cut ([`Cut`], marked
//! with `…`). The widths come from the cells of the page on screen, so they stay put while
//! the selection moves within a page. Every cell is escaped ([`crate::format`]) before it is
//! measured: text from an object shows its control characters instead of losing them.

use crate::format::thousands;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How a column takes its width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// As wide as its widest cell on the page (or its title), at most `max`; when the table
    /// is too narrow it gives way first, down to `min`, its cells cut with `…`.
    Fit { min: u16, max: u16 },
    /// As wide as its widest cell, always: never cut (a state word, a count). At widths too
    /// small for it, the column is left out whole rather than cut.
    Whole,
    /// Whatever width is left, at least `min` (the last column, free text).
    Fill { min: u16 },
}

/// Where a cell too long for its column loses text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// `loft-p-acme/train-gb…`: the end goes.
    End,
    /// `gpu-h100-d…rack12-u01`: the middle goes, so names that differ at the end (a rack
    /// unit, a generated suffix) stay apart.
    Middle,
    /// `use1…/r05-u04`: a `cluster/name` loses its front, so the name after the last `/`
    /// stays whole while it fits (else the middle goes, as [`Cut::Middle`]).
    Path,
}

/// One column: its title and its sizing rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    pub width: Width,
    pub cut: Cut,
}

/// A column that fits its data between `min` and `max`, cut at the end.
pub const fn col(title: &'static str, min: u16, max: u16) -> Column {
    Column {
        title,
        width: Width::Fit { min, max },
        cut: Cut::End,
    }
}

/// A column of names that fits its data between `min` and `max`, cut in the middle.
pub const fn name_col(title: &'static str, min: u16, max: u16) -> Column {
    Column {
        title,
        width: Width::Fit { min, max },
        cut: Cut::Middle,
    }
}

/// A column of `cluster/name` paths that fits its data between `min` and `max`, cut
/// before the last `/` ([`Cut::Path`]).
pub const fn path_col(title: &'static str, min: u16, max: u16) -> Column {
    Column {
        title,
        width: Width::Fit { min, max },
        cut: Cut::Path,
    }
}

/// A column never cut: state words, counts.
pub const fn whole_col(title: &'static str) -> Column {
    Column {
        title,
        width: Width::Whole,
        cut: Cut::End,
    }
}

/// The last column, taking what is left.
pub const fn fill_col(title: &'static str, min: u16) -> Column {
    Column {
        title,
        width: Width::Fill { min },
        cut: Cut::End,
    }
}

/// The width of each column (0: left out) for cells of `widest` width in `total` columns of
/// screen with `spacing` between columns.
///
/// Every column gets what its widest cell needs (within its maximum) when that fits.
/// Otherwise, first columns are left out from the right (never the first) until every
/// column left can have its minimum; then the [`Width::Fill`] column gives way, then the
/// widest [`Width::Fit`] column shrinks toward its minimum, the first column (what names the
/// row) last of all. [`Width::Whole`] columns never shrink. Width left over goes to the
/// `Fill` column.
pub fn layout(columns: &[Column], widest: &[u16], total: u16, spacing: u16) -> Vec<u16> {
    let n = columns.len().min(widest.len());
    let mut want = Vec::with_capacity(n);
    let mut floor = Vec::with_capacity(n);
    for (c, &w) in columns.iter().zip(widest) {
        let (wanted, least) = match c.width {
            Width::Fit { min, max } => {
                let wanted = w.min(max.max(1));
                (wanted, min.min(wanted))
            }
            Width::Whole => (w, w),
            Width::Fill { min } => (w.max(min), min),
        };
        want.push(u32::from(wanted));
        floor.push(u32::from(least));
    }
    let total = u32::from(total);
    let spacing = u32::from(spacing);
    let used = |widths: &[u32], shown: &[bool]| -> u32 {
        let visible = shown.iter().filter(|s| **s).count() as u32;
        let cells: u32 = (0..n).filter(|&i| shown[i]).map(|i| widths[i]).sum();
        cells + visible.saturating_sub(1) * spacing
    };
    let mut shown = vec![true; n];
    for i in (1..n).rev() {
        if used(&floor, &shown) <= total {
            break;
        }
        shown[i] = false;
    }
    let mut widths = want.clone();
    let is_fill = |i: usize| matches!(columns[i].width, Width::Fill { .. });
    // The Fill column gives way first.
    for i in (0..n).filter(|&i| shown[i] && is_fill(i)) {
        let over = used(&widths, &shown).saturating_sub(total);
        widths[i] -= over.min(widths[i] - floor[i]);
    }
    // Then the widest column that may, down to the next widest, until the table fits; the
    // first column (what names the row) only when no other may.
    for first_too in [false, true] {
        shrink(
            &mut widths,
            &floor,
            total,
            |i| shown[i] && !is_fill(i) && (first_too || i > 0),
            &used,
            &shown,
        );
    }
    if n > 0 && used(&widths, &shown) > total {
        // Only the first column is left, and it is wider than the screen.
        widths[0] = total;
    }
    let left = total.saturating_sub(used(&widths, &shown));
    if let Some(i) = (0..n).find(|&i| shown[i] && is_fill(i)) {
        widths[i] += left;
    }
    (0..n)
        .map(|i| {
            if shown[i] {
                u16::try_from(widths[i]).unwrap_or(u16::MAX)
            } else {
                0
            }
        })
        .collect()
}

/// Shrinks the widest column `may` allows, down to the next widest or its floor, one step
/// at a time, until the table fits in `total` or no column may shrink.
fn shrink(
    widths: &mut [u32],
    floor: &[u32],
    total: u32,
    may: impl Fn(usize) -> bool,
    used: &impl Fn(&[u32], &[bool]) -> u32,
    shown: &[bool],
) {
    let n = widths.len();
    loop {
        let over = used(widths, shown).saturating_sub(total);
        if over == 0 {
            return;
        }
        let shrinkable = |i: usize| may(i) && widths[i] > floor[i];
        let Some(i) = (0..n)
            .filter(|&i| shrinkable(i))
            .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)))
        else {
            return;
        };
        let next = (0..n)
            .filter(|&j| j != i && shrinkable(j))
            .map(|j| widths[j])
            .max()
            .unwrap_or(0);
        let step = (widths[i] - floor[i])
            .min(widths[i].saturating_sub(next).max(1))
            .min(over);
        widths[i] -= step;
    }
}

/// A line cut to `width` columns of screen, marked with `…` where text went.
pub fn cut(line: Line<'_>, width: u16, how: Cut) -> Line<'_> {
    let width = usize::from(width);
    if line.width() <= width {
        return line;
    }
    if width == 0 {
        return Line::default();
    }
    // Characters are measured one by one; a sequence the terminal draws narrower or wider
    // than its characters (joined emoji) is met by keeping less until the line fits.
    let mut keep = width - 1;
    loop {
        let kept = cut_keeping(&line, keep, how);
        if kept.width() <= width || keep == 0 {
            return kept;
        }
        keep -= 1;
    }
}

/// `line` with `keep` columns of its text kept around a `…`.
fn cut_keeping<'a>(line: &Line<'a>, keep: usize, how: Cut) -> Line<'a> {
    let (head, tail) = match how {
        Cut::End => (keep, 0),
        Cut::Middle => (keep / 2, keep - keep / 2),
        Cut::Path => {
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            let last = text
                .rfind('/')
                .map(|i| unicode_width::UnicodeWidthStr::width(&text[i..]));
            match last {
                // At least one column of the front stays, so the cut shows where it was.
                Some(tail) if tail < keep => (keep - tail, tail),
                _ => (keep / 2, keep - keep / 2),
            }
        }
    };
    let mut front: Vec<Span> = Vec::new();
    let mut room = head;
    for span in &line.spans {
        if room == 0 {
            break;
        }
        let (taken, used) = take_width(&span.content, room, false);
        room = room.saturating_sub(used);
        front.push(Span::styled(taken.to_string(), span.style));
    }
    let mark_style = front
        .last()
        .map(|s| s.style)
        .or_else(|| line.spans.first().map(|s| s.style))
        .unwrap_or_default();
    let mut back: Vec<Span> = Vec::new();
    let mut room = tail;
    for span in line.spans.iter().rev() {
        if room == 0 {
            break;
        }
        let (taken, used) = take_width(&span.content, room, true);
        room = room.saturating_sub(used);
        back.push(Span::styled(taken.to_string(), span.style));
    }
    back.reverse();
    front.push(Span::styled("…", mark_style));
    front.extend(back);
    Line {
        spans: front,
        style: line.style,
        alignment: line.alignment,
    }
}

/// The longest start (or end, `from_end`) of `text` at most `width` columns wide, and its
/// width.
fn take_width(text: &str, width: usize, from_end: bool) -> (&str, usize) {
    let mut used = 0;
    if from_end {
        let mut start = text.len();
        for (i, c) in text.char_indices().rev() {
            let w = c.width().unwrap_or(0);
            if used + w > width {
                break;
            }
            used += w;
            start = i;
        }
        (&text[start..], used)
    } else {
        let mut end = 0;
        for (i, c) in text.char_indices() {
            let w = c.width().unwrap_or(0);
            if used + w > width {
                break;
            }
            used += w;
            end = i + c.len_utf8();
        }
        (&text[..end], used)
    }
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
        .title(Line::from(super::safe::spans(title)))
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
pub fn count_cell<'a>(n: u32, style: Style, muted: Style) -> Line<'a> {
    Line::from(Span::styled(
        thousands(n),
        if n > 0 { style } else { muted },
    ))
}

pub struct PagedTable<'c> {
    pub columns: &'c [Column],
    pub len: usize,
    pub selected: usize,
    /// The sorted column (its index in `columns`) and whether the order is reversed: its
    /// title carries `↑` or `↓`.
    pub sort: Option<(usize, bool)>,
    /// Shown when there are no rows.
    pub empty: &'c str,
    /// Whether the selected row is highlighted (not on a wall display, where nobody moves it).
    pub highlight: bool,
}

impl PagedTable<'_> {
    /// Draws the page holding the selection; `row(i)` builds the cells of row `i` of the
    /// whole table, one line per column.
    pub fn draw<'r>(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        row: impl Fn(usize) -> Vec<Line<'r>>,
    ) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let titles: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(
                |(i, c)| match self.sort.filter(|&(column, _)| column == i) {
                    Some((_, reverse)) => format!("{}{}", c.title, if reverse { "↓" } else { "↑" }),
                    None => c.title.to_string(),
                },
            )
            .collect();
        let page = usize::from(area.height.saturating_sub(1)).max(1);
        let selected = self.selected.min(self.len.saturating_sub(1));
        let start = page_start(selected, page);
        let end = (start + page).min(self.len);
        let cells: Vec<Vec<Line>> = (start..end).map(|i| super::safe::lines(row(i))).collect();
        let widest: Vec<u16> = titles
            .iter()
            .enumerate()
            .map(|(c, title)| {
                cells
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(Line::width)
                    .chain([title.width()])
                    .max()
                    .map_or(0, |w| u16::try_from(w).unwrap_or(u16::MAX))
            })
            .collect();
        let widths = layout(self.columns, &widest, area.width, 1);
        let shown: Vec<usize> = (0..self.columns.len()).filter(|&c| widths[c] > 0).collect();
        let fit = |c: usize, line: Line<'r>| cut(line, widths[c], self.columns[c].cut);
        let header = Row::new(shown.iter().map(|&c| fit(c, Line::from(titles[c].clone()))))
            .style(theme.ui.header);
        let constraints: Vec<Constraint> = shown
            .iter()
            .map(|&c| Constraint::Length(widths[c]))
            .collect();
        if self.len == 0 {
            frame.render_widget(
                Table::new(Vec::<Row>::new(), constraints).header(header),
                area,
            );
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
        let rows: Vec<Row> = cells
            .into_iter()
            .map(|mut r| {
                r.resize(self.columns.len(), Line::default());
                let mut r: Vec<Option<Line>> = r.into_iter().map(Some).collect();
                Row::new(
                    shown
                        .iter()
                        .map(|&c| fit(c, r[c].take().unwrap_or_default())),
                )
            })
            .collect();
        let table = Table::new(rows, constraints)
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

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn cuts_are_marked_and_keep_what_tells_names_apart() {
        let name = || Line::from("gpu-h100-dc1-rack12-u01");
        assert_eq!(
            text(&cut(name(), 23, Cut::Middle)),
            "gpu-h100-dc1-rack12-u01"
        );
        assert_eq!(text(&cut(name(), 15, Cut::Middle)), "gpu-h10…k12-u01");
        assert_eq!(text(&cut(name(), 15, Cut::End)), "gpu-h100-dc1-r…");
        assert_eq!(cut(name(), 15, Cut::Middle).width(), 15);
        assert_eq!(text(&cut(name(), 1, Cut::Middle)), "…");
        // A host named with its cluster keeps its name and loses the cluster's end.
        let path = || Line::from("use1-infra/r05-u04");
        assert_eq!(text(&cut(path(), 13, Cut::Path)), "use1…/r05-u04");
        assert_eq!(text(&cut(path(), 10, Cut::Path)), "u…/r05-u04");
        // Too narrow for the whole name: the middle goes, as for any name.
        assert_eq!(text(&cut(path(), 9, Cut::Path)), "use1…-u04");
        assert_eq!(text(&cut(Line::from("r05-u04"), 5, Cut::Path)), "r0…04");
        // Wide characters are measured as the terminal shows them.
        assert_eq!(
            text(&cut(Line::from("日本語のホスト"), 7, Cut::End)),
            "日本語…"
        );
        // Styles stay with their text.
        let styled = Line::from(vec![
            Span::styled("● ", Style::new().bold()),
            Span::raw("hostname-01"),
        ]);
        let c = cut(styled, 8, Cut::End);
        assert_eq!(text(&c), "● hostn…");
        assert_eq!(c.spans[0].style, Style::new().bold());
    }

    #[test]
    fn columns_fit_their_data_and_give_way_widest_first() {
        let cols = [
            name_col("NAME", 8, 40),
            whole_col("STATE"),
            col("HELD BY", 6, 40),
            fill_col("ERROR", 5),
        ];
        let widest = [23, 20, 36, 30];
        // Room for everything: each as wide as its data, the rest to the fill column.
        assert_eq!(layout(&cols, &widest, 200, 1), [23, 20, 36, 118]);
        // Narrower: HELD BY gives way first, then NAME and HELD BY together; STATE never.
        assert_eq!(layout(&cols, &widest, 100, 1), [23, 20, 36, 18]);
        let w = layout(&cols, &widest, 80, 1);
        assert_eq!(w[1], 20);
        assert_eq!(w.iter().sum::<u16>() + 3, 80, "{w:?}");
        assert!(w[0] >= 8 && w[2] >= 6 && w[3] >= 5, "{w:?}");
        // Too narrow for the minimums: columns go from the right, the state is never cut.
        let w = layout(&cols, &widest, 30, 1);
        assert_eq!(w, [9, 20, 0, 0]);
        assert_eq!(layout(&cols, &widest, 5, 1), [5, 0, 0, 0]);
    }
}
