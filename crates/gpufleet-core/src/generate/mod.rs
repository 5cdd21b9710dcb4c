//! A deterministic fleet generator: datacenters of racks, NVL72-style NVLink domains of 18
//! hosts, 8-GPU HGX hosts, tenants with reserved racks and their own node types, claims in
//! every phase, hosts in error, inspecting or unlabelled, and some drift. Tests, benchmarks,
//! the demo and the screenshots all use it; the YAML it writes can be `kubectl apply`-ed.

mod rng;

pub use rng::Rng;

use crate::fleet::{Fleet, FleetObjects, FleetView};
use crate::model::claim::{Condition, NodeClaimSpec, NodeClaimStatus};
use crate::model::host::{Bmc, Cpu, Hardware, HostImage, Provisioning, SystemVendor};
use crate::model::os_image::OsImageSpec;
use crate::model::provider::{
    BareMetalHostsSelector, ClusterRef, Metal3NodeType, Metal3Spec, NodeProviderSpec, NodeTypeSpec,
    NodeTypeStatus,
};
use crate::model::{
    BareMetalHost, BareMetalHostSpec, BareMetalHostStatus, Labels, Manifest, NodeClaim,
    NodeProvider, NodeType, OsImage, ProjectNamespaces, PropertyRequirement, Quantity, keys,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, LabelSelectorRequirement, ObjectMeta,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct GenerateConfig {
    pub hosts: usize,
    pub seed: u64,
    /// Defaults to one tenant per 800 hosts, between 3 and 30.
    pub tenants: Option<usize>,
    /// Defaults to 80% of the hosts.
    pub claims: Option<usize>,
}

impl GenerateConfig {
    pub fn new(hosts: usize, seed: u64) -> Self {
        GenerateConfig {
            hosts,
            seed,
            tenants: None,
            claims: None,
        }
    }
}

/// A hardware profile: one GPU server model.
struct Profile {
    model: &'static str,
    gpus: u32,
    cpus: u32,
    ram_gib: u64,
    arch: &'static str,
    cpu_model: &'static str,
    vendor: &'static str,
    product: &'static str,
    hosts_per_rack: usize,
    /// Racks form one NVLink domain (NVL72: 18 trays of 4 GPUs).
    nvlink_rack: bool,
    weight: usize,
}

const PROFILES: &[Profile] = &[
    Profile {
        model: "gb200",
        gpus: 4,
        cpus: 144,
        ram_gib: 960,
        arch: "aarch64",
        cpu_model: "NVIDIA Grace",
        vendor: "NVIDIA",
        product: "GB200 NVL72 compute tray",
        hosts_per_rack: 18,
        nvlink_rack: true,
        weight: 30,
    },
    Profile {
        model: "h200",
        gpus: 8,
        cpus: 224,
        ram_gib: 2048,
        arch: "x86_64",
        cpu_model: "Intel Xeon Platinum 8480+",
        vendor: "Dell Inc.",
        product: "PowerEdge XE9680",
        hosts_per_rack: 4,
        nvlink_rack: false,
        weight: 20,
    },
    Profile {
        model: "h100",
        gpus: 8,
        cpus: 192,
        ram_gib: 2048,
        arch: "x86_64",
        cpu_model: "AMD EPYC 9454",
        vendor: "Supermicro",
        product: "AS-8125GS-TNHR",
        hosts_per_rack: 4,
        nvlink_rack: false,
        weight: 25,
    },
    Profile {
        model: "b200",
        gpus: 8,
        cpus: 224,
        ram_gib: 4096,
        arch: "x86_64",
        cpu_model: "Intel Xeon Platinum 8570",
        vendor: "Dell Inc.",
        product: "PowerEdge XE9780",
        hosts_per_rack: 4,
        nvlink_rack: false,
        weight: 10,
    },
    Profile {
        model: "l40s",
        gpus: 4,
        cpus: 64,
        ram_gib: 512,
        arch: "x86_64",
        cpu_model: "AMD EPYC 9354",
        vendor: "Supermicro",
        product: "SYS-421GE-TNRT",
        hosts_per_rack: 8,
        nvlink_rack: false,
        weight: 10,
    },
    Profile {
        model: "a100",
        gpus: 8,
        cpus: 128,
        ram_gib: 1024,
        arch: "x86_64",
        cpu_model: "AMD EPYC 7763",
        vendor: "NVIDIA",
        product: "DGX A100",
        hosts_per_rack: 4,
        nvlink_rack: false,
        weight: 5,
    },
];

const DATACENTERS: &[(&str, &str)] = &[
    ("use1", "us-east-1"),
    ("usw2", "us-west-2"),
    ("euw1", "eu-west-1"),
    ("apne1", "ap-northeast-1"),
];

/// Most tenants a generated fleet has (one per name below).
pub const MAX_TENANTS: usize = TENANTS.len();

const TENANTS: &[&str] = &[
    "acme-research",
    "bluefin-labs",
    "cobalt-ai",
    "delta-robotics",
    "ember-models",
    "fjord-ml",
    "granite-bio",
    "helix-vision",
    "iris-speech",
    "juniper-llm",
    "kestrel-ai",
    "lumen-sim",
    "maple-nlp",
    "nimbus-gen",
    "orca-labs",
    "pioneer-ml",
    "quartz-ai",
    "raven-vision",
    "sable-bio",
    "tundra-ai",
    "umbra-labs",
    "vega-ml",
    "willow-ai",
    "xenon-labs",
    "yarrow-ai",
    "zephyr-ml",
    "atlas-ai",
    "boreal-labs",
    "cinder-ml",
    "dune-ai",
];

const VCLUSTERS: &[&str] = &["train", "infer", "research", "eval"];

/// OS images: an old one, the current one, a new one mid-rotation, and an incomplete one.
pub const IMAGE_OLD: &str = "ubuntu-noble-gpu-2026-09";
pub const IMAGE_CURRENT: &str = "ubuntu-noble-gpu-2026-10";
pub const IMAGE_NEW: &str = "ubuntu-noble-gpu-2026-11";
pub const IMAGE_INCOMPLETE: &str = "rocky9-gpu-eval";

fn image_url(name: &str) -> String {
    format!("http://images.fleet.internal/{name}.qcow2")
}

fn image_checksum(name: &str) -> String {
    // Stable fake sha256 per image name.
    let mut rng = Rng::new(
        name.bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
    );
    rng.hex(64)
}

/// The generated objects, plus the namespaces they need.
pub struct Generated {
    pub objects: FleetObjects,
    pub namespaces: BTreeSet<String>,
}

struct PlannedHost {
    name: String,
    dc: usize,
    rack: String,
    profile: usize,
    unit: usize,
}

/// Generates a fleet. The same config always gives the same fleet.
pub fn generate(config: &GenerateConfig) -> Generated {
    let mut rng = Rng::new(config.seed);
    let tenant_count = config
        .tenants
        .unwrap_or((config.hosts / 800).clamp(3, 30))
        .clamp(1, TENANTS.len());
    let tenants: Vec<&str> = TENANTS[..tenant_count].to_vec();
    let dc_count = match config.hosts {
        0..200 => 1,
        200..5000 => 2,
        5000..15000 => 3,
        _ => 4,
    };
    let mut namespaces = BTreeSet::new();

    // Racks of one hardware profile each, filled unit by unit.
    let mut planned: Vec<PlannedHost> = Vec::with_capacity(config.hosts);
    let mut racks: Vec<(usize, String, usize)> = Vec::new(); // (dc, rack, profile)
    for (dc, _) in DATACENTERS.iter().enumerate().take(dc_count) {
        let share = config.hosts / dc_count + usize::from(dc < config.hosts % dc_count);
        let mut placed = 0;
        let mut rack_no = 0;
        while placed < share {
            rack_no += 1;
            let profile = weighted_profile(&mut rng);
            let rack = format!("r{rack_no:02}");
            racks.push((dc, rack.clone(), profile));
            for unit in 1..=PROFILES[profile].hosts_per_rack {
                if placed == share {
                    break;
                }
                planned.push(PlannedHost {
                    // Names repeat across datacenters, as in per-site Metal3 clusters.
                    name: format!("{rack}-u{unit:02}"),
                    dc,
                    rack: rack.clone(),
                    profile,
                    unit,
                });
                placed += 1;
            }
        }
    }

    // Tenants with reservations get whole racks of one profile in one datacenter.
    let reserving = tenants.len().div_ceil(2).max(1).min(tenants.len());
    let reserve_hosts = config.hosts * 3 / 10 / reserving.max(1);
    let mut rack_tenant: BTreeMap<(usize, String), &str> = BTreeMap::new();
    let mut tenant_profiles: BTreeSet<(usize, usize, &str)> = BTreeSet::new(); // (dc, profile, tenant)
    for (i, tenant) in tenants.iter().take(reserving).enumerate() {
        // The first tenant reserves NVL72 racks; the second takes L40S racks in the first
        // datacenter, where the shared L40S type leaks into reservations.
        let dc = if i == 1 { 0 } else { i % dc_count };
        let preferred = match i {
            0 => Some("gb200"),
            1 => Some("l40s"),
            _ => None,
        };
        let candidates: Vec<&(usize, String, usize)> = racks
            .iter()
            .filter(|(d, r, _)| *d == dc && !rack_tenant.contains_key(&(*d, r.clone())))
            .collect();
        let preferred_rack = candidates
            .iter()
            .find(|(_, _, p)| Some(PROFILES[*p].model) == preferred)
            .copied();
        let Some(&(_, _, profile)) =
            preferred_rack.or_else(|| candidates.get(rng.below(candidates.len().max(1))).copied())
        else {
            continue;
        };
        let mut got = 0;
        let wanted = if i == 1 { 16 } else { reserve_hosts.max(1) };
        for (d, r, p) in &racks {
            if *d == dc
                && *p == profile
                && !rack_tenant.contains_key(&(*d, r.clone()))
                && got < wanted
            {
                rack_tenant.insert((*d, r.clone()), tenant);
                got += PROFILES[*p].hosts_per_rack;
            }
        }
        tenant_profiles.insert((dc, profile, tenant));
    }

    let mut objects = FleetObjects::default();
    for name in [IMAGE_OLD, IMAGE_CURRENT, IMAGE_NEW, IMAGE_INCOMPLETE] {
        objects.insert(os_image(name).into());
    }

    // One provider per datacenter; shared types per profile, tenant types per reservation.
    let mut type_image: BTreeMap<String, &str> = BTreeMap::new();
    for (dc, (code, region)) in DATACENTERS.iter().enumerate().take(dc_count) {
        let namespace = format!("metal3-{code}");
        namespaces.insert(namespace.clone());
        let provider_name = format!("{code}-metal3");
        let profiles_here: BTreeSet<usize> =
            racks.iter().filter(|r| r.0 == dc).map(|r| r.2).collect();
        let mut node_types = Vec::new();
        for &p in &profiles_here {
            let prof = &PROFILES[p];
            let name = format!("{}-{}x", prof.model, prof.gpus);
            // The first datacenter's l40s type forgets to exclude reserved hosts: a leak to find.
            let excludes_reserved = !(dc == 0 && prof.model == "l40s");
            // H100 types are mid-rotation to the new image.
            let image = if prof.model == "h100" {
                IMAGE_NEW
            } else {
                IMAGE_CURRENT
            };
            let cost = (prof.model == "gb200").then_some(250_000);
            type_image.insert(format!("{provider_name}.{name}"), image);
            node_types.push(node_type_spec(
                &name,
                prof,
                None,
                excludes_reserved,
                image,
                cost,
            ));
        }
        for &(d, p, tenant) in &tenant_profiles {
            if d != dc {
                continue;
            }
            let prof = &PROFILES[p];
            let name = format!("{tenant}-{}-{}x", prof.model, prof.gpus);
            type_image.insert(format!("{provider_name}.{name}"), IMAGE_CURRENT);
            node_types.push(node_type_spec(
                &name,
                prof,
                Some(tenant),
                true,
                IMAGE_CURRENT,
                None,
            ));
        }
        if dc == 0 && profiles_here.iter().any(|&p| PROFILES[p].gpus == 8) {
            // A spare pool selected by GPU count only: it does not pin the GPU model.
            let mut spare = node_type_spec(
                "spare-8x",
                &PROFILES[2],
                None,
                true,
                IMAGE_CURRENT,
                Some(200_000),
            );
            spare.bare_metal_hosts = Some(BareMetalHostsSelector {
                selector: Some(LabelSelector {
                    match_labels: Some(
                        [
                            ("gpu-count".to_string(), "8".to_string()),
                            ("pool".to_string(), "spare".to_string()),
                        ]
                        .into(),
                    ),
                    match_expressions: None,
                }),
            });
            type_image.insert(format!("{provider_name}.spare-8x"), IMAGE_CURRENT);
            node_types.push(spare);
        }
        objects.insert(
            NodeProvider {
                metadata: named(&provider_name),
                spec: NodeProviderSpec {
                    display_name: Some(format!("{region} GPU fleet")),
                    properties: [("vcluster.com/ssh-keys".to_string(), "fleet-ops".to_string())]
                        .into(),
                    metal3: Some(Metal3Spec {
                        cluster_ref: Some(ClusterRef {
                            cluster: Some(metal3_cluster(code)),
                            namespace: Some(namespace),
                        }),
                        node_types,
                    }),
                },
                status: None,
            }
            .into(),
        );
    }
    for t in &tenants {
        namespaces.insert(ProjectNamespaces::default().namespace(t));
    }

    // Hosts: states, labels and hardware; then the claims that hold some of them.
    let claims_target = config.claims.unwrap_or(config.hosts * 4 / 5);
    let pending_target = (claims_target / 25).max(usize::from(claims_target > 0));
    let mut held_target = claims_target.saturating_sub(pending_target);
    let mut order: Vec<usize> = (0..planned.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let usable_share = 0.97;
    held_target = held_target.min((planned.len() as f64 * usable_share * 0.9) as usize);
    let mut claim_counter: BTreeMap<String, usize> = BTreeMap::new();
    let mut host_objects: Vec<Option<BareMetalHost>> = (0..planned.len()).map(|_| None).collect();
    let mut claim_objects: Vec<NodeClaim> = Vec::new();
    let mut held = 0;
    for &i in &order {
        let ph = &planned[i];
        let prof = &PROFILES[ph.profile];
        let (code, region) = DATACENTERS[ph.dc];
        let provider_name = format!("{code}-metal3");
        let reserved_for = rack_tenant.get(&(ph.dc, ph.rack.clone())).copied();
        let mut labels = Labels::new();
        labels.insert(keys::GPU_MODEL.into(), prof.model.into());
        labels.insert(keys::GPU_COUNT.into(), prof.gpus.to_string());
        labels.insert(keys::RACK.into(), ph.rack.clone());
        labels.insert(keys::DATACENTER.into(), region.to_string());
        if prof.nvlink_rack {
            labels.insert(
                keys::NVLINK_DOMAIN.into(),
                format!("{code}-nvl-{}", ph.rack),
            );
        }
        if let Some(t) = reserved_for {
            labels.insert(keys::TENANT.into(), t.into());
        }
        if ph.dc == 0 && prof.model == "h100" && rng.chance(0.15) && reserved_for.is_none() {
            labels.insert("pool".into(), "spare".into());
        }
        let roll = rng.below(1000);
        let mut state = "available";
        let mut operational = "OK";
        let mut error: Option<(&str, &str)> = None;
        let mut hardware = true;
        if roll < 8 {
            state = "registering";
            hardware = false;
            labels.clear(); // just racked: nobody has labelled it yet
        } else if roll < 16 {
            state = "inspecting";
            hardware = false;
            if rng.chance(0.5) {
                labels.retain(|k, _| k == keys::DATACENTER || k == keys::RACK);
            }
        } else if roll < 22 {
            state = "preparing";
        } else if roll < 28 {
            state = "deprovisioning";
        }
        let mut ram_gib = prof.ram_gib;
        if rng.chance(0.01) {
            ram_gib -= 64; // a failed DIMM: too little memory for its node type
        }
        let mut claim_for_host: Option<NodeClaim> = None;
        let mut image: Option<HostImage> = None;
        if state == "available" && held < held_target && !labels.is_empty() && rng.chance(0.93) {
            held += 1;
            // Operators hand out a shared rack (an NVLink domain) to one tenant at a time;
            // a few claims still land beside another tenant's.
            let rack_tenant_default = tenants[rack_number(&ph.rack) % tenants.len()];
            let tenant = reserved_for.unwrap_or_else(|| {
                if rng.chance(0.99) {
                    rack_tenant_default
                } else {
                    tenants[rng.below(tenants.len())]
                }
            });
            let type_short = match reserved_for {
                Some(t) => format!("{t}-{}-{}x", prof.model, prof.gpus),
                None => format!("{}-{}x", prof.model, prof.gpus),
            };
            let type_name = format!("{provider_name}.{type_short}");
            let wanted = type_image.get(&type_name).copied().unwrap_or(IMAGE_CURRENT);
            let running = if wanted == IMAGE_NEW && rng.chance(0.6) {
                IMAGE_CURRENT
            } else if rng.chance(0.02) {
                IMAGE_OLD
            } else {
                wanted
            };
            let stage_roll = rng.below(100);
            let (claim_phase, host_state) = match stage_roll {
                0..3 => ("Pending", "provisioning"),
                3..5 => ("Failed", "provisioning"),
                _ => ("Available", "provisioned"),
            };
            state = host_state;
            if claim_phase == "Failed" {
                operational = "error";
                error = Some((
                    "provisioning error",
                    "image checksum mismatch: Ironic could not verify the written image",
                ));
            }
            image = Some(HostImage {
                url: image_url(running),
                checksum: Some(image_checksum(running)),
                checksum_type: Some("sha256".into()),
                format: Some("qcow2".into()),
            });
            let vcluster = VCLUSTERS[rng.below(VCLUSTERS.len())];
            let n = claim_counter
                .entry(format!("{tenant}/{vcluster}"))
                .or_default();
            *n += 1;
            let claim_name = format!("{vcluster}-{}-{}", prof.model, rng.suffix(5));
            labels.insert(keys::HOST_NODE_CLAIM.into(), claim_name.clone());
            labels.insert(keys::HOST_PROJECT.into(), tenant.into());
            claim_for_host = Some(claim(
                &claim_name,
                tenant,
                &provider_name,
                Some(&type_name),
                vcluster,
                Some(&ph.name),
                claim_phase,
                &format!("10.{}.{}.{}", 20 + ph.dc, rack_number(&ph.rack), ph.unit),
            ));
        }
        if error.is_none() && rng.chance(0.02) {
            operational = "error";
            error = Some(match state {
                "provisioned" => (
                    "provisioned registration error",
                    "BMC unreachable: connection timed out",
                ),
                "inspecting" => (
                    "inspection error",
                    "timeout waiting for the IPA ramdisk to boot: check PXE and DHCP",
                ),
                "registering" => (
                    "registration error",
                    "failed to connect to the BMC: bad credentials",
                ),
                _ => (
                    "power management error",
                    "Redfish power off failed: 500 Internal Server Error",
                ),
            });
        }
        let powered = matches!(state, "provisioned" | "provisioning" | "inspecting");
        let host = BareMetalHost {
            metadata: ObjectMeta {
                name: Some(ph.name.clone()),
                namespace: Some(format!("metal3-{code}")),
                labels: Some(labels),
                ..ObjectMeta::default()
            },
            cluster: metal3_cluster(code),
            spec: BareMetalHostSpec {
                online: Some(powered),
                boot_mac_address: Some(mac(&mut rng)),
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
                operational_status: Some(operational.into()),
                error_type: error.map(|e| e.0.to_string()),
                error_message: error.map(|e| e.1.to_string()),
                error_count: Some(i64::from(error.is_some()) * 3),
                powered_on: Some(powered),
                provisioning: Some(Provisioning {
                    state: state.into(),
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
        host_objects[i] = Some(host);
        if let Some(c) = claim_for_host {
            claim_objects.push(c);
        }
    }
    for host in host_objects.into_iter().flatten() {
        objects.insert(host.into());
    }
    for c in claim_objects {
        objects.insert(c.into());
    }

    // Waiting claims: mostly on types with no capacity left, some unbound, some pinned.
    let fleet = Fleet::build(objects.clone());
    let exhausted: Vec<String> = fleet
        .node_type_ids()
        .filter(|&t| fleet.available(t) == 0)
        .map(|t| fleet.node_type(t).name.clone())
        .collect();
    let all_types: Vec<String> = fleet.node_types().iter().map(|t| t.name.clone()).collect();
    let claimed_hosts: Vec<String> = fleet
        .hosts()
        .iter()
        .filter(|h| h.holder.is_some())
        .map(|h| h.name.clone())
        .collect();
    let free_hosts: Vec<String> = fleet
        .host_ids()
        .filter(|&h| fleet.is_free(h))
        .map(|h| fleet.host(h).name.clone())
        .collect();
    for _ in 0..pending_target.min(claims_target) {
        if all_types.is_empty() {
            break;
        }
        let tenant = tenants[rng.below(tenants.len())];
        let vcluster = VCLUSTERS[rng.below(VCLUSTERS.len())];
        let roll = rng.below(100);
        let type_name = if !exhausted.is_empty() && roll < 60 {
            rng.pick(&exhausted).clone()
        } else {
            rng.pick(&all_types).clone()
        };
        let provider = type_name.split('.').next().unwrap_or_default().to_string();
        let model = type_name
            .rsplit('.')
            .next()
            .and_then(|s| s.split('-').rev().nth(1))
            .unwrap_or("h100")
            .to_string();
        let mut c = claim(
            &format!("{vcluster}-pending-{}", rng.suffix(5)),
            tenant,
            &provider,
            Some(&type_name),
            vcluster,
            None,
            "Pending",
            "",
        );
        if (60..75).contains(&roll) {
            // Unbound: asks for a GPU model and GPUs, the platform picks the type.
            c.spec.type_ref = None;
            c.spec.requirements = vec![PropertyRequirement::is_in(keys::GPU_MODEL, &[&model])];
            c.spec.desired_capacity = [(keys::RESOURCE_GPU.to_string(), Quantity::new("8"))].into();
        } else if (75..85).contains(&roll) {
            let pool = if roll < 80 {
                &claimed_hosts
            } else {
                &free_hosts
            };
            if !pool.is_empty() {
                c.spec
                    .properties
                    .insert(keys::SERVER_NAME.into(), rng.pick(pool).clone());
            }
        }
        objects.insert(c.into());
    }

    // The platform's generated NodeTypes, with capacity as the engine counts it.
    let fleet = Fleet::build(objects.clone());
    for t in fleet.node_type_ids() {
        let info = fleet.node_type(t);
        let available = fleet.available(t);
        let resource = NodeType {
            metadata: ObjectMeta {
                name: Some(info.name.clone()),
                labels: Some(
                    [(
                        "autoscaling.loft.sh/managed-by".to_string(),
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
                cost: (info.cost_source == crate::fleet::CostSource::Explicit).then_some(info.cost),
                overhead: None,
            },
            status: Some(NodeTypeStatus::current(
                info.cost,
                fleet.type_hosts(t).len(),
                available,
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

fn weighted_profile(rng: &mut Rng) -> usize {
    let total: usize = PROFILES.iter().map(|p| p.weight).sum();
    let mut x = rng.below(total);
    for (i, p) in PROFILES.iter().enumerate() {
        if x < p.weight {
            return i;
        }
        x -= p.weight;
    }
    0
}

/// The Metal3 cluster of a datacenter (`dc1-infra`): one per datacenter, named by its
/// provider's `spec.metal3.clusterRef.cluster`.
pub fn metal3_cluster(code: &str) -> String {
    format!("{code}-infra")
}

fn rack_number(rack: &str) -> usize {
    rack.trim_start_matches('r').parse().unwrap_or(0)
}

fn mac(rng: &mut Rng) -> String {
    let bytes: Vec<String> = (0..6)
        .map(|i| if i == 0 { "aa".to_string() } else { rng.hex(2) })
        .collect();
    bytes.join(":")
}

fn named(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        ..ObjectMeta::default()
    }
}

fn os_image(name: &str) -> OsImage {
    let mut properties = Labels::new();
    properties.insert(keys::IMAGE_URL.into(), image_url(name));
    if name != IMAGE_INCOMPLETE {
        properties.insert(keys::IMAGE_CHECKSUM.into(), image_checksum(name));
        properties.insert(keys::IMAGE_CHECKSUM_TYPE.into(), "sha256".into());
    }
    OsImage {
        metadata: named(name),
        spec: OsImageSpec {
            display_name: Some(name.replace('-', " ")),
            properties,
            ..OsImageSpec::default()
        },
    }
}

fn node_type_spec(
    name: &str,
    prof: &Profile,
    tenant: Option<&str>,
    excludes_reserved: bool,
    image: &str,
    cost: Option<i64>,
) -> Metal3NodeType {
    let mut match_labels: Labels = [
        (keys::GPU_MODEL.to_string(), prof.model.to_string()),
        (keys::GPU_COUNT.to_string(), prof.gpus.to_string()),
    ]
    .into();
    let mut expressions = Vec::new();
    match tenant {
        Some(t) => {
            match_labels.insert(keys::TENANT.into(), t.into());
        }
        None if excludes_reserved => expressions.push(LabelSelectorRequirement {
            key: keys::TENANT.into(),
            operator: "DoesNotExist".into(),
            values: None,
        }),
        None => {}
    }
    let display = match tenant {
        Some(t) => format!("{t} {} {}-GPU", prof.model.to_uppercase(), prof.gpus),
        None => format!("{} {}-GPU", prof.model.to_uppercase(), prof.gpus),
    };
    Metal3NodeType {
        name: name.to_string(),
        display_name: Some(display),
        metadata: None,
        resources: [
            ("cpu".to_string(), Quantity::new(prof.cpus.to_string())),
            (
                "memory".to_string(),
                Quantity::new(format!("{}Gi", prof.ram_gib)),
            ),
            (
                keys::RESOURCE_GPU.to_string(),
                Quantity::new(prof.gpus.to_string()),
            ),
        ]
        .into(),
        cost,
        properties: [
            (keys::OS_IMAGE.to_string(), image.to_string()),
            (keys::GPU_MODEL.to_string(), prof.model.to_string()),
        ]
        .into(),
        overhead: None,
        bare_metal_hosts: Some(BareMetalHostsSelector {
            selector: Some(LabelSelector {
                match_labels: Some(match_labels),
                match_expressions: (!expressions.is_empty()).then_some(expressions),
            }),
        }),
    }
}

#[allow(clippy::too_many_arguments)]
fn claim(
    name: &str,
    tenant: &str,
    provider: &str,
    type_ref: Option<&str>,
    vcluster: &str,
    host: Option<&str>,
    phase: &str,
    ip: &str,
) -> NodeClaim {
    let mut annotations = Labels::new();
    if let Some(h) = host {
        annotations.insert(keys::CLAIM_CLAIMED_NODE.into(), h.into());
        annotations.insert("nodeclaim.vcluster.com/ip-address".into(), ip.into());
    }
    let condition = |t: &str, ok: bool| Condition {
        type_: t.into(),
        status: if ok { "True" } else { "False" }.into(),
        ..Condition::default()
    };
    let conditions = match (phase, host.is_some()) {
        ("Available", _) => vec![
            condition("Scheduled", true),
            condition("Provisioned", true),
            condition("Joined", true),
        ],
        ("Failed", _) => vec![
            condition("Scheduled", true),
            condition("Provisioned", false),
        ],
        (_, true) => vec![
            condition("Scheduled", true),
            condition("Provisioned", false),
        ],
        _ => vec![condition("Scheduled", false)],
    };
    NodeClaim {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(ProjectNamespaces::default().namespace(tenant)),
            annotations: (!annotations.is_empty()).then_some(annotations),
            ..ObjectMeta::default()
        },
        spec: NodeClaimSpec {
            provider_ref: Some(provider.to_string()),
            type_ref: type_ref.map(str::to_string),
            vcluster_ref: Some(vcluster.to_string()),
            ..NodeClaimSpec::default()
        },
        status: Some(NodeClaimStatus {
            phase: Some(phase.into()),
            reason: (phase == "Failed").then(|| "ProvisioningFailed".to_string()),
            message: (phase == "Failed").then(|| "image checksum mismatch".to_string()),
            conditions,
        }),
    }
}

/// The fleet as multi-document YAML: namespaces, OSImages, NodeProviders, NodeTypes,
/// BareMetalHosts, NodeClaims.
pub fn to_yaml(generated: &Generated) -> String {
    let o = &generated.objects;
    let mut docs: Vec<serde_json::Value> = generated.namespaces.iter().map(namespace).collect();
    docs.extend(platform_docs(o));
    docs.extend(o.hosts.values().map(|x| x.to_manifest()));
    docs.extend(o.claims.values().map(|x| x.to_manifest()));
    yaml_stream(docs)
}

/// The file of the platform's objects in [`to_dir`]'s layout.
pub const PLATFORM_FILE: &str = "platform.yaml";
/// The file of a cluster's BareMetalHosts in [`to_dir`]'s layout, below its directory.
pub const HOSTS_FILE: &str = "hosts.yaml";

/// The fleet as one directory per Metal3 cluster, the layout `-f DIR` reads back with each
/// host in its cluster (the directory's name): `platform.yaml` (the namespaces no host lives
/// in, OSImages, NodeProviders, NodeTypes, NodeClaims) and `<cluster>/hosts.yaml` (the
/// cluster's host namespaces and BareMetalHosts), as (path relative to the directory, text),
/// platform first, then clusters by name. Hosts of no cluster stay in `platform.yaml`.
pub fn to_dir(generated: &Generated) -> Vec<(std::path::PathBuf, String)> {
    let o = &generated.objects;
    let mut by_cluster: BTreeMap<&str, Vec<&BareMetalHost>> = BTreeMap::new();
    for (key, host) in &o.hosts {
        by_cluster
            .entry(key.cluster.as_str())
            .or_default()
            .push(host);
    }
    let loose = by_cluster.remove("").unwrap_or_default();
    let host_namespaces: BTreeSet<&str> = o
        .hosts
        .keys()
        .filter(|k| !k.cluster.is_empty())
        .map(|k| k.namespace.as_str())
        .collect();
    let mut platform: Vec<serde_json::Value> = generated
        .namespaces
        .iter()
        .filter(|ns| !host_namespaces.contains(ns.as_str()))
        .map(namespace)
        .collect();
    platform.extend(platform_docs(o));
    platform.extend(loose.iter().map(|h| h.to_manifest()));
    platform.extend(o.claims.values().map(|x| x.to_manifest()));
    let mut files = vec![(PLATFORM_FILE.into(), yaml_stream(platform))];
    for (cluster, hosts) in by_cluster {
        let namespaces: BTreeSet<&str> = hosts
            .iter()
            .filter_map(|h| h.metadata.namespace.as_deref())
            .collect();
        let mut docs: Vec<serde_json::Value> = namespaces.into_iter().map(namespace).collect();
        docs.extend(hosts.iter().map(|h| h.to_manifest()));
        files.push((
            std::path::Path::new(cluster).join(HOSTS_FILE),
            yaml_stream(docs),
        ));
    }
    files
}

fn namespace(name: impl AsRef<str>) -> serde_json::Value {
    serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name.as_ref()}})
}

/// OSImages, NodeProviders and NodeTypes.
fn platform_docs(o: &FleetObjects) -> impl Iterator<Item = serde_json::Value> + '_ {
    o.os_images
        .values()
        .map(|x| x.to_manifest())
        .chain(o.providers.values().map(|x| x.to_manifest()))
        .chain(o.node_types.values().map(|x| x.to_manifest()))
}

fn yaml_stream(docs: Vec<serde_json::Value>) -> String {
    let mut out = String::new();
    for doc in docs {
        out.push_str("---\n");
        out.push_str(&serde_saphyr::to_string(&doc).unwrap_or_default());
    }
    out
}
