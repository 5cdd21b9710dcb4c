//! Drawing the dialogs over the body of the screen, from `&App` only. At 80x24 a dialog
//! takes the whole body; on larger screens it is a box in the middle. Inputs on top, then
//! what the last write said, then the preview, which scrolls.

use super::Dialog;
use super::field::Field;
use super::flow::{Flow, ProblemKind, Stage, report_lines};
use super::labels::{LabelDialog, LabelStep};
use super::pin::{PinDialog, PinFocus, PinFrom};
use super::preview::{PLine, Tone};
use super::rotate::{RotateDialog, RotateFocus};
use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::safe;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Largest dialog box; smaller screens get the whole body.
const MAX: (u16, u16) = (150, 48);
/// Width of a field's label.
const LABEL: u16 = 15;

fn tone(theme: &Theme, tone: Tone) -> Style {
    let ui = &theme.ui;
    match tone {
        Tone::Text => ui.text,
        Tone::Muted => ui.muted,
        Tone::Header => ui.header,
        Tone::Good => ui.ok,
        Tone::Warn => ui.warn,
        Tone::Bad => ui.error,
    }
}

fn line<'a>(theme: &Theme, l: &'a PLine) -> Line<'a> {
    Line::from(
        l.0.iter()
            .map(|(t, s)| Span::styled(s.as_str(), tone(theme, *t)))
            .collect::<Vec<_>>(),
    )
}

fn owned_line(theme: &Theme, l: PLine) -> Line<'static> {
    Line::from(
        l.0.into_iter()
            .map(|(t, s)| Span::styled(s, tone(theme, t)))
            .collect::<Vec<_>>(),
    )
}

fn stage_text(flow: &Flow) -> &'static str {
    match flow.stage {
        Stage::Editing if flow.proposal.ready => " preview: Enter runs a dry run ",
        Stage::Editing => " preview ",
        Stage::DryRunning { .. } => " dry run… ",
        Stage::Confirming { .. } => " confirm: Enter writes, Esc goes back ",
        Stage::Committing { .. } => " writing… ",
    }
}

/// The box: the body at small sizes, centred at most [`MAX`] on large ones.
fn dialog_area(body: Rect) -> Rect {
    let w = body.width.min(MAX.0);
    let h = body.height.min(MAX.1);
    Rect {
        x: body.x + (body.width - w) / 2,
        y: body.y + (body.height - h) / 2,
        width: w,
        height: h,
    }
}

pub fn draw(frame: &mut Frame, body: Rect, app: &App, dialog: &Dialog) {
    let theme = &app.theme;
    let area = dialog_area(body);
    frame.render_widget(Clear, area);
    let flow = dialog.flow();
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.ui.border_focus)
        .title(safe::span(Span::styled(
            format!(" {} ", dialog.title()),
            theme.ui.title,
        )))
        .title_bottom(Line::from(Span::styled(stage_text(flow), theme.ui.key)).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 3 || inner.width < 10 {
        return;
    }
    let inputs_h = dialog
        .kind()
        .inputs_height()
        // The preview keeps at least four rows.
        .min(inner.height.saturating_sub(4));
    let problem = problem_lines(app, flow);
    // Rows the lines take once wrapped, up to four.
    let problem_h = problem
        .iter()
        .map(|l| (l.width() as u16).div_ceil(inner.width.max(1)).max(1))
        .sum::<u16>()
        .min(4);
    let [inputs, problem_area, preview] = Layout::vertical([
        Constraint::Length(inputs_h),
        Constraint::Length(problem_h),
        Constraint::Min(1),
    ])
    .areas(inner);
    dialog.kind().draw_inputs(frame, inputs, app);
    frame.render_widget(
        Paragraph::new(safe::text(problem)).wrap(Wrap { trim: true }),
        problem_area,
    );
    draw_preview(frame, preview, app, flow);
}

/// The last write's complaint, and the copy note of a pin.
fn problem_lines(app: &App, flow: &Flow) -> Vec<Line<'static>> {
    let ui = &app.theme.ui;
    let mut out = Vec::new();
    if let Some(p) = &flow.problem {
        let lead = match p.kind {
            ProblemKind::Conflict => "CONFLICT ",
            ProblemKind::Refused => "REFUSED ",
        };
        out.push(Line::from(vec![
            Span::styled(lead, ui.error),
            Span::styled(p.text.clone(), ui.warn),
        ]));
    }
    if let Some(Dialog::Pin(d)) = app.dialog()
        && let Some(note) = &d.copy_note
    {
        let style = if note.starts_with("not copied") {
            ui.warn
        } else {
            ui.ok
        };
        out.push(Line::styled(note.clone(), style));
    }
    out
}

fn draw_preview(frame: &mut Frame, area: Rect, app: &App, flow: &Flow) {
    let theme = &app.theme;
    let target = app.writer_target().unwrap_or_default();
    let mut head: Vec<PLine> = match &flow.stage {
        Stage::Confirming { report } => report_lines(
            report,
            &target,
            false,
            flow.proposal.fleet.hosts_span_clusters(),
        ),
        Stage::DryRunning { .. } => vec![PLine::one(
            Tone::Warn,
            format!("Dry run on {target}: waiting for the server…"),
        )],
        Stage::Committing { .. } => vec![PLine::one(
            Tone::Warn,
            format!("Writing to {target}: waiting for the server…"),
        )],
        Stage::Editing => Vec::new(),
    };
    if !head.is_empty() {
        head.push(PLine::default());
    }
    let total = flow.proposal.lines.len();
    let position = if total == 0 {
        String::new()
    } else {
        format!(" {}–{} of {} ", flow.scroll + 1, total, total)
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.ui.border)
        .title(Span::styled(" Preview ", theme.ui.header))
        .title(Line::from(Span::styled(position, theme.ui.muted)).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = head.into_iter().map(|l| owned_line(theme, l)).collect();
    lines.extend(
        flow.proposal
            .lines
            .iter()
            .skip(flow.scroll)
            .take(usize::from(inner.height))
            .map(|l| line(theme, l)),
    );
    frame.render_widget(
        Paragraph::new(safe::text(lines)).wrap(Wrap { trim: false }),
        inner,
    );
}

/// A list of `items` in `height` rows, scrolled to keep `selected` in view.
/// A list of `height` rows around the selected item. When there are more items than rows,
/// the first or last row says how many more there are above or below.
fn list_lines<'a>(
    theme: &Theme,
    items: impl ExactSizeIterator<Item = String>,
    selected: usize,
    focused: bool,
    height: u16,
) -> Vec<Line<'a>> {
    let len = items.len();
    let h = usize::from(height).max(1);
    // Keep a row below the selected item for the "more below" note, when there is room.
    let margin = if h >= 3 { 2 } else { 1 };
    let start = selected
        .saturating_sub(h - margin)
        .min(len.saturating_sub(h));
    let end = (start + h).min(len);
    // Rows given to "more" notes, never the selected item's.
    let above = start > 0 && h >= 3 && selected > start;
    let below = end < len && h >= 3 && selected + 1 < end;
    let mut lines: Vec<Line<'a>> = items
        .enumerate()
        .skip(start)
        .take(h)
        .map(|(i, text)| {
            let (mark, style) = match (i == selected, focused) {
                (true, true) => ("› ", theme.ui.selected),
                (true, false) => ("› ", theme.ui.key),
                _ => ("  ", theme.ui.text),
            };
            Line::from(vec![
                Span::styled(mark, theme.ui.key),
                Span::styled(text, style),
            ])
        })
        .collect();
    let more = |n: usize, arrow: &str| {
        Line::from(Span::styled(
            format!(
                "  {arrow} {n} more {}",
                if arrow == "↑" { "above" } else { "below" }
            ),
            theme.ui.key,
        ))
    };
    if above {
        lines[0] = more(start + 1, "↑");
    }
    if below && let Some(last) = lines.last_mut() {
        *last = more(len - end + 1, "↓");
    }
    lines
}

/// `label  [text field]` on one row.
fn draw_field(frame: &mut Frame, area: Rect, theme: &Theme, field: &Field, focused: bool) {
    let [label, input] =
        Layout::horizontal([Constraint::Length(LABEL), Constraint::Min(1)]).areas(area);
    let style = if focused {
        theme.ui.key
    } else {
        theme.ui.muted
    };
    frame.render_widget(
        Paragraph::new(safe::text(Span::styled(field.label, style))),
        label,
    );
    frame.render_widget(&field.editor, input);
}

fn label_text(theme: &Theme, text: &str, focused: bool) -> Span<'static> {
    Span::styled(
        format!("{text:<width$}", width = usize::from(LABEL)),
        if focused {
            theme.ui.key
        } else {
            theme.ui.muted
        },
    )
}

pub(super) fn labels_height(d: &LabelDialog) -> u16 {
    match &d.step {
        LabelStep::Choose { options, .. } => options.len() as u16 + 2,
        LabelStep::Edit(e) => (e.field.line_count() as u16).clamp(1, 4) + 2,
        LabelStep::Undo { .. } => 2,
    }
}

pub(super) fn draw_labels(frame: &mut Frame, area: Rect, app: &App, d: &LabelDialog) {
    let theme = &app.theme;
    let ui = &theme.ui;
    match &d.step {
        LabelStep::Choose { options, selected } => {
            let mut lines = vec![Line::styled("Edit the labels of (↑/↓, Enter):", ui.header)];
            lines.extend(list_lines(
                theme,
                options.iter().map(|o| o.describe.clone()),
                *selected,
                true,
                area.height.saturating_sub(1),
            ));
            frame.render_widget(Paragraph::new(safe::text(lines)), area);
        }
        LabelStep::Edit(e) => {
            let [editor, check, completion] = Layout::vertical([
                Constraint::Min(1),
                Constraint::Length(1),
                Constraint::Length(1),
            ])
            .areas(area);
            let [gutter, text] =
                Layout::horizontal([Constraint::Length(2), Constraint::Min(1)]).areas(editor);
            frame.render_widget(
                Paragraph::new(safe::text(Span::styled("›", ui.key))),
                gutter,
            );
            frame.render_widget(&e.field.editor, text);
            let check_line = match e.parsed.problems.iter().find(|p| !p.typing) {
                Some(p) => Line::from(vec![
                    Span::styled(format!("✗ line {} {:?}: ", p.line, p.word), ui.error),
                    Span::styled(p.message.clone(), ui.warn),
                ]),
                None => match e.parsed.problems.first() {
                    Some(p) => Line::styled(format!("… {}", p.message), ui.muted),
                    None if e.parsed.words.is_empty() => {
                        Line::styled("type label edits in kubectl syntax", ui.muted)
                    }
                    None => Line::styled(format!("✓ {}", e.parsed.words.join(" ")), ui.ok),
                },
            };
            frame.render_widget(Paragraph::new(safe::text(check_line)), check);
            let c = &e.completion;
            let mut spans = vec![Span::styled(
                if c.is_value {
                    "Tab values: "
                } else {
                    "Tab keys: "
                },
                ui.muted,
            )];
            if c.candidates.is_empty() {
                spans = vec![Span::styled(
                    "Tab completes keys and values from the fleet",
                    ui.muted,
                )];
            }
            for (name, hosts) in c.candidates.iter().take(12) {
                spans.push(Span::styled(name.clone(), ui.key));
                spans.push(Span::styled(format!(" {hosts}  "), ui.muted));
            }
            frame.render_widget(Paragraph::new(safe::text(Line::from(spans))), completion);
        }
        LabelStep::Undo { describe, .. } => {
            let lines = vec![
                Line::from(vec![
                    Span::styled("Restores ", ui.muted),
                    Span::styled(describe.clone(), ui.text),
                ]),
                Line::styled(
                    "every label the last edit set or removed goes back to its value before it",
                    ui.muted,
                ),
            ];
            frame.render_widget(Paragraph::new(safe::text(lines)), area);
        }
    }
}

pub(super) fn pin_height(d: &PinDialog) -> u16 {
    if d.from_claim() {
        // The claim, the filter, and the servers.
        return 2 + (d.shown.len() as u16).clamp(1, 6);
    }
    if d.new_claim {
        1 + (d.types.len() as u16).clamp(1, 3) + 2
    } else {
        2 + (d.shown.len() as u16).clamp(1, 5)
    }
}

pub(super) fn draw_pin(frame: &mut Frame, area: Rect, app: &App, d: &PinDialog) {
    let theme = &app.theme;
    let ui = &theme.ui;
    let focus = d.focus;
    let [first, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    match &d.from {
        PinFrom::Claim { key } => {
            frame.render_widget(
                Paragraph::new(safe::text(Line::from(vec![
                    label_text(theme, "machine", false),
                    Span::styled(key.clone(), ui.text),
                ]))),
                first,
            );
        }
        PinFrom::Server { .. } => {
            let choice = |on: bool, text: &'static str| {
                let style = match (on, focus == PinFocus::Target) {
                    (true, true) => ui.selected,
                    (true, false) => ui.key,
                    _ => ui.muted,
                };
                Span::styled(format!("{} {text}", if on { "(•)" } else { "( )" }), style)
            };
            frame.render_widget(
                Paragraph::new(safe::text(Line::from(vec![
                    label_text(theme, "claim", focus == PinFocus::Target),
                    choice(!d.new_claim, "a pending claim"),
                    Span::raw("   "),
                    choice(d.new_claim, "a new claim"),
                ]))),
                first,
            );
        }
    }
    if d.new_claim && !d.from_claim() {
        let types_h = (d.types.len() as u16).clamp(1, 3);
        let [types, v, p] = Layout::vertical([
            Constraint::Length(types_h),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(rest);
        let [label, list] =
            Layout::horizontal([Constraint::Length(LABEL), Constraint::Min(1)]).areas(types);
        frame.render_widget(
            Paragraph::new(safe::text(label_text(
                theme,
                "node type",
                focus == PinFocus::NodeType,
            ))),
            label,
        );
        let type_lines = if d.types.is_empty() {
            vec![Line::styled("no node type serves this server", ui.error)]
        } else {
            list_lines(
                theme,
                d.types.iter().cloned(),
                d.type_index,
                focus == PinFocus::NodeType,
                types_h,
            )
        };
        frame.render_widget(Paragraph::new(safe::text(type_lines)), list);
        draw_field(frame, v, theme, &d.vcluster, focus == PinFocus::Vcluster);
        draw_field(frame, p, theme, &d.project, focus == PinFocus::Project);
        return;
    }
    let [filter, choices] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(rest);
    draw_field(frame, filter, theme, &d.filter, focus == PinFocus::List);
    let [_, list] =
        Layout::horizontal([Constraint::Length(LABEL), Constraint::Min(1)]).areas(choices);
    let lines = if d.shown.is_empty() {
        let what = if d.from_claim() {
            "no server matches a node type this claim's request can get"
        } else {
            "no pending claim"
        };
        vec![Line::styled(
            format!("{what} ({} in all)", d.choices.len()),
            ui.muted,
        )]
    } else {
        list_lines(
            theme,
            d.shown.iter().map(|&i| d.choices[i].text()),
            d.choice_index,
            focus == PinFocus::List,
            choices.height,
        )
    };
    frame.render_widget(Paragraph::new(safe::text(lines)), list);
}

pub(super) fn rotate_height(d: &RotateDialog) -> u16 {
    let images = (d.images.len() as u16 + 1).clamp(1, 4);
    images + if d.is_new() { 4 } else { 0 }
}

pub(super) fn draw_rotate(frame: &mut Frame, area: Rect, app: &App, d: &RotateDialog) {
    let theme = &app.theme;
    let images_h = (d.images.len() as u16 + 1).clamp(1, 4);
    let [images, fields] =
        Layout::vertical([Constraint::Length(images_h), Constraint::Min(0)]).areas(area);
    let [label, list] =
        Layout::horizontal([Constraint::Length(LABEL), Constraint::Min(1)]).areas(images);
    let focus = d.focus;
    frame.render_widget(
        Paragraph::new(safe::text(label_text(
            theme,
            "OS image",
            focus == RotateFocus::Image,
        ))),
        label,
    );
    let items = std::iter::once("+ a new OSImage (never edit one in place)".to_string()).chain(
        d.images.iter().map(|(name, url)| {
            let current = if Some(name) == d.current.as_ref() {
                " (current)"
            } else {
                ""
            };
            format!("{name}{current}  {url}")
        }),
    );
    let items: Vec<String> = items.collect();
    frame.render_widget(
        Paragraph::new(safe::text(list_lines(
            theme,
            items.into_iter(),
            d.image_index,
            focus == RotateFocus::Image,
            images_h,
        ))),
        list,
    );
    if d.is_new() {
        let rows: [Rect; 4] = Layout::vertical([Constraint::Length(1); 4]).areas(fields);
        for (row, (field, f)) in rows.into_iter().zip([
            (&d.name, RotateFocus::Name),
            (&d.url, RotateFocus::Url),
            (&d.checksum, RotateFocus::Checksum),
            (&d.checksum_type, RotateFocus::ChecksumType),
        ]) {
            draw_field(frame, row, theme, field, focus == f);
        }
    }
}
