//! Writes from the dashboard, with the simulator as the API server and the platform behind
//! it. A change is first turned into the objects it writes ([`plan_write`], a pure function of
//! the snapshot the preview saw), then checked against the simulator's objects — each one
//! must still have the resourceVersion the preview saw — and applied all at once or not at all.

use super::Simulator;
use super::diff::changed_fields;
use super::store::{identity, meta};
use crate::fleet::{Fleet, FleetObject, FleetView, HostKey};
use crate::impact::pin::new_pinned_claim;
use crate::impact::{Change, LabelEdit, PinChange, PinTarget, Rotation, impact, new_os_image};
use crate::model::claim::{ClaimPhase, NodeClaimStatus};
use crate::model::{Manifest, NodeType, keys};
use crate::write::{WriteError, WriteMode, WriteReport, WrittenObject};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A change as the objects it writes, computed from the snapshot its preview saw.
#[derive(Clone, Debug)]
pub struct WritePlan {
    writes: Vec<PlannedWrite>,
}

#[derive(Clone, Debug)]
struct PlannedWrite {
    /// The object as the preview saw it (its resourceVersion is the precondition); `None`
    /// when the write creates it.
    seen: Option<FleetObject>,
    after: FleetObject,
}

impl WritePlan {
    /// The Metal3 clusters the plan writes to: its hosts'. A pin or a rotation writes only
    /// the platform's objects and names none.
    pub fn metal3_clusters(&self) -> BTreeSet<&str> {
        self.writes
            .iter()
            .map(|w| w.after.cluster())
            .filter(|c| !c.is_empty())
            .collect()
    }
}

fn invalid(e: impl std::fmt::Display) -> WriteError {
    WriteError::Invalid {
        message: e.to_string(),
    }
}

/// Turns a change into the objects it writes, after validating it with [`impact`] exactly as
/// the preview does. Only what the change touches is written: the edited label keys, the pin
/// property, a new OSImage and the node type's `vcluster.com/os-image`.
pub fn plan_write(fleet: &Fleet, change: &Change) -> Result<WritePlan, WriteError> {
    impact(fleet, change).map_err(invalid)?;
    let writes = match change {
        Change::Label(edit) => label_writes(fleet, std::slice::from_ref(edit))?,
        Change::Labels(edits) => label_writes(fleet, edits)?,
        Change::Pin(pin) => vec![pin_write(fleet, pin)?],
        Change::Rotate(rotation) => rotation_writes(fleet, rotation)?,
    };
    Ok(WritePlan { writes })
}

/// The hosts whose labels the edits change, each with its final labels.
fn label_writes(fleet: &Fleet, edits: &[LabelEdit]) -> Result<Vec<PlannedWrite>, WriteError> {
    let relabelled = crate::impact::label::relabel(fleet, edits).map_err(invalid)?;
    Ok(relabelled
        .into_iter()
        .filter(|(h, after)| after != fleet.labels(*h))
        .map(|(h, labels)| {
            let seen = &fleet.host(h).object;
            let mut after = (**seen).clone();
            after.metadata.labels = Some(labels);
            PlannedWrite {
                seen: Some(FleetObject::Host(seen.clone())),
                after: after.into(),
            }
        })
        .collect())
}

fn pin_write(fleet: &Fleet, pin: &PinChange) -> Result<PlannedWrite, WriteError> {
    let h = fleet.resolve_host(&pin.server).map_err(invalid)?;
    let server = fleet.host(h).name.clone();
    match &pin.target {
        PinTarget::Existing { namespace, name } => {
            let seen = fleet
                .objects()
                .claims
                .get(&(namespace.clone(), name.clone()))
                .ok_or_else(|| WriteError::NotFound {
                    kind: "NodeClaim".into(),
                    name: format!("{namespace}/{name}"),
                })?;
            let mut after = (**seen).clone();
            after
                .spec
                .properties
                .insert(keys::SERVER_NAME.into(), server);
            Ok(PlannedWrite {
                seen: Some(FleetObject::Claim(seen.clone())),
                after: after.into(),
            })
        }
        PinTarget::New { vcluster, project } => {
            let mut claim = new_pinned_claim(fleet, pin, vcluster, project).map_err(invalid)?;
            claim.status = Some(NodeClaimStatus::waiting());
            Ok(PlannedWrite {
                seen: None,
                after: claim.into(),
            })
        }
    }
}

/// A new OSImage first (never an edit of an existing one: [`impact`] refuses that), then the
/// node type entry in its NodeProvider pointed at it (guide, "Rotating OS images").
fn rotation_writes(fleet: &Fleet, rotation: &Rotation) -> Result<Vec<PlannedWrite>, WriteError> {
    let t = fleet
        .resolve_node_type(&rotation.node_type)
        .map_err(invalid)?;
    let info = fleet.node_type(t);
    let mut writes = Vec::new();
    if let Some(new) = &rotation.new_image
        && fleet.os_image(&rotation.image).is_none()
    {
        writes.push(PlannedWrite {
            seen: None,
            after: new_os_image(&rotation.image, new).into(),
        });
    }
    let seen = fleet
        .objects()
        .providers
        .get(&info.provider)
        .ok_or_else(|| WriteError::NotFound {
            kind: "NodeProvider".into(),
            name: info.provider.clone(),
        })?;
    let mut after = (**seen).clone();
    let entry = after
        .spec
        .metal3
        .as_mut()
        .and_then(|m| m.node_types.iter_mut().find(|e| e.name == info.short_name))
        .ok_or_else(|| {
            invalid(format!(
                "NodeProvider {} has no nodeTypes[] entry {}",
                info.provider, info.short_name
            ))
        })?;
    if entry.properties.get(keys::OS_IMAGE) != Some(&rotation.image) {
        entry
            .properties
            .insert(keys::OS_IMAGE.into(), rotation.image.clone());
        writes.push(PlannedWrite {
            seen: Some(FleetObject::Provider(seen.clone())),
            after: after.into(),
        });
    }
    Ok(writes)
}

fn to_json(object: &FleetObject) -> Value {
    match object {
        FleetObject::Host(o) => o.to_manifest(),
        FleetObject::Provider(o) => o.to_manifest(),
        FleetObject::NodeType(o) => o.to_manifest(),
        FleetObject::Claim(o) => o.to_manifest(),
        FleetObject::OsImage(o) => o.to_manifest(),
        FleetObject::Machine(o) => o.to_manifest(),
        FleetObject::HardwareData(o) => o.to_manifest(),
    }
}

fn version(object: &FleetObject) -> Option<String> {
    meta(object).resource_version.clone()
}

impl Simulator {
    /// Validates a change against the snapshot `fleet` its preview was computed from, checks
    /// that every object it writes is unchanged since, and applies it (or, in a dry run, only
    /// answers as a commit would). Nothing is written unless everything can be.
    pub fn write(
        &mut self,
        fleet: &Fleet,
        change: &Change,
        mode: WriteMode,
    ) -> Result<WriteReport, WriteError> {
        let plan = plan_write(fleet, change)?;
        self.apply_plan(&plan, mode)
    }

    /// Takes a Metal3 cluster's API server down (`Some((cluster, reason))`): every write to
    /// its hosts fails as unreachable with `reason`, while the other clusters and the
    /// platform's objects still take writes; `None` brings it back.
    pub fn set_outage(&mut self, outage: Option<(String, String)>) {
        self.outage = outage;
    }

    /// Checks a planned write's preconditions, then commits it or, in a dry run, changes
    /// nothing. The events of a commit come with the next [`Simulator::take_events`]. A
    /// write to the hosts of a cluster that is down fails as unreachable.
    pub fn apply_plan(
        &mut self,
        plan: &WritePlan,
        mode: WriteMode,
    ) -> Result<WriteReport, WriteError> {
        if let Some((down, reason)) = &self.outage
            && plan.metal3_clusters().contains(down.as_str())
        {
            // The cluster's API server does not answer: nothing is written, a dry run included.
            return Err(WriteError::Unreachable {
                message: format!("Metal3 cluster {down}: {reason}"),
            });
        }
        for write in &plan.writes {
            self.check(write)?;
        }
        let mut objects = Vec::new();
        for write in &plan.writes {
            let (
                kind,
                HostKey {
                    cluster,
                    namespace,
                    name,
                },
            ) = identity(&write.after);
            let before = write.seen.as_ref().and_then(version);
            let after = match mode {
                WriteMode::DryRun => before.clone(),
                WriteMode::Commit => Some(self.commit(write)),
            };
            objects.push(WrittenObject {
                kind: kind.to_string(),
                cluster: (!cluster.is_empty()).then_some(cluster),
                namespace: (!namespace.is_empty()).then_some(namespace),
                name,
                context: None,
                resource_version_before: before,
                resource_version_after: after,
            });
        }
        Ok(WriteReport { mode, objects })
    }

    /// The precondition: a created object must not exist yet; any other must still have the
    /// resourceVersion the preview saw.
    fn check(&self, write: &PlannedWrite) -> Result<(), WriteError> {
        let id = identity(&write.after);
        let (kind, key) = &id;
        let shown = if key.namespace.is_empty() {
            key.name.clone()
        } else {
            key.to_string()
        };
        let current = self.store.get(&id);
        match (&write.seen, current) {
            (None, None) => Ok(()),
            (None, Some(current)) => Err(WriteError::Conflict {
                kind: kind.to_string(),
                name: shown,
                what_changed: format!(
                    "it was created since the preview (resourceVersion {})",
                    version(&current).unwrap_or_default()
                ),
            }),
            (Some(_), None) => Err(WriteError::NotFound {
                kind: kind.to_string(),
                name: shown,
            }),
            (Some(seen), Some(current)) => {
                let (was, is) = (version(seen), version(&current));
                if was.is_some() && was == is {
                    return Ok(());
                }
                Err(WriteError::Conflict {
                    kind: kind.to_string(),
                    name: shown,
                    what_changed: format!(
                        "resourceVersion {} is now {}; changed: {}",
                        was.as_deref().unwrap_or("(none)"),
                        is.as_deref().unwrap_or("(none)"),
                        changed_fields(&to_json(seen), &to_json(&current))
                    ),
                })
            }
        }
    }

    /// Stores one planned object and does what the platform does about it.
    fn commit(&mut self, write: &PlannedWrite) -> String {
        let mut object = write.after.clone();
        if let (FleetObject::Claim(claim), None) = (&mut object, &write.seen) {
            Arc::make_mut(claim).metadata.creation_timestamp = self.timestamp();
        }
        let version = self.store.put(object.clone());
        match &object {
            FleetObject::Claim(claim) => {
                let placed = claim
                    .metadata
                    .annotations
                    .as_ref()
                    .is_some_and(|a| a.contains_key(keys::CLAIM_CLAIMED_NODE));
                let phase = claim.status.as_ref().and_then(NodeClaimStatus::phase);
                if !placed && phase == Some(ClaimPhase::Pending) {
                    let (_, key) = identity(&object);
                    self.controller.enqueue((key.namespace, key.name));
                }
            }
            FleetObject::Provider(provider) => {
                self.regenerate_node_types(provider);
                self.controller.drift_scan_due = true;
            }
            _ => {}
        }
        version
    }

    /// The platform regenerates each NodeType from its NodeProvider entry.
    fn regenerate_node_types(&mut self, provider: &crate::model::NodeProvider) {
        let provider_name = provider.metadata.name.clone().unwrap_or_default();
        let entries = provider
            .spec
            .metal3
            .iter()
            .flat_map(|m| m.node_types.iter());
        let mut updated: Vec<NodeType> = Vec::new();
        for entry in entries {
            let name = format!("{provider_name}.{}", entry.name);
            if let Some(resource) = self.store.objects().node_types.get(&name)
                && resource.spec.properties != entry.properties
            {
                let mut resource = (**resource).clone();
                resource.spec.properties = entry.properties.clone();
                updated.push(resource);
            }
        }
        for resource in updated {
            self.store.put(resource.into());
        }
    }
}
