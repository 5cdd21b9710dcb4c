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

/// The terminal's modes as a shell needs them back, read from tmux and from the pane's
/// terminal itself (`stty`): the main screen, the cursor shown, no mouse reporting, and
/// cooked mode (canonical input, echo, signals from keys).
fn assert_given_back(t: &Tmux, what: &str) {
    assert_eq!(
        t.format("#{alternate_on}"),
        "0",
        "{what}: alternate screen left"
    );
    assert_eq!(t.format("#{cursor_flag}"), "1", "{what}: cursor shown");
    assert_eq!(
        t.format("#{mouse_any_flag}"),
        "0",
        "{what}: mouse reporting off"
    );
    assert_eq!(
        t.format("#{mouse_button_flag}"),
        "0",
        "{what}: mouse reporting off"
    );
    let modes = stty(t);
    for mode in ["icanon", "echo", "isig"] {
        assert!(
            modes.split_whitespace().any(|m| m == mode),
            "{what}: {mode} is off: {modes}"
        );
    }
}

/// `stty -a` of the pane's terminal.
fn stty(t: &Tmux) -> String {
    let tty = t.format("#{pane_tty}");
    let out = Command::new("stty")
        .args(["-a", "-F", &tty])
        .output()
        .expect("stty runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The pid of the gpufleet the pane's shell runs.
fn gpufleet_pid(t: &Tmux) -> String {
    let shell = t.format("#{pane_pid}");
    let pgrep = Command::new("pgrep")
        .args(["-P", &shell])
        .output()
        .expect("pgrep runs");
    let pid = String::from_utf8_lossy(&pgrep.stdout).trim().to_string();
    assert!(!pid.is_empty(), "gpufleet runs under the shell");
    pid
}

fn kill(signal: &str, pid: &str) {
    let kill = Command::new("kill")
        .args([&format!("-{signal}"), pid])
        .status()
        .expect("kill runs");
    assert!(kill.success(), "kill -{signal} {pid}");
}

/// Issue 20, kind 7: every signal that ends the process (SIGTERM, SIGHUP as a dropped link
/// sends it, SIGINT and SIGQUIT as `kill` sends them: raw mode makes Ctrl-c a key) gives the
/// terminal back whole, mouse reporting included, and the exit status says which signal
/// (128 + its number, as a shell reports it).
#[test]
fn every_signal_that_ends_the_dashboard_gives_the_terminal_back() {
    for (signal, status) in [("TERM", 143), ("HUP", 129), ("INT", 130), ("QUIT", 131)] {
        let t = start(&format!("sig{signal}"), "demo --hosts 100 --mouse");
        t.wait_for("hosts:ok");
        assert_eq!(
            t.format("#{mouse_any_flag}"),
            "1",
            "--mouse reports the mouse"
        );
        kill(signal, &gpufleet_pid(&t));
        t.wait_for(&format!("EXITED {status}"));
        assert_given_back(&t, &format!("SIG{signal}"));
    }
}

/// Issue 20, kind 7: `Ctrl-z` (and SIGTSTP from `kill`) give the terminal back and stop the
/// dashboard as a shell job; `fg` takes the terminal again, repaints, and keys reach the
/// dashboard again (they echoed into a cooked terminal before).
#[test]
fn ctrl_z_and_sigtstp_give_the_terminal_back_and_fg_takes_it_again() {
    let bin = env!("CARGO_BIN_EXE_gpufleet");
    assert_is_gpufleet(bin);
    // An interactive shell with job control, as an operator's.
    let t = Tmux::start("suspend", "bash --norc --noprofile -i", (160, 45));
    t.send_text(&format!("{bin} demo --hosts 100 --mouse; echo EXITED $?"));
    t.send(&["Enter"]);
    t.wait_for("hosts:ok");
    let pgrep = Command::new("pgrep")
        .args(["-f", &format!("^{bin} demo")])
        .output()
        .expect("pgrep runs");
    let pid = String::from_utf8_lossy(&pgrep.stdout).trim().to_string();
    assert!(
        !pid.is_empty() && !pid.contains('\n'),
        "one gpufleet: {pid:?}"
    );
    for how in ["Ctrl-z", "SIGTSTP"] {
        match how {
            "Ctrl-z" => t.send(&["C-z"]),
            _ => kill("TSTP", &pid),
        }
        t.wait_for("Stopped");
        assert_eq!(
            t.format("#{alternate_on}"),
            "0",
            "{how}: alternate screen left"
        );
        assert_eq!(t.format("#{cursor_flag}"), "1", "{how}: cursor shown");
        assert_eq!(t.format("#{mouse_any_flag}"), "0", "{how}: mouse off");
        t.send_text("clear; fg");
        t.send(&["Enter"]);
        t.wait_for("hosts:ok");
        assert_eq!(t.format("#{alternate_on}"), "1", "{how}: fg takes it again");
        assert_eq!(t.format("#{mouse_any_flag}"), "1", "{how}: mouse again");
        t.send(&["?"]);
        t.wait_for("gpufleet keys");
        t.send(&["Escape"]);
        t.wait_gone("gpufleet keys");
    }
    t.send(&["q"]);
    t.wait_until(
        |s| !s.contains("hosts:ok"),
        "the dashboard to end",
        std::time::Duration::from_secs(15),
        std::time::Duration::from_millis(100),
    );
    assert_eq!(t.format("#{alternate_on}"), "0");
}

/// Issue 20, kind 7: `Ctrl-l` repaints, however often it is pressed, and never asks the
/// terminal anything (ratatui's clear asked for the cursor position and gave up with an
/// error when the answer was late): what gpufleet wrote holds no query at all.
#[test]
fn ctrl_l_repaints_without_asking_the_terminal_anything() {
    let dir = std::env::temp_dir().join(format!("gpufleet-tmux-ctrl-l-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let written = dir.join("written");
    let t = start("ctrl-l", "demo --hosts 100");
    t.run(&["pipe-pane", "-O", &format!("cat > {}", written.display())]);
    t.wait_for("hosts:ok");
    for _ in 0..30 {
        t.send(&["C-l"]);
    }
    t.send(&["Tab"]);
    t.wait_for("TENANTS HOLDING");
    t.send(&["C-l"]);
    t.wait_for("TENANTS HOLDING");
    t.send(&["q"]);
    t.wait_for("EXITED 0");
    let bytes = std::fs::read(&written).unwrap_or_default();
    assert!(!bytes.is_empty(), "tmux captured the output");
    // Device status (cursor position, `ESC [ 6 n`) and device attributes (`ESC [ c`).
    for query in [&b"\x1b[6n"[..], b"\x1b[c", b"\x1b[>c"] {
        assert!(
            !bytes.windows(query.len()).any(|w| w == query),
            "gpufleet asked the terminal {:?}",
            String::from_utf8_lossy(query)
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Issue 20, kind 7: a terminal that goes away ends the dashboard, even when no signal says
/// so (its own session, as under `setsid`, gets no SIGHUP) and its output still works: an
/// input that only answers end-of-file is a closed terminal, never a reason to read again
/// (which spun a core for ever).
#[test]
fn a_terminal_whose_input_hangs_up_ends_the_dashboard() {
    let bin = env!("CARGO_BIN_EXE_gpufleet");
    assert_is_gpufleet(bin);
    let fleet =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small-fleet.yaml");
    // Pane 0 only shows what gpufleet draws; pane 1 is its input, closed below.
    let t = Tmux::start("hangup", "sleep 600", (160, 45));
    let screen_tty = t.format("#{pane_tty}");
    t.run(&["split-window", "-d", "-t", "0.0", "sh"]);
    t.run(&[
        "send-keys",
        "-t",
        "0.1",
        &format!(
            "setsid -w {bin} dash -f {} > {screen_tty} 2>&1",
            fleet.display()
        ),
        "Enter",
    ]);
    let drawn = |s: &str| s.contains("hosts:ok");
    let screen = || {
        String::from_utf8_lossy(&t.run(&["capture-pane", "-p", "-t", "0.0"]).stdout).into_owned()
    };
    let start = std::time::Instant::now();
    while !drawn(&screen()) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(15),
            "the dashboard draws on the other pane:\n{}",
            screen()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let running = || {
        Command::new("pgrep")
            .args(["-f", &format!("^{bin} dash -f")])
            .output()
            .is_ok_and(|o| !o.stdout.is_empty())
    };
    assert!(running());
    t.run(&["kill-pane", "-t", "0.1"]);
    let closed = std::time::Instant::now();
    while running() {
        assert!(
            closed.elapsed() < std::time::Duration::from_secs(5),
            "gpufleet outlived its terminal's input"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// `text` without its CSI escape sequences (`ESC [` … a final letter).
fn without_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Issue 20, kind 7: under `script` (a terminal whose queries nobody answers) the dashboard
/// draws and quits on `q`; with standard input not a terminal it says what it needs and
/// exits 1 at once.
#[test]
fn without_a_terminal_that_answers_the_dashboard_draws_or_says_what_it_needs() {
    use crate::support::run;
    let fleet =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small-fleet.yaml");
    // script's terminal has no size unless told (its own input is no terminal); `q` once
    // the screen is up, and script's input ends after it.
    let dash = format!(
        "stty cols 120 rows 30; {} dash -f {}",
        run::BIN,
        fleet.display()
    );
    let out = run::output_within(
        run::isolated("sh").args([
            "-c",
            &format!("(sleep 3; printf q) | script -qec '{dash}' /dev/null"),
        ]),
        std::time::Duration::from_secs(60),
    );
    let written = out.stdout;
    let text = without_escapes(&String::from_utf8_lossy(&written));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("providers:ok"), "it drew the fleet: {text}");
    assert!(
        !written.windows(4).any(|w| w == b"\x1b[6n"),
        "it asked the terminal for the cursor"
    );
    let out = run::output(run::gpufleet().args(["dash", "-f", &fleet.display().to_string()]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        run::stderr(&out).contains("the dashboard needs a terminal"),
        "{}",
        run::stderr(&out)
    );
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
