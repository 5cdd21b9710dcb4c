//! What the dashboard tests share: a fixed fleet, drawing into TestBackend, typing keys, and
//! a writer that records what it is asked to write.
#![allow(dead_code)]

pub mod apply;
pub mod bytes;
pub mod dump;
pub mod fault_proxy;
pub mod load;
pub mod plugin;
pub mod promise;
pub mod run;
pub mod tmux;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures::future::BoxFuture;
use gpufleet::fleet::{Fleet, FleetObjects};
use gpufleet::generate::{GenerateConfig, generate};
use gpufleet::impact::{Change, impact};
use gpufleet::ui::app::{App, Settings};
use gpufleet::ui::screen;
use gpufleet::ui::theme::Theme;
use gpufleet::write::{WriteError, WriteMode, WriteReport, Writer, WrittenObject};
use load::LoadComplete;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// A dashboard as the tests open one: `settings`, the default truecolor theme, `writer`
/// (none: read-only).
pub fn dashboard(settings: Settings, writer: Option<Arc<dyn Writer>>) -> App {
    App::new(settings, Theme::default_truecolor(), writer)
}

/// `app` with `objects` loaded, five seconds after they arrived: the status line says so,
/// whenever the test runs.
pub fn loaded(mut app: App, objects: &FleetObjects) -> App {
    app.load_complete(objects);
    app.now += Duration::from_secs(5);
    app
}

/// The generated fleet every screen test draws: 300 hosts, seed 1.
pub fn fleet() -> &'static FleetObjects {
    static FLEET: OnceLock<FleetObjects> = OnceLock::new();
    FLEET.get_or_init(|| generate(&GenerateConfig::new(300, 1)).objects)
}

/// The same fleet as a cluster lists it: every object carries a resourceVersion (what a
/// write's precondition is made of). A generated fleet, like a dump, has none.
pub fn listed_fleet() -> &'static FleetObjects {
    static LISTED: OnceLock<FleetObjects> = OnceLock::new();
    LISTED.get_or_init(|| {
        let mut objects = fleet().clone();
        let mut version = 1000u64;
        let mut next = |meta: &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
            version += 1;
            meta.resource_version = Some(version.to_string());
        };
        for o in objects.hosts.values_mut() {
            next(&mut std::sync::Arc::make_mut(o).metadata);
        }
        for o in objects.providers.values_mut() {
            next(&mut std::sync::Arc::make_mut(o).metadata);
        }
        for o in objects.node_types.values_mut() {
            next(&mut std::sync::Arc::make_mut(o).metadata);
        }
        for o in objects.claims.values_mut() {
            next(&mut std::sync::Arc::make_mut(o).metadata);
        }
        for o in objects.os_images.values_mut() {
            next(&mut std::sync::Arc::make_mut(o).metadata);
        }
        objects
    })
}

pub fn draw(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    app.resize(width, height);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| screen::draw(f, app)).unwrap();
    terminal
}

pub fn text(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

/// Types characters (in a dialog they go to the focused field).
pub fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        app.on_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

pub fn key(app: &mut App, code: KeyCode) {
    app.on_key(&KeyEvent::new(code, KeyModifiers::NONE));
}

/// The footer's notice text, empty when there is none.
pub fn notice(app: &App) -> String {
    app.notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

pub fn ctrl(app: &mut App, c: char) {
    app.on_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

/// Applies fleet events (and rebuilds) until `done` holds; fails after a minute.
pub async fn pump(
    app: &mut App,
    events: &mut tokio::sync::mpsc::Receiver<gpufleet::event::FleetEvent>,
    done: impl Fn(&App) -> bool,
) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done(app) {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(e)) => {
                app.apply(e);
                while let Ok(e) = events.try_recv() {
                    app.apply(e);
                }
                app.rebuild();
            }
            _ => panic!("the fleet did not get there in time"),
        }
    }
}

/// A writer that answers as a server would (the preview's objects, versions unchanged) and
/// remembers every request.
#[derive(Default)]
pub struct Recorder {
    pub calls: Mutex<Vec<(WriteMode, Change)>>,
    /// Every commit is answered with this error instead.
    pub refuse_commit: Mutex<Option<WriteError>>,
}

impl Recorder {
    pub fn modes(&self) -> Vec<WriteMode> {
        self.calls.lock().unwrap().iter().map(|(m, _)| *m).collect()
    }
}

impl Writer for Recorder {
    fn write<'a>(
        &'a self,
        fleet: &'a Fleet,
        change: &'a Change,
        mode: WriteMode,
    ) -> BoxFuture<'a, Result<WriteReport, WriteError>> {
        Box::pin(async move {
            self.calls.lock().unwrap().push((mode, change.clone()));
            if mode == WriteMode::Commit
                && let Some(e) = self.refuse_commit.lock().unwrap().clone()
            {
                return Err(e);
            }
            let i = impact(fleet, change).map_err(|e| WriteError::Invalid {
                message: e.to_string(),
            })?;
            let objects = i
                .objects
                .iter()
                .map(|o| WrittenObject {
                    cluster: o.cluster.clone(),
                    kind: o.kind.to_string(),
                    namespace: o.namespace.clone(),
                    name: o.name.clone(),
                    context: None,
                    resource_version_before: o.resource_version.clone(),
                    resource_version_after: o.resource_version.clone(),
                })
                .collect();
            Ok(WriteReport { mode, objects })
        })
    }

    fn target(&self) -> String {
        "recorder".into()
    }
}
