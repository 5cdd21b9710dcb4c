//! The panes, one file each, and the one list of them ([`PANES`]). Each pane file declares its
//! [`PaneId`] (a [`PaneSpec`]: title, `:` command, help line, whether a wall display cycles
//! it, and the pane itself); the tab bar, Tab order, the number keys, the `:` commands, the
//! wall's cycle and the help all read [`PANES`], so adding a pane is its file plus one line
//! there. A table pane is a [`Table`]: one list of [`Column`]s, each holding its title and
//! width rule, the text `/` matches, its sort key and its cell, so the header arrow, the
//! title's `sorted by …`, the comparator and the filter come from the same row and cannot
//! disagree. Panes derive their rows once per snapshot (or filter or sort change) and draw
//! from a [`DrawCtx`]: drawing never changes state, and a pane sees only what it draws from.

pub mod detail;
pub mod hosts;
pub mod machines;
pub mod nvlink;
pub mod racks;
pub mod tenants;
pub mod types;

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
use std::fmt;

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
    /// Metal3 clusters whose host watch is stale, each with a few words of why
    /// (`cluster unreachable`, `relisting (410)`): their hosts show their last known state,
    /// marked stale.
    pub stale_clusters: std::collections::BTreeMap<String, String>,
    /// The wall clock as of the last tick ([`App::now`](crate::ui::app::App::now)): ages
    /// shown (how long a host has been being deleted) are computed from it.
    pub now: std::time::SystemTime,
}

/// A pane: what the list of panes dispatches to. Table panes get it from [`Table`].
pub trait Pane: Sync {
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
    /// What `s` says on a pane with no sortable column: why its order is fixed.
    fn fixed_order(&self) -> &'static str {
        "this pane keeps its own order"
    }
    /// Each sortable column's sort name and header title, in the order `s` cycles them.
    fn sorted_headers(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }
    /// Draws the pane for `view` in `area`.
    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &DrawCtx, view: &View);
}

/// Every pane, in Tab order: the tab bar, `Tab`, the number keys (`1` is the first; a pane
/// past the ninth has none), the `:` commands and the wall's cycle follow this list. Adding a
/// pane is its file (which declares its [`PaneSpec`] and its [`PaneId`]) and one line here.
/// A [`PaneId`] is a place in this list: a pane declared but left out of it does not compile
/// (its `PaneId::listed` fails at compile time).
pub const SPECS: &[&PaneSpec] = &[
    &racks::SPEC,
    &nvlink::SPEC,
    &tenants::SPEC,
    &types::SPEC,
    &hosts::SPEC,
    &machines::SPEC,
];

/// Every pane, in Tab order: [`SPECS`] as [`PaneId`]s.
pub const PANES: &[PaneId] = &PaneId::ALL;

/// What a pane is to the rest of the dashboard. Each pane file declares one, as a [`PaneId`]
/// constant.
pub struct PaneSpec {
    /// The tab's and the title's name: `Node types`.
    pub title: &'static str,
    /// The `:` command that shows the pane, unique among the panes: `types`. It is also the
    /// pane's identity (what [`PaneId`] compares).
    pub command: &'static str,
    /// What the help says the pane's number key shows: `node types`.
    pub help: &'static str,
    /// Whether a wall display (`watch`) cycles through it: the overviews, not the long tables.
    pub wall: bool,
    /// The pane.
    pub pane: &'static dyn Pane,
}

/// A pane: its place in [`SPECS`]. Each pane file declares its own (`PaneId::Hosts` in
/// `hosts.rs`) with [`PaneId::listed`], which only a listed spec gets through.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaneId(usize);

impl PaneId {
    /// Every pane, in Tab order.
    pub const ALL: [PaneId; SPECS.len()] = {
        let mut all = [PaneId(0); SPECS.len()];
        let mut i = 0;
        while i < SPECS.len() {
            all[i] = PaneId(i);
            i += 1;
        }
        all
    };

    /// The pane of `spec`, found in [`SPECS`] by its `:` command. Evaluated at compile time
    /// where a pane file declares its id: a spec missing from [`SPECS`] stops the build.
    pub const fn listed(spec: &PaneSpec) -> PaneId {
        let mut i = 0;
        while i < SPECS.len() {
            if same(SPECS[i].command.as_bytes(), spec.command.as_bytes()) {
                return PaneId(i);
            }
            i += 1;
        }
        panic!("a pane is declared but missing from panes::SPECS");
    }

    fn spec(self) -> &'static PaneSpec {
        SPECS[self.0]
    }

    /// The tab's and the title's name.
    pub fn title(self) -> &'static str {
        self.spec().title
    }

    /// The `:` command that shows the pane.
    pub fn command(self) -> &'static str {
        self.spec().command
    }

    /// What the help says the pane's number key shows.
    pub fn help(self) -> &'static str {
        self.spec().help
    }

    /// Whether a wall display cycles through the pane.
    pub fn on_wall(self) -> bool {
        self.spec().wall
    }

    /// The pane.
    pub fn pane(self) -> &'static dyn Pane {
        self.spec().pane
    }

    /// Where the pane is in [`PANES`].
    pub fn index(self) -> usize {
        self.0
    }

    /// The pane's number key: `1` for the first of [`PANES`] to `9` for the ninth; none
    /// after.
    pub fn key(self) -> Option<char> {
        char::from_digit(self.index() as u32 + 1, 10)
    }

    /// The pane `step` places after this one in Tab order, wrapping around.
    pub fn step(self, step: isize) -> PaneId {
        let n = PANES.len() as isize;
        PANES[(self.index() as isize + step).rem_euclid(n) as usize]
    }

    /// The pane a `:` command names.
    pub fn from_command(command: &str) -> Option<PaneId> {
        PANES.iter().copied().find(|p| p.command() == command)
    }

    /// The panes a `-l` selector means something on, by their help names, for a message:
    /// `racks, NVLink domains, node types, hosts or machines`.
    pub fn taking_selectors() -> String {
        let names: Vec<&str> = PANES
            .iter()
            .filter(|p| p.pane().takes_label_filter())
            .map(|p| p.help())
            .collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            Some((last, _)) => (*last).to_string(),
            None => String::new(),
        }
    }
}

/// Byte equality, usable at compile time.
const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl fmt::Debug for PaneId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PaneId").field(&self.command()).finish()
    }
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
    /// What each row sorts by: the column's own `/` text unless given.
    pub key: SortFrom<T>,
}

/// Where a column's sort key comes from. One meaning per figure: a column whose cell shows
/// its `/` text sorts by that same text ([`SortFrom::Text`], [`SortFrom::Natural`]), so the
/// order cannot follow a value the column does not show; [`SortFrom::Key`] is for a cell
/// that is not its text (a count sorted most first, a datacenter then a rack).
pub enum SortFrom<T: Table + ?Sized> {
    /// The column's `/` text, in byte order.
    Text,
    /// The column's `/` text in natural order (`r2` before `r10`).
    Natural,
    /// A key of its own.
    Key(for<'d> fn(&'d FleetData, T::Row<'d>) -> SortKey),
}

impl<T: Table + ?Sized> Column<T> {
    /// The row's sort key, if the column sorts: from its text unless it gives a key. A column
    /// that sorts by its text but has none sorts every row alike.
    pub fn sort_key<'d>(&self, data: &'d FleetData, row: T::Row<'d>) -> Option<SortKey> {
        let text = || self.text.map(|t| t(data, row)).unwrap_or_default();
        Some(match &self.sort.as_ref()?.key {
            SortFrom::Text => SortKey::Text(text().into_owned()),
            SortFrom::Natural => SortKey::Text(super::natural::natural_key(&text())),
            SortFrom::Key(key) => key(data, row),
        })
    }
}

/// The text of a row's cell that `/` matches.
pub type TextOf<T> = for<'d> fn(&'d FleetData, <T as Rows>::Row<'d>) -> Cow<'d, str>;

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

/// Where a table's rows come from: the row an id names and the ids of a scope. A table over
/// one list of [`FleetData`] gets it from [`RowList`]; one over the fleet's hosts or claims
/// (narrowed by a scope) writes its own.
pub trait Rows {
    /// What one row is drawn from (an id, or a row of [`FleetData`]).
    type Row<'d>: Copy;
    /// The row an id names.
    fn row(data: &FleetData, id: u32) -> Self::Row<'_>;
    /// Every row's id in a scope, in the pane's own order.
    fn ids(data: &FleetData, scope: Option<&Scope>) -> Vec<u32>;
}

/// A table whose rows are one list of [`FleetData`] by position, whatever the scope (NVLink
/// domains, tenants, node types): naming the list is all it writes.
pub trait RowList: 'static {
    /// One row of the list.
    type Item: 'static;
    /// The list, in the pane's own order.
    fn list(data: &FleetData) -> &[Self::Item];
}

impl<L: RowList> Rows for L {
    type Row<'d> = &'d L::Item;

    fn row(data: &FleetData, id: u32) -> &L::Item {
        &L::list(data)[id as usize]
    }

    fn ids(data: &FleetData, _: Option<&Scope>) -> Vec<u32> {
        (0..L::list(data).len() as u32).collect()
    }
}

/// A pane that is a table of rows, described by its columns.
pub trait Table: Rows + Sync + 'static {
    /// The columns, left to right; the first sortable one is the pane's own order.
    fn columns() -> &'static [Column<Self>];
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
    /// The title and width rule a column is drawn with in this fleet: its own
    /// ([`Column::head`]) unless the pane says otherwise (the DC column that becomes SITE in a
    /// fleet of several Metal3 clusters: [`site_head`]).
    fn head(_data: &FleetData, head: table::Column) -> table::Column {
        head
    }
    /// Text matched by `/` that no column shows (a claim's namespace, a tenant's node type
    /// names in full, a host's `cluster/name`).
    fn hidden_text<'d>(_data: &'d FleetData, _row: Self::Row<'d>) -> Vec<Cow<'d, str>> {
        Vec::new()
    }
}

/// The DC column of the hosts and NVLink panes: a host's `datacenter` label.
pub const DC: table::Column = table::col("DC", 4, 16);
/// What the DC column becomes where the fleet's hosts span several Metal3 clusters: the site
/// (`cluster/datacenter`, as the racks pane groups), since host names, rack and domain labels,
/// even datacenter labels, repeat across clusters. It gives way before the names do (the first
/// column shrinks last) and, cut at its end, keeps the cluster, which tells rows apart.
pub const SITE: table::Column = table::col("SITE", 4, 32);

/// [`SITE`] for [`DC`] in a fleet whose hosts span clusters; any other head unchanged.
pub fn site_head(data: &FleetData, head: table::Column) -> table::Column {
    if head == DC && data.fleet.hosts_span_clusters() {
        SITE
    } else {
        head
    }
}

/// The DC (or SITE) cell's text: `datacenter` in a fleet of one cluster, `cluster/datacenter`
/// in one of several ([`crate::fleet::key::shown_name`], the one rule); `-` for no label.
pub fn site_text<'d>(data: &FleetData, cluster: &str, datacenter: Option<&'d str>) -> Cow<'d, str> {
    let dc = datacenter.unwrap_or("-");
    if data.fleet.hosts_span_clusters() {
        let dc = if dc.is_empty() { "-" } else { dc };
        Cow::Owned(crate::fleet::key::shown_name(cluster, dc, true))
    } else {
        Cow::Borrowed(dc)
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
                            .chain(T::hidden_text(data, row))
                            .collect();
                        f.accepts(texts.iter().map(|t| t.as_ref()), None)
                    }
                }
            })
            .collect();
        let first = sorted_column(columns, Sort::default()).map(|i| &columns[i]);
        let chosen = sorted_column(columns, view.sort)
            .map(|i| &columns[i])
            .or(first);
        if let (Some(chosen), Some(first)) = (chosen, first) {
            ids.sort_by_cached_key(|&id| {
                let row = T::row(data, id);
                (chosen.sort_key(data, row), first.sort_key(data, row))
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

    fn sorted_headers(&self) -> Vec<(&'static str, &'static str)> {
        T::columns()
            .iter()
            .filter_map(|c| c.sort.as_ref().map(|s| (s.name, c.head.title)))
            .collect()
    }

    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &DrawCtx, view: &View) {
        let columns = T::columns();
        let mut title = title_spans(ctx, view, &self.sort_names());
        title.extend(T::title_extra(ctx));
        let inner = frame_with(frame, area, ctx.theme, title, view);
        let [table_area, detail_area] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(T::DETAIL_HEIGHT)])
                .areas(inner);
        let heads: Vec<table::Column> = columns.iter().map(|c| T::head(ctx.data, c.head)).collect();
        let table = PagedTable {
            columns: &heads,
            len: view.rows.len(),
            selected: view.selected,
            sort: sorted_column(columns, view.sort).map(|i| (i, view.sort.reverse)),
            empty: &empty_text::<T>(ctx.data, view),
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

/// What an empty table says: the pane's own words, or, when a filter hides every row, that
/// the filter matches none of them (`/zzzz matches none of the 12 rows`).
fn empty_text<T: Table>(data: &FleetData, view: &View) -> String {
    let all = || T::ids(data, view.scope.as_ref()).len();
    match view.filter.describe() {
        Some(filter) if view.rows.is_empty() && all() > 0 => {
            format!("{filter} matches none of the {} rows", all())
        }
        _ => T::empty(data).to_string(),
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
        Screen::Pane(id) => id.pane().draw(frame, area, ctx, view),
        Screen::HostDetail { .. } | Screen::ClaimDetail { .. } => {
            detail::draw(frame, area, ctx, view)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_are_named_once_each() {
        for (i, a) in PANES.iter().enumerate() {
            for b in &PANES[i + 1..] {
                assert_ne!(a.command(), b.command(), "two panes answer one `:` command");
                assert_ne!(a.title(), b.title(), "two tabs read alike");
            }
        }
        assert_eq!(PaneId::ALL.as_slice(), PANES);
    }

    /// A wall display cycles the overviews, which fit one screen, not the long tables (one
    /// row per host or claim): checked for every pane of the list on a fleet of 300 hosts, so
    /// a new pane is checked as it is declared.
    #[test]
    fn a_wall_display_cycles_the_overviews_not_the_long_tables() {
        use crate::generate::{GenerateConfig, generate};
        let fleet = crate::fleet::Fleet::build(generate(&GenerateConfig::new(300, 1)).objects);
        let data = FleetData::build(std::sync::Arc::new(fleet));
        const SCREEN: usize = 40;
        for &p in PANES {
            let rows = p
                .pane()
                .rows(&data, &View::new(Screen::Pane(p), None))
                .len();
            if p.on_wall() {
                assert!(rows <= SCREEN, "{p:?} is on the wall with {rows} rows");
            } else {
                assert!(rows > SCREEN, "{p:?} is off the wall with only {rows} rows");
            }
        }
        assert!(PANES.iter().any(|p| p.on_wall()));
    }

    /// A spec missing from the list gets no id: at compile time where a pane declares its id,
    /// here at run time.
    #[test]
    #[should_panic(expected = "missing from panes::SPECS")]
    fn a_pane_left_out_of_the_list_has_no_id() {
        let _ = PaneId::listed(&PaneSpec {
            title: "Left out",
            command: "left-out",
            help: "left out",
            wall: false,
            pane: &racks::Racks,
        });
    }

    #[test]
    fn tab_order_wraps_around_the_list() {
        let last = PANES[PANES.len() - 1];
        assert_eq!(last.step(1), PANES[0]);
        assert_eq!(PANES[0].step(-1), last);
        assert_eq!(PaneId::from_command("types"), Some(PaneId::Types));
        assert_eq!(PaneId::from_command("ctx"), None);
    }
}
