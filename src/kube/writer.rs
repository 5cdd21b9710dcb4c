//! Writes to a live cluster, guarded: every write carries the preview's resourceVersion (or a
//! JSON patch `test` of the value it replaces), a server-side dry run of every object comes
//! before any commit, and a conflict is reported, never overwritten.

use super::{ClusterClient, Clusters, read_only::is_refusal};
use crate::fleet::{Fleet, FleetView, HostId};
use crate::impact::pin::new_pinned_claim;
use crate::impact::rotate::new_os_image;
use crate::impact::{Change, LabelEdit, PinChange, PinTarget, Rotation, impact};
use crate::model::{BareMetalHost, Labels, NodeClaim, NodeProvider, OsImage, keys};
use crate::write::{WriteError, WriteMode, WriteReport, Writer, WrittenObject};
use futures::future::BoxFuture;
use futures::{StreamExt, TryStreamExt, stream};
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Resource};
use serde_json::{Value, json};
use std::future::Future;

/// How many objects are written at once (a 300-host label edit over a slow link).
pub const CONCURRENCY: usize = 8;

pub struct KubeWriter {
    clusters: Clusters,
}

impl KubeWriter {
    /// A writer for these clusters. Refuses to exist for read-only clients.
    pub fn new(clusters: Clusters) -> Result<Self, WriteError> {
        if clusters.platform.read_only || clusters.metal3.read_only {
            return Err(WriteError::ReadOnly {
                verb: "write".into(),
            });
        }
        Ok(KubeWriter { clusters })
    }
}

/// What a failed request was about, to name it in the error.
struct Target<'a> {
    verb: &'a str,
    resource: &'a str,
    kind: &'a str,
    name: String,
}

fn map_error(e: kube::Error, target: &Target) -> WriteError {
    if is_refusal(&e) {
        return WriteError::ReadOnly {
            verb: target.verb.to_string(),
        };
    }
    match e {
        kube::Error::Api(status) => match status.code {
            409 => WriteError::Conflict {
                kind: target.kind.to_string(),
                name: target.name.clone(),
                what_changed: status.message.clone(),
            },
            403 => WriteError::Forbidden {
                verb: target.verb.to_string(),
                resource: target.resource.to_string(),
                message: status.message.clone(),
            },
            404 => WriteError::NotFound {
                kind: target.kind.to_string(),
                name: target.name.clone(),
            },
            400 | 422 => WriteError::Rejected {
                message: status.message.clone(),
            },
            _ => WriteError::Other {
                message: format!("{} {}: {}", status.code, status.reason, status.message),
            },
        },
        other => WriteError::Unreachable {
            message: other.to_string(),
        },
    }
}

/// Runs a request under the client's timeout.
async fn timed<T>(
    client: &ClusterClient,
    target: &Target<'_>,
    request: impl Future<Output = Result<T, kube::Error>>,
) -> Result<T, WriteError> {
    // An API server that cannot be reached is named by the context tried.
    let place = |e: WriteError| match e {
        WriteError::Unreachable { message } => WriteError::Unreachable {
            message: format!("context {}: {message}", client.context),
        },
        other => other,
    };
    timed_here(client, target, request).await.map_err(place)
}

async fn timed_here<T>(
    client: &ClusterClient,
    target: &Target<'_>,
    request: impl Future<Output = Result<T, kube::Error>>,
) -> Result<T, WriteError> {
    match client.request_timeout {
        Some(limit) => match tokio::time::timeout(limit, request).await {
            Ok(result) => result.map_err(|e| map_error(e, target)),
            Err(_) => Err(WriteError::Unreachable {
                message: format!(
                    "{} {} {} timed out after {:?}",
                    target.verb, target.kind, target.name, limit
                ),
            }),
        },
        None => request.await.map_err(|e| map_error(e, target)),
    }
}

fn patch_params(dry_run: bool) -> PatchParams {
    PatchParams {
        dry_run,
        ..PatchParams::default()
    }
}

fn post_params(dry_run: bool) -> PostParams {
    PostParams {
        dry_run,
        ..PostParams::default()
    }
}

/// The merge patch of a label edit on one host: only the keys whose value changes, removed
/// keys as `null`, and the resourceVersion of the preview as the precondition.
pub fn label_patch(before: &Labels, after: &Labels, resource_version: Option<&str>) -> Value {
    let mut labels = serde_json::Map::new();
    for (k, v) in after {
        if before.get(k) != Some(v) {
            labels.insert(k.clone(), Value::String(v.clone()));
        }
    }
    for k in before.keys() {
        if !after.contains_key(k) {
            labels.insert(k.clone(), Value::Null);
        }
    }
    let mut metadata = serde_json::Map::new();
    metadata.insert("labels".into(), Value::Object(labels));
    if let Some(rv) = resource_version {
        metadata.insert("resourceVersion".into(), Value::String(rv.to_string()));
    }
    json!({ "metadata": metadata })
}

/// Says how the labels of a host differ from what the preview saw.
fn labels_changed(seen: &Labels, now: &Labels) -> String {
    let mut diffs = Vec::new();
    for (k, v) in now {
        match seen.get(k) {
            None => diffs.push(format!("{k}={v} added")),
            Some(old) if old != v => diffs.push(format!("{k} {old} → {v}")),
            _ => {}
        }
    }
    for k in seen.keys().filter(|k| !now.contains_key(*k)) {
        diffs.push(format!("{k} removed"));
    }
    if diffs.is_empty() {
        "its labels are unchanged, but other fields changed".into()
    } else {
        format!("labels: {}", diffs.join(", "))
    }
}

/// A JSON pointer segment (`/` and `~` escaped).
fn pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The JSON patch that repoints a node type's `vcluster.com/os-image`, testing first that the
/// entry is still the one the preview saw and still carries the value being replaced.
pub fn rotation_patch(
    provider: &NodeProvider,
    index: usize,
    short_name: &str,
    image: &str,
) -> Result<Value, String> {
    let entry = provider
        .spec
        .metal3
        .as_ref()
        .and_then(|m| m.node_types.get(index))
        .ok_or_else(|| format!("node type #{index} is gone from provider"))?;
    let base = format!("/spec/metal3/nodeTypes/{index}");
    let key = format!("{base}/properties/{}", pointer(keys::OS_IMAGE));
    let mut ops = vec![json!({"op": "test", "path": format!("{base}/name"), "value": short_name})];
    match entry.properties.get(keys::OS_IMAGE) {
        Some(current) => {
            ops.push(json!({"op": "test", "path": key, "value": current}));
            ops.push(json!({"op": "replace", "path": key, "value": image}));
        }
        None if !entry.properties.is_empty() => {
            ops.push(json!({"op": "test", "path": format!("{base}/properties"), "value": entry.properties}));
            ops.push(json!({"op": "add", "path": key, "value": image}));
        }
        None => {
            ops.push(json!({"op": "add", "path": format!("{base}/properties"), "value": {keys::OS_IMAGE: image}}));
        }
    }
    Ok(Value::Array(ops))
}

impl KubeWriter {
    async fn label(
        &self,
        fleet: &Fleet,
        edits: &[LabelEdit],
        mode: WriteMode,
    ) -> Result<WriteReport, WriteError> {
        let relabelled =
            crate::impact::label::relabel(fleet, edits).map_err(|e| WriteError::Invalid {
                message: e.to_string(),
            })?;
        let changed: Vec<(HostId, Labels)> = relabelled
            .into_iter()
            .filter(|(h, after)| after != fleet.labels(*h))
            .collect();
        // Every object is dry-run first, so a refusal of any one writes nothing at all.
        let mut objects = Vec::new();
        for &dry_run in passes(mode) {
            let requests: Vec<BoxFuture<'_, Result<WrittenObject, WriteError>>> = changed
                .iter()
                .map(|(h, after)| {
                    Box::pin(self.patch_host(fleet, *h, after, dry_run)) as BoxFuture<'_, _>
                })
                .collect();
            objects = stream::iter(requests)
                .buffered(CONCURRENCY)
                .try_collect()
                .await?;
        }
        Ok(WriteReport { mode, objects })
    }

    async fn patch_host(
        &self,
        fleet: &Fleet,
        h: HostId,
        after: &Labels,
        dry_run: bool,
    ) -> Result<WrittenObject, WriteError> {
        let host = fleet.host(h);
        // The host's own cluster: names repeat across clusters, so only its client may
        // write it.
        let client = &self
            .clusters
            .metal3_client(&host.cluster)
            .await
            .map_err(|e| WriteError::Unreachable {
                message: format!("Metal3 cluster {}: {e}", host.cluster),
            })?;
        let site = |e: WriteError| match e {
            WriteError::Unreachable { message } => WriteError::Unreachable {
                message: format!("Metal3 cluster {}, {message}", host.cluster),
            },
            other => other,
        };
        let api: Api<BareMetalHost> = Api::namespaced(client.client.clone(), &host.namespace);
        let patch = label_patch(host.labels(), after, host.resource_version());
        let target = Target {
            verb: "patch",
            resource: "baremetalhosts",
            kind: "BareMetalHost",
            name: host.key().to_string(),
        };
        match timed(
            client,
            &target,
            api.patch(&host.name, &patch_params(dry_run), &Patch::Merge(&patch)),
        )
        .await
        .map_err(site)
        {
            Ok(written) => Ok(WrittenObject {
                kind: "BareMetalHost".into(),
                cluster: (!host.cluster.is_empty()).then(|| host.cluster.clone()),
                namespace: Some(host.namespace.clone()),
                name: host.name.clone(),
                context: Some(client.context.clone()),
                resource_version_before: host.resource_version().map(str::to_string),
                resource_version_after: written.metadata.resource_version,
            }),
            Err(WriteError::Conflict { kind, name, .. }) => {
                let what_changed = match api.get(&host.name).await {
                    Ok(now) => labels_changed(
                        host.labels(),
                        now.metadata.labels.as_ref().unwrap_or(&Labels::new()),
                    ),
                    Err(_) => "it could not be read back".into(),
                };
                Err(WriteError::Conflict {
                    kind,
                    name,
                    what_changed,
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn pin(
        &self,
        fleet: &Fleet,
        pin: &PinChange,
        mode: WriteMode,
    ) -> Result<WriteReport, WriteError> {
        let server = fleet
            .resolve_host(&pin.server)
            .map_err(|e| WriteError::Invalid {
                message: e.to_string(),
            })?;
        let server_name = fleet.host(server).name.clone();
        let client = &self.clusters.platform;
        let mut objects = Vec::new();
        for &dry_run in passes(mode) {
            let written = match &pin.target {
                PinTarget::Existing { namespace, name } => {
                    let c = fleet.claim_by_key(namespace, name).ok_or_else(|| {
                        WriteError::NotFound {
                            kind: "NodeClaim".into(),
                            name: format!("{namespace}/{name}"),
                        }
                    })?;
                    let rv = fleet.claim(c).object.metadata.resource_version.clone();
                    let mut metadata = serde_json::Map::new();
                    if let Some(rv) = &rv {
                        metadata.insert("resourceVersion".into(), Value::String(rv.clone()));
                    }
                    let patch = json!({"metadata": metadata, "spec": {"properties": {keys::SERVER_NAME: server_name}}});
                    let api: Api<NodeClaim> = Api::namespaced(client.client.clone(), namespace);
                    let target = Target {
                        verb: "patch",
                        resource: "nodeclaims",
                        kind: "NodeClaim",
                        name: format!("{namespace}/{name}"),
                    };
                    let done = timed(
                        client,
                        &target,
                        api.patch(name, &patch_params(dry_run), &Patch::Merge(&patch)),
                    )
                    .await?;
                    WrittenObject {
                        cluster: None,
                        kind: "NodeClaim".into(),
                        namespace: Some(namespace.clone()),
                        name: name.clone(),
                        context: Some(client.context.clone()),
                        resource_version_before: rv,
                        resource_version_after: done.metadata.resource_version,
                    }
                }
                PinTarget::New { vcluster, project } => {
                    let claim = new_pinned_claim(fleet, pin, vcluster, project).map_err(|e| {
                        WriteError::Invalid {
                            message: e.to_string(),
                        }
                    })?;
                    let namespace = claim.metadata.namespace.clone().unwrap_or_default();
                    let name = claim.metadata.name.clone().unwrap_or_default();
                    let api: Api<NodeClaim> = Api::namespaced(client.client.clone(), &namespace);
                    let target = Target {
                        verb: "create",
                        resource: "nodeclaims",
                        kind: "NodeClaim",
                        name: format!("{namespace}/{name}"),
                    };
                    let done =
                        timed(client, &target, api.create(&post_params(dry_run), &claim)).await?;
                    WrittenObject {
                        cluster: None,
                        kind: "NodeClaim".into(),
                        namespace: Some(namespace),
                        name,
                        context: Some(client.context.clone()),
                        resource_version_before: None,
                        resource_version_after: done.metadata.resource_version,
                    }
                }
            };
            objects = vec![written];
        }
        Ok(WriteReport { mode, objects })
    }

    async fn rotate(
        &self,
        fleet: &Fleet,
        rotation: &Rotation,
        mode: WriteMode,
    ) -> Result<WriteReport, WriteError> {
        let invalid = |message: String| WriteError::Invalid { message };
        let t = fleet
            .resolve_node_type(&rotation.node_type)
            .map_err(|e| invalid(e.to_string()))?;
        let info = fleet.node_type(t);
        let index = info
            .provider_index
            .ok_or_else(|| invalid(format!("node type {} has no NodeProvider entry", info.name)))?;
        let provider = fleet.provider(&info.provider).ok_or_else(|| {
            invalid(format!(
                "NodeProvider {} is not in the fleet",
                info.provider
            ))
        })?;
        let patch =
            rotation_patch(provider, index, &info.short_name, &rotation.image).map_err(invalid)?;
        let client = &self.clusters.platform;
        let images: Api<OsImage> = Api::all(client.client.clone());
        let providers: Api<NodeProvider> = Api::all(client.client.clone());
        let mut objects = Vec::new();
        for &dry_run in passes(mode) {
            objects.clear();
            if let Some(new) = &rotation.new_image {
                let image = new_os_image(&rotation.image, new);
                let target = Target {
                    verb: "create",
                    resource: "osimages",
                    kind: "OSImage",
                    name: rotation.image.clone(),
                };
                // Create, never update: an existing OSImage answers 409 and is left alone.
                let created = match timed(
                    client,
                    &target,
                    images.create(&post_params(dry_run), &image),
                )
                .await
                {
                    Err(WriteError::Conflict { kind, name, .. }) => {
                        return Err(WriteError::Conflict {
                            kind,
                            name,
                            what_changed: "an OSImage of that name exists now; gpufleet never edits one in place".into(),
                        });
                    }
                    other => other?,
                };
                objects.push(WrittenObject {
                    cluster: None,
                    kind: "OSImage".into(),
                    namespace: None,
                    name: rotation.image.clone(),
                    context: Some(client.context.clone()),
                    resource_version_before: None,
                    resource_version_after: created.metadata.resource_version,
                });
            }
            let target = Target {
                verb: "patch",
                resource: "nodeproviders",
                kind: "NodeProvider",
                name: info.provider.clone(),
            };
            let patched = match timed(
                client,
                &target,
                providers.patch(
                    &info.provider,
                    &patch_params(dry_run),
                    &Patch::<()>::Json(
                        serde_json::from_value(patch.clone())
                            .map_err(|e| invalid(e.to_string()))?,
                    ),
                ),
            )
            .await
            {
                // A failed `test` op: the node type entry is not what the preview saw.
                Err(WriteError::Rejected { message })
                | Err(WriteError::Conflict {
                    what_changed: message,
                    ..
                }) => {
                    return Err(WriteError::Conflict {
                        kind: "NodeProvider".into(),
                        name: info.provider.clone(),
                        what_changed: format!(
                            "node type {} changed since the preview ({message})",
                            info.name
                        ),
                    });
                }
                other => other?,
            };
            objects.push(WrittenObject {
                cluster: None,
                kind: "NodeProvider".into(),
                namespace: None,
                name: info.provider.clone(),
                context: Some(client.context.clone()),
                resource_version_before: provider.metadata.resource_version.clone(),
                resource_version_after: patched.metadata.resource_version,
            });
        }
        Ok(WriteReport { mode, objects })
    }
}

/// Dry run alone, or dry run then commit.
fn passes(mode: WriteMode) -> &'static [bool] {
    match mode {
        WriteMode::DryRun => &[true],
        WriteMode::Commit => &[true, false],
    }
}

impl Writer for KubeWriter {
    fn write<'a>(
        &'a self,
        fleet: &'a Fleet,
        change: &'a Change,
        mode: WriteMode,
    ) -> BoxFuture<'a, Result<WriteReport, WriteError>> {
        Box::pin(async move {
            // The preview's own validation: a change it refuses is never sent.
            impact(fleet, change).map_err(|e| WriteError::Invalid {
                message: e.to_string(),
            })?;
            match change {
                Change::Label(edit) => self.label(fleet, std::slice::from_ref(edit), mode).await,
                Change::Labels(edits) => self.label(fleet, edits, mode).await,
                Change::Pin(pin) => self.pin(fleet, pin, mode).await,
                Change::Rotate(rotation) => self.rotate(fleet, rotation, mode).await,
            }
        })
    }

    fn target(&self) -> String {
        let mut text = self.clusters.platform.context.clone();
        for (cluster, context) in self.clusters.reached() {
            if context != self.clusters.platform.context {
                text.push_str(&format!(", {context} ({cluster})"));
            }
        }
        text
    }
}

/// `kind/namespace/name` of any resource, for messages.
pub fn object_name<K: Resource>(object: &K) -> String {
    let meta = object.meta();
    match &meta.namespace {
        Some(ns) => format!("{ns}/{}", meta.name.as_deref().unwrap_or_default()),
        None => meta.name.clone().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn label_patch_carries_only_changed_keys_and_the_version() {
        let before = labels(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let after = labels(&[("a", "1"), ("b", "9"), ("d", "4")]);
        let patch = label_patch(&before, &after, Some("42"));
        assert_eq!(
            patch,
            json!({"metadata": {"resourceVersion": "42", "labels": {"b": "9", "d": "4", "c": null}}})
        );
    }

    #[test]
    fn conflicts_say_what_changed() {
        let seen = labels(&[("a", "1"), ("b", "2")]);
        let now = labels(&[("a", "5"), ("c", "3")]);
        assert_eq!(
            labels_changed(&seen, &now),
            "labels: a 1 → 5, c=3 added, b removed"
        );
        assert!(labels_changed(&seen, &seen).contains("other fields"));
    }

    #[test]
    fn rotation_patch_tests_before_it_replaces() {
        let provider: NodeProvider = serde_json::from_value(json!({
            "metadata": {"name": "p"},
            "spec": {"metal3": {"nodeTypes": [
                {"name": "a", "properties": {"vcluster.com/os-image": "old"}},
                {"name": "b", "properties": {"gpu-model": "h100"}},
                {"name": "c"}
            ]}}
        }))
        .unwrap();
        let p = rotation_patch(&provider, 0, "a", "new").unwrap();
        assert_eq!(
            p[1],
            json!({"op": "test", "path": "/spec/metal3/nodeTypes/0/properties/vcluster.com~1os-image", "value": "old"})
        );
        assert_eq!(p[2]["op"], "replace");
        let p = rotation_patch(&provider, 1, "b", "new").unwrap();
        assert_eq!(p[1]["path"], "/spec/metal3/nodeTypes/1/properties");
        assert_eq!(p[2]["op"], "add");
        let p = rotation_patch(&provider, 2, "c", "new").unwrap();
        assert_eq!(
            p[1],
            json!({"op": "add", "path": "/spec/metal3/nodeTypes/2/properties", "value": {"vcluster.com/os-image": "new"}})
        );
        assert!(rotation_patch(&provider, 7, "x", "new").is_err());
    }
}
