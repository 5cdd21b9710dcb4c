//! The edit dialogs: each one and its preview drawn at 80x24 and 200x60 (insta snapshots),
//! the whole path to a write (preview → dry run → commit → audit → undo) with a recording
//! writer and with the simulator, a conflict, read-only modes, and random keys (proptest):
//! no panic, and no write without its confirmation keys.

use crate::support;
use crate::support::load;
use load::LoadComplete;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gpufleet::clipboard::ClipboardRoute;
use gpufleet::fleet::{ClaimStage, FleetView, HostId};
use gpufleet::impact::{Change, ClaimEffect};
use gpufleet::source::sim::{self, SimConfig};
use gpufleet::ui::action::PaneId;
use gpufleet::ui::app::{App, ChaosKey, Mode, Settings};
use gpufleet::ui::edit::Dialog;
use gpufleet::ui::edit::flow::Stage;
use gpufleet::ui::keymap::KeyMode;
use gpufleet::write::{WriteError, WriteMode, Writer};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use support::{Recorder, ctrl, draw, fleet, key, listed_fleet, press, pump, text};
use tokio::sync::mpsc::UnboundedReceiver;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 60)];

fn app_writing_to(writer: Option<Arc<dyn Writer>>) -> App {
    support::loaded(
        support::dashboard(Settings::demo(Mode::Interactive), writer),
        listed_fleet(),
    )
}

fn recorded() -> (App, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    (app_writing_to(Some(recorder.clone())), recorder)
}

/// Snapshots of the screen at both sizes.
fn snapshot_both(app: &mut App, name: &str) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&draw(app, w, h)));
    }
}

fn stage(app: &App) -> Option<&Stage> {
    app.dialog().map(|d| &d.flow().stage)
}

fn preview_text(app: &App) -> String {
    app.dialog()
        .map(|d| {
            d.flow()
                .proposal
                .lines
                .iter()
                .map(|l| l.text())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// Selects a host in the hosts table by typing its name as the filter, then moving to the
/// row of its cluster (host names repeat across clusters).
fn select_host(app: &mut App, host: HostId) {
    let wanted = app.data.fleet.host(host).key();
    press(app, "5/");
    press(app, &wanted.name);
    key(app, KeyCode::Enter);
    let rows = app.nav.view().rows.clone();
    let at = rows
        .iter()
        .position(|&r| app.data.fleet.host(HostId(r)).key() == wanted)
        .unwrap_or_else(|| panic!("{wanted} is not among the filtered hosts"));
    for _ in 0..at {
        key(app, KeyCode::Down);
    }
    assert_eq!(
        app.nav.view().selected_key,
        Some(wanted.to_string()),
        "{wanted} is selected"
    );
}

/// The first host a new claim could get, and one of the types that could claim it.
fn free_host(app: &App) -> HostId {
    let fleet = &app.data.fleet;
    fleet
        .host_ids()
        .find(|&h| fleet.is_free(h) && !fleet.derived(h).eligible.is_empty())
        .expect("the fixed fleet has a free host")
}

fn pin_dialog(app: &App) -> &gpufleet::ui::edit::pin::PinDialog {
    match app.dialog() {
        Some(Dialog::Pin(d)) => d,
        _ => panic!("the pin dialog is open"),
    }
}

/// In the pin dialog opened on a server: a new claim for `vcluster` in `project`, of the
/// first node type offered.
fn new_claim(app: &mut App, vcluster: &str, project: &str) {
    if !pin_dialog(app).new_claim {
        key(app, KeyCode::Right);
    }
    assert!(pin_dialog(app).new_claim);
    key(app, KeyCode::Tab);
    key(app, KeyCode::Tab);
    press(app, vcluster);
    key(app, KeyCode::Tab);
    press(app, project);
}

/// Waits for the write's answer and hands it to the app.
/// Label `key` of the host named `name` in the app's fleet, if it has one.
fn label_of(app: &App, name: &str, key: &str) -> Option<String> {
    let f = &app.data.fleet;
    f.resolve_host(name)
        .ok()
        .and_then(|h| f.host(h).label(key).map(str::to_string))
}

/// Sets `maintenance=planned` on the first host of the hosts table through the label dialog
/// (dry run, then commit) and waits until the fleet shows it: the host's key and its labels
/// before the edit.
async fn write_maintenance_planned(
    app: &mut App,
    inbox: &mut UnboundedReceiver<gpufleet::ui::message::Message>,
    events: &mut tokio::sync::mpsc::Receiver<gpufleet::event::FleetEvent>,
) -> (String, gpufleet::model::Labels) {
    press(app, "5");
    let h = HostId(app.nav.view().rows[0]);
    let name = app.data.fleet.host(h).key().to_string();
    let before = app.data.fleet.host(h).labels().clone();
    press(app, "e");
    press(app, "maintenance=planned");
    key(app, KeyCode::Enter);
    answer(app, inbox).await;
    key(app, KeyCode::Enter);
    answer(app, inbox).await;
    pump(app, events, |a| {
        label_of(a, &name, "maintenance").as_deref() == Some("planned")
    })
    .await;
    (name, before)
}

async fn answer(app: &mut App, inbox: &mut UnboundedReceiver<gpufleet::ui::message::Message>) {
    let message = tokio::time::timeout(Duration::from_secs(10), inbox.recv())
        .await
        .expect("the write answers")
        .expect("the inbox is open");
    app.receive(message);
}

fn temp_audit(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gpufleet-ui-edit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("audit.jsonl")
}

#[test]
fn the_label_editor_offers_the_hosts_then_previews_as_you_type() {
    let (mut app, recorder) = recorded();
    press(&mut app, "5");
    for _ in 0..2 {
        press(&mut app, " ");
    }
    press(&mut app, "/r02");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.marked.len(), 2, "Space marked two hosts");
    assert!(
        app.nav.view().rows.len() > 2,
        "the filter shows more than the marks"
    );
    press(&mut app, "e");
    assert_eq!(app.key_mode(), KeyMode::Choose);
    snapshot_both(&mut app, "labels_choose");
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.key_mode(), KeyMode::Labels);
    press(&mut app, "tenant=acm");
    // Tab completes the value from the fleet's labels.
    key(&mut app, KeyCode::Tab);
    press(&mut app, "gpu-model=zz");
    let preview = preview_text(&app);
    assert!(
        preview.contains("Writes: patches 2 BareMetalHosts"),
        "{preview}"
    );
    assert!(
        preview.contains("no effect until its Machine is deleted"),
        "{preview}"
    );
    assert!(preview.contains("Tenants"), "{preview}");
    let Some(Dialog::Labels(d)) = app.dialog() else {
        panic!("the label dialog is open");
    };
    let Ok(Change::Label(edit)) = d.change() else {
        panic!("the text makes an edit");
    };
    assert_eq!(edit.args(), ["gpu-model=zz", "tenant=acme-research"]);
    snapshot_both(&mut app, "labels_preview");
    // A bad word names the rule it breaks, and nothing can be written.
    press(&mut app, " Bad_=x y");
    let t = text(&draw(&mut app, 80, 24));
    assert!(t.contains("✗ line 1 \"Bad_=x\""), "{t}");
    snapshot_both(&mut app, "labels_invalid");
    key(&mut app, KeyCode::Enter);
    assert_eq!(stage(&app), Some(&Stage::Editing));
    assert!(recorder.modes().is_empty(), "nothing is written");
    key(&mut app, KeyCode::Esc);
    assert!(app.dialog().is_none());
    // Marks survive clearing the filter.
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.marked.len(), 2);
}

/// Issue 9, kind 7: whitespace in a paste separates words; only other control characters
/// are removed, in the label editor and in the `/` and `:` prompts.
#[test]
fn pasted_tabs_and_newlines_separate_words() {
    let (mut app, _) = recorded();
    let first = app.data.racks[0].hosts[0];
    select_host(&mut app, first);
    press(&mut app, "e");
    // The selected host, not every host the filter shows.
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.key_mode(), KeyMode::Labels);
    assert!(app.paste("maintenance-\ttenant=acme\u{7}"));
    let Some(Dialog::Labels(d)) = app.dialog() else {
        panic!("the label dialog is open");
    };
    let Ok(Change::Label(edit)) = d.change() else {
        panic!("the paste makes an edit: {}", preview_text(&app));
    };
    // Two words, not the valid but different `maintenance-tenant=acme`; the BEL is gone.
    assert_eq!(edit.args(), ["tenant=acme", "maintenance-"]);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);

    press(&mut app, "/");
    assert!(app.paste("-l\tgpu-model=h100,\r\nrack=r01"));
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.nav.view().filter.describe().as_deref(),
        Some("-l gpu-model=h100,rack=r01")
    );
    press(&mut app, ":");
    assert!(app.paste("machines\t-l\tgpu-model=h100"));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.nav.view().pane(), Some(PaneId::Machines));
    assert_eq!(
        app.nav.view().filter.describe().as_deref(),
        Some("-l gpu-model=h100")
    );
}

/// Issue 9, kind 8: an empty `-l` filter is refused, so "every host shown" is never every
/// host by accident; what an edit targets is counted before anything is written.
#[test]
fn an_empty_selector_filter_never_targets_every_host() {
    let (mut app, recorder) = recorded();
    for typed in ["-l", "-l   ", "-l ="] {
        press(&mut app, "5/");
        press(&mut app, typed);
        key(&mut app, KeyCode::Enter);
        let notice = app.notice.clone().expect("the refusal is shown");
        assert!(notice.is_error(), "{typed:?}");
        assert!(
            notice.text.contains("selector"),
            "{typed:?}: {}",
            notice.text
        );
        assert!(app.prompt().is_some(), "the prompt stays open to fix it");
        key(&mut app, KeyCode::Esc);
        assert!(app.nav.view().filter.is_none(), "{typed:?}");
    }
    press(&mut app, ":hosts -l ");
    key(&mut app, KeyCode::Enter);
    assert!(app.nav.view().filter.is_none());
    // With nothing narrowing the hosts, the editor offers only the selected host.
    press(&mut app, "e");
    let options = app.label_targets();
    assert_eq!(options.len(), 1, "{options:?}");
    assert_eq!(options[0].hosts.len(), 1);
    assert!(recorder.modes().is_empty());
}

#[test]
fn the_pin_dialog_previews_the_pin_and_copies_the_snippet() {
    let (mut app, _) = recorded();
    let h = free_host(&app);
    // Named with its cluster: the generated fleet spans clusters.
    let name = app.data.fleet.shown_name(h);
    select_host(&mut app, h);
    press(&mut app, "p");
    assert_eq!(app.key_mode(), KeyMode::Pin);
    // A new claim for a vCluster in a project.
    new_claim(&mut app, "train", "acme");
    let preview = preview_text(&app);
    assert!(preview.contains("available and not claimed"), "{preview}");
    assert!(preview.contains(&format!("gets {name}")), "{preview}");
    assert!(
        preview.contains("metal3.vcluster.com/server-name"),
        "{preview}"
    );
    snapshot_both(&mut app, "pin_new_claim");
    // Straight to the terminal: the request is sent and the note says so (gpufleet cannot
    // see whether the terminal allows it, so it does not say "copied").
    app.settings.clipboard = Some(ClipboardRoute::Terminal);
    ctrl(&mut app, 'y');
    let out = app.take_output();
    assert_eq!(out.len(), 1);
    assert!(out[0].starts_with("\x1b]52;c;"), "an OSC 52 sequence");
    let snippet = pin_dialog(&app).snippet.clone().unwrap();
    let screen = text(&draw(&mut app, 200, 60));
    assert!(
        screen.contains(&format!(
            "sent the vcluster.yaml snippet ({} bytes) to your terminal as an OSC 52 clipboard request",
            snippet.len()
        )),
        "{screen}"
    );
    assert!(!screen.contains("copied"), "{screen}");
    // tmux with its default settings drops a program's clipboard request: nothing is sent,
    // the note says how to enable it, and the snippet is shown alone for a mouse copy.
    app.settings.clipboard = Some(ClipboardRoute::TmuxBlocked {
        set_clipboard: "external".into(),
    });
    ctrl(&mut app, 'y');
    assert!(
        app.take_output().is_empty(),
        "nothing that cannot arrive is sent"
    );
    let screen = draw(&mut app, 80, 24);
    let shown = text(&screen);
    assert!(shown.contains("not copied"), "{shown}");
    assert!(shown.contains("set-clipboard on"), "{shown}");
    let buffer = screen.backend().buffer();
    let first = snippet.lines().next().unwrap();
    let row = (0..24u16)
        .find(|&y| {
            (0..80u16)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                == first
        })
        .expect("the snippet's first line alone on a row, from the first column");
    assert!(row > 0);
    // Esc closes the text and leaves the dialog as it was.
    key(&mut app, KeyCode::Esc);
    assert!(app.popup().is_none());
    assert!(matches!(app.dialog(), Some(Dialog::Pin(_))));
    // Pinning a server that is claimed fails: the platform does not fall back.
    key(&mut app, KeyCode::Esc);
    let fleet = app.data.fleet.clone();
    let held = fleet
        .host_ids()
        .find(|&h| fleet.holder(h).is_some())
        .unwrap();
    select_host(&mut app, held);
    press(&mut app, "p");
    new_claim(&mut app, "v", "p");
    let preview = preview_text(&app);
    assert!(preview.contains("Pin fails"), "{preview}");
    assert!(preview.contains("never falls back"), "{preview}");
}

#[test]
fn the_pin_dialog_lists_every_pending_claim_and_why_its_pin_would_hold_or_not() {
    let (mut app, _) = recorded();
    let fleet = app.data.fleet.clone();
    // A free server, and a waiting claim of its provider whose node type does not match it.
    let (h, other) = fleet
        .host_ids()
        .filter(|&h| fleet.is_free(h) && !fleet.derived(h).eligible.is_empty())
        .find_map(|h| {
            let other = fleet.claims().iter().find(|c| {
                c.stage == ClaimStage::Pending
                    && c.host.is_none()
                    && c.node_type.is_some_and(|t| {
                        !fleet.derived(h).matches.contains(&t)
                            && fleet.node_type(t).namespace == fleet.host(h).namespace
                    })
            })?;
            Some((h, other.clone()))
        })
        .expect("a free server and a waiting claim of another type");
    select_host(&mut app, h);
    press(&mut app, "p");
    let d = pin_dialog(&app);
    let pending: Vec<String> = fleet
        .claims()
        .iter()
        .filter(|c| c.stage == ClaimStage::Pending && c.host.is_none())
        .map(|c| c.key())
        .collect();
    let mut listed: Vec<String> = d.choices.iter().map(|c| c.key.clone()).collect();
    listed.sort();
    let mut expected = pending.clone();
    expected.sort();
    assert_eq!(listed, expected, "every pending claim, whatever its type");
    // Those the pin holds for come first.
    let holds: Vec<bool> = d.choices.iter().map(|c| c.holds()).collect();
    assert!(holds.windows(2).all(|w| w[0] >= w[1]), "{holds:?}");
    // A typed claim whose node type's selector does not match the server: the platform
    // would fail it (guide, "Server pinning").
    let choice = d.choices.iter().find(|c| c.key == other.key()).unwrap();
    let why = choice.verdict.as_ref().unwrap_err();
    assert!(
        why.to_string().contains("do not match node type")
            && why.to_string().contains(&other.type_ref.clone().unwrap()),
        "{why}"
    );
    // A claim that asks only for another GPU model: no type its request allows matches.
    let model = fleet.host(h).label("gpu-model").unwrap().to_string();
    if let Some(unbound) = fleet.claims().iter().find(|c| {
        c.stage == ClaimStage::Pending
            && c.type_ref.is_none()
            && c.object
                .spec
                .requirements
                .iter()
                .all(|r| !r.values.contains(&model))
    }) {
        let choice = d.choices.iter().find(|c| c.key == unbound.key()).unwrap();
        assert!(
            choice
                .verdict
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("request can get matches"),
            "{choice:?}"
        );
    }
    // Choosing one whose pin would not hold previews it as failing.
    let at = d
        .shown
        .iter()
        .position(|&i| d.choices[i].key == other.key())
        .unwrap();
    key(&mut app, KeyCode::Tab);
    for _ in 0..at {
        key(&mut app, KeyCode::Down);
    }
    let preview = preview_text(&app);
    assert!(preview.contains("Pin fails"), "{preview}");
    assert!(
        preview.contains(&format!("Machine {} asks for typeRef", other.key())),
        "{preview}"
    );
    snapshot_both(&mut app, "pin_pending_claims");
}

#[test]
fn p_on_a_pending_machine_pins_it_to_a_server() {
    let (mut app, recorder) = recorded();
    let fleet = app.data.fleet.clone();
    // A waiting claim some free server could be pinned to, by the guide's rules: one of a
    // node type whose selector matches a free host.
    let claim = fleet
        .claims()
        .iter()
        .find(|c| {
            c.stage == ClaimStage::Pending
                && c.pin.is_none()
                && c.node_type.is_some_and(|t| fleet.available(t) > 0)
        })
        .expect("a waiting typed claim with a free server")
        .clone();
    press(&mut app, "6/");
    press(&mut app, &claim.name);
    key(&mut app, KeyCode::Enter);
    press(&mut app, "p");
    assert_eq!(app.key_mode(), KeyMode::Pin);
    let d = pin_dialog(&app);
    assert!(d.title().contains(&claim.key()), "{}", d.title());
    let t = claim.node_type.unwrap();
    let first = d.selected().expect("a server is chosen");
    assert!(first.holds(), "{first:?}");
    assert_eq!(first.verdict, Ok(fleet.node_type(t).name.clone()));
    let h = fleet.host_by_key(&first.key.parse().unwrap()).unwrap();
    let name = &fleet.shown_name(h);
    assert!(
        fleet.derived(h).eligible.contains(&t),
        "a server its type could claim now"
    );
    // Every server its type matches is listed, those it cannot get with why.
    assert_eq!(d.choices.len(), fleet.type_hosts(t).len());
    let preview = preview_text(&app);
    assert!(
        preview.contains(&format!("Pin: {} gets {name}", claim.key())),
        "{preview}"
    );
    snapshot_both(&mut app, "pin_from_machine");
    // Filtering to a server that is claimed: the pin would not hold.
    let busy = fleet
        .type_hosts(t)
        .iter()
        .copied()
        .find(|&h| fleet.holder(h).is_some())
        .unwrap();
    press(&mut app, &fleet.host(busy).name.clone());
    let d = pin_dialog(&app);
    assert!(
        d.selected()
            .unwrap()
            .verdict
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("already claimed")
    );
    assert!(preview_text(&app).contains("Pin fails"));
    key(&mut app, KeyCode::Esc);
    assert!(recorder.modes().is_empty(), "nothing is written");
    // A machine that holds a server already: nothing to pin.
    let held = fleet
        .claims()
        .iter()
        .find(|c| c.host.is_some())
        .unwrap()
        .clone();
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    press(&mut app, "/");
    press(&mut app, &held.name);
    key(&mut app, KeyCode::Enter);
    press(&mut app, "p");
    assert!(app.dialog().is_none());
    assert!(
        app.notice.as_ref().unwrap().text.contains("holds"),
        "{:?}",
        app.notice
    );
}

#[test]
fn rotating_to_an_existing_image_without_checksum_shows_its_lint_at_its_severity() {
    let (mut app, _) = recorded();
    let fleet = app.data.fleet.clone();
    // An existing OSImage without a checksum: the guide's rotation needs URL and checksum.
    let (name, _) = fleet
        .objects()
        .os_images
        .iter()
        .find(|(_, i)| i.checksum().is_none())
        .expect("the generated fleet has an OSImage without checksum");
    app.update(gpufleet::ui::action::Action::ShowPane(PaneId::Types));
    press(&mut app, "r");
    let Some(Dialog::Rotate(d)) = app.dialog() else {
        panic!("the rotation dialog is open");
    };
    let at = d.images.iter().position(|(i, _)| i == name).unwrap();
    for _ in 0..=at {
        key(&mut app, KeyCode::Down);
    }
    let preview = preview_text(&app);
    assert!(preview.contains("Lints that now matter"), "{preview}");
    assert!(
        preview.contains(&format!(
            "! error os-image-incomplete {name}: has no checksum"
        )),
        "{preview}"
    );
    assert!(
        preview.contains("has no checksum: Ironic cannot verify"),
        "{preview}"
    );
    let line = app
        .dialog()
        .unwrap()
        .flow()
        .proposal
        .lines
        .iter()
        .find(|l| l.text().contains("os-image-incomplete"))
        .unwrap()
        .clone();
    assert_eq!(
        line.0[0].0,
        gpufleet::ui::edit::preview::Tone::Bad,
        "an error looks like one"
    );
}

#[test]
fn pickers_say_that_more_items_exist_above_and_below() {
    let (mut app, _) = recorded();
    app.update(gpufleet::ui::action::Action::ShowPane(PaneId::Types));
    press(&mut app, "r");
    let Some(Dialog::Rotate(d)) = app.dialog() else {
        panic!("the rotation dialog is open");
    };
    let items = d.images.len() + 1;
    let t = text(&draw(&mut app, 80, 24));
    assert!(t.contains("more below"), "{t}");
    for _ in 0..items {
        key(&mut app, KeyCode::Down);
    }
    let t = text(&draw(&mut app, 80, 24));
    assert!(t.contains("more above"), "{t}");
    assert!(!t.contains("more below"), "{t}");
    // The last image, selected, is on screen.
    let Some(Dialog::Rotate(d)) = app.dialog() else {
        unreachable!()
    };
    assert!(t.contains(&d.images[d.images.len() - 1].0), "{t}");
}

#[test]
fn the_rotation_dialog_lists_the_rollover_and_refuses_an_edit_in_place() {
    let (mut app, _) = recorded();
    app.update(gpufleet::ui::action::Action::ShowPane(PaneId::Types));
    press(&mut app, "r");
    assert_eq!(app.key_mode(), KeyMode::Rotate);
    key(&mut app, KeyCode::Tab);
    press(&mut app, "noble-2026-12");
    key(&mut app, KeyCode::Tab);
    press(&mut app, "http://images/noble-2026-12.qcow2");
    let preview = preview_text(&app);
    assert!(preview.contains("creates 1 OSImage"), "{preview}");
    assert!(preview.contains("has no checksum"), "{preview}");
    assert!(preview.contains("will be rolled over"), "{preview}");
    snapshot_both(&mut app, "rotate_new_image");
    // The name of an existing image with another URL: refused, with the guide's reason.
    key(&mut app, KeyCode::BackTab);
    ctrl(&mut app, 'a');
    ctrl(&mut app, 'k');
    press(&mut app, "ubuntu-noble-gpu-2026-09");
    let preview = preview_text(&app);
    assert!(
        preview.contains("editing an OSImage in place does not re-provision"),
        "{preview}"
    );
    snapshot_both(&mut app, "rotate_refused");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        stage(&app),
        Some(&Stage::Editing),
        "a refused change is not sent"
    );
}

#[tokio::test]
async fn a_label_edit_is_dry_run_then_written_audited_and_undone() {
    let (mut app, recorder) = recorded();
    let audit = temp_audit("flow");
    app.settings.audit_log = Some(audit.clone());
    let mut inbox = app.take_inbox().unwrap();
    press(&mut app, "5e");
    press(&mut app, "tenant=cobalt-ai");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(stage(&app), Some(Stage::DryRunning { .. })));
    answer(&mut app, &mut inbox).await;
    assert!(matches!(stage(&app), Some(Stage::Confirming { .. })));
    assert_eq!(recorder.modes(), [WriteMode::DryRun]);
    assert_eq!(app.key_mode(), KeyMode::Review);
    snapshot_both(&mut app, "labels_confirm");
    ctrl(&mut app, 's');
    answer(&mut app, &mut inbox).await;
    assert!(app.dialog().is_none(), "a written edit closes its dialog");
    assert_eq!(recorder.modes(), [WriteMode::DryRun, WriteMode::Commit]);
    let notice = app.notice.clone().unwrap().text;
    assert!(notice.contains("written to recorder"), "{notice}");
    let lines = std::fs::read_to_string(&audit).unwrap();
    let record: serde_json::Value = serde_json::from_str(lines.trim()).unwrap();
    assert_eq!(record["result"], "applied");
    assert_eq!(record["user"], "demo");
    assert_eq!(record["change"]["set"]["tenant"], "cobalt-ai");

    // u previews the undo; it restores what the edit changed.
    press(&mut app, "u");
    assert_eq!(app.key_mode(), KeyMode::Review);
    let Some(Dialog::Labels(d)) = app.dialog() else {
        panic!("the undo dialog is open");
    };
    let Ok(Change::Label(undo)) = d.change() else {
        panic!("an undo of one host is one edit");
    };
    let host = app.data.fleet.host(HostId(app.nav.view().rows[0]));
    match host.label("tenant") {
        Some(v) => assert_eq!(undo.set.get("tenant").map(String::as_str), Some(v)),
        None => assert!(undo.remove.contains("tenant")),
    }
    snapshot_both(&mut app, "labels_undo");
    key(&mut app, KeyCode::Enter);
    answer(&mut app, &mut inbox).await;
    key(&mut app, KeyCode::Enter);
    answer(&mut app, &mut inbox).await;
    assert_eq!(recorder.modes().len(), 4);
    assert_eq!(std::fs::read_to_string(&audit).unwrap().lines().count(), 2);
    std::fs::remove_dir_all(audit.parent().unwrap()).ok();
}

#[tokio::test]
async fn a_conflict_is_shown_and_nothing_is_retried() {
    let (mut app, recorder) = recorded();
    *recorder.refuse_commit.lock().unwrap() = Some(WriteError::Conflict {
        kind: "BareMetalHost".into(),
        name: "metal3-use1/use1-r01-u01".into(),
        what_changed: "labels: rack r01 → r09".into(),
    });
    let audit = temp_audit("conflict");
    app.settings.audit_log = Some(audit.clone());
    let mut inbox = app.take_inbox().unwrap();
    press(&mut app, "5e");
    press(&mut app, "maintenance=true");
    key(&mut app, KeyCode::Enter);
    answer(&mut app, &mut inbox).await;
    key(&mut app, KeyCode::Enter);
    answer(&mut app, &mut inbox).await;
    assert_eq!(stage(&app), Some(&Stage::Editing), "back to the preview");
    let problem = app.dialog().unwrap().flow().problem.clone().unwrap();
    assert!(problem.is_conflict());
    assert!(problem.text.contains("rack r01 → r09"), "{}", problem.text);
    let t = text(&draw(&mut app, 80, 24));
    assert!(t.contains("CONFLICT"), "{t}");
    snapshot_both(&mut app, "labels_conflict");
    // Nothing more was sent: the operator decides.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(recorder.modes(), [WriteMode::DryRun, WriteMode::Commit]);
    let record = std::fs::read_to_string(&audit).unwrap();
    assert!(record.contains("\"result\":\"failed\""), "{record}");
    assert!(
        app.last_applied_edits().is_none(),
        "a failed write cannot be undone"
    );
    std::fs::remove_dir_all(audit.parent().unwrap()).ok();
}

#[test]
fn read_only_dashboards_open_no_dialog() {
    let mut app = app_writing_to(None);
    press(&mut app, "5");
    for (k, verb) in [
        ("e", "edit labels"),
        ("p", "pin a machine"),
        ("u", "undo a label edit"),
    ] {
        press(&mut app, k);
        assert!(app.dialog().is_none());
        let notice = app.notice.clone().unwrap().text;
        assert!(
            notice.contains("read-only") && notice.contains(verb),
            "{notice}"
        );
    }
    let recorder: Arc<dyn Writer> = Arc::new(Recorder::default());
    let mut watch = support::dashboard(Settings::demo(Mode::Watch), Some(recorder));
    watch.load_complete(fleet());
    press(&mut watch, "epru");
    assert!(watch.dialog().is_none());
    assert!(watch.is_read_only(), "watch mode drops any writer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_demo_a_written_edit_reaches_the_fleet_and_undo_restores_it() {
    let (mut events, writer) = sim::spawn(SimConfig::quiet(200, 3));
    let mut app = support::dashboard(Settings::demo(Mode::Interactive), Some(Arc::new(writer)));
    let mut inbox = app.take_inbox().unwrap();
    pump(&mut app, &mut events, |a| {
        a.first_sync_done && a.data.totals.hosts == 200
    })
    .await;
    press(&mut app, "5");
    let h = HostId(app.nav.view().rows[0]);
    let name = app.data.fleet.host(h).key().to_string();
    let before = app.data.fleet.host(h).labels().clone();
    press(&mut app, "e");
    press(&mut app, "maintenance=planned");
    key(&mut app, KeyCode::Enter);
    answer(&mut app, &mut inbox).await;
    key(&mut app, KeyCode::Enter);
    answer(&mut app, &mut inbox).await;
    let label_of = |a: &App| {
        let f = &a.data.fleet;
        f.resolve_host(&name)
            .ok()
            .and_then(|h| f.host(h).label("maintenance").map(str::to_string))
    };
    pump(&mut app, &mut events, |a| {
        label_of(a).as_deref() == Some("planned")
    })
    .await;
    press(&mut app, "u");
    key(&mut app, KeyCode::Enter);
    answer(&mut app, &mut inbox).await;
    key(&mut app, KeyCode::Enter);
    answer(&mut app, &mut inbox).await;
    pump(&mut app, &mut events, |a| label_of(a).is_none()).await;
    let f = &app.data.fleet;
    assert_eq!(f.host(f.resolve_host(&name).unwrap()).labels(), &before);
}

#[tokio::test]
async fn after_a_restart_u_undoes_the_last_edit_in_the_audit_log_unless_its_objects_changed() {
    let audit = temp_audit("restart");
    let (mut events, writer) = sim::spawn(SimConfig::quiet(200, 3));
    let writer: Arc<dyn Writer> = Arc::new(writer);
    let settings = Settings {
        audit_log: Some(audit.clone()),
        ..Settings::demo(Mode::Interactive)
    };
    let start = |objects: Option<&gpufleet::fleet::FleetObjects>| {
        let mut app = support::dashboard(settings.clone(), Some(writer.clone()));
        if let Some(o) = objects {
            app.load_complete(o);
        }
        app
    };
    let mut app = start(None);
    let mut inbox = app.take_inbox().unwrap();
    pump(&mut app, &mut events, |a| {
        a.first_sync_done && a.data.totals.hosts == 200
    })
    .await;
    let (name, before) = write_maintenance_planned(&mut app, &mut inbox, &mut events).await;
    let label_of = |a: &App, key: &str| label_of(a, &name, key);

    // A restart: a new dashboard on the same fleet and audit log, nothing in memory.
    let objects = app.live().objects().clone();
    drop(app);
    let mut app = start(Some(&objects));
    let mut inbox = app.take_inbox().unwrap();
    press(&mut app, "u");
    assert!(app.dialog().is_some(), "{:?}", app.notice);
    let Ok(Change::Label(undo)) = app.dialog().unwrap().change() else {
        panic!("the undo is a label edit");
    };
    assert!(
        undo.remove.contains("maintenance") && undo.set.is_empty(),
        "{undo:?}"
    );
    assert!(
        app.dialog()
            .unwrap()
            .title()
            .starts_with("Undo the last edit: label"),
        "{}",
        app.dialog().unwrap().title()
    );
    key(&mut app, KeyCode::Enter);
    answer(&mut app, &mut inbox).await;
    key(&mut app, KeyCode::Enter);
    answer(&mut app, &mut inbox).await;
    pump(&mut app, &mut events, |a| {
        label_of(a, "maintenance").is_none()
    })
    .await;
    let f = &app.data.fleet;
    assert_eq!(f.host(f.resolve_host(&name).unwrap()).labels(), &before);

    // The undo is in the log too; now someone else relabels the host behind our back. After
    // a restart, u refuses: undoing would overwrite their change.
    let fleet = app.data.fleet.clone();
    let theirs = Change::Label(
        gpufleet::impact::LabelEdit::parse_args(
            gpufleet::impact::HostTargets::Names(vec![name.clone()]),
            &["rack=r99"],
        )
        .unwrap(),
    );
    writer
        .write(&fleet, &theirs, WriteMode::Commit)
        .await
        .unwrap();
    pump(&mut app, &mut events, |a| {
        label_of(a, "rack").as_deref() == Some("r99")
    })
    .await;
    let objects = app.live().objects().clone();
    drop(app);
    let mut app = start(Some(&objects));
    press(&mut app, "u");
    assert!(app.dialog().is_none(), "nothing to preview");
    let notice = &app.notice.as_ref().unwrap().text;
    assert!(notice.starts_with("undo refused"), "{notice}");
    // The record names the host by cluster, namespace and name.
    let key = fleet.host(fleet.resolve_host(&name).unwrap()).key();
    assert!(
        notice.contains(&format!("BareMetalHost {key} changed since")),
        "{notice}"
    );
    assert!(notice.contains("changed since"), "{notice}");
    let _ = std::fs::remove_dir_all(audit.parent().unwrap());
}

/// A change someone else makes while the undo dialog is open refuses the undo at its dry run:
/// the undo must not re-base onto their change and overwrite it.
#[tokio::test]
async fn a_change_made_while_the_undo_dialog_is_open_refuses_the_undo() {
    let audit = temp_audit("undo-race");
    let (mut events, writer) = sim::spawn(SimConfig::quiet(200, 4));
    let writer: Arc<dyn Writer> = Arc::new(writer);
    let settings = Settings {
        audit_log: Some(audit.clone()),
        ..Settings::demo(Mode::Interactive)
    };
    let mut app = support::dashboard(settings, Some(writer.clone()));
    let mut inbox = app.take_inbox().unwrap();
    pump(&mut app, &mut events, |a| {
        a.first_sync_done && a.data.totals.hosts == 200
    })
    .await;
    let (name, _) = write_maintenance_planned(&mut app, &mut inbox, &mut events).await;
    let label_of = |a: &App, key: &str| label_of(a, &name, key);

    press(&mut app, "u");
    assert!(app.dialog().is_some(), "{:?}", app.notice);
    // Someone else relabels the host while the undo dialog is open.
    let theirs = Change::Label(
        gpufleet::impact::LabelEdit::parse_args(
            gpufleet::impact::HostTargets::Names(vec![name.clone()]),
            &["maintenance=urgent"],
        )
        .unwrap(),
    );
    writer
        .write(&app.data.fleet.clone(), &theirs, WriteMode::Commit)
        .await
        .unwrap();
    pump(&mut app, &mut events, |a| {
        label_of(a, "maintenance").as_deref() == Some("urgent")
    })
    .await;
    key(&mut app, KeyCode::Enter);
    let notice = &app.notice.as_ref().unwrap().text;
    assert!(notice.starts_with("undo refused"), "{notice}");
    assert!(notice.contains("changed since"), "{notice}");
    assert_eq!(stage(&app), Some(&Stage::Editing), "nothing was sent");
    assert_eq!(label_of(&app, "maintenance").as_deref(), Some("urgent"));
    let _ = std::fs::remove_dir_all(audit.parent().unwrap());
}

#[test]
fn the_rotation_preview_groups_rolled_over_claims_by_tenant_and_rack() {
    let (mut app, _) = recorded();
    app.update(gpufleet::ui::action::Action::ShowPane(PaneId::Types));
    press(&mut app, "r");
    key(&mut app, KeyCode::Down);
    let Some(dialog) = app.dialog() else {
        panic!("the rotation dialog is open");
    };
    let Ok(change) = dialog.change() else {
        panic!("an existing image makes a change");
    };
    let impact = gpufleet::impact::impact(&app.data.fleet, &change).unwrap();
    let rolled: Vec<_> = impact.claims_with(ClaimEffect::RollsOver).collect();
    let preview = preview_text(&app);
    if !rolled.is_empty() {
        let gpus: u32 = rolled.iter().map(|c| c.gpus).sum();
        assert!(
            preview.contains(&format!("{} claims ({gpus} GPUs)", rolled.len())),
            "{preview}"
        );
        for c in &rolled {
            assert!(preview.contains(&c.tenant), "{preview}");
        }
    }
}

fn any_key() -> impl Strategy<Value = KeyEvent> {
    let plain = prop::sample::select(vec![
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::F(2),
    ])
    .prop_map(|c| KeyEvent::new(c, KeyModifiers::NONE));
    let chars = prop::sample::select(
        "abcdeprtuxX =-/.:1 5 4 tenant=acme gpu-model"
            .chars()
            .collect::<Vec<_>>(),
    )
    .prop_map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let ctrls = prop::sample::select(vec!['s', 'j', 'y', 'a', 'e', 'k', 'u', 'w', 'z', 'v'])
        .prop_map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    prop_oneof![3 => chars, 2 => plain, 1 => ctrls]
}

fn is_confirmation(k: &KeyEvent) -> bool {
    k.code == KeyCode::Enter
        || (k.code == KeyCode::Char('s') && k.modifiers.contains(KeyModifiers::CONTROL))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_keys_never_panic_and_never_write_without_confirmation(
        start in prop::sample::select(vec!["5e", "5p", "4r", "5 e", "5/r0"]),
        keys in prop::collection::vec(any_key(), 0..80),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (writes, confirmations) = runtime.block_on(async {
            let (mut app, recorder) = recorded();
            let mut inbox = app.take_inbox().unwrap();
            press(&mut app, start);
            let mut confirmations = 0;
            for (i, k) in keys.iter().enumerate() {
                if app.dialog().is_some() && is_confirmation(k) {
                    confirmations += 1;
                }
                app.on_key(k);
                // Let a write run and hand its answer back, as the loop would.
                tokio::task::yield_now().await;
                while let Ok(m) = inbox.try_recv() {
                    app.receive(m);
                }
                if i % 8 == 0 {
                    let (w, h) = SIZES[i / 8 % 2];
                    draw(&mut app, w, h);
                }
            }
            draw(&mut app, 80, 24);
            (recorder.modes(), confirmations)
        });
        let commits = writes.iter().filter(|m| **m == WriteMode::Commit).count();
        prop_assert!(writes.len() <= confirmations, "{writes:?} with {confirmations} confirmations");
        prop_assert!(commits * 2 <= confirmations, "{writes:?} with {confirmations} confirmations");
    }
}

/// Hosts read without a resourceVersion (a generated fleet, like a dump, has none) are patched
/// without a precondition, and the preview says so; nothing is said to be created.
#[test]
fn a_label_edit_of_hosts_read_without_a_resource_version_says_so() {
    let recorder: Arc<dyn Writer> = Arc::new(Recorder::default());
    let mut app = support::dashboard(Settings::demo(Mode::Interactive), Some(recorder));
    app.load_complete(fleet());
    press(&mut app, "5e");
    assert_eq!(app.key_mode(), KeyMode::Labels);
    press(&mut app, "pool=spare");
    let preview = preview_text(&app);
    assert!(
        preview.contains(
            "Writes: patches 1 BareMetalHost (all without a precondition: read without a resourceVersion)"
        ),
        "{preview}"
    );
    assert!(!preview.contains("creates"), "{preview}");
}

/// Over a slow link Esc and the next key arrive in one read, as an Alt-chord: in a dialog
/// that is Esc (the dialog closes, nothing written) and then the key.
#[test]
fn esc_and_a_key_read_together_close_a_dialog_then_act() {
    let (mut app, recorder) = recorded();
    press(&mut app, "5e");
    press(&mut app, "x=y");
    assert!(app.dialog().is_some());
    app.on_key(&crossterm::event::KeyEvent::new(
        KeyCode::Char('4'),
        crossterm::event::KeyModifiers::ALT,
    ));
    assert!(app.dialog().is_none(), "the Esc closed the dialog");
    assert_eq!(
        app.nav.current_pane(),
        PaneId::Types,
        "then 4 switched pane"
    );
    assert!(recorder.modes().is_empty());
}

/// The demo's chaos key (`C`): one simulated Metal3 cluster goes down. The status line says
/// so with the reason, its hosts keep their last state marked stale, a label edit of one of
/// them fails in the dialog as unreachable and keeps what was typed, a host of the other
/// cluster still takes the edit, and `C` again brings the cluster back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chaos_key_takes_a_cluster_down_and_brings_it_back() {
    let (mut events, writer) = sim::spawn(SimConfig::quiet(300, 3));
    let switch = writer.outage_switch();
    let mut app = support::dashboard(Settings::demo(Mode::Interactive), Some(Arc::new(writer)))
        .with_chaos_key(Some(ChaosKey {
            toggle: Box::new(move || switch.toggle()),
            reason: sim::OUTAGE_REASON,
        }));
    let mut inbox = app.take_inbox().unwrap();
    pump(&mut app, &mut events, |a| {
        a.first_sync_done && a.data.totals.hosts == 300
    })
    .await;
    press(&mut app, "C");
    let notice = support::notice(&app);
    assert!(notice.contains("taking a Metal3 cluster down"), "{notice}");
    pump(&mut app, &mut events, |a| !a.stale_clusters().is_empty()).await;
    let down = app.stale_clusters().into_iter().next().unwrap();
    let screen = text(&draw(&mut app, 200, 30));
    assert!(
        screen.contains(&format!("{down} stale 0s: connection refused")),
        "{screen}"
    );
    assert!(screen.contains("STALE: cluster unreachable"), "{screen}");
    // Its hosts keep their last known state, marked stale; the others are live.
    assert_eq!(app.data.totals.hosts, 300);
    press(&mut app, "5");
    let hosts = text(&draw(&mut app, 200, 30));
    assert!(hosts.contains("(stale)"), "{hosts}");
    // An edit of a host of the down cluster fails as unreachable and loses nothing.
    let fleet = app.data.fleet.clone();
    let of = |down_cluster: bool| {
        fleet
            .host_ids()
            .find(|&h| (fleet.host(h).cluster == down) == down_cluster)
            .unwrap()
    };
    select_host(&mut app, of(true));
    press(&mut app, "e");
    key(&mut app, KeyCode::Enter); // the selected host, not every host the filter shows
    press(&mut app, "maintenance=planned");
    key(&mut app, KeyCode::Enter);
    answer(&mut app, &mut inbox).await;
    assert_eq!(stage(&app), Some(&Stage::Editing));
    let problem = app
        .dialog()
        .and_then(|d| d.flow().problem.as_ref())
        .map(|p| p.text.clone())
        .unwrap_or_default();
    assert!(
        problem.contains("unreachable") && problem.contains(&down),
        "{problem}"
    );
    let Some(Dialog::Labels(d)) = app.dialog() else {
        panic!("the label dialog stays open");
    };
    let Ok(Change::Label(edit)) = d.change() else {
        panic!("the input is kept")
    };
    assert_eq!(edit.args(), ["maintenance=planned"]);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    // A host of the other cluster takes the same edit.
    select_host(&mut app, of(false));
    let name = fleet.host(of(false)).key().to_string();
    press(&mut app, "e");
    key(&mut app, KeyCode::Enter); // the selected host, not every host the filter shows
    press(&mut app, "maintenance=planned");
    key(&mut app, KeyCode::Enter);
    answer(&mut app, &mut inbox).await;
    key(&mut app, KeyCode::Enter);
    answer(&mut app, &mut inbox).await;
    pump(&mut app, &mut events, |a| {
        label_of(a, &name, "maintenance").as_deref() == Some("planned")
    })
    .await;
    // C again: the cluster comes back and relists.
    key(&mut app, KeyCode::Esc);
    press(&mut app, "C");
    let notice = support::notice(&app);
    assert!(
        notice.contains(&format!("bringing Metal3 cluster {down} back")),
        "{notice}"
    );
    pump(&mut app, &mut events, |a| a.stale_clusters().is_empty()).await;
    let screen = text(&draw(&mut app, 200, 30));
    assert!(!screen.contains("(stale)"), "{screen}");
}
