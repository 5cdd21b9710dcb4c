//! Which hosts a label edit is for: the selected host, the marked hosts, or every host the
//! current view shows (its filter or drill-down). When more than one applies, the editor
//! asks first.

use crate::fleet::HostKey;
/// Where a set of target hosts comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    Selected,
    Marked,
    Shown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetOption {
    pub kind: TargetKind,
    /// Host keys, `cluster/namespace/name` (`namespace/name` without a cluster).
    pub hosts: Vec<String>,
    /// As the choice reads: `the 12 marked hosts`.
    pub describe: String,
    /// Whether hosts are named with their cluster: the fleet's hosts span clusters
    /// ([`crate::fleet::Fleet::hosts_span_clusters`]), whose host names repeat.
    pub with_cluster: bool,
}

/// The host a key (`cluster/namespace/name`) names, for display: `cluster/name` when
/// `with_cluster`, else its name ([`crate::fleet::key::shown_name`]).
pub fn host_name(key: &str, with_cluster: bool) -> String {
    match key.parse::<HostKey>() {
        Ok(k) => k.shown_name(with_cluster),
        Err(_) => key.rsplit_once('/').map_or(key, |(_, n)| n).to_string(),
    }
}

/// Hosts as a title names them ([`host_name`]).
pub fn display_names(keys: &[String], with_cluster: bool) -> Vec<String> {
    keys.iter().map(|k| host_name(k, with_cluster)).collect()
}

/// `a, b, c and 9 more`.
pub fn list_names<'a>(names: impl ExactSizeIterator<Item = &'a str>, shown: usize) -> String {
    let total = names.len();
    let listed: Vec<&str> = names.take(shown).collect();
    let rest = total.saturating_sub(listed.len());
    let list = listed.join(", ");
    if rest > 0 {
        format!("{list} and {rest} more")
    } else {
        list
    }
}

/// The choices, in the order offered. `shown` is the view's hosts with what narrows them
/// (`rack dc1/r07`, `-l gpu-model=h100`), only when something does.
/// Hosts are named with their cluster when `with_cluster`.
pub fn options(
    selected: Option<String>,
    marked: Vec<String>,
    shown: Option<(Vec<String>, String)>,
    with_cluster: bool,
) -> Vec<TargetOption> {
    let mut out = Vec::new();
    if let Some(host) = selected {
        out.push(TargetOption {
            kind: TargetKind::Selected,
            describe: format!("the selected host {}", host_name(&host, with_cluster)),
            hosts: vec![host],
            with_cluster,
        });
    }
    if !marked.is_empty() {
        out.push(TargetOption {
            kind: TargetKind::Marked,
            describe: match marked.len() {
                1 => format!("the marked host {}", host_name(&marked[0], with_cluster)),
                n => format!("the {n} marked hosts"),
            },
            hosts: marked,
            with_cluster,
        });
    }
    if let Some((hosts, why)) = shown
        && !hosts.is_empty()
    {
        out.push(TargetOption {
            kind: TargetKind::Shown,
            describe: format!("every host shown: {} ({why})", hosts.len()),
            hosts,
            with_cluster,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_only_what_exists() {
        let o = options(Some("ns/a".into()), vec![], None, false);
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].describe, "the selected host a");
        let o = options(
            Some("ns/a".into()),
            vec!["ns/b".into(), "ns/c".into()],
            Some((vec!["ns/a".into()], "/r07".into())),
            false,
        );
        let kinds: Vec<TargetKind> = o.iter().map(|o| o.kind).collect();
        assert_eq!(
            kinds,
            [TargetKind::Selected, TargetKind::Marked, TargetKind::Shown]
        );
        assert_eq!(o[1].describe, "the 2 marked hosts");
        assert_eq!(o[2].describe, "every host shown: 1 (/r07)");
        assert!(options(None, vec![], Some((vec![], "x".into())), false).is_empty());
        assert_eq!(
            list_names(["a", "b", "c"].into_iter(), 2),
            "a, b and 1 more"
        );
    }

    #[test]
    fn hosts_of_a_fleet_of_several_clusters_are_named_with_their_cluster() {
        let keys = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        assert_eq!(
            display_names(&keys(&["dc1/ns/r01-u01", "dc1/ns/r01-u02"]), false),
            ["r01-u01", "r01-u02"]
        );
        // Hosts of one cluster, in a fleet of several: still named with it.
        assert_eq!(
            display_names(&keys(&["dc1/ns/r01-u01", "dc1/ns/r01-u02"]), true),
            ["dc1/r01-u01", "dc1/r01-u02"]
        );
        assert_eq!(display_names(&keys(&["ns/a", "ns/b"]), true), ["a", "b"]);
        let o = options(Some("dc2/ns/r01-u04".into()), vec![], None, true);
        assert_eq!(o[0].describe, "the selected host dc2/r01-u04");
    }
}
