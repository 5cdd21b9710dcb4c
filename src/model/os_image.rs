//! `OSImage` (management.loft.sh/v1, cluster-scoped): a named image whose URL and checksum
//! are properties (domain.md §1.6).

use super::Labels;
use super::keys;
use super::resource::impl_resource;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct OsImage {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: OsImageSpec,
}

impl_resource!(
    OsImage,
    "management.loft.sh",
    "v1",
    "OSImage",
    "osimages",
    k8s_openapi::ClusterResourceScope,
    fields: [spec],
    optional: []
);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OsImageSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub properties: Labels,
}

impl OsImage {
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }
    pub fn url(&self) -> Option<&str> {
        non_empty(self.spec.properties.get(keys::IMAGE_URL))
    }
    pub fn checksum(&self) -> Option<&str> {
        non_empty(self.spec.properties.get(keys::IMAGE_CHECKSUM))
    }
    pub fn checksum_type(&self) -> Option<&str> {
        non_empty(self.spec.properties.get(keys::IMAGE_CHECKSUM_TYPE))
    }
}

fn non_empty(v: Option<&String>) -> Option<&str> {
    v.map(String::as_str).filter(|s| !s.is_empty())
}
