//! One tmux driver for every test and benchmark that runs the real binary in a real
//! pseudo terminal: a private tmux server per session, keys in, the screen out, waits with
//! a deadline that fail with the screen. The server is killed when the driver is dropped.
//!
//! Used as `support::tmux` by the test binaries (`tests/ui/in_tmux.rs`, `tests/e2e`) and
//! included by path by `benches/ui.rs`.
#![allow(dead_code)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server of its own (`tmux -L <socket>`) with one session.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `sh -c command` in a detached session of `width`x`height` cells on a server
    /// named after `name` and this process. Fails when tmux is missing.
    pub fn start(name: &str, command: &str, (width, height): (u16, u16)) -> Tmux {
        let version = Command::new("tmux").arg("-V").output();
        assert!(
            version.is_ok_and(|o| o.status.success()),
            "tmux is needed for the terminal tests: apt-get install tmux"
        );
        let tmux = Tmux {
            socket: format!("gpufleet-{name}-{}", std::process::id()),
        };
        let (width, height) = (width.to_string(), height.to_string());
        let out = tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            &width,
            "-y",
            &height,
            "sh",
            "-c",
            command,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    /// Runs a tmux command on this server.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// The text on screen.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p"]).stdout).into_owned()
    }

    /// Sends keys by tmux name (`Enter`, `Escape`, `Tab`, `j`), one command each.
    pub fn send(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", k]);
        }
    }

    /// Types `text` literally.
    pub fn send_text(&self, text: &str) {
        self.run(&["send-keys", "-l", text]);
    }

    /// Waits until `what` holds of the screen (polled every `every`); returns that screen.
    /// Fails with the screen, naming `label`, after `limit`.
    pub fn wait_until(
        &self,
        what: impl Fn(&str) -> bool,
        label: &str,
        limit: Duration,
        every: Duration,
    ) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if what(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < limit,
                "waited for {label}; the screen shows:\n{screen}"
            );
            std::thread::sleep(every);
        }
    }

    /// Waits until the screen shows `text`; fails with the screen after 15 s.
    pub fn wait_for(&self, text: &str) {
        self.wait_until(
            |s| s.contains(text),
            &format!("{text:?}"),
            Duration::from_secs(15),
            Duration::from_millis(100),
        );
    }

    /// Waits until the screen no longer shows `text`; fails with the screen after 15 s.
    ///
    /// Sent after Escape before the next key: an Escape byte and a key that reach the
    /// pty in one read are one Alt-chord to the terminal, so the next key waits until
    /// the Escape has been read on its own.
    pub fn wait_gone(&self, text: &str) {
        self.wait_until(
            |s| !s.contains(text),
            &format!("{text:?} to go"),
            Duration::from_secs(15),
            Duration::from_millis(100),
        );
    }

    /// A tmux format of the pane (`#{alternate_on}`, `#{pane_pid}`).
    pub fn format(&self, f: &str) -> String {
        String::from_utf8_lossy(&self.run(&["display-message", "-p", f]).stdout)
            .trim()
            .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

/// Fails unless `bin` is this checkout's gpufleet (another build may share the target
/// directory).
pub fn assert_is_gpufleet(bin: &str) {
    let help = Command::new(bin)
        .arg("--help")
        .output()
        .expect("the binary runs");
    assert!(
        String::from_utf8_lossy(&help.stdout).contains("demo"),
        "{bin} is not this checkout's gpufleet (another build shares the target directory?)"
    );
}
