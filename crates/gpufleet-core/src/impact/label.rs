//! Planning a label edit. Labels change only what new claims can get: a claimed server
//! keeps its claim until its Machine is deleted (guide, "Updating labels without
//! re-provisioning").

use super::{
    Change, ChangeError, HostEffect, HostTargets, LabelEdit, ObjectVersion, Overlay, Plan,
};
use crate::fleet::{Fleet, FleetView, HostId};
use crate::model::Labels;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn plan<'a>(fleet: &'a Fleet, edits: &[LabelEdit]) -> Result<Plan<'a>, ChangeError> {
    let relabelled = relabel(fleet, edits)?;
    let mut plan = Plan::new(fleet, host_effect);
    for (&h, after) in &relabelled {
        if after != fleet.labels(h) {
            let host = fleet.host(h);
            plan.objects.push(ObjectVersion {
                kind: "BareMetalHost",
                cluster: (!host.cluster.is_empty()).then(|| host.cluster.clone()),
                namespace: Some(host.namespace.clone()),
                name: host.name.clone(),
                resource_version: host.resource_version().map(str::to_string),
                creates: false,
            });
            plan.overlay
                .set_host(h, after.clone(), fleet.holder(h).cloned());
        }
    }
    let targets: Vec<HostId> = relabelled.into_keys().collect();
    // Said first: a host being deleted takes whatever is written to it along.
    let deleting: Vec<HostId> = targets
        .iter()
        .copied()
        .filter(|&h| fleet.host(h).state.deleting_since.is_some())
        .collect();
    match (deleting.as_slice(), targets.len()) {
        ([], _) => {}
        ([h], _) => plan.warnings.push(format!(
            "{}: {} (since {}): its labels leave with it",
            if targets.len() == 1 {
                "the host"
            } else {
                "1 host"
            },
            being_deleted(fleet, *h),
            fleet
                .host(*h)
                .state
                .deleting_since
                .as_deref()
                .unwrap_or_default()
        )),
        (some, n) => plan.warnings.push(format!(
            "{} of {} are being deleted (metadata.deletionTimestamp; first {}): their labels \
             leave with them",
            crate::format::thousands(some.len() as u64),
            crate::format::counted(n as u64, "host", "hosts"),
            fleet.shown_name(some[0])
        )),
    }
    let claimed = targets
        .iter()
        .filter(|&&h| fleet.holder(h).is_some())
        .count();
    if claimed > 0 {
        plan.warnings.push(match (claimed, targets.len()) {
            (_, 1) => "the host is claimed: its new labels take effect only when its Machine is deleted"
                .to_string(),
            (1, n) => format!(
                "1 of {} is claimed: its new labels take effect only when its Machine is deleted",
                crate::format::counted(n as u64, "host", "hosts")
            ),
            (claimed, n) => format!(
                "{} of {} are claimed: their new labels take effect only when their Machines are deleted",
                crate::format::thousands(claimed as u64),
                crate::format::counted(n as u64, "host", "hosts")
            ),
        });
    }
    plan.targets = targets;
    Ok(plan)
}

/// `gpu-01 is being deleted`, naming the host as the fleet shows it.
fn being_deleted(fleet: &Fleet, h: HostId) -> String {
    format!("{} is being deleted", fleet.shown_name(h))
}

/// The labels each targeted host ends with once the edits are applied in order. Selectors
/// select by the labels the fleet has now.
pub fn relabel(
    fleet: &Fleet,
    edits: &[LabelEdit],
) -> Result<BTreeMap<HostId, Labels>, ChangeError> {
    let mut out: BTreeMap<HostId, Labels> = BTreeMap::new();
    for edit in edits {
        edit.validate()?;
        for h in select_hosts(fleet, &edit.targets)? {
            let current = out.remove(&h).unwrap_or_else(|| fleet.labels(h).clone());
            out.insert(h, edit.apply_to(&current));
        }
    }
    Ok(out)
}

/// The change that undoes label edits: every key they touched goes back to its value in
/// `before` (the snapshot the edits were previewed on). Hosts that need the same restore
/// share one edit.
pub fn undo_labels(before: &Fleet, edits: &[LabelEdit]) -> Result<Change, ChangeError> {
    let touched: BTreeSet<&String> = edits
        .iter()
        .flat_map(|e| e.set.keys().chain(e.remove.iter()))
        .collect();
    let mut groups: BTreeMap<(Labels, BTreeSet<String>), Vec<String>> = BTreeMap::new();
    for h in relabel(before, edits)?.into_keys() {
        let labels = before.labels(h);
        let mut set = Labels::new();
        let mut remove = BTreeSet::new();
        for &k in &touched {
            match labels.get(k) {
                Some(v) => {
                    set.insert(k.clone(), v.clone());
                }
                None => {
                    remove.insert(k.clone());
                }
            }
        }
        let host = before.host(h);
        groups
            .entry((set, remove))
            .or_default()
            .push(host.key().to_string());
    }
    let mut restores: Vec<LabelEdit> = groups
        .into_iter()
        .map(|((set, remove), hosts)| LabelEdit {
            targets: HostTargets::Names(hosts),
            set,
            remove,
        })
        .collect();
    Ok(match restores.len() {
        1 => Change::Label(restores.remove(0)),
        _ => Change::Labels(restores),
    })
}

/// The hosts an edit targets, in fleet order. Every unknown name is reported at once; an
/// empty selector and an empty list of names are refused, never read as every host.
pub fn select_hosts(fleet: &Fleet, targets: &HostTargets) -> Result<Vec<HostId>, ChangeError> {
    let mut hosts = match targets {
        HostTargets::Names(names) if names.is_empty() => {
            return Err(ChangeError::Syntax("the edit names no host".into()));
        }
        HostTargets::Names(names) => {
            let mut found = Vec::new();
            let mut errors = Vec::new();
            for name in names {
                match fleet.resolve_host(name) {
                    Ok(h) => found.push(h),
                    Err(e) => errors.push(e),
                }
            }
            match errors.len() {
                0 => found,
                1 => return Err(ChangeError::Name(errors.remove(0))),
                _ => return Err(ChangeError::Names(errors)),
            }
        }
        HostTargets::Selector(q) if q.selects_all() => return Err(ChangeError::EmptySelector),
        HostTargets::All => fleet.host_ids().collect(),
        HostTargets::Selector(q) => {
            let found: Vec<HostId> = fleet
                .host_ids()
                .filter(|&h| q.matches(fleet.labels(h)))
                .collect();
            if found.is_empty() {
                return Err(ChangeError::NoHostSelected(q.to_string()));
            }
            found
        }
    };
    hosts.sort();
    hosts.dedup();
    Ok(hosts)
}

fn host_effect(fleet: &Fleet, overlay: &Overlay, h: HostId) -> HostEffect {
    if fleet.labels(h) == overlay.labels(h) {
        HostEffect::NoChange
    } else if fleet.holder(h).is_some() {
        HostEffect::UnaffectedUntilDeleted
    } else if fleet.derived(h).eligible != overlay.derived(h).eligible {
        HostEffect::EligibilityChanges
    } else {
        HostEffect::LabelsOnly
    }
}
