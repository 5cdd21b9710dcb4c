//! Hosts: every BareMetalHost (or those of a rack, NVLink domain or node type), filtered by
//! text or label selector, sorted by a column. Enter opens a host's details.

use super::{
    Column, DC, DrawCtx, PaneId, PaneSpec, Rows, SortBy, SortFrom, SortKey, Table, site_head,
    site_text,
};
use crate::fleet::{Fleet, FleetView, HostId};
use crate::model::LabelQuery;
use crate::model::keys;
use crate::ui::data::FleetData;
use crate::ui::natural::natural_key;
use crate::ui::nav::{Scope, Screen, View};
use crate::ui::widgets::table::{col, fill_col, name_col, whole_col};
use ratatui::text::{Line, Span};
use std::borrow::Cow;

/// The hosts pane.
pub struct Hosts;

/// The hosts pane as the list of panes ([`super::SPECS`]) holds it.
pub(super) const SPEC: PaneSpec = PaneSpec {
    title: "Hosts",
    command: "hosts",
    help: "hosts",
    wall: false,
    pane: &Hosts,
};

#[allow(non_upper_case_globals)] // named as the enum variant it was, like the others
impl PaneId {
    /// Every host, one per row.
    pub const Hosts: PaneId = PaneId::listed(&SPEC);
}

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

/// A label's value, for `/` and sorting (empty when unset).
fn label<'d>(data: &'d FleetData, h: HostId, key: &str) -> Cow<'d, str> {
    Cow::Borrowed(data.fleet.host(h).label(key).unwrap_or(""))
}

/// A label's value as a cell (`-` when unset).
fn label_cell<'d>(ctx: &DrawCtx<'d>, h: HostId, key: &str) -> Line<'d> {
    Line::from(ctx.data.fleet.host(h).label(key).unwrap_or("-"))
}

static COLUMNS: &[Column<Hosts>] = &[
    Column {
        head: name_col("NAME", 10, 48),
        text: Some(|d, h| Cow::Borrowed(d.fleet.host(h).name.as_str())),
        sort: Some(SortBy {
            name: "name",
            key: SortFrom::Natural,
        }),
        cell: |ctx, h| {
            let host = ctx.data.fleet.host(h);
            // Marked hosts lead with a dot; the name column has room for it.
            if ctx.marked.contains(&host.key()) {
                Line::from(vec![
                    Span::styled("● ", ctx.theme.ui.key),
                    Span::raw(host.name.as_str()),
                ])
            } else {
                Line::from(host.name.as_str())
            }
        },
    },
    Column {
        // SITE (`cluster/datacenter`) in a fleet of several clusters: see `site_head`.
        head: DC,
        text: None,
        sort: None,
        cell: |ctx, h| {
            let host = ctx.data.fleet.host(h);
            let site = site_text(ctx.data, &host.cluster, host.label(keys::DATACENTER));
            Line::from(Span::styled(site, ctx.theme.ui.muted))
        },
    },
    Column {
        head: col("RACK", 4, 12),
        text: Some(|d, h| label(d, h, keys::RACK)),
        sort: Some(SortBy {
            name: "rack",
            key: SortFrom::Key(|d, h| {
                SortKey::Texts(vec![
                    d.fleet.host(h).cluster.clone(),
                    label(d, h, keys::DATACENTER).into_owned(),
                    natural_key(&label(d, h, keys::RACK)),
                ])
            }),
        }),
        cell: |ctx, h| label_cell(ctx, h, keys::RACK),
    },
    Column {
        head: whole_col("STATE"),
        text: Some(|d, h| Cow::Owned(d.fleet.host(h).state.to_string())),
        sort: Some(SortBy {
            name: "state",
            key: SortFrom::Text,
        }),
        cell: |ctx, h| {
            let style = ctx.data.class(h).style(ctx.theme);
            let host = ctx.data.fleet.host(h);
            let state = Span::styled(state_text(&host.state, ctx.now), style);
            // Its cluster's watch is down: this is the last state known.
            if ctx.stale_clusters.contains_key(&host.cluster) {
                Line::from(vec![state, Span::styled(" (stale)", ctx.theme.ui.error)])
            } else {
                Line::from(state)
            }
        },
    },
    Column {
        head: col("MODEL", 5, 12),
        text: Some(|d, h| label(d, h, keys::GPU_MODEL)),
        sort: Some(SortBy {
            name: "GPU model",
            key: SortFrom::Text,
        }),
        cell: |ctx, h| label_cell(ctx, h, keys::GPU_MODEL),
    },
    Column {
        head: whole_col("GPU"),
        text: None,
        sort: None,
        cell: |ctx, h| Line::from(ctx.data.fleet.host(h).derived.gpus.to_string()),
    },
    Column {
        head: col("TENANT", 6, 24),
        text: Some(|d, h| label(d, h, keys::TENANT)),
        sort: Some(SortBy {
            name: "tenant",
            key: SortFrom::Text,
        }),
        cell: |ctx, h| label_cell(ctx, h, keys::TENANT),
    },
    Column {
        head: name_col("HELD BY", 10, 48),
        text: Some(|d, h| Cow::Owned(held_by(&d.fleet, h))),
        sort: Some(SortBy {
            name: "held by",
            key: SortFrom::Text,
        }),
        cell: |ctx, h| Line::from(held_by(&ctx.data.fleet, h)),
    },
    Column {
        head: whole_col("TYPES"),
        text: None,
        sort: None,
        cell: |ctx, h| {
            let derived = &ctx.data.fleet.host(h).derived;
            Line::from(format!(
                "{}/{}",
                derived.matches.len(),
                derived.eligible.len()
            ))
        },
    },
    Column {
        head: fill_col("ERROR", 5),
        text: None,
        sort: None,
        cell: |ctx, h| {
            let state = &ctx.data.fleet.host(h).state;
            let error = match (&state.error_type, &state.error_message) {
                (Some(t), Some(m)) => format!("{t}: {m}"),
                (Some(t), None) => t.clone(),
                (None, Some(m)) => m.clone(),
                (None, None) => String::new(),
            };
            Line::from(Span::styled(error, ctx.theme.ui.error))
        },
    },
];

impl Rows for Hosts {
    type Row<'d> = HostId;

    fn row(_: &FleetData, id: u32) -> HostId {
        HostId(id)
    }

    fn ids(data: &FleetData, scope: Option<&Scope>) -> Vec<u32> {
        scoped(&data.fleet, scope)
            .into_iter()
            .map(|h| h.0)
            .collect()
    }
}

impl Table for Hosts {
    fn columns() -> &'static [Column<Self>] {
        COLUMNS
    }

    fn head(
        data: &FleetData,
        head: crate::ui::widgets::table::Column,
    ) -> crate::ui::widgets::table::Column {
        site_head(data, head)
    }

    /// `/` also matches the host's Metal3 cluster: host names repeat across clusters.
    /// The host's cluster, and where the fleet spans clusters the `cluster/name` that names
    /// it everywhere else (`/usw2-infra/r01` finds what the CLI and the dialogs print).
    fn hidden_text(data: &FleetData, h: HostId) -> Vec<Cow<'_, str>> {
        let fleet = &data.fleet;
        let mut texts = vec![Cow::Borrowed(fleet.host(h).cluster.as_str())];
        if fleet.hosts_span_clusters() {
            texts.push(Cow::Owned(fleet.shown_name(h)));
        }
        texts
    }

    fn selects(data: &FleetData, h: HostId, query: &LabelQuery) -> bool {
        query.matches(data.fleet.host(h).labels())
    }

    fn key(data: &FleetData, h: HostId) -> String {
        data.fleet
            .hosts()
            .get(h.0 as usize)
            .map(|h| h.key().to_string())
            .unwrap_or_default()
    }

    fn drill(data: &FleetData, h: HostId) -> Option<View> {
        let host = data.fleet.hosts().get(h.0 as usize)?;
        Some(View::new(Screen::HostDetail(host.key()), None))
    }

    fn empty(data: &FleetData) -> &'static str {
        if data.fleet.hosts().is_empty() {
            "no hosts yet"
        } else {
            "no host matches"
        }
    }
}

/// A host's state as the table shows it: with how long it has been being deleted
/// (`available (deleting 3m)`), since a host being deleted keeps its last state.
pub fn state_text(state: &crate::fleet::HostState, now: std::time::SystemTime) -> String {
    let text = state.to_string();
    match (state.deleting_for(now), text.strip_suffix(DELETING_SUFFIX)) {
        (Some(age), Some(rest)) => format!("{rest} (deleting {})", crate::ui::clock::age(age)),
        _ => text,
    }
}

/// How [`HostState`](crate::fleet::HostState) ends for a host being deleted.
const DELETING_SUFFIX: &str = " (deleting)";
