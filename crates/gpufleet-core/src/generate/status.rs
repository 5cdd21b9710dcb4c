//! Phase 6, status: the NodeTypes the platform generates from its providers, with capacity
//! as the engine counts it on the finished fleet. Draws nothing from the seed.

use super::Generated;
use super::claims::Claimed;
use crate::fleet::{CostSource, Fleet, FleetView};
use crate::model::provider::{NodeTypeSpec, NodeTypeStatus};
use crate::model::{NodeType, keys};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::sync::Arc;

/// Phase 6: the platform's NodeTypes, which finish the fleet.
pub(super) fn plan(claimed: Claimed) -> Generated {
    let Claimed {
        mut objects,
        namespaces,
    } = claimed;
    let fleet = Fleet::build(objects.clone());
    for t in fleet.node_type_ids() {
        let info = fleet.node_type(t);
        let resource = NodeType {
            metadata: ObjectMeta {
                name: Some(info.name.clone()),
                labels: Some(
                    [(
                        keys::NODE_TYPE_MANAGED_BY.to_string(),
                        "platform".to_string(),
                    )]
                    .into(),
                ),
                ..ObjectMeta::default()
            },
            spec: NodeTypeSpec {
                provider_ref: Some(info.provider.clone()),
                display_name: info.display_name.clone(),
                properties: info.properties.clone(),
                resources: info.resources.clone(),
                cost: (info.cost_source == CostSource::Explicit).then_some(info.cost),
                overhead: None,
            },
            status: Some(NodeTypeStatus::current(
                info.cost,
                fleet.type_hosts(t).len(),
                fleet.available(t),
                fleet.held_count(t),
            )),
        };
        objects
            .node_types
            .insert(info.name.clone(), Arc::new(resource));
    }
    Generated {
        objects,
        namespaces,
    }
}
