//! Details of one host or one machine (NodeClaim): state and error, claim, node types
//! matched and eligible, drift, labels. The BMC address is shown; its credentials and the
//! name of the Secret holding them never are.

use super::DrawCtx;
use crate::fleet::HostKey;
use crate::fleet::rules::{
    Drift, Placement, claim_drift, drift_disagreement, named_node_types, not_free, place_claim,
};
use crate::fleet::{ClaimId, Fleet, HardwareSource, Holder, HostId, NodeTypeId};
use crate::model::{Machine, keys};
use crate::ui::data::FleetData;
use crate::ui::nav::{Screen, View};
use crate::ui::theme::Theme;
use crate::ui::widgets::safe;
use crate::ui::widgets::table::pane_block;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Label column width.
const KEY_W: usize = 14;

fn field<'a>(theme: &Theme, key: &str, value: impl Into<Span<'a>>) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{key:<KEY_W$}"), theme.ui.muted),
        value.into(),
    ])
}

fn type_list(fleet: &Fleet, types: &[NodeTypeId]) -> String {
    if types.is_empty() {
        return "none".into();
    }
    types
        .iter()
        .map(|&t| fleet.node_type(t).name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn drift_lines<'a>(theme: &Theme, drift: Drift) -> Line<'a> {
    match drift {
        Drift::InSync => field(theme, "Drift", Span::styled("in sync", theme.ui.ok)),
        Drift::Drifted {
            desired,
            actual_url,
        } => field(
            theme,
            "Drift",
            Span::styled(
                format!(
                    "drifted: runs {actual_url}, its node type wants {}{} (the platform rolls it over)",
                    desired.url,
                    desired
                        .os_image
                        .map(|i| format!(" (OSImage {i})"))
                        .unwrap_or_default()
                ),
                theme.ui.warn,
            ),
        ),
        Drift::Unknown { why } => field(theme, "Drift", Span::styled(why, theme.ui.muted)),
    }
}

fn host_lines<'a>(ctx: &DrawCtx<'a>, h: HostId) -> Vec<Line<'a>> {
    let theme = &ctx.theme;
    let fleet = ctx.data.fleet.as_ref();
    let host = fleet.host(h);
    let class = ctx.data.class(h);
    let spec = &host.object.spec;
    let status = host.object.status.as_ref();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("Host {}", fleet.shown_name(h)), theme.ui.title),
            Span::styled(format!("  namespace {}", host.namespace), theme.ui.muted),
        ]),
        field(
            theme,
            "State",
            Span::styled(host.state.to_string(), class.style(theme)),
        ),
    ];
    if let Some(t) = &host.state.error_type {
        let message = host.state.error_message.as_deref().unwrap_or("");
        lines.push(field(
            theme,
            "Error",
            Span::styled(format!("{t}: {message}"), theme.ui.error),
        ));
    }
    let power = format!(
        "online {}, powered on {}",
        spec.online.map_or("unset".into(), |b| b.to_string()),
        status
            .and_then(|s| s.powered_on)
            .map_or("unknown".into(), |b| b.to_string())
    );
    lines.push(field(theme, "Power", power));
    lines.push(field(
        theme,
        "BMC",
        host.bmc_address().unwrap_or("not set").to_string(),
    ));
    if let Some(mac) = &spec.boot_mac_address {
        lines.push(field(theme, "Boot MAC", mac.clone()));
    }
    let hw = status.and_then(|s| s.hardware.as_ref());
    let vendor = hw
        .and_then(|hw| hw.system_vendor.as_ref())
        .map(|v| {
            format!(
                "{} {}",
                v.manufacturer.as_deref().unwrap_or(""),
                v.product_name.as_deref().unwrap_or("")
            )
        })
        .unwrap_or_default();
    lines.push(match host.hardware {
        HardwareSource::NotInspected => field(
            theme,
            "Hardware",
            Span::styled(
                format!(
                    "not inspected: no node type can claim it · {} GPUs {}",
                    host.derived.gpus,
                    host.label(keys::GPU_MODEL).unwrap_or("")
                ),
                theme.ui.warn,
            ),
        ),
        source => field(
            theme,
            "Hardware",
            format!(
                "{} · {} CPUs · {} GiB (from {}) · {} GPUs {} (from {})",
                vendor.trim(),
                host.cpus.map_or("?".into(), |c| c.to_string()),
                host.memory_bytes
                    .map_or("?".into(), |m| (m >> 30).to_string()),
                source.describe(),
                host.derived.gpus,
                host.label(keys::GPU_MODEL).unwrap_or(""),
                crate::fleet::rules::host_gpus_source(
                    host.labels(),
                    host.machine.as_deref(),
                    host.derived.gpus
                ),
            ),
        ),
    });
    match (&host.machine, &host.provider) {
        (Some(m), _) => lines.push(field(
            theme,
            "Inventory",
            format!(
                "Machine {}: phase {}, power {}{}",
                m.name(),
                m.phase().unwrap_or("none"),
                m.power_state().unwrap_or("not reported"),
                m.gpus().map(|g| format!(", {g} GPUs")).unwrap_or_default()
            ),
        )),
        (None, Some(p)) if fleet.has_machines() => lines.push(field(
            theme,
            "Inventory",
            Span::styled(
                format!(
                    "no Machine {} in the inventory",
                    Machine::name_for(p, &host.name)
                ),
                theme.ui.warn,
            ),
        )),
        _ => {}
    }
    let source = host
        .link
        .source
        .map(|s| format!(" (by {})", s.describe()))
        .unwrap_or_default();
    match &host.holder {
        Some(Holder::Claim(c)) => {
            let claim = fleet.claim(*c);
            lines.push(field(
                theme,
                "Claim",
                format!(
                    "{} (tenant {}, {}){source} — Enter opens it",
                    claim.key(),
                    claim.tenant,
                    claim.stage.as_str()
                ),
            ));
            lines.push(drift_lines(theme, claim_drift(fleet, *c)));
        }
        Some(other) => lines.push(field(
            theme,
            "Claim",
            Span::styled(format!("{}{source}", other.describe(fleet)), theme.ui.warn),
        )),
        None => lines.push(field(theme, "Claim", Span::styled("none", theme.ui.muted))),
    }
    for problem in &host.link.problems {
        lines.push(field(
            theme,
            "Link",
            Span::styled(problem.to_string(), theme.ui.warn),
        ));
    }
    if let Some(method) = host.object.custom_deploy() {
        lines.push(field(
            theme,
            "Image",
            format!("none: customDeploy method {method} (no image URL, no drift basis)"),
        ));
    } else if let Some(image) = host.actual_image() {
        lines.push(field(theme, "Image", image.url.clone()));
    }
    lines.push(field(
        theme,
        "Types match",
        type_list(fleet, &host.derived.matches),
    ));
    let not_free = not_free(fleet, host, host.holder.as_ref());
    if not_free.is_empty() {
        lines.push(field(
            theme,
            "Eligible now",
            type_list(fleet, &host.derived.eligible),
        ));
    } else {
        lines.push(field(theme, "Eligible now", "none: the host is not free"));
        for why in not_free {
            lines.push(field(
                theme,
                "  because",
                Span::styled(why.to_string(), theme.ui.muted),
            ));
        }
    }
    for l in ctx.data.lints_of(&host.name, &host.cluster) {
        lines.push(field(
            theme,
            "Lint",
            Span::styled(format!("{}: {}", l.id, l.message), theme.ui.warn),
        ));
    }
    lines.push(Line::styled("Labels", theme.ui.header));
    for (k, v) in host.labels() {
        lines.push(Line::from(vec![
            Span::styled(format!("  {k}"), theme.ui.muted),
            Span::raw(format!("={v}")),
        ]));
    }
    lines
}

fn claim_lines<'a>(ctx: &DrawCtx<'a>, c: ClaimId) -> Vec<Line<'a>> {
    let theme = &ctx.theme;
    let fleet = ctx.data.fleet.as_ref();
    let claim = fleet.claim(c);
    let status = claim.object.status.as_ref();
    let mut lines = vec![
        Line::styled(
            format!("Machine (NodeClaim) {}", claim.key()),
            theme.ui.title,
        ),
        field(theme, "Tenant", claim.tenant.clone()),
        field(
            theme,
            "vCluster",
            claim
                .vcluster
                .clone()
                .unwrap_or_else(|| "(none: provisioned on its own)".into()),
        ),
        field(
            theme,
            "Node type",
            match (claim.node_type, &claim.type_ref) {
                (Some(t), _) => fleet.node_type(t).name.clone(),
                (None, Some(r)) => format!("{r} (unknown)"),
                (None, None) => match named_node_types(&claim.object.spec.requirements)[..] {
                    [] => "unbound (the platform picks)".into(),
                    ref named => format!(
                        "unbound: one of {} ({}; the platform picks)",
                        named.join(", "),
                        keys::PROP_INSTANCE_TYPE
                    ),
                },
            },
        ),
        field(
            theme,
            "Stage",
            Span::styled(
                format!(
                    "{} (phase {})",
                    claim.stage.as_str(),
                    status.and_then(|s| s.phase.as_deref()).unwrap_or("none")
                ),
                super::machines::stage_style(claim.stage, theme),
            ),
        ),
    ];
    if let Some(s) = status {
        let why = [s.reason.as_deref(), s.message.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(": ");
        if !why.is_empty() {
            lines.push(field(theme, "Reason", why));
        }
    }
    lines.push(field(
        theme,
        "Host",
        match (claim.host, &claim.annotated_host) {
            (Some(h), _) => format!(
                "{} ({}) — Enter opens it",
                fleet.shown_name(h),
                fleet.host(h).state
            ),
            (None, Some(n)) => format!(
                "none linked; only the claim's unconfirmed annotation {} names {n}",
                keys::CLAIM_CLAIMED_NODE
            ),
            (None, None) => "none yet".into(),
        },
    ));
    if let Some(h) = claim.host {
        for problem in &fleet.host(h).link.problems {
            lines.push(field(
                theme,
                "Link",
                Span::styled(problem.to_string(), theme.ui.warn),
            ));
        }
    }
    if let Some(pin) = &claim.pin {
        lines.push(field(theme, "Pinned to", pin.clone()));
    }
    if claim.host.is_none() {
        let placement = match place_claim(fleet, c) {
            Placement::Server { host, node_type } => format!(
                "would get {} as node type {} now",
                fleet.shown_name(host),
                fleet.node_type(node_type).name
            ),
            Placement::Waiting { node_type: Some(t) } => format!(
                "waits: node type {} has no eligible server (not an error)",
                fleet.node_type(t).name
            ),
            Placement::Waiting { node_type: None } => {
                "waits: no node type its request can get has an eligible server (not an error)"
                    .into()
            }
            Placement::PinFailed { failure, .. } => format!("pin fails: {failure}"),
            Placement::ImageUnavailable { problem, .. } => {
                format!("would fail: failed to get OSImage: {problem}")
            }
        };
        lines.push(field(theme, "Placement", placement));
    } else {
        lines.push(drift_lines(theme, claim_drift(fleet, c)));
    }
    if let Some(differs) = drift_disagreement(fleet, c) {
        lines.push(field(
            theme,
            "Drift verdict",
            Span::styled(differs, theme.ui.warn),
        ));
    }
    if let Some(s) = status {
        for cond in &s.conditions {
            lines.push(field(
                theme,
                "Condition",
                format!(
                    "{} {}{}",
                    cond.type_,
                    cond.status,
                    cond.reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default()
                ),
            ));
        }
    }
    lines.push(Line::styled("Properties", theme.ui.header));
    for (k, v) in claim.properties() {
        lines.push(Line::from(vec![
            Span::styled(format!("  {k}"), theme.ui.muted),
            Span::raw(format!("={v}")),
        ]));
    }
    lines
}

/// The host a detail screen names, if it still exists.
pub fn host_of(fleet: &Fleet, key: &HostKey) -> Option<HostId> {
    fleet.host_by_key(key)
}

/// The lines of a detail screen; `None` when its object is gone.
pub fn lines<'a>(ctx: &DrawCtx<'a>, screen: &Screen) -> Option<Vec<Line<'a>>> {
    let fleet = ctx.data.fleet.as_ref();
    match screen {
        Screen::HostDetail(key) => host_of(fleet, key).map(|h| host_lines(ctx, h)),
        Screen::ClaimDetail { namespace, name } => fleet
            .claim_by_key(namespace, name)
            .map(|c| claim_lines(ctx, c)),
        Screen::Pane(_) => None,
    }
}

/// Enter on a detail screen: from a host to its claim, from a claim to its host.
pub fn drill(data: &FleetData, screen: &Screen) -> Option<View> {
    let fleet = data.fleet.as_ref();
    let next = match screen {
        Screen::HostDetail(key) => {
            let h = host_of(fleet, key)?;
            let Some(Holder::Claim(c)) = &fleet.host(h).holder else {
                return None;
            };
            let claim = fleet.claim(*c);
            Screen::ClaimDetail {
                namespace: claim.namespace.clone(),
                name: claim.name.clone(),
            }
        }
        Screen::ClaimDetail { namespace, name } => {
            let c = fleet.claim_by_key(namespace, name)?;
            let h = fleet.claim(c).host?;
            let host = fleet.host(h);
            Screen::HostDetail(host.key())
        }
        Screen::Pane(_) => return None,
    };
    Some(View::new(next, None))
}

/// Draws a host's or a machine's details, scrolled to the view's line; says so when the object is gone.
pub fn draw(frame: &mut Frame, area: Rect, ctx: &DrawCtx, view: &View) {
    let theme = &ctx.theme;
    let block = pane_block(theme, super::title_spans(ctx, view, &[]), String::new());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = lines(ctx, &view.screen).unwrap_or_else(|| {
        vec![Line::styled(
            "gone: this object was deleted since (Esc goes back)",
            theme.ui.warn,
        )]
    });
    let max_scroll = lines.len().saturating_sub(usize::from(inner.height));
    let scroll = view.selected.min(max_scroll).min(usize::from(u16::MAX)) as u16;
    frame.render_widget(
        Paragraph::new(safe::lines(lines))
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}
