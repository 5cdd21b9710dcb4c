//! Properties of the engine that must hold for every fleet and every edit.

use crate::support::apply;
use apply::{apply_label_edit, apply_label_edits};
use gpufleet::fleet::lints::all_lints;
use gpufleet::fleet::rules::{
    TypeRequest, choose_node_type, claim_candidates, type_serves_request,
};
use gpufleet::fleet::{ClaimStage, Fleet, FleetView, Holder};
use gpufleet::generate::{GenerateConfig, generate};
use gpufleet::impact::label::undo_labels;
use gpufleet::impact::{Change, ClaimEffect, HostTargets, LabelEdit, impact};
use gpufleet::model::{PropertyRequirement, keys};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

fn base() -> &'static Fleet {
    static FLEET: OnceLock<Fleet> = OnceLock::new();
    FLEET.get_or_init(|| Fleet::build(generate(&GenerateConfig::new(240, 11)).objects))
}

const KEYS: &[&str] = &[
    keys::TENANT,
    keys::GPU_MODEL,
    keys::GPU_COUNT,
    "maintenance",
    "pool",
    keys::NVLINK_DOMAIN,
];
const VALUES: &[&str] = &[
    "acme-research",
    "bluefin-labs",
    "h100",
    "gb200",
    "l40s",
    "8",
    "4",
    "spare",
    "true",
    "use1-nvl-r02",
];

/// Host indices and label operations (a value sets, `None` removes).
fn edit_strategy() -> impl Strategy<Value = (Vec<usize>, Vec<(usize, Option<usize>)>)> {
    let hosts = base().hosts().len();
    (
        prop::collection::vec(0..hosts, 1..8),
        prop::collection::vec((0..KEYS.len(), prop::option::of(0..VALUES.len())), 1..4),
    )
}

fn make_edit(fleet: &Fleet, hosts: &[usize], ops: &[(usize, Option<usize>)]) -> LabelEdit {
    let mut last: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for (k, v) in ops {
        last.insert(KEYS[*k], v.map(|v| VALUES[v]));
    }
    let names = hosts
        .iter()
        .map(|&i| fleet.hosts()[i].key().to_string())
        .collect();
    LabelEdit {
        targets: HostTargets::Names(names),
        set: last
            .iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v.to_string())))
            .collect(),
        remove: last
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k.to_string())
            .collect(),
    }
}

fn lint_keys(fleet: &Fleet) -> BTreeSet<(String, String)> {
    all_lints(fleet)
        .into_iter()
        .map(|l| (l.id.to_string(), l.subject))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The preview predicts exactly what a rebuild after the write shows.
    #[test]
    fn preview_matches_the_fleet_after_the_write((hosts, ops) in edit_strategy()) {
        let fleet = base();
        let edit = make_edit(fleet, &hosts, &ops);
        let result = impact(fleet, &Change::Label(edit.clone())).unwrap();
        let after = Fleet::build(apply_label_edit(fleet, &edit).unwrap());

        let listed: BTreeMap<&str, u32> = result.node_types.iter().map(|n| (n.name.as_str(), n.available_after)).collect();
        for t in after.node_type_ids() {
            let name = after.node_type(t).name.as_str();
            let expected = listed.get(name).copied().unwrap_or(fleet.available(t));
            prop_assert_eq!(after.available(t), expected, "available of {}", name);
        }
        for h in &result.hosts {
            let id = after.resolve_host(&format!("{}/{}", h.namespace, h.name)).unwrap();
            let eligible: Vec<String> = after.derived(id).eligible.iter().map(|&t| after.node_type(t).name.clone()).collect();
            prop_assert_eq!(&h.eligible_after, &eligible);
        }
        for t in &result.tenants {
            prop_assert_eq!(after.tenant_gpus().eligible(&t.name), t.eligible_gpus_after);
            prop_assert_eq!(after.tenant_gpus().reserved(&t.name), t.reserved_gpus_after);
        }
        let mut predicted = lint_keys(fleet);
        for l in &result.lints_resolved {
            predicted.remove(&(l.id.to_string(), l.subject.clone()));
        }
        for l in &result.lints_introduced {
            predicted.insert((l.id.to_string(), l.subject.clone()));
        }
        prop_assert_eq!(predicted, lint_keys(&after));

        let effects: BTreeMap<String, ClaimEffect> = result.claims.iter().map(|c| (format!("{}/{}", c.namespace, c.name), c.effect)).collect();
        for c in fleet.claim_ids() {
            let claim = fleet.claim(c);
            if claim.stage != ClaimStage::Pending {
                continue;
            }
            let (b, a) = (claim_candidates(fleet, c), claim_candidates(&after, c));
            let expected = match (b, a) {
                (0, a) if a > 0 => Some(ClaimEffect::BecomesSchedulable),
                (b, 0) if b > 0 => Some(ClaimEffect::LosesLastCandidate),
                (b, a) if a < b => Some(ClaimEffect::LosesACandidate),
                _ => None,
            };
            prop_assert_eq!(effects.get(&claim.key()).copied(), expected, "claim {}", claim.key());
        }
    }

    /// An edit followed by its inverse restores every eligibility.
    #[test]
    fn inverse_restores_every_eligibility((hosts, ops) in edit_strategy()) {
        let fleet = base();
        let edit = make_edit(fleet, &hosts, &ops);
        let mut after = Fleet::build(apply_label_edit(fleet, &edit).unwrap());
        let mut targets: Vec<usize> = hosts.clone();
        targets.sort();
        targets.dedup();
        for i in targets {
            let host = &fleet.hosts()[i];
            let inverse = edit.inverse_for(&host.key().to_string(), host.labels());
            if inverse.set.is_empty() && inverse.remove.is_empty() {
                continue;
            }
            after = Fleet::build(apply_label_edit(&after, &inverse).unwrap());
        }
        for h in fleet.host_ids() {
            prop_assert_eq!(&fleet.derived(h).eligible, &after.derived(h).eligible);
            prop_assert_eq!(fleet.labels(h), after.labels(h));
        }
        for t in fleet.node_type_ids() {
            prop_assert_eq!(fleet.available(t), after.available(t));
        }

        // The dashboard's undo: one change that restores every touched key on every host.
        let edited = Fleet::build(apply_label_edit(fleet, &edit).unwrap());
        let undo = undo_labels(fleet, std::slice::from_ref(&edit)).unwrap();
        prop_assert!(impact(&edited, &undo).is_ok());
        let edits = match &undo {
            Change::Label(e) => vec![e.clone()],
            Change::Labels(es) => es.clone(),
            other => panic!("undo of a label edit is a label edit, not {other:?}"),
        };
        let restored = Fleet::build(apply_label_edits(&edited, &edits).unwrap());
        for h in fleet.host_ids() {
            prop_assert_eq!(fleet.labels(h), restored.labels(h));
            prop_assert_eq!(&fleet.derived(h).eligible, &restored.derived(h).eligible);
        }
    }

    /// A label edit never changes which server a claim holds.
    #[test]
    fn label_edits_never_move_a_claim((hosts, ops) in edit_strategy()) {
        let fleet = base();
        let edit = make_edit(fleet, &hosts, &ops);
        let result = impact(fleet, &Change::Label(edit.clone())).unwrap();
        let after = Fleet::build(apply_label_edit(fleet, &edit).unwrap());
        for c in fleet.claim_ids() {
            let before_host = fleet.claim(c).host.map(|h| fleet.host(h).name.clone());
            let after_host = after.claim(c).host.map(|h| after.host(h).name.clone());
            prop_assert_eq!(before_host, after_host);
        }
        for c in result.claims.iter().filter(|c| c.host.is_some()) {
            prop_assert_eq!(c.effect, ClaimEffect::UnaffectedUntilDeleted);
        }
    }

    /// Eligible node types are always a subset of matching ones, on any generated fleet.
    #[test]
    fn eligible_is_a_subset_of_matching(seed in 0u64..1000, hosts in 20usize..200) {
        let fleet = Fleet::build(generate(&GenerateConfig::new(hosts, seed)).objects);
        for h in fleet.host_ids() {
            let d = fleet.derived(h);
            prop_assert!(d.eligible.iter().all(|t| d.matches.contains(t)));
            if !fleet.is_free(h) {
                prop_assert!(d.eligible.is_empty());
            }
            if let Some(Holder::Claim(c)) = fleet.holder(h) {
                prop_assert_eq!(fleet.claim(*c).host, Some(h));
            }
        }
        let available: u32 = fleet.node_type_ids().map(|t| fleet.available(t)).sum();
        let eligible_pairs: usize = fleet.host_ids().map(|h| fleet.derived(h).eligible.len()).sum();
        prop_assert_eq!(available as usize, eligible_pairs);
    }

    /// The chosen node type is never dearer than another type that serves the request.
    #[test]
    fn chosen_type_is_the_cheapest(model in prop::option::of(0usize..4), gpus in any::<bool>(), named in prop::option::of(0usize..40)) {
        let fleet = base();
        let models = ["h100", "gb200", "l40s", "a100"];
        let mut requirements: Vec<PropertyRequirement> = model.map(|m| PropertyRequirement::is_in(keys::GPU_MODEL, &[models[m]])).into_iter().collect();
        if let Some(i) = named {
            let t = &fleet.node_types()[i % fleet.node_types().len()];
            requirements.push(PropertyRequirement::is_in(keys::PROP_NODE_TYPE, &[&t.short_name]));
        }
        let request = TypeRequest {
            provider: None,
            requirements: &requirements,
            requested_resources: if gpus { vec![keys::RESOURCE_GPU] } else { vec![] },
        };
        if let Some(chosen) = choose_node_type(fleet, &request) {
            prop_assert!(fleet.available(chosen) > 0);
            for t in fleet.node_type_ids() {
                if fleet.available(t) > 0 && type_serves_request(fleet, t, &request) {
                    prop_assert!(fleet.node_type(chosen).cost <= fleet.node_type(t).cost);
                }
            }
            if !gpus && named.is_none() {
                prop_assert_eq!(fleet.node_type(chosen).gpus, 0);
            }
        } else {
            prop_assert!(fleet.node_type_ids().all(|t| fleet.available(t) == 0 || !type_serves_request(fleet, t, &request)));
        }
    }
}
