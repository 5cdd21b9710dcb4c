//! The platform's inventory Machines, watched live where the kind is served, and Metal3's
//! HardwareData, which this test cluster does not serve.

use crate::harness::TestCluster;
use crate::{pump_until, small_fleet, synced_watches};
use gpufleet::event::{Kind, WatchState};
use gpufleet::fleet::links::{LinkProblem, LinkSource};
use gpufleet::fleet::{FleetView, Holder};
use gpufleet::model::machine::{Machine, NODE_CLAIM_ANNOTATION};
use kube::Api;
use kube::api::PostParams;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_machines_link_live_and_hardware_data_is_not_served() {
    let Some(cluster) =
        TestCluster::start("inventory_machines_link_live_and_hardware_data_is_not_served").await
    else {
        return;
    };
    let generated = small_fleet();
    cluster.load(&generated).await;
    let (mut live, mut rx, _tasks) = synced_watches(&cluster).await;
    // The stand-in Machine CRD is installed; no HardwareData CRD is: not served, not stale.
    assert!(matches!(
        live.watches()[&Kind::Machine],
        WatchState::Synced { .. }
    ));
    // One HardwareData watch per Metal3 cluster of the fleet, none served.
    let hardware: Vec<&WatchState> = live
        .all_watches()
        .filter(|(_, kind, _)| *kind == Kind::HardwareData)
        .map(|(_, _, state)| state)
        .collect();
    assert!(!hardware.is_empty());
    assert!(
        hardware
            .iter()
            .all(|s| matches!(s, WatchState::NotServed { .. })),
        "{:?}",
        live.cluster_watches()
    );
    let fleet = live.fleet().clone();
    assert!(!fleet.has_machines());
    // A host the generated platform linked by its label, and another claim of the fleet.
    let h = fleet
        .host_ids()
        .find(|&h| matches!(fleet.holder(h), Some(Holder::Claim(_))))
        .expect("a held host");
    let Some(Holder::Claim(by_label)) = fleet.holder(h).cloned() else {
        unreachable!()
    };
    let other = fleet
        .claim_ids()
        .find(|&c| c != by_label && fleet.claim(c).host.is_none())
        .expect("a claim holding nothing");
    let host = fleet.host(h);
    let provider = host.provider.clone().expect("the host's provider");
    let other_key = fleet.claim(other).key();

    // As the platform's inventory sync would write it, naming the other claim.
    let mut machine = Machine::default();
    machine.metadata.name = Some(Machine::name_for(&provider, &host.name));
    machine.metadata.annotations =
        Some([(NODE_CLAIM_ANNOTATION.to_string(), other_key.clone())].into());
    machine.spec.provider_ref = Some(provider);
    machine.spec.display_name = Some(host.name.clone());
    Api::<Machine>::all(cluster.client.clone())
        .create(&PostParams::default(), &machine)
        .await
        .expect("the Machine is created");
    let host_key = host.key().to_string();
    pump_until(
        &mut live,
        &mut rx,
        Duration::from_secs(30),
        |l| l.fleet().has_machines(),
        |_| {},
    )
    .await;
    let fleet = live.fleet().clone();
    let h = fleet.resolve_host(&host_key).unwrap();
    // The Machine is followed; the host label's claim is told, not silently kept.
    assert_eq!(fleet.holder(h), Some(&Holder::Claim(other)));
    assert_eq!(fleet.host(h).link.source, Some(LinkSource::Machine));
    // The label's claim still says (in its unconfirmed annotation) that it holds the host.
    assert_eq!(
        fleet.host(h).link.problems,
        [
            LinkProblem::Disagree {
                machine: Some(other_key),
                label: Some(fleet.claim(by_label).key()),
            },
            LinkProblem::ClaimAnnotation {
                claim: fleet.claim(by_label).key(),
                names: "this host, which its links give to another claim".into(),
            }
        ]
    );
}
