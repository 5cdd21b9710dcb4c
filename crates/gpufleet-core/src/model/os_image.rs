//! `OSImage` (management.loft.sh/v1, cluster-scoped): a named image whose URL and checksum
//! are properties, not typed fields (vCluster docs, "OS images",
//! <https://www.vcluster.com/docs/platform/next/use-platform/machines/os-images>; the type is
//! `OSImageSpec` in
//! <https://github.com/loft-sh/api/blob/main/pkg/apis/storage/v1/osimage_types.go>). Images
//! are provider-generic: a KubeVirt image carries `kubevirt.vcluster.com/*` properties and no
//! Metal3 key, by design.

use super::Labels;
use super::claim::{Access, UserOrTeam};
use super::keys;
use super::resource::impl_resource;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// An OSImage as gpufleet reads it; its status is empty in the API and not read.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct OsImage {
    /// Kubernetes object metadata; the name is what `vcluster.com/os-image` refers to.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What the image is; absent reads as empty.
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

/// `spec` of an OSImage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OsImageSpec {
    /// `displayName`: the name the platform UI shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `description`: free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `owner`: the user or team owning the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UserOrTeam>,
    /// `access`: who may do what with the image (`users: ["*"], verbs: [get]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<Access>,
    /// `properties`: the image's configuration; for Metal3 `metal3.vcluster.com/image-url`,
    /// `-image-checksum` and `-image-checksum-type` ([`keys`]).
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
    /// `metadata.name`; empty when missing.
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }
    /// The `metal3.vcluster.com/image-url` property, when set and not empty.
    pub fn url(&self) -> Option<&str> {
        non_empty(self.spec.properties.get(keys::IMAGE_URL))
    }
    /// The `metal3.vcluster.com/image-checksum` property, when set and not empty.
    pub fn checksum(&self) -> Option<&str> {
        non_empty(self.spec.properties.get(keys::IMAGE_CHECKSUM))
    }
    /// The `metal3.vcluster.com/image-checksum-type` property as written (`md5`, `sha256`,
    /// `sha512`, `auto`), when set and not empty; not checked here.
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
    /// An image for Metal3 providers.
    Metal3,
    /// Another provider's image (`kubevirt`): not a Metal3 image, complete or not.
    Other(String),
    /// No property says which.
    Unknown,
}

fn non_empty(v: Option<&String>) -> Option<&str> {
    v.map(String::as_str).filter(|s| !s.is_empty())
}
