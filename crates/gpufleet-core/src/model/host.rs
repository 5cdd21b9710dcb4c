//! Metal3 `BareMetalHost` (metal3.io/v1alpha1), with the fields gpufleet reads
//! (Metal3 docs, "BareMetalHost API", <https://book.metal3.io/bmo/api>). Unknown fields are
//! ignored; every field is optional.

use super::resource::impl_resource;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// A Metal3 BareMetalHost: one physical server, its BMC, image and provisioning state. Field
/// meanings: Metal3 docs, "BareMetalHost API" (<https://book.metal3.io/bmo/api>).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct BareMetalHost {
    /// Not part of the API object: the Metal3 cluster it was read from (the name a
    /// NodeProvider's `spec.metal3.clusterRef.cluster` gives it), set by the source that read
    /// it (a watch, a named dump, the generator); empty when the source does not know.
    /// Never serialized.
    #[serde(skip)]
    pub cluster: String,
    /// `metadata`: name, namespace, labels, annotations, resourceVersion.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// `spec`: what the operator wants of the server.
    #[serde(default)]
    pub spec: BareMetalHostSpec,
    /// `status`: what baremetal-operator found and did; absent on a host it has not seen.
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

/// `spec` of a BareMetalHost.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BareMetalHostSpec {
    /// `spec.online`: whether the server should be powered on. Shown; gpufleet never writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<bool>,
    /// `spec.bootMACAddress`: the MAC of the NIC the server boots from. Shown.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        rename = "bootMACAddress"
    )]
    pub boot_mac_address: Option<String>,
    /// `spec.bmc`: how the BMC is reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bmc: Option<Bmc>,
    /// `spec.image`: the image to provision; its URL is compared with the node type's for drift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<HostImage>,
    /// A deploy method instead of an image (`install_coreos`): there is no image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_deploy: Option<CustomDeploy>,
    /// The controller consuming the host (Cluster API, OpenShift): not free for vMetal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_ref: Option<ConsumerRef>,
    /// `spec.externallyProvisioned`: the image is written outside Metal3; an `available` host
    /// with it moves to `externally provisioned` ([`Leaving`](crate::fleet::Leaving)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub externally_provisioned: Option<bool>,
    /// `spec.automatedCleaningMode`: `metadata` or `disabled`. Written by the generator only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_cleaning_mode: Option<String>,
}

/// `customDeploy`: a method the deploy ramdisk runs instead of writing an image.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomDeploy {
    /// The method's name (`install_coreos`).
    #[serde(default)]
    pub method: String,
}

/// `spec.consumerRef`: an object reference to whatever consumes the host.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerRef {
    /// `apiVersion` of the consumer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `kind` of the consumer (`Machine`, `Metal3Machine`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `namespace` of the consumer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `name` of the consumer.
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
    /// `spec.bmc.address`: the BMC URL (`redfish://...`, `ipmi://...`). Shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// `spec.bmc.credentialsName`: the name of the Secret holding the credentials. Never read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_name: Option<String>,
}

/// An OS image reference, in `spec.image` (wanted) or `status.provisioning.image` (written).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostImage {
    /// `url` of the image; empty when absent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// `checksum`: the checksum itself, or a URL to a file of checksums.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// `checksumType`: `md5`, `sha256`, `sha512` or `auto` (read as [`ChecksumType`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
    /// `format`: the disk format (`raw`, `qcow2`, `live-iso`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// The algorithm of an image's checksum: `checksumType` of a BareMetalHost's image, and the
/// `metal3.vcluster.com/image-checksum-type` property of an OSImage. The CRD allows `md5`,
/// `sha256`, `sha512` and `auto` (baremetal-operator, `metal3.io_baremetalhosts.yaml`,
/// <https://github.com/metal3-io/baremetal-operator/blob/main/config/base/crds/bases/metal3.io_baremetalhosts.yaml>);
/// vCluster docs, "OS Images" (<https://vcluster.com/docs/platform/next/use-platform/machines/os-images>):
/// optional, detected when omitted. Serialized as [`as_str`](ChecksumType::as_str) spells it;
/// a word outside the CRD's list is kept in [`ChecksumType::Other`] (a change refuses it, an
/// object read with it still loads).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ChecksumType {
    /// `md5`.
    Md5,
    /// `sha256`.
    Sha256,
    /// `sha512`.
    Sha512,
    /// `auto`: Ironic detects the algorithm from the checksum.
    Auto,
    /// A word the CRD does not list, as written.
    Other(String),
}

impl ChecksumType {
    /// The types the CRD allows, in its order.
    pub const KNOWN: [ChecksumType; 4] = [
        ChecksumType::Md5,
        ChecksumType::Sha256,
        ChecksumType::Sha512,
        ChecksumType::Auto,
    ];

    /// Reads the CRD's spelling; anything else is kept in [`ChecksumType::Other`].
    pub fn parse(s: &str) -> Self {
        match s {
            "md5" => ChecksumType::Md5,
            "sha256" => ChecksumType::Sha256,
            "sha512" => ChecksumType::Sha512,
            "auto" => ChecksumType::Auto,
            other => ChecksumType::Other(other.to_string()),
        }
    }

    /// The CRD's spelling (`md5`, `sha256`, `sha512`, `auto`), or the unknown word as read.
    pub fn as_str(&self) -> &str {
        match self {
            ChecksumType::Md5 => "md5",
            ChecksumType::Sha256 => "sha256",
            ChecksumType::Sha512 => "sha512",
            ChecksumType::Auto => "auto",
            ChecksumType::Other(s) => s,
        }
    }

    /// Whether the CRD allows it (not [`ChecksumType::Other`]).
    pub fn is_known(&self) -> bool {
        !matches!(self, ChecksumType::Other(_))
    }

    /// The allowed spellings for a message: `md5, sha256, sha512, auto`.
    pub fn known_list() -> String {
        let words: Vec<&str> = Self::KNOWN.iter().map(ChecksumType::as_str).collect();
        words.join(", ")
    }
}

impl From<&str> for ChecksumType {
    fn from(s: &str) -> Self {
        ChecksumType::parse(s)
    }
}

impl From<String> for ChecksumType {
    fn from(s: String) -> Self {
        ChecksumType::parse(&s)
    }
}

impl std::fmt::Display for ChecksumType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ChecksumType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ChecksumType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(ChecksumType::from)
    }
}

/// `status` of a BareMetalHost, written by baremetal-operator.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BareMetalHostStatus {
    /// `status.operationalStatus`: `OK`, `discovered`, `error`, `delayed` or `detached` (read
    /// as [`OperationalStatus`](crate::fleet::OperationalStatus)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operational_status: Option<String>,
    /// `status.errorType`: the kind of the last error (`provisioning error`, ...), when in error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// `status.errorMessage`: the last error, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// `status.errorCount`: errors since the last success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_count: Option<i64>,
    /// `status.poweredOn`: whether the server is powered on now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub powered_on: Option<bool>,
    /// `status.provisioning`: where the host is in its life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning: Option<Provisioning>,
    /// `status.hardware`: what inspection found; absent before inspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<Hardware>,
}

/// `status.provisioning` of a BareMetalHost.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provisioning {
    /// `state`: the provisioning state (`available`, `provisioned`, ...; read as
    /// [`ProvisioningState`](crate::fleet::ProvisioningState)); empty when absent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub state: String,
    /// `ID`: the Ironic node's UUID.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "ID")]
    pub id: Option<String>,
    /// `image`: the image last provisioned, compared with the desired one for drift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<HostImage>,
    /// `customDeploy`: the deploy method last used, instead of an image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_deploy: Option<CustomDeploy>,
}

/// Inspected hardware (BareMetalHost `status.hardware`, HardwareData `spec.hardware`).
/// Metal3 has no GPU list here: GPUs come from labels or the inventory.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hardware {
    /// `cpu`: the inspected CPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
    /// `ramMebibytes`: memory in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ram_mebibytes: Option<u64>,
    /// Memory in GiB, in the status schema before baremetal-operator 0.1 (2019 dumps).
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "ramGiB")]
    pub ram_gib: Option<u64>,
    /// `systemVendor`: manufacturer, product and serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_vendor: Option<SystemVendor>,
    /// `hostname` the inspection reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
}

/// `status.hardware.cpu`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cpu {
    /// `arch` (`x86_64`, `aarch64`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// `model` name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `count`: logical CPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

/// `status.hardware.systemVendor`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemVendor {
    /// `manufacturer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// `productName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    /// `serialNumber`.
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The CRD's `checksumType` enum (`md5`, `sha256`, `sha512`, `auto`) reads as the known
    /// types, in its order, and is written back the same.
    #[test]
    fn checksum_types_are_spelled_as_the_crd_spells_them() {
        let crd = ["md5", "sha256", "sha512", "auto"];
        let read: Vec<ChecksumType> = crd.iter().map(|w| ChecksumType::parse(w)).collect();
        assert_eq!(read, ChecksumType::KNOWN);
        for (word, kind) in crd.iter().zip(&read) {
            assert!(kind.is_known());
            assert_eq!(kind.as_str(), *word);
            assert_eq!(serde_json::to_value(kind).unwrap(), *word);
        }
        assert_eq!(ChecksumType::known_list(), "md5, sha256, sha512, auto");
    }

    #[test]
    fn an_unknown_checksum_type_is_kept_as_written() {
        let kind = ChecksumType::parse("SHA256");
        assert_eq!(kind, ChecksumType::Other("SHA256".into()), "case counts");
        assert!(!kind.is_known());
        assert_eq!(kind.to_string(), "SHA256");
        let back: ChecksumType = serde_json::from_value(serde_json::json!("blake3")).unwrap();
        assert_eq!(back, ChecksumType::Other("blake3".into()));
    }
}
