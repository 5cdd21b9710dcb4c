//! The command line: `summary`, `lint`, `preview` and `generate`. Every command reads a
//! fleet, calls the pure engine and prints a table for people or JSON for scripts.

pub mod dash;
pub mod live;
mod output;
pub mod table;

use crate::fleet::lints::{Severity, all_lints};
use crate::fleet::{Fleet, summary};
use crate::generate::{GenerateConfig, generate, to_dir, to_yaml};
use crate::impact::{
    Change, HostTargets, LabelEdit, NewImage, PinChange, PinTarget, Rotation, impact,
};
use crate::kube::writer::KubeWriter;
use crate::model::{ChecksumType, LabelQuery, ProjectNamespaces};
use crate::source::file::load_paths;
use crate::stdio;
use crate::write::{WriteError, WriteMode, WriteReport, Writer};
use clap::{Args, Parser, Subcommand, ValueEnum};
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser, Debug)]
#[command(
    name = "gpufleet",
    version,
    about = "A live view and a careful editor for GPU bare-metal fleets run by vMetal"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Hosts by state and GPUs (total, free, claimed) per datacenter, rack, NVLink domain,
    /// tenant and node type.
    Summary {
        #[command(flatten)]
        source: Source,
        #[arg(long, short, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Fleet configurations the operators' guide warns about.
    Lint {
        #[command(flatten)]
        source: Source,
        #[arg(long, short, value_enum, default_value_t = Output::Table)]
        output: Output,
        /// Exit with status 3 when a lint of this severity or worse is found.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
    },
    /// What a change would do to hosts, node types, claims and tenants. Writes nothing.
    Preview {
        #[command(flatten)]
        source: Source,
        #[arg(long, short, value_enum, default_value_t = Output::Table, global = true)]
        output: Output,
        #[command(subcommand)]
        change: ChangeArgs,
    },
    /// Perform a change on the live cluster: preview it, dry-run it on the server, ask, write.
    Apply {
        #[command(flatten)]
        source: Source,
        #[arg(long, short, value_enum, default_value_t = Output::Table, global = true)]
        output: Output,
        /// `server`: stop after the server-side dry run; `none`: write.
        #[arg(long, value_enum, default_value_t = DryRun::None, global = true)]
        dry_run: DryRun,
        /// Write without asking.
        #[arg(long, short = 'y', global = true)]
        yes: bool,
        #[command(subcommand)]
        change: ChangeArgs,
    },
    /// The dashboard on an embedded simulated fleet, live: every pane of `dash`.
    Demo {
        /// Hosts to generate (up to 25,000).
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(0..=dash::MAX_DEMO_HOSTS as u64))]
        hosts: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Take the simulated Metal3 clusters (one per datacenter) down one at a time and back
        /// (40 s up, 20 s down): the down cluster's hosts go stale, the others stay live.
        #[arg(long)]
        chaos: bool,
        #[command(flatten)]
        dash: dash::DashArgs,
    },
    /// The dashboard on the live cluster, or with --from-file on an offline dump.
    Dash {
        #[command(flatten)]
        source: Source,
        #[command(flatten)]
        dash: dash::DashArgs,
    },
    /// Write a generated fleet as YAML (deterministic for a seed).
    Generate {
        /// Hosts to generate (up to 100,000).
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(0..=MAX_GENERATED as u64))]
        hosts: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Number of tenants (default: one per 800 hosts, 3 to 30; at most 30).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=crate::generate::MAX_TENANTS as u64))]
        tenants: Option<u64>,
        /// Number of claims (default: 80% of the hosts; up to 100,000).
        #[arg(long, value_parser = clap::value_parser!(u64).range(0..=MAX_GENERATED as u64))]
        claims: Option<u64>,
        /// Write to this file instead of standard output.
        #[arg(long, conflicts_with = "dir")]
        file: Option<PathBuf>,
        /// Write one directory per Metal3 cluster instead: DIR/platform.yaml and
        /// DIR/<cluster>/hosts.yaml, which `-f DIR` reads back with each host in its
        /// cluster. DIR must be new or empty.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Args, Debug, Clone)]
pub struct Source {
    /// Files or directories of `kubectl get -o yaml|json` output. Repeat the flag or
    /// separate paths by commas for several. Without it, gpufleet reads the live cluster.
    #[arg(long = "from-file", short = 'f', value_delimiter = ',', global = true)]
    pub from_file: Vec<PathBuf>,
    #[command(flatten)]
    pub cluster: live::ClusterArgs,
    /// The platform's projectNamespacePrefix: new claims go to PREFIX<project>. Namespaces
    /// with `p-` and `loft-p-` are read whatever it is. Default: the settings file, else `p-`.
    #[arg(long, global = true, value_name = "PREFIX")]
    pub project_namespace_prefix: Option<String>,
}

impl Source {
    /// How project namespaces are named: this flag, else the settings file, else `p-`.
    pub fn projects(&self) -> Result<ProjectNamespaces> {
        let settings = crate::settings::load()?;
        Ok(settings.projects(self.project_namespace_prefix.as_deref())?)
    }
}

#[derive(Subcommand, Debug)]
pub enum ChangeArgs {
    /// Set or remove labels, kubectl style: `label HOST[,HOST...] KEY=VAL... KEY-...` or
    /// `label -l SELECTOR KEY=VAL... KEY-...`.
    Label {
        /// Select hosts by a kubectl label selector instead of naming them. It must narrow:
        /// an empty selector is refused (use --all for every host).
        #[arg(short = 'l', long = "selector")]
        selector: Option<String>,
        /// Edit every host, as kubectl's --all.
        #[arg(long, conflicts_with = "selector")]
        all: bool,
        /// Without -l or --all: HOST[,HOST...], then KEY=VAL and KEY- arguments.
        #[arg(required = true, num_args = 1..)]
        args: Vec<String>,
    },
    /// Pin a Machine (NodeClaim) to one server.
    Pin {
        server: String,
        /// The node type: a new claim's typeRef. For an existing claim (optional) the type
        /// you expect it to get; its own request decides, and the preview says which.
        #[arg(long)]
        node_type: Option<String>,
        /// An existing claim, as NAMESPACE/NAME.
        #[arg(long, conflicts_with_all = ["vcluster", "project"])]
        claim: Option<String>,
        /// For a new claim: the tenant vCluster.
        #[arg(long, requires = "project")]
        vcluster: Option<String>,
        /// For a new claim: the project (namespace <prefix>PROJECT; see --project-namespace-prefix).
        #[arg(long, requires = "vcluster")]
        project: Option<String>,
    },
    /// Point a node type at another OSImage (an existing one, or a new one with --url).
    Rotate {
        node_type: String,
        #[arg(long)]
        image: String,
        #[arg(long)]
        url: Option<String>,
        #[arg(long, requires = "url")]
        checksum: Option<String>,
        #[arg(long, requires = "url")]
        checksum_type: Option<String>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Table,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DryRun {
    None,
    Server,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

/// Most hosts (and claims) `generate` writes.
pub const MAX_GENERATED: usize = 100_000;

/// Exit status when `lint --fail-on` finds something.
pub const EXIT_LINTS_FOUND: u8 = 3;
/// Exit status when a write met a conflict: preview again and retry.
pub const EXIT_CONFLICT: u8 = 4;
/// Exit status when `lint --fail-on` could not read all of its input: nothing was loaded, or
/// some files or objects could not be read, so the lints may be incomplete.
pub const EXIT_INPUT_INCOMPLETE: u8 = 5;

/// A fleet and whether all of its input was read.
struct Loaded {
    fleet: Arc<Fleet>,
    /// Nothing was loaded, or some files or objects could not be read.
    incomplete: bool,
}

/// Reads dumps, reporting on stderr what could not be read and, when nothing loaded, why.
fn load_file_fleet(paths: &[PathBuf], projects: ProjectNamespaces) -> Result<Loaded> {
    let reading = stdio::note_if_slow(
        std::time::Duration::from_secs(1),
        format_args!("reading {}…", describe_paths(paths)),
    );
    let report = load_paths(paths)?;
    drop(reading);
    for line in report.warnings() {
        stdio::warn(line);
    }
    if !report.problems.is_empty() || !report.ignored.is_empty() || !report.duplicates.is_empty() {
        stdio::note(report.summary());
    }
    let nothing = report.nothing_loaded();
    match &nothing {
        Some(why) => stdio::warn(format_args!(
            "nothing was loaded from {}: {why}",
            describe_paths(paths)
        )),
        None => {
            for file in &report.empty_files {
                stdio::warn(format_args!(
                    "{}: no objects (the file is empty or holds only comments)",
                    file.display()
                ));
            }
        }
    }
    Ok(Loaded {
        incomplete: nothing.is_some() || !report.problems.is_empty(),
        fleet: Arc::new(Fleet::build_with(report.objects, projects)),
    })
}

/// The paths as named on the command line, `a.yaml, dump/`.
fn describe_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The fleet from files, or from the live cluster (read-only: these commands never write).
async fn load_fleet(source: &Source) -> Result<Loaded> {
    let projects = source.projects()?;
    let loaded = if source.from_file.is_empty() {
        Loaded {
            fleet: live::live_snapshot_with(&source.cluster, projects, true)
                .await?
                .0,
            incomplete: false,
        }
    } else {
        load_file_fleet(&source.from_file, projects)?
    };
    for w in loaded.fleet.warnings() {
        stdio::warn(w);
    }
    Ok(loaded)
}

fn print(output: Output, value: &impl Serialize, table: impl FnOnce() -> String) -> Result<()> {
    let text = match output {
        Output::Json => serde_json::to_string_pretty(value)? + "\n",
        Output::Table => table(),
    };
    // A closed pipe (`| head`) ends the process quietly inside `stdio::out`.
    stdio::out(&text).wrap_err("cannot write to standard output")
}

/// The change the `preview` arguments describe.
pub fn change_from_args(args: &ChangeArgs) -> Result<Change> {
    Ok(match args {
        ChangeArgs::Label {
            selector,
            all,
            args,
        } => {
            let (targets, edits) = match selector {
                _ if *all => (HostTargets::All, args.as_slice()),
                Some(s) => {
                    let query = LabelQuery::parse(s)?;
                    if query.selects_all() {
                        bail!(
                            "-l {s:?} is empty and would select every host: give a selector that \
                             narrows them, name the hosts, or pass --all to edit every host"
                        );
                    }
                    (HostTargets::Selector(query), args.as_slice())
                }
                None => {
                    let (hosts, rest) = args
                        .split_first()
                        .ok_or_else(|| eyre!("name the hosts, or select them with -l"))?;
                    if hosts.contains('=') || hosts.ends_with('-') {
                        bail!(
                            "the first argument must name hosts (HOST[,HOST...]) or use -l SELECTOR; got {hosts:?}"
                        );
                    }
                    let names: Vec<String> = hosts
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    if names.is_empty() {
                        bail!(
                            "no host named in {hosts:?}: name them (HOST[,HOST...]), select them with -l, or pass --all"
                        );
                    }
                    (HostTargets::Names(names), rest)
                }
            };
            Change::Label(LabelEdit::parse_args(targets, edits)?)
        }
        ChangeArgs::Pin {
            server,
            node_type,
            claim,
            vcluster,
            project,
        } => {
            let target = match (claim, vcluster, project) {
                (Some(key), _, _) => {
                    let (namespace, name) = key
                        .split_once('/')
                        .ok_or_else(|| eyre!("--claim takes NAMESPACE/NAME, got {key:?}"))?;
                    PinTarget::Existing {
                        namespace: namespace.into(),
                        name: name.into(),
                    }
                }
                (None, Some(_), Some(_)) if node_type.is_none() => {
                    bail!("a new claim needs --node-type: it becomes the claim's typeRef")
                }
                (None, Some(v), Some(p)) => PinTarget::New {
                    vcluster: v.clone(),
                    project: p.clone(),
                },
                _ => bail!(
                    "say which claim to pin: --claim NAMESPACE/NAME, or --vcluster V --project P for a new one"
                ),
            };
            Change::Pin(PinChange {
                server: server.clone(),
                node_type: node_type.clone(),
                target,
            })
        }
        ChangeArgs::Rotate {
            node_type,
            image,
            url,
            checksum,
            checksum_type,
        } => Change::Rotate(Rotation {
            node_type: node_type.clone(),
            image: image.clone(),
            new_image: url.as_ref().map(|u| NewImage {
                url: u.clone(),
                checksum: checksum.clone(),
                checksum_type: checksum_type.as_deref().map(ChecksumType::from),
            }),
        }),
    })
}

#[derive(Serialize)]
struct LintReport<'a> {
    lints: &'a [crate::fleet::lints::Lint],
    errors: usize,
    warnings: usize,
    infos: usize,
}

impl Cli {
    /// Whether the command answers and ends (every command but the dashboard's, `dash` and
    /// `demo`, which run until quit and restore the terminal on their way out).
    pub fn is_one_shot(&self) -> bool {
        !matches!(self.command, Command::Dash { .. } | Command::Demo { .. })
    }
}

pub async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Summary { source, output } => {
            let fleet = load_fleet(&source).await?.fleet;
            let s = summary::summarize(&fleet);
            print(output, &s, || output::summary_table(&s))?;
        }
        Command::Lint {
            source,
            output,
            fail_on,
        } => {
            let Loaded { fleet, incomplete } = load_fleet(&source).await?;
            let lints = all_lints(fleet.as_ref());
            let count = |s: Severity| lints.iter().filter(|l| l.severity == s).count();
            let report = LintReport {
                lints: &lints,
                errors: count(Severity::Error),
                warnings: count(Severity::Warning),
                infos: count(Severity::Info),
            };
            let with_cluster = fleet.hosts_span_clusters();
            print(output, &report, || {
                output::lints_table(&lints, with_cluster)
            })?;
            let threshold = fail_on.map(|f| match f {
                FailOn::Error => Severity::Error,
                FailOn::Warning => Severity::Warning,
                FailOn::Info => Severity::Info,
            });
            if threshold.is_some() && incomplete {
                stdio::error(
                    "lint --fail-on: the input was not read in full (see the warnings above), so the lints may be incomplete",
                );
                return Ok(ExitCode::from(EXIT_INPUT_INCOMPLETE));
            }
            if let Some(min) = threshold
                && lints.iter().any(|l| l.severity >= min)
            {
                return Ok(ExitCode::from(EXIT_LINTS_FOUND));
            }
        }
        Command::Preview {
            source,
            output,
            change,
        } => {
            let change = change_from_args(&change)?;
            let fleet = load_fleet(&source).await?.fleet;
            let result = impact(&fleet, &change)?;
            print(output, &result, || output::impact_table(&result))?;
        }
        Command::Apply {
            source,
            output,
            dry_run,
            yes,
            change,
        } => return apply(source, output, dry_run, yes, change).await,
        Command::Demo {
            hosts,
            seed,
            chaos,
            dash,
        } => {
            let dash = dash.over_settings_file()?;
            return dash::demo(hosts as usize, seed, chaos, &dash).await;
        }
        Command::Dash { source, dash } if source.from_file.is_empty() => {
            let dash = dash.over_settings_file()?;
            return dash::live(&source.cluster, source.projects()?, &dash).await;
        }
        Command::Dash { source, dash } => {
            let dash = dash.over_settings_file()?;
            let projects = source.projects()?;
            let report = dash::load_dump(&source.from_file)?;
            return dash::dash(&source.from_file, report, projects, &dash).await;
        }
        Command::Generate {
            hosts,
            seed,
            tenants,
            claims,
            file,
            dir,
        } => {
            // Ranged by clap, so every count fits.
            let count = |n: u64| usize::try_from(n).unwrap_or(MAX_GENERATED);
            let generated = generate(&GenerateConfig {
                hosts: count(hosts),
                seed,
                tenants: tenants.map(count),
                claims: claims.map(count),
            });
            match (file, dir) {
                (_, Some(dir)) => write_dir(&dir, &to_dir(&generated))?,
                (Some(path), None) => std::fs::write(&path, to_yaml(&generated))
                    .wrap_err_with(|| format!("cannot write {}", path.display()))?,
                (None, None) => print(Output::Table, &(), || to_yaml(&generated))?,
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `generate --dir`'s files below `dir`, which must be new or empty: files left from
/// another fleet would be read back with this one.
fn write_dir(dir: &std::path::Path, files: &[(PathBuf, String)]) -> Result<()> {
    if let Ok(mut entries) = std::fs::read_dir(dir)
        && entries.next().is_some()
    {
        bail!(
            "{} is not empty: generate --dir writes a new directory, so that no file of \
             another fleet is read back with this one",
            dir.display()
        );
    }
    for (path, text) in files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .wrap_err_with(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).wrap_err_with(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct ApplyReport<'a> {
    impact: &'a crate::impact::Impact,
    dry_run: Option<&'a WriteReport>,
    result: Option<&'a WriteReport>,
    error: Option<&'a WriteError>,
}

async fn apply(
    source: Source,
    output: Output,
    dry_run: DryRun,
    yes: bool,
    change: ChangeArgs,
) -> Result<ExitCode> {
    // The arguments are checked before anything else, so a bad one never reaches a cluster.
    let change = change_from_args(&change)?;
    if !source.from_file.is_empty() {
        bail!("apply writes to a live cluster; --from-file is for previews");
    }
    let (fleet, clusters) =
        live::live_snapshot_with(&source.cluster, source.projects()?, false).await?;
    let preview = impact(&fleet, &change)?;
    // A pin the preview says fails would leave a claim the platform never retries: refused
    // before anything reaches the cluster.
    if let Some(failing) = preview.failing_pin() {
        print(output, &preview, || output::impact_table(&preview))?;
        bail!(
            "not written: {failing}; the platform would mark the claim failed and never retry it"
        );
    }
    let writer = KubeWriter::new(clusters.clone())?;
    let finish = |dry: Option<&WriteReport>,
                  result: Option<&WriteReport>,
                  error: Option<&WriteError>|
     -> Result<()> {
        let report = ApplyReport {
            impact: &preview,
            dry_run: dry,
            result,
            error,
        };
        print(output, &report, || {
            let mut text = output::impact_table(&preview);
            if let Some(d) = dry {
                let n = d.objects.len();
                text += &format!(
                    "SERVER DRY RUN  ok: {n} {} would be written\n",
                    if n == 1 { "object" } else { "objects" }
                );
            }
            if let Some(r) = result {
                for o in &r.objects {
                    let line = format!(
                        "WROTE  {} {}{}{} resourceVersion {} → {}",
                        o.kind,
                        o.cluster
                            .as_deref()
                            .map(|c| format!("{c}/"))
                            .unwrap_or_default(),
                        o.namespace
                            .as_deref()
                            .map(|n| format!("{n}/"))
                            .unwrap_or_default(),
                        o.name,
                        o.resource_version_before.as_deref().unwrap_or("(new)"),
                        o.resource_version_after.as_deref().unwrap_or("?")
                    ) + &o
                        .context
                        .as_deref()
                        .map(|c| format!(" (context {c})"))
                        .unwrap_or_default();
                    text += &crate::format::escape(&line);
                    text.push('\n');
                }
            }
            text
        })
    };
    let exit_for = |e: &WriteError| match e {
        WriteError::Conflict { .. } => ExitCode::from(EXIT_CONFLICT),
        _ => ExitCode::FAILURE,
    };
    let dry = match writer.write(&fleet, &change, WriteMode::DryRun).await {
        Ok(report) => report,
        Err(e) => {
            finish(None, None, Some(&e))?;
            stdio::error(format_args!(
                "the server-side dry run failed, nothing was written: {e}"
            ));
            return Ok(exit_for(&e));
        }
    };
    if dry_run == DryRun::Server {
        finish(Some(&dry), None, None)?;
        return Ok(ExitCode::SUCCESS);
    }
    // The contexts this change's objects go to, as the server's dry run answered: a label
    // edit of one site's hosts names that site's context only.
    let context = dry.written_to(&format!("context {}", clusters.platform.context));
    if !yes {
        if output == Output::Table {
            stdio::err(&output::impact_table(&preview));
        }
        let question = format!(
            "Write this change ({}) to {context} as {}?",
            output::scope(&preview),
            clusters.platform.user
        );
        if !live::confirm(&question)? {
            stdio::note("nothing written");
            return Ok(ExitCode::FAILURE);
        }
    } else {
        stdio::note(format_args!(
            "writing {} to {context} as {}: {}",
            output::scope(&preview),
            clusters.platform.user,
            preview.change
        ));
    }
    let outcome = writer.write(&fleet, &change, WriteMode::Commit).await;
    if let Some(path) = crate::write::audit::default_path() {
        let record = crate::write::audit::AuditRecord::new(
            &clusters.platform.user,
            // The record's identity is the platform's context, as the dashboard's records;
            // each object names the context it was written through.
            &clusters.platform.context,
            &change,
            outcome.as_ref(),
        )
        .with_undo(crate::impact::undo_of(&fleet, &change).map_err(|e| e.to_string()));
        if let Err(e) = crate::write::audit::append(&path, &record) {
            stdio::warn(format_args!(
                "cannot write the audit log {}: {e}",
                path.display()
            ));
        }
    }
    match outcome {
        Ok(result) => {
            finish(Some(&dry), Some(&result), None)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            finish(Some(&dry), None, Some(&e))?;
            stdio::error(&e);
            Ok(exit_for(&e))
        }
    }
}
