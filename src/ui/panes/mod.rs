//! The panes, one file each, and the one list of them ([`PANES`]). A table pane is a
//! [`Table`]: one list of [`Column`]s, each holding its title and width rule, the text `/`
//! matches, its sort key and its cell, so the header arrow, the title's `sorted by …`, the
//! comparator and the filter come from the same row and cannot disagree. Panes derive their
//! rows once per snapshot (or filter or sort change) and draw from a [`DrawCtx`]: drawing
//! never changes state, and a pane sees only what it draws from.

pub mod detail;
pub mod hosts;
pub mod machines;
pub mod nvlink;
pub mod racks;
pub mod tenants;
pub mod types;

use super::action::PaneId;
use super::data::FleetData;
use super::filter::Filter;
use super::marks::MarkBy;
use super::nav::{Scope, Screen, Sort, View};
use super::theme::Theme;
use super::widgets::table::{self, PagedTable, pane_block, position};
use crate::model::LabelQuery;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BTreeSet;

/// What a pane draws from: the snapshot's data, the theme, the marks, and whether the
/// selection is shown. Built by the screen for each frame; a pane never sees the app.
pub struct DrawCtx<'a> {
    /// The snapshot's derived data: every row a pane shows.
    pub data: &'a FleetData,
    /// The styles to draw with.
    pub theme: &'a crate::ui::theme::Theme,
    /// Marked hosts, by host key.
    pub marked: &'a BTreeSet<crate::fleet::HostKey>,
    /// What the rack grid's letters stand for.
    pub marks: MarkBy,
    /// Whether the selected row is highlighted (not on a wall display, where nobody moves it).
    pub highlight: bool,
    /// The drill-down path, for the title: `Racks`, `Hosts of rack dc1/r07`, `host …`.
    pub crumbs: Vec<String>,
    /// Metal3 clusters whose host watch is stale: their hosts show their last known state,
    /// marked stale.
    pub stale_clusters: BTreeSet<String>,
}

/// A pane: what the list of panes dispatches to. Table panes get it from [`Table`].
pub trait Pane: Sync {
    /// The pane's id (its tab, its `:` command).
    fn id(&self) -> PaneId;
    /// The rows shown for a view (its scope, filter and sort), as ids the pane knows.
    fn rows(&self, data: &FleetData, view: &View) -> Vec<u32>;
    /// A row's stable key: a name that survives a new snapshot.
    fn key(&self, data: &FleetData, row: u32) -> String;
    /// Where Enter on a row leads.
    fn drill(&self, data: &FleetData, row: u32) -> Option<View>;
    /// The names `s` cycles through, in column order; empty where the order is fixed.
    fn sort_names(&self) -> Vec<&'static str>;
    /// Whether a `-l` selector means something here (hosts' labels, directly or through the
    /// rows' hosts).
    fn takes_label_filter(&self) -> bool {
        true
    }
    /// Draws the pane for `view` in `area`.
    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &DrawCtx, view: &View);
}

/// Every pane, in [`PaneId::ALL`] order.
pub static PANES: &[&dyn Pane] = &[
    &racks::Racks,
    &nvlink::Nvlink,
    &tenants::Tenants,
    &types::Types,
    &hosts::Hosts,
    &machines::Machines,
];

/// The pane of an id.
pub fn pane(id: PaneId) -> &'static dyn Pane {
    PANES
        .iter()
        .copied()
        .find(|p| p.id() == id)
        .unwrap_or(PANES[0])
}

/// What a column sorts by. Each column's order is complete with the table's first column
/// as the tie-break (names); counts sort the most first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    /// The order the pane lists its rows in.
    Given,
    /// Text in byte order.
    Text(String),
    /// Several texts, the first deciding first (a datacenter, then a rack).
    Texts(Vec<String>),
    /// Smallest first.
    Least(i64),
    /// Largest first (counts: the most free GPUs, the most drift).
    Most(Reverse<i64>),
}

impl SortKey {
    /// Largest first.
    pub fn most(n: impl Into<i64>) -> SortKey {
        SortKey::Most(Reverse(n.into()))
    }
}

/// A sortable column's sort: the name the title shows (`sorted by state`) and the key.
pub struct SortBy<T: Table + ?Sized> {
    /// The sort's name in the title (`sorted by state`).
    pub name: &'static str,
    /// The key each row sorts by.
    pub key: for<'d> fn(&'d FleetData, T::Row<'d>) -> SortKey,
}

/// The text of a row's cell that `/` matches.
pub type TextOf<T> = for<'d> fn(&'d FleetData, <T as Table>::Row<'d>) -> Cow<'d, str>;

/// One column of a table pane: everything about it in one place.
pub struct Column<T: Table + ?Sized> {
    /// Title and width rule.
    pub head: table::Column,
    /// The text `/` matches, if any.
    pub text: Option<TextOf<T>>,
    /// How the column sorts, if it does.
    pub sort: Option<SortBy<T>>,
    /// The row's cell.
    pub cell: for<'d> fn(&DrawCtx<'d>, T::Row<'d>) -> Line<'d>,
}

/// A pane that is a table of rows, described by its columns.
pub trait Table: Sync + 'static {
    /// What one row is drawn from (an id, or a row of [`FleetData`]).
    type Row<'d>: Copy;
    /// The pane's id.
    const ID: PaneId;
    /// The columns, left to right; the first sortable one is the pane's own order.
    fn columns() -> &'static [Column<Self>];
    /// The row an id names.
    fn row(data: &FleetData, id: u32) -> Self::Row<'_>;
    /// Every row's id in a scope, in the pane's own order.
    fn ids(data: &FleetData, scope: Option<&Scope>) -> Vec<u32>;
    /// Whether a `-l` selector means something here; [`Table::selects`] is asked only if so.
    const TAKES_SELECTOR: bool = true;
    /// Whether a `-l` selector keeps a row (by its host's labels, or a node type's).
    fn selects(data: &FleetData, row: Self::Row<'_>, query: &LabelQuery) -> bool;
    /// The row's stable key: a name that survives a new snapshot.
    fn key(data: &FleetData, row: Self::Row<'_>) -> String;
    /// Where Enter on the row leads.
    fn drill(data: &FleetData, row: Self::Row<'_>) -> Option<View>;
    /// Shown when no row is.
    fn empty(data: &FleetData) -> &'static str;
    /// What follows the title (a warning about the whole table).
    fn title_extra<'d>(_ctx: &DrawCtx<'d>) -> Vec<Span<'d>> {
        Vec::new()
    }
    /// Lines under the table about the selected row, and how many rows they take (0: none).
    const DETAIL_HEIGHT: u16 = 0;
    /// The lines under the table about the selected row.
    fn details<'d>(_ctx: &DrawCtx<'d>, _row: Self::Row<'d>) -> Vec<Line<'d>> {
        Vec::new()
    }
    /// Text matched by `/` that no column shows (a claim's namespace, a tenant's node type
    /// names in full).
    fn hidden_text<'d>(_data: &'d FleetData, _row: Self::Row<'d>) -> Vec<&'d str> {
        Vec::new()
    }
}

/// The display index of the column a sort names (`sort.column` counts sortable columns).
pub fn sorted_column<T: Table + ?Sized>(columns: &[Column<T>], sort: Sort) -> Option<usize> {
    columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.sort.is_some())
        .nth(sort.column)
        .map(|(i, _)| i)
}

impl<T: Table> Pane for T {
    fn id(&self) -> PaneId {
        T::ID
    }

    fn rows(&self, data: &FleetData, view: &View) -> Vec<u32> {
        let columns = T::columns();
        let mut ids: Vec<u32> = T::ids(data, view.scope.as_ref())
            .into_iter()
            .filter(|&id| {
                let row = T::row(data, id);
                match &view.filter {
                    Filter::None => true,
                    Filter::Labels(q) => T::TAKES_SELECTOR && T::selects(data, row, q),
                    f @ Filter::Text(_) => {
                        let texts: Vec<Cow<str>> = columns
                            .iter()
                            .filter_map(|c| c.text.map(|text| text(data, row)))
                            .chain(T::hidden_text(data, row).into_iter().map(Cow::Borrowed))
                            .collect();
                        f.accepts(texts.iter().map(|t| t.as_ref()), None)
                    }
                }
            })
            .collect();
        let by = |i: Option<usize>| i.and_then(|i| columns[i].sort.as_ref()).map(|s| s.key);
        let first = by(sorted_column(columns, Sort::default()));
        let chosen = by(sorted_column(columns, view.sort)).or(first);
        if let (Some(chosen), Some(first)) = (chosen, first) {
            ids.sort_by_cached_key(|&id| {
                let row = T::row(data, id);
                (chosen(data, row), first(data, row))
            });
        }
        if view.sort.reverse {
            ids.reverse();
        }
        ids
    }

    fn key(&self, data: &FleetData, row: u32) -> String {
        T::key(data, T::row(data, row))
    }

    fn drill(&self, data: &FleetData, row: u32) -> Option<View> {
        T::drill(data, T::row(data, row))
    }

    fn sort_names(&self) -> Vec<&'static str> {
        T::columns()
            .iter()
            .filter_map(|c| c.sort.as_ref().map(|s| s.name))
            .collect()
    }

    fn takes_label_filter(&self) -> bool {
        T::TAKES_SELECTOR
    }

    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &DrawCtx, view: &View) {
        let columns = T::columns();
        let mut title = title_spans(ctx, view, &self.sort_names());
        title.extend(T::title_extra(ctx));
        let inner = frame_with(frame, area, ctx.theme, title, view);
        let [table_area, detail_area] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(T::DETAIL_HEIGHT)])
                .areas(inner);
        let heads: Vec<table::Column> = columns.iter().map(|c| c.head).collect();
        let table = PagedTable {
            columns: &heads,
            len: view.rows.len(),
            selected: view.selected,
            sort: sorted_column(columns, view.sort).map(|i| (i, view.sort.reverse)),
            empty: T::empty(ctx.data),
            highlight: ctx.highlight,
        };
        table.draw(frame, table_area, ctx.theme, |i| {
            let row = T::row(ctx.data, view.rows[i]);
            columns.iter().map(|c| (c.cell)(ctx, row)).collect()
        });
        if T::DETAIL_HEIGHT > 0
            && let Some(id) = view.selected_row()
        {
            let lines = T::details(ctx, T::row(ctx.data, id));
            frame.render_widget(
                Paragraph::new(super::widgets::safe::lines(lines)).wrap(Wrap { trim: true }),
                detail_area,
            );
        }
    }
}

/// `Racks › Hosts of rack dc1/r07  /h100  sorted by state`.
pub fn title_spans<'a>(ctx: &DrawCtx<'a>, view: &View, sort_names: &[&str]) -> Vec<Span<'a>> {
    let ui = &ctx.theme.ui;
    let mut spans = Vec::new();
    let last = ctx.crumbs.len().saturating_sub(1);
    for (i, c) in ctx.crumbs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", ui.muted));
        }
        spans.push(Span::styled(
            c.clone(),
            if i == last { ui.title } else { ui.muted },
        ));
    }
    if let Some(f) = view.filter.describe() {
        spans.push(Span::styled(format!("  {f}"), ui.warn));
    }
    if view.pane() == Some(PaneId::Hosts) && !ctx.marked.is_empty() {
        spans.push(Span::styled(
            format!("  {} marked", ctx.marked.len()),
            ui.key,
        ));
    }
    if view.sort != Sort::default()
        && let Some(name) = sort_names.get(view.sort.column)
    {
        let order = if view.sort.reverse { ", reversed" } else { "" };
        spans.push(Span::styled(format!("  sorted by {name}{order}"), ui.muted));
    }
    spans.push(Span::raw(" "));
    spans
}

/// Draws a pane's frame with `title` and the position in its rows; returns the inside.
pub fn frame_with<'a>(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: Vec<Span<'a>>,
    view: &View,
) -> Rect {
    let block = pane_block(theme, title, position(view.selected, view.rows.len()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// Draws what a view shows: its pane, or a host's or machine's details.
pub fn draw(frame: &mut Frame, area: Rect, ctx: &DrawCtx, view: &View) {
    match &view.screen {
        Screen::Pane(id) => pane(*id).draw(frame, area, ctx, view),
        Screen::HostDetail { .. } | Screen::ClaimDetail { .. } => {
            detail::draw(frame, area, ctx, view)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_of_panes_is_in_tab_order_and_complete() {
        let ids: Vec<PaneId> = PANES.iter().map(|p| p.id()).collect();
        assert_eq!(ids, PaneId::ALL);
    }
}
