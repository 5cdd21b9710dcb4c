//! Phase 1, the catalog: what the fleet is made of before anything is placed. The hardware
//! profiles, datacenters, tenants, vClusters and OS images to draw from, and how many of each
//! a configuration asks for. Draws nothing from the seed.

use super::{GenerateConfig, IMAGE_CURRENT, IMAGE_INCOMPLETE, IMAGE_NEW, IMAGE_OLD, Rng, named};
use crate::model::os_image::OsImageSpec;
use crate::model::{ChecksumType, Labels, OsImage, keys};

/// A hardware profile: one GPU server model.
pub(super) struct Profile {
    /// The `gpu-model` label (`h100`).
    pub model: &'static str,
    /// GPUs per host.
    pub gpus: u32,
    /// CPU cores per host.
    pub cpus: u32,
    /// Memory per host, in GiB.
    pub ram_gib: u64,
    /// `status.hardware.cpu.arch`.
    pub arch: &'static str,
    /// `status.hardware.cpu.model`.
    pub cpu_model: &'static str,
    /// `status.hardware.systemVendor.manufacturer`.
    pub vendor: &'static str,
    /// `status.hardware.systemVendor.productName`.
    pub product: &'static str,
    /// Hosts in one rack of this profile.
    pub hosts_per_rack: usize,
    /// Racks form one NVLink domain (NVL72: 18 trays of 4 GPUs).
    pub nvlink_rack: bool,
    /// How often a rack is of this profile, relative to the others' weights.
    pub weight: usize,
}

pub(super) const PROFILES: &[Profile] = &[
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

/// The profile the spare pool's node type is written from (`h100`, 8 GPUs).
pub(super) const SPARE_PROFILE: usize = 2;

/// A datacenter: one Metal3 cluster and one NodeProvider.
pub(super) struct Datacenter {
    /// Short code, in namespaces and names (`use1`).
    pub code: &'static str,
    /// The `datacenter` label (`us-east-1`).
    pub region: &'static str,
}

const DATACENTERS: &[Datacenter] = &[
    Datacenter {
        code: "use1",
        region: "us-east-1",
    },
    Datacenter {
        code: "usw2",
        region: "us-west-2",
    },
    Datacenter {
        code: "euw1",
        region: "eu-west-1",
    },
    Datacenter {
        code: "apne1",
        region: "ap-northeast-1",
    },
];

pub(super) const TENANTS: &[&str] = &[
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

/// What a configuration asks for, before any draw.
pub(super) struct Catalog {
    /// Hosts to place.
    pub hosts: usize,
    /// The datacenters in use, by index: 1 below 200 hosts, 2 below 5,000, 3 below 15,000,
    /// else 4.
    pub datacenters: &'static [Datacenter],
    /// The tenants, never empty: the first of [`TENANTS`], as many as configured (by default
    /// one per 800 hosts, between 3 and 30).
    pub tenants: &'static [&'static str],
    /// Claims that hold a host (claims asked for, less the pending ones), before the hosts
    /// phase caps them by what the fleet can hold.
    pub held_claims: usize,
    /// Claims waiting for a host: one in 25 of the claims asked for, at least one if any.
    pub pending_claims: usize,
    /// The OS images every fleet has.
    pub images: Vec<OsImage>,
}

impl Catalog {
    /// The tenant of index `i`, wrapping around.
    pub fn tenant(&self, i: usize) -> &'static str {
        self.tenants[i % self.tenants.len()]
    }

    /// A tenant drawn from the seed.
    pub fn any_tenant(&self, rng: &mut Rng) -> &'static str {
        rng.pick(self.tenants).copied().unwrap_or(TENANTS[0])
    }
}

/// A vCluster drawn from the seed.
pub(super) fn any_vcluster(rng: &mut Rng) -> &'static str {
    rng.pick(VCLUSTERS).copied().unwrap_or(VCLUSTERS[0])
}

/// Phase 1: the catalog of `config`.
pub(super) fn plan(config: &GenerateConfig) -> Catalog {
    let tenant_count = config
        .tenants
        .unwrap_or((config.hosts / 800).clamp(3, 30))
        .clamp(1, TENANTS.len());
    let dc_count = match config.hosts {
        0..200 => 1,
        200..5000 => 2,
        5000..15000 => 3,
        _ => 4,
    };
    let claims = config.claims.unwrap_or(config.hosts * 4 / 5);
    let pending_claims = (claims / 25).max(usize::from(claims > 0));
    Catalog {
        hosts: config.hosts,
        datacenters: &DATACENTERS[..dc_count],
        tenants: &TENANTS[..tenant_count],
        held_claims: claims.saturating_sub(pending_claims),
        pending_claims,
        images: [IMAGE_OLD, IMAGE_CURRENT, IMAGE_NEW, IMAGE_INCOMPLETE]
            .into_iter()
            .map(os_image)
            .collect(),
    }
}

/// Where an image is served from (`http://images.fleet.internal/<name>.qcow2`).
pub(super) fn image_url(name: &str) -> String {
    format!("http://images.fleet.internal/{name}.qcow2")
}

/// A stable fake sha256 of an image: 64 hex digits drawn from a stream seeded by the name,
/// not from the fleet's seed.
pub(super) fn image_checksum(name: &str) -> String {
    let mut rng = Rng::new(
        name.bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
    );
    rng.hex(64)
}

fn os_image(name: &str) -> OsImage {
    let mut properties = Labels::new();
    properties.insert(keys::IMAGE_URL.into(), image_url(name));
    if name != IMAGE_INCOMPLETE {
        properties.insert(keys::IMAGE_CHECKSUM.into(), image_checksum(name));
        properties.insert(
            keys::IMAGE_CHECKSUM_TYPE.into(),
            ChecksumType::Sha256.as_str().into(),
        );
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
