//! `gpufleet demo` and `gpufleet dash`: the dashboard on the simulator, on a dump,
//! and on a live cluster. All hand the same app a `Receiver<FleetEvent>` and, where writes
//! are possible, a `Writer`.

use crate::cli::live::ClusterArgs;
use crate::model::ProjectNamespaces;
use crate::source::event::FleetEvent;
use crate::source::file::{LoadReport, load_paths};
use crate::source::kube::{connect, spawn_watches};
use crate::source::replay::spawn_objects;
use crate::source::sim::{self, SimConfig};
use crate::ui::app::{App, Mode, Settings};
use crate::ui::terminal::run_in_terminal;
use crate::ui::theme::{ColorDepth, Theme};
use crate::write::Writer;
use crate::write::kube::KubeWriter;
use clap::{Args, ValueEnum};
use color_eyre::eyre::Result;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::Receiver;

/// Largest generated demo fleet.
pub const MAX_DEMO_HOSTS: usize = 25_000;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    /// From NO_COLOR, COLORTERM and TERM (GNU screen and tmux are capped at what they show).
    Auto,
    Truecolor,
    #[value(name = "256")]
    Ansi256,
    #[value(name = "16")]
    Ansi16,
    None,
}

impl ColorChoice {
    pub fn depth(self) -> ColorDepth {
        match self {
            ColorChoice::Auto => ColorDepth::from_env(),
            ColorChoice::Truecolor => ColorDepth::TrueColor,
            ColorChoice::Ansi256 => ColorDepth::Ansi256,
            ColorChoice::Ansi16 => ColorDepth::Ansi16,
            ColorChoice::None => ColorDepth::None,
        }
    }
}

/// How the dashboard looks and behaves, whatever feeds it.
#[derive(Args, Debug, Clone)]
pub struct DashArgs {
    /// Read-only wall display: big figures, panes cycling, no writes possible.
    #[arg(long)]
    pub watch: bool,
    /// Watch mode: seconds each pane shows.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub cycle: u64,
    /// Seconds a watch may fail before the stale banner shows.
    #[arg(long, default_value_t = 30)]
    pub stale_after: u64,
    /// A built-in theme (default, light, high-contrast, monochrome) or a TOML file.
    #[arg(long, default_value = "default")]
    pub theme: String,
    /// Colours to use; auto honours NO_COLOR and detects tmux, GNU screen and SSH terminals.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Let the mouse wheel scroll tables.
    #[arg(long)]
    pub mouse: bool,
}

impl DashArgs {
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
            cycle: Duration::from_secs(self.cycle),
            stale_after: Duration::from_secs(self.stale_after),
            clipboard: None,
        }
    }
}

async fn run_dashboard(
    args: &DashArgs,
    settings: Settings,
    fleet: Receiver<FleetEvent>,
    writer: Option<Arc<dyn Writer>>,
) -> Result<()> {
    let theme = Theme::load(&args.theme, args.color.depth())?;
    let mut app = App::new(settings, theme, writer);
    run_in_terminal(&mut app, fleet, args.mouse).await?;
    Ok(())
}

/// The dashboard on the embedded simulator: a generated fleet that lives, and takes writes.
pub async fn demo(hosts: usize, seed: u64, args: &DashArgs) -> Result<()> {
    let settings = args.settings(
        "demo".into(),
        format!("simulated fleet: {hosts} hosts, seed {seed}"),
        "demo".into(),
        ProjectNamespaces::default(),
    );
    let (fleet, writer) = sim::spawn(SimConfig::new(hosts, seed));
    run_dashboard(args, settings, fleet, Some(Arc::new(writer))).await
}

/// The dashboard on a dump: the objects, and what loading skipped and warns about, which the
/// status line and `:ctx` show while it runs.
pub async fn dash(
    paths: &[PathBuf],
    report: LoadReport,
    projects: ProjectNamespaces,
    args: &DashArgs,
) -> Result<()> {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let settings = args.settings(
        "file".into(),
        format!("offline dump: {}", names.join(", ")),
        String::new(),
        projects,
    );
    let notes = report.notes();
    run_dashboard(args, settings, spawn_objects(report.objects, notes), None).await
}

/// The dashboard on a live cluster. In watch mode the kube client itself is read-only and no
/// writer exists; otherwise edits go through the guarded kube writer.
pub async fn live(
    cluster: &ClusterArgs,
    projects: ProjectNamespaces,
    args: &DashArgs,
) -> Result<()> {
    let read_only = args.watch;
    let clusters = connect(&cluster.options(read_only)).await?;
    let (fleet, _watches) = spawn_watches(&clusters, cluster.bmh_namespace.clone());
    let writer: Option<Arc<dyn Writer>> = if read_only {
        None
    } else {
        KubeWriter::new(clusters.clone())
            .ok()
            .map(|w| Arc::new(w) as Arc<dyn Writer>)
    };
    let settings = args.settings(
        clusters.platform.context.clone(),
        format!("cluster, as {}", clusters.platform.user),
        clusters.platform.user.clone(),
        projects,
    );
    run_dashboard(args, settings, fleet, writer).await
}

/// Loads a dump before the screen is taken over; problems also print, so they can be read
/// after quitting.
pub fn load_dump(paths: &[PathBuf]) -> Result<LoadReport> {
    let report = load_paths(paths)?;
    for line in report.warnings() {
        eprintln!("warning: {line}");
    }
    Ok(report)
}
