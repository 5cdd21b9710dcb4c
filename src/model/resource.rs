//! Wires the typed resources into kube's `Resource` trait, so the kube watchers and the
//! file loader use the very same structs.

use serde::Serialize;

/// A resource that can be written out as a manifest (`kubectl apply`-able).
pub trait Manifest: Serialize {
    const API_VERSION: &'static str;
    const KIND: &'static str;

    /// The object as JSON with `apiVersion` and `kind` first.
    fn to_manifest(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        out.insert("apiVersion".into(), Self::API_VERSION.into());
        out.insert("kind".into(), Self::KIND.into());
        if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(self) {
            out.extend(fields);
        }
        serde_json::Value::Object(out)
    }
}

/// Implements `kube::Resource` and [`Manifest`] for a struct with a `metadata: ObjectMeta` field.
macro_rules! impl_resource {
    ($ty:ty, $group:literal, $version:literal, $kind:literal, $plural:literal, $scope:ty) => {
        impl kube::Resource for $ty {
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
