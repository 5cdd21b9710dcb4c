//! Which claim holds which host, from the keys the platform writes, and what does not fit.
//!
//! The authoritative link is the inventory Machine `<provider>.<host>` (platform 4.13+): its
//! annotation `machines.vcluster.com/node-claim: <namespace>/<name>` names the claim holding
//! the host (public `loft-sh/api` storage/v1 `MachineNodeClaimAnnotation`). Where the platform
//! serves no Machines, the host label `metal3.vcluster.com/node-claim` links instead: the only
//! other key public material confirms (a label selector in a public vMetal demo). Every other
//! key is [`UNCONFIRMED_KEYS`]: read to disambiguate or to cross-check, never to link alone.
//!
//! A link that is ambiguous, dangling or contradicted is kept as a [`LinkProblem`] on the host,
//! shown in its detail, the machines pane and a lint, instead of being guessed.

use super::{ClaimId, HostId};
use crate::model::keys;
use serde::Serialize;
use std::fmt;

/// Keys gpufleet reads that no public material confirms, each marked `[UNCERTAIN]` where it
/// is defined: the host label naming the claim's project (used only to tell claims of the
/// same name apart), the claim annotation naming its host (used only to cross-check), and the
/// reading of the host label's value as a claim name (its format is not documented).
pub const UNCONFIRMED_KEYS: &[&str] = &[keys::HOST_PROJECT, keys::CLAIM_CLAIMED_NODE];

/// Where a host's holder came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkSource {
    /// The inventory Machine's `machines.vcluster.com/node-claim` annotation.
    Machine,
    /// The host label `metal3.vcluster.com/node-claim`.
    HostLabel,
}

impl LinkSource {
    /// The key, named for a message: "host label metal3.vcluster.com/node-claim".
    pub fn describe(self) -> &'static str {
        match self {
            LinkSource::Machine => "inventory Machine annotation machines.vcluster.com/node-claim",
            LinkSource::HostLabel => "host label metal3.vcluster.com/node-claim",
        }
    }
}

/// A claim-to-host link that cannot be trusted as it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum LinkProblem {
    /// The host label names a claim by a name several claims have, and the project label
    /// does not tell them apart.
    Ambiguous {
        /// The host label's value, as written.
        named: String,
        /// Each claim it could be, as `namespace/name`.
        candidates: Vec<String>,
    },
    /// A link names a claim the fleet does not contain.
    Dangling {
        /// The key that names it.
        source: LinkSource,
        /// The claim named: `namespace/name`, or a bare name from the host label.
        named: String,
    },
    /// The Machine's annotation is not `<namespace>/<name>`.
    Malformed {
        /// The annotation's value, as written.
        value: String,
    },
    /// The Machine and the host label say different things.
    Disagree {
        /// The claim the Machine names (`namespace/name`), or `None` when it names none.
        machine: Option<String>,
        /// The claim the host label names (`namespace/name`, or several joined by " or "),
        /// or `None` when it names none.
        label: Option<String>,
    },
    /// Another host links to the same claim already.
    ClaimHeldTwice {
        /// The claim, `namespace/name`.
        claim: String,
        /// The host linked to it first, as its key (`cluster/namespace/name`), since names
        /// repeat across clusters.
        other_host: String,
    },
    /// The claim's own annotation (an unconfirmed key) names another host, or this host
    /// while no confirmed key links them.
    ClaimAnnotation {
        /// The claim, `namespace/name`.
        claim: String,
        /// What the annotation names, as a phrase ("h7, not this host").
        names: String,
    },
}

impl fmt::Display for LinkProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkProblem::Ambiguous { named, candidates } => write!(
                f,
                "the host label names claim {named}, which {} claims are called ({}); \
                 no project label tells them apart",
                candidates.len(),
                candidates.join(", ")
            ),
            LinkProblem::Dangling { source, named } => write!(
                f,
                "the {} names claim {named}, which is not in the fleet",
                source.describe()
            ),
            LinkProblem::Malformed { value } => write!(
                f,
                "the inventory Machine's annotation {} is {value:?}, not <namespace>/<name>",
                crate::model::machine::NODE_CLAIM_ANNOTATION
            ),
            LinkProblem::Disagree { machine, label } => write!(
                f,
                "the inventory Machine says {} but the host label says {}; gpufleet follows \
                 the Machine",
                machine.as_deref().unwrap_or("no claim"),
                label.as_deref().unwrap_or("no claim")
            ),
            LinkProblem::ClaimHeldTwice { claim, other_host } => write!(
                f,
                "claim {claim} is linked to {other_host} too; a claim holds one server"
            ),
            LinkProblem::ClaimAnnotation { claim, names } => write!(
                f,
                "claim {claim}'s annotation {} (unconfirmed) names {names}",
                keys::CLAIM_CLAIMED_NODE
            ),
        }
    }
}

/// How a host's holder was found, and what did not fit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HostLink {
    /// The key the holder was read from; `None` when no key names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<LinkSource>,
    /// What does not fit, in the order found; empty when the link is clean.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<LinkProblem>,
}

/// What a link names, once looked up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Named {
    Claim(ClaimId),
    /// Several claims fit.
    Several(Vec<ClaimId>),
    /// No claim fits; the text names what was asked for.
    Missing(String),
}

/// The host label's value read as a claim: `<namespace>/<name>` if it has a slash, else a
/// claim name. `[UNCERTAIN]` the label's value format is not documented; gpufleet's simulator
/// writes the claim's name.
pub(super) fn label_claim_name(value: &str) -> (Option<&str>, &str) {
    match value.split_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, value),
    }
}

/// Both ends of one link, for the claims side: which host each claim was linked to first.
#[derive(Debug, Default)]
pub(super) struct Taken {
    by_claim: std::collections::HashMap<ClaimId, HostId>,
}

impl Taken {
    /// Records that `h` holds `c`; returns the host that held it first, if another did.
    pub(super) fn take(&mut self, c: ClaimId, h: HostId) -> Option<HostId> {
        match self.by_claim.get(&c) {
            Some(&first) if first != h => Some(first),
            Some(_) => None,
            None => {
                self.by_claim.insert(c, h);
                None
            }
        }
    }
}
