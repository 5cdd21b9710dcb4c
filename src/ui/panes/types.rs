//! Node types: selector, resources, effective cost and whether it is explicit or the default
//! rule, hosts matched, available, claimed by the type, claimed through other types and
//! unavailable (`fleet::figures`), OS image, drifted claims and lints.

use crate::fleet::figures::{Figure, TypeFigures, every_type_figures};
use crate::fleet::lints::Severity;
use crate::fleet::rules::{COST_PER_CPU, COST_PER_GB_MEMORY, COST_PER_OTHER_UNIT, type_os_image};
use crate::fleet::{CostSource, NodeTypeId, NodeTypeInfo};
use crate::model::{Measure, keys};
use crate::ui::action::PaneId;
use crate::ui::app::App;
use crate::ui::data::{DriftMark, FleetData, thousands};
use crate::ui::filter::Filter;
use crate::ui::nav::{Scope, Screen, Sort, View};
use crate::ui::widgets::safe;
use crate::ui::widgets::table::{col, count_cell, fill_col, name_col, whole_col};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub struct TypeRow {
    pub id: NodeTypeId,
    /// Its hosts by what they are to it, as `summary` defines them: matched, available,
    /// claimed by its own claims, claimed through other types, unavailable.
    pub figures: TypeFigures,
    pub drifted: u32,
    /// Claims the platform is re-provisioning now.
    pub rolling: u32,
    /// Claims that hold a server (so have an image to compare).
    pub holding: u32,
    pub os_image: Option<String>,
    pub errors: u32,
    pub warnings: u32,
}

pub fn build(data: &FleetData) -> Vec<TypeRow> {
    let fleet = data.fleet.as_ref();
    let n = fleet.node_types().len();
    let (mut drifted, mut rolling, mut holding) = (vec![0u32; n], vec![0u32; n], vec![0u32; n]);
    for c in fleet.claim_ids() {
        let Some(t) = fleet.claim(c).node_type else {
            continue;
        };
        match data.drift(c) {
            DriftMark::Drifted => drifted[t.index()] += 1,
            DriftMark::RollingOver => rolling[t.index()] += 1,
            _ => {}
        }
        if fleet.claim(c).host.is_some() {
            holding[t.index()] += 1;
        }
    }
    let figures = every_type_figures(fleet);
    fleet
        .node_type_ids()
        .map(|t| {
            let info = fleet.node_type(t);
            let severity = |s| {
                data.lints_of(&info.name)
                    .filter(|l| l.severity == s)
                    .count() as u32
            };
            TypeRow {
                id: t,
                figures: figures.get(t.index()).copied().unwrap_or_default(),
                drifted: drifted[t.index()],
                rolling: rolling[t.index()],
                holding: holding[t.index()],
                os_image: type_os_image(fleet, t),
                errors: severity(Severity::Error),
                warnings: severity(Severity::Warning),
            }
        })
        .collect()
}

pub const SORT_COLUMNS: &[&str] = &[
    "name",
    "cost",
    "available",
    "claimed",
    "claimed through other types",
    "drifted",
];

pub fn rows(data: &FleetData, filter: &Filter, sort: Sort) -> Vec<u32> {
    let fleet = &data.fleet;
    let mut rows: Vec<u32> = (0..data.types.len() as u32)
        .filter(|&i| {
            let row = &data.types[i as usize];
            let info = fleet.node_type(row.id);
            let selector = selector_text(info);
            filter.accepts(
                [
                    info.name.as_str(),
                    selector.as_str(),
                    row.os_image.as_deref().unwrap_or(""),
                ],
                Some(&info.properties),
            )
        })
        .collect();
    let r = |i: &u32| &data.types[*i as usize];
    match sort.column {
        1 => rows.sort_by_key(|i| fleet.node_type(r(i).id).cost),
        2 => rows.sort_by_key(|i| std::cmp::Reverse(r(i).figures.available.hosts)),
        3 => rows.sort_by_key(|i| std::cmp::Reverse(r(i).figures.claimed.hosts)),
        4 => {
            rows.sort_by_key(|i| std::cmp::Reverse(r(i).figures.claimed_through_other_types.hosts))
        }
        5 => rows.sort_by_key(|i| std::cmp::Reverse(r(i).drifted)),
        _ => {}
    }
    if sort.reverse {
        rows.reverse();
    }
    rows
}

pub fn key(data: &FleetData, row: u32) -> String {
    data.types
        .get(row as usize)
        .map(|r| data.fleet.node_type(r.id).name.clone())
        .unwrap_or_default()
}

pub fn drill(data: &FleetData, row: u32) -> Option<View> {
    let r = data.types.get(row as usize)?;
    Some(View::new(
        Screen::Pane(PaneId::Hosts),
        Some(Scope::EligibleFor(data.fleet.node_type(r.id).name.clone())),
    ))
}

pub fn selector_text(info: &NodeTypeInfo) -> String {
    match (&info.selector, &info.selector_error) {
        (_, Some(e)) => format!("unreadable: {e}"),
        (Some(s), None) => s.to_string(),
        (None, None) => "<none: matches no host>".into(),
    }
}

/// A resource of the type as a quantity (`1.5` CPUs, `768Gi`), `-` when it has none.
fn quantity(info: &NodeTypeInfo, name: &str, measure: Measure) -> String {
    info.resources
        .get(name)
        .map(|q| q.display(measure))
        .unwrap_or_else(|| "-".into())
}

/// A cost; one so large it saturated is said to be so, not shown as a number it is not.
fn cost_text(cost: i64) -> String {
    if cost == i64::MAX {
        "> 9.2e18".into()
    } else {
        thousands(cost.max(0) as u64)
    }
}

fn cost_rule(info: &NodeTypeInfo) -> &'static str {
    match info.cost_source {
        CostSource::Explicit => "explicit",
        CostSource::Default => "default",
    }
}

/// Where a rotation stands, from the claims alone: some rolling over now, some drifted and
/// waiting their turn, or every claim on the image its type wants.
pub fn rollover(row: &TypeRow) -> Option<(String, RolloverState)> {
    match (row.rolling, row.drifted) {
        (0, 0) if row.holding == 0 => None,
        (0, 0) => Some(("done".into(), RolloverState::Done)),
        (0, d) => Some((format!("{d} drifted"), RolloverState::Drifted)),
        (r, _) => Some((format!("ROLLING {r}"), RolloverState::Rolling)),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolloverState {
    Drifted,
    Rolling,
    Done,
}

fn details<'a>(app: &'a App, row: &'a TypeRow) -> Vec<Line<'a>> {
    let ui = &app.theme.ui;
    let info = app.data.fleet.node_type(row.id);
    let cost = match info.cost_source {
        CostSource::Explicit => format!("{} (explicit cost)", cost_text(info.cost)),
        CostSource::Default => format!(
            "{} (default rule: {COST_PER_CPU}/CPU + {COST_PER_GB_MEMORY}/GB memory + {COST_PER_OTHER_UNIT}/GPU)",
            cost_text(info.cost)
        ),
    };
    let rollover = match rollover(row) {
        Some((_, RolloverState::Rolling)) => format!(
            "  rollover: {} claims being re-provisioned, {} drifted waiting",
            row.rolling, row.drifted
        ),
        Some((_, RolloverState::Drifted)) => format!(
            "  rollover: {} claims drifted from the type's image, waiting for the platform",
            row.drifted
        ),
        Some((_, RolloverState::Done)) => "  every claim runs the type's image".into(),
        None => String::new(),
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{} ", info.name), ui.title),
            Span::styled("selector ", ui.muted),
            Span::raw(selector_text(info)),
        ]),
        Line::from(vec![
            Span::styled("cost ", ui.muted),
            Span::raw(cost),
            Span::styled("  namespace ", ui.muted),
            Span::raw(info.namespace.as_str()),
            Span::styled("  image ", ui.muted),
            Span::raw(row.os_image.as_deref().unwrap_or("none")),
            Span::styled(rollover, ui.warn),
        ]),
    ];
    lines.push(figures_line(ui, &row.figures));
    for l in app.data.lints_of(&info.name) {
        let style = match l.severity {
            Severity::Error => ui.error,
            Severity::Warning => ui.warn,
            Severity::Info => ui.muted,
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", l.id), style),
            Span::raw(l.message.as_str()),
        ]));
    }
    lines
}

/// What the host columns mean, in words, with the GPUs on those hosts.
fn figures_line<'a>(ui: &crate::ui::theme::UiStyles, f: &TypeFigures) -> Line<'a> {
    let part = |n: Figure, what: &str| {
        format!("{} {what} ({} GPUs)", thousands(n.hosts), thousands(n.gpus))
    };
    let mut text = format!(
        "{}: {} · {} · {} · {}",
        part(f.matched, "hosts match the selector"),
        part(f.available, "available to it"),
        part(
            Figure {
                hosts: f.claimed.hosts - f.claimed_off_selector.hosts,
                gpus: f.claimed.gpus - f.claimed_off_selector.gpus,
            },
            "claimed by its own claims"
        ),
        part(
            f.claimed_through_other_types,
            "held through other node types or unclear links"
        ),
        part(f.unavailable, "busy, in error or too small"),
    );
    if f.claimed_off_selector.hosts > 0 {
        text.push_str(&format!(
            "; and {} claimed hosts no longer match (label drift)",
            thousands(f.claimed_off_selector.hosts)
        ));
    }
    Line::from(Span::styled(text, ui.muted))
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, view: &View) {
    let data = &app.data;
    let theme = &app.theme;
    let ui = &theme.ui;
    let columns = [
        // The name is what the row is for: it gives way last, and keeps 26 columns; on a
        // narrow screen the columns at the right are left out first.
        name_col("NAME", 26, 48),
        whole_col("GPU"),
        whole_col("CPU"),
        whole_col("MEM"),
        whole_col("COST"),
        whole_col("RULE"),
        whole_col("MATCHED"),
        whole_col("AVAIL"),
        whole_col("CLAIMED"),
        whole_col("VIA OTHER"),
        whole_col("UNAVAIL"),
        whole_col("DRIFT"),
        whole_col("ROLLOVER"),
        whole_col("LINTS"),
        col("OS IMAGE", 8, 32),
        fill_col("SELECTOR", 10),
    ];
    let inner = super::pane_frame(frame, area, app, view);
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(6)]).areas(inner);
    super::view_table(
        frame,
        table_area,
        app,
        view,
        &columns,
        "no node types: no NodeProvider with spec.metal3.nodeTypes[] yet",
        |row| {
            let row = &data.types[row as usize];
            let info = data.fleet.node_type(row.id);
            let lints = if row.errors > 0 {
                Span::styled(format!("{}E", row.errors), ui.error)
            } else if row.warnings > 0 {
                Span::styled(format!("{}W", row.warnings), ui.warn)
            } else {
                Span::styled("-", ui.muted)
            };
            vec![
                Line::from(info.name.as_str()),
                Line::from(quantity(info, keys::RESOURCE_GPU, Measure::Count)),
                Line::from(quantity(info, "cpu", Measure::Cores)),
                Line::from(quantity(info, "memory", Measure::Bytes)),
                Line::from(cost_text(info.cost)),
                Line::from(Span::styled(cost_rule(info), ui.muted)),
                Line::from(thousands(row.figures.matched.hosts)),
                count_cell(row.figures.available.hosts, theme.host.free, ui.muted),
                Line::from(thousands(row.figures.claimed.hosts)),
                count_cell(
                    row.figures.claimed_through_other_types.hosts,
                    ui.text,
                    ui.muted,
                ),
                count_cell(row.figures.unavailable.hosts, ui.text, ui.muted),
                count_cell(row.drifted, ui.warn, ui.muted),
                match rollover(row) {
                    Some((text, RolloverState::Rolling)) => {
                        Line::from(Span::styled(text, ui.error))
                    }
                    Some((text, RolloverState::Drifted)) => Line::from(Span::styled(text, ui.warn)),
                    Some((text, RolloverState::Done)) => Line::from(Span::styled(text, ui.ok)),
                    None => Line::from(Span::styled("-", ui.muted)),
                },
                Line::from(lints),
                Line::from(row.os_image.as_deref().unwrap_or("-")),
                Line::from(Span::styled(selector_text(info), ui.muted)),
            ]
        },
    );
    if let Some(row) = view.selected_row().and_then(|r| data.types.get(r as usize)) {
        frame.render_widget(
            Paragraph::new(safe::lines(details(app, row))).wrap(Wrap { trim: true }),
            detail_area,
        );
    }
}
