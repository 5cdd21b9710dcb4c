//! Building a [`Fleet`] snapshot from its objects: resolve references, derive each host's
//! state, holder and node types, and index everything.

use super::links::{HostLink, LinkProblem, LinkSource, Named};
use super::rules::{self, effective_cost, has_enough_hardware, selection_properties};
use super::*;
use crate::model::host::{HARDWARE_DETAILS, Hardware};
use crate::model::{ClaimPhase, NodeProvider};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use crate::model::keys::DEFAULT_BMH_NAMESPACE;

/// Where each Metal3 cluster's BareMetalHosts are, from the providers: cluster (a
/// provider's `spec.metal3.clusterRef.cluster`, empty when it names none) → the namespaces
/// its providers' `clusterRef.namespace` name (default `metal3-system`). Without any
/// provider, the one unnamed cluster in `metal3-system`, as before providers existed.
pub fn metal3_scopes<'a>(
    providers: impl IntoIterator<Item = &'a NodeProvider>,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut scopes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in providers {
        let Some(metal3) = &p.spec.metal3 else {
            continue;
        };
        let ns = metal3
            .cluster_ref
            .as_ref()
            .and_then(|c| c.namespace.clone())
            .unwrap_or_else(|| DEFAULT_BMH_NAMESPACE.to_string());
        scopes
            .entry(p.metal3_cluster().to_string())
            .or_default()
            .insert(ns);
    }
    if scopes.is_empty() {
        scopes.insert(String::new(), BTreeSet::new());
    }
    scopes
}

impl Fleet {
    /// Builds the snapshot with the default project namespace prefix (`p-`; `loft-p-` is
    /// read too). Never fails: problems become [`Fleet::warnings`] and lints.
    pub fn build(objects: FleetObjects) -> Fleet {
        Fleet::build_with(objects, ProjectNamespaces::default())
    }

    /// Builds the snapshot, naming project namespaces with `projects`.
    pub fn build_with(objects: FleetObjects, projects: ProjectNamespaces) -> Fleet {
        let mut fleet = Fleet {
            objects,
            projects,
            ..Fleet::default()
        };
        fleet.build_node_types();
        fleet.build_claims();
        fleet.build_hosts();
        fleet.link_holders();
        fleet.derive_hosts();
        fleet.count_capacity();
        fleet.build_groups();
        fleet.tenant_gpus = tenancy::TenantGpus::of(&fleet);
        fleet
    }

    fn build_node_types(&mut self) {
        let mut types: Vec<NodeTypeInfo> = Vec::new();
        for (provider_name, provider) in &self.objects.providers {
            let Some(metal3) = &provider.spec.metal3 else {
                continue;
            };
            let namespace = metal3
                .cluster_ref
                .as_ref()
                .and_then(|c| c.namespace.clone())
                .unwrap_or_else(|| DEFAULT_BMH_NAMESPACE.to_string());
            let cluster = provider.metal3_cluster();
            for (index, spec) in metal3.node_types.iter().enumerate() {
                types.push(node_type_from_provider(
                    provider_name,
                    cluster,
                    &namespace,
                    Some(index),
                    spec,
                    &mut self.warnings,
                ));
            }
        }
        // Attach generated NodeType resources; keep ones whose provider entry we lack.
        let mut by_name: HashMap<String, usize> = types
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.clone(), i))
            .collect();
        for (name, resource) in &self.objects.node_types {
            if let Some(&i) = by_name.get(name) {
                types[i].resource = Some(resource.clone());
                continue;
            }
            self.warnings.push(format!(
                "NodeType {name} has no entry in its NodeProvider's nodeTypes[]: \
                 it is shown, but without a host selector it can claim no host"
            ));
            let spec = &resource.spec;
            let provider = spec.provider_ref.clone().unwrap_or_default();
            let as_entry = crate::model::Metal3NodeType {
                name: name
                    .strip_prefix(&format!("{provider}."))
                    .unwrap_or(name)
                    .to_string(),
                display_name: spec.display_name.clone(),
                metadata: None,
                resources: spec.resources.clone(),
                cost: spec.cost,
                properties: spec.properties.clone(),
                overhead: spec.overhead.clone(),
                bare_metal_hosts: None,
            };
            let cluster = self
                .objects
                .providers
                .get(&provider)
                .map(|p| p.metal3_cluster())
                .unwrap_or_default()
                .to_string();
            let mut info = node_type_from_provider(
                &provider,
                &cluster,
                DEFAULT_BMH_NAMESPACE,
                None,
                &as_entry,
                &mut self.warnings,
            );
            info.name = name.clone();
            info.selector_error = Some("no NodeProvider entry defines a selector".into());
            info.resource = Some(resource.clone());
            by_name.insert(name.clone(), types.len());
            types.push(info);
        }
        types.sort_by(|a, b| a.name.cmp(&b.name));
        for (i, t) in types.iter_mut().enumerate() {
            let provider_props = self
                .objects
                .providers
                .get(&t.provider)
                .map(|p| p.spec.properties.clone())
                .unwrap_or_default();
            t.selection_properties = selection_properties(&provider_props, t, &t.properties);
            let id = NodeTypeId(i as u32);
            self.types_by_name
                .entry(t.name.clone())
                .or_default()
                .push(id);
            if t.short_name != t.name {
                self.types_by_name
                    .entry(t.short_name.clone())
                    .or_default()
                    .push(id);
            }
            self.types_by_scope
                .entry((t.cluster.clone(), t.namespace.clone()))
                .or_default()
                .push(id);
        }
        self.node_types = types;
    }

    fn build_claims(&mut self) {
        let mut unfit: BTreeSet<&str> = BTreeSet::new();
        for (i, ((namespace, name), object)) in self.objects.claims.iter().enumerate() {
            let id = ClaimId(i as u32);
            let spec = &object.spec;
            let type_ref = spec.type_ref.clone().filter(|s| !s.is_empty());
            let node_type = type_ref.as_deref().and_then(|r| match self.types_named(r) {
                [one] => Some(*one),
                _ => None,
            });
            if let (Some(r), None) = (&type_ref, node_type) {
                self.warnings.push(format!(
                    "NodeClaim {namespace}/{name} refers to node type {r}, which does not exist"
                ));
            }
            let named = rules::named_node_types(&spec.requirements);
            if type_ref.is_none()
                && !named.is_empty()
                && named.iter().all(|t| self.types_named(t).is_empty())
            {
                self.warnings.push(format!(
                    "NodeClaim {namespace}/{name} asks for node type {} ({}), none of which \
                     exists: it waits",
                    named.join(" or "),
                    keys::PROP_INSTANCE_TYPE
                ));
            }
            let annotated_host = object
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(keys::CLAIM_CLAIMED_NODE))
                .filter(|s| !s.is_empty())
                .cloned();
            self.claims.push(Claim {
                object: object.clone(),
                name: name.clone(),
                namespace: namespace.clone(),
                tenant: match self.projects.project(namespace) {
                    Some(project) => project.to_string(),
                    None => {
                        unfit.insert(namespace);
                        namespace.clone()
                    }
                },
                vcluster: spec.vcluster_ref.clone().filter(|s| !s.is_empty()),
                type_ref,
                node_type,
                host: None,
                annotated_host,
                stage: ClaimStage::Pending,
                pin: spec.properties.get(keys::SERVER_NAME).cloned(),
            });
            self.claims_by_key
                .insert((namespace.clone(), name.clone()), id);
            self.claims_by_name
                .entry(name.clone())
                .or_default()
                .push(id);
        }
        let forms: Vec<String> = self
            .projects
            .recognised()
            .iter()
            .map(|p| format!("{p}<project>"))
            .collect();
        for namespace in unfit {
            self.warnings.push(format!(
                "NodeClaims in namespace {namespace} are not in a project namespace ({}): \
                 their tenant is shown as {namespace}",
                forms.join(" or ")
            ));
        }
    }

    fn build_hosts(&mut self) {
        self.has_machines = !self.objects.machines.is_empty();
        // Which provider's BareMetalHosts live in each cluster and namespace: the provider →
        // cluster link of `spec.metal3.clusterRef` (one Metal3 cluster per provider; loft-sh/api
        // `NodeProviderClusterRef`).
        let mut provider_of_scope: HashMap<(&str, String), String> = HashMap::new();
        for (name, provider) in &self.objects.providers {
            if let Some(metal3) = &provider.spec.metal3 {
                let ns = metal3
                    .cluster_ref
                    .as_ref()
                    .and_then(|c| c.namespace.clone())
                    .unwrap_or_else(|| DEFAULT_BMH_NAMESPACE.to_string());
                provider_of_scope
                    .entry((provider.metal3_cluster(), ns))
                    .or_insert_with(|| name.clone());
            }
        }
        self.hosts.reserve(self.objects.hosts.len());
        for (i, (key, object)) in self.objects.hosts.iter().enumerate() {
            let HostKey {
                cluster,
                namespace,
                name,
            } = key;
            let (cpus, memory_bytes, source) = inspected_hardware(object, || {
                self.objects.hardware_data.get(key).map(Arc::as_ref)
            });
            let provider = provider_of_scope
                .get(&(cluster.as_str(), namespace.clone()))
                .cloned();
            let machine = provider
                .as_deref()
                .filter(|_| self.has_machines)
                .and_then(|p| self.objects.machines.get(&Machine::name_for(p, name)))
                .cloned();
            self.hosts.push(Host {
                object: object.clone(),
                name: name.clone(),
                namespace: namespace.clone(),
                cluster: cluster.clone(),
                state: HostState::of(object),
                cpus,
                memory_bytes,
                hardware: source,
                provider,
                machine,
                holder: None,
                link: HostLink::default(),
                derived: HostDerived::default(),
            });
            self.hosts_by_name
                .entry(name.clone())
                .or_default()
                .push(HostId(i as u32));
        }
    }

    /// Claims of this name: all of them, or those in `namespace` when the link names one.
    fn claims_named(&self, namespace: Option<&str>, name: &str) -> Vec<ClaimId> {
        match namespace {
            Some(ns) => self.claim_by_key(ns, name).into_iter().collect(),
            None => self.claims_by_name.get(name).cloned().unwrap_or_default(),
        }
    }

    /// The claim the host label names. Its value is read as a claim name (or
    /// `<namespace>/<name>`); when several claims have that name, the host's project label
    /// (`[UNCERTAIN]`, [`keys::HOST_PROJECT`]) picks among them, and nothing else does.
    fn label_link(&self, labels: &Labels) -> Option<Named> {
        let value = labels
            .get(keys::HOST_NODE_CLAIM)
            .filter(|s| !s.is_empty())?;
        let (namespace, name) = links::label_claim_name(value);
        let candidates = self.claims_named(namespace, name);
        let project = labels.get(keys::HOST_PROJECT).map(String::as_str);
        Some(match candidates.as_slice() {
            [] => Named::Missing(match (namespace, project) {
                (Some(ns), _) => format!("{ns}/{name}"),
                (None, Some(p)) => format!("{}/{name}", self.projects.namespace(p)),
                (None, None) => name.to_string(),
            }),
            [one] => Named::Claim(*one),
            several => {
                let in_project: Vec<ClaimId> = several
                    .iter()
                    .copied()
                    .filter(|c| project.is_some_and(|p| self.claims[c.index()].tenant == p))
                    .collect();
                match in_project.as_slice() {
                    [one] => Named::Claim(*one),
                    _ => Named::Several(several.to_vec()),
                }
            }
        })
    }

    /// The claim the inventory Machine names, or why it names none that fits.
    fn machine_link(&self, machine: &Machine) -> Option<Result<Named, LinkProblem>> {
        let value = machine.node_claim()?;
        Some(match value.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok(match self.claim_by_key(ns, name) {
                    Some(c) => Named::Claim(c),
                    None => Named::Missing(value.to_string()),
                })
            }
            _ => Err(LinkProblem::Malformed {
                value: value.to_string(),
            }),
        })
    }

    fn named_text(&self, named: &Named) -> String {
        match named {
            Named::Claim(c) => self.claims[c.index()].key(),
            Named::Missing(key) => key.clone(),
            Named::Several(cs) => cs
                .iter()
                .map(|c| self.claims[c.index()].key())
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }

    /// Who holds each host: the inventory Machine's annotation where the host has a
    /// Machine, else the host label; then every claim's annotation is checked against
    /// the links (see [`links`]).
    fn link_holders(&mut self) {
        let mut taken = links::Taken::default();
        for h in 0..self.hosts.len() {
            let label = self.label_link(self.hosts[h].labels());
            let mut link = HostLink::default();
            let named = match self.hosts[h].machine.clone() {
                Some(machine) => {
                    link.source = Some(LinkSource::Machine);
                    let from_machine = match self.machine_link(&machine) {
                        Some(Ok(named)) => Some(named),
                        Some(Err(problem)) => {
                            link.problems.push(problem);
                            None
                        }
                        None => None,
                    };
                    let differs = match (&from_machine, &label) {
                        (_, None) => false,
                        (None, Some(_)) => true,
                        (Some(m), Some(l)) => m != l,
                    };
                    if differs {
                        link.problems.push(LinkProblem::Disagree {
                            machine: from_machine.as_ref().map(|n| self.named_text(n)),
                            label: label.as_ref().map(|n| self.named_text(n)),
                        });
                    }
                    from_machine
                }
                None => {
                    if label.is_some() {
                        link.source = Some(LinkSource::HostLabel);
                    }
                    label
                }
            };
            let source = link.source.unwrap_or(LinkSource::HostLabel);
            let holder = match named {
                None => None,
                Some(Named::Claim(c)) => {
                    if let Some(first) = taken.take(c, HostId(h as u32)) {
                        link.problems.push(LinkProblem::ClaimHeldTwice {
                            claim: self.claims[c.index()].key(),
                            other_host: self.hosts[first.index()].key().to_string(),
                        });
                    } else {
                        self.claims[c.index()].host = Some(HostId(h as u32));
                    }
                    Some(Holder::Claim(c))
                }
                Some(Named::Several(cs)) => {
                    link.problems.push(LinkProblem::Ambiguous {
                        named: self.hosts[h]
                            .label(keys::HOST_NODE_CLAIM)
                            .unwrap_or_default()
                            .to_string(),
                        candidates: cs.iter().map(|c| self.claims[c.index()].key()).collect(),
                    });
                    Some(Holder::Ambiguous(cs))
                }
                Some(Named::Missing(key)) => {
                    link.problems.push(LinkProblem::Dangling {
                        source,
                        named: key.clone(),
                    });
                    Some(Holder::Unknown(key))
                }
            };
            self.hosts[h].holder = holder;
            self.hosts[h].link = link;
        }
        self.check_claim_annotations();
        for claim in &mut self.claims {
            claim.stage = claim_stage(claim);
        }
    }

    /// Cross-checks each claim's `claimed-node` annotation (`[UNCERTAIN]`, never a link by
    /// itself) against the links: a different host, or a host no confirmed key links.
    fn check_claim_annotations(&mut self) {
        for c in 0..self.claims.len() {
            let Some(named) = self.claims[c].annotated_host.as_deref() else {
                continue;
            };
            if self.claims[c]
                .host
                .is_some_and(|h| self.hosts[h.index()].name == named)
            {
                continue;
            }
            let named = named.to_string();
            let key = self.claims[c].key();
            match self.claims[c].host {
                Some(h) => {
                    self.hosts[h.index()]
                        .link
                        .problems
                        .push(LinkProblem::ClaimAnnotation {
                            claim: key,
                            names: format!("{named}, not this host"),
                        });
                }
                None => {
                    // The annotation gives a bare name and names repeat across clusters: the
                    // host the claim's node type sees (its provider's cluster and namespace)
                    // is the one meant, else the first of that name.
                    let node_type = self.claims[c]
                        .node_type
                        .map(|t| &self.node_types[t.index()]);
                    let candidates = self.hosts_named(&named).to_vec();
                    let target = candidates
                        .iter()
                        .copied()
                        .find(|&h| {
                            node_type.is_some_and(|t| rules::sees(t, &self.hosts[h.index()]))
                        })
                        .or_else(|| candidates.first().copied());
                    match target {
                        Some(h) => {
                            let names = if self.hosts[h.index()].holder.is_some() {
                                "this host, which its links give to another claim"
                            } else {
                                "this host, but no confirmed key links them"
                            };
                            self.hosts[h.index()].link.problems.push(
                                LinkProblem::ClaimAnnotation {
                                    claim: key,
                                    names: names.into(),
                                },
                            );
                        }
                        None => self.warnings.push(format!(
                            "NodeClaim {key}'s annotation {} (unconfirmed) names host {named}, \
                             which is not in the fleet",
                            keys::CLAIM_CLAIMED_NODE
                        )),
                    }
                }
            }
        }
    }

    fn derive_hosts(&mut self) {
        // Hosts with the same values for every key any selector reads match the same node
        // types, so each distinct combination is matched once.
        let mut keys_by_scope: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
        for t in &self.node_types {
            let keys = keys_by_scope
                .entry((t.cluster.as_str(), t.namespace.as_str()))
                .or_default();
            for k in t.selector.iter().flat_map(|s| s.keys()) {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        // By cluster, namespace and the values of the selectors' keys.
        type Signature<'a> = (&'a str, &'a str, Vec<Option<&'a str>>);
        let mut memo: HashMap<Signature, Vec<NodeTypeId>> = HashMap::new();
        let mut derived = Vec::with_capacity(self.hosts.len());
        for (i, host) in self.hosts.iter().enumerate() {
            let labels = host.labels();
            let keys = keys_by_scope
                .get(&(host.cluster.as_str(), host.namespace.as_str()))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let signature: Vec<Option<&str>> = keys
                .iter()
                .map(|k| labels.get(*k).map(String::as_str))
                .collect();
            let matches = memo
                .entry((host.cluster.as_str(), host.namespace.as_str(), signature))
                .or_insert_with(|| self.matching_types(&host.cluster, &host.namespace, labels))
                .clone();
            derived.push(self.derive_host(HostId(i as u32), labels, host.holder.as_ref(), matches));
        }
        for (host, d) in self.hosts.iter_mut().zip(derived) {
            host.derived = d;
        }
    }

    /// Node types whose selector matches these labels, for a host in `namespace` of
    /// `cluster` (a node type sees only hosts of its provider's cluster and namespace).
    pub fn matching_types(
        &self,
        cluster: &str,
        namespace: &str,
        labels: &Labels,
    ) -> Vec<NodeTypeId> {
        self.types_in(cluster, namespace)
            .iter()
            .copied()
            .filter(|&t| {
                self.node_types[t.index()]
                    .selector
                    .as_ref()
                    .is_some_and(|s| s.matches(labels))
            })
            .collect()
    }

    /// Everything that follows from a host's labels and holder.
    pub fn derive_host(
        &self,
        h: HostId,
        labels: &Labels,
        holder: Option<&Holder>,
        matches: Vec<NodeTypeId>,
    ) -> HostDerived {
        let host = &self.hosts[h.index()];
        let free = rules::is_free(host, holder);
        let eligible = if free {
            matches
                .iter()
                .copied()
                .filter(|&t| has_enough_hardware(host, &self.node_types[t.index()]))
                .collect()
        } else {
            Vec::new()
        };
        let holder_type = match holder {
            Some(Holder::Claim(c)) => self.claims[c.index()].node_type,
            _ => None,
        };
        let gpus = rules::host_gpus(self, labels, host.machine.as_deref(), holder_type, &matches);
        HostDerived {
            matches,
            eligible,
            gpus,
        }
    }

    fn count_capacity(&mut self) {
        let n = self.node_types.len();
        self.type_hosts = vec![Vec::new(); n];
        self.available = vec![0; n];
        self.held = vec![0; n];
        for (i, host) in self.hosts.iter().enumerate() {
            for t in &host.derived.matches {
                self.type_hosts[t.index()].push(HostId(i as u32));
            }
            for t in &host.derived.eligible {
                self.available[t.index()] += 1;
            }
        }
        for claim in &self.claims {
            if let (Some(t), Some(_)) = (claim.node_type, claim.host) {
                self.held[t.index()] += 1;
            }
        }
    }

    fn build_groups(&mut self) {
        let mut groups = Groups::default();
        for (i, host) in self.hosts.iter().enumerate() {
            let id = HostId(i as u32);
            let label = |k| host.label(k).unwrap_or(UNLABELLED).to_string();
            groups
                .racks
                .entry(RackKey {
                    cluster: host.cluster.clone(),
                    datacenter: label(keys::DATACENTER),
                    rack: label(keys::RACK),
                })
                .or_default()
                .push(id);
            groups
                .datacenters
                .entry(label(keys::DATACENTER))
                .or_default()
                .push(id);
            if let Some(domain) = host.label(keys::NVLINK_DOMAIN) {
                groups
                    .nvlink_domains
                    .entry(DomainKey {
                        cluster: host.cluster.clone(),
                        domain: domain.to_string(),
                    })
                    .or_default()
                    .push(id);
            }
            if let Some(tenant) = Fleet::host_tenant(host.labels()) {
                groups
                    .tenants
                    .entry(tenant.to_string())
                    .or_default()
                    .reserved_hosts
                    .push(id);
            }
        }
        for (i, claim) in self.claims.iter().enumerate() {
            let entry = groups.tenants.entry(claim.tenant.clone()).or_default();
            entry.claims.push(ClaimId(i as u32));
            if let Some(h) = claim.host {
                entry.held_hosts.push(h);
            }
        }
        for (i, t) in self.node_types.iter().enumerate() {
            let tenants = t
                .selector
                .as_ref()
                .and_then(|s| s.required_values(keys::TENANT))
                .unwrap_or_default();
            for tenant in tenants {
                groups
                    .tenants
                    .entry(tenant.to_string())
                    .or_default()
                    .node_types
                    .push(NodeTypeId(i as u32));
            }
        }
        self.groups = groups;
    }
}

/// A host's inspected logical CPUs and memory in bytes, and where they come from:
/// `status.hardware`, else the HardwareData of the same name (looked up only then), else the
/// `inspect.metal3.io/hardwaredetails` annotation (external inspection, which
/// baremetal-operator copies into the status), else none.
///
/// Source: baremetal-operator `HardwareData` and the v1beta1 design (status.hardware moves to
/// HardwareData); Metal3 docs, "External inspection".
pub fn inspected_hardware<'a>(
    host: &BareMetalHost,
    hardware_data: impl FnOnce() -> Option<&'a crate::model::HardwareData>,
) -> (Option<u32>, Option<u64>, HardwareSource) {
    let facts = |h: &Hardware| {
        let found = (h.cpus(), h.memory_bytes());
        (found != (None, None)).then_some(found)
    };
    if let Some((cpus, memory)) = host
        .status
        .as_ref()
        .and_then(|s| s.hardware.as_ref())
        .and_then(facts)
    {
        return (cpus, memory, HardwareSource::Status);
    }
    if let Some((cpus, memory)) = hardware_data()
        .and_then(|d| d.spec.hardware.as_ref())
        .and_then(facts)
    {
        return (cpus, memory, HardwareSource::HardwareData);
    }
    if let Some((cpus, memory)) = host
        .annotation(HARDWARE_DETAILS)
        .and_then(|json| serde_json::from_str::<Hardware>(json).ok())
        .as_ref()
        .and_then(facts)
    {
        return (cpus, memory, HardwareSource::Annotation);
    }
    (None, None, HardwareSource::NotInspected)
}

fn claim_stage(claim: &Claim) -> ClaimStage {
    if claim.object.metadata.deletion_timestamp.is_some() {
        return ClaimStage::Deleting;
    }
    match claim.object.status.as_ref().and_then(|s| s.phase()) {
        Some(ClaimPhase::Failed) => ClaimStage::Failed,
        Some(ClaimPhase::Available) => ClaimStage::Available,
        _ if claim.host.is_some() => ClaimStage::Provisioning,
        _ => ClaimStage::Pending,
    }
}

fn node_type_from_provider(
    provider_name: &str,
    cluster: &str,
    namespace: &str,
    index: Option<usize>,
    spec: &crate::model::Metal3NodeType,
    warnings: &mut Vec<String>,
) -> NodeTypeInfo {
    let name = format!("{provider_name}.{}", spec.name);
    let (selector, selector_error) = match spec
        .bare_metal_hosts
        .as_ref()
        .and_then(|b| b.selector.as_ref())
    {
        Some(sel) => match LabelQuery::from_label_selector(sel) {
            Ok(q) => (Some(q), None),
            Err(e) => {
                warnings.push(format!("node type {name}: {e}; it matches no host"));
                (None, Some(e.to_string()))
            }
        },
        // An absent selector selects nothing, as apimachinery reads a nil selector.
        None => (None, Some("bareMetalHosts.selector is not set".into())),
    };
    let (cost, cost_source) = effective_cost(&spec.resources, spec.cost);
    let tenant = selector
        .as_ref()
        .and_then(|s| s.required_values(keys::TENANT))
        .filter(|set| set.len() == 1)
        .and_then(|set| set.into_iter().next().map(str::to_string));
    let mut info = NodeTypeInfo {
        name,
        short_name: spec.name.clone(),
        provider: provider_name.to_string(),
        display_name: spec.display_name.clone(),
        cluster: cluster.to_string(),
        namespace: namespace.to_string(),
        selector,
        selector_error,
        resources: spec.resources.clone(),
        cpus: None,
        memory_bytes: None,
        gpus: 0,
        extended_resources: Vec::new(),
        cost,
        cost_source,
        properties: spec.properties.clone(),
        selection_properties: Labels::new(),
        tenant,
        resource: None,
        provider_index: index,
    };
    fill_resource_fields(&mut info);
    info
}

fn fill_resource_fields(info: &mut NodeTypeInfo) {
    let value = |k: &str| info.resources.get(k).and_then(|q| q.value().ok());
    info.cpus = value("cpu");
    info.memory_bytes = value("memory");
    // A count no server holds is ignored (`rules::MAX_GPUS_PER_HOST`); the quantity itself is
    // still shown as written.
    info.gpus = value(keys::RESOURCE_GPU)
        .filter(|g| (0.0..=f64::from(super::rules::MAX_GPUS_PER_HOST)).contains(g))
        .map(|g| g as u32)
        .unwrap_or(0);
    info.extended_resources = info
        .resources
        .keys()
        .filter(|k| *k != "cpu" && *k != "memory")
        .cloned()
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeClaim;

    fn claim(namespace: &str, name: &str) -> crate::fleet::FleetObject {
        let mut c = NodeClaim::default();
        c.metadata.namespace = Some(namespace.into());
        c.metadata.name = Some(name.into());
        c.into()
    }

    #[test]
    fn tenants_come_from_either_project_prefix_and_an_odd_namespace_is_said_once() {
        let mut objects = FleetObjects::default();
        for (ns, name) in [
            ("p-default", "vcluster-62ftb"),
            ("loft-p-team-a", "a"),
            ("metal3-system", "x"),
            ("metal3-system", "y"),
        ] {
            objects.insert(claim(ns, name));
        }
        let fleet = Fleet::build(objects);
        let tenant = |ns: &str, name: &str| {
            let c = fleet.claim_by_key(ns, name).unwrap();
            fleet.claim(c).tenant.clone()
        };
        assert_eq!(tenant("p-default", "vcluster-62ftb"), "default");
        assert_eq!(tenant("loft-p-team-a", "a"), "team-a");
        assert_eq!(tenant("metal3-system", "x"), "metal3-system");
        let odd: Vec<&String> = fleet
            .warnings()
            .iter()
            .filter(|w| w.contains("metal3-system"))
            .collect();
        assert_eq!(odd.len(), 1, "{:?}", fleet.warnings());
        assert!(
            odd[0].contains("loft-p-<project> or p-<project>"),
            "{}",
            odd[0]
        );
    }

    #[test]
    fn a_claim_naming_instance_types_that_do_not_exist_is_warned_about() {
        // The vCluster docs' auto nodes NodeClaim, its provider not loaded.
        let mut c = NodeClaim::default();
        c.metadata.namespace = Some("p-default".into());
        c.metadata.name = Some("vcluster-62ftb".into());
        c.spec.requirements = serde_json::from_str(
            r#"[{"key": "my-custom_property", "operator": "In", "values": ["my-value"]},
                {"key": "node.kubernetes.io/instance-type", "operator": "In",
                 "values": ["my-node-provider.large", "my-node-provider.medium"]}]"#,
        )
        .unwrap();
        let mut objects = FleetObjects::default();
        objects.insert(c.into());
        let fleet = Fleet::build(objects);
        assert_eq!(
            fleet.warnings(),
            [
                "NodeClaim p-default/vcluster-62ftb asks for node type my-node-provider.large or \
              my-node-provider.medium (node.kubernetes.io/instance-type), none of which exists: \
              it waits"
            ]
        );
    }

    #[test]
    fn hardware_comes_from_the_status_else_hardware_data_else_the_annotation() {
        use crate::model::{BareMetalHost, HardwareData};
        let host = |name: &str, annotation: Option<&str>| {
            let mut h = BareMetalHost::default();
            h.metadata.namespace = Some("m3".into());
            h.metadata.name = Some(name.into());
            if let Some(json) = annotation {
                h.metadata.annotations = Some(
                    [(
                        crate::model::host::HARDWARE_DETAILS.to_string(),
                        json.to_string(),
                    )]
                    .into(),
                );
            }
            h
        };
        let mut objects = FleetObjects::default();
        objects.insert(host("from-data", None).into());
        // The Metal3 docs' external inspection annotation: 4 CPUs, 4096 MiB.
        objects.insert(
            host(
                "from-annotation",
                Some(r#"{"cpu":{"arch":"x86_64","clockMegahertz":2494.224,"count":4},"ramMebibytes":4096}"#),
            )
            .into(),
        );
        objects.insert(host("never", None).into());
        let mut data = HardwareData::default();
        data.metadata.namespace = Some("m3".into());
        data.metadata.name = Some("from-data".into());
        data.spec.hardware =
            serde_json::from_str(r#"{"cpu":{"count":64},"ramMebibytes":262144}"#).unwrap();
        objects.insert(data.into());
        let fleet = Fleet::build(objects);
        let facts = |name: &str| {
            let h = &fleet.hosts()[fleet.hosts_named(name)[0].index()];
            (h.hardware, h.cpus, h.memory_bytes.map(|b| b >> 20))
        };
        assert_eq!(
            facts("from-data"),
            (HardwareSource::HardwareData, Some(64), Some(262144))
        );
        assert_eq!(
            facts("from-annotation"),
            (HardwareSource::Annotation, Some(4), Some(4096))
        );
        assert_eq!(facts("never"), (HardwareSource::NotInspected, None, None));
    }

    #[test]
    fn a_paused_host_is_shown_paused_and_is_not_free() {
        // An available, inspected host the operator paused (BMO docs, "Pausing
        // reconciliation": `baremetalhost.metal3.io/paused`).
        let host: BareMetalHost = serde_json::from_value(serde_json::json!({
            "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
            "metadata": {"name": "h", "namespace": "m3",
                "annotations": {"baremetalhost.metal3.io/paused": ""}},
            "status": {"operationalStatus": "OK", "provisioning": {"state": "available"},
                "hardware": {"cpu": {"count": 8}, "ramMebibytes": 16384}}
        }))
        .unwrap();
        let mut objects = FleetObjects::default();
        objects.insert(host.into());
        let fleet = Fleet::build(objects);
        let h = &fleet.hosts()[0];
        assert_eq!(h.state.to_string(), "available (paused)");
        assert!(!fleet.is_free(HostId(0)));
        assert_eq!(rules::not_free(&fleet, h, None), [rules::NotFree::Paused]);
    }
}
