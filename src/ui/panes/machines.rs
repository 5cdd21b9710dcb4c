//! Machines (NodeClaims): every claim or a tenant's, with stage, held host, drift and pin.
//! A label selector filter matches the labels of the host a claim holds.

use crate::fleet::{ClaimId, ClaimStage, Fleet};
use crate::ui::app::App;
use crate::ui::data::{DriftMark, FleetData};
use crate::ui::filter::Filter;
use crate::ui::nav::{Scope, Screen, View};
use crate::ui::theme::Theme;
use crate::ui::widgets::table::col;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};

pub const SORT_COLUMNS: &[&str] = &["name", "tenant", "node type", "stage", "host", "drift"];

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

fn host_name(fleet: &Fleet, c: ClaimId) -> &str {
    match fleet.claim(c).host {
        Some(h) => &fleet.host(h).name,
        None => "",
    }
}

/// The HOST cell: the linked host (`!` when its link has a problem), else a host only a
/// doubtful link names, else nothing.
fn host_cell(data: &FleetData, c: ClaimId) -> String {
    let fleet = data.fleet.as_ref();
    match fleet.claim(c).host {
        Some(h) if !fleet.host(h).link.problems.is_empty() => {
            format!("{} !", fleet.host(h).name)
        }
        Some(h) => fleet.host(h).name.clone(),
        None => data.unconfirmed_hosts.get(&c).cloned().unwrap_or_default(),
    }
}

pub fn stage_style(stage: ClaimStage, theme: &Theme) -> Style {
    match stage {
        ClaimStage::Available => theme.ui.ok,
        ClaimStage::Provisioning => theme.host.busy,
        ClaimStage::Pending => theme.ui.warn,
        ClaimStage::Failed => theme.ui.error,
        ClaimStage::Deleting => theme.ui.muted,
    }
}

pub fn rows(data: &FleetData, view: &View) -> Vec<u32> {
    let fleet = data.fleet.as_ref();
    let mut claims: Vec<ClaimId> = scoped(fleet, view.scope.as_ref())
        .into_iter()
        .filter(|&c| {
            let claim = fleet.claim(c);
            match &view.filter {
                Filter::None => true,
                Filter::Labels(q) => claim
                    .host
                    .is_some_and(|h| q.matches(fleet.host(h).labels())),
                f => f.accepts(
                    [
                        claim.name.as_str(),
                        claim.namespace.as_str(),
                        claim.tenant.as_str(),
                        claim.vcluster.as_deref().unwrap_or(""),
                        type_name(fleet, c),
                        host_name(fleet, c),
                        claim.stage.as_str(),
                    ],
                    None,
                ),
            }
        })
        .collect();
    let key = |c: &ClaimId| {
        let claim = fleet.claim(*c);
        (claim.namespace.clone(), claim.name.clone())
    };
    match view.sort.column {
        1 => claims.sort_by_cached_key(|c| (fleet.claim(*c).tenant.clone(), key(c))),
        2 => claims.sort_by_cached_key(|c| (type_name(fleet, *c).to_string(), key(c))),
        3 => claims.sort_by_cached_key(|c| (fleet.claim(*c).stage, key(c))),
        4 => claims.sort_by_cached_key(|c| (host_name(fleet, *c).to_string(), key(c))),
        5 => claims.sort_by_cached_key(|c| (std::cmp::Reverse(data.drift(*c)), key(c))),
        _ => claims.sort_by_cached_key(key),
    }
    if view.sort.reverse {
        claims.reverse();
    }
    claims.into_iter().map(|c| c.0).collect()
}

pub fn key(data: &FleetData, row: u32) -> String {
    data.fleet
        .claims()
        .get(row as usize)
        .map(|c| c.key())
        .unwrap_or_default()
}

pub fn drill(data: &FleetData, row: u32) -> Option<View> {
    let claim = data.fleet.claims().get(row as usize)?;
    Some(View::new(
        Screen::ClaimDetail {
            namespace: claim.namespace.clone(),
            name: claim.name.clone(),
        },
        None,
    ))
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View) {
    let data = &app.data;
    let fleet = data.fleet.as_ref();
    let theme = &app.theme;
    let ui = &theme.ui;
    let columns = [
        col("NAME", Constraint::Length(26)),
        col("TENANT", Constraint::Length(16)),
        col("VCLUSTER", Constraint::Length(14)),
        col("NODE TYPE", Constraint::Length(34)),
        col("STAGE", Constraint::Length(12)),
        col("HOST", Constraint::Length(18)),
        col("GPU", Constraint::Length(3)),
        col("DRIFT", Constraint::Length(7)),
        col("PIN", Constraint::Min(6)),
    ];
    let inner = super::pane_frame(frame, area, app, view);
    super::view_table(
        frame,
        inner,
        app,
        view,
        &columns,
        if fleet.claims().is_empty() {
            "no machines (NodeClaims) yet"
        } else {
            "no machine matches"
        },
        |row| {
            let c = ClaimId(row);
            let claim = fleet.claim(c);
            let gpus = claim
                .host
                .map(|h| fleet.host(h).derived.gpus.to_string())
                .unwrap_or_default();
            let drift = data.drift(c);
            Row::new(vec![
                Cell::from(claim.name.as_str()),
                Cell::from(claim.tenant.as_str()),
                Cell::from(Span::styled(
                    claim.vcluster.as_deref().unwrap_or("(none)"),
                    if claim.vcluster.is_some() {
                        ui.text
                    } else {
                        ui.muted
                    },
                )),
                Cell::from(type_name(fleet, c)),
                Cell::from(Span::styled(
                    claim.stage.as_str(),
                    stage_style(claim.stage, theme),
                )),
                Cell::from(host_cell(data, c)),
                Cell::from(gpus),
                Cell::from(Span::styled(
                    drift.label(),
                    if matches!(
                        drift,
                        DriftMark::Drifted | DriftMark::RollingOver | DriftMark::VerdictsDiffer
                    ) {
                        ui.warn
                    } else {
                        ui.muted
                    },
                )),
                Cell::from(claim.pin.as_deref().unwrap_or("")),
            ])
        },
    );
}
