//! Racks: per site (a Metal3 cluster's datacenter) a grid of racks under one heading, each
//! host one cell coloured by state and marked by tenant or GPU model, with free/total GPUs
//! per rack. Rack labels repeat across sites (`r01` everywhere), so the heading says whose.

use super::{DrawCtx, Pane, PaneId, PaneSpec};
use crate::fleet::summary::{count_hosts, is_unlabelled};
use crate::fleet::{Fleet, HostId, RackKey};
use crate::format::{counted, thousands};
use crate::model::keys;
use crate::ui::data::FleetData;
use crate::ui::filter::Filter;
use crate::ui::host_class::HostClass;
use crate::ui::marks::MarkBy;
use crate::ui::natural::natural_key;
use crate::ui::nav::{Scope, Screen, View};
use crate::ui::widgets::safe;
use crate::ui::widgets::table::page_start;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The rack grid pane: racks in site (cluster, datacenter) and rack order, not a sortable
/// table.
pub struct Racks;

/// The racks pane as the list of panes ([`super::SPECS`]) holds it.
pub(super) const SPEC: PaneSpec = PaneSpec {
    title: "Racks",
    command: "racks",
    help: "racks",
    wall: true,
    pane: &Racks,
};

#[allow(non_upper_case_globals)] // named as the enum variant it was, like the others
impl PaneId {
    /// The racks of every datacenter, each host a cell.
    pub const Racks: PaneId = PaneId::listed(&SPEC);
}

/// One rack of the grid.
pub struct RackRow {
    /// The rack: its hosts' Metal3 cluster, `datacenter` label and `rack` label.
    pub key: RackKey,
    /// The key as written (`cluster/datacenter/rack`): what `/` matches and the selection keeps.
    pub name: String,
    /// Its hosts, in natural name order.
    pub hosts: Vec<HostId>,
    /// GPUs on its hosts.
    pub gpus_total: u32,
    /// GPUs on its free hosts.
    pub gpus_free: u32,
    /// GPUs on its claimed hosts.
    pub gpus_claimed: u32,
    /// Hosts in an error state.
    pub hosts_in_error: u32,
}

/// One row per rack, by site (cluster, then datacenter) then natural rack order; within a
/// cluster, unlabelled datacenters and racks last.
pub fn build(data: &FleetData) -> Vec<RackRow> {
    let fleet: &Fleet = &data.fleet;
    let mut racks: Vec<RackRow> = fleet
        .groups()
        .racks
        .iter()
        .map(|(key, hosts)| {
            let mut hosts = hosts.clone();
            hosts.sort_by_cached_key(|h| natural_key(&fleet.host(*h).name));
            let name = key.to_string();
            let counts = count_hosts(fleet, &name, hosts.iter().copied());
            RackRow {
                key: key.clone(),
                name,
                hosts,
                gpus_total: counts.gpus_total,
                gpus_free: counts.gpus_free,
                gpus_claimed: counts.gpus_claimed,
                hosts_in_error: counts.hosts_in_error,
            }
        })
        .collect();
    // Hosts without datacenter or rack labels come last: the racks are what people look for.
    racks.sort_by_cached_key(|r| {
        (
            r.key.cluster.clone(),
            is_unlabelled(&r.key.datacenter),
            r.key.datacenter.clone(),
            is_unlabelled(&r.key.rack),
            natural_key(&r.key.rack),
        )
    });
    racks
}

/// Most hosts drawn per rack; a taller rack ends in `+`.
const MAX_CELLS: usize = 40;

/// One line of the grid: a site's heading, or racks `rows[from..to]` side by side.
enum GridLine {
    Heading(usize),
    Racks(usize, usize),
}

struct Geometry {
    name_w: usize,
    cells_w: usize,
    count_w: usize,
    per_line: usize,
}

impl Geometry {
    fn of(data: &FleetData, rows: &[u32], width: u16) -> Geometry {
        let racks = rows.iter().filter_map(|&r| data.racks.get(r as usize));
        let (mut name_w, mut cells_w, mut total) = (1, 1, 0);
        for r in racks {
            name_w = name_w.max(r.key.rack.chars().count());
            cells_w = cells_w.max(r.hosts.len().min(MAX_CELLS));
            total = total.max(r.gpus_total);
        }
        let count_w = thousands(total).len();
        let cell = name_w + 1 + cells_w + 1 + count_w * 2 + 1 + 2;
        Geometry {
            name_w,
            cells_w,
            count_w,
            per_line: (usize::from(width) / cell).max(1),
        }
    }
}

fn grid_lines(data: &FleetData, rows: &[u32], per_line: usize) -> Vec<GridLine> {
    let mut lines = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let site = same_site(&data.racks[rows[i] as usize].key);
        lines.push(GridLine::Heading(i));
        let end = rows[i..]
            .iter()
            .position(|&r| !site(&data.racks[r as usize].key))
            .map_or(rows.len(), |n| i + n);
        let mut from = i;
        while from < end {
            let to = (from + per_line).min(end);
            lines.push(GridLine::Racks(from, to));
            from = to;
        }
        i = end;
    }
    lines
}

/// Whether a rack stands in the same site (cluster and datacenter) as `key`.
fn same_site(key: &RackKey) -> impl Fn(&RackKey) -> bool + '_ {
    move |other| other.cluster == key.cluster && other.datacenter == key.datacenter
}

/// A site's heading: its datacenter, its Metal3 cluster when it has one, and its figures.
fn heading<'a>(ctx: &DrawCtx<'a>, site: &RackKey) -> Line<'a> {
    let data = &ctx.data;
    let ui = &ctx.theme.ui;
    let mut racks = 0u32;
    let (mut hosts, mut total, mut free, mut claimed, mut errors) = (0usize, 0, 0, 0, 0);
    let in_site = same_site(site);
    for r in data.racks.iter().filter(|r| in_site(&r.key)) {
        racks += 1;
        hosts += r.hosts.len();
        total += r.gpus_total;
        free += r.gpus_free;
        claimed += r.gpus_claimed;
        errors += r.hosts_in_error;
    }
    let mut spans = vec![Span::styled(format!("{} ", site.datacenter), ui.title)];
    if !site.cluster.is_empty() {
        spans.push(Span::styled("in ", ui.muted));
        spans.push(Span::styled(format!("{} ", site.cluster), ui.text));
    }
    spans.extend([
        Span::styled(
            format!(
                "· {} · {} · GPUs {} · ",
                counted(racks, "rack", "racks"),
                counted(hosts as u64, "host", "hosts"),
                thousands(total)
            ),
            ui.muted,
        ),
        Span::styled(format!("{} free", thousands(free)), ctx.theme.host.free),
        Span::styled(format!(" · {} claimed", thousands(claimed)), ui.muted),
    ]);
    if errors > 0 {
        spans.push(Span::styled(
            format!(" · {errors} in error"),
            ctx.theme.ui.error,
        ));
    }
    if let Some(why) = ctx.stale_clusters.get(&site.cluster) {
        spans.push(Span::styled(
            format!(" · STALE: {why}, last known state"),
            ctx.theme.ui.error,
        ));
    }
    Line::from(spans)
}

/// A host's letter: its tenant's or GPU model's; without one, `+` for a free host (what
/// people scan for) and `.` for the rest. ASCII, so every terminal draws one cell.
fn host_mark(ctx: &DrawCtx, h: HostId) -> char {
    let data = &ctx.data;
    let mark = match ctx.marks {
        MarkBy::Tenant => data
            .host_tenant(h)
            .map_or(crate::ui::marks::UNMARKED, |t| data.tenant_marks.get(t)),
        MarkBy::Model => data
            .fleet
            .host(h)
            .label(keys::GPU_MODEL)
            .map_or(crate::ui::marks::UNMARKED, |m| data.model_marks.get(m)),
    };
    match (mark, data.class(h)) {
        (crate::ui::marks::UNMARKED, HostClass::Free) => '+',
        (crate::ui::marks::UNMARKED, _) => '.',
        (m, _) => m,
    }
}

fn rack_spans<'a>(
    ctx: &DrawCtx<'a>,
    r: &'a RackRow,
    g: &Geometry,
    selected: bool,
) -> Vec<Span<'a>> {
    let ui = &ctx.theme.ui;
    let name_style = if selected { ui.selected } else { ui.text };
    let mut spans = vec![Span::styled(
        format!("{:<w$}", r.key.rack, w = g.name_w),
        name_style,
    )];
    spans.push(Span::raw(" "));
    let shown = if r.hosts.len() > MAX_CELLS {
        MAX_CELLS - 1
    } else {
        r.hosts.len()
    };
    for &h in &r.hosts[..shown] {
        let class = ctx.data.class(h);
        spans.push(Span::styled(
            host_mark(ctx, h).to_string(),
            class.style(ctx.theme),
        ));
    }
    if shown < r.hosts.len() {
        spans.push(Span::styled("+", ui.muted));
    }
    let drawn = shown + usize::from(shown < r.hosts.len());
    spans.push(Span::raw(" ".repeat(g.cells_w - drawn.min(g.cells_w) + 1)));
    let free_style = if r.gpus_free > 0 {
        ctx.theme.host.free
    } else {
        ui.muted
    };
    spans.push(Span::styled(
        format!("{:>w$}", thousands(r.gpus_free), w = g.count_w),
        free_style,
    ));
    spans.push(Span::styled(
        format!("/{:<w$}", thousands(r.gpus_total), w = g.count_w),
        ui.muted,
    ));
    spans.push(Span::raw("  "));
    spans
}

fn legend<'a>(ctx: &DrawCtx<'a>) -> Line<'a> {
    let ui = &ctx.theme.ui;
    let mut spans = vec![Span::styled("cells: ", ui.muted)];
    for class in HostClass::ALL {
        spans.push(Span::styled("■", class.style(ctx.theme)));
        spans.push(Span::styled(format!(" {}  ", class.label()), ui.muted));
    }
    let by = match ctx.marks {
        MarkBy::Tenant => "tenant",
        MarkBy::Model => "GPU model",
    };
    spans.push(Span::styled(
        format!("letter = {by} (m), + free  ·  numbers: free/total GPUs"),
        ui.muted,
    ));
    Line::from(spans)
}

fn marks_legend<'a>(ctx: &DrawCtx<'a>, width: u16) -> Line<'a> {
    let ui = &ctx.theme.ui;
    let marks = match ctx.marks {
        MarkBy::Tenant => &ctx.data.tenant_marks,
        MarkBy::Model => &ctx.data.model_marks,
    };
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (mark, name) in marks.legend() {
        let text = format!("{mark} {name}  ");
        used += text.chars().count();
        if used > usize::from(width) {
            spans.push(Span::styled("…", ui.muted));
            break;
        }
        spans.push(Span::styled(mark.to_string(), ui.key));
        spans.push(Span::styled(format!(" {name}  "), ui.muted));
    }
    Line::from(spans)
}

impl Pane for Racks {
    fn rows(&self, data: &FleetData, view: &View) -> Vec<u32> {
        let fleet = &data.fleet;
        let filter = &view.filter;
        (0..data.racks.len() as u32)
            .filter(|&i| {
                let r = &data.racks[i as usize];
                match filter {
                    Filter::Labels(q) => r.hosts.iter().any(|&h| q.matches(fleet.host(h).labels())),
                    _ => filter.accepts(
                        std::iter::once(r.name.as_str())
                            .chain(r.hosts.iter().filter_map(|&h| data.host_tenant(h))),
                        None,
                    ),
                }
            })
            .collect()
    }

    fn key(&self, data: &FleetData, row: u32) -> String {
        data.racks
            .get(row as usize)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    }

    fn drill(&self, data: &FleetData, row: u32) -> Option<View> {
        let rack = data.racks.get(row as usize)?;
        Some(View::new(
            Screen::Pane(PaneId::Hosts),
            Some(Scope::Rack(rack.key.clone())),
        ))
    }

    /// The rack grid keeps rack order.
    fn sort_names(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn fixed_order(&self) -> &'static str {
        "the rack grid keeps rack order; sort the hosts table instead"
    }

    fn draw(&self, frame: &mut Frame, area: Rect, ctx: &DrawCtx, view: &View) {
        let data = &ctx.data;
        let title = super::title_spans(ctx, view, &[]);
        let inner = super::frame_with(frame, area, ctx.theme, title, view);
        if inner.height == 0 {
            return;
        }
        let g = Geometry::of(data, &view.rows, inner.width);
        let lines = grid_lines(data, &view.rows, g.per_line);
        let header_h = 1u16;
        let footer_h = u16::from(inner.height > 4);
        let grid_h = usize::from(inner.height.saturating_sub(header_h + footer_h)).max(1);
        let selected_line = lines
            .iter()
            .position(
                |l| matches!(l, GridLine::Racks(from, to) if (*from..*to).contains(&view.selected)),
            )
            .unwrap_or(0);
        let start = page_start(selected_line, grid_h);
        let mut text: Vec<Line> = vec![legend(ctx)];
        if view.rows.is_empty() {
            text.push(Line::styled(
                if data.racks.is_empty() {
                    "no hosts with a rack label yet"
                } else {
                    "no rack matches the filter"
                },
                ctx.theme.ui.muted,
            ));
        }
        for line in lines.iter().skip(start).take(grid_h) {
            text.push(match *line {
                GridLine::Heading(i) => heading(ctx, &data.racks[view.rows[i] as usize].key),
                GridLine::Racks(from, to) => Line::from(
                    (from..to)
                        .flat_map(|i| {
                            let r = &data.racks[view.rows[i] as usize];
                            rack_spans(ctx, r, &g, i == view.selected && ctx.highlight)
                        })
                        .collect::<Vec<_>>(),
                ),
            });
        }
        frame.render_widget(Paragraph::new(safe::lines(text)), inner);
        if footer_h > 0 {
            let bottom = Rect {
                y: inner.y + inner.height - 1,
                height: 1,
                ..inner
            };
            frame.render_widget(Paragraph::new(marks_legend(ctx, inner.width)), bottom);
        }
    }
}
