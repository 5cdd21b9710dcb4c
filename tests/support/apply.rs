//! Applying a change to a set of objects, as the API server would once the write lands:
//! tests use it to check previews against a rebuild.

use gpufleet::fleet::{Fleet, FleetObjects, FleetView};
use gpufleet::impact::label::relabel;
use gpufleet::impact::{ChangeError, LabelEdit};
use std::sync::Arc;

/// The objects after a label edit: only the edited hosts are new objects.
pub fn apply_label_edit(fleet: &Fleet, edit: &LabelEdit) -> Result<FleetObjects, ChangeError> {
    apply_label_edits(fleet, std::slice::from_ref(edit))
}

/// The objects after label edits applied in order.
pub fn apply_label_edits(fleet: &Fleet, edits: &[LabelEdit]) -> Result<FleetObjects, ChangeError> {
    let mut objects = fleet.objects().clone();
    for (h, after) in relabel(fleet, edits)? {
        if &after == fleet.labels(h) {
            continue;
        }
        let host = fleet.host(h);
        let mut object = (*host.object).clone();
        object.metadata.labels = Some(after);
        objects.hosts.insert(host.key(), Arc::new(object));
    }
    Ok(objects)
}
