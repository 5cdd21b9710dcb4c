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
//! ```
//!
//! Each section is its own struct, so later settings (clusters, the dashboard) add a section
//! without touching the ones here.

use crate::model::project::{InvalidPrefix, ProjectNamespaces};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

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
}

/// `[platform]`: how the vCluster Platform install names things.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PlatformSettings {
    /// The platform's `projectNamespacePrefix`; `p-` when unset.
    pub project_namespace_prefix: Option<String>,
}

/// A settings file that could not be used: which file, which line, why.
#[derive(Debug)]
pub struct SettingsError {
    pub path: PathBuf,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "settings file {}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SettingsError {}

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

/// Reads the settings file at [`path`]; a missing file is every default.
pub fn load() -> Result<Settings, SettingsError> {
    match path() {
        Some(p) => load_from(&p),
        None => Ok(Settings::default()),
    }
}

/// Reads one settings file; a missing file is every default.
pub fn load_from(path: &Path) -> Result<Settings, SettingsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
        Err(e) => Err(SettingsError {
            path: path.to_path_buf(),
            line: None,
            message: format!("cannot be read: {e}"),
        }),
    }
}

/// Parses the text of a settings file and checks every value.
pub fn parse(path: &Path, text: &str) -> Result<Settings, SettingsError> {
    let settings: Settings = toml::from_str(text).map_err(|e| SettingsError {
        path: path.to_path_buf(),
        line: e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
        message: e.message().trim().to_string(),
    })?;
    if let Some(prefix) = &settings.platform.project_namespace_prefix {
        ProjectNamespaces::new(prefix).map_err(|e| SettingsError {
            path: path.to_path_buf(),
            line: line_of(text, "project-namespace-prefix"),
            message: e.to_string(),
        })?;
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
        assert!(bad.message.contains("RFC 1123"), "{bad}");
        let broken = parse(p, "[platform\n").unwrap_err();
        assert_eq!(broken.line, Some(1), "{broken}");
    }

    #[test]
    fn clusters_map_each_metal3_cluster_to_a_context() {
        let p = Path::new("config.toml");
        let s = parse(p, "[clusters]\ndc1-infra = \"admin@dc1\"\n").unwrap();
        assert_eq!(s.clusters["dc1-infra"], "admin@dc1");
        let bad = parse(p, "[clusters]\ndc1-infra = 3\n").unwrap_err();
        assert_eq!(bad.line, Some(2), "{bad}");
    }

    #[test]
    fn a_missing_file_is_every_default() {
        let s = load_from(Path::new("/nonexistent/gpufleet/config.toml")).unwrap();
        assert_eq!(s, Settings::default());
    }
}
