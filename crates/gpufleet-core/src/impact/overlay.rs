//! A fleet with a change laid over it: the "after" side of every preview. Only what the
//! change touches is stored; everything else reads through to the snapshot.

use crate::fleet::rules::selection_properties;
use crate::fleet::{ClaimId, Fleet, FleetView, Holder, HostDerived, HostId, NodeTypeId};
use crate::model::{Labels, OsImage};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Debug)]
struct HostPatch {
    labels: Labels,
    holder: Option<Holder>,
    derived: HostDerived,
}

#[derive(Clone, Debug)]
struct TypePatch {
    properties: Labels,
    selection: Labels,
}

/// A [`FleetView`] of `base` with a change applied: patched hosts (labels, holder, and what
/// follows), node type properties, added OSImages and claim properties, plus each node
/// type's change in `available` capacity.
pub struct Overlay<'a> {
    base: &'a Fleet,
    hosts: BTreeMap<HostId, HostPatch>,
    available_delta: HashMap<NodeTypeId, i64>,
    types: HashMap<NodeTypeId, TypePatch>,
    images: HashMap<String, OsImage>,
    claims: HashMap<ClaimId, Labels>,
}

impl<'a> Overlay<'a> {
    /// An overlay that changes nothing yet.
    pub fn new(base: &'a Fleet) -> Self {
        Overlay {
            base,
            hosts: BTreeMap::new(),
            available_delta: HashMap::new(),
            types: HashMap::new(),
            images: HashMap::new(),
            claims: HashMap::new(),
        }
    }

    /// Gives a host new labels and holder, and rederives what follows from them.
    pub fn set_host(&mut self, h: HostId, labels: Labels, holder: Option<Holder>) {
        let base = self.base;
        let before = self.derived(h).eligible.clone();
        let matches = base.matching_types(&base.host(h).cluster, &base.host(h).namespace, &labels);
        let derived = base.derive_host(h, &labels, holder.as_ref(), matches);
        for t in before {
            *self.available_delta.entry(t).or_default() -= 1;
        }
        for &t in &derived.eligible {
            *self.available_delta.entry(t).or_default() += 1;
        }
        self.hosts.insert(
            h,
            HostPatch {
                labels,
                holder,
                derived,
            },
        );
    }

    /// Gives node type `t` new own properties (`spec.properties`), and recomputes what a
    /// `nodeTypeSelector` sees of it ([`selection_properties`]).
    pub fn set_type_properties(&mut self, t: NodeTypeId, properties: Labels) {
        let info = self.base.node_type(t);
        let provider_props = self
            .base
            .provider(&info.provider)
            .map(|p| p.spec.properties.clone())
            .unwrap_or_default();
        let selection = selection_properties(&provider_props, info, &properties);
        self.types.insert(
            t,
            TypePatch {
                properties,
                selection,
            },
        );
    }

    /// Adds an OSImage, hiding one of the same name in `base`.
    pub fn add_image(&mut self, image: OsImage) {
        self.images.insert(image.name().to_string(), image);
    }

    /// Gives claim `c` new `spec.properties`.
    pub fn set_claim_properties(&mut self, c: ClaimId, properties: Labels) {
        self.claims.insert(c, properties);
    }

    /// Hosts the change touches, in fleet order.
    pub fn touched_hosts(&self) -> impl Iterator<Item = HostId> + '_ {
        self.hosts.keys().copied()
    }

    /// Node types whose capacity or properties the change touches, in fleet order.
    pub fn touched_types(&self) -> Vec<NodeTypeId> {
        let mut ts: Vec<NodeTypeId> = self
            .available_delta
            .keys()
            .chain(self.types.keys())
            .copied()
            .collect();
        for p in self.hosts.values() {
            ts.extend(p.derived.matches.iter().copied());
        }
        for &h in self.hosts.keys() {
            ts.extend(self.base.host(h).derived.matches.iter().copied());
        }
        ts.sort();
        ts.dedup();
        ts
    }
}

impl FleetView for Overlay<'_> {
    fn fleet(&self) -> &Fleet {
        self.base
    }
    fn labels(&self, h: HostId) -> &Labels {
        match self.hosts.get(&h) {
            Some(p) => &p.labels,
            None => self.base.labels(h),
        }
    }
    fn derived(&self, h: HostId) -> &HostDerived {
        match self.hosts.get(&h) {
            Some(p) => &p.derived,
            None => self.base.derived(h),
        }
    }
    fn holder(&self, h: HostId) -> Option<&Holder> {
        match self.hosts.get(&h) {
            Some(p) => p.holder.as_ref(),
            None => self.base.holder(h),
        }
    }
    fn available(&self, t: NodeTypeId) -> u32 {
        let delta = self.available_delta.get(&t).copied().unwrap_or(0);
        (i64::from(self.base.available(t)) + delta).max(0) as u32
    }
    fn eligible_hosts(&self, t: NodeTypeId) -> Vec<HostId> {
        let mut out: Vec<HostId> = self
            .base
            .eligible_hosts(t)
            .into_iter()
            .filter(|h| !self.hosts.contains_key(h))
            .collect();
        out.extend(
            self.hosts
                .iter()
                .filter(|(_, p)| p.derived.eligible.contains(&t))
                .map(|(&h, _)| h),
        );
        out.sort();
        out
    }
    fn matching_hosts(&self, t: NodeTypeId) -> Vec<HostId> {
        let mut out: Vec<HostId> = self
            .base
            .type_hosts(t)
            .iter()
            .copied()
            .filter(|h| !self.hosts.contains_key(h))
            .collect();
        out.extend(
            self.hosts
                .iter()
                .filter(|(_, p)| p.derived.matches.contains(&t))
                .map(|(&h, _)| h),
        );
        out.sort();
        out
    }
    fn type_properties(&self, t: NodeTypeId) -> &Labels {
        match self.types.get(&t) {
            Some(p) => &p.properties,
            None => self.base.type_properties(t),
        }
    }
    fn selection_properties(&self, t: NodeTypeId) -> Cow<'_, Labels> {
        match self.types.get(&t) {
            Some(p) => Cow::Borrowed(&p.selection),
            None => self.base.selection_properties(t),
        }
    }
    fn os_image(&self, name: &str) -> Option<&OsImage> {
        self.images.get(name).or_else(|| self.base.os_image(name))
    }
    fn claim_properties(&self, c: ClaimId) -> &Labels {
        match self.claims.get(&c) {
            Some(p) => p,
            None => self.base.claim_properties(c),
        }
    }
}
