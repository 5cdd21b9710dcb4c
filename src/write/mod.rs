//! Writing a previewed change. One [`Writer`] per place that can be written to: the live
//! cluster (kube) or the embedded simulator. In read-only (watch) mode there is no Writer at
//! all, and the kube client itself refuses every verb but get, list and watch.

pub mod audit;

use crate::fleet::Fleet;
use crate::impact::Change;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Whether to commit the write or let the server only validate it (`dryRun=All`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteMode {
    DryRun,
    Commit,
}

/// One object a write touched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenObject {
    pub kind: String,
    /// The Metal3 cluster of a BareMetalHost written (absent for the platform's kinds, and in
    /// records written before fleets spanned clusters: those name hosts of the only cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    /// The kube context the object was written through: a host's Metal3 cluster's, the
    /// platform's for its kinds (absent for the simulator, and in records written before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The version the preview saw (the precondition); `None` for an object created.
    pub resource_version_before: Option<String>,
    /// The version after the write (for a dry run, what the server answered).
    pub resource_version_after: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteReport {
    pub mode: WriteMode,
    pub objects: Vec<WrittenObject>,
}

/// Why a write did not land. Nothing is ever overwritten on failure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum WriteError {
    /// No writer exists (watch mode) or the client refused the verb.
    ReadOnly {
        verb: String,
    },
    /// The object changed since the preview (HTTP 409 or a failed `test`).
    Conflict {
        kind: String,
        name: String,
        what_changed: String,
    },
    /// The server refused the verb for this user (HTTP 403).
    Forbidden {
        verb: String,
        resource: String,
        message: String,
    },
    /// Admission or validation rejected the object (HTTP 400/422, webhooks).
    Rejected {
        message: String,
    },
    /// The object does not exist (HTTP 404).
    NotFound {
        kind: String,
        name: String,
    },
    /// The API server could not be reached or timed out.
    Unreachable {
        message: String,
    },
    /// The change itself is invalid for this fleet.
    Invalid {
        message: String,
    },
    Other {
        message: String,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::ReadOnly { verb } => {
                write!(
                    f,
                    "read-only: gpufleet will not {verb} anything in this mode"
                )
            }
            WriteError::Conflict {
                kind,
                name,
                what_changed,
            } => write!(
                f,
                "{kind} {name} changed since the preview ({what_changed}); nothing was written: preview again"
            ),
            WriteError::Forbidden {
                verb,
                resource,
                message,
            } => write!(f, "forbidden: you may not {verb} {resource} ({message})"),
            WriteError::Rejected { message } => write!(f, "rejected by the API server: {message}"),
            WriteError::NotFound { kind, name } => write!(f, "{kind} {name} no longer exists"),
            WriteError::Unreachable { message } => write!(f, "API server unreachable: {message}"),
            WriteError::Invalid { message } => f.write_str(message),
            WriteError::Other { message } => f.write_str(message),
        }
    }
}

impl std::error::Error for WriteError {}

impl WrittenObject {
    /// The object as people read it: `namespace/name`, led by the Metal3 cluster of a
    /// BareMetalHost when `with_cluster` (the fleet spans clusters):
    /// [`crate::impact::object_name`].
    pub fn shown_name(&self, with_cluster: bool) -> String {
        crate::impact::object_name(
            self.cluster.as_deref(),
            self.namespace.as_deref(),
            &self.name,
            with_cluster,
        )
    }
}

impl WriteReport {
    /// The contexts the objects were written through, in order, each once; empty where none
    /// is named (the simulator).
    pub fn contexts(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in self.objects.iter().filter_map(|o| o.context.as_deref()) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }

    /// Where the objects went, for a message: `context dc2`, `contexts platform, dc2`, or
    /// `fallback` (the writer's target) where no object names its context (the simulator).
    pub fn written_to(&self, fallback: &str) -> String {
        match self.contexts().as_slice() {
            [] => fallback.to_string(),
            [one] => format!("context {one}"),
            many => format!("contexts {}", many.join(", ")),
        }
    }
}

impl WriteError {
    /// Whether the objects changed since the preview (a `resourceVersion` or `test`
    /// precondition failed), as opposed to a refusal: the one error a fresh preview can cure.
    pub fn is_conflict(&self) -> bool {
        matches!(self, WriteError::Conflict { .. })
    }
}

/// Performs previewed changes. `fleet` is the snapshot the preview was computed from: its
/// resourceVersions are the preconditions of the write.
pub trait Writer: Send + Sync {
    fn write<'a>(
        &'a self,
        fleet: &'a Fleet,
        change: &'a Change,
        mode: WriteMode,
    ) -> BoxFuture<'a, Result<WriteReport, WriteError>>;

    /// Where writes go, for the status line and the audit log: a kube context (with each
    /// Metal3 cluster's whose context differs: `platform, dc2 (dc2-infra)`), "simulator".
    /// Each object a write touched names its own context ([`WrittenObject::context`]).
    fn target(&self) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(context: Option<&str>) -> WrittenObject {
        WrittenObject {
            kind: "BareMetalHost".into(),
            cluster: Some("usw2-infra".into()),
            namespace: Some("metal3-system".into()),
            name: "r01-u03".into(),
            context: context.map(str::to_string),
            resource_version_before: Some("1".into()),
            resource_version_after: Some("2".into()),
        }
    }

    #[test]
    fn a_write_names_the_contexts_its_objects_went_through() {
        let report = |contexts: &[Option<&str>]| WriteReport {
            mode: WriteMode::Commit,
            objects: contexts.iter().map(|c| object(*c)).collect(),
        };
        assert_eq!(report(&[Some("dc2")]).written_to("platform"), "context dc2");
        assert_eq!(
            report(&[Some("dc2"), Some("dc1"), Some("dc2")]).written_to("platform"),
            "contexts dc2, dc1"
        );
        assert_eq!(report(&[None]).written_to("simulator"), "simulator");
    }
}
