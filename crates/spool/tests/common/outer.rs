//! The attach client in a real outer terminal: spool runs inside tmux (`tmux -L … -f
//! /dev/null`), keys go in with `send-keys`, the screen comes back with `capture-pane`.
#![allow(dead_code)]

use std::process::Command;
use std::time::Duration;

use super::TestServer;

/// A tmux server of our own with one window running a command.
pub struct Outer {
    pub name: String,
}

/// The shell command a tmux window runs: `spool ARGS` for the test's server, with its state and
/// config directories and more `VAR=VALUE` settings, then a pause so its last screen stays.
fn client_command(s: &TestServer, env: &str, args: &str) -> String {
    format!(
        "env -u SPOOL {env} XDG_STATE_HOME={} XDG_CONFIG_HOME={} SHELL=/bin/sh PS1='$ ' {} -S {} {args}; sleep 30",
        s.dir.path().join("state").display(),
        s.dir.path().join("config").display(),
        env!("CARGO_BIN_EXE_spool"),
        s.socket.display()
    )
}

impl Outer {
    pub fn new(s: &TestServer, cols: u16, rows: u16, args: &str) -> Outer {
        Outer::with_env(s, cols, rows, "", args)
    }

    /// As `new`, with more `VAR=VALUE` settings for the client (and a server it starts).
    pub fn with_env(s: &TestServer, cols: u16, rows: u16, env: &str, args: &str) -> Outer {
        let name = format!("spool-test-{}-{}", std::process::id(), rand_suffix());
        let cmd = client_command(s, env, args);
        let ok = Command::new("tmux")
            .args(["-L", &name, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &cols.to_string(), "-y", &rows.to_string(), &cmd])
            .status()
            .expect("tmux runs")
            .success();
        assert!(ok);
        Outer { name }
    }

    /// Another window (a second terminal) on the same tmux server.
    pub fn window(&self, s: &TestServer, args: &str) -> String {
        let cmd = client_command(s, "", args);
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.name,
                "new-window",
                "-P",
                "-F",
                "#{window_index}",
                &cmd,
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// A tmux command on this tmux server; its output.
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.name])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let ok = Command::new("tmux")
            .args(["-L", &self.name, "send-keys", "-t", ":0"])
            .args(keys)
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    /// Another window whose client has more `VAR=VALUE` settings.
    pub fn window_env(&self, s: &TestServer, env: &str, args: &str) -> String {
        let cmd = client_command(s, env, args);
        self.tmux(&["new-window", "-P", "-F", "#{window_index}", &cmd])
            .trim()
            .to_string()
    }

    pub fn keys_to(&self, window: &str, keys: &[&str]) {
        Command::new("tmux")
            .args(["-L", &self.name, "send-keys", "-t", &format!(":{window}")])
            .args(keys)
            .status()
            .unwrap();
    }

    pub fn screen_of(&self, window: &str) -> String {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.name,
                "capture-pane",
                "-p",
                "-t",
                &format!(":{window}"),
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Wait until the screen satisfies `f`; panics with the screen if it never does.
    pub fn until(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        self.until_in("0", what, f)
    }

    pub fn until_in(&self, window: &str, what: &str, f: impl Fn(&str) -> bool) -> String {
        let end = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.screen_of(window);
            if f(&s) {
                return s;
            }
            if std::time::Instant::now() > end {
                panic!("never saw {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Outer {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.name, "kill-server"])
            .status();
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

pub fn last_line(screen: &str) -> &str {
    screen.lines().last().unwrap_or("")
}

/// The shell has printed its first prompt (keys typed before it would be echoed by the tty
/// ahead of the prompt, and the output would not start a line).
pub fn prompt_shown(screen: &str) -> bool {
    matches!(screen.lines().next().map(str::trim_end), Some("#" | "$"))
}
