//! A preview's promise, over random edits in the simulated platform: after the write and the
//! platform's next passes, every claim, host and node type is where the preview said it
//! would be (`support::promise`).
//!
//! Each case starts from the same fleet at rest (a generated fleet the simulator has run
//! until nothing moves), makes one edit from [`EditSeed`], previews it, writes it through the
//! simulator's writer, lets the platform run until the fleet is at rest again, and holds
//! the result to the preview. A new kind of edit joins by adding a variant to [`EditSeed`]
//! that turns into a `Change` (node type edits, once they can be previewed).

use crate::support;

use gpufleet::fleet::{Claim, ClaimStage, Fleet, FleetObjects, FleetView, HostId};
use gpufleet::impact::{
    Change, ClaimEffect, HostTargets, LabelEdit, NewImage, PinChange, PinTarget, Rotation, impact,
};
use gpufleet::model::{NodeClaim, ProjectNamespaces, keys};
use gpufleet::source::sim::{SimConfig, Simulator};
use gpufleet::write::WriteMode;
use proptest::prelude::*;
use proptest::sample::Index;
use std::sync::OnceLock;
use support::promise::{
    self, LIMIT, QUIET, Request, broken_promises, unnamed_lints, waiting_claim,
};

fn config() -> SimConfig {
    promise::config(120, 5)
}

fn at_rest() -> &'static FleetObjects {
    static OBJECTS: OnceLock<FleetObjects> = OnceLock::new();
    OBJECTS.get_or_init(|| promise::fleet_at_rest(&config()))
}

/// The claim that arrives before a pin's preview.
const ARRIVAL: &str = "arrival-0";

fn arrival_namespace() -> String {
    ProjectNamespaces::default().namespace("cobalt-ai")
}

/// Label edits an operator makes, in kubectl syntax: hardware profiles the node types
/// select, tenant reservations, and removals.
const LABEL_EDITS: &[&[&str]] = &[
    &["gpu-model=h100", "gpu-count=8"],
    &["gpu-model=h200", "gpu-count=8"],
    &["gpu-model=b200", "gpu-count=8"],
    &["gpu-model=l40s", "gpu-count=4"],
    &["gpu-model=gb200", "gpu-count=4"],
    &["tenant=acme-research"],
    &["tenant=bluefin-labs"],
    &["maintenance=true"],
    &["nvlink-domain=use1-nvl-r02"],
    &["tenant-"],
    &["gpu-model-"],
    &["gpu-count-"],
];

/// Which claim a pin is for.
#[derive(Clone, Debug)]
enum PinSeed {
    /// A claim of the fleet that waits for a server.
    Waiting(Index),
    /// A claim that arrives just before the preview, before the platform's next pass (as in
    /// the dashboard, where claims arrive all the time): typed to a node type, or asking
    /// only for that type's GPU model.
    Arrives { node_type: Index, typed: bool },
    /// A new claim, which the pin creates.
    New,
}

/// One edit, as choices to be made on the fleet it is applied to.
#[derive(Clone, Debug)]
enum EditSeed {
    /// Some of [`LABEL_EDITS`] on some hosts (`free`: hosts a new claim could get, if any).
    Labels {
        hosts: Vec<Index>,
        free: bool,
        edits: Vec<usize>,
    },
    /// Pin a server (`free`: one a new claim could get, if any; `fits`: one whose labels
    /// fit what the claim asks for, if any) to a pending claim or, with `claim: None` or no
    /// pending claim, to a new claim of a type that matches it.
    Pin {
        server: Index,
        free: bool,
        fits: bool,
        target: PinSeed,
        /// For an existing claim: a node type the operator expects (any type), or none.
        expect_type: Option<Index>,
    },
    /// Point a node type at an existing OSImage, or at a new one (with or without checksum).
    Rotate {
        node_type: Index,
        image: Option<Index>,
        checksum: bool,
    },
}

fn seed() -> impl Strategy<Value = EditSeed> {
    prop_oneof![
        (
            prop::collection::vec(any::<Index>(), 1..6),
            prop::bool::weighted(0.7),
            prop::collection::vec(0..LABEL_EDITS.len(), 1..3),
        )
            .prop_map(|(hosts, free, edits)| EditSeed::Labels { hosts, free, edits }),
        (
            any::<Index>(),
            prop::bool::weighted(0.8),
            prop::bool::weighted(0.5),
            prop_oneof![
                any::<Index>().prop_map(PinSeed::Waiting),
                (any::<Index>(), any::<bool>())
                    .prop_map(|(node_type, typed)| PinSeed::Arrives { node_type, typed }),
                Just(PinSeed::New),
            ],
            prop::option::weighted(0.3, any::<Index>()),
        )
            .prop_map(|(server, free, fits, target, expect_type)| EditSeed::Pin {
                server,
                free,
                fits,
                target,
                expect_type
            }),
        (
            any::<Index>(),
            prop::option::of(any::<Index>()),
            any::<bool>()
        )
            .prop_map(|(node_type, image, checksum)| EditSeed::Rotate {
                node_type,
                image,
                checksum
            }),
    ]
}

/// Hosts to pick from: those `wanted` keeps, free ones first if `free`; every host when
/// the narrower choices are empty.
fn host_pool(fleet: &Fleet, free: bool, wanted: impl Fn(HostId) -> bool) -> Vec<HostId> {
    let narrow: Vec<HostId> = fleet
        .host_ids()
        .filter(|&h| wanted(h) && (!free || fleet.is_free(h)))
        .collect();
    if narrow.is_empty() {
        fleet.host_ids().collect()
    } else {
        narrow
    }
}

/// Whether a host's labels fit what a claim asks for, read from the claim as a person would:
/// its typeRef's selector, or the GPU model its requirements name.
fn asks_for(fleet: &Fleet, claim: &Claim, h: HostId) -> bool {
    match (claim.node_type, claim.object.spec.requirements.first()) {
        (Some(t), _) => fleet.type_hosts(t).contains(&h),
        (None, Some(r)) => r
            .values
            .iter()
            .any(|v| fleet.host(h).label(&r.key) == Some(v.as_str())),
        (None, None) => true,
    }
}

impl EditSeed {
    /// The claim that arrives before the preview, if this edit has one.
    fn arrival(&self, fleet: &Fleet) -> Option<NodeClaim> {
        let EditSeed::Pin {
            target: PinSeed::Arrives { node_type, typed },
            ..
        } = self
        else {
            return None;
        };
        let types: Vec<_> = fleet.node_type_ids().collect();
        let t = fleet.node_type(types[node_type.index(types.len())]);
        let request = match t.properties.get(keys::GPU_MODEL) {
            Some(model) if !typed => Request::Model(model, t.gpus),
            _ => Request::Type(&t.name),
        };
        let namespace = arrival_namespace();
        let tenant = ProjectNamespaces::default()
            .project(&namespace)
            .unwrap_or(&namespace);
        Some(waiting_claim(ARRIVAL, tenant, &t.provider, request))
    }

    fn change(&self, fleet: &Fleet) -> Change {
        match self {
            EditSeed::Labels { hosts, free, edits } => {
                let pool = host_pool(fleet, *free, |_| true);
                let names = hosts
                    .iter()
                    .map(|i| fleet.host(pool[i.index(pool.len())]).name.clone())
                    .collect();
                // Two words for one key: the last one counts.
                let mut last = std::collections::BTreeMap::new();
                for word in edits.iter().flat_map(|&i| LABEL_EDITS[i].iter()) {
                    let key = word
                        .split_once('=')
                        .map_or(word.trim_end_matches('-'), |(k, _)| k);
                    last.insert(key, word.to_string());
                }
                let args: Vec<String> = last.into_values().collect();
                match LabelEdit::parse_args(HostTargets::Names(names), &args) {
                    Ok(edit) => Change::Label(edit),
                    Err(e) => panic!("generated label edit {args:?}: {e}"),
                }
            }
            EditSeed::Pin {
                server,
                free,
                fits,
                target,
                expect_type,
            } => {
                let pending: Vec<_> = fleet
                    .claim_ids()
                    .filter(|&c| fleet.claim(c).stage == ClaimStage::Pending)
                    .collect();
                let chosen = match target {
                    PinSeed::Waiting(i) if !pending.is_empty() => {
                        Some(fleet.claim(pending[i.index(pending.len())]))
                    }
                    PinSeed::Arrives { .. } => fleet
                        .claim_by_key(&arrival_namespace(), ARRIVAL)
                        .map(|c| fleet.claim(c)),
                    _ => None,
                };
                let pool = host_pool(fleet, *free, |h| {
                    !fits || chosen.is_none_or(|c| asks_for(fleet, c, h))
                });
                let h = pool[server.index(pool.len())];
                let host = fleet.host(h);
                let types: Vec<_> = fleet.node_type_ids().collect();
                let pick_type =
                    |i: &Index| fleet.node_type(types[i.index(types.len())]).name.clone();
                match chosen {
                    Some(c) => Change::Pin(PinChange {
                        server: host.key().to_string(),
                        node_type: expect_type.as_ref().map(pick_type),
                        target: PinTarget::Existing {
                            namespace: c.namespace.clone(),
                            name: c.name.clone(),
                        },
                    }),
                    None => {
                        let matching = &fleet.derived(h).matches;
                        let node_type = match matching.first() {
                            Some(&t) => fleet.node_type(t).name.clone(),
                            None => pick_type(server),
                        };
                        Change::Pin(PinChange {
                            server: host.key().to_string(),
                            node_type: Some(node_type),
                            target: PinTarget::New {
                                vcluster: "train".into(),
                                project: "acme-research".into(),
                            },
                        })
                    }
                }
            }
            EditSeed::Rotate {
                node_type,
                image,
                checksum,
            } => {
                let types: Vec<_> = fleet
                    .node_type_ids()
                    .filter(|&t| fleet.node_type(t).provider_index.is_some())
                    .collect();
                let t = fleet.node_type(types[node_type.index(types.len())]);
                let images: Vec<&String> = fleet.objects().os_images.keys().collect();
                match image {
                    Some(i) if !images.is_empty() => Change::Rotate(Rotation {
                        node_type: t.name.clone(),
                        image: images[i.index(images.len())].clone(),
                        new_image: None,
                    }),
                    _ => Change::Rotate(Rotation {
                        node_type: t.name.clone(),
                        image: "ubuntu-noble-gpu-2027-01".into(),
                        new_image: Some(NewImage {
                            url: "http://images.fleet.internal/ubuntu-noble-gpu-2027-01.qcow2"
                                .into(),
                            checksum: checksum.then(|| "ab".repeat(32)),
                            checksum_type: checksum.then(|| "sha256".into()),
                        }),
                    }),
                }
            }
        }
    }
}

/// Previews `change` on the fleet at rest, writes it, lets the platform run, and says every
/// way the outcome differs from the preview.
fn outcome(
    arrival: Option<NodeClaim>,
    change: impl FnOnce(&Fleet) -> Change,
) -> Result<(Change, Vec<String>), String> {
    let mut objects = at_rest().clone();
    if let Some(claim) = arrival {
        objects.insert(claim.into());
    }
    let mut sim = Simulator::from_objects(config(), objects);
    let before = Fleet::build(sim.objects().clone());
    let change = change(&before);
    let preview = impact(&before, &change).map_err(|e| e.to_string())?;
    sim.write(&before, &change, WriteMode::Commit)
        .map_err(|e| format!("the previewed change {change} was not written: {e}"))?;
    assert!(
        sim.settle(QUIET, LIMIT),
        "the fleet comes to rest after {change}"
    );
    let settled = Fleet::build(sim.objects().clone());
    let mut broken = broken_promises(&before, &preview, &settled);
    broken.extend(unnamed_lints(&before, &change, &preview, &settled));
    Ok((change, broken))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_preview_comes_true(seed in seed()) {
        // A change the preview refuses promises nothing and is never written.
        let arrival = seed.arrival(&Fleet::build(at_rest().clone()));
        if let Ok((change, broken)) = outcome(arrival, |fleet| seed.change(fleet)) {
            prop_assert!(broken.is_empty(), "{change}:\n{}", broken.join("\n"));
        }
    }
}

/// The pin from the demo: a pending claim that asks for one GPU model (no typeRef), pinned
/// to a free server of another model. The platform gives the claim a type from its own
/// request, and none of those matches the server: the preview must say the pin fails.
#[test]
fn a_pin_that_the_claims_own_request_cannot_take_is_previewed_as_failing() {
    let fleet = Fleet::build(at_rest().clone());
    let (claim, server) = fleet
        .claim_ids()
        .filter(|&c| {
            let claim = fleet.claim(c);
            claim.stage == ClaimStage::Pending && claim.type_ref.is_none() && claim.pin.is_none()
        })
        .find_map(|c| {
            let wanted = fleet
                .claim(c)
                .object
                .spec
                .requirements
                .first()?
                .values
                .first()?
                .clone();
            let h = fleet.host_ids().find(|&h| {
                fleet.is_free(h)
                    && !fleet.derived(h).eligible.is_empty()
                    && fleet.host(h).label(keys::GPU_MODEL) != Some(wanted.as_str())
            })?;
            Some((c, h))
        })
        .expect("the fleet has an unbound pending claim and a free server of another model");
    let key = fleet.claim(claim).key();
    let (change, broken) = outcome(None, |fleet| {
        Change::Pin(PinChange {
            server: fleet.host(server).name.clone(),
            node_type: Some(
                fleet
                    .node_type(fleet.derived(server).eligible[0])
                    .name
                    .clone(),
            ),
            target: PinTarget::Existing {
                namespace: fleet.claim(claim).namespace.clone(),
                name: fleet.claim(claim).name.clone(),
            },
        })
    })
    .unwrap();
    assert!(broken.is_empty(), "{change}:\n{}", broken.join("\n"));
    let preview = impact(&fleet, &change).unwrap();
    let line = preview
        .claims
        .iter()
        .find(|c| format!("{}/{}", c.namespace, c.name) == key);
    let line = line.expect("the preview names the claim");
    assert_eq!(line.effect, ClaimEffect::PinFails);
    assert!(
        line.reason
            .as_deref()
            .unwrap()
            .contains("request can get matches server"),
        "{:?}",
        line.reason
    );
    assert!(
        preview
            .warnings
            .iter()
            .any(|w| w.contains("never changes a claim's node type")),
        "{:?}",
        preview.warnings
    );
}
