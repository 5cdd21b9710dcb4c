//! Planning a label edit. Labels change only what new claims can get: a claimed server
//! keeps its claim until its Machine is deleted (guide, "Updating labels without
//! re-provisioning").

use super::{ChangeError, HostEffect, HostTargets, LabelEdit, ObjectVersion, Overlay, Plan};
use crate::fleet::{Fleet, FleetView, HostId};

pub(super) fn plan<'a>(fleet: &'a Fleet, edit: &LabelEdit) -> Result<Plan<'a>, ChangeError> {
    edit.validate()?;
    let targets = select_hosts(fleet, &edit.targets)?;
    let mut plan = Plan::new(fleet, host_effect);
    for &h in &targets {
        let before = fleet.labels(h);
        let after = edit.apply_to(before);
        if &after != before {
            let host = fleet.host(h);
            plan.objects.push(ObjectVersion {
                kind: "BareMetalHost",
                namespace: Some(host.namespace.clone()),
                name: host.name.clone(),
                resource_version: host.resource_version().map(str::to_string),
            });
            plan.overlay.set_host(h, after, fleet.holder(h).cloned());
        }
    }
    let claimed = targets
        .iter()
        .filter(|&&h| fleet.holder(h).is_some())
        .count();
    if claimed > 0 {
        plan.warnings.push(format!(
            "{claimed} of {} hosts are claimed: their new labels take effect only when their Machines are deleted",
            targets.len()
        ));
    }
    plan.targets = targets;
    Ok(plan)
}

/// The hosts an edit targets, in fleet order. Every unknown name is reported at once.
pub fn select_hosts(fleet: &Fleet, targets: &HostTargets) -> Result<Vec<HostId>, ChangeError> {
    let mut hosts = match targets {
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
