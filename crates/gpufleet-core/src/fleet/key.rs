//! [`HostKey`]: what tells one BareMetalHost from every other in a fleet that spans Metal3
//! clusters. In vMetal a NodeProvider targets one Metal3 cluster
//! (`spec.metal3.clusterRef.cluster`), so a fleet over several datacenters has several such
//! clusters, usually each with its hosts in `metal3-system`, and host names repeat across
//! them: namespace and name alone do not name a host.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A BareMetalHost's identity: the Metal3 cluster it lives in (the name a NodeProvider's
/// `spec.metal3.clusterRef.cluster` gives it), its namespace and its name.
///
/// Ordered by cluster, then namespace, then name. Written `cluster/namespace/name`; a host
/// whose cluster is not known (`cluster` empty: a fleet read without naming its cluster,
/// whose providers name none) is written `namespace/name`. Kubernetes names hold no `/`,
/// so both spellings read back ([`FromStr`]) to the same key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostKey {
    /// The Metal3 cluster; empty when not known.
    pub cluster: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

impl HostKey {
    /// The key of host `name` in `namespace` of `cluster` (empty for no known cluster).
    pub fn new(
        cluster: impl Into<String>,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        HostKey {
            cluster: cluster.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// The key of a host read from `cluster`, from its metadata (missing fields empty).
    pub fn of(
        cluster: &str,
        meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    ) -> Self {
        HostKey::new(
            cluster,
            meta.namespace.clone().unwrap_or_default(),
            meta.name.clone().unwrap_or_default(),
        )
    }

    /// The host as people read it ([`shown_name`]): `cluster/name` when `with_cluster`, else
    /// `name`.
    pub fn shown_name(&self, with_cluster: bool) -> String {
        shown_name(&self.cluster, &self.name, with_cluster)
    }
}

/// An object of one Metal3 cluster (a host, an NVLink domain) as people read it:
/// `cluster/name` when `with_cluster` and the cluster is known, else the bare `name`.
///
/// The one rule for naming hosts: host names (and NVLink domain labels) repeat across
/// clusters, so wherever the fleet's hosts span more than one cluster
/// ([`super::Fleet::hosts_span_clusters`], the `with_cluster` every pane, dialog and table
/// passes) a host is named with its cluster; in a fleet of one cluster the name alone says
/// it. The text is not escaped: the terminal side does that.
pub fn shown_name(cluster: &str, name: &str, with_cluster: bool) -> String {
    if with_cluster {
        with_cluster_named(cluster, name)
    } else {
        name.to_string()
    }
}

impl fmt::Display for HostKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.cluster.is_empty() {
            write!(f, "{}/", self.cluster)?;
        }
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// Why text is not a host key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not a host key: write cluster/namespace/name (or namespace/name for a \
     host of no named cluster), each part non-empty"
)]
pub struct HostKeyError {
    /// The text as given.
    pub text: String,
}

impl FromStr for HostKey {
    type Err = HostKeyError;

    /// `cluster/namespace/name` or `namespace/name` (no cluster), every part non-empty.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = text.split('/').collect();
        let err = || HostKeyError {
            text: text.to_string(),
        };
        if parts.iter().any(|p| p.is_empty()) {
            return Err(err());
        }
        match parts.as_slice() {
            [ns, name] => Ok(HostKey::new("", *ns, *name)),
            [cluster, ns, name] => Ok(HostKey::new(*cluster, *ns, *name)),
            _ => Err(err()),
        }
    }
}

impl Serialize for HostKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HostKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A rack: the Metal3 cluster of its hosts, their `datacenter` label and their `rack` label.
/// Rack labels repeat across sites (`r01` in every datacenter), so the label alone does not
/// name a rack. Missing labels are [`super::UNLABELLED`].
///
/// Ordered by cluster, datacenter, rack (lexically). Written `cluster/datacenter/rack`, or
/// `datacenter/rack` for hosts of no named cluster, as [`HostKey`] is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RackKey {
    /// The Metal3 cluster of the rack's hosts; empty when not known.
    pub cluster: String,
    /// The hosts' `datacenter` label.
    pub datacenter: String,
    /// The hosts' `rack` label.
    pub rack: String,
}

impl RackKey {
    /// The site the rack stands in: `cluster/datacenter`, or `datacenter` without a cluster.
    pub fn site(&self) -> String {
        with_cluster_named(&self.cluster, &self.datacenter)
    }
}

impl fmt::Display for RackKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.site(), self.rack)
    }
}

/// An NVLink domain: the Metal3 cluster of its hosts and their `nvlink-domain` label. One
/// fabric never spans sites, so the same label in two clusters is two domains.
///
/// Ordered by cluster, then label. Written `cluster/label`, or `label` without a cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainKey {
    /// The Metal3 cluster of the domain's hosts; empty when not known.
    pub cluster: String,
    /// The hosts' `nvlink-domain` label.
    pub domain: String,
}

impl fmt::Display for DomainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&with_cluster_named(&self.cluster, &self.domain))
    }
}

/// `cluster/rest`, or `rest` when the cluster is not known.
fn with_cluster_named(cluster: &str, rest: &str) -> String {
    if cluster.is_empty() {
        rest.to_string()
    } else {
        format!("{cluster}/{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spells_and_reads_both_forms() {
        let k = HostKey::new("dc1-infra", "metal3-system", "gpu-01");
        assert_eq!(k.to_string(), "dc1-infra/metal3-system/gpu-01");
        assert_eq!("dc1-infra/metal3-system/gpu-01".parse::<HostKey>(), Ok(k));
        let bare = HostKey::new("", "metal3-system", "gpu-01");
        assert_eq!(bare.to_string(), "metal3-system/gpu-01");
        assert_eq!("metal3-system/gpu-01".parse::<HostKey>(), Ok(bare));
    }

    #[test]
    fn hosts_are_named_with_their_cluster_only_where_clusters_are_several() {
        let k = HostKey::new("dc1-infra", "metal3-system", "gpu-01");
        assert_eq!(k.shown_name(true), "dc1-infra/gpu-01");
        assert_eq!(k.shown_name(false), "gpu-01");
        // A host of no known cluster has only its name to show.
        assert_eq!(shown_name("", "gpu-01", true), "gpu-01");
    }

    #[test]
    fn refuses_what_is_not_a_key() {
        for text in ["", "gpu-01", "a//b", "/a/b", "a/b/", "a/b/c/d"] {
            let e = text.parse::<HostKey>().unwrap_err();
            assert!(e.to_string().contains("cluster/namespace/name"), "{e}");
        }
    }

    #[test]
    fn orders_by_cluster_first() {
        let a = HostKey::new("dc1", "z", "z");
        let b = HostKey::new("dc2", "a", "a");
        assert!(a < b);
    }

    #[test]
    fn racks_and_domains_are_spelled_with_their_cluster() {
        let r = RackKey {
            cluster: "dc1-infra".into(),
            datacenter: "dc1".into(),
            rack: "r01".into(),
        };
        assert_eq!(r.to_string(), "dc1-infra/dc1/r01");
        assert_eq!(r.site(), "dc1-infra/dc1");
        let bare = RackKey {
            cluster: String::new(),
            ..r
        };
        assert_eq!(bare.to_string(), "dc1/r01");
        let d = DomainKey {
            cluster: "dc2-infra".into(),
            domain: "nvl-01".into(),
        };
        assert_eq!(d.to_string(), "dc2-infra/nvl-01");
    }

    proptest! {
        #[test]
        fn display_round_trips(c in "[a-z0-9-]{0,8}", ns in "[a-z0-9-]{1,8}", n in "[a-z0-9.-]{1,12}") {
            let k = HostKey::new(c, ns, n);
            prop_assert_eq!(k.to_string().parse::<HostKey>(), Ok(k));
        }
    }
}
