//! Hosts: every BareMetalHost (or those of a rack, NVLink domain or node type), filtered by
//! text or label selector, sorted by a column. Enter opens a host's details.

use crate::fleet::{Fleet, FleetView, HostId};
use crate::model::keys;
use crate::ui::app::App;
use crate::ui::data::FleetData;
use crate::ui::filter::Filter;
use crate::ui::natural::natural_key;
use crate::ui::nav::{Scope, Screen, View};
use crate::ui::widgets::table::{col, fill_col, name_col, whole_col};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub const SORT_COLUMNS: &[&str] = &["name", "state", "rack", "GPU model", "tenant", "held by"];

/// The hosts a scope narrows to; every host without one.
fn scoped(fleet: &Fleet, scope: Option<&Scope>) -> Vec<HostId> {
    let groups = fleet.groups();
    match scope {
        None | Some(Scope::Tenant(_)) => fleet.host_ids().collect(),
        Some(Scope::Rack(key)) => groups.racks.get(key).cloned().unwrap_or_default(),
        Some(Scope::NvlinkDomain(d)) => groups.nvlink_domains.get(d).cloned().unwrap_or_default(),
        Some(Scope::EligibleFor(name)) => fleet
            .types_named(name)
            .first()
            .map(|&t| fleet.eligible_hosts(t))
            .unwrap_or_default(),
    }
}

fn held_by(fleet: &Fleet, h: HostId) -> String {
    match &fleet.host(h).holder {
        Some(crate::fleet::Holder::Claim(c)) => fleet.claim(*c).key(),
        Some(crate::fleet::Holder::Unknown(key)) => format!("{key} (unknown)"),
        Some(crate::fleet::Holder::Ambiguous(claims)) => {
            format!("{} claims? (ambiguous)", claims.len())
        }
        None => String::new(),
    }
}

pub fn rows(data: &FleetData, view: &View) -> Vec<u32> {
    let fleet = data.fleet.as_ref();
    let mut hosts: Vec<HostId> = scoped(fleet, view.scope.as_ref())
        .into_iter()
        .filter(|&h| {
            let host = fleet.host(h);
            match &view.filter {
                Filter::None => true,
                Filter::Labels(q) => q.matches(host.labels()),
                f => {
                    let state = host.state.to_string();
                    let holder = held_by(fleet, h);
                    f.accepts(
                        [
                            host.name.as_str(),
                            state.as_str(),
                            host.label(keys::RACK).unwrap_or(""),
                            host.label(keys::GPU_MODEL).unwrap_or(""),
                            host.label(keys::TENANT).unwrap_or(""),
                            holder.as_str(),
                        ],
                        None,
                    )
                }
            }
        })
        .collect();
    let name = |h: &HostId| natural_key(&fleet.host(*h).name);
    match view.sort.column {
        1 => hosts.sort_by_cached_key(|h| (fleet.host(*h).state.to_string(), name(h))),
        2 => hosts.sort_by_cached_key(|h| {
            let host = fleet.host(*h);
            let label = |k| host.label(k).unwrap_or("").to_string();
            (
                label(keys::DATACENTER),
                natural_key(&label(keys::RACK)),
                name(h),
            )
        }),
        3 => hosts.sort_by_cached_key(|h| {
            let model = fleet.host(*h).label(keys::GPU_MODEL).unwrap_or("");
            (model.to_string(), name(h))
        }),
        4 => {
            hosts.sort_by_cached_key(|h| (data.host_tenant(*h).unwrap_or("").to_string(), name(h)))
        }
        5 => hosts.sort_by_cached_key(|h| (held_by(fleet, *h), name(h))),
        _ => hosts.sort_by_cached_key(name),
    }
    if view.sort.reverse {
        hosts.reverse();
    }
    hosts.into_iter().map(|h| h.0).collect()
}

pub fn key(data: &FleetData, row: u32) -> String {
    data.fleet
        .hosts()
        .get(row as usize)
        .map(|h| h.key().to_string())
        .unwrap_or_default()
}

pub fn drill(data: &FleetData, row: u32) -> Option<View> {
    let host = data.fleet.hosts().get(row as usize)?;
    Some(View::new(Screen::HostDetail(host.key()), None))
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View) {
    let data = &app.data;
    let fleet = data.fleet.as_ref();
    let theme = &app.theme;
    let ui = &theme.ui;
    let columns = [
        name_col("NAME", 10, 48),
        col("DC", 4, 16),
        col("RACK", 4, 12),
        whole_col("STATE"),
        col("MODEL", 5, 12),
        whole_col("GPU"),
        col("TENANT", 6, 24),
        name_col("HELD BY", 10, 48),
        whole_col("TYPES"),
        fill_col("ERROR", 5),
    ];
    let inner = super::pane_frame(frame, area, app, view);
    super::view_table(
        frame,
        inner,
        app,
        view,
        &columns,
        if fleet.hosts().is_empty() {
            "no hosts yet"
        } else {
            "no host matches"
        },
        |row| {
            let h = HostId(row);
            let host = fleet.host(h);
            let label = |k| host.label(k).unwrap_or("-");
            let class = data.class(h);
            let error = match (&host.state.error_type, &host.state.error_message) {
                (Some(t), Some(m)) => format!("{t}: {m}"),
                (Some(t), None) => t.clone(),
                (None, Some(m)) => m.clone(),
                (None, None) => String::new(),
            };
            let types = format!(
                "{}/{}",
                host.derived.matches.len(),
                host.derived.eligible.len()
            );
            // Marked hosts lead with a dot; the name column has room for it.
            let name = if app.marked.contains(&host.key()) {
                Line::from(vec![
                    Span::styled("● ", ui.key),
                    Span::raw(host.name.as_str()),
                ])
            } else {
                Line::from(host.name.as_str())
            };
            vec![
                name,
                Line::from(Span::styled(label(keys::DATACENTER), ui.muted)),
                Line::from(label(keys::RACK)),
                Line::from(Span::styled(host.state.to_string(), class.style(theme))),
                Line::from(label(keys::GPU_MODEL)),
                Line::from(host.derived.gpus.to_string()),
                Line::from(label(keys::TENANT)),
                Line::from(held_by(fleet, h)),
                Line::from(types),
                Line::from(Span::styled(error, ui.error)),
            ]
        },
    );
}
