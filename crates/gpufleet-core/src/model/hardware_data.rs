//! Metal3 `HardwareData` (metal3.io/v1alpha1, namespaced): the inspected hardware of the
//! BareMetalHost of the same namespace and name, where baremetal-operator's v1beta1 design
//! moves `status.hardware`. Field for field as baremetal-operator's `HardwareData`.

use super::host::Hardware;
use super::resource::impl_resource;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// A HardwareData as gpufleet reads it (baremetal-operator's
/// `apis/metal3.io/v1alpha1/hardwaredata_types.go`,
/// <https://github.com/metal3-io/baremetal-operator/blob/main/apis/metal3.io/v1alpha1/hardwaredata_types.go>).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct HardwareData {
    /// Not part of the API object: the Metal3 cluster it was read from (the name a
    /// NodeProvider's `spec.metal3.clusterRef.cluster` gives it), set by the source that read
    /// it (a watch, a named dump, the generator); empty when the source does not know.
    /// Never serialized.
    #[serde(skip)]
    pub cluster: String,
    /// Kubernetes object metadata: namespace and name are its BareMetalHost's.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What was inspected; absent reads as empty.
    #[serde(default)]
    pub spec: HardwareDataSpec,
}

impl_resource!(
    HardwareData,
    "metal3.io",
    "v1alpha1",
    "HardwareData",
    "hardwaredata",
    k8s_openapi::NamespaceResourceScope,
    fields: [spec],
    optional: []
);

/// `spec`: the hardware found when the host was inspected.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HardwareDataSpec {
    /// `hardware`: the same shape as a BareMetalHost's `status.hardware`; `None` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<Hardware>,
}
