//! One runner for every test that runs the built `gpufleet` binary as a script would:
//! standard input closed, output captured, nothing of the machine's own kubeconfig, settings
//! or state leaking in, and a deadline, so a child that hangs fails its test (killed, with
//! what it printed so far) instead of hanging the run.
//!
//! Used as `support::run` by the test binaries (`tests/cli/`, `tests/fleet/figures.rs`,
//! `tests/e2e`). (Runs in
//! a pseudo terminal go through the tmux driver, `support/tmux.rs`.)
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The built binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_gpufleet");

/// The longest one run may take before it is killed and its test fails: far past every
/// deadline a test gives the binary (`--sync-timeout` up to 120 s) and the slowest run
/// measured (a summary syncing 25,000 hosts, under a minute on a busy machine).
pub const TIMEOUT: Duration = Duration::from_secs(300);

/// How often a run is looked at while it has not ended.
const POLL: Duration = Duration::from_millis(10);

/// `gpufleet-test-<name>-<pid>` under the system's temporary directory, created if need be:
/// a directory of this test process.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gpufleet-test-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `gpufleet` as the tests run it (see [`isolated`]); arguments and the test's own
/// environment go on after.
pub fn gpufleet() -> Command {
    isolated(BIN)
}

/// `program` (the binary, or a tool that runs it) with standard input closed, standard output
/// and error captured, `KUBECONFIG` unset, and `HOME`, `XDG_CONFIG_HOME` and `XDG_STATE_HOME`
/// in a directory of this test process: no developer's kubeconfig, settings file or audit log
/// is read or written. A test that needs its own sets it after.
pub fn isolated(program: impl AsRef<OsStr>) -> Command {
    let home = temp_dir("home");
    let mut command = Command::new(program);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("KUBECONFIG")
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("HOME", home);
    command
}

/// `program args…` under GNU time (`/usr/bin/time -f "%e s, max RSS %M KiB"`), isolated
/// as [`isolated`]: its wall time and peak resident memory are [`figure`].
pub fn timed(program: impl AsRef<OsStr>) -> Command {
    let mut command = isolated("/usr/bin/time");
    command.args(["-f", "%e s, max RSS %M KiB"]).arg(program);
    command
}

/// The figure GNU time printed for a [`timed`] run: the last line of its standard error.
pub fn figure(o: &Output) -> String {
    stderr(o).lines().last().unwrap_or_default().to_string()
}

/// `gpufleet args`, run to its end.
pub fn run(args: &[&str]) -> Output {
    output(gpufleet().args(args))
}

/// Its standard output, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Its standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `command` to its end (its exit and the end of its captured output) and returns what
/// it printed. Panics when it cannot start, and when it is not done after [`TIMEOUT`]: the
/// child is killed first, and the panic shows what it printed so far.
pub fn output(command: &mut Command) -> Output {
    output_within(command, TIMEOUT)
}

/// [`output`] with a deadline of `timeout`.
pub fn output_within(command: &mut Command, timeout: Duration) -> Output {
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?} cannot start: {e}"));
    child_output_within(&mut child, &format!("{command:?}"), timeout)
}

/// [`output_within`] of a child started already (`what` names it in a panic): for a test
/// that acts on the process while it runs (signals it, say).
pub fn child_output_within(child: &mut Child, what: &str, timeout: Duration) -> Output {
    let command = what;
    let out = Drain::start(child.stdout.take());
    let err = Drain::start(child.stderr.take());
    let deadline = Instant::now() + timeout;
    loop {
        // Once the child has ended, this answers its status again without waiting.
        let status = child
            .try_wait()
            .unwrap_or_else(|e| panic!("{command:?} cannot be waited for: {e}"));
        if let Some(status) = status
            && out.done()
            && err.done()
        {
            return Output {
                status,
                stdout: out.bytes(),
                stderr: err.bytes(),
            };
        }
        if Instant::now() >= deadline {
            let what = match status {
                None => "did not end",
                Some(_) => "ended, but what it started still holds its output open",
            };
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{command:?} {what} after {timeout:?} and was killed.\nstdout so far:\n{}\nstderr so far:\n{}",
                String::from_utf8_lossy(&out.bytes()),
                String::from_utf8_lossy(&err.bytes())
            );
        }
        std::thread::sleep(POLL);
    }
}

/// One captured pipe of the child, read to its end on a thread of its own so that the
/// child never blocks on a full pipe; what it read so far stays readable.
struct Drain {
    bytes: Arc<Mutex<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
}

impl Drain {
    /// Starts reading `pipe`; a stream the test sent elsewhere (`None`) reads as empty.
    fn start(pipe: Option<impl Read + Send + 'static>) -> Drain {
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let thread = pipe.map(|mut pipe| {
            let bytes = bytes.clone();
            std::thread::spawn(move || {
                let mut buffer = [0u8; 8192];
                loop {
                    match pipe.read(&mut buffer) {
                        Ok(0) => break,
                        Ok(n) => bytes.lock().unwrap().extend_from_slice(&buffer[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
            })
        });
        Drain { bytes, thread }
    }

    /// Whether the pipe was read to its end.
    fn done(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    fn bytes(&self) -> Vec<u8> {
        self.bytes.lock().unwrap().clone()
    }
}
