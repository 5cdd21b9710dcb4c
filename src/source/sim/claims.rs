//! Tenants' claims (the docs' Machines): new NodeClaims arrive for tenants' pools — typed to
//! the tenant's own or a shared node type, sometimes unbound with requirements, rarely
//! pinned — and are deleted after a while. Arrivals are a Poisson process at the rate that
//! keeps the generated number of claims on average (claims live `claim_lifetime` on average),
//! nudged towards that number when the count drifts away.

use super::Simulator;
use super::hosts::is_free;
use super::random::{exponential, scale};
use super::schedule::Task;
use crate::event::Kind;
use crate::fleet::{Fleet, HostKey, ObjectKey};
use crate::generate::Rng;
use crate::model::claim::{
    ClaimPhase, Condition, JOINED, NOT_DRIFTED, NodeClaimStatus, PROVISIONED, SCHEDULED,
};
use crate::model::{
    NodeClaim, NodeClaimSpec, ProjectNamespaces, PropertyRequirement, Quantity, keys,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use std::collections::BTreeSet;

/// Share of new claims that name no node type and let the platform pick (percent).
const UNBOUND_PERCENT: usize = 15;
/// Share of new claims pinned to a server (percent).
const PINNED_PERCENT: usize = 2;
/// A pinned claim usually names a server that looks free; tries to find one.
const PIN_TRIES: usize = 5;

/// A node type new claims may ask for.
#[derive(Clone, Debug)]
struct TypeEntry {
    /// `<provider>.<type>`.
    name: String,
    provider: String,
    tenant: Option<String>,
    model: Option<String>,
    gpus: u32,
    /// Hosts whose labels match the type: candidates for pins.
    hosts: Vec<HostKey>,
}

/// What tenants can ask for, read from the generated fleet once.
#[derive(Clone, Debug, Default)]
pub(super) struct Catalog {
    types: Vec<TypeEntry>,
    tenants: Vec<String>,
    vclusters: Vec<String>,
}

impl Catalog {
    pub(super) fn of(fleet: &Fleet) -> Self {
        let types: Vec<TypeEntry> = fleet
            .node_type_ids()
            .filter(|&t| !fleet.type_hosts(t).is_empty())
            .map(|t| {
                let info = fleet.node_type(t);
                TypeEntry {
                    name: info.name.clone(),
                    provider: info.provider.clone(),
                    tenant: info.tenant.clone(),
                    model: info.properties.get(keys::GPU_MODEL).cloned(),
                    gpus: info.gpus,
                    hosts: fleet
                        .type_hosts(t)
                        .iter()
                        .map(|&h| fleet.host(h).key())
                        .collect(),
                }
            })
            .collect();
        let mut tenants: BTreeSet<String> =
            fleet.claims().iter().map(|c| c.tenant.clone()).collect();
        tenants.extend(types.iter().filter_map(|t| t.tenant.clone()));
        let vclusters: BTreeSet<String> = fleet
            .claims()
            .iter()
            .filter_map(|c| c.vcluster.clone())
            .collect();
        Catalog {
            types,
            tenants: tenants.into_iter().collect(),
            vclusters: vclusters.into_iter().collect(),
        }
    }

    /// A type picked in proportion to its hosts, so demand follows the fleet's shape.
    fn pick_type(&self, rng: &mut Rng) -> Option<&TypeEntry> {
        self.types
            .get(rng.weighted(self.types.iter().map(|t| t.hosts.len()))?)
    }

    /// A new claim of a tenant, or `None` when the fleet offers nothing to claim.
    fn new_claim(
        &self,
        rng: &mut Rng,
        created: Option<Time>,
        exists: impl Fn(&ObjectKey) -> bool,
        free: impl Fn(&HostKey) -> bool,
    ) -> Option<NodeClaim> {
        let t = self.pick_type(rng)?;
        let tenant = match &t.tenant {
            Some(owner) => owner.clone(),
            None if self.tenants.is_empty() => return None,
            None => rng.pick(&self.tenants)?.clone(),
        };
        let vcluster = match self.vclusters.as_slice() {
            [] => "workers".to_string(),
            some => rng.pick(some)?.clone(),
        };
        let namespace = ProjectNamespaces::default().namespace(&tenant);
        let model = t.model.clone().unwrap_or_else(|| "gpu".into());
        let name = (0..3)
            .map(|_| format!("{vcluster}-{model}-{}", rng.suffix(5)))
            .find(|n| !exists(&(namespace.clone(), n.clone())))?;
        let mut spec = NodeClaimSpec {
            provider_ref: Some(t.provider.clone()),
            type_ref: Some(t.name.clone()),
            vcluster_ref: Some(vcluster),
            ..NodeClaimSpec::default()
        };
        let roll = rng.below(100);
        if roll < UNBOUND_PERCENT
            && let Some(model) = &t.model
        {
            // A pool's nodeTypeSelector: this GPU model among the shared types and the
            // tenant's own, in one provider; the platform picks the cheapest available.
            let candidates: Vec<&str> = self
                .types
                .iter()
                .filter(|o| o.provider == t.provider && o.model.as_ref() == Some(model))
                .filter(|o| o.tenant.is_none() || o.tenant.as_ref() == Some(&tenant))
                .map(|o| o.name.as_str())
                .collect();
            spec.type_ref = None;
            spec.requirements = vec![
                PropertyRequirement::is_in(keys::GPU_MODEL, &[model]),
                PropertyRequirement::is_in(keys::PROP_NODE_TYPE, &candidates),
            ];
            if t.gpus > 0 {
                spec.desired_capacity = [(
                    keys::RESOURCE_GPU.to_string(),
                    Quantity::new(t.gpus.to_string()),
                )]
                .into();
            }
        } else if roll < UNBOUND_PERCENT + PINNED_PERCENT && !t.hosts.is_empty() {
            let server = (0..PIN_TRIES)
                .filter_map(|_| rng.pick(&t.hosts))
                .find(|h| free(h))
                .or_else(|| rng.pick(&t.hosts))?;
            spec.properties
                .insert(keys::SERVER_NAME.into(), server.name.clone());
        }
        Some(NodeClaim {
            metadata: ObjectMeta {
                name: Some(name),
                namespace: Some(namespace),
                creation_timestamp: created,
                ..ObjectMeta::default()
            },
            spec,
            status: Some(NodeClaimStatus::waiting()),
        })
    }
}

/// Sets a condition, keeping its transition time when its status stays.
pub(super) fn set_condition(
    conditions: &mut Vec<Condition>,
    type_: &str,
    ok: bool,
    reason: Option<&str>,
    at: Option<String>,
) {
    let status = if ok { "True" } else { "False" };
    let condition = match conditions.iter_mut().find(|c| c.type_ == type_) {
        Some(c) => c,
        None => {
            conditions.push(Condition {
                type_: type_.to_string(),
                ..Condition::default()
            });
            let Some(last) = conditions.last_mut() else {
                return;
            };
            last
        }
    };
    if condition.status != status {
        condition.status = status.to_string();
        condition.last_transition_time = at;
    }
    condition.reason = reason.map(str::to_string);
}

fn status_mut(claim: &mut NodeClaim) -> &mut NodeClaimStatus {
    claim.status.get_or_insert_with(NodeClaimStatus::default)
}

impl Simulator {
    /// Changes a claim object, if it exists, and stores the new version.
    pub(super) fn update_claim(&mut self, key: &ObjectKey, change: impl FnOnce(&mut NodeClaim)) {
        let Some(claim) = self.store.claim(key) else {
            return;
        };
        let mut claim = (**claim).clone();
        change(&mut claim);
        self.store.put_claim(claim);
    }

    /// Schedules the next event of a process that runs, on average, once per `every_per_host`
    /// for each host.
    pub(super) fn next_process(&mut self, task: Task, every_per_host: std::time::Duration) {
        let hosts = self.hosts.keys.len().max(1) as u32;
        let gap = exponential(&mut self.rng, every_per_host / hosts);
        self.schedule.at(self.now.saturating_add(gap), task);
    }

    /// Mean time between two new claims: the claims' lifetime over their generated number,
    /// stretched when there are more claims than that and shortened when fewer, so the count
    /// returns to the generated level instead of wandering off.
    fn arrival_gap(&self) -> std::time::Duration {
        let target = self.initial_claims.max(1);
        let pull = (self.store.objects().claims.len() as f64 / target as f64).clamp(0.5, 2.0);
        scale(self.config.claim_lifetime / target as u32, pull)
    }

    pub(super) fn schedule_arrival(&mut self) {
        let mean = self.arrival_gap();
        let gap = exponential(&mut self.rng, mean);
        self.schedule
            .at(self.now.saturating_add(gap), Task::ClaimArrives);
    }

    pub(super) fn schedule_expiry(&mut self, claim: ObjectKey) {
        let lifetime = exponential(&mut self.rng, self.config.claim_lifetime);
        self.schedule
            .at(self.now.saturating_add(lifetime), Task::ClaimExpires(claim));
    }

    /// A tenant asks for a server.
    pub(super) fn claim_arrives(&mut self) {
        self.schedule_arrival();
        let created = self.timestamp();
        let store = &self.store;
        let Some(claim) = self.catalog.new_claim(
            &mut self.rng,
            created,
            |k| store.claim(k).is_some(),
            |k| store.host(k).is_some_and(|h| is_free(h)),
        ) else {
            return;
        };
        let key = (
            claim.metadata.namespace.clone().unwrap_or_default(),
            claim.metadata.name.clone().unwrap_or_default(),
        );
        self.store.put_claim(claim);
        self.controller.enqueue(key.clone());
        self.schedule_expiry(key);
    }

    /// A tenant deletes a claim. A claim that holds a server is marked deleting until the
    /// server is cleaned and released; one that holds none goes at once.
    pub(super) fn claim_expires(&mut self, key: ObjectKey) {
        let Some(claim) = self.store.claim(&key) else {
            return;
        };
        if claim.metadata.deletion_timestamp.is_some() {
            return;
        }
        let held = claim
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(keys::CLAIM_CLAIMED_NODE))
            .and_then(|name| {
                self.hosts.named(name).iter().find(|h| {
                    self.store
                        .host(h)
                        .and_then(|h| super::hosts::holder(h))
                        .as_ref()
                        == Some(&key)
                })
            })
            .cloned();
        self.controller.forget(&key);
        match held {
            Some(host) => {
                let at = self.timestamp();
                self.update_claim(&key, |c| c.metadata.deletion_timestamp = at);
                self.release_after_cleaning(&host, key);
            }
            None => self.delete_claim(&key),
        }
    }

    pub(super) fn delete_claim(&mut self, key: &ObjectKey) {
        self.controller.forget(key);
        self.store
            .delete(&(Kind::NodeClaim, HostKey::new("", &key.0, &key.1)));
    }

    /// The claim's server is provisioned: the Machine is available (joined, as the
    /// simulator has no tenant clusters to wait for).
    pub(super) fn claim_provisioned(&mut self, key: &ObjectKey) {
        let rolled_over = self.controller.rolling.remove(key);
        let at = self.timestamp_text();
        self.update_claim(key, |c| {
            let status = status_mut(c);
            status.set_phase(ClaimPhase::Available);
            status.reason = None;
            status.message = None;
            for t in [SCHEDULED, PROVISIONED, JOINED] {
                set_condition(&mut status.conditions, t, true, None, at.clone());
            }
            if rolled_over {
                set_condition(&mut status.conditions, NOT_DRIFTED, true, None, at);
            }
        });
    }

    /// The claim cannot be provisioned. The platform does not replace failed claims.
    pub(super) fn claim_failed(&mut self, key: &ObjectKey, reason: &str, message: &str) {
        self.controller.rolling.remove(key);
        let at = self.timestamp_text();
        self.update_claim(key, |c| {
            let status = status_mut(c);
            status.set_phase(ClaimPhase::Failed);
            status.reason = Some(reason.to_string());
            status.message = Some(message.to_string());
            set_condition(&mut status.conditions, PROVISIONED, false, Some(reason), at);
        });
    }
}
