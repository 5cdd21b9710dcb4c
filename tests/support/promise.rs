//! What a preview promises, checked against what the platform then did: after the write and
//! the platform's passes, every host, claim and node type must be where the preview said.
//!
//! The check is written against the preview (`Impact`) alone, whatever the change was, so a
//! new kind of change (a node type edit, say) joins by producing an `Impact`: its hosts,
//! claims and node types are held to the same promises.
//!
//! The promises, for a fleet that was at rest before the write:
//! - hosts: the labels the preview shows (the platform's own claim labels aside), the node
//!   types matching them, the holder and the node types that could claim it; a host may
//!   also have gone to a claim the preview said becomes schedulable;
//! - claims: a pin that succeeds holds exactly that server as exactly that node type; a pin
//!   that fails has failed and holds nothing; a rolled-over claim keeps its server and runs
//!   its node type's image (or its re-provisioning failed); a claim that becomes
//!   schedulable holds a server, or every server its type could get went to others; a claim
//!   that loses its last candidate still waits; every claim the preview does not name holds
//!   what it held (or keeps waiting) with the same node type and stage;
//! - node types: the OS image the preview shows, and the hosts available, less those the
//!   claims it said become schedulable took.

use gpufleet::fleet::lints::{Lint, LintId, all_lints};
use gpufleet::fleet::rules::{claim_candidates, claim_drift, type_os_image};
use gpufleet::fleet::{ClaimStage, Fleet, FleetObjects, FleetView, Holder, HostId, NodeTypeId};
use gpufleet::generate::{GenerateConfig, generate};
use gpufleet::impact::{
    Change, ClaimEffect, ClaimImpact, HostImpact, Impact, NodeTypeImpact, PinTarget,
};
use gpufleet::model::claim::NodeClaimStatus;
use gpufleet::model::{
    Labels, NodeClaim, NodeClaimSpec, ProjectNamespaces, PropertyRequirement, Quantity, keys,
};
use gpufleet::source::sim::{SimConfig, Simulator};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, UNIX_EPOCH};

fn names(fleet: &Fleet, ts: &[NodeTypeId]) -> Vec<String> {
    ts.iter()
        .map(|&t| fleet.node_type(t).name.clone())
        .collect()
}

fn holder_key(fleet: &Fleet, holder: Option<&Holder>) -> Option<String> {
    match holder? {
        Holder::Claim(c) => Some(fleet.claim(*c).key()),
        Holder::Unknown(k) => Some(k.clone()),
        ambiguous @ Holder::Ambiguous(_) => Some(ambiguous.describe(fleet)),
    }
}

/// Labels without those the platform sets while a claim holds the host.
fn own_labels(labels: &Labels) -> Labels {
    labels
        .iter()
        .filter(|(k, _)| !keys::PLATFORM_OWNED_HOST_LABELS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn host_in(fleet: &Fleet, namespace: &str, name: &str) -> Option<HostId> {
    fleet
        .hosts_named(name)
        .iter()
        .copied()
        .find(|&h| fleet.host(h).namespace == namespace)
}

/// Every way `settled` differs from what `preview` (computed on `before`) said; empty when
/// the preview came true.
pub fn broken_promises(before: &Fleet, preview: &Impact, settled: &Fleet) -> Vec<String> {
    let mut broken = Vec::new();
    let host_lines: BTreeMap<(&str, &str), &HostImpact> = preview
        .hosts
        .iter()
        .map(|h| ((h.namespace.as_str(), h.name.as_str()), h))
        .collect();
    let claim_lines: BTreeMap<String, &ClaimImpact> = preview
        .claims
        .iter()
        .map(|c| (format!("{}/{}", c.namespace, c.name), c))
        .collect();
    let schedulable: BTreeSet<&str> = claim_lines
        .iter()
        .filter(|(_, c)| c.effect == ClaimEffect::BecomesSchedulable)
        .map(|(k, _)| k.as_str())
        .collect();

    // Hosts: labels, matching types, holder, eligibility.
    let mut taken: BTreeMap<String, u32> = BTreeMap::new();
    for h in before.host_ids() {
        let host = before.host(h);
        let who = format!("host {}/{}", host.namespace, host.name);
        let Some(s) = host_in(settled, &host.namespace, &host.name) else {
            broken.push(format!("{who} is gone"));
            continue;
        };
        let line = host_lines.get(&(host.namespace.as_str(), host.name.as_str()));
        let (labels, matches, holder, eligible) = match line {
            Some(l) => {
                let mut labels = before.labels(h).clone();
                for k in &l.labels_removed {
                    labels.remove(k);
                }
                labels.extend(l.labels_set.clone());
                (
                    labels,
                    l.node_types_after.clone(),
                    l.claimed_by.clone(),
                    l.eligible_after.clone(),
                )
            }
            None => (
                before.labels(h).clone(),
                names(before, &before.derived(h).matches),
                holder_key(before, before.holder(h)),
                names(before, &before.derived(h).eligible),
            ),
        };
        if own_labels(settled.labels(s)) != own_labels(&labels) {
            broken.push(format!(
                "{who}: labels {:?}, the preview said {:?}",
                own_labels(settled.labels(s)),
                own_labels(&labels)
            ));
        }
        let settled_matches = names(settled, &settled.derived(s).matches);
        if settled_matches != matches {
            broken.push(format!(
                "{who}: matched by {settled_matches:?}, the preview said {matches:?}"
            ));
        }
        let settled_holder = holder_key(settled, settled.holder(s));
        let took_it = holder.is_none()
            && settled_holder
                .as_deref()
                .is_some_and(|k| schedulable.contains(k));
        if took_it {
            for t in &eligible {
                *taken.entry(t.clone()).or_default() += 1;
            }
            continue;
        }
        if settled_holder != holder {
            broken.push(format!(
                "{who}: held by {settled_holder:?}, the preview said {holder:?}"
            ));
        }
        let settled_eligible = names(settled, &settled.derived(s).eligible);
        if settled_eligible != eligible {
            broken.push(format!(
                "{who}: node types that could claim it {settled_eligible:?}, the preview said {eligible:?}"
            ));
        }
    }

    // Claims: the ones the preview names, and every other one.
    let mut keys_to_check: BTreeSet<String> = before.claims().iter().map(|c| c.key()).collect();
    keys_to_check.extend(claim_lines.keys().cloned());
    for key in keys_to_check {
        let (namespace, name) = key.split_once('/').unwrap_or(("", key.as_str()));
        let was = before
            .claim_by_key(namespace, name)
            .map(|c| before.claim(c));
        let Some(sc) = settled.claim_by_key(namespace, name) else {
            broken.push(format!("claim {key} is gone"));
            continue;
        };
        let now = settled.claim(sc);
        let now_host = now.host.map(|h| settled.host(h).name.clone());
        let now_type = now.node_type.map(|t| settled.node_type(t).name.clone());
        let was_host = was.and_then(|c| c.host.map(|h| before.host(h).name.clone()));
        let was_type = was.and_then(|c| c.node_type.map(|t| before.node_type(t).name.clone()));
        let mut fail = |what: String| broken.push(format!("claim {key}: {what}"));
        match claim_lines.get(&key).map(|l| (l.effect, *l)) {
            Some((ClaimEffect::PinSucceeds, l)) => {
                if now_host != l.host || now_type != l.node_type {
                    fail(format!(
                        "holds {now_host:?} as {now_type:?}, the preview said the pin gets {:?} as {:?}",
                        l.host, l.node_type
                    ));
                }
            }
            Some((ClaimEffect::PinFails, l)) => {
                if now_host.is_some() || now.stage != ClaimStage::Failed {
                    fail(format!(
                        "is {} holding {now_host:?}, the preview said the pin fails ({})",
                        now.stage.as_str(),
                        l.reason.as_deref().unwrap_or_default()
                    ));
                }
            }
            Some((ClaimEffect::RollsOver, _)) => {
                let in_sync = !claim_drift(settled, sc).is_drifted();
                if now_host != was_host || !(in_sync || now.stage == ClaimStage::Failed) {
                    fail(format!(
                        "holds {now_host:?} (was {was_host:?}), {}; the preview said it is rolled over",
                        if in_sync { "in sync" } else { "still drifted" }
                    ));
                }
            }
            Some((ClaimEffect::BecomesSchedulable, _)) => {
                if now_host.is_none() && claim_candidates(settled, sc) > 0 {
                    fail("still waits with servers it could get; the preview said it becomes schedulable".into());
                }
            }
            Some((ClaimEffect::LosesLastCandidate, _)) => {
                if now_host.is_some() {
                    fail(format!(
                        "holds {now_host:?}; the preview said it loses its last candidate"
                    ));
                }
            }
            Some((ClaimEffect::LosesACandidate, _)) => {}
            Some((ClaimEffect::UnaffectedUntilDeleted, _)) | None => {
                let stage = was.map(|c| c.stage);
                if now_host != was_host || now_type != was_type || Some(now.stage) != stage {
                    fail(format!(
                        "is {} holding {now_host:?} as {now_type:?}; it was {} holding {was_host:?} as {was_type:?} and the preview said nothing changes for it",
                        now.stage.as_str(),
                        stage.map(ClaimStage::as_str).unwrap_or("absent"),
                    ));
                }
            }
        }
    }

    // Node types: image and available hosts.
    let type_lines: BTreeMap<&str, &NodeTypeImpact> = preview
        .node_types
        .iter()
        .map(|t| (t.name.as_str(), t))
        .collect();
    for t in before.node_type_ids() {
        let name = before.node_type(t).name.as_str();
        let Some(&st) = settled.types_named(name).first() else {
            broken.push(format!("node type {name} is gone"));
            continue;
        };
        let line = type_lines.get(name);
        let image = match line {
            Some(l) if l.os_image_before.is_some() || l.os_image_after.is_some() => {
                l.os_image_after.clone()
            }
            _ => type_os_image(before, t),
        };
        if type_os_image(settled, st) != image {
            broken.push(format!(
                "node type {name}: OS image {:?}, the preview said {image:?}",
                type_os_image(settled, st)
            ));
        }
        let available = line
            .map(|l| l.available_after)
            .unwrap_or_else(|| before.available(t));
        let expected = available - taken.get(name).copied().unwrap_or(0).min(available);
        if settled.available(st) != expected {
            broken.push(format!(
                "node type {name}: {} hosts available, the preview said {available} (less {} taken by claims it said become schedulable)",
                settled.available(st),
                available - expected
            ));
        }
    }
    broken
}

/// Longer than anything the simulated platform waits between two changes (a host in error
/// waits up to 4 minutes for its retry).
pub const QUIET: Duration = Duration::from_secs(300);
/// How long the platform may take to come to rest.
pub const LIMIT: Duration = Duration::from_secs(6 * 3600);

/// A quiet simulated platform (no claims come or go, no faults) of `hosts` hosts.
pub fn config(hosts: usize, seed: u64) -> SimConfig {
    SimConfig {
        started_at: UNIX_EPOCH + Duration::from_secs(1_790_000_000),
        // Every drifted claim is rolled over at once, so a rotation settles quickly.
        rollover_parallel: 10_000,
        ..SimConfig::quiet(hosts, seed)
    }
}

/// What a waiting claim asks for.
pub enum Request<'a> {
    /// A node type by name (`typeRef`).
    Type(&'a str),
    /// A GPU model and a number of GPUs; the platform picks the type.
    Model(&'a str, u32),
}

/// A waiting claim as a tenant's pool would create it.
pub fn waiting_claim(name: &str, tenant: &str, provider: &str, request: Request) -> NodeClaim {
    let mut spec = NodeClaimSpec {
        provider_ref: Some(provider.into()),
        vcluster_ref: Some("train".into()),
        ..NodeClaimSpec::default()
    };
    match request {
        Request::Type(t) => spec.type_ref = Some(t.into()),
        Request::Model(model, gpus) => {
            spec.requirements = vec![PropertyRequirement::is_in(keys::GPU_MODEL, &[model])];
            spec.desired_capacity = [(
                keys::RESOURCE_GPU.to_string(),
                Quantity::new(gpus.to_string()),
            )]
            .into();
        }
    }
    NodeClaim {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some(ProjectNamespaces::default().namespace(tenant)),
            ..ObjectMeta::default()
        },
        spec,
        status: Some(NodeClaimStatus::waiting()),
    }
}

/// The generated fleet of `config` with more claims than free servers (two per node type,
/// two per GPU model without a type), run by the platform until nothing moves: some claims
/// wait, some node types have no free server left.
pub fn fleet_at_rest(config: &SimConfig) -> FleetObjects {
    let mut objects = generate(&GenerateConfig::new(config.hosts, config.seed)).objects;
    let fleet = Fleet::build(objects.clone());
    let mut models = BTreeMap::new();
    for t in fleet.node_types() {
        let tenant = t.tenant.as_deref().unwrap_or("cobalt-ai");
        for i in 0..2 {
            let name = format!("wait-{}-{i}", t.short_name);
            let claim = waiting_claim(&name, tenant, &t.provider, Request::Type(&t.name));
            objects.insert(claim.into());
        }
        if let Some(model) = t.properties.get(keys::GPU_MODEL) {
            models.insert(model.clone(), (t.provider.clone(), t.gpus));
        }
    }
    for (model, (provider, gpus)) in &models {
        for i in 0..2 {
            let name = format!("wait-any-{model}-{i}");
            let request = Request::Model(model, *gpus);
            objects.insert(waiting_claim(&name, "bluefin-labs", provider, request).into());
        }
    }
    let mut sim = Simulator::from_objects(config.clone(), objects);
    assert!(sim.settle(QUIET, LIMIT), "the fleet comes to rest");
    sim.objects().clone()
}

/// Lets the simulated platform run over `objects` (as a cluster has them after a write)
/// until nothing moves, and returns the fleet it leaves.
pub fn platform_passes(config: &SimConfig, objects: FleetObjects) -> Fleet {
    let mut sim = Simulator::from_objects(config.clone(), objects);
    assert!(sim.settle(QUIET, LIMIT), "the fleet comes to rest");
    Fleet::build(sim.objects().clone())
}

/// Every way the preview failed to name a lint: each lint the fleet has after the change
/// and the platform's passes but did not have before must be among the lints the preview
/// says the change introduces; and each lint on what the change puts to use (a rotation's
/// OSImage; a pin's server, the node type its claim gets and that type's OSImage) must be
/// among those it introduces or says now matter. Lints that depend on where the platform
/// places claims the preview only says become schedulable (`node-type-no-eligible-host`,
/// `nvlink-domain-split-tenants`) are left out when there are such claims.
pub fn unnamed_lints(
    before: &Fleet,
    change: &Change,
    preview: &Impact,
    settled: &Fleet,
) -> Vec<String> {
    let named: BTreeSet<(LintId, &str)> = preview
        .lints_introduced
        .iter()
        .chain(&preview.lints_that_matter)
        .map(|l| (l.id, l.subject.as_str()))
        .collect();
    let introduced: BTreeSet<(LintId, &str)> = preview
        .lints_introduced
        .iter()
        .map(|l| (l.id, l.subject.as_str()))
        .collect();
    let placed_by_platform = preview.claims_with(ClaimEffect::BecomesSchedulable).count() > 0;
    let counts = |l: &Lint| {
        !(placed_by_platform
            && matches!(
                l.id,
                LintId::NodeTypeNoEligibleHost | LintId::NvlinkDomainSplitTenants
            ))
    };
    let had: BTreeSet<(LintId, String)> = all_lints(before)
        .into_iter()
        .map(|l| (l.id, l.subject))
        .collect();
    let after = all_lints(settled);
    let mut out = Vec::new();
    for l in after.iter().filter(|l| counts(l)) {
        if !had.contains(&(l.id, l.subject.clone()))
            && !introduced.contains(&(l.id, l.subject.as_str()))
        {
            out.push(format!(
                "lint {} {} appeared, but the preview does not say it is introduced",
                l.id, l.subject
            ));
        }
    }
    // What the change puts to use, read from the change and the settled fleet.
    let mut subjects: BTreeSet<String> = BTreeSet::new();
    match change {
        Change::Rotate(r) => {
            subjects.insert(r.image.clone());
        }
        Change::Pin(p) => {
            let server = p.server.rsplit('/').next().unwrap_or(&p.server).to_string();
            subjects.insert(server);
            let claim = match &p.target {
                PinTarget::Existing { namespace, name } => settled.claim_by_key(namespace, name),
                PinTarget::New { .. } => preview
                    .objects
                    .iter()
                    .find(|o| o.kind == "NodeClaim")
                    .and_then(|o| {
                        settled.claim_by_key(o.namespace.as_deref().unwrap_or(""), &o.name)
                    }),
            };
            if let Some(t) = claim.and_then(|c| settled.claim(c).node_type) {
                subjects.insert(settled.node_type(t).name.clone());
                subjects.extend(type_os_image(settled, t));
            }
        }
        _ => {}
    }
    for l in after
        .iter()
        .filter(|l| counts(l) && l.id != LintId::NodeTypeNoEligibleHost)
    {
        if subjects.contains(&l.subject) && !named.contains(&(l.id, l.subject.as_str())) {
            out.push(format!(
                "lint {} {} ({:?}) is on what the change puts to use, but the preview does not name it",
                l.id, l.subject, l.severity
            ));
        }
    }
    out
}
