//! Phase 5, claims: a NodeClaim for every host the hosts phase handed out, then the claims
//! still waiting for one: mostly on node types with no capacity left, some unbound (asking
//! for a GPU model, the platform picks the type), some pinned to a server.

use super::Rng;
use super::catalog::any_vcluster;
use super::hosts::Hosted;
use crate::fleet::{Fleet, FleetObjects, FleetView};
use crate::model::claim::{
    Condition, JOINED, NodeClaimSpec, NodeClaimStatus, PROVISIONED, SCHEDULED,
};
use crate::model::{
    ClaimPhase, Labels, NodeClaim, ProjectNamespaces, PropertyRequirement, Quantity, keys,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeSet;

/// A claim that holds a host, as the hosts phase drew it.
pub(super) struct Holding {
    /// The claim's name (`train-h100-x7k2q`).
    pub name: String,
    /// Its tenant: the claim lives in the tenant's project namespace.
    pub tenant: &'static str,
    /// `spec.providerRef`.
    pub provider: String,
    /// `spec.typeRef`, the full node type name (`<provider>.<type>`).
    pub type_name: String,
    /// `spec.vClusterRef`.
    pub vcluster: &'static str,
    /// The held BareMetalHost's name.
    pub host: String,
    /// `status.phase`.
    pub phase: ClaimPhase,
    /// The node's IP address, as the claim's annotation records it.
    pub ip: String,
}

/// The hosts, with the claims.
pub(super) struct Claimed {
    /// Every object but the platform's NodeTypes.
    pub objects: FleetObjects,
    /// As in [`Hosted::namespaces`].
    pub namespaces: BTreeSet<String>,
}

/// Phase 5: the claims of the held hosts, then the waiting ones.
pub(super) fn plan(hosted: Hosted, rng: &mut Rng) -> Claimed {
    let Hosted {
        catalog,
        mut objects,
        namespaces,
        holdings,
    } = hosted;
    for h in holdings {
        objects.insert(
            claim(
                &h.name,
                h.tenant,
                &h.provider,
                Some(&h.type_name),
                h.vcluster,
                Some((&h.host, &h.ip)),
                h.phase,
            )
            .into(),
        );
    }

    let fleet = Fleet::build(objects.clone());
    let exhausted: Vec<String> = fleet
        .node_type_ids()
        .filter(|&t| fleet.available(t) == 0)
        .map(|t| fleet.node_type(t).name.clone())
        .collect();
    let all_types: Vec<String> = fleet.node_types().iter().map(|t| t.name.clone()).collect();
    let claimed_hosts: Vec<String> = fleet
        .hosts()
        .iter()
        .filter(|h| h.holder.is_some())
        .map(|h| h.name.clone())
        .collect();
    let free_hosts: Vec<String> = fleet
        .host_ids()
        .filter(|&h| fleet.is_free(h))
        .map(|h| fleet.host(h).name.clone())
        .collect();
    for _ in 0..catalog.pending_claims {
        if all_types.is_empty() {
            break;
        }
        let tenant = catalog.any_tenant(rng);
        let vcluster = any_vcluster(rng);
        let roll = rng.below(100);
        let types = if !exhausted.is_empty() && roll < 60 {
            &exhausted
        } else {
            &all_types
        };
        let Some(type_name) = rng.pick(types).cloned() else {
            break;
        };
        let provider = type_name.split('.').next().unwrap_or_default().to_string();
        let model = type_name
            .rsplit('.')
            .next()
            .and_then(|s| s.split('-').rev().nth(1))
            .unwrap_or("h100")
            .to_string();
        let mut c = claim(
            &format!("{vcluster}-pending-{}", rng.suffix(5)),
            tenant,
            &provider,
            Some(&type_name),
            vcluster,
            None,
            ClaimPhase::Pending,
        );
        if (60..75).contains(&roll) {
            // Unbound: asks for a GPU model and GPUs, the platform picks the type.
            c.spec.type_ref = None;
            c.spec.requirements = vec![PropertyRequirement::is_in(keys::GPU_MODEL, &[&model])];
            c.spec.desired_capacity = [(keys::RESOURCE_GPU.to_string(), Quantity::new("8"))].into();
        } else if (75..85).contains(&roll) {
            let pool = if roll < 80 {
                &claimed_hosts
            } else {
                &free_hosts
            };
            // An empty pool takes no draw: the seed's stream stays as it was.
            if !pool.is_empty()
                && let Some(server) = rng.pick(pool)
            {
                c.spec
                    .properties
                    .insert(keys::SERVER_NAME.into(), server.clone());
            }
        }
        objects.insert(c.into());
    }
    Claimed {
        objects,
        namespaces,
    }
}

/// A NodeClaim of `tenant` in its project namespace, with its conditions as its phase and
/// `held` (host and IP address) imply: `Scheduled` once it holds a host, `Provisioned` and
/// `Joined` once `Available`; a `Failed` one says why.
fn claim(
    name: &str,
    tenant: &str,
    provider: &str,
    type_ref: Option<&str>,
    vcluster: &str,
    held: Option<(&str, &str)>,
    phase: ClaimPhase,
) -> NodeClaim {
    let mut annotations = Labels::new();
    if let Some((host, ip)) = held {
        annotations.insert(keys::CLAIM_CLAIMED_NODE.into(), host.into());
        annotations.insert(keys::CLAIM_IP_ADDRESS.into(), ip.into());
    }
    let condition = |t: &str, ok: bool| Condition {
        type_: t.into(),
        status: if ok { "True" } else { "False" }.into(),
        ..Condition::default()
    };
    let conditions = match (&phase, held.is_some()) {
        (ClaimPhase::Available, _) => vec![
            condition(SCHEDULED, true),
            condition(PROVISIONED, true),
            condition(JOINED, true),
        ],
        (ClaimPhase::Failed, _) | (_, true) => {
            vec![condition(SCHEDULED, true), condition(PROVISIONED, false)]
        }
        _ => vec![condition(SCHEDULED, false)],
    };
    let failed = phase == ClaimPhase::Failed;
    let mut status = NodeClaimStatus {
        reason: failed.then(|| "ProvisioningFailed".to_string()),
        message: failed.then(|| "image checksum mismatch".to_string()),
        conditions,
        ..NodeClaimStatus::default()
    };
    status.set_phase(phase);
    NodeClaim {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(ProjectNamespaces::default().namespace(tenant)),
            annotations: (!annotations.is_empty()).then_some(annotations),
            ..ObjectMeta::default()
        },
        spec: NodeClaimSpec {
            provider_ref: Some(provider.to_string()),
            type_ref: type_ref.map(str::to_string),
            vcluster_ref: Some(vcluster.to_string()),
            ..NodeClaimSpec::default()
        },
        status: Some(status),
    }
}
