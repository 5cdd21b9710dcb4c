//! Read access to a fleet, as the rules and lints need it. The snapshot implements it
//! directly; an impact overlay implements it with a change applied on top, so every rule
//! answers "before" and "after" with the same code.

use super::{ClaimId, Fleet, Holder, HostDerived, HostId, NodeTypeId, rules};
use crate::model::{Labels, OsImage};
use std::borrow::Cow;
use std::sync::Arc;

pub trait FleetView {
    /// The snapshot underneath: everything a change does not touch.
    fn fleet(&self) -> &Fleet;
    fn labels(&self, h: HostId) -> &Labels;
    fn derived(&self, h: HostId) -> &HostDerived;
    fn holder(&self, h: HostId) -> Option<&Holder>;
    /// Eligible hosts of a node type (its `available` capacity).
    fn available(&self, t: NodeTypeId) -> u32;
    /// Eligible hosts of a node type, by name.
    fn eligible_hosts(&self, t: NodeTypeId) -> Vec<HostId>;
    /// Hosts whose labels match a node type's selector, in fleet order.
    fn matching_hosts(&self, t: NodeTypeId) -> Vec<HostId>;
    /// A node type's own properties (where `vcluster.com/os-image` lives).
    fn type_properties(&self, t: NodeTypeId) -> &Labels;
    /// What a `nodeTypeSelector` sees of the type.
    fn selection_properties(&self, t: NodeTypeId) -> Cow<'_, Labels>;
    fn os_image(&self, name: &str) -> Option<&OsImage>;
    fn claim_properties(&self, c: ClaimId) -> &Labels;

    fn is_free(&self, h: HostId) -> bool {
        rules::is_free(self.fleet().host(h), self.holder(h))
    }
}

impl FleetView for Fleet {
    fn fleet(&self) -> &Fleet {
        self
    }
    fn labels(&self, h: HostId) -> &Labels {
        self.host(h).labels()
    }
    fn derived(&self, h: HostId) -> &HostDerived {
        &self.host(h).derived
    }
    fn holder(&self, h: HostId) -> Option<&Holder> {
        self.host(h).holder.as_ref()
    }
    fn available(&self, t: NodeTypeId) -> u32 {
        self.available[t.index()]
    }
    fn eligible_hosts(&self, t: NodeTypeId) -> Vec<HostId> {
        self.type_hosts(t)
            .iter()
            .copied()
            .filter(|&h| self.host(h).derived.eligible.contains(&t))
            .collect()
    }
    fn matching_hosts(&self, t: NodeTypeId) -> Vec<HostId> {
        self.type_hosts(t).to_vec()
    }
    fn type_properties(&self, t: NodeTypeId) -> &Labels {
        &self.node_type(t).properties
    }
    fn selection_properties(&self, t: NodeTypeId) -> Cow<'_, Labels> {
        Cow::Borrowed(&self.node_type(t).selection_properties)
    }
    fn os_image(&self, name: &str) -> Option<&OsImage> {
        self.objects().os_images.get(name).map(Arc::as_ref)
    }
    fn claim_properties(&self, c: ClaimId) -> &Labels {
        &self.claim(c).object.spec.properties
    }
}
