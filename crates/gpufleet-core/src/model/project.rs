//! vCluster Platform project namespaces: built and parsed here and nowhere else.
//!
//! The platform keeps each project's objects (NodeClaims among them) in the namespace
//! `<projectNamespacePrefix><project>`. The prefix is an install setting: `p-` when omitted
//! (vCluster Platform config reference, `projectNamespacePrefix`: "Omitted defaults to
//! \"p-\""), while installs upgraded from older releases keep `loft-p-` (vCluster Platform
//! upgrade notes). gpufleet writes with one configured prefix and reads both.

use super::label_rules::validate_value;

/// The platform's default `projectNamespacePrefix` since 4.x.
pub const DEFAULT_PROJECT_PREFIX: &str = "p-";
/// The prefix installs upgraded from older releases keep.
pub const LEGACY_PROJECT_PREFIX: &str = "loft-p-";

/// How project namespaces are named: `<prefix><project>`.
///
/// [`ProjectNamespaces::namespace`] builds with the configured prefix;
/// [`ProjectNamespaces::project`] reads the configured prefix, `p-` and `loft-p-`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectNamespaces {
    prefix: String,
}

impl Default for ProjectNamespaces {
    fn default() -> Self {
        ProjectNamespaces {
            prefix: DEFAULT_PROJECT_PREFIX.to_string(),
        }
    }
}

/// Why a prefix cannot start namespace names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("project namespace prefix {prefix:?} cannot start a namespace name: {reason}")]
pub struct InvalidPrefix {
    /// The prefix as given.
    pub prefix: String,
    /// Which rule it breaks, as a sentence.
    pub reason: String,
}

impl ProjectNamespaces {
    /// A naming with this prefix. A namespace is an RFC 1123 label, so the prefix must be
    /// non-empty, at most 62 characters of `a-z`, `0-9` and `-`, starting with a letter or
    /// digit (Kubernetes, "Object Names and IDs": RFC 1123 label names).
    pub fn new(prefix: &str) -> Result<Self, InvalidPrefix> {
        let fail = |reason: &str| InvalidPrefix {
            prefix: prefix.to_string(),
            reason: reason.to_string(),
        };
        if prefix.is_empty() {
            return Err(fail(
                "it is empty, so every namespace would read as a project",
            ));
        }
        if prefix.len() > 62 {
            return Err(fail(
                "a namespace has at most 63 characters, leaving no room for the project",
            ));
        }
        if !prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(fail(
                "a namespace holds only lowercase letters, digits and '-' (RFC 1123 label)",
            ));
        }
        if prefix.starts_with('-') {
            return Err(fail(
                "a namespace starts with a letter or digit (RFC 1123 label)",
            ));
        }
        Ok(ProjectNamespaces {
            prefix: prefix.to_string(),
        })
    }

    /// The prefix new project namespaces get (`p-` by default).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The namespace of a project: `<prefix><project>`.
    pub fn namespace(&self, project: &str) -> String {
        format!("{}{project}", self.prefix)
    }

    /// The prefixes read, longest first so `loft-p-x` is project `x`, never `loft-p-x` read
    /// with a shorter prefix.
    pub fn recognised(&self) -> Vec<&str> {
        let mut all = vec![
            self.prefix.as_str(),
            DEFAULT_PROJECT_PREFIX,
            LEGACY_PROJECT_PREFIX,
        ];
        all.sort_by_key(|p| std::cmp::Reverse(p.len()));
        all.dedup();
        all
    }

    /// The project a namespace belongs to (`p-team-a` and `loft-p-team-a` → `team-a`), or
    /// `None` when the namespace fits no recognised prefix.
    pub fn project<'a>(&self, namespace: &'a str) -> Option<&'a str> {
        self.recognised()
            .into_iter()
            .find_map(|p| namespace.strip_prefix(p))
            .filter(|project| !project.is_empty() && validate_value(project).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_with_the_configured_prefix_and_reads_both() {
        let default = ProjectNamespaces::default();
        assert_eq!(default.namespace("default"), "p-default");
        assert_eq!(default.project("p-default"), Some("default"));
        assert_eq!(default.project("loft-p-team-a"), Some("team-a"));
        assert_eq!(default.project("metal3-system"), None);
        assert_eq!(default.project("p-"), None);
        let upgraded = ProjectNamespaces::new("loft-p-").unwrap();
        assert_eq!(upgraded.namespace("team-a"), "loft-p-team-a");
        assert_eq!(upgraded.project("p-team-a"), Some("team-a"));
        let custom = ProjectNamespaces::new("proj-").unwrap();
        assert_eq!(custom.project("proj-x"), Some("x"));
        assert_eq!(custom.project("p-x"), Some("x"));
    }

    #[test]
    fn refuses_prefixes_no_namespace_can_start_with() {
        for bad in ["", "P-", "-p", "p_", &"a".repeat(63)] {
            assert!(ProjectNamespaces::new(bad).is_err(), "{bad:?}");
        }
    }
}
