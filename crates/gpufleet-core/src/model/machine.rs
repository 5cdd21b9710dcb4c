//! The inventory `Machine` (management.loft.sh/v1, cluster-scoped): a read-only mirror of one
//! physical machine in a provider's inventory, written only by the platform's inventory sync.
//! Named `<provider>.<provider-side id>`: for Metal3, `<provider>.<BareMetalHost name>`. Not a
//! claim: the customer-facing "Machine" is a NodeClaim. Field for field as the
//! public `loft-sh/api` storage/v1 `Machine`.

use super::Quantity;
use super::claim::Condition;
use super::resource::impl_resource;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// Annotation naming the NodeClaim (`<namespace>/<name>`) that consumes the machine; absent
/// when it is free or consumed outside the platform (storage/v1 `MachineNodeClaimAnnotation`).
pub const NODE_CLAIM_ANNOTATION: &str = "machines.vcluster.com/node-claim";

/// An inventory Machine: what the platform's inventory sync found on one physical machine.
/// gpufleet reads its node-claim annotation (who holds the host), its GPU capabilities, phase
/// and power state.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Machine {
    /// `metadata`: name `<provider>.<id>`, annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// `spec`: display name and provider.
    #[serde(default)]
    pub spec: MachineSpec,
    /// `status`: the provider-side state and inventory; absent before the first sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<MachineStatus>,
}

impl_resource!(
    Machine,
    "management.loft.sh",
    "v1",
    "Machine",
    "machines",
    k8s_openapi::ClusterResourceScope,
    fields: [spec],
    optional: [status]
);

/// `spec`: the mirror's identity; the machine id is in the name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineSpec {
    /// For Metal3, the BareMetalHost name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The NodeProvider whose inventory this machine mirrors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_ref: Option<String>,
}

/// `status`: the provider-side state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineStatus {
    /// Available, Provisioned, Provisioning, Maintenance, Error or Unknown: the provider's
    /// view, which says nothing about claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// The provider's own word behind the phase (a Metal3 provisioning state or errorType).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `message`: the provider's words, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `conditions`, shown as they are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// `hardware`: the normalized inventory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<MachineHardware>,
    /// `system`: addressing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<MachineSystem>,
    /// On, Off or Unknown; absent when the provider reports no power state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_state: Option<String>,
    /// `lastSyncTime`: when the inventory sync last wrote the status (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync_time: Option<String>,
}

/// `status.hardware`: the normalized inventory.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineHardware {
    /// `cpu`: CPU topology.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuResource>,
    /// `memory`: total memory, a Kubernetes quantity (`768Gi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Quantity>,
    /// `storage`: total storage, a Kubernetes quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<Quantity>,
    /// One entry per device model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<MachineCapability>,
    /// `vendor` of the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// `product` name of the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// `serial` number of the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
}

/// CPU topology; zero or absent means "not reported".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuResource {
    /// `architecture` (`x86_64`, `arm64`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// `sockets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sockets: Option<i64>,
    /// `cores` in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<i64>,
    /// `threads` (logical CPUs) in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<i64>,
}

/// One device model in a machine: `type` CPU, Memory, GPU, DPU, Network, Storage or
/// InfiniBand, with how many of it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineCapability {
    /// `type`: `CPU`, `Memory`, `GPU`, `DPU`, `Network`, `Storage` or `InfiniBand`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `name` of the device model (`H100`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `vendor` of the device (`NVIDIA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// `count` of devices; absent counts as one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// `resources` each device provides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<CapabilityResources>,
}

/// What one capability provides: a per-device capacity, or CPU topology (inlined).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CapabilityResources {
    /// `capacity` of one device (GPU memory, say), a Kubernetes quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Quantity>,
    /// The CPU topology, for a CPU capability (the fields inlined).
    #[serde(flatten)]
    pub cpu: CpuResource,
}

/// `status.system`: runtime state (addressing).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineSystem {
    /// `network`: the machine's interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<MachineNetwork>,
}

/// `status.system.network` of a Machine.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineNetwork {
    /// `interfaces`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<MachineNetworkInterface>,
}

/// One network interface of a Machine.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineNetworkInterface {
    /// `name` of the interface (`eno1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `mac` address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// `primary`: whether this is the machine's primary interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// `ips`: its addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ips: Vec<String>,
}

/// The capability type of GPUs.
pub const GPU_CAPABILITY: &str = "GPU";

impl Machine {
    /// `metadata.name`; empty when absent.
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }

    /// The inventory name of a Metal3 host: `<provider>.<BareMetalHost name>`.
    pub fn name_for(provider: &str, host: &str) -> String {
        format!("{provider}.{host}")
    }

    /// The raw value of the node-claim annotation, when set and not empty.
    pub fn node_claim(&self) -> Option<&str> {
        self.metadata
            .annotations
            .as_ref()?
            .get(NODE_CLAIM_ANNOTATION)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// GPUs the inventory found: the counts of its GPU capabilities summed, `None` when it
    /// lists no GPU capability (a capability without a count is one device).
    pub fn gpus(&self) -> Option<u32> {
        let caps = &self.status.as_ref()?.hardware.as_ref()?.capabilities;
        let gpus: Vec<&MachineCapability> = caps
            .iter()
            .filter(|c| c.type_.eq_ignore_ascii_case(GPU_CAPABILITY))
            .collect();
        if gpus.is_empty() {
            return None;
        }
        let total: i64 = gpus.iter().map(|c| c.count.unwrap_or(1).max(0)).sum();
        Some(u32::try_from(total).unwrap_or(u32::MAX))
    }

    /// `status.phase`, when the status has one.
    pub fn phase(&self) -> Option<&str> {
        self.status.as_ref()?.phase.as_deref()
    }

    /// `status.powerState` (`On`, `Off`, `Unknown`), when reported.
    pub fn power_state(&self) -> Option<&str> {
        self.status.as_ref()?.power_state.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_public_shape_and_counts_gpus() {
        let m: Machine = serde_json::from_value(serde_json::json!({
            "apiVersion": "management.loft.sh/v1", "kind": "Machine",
            "metadata": {"name": "metal3-provider.server-01",
                "annotations": {"machines.vcluster.com/node-claim": "p-default/vcluster-62ftb"}},
            "spec": {"displayName": "server-01", "providerRef": "metal3-provider"},
            "status": {"phase": "Provisioned", "reason": "provisioned", "powerState": "On",
                "lastSyncTime": "2026-11-30T10:00:00Z",
                "hardware": {"cpu": {"architecture": "x86_64", "threads": 96},
                    "memory": "768Gi", "product": "PowerEdge XE9680",
                    "capabilities": [
                        {"type": "GPU", "name": "H100", "vendor": "NVIDIA", "count": 8,
                         "resources": {"capacity": "80Gi"}},
                        {"type": "CPU", "count": 2, "resources": {"architecture": "x86_64", "threads": 96}}]}}
        }))
        .unwrap();
        assert_eq!(m.node_claim(), Some("p-default/vcluster-62ftb"));
        assert_eq!(m.gpus(), Some(8));
        assert_eq!(m.phase(), Some("Provisioned"));
        assert_eq!(m.power_state(), Some("On"));
        assert_eq!(Machine::name_for("metal3-provider", "server-01"), m.name());
        assert_eq!(Machine::default().gpus(), None);
    }
}
