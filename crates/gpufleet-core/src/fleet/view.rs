//! Read access to a fleet, as the rules and lints need it. The snapshot implements it
//! directly; an impact overlay implements it with a change applied on top, so every rule
//! answers "before" and "after" with the same code.

use super::{ClaimId, Fleet, Holder, HostDerived, HostId, NodeTypeId, rules};
use crate::model::{Labels, OsImage};
use std::borrow::Cow;
use std::sync::Arc;

/// What the rules read of a fleet, by id: a host's labels, what follows from them and its
/// holder; a node type's capacity, hosts and properties; OSImages by name; a claim's
/// properties. Implemented by [`Fleet`] (as it is) and by the impact overlay (as a change
/// would leave it).
pub trait FleetView {
    /// The snapshot underneath: everything a change does not touch.
    fn fleet(&self) -> &Fleet;
    /// Host `h`'s `metadata.labels`.
    fn labels(&self, h: HostId) -> &Labels;
    /// What follows from host `h`'s labels and holder: matching and eligible node types,
    /// GPUs.
    fn derived(&self, h: HostId) -> &HostDerived;
    /// The claim holding host `h`, if any.
    fn holder(&self, h: HostId) -> Option<&Holder>;
    /// Eligible hosts of a node type (its `available` capacity).
    fn available(&self, t: NodeTypeId) -> u32;
    /// Eligible hosts of a node type, in fleet order.
    fn eligible_hosts(&self, t: NodeTypeId) -> Vec<HostId>;
    /// Hosts whose labels match a node type's selector, in fleet order.
    fn matching_hosts(&self, t: NodeTypeId) -> Vec<HostId>;
    /// A node type's own properties (where `vcluster.com/os-image` lives).
    fn type_properties(&self, t: NodeTypeId) -> &Labels;
    /// What a `nodeTypeSelector` sees of the type.
    fn selection_properties(&self, t: NodeTypeId) -> Cow<'_, Labels>;
    /// The OSImage named `name`, if there is one.
    fn os_image(&self, name: &str) -> Option<&OsImage>;
    /// Claim `c`'s `spec.properties`.
    fn claim_properties(&self, c: ClaimId) -> &Labels;

    /// Whether host `h` is free for a new claim ([`rules::is_free`]).
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
