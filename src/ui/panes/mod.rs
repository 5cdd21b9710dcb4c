//! The panes, one file each. Every pane derives its rows once per snapshot (or filter or
//! sort change) and draws from `&App`: drawing never changes state.

pub mod detail;
pub mod hosts;
pub mod machines;
pub mod nvlink;
pub mod racks;
pub mod tenants;
pub mod types;

use super::action::PaneId;
use super::app::App;
use super::data::FleetData;
use super::nav::{Screen, View};
use super::widgets::table::{Column, PagedTable, pane_block, position};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// The rows a pane shows for a view (its scope, filter and sort).
pub fn rows(pane: PaneId, data: &FleetData, view: &View) -> Vec<u32> {
    match pane {
        PaneId::Racks => racks::rows(data, &view.filter),
        PaneId::Nvlink => nvlink::rows(data, &view.filter, view.sort),
        PaneId::Tenants => tenants::rows(data, &view.filter, view.sort),
        PaneId::Types => types::rows(data, &view.filter, view.sort),
        PaneId::Hosts => hosts::rows(data, view),
        PaneId::Machines => machines::rows(data, view),
    }
}

/// A row's stable key: a name that survives a new snapshot.
pub fn row_key(pane: PaneId, data: &FleetData, row: u32) -> String {
    match pane {
        PaneId::Racks => racks::key(data, row),
        PaneId::Nvlink => nvlink::key(data, row),
        PaneId::Tenants => tenants::key(data, row),
        PaneId::Types => types::key(data, row),
        PaneId::Hosts => hosts::key(data, row),
        PaneId::Machines => machines::key(data, row),
    }
}

/// Where Enter on a row leads.
pub fn drill(pane: PaneId, data: &FleetData, row: u32) -> Option<View> {
    match pane {
        PaneId::Racks => racks::drill(data, row),
        PaneId::Nvlink => nvlink::drill(data, row),
        PaneId::Tenants => tenants::drill(data, row),
        PaneId::Types => types::drill(data, row),
        PaneId::Hosts => hosts::drill(data, row),
        PaneId::Machines => machines::drill(data, row),
    }
}

/// The columns `s` cycles through; empty where the order is fixed (the rack grid).
pub fn sort_columns(pane: PaneId) -> &'static [&'static str] {
    match pane {
        PaneId::Racks => &[],
        PaneId::Nvlink => nvlink::SORT_COLUMNS,
        PaneId::Tenants => tenants::SORT_COLUMNS,
        PaneId::Types => types::SORT_COLUMNS,
        PaneId::Hosts => hosts::SORT_COLUMNS,
        PaneId::Machines => machines::SORT_COLUMNS,
    }
}

/// Whether a `-l` selector means something in a pane (hosts' labels, directly or through
/// the rows' hosts).
pub fn takes_label_filter(pane: PaneId) -> bool {
    !matches!(pane, PaneId::Tenants)
}

/// `Racks › Hosts of rack dc1/r07  /h100  sorted by state`.
pub fn title_spans<'a>(app: &'a App, view: &View) -> Vec<Span<'a>> {
    let ui = &app.theme.ui;
    let crumbs = app.nav.breadcrumbs();
    let mut spans = Vec::new();
    let last = crumbs.len().saturating_sub(1);
    for (i, c) in crumbs.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", ui.muted));
        }
        spans.push(Span::styled(c, if i == last { ui.title } else { ui.muted }));
    }
    if let Some(f) = view.filter.describe() {
        spans.push(Span::styled(format!("  {f}"), ui.warn));
    }
    if view.pane() == Some(PaneId::Hosts) && !app.marked.is_empty() {
        spans.push(Span::styled(
            format!("  {} marked", app.marked.len()),
            ui.key,
        ));
    }
    if let Some(pane) = view.pane() {
        let columns = sort_columns(pane);
        if view.sort != Default::default()
            && let Some(name) = columns.get(view.sort.column)
        {
            let order = if view.sort.reverse { ", reversed" } else { "" };
            spans.push(Span::styled(format!("  sorted by {name}{order}"), ui.muted));
        }
    }
    spans.push(Span::raw(" "));
    spans
}

/// Draws a pane's frame (its title and the position in its rows); returns the inside.
pub fn pane_frame(frame: &mut Frame, area: Rect, app: &App, view: &View) -> Rect {
    let block = pane_block(
        &app.theme,
        title_spans(app, view),
        position(view.selected, view.rows.len()),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// Draws a view's rows as a table, the page holding the selection; `row` builds one row's
/// cells from its id.
pub fn view_table<'r>(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    view: &View,
    columns: &[Column],
    empty: &str,
    row: impl Fn(u32) -> Vec<Line<'r>>,
) {
    let table = PagedTable {
        columns,
        len: view.rows.len(),
        selected: view.selected,
        sort: Some(view.sort),
        empty,
        highlight: app.shows_selection(),
    };
    table.draw(frame, area, &app.theme, |i| row(view.rows[i]));
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View) {
    match &view.screen {
        Screen::Pane(PaneId::Racks) => racks::draw(frame, area, app, view),
        Screen::Pane(PaneId::Nvlink) => nvlink::draw(frame, area, app, view),
        Screen::Pane(PaneId::Tenants) => tenants::draw(frame, area, app, view),
        Screen::Pane(PaneId::Types) => types::draw(frame, area, app, view),
        Screen::Pane(PaneId::Hosts) => hosts::draw(frame, area, app, view),
        Screen::Pane(PaneId::Machines) => machines::draw(frame, area, app, view),
        Screen::HostDetail { .. } | Screen::ClaimDetail { .. } => {
            detail::draw(frame, area, app, view)
        }
    }
}
