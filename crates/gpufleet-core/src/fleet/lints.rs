//! Lints: fleet configurations the guide warns about, each with a stable id. Scoped
//! functions (per host, node type, OSImage, NVLink domain) let the impact preview check
//! only what a change touches.

use super::rules::{NotFree, drift_disagreement, has_enough_hardware, not_free, type_os_image};
use super::{ClaimId, DomainKey, Fleet, FleetView, HostId, NodeTypeId};
use crate::model::os_image::ImageProvider;
use crate::model::{OsImage, keys};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;

/// What a lint is about: one per configuration the guide warns about, each with a stable
/// kebab-case id ([`LintId::as_str`]) that JSON output, `--lint` filters and scripts rely on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LintId {
    /// No claim can ever get the host (guide, "Label strategy").
    HostMatchesNoNodeType,
    /// Legitimate for composable types, but worth knowing (guide, "Per-tenant node types").
    HostMatchesManyNodeTypes,
    /// A node type open to every tenant matches a host labelled `tenant` for one: reserved
    /// and shared selectors must exclude each other, or the shared type claims reserved hosts
    /// (guide, "Per-tenant node types": only servers labelled for the tenant may match its
    /// type).
    ReservationLeak,
    /// No host is free for a new claim of the node type (none matches its selector, or every
    /// match is held, paused, in error, not available, not inspected or too small): its claims
    /// wait in `Pending` (guide, "Label strategy": the selector matches servers to node types).
    NodeTypeNoEligibleHost,
    /// One node type per hardware profile (guide, "Node type design").
    GpuNodeTypeUnpinnedModel,
    /// Labels changed under a claim: no effect until its Machine is deleted (guide,
    /// "Updating labels without re-provisioning").
    ClaimedHostLabelDrift,
    /// A Metal3 OSImage without the `metal3.vcluster.com/image-url` or
    /// `metal3.vcluster.com/image-checksum` property, both required to provision from it
    /// (vCluster docs, "OS images",
    /// <https://vcluster.com/docs/platform/next/use-platform/machines/os-images>; guide,
    /// "Rotating OS images": a new OSImage with the updated URL and checksum).
    OsImageIncomplete,
    /// The `vcluster.com/os-image` a node type asks for (its own, else its provider's) names
    /// an OSImage that does not exist: new Machines of the type fail (guide, "Rotating OS
    /// images": the node type references the OSImage by name).
    NodeTypeMissingOsImage,
    /// A Metal3 node type pointing at another provider's image (a KubeVirt container disk).
    NodeTypeOsImageOtherProvider,
    /// Claims of more than one tenant hold hosts of one NVLink domain, who then share one
    /// NVLink fabric (guide, "Recommended labels": `nvlink-domain` groups the servers of one
    /// fabric; "Server pinning" places a workload in a specific fabric).
    NvlinkDomainSplitTenants,
    /// The claim holding a host is ambiguous, dangling or contradicted (see `fleet::links`).
    HostClaimLinkUnclear,
    /// The platform's `NotDrifted` condition and gpufleet's drift differ.
    DriftVerdictsDiffer,
    /// A `gpu-count` label that is not a whole number from 0 to `MAX_GPUS_PER_HOST` (guide,
    /// "Recommended labels"): ignored, so the GPU count comes from elsewhere.
    GpuCountLabelInvalid,
}

impl LintId {
    /// Every lint, in the order of their ids' declaration (the order lints sort in).
    pub const ALL: [LintId; 13] = [
        LintId::HostMatchesNoNodeType,
        LintId::HostMatchesManyNodeTypes,
        LintId::ReservationLeak,
        LintId::NodeTypeNoEligibleHost,
        LintId::GpuNodeTypeUnpinnedModel,
        LintId::ClaimedHostLabelDrift,
        LintId::OsImageIncomplete,
        LintId::NodeTypeMissingOsImage,
        LintId::NodeTypeOsImageOtherProvider,
        LintId::NvlinkDomainSplitTenants,
        LintId::HostClaimLinkUnclear,
        LintId::DriftVerdictsDiffer,
        LintId::GpuCountLabelInvalid,
    ];

    /// The stable id (`host-matches-no-node-type`), as JSON output writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            LintId::HostMatchesNoNodeType => "host-matches-no-node-type",
            LintId::HostMatchesManyNodeTypes => "host-matches-many-node-types",
            LintId::ReservationLeak => "reservation-leak",
            LintId::NodeTypeNoEligibleHost => "node-type-no-eligible-host",
            LintId::GpuNodeTypeUnpinnedModel => "gpu-node-type-unpinned-model",
            LintId::ClaimedHostLabelDrift => "claimed-host-label-drift",
            LintId::OsImageIncomplete => "os-image-incomplete",
            LintId::NodeTypeMissingOsImage => "node-type-missing-os-image",
            LintId::NodeTypeOsImageOtherProvider => "node-type-os-image-other-provider",
            LintId::NvlinkDomainSplitTenants => "nvlink-domain-split-tenants",
            LintId::HostClaimLinkUnclear => "host-claim-link-unclear",
            LintId::DriftVerdictsDiffer => "drift-verdicts-differ",
            LintId::GpuCountLabelInvalid => "gpu-count-label-invalid",
        }
    }

    /// How much the lint matters. Errors break provisioning (a leak, an image that cannot be
    /// written), warnings leave capacity idle or tenants sharing hardware, infos are worth
    /// knowing but often intended.
    pub fn severity(self) -> Severity {
        match self {
            LintId::HostMatchesManyNodeTypes
            | LintId::ClaimedHostLabelDrift
            | LintId::DriftVerdictsDiffer => Severity::Info,
            LintId::HostMatchesNoNodeType
            | LintId::NodeTypeNoEligibleHost
            | LintId::GpuNodeTypeUnpinnedModel
            | LintId::NvlinkDomainSplitTenants
            | LintId::HostClaimLinkUnclear
            | LintId::GpuCountLabelInvalid => Severity::Warning,
            LintId::ReservationLeak
            | LintId::OsImageIncomplete
            | LintId::NodeTypeMissingOsImage
            | LintId::NodeTypeOsImageOtherProvider => Severity::Error,
        }
    }
}

impl fmt::Display for LintId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A lint's severity, ordered from the least to the most serious; written lowercase
/// (`info`, `warning`, `error`) in JSON output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; often intended.
    Info,
    /// Capacity left idle, or a configuration that will surprise someone.
    Warning,
    /// Claims will fail or take what they should not.
    Error,
}

/// The kind of object a lint is about; written kebab-case (`node-type`) in JSON output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubjectKind {
    /// A BareMetalHost; [`Lint::subject`] is its name, [`Lint::cluster`] its Metal3 cluster.
    Host,
    /// A NodeType; the subject is its full name (`<provider>.<type>`).
    NodeType,
    /// An OSImage; the subject is its name.
    OsImage,
    /// An NVLink domain; the subject is its `nvlink-domain` label, [`Lint::cluster`] the
    /// Metal3 cluster of its hosts.
    NvlinkDomain,
    /// A NodeClaim; the subject is `namespace/name`.
    Claim,
}

/// One finding: a lint about one object, with a message in the operator's terms. Sorted by
/// id, then severity, subject kind, subject, cluster and message.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Lint {
    /// What the finding is.
    pub id: LintId,
    /// Always `id.severity()`.
    pub severity: Severity,
    /// The kind of object it is about.
    pub subject_kind: SubjectKind,
    /// The object it is about, named as [`SubjectKind`] says.
    pub subject: String,
    /// For a host or an NVLink domain: the Metal3 cluster it lives in (host names and
    /// domain labels repeat across clusters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// What is wrong and, where it helps, why: one line, without the subject's name.
    pub message: String,
}

impl Lint {
    fn new(
        id: LintId,
        subject_kind: SubjectKind,
        subject: impl Into<String>,
        message: String,
    ) -> Self {
        Lint {
            id,
            severity: id.severity(),
            subject_kind,
            subject: subject.into(),
            cluster: None,
            message,
        }
    }

    /// Makes the lint one about a host of `cluster` (none when empty).
    fn set_cluster(&mut self, cluster: &str) {
        self.cluster = (!cluster.is_empty()).then(|| cluster.to_string());
    }

    /// The subject as people read it: for a host or an NVLink domain, `cluster/subject` when
    /// `with_cluster` ([`super::Fleet::hosts_span_clusters`]: names repeat across clusters),
    /// by the one rule of [`super::key::shown_name`]; else the subject.
    pub fn shown_subject(&self, with_cluster: bool) -> String {
        let cluster = self.cluster.as_deref().unwrap_or("");
        super::key::shown_name(cluster, &self.subject, with_cluster)
    }

    /// What makes two lints the same finding, whatever their message says.
    pub fn key(&self) -> (LintId, &str, Option<&str>) {
        (self.id, &self.subject, self.cluster.as_deref())
    }
}

fn type_names(fleet: &Fleet, types: &[NodeTypeId]) -> String {
    types
        .iter()
        .map(|&t| fleet.node_type(t).name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Lints about one host.
pub fn host_lints<V: FleetView + ?Sized>(view: &V, h: HostId, out: &mut Vec<Lint>) {
    let fleet = view.fleet();
    let host = fleet.host(h);
    let labels = view.labels(h);
    let derived = view.derived(h);
    let subject = host.name.as_str();
    let first = out.len();
    match derived.matches.len() {
        0 => out.push(Lint::new(
            LintId::HostMatchesNoNodeType,
            SubjectKind::Host,
            subject,
            no_type_reason(fleet, &host.cluster, &host.namespace, labels.is_empty()),
        )),
        1 => {}
        _ => out.push(Lint::new(
            LintId::HostMatchesManyNodeTypes,
            SubjectKind::Host,
            subject,
            format!("matches {}", type_names(fleet, &derived.matches)),
        )),
    }
    if let Some(Err(value)) = super::rules::gpu_count_label(labels) {
        out.push(Lint::new(
            LintId::GpuCountLabelInvalid,
            SubjectKind::Host,
            subject,
            format!(
                "label {}={value} is not a GPU count (a whole number from 0 to {}): gpufleet ignores it and counts {} GPUs",
                crate::model::keys::GPU_COUNT,
                super::rules::MAX_GPUS_PER_HOST,
                derived.gpus
            ),
        ));
    }
    if let Some(tenant) = Fleet::host_tenant(labels) {
        let leaking: Vec<NodeTypeId> = derived
            .matches
            .iter()
            .copied()
            .filter(|&t| !reserved_for(fleet, t, tenant))
            .collect();
        if !leaking.is_empty() {
            out.push(Lint::new(
                LintId::ReservationLeak,
                SubjectKind::Host,
                subject,
                format!(
                    "reserved for tenant {tenant}, but {} can claim it without requiring tenant={tenant}",
                    type_names(fleet, &leaking)
                ),
            ));
        }
    }
    if let Some(super::Holder::Claim(c)) = view.holder(h) {
        let claim = fleet.claim(*c);
        if let Some(t) = claim.node_type
            && !derived.matches.contains(&t)
        {
            out.push(Lint::new(
                LintId::ClaimedHostLabelDrift,
                SubjectKind::Host,
                subject,
                format!(
                    "labels no longer match node type {} of its claim {}; no effect until that Machine is deleted",
                    fleet.node_type(t).name,
                    claim.key()
                ),
            ));
        }
    }
    for lint in &mut out[first..] {
        lint.set_cluster(&host.cluster);
    }
}

/// Why no node type matches a host: no namespace, a cluster and namespace no provider claims
/// from, no labels, or labels no selector matches. Each has its own fix.
fn no_type_reason(fleet: &Fleet, cluster: &str, namespace: &str, unlabelled: bool) -> String {
    let mut namespaces: Vec<String> = fleet
        .node_types()
        .iter()
        .map(|t| scope_text(&t.cluster, &t.namespace))
        .collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    let where_types_look = if namespaces.is_empty() {
        "no node type is defined".to_string()
    } else {
        format!("node types claim hosts in {}", namespaces.join(", "))
    };
    if namespace.is_empty() {
        format!(
            "has no namespace, so no NodeProvider's node types see it ({where_types_look}); \
             its labels were not compared"
        )
    } else if fleet.types_in(cluster, namespace).is_empty() {
        format!(
            "is in {}, where no NodeProvider claims hosts \
             ({where_types_look}); its labels were not compared",
            scope_text(cluster, namespace)
        )
    } else if unlabelled {
        "has no labels, so no node type can claim it".into()
    } else {
        "matches no node type's selector, so no claim can get it".into()
    }
}

/// Whether a node type's selector only ever matches hosts reserved for `tenant`.
pub fn reserved_for(fleet: &Fleet, t: NodeTypeId, tenant: &str) -> bool {
    fleet
        .node_type(t)
        .selector
        .as_ref()
        .and_then(|s| s.required_values(keys::TENANT))
        .is_some_and(|set| set.len() == 1 && set.contains(tenant))
}

/// Lints about one node type.
pub fn node_type_lints<V: FleetView + ?Sized>(view: &V, t: NodeTypeId, out: &mut Vec<Lint>) {
    let fleet = view.fleet();
    let info = fleet.node_type(t);
    let subject = info.name.as_str();
    if view.available(t) == 0 {
        out.push(Lint::new(
            LintId::NodeTypeNoEligibleHost,
            SubjectKind::NodeType,
            subject,
            match &info.selector_error {
                Some(e) => format!("has no eligible host: {e}"),
                None => format!("has no eligible host: {}", why_no_eligible_host(view, t)),
            },
        ));
    }
    if info.gpus > 0 {
        let pins_model = info
            .selector
            .as_ref()
            .and_then(|s| s.required_values(keys::GPU_MODEL))
            .is_some_and(|set| !set.is_empty());
        if !pins_model {
            out.push(Lint::new(
                LintId::GpuNodeTypeUnpinnedModel,
                SubjectKind::NodeType,
                subject,
                format!(
                    "offers {} GPUs but its selector does not pin {}, so it can claim any GPU model",
                    info.gpus,
                    keys::GPU_MODEL
                ),
            ));
        }
    }
    if let Some(image) = type_os_image(view, t) {
        match view.os_image(&image).map(OsImage::provider) {
            None => out.push(Lint::new(
                LintId::NodeTypeMissingOsImage,
                SubjectKind::NodeType,
                subject,
                format!("points at OSImage {image}, which does not exist; new Machines will fail"),
            )),
            Some(ImageProvider::Other(provider)) => out.push(Lint::new(
                LintId::NodeTypeOsImageOtherProvider,
                SubjectKind::NodeType,
                subject,
                format!(
                    "points at OSImage {image}, a {provider} image with no Metal3 URL; \
                     new Machines of this Metal3 node type cannot be provisioned"
                ),
            )),
            Some(_) => {}
        }
    }
}

/// Why a node type has no eligible host, in the operator's terms: no host matches its
/// selector at all, or how many matching hosts are held, paused, in error, not available,
/// not inspected, being deleted, leaving available or too small.
fn why_no_eligible_host<V: FleetView + ?Sized>(view: &V, t: NodeTypeId) -> String {
    let fleet = view.fleet();
    let info = fleet.node_type(t);
    let matching = view.matching_hosts(t);
    if matching.is_empty() {
        return format!(
            "no host in namespace {} matches its selector {}",
            info.namespace,
            info.selector
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        );
    }
    let mut counts: std::collections::BTreeMap<&'static str, usize> = Default::default();
    for &h in &matching {
        let host = fleet.host(h);
        let why = not_free(fleet, host, view.holder(h));
        let word = match why.first() {
            Some(NotFree::Held { .. }) => "claimed",
            Some(NotFree::Consumed { .. }) => "consumed by another controller",
            Some(NotFree::Paused) => "paused",
            Some(NotFree::Detached) => "detached",
            Some(NotFree::InError { .. }) => "in error",
            Some(NotFree::NotAvailable { .. }) => "not available",
            Some(NotFree::HardwareNotInspected) => "not inspected",
            Some(NotFree::Deleting { .. }) => "being deleted",
            Some(NotFree::Leaving { .. }) => "leaving available",
            None if !has_enough_hardware(host, info) => "too small",
            None => "eligible",
        };
        *counts.entry(word).or_default() += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(w, n)| format!("{n} {w}")).collect();
    format!(
        "{} {} its selector: {}",
        matching.len(),
        if matching.len() == 1 {
            "host matches"
        } else {
            "hosts match"
        },
        parts.join(", ")
    )
}

/// Lints about one OSImage. Only Metal3 images (or images that say nothing of their
/// provider) need a URL and checksum: another provider's image has none by design.
///
/// Source: vCluster docs, OS images (a KubeVirt image has `kubevirt.vcluster.com/*`
/// properties and no Metal3 URL or checksum).
pub fn os_image_lints(image: &OsImage, out: &mut Vec<Lint>) {
    if let ImageProvider::Other(_) = image.provider() {
        return;
    }
    let missing: Vec<&str> = [
        image.url().is_none().then_some("URL"),
        image.checksum().is_none().then_some("checksum"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !missing.is_empty() {
        out.push(Lint::new(
            LintId::OsImageIncomplete,
            SubjectKind::OsImage,
            image.name(),
            format!("has no {}", missing.join(" and no ")),
        ));
    }
}

/// The tenants whose claims hold hosts of an NVLink domain.
pub fn domain_tenants<'a, V: FleetView + ?Sized>(
    view: &'a V,
    hosts: &[HostId],
) -> BTreeSet<&'a str> {
    let fleet = view.fleet();
    hosts
        .iter()
        .filter_map(|&h| view.holder(h).map(|holder| holder.tenant(fleet)))
        .collect()
}

/// Lints about one NVLink domain.
pub fn nvlink_domain_lints<V: FleetView + ?Sized>(
    view: &V,
    domain: &DomainKey,
    hosts: &[HostId],
    out: &mut Vec<Lint>,
) {
    let tenants = domain_tenants(view, hosts);
    if tenants.len() > 1 {
        let mut lint = Lint::new(
            LintId::NvlinkDomainSplitTenants,
            SubjectKind::NvlinkDomain,
            domain.domain.as_str(),
            format!(
                "hosts are held by {} tenants ({}), who share one NVLink fabric",
                tenants.len(),
                tenants.into_iter().collect::<Vec<_>>().join(", ")
            ),
        );
        lint.set_cluster(&domain.cluster);
        out.push(lint);
    }
}

/// Lints about how a host's claim was found (see [`super::links`]).
pub fn link_lints(fleet: &Fleet, h: HostId, out: &mut Vec<Lint>) {
    let host = fleet.host(h);
    if host.link.problems.is_empty() {
        return;
    }
    let mut lint = Lint::new(
        LintId::HostClaimLinkUnclear,
        SubjectKind::Host,
        host.name.as_str(),
        host.link
            .problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
    );
    lint.set_cluster(&host.cluster);
    out.push(lint);
}

/// Lints about one claim: where the platform's drift verdict differs from gpufleet's.
pub fn claim_lints<V: FleetView + ?Sized>(view: &V, c: ClaimId, out: &mut Vec<Lint>) {
    if let Some(differs) = drift_disagreement(view, c) {
        out.push(Lint::new(
            LintId::DriftVerdictsDiffer,
            SubjectKind::Claim,
            view.fleet().claim(c).key(),
            differs,
        ));
    }
}

/// Every lint of the fleet, sorted by id and subject.
pub fn all_lints<V: FleetView + ?Sized>(view: &V) -> Vec<Lint> {
    let fleet = view.fleet();
    let mut out = Vec::new();
    for h in fleet.host_ids() {
        host_lints(view, h, &mut out);
        link_lints(fleet, h, &mut out);
    }
    for c in fleet.claim_ids() {
        claim_lints(view, c, &mut out);
    }
    for t in fleet.node_type_ids() {
        node_type_lints(view, t, &mut out);
    }
    for image in fleet.objects().os_images.values() {
        os_image_lints(image, &mut out);
    }
    for (domain, hosts) in &fleet.groups().nvlink_domains {
        nvlink_domain_lints(view, domain, hosts, &mut out);
    }
    out.sort();
    out
}

/// `namespace N` or `namespace N of cluster C`, as a lint names where hosts are.
fn scope_text(cluster: &str, namespace: &str) -> String {
    if cluster.is_empty() {
        format!("namespace {namespace}")
    } else {
        format!("namespace {namespace} of cluster {cluster}")
    }
}
