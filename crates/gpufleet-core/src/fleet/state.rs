//! A host's state: Metal3's provisioning state together with its operational status
//! (`error` is an operational status, not a provisioning state: Metal3 docs, "BareMetalHost
//! API", <https://book.metal3.io/bmo/api>).

use crate::model::BareMetalHost;
use crate::model::host::{DETACHED, INSPECT, PAUSED};
use serde::{Serialize, Serializer};
use std::fmt;

/// `status.provisioning.state` of a BareMetalHost, spelled as baremetal-operator spells it
/// (`match profile`, `externally provisioned`: Metal3 docs, "BareMetalHost states",
/// <https://book.metal3.io/bmo/state_machine.html>). Serialized and displayed as
/// [`as_str`](ProvisioningState::as_str) gives it; a state gpufleet does not know is kept in
/// [`Other`](ProvisioningState::Other), never an error.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProvisioningState {
    /// Just created, no state yet.
    None,
    /// `unmanaged`: no BMC details yet.
    Unmanaged,
    /// `registering`: checking the BMC details.
    Registering,
    /// `inspecting`: inspecting the hardware.
    Inspecting,
    /// `match profile`: matching a hardware profile (older baremetal-operator).
    MatchProfile,
    /// `preparing`: applying RAID and firmware settings.
    Preparing,
    /// Free for claims.
    Available,
    /// Metal3's deprecated name for `available`, shown as the API calls it and read the same.
    Ready,
    /// `provisioning`: writing the image.
    Provisioning,
    /// `provisioned`: running the image.
    Provisioned,
    /// `externally provisioned`: provisioned outside Metal3.
    ExternallyProvisioned,
    /// `deprovisioning`: cleaning the disks after use.
    Deprovisioning,
    /// `powering off before delete`.
    PoweringOffBeforeDelete,
    /// `deleting`: being removed.
    Deleting,
    /// A state this version of gpufleet does not know; shown verbatim.
    Other(String),
}

impl ProvisioningState {
    /// Reads Metal3's spelling (`match profile`, `externally provisioned`); empty is
    /// [`ProvisioningState::None`] (and so is `none`, how gpufleet shows it), an unknown word
    /// is kept in [`ProvisioningState::Other`].
    pub fn parse(s: &str) -> Self {
        use ProvisioningState::*;
        match s {
            "" | "none" => None,
            "unmanaged" => Unmanaged,
            "registering" => Registering,
            "inspecting" => Inspecting,
            "match profile" => MatchProfile,
            "preparing" => Preparing,
            "available" => Available,
            "ready" => Ready,
            "provisioning" => Provisioning,
            "provisioned" => Provisioned,
            "externally provisioned" => ExternallyProvisioned,
            "deprovisioning" => Deprovisioning,
            "powering off before delete" => PoweringOffBeforeDelete,
            "deleting" => Deleting,
            other => Other(other.to_string()),
        }
    }

    /// The spelling Metal3 uses, and `none` for [`ProvisioningState::None`] (which Metal3
    /// leaves empty; see [`api_value`](ProvisioningState::api_value)). An unknown state is
    /// given back as it was read.
    pub fn as_str(&self) -> &str {
        use ProvisioningState::*;
        match self {
            None => "none",
            Unmanaged => "unmanaged",
            Registering => "registering",
            Inspecting => "inspecting",
            MatchProfile => "match profile",
            Preparing => "preparing",
            Available => "available",
            Ready => "ready",
            Provisioning => "provisioning",
            Provisioned => "provisioned",
            ExternallyProvisioned => "externally provisioned",
            Deprovisioning => "deprovisioning",
            PoweringOffBeforeDelete => "powering off before delete",
            Deleting => "deleting",
            Other(s) => s,
        }
    }

    /// The value of `status.provisioning.state` as the API holds it: [`as_str`]
    /// (ProvisioningState::as_str), except that [`ProvisioningState::None`] is empty.
    pub fn api_value(&self) -> &str {
        match self {
            ProvisioningState::None => "",
            other => other.as_str(),
        }
    }

    /// Free for claims: `available`, or its deprecated alias `ready` (baremetal-operator,
    /// "BareMetalHost states": ready is the old name of available).
    pub fn is_available(&self) -> bool {
        matches!(
            self,
            ProvisioningState::Available | ProvisioningState::Ready
        )
    }
}

impl From<&str> for ProvisioningState {
    fn from(s: &str) -> Self {
        ProvisioningState::parse(s)
    }
}

impl fmt::Display for ProvisioningState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ProvisioningState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `status.operationalStatus` of a BareMetalHost, spelled as the CRD's enum spells it (`OK`,
/// `discovered`, `error`, `delayed`, `detached`, `servicing`, or empty: baremetal-operator,
/// `metal3.io_baremetalhosts.yaml`,
/// <https://github.com/metal3-io/baremetal-operator/blob/main/config/base/crds/bases/metal3.io_baremetalhosts.yaml>).
/// Serialized and displayed as [`as_str`](OperationalStatus::as_str) gives it; a status
/// gpufleet does not know is kept in [`Other`](OperationalStatus::Other), never an error.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OperationalStatus {
    /// `OK`.
    Ok,
    /// `discovered`: found but not fully registered (BMC details missing or wrong).
    Discovered,
    /// `error`: see `status.errorType` and `status.errorMessage`.
    Error,
    /// `delayed`: waiting for a free provisioning slot.
    Delayed,
    /// `detached`: detached from Ironic.
    Detached,
    /// `servicing`: under maintenance (firmware, BIOS settings) while provisioned.
    Servicing,
    /// Not reported yet.
    Unknown,
    /// A status this version of gpufleet does not know; shown verbatim.
    Other(String),
}

impl OperationalStatus {
    /// Reads Metal3's spelling (`OK`, `discovered`, ...); absent or empty is
    /// [`OperationalStatus::Unknown`], an unknown word is kept in [`OperationalStatus::Other`].
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            None | Some("") => OperationalStatus::Unknown,
            Some("OK") => OperationalStatus::Ok,
            Some("discovered") => OperationalStatus::Discovered,
            Some("error") => OperationalStatus::Error,
            Some("delayed") => OperationalStatus::Delayed,
            Some("detached") => OperationalStatus::Detached,
            Some("servicing") => OperationalStatus::Servicing,
            Some(other) => OperationalStatus::Other(other.to_string()),
        }
    }

    /// The spelling Metal3 uses (`OK`, `error`, ...); [`OperationalStatus::Unknown`] is empty,
    /// as the CRD allows, and an unknown status is given back as it was read.
    pub fn as_str(&self) -> &str {
        match self {
            OperationalStatus::Ok => "OK",
            OperationalStatus::Discovered => "discovered",
            OperationalStatus::Error => "error",
            OperationalStatus::Delayed => "delayed",
            OperationalStatus::Detached => "detached",
            OperationalStatus::Servicing => "servicing",
            OperationalStatus::Unknown => "",
            OperationalStatus::Other(s) => s,
        }
    }

    /// Whether the platform can hand the host to a claim: not `error` nor `detached`.
    pub fn is_usable(&self) -> bool {
        !matches!(self, OperationalStatus::Error | OperationalStatus::Detached)
    }
}

impl fmt::Display for OperationalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for OperationalStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What the dashboard shows as a host's state: "provisioned", "provisioned (error)",
/// "available (paused)", "provisioned (consumed)".
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct HostState {
    /// From `status.provisioning.state`.
    pub provisioning: ProvisioningState,
    /// From `status.operationalStatus`.
    pub operational: OperationalStatus,
    /// `status.errorType`, when not empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// `status.errorMessage`, when not empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// `baremetalhost.metal3.io/paused`: the operator does not act on the host.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub paused: bool,
    /// `baremetalhost.metal3.io/detached`: detached from Ironic, whatever the status says yet.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub detached: bool,
    /// `spec.consumerRef`: what consumes the host (`Machine openshift-machine-api/worker-0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer: Option<String>,
    /// `metadata.deletionTimestamp`, RFC 3339 (`2026-12-01T04:12:03Z`): the host is being
    /// deleted. It keeps the provisioning state it had until baremetal-operator gets to it
    /// (powering off before delete, then deleting), and is never handed out again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleting_since: Option<String>,
    /// Where baremetal-operator moves an `available` host at its next reconcile, when its
    /// spec or annotations ask for it to leave `available`; `None` for any other state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaving: Option<Leaving>,
}

/// Why baremetal-operator moves an `available` host on at its next reconcile, so that it is
/// not free although its state still reads `available`: the public state machine's
/// `handleAvailable`, in its order (baremetal-operator,
/// `controllers/metal3.io/host_state_machine.go`,
/// <https://github.com/metal3-io/baremetal-operator/blob/main/controllers/metal3.io/host_state_machine.go>;
/// `NeedsProvisioning` in `apis/metal3.io/v1alpha1/baremetalhost_types.go`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Leaving {
    /// `spec.externallyProvisioned: true`: to `externally provisioned` (something else owns
    /// its image).
    ExternallyProvisioned,
    /// The `inspect.metal3.io` annotation with any value but `disabled`: inspection was asked
    /// for again, to `inspecting`.
    Inspection,
    /// `spec.online` with a `spec.image` URL or a `spec.customDeploy` method the status has
    /// not provisioned yet: someone asked for it, to `provisioning`.
    Provisioning {
        /// What was asked for: `image URL` or `customDeploy METHOD`.
        what: String,
    },
}

impl Leaving {
    /// The state baremetal-operator moves the host to.
    pub fn to(&self) -> ProvisioningState {
        match self {
            Leaving::ExternallyProvisioned => ProvisioningState::ExternallyProvisioned,
            Leaving::Inspection => ProvisioningState::Inspecting,
            Leaving::Provisioning { .. } => ProvisioningState::Provisioning,
        }
    }

    /// Where an available `host` goes next, as baremetal-operator's `handleAvailable` decides
    /// it (in its order); `None` while it stays `available`.
    fn of(host: &BareMetalHost) -> Option<Leaving> {
        if host.spec.externally_provisioned == Some(true) {
            return Some(Leaving::ExternallyProvisioned);
        }
        if host.annotation(INSPECT).is_some_and(|v| v != "disabled") {
            return Some(Leaving::Inspection);
        }
        if host.spec.online != Some(true) {
            // "The host is not supposed to be powered on": nothing is provisioned.
            return None;
        }
        let provisioned = host.status.as_ref().and_then(|s| s.provisioning.as_ref());
        let image = host.spec.image.as_ref().map(|i| i.url.as_str());
        let image_written = provisioned
            .and_then(|p| p.image.as_ref())
            .is_some_and(|i| !i.url.is_empty());
        if let Some(url) = image.filter(|u| !u.is_empty())
            && !image_written
        {
            return Some(Leaving::Provisioning {
                what: format!("image {url}"),
            });
        }
        let method = host.spec.custom_deploy.as_ref().map(|c| c.method.as_str());
        let deployed = provisioned
            .and_then(|p| p.custom_deploy.as_ref())
            .map(|c| c.method.as_str());
        match method.filter(|m| !m.is_empty()) {
            Some(m) if deployed != Some(m) => Some(Leaving::Provisioning {
                what: format!("customDeploy {m}"),
            }),
            _ => None,
        }
    }
}

impl fmt::Display for Leaving {
    /// What asks for it, for people: `spec.externallyProvisioned is true`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Leaving::ExternallyProvisioned => f.write_str("spec.externallyProvisioned is true"),
            Leaving::Inspection => {
                f.write_str("inspection was asked for (annotation inspect.metal3.io)")
            }
            Leaving::Provisioning { what } => write!(f, "provisioning was asked for ({what})"),
        }
    }
}

impl HostState {
    /// Reads the state of a BareMetalHost from its status, annotations and `spec.consumerRef`.
    pub fn of(host: &BareMetalHost) -> Self {
        let status = host.status.as_ref();
        let text = |f: Option<&String>| f.filter(|s| !s.is_empty()).cloned();
        HostState {
            provisioning: ProvisioningState::parse(
                status
                    .and_then(|s| s.provisioning.as_ref())
                    .map(|p| p.state.as_str())
                    .unwrap_or(""),
            ),
            operational: OperationalStatus::parse(
                status.and_then(|s| s.operational_status.as_deref()),
            ),
            error_type: text(status.and_then(|s| s.error_type.as_ref())),
            error_message: text(status.and_then(|s| s.error_message.as_ref())),
            paused: host.annotation(PAUSED).is_some(),
            detached: host.annotation(DETACHED).is_some(),
            consumer: host.spec.consumer_ref.as_ref().map(|c| c.to_string()),
            deleting_since: host
                .metadata
                .deletion_timestamp
                .as_ref()
                .map(|t| t.0.to_string()),
            leaving: None,
        }
        .leaving_from(host)
    }

    /// With [`HostState::leaving`] read from `host`, for an available host.
    fn leaving_from(mut self, host: &BareMetalHost) -> Self {
        if self.provisioning.is_available() {
            self.leaving = Leaving::of(host);
        }
        self
    }

    /// How long the host has been being deleted at `now`; `None` when it is not (or its
    /// timestamp does not read as RFC 3339).
    pub fn deleting_for(&self, now: std::time::SystemTime) -> Option<std::time::Duration> {
        let since: k8s_openapi::jiff::Timestamp = self.deleting_since.as_deref()?.parse().ok()?;
        Some(
            now.duration_since(std::time::SystemTime::from(since))
                .unwrap_or_default(),
        )
    }

    /// Whether the host is on its way out of what new claims can get although its state may
    /// still read `available`: being deleted, or about to leave `available`.
    pub fn is_going_away(&self) -> bool {
        self.deleting_since.is_some() || self.leaving.is_some()
    }

    /// Detached by annotation or by operational status.
    pub fn is_detached(&self) -> bool {
        self.detached || self.operational == OperationalStatus::Detached
    }

    /// Whether the operational status is `error`.
    pub fn is_error(&self) -> bool {
        self.operational == OperationalStatus::Error
    }

    /// Key used to count hosts by state: the label the dashboard shows.
    pub fn label(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for HostState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.provisioning.as_str())?;
        match &self.operational {
            OperationalStatus::Error => f.write_str(" (error)"),
            OperationalStatus::Detached => f.write_str(" (detached)"),
            OperationalStatus::Servicing => f.write_str(" (servicing)"),
            OperationalStatus::Delayed => f.write_str(" (delayed)"),
            _ if self.detached => f.write_str(" (detached)"),
            _ => Ok(()),
        }?;
        if self.paused {
            f.write_str(" (paused)")?;
        }
        if self.consumer.is_some() {
            f.write_str(" (consumed)")?;
        }
        if let Some(leaving) = &self.leaving {
            write!(f, " (→ {})", leaving.to())?;
        }
        if self.deleting_since.is_some() {
            f.write_str(" (deleting)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::host::{BareMetalHostStatus, Provisioning};

    #[test]
    fn error_is_shown_beside_the_provisioning_state() {
        let host = BareMetalHost {
            status: Some(BareMetalHostStatus {
                operational_status: Some("error".into()),
                error_type: Some("provisioning error".into()),
                provisioning: Some(Provisioning {
                    state: "provisioned".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let s = HostState::of(&host);
        assert_eq!(s.to_string(), "provisioned (error)");
        assert!(s.is_error());
        assert_eq!(HostState::of(&BareMetalHost::default()).to_string(), "none");
        let ready = ProvisioningState::parse("ready");
        assert_eq!(ready.as_str(), "ready", "shown as the API calls it");
        assert!(ready.is_available());
    }

    /// baremetal-operator's `ProvisioningState` constants (Metal3 docs, "BareMetalHost
    /// states", <https://book.metal3.io/bmo/state_machine.html>), spelled as the API holds
    /// them: each reads as its own variant and is written back the same.
    #[test]
    fn provisioning_states_are_spelled_as_metal3_spells_them() {
        use ProvisioningState as P;
        let metal3 = [
            ("", P::None),
            ("unmanaged", P::Unmanaged),
            ("registering", P::Registering),
            ("inspecting", P::Inspecting),
            ("match profile", P::MatchProfile),
            ("preparing", P::Preparing),
            ("available", P::Available),
            ("ready", P::Ready),
            ("provisioning", P::Provisioning),
            ("provisioned", P::Provisioned),
            ("externally provisioned", P::ExternallyProvisioned),
            ("deprovisioning", P::Deprovisioning),
            ("powering off before delete", P::PoweringOffBeforeDelete),
            ("deleting", P::Deleting),
        ];
        for (api, state) in metal3 {
            assert_eq!(ProvisioningState::parse(api), state, "{api:?}");
            assert_eq!(state.api_value(), api);
            let shown = if api.is_empty() { "none" } else { api };
            assert_eq!(state.to_string(), shown);
            assert_eq!(serde_json::to_value(&state).unwrap(), shown);
        }
        assert_eq!(
            ProvisioningState::parse("none"),
            P::None,
            "as gpufleet shows it"
        );
    }

    /// A state or status from a newer baremetal-operator loads and is shown as written.
    #[test]
    fn unknown_states_and_statuses_are_kept_as_written() {
        let state = ProvisioningState::parse("servicing firmware");
        assert_eq!(state, ProvisioningState::Other("servicing firmware".into()));
        assert_eq!(state.as_str(), "servicing firmware");
        assert_eq!(state.api_value(), "servicing firmware");
        assert!(!state.is_available());
        let status = OperationalStatus::parse(Some("quarantined"));
        assert_eq!(status, OperationalStatus::Other("quarantined".into()));
        assert_eq!(status.to_string(), "quarantined");
        assert!(
            status.is_usable(),
            "only error and detached keep a host from claims"
        );
        let host = BareMetalHost {
            status: Some(BareMetalHostStatus {
                operational_status: Some("quarantined".into()),
                provisioning: Some(Provisioning {
                    state: "servicing firmware".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(HostState::of(&host).to_string(), "servicing firmware");
    }

    /// Only an `available` (or `ready`) host is read as leaving: a provisioned host's image is
    /// what it runs, not a request.
    #[test]
    fn only_an_available_host_is_leaving() {
        let mut host: BareMetalHost = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "h"},
            "spec": {"online": true, "image": {"url": "http://i/x.qcow2"}},
            "status": {"provisioning": {"state": "ready"}}
        }))
        .unwrap();
        assert_eq!(
            HostState::of(&host).leaving,
            Some(Leaving::Provisioning {
                what: "image http://i/x.qcow2".into()
            })
        );
        host.status
            .as_mut()
            .unwrap()
            .provisioning
            .as_mut()
            .unwrap()
            .state = "provisioned".into();
        assert_eq!(HostState::of(&host).leaving, None);
        assert!(!HostState::of(&host).is_going_away());
    }

    /// The CRD's `status.operationalStatus` enum: `''`, `OK`, `discovered`, `error`,
    /// `delayed`, `detached`, `servicing` (baremetal-operator `metal3.io_baremetalhosts.yaml`).
    #[test]
    fn operational_statuses_are_spelled_as_the_crd_spells_them() {
        use OperationalStatus as O;
        let crd = [
            ("", O::Unknown),
            ("OK", O::Ok),
            ("discovered", O::Discovered),
            ("error", O::Error),
            ("delayed", O::Delayed),
            ("detached", O::Detached),
            ("servicing", O::Servicing),
        ];
        for (api, status) in crd {
            assert_eq!(OperationalStatus::parse(Some(api)), status, "{api:?}");
            assert_eq!(status.as_str(), api);
            assert_eq!(serde_json::to_value(&status).unwrap(), api);
        }
        assert_eq!(OperationalStatus::parse(None), O::Unknown);
        assert_eq!(
            OperationalStatus::parse(Some("ok")),
            O::Other("ok".into()),
            "case counts"
        );
    }
}
