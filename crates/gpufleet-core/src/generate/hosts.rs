//! Phase 4, hosts: every planned host as a BareMetalHost, in a shuffled order so states and
//! holders spread over the fleet. Labels (some missing, some drifted), a provisioning state
//! (a few registering, inspecting, preparing or deprovisioning), hardware (a failed DIMM
//! here and there), errors, and the claims that hold most of the available ones.

use super::Rng;
use super::catalog::{Catalog, PROFILES, any_vcluster, image_checksum, image_url};
use super::claims::Holding;
use super::layout::rack_number;
use super::providers::{Platform, host_namespace, provider_name, type_name};
use super::{IMAGE_CURRENT, IMAGE_NEW, IMAGE_OLD, metal3_cluster};
use crate::fleet::{FleetObjects, OperationalStatus, ProvisioningState};
use crate::model::host::{Bmc, Cpu, Hardware, HostImage, Provisioning, SystemVendor};
use crate::model::{
    BareMetalHost, BareMetalHostSpec, BareMetalHostStatus, ChecksumType, ClaimPhase, Labels, keys,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeSet;

/// The platform, with its hosts.
pub(super) struct Hosted {
    /// The first plan, for the tenants and the pending claims.
    pub catalog: Catalog,
    /// The OS images, NodeProviders and BareMetalHosts.
    pub objects: FleetObjects,
    /// As in [`Platform::namespaces`].
    pub namespaces: BTreeSet<String>,
    /// The claims that hold a host, in the order they were drawn.
    pub holdings: Vec<Holding>,
}

/// The share of the hosts usable for claims.
const USABLE_SHARE: f64 = 0.97;
/// The share of the usable hosts that claims may hold.
const CLAIMED_SHARE: f64 = 0.9;

/// Phase 4: the hosts of the platform, and who holds them.
pub(super) fn plan(platform: Platform, rng: &mut Rng) -> Hosted {
    let Platform {
        layout,
        mut objects,
        namespaces,
        type_image,
    } = platform;
    let catalog = layout.catalog;
    let planned = layout.hosts;
    let mut order: Vec<usize> = (0..planned.len()).collect();
    rng.shuffle(&mut order);
    let held_target = catalog
        .held_claims
        .min((planned.len() as f64 * USABLE_SHARE * CLAIMED_SHARE) as usize);
    let mut holdings: Vec<Holding> = Vec::new();
    let mut hosts: Vec<Option<BareMetalHost>> = (0..planned.len()).map(|_| None).collect();
    for &i in &order {
        let ph = &planned[i];
        let prof = &PROFILES[ph.profile];
        let site = &catalog.datacenters[ph.dc];
        let provider = provider_name(site.code);
        let reserved_for = layout.reserved.get(&(ph.dc, ph.rack.clone())).copied();
        let mut labels = Labels::new();
        labels.insert(keys::GPU_MODEL.into(), prof.model.into());
        labels.insert(keys::GPU_COUNT.into(), prof.gpus.to_string());
        labels.insert(keys::RACK.into(), ph.rack.clone());
        labels.insert(keys::DATACENTER.into(), site.region.to_string());
        if prof.nvlink_rack {
            labels.insert(
                keys::NVLINK_DOMAIN.into(),
                format!("{}-nvl-{}", site.code, ph.rack),
            );
        }
        if let Some(t) = reserved_for {
            labels.insert(keys::TENANT.into(), t.into());
        }
        if ph.dc == 0 && prof.model == "h100" && rng.chance(0.15) && reserved_for.is_none() {
            labels.insert("pool".into(), "spare".into());
        }
        let roll = rng.below(1000);
        let mut state = ProvisioningState::Available;
        let mut operational = OperationalStatus::Ok;
        let mut error: Option<(&str, &str)> = None;
        let mut hardware = true;
        if roll < 8 {
            state = ProvisioningState::Registering;
            hardware = false;
            labels.clear(); // just racked: nobody has labelled it yet
        } else if roll < 16 {
            state = ProvisioningState::Inspecting;
            hardware = false;
            if rng.chance(0.5) {
                labels.retain(|k, _| k == keys::DATACENTER || k == keys::RACK);
            }
        } else if roll < 22 {
            state = ProvisioningState::Preparing;
        } else if roll < 28 {
            state = ProvisioningState::Deprovisioning;
        }
        let mut ram_gib = prof.ram_gib;
        if rng.chance(0.01) {
            ram_gib -= 64; // a failed DIMM: too little memory for its node type
        }
        let mut image: Option<HostImage> = None;
        if state == ProvisioningState::Available
            && holdings.len() < held_target
            && !labels.is_empty()
            && rng.chance(0.93)
        {
            // Operators hand out a shared rack (an NVLink domain) to one tenant at a time;
            // a few claims still land beside another tenant's.
            let tenant = match reserved_for {
                Some(t) => t,
                None if rng.chance(0.99) => catalog.tenant(rack_number(&ph.rack)),
                None => catalog.any_tenant(rng),
            };
            let type_name = format!("{provider}.{}", type_name(prof, reserved_for));
            let wanted = type_image.get(&type_name).copied().unwrap_or(IMAGE_CURRENT);
            let running = if wanted == IMAGE_NEW && rng.chance(0.6) {
                IMAGE_CURRENT
            } else if rng.chance(0.02) {
                IMAGE_OLD
            } else {
                wanted
            };
            let phase = match rng.below(100) {
                0..3 => ClaimPhase::Pending,
                3..5 => ClaimPhase::Failed,
                _ => ClaimPhase::Available,
            };
            state = if phase == ClaimPhase::Available {
                ProvisioningState::Provisioned
            } else {
                ProvisioningState::Provisioning
            };
            if phase == ClaimPhase::Failed {
                operational = OperationalStatus::Error;
                error = Some((
                    "provisioning error",
                    "image checksum mismatch: Ironic could not verify the written image",
                ));
            }
            image = Some(HostImage {
                url: image_url(running),
                checksum: Some(image_checksum(running)),
                checksum_type: Some(ChecksumType::Sha256.as_str().into()),
                format: Some("qcow2".into()),
            });
            let vcluster = any_vcluster(rng);
            let name = format!("{vcluster}-{}-{}", prof.model, rng.suffix(5));
            labels.insert(keys::HOST_NODE_CLAIM.into(), name.clone());
            labels.insert(keys::HOST_PROJECT.into(), tenant.into());
            holdings.push(Holding {
                name,
                tenant,
                provider: provider.clone(),
                type_name,
                vcluster,
                host: ph.name.clone(),
                phase,
                ip: format!("10.{}.{}.{}", 20 + ph.dc, rack_number(&ph.rack), ph.unit),
            });
        }
        if error.is_none() && rng.chance(0.02) {
            operational = OperationalStatus::Error;
            error = Some(match state {
                ProvisioningState::Provisioned => (
                    "provisioned registration error",
                    "BMC unreachable: connection timed out",
                ),
                ProvisioningState::Inspecting => (
                    "inspection error",
                    "timeout waiting for the IPA ramdisk to boot: check PXE and DHCP",
                ),
                ProvisioningState::Registering => (
                    "registration error",
                    "failed to connect to the BMC: bad credentials",
                ),
                _ => (
                    "power management error",
                    "Redfish power off failed: 500 Internal Server Error",
                ),
            });
        }
        let powered = matches!(
            state,
            ProvisioningState::Provisioned
                | ProvisioningState::Provisioning
                | ProvisioningState::Inspecting
        );
        // The struct's fields are evaluated in order: the draws for the MAC, the
        // provisioning ID and the serial number keep the seed's order.
        let host = BareMetalHost {
            metadata: ObjectMeta {
                name: Some(ph.name.clone()),
                namespace: Some(host_namespace(site.code)),
                labels: Some(labels),
                ..ObjectMeta::default()
            },
            cluster: metal3_cluster(site.code),
            spec: BareMetalHostSpec {
                online: Some(powered),
                boot_mac_address: Some(mac(rng)),
                bmc: Some(Bmc {
                    address: Some(format!(
                        "redfish://10.{}.{}.{}/redfish/v1/Systems/1",
                        ph.dc,
                        rack_number(&ph.rack),
                        100 + ph.unit
                    )),
                    credentials_name: Some(format!("{}-bmc", ph.name)),
                }),
                image: image.clone(),
                automated_cleaning_mode: Some("metadata".into()),
                ..BareMetalHostSpec::default()
            },
            status: Some(BareMetalHostStatus {
                operational_status: Some(operational.as_str().into()),
                error_type: error.map(|e| e.0.to_string()),
                error_message: error.map(|e| e.1.to_string()),
                error_count: Some(i64::from(error.is_some()) * 3),
                powered_on: Some(powered),
                provisioning: Some(Provisioning {
                    state: state.as_str().into(),
                    id: Some(format!(
                        "{}-{}-{}-{}",
                        rng.hex(8),
                        rng.hex(4),
                        rng.hex(4),
                        rng.hex(12)
                    )),
                    image,
                    custom_deploy: None,
                }),
                hardware: hardware.then(|| Hardware {
                    cpu: Some(Cpu {
                        arch: Some(prof.arch.into()),
                        model: Some(prof.cpu_model.into()),
                        count: Some(prof.cpus),
                    }),
                    ram_mebibytes: Some(ram_gib * 1024),
                    ram_gib: None,
                    system_vendor: Some(SystemVendor {
                        manufacturer: Some(prof.vendor.into()),
                        product_name: Some(prof.product.into()),
                        serial_number: Some(rng.hex(10).to_uppercase()),
                    }),
                    hostname: Some(ph.name.clone()),
                }),
            }),
        };
        hosts[i] = Some(host);
    }
    for host in hosts.into_iter().flatten() {
        objects.insert(host.into());
    }
    Hosted {
        catalog,
        objects,
        namespaces,
        holdings,
    }
}

/// A boot MAC address: `aa:` then five random bytes.
fn mac(rng: &mut Rng) -> String {
    let bytes: Vec<String> = (0..6)
        .map(|i| if i == 0 { "aa".to_string() } else { rng.hex(2) })
        .collect();
    bytes.join(":")
}
