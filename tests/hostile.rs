//! Hostile and broken input, run through the real binary: nothing crashes, hangs, lies or
//! writes what the operator did not mean. One module per kind of input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn gpufleet() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gpufleet"));
    // No kubeconfig of the machine running the tests leaks in.
    c.env_remove("KUBECONFIG").env("HOME", temp_dir("home"));
    c
}

fn run(args: &[&str]) -> Output {
    gpufleet().args(args).output().expect("the binary runs")
}

fn small_fleet() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/small-fleet.yaml")
        .display()
        .to_string()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gpufleet-hostile-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Kind 1, broken pipes: every write to standard output and standard error ends quietly when
/// the reader has gone, as command-line tools do (by SIGPIPE; a shell says 141).
mod broken_pipes {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    /// Runs with standard output and/or standard error on a pipe nobody reads.
    fn run_into_closed_pipe(args: &[&str], close_stdout: bool, close_stderr: bool) -> Output {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut c = gpufleet();
        c.args(args);
        c.stdout(if close_stdout {
            Stdio::from(writer.try_clone().unwrap())
        } else {
            Stdio::piped()
        });
        c.stderr(if close_stderr {
            Stdio::from(writer)
        } else {
            Stdio::piped()
        });
        c.output().unwrap()
    }

    /// A fleet with a warning for stderr: one malformed host.
    fn fleet_with_a_warning() -> String {
        let dir = temp_dir("pipes");
        let text = std::fs::read_to_string(small_fleet()).unwrap()
            + "---\napiVersion: metal3.io/v1alpha1\nkind: BareMetalHost\n\
               metadata: {name: bad, namespace: metal3-system, labels: {gpu-count: 8}}\n";
        write(&dir, "fleet.yaml", text)
    }

    #[test]
    fn every_command_ends_by_sigpipe_when_its_reader_has_gone() {
        let fleet = fleet_with_a_warning();
        let commands: Vec<Vec<&str>> = vec![
            vec!["summary", "-f", &fleet],
            vec!["summary", "-f", &fleet, "-o", "json"],
            vec!["lint", "-f", &fleet],
            vec!["preview", "-f", &fleet, "label", "gpu-02", "tenant=acme"],
            vec!["generate", "--hosts", "300"],
            vec!["--help"],
        ];
        for args in &commands {
            for (out, err) in [(true, true), (true, false), (false, true)] {
                let o = run_into_closed_pipe(args, out, err);
                let ended_quietly = o.status.signal() == Some(13)
                    || o.status.code() == Some(141)
                    || o.status.success();
                assert!(
                    ended_quietly,
                    "{args:?} (stdout closed: {out}, stderr closed: {err}): {:?}\n{}",
                    o.status,
                    stderr(&o)
                );
                assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
            }
        }
        // With something to write, a closed pipe is met: SIGPIPE, not success.
        let o = run_into_closed_pipe(&["summary", "-f", &fleet], true, true);
        assert_eq!(o.status.signal(), Some(13), "{:?}", o.status);
    }
}

/// Kind 4, terminal escape sequences from cluster objects: every string from an object is
/// escaped before it reaches a terminal, in tables, `warning:` lines and errors.
mod escapes {
    use super::*;

    /// Objects whose names, labels, annotations, URLs and messages hold control characters
    /// (YAML's `\e` is ESC, `\a` BEL).
    pub const HOSTILE: &str = r#"apiVersion: management.loft.sh/v1
kind: NodeProvider
metadata: {name: "dc1\e]0;provider\a"}
spec:
  metal3:
    clusterRef: {cluster: c, namespace: metal3-system}
    nodeTypes:
      - name: "h100\e[2K"
        resources: {cpu: "96", memory: 768Gi, nvidia.com/gpu: "8"}
        bareMetalHosts:
          selector:
            matchLabels: {gpu-model: h100}
        properties: {vcluster.com/os-image: "img\e]0;image\a"}
---
apiVersion: management.loft.sh/v1
kind: OSImage
metadata: {name: "img\e]0;image\a"}
spec:
  properties:
    metal3.vcluster.com/image-url: "http://images/\e]0;url\a.qcow2"
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  name: "gpu-01\e]0;pwned\a"
  namespace: metal3-system
  annotations: {note: "\e]0;annotation\a"}
  labels: {gpu-model: h100, gpu-count: "8", rack: "r1\e[1A", datacenter: dc1, tenant: "acme\r"}
status:
  operationalStatus: error
  errorType: provisioning error
  errorMessage: "Ironic said\r\e[2Kall good\a"
  provisioning: {state: available}
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: "bad\e]0;bad\a", namespace: metal3-system, labels: {gpu-count: 8}}
"#;

    fn assert_inert(o: &Output, what: &str) {
        for (stream, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
            let raw: Vec<u8> = bytes
                .iter()
                .copied()
                .filter(|b| *b < 0x20 && *b != b'\n')
                .collect();
            assert!(
                raw.is_empty(),
                "{what}: raw control bytes {raw:?} on {stream}:\n{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn tables_warnings_and_errors_show_control_characters_as_escapes() {
        let dir = temp_dir("escapes");
        let fleet = write(&dir, "hostile.yaml", HOSTILE);

        let o = run(&["summary", "-f", &fleet]);
        assert_inert(&o, "summary");
        let (out, err) = (stdout(&o), stderr(&o));
        assert!(out.contains(r"dc1/r1\x1b[1A"), "{out}");
        assert!(out.contains(r"acme\r"), "{out}");
        assert!(out.contains(r"dc1\x1b]0;provider\x07.h100\x1b[2K"), "{out}");
        assert!(err.contains(r"warning: "), "{err}");
        assert!(err.contains(r"bad\x1b]0;bad\x07"), "{err}");

        let o = run(&["lint", "-f", &fleet]);
        assert_inert(&o, "lint");
        assert!(
            stdout(&o).contains(r"img\x1b]0;image\x07"),
            "{}",
            stdout(&o)
        );

        let o = run(&[
            "preview",
            "-f",
            &fleet,
            "label",
            "-l",
            "gpu-model=h100",
            "maintenance=true",
        ]);
        assert_inert(&o, "preview");
        assert!(
            stdout(&o).contains(r"gpu-01\x1b]0;pwned\x07"),
            "{}",
            stdout(&o)
        );

        // An error naming objects: the closest names are the fleet's.
        let o = run(&[
            "preview",
            "-f",
            &fleet,
            "label",
            "gpu-01",
            "maintenance=true",
        ]);
        assert_inert(&o, "unknown host");
        assert_eq!(o.status.code(), Some(1));
        assert!(
            stderr(&o).contains(r"gpu-01\x1b]0;pwned\x07"),
            "{}",
            stderr(&o)
        );

        // JSON keeps the exact text, escaped the JSON way.
        let o = run(&["summary", "-f", &fleet, "-o", "json"]);
        assert_inert(&o, "summary json");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(
            v["racks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["name"] == "dc1/r1\u{1b}[1A")
        );
    }
}
