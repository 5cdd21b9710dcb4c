//! The figures the dashboard, the CLI tables and the JSON show, each defined once here.
//!
//! A node type's hosts are split by what they are to that type: available to it, claimed
//! by its own claims, claimed through another node type whose selector also matches them
//! (composable or overlapping selectors: guide, "Node types are also composable"), or
//! neither (busy, in error, detached or too small). A tenant's figures are its reserved
//! hosts, the hosts its claims hold and its claims by phase, every phase counted.
//!
//! The platform keeps its own count in the NodeType's `status.capacity` (`total`,
//! `claimed`); gpufleet's figures are computed from the hosts and claims, so the two can be
//! shown side by side.

use super::{ClaimId, ClaimStage, Fleet, FleetView, Holder, HostId, NodeTypeId};
use serde::Serialize;

/// Hosts and the GPUs on them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Figure {
    /// How many hosts.
    pub hosts: u32,
    /// GPUs on them, each host's by [`HostDerived::gpus`](super::HostDerived::gpus).
    pub gpus: u32,
}

impl Figure {
    fn add(&mut self, gpus: u32) {
        self.hosts = self.hosts.saturating_add(1);
        self.gpus = self.gpus.saturating_add(gpus);
    }

    /// The figure of a set of hosts, GPUs as the view has them.
    pub fn of<V: FleetView + ?Sized>(view: &V, hosts: impl IntoIterator<Item = HostId>) -> Self {
        let mut f = Figure::default();
        for h in hosts {
            f.add(view.derived(h).gpus);
        }
        f
    }
}

/// A node type's hosts by what they are to it. For the hosts its selector matches,
/// `matched = available + (claimed - claimed_off_selector) + claimed_through_other_types
/// + unavailable`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TypeFigures {
    /// Hosts whose labels match the type's selector (in its provider's namespace).
    pub matched: Figure,
    /// Matched hosts it could claim now: free (available, unclaimed, not in error or
    /// detached) with enough inspected CPU and memory (vCluster docs, Metal3 node provider,
    /// <https://www.vcluster.com/docs/platform/next/administer/node-providers/metal3>).
    pub available: Figure,
    /// Hosts held by claims of this type, whether or not their labels still match.
    pub claimed: Figure,
    /// Of `claimed`, hosts whose labels no longer match the selector: no effect until the
    /// Machine is deleted (guide, "Updating labels without re-provisioning").
    pub claimed_off_selector: Figure,
    /// Matched hosts held by a claim of another node type whose selector also matches them,
    /// by a claim this snapshot does not contain, or through a link that is unclear (an
    /// ambiguous claim name, or a claim linked to several hosts: `fleet::links`).
    pub claimed_through_other_types: Figure,
    /// Matched hosts neither available nor claimed: busy (registering, inspecting,
    /// provisioning, ...), in error, detached, or too small for the type.
    pub unavailable: Figure,
}

/// [`TypeFigures`] of node type `t`.
pub fn type_figures(fleet: &Fleet, t: NodeTypeId) -> TypeFigures {
    every_type_figures(fleet)
        .get(t.index())
        .copied()
        .unwrap_or_default()
}

/// [`TypeFigures`] of every node type, by [`NodeTypeId`] index: one pass over the hosts
/// and one over the claims.
pub fn every_type_figures(fleet: &Fleet) -> Vec<TypeFigures> {
    let mut out = vec![TypeFigures::default(); fleet.node_types().len()];
    for h in fleet.host_ids() {
        let derived = fleet.derived(h);
        let gpus = derived.gpus;
        // The claim's node type when the claim holds this host back; a claim linked to
        // several hosts holds only its own `host`, and the others count with the hosts held
        // through other types, so every matched host is in exactly one figure.
        let holder_type = match fleet.holder(h) {
            Some(Holder::Claim(c)) if fleet.claim(*c).host == Some(h) => {
                Some(fleet.claim(*c).node_type)
            }
            Some(_) => Some(None),
            None => None,
        };
        for &t in &derived.matches {
            let f = &mut out[t.index()];
            f.matched.add(gpus);
            match holder_type {
                Some(Some(ct)) if ct == t => {}
                Some(_) => f.claimed_through_other_types.add(gpus),
                None if derived.eligible.contains(&t) => f.available.add(gpus),
                None => f.unavailable.add(gpus),
            }
        }
    }
    for claim in fleet.claims() {
        if let (Some(t), Some(h)) = (claim.node_type, claim.host) {
            let derived = fleet.derived(h);
            let f = &mut out[t.index()];
            f.claimed.add(derived.gpus);
            if !derived.matches.contains(&t) {
                f.claimed_off_selector.add(derived.gpus);
            }
        }
    }
    out
}

/// Claims by [`ClaimStage`], every claim in exactly one: `total` is their sum (vCluster
/// docs, "Machine and Server Concepts",
/// <https://github.com/loft-sh/vcluster-docs/blob/main/platform/vmetal/concepts/machine-lifecycle.mdx>).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ClaimCounts {
    /// Every claim counted.
    pub total: u32,
    /// Waiting for a server (not an error).
    pub pending: u32,
    /// Holding a server not yet provisioned and joined.
    pub provisioning: u32,
    /// Ready: `status.phase` `Available`.
    pub available: u32,
    /// `status.phase` `Failed`; not replaced by the platform.
    pub failed: u32,
    /// Being deleted (the platform drains and deprovisions first).
    pub deleting: u32,
}

impl ClaimCounts {
    /// The counts of some claims.
    pub fn of(fleet: &Fleet, claims: impl IntoIterator<Item = ClaimId>) -> Self {
        let mut n = ClaimCounts::default();
        for c in claims {
            n.total += 1;
            *n.phase_mut(fleet.claim(c).stage) += 1;
        }
        n
    }

    fn phase_mut(&mut self, stage: ClaimStage) -> &mut u32 {
        match stage {
            ClaimStage::Pending => &mut self.pending,
            ClaimStage::Provisioning => &mut self.provisioning,
            ClaimStage::Available => &mut self.available,
            ClaimStage::Failed => &mut self.failed,
            ClaimStage::Deleting => &mut self.deleting,
        }
    }

    /// The count of one phase.
    pub fn phase(&self, stage: ClaimStage) -> u32 {
        match stage {
            ClaimStage::Pending => self.pending,
            ClaimStage::Provisioning => self.provisioning,
            ClaimStage::Available => self.available,
            ClaimStage::Failed => self.failed,
            ClaimStage::Deleting => self.deleting,
        }
    }
}

/// A tenant's figures: hosts by the `tenant` label convention (guide, "Per-tenant node
/// types"), and claims by their project, which gpufleet reads as the tenant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TenantFigures {
    /// Hosts labelled `tenant=<name>` (guide, "Per-tenant node types").
    pub reserved: Figure,
    /// Hosts its claims hold, reserved for it or not.
    pub in_use: Figure,
    /// GPUs on free hosts a node type the tenant may use (its own, or a shared one) could
    /// claim now.
    pub eligible_gpus: u32,
    /// Its claims, by stage.
    pub claims: ClaimCounts,
}

/// [`TenantFigures`] of tenant `name` (zeros for a tenant the fleet does not know).
pub fn tenant_figures(fleet: &Fleet, name: &str) -> TenantFigures {
    let Some(t) = fleet.groups().tenants.get(name) else {
        return TenantFigures::default();
    };
    TenantFigures {
        reserved: Figure::of(fleet, t.reserved_hosts.iter().copied()),
        in_use: Figure::of(fleet, t.held_hosts.iter().copied()),
        eligible_gpus: fleet.tenant_gpus().eligible(name),
        claims: ClaimCounts::of(fleet, t.claims.iter().copied()),
    }
}
