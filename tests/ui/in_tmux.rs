//! The real binary in a real pseudo terminal (tmux): it starts, moves through every pane,
//! filters, opens help, quits, and leaves the terminal as it found it. CI installs tmux
//! (Debian package `tmux`); without it these tests fail rather than pass unseen.

use crate::support::tmux;

use std::process::Command;
use tmux::{Tmux, assert_is_gpufleet};

/// Runs `gpufleet args` (after `env`, e.g. `XDG_STATE_HOME=/tmp/x`) at 160x45. The shell
/// stays after gpufleet exits (`EXITED <status>`), so the restored terminal can be inspected.
fn gpufleet_in_tmux(name: &str, env: &str, args: &str) -> Tmux {
    let bin = env!("CARGO_BIN_EXE_gpufleet");
    assert_is_gpufleet(bin);
    let script = format!("{env} {bin} {args}; echo EXITED $?; sleep 60");
    Tmux::start(name, &script, (160, 45))
}

fn start(name: &str, args: &str) -> Tmux {
    gpufleet_in_tmux(name, "", args)
}

#[test]
fn the_demo_runs_every_pane_filters_helps_and_restores_the_terminal() {
    let t = start("demo", "demo --hosts 300 --seed 1");
    t.wait_for("hosts:ok");
    assert_eq!(
        t.format("#{alternate_on}"),
        "1",
        "the dashboard uses the alternate screen"
    );
    t.wait_for("cells: ");
    for (key, marker) in [
        ("Tab", "TENANTS HOLDING"),
        ("Tab", "GPUS USED/RESERVED"),
        ("Tab", "OS IMAGE"),
        ("Tab", "HELD BY"),
        ("Tab", "VCLUSTER"),
        ("Tab", "letter = tenant"),
    ] {
        t.send(&[key]);
        t.wait_for(marker);
    }
    t.send_text(":hosts");
    t.send(&["Enter"]);
    t.wait_for("HELD BY");
    t.send_text("/-l gpu-model=h100");
    t.send(&["Enter"]);
    t.wait_for("-l gpu-model=h100");
    t.wait_for("h100");
    t.send(&["Enter"]);
    t.wait_for("Types match");
    t.send(&["Escape"]);
    t.wait_gone("Types match");
    t.send(&["?"]);
    t.wait_for("gpufleet keys");
    t.send(&["Escape"]);
    t.wait_gone("gpufleet keys");
    t.send(&["q"]);
    t.wait_for("EXITED 0");
    assert_eq!(
        t.format("#{alternate_on}"),
        "0",
        "the alternate screen is left"
    );
    assert_eq!(
        t.format("#{cursor_flag}"),
        "1",
        "the cursor is visible again"
    );
}

#[test]
fn a_label_edit_in_the_demo_is_previewed_confirmed_and_lands() {
    let state = std::env::temp_dir().join(format!("gpufleet-tmux-edit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let t = gpufleet_in_tmux(
        "edit",
        &format!("XDG_STATE_HOME={}", state.display()),
        "demo --hosts 300 --seed 1",
    );
    t.wait_for("hosts:ok");
    t.send(&["5"]);
    t.wait_for("HELD BY");
    t.send(&["e"]);
    t.wait_for("Edit labels of");
    t.wait_for("sets and removes no label");
    t.send_text("rack=r77");
    t.wait_for("Writes: patches 1 BareMetalHost");
    t.wait_for("✓ rack=r77");
    t.send(&["Enter"]);
    t.wait_for("the server accepts 1 object");
    t.wait_for("confirm: Enter writes");
    t.send(&["Enter"]);
    t.wait_for("written to simulator");
    // The simulator's watch brings the new label back into the table.
    t.wait_for(" r77 ");
    let audit = std::fs::read_to_string(state.join("gpufleet/audit.jsonl")).expect("audited");
    assert!(audit.contains("\"rack\":\"r77\""), "{audit}");
    assert!(audit.contains("\"result\":\"applied\""), "{audit}");
    t.send(&["q"]);
    t.wait_for("EXITED 0");
    assert_eq!(t.format("#{alternate_on}"), "0");
    std::fs::remove_dir_all(&state).ok();
}

#[test]
fn watch_mode_shows_the_wall_display_and_acts_only_on_quit() {
    // The pane rotation comes from the settings file (long enough not to rotate here).
    let config = std::env::temp_dir().join(format!("gpufleet-tmux-watch-{}", std::process::id()));
    std::fs::create_dir_all(config.join("gpufleet")).unwrap();
    std::fs::write(
        config.join("gpufleet/config.toml"),
        "[dashboard]\ncycle = 600\n",
    )
    .unwrap();
    let t = gpufleet_in_tmux(
        "watch",
        &format!("XDG_CONFIG_HOME={}", config.display()),
        "demo --hosts 300 --seed 1 --watch",
    );
    t.wait_for("GPUs total");
    t.wait_for("cycles panes every 600s");
    t.send(&["Tab", "j", "/", "e"]);
    t.wait_for("read-only: watch mode cannot edit labels");
    assert!(t.screen().contains("cells: "), "still the racks pane");
    t.send(&["q"]);
    t.wait_for("EXITED 0");
    assert_eq!(t.format("#{alternate_on}"), "0");
    assert_eq!(t.format("#{cursor_flag}"), "1");
    std::fs::remove_dir_all(&config).ok();
}

#[test]
fn a_bad_theme_is_reported_before_the_screen_is_taken() {
    let t = start("theme", "demo --theme no-such-theme");
    t.wait_for("EXITED 1");
    assert!(
        t.screen().contains("no theme \"no-such-theme\""),
        "{}",
        t.screen()
    );
}

#[test]
fn sigterm_and_a_dropped_link_restore_the_terminal() {
    for signal in ["TERM", "HUP"] {
        let t = start(&format!("sig{signal}"), "demo --hosts 100");
        t.wait_for("hosts:ok");
        let shell = t.format("#{pane_pid}");
        let pgrep = Command::new("pgrep")
            .args(["-P", &shell])
            .output()
            .expect("pgrep runs");
        let pid = String::from_utf8_lossy(&pgrep.stdout).trim().to_string();
        assert!(!pid.is_empty(), "gpufleet runs under the shell");
        let kill = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill runs");
        assert!(kill.success());
        t.wait_for("EXITED 0");
        assert_eq!(t.format("#{alternate_on}"), "0", "SIG{signal}");
        assert_eq!(t.format("#{cursor_flag}"), "1", "SIG{signal}");
    }
}

/// Issue 9, kind 6: an exec credential plugin that never answers does not blank the
/// dashboard or deafen it: the screen opens at once, the watches say what the connection
/// waits for, and `q` quits.
#[test]
fn a_hung_exec_plugin_leaves_the_dashboard_answering() {
    let dir = std::env::temp_dir().join(format!("gpufleet-tmux-exec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plugin = dir.join("sleepy-plugin");
    // Long past the deadlines here, then it ends by itself.
    std::fs::write(&plugin, "#!/bin/sh\nexec sleep 20\n").unwrap();
    let mut perms = std::fs::metadata(&plugin).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&plugin, perms).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:9'}}}}]\n\
             users: [{{name: u, user: {{exec: {{apiVersion: client.authentication.k8s.io/v1, command: '{}', interactiveMode: Never}}}}}}]\n\
             contexts: [{{name: ctx, context: {{cluster: c, user: u}}}}]\ncurrent-context: ctx\n",
            plugin.display()
        ),
    )
    .unwrap();
    let t = start(
        "exec",
        &format!(
            "dash --kubeconfig {} --request-timeout 2s --stale-after 1",
            kubeconfig.display()
        ),
    );
    t.wait_for("hosts:connecting");
    t.wait_for("waiting for the exec credential plugin");
    t.send(&["q"]);
    t.wait_for("EXITED 0");
    assert_eq!(t.format("#{alternate_on}"), "0");
    std::fs::remove_dir_all(&dir).ok();
}

/// `dash -f` on a dump with a document that cannot be read and a host read twice: the
/// dashboard shows both while it runs, and `:ctx` lists them, not only stderr after quitting.
#[test]
fn a_dump_shows_what_it_skipped_while_the_dashboard_runs() {
    let dir = std::env::temp_dir().join(format!("gpufleet-tmux-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fleet =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small-fleet.yaml");
    std::fs::copy(&fleet, dir.join("a.yaml")).unwrap();
    std::fs::write(
        dir.join("b.yaml"),
        "apiVersion: metal3.io/v1alpha1\nkind: BareMetalHost\n\
         metadata: {name: gpu-01, namespace: metal3-system}\n---\n\
         apiVersion: metal3.io/v1alpha1\nkind: BareMetalHost\n\
         metadata: {name: bad, namespace: metal3-system}\nspec: {online: maybe}\n",
    )
    .unwrap();
    let t = start("dump", &format!("dash -f {}", dir.display()));
    t.wait_for("1 skipped · 1 warning (:ctx): ");
    let screen = t.screen();
    assert!(
        screen.contains("b.yaml: document 2: BareMetalHost metal3-system/bad: field spec.online"),
        "{screen}"
    );
    t.send_text(":ctx");
    t.send(&["Enter"]);
    t.wait_for("Source warnings (1)");
    assert!(
        t.screen()
            .contains("BareMetalHost metal3-system/gpu-01 is read twice"),
        "{}",
        t.screen()
    );
    t.send(&["Escape"]);
    t.wait_gone("Source warnings (1)");
    t.send(&["q"]);
    t.wait_for("EXITED 0");
    std::fs::remove_dir_all(dir).ok();
}

/// `dash -f` on a directory holding a named pipe: the dashboard opens (the pipe is never
/// opened, so it cannot wait for a writer) and names it as skipped; `:ctx` says the files
/// were read once and are not watched, never the live wording "streaming changes".
#[test]
fn a_dump_is_said_to_be_read_once_and_its_pipe_skipped() {
    let dir = std::env::temp_dir().join(format!("gpufleet-tmux-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fleet =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small-fleet.yaml");
    std::fs::copy(&fleet, dir.join("a.yaml")).unwrap();
    let made = Command::new("mkfifo").arg(dir.join("pipe.yaml")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let t = start("files", &format!("dash -f {}", dir.display()));
    t.wait_for("1 skipped");
    assert!(
        t.screen()
            .contains("pipe.yaml: skipped: a named pipe (FIFO)"),
        "{}",
        t.screen()
    );
    t.send_text(":ctx");
    t.send(&["Enter"]);
    t.wait_for("not watched for changes");
    let screen = t.screen();
    // The moment of the read, in UTC: `files, read at 2026-12-01T04:12:03Z, not watched…`.
    let source = screen
        .lines()
        .find_map(|l| l.split("files, read at ").nth(1))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(
        source
            .get(19..)
            .is_some_and(|rest| rest.starts_with("Z, not watched for changes: /"))
            && source.as_bytes()[10] == b'T',
        "{screen}"
    );
    assert!(
        screen.contains("hosts       11 objects · read from files "),
        "{screen}"
    );
    assert!(!screen.contains("streaming changes"), "{screen}");
    t.send(&["Escape"]);
    t.wait_gone("not watched for changes");
    t.send(&["q"]);
    t.wait_for("EXITED 0");
    std::fs::remove_dir_all(dir).ok();
}
