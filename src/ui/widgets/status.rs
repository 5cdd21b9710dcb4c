//! The status line (context, each watch's state, data age, counts), the progress line of
//! the first sync, and the stale banner.

use super::big_number;
use crate::event::{Kind, WatchState};
use crate::format::{counted, thousands};
use crate::ui::app::{App, Freshness};
use crate::ui::clock;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn watch_text(app: &App, state: &WatchState) -> (String, Style) {
    let ui = &app.theme.ui;
    match state {
        WatchState::Connecting => ("connecting".into(), ui.warn),
        WatchState::Syncing { received } => {
            (format!("syncing {}", thousands(*received as u64)), ui.warn)
        }
        WatchState::Synced { .. } | WatchState::Loaded { .. } => ("ok".into(), ui.ok),
        WatchState::NotServed { .. } => ("none".into(), ui.muted),
        // The server's answer, within seconds (`throttled (429), retrying in 12s`,
        // `relisting (410), next in 8s`); a server that does not answer, by how long.
        WatchState::Stale { since, .. } => (
            state.failure_text(app.now).unwrap_or_else(|| {
                format!(
                    "stale {}",
                    clock::age(app.now.duration_since(*since).unwrap_or_default())
                )
            }),
            ui.error,
        ),
    }
}

pub fn status_line(app: &App) -> Line<'_> {
    let ui = &app.theme.ui;
    let base = ui.status;
    let sep = || Span::styled(" │ ", base);
    let mut spans = vec![Span::styled(
        format!(" {} ", app.settings.context),
        app.theme.on_bar(ui.title),
    )];
    spans.push(sep());
    for (i, (kinds, text, style)) in platform_groups(app).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" ", base));
        }
        spans.push(Span::styled(format!("{kinds}:"), base));
        spans.push(Span::styled(text, app.theme.on_bar(style)));
    }
    // Each Metal3 cluster's hosts: `hosts: dc1-infra ok · dc2-infra stale 2m`; while every
    // cluster reads the same, one word for all (`hosts:ok (2 clusters)`), so a wall display's
    // line keeps its counts in view.
    let clusters: Vec<(&str, (String, Style))> = cluster_states(app)
        .into_iter()
        .map(|(c, s)| (c, watch_text(app, s)))
        .collect();
    match clusters.as_slice() {
        [] => {}
        [(_, first), rest @ ..] if rest.iter().all(|(_, t)| t.0 == first.0) => {
            spans.push(Span::styled(" hosts:", base));
            spans.push(Span::styled(first.0.clone(), app.theme.on_bar(first.1)));
            spans.push(Span::styled(
                format!(
                    " ({})",
                    counted(clusters.len() as u64, "cluster", "clusters")
                ),
                base,
            ));
        }
        several => {
            let states = cluster_states(app);
            // Clusters that are not up to date first, so a line cut at 80 columns still
            // names the site that is down.
            let current = |i: usize| states.get(i).is_some_and(|(_, s)| s.is_synced());
            let mut order: Vec<usize> = (0..several.len()).collect();
            order.sort_by_key(|&i| current(i));
            for (n, i) in order.into_iter().enumerate() {
                let (cluster, (text, style)) = &several[i];
                spans.push(Span::styled(if n == 0 { " hosts: " } else { " · " }, base));
                spans.push(Span::styled(format!("{cluster} "), base));
                spans.push(Span::styled(text.clone(), app.theme.on_bar(*style)));
                if let Some((_, state @ WatchState::Stale { reason, .. })) = states.get(i)
                    && state.failure_text(app.now).is_none()
                {
                    spans.push(Span::styled(format!(": {}", short_reason(reason)), base));
                }
            }
        }
    }
    spans.push(sep());
    spans.push(Span::styled(
        match app.clock_text() {
            Some(age) => format!("data {age} old"),
            None => "no data yet".into(),
        },
        base,
    ));
    if app.source_ended {
        spans.push(Span::styled(" · source ended", app.theme.on_bar(ui.warn)));
    }
    let t = &app.data.totals;
    spans.push(sep());
    if app.freshness() == Freshness::NoData {
        // Counts of a fleet half listed, or of nothing, would be false.
        spans.push(Span::styled("counts after the first sync", base));
        spans.push(sep());
        spans.push(Span::styled(writes_text(app), base));
        return Line::from(spans).style(base);
    }
    spans.push(Span::styled(
        format!(
            "{} · {} GPUs · ",
            counted(t.hosts, "host", "hosts"),
            thousands(t.gpus_total)
        ),
        base,
    ));
    spans.push(Span::styled(
        format!("{} free", thousands(t.gpus_free)),
        app.theme.on_bar(app.theme.host.free),
    ));
    spans.push(Span::styled(
        format!(" · {}", counted(t.claims, "claim", "claims")),
        base,
    ));
    if t.hosts_in_error > 0 {
        spans.push(Span::styled(
            format!(" · {} in error", thousands(t.hosts_in_error)),
            app.theme.on_bar(ui.error),
        ));
    }
    spans.push(sep());
    spans.push(Span::styled(writes_text(app), base));
    Line::from(spans).style(base)
}

fn writes_text(app: &App) -> String {
    match app.writer_target() {
        Some(target) => format!("writes to {target}"),
        None => "read-only".into(),
    }
}

/// The second status line, while something was left out or deserves a look: how many objects
/// were skipped, the first of them named (kind, namespace/name, field, why), and how many
/// warnings. `:ctx` lists them all.
pub fn skipped_line(app: &App) -> Option<Line<'_>> {
    let text = skipped_text(app)?;
    let ui = &app.theme.ui;
    Some(Line::from(Span::styled(format!(" {text}"), app.theme.on_bar(ui.warn))).style(ui.status))
}

fn skipped_text(app: &App) -> Option<String> {
    let skipped = app.live().skipped(1);
    let skipped_count = app.live().skipped_count();
    let warnings = &app.live().notes().warnings;
    let count = |n: usize, one: &str, many: &str| {
        (n > 0).then(|| {
            format!(
                "{} {}",
                thousands(n as u64),
                if n == 1 { one } else { many }
            )
        })
    };
    let counts: Vec<String> = [
        count(skipped_count, "skipped", "skipped"),
        count(warnings.len(), "warning", "warnings"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let first = skipped.first().or(warnings.first())?;
    Some(format!("{} (:ctx): {first}", counts.join(" · ")))
}

/// While the first sync runs: what each watch has so far.
pub fn progress_line(app: &App) -> Line<'_> {
    let ui = &app.theme.ui;
    let mut spans = vec![Span::styled("first sync: ", ui.warn)];
    let watches: Vec<_> = app.live().all_watches().collect();
    let done = watches.iter().filter(|(_, _, s)| s.is_synced()).count();
    spans.push(Span::styled(
        format!("{done} of {} watches synced", watches.len()),
        ui.text,
    ));
    for (cluster, kind, state) in watches {
        if !state.is_synced() {
            let (text, style) = watch_text(app, state);
            let name = match cluster {
                Some(c) => format!(" · {kind} of {c}: "),
                None => format!(" · {kind}: "),
            };
            spans.push(Span::styled(name, ui.muted));
            spans.push(Span::styled(text, style));
        }
    }
    Line::from(spans)
}

/// The platform's watches as the status line shows them: each kind and its state
/// (`claims:ok`), kinds a cluster may not serve only when their watch fails (`:ctx` lists
/// all); kinds failing with the same answer said once, with the soonest retry
/// (`providers types claims images: throttled (429), retrying in 9s`), so a server that
/// refuses every watch does not push the counts off the line.
fn platform_groups(app: &App) -> Vec<(String, String, Style)> {
    let mut groups: Vec<(Vec<&str>, &WatchState)> = Vec::new();
    let shown =
        app.live().watches().iter().filter(|(kind, state)| {
            !kind.is_optional() || matches!(state, WatchState::Stale { .. })
        });
    for (kind, state) in shown {
        let answer = |s: &WatchState| match s {
            WatchState::Stale { trouble, .. } if trouble.is_answer() => Some(*trouble),
            _ => None,
        };
        let same = groups
            .iter_mut()
            .find(|(_, s)| answer(state).is_some() && answer(s) == answer(state));
        match same {
            Some((kinds, shown)) => {
                kinds.push(kind.short());
                // The soonest retry of the group.
                if let (
                    WatchState::Stale {
                        retry_at: Some(a), ..
                    },
                    WatchState::Stale {
                        retry_at: Some(b), ..
                    },
                ) = (state, *shown)
                    && a < b
                {
                    *shown = state;
                }
            }
            None => groups.push((vec![kind.short()], state)),
        }
    }
    groups
        .into_iter()
        .map(|(kinds, state)| {
            let (text, style) = watch_text(app, state);
            (kinds.join(" "), text, style)
        })
        .collect()
}

/// The end of a watch error, what a status line has room for: `connection refused` of
/// `…: tcp connect error: connection refused`.
fn short_reason(reason: &str) -> &str {
    reason.rsplit(": ").next().unwrap_or(reason).trim()
}

/// Each Metal3 cluster's watch, as one state: its BareMetalHosts' watch, or its
/// HardwareData's when that one fails. Empty where one watch serves every host.
pub fn cluster_states(app: &App) -> Vec<(&str, &WatchState)> {
    let mut out: Vec<(&str, &WatchState)> = Vec::new();
    for ((cluster, kind), state) in app.live().cluster_watches() {
        let failing = matches!(state, WatchState::Stale { .. });
        let same = out.last().is_some_and(|(c, _)| *c == cluster.as_str());
        if !same {
            if *kind == Kind::BareMetalHost || failing {
                out.push((cluster, state));
            }
        } else if let Some((_, shown)) = out.last_mut()
            && failing
            && !matches!(shown, WatchState::Stale { .. })
        {
            *shown = state;
        }
    }
    out
}

/// The stale banner's text, when a watch has failed for longer than the threshold.
pub fn stale_text(app: &App) -> Option<String> {
    let failing = app.stale_for()?;
    let reasons: Vec<String> = app
        .live()
        .all_watches()
        .filter_map(|(cluster, kind, s)| {
            let line = s.failure_line()?;
            Some(match cluster {
                None => format!("{kind}: {line}"),
                Some(c) => format!("{kind} of {c}: {line}"),
            })
        })
        .collect();
    // What failed first: a banner cut at 80 columns still names the cluster that is down.
    Some(format!(
        "STALE DATA {}, reconnecting — {}",
        clock::age(failing),
        reasons.join("; ")
    ))
}

/// The stale banner over `area`: one row; on a wall display as tall as its figures, with
/// "STALE" and the data's age in their big letters above the reasons.
pub fn draw_stale_banner(frame: &mut Frame, area: Rect, app: &App, text: String) {
    let style = app.theme.ui.stale_banner;
    let mut lines = Vec::new();
    if area.height > big_number::HEIGHT {
        let age = app.stale_for().map(clock::age).unwrap_or_default();
        let big = [format!("STALE DATA {age}"), format!("STALE {age}")]
            .into_iter()
            .find(|t| big_number::text_width(t) < usize::from(area.width));
        match big {
            Some(words) => lines.extend(big_number::big_text(&words, style)),
            None => lines.extend([Line::from(""), Line::from(""), Line::from("")]),
        }
    }
    lines.push(Line::from(text));
    frame.render_widget(
        Paragraph::new(super::safe::lines(lines))
            .style(style)
            .centered(),
        area,
    );
}
