//! The embedded simulator: deterministic, behaves as the guide says the platform does, and
//! speaks the same events and takes the same writes as the live cluster.

use gpufleet::fleet::rules::{Placement, place_claim};
use gpufleet::fleet::{ClaimStage, FleetObject, FleetObjects};
use gpufleet::model::keys;
use gpufleet::source::event::{FleetEvent, Kind};
use gpufleet::source::live::LiveFleet;
use gpufleet::source::sim::{PIN_FAILED, SimConfig, Simulator};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SECOND: Duration = Duration::from_secs(1);

fn config(hosts: usize, seed: u64) -> SimConfig {
    SimConfig {
        started_at: UNIX_EPOCH + Duration::from_secs(1_790_000_000),
        ..SimConfig::new(hosts, seed)
    }
}

/// A LiveFleet that has seen the simulator's first lists.
fn live_fleet(sim: &Simulator) -> LiveFleet {
    let mut live = LiveFleet::default();
    for e in sim.initial_events(SystemTime::now()) {
        live.apply(e);
    }
    live
}

/// Every object as `kind ns/name rv` with its full JSON, for comparing two object sets.
fn describe(objects: &FleetObjects) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut add = |kind: &str, key: String, json: serde_json::Result<String>| {
        out.insert(format!("{kind} {key}"), json.unwrap_or_default());
    };
    for ((ns, n), o) in &objects.hosts {
        add(
            "host",
            format!("{ns}/{n}"),
            serde_json::to_string(o.as_ref()),
        );
    }
    for ((ns, n), o) in &objects.claims {
        add(
            "claim",
            format!("{ns}/{n}"),
            serde_json::to_string(o.as_ref()),
        );
    }
    for (n, o) in &objects.providers {
        add("provider", n.clone(), serde_json::to_string(o.as_ref()));
    }
    for (n, o) in &objects.node_types {
        add("nodetype", n.clone(), serde_json::to_string(o.as_ref()));
    }
    for (n, o) in &objects.os_images {
        add("osimage", n.clone(), serde_json::to_string(o.as_ref()));
    }
    out
}

fn state_of(host: &gpufleet::model::BareMetalHost) -> (String, String) {
    let status = host.status.as_ref();
    (
        status
            .and_then(|s| s.provisioning.as_ref())
            .map(|p| p.state.clone())
            .unwrap_or_default(),
        status
            .and_then(|s| s.operational_status.clone())
            .unwrap_or_default(),
    )
}

#[test]
fn the_same_config_and_steps_give_the_same_events() {
    let run = |seed| {
        let mut sim = Simulator::new(config(150, seed));
        (0..300)
            .map(|_| format!("{:?}", sim.step(SECOND)))
            .collect::<Vec<_>>()
    };
    let first = run(7);
    assert_eq!(first, run(7));
    assert_ne!(first, run(8));
    assert!(first.iter().filter(|s| s.as_str() != "[]").count() > 100);
}

/// Metal3's provisioning state machine (domain.md §2.9).
fn metal3_allows(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("" | "unmanaged", "registering")
            | (
                "registering",
                "inspecting" | "preparing" | "externally provisioned"
            )
            | ("inspecting" | "match profile", "preparing")
            | ("preparing", "available")
            | (
                "available",
                "provisioning" | "preparing" | "inspecting" | "externally provisioned"
            )
            | ("provisioning", "provisioned" | "deprovisioning")
            | ("provisioned", "deprovisioning")
            | ("deprovisioning", "available")
    )
}

const STATES: &[&str] = &[
    "",
    "unmanaged",
    "registering",
    "inspecting",
    "match profile",
    "preparing",
    "available",
    "provisioning",
    "provisioned",
    "externally provisioned",
    "deprovisioning",
];

/// A step sends each object once, in its final version: a host may have made two moves.
fn metal3_reaches_in_one_step(from: &str, to: &str) -> bool {
    metal3_allows(from, to)
        || STATES
            .iter()
            .any(|mid| metal3_allows(from, mid) && metal3_allows(mid, to))
}

const ERROR_TYPES: &[&str] = &[
    "registration error",
    "inspection error",
    "preparation error",
    "provisioning error",
    "power management error",
    "provisioned registration error",
];

#[test]
fn hosts_move_as_metal3_moves_them_and_errors_come_and_go() {
    let mut sim = Simulator::new(config(500, 1));
    let mut last: BTreeMap<(String, String), (String, String)> = sim
        .objects()
        .hosts
        .iter()
        .map(|(k, h)| (k.clone(), state_of(h)))
        .collect();
    let mut transitions = BTreeSet::new();
    let (mut errors, mut recoveries) = (0, 0);
    for _ in 0..1500 {
        for event in sim.step(SECOND) {
            let FleetEvent::Applied(FleetObject::Host(host)) = event else {
                continue;
            };
            let key = (
                host.metadata.namespace.clone().unwrap_or_default(),
                host.metadata.name.clone().unwrap_or_default(),
            );
            let now = state_of(&host);
            let Some(before) = last.insert(key.clone(), now.clone()) else {
                panic!("host {key:?} appeared from nowhere");
            };
            if before.0 != now.0 {
                assert!(
                    metal3_reaches_in_one_step(&before.0, &now.0),
                    "{key:?} went {} -> {}",
                    before.0,
                    now.0
                );
                transitions.insert((before.0.clone(), now.0.clone()));
            }
            if before.1 != "error" && now.1 == "error" {
                errors += 1;
                let status = host.status.as_ref().unwrap();
                assert!(ERROR_TYPES.contains(&status.error_type.as_deref().unwrap_or("")));
                assert!(!status.error_message.as_deref().unwrap_or("").is_empty());
            }
            if before.1 == "error" && now.1 == "OK" {
                recoveries += 1;
            }
        }
    }
    for (from, to) in [
        ("registering", "inspecting"),
        ("inspecting", "preparing"),
        ("preparing", "available"),
        ("available", "provisioning"),
        ("provisioning", "provisioned"),
        ("provisioned", "deprovisioning"),
        ("deprovisioning", "available"),
    ] {
        assert!(
            transitions.contains(&(from.to_string(), to.to_string())),
            "never saw {from} -> {to}; saw {transitions:?}"
        );
    }
    assert!(errors > 3, "{errors} errors");
    assert!(recoveries > 3, "{recoveries} recoveries");
}

#[test]
fn claims_get_servers_by_the_engines_rules() {
    let mut sim = Simulator::new(config(300, 3));
    let mut live = live_fleet(&sim);
    let (mut typed, mut unbound, mut pinned, mut new_claims) = (0, 0, 0, 0);
    for _ in 0..900 {
        live.refresh();
        let before = live.fleet().clone();
        let events = sim.step(SECOND);
        let mut first_in_pass = true;
        let mut hosts_taken = BTreeSet::new();
        for event in &events {
            let FleetEvent::Applied(FleetObject::Claim(claim)) = event else {
                continue;
            };
            let (ns, name) = (
                claim.metadata.namespace.as_deref().unwrap_or_default(),
                claim.metadata.name.as_deref().unwrap_or_default(),
            );
            let Some(c) = before.claim_by_key(ns, name) else {
                // A new claim: typed to its tenant's own type or a shared one.
                new_claims += 1;
                if let Some(type_ref) = &claim.spec.type_ref {
                    let t = before.resolve_node_type(type_ref).unwrap();
                    let owner = before.node_type(t).tenant.as_deref();
                    assert!(owner.is_none_or(|o| keys::project_of_namespace(ns) == o));
                }
                continue;
            };
            let server = claim
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(keys::CLAIM_CLAIMED_NODE));
            let was = before.claim(c);
            let reason = claim.status.as_ref().and_then(|s| s.reason.as_deref());
            if reason == Some(PIN_FAILED) {
                assert!(server.is_none(), "a failed pin fell back to {server:?}");
                assert!(was.pin.is_some());
            }
            let (Some(server), ClaimStage::Pending) = (server, was.stage) else {
                continue;
            };
            // Placed in this step's controller pass, from what the last step left.
            let h = before.resolve_host(server).unwrap();
            let t = before
                .resolve_node_type(claim.spec.type_ref.as_deref().unwrap())
                .unwrap();
            assert!(
                before.host(h).derived.eligible.contains(&t),
                "{ns}/{name} got {server}, which was not eligible for {}",
                before.node_type(t).name
            );
            assert!(hosts_taken.insert(h), "{server} handed out twice");
            if first_in_pass {
                assert_eq!(
                    place_claim(before.as_ref(), c),
                    Placement::Server {
                        node_type: t,
                        host: h
                    }
                );
                first_in_pass = false;
            }
            if let Some(pin) = &was.pin {
                assert_eq!(pin, server, "a pinned claim gets only its server");
                pinned += 1;
            } else if was.type_ref.is_none() {
                unbound += 1;
            } else {
                typed += 1;
            }
        }
        for e in events {
            live.apply(e);
        }
    }
    assert!(new_claims > 100, "{new_claims} new claims");
    assert!(
        typed > 50 && unbound > 5 && pinned > 0,
        "typed {typed}, unbound {unbound}, pinned {pinned}"
    );
}

#[test]
fn a_live_fleet_fed_by_the_events_holds_the_simulators_objects() {
    let mut sim = Simulator::new(config(250, 9));
    let mut live = live_fleet(&sim);
    assert!(live.all_synced());
    for _ in 0..600 {
        for e in sim.step(SECOND) {
            live.apply(e);
        }
    }
    assert_eq!(describe(live.objects()), describe(sim.objects()));
    for kind in Kind::ALL {
        assert_eq!(live.objects().count(kind), sim.objects().count(kind));
    }
}

#[test]
fn claims_stay_near_the_generated_level_and_a_few_events_come_per_second() {
    let mut sim = Simulator::new(config(500, 1));
    let start = sim.objects().claims.len();
    let mut events = 0;
    let minutes = 30;
    for _ in 0..minutes {
        for _ in 0..60 {
            events += sim.step(SECOND).len();
        }
        let now = sim.objects().claims.len();
        assert!(
            now * 5 >= start * 4 && now * 5 <= start * 6,
            "{now} claims, started with {start}"
        );
    }
    let per_second = events as f64 / (minutes * 60) as f64;
    assert!(
        (1.0..15.0).contains(&per_second),
        "{per_second} events per second"
    );
}
