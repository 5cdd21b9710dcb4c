//! Node types: selector, resources, effective cost and whether it is explicit or the default
//! rule, hosts matched, available, claimed by the type, claimed through other types and
//! unavailable (`fleet::figures`), OS image, drifted claims and lints.

use super::{Column, DrawCtx, PaneId, PaneSpec, RowList, SortBy, SortFrom, SortKey, Table};
use crate::fleet::figures::{Figure, TypeFigures, every_type_figures};
use crate::fleet::lints::Severity;
use crate::fleet::rules::{COST_PER_CPU, COST_PER_GB_MEMORY, COST_PER_OTHER_UNIT, type_os_image};
use crate::fleet::{CostSource, NodeTypeId, NodeTypeInfo};
use crate::format::{counted, thousands};
use crate::model::LabelQuery;
use crate::model::{Measure, keys};
use crate::ui::data::{DriftMark, FleetData};
use crate::ui::nav::{Scope, Screen, View};
use crate::ui::widgets::table::{count_cell, fill_col, name_col, whole_col};
use ratatui::text::{Line, Span};
use std::borrow::Cow;

/// The node types pane.
pub struct Types;

/// The types pane as the list of panes ([`super::SPECS`]) holds it.
pub(super) const SPEC: PaneSpec = PaneSpec {
    title: "Node types",
    command: "types",
    help: "node types",
    wall: true,
    pane: &Types,
};

#[allow(non_upper_case_globals)] // named as the enum variant it was, like the others
impl PaneId {
    /// The node types: what each could claim, holds and drifts.
    pub const Types: PaneId = PaneId::listed(&SPEC);
}

/// One node type, as the pane shows it.
pub struct TypeRow {
    /// The node type.
    pub id: NodeTypeId,
    /// Its hosts by what they are to it, as `summary` defines them: matched, available,
    /// claimed by its own claims, claimed through other types, unavailable.
    pub figures: TypeFigures,
    /// Claims whose image differs from the one the type wants.
    pub drifted: u32,
    /// Claims the platform is re-provisioning now.
    pub rolling: u32,
    /// Claims that hold a server (so have an image to compare).
    pub holding: u32,
    /// The OS image the type wants, if any.
    pub os_image: Option<String>,
    /// Its lints of error severity.
    pub errors: u32,
    /// Its lints of warning severity.
    pub warnings: u32,
}

/// One row per node type, in the fleet's order.
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
                data.lints_of(&info.name, "")
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

/// A type's selector as kubectl writes it, or why it matches nothing.
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
        (0, 0) => Some(("current".into(), RolloverState::Done)),
        (0, d) => Some((format!("{d} drifted"), RolloverState::Drifted)),
        (r, _) => Some((format!("ROLLING {r}"), RolloverState::Rolling)),
    }
}

/// Where a type's image rotation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolloverState {
    /// Claims drifted from the type's image, none re-provisioned yet.
    Drifted,
    /// Claims being re-provisioned now.
    Rolling,
    /// Every claim runs the type's image.
    Done,
}

fn details<'a>(ctx: &DrawCtx<'a>, row: &'a TypeRow) -> Vec<Line<'a>> {
    let ui = &ctx.theme.ui;
    let info = ctx.data.fleet.node_type(row.id);
    let cost = match info.cost_source {
        CostSource::Explicit => format!("{} (explicit cost)", cost_text(info.cost)),
        CostSource::Default => format!(
            "{} (default rule: {COST_PER_CPU}/CPU + {COST_PER_GB_MEMORY}/GB memory + {COST_PER_OTHER_UNIT}/GPU)",
            cost_text(info.cost)
        ),
    };
    let rollover = match rollover(row) {
        Some((_, RolloverState::Rolling)) => format!(
            "  rollover: {} being re-provisioned, {} drifted waiting",
            counted(row.rolling, "claim", "claims"),
            row.drifted
        ),
        Some((_, RolloverState::Drifted)) => format!(
            "  rollover: {} drifted from the type's image, waiting for the platform",
            counted(row.drifted, "claim", "claims")
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
    for l in ctx.data.lints_of(&info.name, "") {
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

/// A count column (most first when sorted), drawn plain.
fn count(n: u32) -> Line<'static> {
    Line::from(thousands(n))
}

static COLUMNS: &[Column<Types>] = &[
    Column {
        // The name is what the row is for: it gives way last, and keeps 26 columns; on a
        // narrow screen the columns at the right are left out first.
        head: name_col("NAME", 26, 48),
        text: Some(|d, r| Cow::Borrowed(d.fleet.node_type(r.id).name.as_str())),
        sort: Some(SortBy {
            name: "name",
            key: SortFrom::Key(|_, _| SortKey::Given),
        }),
        cell: |ctx, r| Line::from(ctx.data.fleet.node_type(r.id).name.as_str()),
    },
    Column {
        head: whole_col("GPU"),
        text: None,
        sort: None,
        cell: |ctx, r| {
            let info = ctx.data.fleet.node_type(r.id);
            Line::from(quantity(info, keys::RESOURCE_GPU, Measure::Count))
        },
    },
    Column {
        head: whole_col("CPU"),
        text: None,
        sort: None,
        cell: |ctx, r| {
            Line::from(quantity(
                ctx.data.fleet.node_type(r.id),
                "cpu",
                Measure::Cores,
            ))
        },
    },
    Column {
        head: whole_col("MEM"),
        text: None,
        sort: None,
        cell: |ctx, r| {
            let info = ctx.data.fleet.node_type(r.id);
            Line::from(quantity(info, "memory", Measure::Bytes))
        },
    },
    Column {
        head: whole_col("COST"),
        text: None,
        sort: Some(SortBy {
            name: "cost",
            key: SortFrom::Key(|d, r| SortKey::Least(d.fleet.node_type(r.id).cost)),
        }),
        cell: |ctx, r| Line::from(cost_text(ctx.data.fleet.node_type(r.id).cost)),
    },
    Column {
        head: whole_col("RULE"),
        text: None,
        sort: None,
        cell: |ctx, r| {
            let rule = cost_rule(ctx.data.fleet.node_type(r.id));
            Line::from(Span::styled(rule, ctx.theme.ui.muted))
        },
    },
    Column {
        head: whole_col("MATCHED"),
        text: None,
        sort: None,
        cell: |_, r| count(r.figures.matched.hosts),
    },
    Column {
        head: whole_col("AVAIL"),
        text: None,
        sort: Some(SortBy {
            name: "available",
            key: SortFrom::Key(|_, r| SortKey::most(r.figures.available.hosts)),
        }),
        cell: |ctx, r| {
            let free = ctx.theme.host.free;
            count_cell(r.figures.available.hosts, free, ctx.theme.ui.muted)
        },
    },
    Column {
        head: whole_col("CLAIMED"),
        text: None,
        sort: Some(SortBy {
            name: "claimed",
            key: SortFrom::Key(|_, r| SortKey::most(r.figures.claimed.hosts)),
        }),
        cell: |_, r| count(r.figures.claimed.hosts),
    },
    Column {
        head: whole_col("VIA OTHER"),
        text: None,
        sort: Some(SortBy {
            name: "claimed through other types",
            key: SortFrom::Key(|_, r| SortKey::most(r.figures.claimed_through_other_types.hosts)),
        }),
        cell: |ctx, r| {
            let ui = &ctx.theme.ui;
            count_cell(
                r.figures.claimed_through_other_types.hosts,
                ui.text,
                ui.muted,
            )
        },
    },
    Column {
        head: whole_col("UNAVAIL"),
        text: None,
        sort: None,
        cell: |ctx, r| {
            let ui = &ctx.theme.ui;
            count_cell(r.figures.unavailable.hosts, ui.text, ui.muted)
        },
    },
    Column {
        head: whole_col("DRIFT"),
        text: None,
        sort: Some(SortBy {
            name: "drifted",
            key: SortFrom::Key(|_, r| SortKey::most(r.drifted)),
        }),
        cell: |ctx, r| count_cell(r.drifted, ctx.theme.ui.warn, ctx.theme.ui.muted),
    },
    Column {
        head: whole_col("ROLLOVER"),
        text: None,
        sort: None,
        cell: |ctx, r| {
            let ui = &ctx.theme.ui;
            match rollover(r) {
                Some((text, RolloverState::Rolling)) => Line::from(Span::styled(text, ui.error)),
                Some((text, RolloverState::Drifted)) => Line::from(Span::styled(text, ui.warn)),
                Some((text, RolloverState::Done)) => Line::from(Span::styled(text, ui.ok)),
                None => Line::from(Span::styled("-", ui.muted)),
            }
        },
    },
    Column {
        head: whole_col("LINTS"),
        text: None,
        sort: None,
        cell: |ctx, r| {
            let ui = &ctx.theme.ui;
            Line::from(if r.errors > 0 {
                Span::styled(format!("{}E", r.errors), ui.error)
            } else if r.warnings > 0 {
                Span::styled(format!("{}W", r.warnings), ui.warn)
            } else {
                Span::styled("-", ui.muted)
            })
        },
    },
    Column {
        head: name_col("OS IMAGE", 8, 32),
        text: Some(|_, r| Cow::Borrowed(r.os_image.as_deref().unwrap_or(""))),
        sort: None,
        cell: |_, r| Line::from(r.os_image.as_deref().unwrap_or("-")),
    },
    Column {
        head: fill_col("SELECTOR", 10),
        text: Some(|d, r| Cow::Owned(selector_text(d.fleet.node_type(r.id)))),
        sort: None,
        cell: |ctx, r| {
            let selector = selector_text(ctx.data.fleet.node_type(r.id));
            Line::from(Span::styled(selector, ctx.theme.ui.muted))
        },
    },
];

impl RowList for Types {
    type Item = TypeRow;

    fn list(data: &FleetData) -> &[TypeRow] {
        &data.types
    }
}

impl Table for Types {
    const DETAIL_HEIGHT: u16 = 6;

    fn columns() -> &'static [Column<Self>] {
        COLUMNS
    }

    /// A selector matches the type's properties.
    fn selects(data: &FleetData, r: &TypeRow, query: &LabelQuery) -> bool {
        query.matches(&data.fleet.node_type(r.id).properties)
    }

    fn key(data: &FleetData, r: &TypeRow) -> String {
        data.fleet.node_type(r.id).name.clone()
    }

    fn drill(data: &FleetData, r: &TypeRow) -> Option<View> {
        Some(View::new(
            Screen::Pane(PaneId::Hosts),
            Some(Scope::EligibleFor(data.fleet.node_type(r.id).name.clone())),
        ))
    }

    fn empty(_: &FleetData) -> &'static str {
        "no node types: no NodeProvider with spec.metal3.nodeTypes[] yet"
    }

    fn details<'d>(ctx: &DrawCtx<'d>, r: &'d TypeRow) -> Vec<Line<'d>> {
        details(ctx, r)
    }
}
