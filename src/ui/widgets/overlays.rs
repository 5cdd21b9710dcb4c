//! Overlays: the help, generated from the keymap, and the context (`:ctx`): where the data
//! comes from, where writes would go, and how each watch is doing.

use crate::event::{Kind, WatchState};
use crate::format::{counted, thousands};
use crate::ui::app::{App, Mode};
use crate::ui::clock;
use crate::ui::keymap::{KeyMode, Section, bindings, keys_label};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// A box `width` x `height` in the middle of `area`, never larger than it.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn boxed<'a>(theme: &Theme, title: &'a str) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(theme.ui.border_focus)
        .title(Span::styled(format!(" {title} "), theme.ui.title))
        .title_bottom(Line::from(Span::styled(" Esc closes ", theme.ui.muted)).right_aligned())
}

/// The help text: every binding of the interactive modes, by section.
pub fn help_lines(theme: &Theme) -> Vec<Line<'static>> {
    let mut by_section: Vec<(Section, Vec<Line<'static>>)> = Vec::new();
    for mode in [
        KeyMode::Browse,
        KeyMode::Input,
        KeyMode::Labels,
        KeyMode::Pin,
        KeyMode::Rotate,
        KeyMode::Review,
    ] {
        for b in bindings(mode) {
            let line = Line::from(vec![
                Span::styled(format!("  {:<13}", keys_label(b)), theme.ui.key),
                Span::styled(b.help, theme.ui.text),
            ]);
            match by_section.iter_mut().find(|(s, _)| *s == b.section) {
                Some((_, lines)) => {
                    if !lines.contains(&line) {
                        lines.push(line)
                    }
                }
                None => by_section.push((b.section, vec![line])),
            }
        }
    }
    by_section.sort_by_key(|(s, _)| *s);
    let mut out = Vec::new();
    for (section, lines) in by_section {
        out.push(Line::styled(section.title(), theme.ui.header));
        out.extend(lines);
        out.push(Line::from(""));
    }
    out.pop();
    out
}

/// How the help is laid out on a screen of `area`: in two columns from 140 wide (split after
/// the section that passes half), else one; the box's size; and how far it can scroll.
pub struct HelpLayout {
    pub two_columns: bool,
    /// Index of the first line of the right column.
    pub split: usize,
    pub outer: Rect,
    /// Lines a column shows at once.
    pub visible: usize,
    /// Lines of the longest column.
    pub rows: usize,
}

impl HelpLayout {
    pub fn of(area: Rect, lines: &[Line]) -> HelpLayout {
        let two_columns = area.width >= 140;
        let half = lines.len().div_ceil(2);
        let split = (half..lines.len())
            .find(|&i| lines[i].width() == 0)
            .map_or(lines.len(), |i| i + 1);
        let rows = if two_columns {
            split.max(lines.len() - split)
        } else {
            lines.len()
        };
        let width = if two_columns { 160 } else { 90 };
        let outer = centered(area, width, rows as u16 + 2);
        HelpLayout {
            two_columns,
            split: if two_columns { split } else { lines.len() },
            outer,
            visible: usize::from(outer.height.saturating_sub(2)),
            rows,
        }
    }

    /// The furthest the help scrolls: its last line at the bottom of the box.
    pub fn max_scroll(&self) -> u16 {
        self.rows.saturating_sub(self.visible) as u16
    }
}

/// Draws the keys, scrolled by `scroll` lines (at most to the end).
pub fn draw_help(frame: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let theme = &app.theme;
    let lines = help_lines(theme);
    let layout = HelpLayout::of(area, &lines);
    let scroll = scroll.min(layout.max_scroll());
    let outer = layout.outer;
    frame.render_widget(Clear, outer);
    let mut block = boxed(theme, "gpufleet keys");
    if layout.max_scroll() > 0 {
        // The help does not fit: say where we are and that there is more, and how to see it.
        let first = usize::from(scroll) + 1;
        let last = (usize::from(scroll) + layout.visible).min(layout.rows);
        let more = if last < layout.rows { " ↓ more" } else { "" };
        block = block.title_bottom(
            Line::from(Span::styled(
                format!(
                    " lines {first}–{last} of {}{more} · j/k PgDn/PgUp scroll ",
                    layout.rows
                ),
                theme.ui.key,
            ))
            .left_aligned(),
        );
    }
    let inner = block.inner(outer);
    frame.render_widget(block, outer);
    if layout.two_columns {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(inner);
        let (a, b) = lines.split_at(layout.split);
        frame.render_widget(
            Paragraph::new(super::safe::lines(a.to_vec())).scroll((scroll, 0)),
            left,
        );
        frame.render_widget(
            Paragraph::new(super::safe::lines(b.to_vec())).scroll((scroll, 0)),
            right,
        );
    } else {
        frame.render_widget(
            Paragraph::new(super::safe::lines(lines)).scroll((scroll, 0)),
            inner,
        );
    }
}

fn watch_detail(app: &App, state: &WatchState) -> String {
    let ago = |t: std::time::SystemTime| clock::age(app.now.duration_since(t).unwrap_or_default());
    match state {
        WatchState::Connecting => "connecting".into(),
        WatchState::Syncing { received } => {
            format!("listing, {} received", thousands(*received as u64))
        }
        WatchState::Synced { since } => format!("synced {} ago, streaming changes", ago(*since)),
        WatchState::Loaded { at } => {
            format!("read from files {} ago, not watched for changes", ago(*at))
        }
        // `relisting (410), next in 8s for 2m: 410 Gone: …`: the server's answer, then what
        // it said; a server that does not answer is reconnected to.
        WatchState::Stale { since, reason, .. } => match state.failure_text(app.now) {
            Some(answer) => format!("{answer}; failing for {}: {reason}", ago(*since)),
            None => format!("failing for {}: {reason}; reconnecting", ago(*since)),
        },
        WatchState::NotServed { since } => format!(
            "not served by this cluster (checked {} ago): nothing to read",
            ago(*since)
        ),
    }
}

/// Items listed per section of `:ctx` (skipped objects, warnings); the rest are counted.
pub const CONTEXT_LIST_MAX: usize = 8;
/// Width of the `:ctx` box, borders included.
const CONTEXT_WIDTH: u16 = 96;

/// `text` in pieces of at most `width` characters, broken after a space where one is near.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > width {
        let cut = rest[width / 2..width]
            .iter()
            .rposition(|c| *c == ' ')
            .map_or(width, |i| width / 2 + i + 1);
        pieces.push(
            rest[..cut]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_string(),
        );
        rest.drain(..cut);
        let spaces = rest.iter().take_while(|c| **c == ' ').count();
        rest.drain(..spaces);
    }
    pieces.push(rest.into_iter().collect());
    pieces
}

pub fn context_lines(app: &App) -> Vec<Line<'_>> {
    let theme = &app.theme;
    let field = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<14}"), theme.ui.muted),
            Span::styled(v, theme.ui.text),
        ])
    };
    let mut lines = vec![
        field("context", app.settings.context.clone()),
        field("source", app.settings.source.clone()),
        field(
            "writes",
            match (app.settings.mode, app.writer_target()) {
                (Mode::Watch, _) => "none: watch mode is read-only by construction".into(),
                (_, Some(t)) => format!("to {t}"),
                (_, None) => "none: this source is read-only".into(),
            },
        ),
        field(
            "audit log",
            match (&app.writer_target(), &app.settings.audit_log) {
                (None, _) => "none: nothing can be written".into(),
                (Some(_), Some(path)) => format!("{} (one JSON line per write)", path.display()),
                (Some(_), None) => "none: set XDG_STATE_HOME or HOME to keep one".into(),
            },
        ),
        field(
            "theme",
            format!("{} at {:?} colours", app.theme.name, app.theme.depth),
        ),
        Line::styled("Watches", theme.ui.header),
    ];
    // One column for the watches' names, as wide as the longest (`hosts of dc1-infra`), so a
    // cluster's name never runs into its count.
    let objects = app.live().objects();
    let per_cluster: Vec<(String, String)> = app
        .live()
        .cluster_watches()
        .iter()
        .map(|((cluster, kind), state)| {
            let count = match kind {
                Kind::BareMetalHost => objects
                    .hosts
                    .keys()
                    .filter(|k| &k.cluster == cluster)
                    .count(),
                _ => objects
                    .hardware_data
                    .keys()
                    .filter(|k| &k.cluster == cluster)
                    .count(),
            };
            let name = if cluster.is_empty() {
                format!("  {}", kind.short())
            } else {
                format!("  {} of {cluster}", kind.short())
            };
            (
                name,
                format!(
                    "{} · {}",
                    counted(count as u64, "object", "objects"),
                    watch_detail(app, state)
                ),
            )
        })
        .collect();
    let shared: Vec<(String, String)> = app
        .live()
        .watches()
        .iter()
        .map(|(kind, state)| {
            let rejected = app.live().rejected_count(*kind);
            let skipped = if rejected == 0 {
                String::new()
            } else {
                format!(" · {} skipped", thousands(rejected as u64))
            };
            (
                format!("  {}", kind.short()),
                format!(
                    "{}{skipped} · {}",
                    counted(objects.count(*kind) as u64, "object", "objects"),
                    watch_detail(app, state)
                ),
            )
        })
        .collect();
    let width = per_cluster
        .iter()
        .chain(&shared)
        .map(|(k, _)| k.chars().count() + 2)
        .max()
        .unwrap_or(0)
        .max(14);
    for (k, v) in per_cluster.into_iter().chain(shared) {
        lines.push(Line::from(vec![
            Span::styled(format!("{k:<width$}"), theme.ui.muted),
            Span::styled(v, theme.ui.text),
        ]));
    }
    let listed = |title: &str, items: &[String], total: usize, lines: &mut Vec<Line<'_>>| {
        if total == 0 {
            return;
        }
        lines.push(Line::styled(
            format!("{title} ({})", thousands(total as u64)),
            theme.ui.header,
        ));
        for item in items.iter().take(CONTEXT_LIST_MAX) {
            for (i, part) in wrap(item, CONTEXT_WIDTH as usize - 6)
                .into_iter()
                .enumerate()
            {
                let indent = if i == 0 { "  " } else { "    " };
                lines.push(Line::styled(format!("{indent}{part}"), theme.ui.warn));
            }
        }
        if total > CONTEXT_LIST_MAX {
            lines.push(Line::styled(
                format!(
                    "  … and {} more",
                    thousands((total - CONTEXT_LIST_MAX) as u64)
                ),
                theme.ui.muted,
            ));
        }
    };
    listed(
        "Skipped: objects that could not be read",
        &app.live().skipped(CONTEXT_LIST_MAX),
        app.live().skipped_count(),
        &mut lines,
    );
    let notes = &app.live().notes().warnings;
    listed("Source warnings", notes, notes.len(), &mut lines);
    let warnings = app.data.fleet.warnings();
    if !warnings.is_empty() {
        lines.push(Line::styled(
            format!("Snapshot warnings ({})", warnings.len()),
            theme.ui.header,
        ));
        for w in warnings.iter().take(5) {
            lines.push(Line::styled(format!("  {w}"), theme.ui.warn));
        }
    }
    lines
}

pub fn draw_context(frame: &mut Frame, area: Rect, app: &App) {
    let lines = context_lines(app);
    let outer = centered(area, CONTEXT_WIDTH, lines.len() as u16 + 2);
    frame.render_widget(Clear, outer);
    let block = boxed(&app.theme, "context");
    let inner = block.inner(outer);
    frame.render_widget(block, outer);
    frame.render_widget(Paragraph::new(super::safe::lines(lines)), inner);
}

/// Text on its own for a mouse copy: the whole screen cleared, the text from the first
/// column with nothing beside it (no border a selection would pick up), what the copy said
/// above it, how to close it below.
pub fn draw_copy_text(frame: &mut Frame, area: Rect, app: &App, text: &str, note: &str) {
    let ui = &app.theme.ui;
    frame.render_widget(Clear, area);
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(super::safe::line(Line::styled(note, ui.warn)))
            .wrap(ratatui::widgets::Wrap { trim: true }),
        head,
    );
    let lines: Vec<Line> = text
        .lines()
        .map(|l| Line::styled(l.to_string(), ui.text))
        .collect();
    frame.render_widget(Paragraph::new(super::safe::lines(lines)), body);
    frame.render_widget(
        Paragraph::new(Line::styled(
            "select the text with the mouse (with --mouse: hold Shift) · Esc or q closes",
            ui.muted,
        )),
        foot,
    );
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn long_lines_wrap_after_a_space_and_lose_nothing() {
        let text = "NodeClaim p-default/c: field spec.requirements[0].operator: unknown variant";
        let pieces = wrap(text, 30);
        assert!(pieces.iter().all(|p| p.chars().count() <= 30), "{pieces:?}");
        assert_eq!(pieces.join(" "), text);
        assert_eq!(wrap("short", 30), ["short"]);
        assert_eq!(
            wrap(&"x".repeat(25), 10),
            ["x".repeat(10), "x".repeat(10), "x".repeat(5)]
        );
    }
}
