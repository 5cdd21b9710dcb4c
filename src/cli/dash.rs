//! `gpufleet demo` and `gpufleet dash`: the dashboard on the simulator, on a dump,
//! and on a live cluster. All hand the same app a `Receiver<FleetEvent>` and, where writes
//! are possible, a `Writer`.

use crate::cli::live::ClusterArgs;
use crate::event::FleetEvent;
use crate::event::{Kind, WatchState};
use crate::fleet::Fleet;
use crate::impact::Change;
use crate::kube::client::{Attempt, off_thread, plan};
use crate::kube::watch::next_pause;
use crate::kube::writer::KubeWriter;
use crate::kube::{CHANNEL_CAPACITY, ClusterOptions, spawn_watches_into};
use crate::model::ProjectNamespaces;
use crate::settings::{CYCLE_SECS, DashboardSettings, STALE_AFTER_SECS};
use crate::source::file::{LoadReport, load_paths};
use crate::source::replay::spawn_objects;
use crate::source::sim::{self, SimConfig};
use crate::ui::app::{App, ChaosKey, Mode, Settings};
use crate::ui::terminal::{ending_signal, run_in_terminal};
use crate::ui::theme::{ColorChoice, Theme};
use crate::write::{WriteError, WriteMode, WriteReport, Writer};
use clap::Args;
use color_eyre::eyre::Result;
use futures::future::BoxFuture;
use kube::runtime::watcher::DefaultBackoff;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc::{self, Receiver, Sender};

/// Largest generated demo fleet.
pub const MAX_DEMO_HOSTS: usize = 25_000;
/// How the dashboard looks and behaves, whatever feeds it.
#[derive(Args, Debug, Clone)]
pub struct DashArgs {
    /// Read-only wall display: big figures, panes cycling, no writes possible.
    #[arg(long)]
    pub watch: bool,
    /// Watch mode: seconds each pane shows (1 to 3600). Default: the settings file's
    /// `cycle`, else 20.
    #[arg(long, value_parser = clap::value_parser!(u64).range(CYCLE_SECS))]
    pub cycle: Option<u64>,
    /// Seconds a watch may fail before the stale banner shows (1 to 604800, a week).
    /// Default: the settings file's `stale-after`, else 30.
    #[arg(long, value_parser = clap::value_parser!(u64).range(STALE_AFTER_SECS))]
    pub stale_after: Option<u64>,
    /// A built-in theme (default, light, high-contrast, monochrome) or a TOML file.
    /// Default: the settings file's `theme`, else default.
    #[arg(long)]
    pub theme: Option<String>,
    /// Colours to use; auto honours NO_COLOR and detects tmux, GNU screen and SSH terminals.
    /// Default: the settings file's `color`, else auto.
    #[arg(long, value_enum)]
    pub color: Option<ColorChoice>,
    /// Let the mouse wheel scroll tables.
    #[arg(long)]
    pub mouse: bool,
}

/// Watch mode's seconds per pane when neither a flag nor the settings file gives them.
pub const DEFAULT_CYCLE_SECS: u64 = 20;
/// Seconds before the stale banner when neither a flag nor the settings file gives them.
pub const DEFAULT_STALE_AFTER_SECS: u64 = 30;

impl DashArgs {
    /// These flags over the settings file's `[dashboard]`: a flag given wins, a key the file
    /// sets fills in a flag not given.
    pub fn over(self, file: &DashboardSettings) -> DashArgs {
        DashArgs {
            cycle: self.cycle.or(file.cycle),
            stale_after: self.stale_after.or(file.stale_after),
            theme: self.theme.or_else(|| file.theme.clone()),
            color: self.color.or(file.color),
            ..self
        }
    }

    /// These flags over the user's settings file ([`crate::settings::load`]).
    pub fn over_settings_file(self) -> Result<DashArgs, crate::settings::SettingsError> {
        Ok(self.over(&crate::settings::load()?.dashboard))
    }

    fn settings(
        &self,
        context: String,
        source: String,
        user: String,
        projects: ProjectNamespaces,
    ) -> Settings {
        Settings {
            projects,
            context,
            source,
            user,
            audit_log: crate::write::audit::default_path(),
            mode: if self.watch {
                Mode::Watch
            } else {
                Mode::Interactive
            },
            cycle: Duration::from_secs(self.cycle.unwrap_or(DEFAULT_CYCLE_SECS)),
            stale_after: Duration::from_secs(self.stale_after.unwrap_or(DEFAULT_STALE_AFTER_SECS)),
            clipboard: None,
        }
    }
}

async fn run_dashboard(
    args: &DashArgs,
    settings: Settings,
    fleet: Receiver<FleetEvent>,
    writer: Option<Arc<dyn Writer>>,
    chaos: Option<ChaosKey>,
) -> Result<ExitCode> {
    let theme = Theme::load(
        args.theme.as_deref().unwrap_or("default"),
        args.color.unwrap_or(ColorChoice::Auto).depth(),
    )?;
    let mut app = App::new(settings, theme, writer).with_chaos_key(chaos);
    let stats = run_in_terminal(&mut app, fleet, args.mouse).await?;
    // Ended by a signal (or its terminal hanging up): 128 + its number, as a shell reports a
    // process the signal ended, and as the one-shot commands exit.
    Ok(match ending_signal(&stats) {
        Some(signal) => ExitCode::from(u8::try_from(128 + signal).unwrap_or(u8::MAX)),
        None => ExitCode::SUCCESS,
    })
}

/// The dashboard on the embedded simulator: a generated fleet that lives, and takes writes.
pub async fn demo(hosts: usize, seed: u64, chaos: bool, args: &DashArgs) -> Result<ExitCode> {
    let settings = args.settings(
        "demo".into(),
        format!("simulated fleet: {hosts} hosts, seed {seed}"),
        "demo".into(),
        ProjectNamespaces::default(),
    );
    let config = SimConfig {
        chaos: chaos.then(sim::Chaos::default),
        ..SimConfig::new(hosts, seed)
    };
    let (fleet, writer) = sim::spawn(config);
    let switch = writer.outage_switch();
    let chaos = ChaosKey {
        toggle: Box::new(move || switch.toggle()),
        reason: sim::OUTAGE_REASON,
    };
    run_dashboard(args, settings, fleet, Some(Arc::new(writer)), Some(chaos)).await
}

/// The dashboard on a dump: the objects, and what loading skipped and warns about, which the
/// status line and `:ctx` show while it runs.
pub async fn dash(
    paths: &[PathBuf],
    report: LoadReport,
    projects: ProjectNamespaces,
    args: &DashArgs,
) -> Result<ExitCode> {
    let read_at = SystemTime::now();
    let settings = args.settings(
        "file".into(),
        files_source(paths, read_at),
        String::new(),
        projects,
    );
    let notes = report.notes();
    run_dashboard(
        args,
        settings,
        spawn_objects(report.objects, notes, read_at),
        None,
        None,
    )
    .await
}

/// What `:ctx` says of a dump: `files, read at 2026-12-01T04:12:03Z, not watched for
/// changes: dump/` (the paths last, where a narrow box cuts). The files are read once;
/// nothing watches them.
fn files_source(paths: &[PathBuf], read_at: SystemTime) -> String {
    let at = jiff::Timestamp::try_from(read_at)
        .and_then(|t| t.round(jiff::Unit::Second))
        .map_or_else(|_| "?".to_string(), |t| t.to_string());
    format!(
        "files, read at {at}, not watched for changes: {}",
        super::describe_paths(paths)
    )
}

/// The dashboard on a live cluster. In watch mode the kube client itself is read-only and no
/// writer exists; otherwise edits go through the guarded kube writer.
///
/// The screen opens as soon as the kubeconfig is read; connecting (exec plugins, TLS) runs
/// behind it, so `q` always answers and a plugin that never returns shows as the watches'
/// stale reason instead of a blank screen.
pub async fn live(
    cluster: &ClusterArgs,
    projects: ProjectNamespaces,
    args: &DashArgs,
) -> Result<ExitCode> {
    let read_only = args.watch;
    let options = cluster
        .options(read_only)
        .map_err(|e| color_eyre::eyre::eyre!(e))?;
    let deadline = tokio::time::Instant::now() + options.timeout();
    let planned = options.clone();
    let (_, platform, _) =
        off_thread(deadline, "reading the kubeconfig", move || plan(&planned)).await?;
    let user = platform.user(&options);
    let (tx, fleet) = mpsc::channel(CHANNEL_CAPACITY);
    let slot = Arc::new(OnceLock::new());
    let writer: Option<Arc<dyn Writer>> = (!read_only).then(|| {
        Arc::new(ConnectingWriter {
            context: platform.context.clone(),
            writer: slot.clone(),
        }) as Arc<dyn Writer>
    });
    tokio::spawn(connect_and_watch(
        options,
        cluster.bmh_namespace.clone(),
        tx,
        (!read_only).then_some(slot),
    ));
    let settings = args.settings(
        platform.context.clone(),
        format!("cluster, as {user}"),
        user,
        projects,
    );
    run_dashboard(args, settings, fleet, writer, None).await
}

/// Connects in the background, then starts the watches. Until then every watch says what the
/// connection waits for; a failed attempt is retried after a backoff, but an attempt that
/// has not answered is waited for, never started again beside itself.
async fn connect_and_watch(
    options: ClusterOptions,
    bmh_namespace: Option<String>,
    tx: Sender<FleetEvent>,
    writer: Option<Arc<OnceLock<KubeWriter>>>,
) {
    let mut backoff = DefaultBackoff::default();
    let mut failing_since: Option<SystemTime> = None;
    let mut attempt = Attempt::start(&options);
    loop {
        let deadline = tokio::time::Instant::now() + options.timeout();
        let (reason, answered) = match attempt.answer_by(deadline).await {
            Some(Ok(clusters)) => {
                if let Some(slot) = writer
                    && let Ok(w) = KubeWriter::new(clusters.clone())
                {
                    let _ = slot.set(w);
                }
                // The watches run until the dashboard drops its receiver.
                let _watches = spawn_watches_into(&clusters, bmh_namespace, tx.clone());
                tx.closed().await;
                return;
            }
            Some(Err(e)) => (e.to_string(), true),
            None => (attempt.not_answered().to_string(), false),
        };
        let since = *failing_since.get_or_insert_with(SystemTime::now);
        for kind in Kind::ALL {
            let state = WatchState::stale(since, reason.clone());
            let event = FleetEvent::Watch {
                kind,
                cluster: None,
                state,
            };
            if tx.send(event).await.is_err() {
                return;
            }
        }
        if answered {
            tokio::select! {
                () = tokio::time::sleep(next_pause(&mut backoff)) => {}
                () = tx.closed() => return,
            }
            attempt = Attempt::start(&options);
        }
    }
}

/// The kube writer once connected; until then a write says it is not connected yet.
struct ConnectingWriter {
    context: String,
    writer: Arc<OnceLock<KubeWriter>>,
}

impl Writer for ConnectingWriter {
    fn write<'a>(
        &'a self,
        fleet: &'a Fleet,
        change: &'a Change,
        mode: WriteMode,
    ) -> BoxFuture<'a, Result<WriteReport, WriteError>> {
        match self.writer.get() {
            Some(w) => w.write(fleet, change, mode),
            None => Box::pin(async move {
                Err(WriteError::Unreachable {
                    message: format!("not connected to context {} yet", self.context),
                })
            }),
        }
    }

    /// The platform's context until connected; then the kube writer's own, which names each
    /// site context reached as its watches reach it.
    fn target(&self) -> String {
        match self.writer.get() {
            Some(w) => w.target(),
            None => self.context.clone(),
        }
    }
}

/// Loads a dump before the screen is taken over, so problems print where they can be read
/// (the dashboard shows them too, and they print again after quitting). A dump that loads
/// nothing is an error: there would be nothing to show.
pub fn load_dump(paths: &[PathBuf]) -> Result<LoadReport> {
    let reading = crate::stdio::note_if_slow(
        std::time::Duration::from_secs(1),
        format_args!(
            "reading {}… (the dashboard opens when it is read)",
            super::describe_paths(paths)
        ),
    );
    let report = load_paths(paths)?;
    drop(reading);
    for line in report.warnings() {
        crate::stdio::warn(line);
    }
    if let Some(why) = report.nothing_loaded() {
        color_eyre::eyre::bail!(
            "nothing was loaded from {}: {why}",
            super::describe_paths(paths)
        );
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        dash: DashArgs,
    }

    fn flags(args: &[&str]) -> DashArgs {
        Flags::try_parse_from(std::iter::once("gpufleet").chain(args.iter().copied()))
            .unwrap()
            .dash
    }

    /// The watch-mode timings the dashboard would run with: (cycle, stale-after) in seconds.
    fn timings(args: &DashArgs) -> (u64, u64) {
        let s = args.settings(
            String::new(),
            String::new(),
            String::new(),
            ProjectNamespaces::default(),
        );
        (s.cycle.as_secs(), s.stale_after.as_secs())
    }

    #[test]
    fn a_flag_wins_over_the_settings_file_which_wins_over_the_default() {
        let file = DashboardSettings {
            theme: Some("light".into()),
            color: Some(ColorChoice::Ansi16),
            cycle: Some(60),
            stale_after: Some(120),
        };
        let from_file = flags(&[]).over(&file);
        assert_eq!(from_file.theme.as_deref(), Some("light"));
        assert_eq!(from_file.color, Some(ColorChoice::Ansi16));
        assert_eq!(timings(&from_file), (60, 120));

        let flagged = flags(&[
            "--theme",
            "monochrome",
            "--color",
            "none",
            "--cycle",
            "5",
            "--stale-after",
            "7",
        ])
        .over(&file);
        assert_eq!(flagged.theme.as_deref(), Some("monochrome"));
        assert_eq!(flagged.color, Some(ColorChoice::None));
        assert_eq!(timings(&flagged), (5, 7));

        let neither = flags(&[]).over(&DashboardSettings::default());
        // The defaults `--help` states.
        assert_eq!(timings(&neither), (20, 30));
        assert_eq!((neither.theme, neither.color), (None, None));
    }

    #[test]
    fn the_flags_keep_their_ranges() {
        for bad in [
            &["--cycle", "0"][..],
            &["--cycle", "3601"],
            &["--stale-after", "604801"],
            &["--color", "256color"],
        ] {
            let args = std::iter::once("gpufleet").chain(bad.iter().copied());
            assert!(Flags::try_parse_from(args).is_err(), "{bad:?}");
        }
    }

    /// Where writes go (the status line, `:ctx`) is the connected writer's answer, read each
    /// time: before connecting the platform's context, then the kube writer's target, which
    /// names each site context as the watches reach it.
    #[tokio::test]
    async fn where_writes_go_is_the_connected_writers_answer() {
        let (service, _api) = tower_test::mock::pair::<
            http::Request<kube::client::Body>,
            http::Response<kube::client::Body>,
        >();
        let client = crate::kube::ClusterClient {
            client: kube::Client::new(service, "default"),
            context: "platform-admin@platform".into(),
            user: "alice".into(),
            read_only: false,
            request_timeout: None,
        };
        let slot = Arc::new(OnceLock::new());
        let connecting = ConnectingWriter {
            context: "platform".into(),
            writer: slot.clone(),
        };
        assert_eq!(connecting.target(), "platform");
        let kube = KubeWriter::new(crate::kube::Clusters::of(client.clone(), client)).unwrap();
        let expected = kube.target();
        let _ = slot.set(kube);
        assert_eq!(connecting.target(), expected);
        assert_eq!(expected, "platform-admin@platform");
    }
}
