//! The platform's controller: one pass now and then (at most every `reconcile_interval`, and
//! only when something changed and there is work) rebuilds the fleet snapshot once, places
//! waiting claims by the engine's rules, and rolls drifted claims over a few at a time.

use super::Simulator;
use super::hosts::AfterCleaning;
use crate::fleet::rules::{
    DesiredImage, Drift, Placement, claim_drift, desired_image_for, place_claim,
};
use crate::fleet::{ClaimId, ClaimStage, Fleet, FleetView, Holder, HostId, NodeTypeId, ObjectKey};
use crate::impact::Overlay;
use crate::model::claim::{
    ClaimPhase, IMAGE_UNAVAILABLE, NOT_DRIFTED, PIN_FAILED, ROLLING_OVER, SCHEDULED,
};
use crate::model::provider::NodeTypeStatus;
use crate::model::{HostImage, NodeType, keys};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

/// When no drift is queued, the controller looks again this often, as a controller's resync.
const DRIFT_RESYNC: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub(super) struct Controller {
    /// Claims waiting for a server, oldest first. May hold claims deleted since.
    pending: VecDeque<ObjectKey>,
    /// Claims being rolled over now.
    pub(super) rolling: BTreeSet<ObjectKey>,
    /// Drifted claims, in the order they will be rolled over.
    drift_queue: VecDeque<ObjectKey>,
    /// A rotation changed what claims should run: look for drift at the next pass.
    pub(super) drift_scan_due: bool,
    last_drift_scan: Option<Duration>,
    next_pass: Duration,
}

impl Controller {
    pub(super) fn enqueue(&mut self, claim: ObjectKey) {
        if !self.pending.contains(&claim) {
            self.pending.push_back(claim);
        }
    }

    pub(super) fn forget(&mut self, claim: &ObjectKey) {
        self.pending.retain(|c| c != claim);
        self.rolling.remove(claim);
    }
}

fn key_of(fleet: &Fleet, c: ClaimId) -> ObjectKey {
    let claim = fleet.claim(c);
    (claim.namespace.clone(), claim.name.clone())
}

/// What Ironic is told to write: the OSImage's URL, checksum and checksum type.
fn host_image(view: &dyn FleetView, desired: &DesiredImage) -> HostImage {
    let checksum_type = desired
        .os_image
        .as_deref()
        .and_then(|name| view.os_image(name))
        .and_then(|image| image.checksum_type())
        .map(str::to_string);
    let format = match desired.url.rsplit('.').next() {
        Some("qcow2") => Some("qcow2"),
        Some("raw" | "img") => Some("raw"),
        Some("iso") => Some("live-iso"),
        _ => None,
    };
    HostImage {
        url: desired.url.clone(),
        checksum: desired.checksum.clone(),
        checksum_type,
        format: format.map(str::to_string),
    }
}

impl Simulator {
    /// One controller pass, when one is due and has something to do.
    pub(super) fn reconcile(&mut self) {
        let c = &self.controller;
        if self.now < c.next_pass || !self.store.changed() {
            return;
        }
        let rescan = c.drift_scan_due
            || (c.drift_queue.is_empty()
                && c.last_drift_scan
                    .is_none_or(|last| self.now >= last.saturating_add(DRIFT_RESYNC)));
        let room = c.rolling.len() < self.config.rollover_parallel && !c.drift_queue.is_empty();
        if c.pending.is_empty() && !rescan && !room {
            return;
        }
        self.store.take_changed();
        self.controller.next_pass = self.now.saturating_add(self.config.reconcile_interval);
        let fleet = Fleet::build(self.store.objects().clone());
        let mut overlay = Overlay::new(&fleet);
        let placed = self.place_pending(&fleet, &mut overlay);
        if rescan {
            self.scan_drift(&fleet);
        }
        self.start_rollovers(&fleet);
        self.sync_node_types(&fleet, &overlay, &placed);
    }

    /// Places each waiting claim, oldest first. The overlay carries the servers handed out
    /// in this pass, so two claims never get the same one.
    fn place_pending(&mut self, fleet: &Fleet, overlay: &mut Overlay) -> BTreeMap<NodeTypeId, u32> {
        let mut placed = BTreeMap::new();
        let mut waiting = VecDeque::new();
        for key in std::mem::take(&mut self.controller.pending) {
            let Some(c) = fleet.claim_by_key(&key.0, &key.1) else {
                continue;
            };
            if fleet.claim(c).stage != ClaimStage::Pending {
                continue;
            }
            match place_claim(&*overlay, c) {
                Placement::Server { node_type, host } => {
                    if self.assign(fleet, overlay, c, node_type, host) {
                        *placed.entry(node_type).or_default() += 1;
                    }
                }
                Placement::Waiting { .. } => waiting.push_back(key),
                Placement::PinFailed { failure, .. } => {
                    let message = format!(
                        "provisioning failed: {failure}; the platform does not fall back to \
                         another server"
                    );
                    self.claim_failed(&key, PIN_FAILED, &message);
                }
                Placement::ImageUnavailable { problem, .. } => {
                    let message = format!("failed to get OSImage: {problem}");
                    self.claim_failed(&key, IMAGE_UNAVAILABLE, &message);
                }
            }
        }
        waiting.append(&mut self.controller.pending);
        self.controller.pending = waiting;
        placed
    }

    /// Claims server `h` for claim `c` as a claim of node type `t`: the claim records its
    /// type and server, the host gets the platform's labels and the type's image.
    fn assign(
        &mut self,
        fleet: &Fleet,
        overlay: &mut Overlay,
        c: ClaimId,
        t: NodeTypeId,
        h: HostId,
    ) -> bool {
        let key = key_of(fleet, c);
        // `place_claim` checked the image already; this resolves it for Ironic.
        let Ok(desired) = desired_image_for(&*overlay, c, t) else {
            return false;
        };
        let image = host_image(&*overlay, &desired);
        let claim = fleet.claim(c);
        let host = fleet.host(h);
        let host_key = host.key();
        let mut labels = overlay.labels(h).clone();
        labels.insert(keys::HOST_NODE_CLAIM.into(), claim.name.clone());
        labels.insert(keys::HOST_PROJECT.into(), claim.tenant.clone());
        overlay.set_host(h, labels.clone(), Some(Holder::Claim(c)));
        let type_name = fleet.node_type(t).name.clone();
        let host_name = host.name.clone();
        let at = self.timestamp_text();
        self.update_claim(&key, |object| {
            // The platform records the type it chose for an unbound claim [INFERRED].
            object.spec.type_ref.get_or_insert(type_name);
            object
                .metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert(keys::CLAIM_CLAIMED_NODE.into(), host_name);
            let status = object.status.get_or_insert_with(Default::default);
            super::claims::set_condition(&mut status.conditions, SCHEDULED, true, None, at);
        });
        self.update_host(&host_key, |object| object.metadata.labels = Some(labels));
        self.begin_provisioning(&host_key, image);
        true
    }

    /// Every available claim that runs another image than its node type wants.
    fn scan_drift(&mut self, fleet: &Fleet) {
        let rolling = &self.controller.rolling;
        self.controller.drift_queue = fleet
            .claim_ids()
            .filter(|&c| fleet.claim(c).stage == ClaimStage::Available)
            .filter(|&c| claim_drift(fleet, c).is_drifted())
            .map(|c| key_of(fleet, c))
            .filter(|k| !rolling.contains(k))
            .collect();
        self.controller.drift_scan_due = false;
        self.controller.last_drift_scan = Some(self.now);
    }

    /// Starts rolling drifted claims over until `rollover_parallel` are under way: clean
    /// the server, then provision it again with the image the node type now wants.
    fn start_rollovers(&mut self, fleet: &Fleet) {
        while self.controller.rolling.len() < self.config.rollover_parallel {
            let Some(key) = self.controller.drift_queue.pop_front() else {
                return;
            };
            let Some(c) = fleet.claim_by_key(&key.0, &key.1) else {
                continue;
            };
            let claim = fleet.claim(c);
            let (Some(h), Some(t)) = (claim.host, claim.node_type) else {
                continue;
            };
            if claim.stage != ClaimStage::Available || fleet.host(h).state.is_error() {
                continue;
            }
            let Drift::Drifted { desired, .. } = claim_drift(fleet, c) else {
                continue;
            };
            let host = fleet.host(h);
            let host_key = host.key();
            let wanted = desired
                .os_image
                .clone()
                .unwrap_or_else(|| desired.url.clone());
            let message = format!(
                "drifted from node type {}: re-provisioning {} with {wanted}",
                fleet.node_type(t).name,
                host.name
            );
            let at = self.timestamp_text();
            self.update_claim(&key, |object| {
                let status = object.status.get_or_insert_with(Default::default);
                status.set_phase(ClaimPhase::Pending);
                status.reason = Some(ROLLING_OVER.into());
                status.message = Some(message);
                super::claims::set_condition(
                    &mut status.conditions,
                    NOT_DRIFTED,
                    false,
                    Some(ROLLING_OVER),
                    at,
                );
            });
            let image = host_image(fleet, &desired);
            self.begin_deprovisioning(
                &host_key,
                AfterCleaning::Reprovision {
                    claim: key.clone(),
                    image,
                },
            );
            self.controller.rolling.insert(key);
        }
    }

    /// The generated NodeTypes' phase and capacity, as the platform keeps them current.
    fn sync_node_types(
        &mut self,
        fleet: &Fleet,
        overlay: &Overlay,
        placed: &BTreeMap<NodeTypeId, u32>,
    ) {
        for t in fleet.node_type_ids() {
            let info = fleet.node_type(t);
            let Some(resource) = &info.resource else {
                continue;
            };
            let available = overlay.available(t);
            let status = NodeTypeStatus::current(
                info.cost,
                fleet.type_hosts(t).len(),
                available,
                fleet.held_count(t) + placed.get(&t).copied().unwrap_or(0),
            );
            if resource.status.as_ref() != Some(&status) {
                let mut updated: NodeType = (**resource).clone();
                updated.status = Some(status);
                self.store.put(updated.into());
            }
        }
    }
}
