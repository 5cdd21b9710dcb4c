//! The CLI against a live cluster: sync every watch once, then answer from that snapshot;
//! and `apply`, which previews, dry-runs on the server, asks, and writes.

use crate::event::WatchState;
use crate::fleet::Fleet;
use crate::kube::{ClusterOptions, Clusters, ContextMap, connect_within, spawn_watches};
use crate::live::LiveFleet;
use crate::model::ProjectNamespaces;
use clap::Args;
use color_eyre::eyre::{Result, bail, eyre};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// kubectl's connection flags.
#[derive(Args, Debug, Clone, Default)]
pub struct ClusterArgs {
    /// Path to the kubeconfig (default: $KUBECONFIG, else ~/.kube/config).
    #[arg(long, global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context of the platform cluster (default: the current context).
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// Which context reaches a Metal3 cluster holding BareMetalHosts: CLUSTER=CONTEXT
    /// (repeatable; CLUSTER as a NodeProvider's spec.metal3.clusterRef.cluster), or a bare
    /// CONTEXT for every cluster not named. Default: the settings file's [clusters], else a
    /// context named like the cluster, else --context.
    #[arg(long, global = true, value_name = "[CLUSTER=]CONTEXT")]
    pub bmh_context: Vec<String>,
    /// Namespace of the BareMetalHosts (default: the providers' clusterRef namespace, else metal3-system).
    #[arg(long, global = true)]
    pub bmh_namespace: Option<String>,
    /// User to impersonate, as kubectl --as.
    #[arg(long = "as", global = true)]
    pub as_user: Option<String>,
    /// Group to impersonate (repeatable), as kubectl --as-group.
    #[arg(long = "as-group", global = true)]
    pub as_group: Vec<String>,
    /// Timeout of each request that is not a watch, kubectl style (30s, 1m, 0 for the default;
    /// at most a week).
    #[arg(long, global = true, value_parser = parse_duration)]
    pub request_timeout: Option<Duration>,
    /// How long to wait for the connection and the first complete sync of every watch
    /// (more than 0, at most a week).
    #[arg(long, global = true, value_parser = parse_timeout, default_value = "2m")]
    pub sync_timeout: Duration,
}

impl ClusterArgs {
    /// The connection options; `Err` when `--bmh-context` values contradict each other.
    /// The settings file's `[clusters]` fill in clusters the flags do not name (a settings
    /// file that cannot be read was reported already by the caller's project naming; here it
    /// counts as empty).
    pub fn options(&self, read_only: bool) -> Result<ClusterOptions, String> {
        let settings = crate::settings::load()
            .map(|s| s.clusters)
            .unwrap_or_default();
        let bmh_contexts =
            ContextMap::parse(self.bmh_context.iter().map(String::as_str))?.over(&settings);
        Ok(ClusterOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            bmh_contexts,
            bmh_namespace: self.bmh_namespace.clone(),
            impersonate: self.as_user.clone(),
            impersonate_groups: self.as_group.clone(),
            request_timeout: self.request_timeout.filter(|d| !d.is_zero()),
            read_only,
        })
    }
}

/// Longest duration a flag may give: a week. Timers further out would only overflow clocks.
pub const MAX_DURATION: Duration = Duration::from_secs(7 * 24 * 3600);

/// Reads `30s`, `5m`, `1h`, `250ms` or a bare number of seconds, from 0 to [`MAX_DURATION`].
/// Anything else is an error message for clap (exit status 2), never a panic.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, unit) = t.split_at(
        t.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(t.len()),
    );
    let n: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. 30s, 5m)"))?;
    let seconds = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?} (use ms, s, m or h)"
            ));
        }
    };
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if d <= MAX_DURATION => Ok(d),
        _ => Err(format!(
            "{text:?} is out of range: durations go from 0 to a week (168h)"
        )),
    }
}

/// A duration that must be more than zero: a timeout.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        d if d.is_zero() => Err(format!("{text:?}: a timeout must be more than 0")),
        d => Ok(d),
    }
}

fn state_text(state: &WatchState) -> String {
    match state {
        WatchState::Connecting => "connecting".to_string(),
        WatchState::Syncing { received } => format!("syncing ({received})"),
        WatchState::Synced { .. } => "synced".to_string(),
        WatchState::Loaded { .. } => "read from files".to_string(),
        // The server's answer and when the next attempt starts, within seconds of it:
        // `throttled (429), retrying in 12s: the API server says: …`.
        WatchState::Stale { reason, .. } => match state.failure_text(SystemTime::now()) {
            Some(answer) => format!("{answer}: {reason}"),
            None => format!("stale: {reason}"),
        },
        WatchState::NotServed { .. } => "not served".to_string(),
    }
}

/// The context that reaches Metal3 cluster `cluster` and why (`context dc2, named for it`);
/// where none does, the cluster's watch state says why.
fn context_text(clusters: &Clusters, cluster: &str) -> String {
    match clusters.context_for(cluster) {
        Ok((context, why)) => format!("context {context}, {why}"),
        Err(_) => "no context reaches it".to_string(),
    }
}

/// A warning for each cluster `--bmh-context CLUSTER=CONTEXT` (or the settings file's
/// `[clusters]`) names that no provider names, with the closest cluster that one does.
pub fn unknown_clusters(map: &ContextMap, live: &LiveFleet) -> Vec<String> {
    let named: Vec<String> =
        crate::fleet::build::metal3_scopes(live.objects().providers.values().map(|p| &**p))
            .into_keys()
            .filter(|c| !c.is_empty())
            .collect();
    map.by_cluster
        .keys()
        .filter(|c| !named.contains(c))
        .map(|c| {
            let closest = crate::fleet::names::closest(c, named.iter().map(String::as_str));
            format!(
                "--bmh-context names Metal3 cluster {c:?}, which no NodeProvider names \
                 (spec.metal3.clusterRef.cluster); {}",
                if closest.is_empty() {
                    format!("the providers name: {}", named.join(", "))
                } else {
                    format!("closest: {}", closest.join(", "))
                }
            )
        })
        .collect()
}

/// What a sync that timed out still waits for: the platform's kinds not synced, then each
/// Metal3 cluster not synced (or not reported yet), with the context that reaches it and
/// what connecting waits on: `Metal3 cluster dc2-infra (context dc2): connecting: waiting
/// 30s for the exec credential plugin "…" of user u (context dc2)`.
fn not_synced(live: &LiveFleet, clusters: &Clusters) -> Vec<String> {
    let mut out = Vec::new();
    let platform: Vec<String> = live
        .watches()
        .iter()
        .filter(|(_, s)| !s.is_synced())
        .map(|(k, s)| format!("{}: {}", k.short(), state_text(s)))
        .collect();
    if !platform.is_empty() {
        out.push(format!(
            "the platform (context {}): {}",
            clusters.platform.context,
            platform.join(", ")
        ));
    }
    let mut by_cluster: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for ((cluster, kind), state) in live.cluster_watches() {
        if state.is_synced() {
            continue;
        }
        let text = match (state, clusters.waiting_for(cluster)) {
            (WatchState::Connecting, Some(wait)) => format!("connecting: {wait}"),
            _ => state_text(state),
        };
        let texts = by_cluster.entry(cluster).or_default();
        // The hosts and their HardwareData wait on the same client: say it once.
        if !texts.iter().any(|t| t.ends_with(&text)) {
            texts.push(format!("{}: {text}", kind.short()));
        }
    }
    let unreported = live.clusters_unreported();
    for cluster in &unreported {
        by_cluster
            .entry(cluster)
            .or_default()
            .push("not watched yet".to_string());
    }
    for (cluster, texts) in by_cluster {
        out.push(format!(
            "Metal3 cluster {cluster} ({}): {}",
            context_text(clusters, cluster),
            texts.join(", ")
        ));
    }
    if out.is_empty() {
        out.push("the watches to report".to_string());
    }
    out
}

/// How long the sync runs before its progress, and what it waits for, are written.
pub const PROGRESS_AFTER: Duration = Duration::from_secs(2);

/// How often a log (standard error not a terminal) is told again what the sync still waits
/// for; a terminal's lines are rewritten in place each second.
pub const WAITING_EVERY: Duration = Duration::from_secs(10);

/// What the sync waits on that sends no event while it waits: each Metal3 cluster not synced
/// whose client is still being built (an exec credential plugin that has not answered, a TLS
/// set-up; stale or not, as a build given up on is waited for again), with how long:
/// `waiting for Metal3 cluster dc2-infra (context dc2, named for it): connecting: waiting
/// 12s for the exec credential plugin "…" of user u (context dc2)`.
fn waiting_lines(live: &LiveFleet, clusters: &Clusters) -> Vec<String> {
    let mut names: std::collections::BTreeSet<String> = live
        .cluster_watches()
        .iter()
        .filter(|(_, s)| !s.is_synced())
        .map(|((c, _), _)| c.clone())
        .collect();
    names.extend(live.clusters_unreported());
    names
        .iter()
        .filter_map(|cluster| {
            let wait = clusters.waiting_for(cluster)?;
            Some(format!(
                "waiting for Metal3 cluster {cluster} ({}): connecting: {wait}",
                context_text(clusters, cluster)
            ))
        })
        .collect()
}

/// Why the watch `event` reports can never complete while a one-shot command waits: no
/// context of the kubeconfig reaches its Metal3 cluster, or no retry helps before a deadline
/// ([`Trouble::is_permanent`](crate::event::Trouble::is_permanent): credentials refused, a
/// verb forbidden, a certificate that does not fit, a kind gpufleet needs not served). `None`
/// for anything else.
fn never_completes(clusters: &Clusters, event: &crate::event::FleetEvent) -> Option<String> {
    let crate::event::FleetEvent::Watch {
        cluster,
        state: state @ WatchState::Stale { trouble, .. },
        ..
    } = event
    else {
        return None;
    };
    let unreachable = cluster
        .as_deref()
        .is_some_and(|c| clusters.context_for(c).is_err());
    (unreachable || trouble.is_permanent()).then(|| {
        let line = state.failure_line().unwrap_or_default();
        match cluster {
            Some(c) => format!("Metal3 cluster {c}: {line}"),
            None => format!(
                "the platform (context {}): {line}",
                clusters.platform.context
            ),
        }
    })
}

/// The sync's progress, one line for the platform's kinds and one per Metal3 cluster:
/// `platform: providers: synced, ...` and `dc1-infra: hosts: syncing (12000), hardware: ...`.
pub fn progress_lines(live: &LiveFleet) -> Vec<String> {
    // Kinds failing with the same answer are said once: `providers, types: unauthorized
    // (401), …`.
    let kinds = |states: Vec<(crate::event::Kind, &WatchState)>| {
        let mut groups: Vec<(Vec<&str>, Option<String>, &WatchState)> = Vec::new();
        for (kind, state) in states {
            let key = state
                .failure_text(SystemTime::now())
                .and(state.failure_line());
            match groups
                .iter_mut()
                .find(|(_, k, _)| key.is_some() && *k == key)
            {
                Some((names, _, _)) => names.push(kind.short()),
                None => groups.push((vec![kind.short()], key, state)),
            }
        }
        groups
            .into_iter()
            .map(|(names, _, s)| format!("{}: {}", names.join(", "), state_text(s)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = vec![format!(
        "platform: {}",
        kinds(live.watches().iter().map(|(k, s)| (*k, s)).collect())
    )];
    let mut clusters: std::collections::BTreeMap<&str, Vec<_>> = Default::default();
    for ((cluster, kind), state) in live.cluster_watches() {
        clusters.entry(cluster).or_default().push((*kind, state));
    }
    for (cluster, states) in clusters {
        lines.push(format!("{cluster}: {}", kinds(states)));
    }
    lines
}

/// Progress lines on standard error: rewritten in place on a terminal (the cursor moves up
/// over the last lines and clears them), else each line printed only when it changes, so a
/// 25,000-host sync writes a handful of lines to a log, not one per thousand objects.
pub struct Progress {
    terminal: bool,
    shown: Vec<String>,
}

impl Progress {
    pub fn new(terminal: bool) -> Self {
        Progress {
            terminal,
            shown: Vec::new(),
        }
    }

    /// What to write for `lines` after what was shown.
    pub fn update(&mut self, lines: Vec<String>) -> String {
        let mut out = String::new();
        if self.terminal {
            if lines == self.shown {
                return out;
            }
            if !self.shown.is_empty() {
                out.push_str(&format!("\x1b[{}A", self.shown.len()));
            }
            for line in &lines {
                out.push_str(&format!("\x1b[2K{}\n", crate::format::escape(line)));
            }
        } else {
            for (i, line) in lines.iter().enumerate() {
                if self.shown.get(i) != Some(line) {
                    out.push_str(&format!("{}\n", crate::format::escape(line)));
                }
            }
        }
        self.shown = lines;
        out
    }
}

/// Connects, syncs every watch once and returns the snapshot. Progress goes to stderr.
/// Connecting (the kubeconfig, exec plugins, TLS) and syncing share one deadline,
/// `--sync-timeout`: nothing before the answer can hang.
pub async fn live_snapshot(args: &ClusterArgs, read_only: bool) -> Result<(Arc<Fleet>, Clusters)> {
    live_snapshot_with(args, ProjectNamespaces::default(), read_only).await
}

/// [`live_snapshot`], naming project namespaces with `projects`.
pub async fn live_snapshot_with(
    args: &ClusterArgs,
    projects: ProjectNamespaces,
    read_only: bool,
) -> Result<(Arc<Fleet>, Clusters)> {
    let deadline = tokio::time::Instant::now() + args.sync_timeout;
    let started = Instant::now();
    let options = args.options(read_only).map_err(|e| eyre!(e))?;
    let clusters = connect_within(&options, deadline, crate::stdio::note).await?;
    let (mut events, tasks) = spawn_watches(&clusters, args.bmh_namespace.clone());
    let mut live = LiveFleet::default().with_projects(projects);
    let mut warned = std::collections::BTreeSet::new();
    let mut checked_names = false;
    // A client that is being built sends no event while it waits: the progress is also
    // written on a clock, each second on a terminal (in place), every WAITING_EVERY in a log.
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut progress = Progress::new(terminal);
    let every = if terminal {
        Duration::from_secs(1)
    } else {
        WAITING_EVERY
    };
    let mut next_tick = tokio::time::Instant::now() + PROGRESS_AFTER;
    // Metal3 clusters that cannot complete before any deadline: said at once, then the
    // command ends rather than wait for them.
    let mut hopeless: Vec<String> = Vec::new();
    let outcome = loop {
        // Every watch, and every Metal3 cluster the providers name: never a part of the
        // fleet.
        if live.complete() {
            break Ok(());
        }
        // Events already queued first, so every such cluster is named, not only the first,
        // and the providers' names checked (a cluster misnamed is said too).
        // The names cannot be checked when the providers cannot be read at all.
        let providers_hopeless = live
            .watches()
            .get(&crate::event::Kind::NodeProvider)
            .is_some_and(
                |s| matches!(s, WatchState::Stale { trouble, .. } if trouble.is_permanent()),
            );
        if !hopeless.is_empty() && events.is_empty() && (checked_names || providers_hopeless) {
            break Err(eyre!(
                "no complete view can come, so nothing is answered: {}",
                hopeless.join("; ")
            ));
        }
        let tick = next_tick.min(deadline);
        let event = match tokio::time::timeout_at(tick, events.recv()).await {
            Err(_) if tick < deadline => {
                next_tick = tokio::time::Instant::now() + every;
                let waiting = waiting_lines(&live, &clusters);
                if terminal {
                    let mut lines = progress_lines(&live);
                    lines.extend(waiting);
                    crate::stdio::err(&progress.update(lines));
                } else {
                    // What changed since (a server's answer and its countdown among it), so
                    // a throttled or failing watch is said within seconds in a log too.
                    crate::stdio::err(&progress.update(progress_lines(&live)));
                    for line in waiting {
                        crate::stdio::note(line);
                    }
                }
                continue;
            }
            Err(_) => Err(()),
            Ok(event) => Ok(event),
        };
        match event {
            Ok(Some(event)) => {
                // A Metal3 cluster that fails is said at once, not only at the deadline.
                if let crate::event::FleetEvent::Watch {
                    kind,
                    cluster: Some(cluster),
                    state: state @ WatchState::Stale { .. },
                } = &event
                    && warned.insert(cluster.clone())
                {
                    crate::stdio::warn(format_args!(
                        "Metal3 cluster {cluster} ({}): {}: stale: {}",
                        context_text(&clusters, cluster),
                        kind.short(),
                        state.failure_line().unwrap_or_default()
                    ));
                }
                if let Some(why) = never_completes(&clusters, &event)
                    && !hopeless.contains(&why)
                {
                    hopeless.push(why);
                }
                live.apply(event);
                if !checked_names
                    && live
                        .watches()
                        .get(&crate::event::Kind::NodeProvider)
                        .is_some_and(WatchState::is_synced)
                {
                    checked_names = true;
                    for line in unknown_clusters(&options.bmh_contexts, &live) {
                        crate::stdio::warn(line);
                    }
                }
            }
            Ok(None) => break Err(eyre!("the watches stopped")),
            Err(_) => {
                break Err(eyre!(
                    "no complete view after {:?}; waiting for {}",
                    args.sync_timeout,
                    not_synced(&live, &clusters).join("; ")
                ));
            }
        }
        if started.elapsed() > PROGRESS_AFTER {
            let mut lines = progress_lines(&live);
            if terminal {
                lines.extend(waiting_lines(&live, &clusters));
            }
            crate::stdio::err(&progress.update(lines));
        }
    };
    for task in tasks {
        task.abort();
    }
    outcome?;
    let skipped = live.skipped(usize::MAX);
    for line in &skipped {
        eprintln!("warning: skipped {line}");
    }
    if !skipped.is_empty() {
        eprintln!(
            "skipped {} objects that could not be read; everything else is current",
            skipped.len()
        );
    }
    live.refresh();
    Ok((live.fleet().clone(), clusters))
}

/// Asks on the terminal; refuses without one.
pub fn confirm(question: &str) -> Result<bool> {
    use std::io::{BufRead, IsTerminal};
    if !std::io::stdin().is_terminal() {
        bail!("standard input is not a terminal: pass --yes to write without asking");
    }
    crate::stdio::err(&format!("{} [y/N] ", crate::format::escape(question)));
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_rewrites_in_place_on_a_terminal_and_prints_changes_elsewhere() {
        let lines = |a: &str| vec!["platform: claims: synced".to_string(), a.to_string()];
        let mut tty = Progress::new(true);
        assert_eq!(
            tty.update(lines("dc1: hosts: syncing (1000)")),
            "\x1b[2Kplatform: claims: synced\n\x1b[2Kdc1: hosts: syncing (1000)\n"
        );
        assert_eq!(tty.update(lines("dc1: hosts: syncing (1000)")), "");
        assert_eq!(
            tty.update(lines("dc1: hosts: synced")),
            "\x1b[2A\x1b[2Kplatform: claims: synced\n\x1b[2Kdc1: hosts: synced\n"
        );
        let mut log = Progress::new(false);
        log.update(lines("dc1: hosts: syncing (1000)"));
        assert_eq!(
            log.update(lines("dc1: hosts: synced")),
            "dc1: hosts: synced\n"
        );
    }

    #[test]
    fn durations_read_like_kubectl() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn durations_out_of_range_are_errors_not_panics() {
        for text in ["100000000000000000000", "169h", "99999999999999999999999h"] {
            assert!(
                parse_duration(text).unwrap_err().contains("out of range"),
                "{text}"
            );
        }
        for text in ["-5s", "NaN", "inf", "1e400", "", "1.2.3s", "s"] {
            assert!(parse_duration(text).is_err(), "{text}");
        }
        assert_eq!(parse_duration("168h").unwrap(), MAX_DURATION);
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_timeout("0s").unwrap_err().contains("more than 0"));
    }
}
