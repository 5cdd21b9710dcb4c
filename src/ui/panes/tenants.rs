//! Tenants: hosts reserved by the `tenant` label, the tenant's own node types, its claims by
//! phase, GPUs in use against reserved, pending claims and reservation leaks.

use crate::fleet::NodeTypeId;
use crate::fleet::figures::{TenantFigures, tenant_figures};
use crate::fleet::lints::reserved_for;
use crate::ui::action::PaneId;
use crate::ui::app::App;
use crate::ui::data::{FleetData, thousands};
use crate::ui::filter::Filter;
use crate::ui::nav::{Scope, Screen, Sort, View};
use crate::ui::widgets::table::{col, count_cell};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};
use std::collections::BTreeSet;

pub struct TenantRow {
    pub name: String,
    /// Reserved hosts, hosts in use, eligible GPUs and claims by phase, as `summary`
    /// defines them.
    pub figures: TenantFigures,
    pub node_types: Vec<NodeTypeId>,
    /// Reserved hosts that a type not requiring this tenant can claim.
    pub leaking_hosts: u32,
    pub leaking_types: BTreeSet<NodeTypeId>,
}

pub fn build(data: &FleetData) -> Vec<TenantRow> {
    let fleet = data.fleet.as_ref();
    fleet
        .groups()
        .tenants
        .iter()
        .map(|(name, t)| {
            let mut leaking_types = BTreeSet::new();
            let mut leaking_hosts = 0;
            for &h in &t.reserved_hosts {
                let mut leaks = false;
                for &ty in &fleet.host(h).derived.matches {
                    if !reserved_for(fleet, ty, name) {
                        leaking_types.insert(ty);
                        leaks = true;
                    }
                }
                leaking_hosts += u32::from(leaks);
            }
            TenantRow {
                name: name.clone(),
                figures: tenant_figures(fleet, name),
                node_types: t.node_types.clone(),
                leaking_hosts,
                leaking_types,
            }
        })
        .collect()
}

pub const SORT_COLUMNS: &[&str] = &["tenant", "GPUs in use", "pending claims", "leaks"];

pub fn rows(data: &FleetData, filter: &Filter, sort: Sort) -> Vec<u32> {
    let fleet = &data.fleet;
    let mut rows: Vec<u32> = (0..data.tenants.len() as u32)
        .filter(|&i| {
            let t = &data.tenants[i as usize];
            filter.accepts(
                std::iter::once(t.name.as_str()).chain(
                    t.node_types
                        .iter()
                        .map(|&ty| fleet.node_type(ty).name.as_str()),
                ),
                None,
            )
        })
        .collect();
    let t = |i: &u32| &data.tenants[*i as usize];
    match sort.column {
        1 => rows.sort_by_key(|i| std::cmp::Reverse(t(i).figures.in_use.gpus)),
        2 => rows.sort_by_key(|i| std::cmp::Reverse(t(i).figures.claims.pending)),
        3 => rows.sort_by_key(|i| std::cmp::Reverse(t(i).leaking_hosts)),
        _ => {}
    }
    if sort.reverse {
        rows.reverse();
    }
    rows
}

pub fn key(data: &FleetData, row: u32) -> String {
    data.tenants
        .get(row as usize)
        .map(|t| t.name.clone())
        .unwrap_or_default()
}

pub fn drill(data: &FleetData, row: u32) -> Option<View> {
    let t = data.tenants.get(row as usize)?;
    Some(View::new(
        Screen::Pane(PaneId::Machines),
        Some(Scope::Tenant(t.name.clone())),
    ))
}

fn details<'a>(app: &'a App, t: &'a TenantRow) -> Vec<Line<'a>> {
    let ui = &app.theme.ui;
    let fleet = &app.data.fleet;
    let types: Vec<&str> = t
        .node_types
        .iter()
        .map(|&ty| fleet.node_type(ty).name.as_str())
        .collect();
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", t.name), ui.title),
        Span::styled("own node types: ", ui.muted),
        Span::raw(if types.is_empty() {
            "none (uses shared types only)".to_string()
        } else {
            types.join(", ")
        }),
    ])];
    if t.leaking_hosts > 0 {
        let leaking: Vec<&str> = t
            .leaking_types
            .iter()
            .map(|&ty| fleet.node_type(ty).name.as_str())
            .collect();
        lines.push(Line::from(vec![
            Span::styled("reservation leak: ", ui.error),
            Span::raw(format!(
                "{} reserved hosts can be claimed by {}, which do not require tenant={}",
                t.leaking_hosts,
                leaking.join(", "),
                t.name
            )),
        ]));
    }
    let pending = t.figures.claims.pending;
    if pending > 0 {
        lines.push(Line::from(vec![
            Span::styled("pending: ", ui.warn),
            Span::raw(format!(
                "{} waiting for a server (not an error; Enter lists the tenant's machines)",
                match pending {
                    1 => "1 claim".to_string(),
                    n => format!("{n} claims"),
                }
            )),
        ]));
    }
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View) {
    let data = &app.data;
    let fleet = data.fleet.as_ref();
    let theme = &app.theme;
    let ui = &theme.ui;
    let columns = [
        col("TENANT", Constraint::Length(18)),
        col("RESERVED", Constraint::Length(8)),
        col("GPUS USED/RESERVED", Constraint::Length(18)),
        col("ELIGIBLE", Constraint::Length(8)),
        col("CLAIMS", Constraint::Length(6)),
        col("AVAIL", Constraint::Length(6)),
        col("PROV", Constraint::Length(5)),
        col("PEND", Constraint::Length(5)),
        col("FAIL", Constraint::Length(5)),
        col("DEL", Constraint::Length(4)),
        col("LEAKS", Constraint::Length(5)),
        col("OWN TYPES", Constraint::Min(10)),
    ];
    let inner = super::pane_frame(frame, area, app, view);
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(4)]).areas(inner);
    super::view_table(
        frame,
        table_area,
        app,
        view,
        &columns,
        "no tenants: no host has a tenant label and no claim a project",
        |row| {
            let t = &data.tenants[row as usize];
            let f = &t.figures;
            let used = format!(
                "{}/{}",
                thousands(f.in_use.gpus),
                thousands(f.reserved.gpus)
            );
            Row::new(vec![
                Cell::from(t.name.as_str()),
                Cell::from(thousands(f.reserved.hosts)),
                Cell::from(used),
                count_cell(f.eligible_gpus, theme.host.free, ui.muted),
                Cell::from(thousands(f.claims.total)),
                Cell::from(thousands(f.claims.available)),
                count_cell(f.claims.provisioning, theme.host.busy, ui.muted),
                count_cell(f.claims.pending, ui.warn, ui.muted),
                count_cell(f.claims.failed, ui.error, ui.muted),
                count_cell(f.claims.deleting, ui.muted, ui.muted),
                count_cell(t.leaking_hosts, ui.error, ui.muted),
                Cell::from(
                    t.node_types
                        .iter()
                        .map(|&ty| fleet.node_type(ty).short_name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ])
        },
    );
    if let Some(t) = view
        .selected_row()
        .and_then(|r| data.tenants.get(r as usize))
    {
        frame.render_widget(
            Paragraph::new(details(app, t)).wrap(Wrap { trim: true }),
            detail_area,
        );
    }
}
