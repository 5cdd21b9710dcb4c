//! Turning one JSON value into a typed fleet object, with errors that name the kind, the
//! object and the field.

use crate::fleet::FleetObject;
use crate::model::{
    BareMetalHost, HardwareData, Machine, NodeClaim, NodeProvider, NodeType, OsImage,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

/// Why one object could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub kind: String,
    pub name: String,
    /// Dotted path of the offending field, e.g. `spec.metal3.nodeTypes[2].resources.cpu`.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.name)?;
        if let Some(field) = &self.field {
            write!(f, ": field {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What one JSON value turned out to be.
pub enum Decoded {
    Object(FleetObject),
    /// A kind gpufleet does not read (Secrets among them: never looked into).
    Ignored(String),
}

/// The kinds gpufleet reads, with the API groups that serve them.
fn kind_of(value: &Value) -> (&str, &str) {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    (kind, group)
}

/// `namespace/name` or `name` of a raw object, for messages.
pub fn display_name(value: &Value) -> String {
    let meta = value.get("metadata");
    let name = meta
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("<unnamed>");
    match meta
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str)
    {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    }
}

fn typed<T: DeserializeOwned>(value: Value, kind: &str, name: &str) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        DecodeError {
            kind: kind.to_string(),
            name: name.to_string(),
            field: (path != "." && !path.is_empty()).then_some(path),
            message: e.into_inner().to_string(),
        }
    })
}

/// Decodes one object. `kind` and `apiVersion` decide the type.
pub fn decode(value: Value) -> Result<Decoded, DecodeError> {
    let (kind, group) = kind_of(&value);
    let (kind, group) = (kind.to_string(), group.to_string());
    let name = display_name(&value);
    let loft = group == "management.loft.sh" || group == "storage.loft.sh";
    let object = match (kind.as_str(), group.as_str()) {
        ("BareMetalHost", "metal3.io") => {
            let mut o: BareMetalHost = typed(value, &kind, &name)?;
            o.metadata.managed_fields = None;
            FleetObject::Host(Arc::new(o))
        }
        ("NodeProvider", _) if loft => {
            let mut o: NodeProvider = typed(value, &kind, &name)?;
            o.metadata.managed_fields = None;
            FleetObject::Provider(Arc::new(o))
        }
        ("NodeType", _) if loft => {
            let mut o: NodeType = typed(value, &kind, &name)?;
            o.metadata.managed_fields = None;
            FleetObject::NodeType(Arc::new(o))
        }
        ("NodeClaim", _) if loft => {
            let mut o: NodeClaim = typed(value, &kind, &name)?;
            o.metadata.managed_fields = None;
            FleetObject::Claim(Arc::new(o))
        }
        ("OSImage", _) if loft => {
            let mut o: OsImage = typed(value, &kind, &name)?;
            o.metadata.managed_fields = None;
            FleetObject::OsImage(Arc::new(o))
        }
        // Only the platform's inventory Machine: Cluster API's and OpenShift's Machines
        // (other groups) are other kinds.
        ("Machine", _) if loft => {
            let mut o: Machine = typed(value, &kind, &name)?;
            o.metadata.managed_fields = None;
            FleetObject::Machine(Arc::new(o))
        }
        ("HardwareData", "metal3.io") => {
            let mut o: HardwareData = typed(value, &kind, &name)?;
            o.metadata.managed_fields = None;
            FleetObject::HardwareData(Arc::new(o))
        }
        ("", _) => {
            return Err(DecodeError {
                kind: "<no kind>".into(),
                name,
                field: Some("kind".into()),
                message: "the object has no kind".into(),
            });
        }
        _ => return Ok(Decoded::Ignored(kind)),
    };
    if object_name_missing(&object) {
        return Err(DecodeError {
            kind,
            name,
            field: Some("metadata.name".into()),
            message: "the object has no name".into(),
        });
    }
    Ok(Decoded::Object(object))
}

fn object_name_missing(object: &FleetObject) -> bool {
    object.metadata().name.as_deref().is_none_or(str::is_empty)
}
