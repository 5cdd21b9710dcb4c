//! The user's settings file: `$XDG_CONFIG_HOME/gpufleet/config.toml`, else
//! `~/.config/gpufleet/config.toml`. Every key is optional and a missing file means every
//! default; a flag on the command line wins over the file. Unknown keys are refused, so a
//! typo is told rather than ignored.
//!
//! ```toml
//! [platform]
//! # vCluster Platform's projectNamespacePrefix (default "p-").
//! project-namespace-prefix = "loft-p-"
//!
//! [clusters]
//! # The kube context of each Metal3 cluster (a provider's clusterRef.cluster).
//! dc1-infra = "admin@dc1"
//!
//! [dashboard]
//! # --theme: a built-in theme, or a TOML file (relative to this file's directory).
//! theme = "high-contrast"
//! # --color: auto, truecolor, 256, 16 or none.
//! color = "256"
//! # --cycle: watch mode, seconds each pane shows (1 to 3600; default 20).
//! cycle = 60
//! # --stale-after: seconds a watch may fail before the stale banner shows
//! # (1 to 604800, a week; default 30).
//! stale-after = 120
//! ```
//!
//! Values are checked as the flags check theirs; a bad one is named with the file and its
//! line. Each section is its own struct, so a later section does not touch the ones here.

use crate::model::project::{InvalidPrefix, ProjectNamespaces};
use crate::ui::theme::{self, ColorChoice};
use serde::{Deserialize, Deserializer};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The file's name inside the configuration directory.
pub const FILE: &str = "gpufleet/config.toml";

/// Everything the settings file may hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    #[serde(default)]
    pub platform: PlatformSettings,
    /// `[clusters]`: the kube context of each Metal3 cluster, by the name a NodeProvider's
    /// `spec.metal3.clusterRef.cluster` gives it (`dc1-infra = "admin@dc1"`).
    /// `--bmh-context CLUSTER=CONTEXT` wins for the clusters it names.
    #[serde(default)]
    pub clusters: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub dashboard: DashboardSettings,
}

/// Seconds each pane shows in watch mode (`--cycle`, `cycle`).
pub const CYCLE_SECS: RangeInclusive<u64> = 1..=3600;
/// Seconds a watch may fail before the stale banner shows (`--stale-after`, `stale-after`):
/// up to a week.
pub const STALE_AFTER_SECS: RangeInclusive<u64> = 1..=7 * 24 * 3600;

/// `[dashboard]`: the dashboard's defaults; `--theme`, `--color`, `--cycle` and
/// `--stale-after` win over them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DashboardSettings {
    /// A built-in theme's name, or the path of a theme file; a relative path is made
    /// absolute against the settings file's directory when the file is read.
    pub theme: Option<String>,
    pub color: Option<ColorChoice>,
    /// Seconds, within [`CYCLE_SECS`].
    #[serde(default, deserialize_with = "cycle_secs")]
    pub cycle: Option<u64>,
    /// Seconds, within [`STALE_AFTER_SECS`].
    #[serde(default, deserialize_with = "stale_after_secs")]
    pub stale_after: Option<u64>,
}

fn cycle_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    secs_within(d, CYCLE_SECS)
}

fn stale_after_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    secs_within(d, STALE_AFTER_SECS)
}

/// A count of seconds, refused outside `range` as the flags refuse it.
fn secs_within<'de, D: Deserializer<'de>>(
    d: D,
    range: RangeInclusive<u64>,
) -> Result<Option<u64>, D::Error> {
    let secs = u64::deserialize(d)?;
    if range.contains(&secs) {
        Ok(Some(secs))
    } else {
        Err(serde::de::Error::custom(format!(
            "{secs} is not in {}..={} (seconds)",
            range.start(),
            range.end()
        )))
    }
}

/// `[platform]`: how the vCluster Platform install names things.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PlatformSettings {
    /// The platform's `projectNamespacePrefix`; `p-` when unset.
    pub project_namespace_prefix: Option<String>,
}

/// A settings file that could not be used: which file, which line, why. `source()` is the
/// problem, and through it the cause (the I/O error, the TOML error, the refused prefix).
#[derive(Clone, Debug, thiserror::Error)]
#[error(
    "settings file {}{}: {problem}",
    path.display(),
    line.map(|l| format!(", line {l}")).unwrap_or_default()
)]
pub struct SettingsError {
    /// The settings file.
    pub path: PathBuf,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong.
    #[source]
    pub problem: SettingsProblem,
}

/// What is wrong with a settings file.
#[derive(Clone, Debug, thiserror::Error)]
pub enum SettingsProblem {
    /// It exists but cannot be read (shared, so the error can be cloned).
    #[error("cannot be read: {0}")]
    Read(#[source] std::sync::Arc<std::io::Error>),
    /// It is not TOML, or not the settings' shape: the TOML reader's message.
    // One line: the reader's message may span several, which a terminal line would show as `\n`.
    #[error("{}", .0.message().trim().replace('\n', " "))]
    Toml(#[source] Box<toml::de::Error>),
    /// `project-namespace-prefix` cannot start a namespace name.
    #[error("{0}")]
    Prefix(#[from] InvalidPrefix),
    /// `theme` names neither a built-in theme nor a file beside the settings file.
    #[error("{0}")]
    Theme(String),
    /// `[clusters]` gives a Metal3 cluster an empty context (as `--bmh-context C=` is
    /// refused).
    #[error(
        "[clusters] gives Metal3 cluster \"{}\" an empty context: name the kube context that reaches it, or remove the line",
        crate::format::escape(.0)
    )]
    EmptyContext(String),
}

/// Where the settings file is: `$XDG_CONFIG_HOME/gpufleet/config.toml` when that variable is
/// an absolute path (XDG Base Directory Specification), else `$HOME/.config/...`; `None`
/// without either.
pub fn path() -> Option<PathBuf> {
    let from = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    from("XDG_CONFIG_HOME")
        .or_else(|| from("HOME").map(|home| home.join(".config")))
        .map(|dir| dir.join(FILE))
}

/// Reads the settings file at [`path`]; a missing file is every default. The file is read
/// once per process: the project prefix, the cluster map and the dashboard's defaults all
/// come from that one reading, so they never disagree.
pub fn load() -> Result<Settings, SettingsError> {
    static READ: OnceLock<Result<Settings, SettingsError>> = OnceLock::new();
    READ.get_or_init(|| match path() {
        Some(p) => load_from(&p),
        None => Ok(Settings::default()),
    })
    .clone()
}

/// Reads one settings file; a missing file is every default.
pub fn load_from(path: &Path) -> Result<Settings, SettingsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
        Err(e) => Err(SettingsError {
            path: path.to_path_buf(),
            line: None,
            problem: SettingsProblem::Read(std::sync::Arc::new(e)),
        }),
    }
}

/// Parses the text of a settings file and checks every value.
pub fn parse(path: &Path, text: &str) -> Result<Settings, SettingsError> {
    let mut settings: Settings = toml::from_str(text).map_err(|e| SettingsError {
        path: path.to_path_buf(),
        line: e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
        problem: SettingsProblem::Toml(Box::new(e)),
    })?;
    if let Some(prefix) = &settings.platform.project_namespace_prefix {
        ProjectNamespaces::new(prefix).map_err(|e| SettingsError {
            path: path.to_path_buf(),
            line: line_of(text, "project-namespace-prefix"),
            problem: e.into(),
        })?;
    }
    if let Some((cluster, _)) = settings.clusters.iter().find(|(_, c)| c.trim().is_empty()) {
        return Err(SettingsError {
            path: path.to_path_buf(),
            line: line_of(text, cluster),
            problem: SettingsProblem::EmptyContext(cluster.clone()),
        });
    }
    if let Some(name) = &mut settings.dashboard.theme
        && !theme::is_built_in(name)
    {
        let file = path.parent().unwrap_or(Path::new("")).join(&*name);
        if !file.is_file() {
            return Err(SettingsError {
                path: path.to_path_buf(),
                line: line_of(text, "theme"),
                problem: SettingsProblem::Theme(theme::unknown(name)),
            });
        }
        *name = file.display().to_string();
    }
    Ok(settings)
}

fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with(key))
        .map(|i| i + 1)
}

impl Settings {
    /// Project namespace naming: the flag if given, else the file, else `p-`.
    pub fn projects(&self, flag: Option<&str>) -> Result<ProjectNamespaces, InvalidPrefix> {
        match flag.or(self.platform.project_namespace_prefix.as_deref()) {
            Some(prefix) => ProjectNamespaces::new(prefix),
            None => Ok(ProjectNamespaces::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_optional_and_flags_win() {
        let p = Path::new("config.toml");
        let empty = parse(p, "").unwrap();
        assert_eq!(empty.projects(None).unwrap().prefix(), "p-");
        let set = parse(p, "[platform]\nproject-namespace-prefix = \"loft-p-\"\n").unwrap();
        assert_eq!(set.projects(None).unwrap().prefix(), "loft-p-");
        assert_eq!(set.projects(Some("p-")).unwrap().prefix(), "p-");
    }

    #[test]
    fn a_bad_file_names_its_file_and_line() {
        let p = Path::new("/home/op/.config/gpufleet/config.toml");
        let typo = parse(p, "\n[platform]\nproject-prefix = \"p-\"\n").unwrap_err();
        assert_eq!(typo.line, Some(3), "{typo}");
        let text = typo.to_string();
        assert!(
            text.starts_with("settings file /home/op/.config/gpufleet/config.toml, line 3: "),
            "{text}"
        );
        assert!(text.contains("project-prefix"), "{text}");
        let bad = parse(p, "[platform]\nproject-namespace-prefix = \"P_\"\n").unwrap_err();
        assert_eq!(bad.line, Some(2));
        assert!(bad.problem.to_string().contains("RFC 1123"), "{bad}");
        let broken = parse(p, "[platform\n").unwrap_err();
        assert_eq!(broken.line, Some(1), "{broken}");
    }

    /// Each error gives its cause as `source()`: the file, then the refused prefix, whose
    /// rule is the end of the chain; the texts are the ones the operator reads.
    #[test]
    fn a_bad_prefix_keeps_its_cause() {
        use std::error::Error as _;
        let bad = parse(
            Path::new("config.toml"),
            "[platform]\nproject-namespace-prefix = \"P_\"\n",
        )
        .unwrap_err();
        let mut chain: Vec<String> = Vec::new();
        let mut at: Option<&(dyn std::error::Error + 'static)> = Some(&bad);
        while let Some(e) = at {
            chain.push(e.to_string());
            at = e.source();
        }
        assert_eq!(chain.len(), 3, "{chain:#?}");
        assert!(chain[0].starts_with("settings file config.toml, line 2: "));
        assert!(chain[2].starts_with("project namespace prefix \"P_\" cannot start"));
        let prefix = bad
            .source()
            .and_then(|p| p.source())
            .and_then(|e| e.downcast_ref::<InvalidPrefix>())
            .expect("the refused prefix is the cause");
        assert_eq!(prefix.prefix, "P_");
    }

    #[test]
    fn clusters_map_each_metal3_cluster_to_a_context() {
        let p = Path::new("config.toml");
        let s = parse(p, "[clusters]\ndc1-infra = \"admin@dc1\"\n").unwrap();
        assert_eq!(s.clusters["dc1-infra"], "admin@dc1");
        let empty = parse(p, "[clusters]\ndc1-infra = \"\"\n").unwrap_err();
        assert!(empty.to_string().contains("an empty context"), "{empty}");
        assert_eq!(empty.line, Some(2));
        let bad = parse(p, "[clusters]\ndc1-infra = 3\n").unwrap_err();
        assert!(!bad.to_string().contains('\n'), "{bad}");
        assert_eq!(bad.line, Some(2), "{bad}");
    }

    #[test]
    fn the_dashboard_section_is_checked_as_the_flags_are() {
        let p = Path::new("/home/op/.config/gpufleet/config.toml");
        let s = parse(
            p,
            "[dashboard]\ntheme = \"light\"\ncolor = \"256\"\ncycle = 3600\nstale-after = 604800\n",
        )
        .unwrap();
        let expected = DashboardSettings {
            theme: Some("light".into()),
            color: Some(ColorChoice::Ansi256),
            cycle: Some(3600),
            stale_after: Some(604_800),
        };
        assert_eq!(s.dashboard, expected);
        for (text, line, says) in [
            ("[dashboard]\ncycle = 0\n", 2, "0 is not in 1..=3600"),
            (
                "[dashboard]\n\ncycle = 3601\n",
                3,
                "3601 is not in 1..=3600",
            ),
            (
                "[dashboard]\nstale-after = 604801\n",
                2,
                "604801 is not in 1..=604800",
            ),
            ("[dashboard]\nstale-after = -1\n", 2, "-1"),
            (
                "[dashboard]\ncolor = \"256color\"\n",
                2,
                "\"auto\", \"truecolor\", \"256\"",
            ),
            ("[dashboard]\ncolor = 256\n", 2, "string"),
            (
                "[dashboard]\ntheme = \"dark\"\n",
                2,
                "no theme \"dark\": use one of default",
            ),
            ("[dashboard]\ncycles = 20\n", 2, "cycles"),
        ] {
            let e = parse(p, text).unwrap_err();
            assert_eq!(e.line, Some(line), "{text:?}: {e}");
            assert!(e.problem.to_string().contains(says), "{text:?}: {e}");
        }
    }

    #[test]
    fn a_theme_file_is_found_beside_the_settings_file() {
        let dir = std::env::temp_dir().join(format!("gpufleet-settings-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("themes")).unwrap();
        std::fs::write(dir.join("themes/wall.toml"), "base = \"light\"\n").unwrap();
        let s = parse(
            &dir.join("config.toml"),
            "[dashboard]\ntheme = \"themes/wall.toml\"\n",
        )
        .unwrap();
        let theme = s.dashboard.theme.unwrap();
        assert_eq!(Path::new(&theme), dir.join("themes/wall.toml"));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_missing_file_is_every_default() {
        let s = load_from(Path::new("/nonexistent/gpufleet/config.toml")).unwrap();
        assert_eq!(s, Settings::default());
    }
}
