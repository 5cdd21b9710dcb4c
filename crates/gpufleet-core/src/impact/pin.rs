//! Planning a pin: `metal3.vcluster.com/server-name` on an existing or new claim. The
//! platform claims only the named server and fails rather than fall back (guide, "Server
//! pinning").

use super::{
    ChangeError, ClaimEffect, ClaimImpact, HostEffect, ObjectVersion, Overlay, PinChange,
    PinTarget, Plan,
};
use crate::fleet::rules::{
    ImageProblem, PinFailure, Placement, check_pinned_host, claim_node_type, image_of_properties,
    merged_properties, merged_with_claim_properties, outside_type, place_claim,
};
use crate::fleet::{ClaimId, ClaimStage, Fleet, FleetView, Holder, HostId, NodeTypeId};
use crate::model::claim::NodeClaimSpec;
use crate::model::{Labels, NodeClaim, keys, label_rules};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The name gpufleet gives a new pinned claim: `<vcluster>-<server>`, cut to fit a name.
pub fn new_claim_name(vcluster: &str, server: &str) -> String {
    let mut name = format!("{vcluster}-{server}").to_lowercase();
    name.truncate(label_rules::MAX_NAME_LEN);
    name.trim_end_matches(['-', '.']).to_string()
}

pub(super) fn plan<'a>(fleet: &'a Fleet, pin: &PinChange) -> Result<Plan<'a>, ChangeError> {
    let server = fleet.resolve_host(&pin.server)?;
    let named_type = pin
        .node_type
        .as_deref()
        .map(|n| fleet.resolve_node_type(n))
        .transpose()?;
    let mut plan = Plan::new(fleet, host_effect);
    plan.targets.push(server);
    match &pin.target {
        PinTarget::Existing { namespace, name } => {
            let c = fleet.resolve_claim(&format!("{namespace}/{name}"))?;
            plan_existing(fleet, &mut plan, c, server, named_type)?;
        }
        PinTarget::New { vcluster, project } => {
            let t = named_type.ok_or_else(|| {
                ChangeError::Syntax(
                    "a new pinned claim needs a node type (--node-type): it becomes the claim's typeRef"
                        .into(),
                )
            })?;
            plan_new(fleet, &mut plan, t, server, vcluster, project)?;
        }
    }
    Ok(plan)
}

/// What the platform does with claim `c` once host `server` is set as its pin:
/// [`place_claim`] over the fleet with the property laid on the claim. The claim keeps its
/// own request, so an unbound claim gets a type by
/// [`crate::fleet::rules::pinned_claim_type`].
///
/// The property carries only the host's name, which the platform looks up in the cluster
/// and namespace of the claim's node type: when that type does not see `server` (a host of
/// another Metal3 cluster, whose name may repeat there), the pin fails with
/// [`PinFailure::WrongProvider`] naming `server`, never landing on the same-named host.
pub fn pinned_placement(fleet: &Fleet, c: ClaimId, server: HostId) -> Placement {
    let mut overlay = Overlay::new(fleet);
    overlay.set_claim_properties(c, with_pin(fleet, c, &fleet.host(server).name));
    if let Some(t) = claim_node_type(&overlay, c)
        && let Some(failure) = outside_type(fleet, t, server)
    {
        return Placement::PinFailed {
            node_type: Some(t),
            failure,
        };
    }
    place_claim(&overlay, c)
}

/// The refusal of a pin of `server` for a claim whose node type `t` does not see it: the
/// platform would read the bare name in `t`'s cluster and claim another host, or none.
fn elsewhere(fleet: &Fleet, t: NodeTypeId, server: HostId, failure: &PinFailure) -> ChangeError {
    let info = fleet.node_type(t);
    let name = &fleet.host(server).name;
    let instead = fleet
        .hosts_named(name)
        .iter()
        .find(|&&h| crate::fleet::rules::sees(info, fleet.host(h)))
        .map_or_else(
            || "no host of that name".to_string(),
            |&h| format!("server {} instead", fleet.shown_name(h)),
        );
    ChangeError::PinConflict(format!(
        "{failure}: {} carries only the name {name}, which the platform looks up there, so it \
         would claim {instead}; pin a host of {}, or a claim whose node type claims from {}",
        keys::SERVER_NAME,
        display_scope(&info.cluster, &info.namespace),
        display_scope(&fleet.host(server).cluster, &fleet.host(server).namespace),
    ))
}

fn display_scope(cluster: &str, namespace: &str) -> String {
    if cluster.is_empty() {
        namespace.to_string()
    } else {
        format!("{cluster}/{namespace}")
    }
}

fn with_pin(fleet: &Fleet, c: ClaimId, server: &str) -> Labels {
    let mut props = fleet.claim_properties(c).clone();
    props.insert(keys::SERVER_NAME.into(), server.to_string());
    props
}

/// Whether pinning claim `c` to host `server` would hold, and why not: `Ok` with the node
/// type the claim gets the server as, or the reason the platform would not give it that
/// server ([`pinned_placement`]).
pub fn pin_verdict(fleet: &Fleet, c: ClaimId, server: HostId) -> Result<NodeTypeId, PinRefusal> {
    let claim = fleet.claim(c);
    if let Some(held) = claim.host {
        return Err(PinRefusal::HoldsServer {
            server: fleet.shown_name(held),
        });
    }
    if claim.stage != ClaimStage::Pending {
        return Err(PinRefusal::NotPending(claim.stage));
    }
    match pinned_placement(fleet, c, server) {
        Placement::Server { node_type, .. } => Ok(node_type),
        Placement::PinFailed { failure, .. } => Err(PinRefusal::Fails(failure)),
        Placement::ImageUnavailable { problem, .. } => Err(PinRefusal::Image(problem)),
        Placement::Waiting { .. } => Err(PinRefusal::KeepsWaiting),
    }
}

/// Why a pin would not hold ([`pin_verdict`]). A failure of the platform's rules (the pinned
/// server, the OSImage) is the `source()`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PinRefusal {
    /// The claim holds a server already.
    #[error("holds {server} already: a pin applies only when its Machine is re-created")]
    HoldsServer {
        /// The held server's name.
        server: String,
    },
    /// The claim is not pending.
    #[error("{}", not_pending(*.0))]
    NotPending(ClaimStage),
    /// The platform would fail the pin.
    #[error("{0}")]
    Fails(#[source] PinFailure),
    /// The claim's OSImage cannot be worked out.
    #[error("failed to get OSImage: {0}")]
    Image(#[source] ImageProblem),
    /// The pinned server would not be placed yet: the claim keeps waiting.
    #[error("the claim would keep waiting")]
    KeepsWaiting,
}

fn not_pending(stage: ClaimStage) -> String {
    format!(
        "the claim is {}: the platform places only pending claims and never retries a failed \
         one, so a pin applies only when its Machine is re-created",
        stage.as_str()
    )
}

fn existing_object(fleet: &Fleet, c: ClaimId) -> ObjectVersion {
    let claim = fleet.claim(c);
    ObjectVersion {
        cluster: None,
        kind: "NodeClaim",
        namespace: Some(claim.namespace.clone()),
        name: claim.name.clone(),
        resource_version: claim.object.metadata.resource_version.clone(),
        creates: false,
    }
}

/// Plans a pin of `server` on existing claim `c`. Errors when the claim's node type does
/// not see `server` ([`elsewhere`]): the platform would claim another host.
fn plan_existing(
    fleet: &Fleet,
    plan: &mut Plan,
    c: ClaimId,
    server: HostId,
    named_type: Option<NodeTypeId>,
) -> Result<(), ChangeError> {
    let claim = fleet.claim(c);
    let server_name = fleet.host(server).name.clone();
    let (namespace, name, tenant) = (&claim.namespace, &claim.name, &claim.tenant);
    plan.overlay
        .set_claim_properties(c, with_pin(fleet, c, &server_name));
    if let Some(t) = claim_node_type(&plan.overlay, c)
        && let Some(failure) = outside_type(fleet, t, server)
    {
        return Err(elsewhere(fleet, t, server, &failure));
    }
    plan.objects.push(existing_object(fleet, c));
    plan.judged.insert(c);
    let unaffected = |plan: &mut Plan, warning: String| {
        plan.warnings
            .push(format!("claim {namespace}/{name}: {warning}"));
        let mut l = line(
            fleet,
            namespace,
            name,
            tenant,
            claim.node_type,
            claim.host,
            ClaimEffect::UnaffectedUntilDeleted,
            None,
        );
        l.reason = Some(warning);
        plan.claims.push(l);
    };
    if let Some(held) = claim.host {
        let warning = format!(
            "already holds {}; the pin applies only when its Machine is re-created",
            fleet.shown_name(held)
        );
        unaffected(plan, warning);
        return Ok(());
    }
    if claim.stage != ClaimStage::Pending {
        unaffected(plan, not_pending(claim.stage));
        return Ok(());
    }
    let placement = place_claim(&plan.overlay, c);
    let gets = match &placement {
        Placement::Server { node_type, .. } | Placement::ImageUnavailable { node_type, .. } => {
            Some(*node_type)
        }
        Placement::PinFailed { node_type, .. } => *node_type,
        Placement::Waiting { node_type } => *node_type,
    };
    if let Some(named) = named_type
        && gets != Some(named)
    {
        let gets = match gets {
            Some(t) => format!("gets node type {}", fleet.node_type(t).name),
            None => "gets no node type that matches the server".into(),
        };
        plan.warnings.push(format!(
            "claim {namespace}/{name}'s own request ({}) {gets}, not {}: a pin sets only {} and \
             never changes a claim's node type",
            claim_request_text(claim),
            fleet.node_type(named).name,
            keys::SERVER_NAME
        ));
    }
    plan.relies_on.hosts.push(server);
    if let Some(t) = gets {
        plan.relies_on.types.push(t);
        if let Some(image) = merged_properties(&plan.overlay, c, t).get(keys::OS_IMAGE) {
            plan.relies_on.images.push(image.clone());
        }
    }
    let (host, effect, reason) = match placement {
        Placement::Server { host, .. } => {
            let labels = fleet.labels(host).clone();
            plan.overlay.set_host(host, labels, Some(Holder::Claim(c)));
            (Some(host), ClaimEffect::PinSucceeds, None)
        }
        Placement::PinFailed { failure, .. } => {
            (None, ClaimEffect::PinFails, Some(failure.to_string()))
        }
        Placement::ImageUnavailable { problem, .. } => (
            None,
            ClaimEffect::PinFails,
            Some(format!("failed to get OSImage: {problem}")),
        ),
        Placement::Waiting { .. } => (
            None,
            ClaimEffect::PinFails,
            Some("the claim would keep waiting".into()),
        ),
    };
    if let Some(r) = &reason {
        plan.warnings.push(format!(
            "provisioning would fail: {r}; the platform does not fall back to another server"
        ));
    }
    plan.claims.push(line(
        fleet, namespace, name, tenant, gets, host, effect, reason,
    ));
    Ok(())
}

/// How a claim asks for its node type, as a reader would say it: `typeRef <type>`, or its
/// requirements in kubectl selector syntax.
pub fn claim_request_text(claim: &crate::fleet::Claim) -> String {
    if let Some(t) = &claim.type_ref {
        return format!("typeRef {t}");
    }
    let spec = &claim.object.spec;
    if spec.requirements.is_empty() {
        return "no requirements: the cheapest type".into();
    }
    spec.requirements
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn plan_new(
    fleet: &Fleet,
    plan: &mut Plan,
    t: NodeTypeId,
    server: HostId,
    vcluster: &str,
    project: &str,
) -> Result<(), ChangeError> {
    if let Some(failure) = outside_type(fleet, t, server) {
        return Err(elsewhere(fleet, t, server, &failure));
    }
    let server_name = fleet.host(server).name.clone();
    let namespace = fleet.projects().namespace(project);
    let name = new_claim_name(vcluster, &server_name);
    if fleet.claim_by_key(&namespace, &name).is_some() {
        return Err(ChangeError::PinConflict(format!(
            "a claim {namespace}/{name} exists already; pin that one with --claim"
        )));
    }
    plan.objects.push(ObjectVersion {
        cluster: None,
        kind: "NodeClaim",
        namespace: Some(namespace.clone()),
        name: name.clone(),
        resource_version: None,
        creates: true,
    });
    // The new claim names its type, so the platform places it as `place_claim` places a
    // typed, pinned claim: the pinned server or failure, then the image.
    let pin: Labels = [(keys::SERVER_NAME.to_string(), server_name.clone())].into();
    let merged = merged_with_claim_properties(fleet, t, &pin);
    plan.relies_on.hosts.push(server);
    plan.relies_on.types.push(t);
    plan.relies_on
        .images
        .extend(merged.get(keys::OS_IMAGE).cloned());
    let outcome = check_pinned_host(fleet, t, server)
        .map_err(|f| f.to_string())
        .and_then(|h| {
            image_of_properties(fleet, &merged)
                .map(|_| h)
                .map_err(|p| format!("failed to get OSImage: {p}"))
        });
    match outcome {
        Ok(h) => {
            let holder = Holder::Unknown(format!("{namespace}/{name}"));
            plan.overlay
                .set_host(h, fleet.labels(h).clone(), Some(holder));
            plan.claims.push(line(
                fleet,
                &namespace,
                &name,
                project,
                Some(t),
                Some(h),
                ClaimEffect::PinSucceeds,
                None,
            ));
        }
        Err(reason) => {
            plan.warnings.push(format!(
                "provisioning would fail: {reason}; the platform does not fall back to another server"
            ));
            plan.claims.push(line(
                fleet,
                &namespace,
                &name,
                project,
                Some(t),
                None,
                ClaimEffect::PinFails,
                Some(reason),
            ));
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn line(
    fleet: &Fleet,
    namespace: &str,
    name: &str,
    tenant: &str,
    t: Option<NodeTypeId>,
    host: Option<HostId>,
    effect: ClaimEffect,
    reason: Option<String>,
) -> ClaimImpact {
    let h = host.map(|h| fleet.host(h));
    ClaimImpact {
        namespace: namespace.to_string(),
        name: name.to_string(),
        tenant: tenant.to_string(),
        node_type: t.map(|t| fleet.node_type(t).name.clone()),
        host: h.map(|h| h.name.clone()),
        cluster: h.and_then(|h| (!h.cluster.is_empty()).then(|| h.cluster.clone())),
        rack: h.and_then(|h| h.label(keys::RACK)).map(str::to_string),
        gpus: host
            .map(|h| fleet.derived(h).gpus)
            .or_else(|| t.map(|t| fleet.node_type(t).gpus))
            .unwrap_or(0),
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

/// The NodeClaim a pin creates when its target is a new claim: [`pinned_claim`] of the
/// pin's node type. Errors when the pin names no node type or an unknown one.
pub fn new_pinned_claim(
    fleet: &Fleet,
    pin: &PinChange,
    vcluster: &str,
    project: &str,
) -> Result<NodeClaim, ChangeError> {
    let name = pin.node_type.as_deref().ok_or_else(|| {
        ChangeError::Syntax("a new pinned claim needs a node type (--node-type)".into())
    })?;
    let t = fleet.resolve_node_type(name)?;
    let server = fleet.resolve_host(&pin.server)?;
    Ok(pinned_claim(
        fleet,
        t,
        vcluster,
        project,
        &fleet.host(server).name,
    ))
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
            namespace: Some(fleet.projects().namespace(project)),
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
    let name = pin
        .node_type
        .as_deref()
        .ok_or_else(|| ChangeError::Syntax("the snippet needs a node type".into()))?;
    let t = fleet.resolve_node_type(name)?;
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
            node_type: Some(fleet.node_type(t).name.clone()),
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
