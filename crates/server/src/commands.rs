//! A pane's command log: what ran in it, when, with which exit status, and which history rows
//! hold its prompt, command line and output — built from the shell's OSC 133/633 marks
//! (`spool_term::marks`, sent by the `spool shell-init` snippets).
//!
//! A command is logged when its output starts (`C`) and finished at `D` (or at the next
//! prompt, when the shell said no `D`: its status is then unknown). Rows are history row
//! numbers, so `capture --command` reads exactly a command's output, from disk when it is old.
//!
//! ## Bounds
//! The log kept in memory is at most [`LOG_BYTES`] per pane (the oldest commands go first);
//! command lines are cut at `spool_term::marks::COMMAND_TEXT_MAX`.
//!
//! ## On disk
//! `HISTORY_DIR/commands`, beside the pane's segments, so it is kept, restored and removed
//! with its history. Append-only records (`<crc32 hex> <length>\n<JSON>\n`), each the whole
//! entry as it is now (a finished command is written again); reading folds them by number
//! and stops at the first damaged record (a crash cuts back to the last whole one). Past
//! [`FILE_BYTES`] the file is rewritten from what memory holds (`commands.tmp`, fsync,
//! rename), so it stays bounded too. The file is 0600.

use std::collections::VecDeque;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use spool_term::{MarkKind, ShellMark};

/// Bytes of command log kept per pane (an entry costs its text and directory and about 100
/// bytes): a few hundred commands, whatever they print; older ones stay in history as rows.
pub const LOG_BYTES: usize = 128 * 1024;

/// Largest `commands` file before it is rewritten from memory (then about `LOG_BYTES`).
pub const FILE_BYTES: u64 = 4 * LOG_BYTES as u64;

/// Largest record read back (an entry is at most a command line and a directory).
const RECORD_MAX: usize = 64 * 1024;

/// One command (the wire type is the stored one).
pub use spool_proto::CommandInfo as Command;

fn cost(c: &Command) -> usize {
    c.text.len() + c.cwd.as_ref().map_or(0, String::len) + 100
}

/// What a batch of marks did to the log (for events and waiters).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub started: Vec<Command>,
    pub finished: Vec<Command>,
}

/// A pane's log.
#[derive(Debug, Default)]
pub struct Log {
    entries: VecDeque<Command>,
    bytes: usize,
    next_n: u64,
    /// The prompt being typed at: its rows and command line, until its output starts.
    pending: Pending,
    /// The shell has sent marks: `spool run` can use this pane.
    pub integrated: bool,
    /// The history row of the newest prompt (`A`), if the shell is at a prompt now.
    pub at_prompt: Option<u64>,
    file: Option<PathBuf>,
    file_bytes: u64,
}

#[derive(Debug, Default)]
struct Pending {
    prompt_row: Option<u64>,
    input_row: Option<u64>,
    text: Option<String>,
}

use crate::server::now_ms;

impl Log {
    /// The log of the history in `dir`: what its `commands` file holds. A damaged tail is cut
    /// off the file (new records go after the last whole one). `same_shell`: the pane's
    /// shell is the one that wrote it (an upgrade handed the pane over), so a running command
    /// goes on running; otherwise it is ended, status unknown: its shell is gone.
    pub fn open(dir: &Path, same_shell: bool) -> Log {
        let path = dir.join("commands");
        let mut log = Log {
            next_n: 1,
            ..Default::default()
        };
        if let Ok(bytes) = std::fs::read(&path) {
            let (records, whole) = read_records(&bytes);
            if whole < bytes.len() {
                let cut = std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(&path)
                    .and_then(|f| f.set_len(whole as u64));
                if let Err(e) = cut {
                    tracing::warn!(file = %path.display(), error = %e, "damaged command log kept");
                }
            }
            log.file_bytes = whole as u64;
            for c in records {
                log.put(c);
            }
            if same_shell {
                log.integrated = !log.entries.is_empty();
                if log.running().is_none() {
                    log.at_prompt = log.entries.back().and_then(|c| c.end_row);
                }
            } else {
                let ended = log.entries.back().map_or(0, |c| c.started_ms);
                for c in log.entries.iter_mut().filter(|c| c.running()) {
                    c.ended_ms = Some(ended);
                    c.end_row = Some(c.output_row);
                }
            }
        }
        log.next_n = log.entries.back().map_or(1, |c| c.n + 1);
        log.file = Some(path);
        log
    }

    /// Commands, oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &Command> + ExactSizeIterator {
        self.entries.iter()
    }

    /// Bytes the log holds (a gauge).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The newest command, if it is still running.
    pub fn running(&self) -> Option<&Command> {
        self.entries.back().filter(|c| c.running())
    }

    /// Apply the shell's marks; `cwd` is asked for when a command starts.
    pub fn apply(&mut self, marks: Vec<ShellMark>, cwd: impl Fn() -> Option<String>) -> Changes {
        let mut ch = Changes::default();
        for m in marks {
            self.integrated = true;
            let Some(row) = m.row else { continue };
            match m.kind {
                MarkKind::Prompt => {
                    // A command the shell said no `D` for ends at its next prompt.
                    if let Some(c) = self.finish(row, None) {
                        ch.finished.push(c);
                    }
                    self.pending = Pending {
                        prompt_row: Some(row),
                        ..Default::default()
                    };
                    self.at_prompt = Some(row);
                }
                MarkKind::Input => self.pending.input_row = Some(row),
                MarkKind::CommandLine(text) => self.pending.text = Some(text),
                MarkKind::Output => {
                    if let Some(c) = self.finish(row, None) {
                        ch.finished.push(c);
                    }
                    let p = std::mem::take(&mut self.pending);
                    let c = Command {
                        n: self.next_n.max(1),
                        text: p.text.unwrap_or_default(),
                        cwd: cwd(),
                        started_ms: now_ms(),
                        prompt_row: p.prompt_row,
                        input_row: p.input_row,
                        output_row: row,
                        ..Default::default()
                    };
                    self.next_n = c.n + 1;
                    self.at_prompt = None;
                    self.put(c.clone());
                    self.write(&c);
                    ch.started.push(c);
                }
                MarkKind::End(status) => {
                    // Output that did not end its line ends on the row `D` was sent on.
                    let end = row + u64::from(m.col > 0);
                    if let Some(c) = self.finish(end, status) {
                        ch.finished.push(c);
                    }
                }
            }
        }
        ch
    }

    /// End the running command at row `end`, if one runs.
    fn finish(&mut self, end: u64, status: Option<i32>) -> Option<Command> {
        let c = self.entries.back_mut().filter(|c| c.running())?;
        c.ended_ms = Some(now_ms());
        c.end_row = Some(end.max(c.output_row));
        c.status = status;
        let c = c.clone();
        self.write(&c);
        Some(c)
    }

    /// Keep `c` (replacing the entry with its number), within [`LOG_BYTES`].
    fn put(&mut self, c: Command) {
        if let Some(old) = self.entries.iter_mut().rev().find(|e| e.n == c.n) {
            self.bytes = self.bytes - cost(old) + cost(&c);
            *old = c;
        } else {
            self.bytes += cost(&c);
            self.entries.push_back(c);
        }
        while self.bytes > LOG_BYTES && self.entries.len() > 1 {
            if let Some(old) = self.entries.pop_front() {
                self.bytes -= cost(&old);
            }
        }
    }

    /// Append `c`'s record to the file (rewriting the file from memory past its bound).
    /// A failed write is logged: the log in memory goes on.
    fn write(&mut self, c: &Command) {
        let Some(path) = self.file.clone() else {
            return;
        };
        let rec = record(c);
        let res = if self.file_bytes + rec.len() as u64 > FILE_BYTES {
            self.rewrite(&path)
        } else {
            append(&path, &rec).map(|()| self.file_bytes += rec.len() as u64)
        };
        if let Err(e) = res {
            tracing::warn!(file = %path.display(), error = %e, "command log not written");
        }
    }

    fn rewrite(&mut self, path: &Path) -> std::io::Result<()> {
        let mut all = Vec::new();
        for c in &self.entries {
            all.extend(record(c));
        }
        let tmp = path.with_extension("tmp");
        {
            let mut f = open_private(&tmp, true)?;
            f.write_all(&all)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        self.file_bytes = all.len() as u64;
        Ok(())
    }
}

fn open_private(path: &Path, truncate: bool) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(!truncate)
        .truncate(truncate)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

fn append(path: &Path, rec: &[u8]) -> std::io::Result<()> {
    open_private(path, false)?.write_all(rec)
}

fn record(c: &Command) -> Vec<u8> {
    let body = serde_json::to_vec(c).expect("a command serializes");
    let mut out = format!("{:08x} {}\n", crc32fast::hash(&body), body.len()).into_bytes();
    out.extend_from_slice(&body);
    out.push(b'\n');
    out
}

/// The whole records of a `commands` file, up to the first damaged one, and the bytes
/// they take.
fn read_records(all: &[u8]) -> (Vec<Command>, usize) {
    let mut bytes = all;
    let mut out = Vec::new();
    while let Some(nl) = bytes.iter().position(|&b| b == b'\n').filter(|&i| i <= 32) {
        let header = std::str::from_utf8(&bytes[..nl]).unwrap_or("");
        let Some((crc, len)) = header.split_once(' ') else {
            break;
        };
        let (Ok(crc), Ok(len)) = (u32::from_str_radix(crc, 16), len.parse::<usize>()) else {
            break;
        };
        let rest = &bytes[nl + 1..];
        if len > RECORD_MAX || rest.len() < len + 1 || rest[len] != b'\n' {
            break;
        }
        let body = &rest[..len];
        if crc32fast::hash(body) != crc {
            break;
        }
        match serde_json::from_slice::<Command>(body) {
            Ok(c) => out.push(c),
            Err(_) => break,
        }
        bytes = &rest[len + 1..];
    }
    (out, all.len() - bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(kind: MarkKind, row: u64) -> ShellMark {
        ShellMark {
            kind,
            row: Some(row),
            col: 0,
        }
    }

    fn run(log: &mut Log, text: &str, at: u64, rows: u64, status: i32) {
        log.apply(
            vec![
                mark(MarkKind::Prompt, at),
                mark(MarkKind::Input, at),
                mark(MarkKind::CommandLine(text.into()), at),
                mark(MarkKind::Output, at + 1),
                mark(MarkKind::End(Some(status)), at + 1 + rows),
            ],
            || Some("/tmp".into()),
        );
    }

    #[test]
    fn marks_make_commands_with_their_rows_and_statuses() {
        let mut log = Log::default();
        run(&mut log, "true", 0, 0, 0);
        run(&mut log, "false", 1, 0, 1);
        run(&mut log, "seq 3", 2, 3, 0);
        let v: Vec<_> = log.entries().cloned().collect();
        assert_eq!(v.len(), 3);
        assert_eq!(
            (v[1].text.as_str(), v[1].status, v[1].n),
            ("false", Some(1), 2)
        );
        assert_eq!((v[2].output_row, v[2].end_row), (3, Some(6)));
        assert_eq!(v[2].cwd.as_deref(), Some("/tmp"));
        // A command without a `D` ends at the next prompt, its status unknown.
        log.apply(
            vec![
                mark(MarkKind::Prompt, 10),
                mark(MarkKind::Output, 11),
                mark(MarkKind::Prompt, 15),
            ],
            || None,
        );
        let last = log.entries().last().unwrap();
        assert_eq!((last.end_row, last.status), (Some(15), None));
        assert_eq!(log.at_prompt, Some(15));
    }

    #[test]
    fn the_log_is_bounded_in_bytes() {
        let mut log = Log::default();
        let long = "x".repeat(4000);
        for i in 0..1000 {
            run(&mut log, &long, i * 2, 1, 0);
        }
        assert!(log.bytes() <= LOG_BYTES, "{}", log.bytes());
        assert!(log.entries().len() < 1000);
        assert_eq!(log.entries().last().unwrap().n, 1000);
    }

    #[test]
    fn the_file_comes_back_cut_at_a_damaged_record_and_stays_bounded() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut log = Log::open(dir.path(), false);
            run(&mut log, "one", 0, 1, 0);
            run(&mut log, "two", 3, 1, 2);
            // A third, still running when the server died.
            log.apply(
                vec![mark(MarkKind::Prompt, 6), mark(MarkKind::Output, 7)],
                || None,
            );
        }
        let back = Log::open(dir.path(), false);
        let v: Vec<_> = back.entries().cloned().collect();
        assert_eq!(v.len(), 3);
        assert_eq!(v[1].status, Some(2));
        assert!(!v[2].running(), "a command of a gone shell is over");
        // A torn last record: the ones before it stay.
        let path = dir.path().join("commands");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 5);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(Log::open(dir.path(), false).entries().len(), 2);
        // The torn record was cut off: records written now are read back.
        let mut log = Log::open(dir.path(), false);
        run(&mut log, "after the cut", 50, 1, 0);
        assert_eq!(
            Log::open(dir.path(), false).entries().last().unwrap().text,
            "after the cut"
        );
        // Many commands: the file is rewritten, never past its bound.
        let mut log = Log::open(dir.path(), false);
        let long = "y".repeat(3000);
        for i in 0..2000 {
            run(&mut log, &long, 100 + i * 2, 1, 0);
        }
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(len <= FILE_BYTES, "{len}");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let back = Log::open(dir.path(), false);
        assert_eq!(
            back.entries().last().unwrap().n,
            log.entries().last().unwrap().n
        );
    }
}
