//! Machines (NodeClaims): every claim or a tenant's, with stage, held host, drift and pin.
//! A label selector filter matches the labels of the host a claim holds.

use super::{Column, PaneId, PaneSpec, Rows, SortBy, SortFrom, SortKey, Table};
use crate::fleet::{ClaimId, ClaimStage, Fleet};
use crate::model::LabelQuery;
use crate::ui::data::{DriftMark, FleetData};
use crate::ui::nav::{Scope, Screen, View};
use crate::ui::theme::Theme;
use crate::ui::widgets::table::{col, fill_col, name_col, path_col, whole_col};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::borrow::Cow;

/// The machines (NodeClaims) pane.
pub struct Machines;

/// The machines pane as the list of panes ([`super::SPECS`]) holds it.
pub(super) const SPEC: PaneSpec = PaneSpec {
    title: "Machines",
    command: "machines",
    help: "machines (NodeClaims)",
    wall: false,
    pane: &Machines,
};

#[allow(non_upper_case_globals)] // named as the enum variant it was, like the others
impl PaneId {
    /// Every machine (NodeClaim), one per row.
    pub const Machines: PaneId = PaneId::listed(&SPEC);
}

fn scoped(fleet: &Fleet, scope: Option<&Scope>) -> Vec<ClaimId> {
    match scope {
        Some(Scope::Tenant(t)) => fleet
            .groups()
            .tenants
            .get(t)
            .map(|t| t.claims.clone())
            .unwrap_or_default(),
        _ => fleet.claim_ids().collect(),
    }
}

fn type_name(fleet: &Fleet, c: ClaimId) -> &str {
    let claim = fleet.claim(c);
    match claim.node_type {
        Some(t) => &fleet.node_type(t).name,
        None => claim.type_ref.as_deref().unwrap_or(""),
    }
}

/// The claim's host as people read it ([`Fleet::shown_name`]), empty when it has none.
fn host_name(fleet: &Fleet, c: ClaimId) -> String {
    match fleet.claim(c).host {
        Some(h) => fleet.shown_name(h),
        None => String::new(),
    }
}

/// The HOST cell: the linked host (`!` when its link has a problem), else a host only a
/// doubtful link names, else nothing.
fn host_cell(data: &FleetData, c: ClaimId) -> String {
    let fleet = data.fleet.as_ref();
    match fleet.claim(c).host {
        Some(h) if !fleet.host(h).link.problems.is_empty() => {
            format!("{} !", fleet.shown_name(h))
        }
        Some(h) => fleet.shown_name(h),
        None => data.unconfirmed_hosts.get(&c).cloned().unwrap_or_default(),
    }
}

/// The style a claim's stage is drawn in (the STAGE column, the claim's details).
pub fn stage_style(stage: ClaimStage, theme: &Theme) -> Style {
    match stage {
        ClaimStage::Available => theme.ui.ok,
        ClaimStage::Provisioning => theme.host.busy,
        ClaimStage::Pending => theme.ui.warn,
        ClaimStage::Failed => theme.ui.error,
        ClaimStage::Deleting => theme.ui.muted,
    }
}

static COLUMNS: &[Column<Machines>] = &[
    Column {
        head: name_col("NAME", 10, 48),
        text: Some(|d, c| Cow::Borrowed(d.fleet.claim(c).name.as_str())),
        sort: Some(SortBy {
            name: "name",
            key: SortFrom::Key(|d, c| {
                let claim = d.fleet.claim(c);
                SortKey::Texts(vec![claim.namespace.clone(), claim.name.clone()])
            }),
        }),
        cell: |ctx, c| Line::from(ctx.data.fleet.claim(c).name.as_str()),
    },
    Column {
        head: col("TENANT", 6, 24),
        text: Some(|d, c| Cow::Borrowed(d.fleet.claim(c).tenant.as_str())),
        sort: Some(SortBy {
            name: "tenant",
            key: SortFrom::Key(|d, c| SortKey::Text(d.fleet.claim(c).tenant.clone())),
        }),
        cell: |ctx, c| Line::from(ctx.data.fleet.claim(c).tenant.as_str()),
    },
    Column {
        head: col("VCLUSTER", 6, 24),
        text: Some(|d, c| Cow::Borrowed(d.fleet.claim(c).vcluster.as_deref().unwrap_or(""))),
        sort: None,
        cell: |ctx, c| {
            let vcluster = ctx.data.fleet.claim(c).vcluster.as_deref();
            let ui = &ctx.theme.ui;
            Line::from(match vcluster {
                Some(v) => Span::styled(v, ui.text),
                None => Span::styled("(none)", ui.muted),
            })
        },
    },
    Column {
        head: name_col("NODE TYPE", 10, 48),
        text: Some(|d, c| Cow::Borrowed(type_name(&d.fleet, c))),
        sort: Some(SortBy {
            name: "node type",
            key: SortFrom::Key(|d, c| SortKey::Text(type_name(&d.fleet, c).to_string())),
        }),
        cell: |ctx, c| Line::from(type_name(&ctx.data.fleet, c)),
    },
    Column {
        head: whole_col("STAGE"),
        text: Some(|d, c| Cow::Borrowed(d.fleet.claim(c).stage.as_str())),
        sort: Some(SortBy {
            name: "stage",
            key: SortFrom::Key(|d, c| SortKey::Least(d.fleet.claim(c).stage as i64)),
        }),
        cell: |ctx, c| {
            let stage = ctx.data.fleet.claim(c).stage;
            Line::from(Span::styled(stage.as_str(), stage_style(stage, ctx.theme)))
        },
    },
    Column {
        // `cluster/name` in a fleet of several clusters: the name stays whole.
        head: path_col("HOST", 10, 48),
        text: Some(|d, c| Cow::Owned(host_name(&d.fleet, c))),
        sort: Some(SortBy {
            name: "host",
            key: SortFrom::Key(|d, c| SortKey::Text(host_name(&d.fleet, c))),
        }),
        cell: |ctx, c| Line::from(host_cell(ctx.data, c)),
    },
    Column {
        head: whole_col("GPU"),
        text: None,
        sort: None,
        cell: |ctx, c| {
            let fleet = &ctx.data.fleet;
            let gpus = fleet.claim(c).host.map(|h| fleet.host(h).derived.gpus);
            Line::from(gpus.map(|g| g.to_string()).unwrap_or_default())
        },
    },
    Column {
        head: whole_col("DRIFT"),
        text: None,
        sort: Some(SortBy {
            name: "drift",
            key: SortFrom::Key(|d, c| SortKey::most(d.drift(c) as i64)),
        }),
        cell: |ctx, c| {
            let drift = ctx.data.drift(c);
            let ui = &ctx.theme.ui;
            let loud = matches!(
                drift,
                DriftMark::Drifted | DriftMark::RollingOver | DriftMark::VerdictsDiffer
            );
            Line::from(Span::styled(
                drift.label(),
                if loud { ui.warn } else { ui.muted },
            ))
        },
    },
    Column {
        head: fill_col("PIN", 3),
        text: None,
        sort: None,
        cell: |ctx, c| Line::from(ctx.data.fleet.claim(c).pin.as_deref().unwrap_or("")),
    },
];

impl Rows for Machines {
    type Row<'d> = ClaimId;

    fn row(_: &FleetData, id: u32) -> ClaimId {
        ClaimId(id)
    }

    fn ids(data: &FleetData, scope: Option<&Scope>) -> Vec<u32> {
        scoped(&data.fleet, scope)
            .into_iter()
            .map(|c| c.0)
            .collect()
    }
}

impl Table for Machines {
    fn columns() -> &'static [Column<Self>] {
        COLUMNS
    }

    fn hidden_text(data: &FleetData, c: ClaimId) -> Vec<Cow<'_, str>> {
        vec![Cow::Borrowed(data.fleet.claim(c).namespace.as_str())]
    }

    /// A selector matches the labels of the host a claim holds.
    fn selects(data: &FleetData, c: ClaimId, query: &LabelQuery) -> bool {
        let fleet = &data.fleet;
        fleet
            .claim(c)
            .host
            .is_some_and(|h| query.matches(fleet.host(h).labels()))
    }

    fn key(data: &FleetData, c: ClaimId) -> String {
        data.fleet
            .claims()
            .get(c.0 as usize)
            .map(|c| c.key())
            .unwrap_or_default()
    }

    fn drill(data: &FleetData, c: ClaimId) -> Option<View> {
        let claim = data.fleet.claims().get(c.0 as usize)?;
        Some(View::new(
            Screen::ClaimDetail {
                namespace: claim.namespace.clone(),
                name: claim.name.clone(),
            },
            None,
        ))
    }

    fn empty(data: &FleetData) -> &'static str {
        if data.fleet.claims().is_empty() {
            "no machines (NodeClaims) yet"
        } else {
            "no machine matches"
        }
    }
}
