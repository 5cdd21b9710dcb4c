//! Wires the typed resources into kube's `Resource` trait, so the kube watchers and the
//! file loader use the very same structs.

use serde::Serialize;

/// A resource that can be written out as a manifest (`kubectl apply`-able).
pub trait Manifest: Serialize {
    /// `apiVersion`: group and version (`metal3.io/v1alpha1`).
    const API_VERSION: &'static str;
    /// `kind`, as the API spells it (`OSImage`).
    const KIND: &'static str;

    /// The object as JSON, with `apiVersion` and `kind`; JSON `null` in the unexpected case
    /// that it cannot be serialized.
    fn to_manifest(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Implements `kube::Resource`, [`Manifest`] and `Serialize` (with `apiVersion` and `kind`, as
/// the API server requires in a request body) for a struct with a `metadata: ObjectMeta` field,
/// the listed fields, and the listed `Option` fields (left out when `None`).
macro_rules! impl_resource {
    ($ty:ty, $group:literal, $version:literal, $kind:literal, $plural:literal, $scope:ty,
     fields: [$($field:ident),*], optional: [$($optional:ident),*]) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("apiVersion", concat!($group, "/", $version))?;
                map.serialize_entry("kind", $kind)?;
                map.serialize_entry("metadata", &self.metadata)?;
                $(map.serialize_entry(stringify!($field), &self.$field)?;)*
                $(if let Some(value) = &self.$optional {
                    map.serialize_entry(stringify!($optional), value)?;
                })*
                map.end()
            }
        }
        impl kube_core::Resource for $ty {
            type DynamicType = ();
            type Scope = $scope;
            fn kind(_: &()) -> std::borrow::Cow<'_, str> {
                $kind.into()
            }
            fn group(_: &()) -> std::borrow::Cow<'_, str> {
                $group.into()
            }
            fn version(_: &()) -> std::borrow::Cow<'_, str> {
                $version.into()
            }
            fn plural(_: &()) -> std::borrow::Cow<'_, str> {
                $plural.into()
            }
            fn meta(&self) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &self.metadata
            }
            fn meta_mut(
                &mut self,
            ) -> &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &mut self.metadata
            }
        }
        impl $crate::model::resource::Manifest for $ty {
            const API_VERSION: &'static str = concat!($group, "/", $version);
            const KIND: &'static str = $kind;
        }
    };
}
pub(crate) use impl_resource;
