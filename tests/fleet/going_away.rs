//! Issue 20, kind 5: hosts on their way out (tests/fixtures/going-away.yaml). A host being
//! deleted keeps its last provisioning state until baremetal-operator gets to it; an
//! available host whose spec or annotations ask it to move on leaves `available` at the next
//! reconcile. None of them is free, counted free, eligible, or a pin that can hold; each says
//! why, and the hosts that stay (inspection disabled, an image on a host that is not online)
//! stay free.

use gpufleet::fleet::rules::{NotFree, not_free};
use gpufleet::fleet::summary::summarize;
use gpufleet::fleet::{Fleet, FleetView, HostId, Leaving};
use gpufleet::impact::{Change, ClaimEffect, HostTargets, LabelEdit, PinChange, PinTarget, impact};
use gpufleet::source::file::load_paths;
use std::path::Path;

fn fleet() -> Fleet {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/going-away.yaml");
    let report = load_paths(&[path]).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    Fleet::build(report.objects)
}

fn host(fleet: &Fleet, name: &str) -> HostId {
    fleet.hosts_named(name)[0]
}

#[test]
fn every_state_on_its_way_out_is_not_free_and_says_why() {
    let fleet = fleet();
    let first = |name: &str| {
        let h = host(&fleet, name);
        not_free(&fleet, fleet.host(h), fleet.holder(h))
            .first()
            .cloned()
    };
    assert_eq!(first("free-01"), None);
    assert_eq!(
        first("no-inspect-01"),
        None,
        "inspection disabled is no request"
    );
    assert_eq!(
        first("image-offline-01"),
        None,
        "baremetal-operator provisions nothing while spec.online is false"
    );
    assert_eq!(
        first("deleting-01"),
        Some(NotFree::Deleting {
            since: "2026-12-01T04:12:03Z".into()
        })
    );
    // A claimed host being deleted says first that it is leaving for good.
    assert!(matches!(
        first("deleting-02"),
        Some(NotFree::Deleting { .. })
    ));
    let leaving = |name: &str| match first(name) {
        Some(NotFree::Leaving { leaving }) => leaving,
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(leaving("ext-prov-01"), Leaving::ExternallyProvisioned);
    assert_eq!(leaving("reinspect-01"), Leaving::Inspection);
    assert_eq!(
        leaving("image-01"),
        Leaving::Provisioning {
            what: "image http://images/noble-2026-10.qcow2".into()
        }
    );
    assert_eq!(
        leaving("deploy-01"),
        Leaving::Provisioning {
            what: "customDeploy install_coreos".into()
        }
    );
    // What the dashboard and the summary show as the state.
    let state = |name: &str| fleet.host(host(&fleet, name)).state.to_string();
    assert_eq!(state("deleting-01"), "available (deleting)");
    assert_eq!(state("deleting-02"), "provisioned (deleting)");
    assert_eq!(state("ext-prov-01"), "available (→ externally provisioned)");
    assert_eq!(state("reinspect-01"), "available (→ inspecting)");
    assert_eq!(state("image-01"), "available (delayed) (→ provisioning)");
    assert_eq!(state("free-01"), "available");
    // Said in words, for the host's details and the lints.
    let h = host(&fleet, "reinspect-01");
    let why = not_free(&fleet, fleet.host(h), None)[0].to_string();
    assert_eq!(
        why,
        "about to leave available for inspecting: inspection was asked for (annotation \
         inspect.metal3.io)"
    );
}

#[test]
fn only_the_hosts_that_stay_count_free_and_eligible() {
    let fleet = fleet();
    let free: Vec<&str> = fleet
        .host_ids()
        .filter(|&h| fleet.is_free(h))
        .map(|h| fleet.host(h).name.as_str())
        .collect();
    assert_eq!(free, ["free-01", "image-offline-01", "no-inspect-01"]);
    let t = fleet.node_type_ids().next().unwrap();
    assert_eq!(fleet.available(t), 3);
    let summary = serde_json::to_value(summarize(&fleet)).unwrap();
    assert_eq!(
        summary["fleet"]["gpus_free"], 24,
        "three free hosts of 8 GPUs"
    );
    assert_eq!(summary["fleet"]["states"]["available (deleting)"], 1);
}

/// The waiting claim p-acme/wait-1 pinned to `server`.
fn pin_to(server: &str) -> Change {
    Change::Pin(PinChange {
        server: server.into(),
        node_type: Some("dc1.h100-8x".into()),
        target: PinTarget::Existing {
            namespace: "p-acme".into(),
            name: "wait-1".into(),
        },
    })
}

#[test]
fn a_pin_to_a_host_being_deleted_fails_and_a_label_edit_says_so_first() {
    let fleet = fleet();
    let preview = impact(&fleet, &pin_to("deleting-01")).unwrap();
    let failed: Vec<_> = preview.claims_with(ClaimEffect::PinFails).collect();
    assert_eq!(failed.len(), 1);
    let reason = failed[0].reason.clone().unwrap_or_default();
    assert!(
        reason.starts_with(
            "server deleting-01 is being deleted (metadata.deletionTimestamp 2026-12-01T04:12:03Z)"
        ),
        "{reason}"
    );
    assert!(
        preview.warnings[0].contains("being deleted"),
        "{:?}",
        preview.warnings
    );
    for (server, says) in [
        ("reinspect-01", "about to leave available for inspecting"),
        ("image-01", "about to leave available for provisioning"),
    ] {
        let preview = impact(&fleet, &pin_to(server)).unwrap();
        let reason = preview
            .claims_with(ClaimEffect::PinFails)
            .next()
            .and_then(|c| c.reason.clone())
            .unwrap_or_default();
        assert!(reason.contains(says), "{server}: {reason}");
    }

    let label = Change::Label(
        LabelEdit::parse_args(
            HostTargets::Names(vec!["deleting-01".into(), "free-01".into()]),
            &["tenant=acme"],
        )
        .unwrap(),
    );
    let preview = impact(&fleet, &label).unwrap();
    assert_eq!(
        preview.warnings[0],
        "1 host: deleting-01 is being deleted (since 2026-12-01T04:12:03Z): its labels leave \
         with it"
    );
    let deleting: Vec<_> = preview
        .hosts
        .iter()
        .filter(|h| h.deleting_since.is_some())
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(deleting, ["deleting-01"]);
}
