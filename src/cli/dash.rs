//! `gpufleet demo` and `gpufleet dash`: the dashboard on a generated fleet or on a dump.
//! Both hand the same app a `Receiver<FleetEvent>`; live-cluster commands will too.

use crate::fleet::FleetObjects;
use crate::generate::GenerateConfig;
use crate::source::event::FleetEvent;
use crate::source::file::load_paths;
use crate::source::replay::{spawn_generated, spawn_objects};
use crate::ui::app::{App, Mode, Settings};
use crate::ui::terminal::run_in_terminal;
use crate::ui::theme::{ColorDepth, Theme};
use clap::{Args, ValueEnum};
use color_eyre::eyre::{Result, WrapErr};
use std::path::PathBuf;
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
    fn settings(&self, context: String, source: String) -> Settings {
        Settings {
            context,
            source,
            mode: if self.watch {
                Mode::Watch
            } else {
                Mode::Interactive
            },
            cycle: Duration::from_secs(self.cycle),
            stale_after: Duration::from_secs(self.stale_after),
        }
    }
}

fn run_dashboard(
    args: &DashArgs,
    settings: Settings,
    source: impl FnOnce() -> Receiver<FleetEvent>,
) -> Result<()> {
    let theme = Theme::load(&args.theme, args.color.depth())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the runtime")?;
    runtime.block_on(async {
        let fleet = source();
        // No writer yet: the simulator's and the cluster's arrive with their sources.
        let mut app = App::new(settings, theme, None);
        run_in_terminal(&mut app, fleet, args.mouse).await
    })?;
    Ok(())
}

pub fn demo(hosts: usize, seed: u64, args: &DashArgs) -> Result<()> {
    let settings = args.settings(
        "demo".into(),
        format!("generated fleet: {hosts} hosts, seed {seed}"),
    );
    run_dashboard(args, settings, || {
        spawn_generated(GenerateConfig::new(hosts, seed))
    })
}

pub fn dash(paths: &[PathBuf], objects: FleetObjects, args: &DashArgs) -> Result<()> {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let settings = args.settings("file".into(), format!("offline dump: {}", names.join(", ")));
    run_dashboard(args, settings, || spawn_objects(objects))
}

/// Loads a dump before the screen is taken over, so problems print where they can be read.
pub fn load_dump(paths: &[PathBuf]) -> Result<FleetObjects> {
    let report = load_paths(paths)?;
    for problem in &report.problems {
        eprintln!("warning: {problem}");
    }
    Ok(report.objects)
}
