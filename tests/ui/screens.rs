//! The dashboard's screens, drawn into ratatui's TestBackend on a fixed generated fleet
//! (300 hosts, seed 1) and compared with snapshots; and the colours of cells that carry
//! meaning.

use crate::support;

use support::{draw, fleet, key, press, text};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gpufleet::event::{FleetEvent, Kind, WatchState};
use gpufleet::fleet::HostId;
use gpufleet::ui::action::{Action, PaneId};
use gpufleet::ui::app::{App, Mode, Settings};
use gpufleet::ui::host_class::HostClass;
use gpufleet::ui::theme::{ColorDepth, Theme};
use ratatui::buffer::Buffer;
use std::time::Duration;

fn app_in(mode: Mode, theme: Theme) -> App {
    support::loaded(App::new(Settings::demo(mode), theme, None), fleet())
}

fn app() -> App {
    app_in(Mode::Interactive, Theme::default_truecolor())
}

fn row_text(buffer: &Buffer, y: u16) -> String {
    (0..buffer.area.width)
        .map(|x| buffer[(x, y)].symbol())
        .collect()
}

fn rows_containing<'a>(buffer: &'a Buffer, text: &'a str) -> impl Iterator<Item = u16> + 'a {
    (0..buffer.area.height).filter(move |&y| row_text(buffer, y).contains(text))
}

/// Text, then each row's style runs: what a theme snapshot must pin.
fn styled(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        let mut runs = Vec::new();
        let mut run: Option<(u16, String)> = None;
        for x in 0..area.width {
            let cell = &buffer[(x, y)];
            line.push_str(cell.symbol());
            let style = format!("{:?}/{:?}/{:?}", cell.fg, cell.bg, cell.modifier);
            match &run {
                Some((_, s)) if *s == style => {}
                _ => {
                    if let Some((start, s)) = run.take() {
                        runs.push(format!("{start}..{x} {s}"));
                    }
                    run = Some((x, style));
                }
            }
        }
        if let Some((start, s)) = run {
            runs.push(format!("{start}..{} {s}", area.width));
        }
        out.push_str(&format!("{line}\n    {}\n", runs.join(" | ")));
    }
    out
}

#[test]
fn every_pane_on_a_fixed_fleet() {
    let mut app = app();
    for pane in PaneId::ALL {
        app.update(Action::ShowPane(pane));
        let t = draw(&mut app, 160, 40);
        insta::assert_snapshot!(format!("pane_{}", pane.command()), text(&t));
    }
}

#[test]
fn drill_down_from_a_rack_to_a_host_and_its_machine() {
    let mut app = app();
    key(&mut app, KeyCode::Enter);
    let rack_hosts = draw(&mut app, 160, 30);
    insta::assert_snapshot!("rack_hosts", text(&rack_hosts));
    key(&mut app, KeyCode::Enter);
    let detail = text(&draw(&mut app, 160, 30));
    // The BMC address is shown; the Secret with its credentials is never named.
    let host = app.data.fleet.host(app.data.racks[0].hosts[0]);
    let secret = host
        .object
        .spec
        .bmc
        .as_ref()
        .and_then(|b| b.credentials_name.clone());
    assert!(detail.contains(host.bmc_address().expect("generated hosts have a BMC")));
    assert!(!detail.contains(&secret.expect("generated hosts name a credentials Secret")));
    assert!(!detail.to_lowercase().contains("credential"), "{detail}");
    insta::assert_snapshot!("host_detail", detail);
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("machine_detail", text(&draw(&mut app, 160, 30)));
    for _ in 0..3 {
        key(&mut app, KeyCode::Esc);
    }
    assert_eq!(app.nav.depth(), 0);
    assert_eq!(app.nav.current_pane(), PaneId::Racks);
}

#[test]
fn esc_and_a_key_read_together_over_a_slow_link_act_as_both() {
    let mut app = app();
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.nav.depth(), 1);
    // Esc then `?` in one read reaches gpufleet as Alt-?.
    assert!(app.on_key(&KeyEvent::new(KeyCode::Char('?'), KeyModifiers::ALT)));
    assert_eq!(app.nav.depth(), 0, "the Esc went back");
    assert!(
        text(&draw(&mut app, 160, 30)).contains("gpufleet keys"),
        "then help opened"
    );
}

#[test]
fn a_node_type_drills_down_to_its_eligible_hosts() {
    let mut app = app();
    app.update(Action::ShowPane(PaneId::Types));
    key(&mut app, KeyCode::Enter);
    let t = text(&draw(&mut app, 160, 30));
    assert!(t.contains("Hosts of eligible for"), "{t}");
    for row in &app.nav.view().rows {
        assert_eq!(app.data.class(HostId(*row)), HostClass::Free);
    }
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut app = app();
    press(&mut app, "?");
    let t = draw(&mut app, 160, 48);
    insta::assert_snapshot!("help", text(&t));
    for binding in gpufleet::ui::keymap::KEYMAP.iter() {
        if binding
            .modes
            .contains(&gpufleet::ui::keymap::KeyMode::Browse)
        {
            assert!(
                text(&t).contains(binding.help),
                "help lacks {:?}",
                binding.help
            );
        }
    }
}

#[test]
fn filters_by_text_and_by_label_selector() {
    let mut app = app();
    press(&mut app, "5/");
    press(&mut app, "-l gpu-model=h100,rack=r01");
    key(&mut app, KeyCode::Enter);
    let rows = app.nav.view().rows.clone();
    assert!(!rows.is_empty());
    for r in &rows {
        let host = app.data.fleet.host(HostId(*r));
        assert_eq!(host.label("gpu-model"), Some("h100"));
        assert_eq!(host.label("rack"), Some("r01"));
    }
    insta::assert_snapshot!("hosts_label_filter", text(&draw(&mut app, 160, 16)));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.nav.view().rows.len(), 300, "Esc clears the filter");
    press(&mut app, "/u02");
    assert!(
        app.nav.view().rows.len() < 300,
        "text filters apply as typed"
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(
        app.nav.view().rows.len(),
        300,
        "Esc while typing restores the filter"
    );
    press(&mut app, "/-l gpu-model in (");
    key(&mut app, KeyCode::Enter);
    let t = text(&draw(&mut app, 160, 16));
    assert!(t.contains("invalid label selector"), "{t}");
}

#[test]
fn the_command_palette_completes_and_switches_panes() {
    let mut app = app();
    press(&mut app, ":ma");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.prompt().unwrap().text, "machines ");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.nav.current_pane(), PaneId::Machines);
    press(&mut app, ":t");
    let t = text(&draw(&mut app, 160, 12));
    assert!(t.contains(":t█  tenants  types"), "{t}");
    press(&mut app, "ypes");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.nav.current_pane(), PaneId::Types);
    press(&mut app, ":ctx");
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("context", text(&draw(&mut app, 120, 24)));
    key(&mut app, KeyCode::Esc);
    press(&mut app, ":nope");
    key(&mut app, KeyCode::Enter);
    assert!(text(&draw(&mut app, 160, 12)).contains("no command :nope"));
}

#[test]
fn sorting_keeps_the_selected_row() {
    let mut app = app();
    app.update(Action::ShowPane(PaneId::Hosts));
    press(&mut app, "jjj");
    let key_before = app.nav.view().selected_key.clone();
    press(&mut app, "s");
    assert_eq!(app.nav.view().sort.column, 1);
    assert_eq!(app.nav.view().selected_key, key_before);
    press(&mut app, "S");
    assert!(app.nav.view().sort.reverse);
    assert_eq!(app.nav.view().selected_key, key_before);
}

#[test]
fn edit_keys_say_read_only() {
    let mut app = app();
    press(&mut app, "e");
    let t = text(&draw(&mut app, 160, 12));
    assert!(
        t.contains("read-only: generated fleet cannot be written"),
        "{t}"
    );
    let mut watch = app_in(Mode::Watch, Theme::default_truecolor());
    press(&mut watch, "p");
    let t = text(&draw(&mut watch, 160, 30));
    assert!(
        t.contains("read-only: watch mode cannot pin a machine"),
        "{t}"
    );
}

#[test]
fn watch_mode_ignores_everything_but_quit_and_pause() {
    let mut app = app_in(Mode::Watch, Theme::default_truecolor());
    for c in "jk/:1234gG\t".chars() {
        let acted = app.on_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        assert!(!acted, "{c:?} acted in watch mode");
    }
    assert!(!app.on_key(&KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert!(!app.on_key(&KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    assert!(app.is_read_only());
    let t = draw(&mut app, 160, 40);
    // The pane's rows (below the big figures, above status and footer) have no cursor.
    let selected = app.theme.ui.selected.bg;
    let buffer = t.backend().buffer();
    for y in 4..38 {
        for x in 0..160 {
            assert_ne!(Some(buffer[(x, y)].bg), selected, "a cursor at {x},{y}");
        }
    }
    insta::assert_snapshot!("watch", text(&t));
    press(&mut app, " ");
    assert!(app.paused);
    assert!(!app.cycle(), "paused: no cycling");
    press(&mut app, " ");
    assert!(app.cycle());
    assert_eq!(app.nav.current_pane(), PaneId::Nvlink);
    press(&mut app, "q");
    assert!(app.should_quit());
}

#[test]
fn one_pane_in_each_theme() {
    for name in ["default", "light", "high-contrast", "monochrome"] {
        let theme = Theme::load(name, ColorDepth::TrueColor).unwrap();
        let mut app = app_in(Mode::Interactive, theme);
        app.update(Action::ShowPane(PaneId::Nvlink));
        let t = draw(&mut app, 100, 14);
        insta::assert_snapshot!(format!("theme_{name}"), styled(t.backend().buffer()));
    }
}

#[test]
fn a_host_in_error_is_drawn_in_the_error_style() {
    for depth in [
        ColorDepth::TrueColor,
        ColorDepth::Ansi256,
        ColorDepth::Ansi16,
    ] {
        let theme = Theme::load("default", depth).unwrap();
        let error_style = theme.host.error;
        let mut app = app_in(Mode::Interactive, theme);
        let errors = app
            .data
            .fleet
            .host_ids()
            .filter(|&h| app.data.class(h) == HostClass::Error)
            .count();
        assert!(errors >= 2, "the generator puts hosts in error");
        press(&mut app, "5/(error)");
        key(&mut app, KeyCode::Enter);
        let t = draw(&mut app, 160, 12);
        let buffer = t.backend().buffer();
        // The second host in error: the first row is selected and drawn as the selection.
        let row = rows_containing(buffer, "(error)")
            .filter(|&y| y >= 3)
            .nth(1)
            .expect("two hosts in error are listed");
        let state_cells: Vec<_> = (0..160)
            .map(|x| &buffer[(x, row)])
            .skip_while(|c| c.symbol() != "(")
            .take(7)
            .collect();
        assert_eq!(
            state_cells.iter().map(|c| c.symbol()).collect::<String>(),
            "(error)"
        );
        for c in state_cells {
            assert_eq!(Some(c.fg), error_style.fg, "{depth:?}");
            assert_eq!(Some(c.bg), error_style.bg, "{depth:?}");
        }
    }
}

#[test]
fn stale_data_raises_a_loud_banner() {
    let mut app = app_in(
        Mode::Watch,
        Theme::load("high-contrast", ColorDepth::Ansi256).unwrap(),
    );
    let since = app.now;
    app.apply(FleetEvent::Watch {
        kind: Kind::BareMetalHost,
        cluster: None,
        state: WatchState::stale(since, "connection refused"),
    });
    app.now = since + Duration::from_secs(10);
    assert!(
        !text(&draw(&mut app, 160, 40)).contains("STALE"),
        "not before the threshold"
    );
    app.now = since + Duration::from_secs(300);
    let t = draw(&mut app, 160, 40);
    let banner = app.theme.ui.stale_banner;
    let buffer = t.backend().buffer();
    let row = rows_containing(buffer, "STALE DATA")
        .next()
        .expect("the banner shows");
    let line = row_text(buffer, row);
    assert!(line.contains("5m"), "{line}");
    assert!(line.contains("BareMetalHost: connection refused"), "{line}");
    for x in 0..160 {
        assert_eq!(
            Some(buffer[(x, row)].bg),
            banner.bg,
            "banner background at {x}"
        );
    }
    insta::assert_snapshot!("watch_stale", text(&t));
}

/// Rows whose every cell has the stale banner's background.
fn banner_rows(app: &App, buffer: &Buffer) -> Vec<u16> {
    let bg = app.theme.ui.stale_banner.bg;
    (0..buffer.area.height)
        .filter(|&y| (0..buffer.area.width).all(|x| Some(buffer[(x, y)].bg) == bg))
        .collect()
}

#[test]
fn a_wall_display_shows_no_number_before_the_first_sync() {
    // The cluster is unreachable from the start: nothing was ever listed.
    let theme = Theme::load("high-contrast", ColorDepth::Ansi256).unwrap();
    let mut app = App::new(Settings::demo(Mode::Watch), theme, None);
    let since = app.now;
    app.apply(FleetEvent::Watch {
        kind: Kind::BareMetalHost,
        cluster: None,
        state: WatchState::stale(since, "connection refused"),
    });
    let t = draw(&mut app, 160, 40);
    let buffer = t.backend().buffer();
    let screen = text(&t);
    // The five figures say "no data" in their own big letters, in the muted style: no 0.
    let no_data: Vec<String> =
        gpufleet::ui::widgets::big_number::big_text("NO DATA", app.theme.ui.muted)
            .iter()
            .map(|l| l.to_string())
            .collect();
    for (i, glyphs) in no_data.iter().enumerate() {
        let row = row_text(buffer, 1 + i as u16);
        assert_eq!(
            row.matches(glyphs.as_str()).count(),
            5,
            "row {}: {row}",
            1 + i
        );
        let x = row.find(glyphs.as_str()).unwrap();
        let cell = &buffer[(row[..x].chars().count() as u16, 1 + i as u16)];
        assert_eq!(Some(cell.fg), app.theme.ui.muted.fg);
    }
    assert!(!screen.contains("GPUs free 0"), "{screen}");
    assert!(screen.contains("counts after the first sync"), "{screen}");
    // Past the stale threshold the banner comes, as tall as the figures.
    app.now = since + Duration::from_secs(45);
    let t = draw(&mut app, 160, 40);
    let buffer = t.backend().buffer();
    let rows = banner_rows(&app, buffer);
    assert_eq!(rows.len(), 4, "banner rows {rows:?}");
    let stale: Vec<String> =
        gpufleet::ui::widgets::big_number::big_text("STALE DATA 45S", app.theme.ui.stale_banner)
            .iter()
            .map(|l| l.to_string())
            .collect();
    for (row, glyphs) in rows.iter().zip(&stale) {
        assert!(
            row_text(buffer, *row).contains(glyphs.as_str()),
            "{}",
            row_text(buffer, *row)
        );
    }
    insta::assert_snapshot!("watch_no_data", text(&t));
}

#[test]
fn stale_figures_are_dimmed_and_say_how_old_they_are() {
    let mut app = app_in(Mode::Watch, Theme::default_truecolor());
    let fresh = draw(&mut app, 160, 40);
    let free_fg = app.theme.host.free.fg;
    let figure_row = row_text(fresh.backend().buffer(), 2);
    let x = figure_row.chars().skip(32).position(|c| c != ' ').unwrap() as u16 + 32;
    assert_eq!(
        Some(fresh.backend().buffer()[(x, 2)].fg),
        free_fg,
        "GPUs free, fresh"
    );
    let since = app.now;
    app.apply(FleetEvent::Watch {
        kind: Kind::NodeClaim,
        cluster: None,
        state: WatchState::stale(since, "connection refused"),
    });
    app.now = since + Duration::from_secs(120);
    let t = draw(&mut app, 160, 40);
    let buffer = t.backend().buffer();
    let header = row_text(buffer, 0);
    assert_eq!(header.matches("· stale 2m").count(), 5, "{header}");
    for y in 1..=3 {
        for x in 0..160 {
            let cell = &buffer[(x, y)];
            if cell.symbol() != " " {
                assert_eq!(
                    Some(cell.fg),
                    app.theme.ui.muted.fg,
                    "figure cell {x},{y} is dimmed"
                );
            }
        }
    }
    assert_eq!(banner_rows(&app, buffer).len(), 4);
}

#[test]
fn the_first_sync_shows_its_progress() {
    let mut app = support::dashboard(Settings::demo(Mode::Interactive), None);
    app.apply(FleetEvent::Watch {
        kind: Kind::BareMetalHost,
        cluster: None,
        state: WatchState::Syncing { received: 1200 },
    });
    let t = text(&draw(&mut app, 120, 14));
    assert!(t.contains("first sync: 0 of 7 watches synced"), "{t}");
    assert!(t.contains("BareMetalHost: syncing 1,200"), "{t}");
    insta::assert_snapshot!("first_sync", t);
}

#[test]
fn help_scrolls_when_it_does_not_fit_at_80x24() {
    let mut app = app();
    press(&mut app, "?");
    let first = text(&draw(&mut app, 80, 24));
    let last_binding = gpufleet::ui::keymap::KEYMAP
        .iter()
        .rev()
        .find(|b| b.modes.contains(&gpufleet::ui::keymap::KeyMode::Browse))
        .unwrap()
        .help;
    assert!(!first.contains(last_binding), "the end is below:\n{first}");
    assert!(first.contains("↓ more"), "it says there is more:\n{first}");
    assert!(
        first.contains("j/k PgDn/PgUp scroll"),
        "and how to see it:\n{first}"
    );
    // j scrolls a line; G to the end, where the last binding shows and nothing is below.
    press(&mut app, "j");
    assert_eq!(app.help_scroll(), 1);
    press(&mut app, "G");
    let end = text(&draw(&mut app, 80, 24));
    assert!(end.contains(last_binding), "{end}");
    assert!(!end.contains("↓ more"), "{end}");
    press(&mut app, "g");
    assert_eq!(app.help_scroll(), 0);
    // The table under the help did not move.
    assert_eq!(app.nav.view().selected, 0);
    // On a tall screen it fits: no scrolling, no note.
    press(&mut app, "G");
    let tall = text(&draw(&mut app, 200, 60));
    assert!(!tall.contains("PgDn/PgUp scroll"), "{tall}");
    assert!(tall.contains(last_binding), "{tall}");
}

#[test]
fn q_leaves_a_drill_down_or_details_and_quits_only_from_the_top() {
    let mut app = app();
    // Racks → the first rack's hosts → the first host's details.
    press(&mut app, "1");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.nav.depth(), 2);
    press(&mut app, "q");
    assert!(!app.should_quit(), "q on a host's details goes back");
    assert_eq!(app.nav.depth(), 1);
    press(&mut app, "?");
    press(&mut app, "q");
    assert!(
        app.popup().is_none() && !app.should_quit(),
        "q closes the help"
    );
    press(&mut app, "q");
    assert_eq!(app.nav.depth(), 0);
    assert!(
        !app.should_quit(),
        "q on the rack's hosts goes back to the racks"
    );
    press(&mut app, "q");
    assert!(app.should_quit(), "q at the top quits");
    // Ctrl-c quits from anywhere.
    let mut other = app_in(Mode::Interactive, Theme::default_truecolor());
    press(&mut other, "6");
    key(&mut other, KeyCode::Enter);
    other.on_key(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(other.should_quit());
}

#[test]
fn tiny_terminals_get_a_message_and_no_panic() {
    let mut app = app();
    let t = draw(&mut app, 20, 5);
    assert!(text(&t).contains("too small"));
    draw(&mut app, 1, 1);
    draw(&mut app, 0, 0);
}

/// Every screen at every awkward size, empty and loaded, in both modes: nothing panics.
#[test]
fn no_screen_panics_at_any_size() {
    let sizes = [
        (1, 1),
        (20, 5),
        (59, 11),
        (60, 12),
        (60, 18),
        (80, 24),
        (61, 40),
        (300, 100),
    ];
    for mode in [Mode::Interactive, Mode::Watch] {
        let loaded = app_in(mode, Theme::default_truecolor());
        let empty = support::dashboard(Settings::demo(mode), None);
        for mut app in [loaded, empty] {
            for pane in PaneId::ALL {
                app.update(Action::ShowPane(pane));
                for overlay in ["", "?", ":ctx\n"] {
                    for c in overlay.chars() {
                        if c == '\n' {
                            key(&mut app, KeyCode::Enter);
                        } else {
                            press(&mut app, &c.to_string());
                        }
                    }
                    for (w, h) in sizes {
                        draw(&mut app, w, h);
                    }
                    key(&mut app, KeyCode::Esc);
                }
                key(&mut app, KeyCode::Enter);
                key(&mut app, KeyCode::End);
                key(&mut app, KeyCode::Enter);
                for (w, h) in sizes {
                    draw(&mut app, w, h);
                }
            }
        }
    }
}

#[test]
fn selection_survives_a_new_snapshot() {
    let mut app = app();
    app.update(Action::ShowPane(PaneId::Hosts));
    press(&mut app, "jjjjj");
    let selected = app.nav.view().selected_key.clone().unwrap();
    // Hosts are selected by their key: cluster/namespace/name.
    let key: gpufleet::fleet::HostKey = selected.parse().unwrap();
    // A host earlier in the list disappears: the cursor stays on the same host.
    let first = app
        .data
        .fleet
        .host(HostId(app.nav.view().rows[0]))
        .object
        .clone();
    app.apply(FleetEvent::Deleted(gpufleet::fleet::FleetObject::Host(
        first,
    )));
    app.rebuild();
    assert_eq!(
        app.nav.view().selected_key.as_deref(),
        Some(selected.as_str())
    );
    let row = app.nav.view().selected_row().unwrap();
    let host = app.data.fleet.host(HostId(row));
    assert_eq!(host.key(), key);
}

/// A dashboard on objects read from YAML text, as `dash -f` reads them.
fn app_on(yaml: &str) -> App {
    let mut report = gpufleet::source::file::LoadReport::default();
    gpufleet::source::file::load_text(std::path::Path::new("test.yaml"), yaml, &mut report);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    support::loaded(
        support::dashboard(Settings::demo(Mode::Interactive), None),
        &report.objects,
    )
}

const TWO_HOSTS: &str = r#"
apiVersion: management.loft.sh/v1
kind: NodeProvider
metadata: {name: dc1}
spec:
  metal3:
    clusterRef: {cluster: c, namespace: metal3-system}
    nodeTypes:
      - name: h100-8x
        resources: {cpu: "1500m", memory: "824633720832", nvidia.com/gpu: "8"}
        bareMetalHosts: {selector: {matchLabels: {gpu-model: h100}}}
      - name: huge
        resources: {cpu: "96", nvidia.com/gpu: "1e30"}
        bareMetalHosts: {selector: {matchLabels: {gpu-model: nothing}}}
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  name: gpu-h100-dc1-rack12-u01
  namespace: metal3-system
  labels: {gpu-model: h100, gpu-count: "8", rack: rack12, datacenter: dc1}
status:
  operationalStatus: OK
  provisioning: {state: available}
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  name: gpu-h100-dc1-rack12-u02
  namespace: metal3-system
  labels: {gpu-model: h100, gpu-count: "8", rack: rack12, datacenter: dc1}
status:
  operationalStatus: error
  errorType: provisioning error
  errorMessage: a long message from Ironic that will not fit in any narrow table at all
  provisioning: {state: available}
"#;

/// Issue 9, kind 11: columns are sized from the data and the width; a cut is marked with
/// `…`, a state word is never cut, and the two host names stay apart at every width.
#[test]
fn tables_size_columns_from_the_data_and_never_hide_what_tells_rows_apart() {
    let mut app = app_on(TWO_HOSTS);
    app.update(Action::ShowPane(PaneId::Hosts));
    for width in [200, 120, 100, 80, 60] {
        let t = draw(&mut app, width, 20);
        let buffer = t.backend().buffer();
        let rows: Vec<String> = (0..buffer.area.height)
            .map(|y| row_text(buffer, y))
            .filter(|r| r.contains("gpu-h1"))
            .collect();
        assert_eq!(rows.len(), 2, "{width}: {}", text(&t));
        let name = |r: &str| r.split_whitespace().next().unwrap_or("").to_string();
        assert_ne!(name(&rows[0]), name(&rows[1]), "{width}: names read alike");
        assert!(
            name(&rows[0]).ends_with("u01") && name(&rows[1]).ends_with("u02"),
            "{width}: {rows:?}"
        );
        // States whole: `available (error)` is never `availa`.
        assert!(
            rows[1].contains("available (error)"),
            "{width}: {}",
            rows[1]
        );
        assert!(rows[0].contains(" available "), "{width}: {}", rows[0]);
        if width >= 120 {
            assert!(
                rows[0].contains("gpu-h100-dc1-rack12-u01"),
                "{width}: {}",
                rows[0]
            );
        }
        if (80..=100).contains(&width) {
            // The error message does not fit: its cut is marked. (At 60 columns the column
            // is left out whole.)
            assert!(rows[1].trim_end().ends_with('…'), "{width}: {}", rows[1]);
        }
    }
}

/// Issue 9, kind 11: quantities show as quantities: `1500m` CPUs as 1.5, bytes in binary
/// units, a huge GPU count as `1e30`, never as a cut or saturated integer.
#[test]
fn quantities_display_as_quantities() {
    let mut app = app_on(TWO_HOSTS);
    app.update(Action::ShowPane(PaneId::Types));
    let t = draw(&mut app, 160, 20);
    let buffer = t.backend().buffer();
    let h100 = rows_containing(buffer, "dc1.h100-8x")
        .next()
        .expect("the h100 row");
    let row = row_text(buffer, h100);
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[1..4], ["8", "1.5", "768Gi"], "{row}");
    let huge = row_text(
        buffer,
        rows_containing(buffer, "dc1.huge")
            .next()
            .expect("the huge row"),
    );
    assert!(huge.contains(" 1e30 "), "{huge}");
    assert!(
        !huge.contains("4294967295") && !huge.contains("4,294,967,295"),
        "{huge}"
    );
}

/// Issue 9, kind 4: control characters in object fields are shown as escapes on the
/// dashboard (ratatui would drop them silently): in tables, titles, a host's details and the
/// node type's details.
#[test]
fn control_characters_from_objects_are_shown_escaped() {
    let hostile = r#"
apiVersion: management.loft.sh/v1
kind: NodeProvider
metadata: {name: "dc1"}
spec:
  metal3:
    clusterRef: {cluster: c, namespace: metal3-system}
    nodeTypes:
      - name: "h100\e[2K"
        resources: {cpu: "96"}
        bareMetalHosts: {selector: {matchLabels: {gpu-model: h100}}}
        properties: {vcluster.com/os-image: "img\e]0;image\a"}
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  name: "gpu-01\e]0;pwned\a"
  namespace: metal3-system
  annotations: {note: "\e]0;annotation\a"}
  labels: {gpu-model: h100, gpu-count: "8", rack: "r1\e[1A", datacenter: dc1, tenant: "acme\r"}
spec:
  bmc: {address: "redfish://bmc\e[2J/x"}
status:
  operationalStatus: error
  errorType: provisioning error
  errorMessage: "Ironic said\r\e[2Kall good\a"
  provisioning: {state: available}
"#;
    let mut app = app_on(hostile);
    app.update(Action::ShowPane(PaneId::Hosts));
    let screen = text(&draw(&mut app, 200, 30));
    for shown in [
        r"gpu-01\x1b]0;pwned\x07",
        r"r1\x1b[1A",
        r"acme\r",
        r"Ironic said\r\x1b[2Kall good\x07",
    ] {
        assert!(screen.contains(shown), "{shown}: {screen}");
    }
    key(&mut app, KeyCode::Enter);
    let screen = text(&draw(&mut app, 200, 40));
    for shown in [
        r"gpu-01\x1b]0;pwned\x07",
        r"redfish://bmc\x1b[2J/x",
        r"Ironic said\r\x1b[2Kall good\x07",
    ] {
        assert!(screen.contains(shown), "host detail: {shown}: {screen}");
    }
    app.update(Action::ShowPane(PaneId::Types));
    let screen = text(&draw(&mut app, 200, 30));
    assert!(screen.contains(r"dc1.h100\x1b[2K"), "{screen}");
    assert!(screen.contains(r"img\x1b]0;image\x07"), "{screen}");
}
/// A claim of the fleet whose `spec.desiredCapacity` is a number, not a resource list: it does
/// not fit, so it leaves the fleet and is named, with the field, until it is fixed.
#[test]
fn what_was_skipped_is_named_in_the_status_line_and_ctx() {
    use gpufleet::decode::Lenient;
    use gpufleet::event::SourceNotes;
    use gpufleet::model::NodeClaim;
    let mut app = app();
    let (namespace, name) = fleet().claims.keys().next().unwrap().clone();
    let claims_before = fleet().claims.len();
    let bad = serde_json::json!({"apiVersion": "management.loft.sh/v1", "kind": "NodeClaim",
        "metadata": {"name": name, "namespace": namespace, "resourceVersion": "9"},
        "spec": {"desiredCapacity": 5}});
    let (rejected, _) = *Lenient::<NodeClaim>::from_value(bad).split().unwrap_err();
    app.apply(FleetEvent::Rejected(rejected));
    app.apply(FleetEvent::Notes(SourceNotes {
        skipped: vec!["fleet.yaml: document 4: not valid YAML: mapping values are not allowed".into()],
        warnings: vec!["BareMetalHost m3/h is read twice, from a.yaml document 1 and from b.yaml document 1: the second copy is used".into()],
    }));
    app.rebuild();
    // The status line keeps its figures; the line above it names what was skipped, first
    // thing on it, so an 80-column terminal shows it too.
    let narrow = text(&draw(&mut app, 80, 24));
    assert!(
        narrow
            .lines()
            .rev()
            .nth(2)
            .unwrap()
            .starts_with("\" 2 skipped · 1 warning (:ctx): NodeClaim "),
        "{narrow}"
    );
    let t = text(&draw(&mut app, 200, 30));
    let skipped = t.lines().rev().nth(2).unwrap();
    assert!(
        skipped.contains(&format!(
            " 2 skipped · 1 warning (:ctx): NodeClaim {namespace}/{name}: field spec.desiredCapacity: invalid type: integer `5`, expected a map"
        )),
        "{skipped}"
    );
    let status = t.lines().rev().nth(1).unwrap();
    assert!(
        status.contains(&format!("{} claims", claims_before - 1)),
        "the claim left the fleet: {status}"
    );
    press(&mut app, ":ctx");
    key(&mut app, KeyCode::Enter);
    let t = text(&draw(&mut app, 200, 40));
    assert!(
        t.contains(&format!(
            "claims      {} objects · 1 skipped · synced",
            claims_before - 1
        )),
        "{t}"
    );
    assert!(
        t.contains("Skipped: objects that could not be read (2)"),
        "{t}"
    );
    assert!(
        t.contains(&format!(
            "  NodeClaim {namespace}/{name}: field spec.desiredCapacity"
        )),
        "{t}"
    );
    assert!(
        t.contains("  fleet.yaml: document 4: not valid YAML"),
        "{t}"
    );
    assert!(t.contains("Source warnings (1)"), "{t}");
    assert!(
        t.contains("BareMetalHost m3/h is read twice, from a.yaml document 1"),
        "{t}"
    );
}

/// A skipped object's name and the decoder's words reach the screen escaped, in the line above
/// the status line and in `:ctx`.
#[test]
fn a_skipped_object_with_control_characters_is_named_escaped() {
    use gpufleet::decode::Lenient;
    use gpufleet::model::NodeClaim;
    let mut app = app();
    let bad = serde_json::json!({"apiVersion": "management.loft.sh/v1", "kind": "NodeClaim",
        "metadata": {"name": "evil\u{1b}]0;pwned\u{7}", "namespace": "p-x", "resourceVersion": "9"},
        "spec": {"desiredCapacity": 5}});
    let (rejected, _) = *Lenient::<NodeClaim>::from_value(bad).split().unwrap_err();
    app.apply(FleetEvent::Rejected(rejected));
    app.rebuild();
    let t = text(&draw(&mut app, 200, 30));
    assert!(
        t.contains(r"NodeClaim p-x/evil\x1b]0;pwned\x07: field spec.desiredCapacity"),
        "{t}"
    );
    press(&mut app, ":ctx");
    key(&mut app, KeyCode::Enter);
    let t = text(&draw(&mut app, 200, 40));
    assert!(
        t.contains(r"  NodeClaim p-x/evil\x1b]0;pwned\x07: field"),
        "{t}"
    );
}

/// Which header a sort's name (the title's `sorted by …`) belongs to, for every table of the
/// list of panes: a new table gets its sorted-header snapshot without a test edit.
fn sorted_headers() -> Vec<(PaneId, Vec<(&'static str, &'static str)>)> {
    PaneId::ALL
        .iter()
        .map(|&p| (p, p.pane().sorted_headers()))
        .filter(|(_, names)| !names.is_empty())
        .collect()
}

/// Which of `titles` carries the sort arrow (`STATE↑` is `STATE`); the longest that fits.
fn arrowed_header<'t>(screen: &str, titles: &[&'t str]) -> Option<&'t str> {
    screen.lines().find_map(|line| {
        let before = &line[..line.find(['↑', '↓'])?];
        titles
            .iter()
            .filter(|t| before.ends_with(&format!(" {t}")) || before.ends_with(&format!("\"{t}")))
            .max_by_key(|t| t.len())
            .copied()
    })
}

#[test]
fn the_sort_arrow_is_on_the_sorted_column_of_every_table() {
    let mut app = app();
    let tables = sorted_headers();
    assert!(tables.len() >= 5, "{tables:?}");
    for (pane, names) in &tables {
        app.update(Action::ShowPane(*pane));
        for step in 0..names.len() {
            let screen = text(&draw(&mut app, 240, 12));
            let sorted_by = screen
                .lines()
                .find_map(|l| {
                    let (_, rest) = l.split_once("sorted by ")?;
                    Some(rest.split('─').next()?.trim().to_string())
                })
                .unwrap_or_else(|| names[0].0.to_string());
            let expected = names
                .iter()
                .find(|(name, _)| *name == sorted_by)
                .unwrap_or_else(|| panic!("{pane:?}: unknown sort {sorted_by:?}"))
                .1;
            let titles: Vec<&str> = names.iter().map(|(_, title)| *title).collect();
            assert_eq!(
                arrowed_header(&screen, &titles),
                Some(expected),
                "{pane:?} sorted by {sorted_by} (step {step}):\n{screen}"
            );
            if step == 1 {
                let header: String = screen.lines().take(4).collect::<Vec<_>>().join("\n");
                insta::assert_snapshot!(format!("sorted_header_{}", pane.command()), header);
            }
            press(&mut app, "s");
        }
        // Every sort name was reached: `s` cycles through all of them.
        let screen = text(&draw(&mut app, 240, 12));
        assert!(
            !screen.contains("sorted by"),
            "{pane:?} cycles back:\n{screen}"
        );
    }
}

/// Two Metal3 clusters whose racks and NVLink domains carry the same labels
/// (tests/fixtures/shared-labels): the racks pane shows one site per cluster, each under
/// its own heading, and the NVLink pane two domains, neither split across tenants.
#[test]
fn racks_of_two_clusters_with_equal_labels_stand_under_their_own_sites() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-labels");
    let report = gpufleet::source::file::load_paths(&[dir]).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let mut app = support::loaded(
        support::dashboard(Settings::demo(Mode::Interactive), None),
        &report.objects,
    );
    app.update(Action::ShowPane(PaneId::Racks));
    let racks = text(&draw(&mut app, 100, 12));
    assert_eq!(
        racks.matches("campus in dc").count(),
        2,
        "a heading per site:\n{racks}"
    );
    insta::assert_snapshot!("racks_two_sites_equal_labels", racks);
    app.update(Action::ShowPane(PaneId::Nvlink));
    let domains = text(&draw(&mut app, 100, 12));
    assert_eq!(domains.matches("nvl-01").count(), 2, "{domains}");
    assert!(!domains.contains("split"), "{domains}");
    // The cursor moves from dc1's r01 to dc2's: two racks, told apart by their site.
    app.update(Action::ShowPane(PaneId::Racks));
    app.update(Action::Down);
    app.update(Action::Drill);
    let hosts = text(&draw(&mut app, 100, 12));
    assert!(hosts.contains("rack dc2-infra/campus/r01"), "{hosts}");
}

/// The chaos key acts only in the demo: on a dump or a cluster it says so and changes nothing.
#[test]
fn the_chaos_key_is_inert_outside_the_demo() {
    let mut app = app();
    let before = text(&draw(&mut app, 160, 40));
    press(&mut app, "C");
    let notice = support::notice(&app);
    assert!(notice.contains("only in gpufleet demo"), "{notice}");
    assert!(app.stale_clusters().is_empty());
    let after = text(&draw(&mut app, 160, 40));
    assert!(after.contains("only in gpufleet demo"), "{after}");
    let strip_footer = |s: &str| s.lines().take(38).collect::<Vec<_>>().join("\n");
    assert_eq!(strip_footer(&before), strip_footer(&after));
}

/// Metal3 clusters sync in any order. While nobody has moved the cursor, it stays on the
/// first row when hosts that sort first arrive later; once moved, it stays on its host.
#[test]
fn the_hosts_cursor_starts_at_the_first_row_whichever_cluster_arrives_first() {
    use gpufleet::source::replay::objects_of;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-labels");
    let objects = gpufleet::source::file::load_paths(&[dir]).unwrap().objects;
    let mut app = support::dashboard(Settings::demo(Mode::Interactive), None);
    app.update(Action::ShowPane(PaneId::Hosts));
    let hosts_of = |cluster: &str| FleetEvent::Replaced {
        kind: Kind::BareMetalHost,
        cluster: Some(cluster.into()),
        objects: objects_of(&objects, Kind::BareMetalHost)
            .into_iter()
            .filter(|o| o.cluster() == cluster)
            .collect(),
        rejected: Vec::new(),
    };
    for kind in Kind::ALL.into_iter().filter(|&k| k != Kind::BareMetalHost) {
        app.apply(FleetEvent::Replaced {
            kind,
            cluster: None,
            objects: objects_of(&objects, kind),
            rejected: Vec::new(),
        });
    }
    // dc2's hosts first, then dc1's, which sort before them.
    app.apply(hosts_of("dc2-infra"));
    app.rebuild();
    assert_eq!(app.nav.view().rows.len(), 2);
    app.apply(hosts_of("dc1-infra"));
    app.rebuild();
    let view = app.nav.view();
    assert_eq!(view.rows.len(), 4);
    assert_eq!(view.selected, 0, "the cursor is on the first row");
    let first = app.data.fleet.host(HostId(view.rows[0])).key().to_string();
    assert_eq!(view.selected_key.as_deref(), Some(first.as_str()));
    // Moved, it stays on its host when the rows above it change.
    press(&mut app, "j");
    let chosen = app.nav.view().selected_key.clone();
    app.apply(hosts_of("dc1-infra"));
    app.apply(FleetEvent::Replaced {
        kind: Kind::BareMetalHost,
        cluster: Some("dc1-infra".into()),
        objects: Vec::new(),
        rejected: Vec::new(),
    });
    app.rebuild();
    assert_eq!(app.nav.view().selected_key, chosen);
}

/// One meaning per figure: the hosts table sorted by tenant is in the order of what its
/// TENANT cells show (the `tenant` label; `-` when unset), not of a tenant it does not show
/// (the holder's).
#[test]
fn hosts_sorted_by_tenant_are_in_the_order_the_tenant_cells_show() {
    let mut app = app();
    app.update(Action::ShowPane(PaneId::Hosts));
    for _ in 0..8 {
        if text(&draw(&mut app, 240, 12)).contains("sorted by tenant") {
            break;
        }
        press(&mut app, "s");
    }
    let screen = text(&draw(&mut app, 240, 320));
    assert!(screen.contains("sorted by tenant"), "{screen}");
    let header = screen
        .lines()
        .find(|l| l.contains(" TENANT") && l.contains("HELD BY"))
        .expect("a header");
    let (from, to) = (
        header[..header.find("TENANT").unwrap()].chars().count(),
        header[..header.find("HELD BY").unwrap()].chars().count(),
    );
    let cells: Vec<String> = screen
        .lines()
        .skip_while(|l| *l != header)
        .skip(1)
        .take(300)
        .map(|l| {
            let chars: Vec<char> = l.chars().collect();
            chars[from.min(chars.len())..to.min(chars.len())]
                .iter()
                .collect::<String>()
                .trim()
                .to_string()
        })
        .collect();
    assert!(screen.contains("1/300"), "{screen}");
    assert_eq!(cells.len(), 300, "{screen}");
    let shown: Vec<&str> = cells
        .iter()
        .map(|c| if c == "-" { "" } else { c.as_str() })
        .collect();
    let mut sorted = shown.clone();
    sorted.sort();
    assert_eq!(shown, sorted, "TENANT cells out of order:\n{screen}");
    assert!(
        shown.iter().any(|c| !c.is_empty()) && shown.iter().any(|c| c.is_empty()),
        "the fleet has hosts with and without a tenant label"
    );
}

/// `:tenants -l …` is refused as `/` refuses a selector on the tenants: the pane keeps its
/// rows and the footer says where `-l` means something.
#[test]
fn a_pane_command_refuses_a_selector_where_slash_does() {
    let mut on = app();
    on.update(Action::ShowPane(PaneId::Racks));
    press(&mut on, ":tenants -l tenant=acme-research");
    key(&mut on, KeyCode::Enter);
    let screen = text(&draw(&mut on, 200, 30));
    assert!(
        support::notice(&on).starts_with("-l filters hosts by their labels: use it on "),
        "{screen}"
    );
    assert!(!screen.contains("0/0"), "{screen}");
    assert!(!screen.contains("no tenants"), "{screen}");
    let mut slash = app();
    slash.update(Action::ShowPane(PaneId::Tenants));
    press(&mut slash, "/-l tenant=acme-research");
    key(&mut slash, KeyCode::Enter);
    assert_eq!(support::notice(&on), support::notice(&slash));
}

/// A filter that hides every row says so, with how many rows it was matched against, not
/// the pane's words for an empty fleet.
#[test]
fn a_filter_that_hides_every_row_says_it_matches_none() {
    let mut app = app();
    app.update(Action::ShowPane(PaneId::Types));
    press(&mut app, "/zzzz");
    key(&mut app, KeyCode::Enter);
    let screen = text(&draw(&mut app, 200, 30));
    assert!(!screen.contains("no NodeProvider"), "{screen}");
    let line = screen
        .lines()
        .find(|l| l.contains("/zzzz matches none of the "))
        .unwrap_or_else(|| panic!("{screen}"));
    let n: usize = line
        .split("none of the ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(n > 0, "{line}");
}

/// Hosts of two clusters with the same names (tests/fixtures/shared-labels): `/` on the
/// hosts pane matches the `cluster/name` the CLI and the dialogs print, so `/dc2-infra/gpu`
/// keeps dc2's hosts only, and `/dc2-infra/gpu-02` exactly one.
#[test]
fn the_hosts_filter_matches_a_hosts_cluster_and_name_as_shown() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-labels");
    let report = gpufleet::source::file::load_paths(&[dir]).unwrap();
    let mut app = support::loaded(
        support::dashboard(Settings::demo(Mode::Interactive), None),
        &report.objects,
    );
    app.update(Action::ShowPane(PaneId::Hosts));
    let keys_shown = |app: &App| -> Vec<String> {
        app.nav
            .view()
            .rows
            .iter()
            .map(|&r| app.data.fleet.host(HostId(r)).key().to_string())
            .collect()
    };
    press(&mut app, "/dc2-infra/gpu");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        keys_shown(&app),
        [
            "dc2-infra/metal3-system/gpu-01",
            "dc2-infra/metal3-system/gpu-02"
        ]
    );
    key(&mut app, KeyCode::Esc);
    press(&mut app, "/dc2-infra/gpu-02");
    key(&mut app, KeyCode::Enter);
    assert_eq!(keys_shown(&app), ["dc2-infra/metal3-system/gpu-02"]);
}

/// Issue 20, kind 5: a host being deleted is shown as such with how long (it keeps its last
/// provisioning state until baremetal-operator gets to it), coloured busy, never free; its
/// details say why it is not free.
#[test]
fn a_host_being_deleted_shows_deleting_with_its_age_and_is_never_free() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/going-away.yaml");
    let report = gpufleet::source::file::load_paths(&[path]).unwrap();
    let mut app = support::loaded(
        support::dashboard(Settings::demo(Mode::Interactive), None),
        &report.objects,
    );
    // Three minutes after deleting-01's deletion timestamp, 2026-12-01T04:12:03Z.
    app.now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_098_323 + 180);
    app.update(Action::ShowPane(PaneId::Hosts));
    let screen = draw(&mut app, 160, 30);
    let hosts = text(&screen);
    let row = hosts
        .lines()
        .find(|l| l.contains("deleting-01"))
        .unwrap_or_else(|| panic!("{hosts}"));
    assert!(row.contains("available (deleting 3m)"), "{row}");
    // The first row carries the cursor; the second, claimed and being deleted, its colour.
    let y = rows_containing(screen.backend().buffer(), "deleting-02")
        .next()
        .unwrap();
    let row = row_text(screen.backend().buffer(), y);
    let state_x = row
        .find("provisioned (deleting")
        .unwrap_or_else(|| panic!("{row}"));
    let state_x = row[..state_x].chars().count() as u16;
    assert_eq!(
        screen.backend().buffer()[(state_x, y)].fg,
        app.theme.host.busy.fg.unwrap(),
        "coloured busy, neither free nor claimed"
    );
    press(&mut app, "/deleting-01");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let details = text(&draw(&mut app, 160, 40));
    assert!(
        details.contains("being deleted (metadata.deletionTimestamp 2026-12-01T04:12:03Z)"),
        "{details}"
    );
    assert!(details.contains("none: the host is not free"), "{details}");
}
