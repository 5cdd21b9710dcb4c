//! The processes this process started, ended when a command ends. Building a kube client
//! runs the user's exec credential plugin (kube's client starts it with `std::process` and
//! waits for it on the building thread); a plugin that never answers is given up at the
//! caller's deadline, but its process would outlive gpufleet, handed to init, for as long
//! as it waits (a login that never comes). [`end_descendants`] ends every such process, and
//! the processes they started, when gpufleet exits.

use rustix::process::{Pid, Signal, kill_process};
use std::time::{Duration, Instant};

/// How long processes asked to end (SIGTERM) are given before they are killed (SIGKILL).
pub const GRACE: Duration = Duration::from_millis(300);

/// One process: its id and its start time (field 22 of `/proc/PID/stat`), which tells it
/// apart from a later process given the same id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Process {
    pid: i32,
    started: u64,
}

/// Ends every process descended from this one that is still running: SIGTERM, then SIGKILL
/// for those still there after [`GRACE`]. The whole tree is read before any signal, so a
/// plugin's own children (a shell script's `sleep`) are ended too, not handed to init.
/// Returns how many processes were signalled. Reads `/proc`; where there is none (not
/// Linux) it does nothing.
pub fn end_descendants() -> usize {
    end_below(std::process::id() as i32)
}

/// [`end_descendants`] of process `root`, which itself is left alone.
fn end_below(root: i32) -> usize {
    let found = descendants(root);
    if found.is_empty() {
        return 0;
    }
    for p in &found {
        signal(*p, Signal::TERM);
    }
    let until = Instant::now() + GRACE;
    while Instant::now() < until && found.iter().any(|p| alive(*p)) {
        std::thread::sleep(Duration::from_millis(20));
    }
    for p in found.iter().filter(|p| alive(**p)) {
        signal(*p, Signal::KILL);
    }
    found.len()
}

fn signal(p: Process, signal: Signal) {
    // Only the very process found: not one that took its id since.
    if alive(p)
        && let Some(pid) = Pid::from_raw(p.pid)
    {
        // Gone meanwhile: nothing to end.
        let _ = kill_process(pid, signal);
    }
}

/// Whether the process still runs (not gone, not a zombie, not a later one of its id).
fn alive(p: Process) -> bool {
    stat(p.pid).is_some_and(|s| s.started == p.started && s.state != 'Z')
}

struct Stat {
    parent: i32,
    state: char,
    started: u64,
}

/// `/proc/PID/stat`: `pid (comm) state ppid … starttime …`; the command may hold spaces and
/// parentheses, so fields are counted after its last `)`.
fn stat(pid: i32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the command: state is field 3, ppid 4, starttime 22 (proc(5)).
    Some(Stat {
        state: fields.first()?.chars().next()?,
        parent: fields.get(1)?.parse().ok()?,
        started: fields.get(19)?.parse().ok()?,
    })
}

/// Every running process below `root`, parents before children.
fn descendants(root: i32) -> Vec<Process> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut children: std::collections::BTreeMap<i32, Vec<Process>> = Default::default();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        if let Some(s) = stat(pid).filter(|s| s.state != 'Z') {
            children.entry(s.parent).or_default().push(Process {
                pid,
                started: s.started,
            });
        }
    }
    let mut found = Vec::new();
    let mut next = vec![root];
    while let Some(parent) = next.pop() {
        for child in children.remove(&parent).unwrap_or_default() {
            next.push(child.pid);
            found.push(child);
        }
    }
    found
}

/// The signals that end a one-shot command: SIGTERM, SIGHUP (the SSH link dropped) and
/// SIGINT (Ctrl-C). The dashboard handles SIGTERM and SIGHUP itself, to restore the terminal.
pub const ENDING_SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
    signal_hook::consts::SIGINT,
];

/// Runs `work` to its end, unless one of [`ENDING_SIGNALS`] comes first: `Err` with that
/// signal's number then, so the caller ends what it started ([`end_descendants`]) and exits
/// with status 128 + the number, as a shell reports a process the signal ended. The signals
/// are caught from this call on (before `work` first runs, so before any exec plugin starts);
/// where they cannot be caught, `work` runs alone.
pub async fn unless_signalled<T>(work: impl std::future::Future<Output = T>) -> Result<T, i32> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut caught = Vec::new();
    for number in ENDING_SIGNALS {
        if let Ok(s) = signal(SignalKind::from_raw(number)) {
            caught.push((number, s));
        }
    }
    if caught.is_empty() {
        return Ok(work.await);
    }
    // Never empty here (`select_all` of nothing would panic).
    let any = futures::future::select_all(
        caught
            .iter_mut()
            .map(|(number, s)| Box::pin(async move { s.recv().await.map(|_| *number) })),
    );
    tokio::pin!(work);
    tokio::select! {
        done = &mut work => Ok(done),
        (Some(number), _, _) = any => Err(number),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_tree_is_read_whole_and_ended() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            eprintln!("skipped: no /proc");
            return;
        }
        // A shell that starts a grandchild and waits, as a plugin script would.
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 1000 & echo $!; wait"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let grandchild: i32 = line.trim().parse().unwrap();
        let grandchild = Process {
            pid: grandchild,
            started: stat(grandchild).unwrap().started,
        };
        assert!(alive(grandchild));
        let mine = descendants(std::process::id() as i32);
        assert!(mine.contains(&grandchild), "{mine:?}");
        // Below the shell only: other tests of this process may have children of their own.
        assert_eq!(end_below(child.id() as i32), 1);
        child.wait().unwrap();
        let until = Instant::now() + Duration::from_secs(5);
        while alive(grandchild) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(grandchild), "the grandchild outlived its end");
    }
}
