//! An exec credential plugin that never answers, and that says which processes it is: a
//! shell script that starts `sleep 1000` and waits for it (not `exec sleep`, so the plugin
//! is two processes, as a real plugin waiting on a helper is), writing both process ids to
//! a file beside it. [`survivors`] reads which of them still run.

use std::path::{Path, PathBuf};

/// The plugin script in `dir` (made executable) and the file it writes its process ids to.
pub fn hanging(dir: &Path) -> (PathBuf, PathBuf) {
    let pids = dir.join("plugin-pids");
    let _ = std::fs::remove_file(&pids);
    let script = dir.join("hanging-plugin");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ >> '{pids}'\nsleep 1000 &\necho $! >> '{pids}'\nwait\n",
            pids = pids.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&script, perms).unwrap();
    (script, pids)
}

/// The process ids the plugin wrote (none if it never ran).
pub fn started(pids: &Path) -> Vec<i32> {
    std::fs::read_to_string(pids)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Those of the plugin's processes that still run (a zombie does not).
pub fn survivors(pids: &Path) -> Vec<i32> {
    started(pids)
        .into_iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                s.rsplit_once(')')
                    .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
            })
        })
        .collect()
}
