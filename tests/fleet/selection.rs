//! Which node type and server each waiting claim of `tests/fixtures/selection/fleet.yaml`
//! gets, against the expectations written by hand beside it, one rule of the guide each.

use gpufleet::fleet::rules::{Placement, default_cost, place_claim};
use gpufleet::fleet::{CostSource, Fleet};
use gpufleet::source::file::load_paths;
use serde_json::{Value, json};
use std::path::Path;

fn fleet() -> Fleet {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/selection");
    let report = load_paths(&[dir.join("fleet.yaml")]).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    Fleet::build(report.objects)
}

#[test]
fn each_waiting_claim_lands_where_the_guide_says() {
    let fleet = fleet();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/selection");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let expected = expected.as_object().unwrap();
    assert_eq!(expected.len(), 16);
    for (key, want) in expected {
        let c = fleet.resolve_claim(key).unwrap();
        let got = match place_claim(&fleet, c) {
            Placement::Server { node_type, host } => json!({
                "node_type": fleet.node_type(node_type).name,
                "server": fleet.host(host).name,
            }),
            Placement::Waiting { node_type } => {
                json!({"waiting": node_type.map(|t| fleet.node_type(t).name.clone())})
            }
            Placement::PinFailed { failure, .. } => json!({"pin_failed": failure.to_string()}),
            Placement::ImageUnavailable { problem, .. } => {
                json!({"image_unavailable": problem.to_string()})
            }
        };
        let mut want = want.clone();
        let rule = want.as_object_mut().unwrap().remove("rule").unwrap();
        assert_eq!(got, want, "{key}: {rule}");
    }
}

#[test]
fn costs_are_explicit_or_follow_the_default_rule() {
    let fleet = fleet();
    let cost = |name: &str| {
        let t = fleet.node_type(fleet.resolve_node_type(name).unwrap());
        (t.cost, t.cost_source)
    };
    assert_eq!(cost("cpu-32c"), (595, CostSource::Default));
    assert_eq!(cost("h100-8x"), (82609, CostSource::Default));
    assert_eq!(cost("h100-premium"), (500000, CostSource::Explicit));
    let h100 = fleet.node_type(fleet.resolve_node_type("h100-8x").unwrap());
    assert_eq!(default_cost(&h100.resources), 82609);
}
