//! Planning a pin: `metal3.vcluster.com/server-name` on an existing or new claim. The
//! platform claims only the named server and fails rather than fall back (guide, "Server
//! pinning").

use super::{
    ChangeError, ClaimEffect, ClaimImpact, HostEffect, ObjectVersion, Overlay, PinChange,
    PinTarget, Plan,
};
use crate::fleet::rules::check_pin;
use crate::fleet::{Fleet, FleetView, Holder, HostId, NodeTypeId};
use crate::model::claim::NodeClaimSpec;
use crate::model::{NodeClaim, keys, label_rules};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The name gpufleet gives a new pinned claim: `<vcluster>-<server>`, cut to fit a name.
pub fn new_claim_name(vcluster: &str, server: &str) -> String {
    let mut name = format!("{vcluster}-{server}").to_lowercase();
    name.truncate(label_rules::MAX_NAME_LEN);
    name.trim_end_matches(['-', '.']).to_string()
}

pub(super) fn plan<'a>(fleet: &'a Fleet, pin: &PinChange) -> Result<Plan<'a>, ChangeError> {
    let t = fleet.resolve_node_type(&pin.node_type)?;
    let server = fleet.resolve_host(&pin.server)?;
    let server_name = fleet.host(server).name.clone();
    let mut plan = Plan::new(fleet, host_effect);
    plan.targets.push(server);

    let (claim_id, namespace, name, tenant) = match &pin.target {
        PinTarget::Existing { namespace, name } => {
            let c = fleet.resolve_claim(&format!("{namespace}/{name}"))?;
            let claim = fleet.claim(c);
            if let Some(ct) = claim.node_type
                && ct != t
            {
                return Err(ChangeError::PinConflict(format!(
                    "claim {} has node type {}; pin it with that node type, not {}",
                    claim.key(),
                    fleet.node_type(ct).name,
                    fleet.node_type(t).name
                )));
            }
            plan.objects.push(ObjectVersion {
                kind: "NodeClaim",
                namespace: Some(namespace.clone()),
                name: name.clone(),
                resource_version: claim.object.metadata.resource_version.clone(),
                creates: false,
            });
            (
                Some(c),
                namespace.clone(),
                name.clone(),
                claim.tenant.clone(),
            )
        }
        PinTarget::New { vcluster, project } => {
            let namespace = format!("{}{project}", keys::PROJECT_NAMESPACE_PREFIX);
            let name = new_claim_name(vcluster, &server_name);
            if fleet.claim_by_key(&namespace, &name).is_some() {
                return Err(ChangeError::PinConflict(format!(
                    "a claim {namespace}/{name} exists already; pin that one with --claim"
                )));
            }
            plan.objects.push(ObjectVersion {
                kind: "NodeClaim",
                namespace: Some(namespace.clone()),
                name: name.clone(),
                resource_version: None,
                creates: true,
            });
            (None, namespace, name, project.clone())
        }
    };

    if let Some(c) = claim_id {
        plan.judged.insert(c);
        let mut props = fleet.claim_properties(c).clone();
        props.insert(keys::SERVER_NAME.into(), server_name.clone());
        plan.overlay.set_claim_properties(c, props);
        if let Some(held) = fleet.claim(c).host {
            plan.warnings.push(format!(
                "claim {namespace}/{name} already holds {}; the pin applies only when its Machine is re-created",
                fleet.host(held).name
            ));
            plan.claims.push(line(
                fleet,
                &namespace,
                &name,
                &tenant,
                t,
                Some(server),
                ClaimEffect::UnaffectedUntilDeleted,
                None,
            ));
            return Ok(plan);
        }
    }

    match check_pin(fleet, t, &server_name) {
        Ok(h) => {
            let holder = match claim_id {
                Some(c) => Holder::Claim(c),
                None => Holder::Unknown(format!("{namespace}/{name}")),
            };
            plan.overlay
                .set_host(h, fleet.labels(h).clone(), Some(holder));
            plan.claims.push(line(
                fleet,
                &namespace,
                &name,
                &tenant,
                t,
                Some(h),
                ClaimEffect::PinSucceeds,
                None,
            ));
        }
        Err(failure) => {
            plan.warnings.push(format!(
                "provisioning would fail: {failure}; the platform does not fall back to another server"
            ));
            plan.claims.push(line(
                fleet,
                &namespace,
                &name,
                &tenant,
                t,
                None,
                ClaimEffect::PinFails,
                Some(failure.to_string()),
            ));
        }
    }
    Ok(plan)
}

#[allow(clippy::too_many_arguments)]
fn line(
    fleet: &Fleet,
    namespace: &str,
    name: &str,
    tenant: &str,
    t: crate::fleet::NodeTypeId,
    host: Option<HostId>,
    effect: ClaimEffect,
    reason: Option<String>,
) -> ClaimImpact {
    let h = host.map(|h| fleet.host(h));
    ClaimImpact {
        namespace: namespace.to_string(),
        name: name.to_string(),
        tenant: tenant.to_string(),
        node_type: Some(fleet.node_type(t).name.clone()),
        host: h.map(|h| h.name.clone()),
        rack: h.and_then(|h| h.label(keys::RACK)).map(str::to_string),
        gpus: host
            .map(|h| fleet.derived(h).gpus)
            .unwrap_or(fleet.node_type(t).gpus),
        effect,
        reason,
        candidates_before: None,
        candidates_after: None,
    }
}

fn host_effect(fleet: &Fleet, overlay: &Overlay, h: HostId) -> HostEffect {
    if fleet.holder(h) != overlay.holder(h) {
        HostEffect::ClaimedByPin
    } else {
        HostEffect::NoChange
    }
}

/// The NodeClaim a pin to a new claim creates.
pub fn pinned_claim(
    fleet: &Fleet,
    t: NodeTypeId,
    vcluster: &str,
    project: &str,
    server: &str,
) -> NodeClaim {
    let info = fleet.node_type(t);
    NodeClaim {
        metadata: ObjectMeta {
            name: Some(new_claim_name(vcluster, server)),
            namespace: Some(format!("{}{project}", keys::PROJECT_NAMESPACE_PREFIX)),
            ..ObjectMeta::default()
        },
        spec: NodeClaimSpec {
            provider_ref: Some(info.provider.clone()),
            type_ref: Some(info.name.clone()),
            vcluster_ref: Some(vcluster.to_string()),
            properties: [(keys::SERVER_NAME.to_string(), server.to_string())].into(),
            ..NodeClaimSpec::default()
        },
        status: None,
    }
}

/// The tenant's `vcluster.yaml` static pool that asks for this pinned server: a
/// `nodeTypeSelector` naming the node type and the `metal3.vcluster.com/server-name` property
/// (guide, "Server pinning").
pub fn static_pool_snippet(fleet: &Fleet, pin: &PinChange) -> Result<String, ChangeError> {
    let t = fleet.resolve_node_type(&pin.node_type)?;
    let server = fleet.resolve_host(&pin.server)?;
    let info = fleet.node_type(t);
    let server_name = &fleet.host(server).name;
    let snippet = serde_json::json!({
        "privateNodes": {
            "enabled": true,
            "autoNodes": [{
                "provider": info.provider,
                "static": [{
                    "name": format!("pinned-{server_name}"),
                    "quantity": 1,
                    "nodeTypeSelector": [{"property": keys::PROP_NODE_TYPE, "value": info.name}],
                    "properties": {keys::SERVER_NAME: server_name},
                }],
            }],
        }
    });
    serde_saphyr::to_string(&snippet).map_err(|e| ChangeError::Syntax(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenerateConfig, generate};

    #[test]
    fn the_snippet_names_the_type_and_the_server() {
        let fleet = Fleet::build(generate(&GenerateConfig::new(60, 2)).objects);
        let h = fleet
            .host_ids()
            .find(|&h| !fleet.derived(h).matches.is_empty())
            .unwrap();
        let t = fleet.derived(h).matches[0];
        let pin = PinChange {
            server: fleet.host(h).name.clone(),
            node_type: fleet.node_type(t).name.clone(),
            target: PinTarget::New {
                vcluster: "train".into(),
                project: "p".into(),
            },
        };
        let yaml = static_pool_snippet(&fleet, &pin).unwrap();
        let back: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        let pool = &back["privateNodes"]["autoNodes"][0]["static"][0];
        assert_eq!(pool["quantity"], 1);
        assert_eq!(
            pool["nodeTypeSelector"][0]["value"],
            fleet.node_type(t).name.as_str()
        );
        assert_eq!(
            pool["properties"][keys::SERVER_NAME],
            fleet.host(h).name.as_str()
        );
    }
}
