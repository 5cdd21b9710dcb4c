//! The generator's contract: a seed and a size give the same YAML on every version.

use super::*;

/// FNV-1a, 64 bits: a stable digest of generated text (std's hasher may change between
/// Rust versions).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn config(
    hosts: usize,
    seed: u64,
    tenants: Option<usize>,
    claims: Option<usize>,
) -> GenerateConfig {
    GenerateConfig {
        tenants,
        claims,
        ..GenerateConfig::new(hosts, seed)
    }
}

/// The digests are of `gpufleet generate --hosts 250 --seed 7` (and `--dir`), `--hosts 120
/// --seed 1 --tenants 5 --claims 200` and `--hosts 40 --seed 3 --tenants 1 --claims 0` as
/// written by the generator before it was split into phases. A change here means every
/// seed's fleet (tests, screenshots, demos) changed.
#[test]
fn seeds_are_stable() {
    let cases = [
        (config(250, 7, None, None), 4_492_747_936_698_858_969),
        (
            config(120, 1, Some(5), Some(200)),
            3_879_666_445_824_633_010,
        ),
        (config(40, 3, Some(1), Some(0)), 16_434_585_543_169_952_775),
    ];
    for (config, digest) in cases {
        let yaml = to_yaml(&generate(&config));
        assert_eq!(fnv1a(&yaml), digest, "{config:?}");
    }
    let dir: String = to_dir(&generate(&config(250, 7, None, None)))
        .into_iter()
        .map(|(path, text)| format!("{}\n{text}", path.display()))
        .collect();
    assert_eq!(fnv1a(&dir), 12_415_430_255_155_267_948, "to_dir");
}

#[test]
fn seeds_and_sizes_differ() {
    let a = to_yaml(&generate(&GenerateConfig::new(60, 1)));
    let b = to_yaml(&generate(&GenerateConfig::new(60, 2)));
    assert_ne!(a, b);
    assert_eq!(a, to_yaml(&generate(&GenerateConfig::new(60, 1))));
}

/// Odd configurations give a fleet, never a panic: no hosts, no tenants asked for, more
/// claims than hosts, more tenants than names.
#[test]
fn any_config_gives_a_fleet() {
    for config in [
        config(0, 1, None, None),
        config(0, 1, Some(0), Some(10)),
        config(1, 2, Some(0), Some(100)),
        config(5, 3, Some(1_000), Some(1_000)),
        config(19, 4, Some(2), Some(0)),
    ] {
        let g = generate(&config);
        assert_eq!(g.objects.hosts.len(), config.hosts, "{config:?}");
        assert_eq!(g.objects.os_images.len(), 4);
        let tenants = config.tenants.unwrap_or(3).clamp(1, MAX_TENANTS);
        let projects = g
            .namespaces
            .iter()
            .filter(|n| !n.starts_with("metal3-"))
            .count();
        assert_eq!(projects, tenants, "{config:?}");
    }
}
