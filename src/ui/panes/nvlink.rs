//! NVLink domains: per domain its hosts, GPUs free and claimed, and the tenants holding
//! them. A domain held by more than one tenant shares one NVLink fabric across tenants: flagged.

use crate::fleet::HostId;
use crate::fleet::lints::domain_tenants;
use crate::fleet::summary::{count_hosts, is_unlabelled};
use crate::model::keys;
use crate::ui::action::PaneId;
use crate::ui::app::App;
use crate::ui::data::{FleetData, thousands};
use crate::ui::filter::Filter;
use crate::ui::natural::natural_key;
use crate::ui::nav::{Scope, Screen, Sort, View};
use crate::ui::widgets::table::{col, fill_col, name_col, pane_block, position, whole_col};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub struct DomainRow {
    pub name: String,
    pub datacenter: String,
    pub hosts: Vec<HostId>,
    pub gpus_total: u32,
    pub gpus_free: u32,
    pub gpus_claimed: u32,
    /// Tenants whose claims hold hosts of the domain.
    pub tenants: Vec<String>,
}

impl DomainRow {
    pub fn is_split(&self) -> bool {
        self.tenants.len() > 1
    }
}

pub fn build(data: &FleetData) -> Vec<DomainRow> {
    let fleet = &data.fleet;
    fleet
        .groups()
        .nvlink_domains
        .iter()
        .filter(|(name, _)| !is_unlabelled(name))
        .map(|(name, hosts)| {
            let mut hosts = hosts.clone();
            hosts.sort_by_cached_key(|h| natural_key(&fleet.host(*h).name));
            let counts = count_hosts(fleet.as_ref(), name, hosts.iter().copied());
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
                name: name.clone(),
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

pub const SORT_COLUMNS: &[&str] = &["domain", "free GPUs", "claimed GPUs", "tenants"];

pub fn rows(data: &FleetData, filter: &Filter, sort: Sort) -> Vec<u32> {
    let fleet = &data.fleet;
    let mut rows: Vec<u32> = (0..data.domains.len() as u32)
        .filter(|&i| {
            let d = &data.domains[i as usize];
            match filter {
                Filter::Labels(q) => d.hosts.iter().any(|&h| q.matches(fleet.host(h).labels())),
                _ => filter.accepts(
                    [d.name.as_str(), d.datacenter.as_str()]
                        .into_iter()
                        .chain(d.tenants.iter().map(String::as_str)),
                    None,
                ),
            }
        })
        .collect();
    let d = |i: &u32| &data.domains[*i as usize];
    match sort.column {
        1 => rows.sort_by_key(|i| std::cmp::Reverse(d(i).gpus_free)),
        2 => rows.sort_by_key(|i| std::cmp::Reverse(d(i).gpus_claimed)),
        3 => rows.sort_by_key(|i| std::cmp::Reverse(d(i).tenants.len())),
        _ => {}
    }
    if sort.reverse {
        rows.reverse();
    }
    rows
}

pub fn key(data: &FleetData, row: u32) -> String {
    data.domains
        .get(row as usize)
        .map(|d| d.name.clone())
        .unwrap_or_default()
}

pub fn drill(data: &FleetData, row: u32) -> Option<View> {
    let d = data.domains.get(row as usize)?;
    Some(View::new(
        Screen::Pane(PaneId::Hosts),
        Some(Scope::NvlinkDomain(d.name.clone())),
    ))
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View) {
    let data = &app.data;
    let theme = &app.theme;
    let columns = [
        name_col("DOMAIN", 6, 32),
        col("DC", 4, 16),
        col("HOSTS", 5, 40),
        whole_col("GPUS"),
        whole_col("FREE"),
        whole_col("CLAIMED"),
        whole_col("SPLIT"),
        fill_col("TENANTS HOLDING", 8),
    ];
    let split = data.domains.iter().filter(|d| d.is_split()).count();
    let mut title = super::title_spans(app, view);
    if split > 0 {
        title.push(Span::styled(
            format!(" {split} split across tenants "),
            theme.ui.warn,
        ));
    }
    let block = pane_block(theme, title, position(view.selected, view.rows.len()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    super::view_table(
        frame,
        inner,
        app,
        view,
        &columns,
        if data.domains.is_empty() {
            "no hosts carry an nvlink-domain label"
        } else {
            "no domain matches the filter"
        },
        |row| {
            let d = &data.domains[row as usize];
            let cells: Vec<Span> = d
                .hosts
                .iter()
                .take(40)
                .map(|&h| Span::styled("■", data.class(h).style(theme)))
                .collect();
            vec![
                Line::from(d.name.as_str()),
                Line::from(Span::styled(d.datacenter.as_str(), theme.ui.muted)),
                Line::from(cells),
                Line::from(thousands(d.gpus_total)),
                Line::from(Span::styled(
                    thousands(d.gpus_free),
                    if d.gpus_free > 0 {
                        theme.host.free
                    } else {
                        theme.ui.muted
                    },
                )),
                Line::from(thousands(d.gpus_claimed)),
                Line::from(if d.is_split() {
                    Span::styled("split", theme.ui.warn)
                } else {
                    Span::raw("")
                }),
                Line::from(d.tenants.join(", ")),
            ]
        },
    );
}
