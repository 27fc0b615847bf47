//! A real spool server on a temporary socket, driven through the real `spool` binary.
#![allow(dead_code)]

pub mod outer;
pub mod pty;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Resident memory of process `pid` (0 if it is gone).
pub fn rss_of(pid: u64) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
    /// Extra environment for every command (and so for the server they start).
    pub env: Vec<(String, String)>,
}

impl TestServer {
    pub fn new() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("sock");
        TestServer {
            dir,
            socket,
            env: Vec::new(),
        }
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_spool"));
        c.arg("-S").arg(&self.socket);
        c.env("XDG_STATE_HOME", self.dir.path().join("state"));
        c.env("XDG_CONFIG_HOME", self.dir.path().join("config"));
        c.env("SHELL", "/bin/sh");
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c
    }

    /// Run a spool command; returns its output (any exit status).
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("running spool")
    }

    /// Run a spool command that must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "spool {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Start a detached session running `cmd` (kept after exit); returns its pane id.
    pub fn pane(&self, name: &str, cmd: &[&str]) -> String {
        let mut args = vec!["new", "-d", "-P", "-R", "-s", name, "--"];
        args.extend_from_slice(cmd);
        self.ok(&args).trim().to_string()
    }

    /// Server stats as JSON.
    pub fn stats(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["stats", "--json"])).unwrap()
    }

    /// One pane's entry in the server stats (`Null` if the server has no such pane).
    pub fn pane_stats(&self, pane: &str) -> serde_json::Value {
        let st = self.stats();
        st["panes"]
            .as_array()
            .and_then(|v| v.iter().find(|p| p["id"] == pane))
            .cloned()
            .unwrap_or_default()
    }

    pub fn rss(&self) -> u64 {
        self.stats()["rss_bytes"].as_u64().unwrap()
    }

    /// The bytes of memory account `name` now (`spool stats`).
    pub fn gauge(&self, name: &str) -> u64 {
        gauge(&self.stats(), name)
    }

    /// Kill the server as the OOM killer would, and wait until it is gone.
    pub fn kill9(&self) {
        let pid = self.stats()["pid"].as_i64().unwrap() as i32;
        // SAFETY: kill(2) on the server this test started.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
        assert!(self.eventually(Duration::from_secs(10), || {
            !std::path::Path::new(&format!("/proc/{pid}")).exists()
                || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .is_ok_and(|st| st.contains(") Z "))
        }));
    }

    /// Poll until `f` holds or `timeout` passes.
    pub fn eventually(&self, timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if f() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        f()
    }
}

/// (id, cols, rows, active) of every pane of `session` (popups included), in layout order.
pub fn panes_of(s: &TestServer, session: &str) -> Vec<(String, u64, u64, bool)> {
    let v: serde_json::Value =
        serde_json::from_str(&s.ok(&["panes", "-t", session, "--json"])).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["cols"].as_u64().unwrap(),
                p["rows"].as_u64().unwrap(),
                p["active"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// Whether `screen` shows `text` as a line of a shell's output.
///
/// A command typed before the shell is ready (at startup, or while the previous command runs) is
/// echoed early by the tty, so the shell prints its output after the next prompt: `$ hello`.
/// The prompt of the tests' `/bin/sh` is `$ `, or `# ` when the tests run as root (CI does);
/// it is ignored at the start of a line.
#[allow(dead_code)]
pub fn shows_line(screen: &str, text: &str) -> bool {
    screen.lines().any(|l| {
        let l = l
            .strip_prefix("$ ")
            .or_else(|| l.strip_prefix("# "))
            .unwrap_or(l);
        l.trim_end() == text
    })
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
    }
}

/// A PNG of `w`×`h` RGB pixels whose pattern depends on `seed` (distinct seeds, distinct
/// images), for tests that show images.
pub fn write_png(path: &std::path::Path, w: u32, h: u32, seed: u8) {
    let f = std::fs::File::create(path).unwrap();
    let mut enc = png::Encoder::new(f, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut wr = enc.write_header().unwrap();
    let px: Vec<u8> = (0..w * h * 3)
        .map(|i| ((i / 3) as u8).wrapping_mul(seed).wrapping_add(i as u8))
        .collect();
    wr.write_image_data(&px).unwrap();
}

/// The bytes of memory account `name` in `stats` (`spool stats --json`).
pub fn gauge(stats: &serde_json::Value, name: &str) -> u64 {
    stats["gauges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .and_then(|g| g["bytes"].as_u64())
        .unwrap_or_else(|| panic!("no {name} account in {stats}"))
}
