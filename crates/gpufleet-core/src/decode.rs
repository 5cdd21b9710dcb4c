//! Turning one object, as JSON, into a typed fleet object, with errors that name the kind, the
//! object and the field. Every source decodes each object on its own: a file's documents and
//! a watch's list items and events alike, so one object that does not fit costs only itself.
//!
//! A kind plugs in with an `impl` of [`FleetKind`] and one row in [`DECODERS`]; files, watches
//! and the problems they report then handle it like every other kind.

use crate::event::Kind;
use crate::fleet::FleetObject;
use crate::fleet::objects::ObjectKey;
use crate::model::{
    BareMetalHost, HardwareData, Machine, Manifest, NodeClaim, NodeProvider, NodeType, OsImage,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::fmt::Debug;

use crate::model::keys::LAST_APPLIED_CONFIGURATION as LAST_APPLIED;

/// Why one object could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error(
    "{kind} {name}{}: {message}",
    field.as_ref().map(|f| format!(": field {f}")).unwrap_or_default()
)]
pub struct DecodeError {
    /// The object's kind as written (`BareMetalHost`), or `<no kind>`.
    pub kind: String,
    /// `namespace/name`, or `name` for a cluster-scoped object, or `<unnamed>`.
    pub name: String,
    /// Dotted path of the offending field, e.g. `spec.metal3.nodeTypes[2].resources.cpu`.
    pub field: Option<String>,
    /// What is wrong, as the JSON reader says it (`invalid type: string "x", expected i64`).
    pub message: String,
}

/// A kind gpufleet reads: its typed object (which kube's watches use as it is), the [`Kind`]
/// it is filed under, and the API groups whose objects of that kind are read.
pub trait FleetKind:
    kube_core::Resource<DynamicType = ()>
    + Manifest
    + DeserializeOwned
    + Default
    + Clone
    + Debug
    + Send
    + Sync
    + Into<FleetObject>
    + 'static
{
    /// The [`Kind`] objects of this type are filed, watched and counted under.
    const FLEET_KIND: Kind;
    /// API groups serving this kind (any version). A file object of the same kind name in
    /// another group (an OpenShift `Machine`, say) is not this kind.
    const GROUPS: &'static [&'static str];
}

/// The groups vCluster Platform serves its kinds in: clients use `management.loft.sh`; the
/// storage twins (`storage.loft.sh`) appear in manifests such as the public demos'.
pub const LOFT_GROUPS: &[&str] = &["management.loft.sh", "storage.loft.sh"];

impl FleetKind for BareMetalHost {
    const FLEET_KIND: Kind = Kind::BareMetalHost;
    const GROUPS: &'static [&'static str] = &["metal3.io"];
}
impl FleetKind for NodeProvider {
    const FLEET_KIND: Kind = Kind::NodeProvider;
    const GROUPS: &'static [&'static str] = LOFT_GROUPS;
}
impl FleetKind for NodeType {
    const FLEET_KIND: Kind = Kind::NodeType;
    const GROUPS: &'static [&'static str] = LOFT_GROUPS;
}
impl FleetKind for NodeClaim {
    const FLEET_KIND: Kind = Kind::NodeClaim;
    const GROUPS: &'static [&'static str] = LOFT_GROUPS;
}
impl FleetKind for OsImage {
    const FLEET_KIND: Kind = Kind::OsImage;
    const GROUPS: &'static [&'static str] = LOFT_GROUPS;
}
/// Only the platform's inventory Machine: Cluster API's and OpenShift's Machines (other
/// groups) are other kinds.
impl FleetKind for Machine {
    const FLEET_KIND: Kind = Kind::Machine;
    const GROUPS: &'static [&'static str] = LOFT_GROUPS;
}
impl FleetKind for HardwareData {
    const FLEET_KIND: Kind = Kind::HardwareData;
    const GROUPS: &'static [&'static str] = &["metal3.io"];
}

/// How objects of one kind are recognised and decoded in a file.
pub struct Decoder {
    /// The [`Kind`] it decodes to.
    pub kind: Kind,
    /// The kind's name in `kind:` (`OSImage`).
    pub api_kind: &'static str,
    /// The API groups (the part of `apiVersion` before `/`) whose objects it reads; see
    /// [`FleetKind::GROUPS`].
    pub groups: &'static [&'static str],
    decode: fn(Value) -> Result<FleetObject, DecodeError>,
}

impl Decoder {
    /// The decoder of kind `K`: its [`Kind`], `kind:` name and groups come from the type.
    pub const fn of<K: FleetKind>() -> Decoder {
        Decoder {
            kind: K::FLEET_KIND,
            api_kind: <K as Manifest>::KIND,
            groups: K::GROUPS,
            decode: decode_object::<K>,
        }
    }

    fn reads(&self, kind: &str, group: &str) -> bool {
        self.api_kind == kind && self.groups.contains(&group)
    }
}

/// Every kind gpufleet reads.
pub const DECODERS: &[Decoder] = &[
    Decoder::of::<BareMetalHost>(),
    Decoder::of::<NodeProvider>(),
    Decoder::of::<NodeType>(),
    Decoder::of::<NodeClaim>(),
    Decoder::of::<OsImage>(),
    Decoder::of::<Machine>(),
    Decoder::of::<HardwareData>(),
];

/// What one JSON value turned out to be.
pub enum Decoded {
    /// An object of a kind gpufleet reads, typed.
    Object(FleetObject),
    /// A kind gpufleet does not read (Secrets among them: never looked into).
    Ignored(String),
}

/// `kind` and the API group of a raw object.
fn kind_of(value: &Value) -> (&str, &str) {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    (kind, group)
}

fn meta_str<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value.get("metadata")?.get(field)?.as_str()
}

/// `namespace/name` or `name` of a raw object, for messages.
pub fn display_name(value: &Value) -> String {
    let name = meta_str(value, "name").unwrap_or("<unnamed>");
    match meta_str(value, "namespace") {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    }
}

/// What identifies a raw object (namespace, name, resourceVersion, uid), read leniently: kept
/// for an object that does not fit, so it can still be named, replaced and deleted.
fn identity(value: &Value) -> ObjectMeta {
    let text = |field| meta_str(value, field).map(str::to_string);
    ObjectMeta {
        name: text("name"),
        namespace: text("namespace"),
        resource_version: text("resourceVersion"),
        uid: text("uid"),
        ..ObjectMeta::default()
    }
}

/// Drops what the fleet never reads before an object is kept: managed fields and kubectl's
/// last-applied copy.
fn lean<K: kube_core::Resource>(object: &mut K) {
    let meta = object.meta_mut();
    meta.managed_fields = None;
    if let Some(annotations) = meta.annotations.as_mut() {
        annotations.remove(LAST_APPLIED);
    }
}

/// Decodes one object of kind `K`, whatever its `kind` field says (a list's items may have
/// none). Errors name the object and the field. An object that fits is decoded once; only one
/// that does not is decoded again, tracking the path, to name the field.
pub fn decode_typed<K: FleetKind>(value: &Value) -> Result<K, DecodeError> {
    let named = |o: &K| o.meta().name.as_deref().is_some_and(|n| !n.is_empty());
    if let Ok(mut object) = K::deserialize(value)
        && named(&object)
    {
        lean(&mut object);
        return Ok(object);
    }
    let error = |field: Option<String>, message: String| DecodeError {
        kind: K::FLEET_KIND.to_string(),
        name: display_name(value),
        field,
        message,
    };
    if !value.is_object() {
        return Err(error(
            None,
            "not a Kubernetes object (expected a mapping with kind and metadata)".into(),
        ));
    }
    if meta_str(value, "name").is_none_or(str::is_empty) {
        return Err(error(
            Some("metadata.name".into()),
            "the object has no name".into(),
        ));
    }
    match serde_path_to_error::deserialize::<_, K>(value) {
        Err(e) => {
            let path = e.path().to_string();
            Err(error(
                (path != "." && !path.is_empty()).then_some(path),
                e.into_inner().to_string(),
            ))
        }
        // Not reached: both reads are the same. Should they ever differ, the object fits.
        Ok(mut object) => {
            lean(&mut object);
            Ok(object)
        }
    }
}

fn decode_object<K: FleetKind>(value: Value) -> Result<FleetObject, DecodeError> {
    decode_typed::<K>(&value).map(Into::into)
}

/// Decodes one object of a file. `kind` and `apiVersion` decide the type.
pub fn decode(value: Value) -> Result<Decoded, DecodeError> {
    let (kind, group) = kind_of(&value);
    if kind.is_empty() {
        return Err(DecodeError {
            kind: "<no kind>".into(),
            name: display_name(&value),
            field: Some("kind".into()),
            message: "the object has no kind".into(),
        });
    }
    match DECODERS.iter().find(|d| d.reads(kind, group)) {
        Some(decoder) => (decoder.decode)(value).map(Decoded::Object),
        None => Ok(Decoded::Ignored(kind.to_string())),
    }
}

/// One object of kind `K` as a list or a watch delivered it: typed, or why it does not fit.
/// Decoding it never fails (JSON first, then typed), so kube's watcher hands every object
/// over and one that does not fit costs only itself, never the list or the watch it came in.
#[derive(Clone, Debug)]
pub enum Lenient<K> {
    /// The object, typed.
    Fits(K),
    /// The object does not fit `K`: its identity and the error (boxed to keep the enum small).
    DoesNotFit(Box<Misfit>),
}

/// An object that does not fit its type: what identifies it, and why.
#[derive(Clone, Debug)]
pub struct Misfit {
    /// Namespace, name, resourceVersion and uid, as far as they could be read.
    pub metadata: ObjectMeta,
    /// Why it does not fit.
    pub error: DecodeError,
}

impl<K: FleetKind> Lenient<K> {
    /// Decodes `value` as `K` with [`decode_typed`]; never fails: an object that does not fit
    /// keeps its namespace, name, resourceVersion and uid, read as far as they are strings.
    pub fn from_value(value: Value) -> Self {
        match decode_typed::<K>(&value) {
            Ok(object) => Lenient::Fits(object),
            Err(error) => Lenient::DoesNotFit(Box::new(Misfit {
                metadata: identity(&value),
                error,
            })),
        }
    }

    /// The typed object, or, for one that does not fit, the rejection and an object of the
    /// kind with only its identity (what a deletion needs).
    pub fn split(self) -> Result<K, Box<(Rejected, K)>> {
        match self {
            Lenient::Fits(object) => Ok(object),
            Lenient::DoesNotFit(misfit) => {
                let Misfit { metadata, error } = *misfit;
                let rejected = Rejected {
                    kind: K::FLEET_KIND,
                    cluster: String::new(),
                    key: (
                        metadata.namespace.clone().unwrap_or_default(),
                        metadata.name.clone().unwrap_or_default(),
                    ),
                    error,
                };
                let mut stub = K::default();
                *stub.meta_mut() = metadata;
                Err(Box::new((rejected, stub)))
            }
        }
    }
}

impl<'de, K: FleetKind> Deserialize<'de> for Lenient<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Lenient::from_value)
    }
}

impl<K: FleetKind> kube_core::Resource for Lenient<K> {
    type DynamicType = ();
    type Scope = K::Scope;

    fn kind(dt: &()) -> Cow<'_, str> {
        K::kind(dt)
    }
    fn group(dt: &()) -> Cow<'_, str> {
        K::group(dt)
    }
    fn version(dt: &()) -> Cow<'_, str> {
        K::version(dt)
    }
    fn plural(dt: &()) -> Cow<'_, str> {
        K::plural(dt)
    }
    fn meta(&self) -> &ObjectMeta {
        match self {
            Lenient::Fits(object) => object.meta(),
            Lenient::DoesNotFit(misfit) => &misfit.metadata,
        }
    }
    fn meta_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Lenient::Fits(object) => object.meta_mut(),
            Lenient::DoesNotFit(misfit) => &mut misfit.metadata,
        }
    }
}

/// One object of a kind gpufleet reads that does not fit its type: left out of the fleet,
/// counted and named until it is fixed, deleted or relisted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// The kind it was read as.
    pub kind: Kind,
    /// The Metal3 cluster a BareMetalHost or HardwareData was read from (empty for the
    /// platform's kinds, or when the source does not know).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cluster: String,
    /// Namespace (empty for a cluster-scoped kind) and name.
    pub key: ObjectKey,
    /// Why it does not fit.
    pub error: DecodeError,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_has_one_decoder() {
        for kind in Kind::ALL {
            assert_eq!(
                DECODERS.iter().filter(|d| d.kind == kind).count(),
                1,
                "{kind}"
            );
        }
        assert_eq!(DECODERS.len(), Kind::ALL.len());
    }

    #[test]
    fn a_kind_of_another_group_is_not_read() {
        let machine = json!({"apiVersion": "metal3.io/v1alpha1", "kind": "NodeClaim",
            "metadata": {"name": "x"}});
        assert!(matches!(decode(machine), Ok(Decoded::Ignored(k)) if k == "NodeClaim"));
        let storage = json!({"apiVersion": "storage.loft.sh/v1", "kind": "OSImage",
            "metadata": {"name": "img"}});
        assert!(matches!(
            decode(storage),
            Ok(Decoded::Object(FleetObject::OsImage(_)))
        ));
    }

    #[test]
    fn an_object_that_does_not_fit_keeps_its_identity_and_names_the_field() {
        let host = json!({"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
            "metadata": {"name": "h1", "namespace": "m3", "resourceVersion": "7"},
            "spec": {"online": "yes"}});
        let lenient: Lenient<BareMetalHost> = serde_json::from_value(host).unwrap();
        assert_eq!(
            kube_core::Resource::meta(&lenient)
                .resource_version
                .as_deref(),
            Some("7")
        );
        let (rejected, stub) = *lenient.split().unwrap_err();
        assert_eq!(rejected.key, ("m3".to_string(), "h1".to_string()));
        assert_eq!(rejected.error.field.as_deref(), Some("spec.online"));
        assert!(
            rejected
                .to_string()
                .starts_with("BareMetalHost m3/h1: field spec.online: invalid type"),
            "{rejected}"
        );
        assert_eq!(stub.metadata.name.as_deref(), Some("h1"));
    }

    #[test]
    fn list_items_without_kind_decode_as_the_listed_kind() {
        let item = json!({"metadata": {"name": "c", "namespace": "p-default",
            "managedFields": [{"manager": "kubectl"}],
            "annotations": {LAST_APPLIED: "{}", "keep": "me"}}});
        let claim = decode_typed::<NodeClaim>(&item).unwrap();
        assert!(claim.metadata.managed_fields.is_none());
        let annotations = claim.metadata.annotations.unwrap();
        assert_eq!(annotations.keys().collect::<Vec<_>>(), ["keep"]);
    }
}
