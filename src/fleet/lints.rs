//! Lints: fleet configurations the guide warns about, each with a stable id. Scoped
//! functions (per host, node type, OSImage, NVLink domain) let the impact preview check
//! only what a change touches.

use super::rules::type_os_image;
use super::{Fleet, FleetView, HostId, NodeTypeId};
use crate::model::{OsImage, keys};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LintId {
    /// No claim can ever get the host (guide, "Label strategy").
    HostMatchesNoNodeType,
    /// Legitimate for composable types, but worth knowing (guide, "Per-tenant node types").
    HostMatchesManyNodeTypes,
    /// Reserved and shared selectors overlap (guide, "Per-tenant node types"; domain.md §2.10).
    ReservationLeak,
    NodeTypeNoEligibleHost,
    /// One node type per hardware profile (guide, "Node type design").
    GpuNodeTypeUnpinnedModel,
    /// Labels changed under a claim: no effect until its Machine is deleted (guide,
    /// "Updating labels without re-provisioning").
    ClaimedHostLabelDrift,
    /// URL and checksum are required (domain.md §1.6).
    OsImageIncomplete,
    NodeTypeMissingOsImage,
    NvlinkDomainSplitTenants,
}

impl LintId {
    pub const ALL: [LintId; 9] = [
        LintId::HostMatchesNoNodeType,
        LintId::HostMatchesManyNodeTypes,
        LintId::ReservationLeak,
        LintId::NodeTypeNoEligibleHost,
        LintId::GpuNodeTypeUnpinnedModel,
        LintId::ClaimedHostLabelDrift,
        LintId::OsImageIncomplete,
        LintId::NodeTypeMissingOsImage,
        LintId::NvlinkDomainSplitTenants,
    ];

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
            LintId::NvlinkDomainSplitTenants => "nvlink-domain-split-tenants",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            LintId::HostMatchesManyNodeTypes | LintId::ClaimedHostLabelDrift => Severity::Info,
            LintId::HostMatchesNoNodeType
            | LintId::NodeTypeNoEligibleHost
            | LintId::GpuNodeTypeUnpinnedModel
            | LintId::NvlinkDomainSplitTenants => Severity::Warning,
            LintId::ReservationLeak
            | LintId::OsImageIncomplete
            | LintId::NodeTypeMissingOsImage => Severity::Error,
        }
    }
}

impl fmt::Display for LintId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubjectKind {
    Host,
    NodeType,
    OsImage,
    NvlinkDomain,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Lint {
    pub id: LintId,
    pub severity: Severity,
    pub subject_kind: SubjectKind,
    pub subject: String,
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
            message,
        }
    }

    /// What makes two lints the same finding, whatever their message says.
    pub fn key(&self) -> (LintId, &str) {
        (self.id, &self.subject)
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
    match derived.matches.len() {
        0 => out.push(Lint::new(
            LintId::HostMatchesNoNodeType,
            SubjectKind::Host,
            subject,
            if labels.is_empty() {
                "has no labels, so no node type can claim it".into()
            } else {
                "matches no node type's selector, so no claim can get it".into()
            },
        )),
        1 => {}
        _ => out.push(Lint::new(
            LintId::HostMatchesManyNodeTypes,
            SubjectKind::Host,
            subject,
            format!("matches {}", type_names(fleet, &derived.matches)),
        )),
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
                None => "has no eligible host: every matching host is claimed, busy, in error or too small".into(),
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
    if let Some(image) = type_os_image(view, t)
        && view.os_image(&image).is_none()
    {
        out.push(Lint::new(
            LintId::NodeTypeMissingOsImage,
            SubjectKind::NodeType,
            subject,
            format!("points at OSImage {image}, which does not exist; new Machines will fail"),
        ));
    }
}

/// Lints about one OSImage.
pub fn os_image_lints(image: &OsImage, out: &mut Vec<Lint>) {
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
    domain: &str,
    hosts: &[HostId],
    out: &mut Vec<Lint>,
) {
    let tenants = domain_tenants(view, hosts);
    if tenants.len() > 1 {
        out.push(Lint::new(
            LintId::NvlinkDomainSplitTenants,
            SubjectKind::NvlinkDomain,
            domain,
            format!(
                "hosts are held by {} tenants ({}), who share one NVLink fabric",
                tenants.len(),
                tenants.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
}

/// Every lint of the fleet, sorted by id and subject.
pub fn all_lints<V: FleetView + ?Sized>(view: &V) -> Vec<Lint> {
    let fleet = view.fleet();
    let mut out = Vec::new();
    for h in fleet.host_ids() {
        host_lints(view, h, &mut out);
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
