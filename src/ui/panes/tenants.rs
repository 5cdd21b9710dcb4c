//! Tenants: hosts reserved by the `tenant` label, the tenant's own node types, its claims by
//! phase, GPUs in use against reserved, pending claims and reservation leaks.

use super::{Column, DrawCtx, PaneId, PaneSpec, RowList, SortBy, SortFrom, SortKey, Table};
use crate::fleet::NodeTypeId;
use crate::fleet::figures::{TenantFigures, tenant_figures};
use crate::fleet::lints::reserved_for;
use crate::format::thousands;
use crate::model::LabelQuery;
use crate::ui::data::FleetData;
use crate::ui::nav::{Scope, Screen, View};
use crate::ui::widgets::table::{count_cell, fill_col, name_col, whole_col};
use ratatui::text::{Line, Span};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// The tenants pane.
pub struct Tenants;

/// The tenants pane as the list of panes ([`super::SPECS`]) holds it.
pub(super) const SPEC: PaneSpec = PaneSpec {
    title: "Tenants",
    command: "tenants",
    help: "tenants",
    wall: true,
    pane: &Tenants,
};

#[allow(non_upper_case_globals)] // named as the enum variant it was, like the others
impl PaneId {
    /// The tenants: what each one claims and waits for.
    pub const Tenants: PaneId = PaneId::listed(&SPEC);
}

/// One tenant, as the pane shows it.
pub struct TenantRow {
    /// The tenant's name (the `tenant` host label, or a claim's project).
    pub name: String,
    /// Reserved hosts, hosts in use, eligible GPUs and claims by phase, as `summary`
    /// defines them.
    pub figures: TenantFigures,
    /// Node types that require `tenant=<name>`.
    pub node_types: Vec<NodeTypeId>,
    /// Reserved hosts that a type not requiring this tenant can claim.
    pub leaking_hosts: u32,
    /// The types that can claim its reserved hosts without requiring the tenant.
    pub leaking_types: BTreeSet<NodeTypeId>,
}

/// One row per tenant, in name order.
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

fn details<'a>(ctx: &DrawCtx<'a>, t: &'a TenantRow) -> Vec<Line<'a>> {
    let ui = &ctx.theme.ui;
    let fleet = &ctx.data.fleet;
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

/// A count of the tenant's, in `style` unless it is zero.
fn counted<'d>(
    ctx: &DrawCtx<'d>,
    n: u32,
    style: fn(&DrawCtx) -> ratatui::style::Style,
) -> Line<'d> {
    count_cell(n, style(ctx), ctx.theme.ui.muted)
}

static COLUMNS: &[Column<Tenants>] = &[
    Column {
        head: name_col("TENANT", 6, 32),
        text: Some(|_, t| Cow::Borrowed(t.name.as_str())),
        sort: Some(SortBy {
            name: "tenant",
            key: SortFrom::Key(|_, _| SortKey::Given),
        }),
        cell: |_, t| Line::from(t.name.as_str()),
    },
    Column {
        head: whole_col("RESERVED"),
        text: None,
        sort: None,
        cell: |_, t| Line::from(thousands(t.figures.reserved.hosts)),
    },
    Column {
        head: whole_col("GPUS USED/RESERVED"),
        text: None,
        sort: Some(SortBy {
            name: "GPUs in use",
            key: SortFrom::Key(|_, t| SortKey::most(t.figures.in_use.gpus)),
        }),
        cell: |_, t| {
            let f = &t.figures;
            Line::from(format!(
                "{}/{}",
                thousands(f.in_use.gpus),
                thousands(f.reserved.gpus)
            ))
        },
    },
    Column {
        head: whole_col("ELIGIBLE"),
        text: None,
        sort: None,
        cell: |ctx, t| counted(ctx, t.figures.eligible_gpus, |c| c.theme.host.free),
    },
    Column {
        head: whole_col("CLAIMS"),
        text: None,
        sort: None,
        cell: |_, t| Line::from(thousands(t.figures.claims.total)),
    },
    Column {
        head: whole_col("AVAIL"),
        text: None,
        sort: None,
        cell: |_, t| Line::from(thousands(t.figures.claims.available)),
    },
    Column {
        head: whole_col("PROV"),
        text: None,
        sort: None,
        cell: |ctx, t| counted(ctx, t.figures.claims.provisioning, |c| c.theme.host.busy),
    },
    Column {
        head: whole_col("PEND"),
        text: None,
        sort: Some(SortBy {
            name: "pending claims",
            key: SortFrom::Key(|_, t| SortKey::most(t.figures.claims.pending)),
        }),
        cell: |ctx, t| counted(ctx, t.figures.claims.pending, |c| c.theme.ui.warn),
    },
    Column {
        head: whole_col("FAIL"),
        text: None,
        sort: None,
        cell: |ctx, t| counted(ctx, t.figures.claims.failed, |c| c.theme.ui.error),
    },
    Column {
        head: whole_col("DEL"),
        text: None,
        sort: None,
        cell: |ctx, t| counted(ctx, t.figures.claims.deleting, |c| c.theme.ui.muted),
    },
    Column {
        head: whole_col("LEAKS"),
        text: None,
        sort: Some(SortBy {
            name: "leaks",
            key: SortFrom::Key(|_, t| SortKey::most(t.leaking_hosts)),
        }),
        cell: |ctx, t| counted(ctx, t.leaking_hosts, |c| c.theme.ui.error),
    },
    Column {
        head: fill_col("OWN TYPES", 8),
        // `/` matches the types' full names (below); the cell shows their short names.
        text: None,
        sort: None,
        cell: |ctx, t| {
            let fleet = &ctx.data.fleet;
            let names: Vec<&str> = t
                .node_types
                .iter()
                .map(|&ty| fleet.node_type(ty).short_name.as_str())
                .collect();
            Line::from(names.join(", "))
        },
    },
];

impl RowList for Tenants {
    type Item = TenantRow;

    fn list(data: &FleetData) -> &[TenantRow] {
        &data.tenants
    }
}

impl Table for Tenants {
    const DETAIL_HEIGHT: u16 = 4;
    /// Tenants have no labels of their own: `-l` is refused here rather than showing nothing.
    const TAKES_SELECTOR: bool = false;

    fn columns() -> &'static [Column<Self>] {
        COLUMNS
    }

    fn hidden_text<'d>(data: &'d FleetData, t: &'d TenantRow) -> Vec<Cow<'d, str>> {
        let fleet = &data.fleet;
        t.node_types
            .iter()
            .map(|&ty| Cow::Borrowed(fleet.node_type(ty).name.as_str()))
            .collect()
    }

    fn selects(_: &FleetData, _: &TenantRow, _: &LabelQuery) -> bool {
        false
    }

    fn key(_: &FleetData, t: &TenantRow) -> String {
        t.name.clone()
    }

    fn drill(_: &FleetData, t: &TenantRow) -> Option<View> {
        Some(View::new(
            Screen::Pane(PaneId::Machines),
            Some(Scope::Tenant(t.name.clone())),
        ))
    }

    fn empty(_: &FleetData) -> &'static str {
        "no tenants: no host has a tenant label and no claim a project"
    }

    fn details<'d>(ctx: &DrawCtx<'d>, t: &'d TenantRow) -> Vec<Line<'d>> {
        details(ctx, t)
    }
}
