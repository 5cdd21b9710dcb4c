//! The real binary, as a script would run it.

use crate::support::run;

use run::{gpufleet, output, run, stderr, stdout, temp_dir};
use std::path::{Path, PathBuf};
use std::process::Output;

/// Runs the binary with `$XDG_CONFIG_HOME` at `config_home`.
fn gpufleet_with_config(config_home: &Path, args: &[&str]) -> Output {
    output(gpufleet().args(args).env("XDG_CONFIG_HOME", config_home))
}

fn small_fleet() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/small-fleet.yaml")
        .display()
        .to_string()
}

/// Issue 20, kind 5: hosts being deleted (and available hosts asked to move on) are counted
/// in their own state and never free; a preview of a label edit on one says so in its scope,
/// first thing, and a pin to one fails naming why.
#[test]
fn hosts_on_their_way_out_are_said_in_summary_and_previews() {
    let fleet = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/going-away.yaml")
        .display()
        .to_string();
    let o = run(&["summary", "-f", &fleet, "-o", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["fleet"]["gpus_free"], 24);
    assert_eq!(v["fleet"]["states"]["available (deleting)"], 1);
    assert_eq!(v["fleet"]["states"]["available (→ inspecting)"], 1);
    let o = run(&[
        "preview",
        "-f",
        &fleet,
        "label",
        "deleting-01",
        "tenant=acme",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("SCOPE   1 host, being deleted; 1 object would be written"),
        "{out}"
    );
    assert!(
        out.contains(
            "WARNING  the host: deleting-01 is being deleted (since 2026-12-01T04:12:03Z)"
        ),
        "{out}"
    );
    let o = run(&[
        "preview",
        "-f",
        &fleet,
        "pin",
        "deleting-01",
        "--claim",
        "p-acme/wait-1",
        "-o",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["claims"][0]["effect"], "pin_fails");
    assert!(
        v["claims"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("is being deleted"),
        "{v}"
    );
}

#[test]
fn summary_json_counts_the_fleet() {
    let o = run(&["summary", "--from-file", &small_fleet(), "-o", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["fleet"]["hosts"], 11);
    assert_eq!(v["fleet"]["hosts_in_error"], 1);
    assert_eq!(v["fleet"]["gpus_claimed"], 8 + 8 + 4 + 8 + 4);
    let domains = v["nvlink_domains"].as_array().unwrap();
    assert_eq!(domains[0]["name"], "nvl-0");
    assert!(
        v["node_types"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "dc1.h100-8x")
    );
}

#[test]
fn summary_table_is_for_people() {
    let o = run(&["summary", "--from-file", &small_fleet()]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.starts_with("FLEET  11 hosts"), "{text}");
    assert!(text.contains("RACK"));
    assert!(text.contains("dc1/r1"));
}

#[test]
fn lint_fails_on_request_and_lists_ids() {
    let o = run(&[
        "lint",
        "--from-file",
        &small_fleet(),
        "-o",
        "json",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ids: Vec<&str> = v["lints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"host-matches-no-node-type"), "{ids:?}");
    let o = run(&["lint", "--from-file", &small_fleet()]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn preview_json_has_the_documented_fields() {
    let o = run(&[
        "preview",
        "--from-file",
        &small_fleet(),
        "label",
        "gpu-02",
        "gpu-model-",
        "-o",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for key in [
        "node_types",
        "claims",
        "hosts",
        "tenants",
        "lints_introduced",
        "lints_resolved",
    ] {
        assert!(v[key].is_array(), "{key}");
    }
    let t = &v["node_types"][0];
    for key in [
        "name",
        "available_before",
        "available_after",
        "gained",
        "lost",
    ] {
        assert!(!t[key].is_null(), "node_types[].{key}");
    }
    assert_eq!(v["claims"][0]["effect"], "loses_last_candidate");
    assert_eq!(v["hosts"][0]["node_types_before"][0], "dc1.h100-8x");
}

#[test]
fn preview_by_selector_and_table() {
    let o = run(&[
        "preview",
        "-f",
        &small_fleet(),
        "label",
        "-l",
        "gpu-model=h100,!tenant",
        "pool=spare",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("CHANGE  label -l gpu-model=h100,!tenant pool=spare"),
        "{text}"
    );
    assert!(text.contains("unaffected until deleted"), "{text}");
}

#[test]
fn unknown_names_fail_with_suggestions() {
    let o = run(&[
        "preview",
        "-f",
        &small_fleet(),
        "rotate",
        "h100-8",
        "--image",
        "noble-2026-10",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown node type \"h100-8\"; closest: h100-8x"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "preview",
        "-f",
        &small_fleet(),
        "label",
        "gpu-02",
        "bad key=1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    // One argument is one word: its key holds a space, which the label key rule refuses.
    assert!(
        stderr(&o).contains("invalid label key \"bad key\": name part must consist of"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn malformed_objects_are_named_and_the_rest_loads() {
    let dir = temp_dir("malformed");
    std::fs::write(
        dir.join("bad.yaml"),
        "apiVersion: metal3.io/v1alpha1\nkind: BareMetalHost\nmetadata: {name: x, namespace: m, labels: {gpu-count: 8}}\n",
    )
    .unwrap();
    std::fs::copy(small_fleet(), dir.join("good.yaml")).unwrap();
    std::fs::write(dir.join("notes.txt"), "not read").unwrap();
    let o = run(&[
        "summary",
        "--from-file",
        dir.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("bad.yaml: document 1: BareMetalHost m/x: field metadata.labels.gpu-count"),
        "{err}"
    );
    assert!(err.contains("skipped 1 that could not be read"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["fleet"]["hosts"], 11);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn missing_files_are_clear_errors() {
    let o = run(&["summary", "--from-file", "/nonexistent/fleet.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cannot read /nonexistent/fleet.yaml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn generated_yaml_loads_back_identically() {
    let dir = temp_dir("generate");
    let file = dir.join("fleet.yaml");
    let o = run(&[
        "generate",
        "--hosts",
        "300",
        "--seed",
        "5",
        "--file",
        file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let again = run(&["generate", "--hosts", "300", "--seed", "5"]);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        stdout(&again),
        "same seed, same fleet"
    );

    let report = gpufleet::source::file::load_paths(&[&file]).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let direct = gpufleet::generate::generate(&gpufleet::generate::GenerateConfig::new(300, 5));
    let from_file = gpufleet::fleet::Fleet::build(report.objects);
    let built = gpufleet::fleet::Fleet::build(direct.objects);
    assert_eq!(
        gpufleet::fleet::summary::summarize(&from_file),
        gpufleet::fleet::summary::summarize(&built)
    );
    assert_eq!(from_file.objects().hosts, built.objects().hosts);
    assert_eq!(from_file.objects().claims, built.objects().claims);
    std::fs::remove_dir_all(dir).ok();
}

/// `generate --dir`: one directory per Metal3 cluster, read back by `-f DIR` with every host
/// in its cluster; its summary is the in-process fleet's and the single file's. The host
/// names repeat across the clusters, as in per-datacenter Metal3 clusters.
#[test]
fn a_generated_directory_per_cluster_loads_back_identically() {
    let dir = temp_dir("generate-dir").join("fleet");
    let o = run(&[
        "generate",
        "--hosts",
        "300",
        "--seed",
        "5",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("platform.yaml").is_file());
    let report = gpufleet::source::file::load_paths(&[&dir]).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(report.duplicates.is_empty(), "{:?}", report.duplicates);
    assert!(
        report.unnamed_clusters.is_empty(),
        "{:?}",
        report.unnamed_clusters
    );
    let direct = gpufleet::generate::generate(&gpufleet::generate::GenerateConfig::new(300, 5));
    let from_dir = gpufleet::fleet::Fleet::build(report.objects);
    let built = gpufleet::fleet::Fleet::build(direct.objects);
    let clusters: std::collections::BTreeSet<&str> =
        built.hosts().iter().map(|h| h.cluster.as_str()).collect();
    assert_eq!(clusters.len(), 2, "300 hosts make two datacenters");
    for cluster in &clusters {
        assert!(dir.join(cluster).join("hosts.yaml").is_file(), "{cluster}");
    }
    let names = |c: &str| -> std::collections::BTreeSet<String> {
        built
            .hosts()
            .iter()
            .filter(|h| h.cluster == c)
            .map(|h| h.name.clone())
            .collect()
    };
    let [a, b] = clusters.iter().copied().collect::<Vec<_>>()[..] else {
        unreachable!()
    };
    assert!(names(a).contains("r01-u01") && names(b).contains("r01-u01"));
    assert_eq!(
        gpufleet::fleet::summary::summarize(&from_dir),
        gpufleet::fleet::summary::summarize(&built)
    );
    assert_eq!(from_dir.objects().hosts, built.objects().hosts);
    assert_eq!(from_dir.objects().claims, built.objects().claims);
    // The binary says the same from the directory as from one file of the same fleet.
    let file = dir.with_file_name("fleet.yaml");
    let o = run(&[
        "generate",
        "--hosts",
        "300",
        "--seed",
        "5",
        "--file",
        file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = |path: &std::path::Path| {
        let o = run(&["summary", "-f", path.to_str().unwrap(), "-o", "json"]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(summary(&dir), summary(&file));
    // A directory that holds anything is refused: its files would be read with the new ones.
    let o = run(&["generate", "--hosts", "10", "--dir", dir.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("is not empty"), "{}", stderr(&o));
    std::fs::remove_dir_all(dir.parent().unwrap()).ok();
}

/// A host read from a dump without a resourceVersion is patched, not created: the preview says
/// its patch would carry no precondition. One with a resourceVersion is patched at it.
#[test]
fn a_label_edit_says_which_precondition_each_patch_carries() {
    let dir = temp_dir("precondition");
    std::fs::write(
        dir.join("bare.yaml"),
        "apiVersion: metal3.io/v1alpha1\nkind: BareMetalHost\n\
         metadata: {name: bare-01, namespace: metal3-system, labels: {gpu-model: h100}}\n\
         status: {operationalStatus: OK, provisioning: {state: available}}\n",
    )
    .unwrap();
    let files = format!("{},{}", small_fleet(), dir.join("bare.yaml").display());
    let o = run(&[
        "preview",
        "-f",
        &files,
        "label",
        "bare-01,gpu-02",
        "pool=spare",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains(
            "WRITES  BareMetalHost metal3-system/bare-01 without a precondition (read without a resourceVersion)"
        ),
        "{text}"
    );
    assert!(
        text.contains("WRITES  BareMetalHost metal3-system/gpu-02 at resourceVersion 12"),
        "{text}"
    );
    assert!(!text.contains("(created)"), "{text}");
    let o = run(&[
        "preview",
        "-f",
        &files,
        "label",
        "bare-01",
        "pool=spare",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["objects"][0]["creates"], false);
    assert_eq!(v["objects"][0]["resource_version"], serde_json::Value::Null);
    std::fs::remove_dir_all(dir).ok();
}

/// Two clusters' dumps concatenated: the host both name is reported with both places.
#[test]
fn the_same_object_in_two_dumps_is_named_with_both() {
    let dir = temp_dir("duplicates");
    let second = dir.join("dc1-again.yaml");
    std::fs::copy(small_fleet(), &second).unwrap();
    let o = run(&[
        "summary",
        "-f",
        &format!("{},{}", small_fleet(), second.display()),
        "-o",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "warning: BareMetalHost metal3-system/gpu-01 is read twice, from {} document 4, items[0] and from {} document 4, items[0]: the second copy is used",
            small_fleet(),
            second.display()
        )),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["fleet"]["hosts"], 11, "one copy of each host");
    std::fs::remove_dir_all(dir).ok();
}

/// The namespace a new pinned claim is created in, as `preview pin -o json` reports it.
fn new_claim_namespace(o: &Output) -> String {
    assert!(o.status.success(), "{}", stderr(o));
    let v: serde_json::Value = serde_json::from_str(&stdout(o)).unwrap();
    let claim = v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "train-gpu-02")
        .unwrap_or_else(|| panic!("no new claim in {v}"));
    assert_eq!(claim["tenant"], "acme");
    claim["namespace"].as_str().unwrap().to_string()
}

#[test]
fn project_namespaces_follow_the_flag_then_the_settings_file_then_p() {
    let pin = [
        "preview",
        "--from-file",
        &small_fleet(),
        "-o",
        "json",
        "pin",
        "gpu-02",
        "--node-type",
        "h100-8x",
        "--vcluster",
        "train",
        "--project",
        "acme",
    ];
    // vCluster Platform 4.x: projectNamespacePrefix defaults to "p-".
    assert_eq!(new_claim_namespace(&run(&pin)), "p-acme");
    let config_home = temp_dir("settings-upgraded");
    std::fs::create_dir_all(config_home.join("gpufleet")).unwrap();
    std::fs::write(
        config_home.join("gpufleet/config.toml"),
        "# an install upgraded from an older release\n[platform]\nproject-namespace-prefix = \"loft-p-\"\n",
    )
    .unwrap();
    assert_eq!(
        new_claim_namespace(&gpufleet_with_config(&config_home, &pin)),
        "loft-p-acme"
    );
    let mut flagged = pin.to_vec();
    flagged.extend(["--project-namespace-prefix", "p-"]);
    assert_eq!(
        new_claim_namespace(&gpufleet_with_config(&config_home, &flagged)),
        "p-acme",
        "the flag wins over the file"
    );
}

#[test]
fn a_bad_settings_file_is_named_with_its_line() {
    let config_home = temp_dir("settings-bad");
    std::fs::create_dir_all(config_home.join("gpufleet")).unwrap();
    let file = config_home.join("gpufleet/config.toml");
    std::fs::write(&file, "[platform]\nproject-namespace-prefx = \"p-\"\n").unwrap();
    let o = gpufleet_with_config(&config_home, &["summary", "--from-file", &small_fleet()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains(&format!("settings file {}, line 2: ", file.display())),
        "{err}"
    );
    assert!(err.contains("project-namespace-prefx"), "{err}");
}

/// Writes `text` as the settings file under a fresh `$XDG_CONFIG_HOME`, returned with the
/// file's path.
fn settings_file(name: &str, text: &str) -> (PathBuf, PathBuf) {
    let config_home = temp_dir(name);
    std::fs::create_dir_all(config_home.join("gpufleet")).unwrap();
    let file = config_home.join("gpufleet/config.toml");
    std::fs::write(&file, text).unwrap();
    (config_home, file)
}

#[test]
fn the_dashboards_theme_follows_the_flag_then_the_settings_file() {
    // A theme file that exists (so the settings file is accepted) but is not TOML: the
    // dashboard reads it, before it looks for a terminal, only if it is the theme in force.
    let (config_home, _) = settings_file("settings-theme", "[dashboard]\ntheme = \"wall.toml\"\n");
    let wall = config_home.join("gpufleet/wall.toml");
    std::fs::write(&wall, "[styles\n").unwrap();
    let o = gpufleet_with_config(&config_home, &["demo", "--hosts", "10"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("theme {} is not valid TOML", wall.display())),
        "the file's theme, found beside it: {err}"
    );
    let o = gpufleet_with_config(&config_home, &["demo", "--hosts", "10", "--theme", "light"]);
    let err = stderr(&o);
    assert!(!err.contains("theme"), "the flag wins over the file: {err}");
    assert!(err.contains("the dashboard needs a terminal"), "{err}");
}

#[test]
fn a_bad_dashboard_setting_is_named_with_its_line_even_under_a_flag() {
    let (config_home, file) = settings_file(
        "settings-dashboard",
        "[dashboard]\ntheme = \"light\"\n# a typo: 3600 is the most\ncycle = 36000\n",
    );
    // A value the flag would refuse is refused in the file too, whatever the flags say.
    let o = gpufleet_with_config(&config_home, &["demo", "--cycle", "20"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("settings file {}, line 4: ", file.display())),
        "{err}"
    );
    assert!(err.contains("36000 is not in 1..=3600"), "{err}");
}

#[test]
fn an_argument_with_a_space_is_one_kubectl_word_and_names_the_rule_it_breaks() {
    let o = run(&[
        "preview",
        "--from-file",
        &small_fleet(),
        "label",
        "gpu-01",
        "gpu-model=not valid!",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    // kubectl's own message for this value (apimachinery IsValidLabelValue).
    assert!(
        err.contains(
            "invalid label value \"not valid!\": a valid label value must be empty or must \
             consist of alphanumeric characters, '-', '_' or '.', and must start and end with \
             an alphanumeric character"
        ),
        "{err}"
    );
    assert!(!err.contains("neither key=value"), "{err}");
}

/// The runner every test of the binary goes through: a child that hangs fails its test
/// (killed at the deadline, with what it printed), reads no terminal, and sees no kubeconfig,
/// settings or home of the machine running the tests.
mod runner {
    use super::run::{isolated, output, output_within, stdout};
    use std::time::{Duration, Instant};

    #[test]
    fn a_child_that_hangs_is_killed_at_the_deadline_and_fails_the_test() {
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(|| {
            output_within(
                isolated("sh").args(["-c", "echo waiting; exec sleep 30"]),
                Duration::from_secs(1),
            )
        });
        let message = *outcome
            .expect_err("a run past its deadline fails")
            .downcast::<String>()
            .unwrap();
        assert!(
            message.contains("did not end after 1s and was killed"),
            "{message}"
        );
        assert!(message.contains("stdout so far:\nwaiting"), "{message}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn standard_input_is_closed_and_the_environment_is_the_tests_own() {
        // `cat` would wait for a terminal's input; a closed stdin ends it at once.
        let o = output_within(&mut isolated("cat"), Duration::from_secs(10));
        assert!(o.status.success());
        assert_eq!(stdout(&o), "");
        let o = output(isolated("sh").args([
            "-c",
            "echo \"${KUBECONFIG-unset}\"; echo \"$HOME\"; echo \"$XDG_CONFIG_HOME\"",
        ]));
        let lines: Vec<String> = stdout(&o).lines().map(String::from).collect();
        assert_eq!(lines[0], "unset");
        let home = std::env::temp_dir().join(format!("gpufleet-test-home-{}", std::process::id()));
        assert_eq!(lines[1], home.display().to_string());
        assert_eq!(lines[2], home.join(".config").display().to_string());
    }
}

/// Host names repeat across Metal3 clusters: in a fleet of several, the lint table names each
/// host `cluster/name` (tests/fixtures/two-sites: `gpu-02` of dc2-infra matches no node
/// type; dc1-infra has a `gpu-02` too). The JSON keeps `subject` and `cluster` apart; a fleet
/// of one cluster keeps the bare name.
#[test]
fn the_lint_table_names_a_hosts_cluster_where_clusters_are_several() {
    let fixture = |p: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(p)
            .display()
            .to_string()
    };
    let o = run(&["lint", "--from-file", &fixture("two-sites")]);
    let text = stdout(&o);
    let row = text
        .lines()
        .find(|l| l.contains("host-matches-no-node-type"))
        .unwrap_or_else(|| panic!("{text}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[2], "dc2-infra/gpu-02", "{text}");
    let o = run(&["lint", "--from-file", &fixture("two-sites"), "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let lint = v["lints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "host-matches-no-node-type")
        .unwrap();
    assert_eq!(lint["subject"], "gpu-02");
    assert_eq!(lint["cluster"], "dc2-infra");
    // One cluster's hosts alone: the name says it.
    let o = run(&[
        "lint",
        "--from-file",
        &fixture("shared-labels/dc1-infra"),
        "--from-file",
        &fixture("shared-labels/platform.yaml"),
    ]);
    let text = stdout(&o);
    let row = text
        .lines()
        .find(|l| l.contains("host-claim-link-unclear"))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(row.split_whitespace().nth(2), Some("gpu-01"), "{text}");
}

/// `preview pin` of a host of one Metal3 cluster for a claim of the other's node type
/// (tests/fixtures/shared-labels, both with a free gpu-02, and the pending dc2 claim of
/// tests/fixtures/pending-dc2-claim.yaml): refused, naming the host and where the type claims
/// from; the host of the claim's own cluster is previewed with exactly that host in scope.
#[test]
fn a_pin_is_previewed_only_on_a_host_of_the_claims_cluster() {
    let fixture = |p: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(p)
            .display()
            .to_string()
    };
    let (dir, claim) = (fixture("shared-labels"), fixture("pending-dc2-claim.yaml"));
    let pin = |server: &str| {
        let args = [
            "preview",
            "-f",
            &dir,
            "-f",
            &claim,
            "-o",
            "json",
            "pin",
            server,
            "--claim",
            "p-bluefin/infer-2",
        ];
        run(&args)
    };
    let o = pin("dc1-infra/metal3-system/gpu-02");
    assert!(!o.status.success());
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "server dc1-infra/gpu-02 is not in the cluster and namespace node type \
             dc2.gb200-4x claims from (dc2-infra/metal3-system)"
        ),
        "{err}"
    );
    let o = pin("dc2-infra/metal3-system/gpu-02");
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let hosts = v["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 1, "{v}");
    assert_eq!(
        (&hosts[0]["cluster"], &hosts[0]["name"], &hosts[0]["effect"]),
        (
            &serde_json::json!("dc2-infra"),
            &serde_json::json!("gpu-02"),
            &serde_json::json!("claimed_by_pin")
        )
    );
    assert_eq!(v["claims"][0]["effect"], "pin_succeeds");
    assert_eq!(v["claims"][0]["node_type"], "dc2.gb200-4x");
}

/// Hosts are printed `cluster/name` where the fleet spans clusters (tests/fixtures/two-sites,
/// gpu-01 and gpu-02 in both): that spelling is read back, and an unknown name is answered
/// with spellings that resolve (each cluster's full key where a name repeats).
#[test]
fn a_host_is_typed_back_as_the_cli_prints_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/two-sites")
        .display()
        .to_string();
    let label = |host: &str| {
        run(&[
            "preview", "-f", &dir, "-o", "json", "label", host, "foo=bar",
        ])
    };
    let o = label("dc2-infra/gpu-02");
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let hosts = v["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 1, "{v}");
    assert_eq!(hosts[0]["cluster"], "dc2-infra");
    assert_eq!(hosts[0]["name"], "gpu-02");
    let o = label("gpu-2");
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("dc1-infra/metal3-system/gpu-02, dc2-infra/metal3-system/gpu-02"),
        "{err}"
    );
}

/// Where the fleet spans clusters, every host the preview names carries its cluster: the
/// claim's HOST, the node type's LOST, the JSON claim's `cluster` beside its `host`, and the
/// BareMetalHosts a label edit writes (gpu-02 of both sites: two lines that differ).
#[test]
fn the_preview_names_every_host_with_its_cluster_where_clusters_are_several() {
    let fixture = |p: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(p)
            .display()
            .to_string()
    };
    let (dir, claim) = (fixture("shared-labels"), fixture("pending-dc2-claim.yaml"));
    let pin = |format: &str| {
        let args = [
            "preview",
            "-f",
            &dir,
            "-f",
            &claim,
            "-o",
            format,
            "pin",
            "dc2-infra/metal3-system/gpu-02",
            "--claim",
            "p-bluefin/infer-2",
        ];
        run(&args)
    };
    let text = stdout(&pin("table"));
    let row = |first: &str| -> Vec<String> {
        text.lines()
            .find(|l| l.starts_with(first))
            .unwrap_or_else(|| panic!("no {first} row in {text}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(row("p-bluefin/infer-2")[3], "dc2-infra/gpu-02", "{text}");
    assert_eq!(row("dc2.gb200-4x")[5], "dc2-infra/gpu-02", "{text}");
    let v: serde_json::Value = serde_json::from_str(&stdout(&pin("json"))).unwrap();
    assert_eq!(v["claims"][0]["host"], "gpu-02");
    assert_eq!(v["claims"][0]["cluster"], "dc2-infra");
    let o = run(&[
        "preview", "-f", &dir, "label", "-l", "rack=r01", "--", "foo=bar",
    ]);
    let text = stdout(&o);
    let writes: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("WRITES") && l.contains("gpu-02"))
        .collect();
    assert_eq!(
        writes,
        [
            "WRITES  BareMetalHost dc1-infra/metal3-system/gpu-02 at resourceVersion 21",
            "WRITES  BareMetalHost dc2-infra/metal3-system/gpu-02 at resourceVersion 21",
        ],
        "{text}{}",
        stderr(&o)
    );
}
