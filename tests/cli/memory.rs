//! Issue 20, kind 6: memory in proportion to what gpufleet keeps. A `kubectl get -o json`
//! `List` of hosts with full hardware details is decoded one item at a time, dropping what
//! gpufleet does not read as it goes: the process's peak resident memory stays under three
//! times the size of the dump (it was about thirty).

use crate::support::{dump, run};
use std::path::Path;

/// Peak resident memory of `gpufleet args…` (GNU time's `max RSS`), in bytes, and its output.
pub fn peak_memory(args: &[&str]) -> (u64, std::process::Output) {
    let out = run::output(run::timed(run::BIN).args(args));
    let figure = run::figure(&out);
    let kib: u64 = figure
        .split("max RSS ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("GNU time's figure: {figure:?}"));
    (kib * 1024, out)
}

/// Peak memory over the dump's size, for a dump of `hosts` hosts written to `dir`, read
/// as JSON and as YAML (the same `List`, as `kubectl get -o yaml` prints it).
pub fn ratios(dir: &Path, hosts: usize) -> Vec<(String, u64, u64)> {
    let json = dir.join("hosts.json");
    let size = dump::write_host_list(&json, hosts);
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let yaml = dir.join("hosts.yaml");
    std::fs::write(&yaml, serde_saphyr::to_string(&value).unwrap()).unwrap();
    drop(value);
    let yaml_size = std::fs::metadata(&yaml).unwrap().len();
    let mut out = Vec::new();
    for (path, size) in [(json, size), (yaml, yaml_size)] {
        let (peak, o) = peak_memory(&["summary", "-o", "json", "-f", path.to_str().unwrap()]);
        assert!(o.status.success(), "{}", run::stderr(&o));
        let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(summary["fleet"]["hosts"], hosts, "every host is read");
        out.push((path.display().to_string(), size, peak));
    }
    out
}

#[test]
fn a_list_of_hosts_with_full_hardware_peaks_under_three_times_its_size() {
    let dir = run::temp_dir("memory");
    // About 30 MB: large enough that the process's own few MB do not hide the ratio.
    for (file, size, peak) in ratios(&dir, 2000) {
        eprintln!(
            "{file}: {:.1} MB, peak {:.1} MB ({:.2} per MB)",
            size as f64 / 1e6,
            peak as f64 / 1e6,
            peak as f64 / size as f64
        );
        assert!(
            peak < 3 * size,
            "{file} of {size} bytes peaked at {peak} bytes"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The figure of BENCHMARKS.md: peak memory per MB of dump, for dumps of 500 to 5,000
/// hosts. `cargo test --release --test cli -- --ignored memory_per_mb --nocapture`.
#[test]
#[ignore]
fn memory_per_mb_of_dump() {
    let dir = run::temp_dir("memory-figures");
    for hosts in [500, 2_000, 5_000] {
        for (file, size, peak) in ratios(&dir, hosts) {
            let kind = if file.ends_with(".json") {
                "JSON"
            } else {
                "YAML"
            };
            eprintln!(
                "{hosts} hosts, {kind}: {:.1} MB, peak {:.1} MB, {:.2} MB per MB",
                size as f64 / 1e6,
                peak as f64 / 1e6,
                peak as f64 / size as f64
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
