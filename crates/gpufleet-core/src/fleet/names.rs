//! Resolving names the operator types (hosts, node types, claims), with the closest
//! names offered when one is unknown.

use super::{ClaimId, Fleet, HostId, NodeTypeId};

/// A name that does not resolve to exactly one object.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// No object has the name.
    #[error(
        "unknown {kind} \"{}\"{}",
        crate::format::escape(name),
        if closest.is_empty() {
            format!(" (no {kind} has a similar name)")
        } else {
            format!("; closest: {}", escaped_list(closest))
        }
    )]
    Unknown {
        /// What was looked for: `host`, `node type` or `claim`.
        kind: &'static str,
        /// The name as typed.
        name: String,
        /// Up to [`SUGGESTIONS`] names most like it, best first ([`closest`]), each spelled
        /// so that it resolves (a host's full key where its name repeats).
        closest: Vec<String>,
    },
    /// Several objects have the name.
    #[error(
        "{kind} name \"{}\" is ambiguous; say one of: {}",
        crate::format::escape(name),
        escaped_list(candidates)
    )]
    Ambiguous {
        /// What was looked for: `host` or `node type`.
        kind: &'static str,
        /// The name as typed.
        name: String,
        /// The full name of each (a host's `cluster/namespace/name`, a node type's
        /// `<provider>.<type>`), in fleet order.
        candidates: Vec<String>,
    },
}

/// Names joined by `, `, each escaped: names come from objects (files as well as clusters)
/// and reach a terminal.
fn escaped_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| crate::format::escape(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many suggestions an unknown name gets.
pub const SUGGESTIONS: usize = 3;

/// The candidates most like `name`, best first: shared prefixes and substrings count
/// for more than edit distance alone, since operators mistype the tail of `gpu-r07-u12`.
///
/// Score: normalized Levenshtein similarity (0 to 1), plus 0.5 when one contains the other;
/// candidates under 0.4 are dropped, ties go by name, and at most [`SUGGESTIONS`] are kept.
/// An empty (or blank) name is like nothing, so it gets no suggestion.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<String> {
    if name.trim().is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(f64, &str)> = candidates
        .map(|c| {
            let mut score = strsim::normalized_levenshtein(name, c);
            if c.contains(name) || name.contains(c) {
                score += 0.5;
            }
            (score, c)
        })
        .filter(|(score, _)| *score >= 0.4)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, c)| c.to_string())
        .collect()
}

impl Fleet {
    /// A host by `name`, `namespace/name`, `cluster/name` (as hosts are shown where the
    /// fleet spans clusters: [`Fleet::shown_name`]) or `cluster/namespace/name` (its
    /// [`HostKey`] spelling). Names repeat across Metal3 clusters, so a shorter form may be
    /// ambiguous; a two-part name matches by namespace or by cluster, and is ambiguous when
    /// those match different hosts.
    ///
    /// Errors: [`NameError::Unknown`] with the closest spellings that resolve
    /// ([`Fleet::host_suggestions`]), or [`NameError::Ambiguous`] with every match's full key.
    ///
    /// [`HostKey`]: super::HostKey
    pub fn resolve_host(&self, name: &str) -> Result<HostId, NameError> {
        let parts: Vec<&str> = name.split('/').collect();
        let (cluster, scope, short) = match parts.as_slice() {
            [c, ns, n] => (Some(*c), Some(*ns), *n),
            [scope, n] => (None, Some(*scope), *n),
            _ => (None, None, name),
        };
        let found: Vec<HostId> = self
            .hosts_named(short)
            .iter()
            .copied()
            .filter(|&h| {
                let host = self.host(h);
                match (cluster, scope) {
                    (Some(c), Some(ns)) => host.cluster == c && host.namespace == ns,
                    // `namespace/name` or `cluster/name`.
                    (None, Some(s)) => host.namespace == s || host.cluster == s,
                    _ => true,
                }
            })
            .collect();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(NameError::Unknown {
                kind: "host",
                name: name.to_string(),
                closest: self.host_suggestions(short),
            }),
            many => Err(NameError::Ambiguous {
                kind: "host",
                name: name.to_string(),
                candidates: many
                    .iter()
                    .map(|&h| self.host(h).key().to_string())
                    .collect(),
            }),
        }
    }

    /// Up to [`SUGGESTIONS`] spellings of the hosts whose names are [`closest`] to `name`,
    /// each one [`Fleet::resolve_host`] takes: the bare name where only one host has it, else
    /// the full key of each host of that name (`cluster/namespace/name`).
    pub fn host_suggestions(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for near in closest(name, self.hosts().iter().map(|h| h.name.as_str())) {
            match self.hosts_named(&near) {
                [_] => out.push(near),
                many => out.extend(many.iter().map(|&h| self.host(h).key().to_string())),
            }
        }
        out.truncate(SUGGESTIONS);
        out
    }

    /// A node type by its resource name (`<provider>.<type>`) or its short name. Errors:
    /// [`NameError::Unknown`] with the closest names (full or short), or
    /// [`NameError::Ambiguous`] when a short name is several providers' type.
    pub fn resolve_node_type(&self, name: &str) -> Result<NodeTypeId, NameError> {
        match self.types_named(name) {
            [one] => Ok(*one),
            [] => Err(NameError::Unknown {
                kind: "node type",
                name: name.to_string(),
                closest: closest(
                    name,
                    self.node_types()
                        .iter()
                        .flat_map(|t| [t.name.as_str(), t.short_name.as_str()]),
                ),
            }),
            many => Err(NameError::Ambiguous {
                kind: "node type",
                name: name.to_string(),
                candidates: many
                    .iter()
                    .map(|&t| self.node_type(t).name.clone())
                    .collect(),
            }),
        }
    }

    /// A claim by `namespace/name`. Errors: [`NameError::Unknown`] for any other spelling
    /// (a bare name too), with the closest `namespace/name` keys.
    pub fn resolve_claim(&self, key: &str) -> Result<ClaimId, NameError> {
        let found = key
            .split_once('/')
            .and_then(|(ns, n)| self.claim_by_key(ns, n));
        found.ok_or_else(|| NameError::Unknown {
            kind: "claim",
            name: key.to_string(),
            closest: closest(
                key,
                self.claims()
                    .iter()
                    .map(|c| c.key())
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_first() {
        let names = ["gpu-r07-u12", "gpu-r07-u13", "gpu-r17-u12", "cpu-a"];
        let got = closest("gpu-r07-u1", names.into_iter());
        assert_eq!(got[0], "gpu-r07-u12");
        assert_eq!(got.len(), 3);
        assert!(closest("zzzzzz", names.into_iter()).is_empty());
    }

    #[test]
    fn suggested_and_ambiguous_names_are_escaped() {
        let unknown = NameError::Unknown {
            kind: "host",
            name: "x".into(),
            closest: vec!["gpu\u{1b}[2J".into(), "b\u{7}".into()],
        };
        let ambiguous = NameError::Ambiguous {
            kind: "host",
            name: "n".into(),
            candidates: vec!["dc1/ns/n\u{1b}]0;t\u{7}".into(), "dc2/ns/n".into()],
        };
        for text in [unknown.to_string(), ambiguous.to_string()] {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{text:?}"
            );
        }
    }

    /// A generated fleet (one Metal3 cluster per datacenter, host names repeated), and a name
    /// its hosts share across clusters.
    fn repeated_name() -> (Fleet, String) {
        use crate::generate::{GenerateConfig, generate};
        let fleet = Fleet::build(generate(&GenerateConfig::new(400, 2)).objects);
        let name = fleet
            .hosts()
            .iter()
            .map(|h| h.name.clone())
            .find(|n| fleet.hosts_named(n).len() == 2)
            .expect("the generator repeats host names across clusters");
        (fleet, name)
    }

    #[test]
    fn a_host_is_typed_back_as_it_is_shown() {
        let (fleet, name) = repeated_name();
        assert!(fleet.hosts_span_clusters());
        for &h in fleet.hosts_named(&name) {
            let host = fleet.host(h);
            // `cluster/name`, as the CLI and the dashboard print it.
            let shown = fleet.shown_name(h);
            assert_eq!(shown, format!("{}/{}", host.cluster, host.name));
            assert_eq!(fleet.resolve_host(&shown), Ok(h));
            assert_eq!(fleet.resolve_host(&host.key().to_string()), Ok(h));
        }
        // The bare name names two hosts.
        match fleet.resolve_host(&name) {
            Err(NameError::Ambiguous { candidates, .. }) => assert_eq!(candidates.len(), 2),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn a_two_part_name_matching_a_namespace_and_a_cluster_is_ambiguous() {
        let (fleet, name) = repeated_name();
        let ids = fleet.hosts_named(&name);
        let (a, b) = (fleet.host(ids[0]), fleet.host(ids[1]));
        // A host of a's cluster in a namespace named like b's cluster.
        let mut objects = fleet.objects().clone();
        let mut odd = (*a.object).clone();
        odd.metadata.namespace = Some(b.cluster.clone());
        objects.insert(odd.into());
        let fleet = Fleet::build(objects);
        let typed = format!("{}/{name}", b.cluster);
        match fleet.resolve_host(&typed) {
            Err(NameError::Ambiguous { candidates, .. }) => assert_eq!(
                candidates,
                [
                    format!("{}/{}/{name}", a.cluster, b.cluster),
                    format!("{}/{}/{name}", b.cluster, b.namespace),
                ]
            ),
            other => panic!("{typed}: {other:?}"),
        }
    }

    #[test]
    fn an_unknown_host_gets_suggestions_that_resolve() {
        let (fleet, name) = repeated_name();
        // A typo of a name two clusters share: both full keys, each of which resolves.
        let typo = format!("{}x", &name[..name.len() - 1]);
        let Err(NameError::Unknown { closest, .. }) = fleet.resolve_host(&typo) else {
            panic!("{typo} resolves");
        };
        let keys: Vec<String> = fleet
            .hosts_named(&name)
            .iter()
            .map(|&h| fleet.host(h).key().to_string())
            .collect();
        for key in &keys {
            assert!(closest.contains(key), "{closest:?} lacks {key}");
        }
        for s in &closest {
            assert!(fleet.resolve_host(s).is_ok(), "{s} does not resolve");
        }
    }

    #[test]
    fn an_empty_name_is_close_to_nothing() {
        // Every name contains "": without the guard, each would be suggested.
        let names = ["dc1-infra", "dc2-infra", "dump"];
        assert!(closest("", names.into_iter()).is_empty());
        assert!(closest("  ", names.into_iter()).is_empty());
    }
}
