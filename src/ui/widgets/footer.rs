//! The bottom line: a notice if there is one, else the prompt being typed, else key hints
//! generated from the keymap.

use crate::ui::app::{App, Mode, PromptKind};
use crate::ui::keymap::footer_hints;
use ratatui::text::{Line, Span};

pub fn footer_line(app: &App) -> Line<'_> {
    let ui = &app.theme.ui;
    if let Some(n) = &app.notice {
        return Line::from(Span::styled(
            format!(" {}", n.text),
            if n.is_error() { ui.error } else { ui.warn },
        ));
    }
    if let Some(p) = app.prompt() {
        let (lead, hint) = match p.kind {
            PromptKind::Filter => (
                "/",
                "  text, or -l SELECTOR e.g. -l gpu-model=h100,rack in (r07,r08)",
            ),
            PromptKind::Command => (":", ""),
        };
        let mut spans = vec![
            Span::styled(format!(" {lead}"), ui.key),
            Span::styled(p.text.as_str(), ui.text),
            Span::styled("█", ui.muted),
        ];
        if p.kind == PromptKind::Command {
            let options = App::completions(&p.text);
            if !options.is_empty() {
                spans.push(Span::styled(format!("  {}", options.join("  ")), ui.muted));
            }
        } else if p.text.is_empty() {
            spans.push(Span::styled(hint, ui.muted));
        }
        return Line::from(spans);
    }
    let mut spans = Vec::new();
    if app.settings.mode == Mode::Watch {
        spans.push(Span::styled(" WATCH ", ui.tab_active));
        spans.push(Span::styled(
            format!(
                " read-only · {} every {}s · ",
                if app.paused {
                    "paused; cycles"
                } else {
                    "cycles panes"
                },
                app.settings.cycle.as_secs()
            ),
            ui.muted,
        ));
    }
    for (key, label) in footer_hints(app.key_mode()) {
        spans.push(Span::styled(format!(" {key}"), ui.key));
        spans.push(Span::styled(format!(" {label} "), ui.muted));
    }
    Line::from(spans)
}
