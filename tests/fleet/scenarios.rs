//! Scenario tests: each directory of `tests/fixtures/scenarios/` holds a change (the
//! `preview` arguments), the rule of the guide it covers, and the expected impact as JSON
//! (or the expected error). The fleet is `fleet.yaml` beside them, else `small-fleet.yaml`.
//!
//! To write the expected files after a deliberate change: `GPUFLEET_BLESS=1 cargo test
//! --test fleet scenarios`, then read every diff before committing it.

use clap::Parser;
use gpufleet::cli::{Cli, Command, change_from_args};
use gpufleet::fleet::Fleet;
use gpufleet::impact::impact;
use gpufleet::source::file::load_paths;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The impact as JSON, or the error text.
fn run_scenario(dir: &Path) -> Result<serde_json::Value, String> {
    let fleet_file = if dir.join("fleet.yaml").exists() {
        dir.join("fleet.yaml")
    } else {
        fixtures().join("small-fleet.yaml")
    };
    let change = std::fs::read_to_string(dir.join("change")).unwrap();
    let mut argv = vec![
        "gpufleet".to_string(),
        "preview".into(),
        "--from-file".into(),
        fleet_file.display().to_string(),
    ];
    argv.extend(change.split_whitespace().map(str::to_string));
    let cli = Cli::try_parse_from(&argv).map_err(|e| e.to_string())?;
    let Command::Preview { change, .. } = cli.command else {
        panic!("{} is not a preview", dir.display());
    };
    let change = change_from_args(&change).map_err(|e| e.to_string())?;
    let report = load_paths(&[fleet_file]).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let fleet = Fleet::build(report.objects);
    let result = impact(&fleet, &change).map_err(|e| e.to_string())?;
    Ok(serde_json::to_value(result).unwrap())
}

#[test]
fn every_scenario_gives_its_expected_impact() {
    let bless = std::env::var_os("GPUFLEET_BLESS").is_some();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "scenarios went missing");
    let mut failures = Vec::new();
    for dir in &dirs {
        assert!(
            dir.join("rule").exists(),
            "{} does not say which rule it covers",
            dir.display()
        );
        let (file, got) = match run_scenario(dir) {
            Ok(json) => (
                "expected.json",
                serde_json::to_string_pretty(&json).unwrap() + "\n",
            ),
            Err(text) => ("expected-error.txt", text + "\n"),
        };
        let path = dir.join(file);
        if bless {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if want == got => {}
            Ok(want) => failures.push(format!(
                "{}:\n--- expected\n{want}\n--- got\n{got}",
                path.display()
            )),
            Err(_) => failures.push(format!("{} is missing; got:\n{got}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
