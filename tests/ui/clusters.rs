//! A fleet that spans Metal3 clusters, whose host names repeat: every host is named with its
//! cluster wherever the dashboard names one alone, the hosts and NVLink panes tell apart rows
//! of equal names at 80 columns and wide, and `:ctx` and the status line write each
//! cluster's watch and counts as words. tests/fixtures/shared-labels: two clusters
//! (dc1-infra, dc2-infra) whose hosts (`gpu-01`, `gpu-02`), datacenter (`campus`), rack and
//! NVLink domain labels are equal.

use crate::support;

use crossterm::event::KeyCode;
use gpufleet::event::{FleetEvent, Kind, WatchState};
use gpufleet::fleet::FleetObjects;
use gpufleet::source::replay::objects_of;
use gpufleet::ui::action::{Action, PaneId};
use gpufleet::ui::app::{App, Mode, Settings};
use gpufleet::ui::theme::Theme;
use ratatui::buffer::Buffer;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use support::{Recorder, draw, key, press, text};

/// The objects of tests/fixtures/`name`.
fn fixture(name: &str) -> FleetObjects {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let report = gpufleet::source::file::load_paths(&[dir]).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    report.objects
}

/// The dashboard as live watches fill it: the platform's kinds from one watch each, each
/// Metal3 cluster's BareMetalHosts and HardwareData from its own, every watch synced; a
/// writer that records. `clusters` picks the clusters whose hosts arrive.
fn live_app(objects: &FleetObjects, clusters: &[&str]) -> App {
    let mut app = App::new(
        Settings::demo(Mode::Interactive),
        Theme::default_truecolor(),
        Some(Arc::new(Recorder::default())),
    );
    let per_cluster = [Kind::BareMetalHost, Kind::HardwareData];
    for kind in Kind::ALL.into_iter().filter(|k| !per_cluster.contains(k)) {
        app.apply(FleetEvent::Replaced {
            kind,
            cluster: None,
            objects: objects_of(objects, kind),
            rejected: Vec::new(),
        });
    }
    for &cluster in clusters {
        for kind in per_cluster {
            app.apply(FleetEvent::Replaced {
                kind,
                cluster: Some(cluster.into()),
                objects: objects_of(objects, kind)
                    .into_iter()
                    .filter(|o| o.cluster() == cluster)
                    .collect(),
                rejected: Vec::new(),
            });
        }
    }
    let since = app.live().newest_data().unwrap_or(SystemTime::UNIX_EPOCH);
    for kind in Kind::ALL.into_iter().filter(|k| !per_cluster.contains(k)) {
        app.apply(FleetEvent::Watch {
            kind,
            cluster: None,
            state: WatchState::Synced { since },
        });
    }
    for &cluster in clusters {
        for kind in per_cluster {
            app.apply(FleetEvent::Watch {
                kind,
                cluster: Some(cluster.into()),
                state: WatchState::Synced { since },
            });
        }
    }
    app.rebuild();
    app.now = since + Duration::from_secs(5);
    app
}

fn two_clusters() -> App {
    live_app(&fixture("shared-labels"), &["dc1-infra", "dc2-infra"])
}

fn row_text(buffer: &Buffer, y: u16) -> String {
    (0..buffer.area.width)
        .map(|x| buffer[(x, y)].symbol())
        .collect()
}

/// The rows of the screen that hold `needle`.
fn rows_with(buffer: &Buffer, needle: &str) -> Vec<String> {
    (0..buffer.area.height)
        .map(|y| row_text(buffer, y))
        .filter(|r| r.contains(needle))
        .collect()
}

/// Finding: the host's details, the breadcrumb, the edit chooser and the single-host edit
/// dialog named `gpu-01` alone, which is a host of both clusters.
#[test]
fn a_host_of_a_fleet_of_several_clusters_is_named_with_its_cluster() {
    let mut app = two_clusters();
    app.update(Action::ShowPane(PaneId::Hosts));
    // gpu-01 of dc1-infra, then gpu-01 of dc2-infra.
    press(&mut app, "j");
    key(&mut app, KeyCode::Enter);
    let detail = text(&draw(&mut app, 80, 24));
    assert!(
        detail.contains("Host dc2-infra/gpu-01  namespace"),
        "{detail}"
    );
    assert!(detail.contains("› host dc2-infra/gpu-01"), "{detail}");
    insta::assert_snapshot!("clusters_host_detail_80x24", detail);
    key(&mut app, KeyCode::Esc);
    // A filter offers a second choice: the chooser names the selected host.
    press(&mut app, "/gpu-01");
    key(&mut app, KeyCode::Enter);
    press(&mut app, "j");
    press(&mut app, "e");
    let chooser = text(&draw(&mut app, 80, 24));
    assert!(
        chooser.contains("the selected host dc2-infra/gpu-01"),
        "{chooser}"
    );
    insta::assert_snapshot!("clusters_edit_chooser_80x24", chooser);
    key(&mut app, KeyCode::Enter);
    let dialog = text(&draw(&mut app, 80, 24));
    assert!(
        dialog.contains("Edit labels of dc2-infra/gpu-01"),
        "{dialog}"
    );
}

/// A fleet of one cluster keeps the bare name everywhere.
#[test]
fn a_host_of_a_fleet_of_one_cluster_is_named_alone() {
    let mut app = live_app(&fixture("shared-labels"), &["dc2-infra"]);
    app.update(Action::ShowPane(PaneId::Hosts));
    key(&mut app, KeyCode::Enter);
    let detail = text(&draw(&mut app, 80, 24));
    assert!(detail.contains("Host gpu-01  namespace"), "{detail}");
    assert!(!detail.contains("dc2-infra/gpu-01"), "{detail}");
    key(&mut app, KeyCode::Esc);
    press(&mut app, "/gpu");
    key(&mut app, KeyCode::Enter);
    press(&mut app, "e");
    let chooser = text(&draw(&mut app, 80, 24));
    assert!(chooser.contains("the selected host gpu-01"), "{chooser}");
}

/// Finding: the hosts and NVLink panes could not tell apart two rows of one host name (or
/// one domain label) from two clusters: their DC cells read alike. In a fleet of several
/// clusters the DC column is SITE (`cluster/datacenter`, as the racks pane groups), at 80
/// columns as wide.
#[test]
fn rows_of_equal_names_from_two_clusters_are_told_apart_at_every_width() {
    let mut app = two_clusters();
    for pane in [PaneId::Hosts, PaneId::Nvlink] {
        app.update(Action::ShowPane(pane));
        let needle = if pane == PaneId::Hosts {
            "gpu-01"
        } else {
            "nvl-01"
        };
        for width in [200, 120, 100, 80, 60] {
            let t = draw(&mut app, width, 24);
            let rows = rows_with(t.backend().buffer(), &format!("{needle} "));
            assert_eq!(rows.len(), 2, "{pane:?} {width}: {}", text(&t));
            let cells = |r: &str| r.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
            assert_ne!(
                cells(&rows[0]),
                cells(&rows[1]),
                "{pane:?} {width}: rows read alike"
            );
            assert!(rows[0].starts_with(needle), "{pane:?} {width}: {rows:?}");
            assert!(
                rows[0].contains("dc1") && rows[1].contains("dc2"),
                "{pane:?} {width}: {rows:?}"
            );
        }
        insta::assert_snapshot!(
            format!("clusters_{}_80x24", pane.command()),
            text(&draw(&mut app, 80, 24))
        );
        insta::assert_snapshot!(
            format!("clusters_{}_160x24", pane.command()),
            text(&draw(&mut app, 160, 24))
        );
    }
    // The machines pane names each claim's host `cluster/name`; when the column is too
    // narrow, the cluster gives way and the host's name stays whole.
    app.update(Action::ShowPane(PaneId::Machines));
    for width in [160, 80, 60] {
        let t = draw(&mut app, width, 24);
        let train = rows_with(t.backend().buffer(), "train-1");
        let infer = rows_with(t.backend().buffer(), "infer-1");
        assert!(
            train.len() == 1 && infer.len() == 1,
            "machines {width}: {}",
            text(&t)
        );
        for (row, cluster) in [(&train[0], "dc1"), (&infer[0], "dc2")] {
            assert!(
                row.contains("/gpu-01") && row.contains(cluster),
                "machines {width}: {row:?}"
            );
        }
    }
    // A fleet of one cluster keeps its DC column.
    let mut one = live_app(&fixture("shared-labels"), &["dc1-infra"]);
    one.update(Action::ShowPane(PaneId::Hosts));
    let screen = text(&draw(&mut one, 80, 24));
    assert!(screen.contains("NAME↑  DC"), "{screen}");
    assert!(!screen.contains("SITE"), "{screen}");
}

/// Finding: `:ctx` ran a cluster's name into its count (`hosts use1-infra250 objects`), and
/// counts of one read `1 clusters`, `1 racks`.
#[test]
fn counts_and_cluster_names_read_as_words() {
    let mut app = two_clusters();
    press(&mut app, ":ctx");
    key(&mut app, KeyCode::Enter);
    let ctx = text(&draw(&mut app, 120, 30));
    let line = ctx
        .lines()
        .find(|l| l.contains("hosts of dc1-infra"))
        .unwrap_or_else(|| panic!("{ctx}"));
    assert!(line.contains("hosts of dc1-infra  "), "{line}");
    let after = line
        .split("hosts of dc1-infra")
        .nth(1)
        .unwrap()
        .trim_start();
    assert!(after.starts_with("2 objects · synced"), "{line}");
    assert!(ctx.contains("1 object ·"), "one OSImage: {ctx}");
    insta::assert_snapshot!("clusters_context", ctx);
    key(&mut app, KeyCode::Esc);
    app.update(Action::ShowPane(PaneId::Racks));
    let racks = text(&draw(&mut app, 120, 12));
    assert!(racks.contains("· 1 rack · 2 hosts ·"), "{racks}");
    assert!(!racks.contains("1 racks"), "{racks}");
    let mut one = live_app(&fixture("shared-labels"), &["dc1-infra"]);
    let status = text(&draw(&mut one, 200, 12));
    assert!(status.contains("(1 cluster)"), "{status}");
    assert!(!status.contains("1 clusters"), "{status}");
}

/// Finding: at 80 columns the status line read `hosts: use1-infra ok · us` and the stale
/// banner was cut at the cluster's name: a site that is down was named where the line ends.
/// Clusters not up to date come first, and the banner names what failed before it says more.
#[test]
fn a_site_that_is_down_is_named_at_80_columns() {
    let mut app = two_clusters();
    let since = app.now;
    app.apply(FleetEvent::Watch {
        kind: Kind::BareMetalHost,
        cluster: Some("dc2-infra".into()),
        state: WatchState::stale(since, "connection refused"),
    });
    app.now = since + Duration::from_secs(300);
    let t = draw(&mut app, 80, 24);
    let buffer = t.backend().buffer();
    let status = rows_with(buffer, "hosts: ");
    assert!(
        status.iter().any(|r| r.contains("hosts: dc2-infra stale")),
        "{}",
        text(&t)
    );
    let banner = rows_with(buffer, "STALE DATA");
    assert!(
        banner.iter().any(|r| r.contains("of dc2-infra")),
        "{}",
        text(&t)
    );
}
