//! BareMetalHosts as Metal3 moves them: registering → inspecting → preparing → available →
//! provisioning → provisioned → deprovisioning → available, each transient state lasting
//! seconds instead of minutes. Now and then a state ends in an error (`operationalStatus:
//! error` with Metal3's errorType and a realistic message; the host stays in its state, as
//! BMO does) and most hosts recover when BMO retries. Free hosts are sometimes re-inspected.

use super::Simulator;
use super::random::between;
use super::schedule::Task;
use crate::fleet::{HostKey, HostState, ObjectKey, OperationalStatus, ProvisioningState};
use crate::model::host::{BareMetalHostStatus, Hardware, Provisioning};
use crate::model::{BareMetalHost, HostImage, ProjectNamespaces, keys};
use std::collections::HashMap;
use std::time::Duration;

/// How a transient state ends: the state after it, how long it lasts (simulated seconds),
/// and how often it ends in one of its errors instead.
struct Phase {
    next: ProvisioningState,
    lasts: (u64, u64),
    fails: f64,
    errors: &'static [(&'static str, &'static str)],
}

const REGISTERING: Phase = Phase {
    next: ProvisioningState::Inspecting,
    lasts: (5, 15),
    fails: 0.04,
    errors: &[
        (
            "registration error",
            "failed to connect to the BMC: bad credentials",
        ),
        (
            "registration error",
            "BMC unreachable: connection timed out",
        ),
    ],
};
const INSPECTING: Phase = Phase {
    next: ProvisioningState::Preparing,
    lasts: (20, 60),
    fails: 0.04,
    errors: &[
        (
            "inspection error",
            "timeout waiting for the IPA ramdisk to boot: check PXE and DHCP",
        ),
        (
            "inspection error",
            "no NIC matches the boot MAC address: check bootMACAddress",
        ),
    ],
};
const PREPARING: Phase = Phase {
    next: ProvisioningState::Available,
    lasts: (10, 30),
    fails: 0.02,
    errors: &[
        (
            "preparation error",
            "cleaning failed: RAID configuration job did not finish",
        ),
        ("preparation error", "BIOS settings job timed out"),
    ],
};
const PROVISIONING: Phase = Phase {
    next: ProvisioningState::Provisioned,
    lasts: (30, 90),
    fails: 0.03,
    errors: &[
        (
            "provisioning error",
            "image checksum mismatch: Ironic could not verify the written image",
        ),
        (
            "provisioning error",
            "failed to download the image: connection reset by peer",
        ),
        (
            "provisioning error",
            "no disk matches the root device hints",
        ),
    ],
};
const DEPROVISIONING: Phase = Phase {
    next: ProvisioningState::Available,
    lasts: (20, 60),
    fails: 0.02,
    errors: &[
        (
            "provisioning error",
            "automated cleaning failed: timeout erasing metadata on /dev/nvme0n1",
        ),
        (
            "power management error",
            "Redfish power off failed: 500 Internal Server Error",
        ),
    ],
};

/// Errors of hosts at rest: a free host whose BMC misbehaves, a provisioned one that lost it.
const AVAILABLE_FAULT: (&str, &str) = (
    "power management error",
    "Redfish power off failed: 500 Internal Server Error",
);
const PROVISIONED_FAULT: (&str, &str) = (
    "provisioned registration error",
    "BMC unreachable: connection timed out",
);

/// How long an error lasts until BMO's retry (or an operator) clears it.
const RECOVERY: (u64, u64) = (30, 240);
/// How long the platform takes to set the new image on a host it has just cleaned in a
/// rollover (the host shows `available`, still held, in between).
const REPROVISION_DELAY: (u64, u64) = (1, 3);
/// On average each host has a fault this often, and is picked for re-inspection this often
/// (only a free host is re-inspected).
pub(super) const FAULT_EVERY_PER_HOST: Duration = Duration::from_secs(6 * 3600);
pub(super) const MAINTENANCE_EVERY_PER_HOST: Duration = Duration::from_secs(4 * 3600);

fn phase(state: &ProvisioningState) -> Option<&'static Phase> {
    match state {
        ProvisioningState::Registering => Some(&REGISTERING),
        ProvisioningState::Inspecting | ProvisioningState::MatchProfile => Some(&INSPECTING),
        ProvisioningState::Preparing => Some(&PREPARING),
        ProvisioningState::Provisioning => Some(&PROVISIONING),
        ProvisioningState::Deprovisioning => Some(&DEPROVISIONING),
        _ => None,
    }
}

fn secs((low, high): (u64, u64)) -> (Duration, Duration) {
    (Duration::from_secs(low), Duration::from_secs(high))
}

/// What the platform does with a host once it is clean again.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum AfterCleaning {
    /// The claim is gone: remove the platform's labels, free the host, delete the claim.
    Release { claim: ObjectKey },
    /// A rollover: provision the same host for the same claim with the new image.
    Reprovision { claim: ObjectKey, image: HostImage },
}

/// The simulator's bookkeeping of hosts beside their objects.
#[derive(Debug, Default)]
pub(super) struct HostBook {
    /// Every host, for random picks.
    pub(super) keys: Vec<HostKey>,
    /// Hosts by name; names repeat across clusters.
    by_name: HashMap<String, Vec<HostKey>>,
    /// Bumped whenever a host's timer is set or cancelled; an older timer is stale.
    generation: HashMap<HostKey, u64>,
    pub(super) after_cleaning: HashMap<HostKey, AfterCleaning>,
}

impl HostBook {
    pub(super) fn new(keys: Vec<HostKey>) -> Self {
        let mut by_name: HashMap<String, Vec<HostKey>> = HashMap::new();
        for k in &keys {
            by_name.entry(k.name.clone()).or_default().push(k.clone());
        }
        HostBook {
            keys,
            by_name,
            ..HostBook::default()
        }
    }

    /// Hosts of the name a claim's `claimed-node` annotation gives: one per cluster that
    /// has a host of that name.
    pub(super) fn named(&self, name: &str) -> &[HostKey] {
        self.by_name.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The claim a host's platform labels name (`p-<project>/<node-claim>`): the simulator's
/// platform writes both labels, with its default project prefix.
pub(super) fn holder(host: &BareMetalHost) -> Option<ObjectKey> {
    let labels = host.metadata.labels.as_ref()?;
    let claim = labels
        .get(keys::HOST_NODE_CLAIM)
        .filter(|s| !s.is_empty())?;
    let project = labels.get(keys::HOST_PROJECT).cloned().unwrap_or_default();
    Some((
        ProjectNamespaces::default().namespace(&project),
        claim.clone(),
    ))
}

/// Free for a new claim: available, working, and no claim's labels on it.
pub(super) fn is_free(host: &BareMetalHost) -> bool {
    let state = HostState::of(host);
    state.provisioning == ProvisioningState::Available
        && state.operational.is_usable()
        && holder(host).is_none()
}

fn status_mut(host: &mut BareMetalHost) -> &mut BareMetalHostStatus {
    host.status.get_or_insert_with(BareMetalHostStatus::default)
}

fn provisioning_mut(host: &mut BareMetalHost) -> &mut Provisioning {
    status_mut(host)
        .provisioning
        .get_or_insert_with(Provisioning::default)
}

fn set_state(host: &mut BareMetalHost, state: &ProvisioningState) {
    use ProvisioningState as P;
    provisioning_mut(host).state = state.api_value().to_string();
    // Powered while the IPA ramdisk or the image runs; off when free.
    let powered = matches!(
        state,
        P::Inspecting | P::Preparing | P::Provisioning | P::Provisioned | P::Deprovisioning
    );
    status_mut(host).powered_on = Some(powered);
}

fn set_error(host: &mut BareMetalHost, (error_type, message): (&str, &str)) {
    let status = status_mut(host);
    status.operational_status = Some(OperationalStatus::Error.as_str().into());
    status.error_type = Some(error_type.into());
    status.error_message = Some(message.into());
    status.error_count = Some(status.error_count.unwrap_or(0) + 1);
}

fn clear_error(host: &mut BareMetalHost) {
    let status = status_mut(host);
    status.operational_status = Some(OperationalStatus::Ok.as_str().into());
    status.error_type = None;
    status.error_message = None;
}

impl Simulator {
    /// Changes a host object, if it exists, and stores the new version.
    pub(super) fn update_host(&mut self, key: &HostKey, change: impl FnOnce(&mut BareMetalHost)) {
        let Some(host) = self.store.host(key) else {
            return;
        };
        let mut host = (**host).clone();
        change(&mut host);
        self.store.put_host(host);
    }

    pub(super) fn set_host_timer(&mut self, key: &HostKey, after: Duration) {
        let generation = self.hosts.generation.entry(key.clone()).or_default();
        *generation += 1;
        let task = Task::Host {
            host: key.clone(),
            generation: *generation,
        };
        self.schedule.at(self.now.saturating_add(after), task);
    }

    fn cancel_host_timer(&mut self, key: &HostKey) {
        *self.hosts.generation.entry(key.clone()).or_default() += 1;
    }

    fn set_phase_timer(&mut self, key: &HostKey, phase: &Phase) {
        let (low, high) = secs(phase.lasts);
        let after = between(&mut self.rng, low, high);
        self.set_host_timer(key, after);
    }

    /// Sets the timers of the generated fleet: transient states part-way through, errors
    /// waiting for recovery (except a failed claim's host, which waits for its deletion).
    pub(super) fn start_host_timers(&mut self, failed_claims: &[ObjectKey]) {
        for key in self.hosts.keys.clone() {
            let Some(host) = self.store.host(&key) else {
                continue;
            };
            let state = HostState::of(host);
            let held_by_failed = holder(host).is_some_and(|c| failed_claims.contains(&c));
            if state.is_error() {
                if !held_by_failed {
                    let (low, high) = secs(RECOVERY);
                    let after = between(&mut self.rng, low, high);
                    self.set_host_timer(&key, after);
                }
            } else if let Some(phase) = phase(&state.provisioning) {
                let (_, high) = secs(phase.lasts);
                let after = between(&mut self.rng, Duration::ZERO, high);
                self.set_host_timer(&key, after);
            }
        }
    }

    /// A host's timer fired: recover from an error, or end the current state.
    pub(super) fn host_due(&mut self, key: HostKey, generation: u64) {
        if self.hosts.generation.get(&key) != Some(&generation) {
            return;
        }
        let Some(host) = self.store.host(&key) else {
            return;
        };
        let state = HostState::of(host);
        if state.is_error() {
            self.recover(&key, &state.provisioning);
            return;
        }
        let Some(phase) = phase(&state.provisioning) else {
            if state.provisioning == ProvisioningState::Available {
                self.reprovision(&key);
            }
            return;
        };
        if self.config.host_faults && self.rng.chance(phase.fails) {
            let Some(&error) = self.rng.pick(phase.errors) else {
                return;
            };
            self.fail(&key, &state.provisioning, error);
            return;
        }
        match state.provisioning {
            ProvisioningState::Provisioning => self.finish_provisioning(&key),
            ProvisioningState::Deprovisioning => self.finish_deprovisioning(&key),
            _ => {
                let hardware = match state.provisioning {
                    ProvisioningState::Inspecting | ProvisioningState::MatchProfile => {
                        self.inspected_hardware(&key)
                    }
                    _ => None,
                };
                self.update_host(&key, |h| {
                    if let Some(hardware) = hardware {
                        status_mut(h).hardware = Some(hardware);
                    }
                    set_state(h, &phase.next);
                });
                if let Some(next) = self::phase(&phase.next) {
                    self.set_phase_timer(&key, next);
                }
            }
        }
    }

    /// What inspection finds on a host that has no hardware on record: what its rack
    /// neighbours have (the generator fills racks with one server model), under its own name.
    fn inspected_hardware(&mut self, key: &HostKey) -> Option<Hardware> {
        let host = self.store.host(key)?;
        if host.status.as_ref().is_some_and(|s| s.hardware.is_some()) {
            return None;
        }
        let (rack, _) = key.name.rsplit_once('-')?;
        let mut hardware = self
            .hosts
            .keys
            .iter()
            .filter(|k| {
                k.cluster == key.cluster
                    && k.namespace == key.namespace
                    && k != &key
                    && k.name.rsplit_once('-').map(|(r, _)| r) == Some(rack)
            })
            .filter_map(|k| self.store.host(k)?.status.as_ref()?.hardware.clone())
            .next()?;
        hardware.hostname = Some(key.name.clone());
        if let Some(vendor) = hardware.system_vendor.as_mut() {
            vendor.serial_number = Some(self.rng.hex(10).to_uppercase());
        }
        Some(hardware)
    }

    fn fail(&mut self, key: &HostKey, state: &ProvisioningState, error: (&str, &str)) {
        self.update_host(key, |h| set_error(h, error));
        let claim = self.store.host(key).and_then(|h| holder(h));
        if *state == ProvisioningState::Provisioning
            && let Some(claim) = claim
        {
            // The platform fails the claim and does not replace it (vCluster docs, Metal3 node
            // provider: <https://www.vcluster.com/docs/platform/next/administer/node-providers/metal3>); the
            // host keeps its error until the claim is deleted.
            self.claim_failed(&claim, "ProvisioningFailed", error.1);
            return;
        }
        let (low, high) = secs(RECOVERY);
        let after = between(&mut self.rng, low, high);
        self.set_host_timer(key, after);
    }

    fn recover(&mut self, key: &HostKey, state: &ProvisioningState) {
        self.update_host(key, clear_error);
        match phase(state) {
            Some(phase) => self.set_phase_timer(key, phase),
            None => self.cancel_host_timer(key),
        }
    }

    /// The platform claimed the host (or re-provisions it): set the image and power it on.
    pub(super) fn begin_provisioning(&mut self, key: &HostKey, image: HostImage) {
        self.update_host(key, |h| {
            h.spec.image = Some(image);
            h.spec.online = Some(true);
            provisioning_mut(h).image = None;
            set_state(h, &ProvisioningState::Provisioning);
        });
        self.set_phase_timer(key, &PROVISIONING);
    }

    fn finish_provisioning(&mut self, key: &HostKey) {
        self.update_host(key, |h| {
            let image = h.spec.image.clone();
            provisioning_mut(h).image = image;
            set_state(h, &ProvisioningState::Provisioned);
        });
        self.cancel_host_timer(key);
        if let Some(claim) = self.store.host(key).and_then(|h| holder(h)) {
            self.claim_provisioned(&claim);
        }
    }

    /// The claim is deleted or rolled over: remove the image, power off, clean the disks.
    pub(super) fn begin_deprovisioning(&mut self, key: &HostKey, then: AfterCleaning) {
        self.update_host(key, |h| {
            h.spec.image = None;
            h.spec.online = Some(false);
            clear_error(h);
            set_state(h, &ProvisioningState::Deprovisioning);
        });
        self.hosts.after_cleaning.insert(key.clone(), then);
        self.set_phase_timer(key, &DEPROVISIONING);
    }

    fn finish_deprovisioning(&mut self, key: &HostKey) {
        self.update_host(key, |h| {
            provisioning_mut(h).image = None;
            set_state(h, &ProvisioningState::Available);
        });
        match self.hosts.after_cleaning.get(key) {
            Some(AfterCleaning::Release { .. }) => self.release(key),
            Some(AfterCleaning::Reprovision { .. }) => {
                let (low, high) = secs(REPROVISION_DELAY);
                let after = between(&mut self.rng, low, high);
                self.set_host_timer(key, after);
            }
            None => self.cancel_host_timer(key),
        }
    }

    /// A rolled-over host is clean: provision it again for its claim with the new image.
    fn reprovision(&mut self, key: &HostKey) {
        if let Some(AfterCleaning::Reprovision { image, .. }) =
            self.hosts.after_cleaning.remove(key)
        {
            self.begin_provisioning(key, image);
        }
    }

    /// Hands a clean host back: the platform's labels go, the claim is deleted, and the
    /// host is free for the next claim.
    pub(super) fn release(&mut self, key: &HostKey) {
        self.cancel_host_timer(key);
        let claim = match self.hosts.after_cleaning.remove(key) {
            Some(AfterCleaning::Release { claim } | AfterCleaning::Reprovision { claim, .. }) => {
                Some(claim)
            }
            None => None,
        };
        self.update_host(key, |h| {
            if let Some(labels) = h.metadata.labels.as_mut() {
                for k in keys::PLATFORM_OWNED_HOST_LABELS {
                    labels.remove(*k);
                }
            }
            h.spec.image = None;
            h.spec.online = Some(false);
            set_state(h, &ProvisioningState::Available);
        });
        if let Some(claim) = claim {
            self.delete_claim(&claim);
        }
    }

    /// The claim holding this host is deleted: release the host, cleaning it first unless
    /// it is clean already.
    pub(super) fn release_after_cleaning(&mut self, key: &HostKey, claim: ObjectKey) {
        let Some(host) = self.store.host(key) else {
            self.delete_claim(&claim);
            return;
        };
        match HostState::of(host).provisioning {
            ProvisioningState::Deprovisioning => {
                self.hosts
                    .after_cleaning
                    .insert(key.clone(), AfterCleaning::Release { claim });
            }
            ProvisioningState::Available => {
                self.hosts
                    .after_cleaning
                    .insert(key.clone(), AfterCleaning::Release { claim });
                self.release(key);
            }
            _ => self.begin_deprovisioning(key, AfterCleaning::Release { claim }),
        }
    }

    fn random_host(&mut self) -> Option<HostKey> {
        if self.hosts.keys.is_empty() {
            return None;
        }
        let i = self.rng.below(self.hosts.keys.len());
        self.hosts.keys.get(i).cloned()
    }

    /// Some host's BMC misbehaves. Only hosts at rest are picked; others are left alone.
    pub(super) fn host_fault(&mut self) {
        self.next_process(Task::HostFault, FAULT_EVERY_PER_HOST);
        let Some(key) = self.random_host() else {
            return;
        };
        if self.hosts.after_cleaning.contains_key(&key) {
            return;
        }
        let Some(host) = self.store.host(&key) else {
            return;
        };
        let state = HostState::of(host);
        let fault = match state.provisioning {
            _ if state.is_error() => return,
            ProvisioningState::Available => AVAILABLE_FAULT,
            ProvisioningState::Provisioned => PROVISIONED_FAULT,
            _ => return,
        };
        self.update_host(&key, |h| set_error(h, fault));
        let (low, high) = secs(RECOVERY);
        let after = between(&mut self.rng, low, high);
        self.set_host_timer(&key, after);
    }

    /// An operator asks for a free host to be inspected or prepared again (new firmware,
    /// RAID layout): it leaves `available` for a while.
    pub(super) fn host_maintenance(&mut self) {
        self.next_process(Task::HostMaintenance, MAINTENANCE_EVERY_PER_HOST);
        let Some(key) = self.random_host() else {
            return;
        };
        if !self.store.host(&key).is_some_and(|h| is_free(h)) {
            return;
        }
        let (state, phase) = if self.rng.chance(0.6) {
            (ProvisioningState::Inspecting, &INSPECTING)
        } else {
            (ProvisioningState::Preparing, &PREPARING)
        };
        self.update_host(&key, |h| set_state(h, &state));
        self.set_phase_timer(&key, phase);
    }
}
