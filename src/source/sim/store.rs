//! The simulator's objects as an API server holds them: every write gets the next
//! resourceVersion (one counter, as etcd's revision) and becomes one watch event. The events
//! of one step are coalesced per object, so an object changed twice in a step is sent once,
//! in its final version.

use crate::event::{FleetEvent, Kind};
use crate::fleet::{FleetObject, FleetObjects, HostKey, ObjectKey};
use crate::model::{BareMetalHost, NodeClaim};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::HashMap;
use std::sync::Arc;

/// Kind, namespace (empty when cluster-scoped) and name: one object.
/// An object's kind and identity: for a host (or its HardwareData) its [`HostKey`]; for
/// the platform's kinds the same shape with no cluster.
pub(super) type Identity = (Kind, HostKey);

#[derive(Debug)]
pub(super) struct Store {
    objects: FleetObjects,
    last_version: u64,
    outbox: Vec<FleetEvent>,
    /// Where each object's event sits in `outbox`.
    outbox_index: HashMap<Identity, usize>,
    /// Whether anything was written since [`Store::take_changed`] was last asked.
    changed: bool,
}

pub(super) fn meta(object: &FleetObject) -> &ObjectMeta {
    object.metadata()
}

fn meta_mut(object: &mut FleetObject) -> &mut ObjectMeta {
    match object {
        FleetObject::Host(o) => &mut Arc::make_mut(o).metadata,
        FleetObject::Provider(o) => &mut Arc::make_mut(o).metadata,
        FleetObject::NodeType(o) => &mut Arc::make_mut(o).metadata,
        FleetObject::Claim(o) => &mut Arc::make_mut(o).metadata,
        FleetObject::OsImage(o) => &mut Arc::make_mut(o).metadata,
        FleetObject::Machine(o) => &mut Arc::make_mut(o).metadata,
        FleetObject::HardwareData(o) => &mut Arc::make_mut(o).metadata,
    }
}

pub(super) fn identity(object: &FleetObject) -> Identity {
    let m = meta(object);
    let cluster = match object {
        FleetObject::Host(o) => o.cluster.as_str(),
        FleetObject::HardwareData(o) => o.cluster.as_str(),
        _ => "",
    };
    (object.kind(), HostKey::of(cluster, m))
}

fn all_objects(objects: &FleetObjects) -> Vec<FleetObject> {
    let mut out: Vec<FleetObject> = Vec::with_capacity(objects.len());
    out.extend(
        objects
            .os_images
            .values()
            .cloned()
            .map(FleetObject::OsImage),
    );
    out.extend(
        objects
            .providers
            .values()
            .cloned()
            .map(FleetObject::Provider),
    );
    out.extend(
        objects
            .node_types
            .values()
            .cloned()
            .map(FleetObject::NodeType),
    );
    out.extend(objects.hosts.values().cloned().map(FleetObject::Host));
    out.extend(objects.claims.values().cloned().map(FleetObject::Claim));
    out.extend(objects.machines.values().cloned().map(FleetObject::Machine));
    out.extend(
        objects
            .hardware_data
            .values()
            .cloned()
            .map(FleetObject::HardwareData),
    );
    out
}

impl Store {
    /// Takes in the generated objects, giving each its first resourceVersion.
    pub(super) fn new(generated: FleetObjects) -> Self {
        let mut store = Store {
            objects: FleetObjects::default(),
            last_version: 0,
            outbox: Vec::new(),
            outbox_index: HashMap::new(),
            changed: true,
        };
        for object in all_objects(&generated) {
            let object = store.stamp(object);
            store.objects.insert(object);
        }
        store
    }

    pub(super) fn objects(&self) -> &FleetObjects {
        &self.objects
    }

    pub(super) fn host(&self, key: &HostKey) -> Option<&Arc<BareMetalHost>> {
        self.objects.hosts.get(key)
    }

    pub(super) fn claim(&self, key: &ObjectKey) -> Option<&Arc<NodeClaim>> {
        self.objects.claims.get(key)
    }

    pub(super) fn get(&self, (kind, id): &Identity) -> Option<FleetObject> {
        let name = &id.name;
        let key = (id.namespace.clone(), id.name.clone());
        match kind {
            Kind::Machine => self
                .objects
                .machines
                .get(name)
                .cloned()
                .map(FleetObject::Machine),
            Kind::HardwareData => self
                .objects
                .hardware_data
                .get(id)
                .cloned()
                .map(FleetObject::HardwareData),
            Kind::BareMetalHost => self.objects.hosts.get(id).cloned().map(FleetObject::Host),
            Kind::NodeClaim => self
                .objects
                .claims
                .get(&key)
                .cloned()
                .map(FleetObject::Claim),
            Kind::NodeProvider => self
                .objects
                .providers
                .get(name)
                .cloned()
                .map(FleetObject::Provider),
            Kind::NodeType => self
                .objects
                .node_types
                .get(name)
                .cloned()
                .map(FleetObject::NodeType),
            Kind::OsImage => self
                .objects
                .os_images
                .get(name)
                .cloned()
                .map(FleetObject::OsImage),
        }
    }

    /// Every object, one `Replaced` list per kind.
    pub(super) fn lists(&self) -> Vec<FleetEvent> {
        Kind::ALL
            .into_iter()
            .map(|kind| FleetEvent::Replaced {
                kind,
                cluster: None,
                objects: crate::source::replay::objects_of(&self.objects, kind),
                rejected: Vec::new(),
            })
            .collect()
    }

    fn stamp(&mut self, mut object: FleetObject) -> FleetObject {
        self.last_version += 1;
        meta_mut(&mut object).resource_version = Some(self.last_version.to_string());
        object
    }

    /// Creates or replaces an object; returns its new resourceVersion.
    pub(super) fn put(&mut self, object: FleetObject) -> String {
        let object = self.stamp(object);
        let version = self.last_version.to_string();
        self.objects.insert(object.clone());
        self.send(FleetEvent::Applied(object));
        version
    }

    pub(super) fn put_host(&mut self, host: BareMetalHost) -> String {
        self.put(host.into())
    }

    pub(super) fn put_claim(&mut self, claim: NodeClaim) -> String {
        self.put(claim.into())
    }

    /// Deletes an object; the watch sees it one last time, with a new resourceVersion.
    pub(super) fn delete(&mut self, id: &Identity) {
        let Some(object) = self.get(id) else {
            return;
        };
        self.objects.remove(&object);
        let object = self.stamp(object);
        self.send(FleetEvent::Deleted(object));
    }

    fn send(&mut self, event: FleetEvent) {
        self.changed = true;
        let id = match &event {
            FleetEvent::Applied(o) | FleetEvent::Deleted(o) => identity(o),
            _ => {
                self.outbox.push(event);
                return;
            }
        };
        match self.outbox_index.get(&id) {
            Some(&at) => {
                if let Some(slot) = self.outbox.get_mut(at) {
                    *slot = event;
                }
            }
            None => {
                self.outbox_index.insert(id, self.outbox.len());
                self.outbox.push(event);
            }
        }
    }

    /// The events since the last call, one per object changed.
    pub(super) fn take_events(&mut self) -> Vec<FleetEvent> {
        self.outbox_index.clear();
        std::mem::take(&mut self.outbox)
    }

    /// Whether anything was written since [`Store::take_changed`] was last called.
    pub(super) fn changed(&self) -> bool {
        self.changed
    }

    /// Whether anything was written since the last call.
    pub(super) fn take_changed(&mut self) -> bool {
        std::mem::replace(&mut self.changed, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str) -> BareMetalHost {
        let mut h = BareMetalHost::default();
        h.metadata.name = Some(name.into());
        h.metadata.namespace = Some("m3".into());
        h
    }

    #[test]
    fn every_write_gets_the_next_version_and_a_step_sends_each_object_once() {
        let mut generated = FleetObjects::default();
        generated.insert(host("a").into());
        let mut store = Store::new(generated);
        let key = crate::fleet::HostKey::new("", "m3", "a");
        assert_eq!(
            store
                .host(&key)
                .and_then(|h| h.metadata.resource_version.clone()),
            Some("1".into())
        );
        let mut changed = host("a");
        changed.spec.online = Some(true);
        assert_eq!(store.put_host(changed.clone()), "2");
        store.put_host(host("b"));
        assert_eq!(store.put_host(changed), "4");
        let events = store.take_events();
        assert_eq!(events.len(), 2, "a changed twice is sent once");
        let FleetEvent::Applied(FleetObject::Host(first)) = &events[0] else {
            panic!("expected host a applied first, got {events:?}");
        };
        assert_eq!(first.metadata.resource_version.as_deref(), Some("4"));
        store.delete(&(Kind::BareMetalHost, key.clone()));
        assert!(store.host(&key).is_none());
        let deleted = store.take_events();
        let [FleetEvent::Deleted(FleetObject::Host(h))] = deleted.as_slice() else {
            panic!("expected host a deleted, got {deleted:?}");
        };
        assert_eq!(h.metadata.resource_version.as_deref(), Some("5"));
        assert!(store.take_changed());
        assert!(!store.take_changed());
    }
}
