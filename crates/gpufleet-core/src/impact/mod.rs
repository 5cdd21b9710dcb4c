//! Change impact: a pure function from (fleet, change) to what the change would do to
//! every host, node type, claim and tenant, and which lints it introduces or resolves.
//! The CLI's `preview`, the dashboard's live preview and the writer all use [`impact`].

pub mod change;
pub mod label;
pub mod overlay;
pub mod pin;
pub mod rotate;

pub use change::{
    Change, ChangeError, HostTargets, LabelEdit, NewImage, PinChange, PinTarget, Rotation,
};
pub use overlay::Overlay;
pub use pin::{new_claim_name, pinned_claim};
pub use rotate::new_os_image;

use crate::fleet::lints::{self, Lint};
use crate::fleet::rules::{claim_candidates, type_os_image};
use crate::fleet::tenancy::{TenantGpus, host_share};
use crate::fleet::{ClaimId, ClaimStage, DomainKey, Fleet, FleetView, Holder, HostId, NodeTypeId};
use crate::model::{Labels, keys};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What a change does to one host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostEffect {
    /// The host already carries the requested labels.
    NoChange,
    /// Claimed: its labels change, but nothing happens until its Machine is deleted
    /// (guide, "Updating labels without re-provisioning").
    UnaffectedUntilDeleted,
    /// Free or busy host whose set of eligible node types changes.
    EligibilityChanges,
    /// Labels change, but no node type gains or loses the host.
    LabelsOnly,
    /// A pin would claim the host.
    ClaimedByPin,
    /// The host's claim drifts and the platform would re-provision it.
    ReprovisionedByRollover,
}

/// What a change does to one host: its labels, node types and eligibility before and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HostImpact {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// The Metal3 cluster the host lives in (absent for a host of no named cluster): host
    /// names repeat across clusters, so `name` alone may not tell two hosts apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// The claim holding the host after the change (`<namespace>/<name>`), if any.
    pub claimed_by: Option<String>,
    /// The host's state for people: the provisioning state, with ` (error)` and the like
    /// for the operational status (see [`HostState`](crate::fleet::HostState)).
    pub state: String,
    /// `metadata.deletionTimestamp` (RFC 3339) of a host being deleted: whatever the change
    /// writes to it leaves with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleting_since: Option<String>,
    /// What happens to the host.
    pub effect: HostEffect,
    /// Label keys whose value changes, with the new value.
    #[serde(skip_serializing_if = "Labels::is_empty")]
    pub labels_set: Labels,
    /// Label keys the change removes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels_removed: Vec<String>,
    /// Node types whose selector matches the host before the change (full names).
    pub node_types_before: Vec<String>,
    /// Node types whose selector matches the host after the change.
    pub node_types_after: Vec<String>,
    /// Node types that could claim the host before the change.
    pub eligible_before: Vec<String>,
    /// Node types that could claim the host after the change.
    pub eligible_after: Vec<String>,
    /// GPUs in the host after the change (see [`rules::host_gpus`](crate::fleet::rules::host_gpus)).
    pub gpus: u32,
}

/// What a change does to one node type's pool of free hosts and its OS image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeTypeImpact {
    /// The node type's full name, `<provider>.<type>`.
    pub name: String,
    /// Hosts the type could claim before the change.
    pub available_before: u32,
    /// Hosts the type could claim after the change.
    pub available_after: u32,
    /// Hosts that become eligible.
    pub gained: Vec<String>,
    /// Hosts that stop being eligible.
    pub lost: Vec<String>,
    /// The OSImage the type points at before, when the change moves it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_image_before: Option<String>,
    /// The OSImage the type points at after, when the change moves it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_image_after: Option<String>,
    /// The Metal3 cluster the type claims hosts from, so every host of `gained` and `lost`
    /// (a type sees only its provider's cluster) can be named with it; not part of the JSON.
    #[serde(skip)]
    pub cluster: String,
}

impl NodeTypeImpact {
    /// Host `name` of `gained` or `lost` as people read it: `cluster/name` when
    /// `with_cluster` (pass [`Impact::hosts_span_clusters`]), else `name`.
    pub fn shown_host(&self, name: &str, with_cluster: bool) -> String {
        crate::fleet::key::shown_name(&self.cluster, name, with_cluster)
    }
}

/// What a change does to one claim (a Machine).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimEffect {
    /// Drifts from its node type's image; the platform rolls it over (guide, "Rotating OS images").
    RollsOver,
    /// Holds a server whose labels change: no effect until the Machine is deleted.
    UnaffectedUntilDeleted,
    /// A waiting claim that had no candidate server and gets one.
    BecomesSchedulable,
    /// A waiting claim whose last candidate server goes away.
    LosesLastCandidate,
    /// A waiting claim that loses some, not all, of its candidate servers.
    LosesACandidate,
    /// The pin cannot be honoured; provisioning fails, never falling back (guide, "Server pinning").
    PinFails,
    /// The pin can be honoured: the claim gets the server.
    PinSucceeds,
}

/// What a change does to one NodeClaim, with where it runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClaimImpact {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// The claim's tenant (its project).
    pub tenant: String,
    /// The claim's node type (full name), when it resolves.
    pub node_type: Option<String>,
    /// The host the claim holds, if any (`metadata.name`).
    pub host: Option<String>,
    /// That host's Metal3 cluster (absent without a host, and for a host of no named
    /// cluster): host names repeat across clusters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// That host's `rack` label.
    pub rack: Option<String>,
    /// GPUs the claim holds, or its node type offers while it waits.
    pub gpus: u32,
    /// What happens to the claim.
    pub effect: ClaimEffect,
    /// Why, for people, where the effect needs saying (a failing pin, a rollover's image).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Candidate servers of a waiting claim before the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates_before: Option<u32>,
    /// Candidate servers of a waiting claim after the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates_after: Option<u32>,
}

/// What a change does to one tenant's GPUs (see [`TenantGpus`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TenantImpact {
    /// The tenant (project) name.
    pub name: String,
    /// GPUs on hosts labelled `tenant=<name>` before the change.
    pub reserved_gpus_before: u32,
    /// GPUs on hosts labelled `tenant=<name>` after the change.
    pub reserved_gpus_after: u32,
    /// GPUs the tenant's node types could claim before the change.
    pub eligible_gpus_before: u32,
    /// GPUs the tenant's node types could claim after the change.
    pub eligible_gpus_after: u32,
}

/// An object a write would touch, with the version the preview saw (the write's precondition).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectVersion {
    /// The object's kind: `BareMetalHost`, `NodeProvider`, `OSImage` or `NodeClaim`.
    pub kind: &'static str,
    /// The Metal3 cluster of a BareMetalHost (absent for the platform's kinds, and for a host
    /// of no named cluster).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// `metadata.namespace`; absent for cluster-scoped kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// The version the preview saw; `None` for an object the write creates, and for one read
    /// without a resourceVersion (a dump may have none).
    pub resource_version: Option<String>,
    /// Whether the write creates the object (else it patches it).
    pub creates: bool,
}

/// What guards a write of one object against a change made since the preview.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precondition<'a> {
    /// The object is created: the create fails if one of that name exists by then.
    Create,
    /// The object is patched only while it is still at this resourceVersion.
    ResourceVersion(&'a str),
    /// The object was read without a resourceVersion (from a dump, say): a patch of it would
    /// carry no precondition.
    None,
}

/// An object as a preview or a write report names it: `namespace/name` (`name` for a
/// cluster-scoped kind), led by the Metal3 cluster of a BareMetalHost when `with_cluster`
/// (the fleet spans clusters: [`Impact::hosts_span_clusters`]), as hosts are named
/// everywhere else ([`crate::fleet::key::shown_name`]).
pub fn object_name(
    cluster: Option<&str>,
    namespace: Option<&str>,
    name: &str,
    with_cluster: bool,
) -> String {
    let name = match namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    };
    match cluster {
        Some(c) if with_cluster && !c.is_empty() => format!("{c}/{name}"),
        _ => name,
    }
}

impl ObjectVersion {
    /// The object as people read it ([`object_name`]).
    pub fn shown_name(&self, with_cluster: bool) -> String {
        object_name(
            self.cluster.as_deref(),
            self.namespace.as_deref(),
            &self.name,
            with_cluster,
        )
    }

    /// What guards the write of this object: create, this resourceVersion, or none.
    pub fn precondition(&self) -> Precondition<'_> {
        match (self.creates, &self.resource_version) {
            (true, _) => Precondition::Create,
            (false, Some(rv)) => Precondition::ResourceVersion(rv),
            (false, None) => Precondition::None,
        }
    }
}

impl fmt::Display for Precondition<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Precondition::Create => f.write_str("(created)"),
            Precondition::ResourceVersion(rv) => write!(f, "at resourceVersion {rv}"),
            Precondition::None => {
                f.write_str("without a precondition (read without a resourceVersion)")
            }
        }
    }
}

/// What a change would do, as the preview shows it and the writer checks it: every list in a
/// fixed order; serializes to the preview's JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Impact {
    /// The change, as people read it.
    pub change: String,
    /// Objects the write would touch, with the versions the preview saw.
    pub objects: Vec<ObjectVersion>,
    /// Hosts the change touches or targets.
    pub hosts: Vec<HostImpact>,
    /// Node types whose free hosts or OS image change.
    pub node_types: Vec<NodeTypeImpact>,
    /// Claims the change affects.
    pub claims: Vec<ClaimImpact>,
    /// Tenants whose reserved or eligible GPUs change.
    pub tenants: Vec<TenantImpact>,
    /// Lints the change would add.
    pub lints_introduced: Vec<Lint>,
    /// Lints the change would clear.
    pub lints_resolved: Vec<Lint>,
    /// Lints already in the fleet on what the change puts to use: the OSImage a rotation
    /// points at, the server, node type and image of a pin, the node types a label edit gives
    /// hosts to. They were there before; after this change they matter.
    pub lints_that_matter: Vec<Lint>,
    /// What else people must know before writing, in sentences (claimed hosts whose labels wait
    /// for their Machines' deletion, a pin that would fail, an image without a checksum).
    pub warnings: Vec<String>,
    /// [`Fleet::hosts_span_clusters`] of the fleet the impact was worked out on; not part of
    /// the JSON (each host there carries its `cluster`).
    #[serde(skip)]
    fleet_spans_clusters: bool,
}

impl Impact {
    /// Whether the fleet the impact was worked out on has hosts in more than one Metal3
    /// cluster ([`Fleet::hosts_span_clusters`]): host names may repeat, so each host is
    /// named with its cluster (pass it to [`HostImpact::shown_name`] and
    /// [`Lint::shown_subject`]), even when the change touches hosts of one cluster only.
    pub fn hosts_span_clusters(&self) -> bool {
        self.fleet_spans_clusters
    }

    /// The claims with this effect, in the impact's order.
    pub fn claims_with(&self, effect: ClaimEffect) -> impl Iterator<Item = &ClaimImpact> {
        self.claims.iter().filter(move |c| c.effect == effect)
    }

    /// `the pin of NAMESPACE/NAME fails (why)` when the change pins a claim the platform would
    /// not give the server: such a pin is never written (the claim would fail and never be
    /// retried).
    pub fn failing_pin(&self) -> Option<String> {
        let c = self.claims_with(ClaimEffect::PinFails).next()?;
        Some(format!(
            "the pin of {}/{} fails ({})",
            c.namespace,
            c.name,
            c.reason.as_deref().unwrap_or("see the preview")
        ))
    }
}

/// The change that puts back what `change` changes, as `fleet` (the snapshot its preview
/// saw) had it: every label key a label edit touches to its value before; a rotated node
/// type to the OSImage it pointed at (the new OSImage stays: OSImages are never deleted or
/// edited). `Err` says why there is none: a pin is undone by removing
/// `metal3.vcluster.com/server-name` from the claim or deleting the claim it created, which
/// gpufleet does not write; a type with no OSImage before has nothing to point back at.
pub fn undo_of(fleet: &Fleet, change: &Change) -> Result<Change, NoUndo> {
    match change {
        Change::Label(edit) => Ok(label::undo_labels(fleet, std::slice::from_ref(edit))?),
        Change::Labels(edits) => Ok(label::undo_labels(fleet, edits)?),
        Change::Rotate(r) => {
            let t = fleet.resolve_node_type(&r.node_type)?;
            match type_os_image(fleet, t) {
                Some(image) if image != r.image => Ok(Change::Rotate(Rotation {
                    node_type: fleet.node_type(t).name.clone(),
                    image,
                    new_image: None,
                })),
                Some(_) => Err(NoUndo::SameImage {
                    node_type: r.node_type.clone(),
                    image: r.image.clone(),
                }),
                None => Err(NoUndo::NoImageBefore {
                    node_type: r.node_type.clone(),
                }),
            }
        }
        Change::Pin(_) => Err(NoUndo::Pin),
    }
}

/// Why a change has no undo ([`undo_of`]). The text is what the audit log and the dialogs
/// show; a change or name that cannot be read gives its error as `source()`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum NoUndo {
    /// The label edit's hosts cannot be read in the snapshot before.
    #[error("{0}")]
    Change(#[from] ChangeError),
    /// The rotated node type is not in the snapshot before.
    #[error("{0}")]
    NodeType(#[from] crate::fleet::names::NameError),
    /// The node type already pointed at the rotation's OSImage.
    #[error("node type {node_type} already pointed at OSImage {image}")]
    SameImage {
        /// The node type as the rotation names it.
        node_type: String,
        /// The OSImage it points at.
        image: String,
    },
    /// The node type pointed at no OSImage, so there is nothing to point back at.
    #[error("node type {node_type} pointed at no OSImage before")]
    NoImageBefore {
        /// The node type as the rotation names it.
        node_type: String,
    },
    /// A pin: undone by removing the server name from the claim or deleting the claim it
    /// created, which gpufleet does not write.
    #[error(
        "a pin is undone by removing {} from the claim, or deleting the claim it created, \
         which gpufleet does not write",
        keys::SERVER_NAME
    )]
    Pin,
}

/// What a change does, computed without writing anything. Deterministic: every list is
/// in a fixed order.
pub fn impact(fleet: &Fleet, change: &Change) -> Result<Impact, ChangeError> {
    let plan = match change {
        Change::Label(edit) => label::plan(fleet, std::slice::from_ref(edit))?,
        Change::Labels(edits) => label::plan(fleet, edits)?,
        Change::Pin(pin) => pin::plan(fleet, pin)?,
        Change::Rotate(rotation) => rotate::plan(fleet, rotation)?,
    };
    Ok(finish(fleet, change, plan))
}

/// What a change-specific planner hands to the common diff.
struct Plan<'a> {
    overlay: Overlay<'a>,
    /// Hosts to report even if the overlay leaves them as they are.
    targets: Vec<HostId>,
    /// Claims the planner has already judged (pin and rotation).
    claims: Vec<ClaimImpact>,
    /// Claims the common pass must not judge again.
    judged: BTreeSet<ClaimId>,
    host_effect: fn(&Fleet, &Overlay, HostId) -> HostEffect,
    objects: Vec<ObjectVersion>,
    warnings: Vec<String>,
    /// Lints of objects outside the fleet (a new OSImage).
    extra_lints_after: Vec<Lint>,
    /// What the change puts to use, whose lints matter after it.
    relies_on: ReliesOn,
}

/// Objects a change puts to use: their lints matter once it is written.
#[derive(Default)]
struct ReliesOn {
    hosts: Vec<HostId>,
    types: Vec<NodeTypeId>,
    images: Vec<String>,
}

impl<'a> Plan<'a> {
    fn new(fleet: &'a Fleet, host_effect: fn(&Fleet, &Overlay, HostId) -> HostEffect) -> Self {
        Plan {
            overlay: Overlay::new(fleet),
            targets: Vec::new(),
            claims: Vec::new(),
            judged: BTreeSet::new(),
            host_effect,
            objects: Vec::new(),
            warnings: Vec::new(),
            extra_lints_after: Vec::new(),
            relies_on: ReliesOn::default(),
        }
    }
}

fn type_names(fleet: &Fleet, ts: &[NodeTypeId]) -> Vec<String> {
    ts.iter()
        .map(|&t| fleet.node_type(t).name.clone())
        .collect()
}

fn holder_name(fleet: &Fleet, holder: Option<&Holder>) -> Option<String> {
    match holder? {
        Holder::Claim(c) => Some(fleet.claim(*c).key()),
        Holder::Unknown(k) => Some(k.clone()),
        ambiguous @ Holder::Ambiguous(_) => Some(ambiguous.describe(fleet)),
    }
}

fn finish(fleet: &Fleet, change: &Change, plan: Plan) -> Impact {
    let overlay = &plan.overlay;
    let mut hosts_in_scope: BTreeSet<HostId> = plan.targets.iter().copied().collect();
    hosts_in_scope.extend(overlay.touched_hosts());

    let hosts = hosts_in_scope
        .iter()
        .map(|&h| host_impact(fleet, overlay, h, (plan.host_effect)(fleet, overlay, h)))
        .collect();

    let touched_types = overlay.touched_types();
    let node_types: Vec<NodeTypeImpact> = touched_types
        .iter()
        .filter_map(|&t| node_type_impact(fleet, overlay, t, &hosts_in_scope))
        .collect();

    let mut claims = plan.claims.clone();
    claims.extend(held_claims_unaffected(
        fleet,
        overlay,
        &hosts_in_scope,
        &plan.judged,
    ));
    claims.extend(waiting_claims(
        fleet,
        overlay,
        &touched_types,
        &hosts_in_scope,
        &plan.judged,
    ));
    claims
        .sort_by(|a, b| (&a.namespace, &a.name, a.effect).cmp(&(&b.namespace, &b.name, b.effect)));

    let tenants = tenant_impacts(fleet, overlay, &hosts_in_scope);

    // Only hosts whose labels or holder change can change a host or domain lint.
    let touched_hosts: BTreeSet<HostId> = overlay.touched_hosts().collect();
    let scope = LintScope {
        hosts: &touched_hosts,
        types: &touched_types,
    };
    let before = scope.lints(fleet);
    let mut after = scope.lints(overlay);
    after.extend(plan.extra_lints_after.iter().cloned());
    let keys_before: BTreeSet<_> = before.iter().map(Lint::key).collect();
    let keys_after: BTreeSet<_> = after.iter().map(Lint::key).collect();
    let mut lints_introduced: Vec<Lint> = after
        .iter()
        .filter(|l| !keys_before.contains(&l.key()))
        .cloned()
        .collect();
    let mut lints_resolved: Vec<Lint> = before
        .iter()
        .filter(|l| !keys_after.contains(&l.key()))
        .cloned()
        .collect();
    lints_introduced.sort();
    lints_introduced.dedup();
    lints_resolved.sort();
    lints_resolved.dedup();
    let lints_that_matter = lints_that_matter(fleet, &plan, &node_types);

    Impact {
        change: change.to_string(),
        objects: plan.objects,
        hosts,
        node_types,
        claims,
        tenants,
        lints_introduced,
        lints_resolved,
        lints_that_matter,
        warnings: plan.warnings,
        fleet_spans_clusters: fleet.hosts_span_clusters(),
    }
}

/// Lints that were there before, on what the change puts to use (the planner's
/// [`ReliesOn`], and the node types that gain available hosts), as the fleet has them after
/// the change. Lints about capacity (`node-type-no-eligible-host`) are left out: a change
/// does not rely on them.
fn lints_that_matter(fleet: &Fleet, plan: &Plan, node_types: &[NodeTypeImpact]) -> Vec<Lint> {
    let overlay = &plan.overlay;
    let relied = &plan.relies_on;
    let mut types: BTreeSet<NodeTypeId> = relied.types.iter().copied().collect();
    types.extend(
        node_types
            .iter()
            .filter(|n| n.available_after > n.available_before)
            .filter_map(|n| fleet.types_named(&n.name).first().copied()),
    );
    let mut images: BTreeSet<String> = relied.images.iter().cloned().collect();
    images.extend(types.iter().filter_map(|&t| type_os_image(overlay, t)));
    let collect = |view: &dyn FleetView| {
        let mut out = Vec::new();
        for &h in &relied.hosts {
            lints::host_lints(view, h, &mut out);
        }
        for &t in &types {
            lints::node_type_lints(view, t, &mut out);
        }
        for name in &images {
            if let Some(image) = view.os_image(name) {
                lints::os_image_lints(image, &mut out);
            }
        }
        out.retain(|l: &Lint| l.id != lints::LintId::NodeTypeNoEligibleHost);
        out
    };
    let before: BTreeSet<(lints::LintId, String)> = collect(fleet)
        .into_iter()
        .map(|l| (l.id, l.subject))
        .collect();
    let mut out: Vec<Lint> = collect(overlay)
        .into_iter()
        .filter(|l| before.contains(&(l.id, l.subject.clone())))
        .collect();
    out.sort();
    out.dedup();
    out
}

impl ClaimImpact {
    /// The claim's host as people read it: `cluster/name` when `with_cluster` (pass
    /// [`Impact::hosts_span_clusters`]) and the host has one, else the bare name.
    pub fn shown_host(&self, with_cluster: bool) -> Option<String> {
        let cluster = self.cluster.as_deref().unwrap_or("");
        self.host
            .as_deref()
            .map(|h| crate::fleet::key::shown_name(cluster, h, with_cluster))
    }
}

impl HostImpact {
    /// The host as people read it: `cluster/name` when `with_cluster` (pass
    /// [`Impact::hosts_span_clusters`]: names repeat across clusters) and the host has one,
    /// else the bare `name`.
    pub fn shown_name(&self, with_cluster: bool) -> String {
        let cluster = self.cluster.as_deref().unwrap_or("");
        crate::fleet::key::shown_name(cluster, &self.name, with_cluster)
    }
}

fn host_impact(fleet: &Fleet, overlay: &Overlay, h: HostId, effect: HostEffect) -> HostImpact {
    let host = fleet.host(h);
    let (before, after) = (fleet.labels(h), overlay.labels(h));
    let labels_set = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let labels_removed = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    let (db, da) = (fleet.derived(h), overlay.derived(h));
    HostImpact {
        name: host.name.clone(),
        namespace: host.namespace.clone(),
        cluster: (!host.cluster.is_empty()).then(|| host.cluster.clone()),
        claimed_by: holder_name(fleet, overlay.holder(h)),
        state: host.state.label(),
        deleting_since: host.state.deleting_since.clone(),
        effect,
        labels_set,
        labels_removed,
        node_types_before: type_names(fleet, &db.matches),
        node_types_after: type_names(fleet, &da.matches),
        eligible_before: type_names(fleet, &db.eligible),
        eligible_after: type_names(fleet, &da.eligible),
        gpus: da.gpus,
    }
}

fn node_type_impact(
    fleet: &Fleet,
    overlay: &Overlay,
    t: NodeTypeId,
    hosts: &BTreeSet<HostId>,
) -> Option<NodeTypeImpact> {
    let mut gained = Vec::new();
    let mut lost = Vec::new();
    for &h in hosts {
        let before = fleet.derived(h).eligible.contains(&t);
        let after = overlay.derived(h).eligible.contains(&t);
        if after && !before {
            gained.push(fleet.host(h).name.clone());
        } else if before && !after {
            lost.push(fleet.host(h).name.clone());
        }
    }
    let (image_before, image_after) = (type_os_image(fleet, t), type_os_image(overlay, t));
    let image_changes = image_before != image_after;
    let (available_before, available_after) = (fleet.available(t), overlay.available(t));
    if gained.is_empty() && lost.is_empty() && available_before == available_after && !image_changes
    {
        return None;
    }
    Some(NodeTypeImpact {
        name: fleet.node_type(t).name.clone(),
        available_before,
        available_after,
        gained,
        lost,
        os_image_before: image_changes.then_some(image_before).flatten(),
        os_image_after: image_changes.then_some(image_after).flatten(),
        cluster: fleet.node_type(t).cluster.clone(),
    })
}

/// Base fields of a claim's line in the impact.
fn claim_line(fleet: &Fleet, view: &dyn FleetView, c: ClaimId, effect: ClaimEffect) -> ClaimImpact {
    let claim = fleet.claim(c);
    let host = claim.host.map(|h| fleet.host(h));
    ClaimImpact {
        namespace: claim.namespace.clone(),
        name: claim.name.clone(),
        tenant: claim.tenant.clone(),
        node_type: claim.node_type.map(|t| fleet.node_type(t).name.clone()),
        host: host.map(|h| h.name.clone()),
        cluster: host.and_then(|h| (!h.cluster.is_empty()).then(|| h.cluster.clone())),
        rack: host.and_then(|h| h.label(keys::RACK)).map(str::to_string),
        gpus: claim.host.map(|h| view.derived(h).gpus).unwrap_or_else(|| {
            claim
                .node_type
                .map(|t| fleet.node_type(t).gpus)
                .unwrap_or(0)
        }),
        effect,
        reason: None,
        candidates_before: None,
        candidates_after: None,
    }
}

/// Claims that hold a host whose labels change: the guide says nothing happens to them.
fn held_claims_unaffected(
    fleet: &Fleet,
    overlay: &Overlay,
    hosts: &BTreeSet<HostId>,
    judged: &BTreeSet<ClaimId>,
) -> Vec<ClaimImpact> {
    hosts
        .iter()
        .filter(|&&h| fleet.labels(h) != overlay.labels(h))
        .filter_map(|&h| match fleet.holder(h) {
            Some(Holder::Claim(c)) if !judged.contains(c) => {
                let mut line = claim_line(fleet, overlay, *c, ClaimEffect::UnaffectedUntilDeleted);
                line.reason = Some(
                    "labels are read only when a new Machine is claimed; no effect until this one is deleted"
                        .into(),
                );
                Some(line)
            }
            _ => None,
        })
        .collect()
}

/// Waiting claims whose candidate servers change.
fn waiting_claims(
    fleet: &Fleet,
    overlay: &Overlay,
    touched_types: &[NodeTypeId],
    hosts: &BTreeSet<HostId>,
    judged: &BTreeSet<ClaimId>,
) -> Vec<ClaimImpact> {
    let changed: BTreeSet<NodeTypeId> = touched_types
        .iter()
        .copied()
        .filter(|&t| {
            fleet.available(t) != overlay.available(t)
                || fleet.type_properties(t) != overlay.type_properties(t)
        })
        .collect();
    if changed.is_empty() {
        return Vec::new();
    }
    let host_names: BTreeSet<&str> = hosts.iter().map(|&h| fleet.host(h).name.as_str()).collect();
    // An unbound claim's type depends on which types have capacity at all.
    let unbound_may_change = changed.iter().any(|&t| {
        (fleet.available(t) == 0) != (overlay.available(t) == 0)
            || fleet.type_properties(t) != overlay.type_properties(t)
    });
    let mut out = Vec::new();
    for c in fleet.claim_ids() {
        let claim = fleet.claim(c);
        if claim.stage != ClaimStage::Pending || judged.contains(&c) {
            continue;
        }
        let relevant = match (&claim.pin, claim.node_type) {
            (Some(server), t) => {
                host_names.contains(server.as_str()) || t.is_some_and(|t| changed.contains(&t))
            }
            (None, Some(t)) => changed.contains(&t),
            (None, None) => unbound_may_change,
        };
        if !relevant {
            continue;
        }
        let (before, after) = (claim_candidates(fleet, c), claim_candidates(overlay, c));
        let effect = match (before, after) {
            (0, a) if a > 0 => ClaimEffect::BecomesSchedulable,
            (b, 0) if b > 0 => ClaimEffect::LosesLastCandidate,
            (b, a) if a < b => ClaimEffect::LosesACandidate,
            _ => continue,
        };
        let mut line = claim_line(fleet, overlay, c, effect);
        line.candidates_before = Some(before);
        line.candidates_after = Some(after);
        out.push(line);
    }
    out
}

fn tenant_impacts(fleet: &Fleet, overlay: &Overlay, hosts: &BTreeSet<HostId>) -> Vec<TenantImpact> {
    let before = fleet.tenant_gpus();
    let mut after: TenantGpus = before.clone();
    for &h in hosts {
        after.add(&host_share(fleet, h), -1);
        after.add(&host_share(overlay, h), 1);
    }
    let mut names: BTreeSet<&str> = fleet.groups().tenants.keys().map(String::as_str).collect();
    names.extend(
        hosts
            .iter()
            .filter_map(|&h| Fleet::host_tenant(overlay.labels(h))),
    );
    names
        .into_iter()
        .map(|name| TenantImpact {
            name: name.to_string(),
            reserved_gpus_before: before.reserved(name),
            reserved_gpus_after: after.reserved(name),
            eligible_gpus_before: before.eligible(name),
            eligible_gpus_after: after.eligible(name),
        })
        .filter(|t| {
            t.reserved_gpus_before != t.reserved_gpus_after
                || t.eligible_gpus_before != t.eligible_gpus_after
        })
        .collect()
}

/// The part of the fleet whose lints a change can alter.
struct LintScope<'s> {
    hosts: &'s BTreeSet<HostId>,
    types: &'s [NodeTypeId],
}

impl LintScope<'_> {
    fn lints<V: FleetView + ?Sized>(&self, view: &V) -> Vec<Lint> {
        let fleet = view.fleet();
        let mut out = Vec::new();
        for &h in self.hosts {
            lints::host_lints(view, h, &mut out);
        }
        for &t in self.types {
            lints::node_type_lints(view, t, &mut out);
        }
        // Domains the touched hosts were in or move to, with their members as the view has them.
        // A domain is its label within the host's cluster: the same label elsewhere is another.
        let mut touched_by_domain: BTreeMap<DomainKey, Vec<HostId>> = BTreeMap::new();
        for &h in self.hosts {
            let key = |d: &String| DomainKey {
                cluster: fleet.host(h).cluster.clone(),
                domain: d.clone(),
            };
            if let Some(d) = fleet.labels(h).get(keys::NVLINK_DOMAIN) {
                touched_by_domain.entry(key(d)).or_default();
            }
            if let Some(d) = view.labels(h).get(keys::NVLINK_DOMAIN) {
                touched_by_domain.entry(key(d)).or_default().push(h);
            }
        }
        for (domain, touched_members) in &touched_by_domain {
            let mut members: Vec<HostId> = fleet
                .groups()
                .nvlink_domains
                .get(domain)
                .into_iter()
                .flatten()
                .copied()
                .filter(|h| !self.hosts.contains(h))
                .chain(touched_members.iter().copied())
                .collect();
            members.sort();
            lints::nvlink_domain_lints(view, domain, &members, &mut out);
        }
        out
    }
}
