//! NVLink domains: per domain its hosts, GPUs free and claimed, and the tenants holding
//! them. A domain held by more than one tenant shares one NVLink fabric across tenants: flagged.

use super::{
    Column, DC, DrawCtx, PaneId, PaneSpec, RowList, SortBy, SortFrom, SortKey, Table, site_head,
    site_text,
};
use crate::fleet::lints::domain_tenants;
use crate::fleet::summary::{count_hosts, is_unlabelled};
use crate::fleet::{DomainKey, HostId};
use crate::format::thousands;
use crate::model::LabelQuery;
use crate::model::keys;
use crate::ui::data::FleetData;
use crate::ui::natural::natural_key;
use crate::ui::nav::{Scope, Screen, View};
use crate::ui::widgets::table::{col, fill_col, name_col, whole_col};
use ratatui::text::{Line, Span};
use std::borrow::Cow;

/// The NVLink domains pane.
pub struct Nvlink;

/// The nvlink pane as the list of panes ([`super::SPECS`]) holds it.
pub(super) const SPEC: PaneSpec = PaneSpec {
    title: "NVLink",
    command: "nvlink",
    help: "NVLink domains",
    wall: true,
    pane: &Nvlink,
};

#[allow(non_upper_case_globals)] // named as the enum variant it was, like the others
impl PaneId {
    /// The NVLink domains: hosts that share a GPU fabric.
    pub const Nvlink: PaneId = PaneId::listed(&SPEC);
}

/// One NVLink domain (its hosts share one fabric), as the pane shows it.
pub struct DomainRow {
    /// The domain: its hosts' Metal3 cluster and label.
    pub key: DomainKey,
    /// The domain's `nvlink-domain` label value.
    pub name: String,
    /// The datacenter of its first host.
    pub datacenter: String,
    /// Its hosts, in natural name order.
    pub hosts: Vec<HostId>,
    /// GPUs on its hosts.
    pub gpus_total: u32,
    /// GPUs on its free hosts.
    pub gpus_free: u32,
    /// GPUs on its claimed hosts.
    pub gpus_claimed: u32,
    /// Tenants whose claims hold hosts of the domain.
    pub tenants: Vec<String>,
}

impl DomainRow {
    /// Whether more than one tenant holds hosts of the domain.
    pub fn is_split(&self) -> bool {
        self.tenants.len() > 1
    }
}

/// One row per labelled NVLink domain, by cluster then domain name.
pub fn build(data: &FleetData) -> Vec<DomainRow> {
    let fleet = &data.fleet;
    fleet
        .groups()
        .nvlink_domains
        .iter()
        .filter(|(key, _)| !is_unlabelled(&key.domain))
        .map(|(key, hosts)| {
            let mut hosts = hosts.clone();
            hosts.sort_by_cached_key(|h| natural_key(&fleet.host(*h).name));
            let counts = count_hosts(fleet.as_ref(), &key.domain, hosts.iter().copied());
            let datacenter = hosts
                .first()
                .and_then(|&h| fleet.host(h).label(keys::DATACENTER))
                .unwrap_or("")
                .to_string();
            let tenants = domain_tenants(fleet.as_ref(), &hosts)
                .into_iter()
                .map(str::to_string)
                .collect();
            DomainRow {
                key: key.clone(),
                name: key.domain.clone(),
                datacenter,
                hosts,
                gpus_total: counts.gpus_total,
                gpus_free: counts.gpus_free,
                gpus_claimed: counts.gpus_claimed,
                tenants,
            }
        })
        .collect()
}

static COLUMNS: &[Column<Nvlink>] = &[
    Column {
        head: name_col("DOMAIN", 6, 32),
        text: Some(|_, d| Cow::Borrowed(d.name.as_str())),
        sort: Some(SortBy {
            name: "domain",
            key: SortFrom::Key(|_, _| SortKey::Given),
        }),
        cell: |_, d| Line::from(d.name.as_str()),
    },
    Column {
        // SITE (`cluster/datacenter`) in a fleet of several clusters: see `site_head`.
        head: DC,
        text: Some(|_, d| Cow::Borrowed(d.datacenter.as_str())),
        sort: None,
        cell: |ctx, d| {
            let site = site_text(ctx.data, &d.key.cluster, Some(&d.datacenter));
            Line::from(Span::styled(site, ctx.theme.ui.muted))
        },
    },
    Column {
        head: col("HOSTS", 5, 40),
        text: None,
        sort: None,
        cell: |ctx, d| {
            let cells: Vec<Span> = d
                .hosts
                .iter()
                .take(40)
                .map(|&h| Span::styled("■", ctx.data.class(h).style(ctx.theme)))
                .collect();
            Line::from(cells)
        },
    },
    Column {
        head: whole_col("GPUS"),
        text: None,
        sort: None,
        cell: |_, d| Line::from(thousands(d.gpus_total)),
    },
    Column {
        head: whole_col("FREE"),
        text: None,
        sort: Some(SortBy {
            name: "free GPUs",
            key: SortFrom::Key(|_, d| SortKey::most(d.gpus_free)),
        }),
        cell: |ctx, d| {
            let theme = ctx.theme;
            Line::from(Span::styled(
                thousands(d.gpus_free),
                if d.gpus_free > 0 {
                    theme.host.free
                } else {
                    theme.ui.muted
                },
            ))
        },
    },
    Column {
        head: whole_col("CLAIMED"),
        text: None,
        sort: Some(SortBy {
            name: "claimed GPUs",
            key: SortFrom::Key(|_, d| SortKey::most(d.gpus_claimed)),
        }),
        cell: |_, d| Line::from(thousands(d.gpus_claimed)),
    },
    Column {
        head: whole_col("SPLIT"),
        text: None,
        sort: None,
        cell: |ctx, d| {
            Line::from(if d.is_split() {
                Span::styled("split", ctx.theme.ui.warn)
            } else {
                Span::raw("")
            })
        },
    },
    Column {
        head: fill_col("TENANTS HOLDING", 8),
        text: None,
        sort: Some(SortBy {
            name: "tenants",
            key: SortFrom::Key(|_, d| SortKey::most(d.tenants.len() as i64)),
        }),
        cell: |_, d| Line::from(d.tenants.join(", ")),
    },
];

impl RowList for Nvlink {
    type Item = DomainRow;

    fn list(data: &FleetData) -> &[DomainRow] {
        &data.domains
    }
}

impl Table for Nvlink {
    fn columns() -> &'static [Column<Self>] {
        COLUMNS
    }

    fn head(
        data: &FleetData,
        head: crate::ui::widgets::table::Column,
    ) -> crate::ui::widgets::table::Column {
        site_head(data, head)
    }

    /// `/` matches each tenant holding hosts of the domain, and its Metal3 cluster.
    fn hidden_text<'d>(_: &'d FleetData, d: &'d DomainRow) -> Vec<Cow<'d, str>> {
        d.tenants
            .iter()
            .map(String::as_str)
            .chain(Some(d.key.cluster.as_str()).filter(|c| !c.is_empty()))
            .map(Cow::Borrowed)
            .collect()
    }

    /// A selector matches a domain when it matches any of its hosts.
    fn selects(data: &FleetData, d: &DomainRow, query: &LabelQuery) -> bool {
        d.hosts
            .iter()
            .any(|&h| query.matches(data.fleet.host(h).labels()))
    }

    fn key(_: &FleetData, d: &DomainRow) -> String {
        d.key.to_string()
    }

    fn drill(_: &FleetData, d: &DomainRow) -> Option<View> {
        Some(View::new(
            Screen::Pane(PaneId::Hosts),
            Some(Scope::NvlinkDomain(d.key.clone())),
        ))
    }

    fn empty(data: &FleetData) -> &'static str {
        if data.domains.is_empty() {
            "no hosts carry an nvlink-domain label"
        } else {
            "no domain matches the filter"
        }
    }

    fn title_extra<'d>(ctx: &DrawCtx<'d>) -> Vec<Span<'d>> {
        let split = ctx.data.domains.iter().filter(|d| d.is_split()).count();
        if split == 0 {
            return Vec::new();
        }
        vec![Span::styled(
            format!(" {split} split across tenants "),
            ctx.theme.ui.warn,
        )]
    }
}
