//! The whole frame: tabs, banners, the current pane, status line and footer, overlays on
//! top. A pure function of `&App`.

use super::app::{App, Mode, Popup};
use super::edit;
use super::panes::{self, PANES};
use super::widgets::safe;
use super::widgets::{footer, overlays, status, watch_header};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Smallest screen the interactive dashboard draws in.
pub const MIN_INTERACTIVE: (u16, u16) = (60, 12);
/// Smallest screen the wall display draws in (its header needs rows).
pub const MIN_WATCH: (u16, u16) = (60, 18);

fn tabs(app: &App) -> Line<'_> {
    let ui = &app.theme.ui;
    let mut spans = vec![Span::styled(" gpufleet ", ui.title)];
    for &p in PANES {
        let style = if p == app.nav.current_pane() {
            ui.tab_active
        } else {
            ui.tab
        };
        let text = match p.key() {
            Some(key) => format!(" {key} {} ", p.title()),
            None => format!(" {} ", p.title()),
        };
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

fn too_small(frame: &mut Frame, area: Rect, app: &App, need: (u16, u16)) {
    let text = format!(
        "terminal too small: {}x{}, gpufleet needs {}x{}",
        area.width, area.height, need.0, need.1
    );
    frame.render_widget(
        Paragraph::new(text)
            .style(app.theme.ui.warn)
            .wrap(Wrap { trim: true }),
        area,
    );
}

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let watch = app.settings.mode == Mode::Watch;
    let need = if watch { MIN_WATCH } else { MIN_INTERACTIVE };
    if area.width < need.0 || area.height < need.1 {
        too_small(frame, area, app, need);
        return;
    }
    let stale = status::stale_text(app);
    // On a wall display the banner is as tall as the figures it warns about.
    let banner_h = match (&stale, watch) {
        (None, _) => 0,
        (Some(_), true) => watch_header::HEIGHT,
        (Some(_), false) => 1,
    };
    let top_h = if watch { watch_header::HEIGHT } else { 1 };
    let progress_h = u16::from(!app.first_sync_done);
    let skipped = status::skipped_line(app);
    let skipped_h = u16::from(skipped.is_some());
    let [
        top,
        banner,
        progress,
        body,
        skipped_area,
        status_area,
        footer_area,
    ] = Layout::vertical([
        Constraint::Length(top_h),
        Constraint::Length(banner_h),
        Constraint::Length(progress_h),
        Constraint::Min(1),
        Constraint::Length(skipped_h),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    if watch {
        watch_header::draw(frame, top, app);
    } else {
        frame.render_widget(Paragraph::new(tabs(app)), top);
    }
    if let Some(text) = stale {
        status::draw_stale_banner(frame, banner, app, text);
    }
    if progress_h > 0 {
        frame.render_widget(
            Paragraph::new(safe::line(status::progress_line(app))),
            progress,
        );
    }
    panes::draw(frame, body, &app.draw_ctx(), app.nav.view());
    if let Some(dialog) = app.dialog() {
        edit::draw::draw(frame, body, app, dialog);
    }
    if let Some(line) = skipped {
        frame.render_widget(Paragraph::new(safe::line(line)), skipped_area);
    }
    frame.render_widget(
        Paragraph::new(safe::line(status::status_line(app))).style(app.theme.ui.status),
        status_area,
    );
    frame.render_widget(
        Paragraph::new(safe::line(footer::footer_line(app))),
        footer_area,
    );
    match app.popup() {
        Some(Popup::Help { scroll }) => overlays::draw_help(frame, area, app, *scroll),
        Some(Popup::Context) => overlays::draw_context(frame, area, app),
        Some(Popup::CopyText { text, note }) => {
            overlays::draw_copy_text(frame, area, app, text, note)
        }
        None => {}
    }
}
