//! `pipe-pane`: a pane's output copied to a command's standard input (`pipe-pane -o 'cat >>
//! ~/log'`), as tmux's. The copy goes through a queue of at most [`PIPE_QUEUE_BYTES`]: when
//! the command reads slower than the pane prints, what does not fit is dropped and counted
//! (`lost_bytes`, shown by `panes --json` and `#{pipe_lost_bytes}`), never buffered without
//! bound, and the pane never waits for the command.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;

/// Output waiting for a pipe's command: a few inboxes' worth (`INBOX_BYTES`), enough to ride out a command that
/// pauses for a moment, small enough that a stuck one costs little.
pub const PIPE_QUEUE_BYTES: usize = 1024 * 1024;

/// How long a closed pipe's command has to exit after end of input before it is killed.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

pub struct Pipe {
    pub command: String,
    queue: Mutex<(VecDeque<Vec<u8>>, usize)>,
    ready: Notify,
    /// Wakes a write stuck on a command that stopped reading, when the pipe is closed.
    stop: Notify,
    closed: AtomicBool,
    lost: AtomicU64,
}

impl Pipe {
    /// Start `command` (with `sh -c`, in `cwd`) and the task that feeds it.
    pub fn start(command: &str, cwd: Option<&str>) -> std::io::Result<Arc<Pipe>> {
        let mut cmd = tokio::process::Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .env_remove("RUST_BACKTRACE")
            .kill_on_drop(true);
        if let Some(d) = cwd.filter(|d| std::path::Path::new(d).is_dir()) {
            cmd.current_dir(d);
        }
        let mut child = cmd.spawn()?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| std::io::Error::other("no stdin"))?;
        let pipe = Arc::new(Pipe {
            command: spool_proto::text::truncate(command, 4096).to_string(),
            queue: Mutex::new((VecDeque::new(), 0)),
            ready: Notify::new(),
            stop: Notify::new(),
            closed: AtomicBool::new(false),
            lost: AtomicU64::new(0),
        });
        let p = pipe.clone();
        tokio::spawn(async move {
            loop {
                let next = {
                    let mut q = p.queue.lock().unwrap_or_else(|e| e.into_inner());
                    let c = q.0.pop_front();
                    if let Some(c) = &c {
                        q.1 -= c.len();
                    }
                    c
                };
                match next {
                    Some(chunk) => {
                        tokio::select! {
                            r = stdin.write_all(&chunk) => if r.is_err() {
                                break; // the command went away
                            },
                            // Closed while the command reads nothing: stop now.
                            _ = p.stop.notified() => break,
                        }
                    }
                    None if p.closed.load(Ordering::Acquire) => break,
                    None => p.ready.notified().await,
                }
            }
            p.closed.store(true, Ordering::Release);
            p.clear();
            // End of input: the command finishes what it has, then exits; one that does not
            // is killed, so a closed pipe never leaves a process behind.
            drop(stdin);
            if tokio::time::timeout(CLOSE_GRACE, child.wait())
                .await
                .is_err()
            {
                let _ = child.kill().await;
            }
        });
        Ok(pipe)
    }

    /// A chunk of the pane's output: queued if it fits, else dropped and counted.
    pub fn offer(&self, chunk: &[u8]) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.1 + chunk.len() > PIPE_QUEUE_BYTES {
            drop(q);
            let before = self.lost.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            if before == 0 {
                tracing::warn!(command = %self.command, "pipe-pane: the command is slower than the pane; output dropped");
            }
            return;
        }
        q.1 += chunk.len();
        q.0.push_back(chunk.to_vec());
        drop(q);
        self.ready.notify_one();
    }

    /// Stop copying: the command gets end-of-file after what is queued.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.ready.notify_one();
        self.stop.notify_one();
    }

    fn clear(&self) {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.0.clear();
        q.1 = 0;
    }

    /// Still copying (not closed, and its command has not gone away).
    pub fn is_open(&self) -> bool {
        !self.closed.load(Ordering::Acquire)
    }

    /// Output bytes dropped because the command was slower than the pane.
    pub fn lost_bytes(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    /// Bytes waiting in the queue (a memory gauge).
    pub fn queued_bytes(&self) -> usize {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).1
    }
}
