//! Rendering summaries, lints and impacts for people (tables) and scripts (JSON).

use super::table::{Table, list};
use crate::fleet::lints::Lint;
use crate::fleet::summary::{GroupCounts, Summary};
use crate::format::Escaped;
use crate::impact::Impact;
use std::fmt::Write;

fn states(g: &GroupCounts) -> String {
    g.states
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Groups with a cluster (racks, NVLink domains) are written `cluster/name` when they come
/// from more than one cluster, whose labels may repeat.
fn group_table(title: &str, groups: &[GroupCounts]) -> String {
    let mut t = Table::new([title, "HOSTS", "GPUS", "FREE", "CLAIMED", "ERROR", "STATES"]);
    let clusters: std::collections::BTreeSet<&str> =
        groups.iter().filter_map(|g| g.cluster.as_deref()).collect();
    for g in groups {
        t.row([
            match &g.cluster {
                Some(c) if clusters.len() > 1 => format!("{c}/{}", g.name),
                _ => g.name.clone(),
            },
            g.hosts.to_string(),
            g.gpus_total.to_string(),
            g.gpus_free.to_string(),
            g.gpus_claimed.to_string(),
            g.hosts_in_error.to_string(),
            states(g),
        ]);
    }
    t.render()
}

/// Tenants: the figures of the dashboard's tenants pane (`fleet::figures::TenantFigures`).
fn tenant_table(groups: &[GroupCounts]) -> String {
    let mut t = Table::new([
        "TENANT",
        "RESERVED HOSTS",
        "GPUS USED/RESERVED",
        "ELIGIBLE GPUS",
        "CLAIMS",
        "AVAIL",
        "PROV",
        "PEND",
        "FAIL",
        "DEL",
    ]);
    for g in groups {
        let f = g.tenant.unwrap_or_default();
        t.row([
            g.name.clone(),
            f.reserved.hosts.to_string(),
            format!("{}/{}", f.in_use.gpus, f.reserved.gpus),
            f.eligible_gpus.to_string(),
            f.claims.total.to_string(),
            f.claims.available.to_string(),
            f.claims.provisioning.to_string(),
            f.claims.pending.to_string(),
            f.claims.failed.to_string(),
            f.claims.deleting.to_string(),
        ]);
    }
    t.render()
}

/// Node types: hosts by what they are to the type, as the node types pane shows them
/// (`fleet::figures::TypeFigures`).
fn node_type_table(groups: &[GroupCounts]) -> String {
    let mut t = Table::new([
        "NODE TYPE",
        "MATCHED",
        "AVAIL",
        "CLAIMED",
        "VIA OTHER",
        "UNAVAIL",
        "GPUS",
        "ERROR",
        "STATES",
    ]);
    for g in groups {
        let f = g.node_type.unwrap_or_default();
        t.row([
            g.name.clone(),
            f.matched.hosts.to_string(),
            f.available.hosts.to_string(),
            f.claimed.hosts.to_string(),
            f.claimed_through_other_types.hosts.to_string(),
            f.unavailable.hosts.to_string(),
            g.gpus_total.to_string(),
            g.hosts_in_error.to_string(),
            states(g),
        ]);
    }
    t.render()
}

pub fn summary_table(s: &Summary) -> String {
    let mut out = String::new();
    let f = &s.fleet;
    let _ = writeln!(
        out,
        "FLEET  {} hosts, {} GPUs: {} free, {} claimed; {} hosts in error",
        f.hosts, f.gpus_total, f.gpus_free, f.gpus_claimed, f.hosts_in_error
    );
    if let Some(c) = &f.claims {
        let _ = writeln!(
            out,
            "CLAIMS {}: {} available, {} provisioning, {} pending, {} failed, {} deleting",
            c.total, c.available, c.provisioning, c.pending, c.failed, c.deleting
        );
    }
    out.push('\n');
    // A fleet over several Metal3 clusters: each cluster's hosts first.
    if s.clusters.len() > 1 {
        out.push_str(&group_table("METAL3 CLUSTER", &s.clusters));
        out.push('\n');
    }
    for (title, groups) in [
        ("DATACENTER", &s.datacenters),
        ("RACK", &s.racks),
        ("NVLINK DOMAIN", &s.nvlink_domains),
    ] {
        out.push_str(&group_table(title, groups));
        out.push('\n');
    }
    out.push_str("Tenants: reserved = hosts labelled tenant=<name>; used = GPUs its claims hold; eligible = free GPUs a type it may use could claim now; claims by phase.\n");
    out.push_str(&tenant_table(&s.tenants));
    out.push('\n');
    out.push_str("Node types, in hosts: matched by the selector = available to it + claimed by its own claims (still matching) + claimed via other node types that also match + unavailable (busy, in error, too small).\n");
    out.push_str(&node_type_table(&s.node_types));
    out
}

/// The lints as a table. Hosts and NVLink domains are named `cluster/name` when
/// `with_cluster` (the fleet's hosts span clusters, whose names repeat:
/// [`crate::fleet::Fleet::hosts_span_clusters`]).
pub fn lints_table(lints: &[Lint], with_cluster: bool) -> String {
    if lints.is_empty() {
        return "no lints\n".into();
    }
    let mut t = Table::new(["SEVERITY", "ID", "SUBJECT", "MESSAGE"]);
    for l in lints {
        t.row([
            format!("{:?}", l.severity).to_lowercase(),
            l.id.to_string(),
            l.shown_subject(with_cluster),
            l.message.clone(),
        ]);
    }
    t.render()
}

fn arrow<T: PartialEq + ToString>(before: T, after: T) -> String {
    if before == after {
        before.to_string()
    } else {
        format!("{} → {}", before.to_string(), after.to_string())
    }
}

fn snake(v: &impl serde::Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

/// How many hosts a change reaches (and how many of them are being deleted) and how many
/// objects it writes: said before anything is.
pub fn scope(i: &Impact) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let deleting = i
        .hosts
        .iter()
        .filter(|h| h.deleting_since.is_some())
        .count();
    format!(
        "{}{}; {} would be written",
        plural(i.hosts.len(), "host", "hosts"),
        match (deleting, i.hosts.len()) {
            (0, _) => String::new(),
            (1, 1) => ", being deleted".to_string(),
            (n, _) => format!(", {n} of them being deleted"),
        },
        plural(i.objects.len(), "object", "objects")
    )
}

pub fn impact_table(i: &Impact) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "CHANGE  {}", Escaped(&i.change));
    let _ = writeln!(out, "SCOPE   {}", scope(i));
    for o in &i.objects {
        let version = o.precondition();
        let name = o.shown_name(i.hosts_span_clusters());
        let _ = writeln!(
            out,
            "WRITES  {} {} {}",
            o.kind,
            Escaped(&name),
            Escaped(&version.to_string())
        );
    }
    out.push('\n');
    if !i.hosts.is_empty() {
        let mut t = Table::new([
            "HOST",
            "STATE",
            "CLAIMED BY",
            "EFFECT",
            "LABELS",
            "ELIGIBLE FOR",
        ]);
        let with_cluster = i.hosts_span_clusters();
        for h in &i.hosts {
            let mut labels: Vec<String> = h
                .labels_set
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            labels.extend(h.labels_removed.iter().map(|k| format!("{k}-")));
            t.row([
                h.shown_name(with_cluster),
                h.state.clone(),
                h.claimed_by.clone().unwrap_or_else(|| "-".into()),
                snake(&h.effect),
                list(&labels),
                arrow(list(&h.eligible_before), list(&h.eligible_after)),
            ]);
        }
        out.push_str(&t.render());
        out.push('\n');
    }
    if !i.node_types.is_empty() {
        let mut t = Table::new(["NODE TYPE", "AVAILABLE", "GAINED", "LOST", "OS IMAGE"]);
        let shown = |n: &crate::impact::NodeTypeImpact, hosts: &[String]| -> Vec<String> {
            hosts
                .iter()
                .map(|h| n.shown_host(h, i.hosts_span_clusters()))
                .collect()
        };
        for n in &i.node_types {
            let image = match (&n.os_image_before, &n.os_image_after) {
                (None, None) => "-".to_string(),
                (b, a) => format!(
                    "{} → {}",
                    b.as_deref().unwrap_or("-"),
                    a.as_deref().unwrap_or("-")
                ),
            };
            t.row([
                n.name.clone(),
                arrow(n.available_before, n.available_after),
                list(&shown(n, &n.gained)),
                list(&shown(n, &n.lost)),
                image,
            ]);
        }
        out.push_str(&t.render());
        out.push('\n');
    }
    if i.claims.is_empty() {
        out.push_str("CLAIMS  no claim is affected\n\n");
    } else {
        let mut t = Table::new([
            "CLAIM",
            "TENANT",
            "NODE TYPE",
            "HOST",
            "GPUS",
            "EFFECT",
            "WHY",
        ]);
        for c in &i.claims {
            let why = match (&c.reason, c.candidates_before, c.candidates_after) {
                (Some(r), _, _) => r.clone(),
                (None, Some(b), Some(a)) => format!("candidate servers {b} → {a}"),
                _ => String::new(),
            };
            t.row([
                format!("{}/{}", c.namespace, c.name),
                c.tenant.clone(),
                c.node_type.clone().unwrap_or_else(|| "(unbound)".into()),
                c.shown_host(i.hosts_span_clusters())
                    .unwrap_or_else(|| "-".into()),
                c.gpus.to_string(),
                snake(&c.effect),
                why,
            ]);
        }
        out.push_str(&t.render());
        out.push('\n');
    }
    if !i.tenants.is_empty() {
        let mut t = Table::new(["TENANT", "RESERVED GPUS", "ELIGIBLE GPUS"]);
        for tn in &i.tenants {
            t.row([
                tn.name.clone(),
                arrow(tn.reserved_gpus_before, tn.reserved_gpus_after),
                arrow(tn.eligible_gpus_before, tn.eligible_gpus_after),
            ]);
        }
        out.push_str(&t.render());
        out.push('\n');
    }
    for (title, lints) in [
        ("LINTS INTRODUCED", &i.lints_introduced),
        ("LINTS THAT NOW MATTER", &i.lints_that_matter),
        ("LINTS RESOLVED", &i.lints_resolved),
    ] {
        if !lints.is_empty() {
            let _ = writeln!(out, "{title}");
            out.push_str(&lints_table(lints, i.hosts_span_clusters()));
            out.push('\n');
        }
    }
    for w in &i.warnings {
        let _ = writeln!(out, "WARNING  {}", Escaped(w));
    }
    out
}
