//! Drivers for the two servers under test. Each owns a private socket and state directory in
//! the bench's temp dir, and kills its server when dropped (also on error paths).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::util::{run, wait_deadline};

static SEQ: AtomicU32 = AtomicU32::new(0);

fn next_id() -> u32 {
    SEQ.fetch_add(1, Ordering::Relaxed)
}

pub struct Spool {
    bin: PathBuf,
    sock: PathBuf,
    state: PathBuf,
    pub pid: u32,
}

impl Spool {
    /// Starts a fresh server (`spool server` in the background; only `new` and `attach`
    /// start one on demand) and learns its pid.
    /// `config`, if given, is written as its `config.toml`.
    pub fn start(bin: &Path, tmp: &Path, config: Option<&str>) -> Result<Spool> {
        let dir = tmp.join(format!("spool-{}", next_id()));
        std::fs::create_dir_all(dir.join("state"))?;
        if let Some(toml) = config {
            let d = dir.join("state/config/spool");
            std::fs::create_dir_all(&d)?;
            std::fs::write(d.join("config.toml"), toml)?;
        }
        let mut s = Spool {
            bin: bin.to_path_buf(),
            sock: dir.join("sock"),
            state: dir.join("state"),
            pid: 0,
        };
        s.pid = s.launch()?;
        crate::util::register_server(s.pid);
        Ok(s)
    }

    /// Start the server process (it restores what its state directory holds) and wait
    /// until it answers; its pid.
    pub fn launch(&self) -> Result<u32> {
        self.cmd()
            .arg("server")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting spool server")?;
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(v) = self.stats() {
                return Ok(v["pid"].as_u64().context("stats without pid")? as u32);
            }
            if Instant::now() > end {
                bail!("spool server did not answer");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(&self.bin);
        // Its own (empty) config directory: the user's config.toml must not change results.
        c.arg("-S")
            .arg(&self.sock)
            .env("XDG_STATE_HOME", &self.state)
            .env("XDG_CONFIG_HOME", self.state.join("config"))
            .env("SHELL", "/bin/sh")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Result<String> {
        run(self.cmd().args(args))
    }

    pub fn stats(&self) -> Result<Value> {
        Ok(serde_json::from_str(&self.run(&["stats", "--json"])?)?)
    }

    /// `new -d -P -R -x -y -- argv`: a session whose pane stays after its process exits.
    pub fn new_pane(&self, cols: u16, rows: u16, argv: &[&str]) -> Result<String> {
        let (x, y) = (cols.to_string(), rows.to_string());
        let name = format!("s{}", next_id());
        let mut a = vec![
            "new", "-d", "-P", "-R", "-s", &name, "-x", &x, "-y", &y, "--",
        ];
        a.extend_from_slice(argv);
        Ok(self.run(&a)?.trim().to_string())
    }

    pub fn spawn_wait(&self, pane: &str) -> Result<Child> {
        Ok(self
            .cmd()
            .args(["wait", "-t", pane])
            .stdout(Stdio::null())
            .spawn()?)
    }

    pub fn wait(&self, pane: &str, timeout: Duration) -> Result<i32> {
        let mut c = self.spawn_wait(pane)?;
        wait_deadline(&mut c, Instant::now() + timeout, "spool wait")
    }

    pub fn pane_stats(&self, pane: &str) -> Result<Value> {
        let v = self.stats()?;
        v["panes"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p["id"].as_str() == Some(pane)).cloned())
            .with_context(|| format!("no {pane} in stats"))
    }

    pub fn kill_pane(&self, pane: &str) {
        let _ = self.run(&["kill", "-t", pane]);
    }

    pub fn rss(&self) -> u64 {
        crate::util::rss(self.pid).unwrap_or(0)
    }

    /// Its state directory (`XDG_STATE_HOME`).
    pub fn state_dir(&self) -> &Path {
        &self.state
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        stop_server(self.cmd(), self.pid);
    }
}

pub struct Tmux {
    name: String,
    conf: PathBuf,
    pub pid: u32,
}

impl Tmux {
    /// A fresh server on its own -L socket, configured before any pane starts: the given
    /// history-limit, no status line (so a 200x50 window has a 200x50 pane), panes kept.
    pub fn start(tmp: &Path, history_limit: u64) -> Result<Tmux> {
        let id = next_id();
        let conf = tmp.join(format!("tmux-{id}.conf"));
        std::fs::write(
            &conf,
            format!(
                "set -g history-limit {history_limit}\nset -g status off\n\
                 set -g remain-on-exit on\nset -g exit-empty off\nset -g default-shell /bin/sh\n"
            ),
        )?;
        let mut t = Tmux {
            name: format!("spoolbench{}-{id}", std::process::id()),
            conf,
            pid: 0,
        };
        t.run(&["start-server"])?;
        // exit-empty off keeps the sessionless server alive; read its pid.
        let pid = t.run(&["display-message", "-p", "#{pid}"]);
        let pid = match pid {
            Ok(p) => p,
            Err(_) => {
                // Older behaviour: display needs a session. Make a throwaway one.
                t.run(&["new-session", "-d", "-s", "boot", "sleep", "1000000"])?;
                t.run(&["display-message", "-p", "#{pid}"])?
            }
        };
        t.pid = pid.trim().parse().context("tmux pid")?;
        crate::util::register_server(t.pid);
        Ok(t)
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-L")
            .arg(&self.name)
            .arg("-f")
            .arg(&self.conf)
            .env("SHELL", "/bin/sh")
            .env_remove("TMUX")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Result<String> {
        run(self.cmd().args(args))
    }

    /// A session running `sh -c "<script>; tmux wait-for -S <chan>"`; returns the pane id.
    pub fn new_pane(&self, cols: u16, rows: u16, script: &str, chan: &str) -> Result<String> {
        let (x, y) = (cols.to_string(), rows.to_string());
        let name = format!("s{}", next_id());
        let full = format!("{script}; tmux -L {} wait-for -S {chan}", self.name);
        let out = self.run(&[
            "new-session",
            "-d",
            "-P",
            "-F",
            "#{pane_id}",
            "-s",
            &name,
            "-x",
            &x,
            "-y",
            &y,
            "sh",
            "-c",
            &full,
        ])?;
        Ok(out.trim().to_string())
    }

    pub fn spawn_wait_for(&self, chan: &str) -> Result<Child> {
        Ok(self
            .cmd()
            .args(["wait-for", chan])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?)
    }

    pub fn wait_for(&self, chan: &str, timeout: Duration) -> Result<()> {
        let mut c = self.spawn_wait_for(chan)?;
        let st = wait_deadline(&mut c, Instant::now() + timeout, "tmux wait-for")?;
        if st != 0 {
            bail!("tmux wait-for {chan} failed (server gone?)");
        }
        Ok(())
    }

    pub fn history_size(&self, pane: &str) -> Result<u64> {
        let s = self.run(&["display-message", "-p", "-t", pane, "#{history_size}"])?;
        Ok(s.trim().parse()?)
    }

    pub fn kill_pane(&self, pane: &str) {
        let _ = self.run(&["kill-pane", "-t", pane]);
    }

    pub fn alive(&self) -> bool {
        crate::util::rss(self.pid).is_some()
    }

    pub fn rss(&self) -> u64 {
        crate::util::rss(self.pid).unwrap_or(0)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        stop_server(self.cmd(), self.pid);
    }
}

/// Shell-quotes a path for `sh -c`.
pub fn sq(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// `kill-server` via `cmd`, then SIGKILL if the server is still there 200 ms later.
fn stop_server(mut cmd: Command, pid: u32) {
    let _ = cmd
        .arg("kill-server")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if pid != 0 && crate::util::rss(pid).is_some() {
        std::thread::sleep(Duration::from_millis(200));
        // SAFETY: plain kill(2) of a server this bench started.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    }
    crate::util::unregister_server(pid);
}
