//! The embedded simulator: deterministic, behaves as the guide says the platform does, and
//! speaks the same events and takes the same writes as the live cluster.

use gpufleet::event::{FleetEvent, Kind};
use gpufleet::fleet::rules::{Placement, claim_drift, place_claim};
use gpufleet::fleet::{ClaimStage, Fleet, FleetObject, FleetObjects, FleetView, Holder, HostKey};
use gpufleet::impact::{Change, HostTargets, LabelEdit, NewImage, PinChange, PinTarget, Rotation};
use gpufleet::live::LiveFleet;
use gpufleet::model::claim::{PIN_FAILED, ROLLING_OVER};
use gpufleet::model::{ProjectNamespaces, keys};
use gpufleet::source::sim::{SimConfig, SimWriter, Simulator, spawn};
use gpufleet::write::{WriteError, WriteMode, Writer};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SECOND: Duration = Duration::from_secs(1);

fn config(hosts: usize, seed: u64) -> SimConfig {
    SimConfig {
        started_at: UNIX_EPOCH + Duration::from_secs(1_790_000_000),
        ..SimConfig::new(hosts, seed)
    }
}

fn quiet(hosts: usize, seed: u64) -> SimConfig {
    SimConfig {
        started_at: UNIX_EPOCH + Duration::from_secs(1_790_000_000),
        ..SimConfig::quiet(hosts, seed)
    }
}

fn snapshot(sim: &Simulator) -> Fleet {
    Fleet::build(sim.objects().clone())
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
    for (key, o) in &objects.hosts {
        add("host", key.to_string(), serde_json::to_string(o.as_ref()));
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

/// Metal3's provisioning state machine
/// (<https://github.com/metal3-io/baremetal-operator/blob/main/docs/baremetalhost-states.md>).
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
    let mut last: BTreeMap<gpufleet::fleet::HostKey, (String, String)> = sim
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
            let key = gpufleet::fleet::HostKey::of(&host.cluster, &host.metadata);
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
                    assert!(
                        owner.is_none_or(|o| ProjectNamespaces::default().project(ns) == Some(o))
                    );
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
            // Placed in this step's controller pass, from what the last step left. The server
            // is named within the type's Metal3 cluster (names repeat across clusters).
            let t = before
                .resolve_node_type(claim.spec.type_ref.as_deref().unwrap())
                .unwrap();
            let scope = before.node_type(t);
            let h = before
                .host_by_key(&HostKey::new(&scope.cluster, &scope.namespace, server))
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

/// A host held by an available claim, with the claim's node type.
fn busy_host(fleet: &Fleet) -> (String, String, String) {
    fleet
        .claims()
        .iter()
        .find(|c| c.stage == ClaimStage::Available)
        .and_then(|c| {
            Some((
                fleet.host(c.host?).key().to_string(),
                fleet.node_type(c.node_type?).name.clone(),
                c.tenant.clone(),
            ))
        })
        .unwrap()
}

fn pin_new(server: &str, node_type: &str, project: &str) -> Change {
    Change::Pin(PinChange {
        server: server.into(),
        node_type: Some(node_type.into()),
        target: PinTarget::New {
            vcluster: "train".into(),
            project: project.into(),
        },
    })
}

#[test]
fn a_pin_to_a_busy_server_fails_without_falling_back() {
    let mut sim = Simulator::new(quiet(200, 5));
    let fleet = snapshot(&sim);
    let (server, node_type, project) = busy_host(&fleet);
    let report = sim
        .write(
            &fleet,
            &pin_new(&server, &node_type, &project),
            WriteMode::Commit,
        )
        .unwrap();
    assert_eq!(report.objects.len(), 1);
    assert_eq!(report.objects[0].kind, "NodeClaim");
    assert_eq!(report.objects[0].resource_version_before, None);
    let name = report.objects[0].name.clone();
    let key = (
        ProjectNamespaces::default().namespace(&project),
        name.clone(),
    );
    assert!(matches!(
        sim.take_events().as_slice(),
        [FleetEvent::Applied(FleetObject::Claim(_))]
    ));
    for _ in 0..5 {
        sim.step(SECOND);
    }
    let claim = sim.objects().claims.get(&key).unwrap();
    let status = claim.status.as_ref().unwrap();
    assert_eq!(status.phase.as_deref(), Some("Failed"));
    assert_eq!(status.reason.as_deref(), Some(PIN_FAILED));
    assert!(
        status
            .message
            .as_deref()
            .unwrap()
            .contains("already claimed")
    );
    assert!(claim.metadata.annotations.is_none(), "it holds no server");
    let holders: Vec<_> = sim
        .objects()
        .hosts
        .values()
        .filter(|h| {
            h.metadata
                .labels
                .as_ref()
                .unwrap()
                .get(keys::HOST_NODE_CLAIM)
                == Some(&name)
        })
        .collect();
    assert!(holders.is_empty(), "no other server was claimed instead");

    // A pin to a free, eligible server gets exactly that server.
    let fleet = snapshot(&sim);
    let (t, h) = fleet
        .node_type_ids()
        .find_map(|t| Some((t, *fleet.eligible_hosts(t).last()?)))
        .unwrap();
    let free = fleet.host(h).key().to_string();
    let report = sim
        .write(
            &fleet,
            &pin_new(&free, &fleet.node_type(t).name, &project),
            WriteMode::Commit,
        )
        .unwrap();
    for _ in 0..3 {
        sim.step(SECOND);
    }
    let after = snapshot(&sim);
    let c = after
        .claim_by_key(
            &ProjectNamespaces::default().namespace(&project),
            &report.objects[0].name,
        )
        .unwrap();
    assert_eq!(
        after.claim(c).host,
        Some(after.resolve_host(&free).unwrap())
    );
    assert_eq!(
        after
            .host(after.resolve_host(&free).unwrap())
            .state
            .provisioning
            .as_str(),
        "provisioning"
    );
}

fn label_edit(host: &str, args: &[&str]) -> Change {
    Change::Label(LabelEdit::parse_args(HostTargets::Names(vec![host.to_string()]), args).unwrap())
}

#[test]
fn a_label_edit_writes_only_its_keys_and_a_stale_version_conflicts() {
    let mut sim = Simulator::new(quiet(120, 2));
    let stale = snapshot(&sim);
    let (server, _, _) = busy_host(&stale);
    let h = stale.resolve_host(&server).unwrap();
    let host = stale.host(h);
    let key = host.key();
    let before_labels = host.labels().clone();
    let before_all = describe(sim.objects());

    let change = label_edit(&server, &["maintenance=true", "rack=r99", "nvlink-domain-"]);
    let report = sim.write(&stale, &change, WriteMode::Commit).unwrap();
    assert_eq!(report.objects.len(), 1);
    let written = &report.objects[0];
    assert_eq!(
        written.resource_version_before.as_deref(),
        host.resource_version()
    );
    assert_ne!(
        written.resource_version_after,
        written.resource_version_before
    );
    let events = sim.take_events();
    assert_eq!(events.len(), 1);

    let after = sim.objects().hosts.get(&key).unwrap();
    let mut expected = before_labels.clone();
    expected.insert("maintenance".into(), "true".into());
    expected.insert("rack".into(), "r99".into());
    expected.remove("nvlink-domain");
    assert_eq!(after.metadata.labels.as_ref(), Some(&expected));
    let after_all = describe(sim.objects());
    let changed: Vec<&String> = after_all
        .iter()
        .filter(|(k, v)| before_all.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(changed, [&format!("host {key}")]);
    assert_eq!(after.spec, host.object.spec, "only labels changed");

    // The preview's snapshot is now stale for that host.
    let again = label_edit(&server, &["maintenance=false"]);
    let err = sim.write(&stale, &again, WriteMode::Commit).unwrap_err();
    let WriteError::Conflict {
        kind, what_changed, ..
    } = &err
    else {
        panic!("expected a conflict, got {err:?}");
    };
    assert_eq!(kind, "BareMetalHost");
    assert!(
        what_changed.contains("metadata.labels.rack"),
        "{what_changed}"
    );
    assert!(sim.take_events().is_empty());
    assert_eq!(
        describe(sim.objects()),
        after_all,
        "a conflict changes nothing"
    );
}

#[test]
fn a_dry_run_validates_as_a_commit_would_and_changes_nothing() {
    let mut sim = Simulator::new(quiet(120, 4));
    let fleet = snapshot(&sim);
    let before = describe(sim.objects());
    let name = fleet.hosts()[0].key().to_string();
    let change = label_edit(&name, &["maintenance=true"]);

    let report = sim.write(&fleet, &change, WriteMode::DryRun).unwrap();
    assert_eq!(report.mode, WriteMode::DryRun);
    assert_eq!(report.objects.len(), 1);
    assert_eq!(
        report.objects[0].resource_version_after,
        report.objects[0].resource_version_before
    );
    assert!(sim.take_events().is_empty());
    assert_eq!(describe(sim.objects()), before);

    let platform_label = Change::Label(LabelEdit {
        targets: HostTargets::Names(vec![name.clone()]),
        set: [(keys::HOST_NODE_CLAIM.to_string(), "x".to_string())].into(),
        remove: BTreeSet::new(),
    });
    for mode in [WriteMode::DryRun, WriteMode::Commit] {
        assert!(matches!(
            sim.write(&fleet, &platform_label, mode),
            Err(WriteError::Invalid { .. })
        ));
    }

    sim.write(&fleet, &change, WriteMode::Commit).unwrap();
    sim.take_events();
    let committed = describe(sim.objects());
    let stale = label_edit(&name, &["maintenance=false"]);
    assert!(matches!(
        sim.write(&fleet, &stale, WriteMode::DryRun),
        Err(WriteError::Conflict { .. })
    ));
    assert_eq!(describe(sim.objects()), committed);
}

fn rolling_over(sim: &Simulator) -> usize {
    sim.objects()
        .claims
        .values()
        .filter(|c| c.status.as_ref().and_then(|s| s.reason.as_deref()) == Some(ROLLING_OVER))
        .count()
}

fn drifted(fleet: &Fleet) -> Vec<String> {
    fleet
        .claim_ids()
        .filter(|&c| {
            matches!(
                fleet.claim(c).stage,
                ClaimStage::Available | ClaimStage::Provisioning
            )
        })
        .filter(|&c| claim_drift(fleet, c).is_drifted())
        .map(|c| fleet.claim(c).key())
        .collect()
}

/// A checksum type outside the CRD's enum (`md5`, `sha256`, `sha512`, `auto`) is refused
/// with the allowed words, and no OSImage is created.
#[test]
fn a_rotation_with_an_unknown_checksum_type_is_refused_and_writes_nothing() {
    let mut sim = Simulator::new(quiet(40, 3));
    let fleet = snapshot(&sim);
    let t = fleet
        .node_type_ids()
        .find(|&t| fleet.node_type(t).provider_index.is_some())
        .unwrap();
    let rotation = Change::Rotate(Rotation {
        node_type: fleet.node_type(t).name.clone(),
        image: "ubuntu-noble-gpu-2027-01".into(),
        new_image: Some(NewImage {
            url: "http://images.fleet.internal/ubuntu-noble-gpu-2027-01.qcow2".into(),
            checksum: Some("ab".repeat(32)),
            checksum_type: Some("SHA-256".into()),
        }),
    });
    let refused = sim.write(&fleet, &rotation, WriteMode::Commit);
    let Err(WriteError::Invalid { message }) = &refused else {
        panic!("expected the rotation to be refused, got {refused:?}");
    };
    assert!(
        message.contains(r#"checksum type "SHA-256" is not one of md5, sha256, sha512, auto"#),
        "{message}"
    );
    assert!(
        !sim.objects()
            .os_images
            .contains_key("ubuntu-noble-gpu-2027-01")
    );
}

#[test]
fn a_rotation_creates_the_image_repoints_the_type_and_rolls_drifted_claims_over_one_by_one() {
    let mut sim = Simulator::new(quiet(160, 6));
    let fleet = snapshot(&sim);
    // The type with the most available claims.
    let t = fleet
        .node_type_ids()
        .max_by_key(|&t| {
            fleet
                .claims()
                .iter()
                .filter(|c| c.node_type == Some(t) && c.stage == ClaimStage::Available)
                .count()
        })
        .unwrap();
    let type_name = fleet.node_type(t).name.clone();
    let provider = fleet.node_type(t).provider.clone();
    let url = "http://images.fleet.internal/ubuntu-noble-gpu-2026-12.qcow2";
    let rotation = |url: &str| {
        Change::Rotate(Rotation {
            node_type: type_name.clone(),
            image: "ubuntu-noble-gpu-2026-12".into(),
            new_image: Some(NewImage {
                url: url.into(),
                checksum: Some("ab".repeat(32)),
                checksum_type: Some("sha256".into()),
            }),
        })
    };
    let report = sim
        .write(&fleet, &rotation(url), WriteMode::Commit)
        .unwrap();
    let kinds: Vec<(&str, bool)> = report
        .objects
        .iter()
        .map(|o| (o.kind.as_str(), o.resource_version_before.is_none()))
        .collect();
    assert_eq!(kinds, [("OSImage", true), ("NodeProvider", false)]);
    let image = sim
        .objects()
        .os_images
        .get("ubuntu-noble-gpu-2026-12")
        .unwrap();
    assert_eq!(image.url(), Some(url));
    let entry_image = |sim: &Simulator| {
        sim.objects().providers[&provider]
            .spec
            .metal3
            .as_ref()
            .unwrap()
            .node_types
            .iter()
            .find(|e| type_name.ends_with(&format!(".{}", e.name)))
            .and_then(|e| e.properties.get(keys::OS_IMAGE).cloned())
    };
    assert_eq!(
        entry_image(&sim).as_deref(),
        Some("ubuntu-noble-gpu-2026-12")
    );
    assert_eq!(
        sim.objects().node_types[&type_name]
            .spec
            .properties
            .get(keys::OS_IMAGE)
            .map(String::as_str),
        Some("ubuntu-noble-gpu-2026-12"),
        "the platform regenerates the NodeType"
    );
    let events = sim.take_events();
    assert!(events.len() >= 2);

    // The image exists now: a rotation that would change it in place is refused.
    let now = snapshot(&sim);
    let refused = sim.write(
        &now,
        &rotation("http://elsewhere/other.qcow2"),
        WriteMode::Commit,
    );
    let Err(WriteError::Invalid { message }) = &refused else {
        panic!("expected the rotation to be refused, got {refused:?}");
    };
    assert!(message.contains("editing an OSImage in place"), "{message}");
    assert_eq!(
        sim.objects().os_images["ubuntu-noble-gpu-2026-12"].url(),
        Some(url)
    );

    let to_roll = drifted(&now);
    let of_type = now
        .claims()
        .iter()
        .filter(|c| c.node_type == Some(t) && c.stage == ClaimStage::Available)
        .count();
    assert!(of_type >= 3, "only {of_type} claims on {type_name}");
    let mut rolled = BTreeSet::new();
    let mut steps = 0;
    loop {
        for event in sim.step(5 * SECOND) {
            if let FleetEvent::Applied(FleetObject::Claim(c)) = event
                && c.status.as_ref().and_then(|s| s.reason.as_deref()) == Some(ROLLING_OVER)
            {
                rolled.insert(c.metadata.name.clone().unwrap_or_default());
            }
        }
        assert!(
            rolling_over(&sim) <= 1,
            "more than one claim rolls over at a time"
        );
        steps += 1;
        let fleet = snapshot(&sim);
        if drifted(&fleet).is_empty() && rolling_over(&sim) == 0 {
            break;
        }
        assert!(steps < 3000, "still drifted: {:?}", drifted(&fleet));
    }
    assert!(
        rolled.len() >= to_roll.len(),
        "rolled {} of {}",
        rolled.len(),
        to_roll.len()
    );
    let fleet = snapshot(&sim);
    for claim in fleet.claims().iter().filter(|c| c.node_type == Some(t)) {
        if let (Some(h), ClaimStage::Available) = (claim.host, claim.stage) {
            assert_eq!(
                fleet.host(h).actual_image().map(|i| i.url.as_str()),
                Some(url)
            );
            assert_eq!(
                fleet.holder(h),
                Some(&Holder::Claim(
                    fleet.claim_by_key(&claim.namespace, &claim.name).unwrap()
                ))
            );
        }
    }
}

#[test]
fn a_live_fleet_fed_by_the_events_holds_the_simulators_objects() {
    let mut sim = Simulator::new(config(250, 9));
    let mut live = live_fleet(&sim);
    assert!(live.all_synced());
    for i in 0..600 {
        if i == 300 {
            live.refresh();
            let fleet = live.fleet().clone();
            let name = fleet.hosts()[3].key().to_string();
            sim.write(
                &fleet,
                &label_edit(&name, &["maintenance=true"]),
                WriteMode::Commit,
            )
            .unwrap();
            for e in sim.take_events() {
                live.apply(e);
            }
        }
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

async fn next(receiver: &mut tokio::sync::mpsc::Receiver<FleetEvent>) -> FleetEvent {
    tokio::time::timeout(Duration::from_secs(30), receiver.recv())
        .await
        .expect("an event within 30 s")
        .expect("the simulator is running")
}

#[tokio::test]
async fn spawn_lists_every_kind_then_streams_changes_and_serves_writes() {
    let mut cfg = config(80, 2);
    cfg.tick = Duration::from_millis(20);
    cfg.speed = 30.0;
    let (mut events, writer): (_, SimWriter) = spawn(cfg);
    assert_eq!(writer.target(), "simulator");
    let mut live = LiveFleet::default();
    let mut listed = BTreeSet::new();
    for _ in 0..Kind::ALL.len() * 2 {
        let event = next(&mut events).await;
        if let FleetEvent::Replaced { kind, .. } = &event {
            assert!(!live.all_synced(), "lists come before the watches sync");
            listed.insert(*kind);
        }
        live.apply(event);
    }
    assert_eq!(listed.len(), Kind::ALL.len());
    assert!(live.all_synced());
    live.refresh();
    let fleet = live.fleet().clone();
    let host = fleet.hosts()[0].clone();
    let change = label_edit(&host.key().to_string(), &["maintenance=true"]);

    let dry = writer
        .write(&fleet, &change, WriteMode::DryRun)
        .await
        .unwrap();
    assert_eq!(dry.mode, WriteMode::DryRun);
    let report = writer
        .write(&fleet, &change, WriteMode::Commit)
        .await
        .unwrap();
    let version = report.objects[0].resource_version_after.clone();
    loop {
        if let FleetEvent::Applied(FleetObject::Host(h)) = next(&mut events).await
            && h.metadata.name.as_deref() == Some(host.name.as_str())
            && h.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("maintenance"))
                .map(String::as_str)
                == Some("true")
        {
            assert_eq!(
                h.metadata.resource_version, version,
                "the write's own event"
            );
            break;
        }
    }
    let stale = writer
        .write(
            &fleet,
            &label_edit(&host.key().to_string(), &["maintenance=false"]),
            WriteMode::Commit,
        )
        .await;
    assert!(
        matches!(stale, Err(WriteError::Conflict { .. })),
        "{stale:?}"
    );
}

/// `demo --chaos`: the generated fleet has one Metal3 cluster per datacenter; each goes down
/// in turn (its watches stale, its hosts kept as last seen) and comes back with a relist,
/// while the other stays live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_takes_one_cluster_down_and_back_while_the_other_stays_live() {
    use gpufleet::event::WatchState;
    use gpufleet::source::sim::Chaos;
    let (mut rx, _writer) = spawn(SimConfig {
        chaos: Some(Chaos {
            up: Duration::from_millis(300),
            down: Duration::from_millis(600),
        }),
        ..quiet(300, 4)
    });
    let mut live = LiveFleet::default();
    let state = |live: &LiveFleet, c: &str| {
        live.cluster_watches()
            .get(&(c.to_string(), Kind::BareMetalHost))
            .cloned()
    };
    let (mut saw_one_down, mut recovered) = (false, false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !(saw_one_down && recovered) {
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("chaos in time")
            .unwrap();
        live.apply(event);
        live.refresh();
        let (a, b) = (state(&live, "use1-infra"), state(&live, "usw2-infra"));
        match (&a, &b) {
            (Some(WatchState::Stale { reason, .. }), Some(WatchState::Synced { .. })) => {
                assert!(reason.contains("simulated outage"), "{reason}");
                // The down cluster's hosts are kept as last seen.
                assert_eq!(live.fleet().hosts().len(), 300);
                saw_one_down = true;
            }
            (Some(WatchState::Synced { .. }), Some(WatchState::Synced { .. }))
                if saw_one_down && live.all_synced() =>
            {
                recovered = true;
            }
            _ => {}
        }
    }
    assert_eq!(live.fleet().hosts().len(), 300);
    assert!(live.all_synced());
}

/// A Metal3 cluster that is down (`demo --chaos`, the chaos key) refuses writes to its hosts
/// as an API server that does not answer: unreachable, dry run included, nothing written.
/// The other cluster's hosts and the platform's objects (a pin's new claim) still take
/// writes, and once it is back the same edit goes through.
#[test]
fn writes_to_a_cluster_that_is_down_fail_as_unreachable_and_the_others_still_write() {
    let mut sim = Simulator::new(quiet(300, 5));
    let fleet = snapshot(&sim);
    let clusters: BTreeSet<&str> = fleet.hosts().iter().map(|h| h.cluster.as_str()).collect();
    let [down, up] = clusters.iter().copied().collect::<Vec<_>>()[..] else {
        panic!("300 hosts make two clusters: {clusters:?}")
    };
    let host_of = |cluster: &str| {
        fleet
            .hosts()
            .iter()
            .find(|h| h.cluster == cluster)
            .unwrap()
            .key()
            .to_string()
    };
    sim.set_outage(Some((down.to_string(), "connection refused".into())));
    let before = describe(sim.objects());
    let edit = label_edit(&host_of(down), &["maintenance=true"]);
    for mode in [WriteMode::DryRun, WriteMode::Commit] {
        match sim.write(&fleet, &edit, mode) {
            Err(WriteError::Unreachable { message }) => assert!(
                message.contains(down) && message.contains("connection refused"),
                "{message}"
            ),
            other => panic!("{mode:?} to a cluster that is down: {other:?}"),
        }
    }
    assert_eq!(describe(sim.objects()), before, "nothing was written");
    assert!(sim.take_events().is_empty());
    // The other cluster's host, and a pin (the platform's NodeClaim), still write.
    let report = sim
        .write(
            &fleet,
            &label_edit(&host_of(up), &["maintenance=true"]),
            WriteMode::Commit,
        )
        .unwrap();
    assert_eq!(report.objects[0].cluster.as_deref(), Some(up));
    let (server, node_type, project) = busy_host(&fleet);
    assert!(
        sim.write(
            &fleet,
            &pin_new(&server, &node_type, &project),
            WriteMode::DryRun
        )
        .is_ok()
    );
    // Back up: the same edit goes through.
    sim.set_outage(None);
    let fleet = snapshot(&sim);
    assert!(sim.write(&fleet, &edit, WriteMode::Commit).is_ok());
}
