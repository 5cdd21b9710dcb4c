//! `OSImage` (management.loft.sh/v1, cluster-scoped): a named image whose URL and checksum
//! are properties (domain.md §1.6). Images are provider-generic: a KubeVirt image carries
//! `kubevirt.vcluster.com/*` properties and no Metal3 key, by design.

use super::Labels;
use super::claim::{Access, UserOrTeam};
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UserOrTeam>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<Access>,
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub properties: Labels,
    /// The image store connector holding the image's blob; empty for a properties-only image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_ref: Option<String>,
    /// The blob's on-disk format (`qcow2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
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

    /// Which provider the image is for: its `machines.vcluster.com/os-image-type` property
    /// when set, else Metal3 when it has a `metal3.vcluster.com/` property, else the provider
    /// its `<provider>.vcluster.com/` properties name (`kubevirt`), else unknown.
    ///
    /// Source: vCluster docs, OS images ("machines.vcluster.com/os-image-type: kubevirt" shows
    /// an image for KubeVirt providers; Metal3 images carry `metal3.vcluster.com/image-*`).
    pub fn provider(&self) -> ImageProvider {
        let props = &self.spec.properties;
        if let Some(kind) = non_empty(props.get(keys::OS_IMAGE_TYPE)) {
            return if kind.eq_ignore_ascii_case(keys::METAL3_IMAGE_TYPE) {
                ImageProvider::Metal3
            } else {
                ImageProvider::Other(kind.to_string())
            };
        }
        if props
            .keys()
            .any(|k| k.starts_with(keys::METAL3_PROPERTY_PREFIX))
        {
            return ImageProvider::Metal3;
        }
        props
            .keys()
            .filter_map(|k| k.split_once('/')?.0.strip_suffix(".vcluster.com"))
            .find(|p| !["machines", "metal3"].contains(p) && !p.contains('.'))
            .map_or(ImageProvider::Unknown, |p| {
                ImageProvider::Other(p.to_string())
            })
    }
}

/// The provider an OSImage is for (see [`OsImage::provider`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageProvider {
    Metal3,
    /// Another provider's image (`kubevirt`): not a Metal3 image, complete or not.
    Other(String),
    /// No property says which.
    Unknown,
}

fn non_empty(v: Option<&String>) -> Option<&str> {
    v.map(String::as_str).filter(|s| !s.is_empty())
}
