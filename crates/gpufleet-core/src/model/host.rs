//! Metal3 `BareMetalHost` (metal3.io/v1alpha1), with the fields gpufleet reads
//! (domain.md §1.8). Unknown fields are ignored; every field is optional.

use super::resource::impl_resource;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct BareMetalHost {
    /// Not part of the API object: the Metal3 cluster it was read from (the name a
    /// NodeProvider's `spec.metal3.clusterRef.cluster` gives it), set by the source that read
    /// it (a watch, a named dump, the generator); empty when the source does not know.
    /// Never serialized.
    #[serde(skip)]
    pub cluster: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: BareMetalHostSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<BareMetalHostStatus>,
}

impl_resource!(
    BareMetalHost,
    "metal3.io",
    "v1alpha1",
    "BareMetalHost",
    "baremetalhosts",
    k8s_openapi::NamespaceResourceScope,
    fields: [spec],
    optional: [status]
);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BareMetalHostSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        rename = "bootMACAddress"
    )]
    pub boot_mac_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bmc: Option<Bmc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<HostImage>,
    /// A deploy method instead of an image (`install_coreos`): there is no image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_deploy: Option<CustomDeploy>,
    /// The controller consuming the host (Cluster API, OpenShift): not free for vMetal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_ref: Option<ConsumerRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub externally_provisioned: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_cleaning_mode: Option<String>,
}

/// `customDeploy`: a method the deploy ramdisk runs instead of writing an image.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomDeploy {
    #[serde(default)]
    pub method: String,
}

/// `spec.consumerRef`: an object reference to whatever consumes the host.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl std::fmt::Display for ConsumerRef {
    /// `Machine openshift-machine-api/ocp-worker-0`, with what the reference gives.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind.as_deref().unwrap_or("object"))?;
        match (&self.namespace, &self.name) {
            (Some(ns), Some(n)) => write!(f, " {ns}/{n}"),
            (None, Some(n)) => write!(f, " {n}"),
            _ => Ok(()),
        }
    }
}

/// BMC connection. The credentials live in a Secret that gpufleet never reads; only its
/// name is kept here so a generated manifest is complete.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bmc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_name: Option<String>,
}

/// An OS image reference, in `spec.image` (wanted) or `status.provisioning.image` (written).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostImage {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BareMetalHostStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operational_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub powered_on: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning: Option<Provisioning>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<Hardware>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provisioning {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "ID")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<HostImage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_deploy: Option<CustomDeploy>,
}

/// Inspected hardware (BareMetalHost `status.hardware`, HardwareData `spec.hardware`).
/// Metal3 has no GPU list here (domain.md §1.8): GPUs come from labels or the inventory.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hardware {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ram_mebibytes: Option<u64>,
    /// Memory in GiB, in the status schema before baremetal-operator 0.1 (2019 dumps).
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "ramGiB")]
    pub ram_gib: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_vendor: Option<SystemVendor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cpu {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemVendor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
}

/// Annotation: the operator does not reconcile the host (BMO docs, "Pausing reconciliation").
pub const PAUSED: &str = "baremetalhost.metal3.io/paused";
/// Annotation: the host is detached from Ironic (Metal3 docs, "Detaching hosts").
pub const DETACHED: &str = "baremetalhost.metal3.io/detached";
/// Annotation: inspection is disabled (Metal3 docs, "External inspection").
pub const INSPECT: &str = "inspect.metal3.io";
/// Annotation: hardware details given by hand when inspection is disabled, which BMO copies
/// into `status.hardware` (Metal3 docs, "External inspection").
pub const HARDWARE_DETAILS: &str = "inspect.metal3.io/hardwaredetails";

impl Hardware {
    /// Inspected memory in bytes: `ramMebibytes`, else the old `ramGiB`.
    pub fn memory_bytes(&self) -> Option<u64> {
        self.ram_mebibytes
            .map(|mib| mib.saturating_mul(1024 * 1024))
            .or(self
                .ram_gib
                .map(|gib| gib.saturating_mul(1024 * 1024 * 1024)))
    }

    /// Logical CPUs.
    pub fn cpus(&self) -> Option<u32> {
        self.cpu.as_ref()?.count
    }
}

impl BareMetalHost {
    /// One annotation's value.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata
            .annotations
            .as_ref()?
            .get(key)
            .map(String::as_str)
    }

    /// The deploy method of `customDeploy`, from the spec or the provisioning status.
    pub fn custom_deploy(&self) -> Option<&str> {
        self.spec
            .custom_deploy
            .as_ref()
            .or_else(|| {
                self.status
                    .as_ref()?
                    .provisioning
                    .as_ref()?
                    .custom_deploy
                    .as_ref()
            })
            .map(|c| c.method.as_str())
    }
}
