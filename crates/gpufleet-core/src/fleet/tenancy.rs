//! GPUs per tenant: reserved (the guide's `tenant` label) and eligible (on free hosts that
//! a node type the tenant may use could claim now).
//!
//! A node type is the tenant's when its selector requires `tenant=<tenant>`; a type whose
//! selector says nothing about `tenant` is shared by every tenant (guide, "Per-tenant node
//! types"). Host GPUs count once per tenant, however many types could claim them.

use super::{Fleet, FleetView, HostId};
use crate::model::keys;
use std::collections::{BTreeMap, BTreeSet};

/// Who could claim a host now, by tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EligibleFor<'a> {
    /// No node type could claim it now (it is not free, or no type matches it).
    Nobody,
    /// A shared node type could claim it.
    Everyone,
    /// Only node types reserved for these tenants (by their selectors' `tenant` values)
    /// could claim it.
    Tenants(BTreeSet<&'a str>),
}

/// One host's part in the tenants' GPU counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostShare<'a> {
    /// The host's `tenant` label value, if any.
    pub reserved_for: Option<&'a str>,
    /// GPUs in the host ([`HostDerived::gpus`](super::HostDerived::gpus)).
    pub gpus: u32,
    /// Who could claim it now.
    pub eligible_for: EligibleFor<'a>,
}

/// Host `h`'s share as `view` sees it: reserved by its `tenant` label; eligible by the
/// node types that could claim it now, each the tenants' whose selector requires
/// `tenant` in a finite set of values (`tenant=a`, `tenant in (a,b)`), else shared.
pub fn host_share<'a, V: FleetView + ?Sized>(view: &'a V, h: HostId) -> HostShare<'a> {
    let fleet = view.fleet();
    let derived = view.derived(h);
    let mut tenants = BTreeSet::new();
    let mut shared = false;
    for &t in &derived.eligible {
        match fleet
            .node_type(t)
            .selector
            .as_ref()
            .and_then(|s| s.required_values(keys::TENANT))
        {
            Some(set) => tenants.extend(set),
            None => shared = true,
        }
    }
    let eligible_for = if shared {
        EligibleFor::Everyone
    } else if tenants.is_empty() {
        EligibleFor::Nobody
    } else {
        EligibleFor::Tenants(tenants)
    };
    HostShare {
        reserved_for: Fleet::host_tenant(view.labels(h)),
        gpus: derived.gpus,
        eligible_for,
    }
}

/// GPU totals per tenant, kept as sums so a change can add and take away single hosts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TenantGpus {
    shared_eligible: i64,
    own_eligible: BTreeMap<String, i64>,
    reserved: BTreeMap<String, i64>,
}

impl TenantGpus {
    /// The sums over every host of `view`.
    pub fn of<V: FleetView + ?Sized>(view: &V) -> Self {
        let mut sums = TenantGpus::default();
        for h in view.fleet().host_ids() {
            sums.add(&host_share(view, h), 1);
        }
        sums
    }

    /// Adds (`sign` = 1) or removes (`sign` = -1) one host's share.
    pub fn add(&mut self, share: &HostShare, sign: i64) {
        let gpus = i64::from(share.gpus) * sign;
        if let Some(t) = share.reserved_for {
            *self.reserved.entry(t.to_string()).or_default() += gpus;
        }
        match &share.eligible_for {
            EligibleFor::Nobody => {}
            EligibleFor::Everyone => self.shared_eligible += gpus,
            EligibleFor::Tenants(ts) => {
                for t in ts {
                    *self.own_eligible.entry(t.to_string()).or_default() += gpus;
                }
            }
        }
    }

    /// GPUs in hosts labelled `tenant=<tenant>`, claimed or not; 0 for an unknown tenant.
    pub fn reserved(&self, tenant: &str) -> u32 {
        self.reserved.get(tenant).copied().unwrap_or(0).max(0) as u32
    }

    /// GPUs on free hosts that a node type open to `tenant` (its own or a shared one) could
    /// claim now.
    pub fn eligible(&self, tenant: &str) -> u32 {
        (self.shared_eligible + self.own_eligible.get(tenant).copied().unwrap_or(0)).max(0) as u32
    }

    /// GPUs any tenant could get through a shared node type.
    pub fn shared_eligible(&self) -> u32 {
        self.shared_eligible.max(0) as u32
    }
}
