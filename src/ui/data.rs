//! What the panes show, derived once per fleet snapshot: rows of racks, domains, tenants and
//! node types, lints, drift, classes and marks. Drawing only reads this; it is rebuilt when a
//! new snapshot arrives, never per frame, so a frame of a 25,000-host fleet stays cheap.

use super::host_class::HostClass;
use super::marks::Marks;
use super::panes::{nvlink, racks, tenants, types};
use crate::fleet::figures::ClaimCounts;
use crate::fleet::lints::{Lint, all_lints};
use crate::fleet::rules::{claim_drift, platform_drifted, verdicts_differ};
use crate::fleet::summary::count_hosts;
use crate::fleet::{Claim, ClaimId, Fleet, HostId};
use crate::model::claim::ROLLING_OVER;
use crate::model::keys;
use std::collections::HashMap;
use std::sync::Arc;

/// A claim's image drift, as the tables mark it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DriftMark {
    InSync,
    Drifted,
    /// The platform is re-provisioning it with its node type's image.
    RollingOver,
    /// Nothing to compare (no server yet, no image configured).
    Unknown,
    /// The platform's `NotDrifted` condition says otherwise than gpufleet (claim detail).
    VerdictsDiffer,
}

impl DriftMark {
    pub fn label(self) -> &'static str {
        match self {
            DriftMark::InSync => "in sync",
            DriftMark::Drifted => "drifted",
            DriftMark::RollingOver => "rolling over",
            DriftMark::Unknown => "-",
            DriftMark::VerdictsDiffer => "differs",
        }
    }
}

/// Fleet-wide figures: the status line and the wall display's header, as the fleet group
/// of `summary` defines them (`fleet::summary::count_hosts`, `fleet::figures::ClaimCounts`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub hosts: u32,
    pub hosts_in_error: u32,
    pub gpus_total: u32,
    pub gpus_free: u32,
    pub gpus_claimed: u32,
    pub claims: u32,
    pub claims_pending: u32,
    pub claims_drifted: u32,
}

pub struct FleetData {
    pub fleet: Arc<Fleet>,
    pub totals: Totals,
    pub classes: Vec<HostClass>,
    pub drift: Vec<DriftMark>,
    pub lints: Vec<Lint>,
    /// Lints by subject name (a host, node type, OSImage or NVLink domain) and Metal3 cluster
    /// (a host's or domain's; none for the rest): host names repeat across clusters.
    pub lints_by_subject: HashMap<(String, Option<String>), Vec<usize>>,
    pub tenant_marks: Marks,
    pub model_marks: Marks,
    pub racks: Vec<racks::RackRow>,
    pub domains: Vec<nvlink::DomainRow>,
    pub tenants: Vec<tenants::TenantRow>,
    pub types: Vec<types::TypeRow>,
    /// Claims no confirmed key links to a host, but that a host or the claim itself names:
    /// what the machines pane shows in their HOST column.
    pub unconfirmed_hosts: HashMap<ClaimId, String>,
}

impl FleetData {
    pub fn build(fleet: Arc<Fleet>) -> FleetData {
        let f = fleet.as_ref();
        let classes: Vec<HostClass> = f.host_ids().map(|h| HostClass::of(f, h)).collect();
        let drift: Vec<DriftMark> = f
            .claim_ids()
            .map(|c| match claim_drift(f, c) {
                _ if is_rolling_over(f.claim(c)) => DriftMark::RollingOver,
                d if verdicts_differ(platform_drifted(f.claim(c)), &d) => DriftMark::VerdictsDiffer,
                d if d.is_drifted() => DriftMark::Drifted,
                crate::fleet::rules::Drift::InSync => DriftMark::InSync,
                _ => DriftMark::Unknown,
            })
            .collect();
        let lints = all_lints(f);
        let mut lints_by_subject: HashMap<(String, Option<String>), Vec<usize>> = HashMap::new();
        for (i, l) in lints.iter().enumerate() {
            lints_by_subject
                .entry((l.subject.clone(), l.cluster.clone()))
                .or_default()
                .push(i);
        }
        // The fleet group of `summary`: the same definitions.
        let counts = count_hosts(f, "fleet", f.host_ids());
        let claims = ClaimCounts::of(f, f.claim_ids());
        let totals = Totals {
            hosts: counts.hosts,
            hosts_in_error: counts.hosts_in_error,
            gpus_total: counts.gpus_total,
            gpus_free: counts.gpus_free,
            gpus_claimed: counts.gpus_claimed,
            claims: claims.total,
            claims_pending: claims.pending,
            claims_drifted: drift.iter().filter(|d| **d == DriftMark::Drifted).count() as u32,
        };
        let tenant_marks = Marks::assign(f.groups().tenants.keys().map(String::as_str));
        let model_marks = Marks::assign(f.hosts().iter().filter_map(|h| h.label(keys::GPU_MODEL)));
        let mut data = FleetData {
            totals,
            classes,
            drift,
            lints,
            lints_by_subject,
            tenant_marks,
            model_marks,
            racks: Vec::new(),
            domains: Vec::new(),
            tenants: Vec::new(),
            types: Vec::new(),
            unconfirmed_hosts: unconfirmed_hosts(f),
            fleet: fleet.clone(),
        };
        data.racks = racks::build(&data);
        data.domains = nvlink::build(&data);
        data.tenants = tenants::build(&data);
        data.types = types::build(&data);
        data
    }

    pub fn empty() -> FleetData {
        FleetData::build(Arc::new(Fleet::default()))
    }

    pub fn class(&self, h: HostId) -> HostClass {
        self.classes
            .get(h.index())
            .copied()
            .unwrap_or(HostClass::Other)
    }

    pub fn drift(&self, c: ClaimId) -> DriftMark {
        self.drift
            .get(c.index())
            .copied()
            .unwrap_or(DriftMark::Unknown)
    }

    /// The lints about `subject` of `cluster` (a host's or NVLink domain's cluster, empty for
    /// none; empty for node types and OSImages).
    pub fn lints_of<'a>(
        &'a self,
        subject: &str,
        cluster: &str,
    ) -> impl Iterator<Item = &'a Lint> + 'a {
        let cluster = (!cluster.is_empty()).then(|| cluster.to_string());
        self.lints_by_subject
            .get(&(subject.to_string(), cluster))
            .into_iter()
            .flatten()
            .filter_map(|&i| self.lints.get(i))
    }

    /// The tenant a host is held by, else the one it is reserved for.
    pub fn host_tenant(&self, h: HostId) -> Option<&str> {
        let host = self.fleet.host(h);
        host.holder
            .as_ref()
            .map(|holder| holder.tenant(&self.fleet))
            .or_else(|| Fleet::host_tenant(host.labels()))
    }
}

/// The host column of claims whose link is in doubt: `h1? (ambiguous)` for each candidate
/// of an ambiguous host label, `h2? (unconfirmed)` for a claim only its own annotation links.
fn unconfirmed_hosts(fleet: &Fleet) -> HashMap<ClaimId, String> {
    let mut out = HashMap::new();
    for host in fleet.hosts() {
        if let Some(crate::fleet::Holder::Ambiguous(claims)) = &host.holder {
            for c in claims {
                out.insert(*c, format!("{}? (ambiguous)", host.name));
            }
        }
    }
    for (i, claim) in fleet.claims().iter().enumerate() {
        if claim.host.is_none()
            && let Some(named) = &claim.annotated_host
        {
            out.entry(ClaimId(i as u32))
                .or_insert_with(|| format!("{named}? (unconfirmed)"));
        }
    }
    out
}

/// Whether the platform is rolling a drifted claim over, by the reason in its status. The
/// simulator writes [`ROLLING_OVER`]; [UNCERTAIN] the platform's own reason is not documented,
/// so a live cluster shows drifted claims until they are in sync again.
pub fn is_rolling_over(claim: &Claim) -> bool {
    claim
        .object
        .status
        .as_ref()
        .and_then(|s| s.reason.as_deref())
        == Some(ROLLING_OVER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_fleet_derives_nothing_and_does_not_panic() {
        let d = FleetData::empty();
        assert_eq!(d.totals, Totals::default());
        assert!(d.racks.is_empty() && d.types.is_empty());
        assert_eq!(d.class(HostId(7)), HostClass::Other);
    }
}
