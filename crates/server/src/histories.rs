//! Pane histories on disk, live and closed: `STATE/panes/<start>-<pid>-<pane id>/`, each a
//! store (`history.seg`, …) and a `meta.json` saying whose it is. A closed pane's history is
//! kept for `closed_history_days`, counted against the total disk budget, and then deleted;
//! `spool history ls|rm` and `capture`/`search --history` reach them. (Histories of servers
//! older than this layout, `STATE/runs/<run>/pane-N/`, are listed and pruned the same way.)

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The histories directory of a server.
pub fn panes_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("panes")
}

/// Most bytes of a `meta.json` read back (it is a few hundred).
const META_MAX_BYTES: u64 = 64 * 1024;

/// What a history directory says about its pane.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Meta {
    pub pane: u32,
    pub session: String,
    pub command: String,
    pub cwd: String,
    pub started_unix: u64,
    /// When the pane closed (`None`: live, or its server died).
    pub ended_unix: Option<u64>,
    pub exit_status: Option<i32>,
}

/// Write `dir/meta.json` atomically (a temp file, then a rename). Failures are logged: the
/// history itself is unaffected.
pub fn write_meta(dir: &Path, meta: &Meta) {
    let res = (|| -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let tmp = dir.join("meta.tmp");
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&serde_json::to_vec_pretty(meta).map_err(std::io::Error::other)?)?;
        drop(f);
        std::fs::rename(&tmp, dir.join("meta.json"))
    })();
    if let Err(e) = res {
        tracing::warn!(dir = %dir.display(), error = %e, "could not write history metadata");
    }
}

/// Read `dir/meta.json` (default values for a history without one).
pub fn read_meta(dir: &Path) -> Meta {
    use std::io::Read;
    let mut text = String::new();
    let ok = std::fs::File::open(dir.join("meta.json"))
        .and_then(|f| f.take(META_MAX_BYTES).read_to_string(&mut text))
        .is_ok();
    if !ok {
        return Meta::default();
    }
    serde_json::from_str(&text).unwrap_or_default()
}

/// Every history directory of this server, live or not: `panes/*` and the old `runs/*/*`.
pub fn all_dirs(state_dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let list = |d: PathBuf, out: &mut Vec<PathBuf>| {
        if let Ok(rd) = std::fs::read_dir(d) {
            for e in rd.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    out.push(e.path());
                }
            }
        }
    };
    list(panes_dir(state_dir), &mut out);
    if let Ok(rd) = std::fs::read_dir(state_dir.join("runs")) {
        for run in rd.flatten() {
            list(run.path(), &mut out);
        }
    }
    out.sort();
    out
}

/// The id a history is named by: its directory's name (`runs/<run>/pane-N` for old ones).
pub fn id_of(state_dir: &Path, dir: &Path) -> String {
    dir.strip_prefix(panes_dir(state_dir))
        .or_else(|_| dir.strip_prefix(state_dir))
        .unwrap_or(dir)
        .display()
        .to_string()
}

/// The directory of history `id`, if it is one of this server's (no `..`, no absolute path).
pub fn dir_of(state_dir: &Path, id: &str) -> Option<PathBuf> {
    if id.is_empty() || id.contains("..") || id.starts_with('/') {
        return None;
    }
    [panes_dir(state_dir).join(id), state_dir.join(id)]
        .into_iter()
        .find(|d| {
            d.join(spool_store::checkpoint::TAIL_FILE).exists() || d.join("history.seg").exists()
        })
}

/// Bytes a directory's files take on disk.
pub fn disk_bytes(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.blocks() * 512)
                .sum()
        })
        .unwrap_or(0)
}

/// When a history stopped being written: its end time, else its files' modification time.
pub fn ended_or_touched(dir: &Path, meta: &Meta) -> u64 {
    meta.ended_unix.unwrap_or_else(|| {
        std::fs::metadata(dir.join("history.seg"))
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs())
    })
}

/// Delete histories not in `live` that ended more than `keep_secs` ago, then, oldest first,
/// more of them while all histories together exceed `total_limit` (0: no limit). Returns how
/// many were deleted.
pub fn prune(
    state_dir: &Path,
    live: &[PathBuf],
    keep_secs: u64,
    total_limit: u64,
    live_bytes: u64,
) -> usize {
    let now = crate::server::now_unix();
    let mut closed: Vec<(u64, PathBuf, u64)> = all_dirs(state_dir)
        .into_iter()
        .filter(|d| !live.contains(d))
        .map(|d| {
            let meta = read_meta(&d);
            let ended = ended_or_touched(&d, &meta);
            let bytes = disk_bytes(&d);
            (ended, d, bytes)
        })
        .collect();
    closed.sort();
    let mut total: u64 = live_bytes + closed.iter().map(|c| c.2).sum::<u64>();
    let mut deleted = 0;
    for (ended, dir, bytes) in closed {
        let old = now.saturating_sub(ended) > keep_secs;
        let over = total_limit > 0 && total > total_limit;
        if !old && !over {
            continue;
        }
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {
                tracing::info!(dir = %dir.display(), "deleted a closed pane's history");
                total = total.saturating_sub(bytes);
                deleted += 1;
            }
            Err(e) => tracing::warn!(dir = %dir.display(), error = %e, "could not delete history"),
        }
    }
    // Empty run directories of old servers go too.
    if let Ok(rd) = std::fs::read_dir(state_dir.join("runs")) {
        for run in rd.flatten() {
            let _ = std::fs::remove_dir(run.path());
        }
    }
    deleted
}

/// What a capture or a search reads: a live pane, or a history on disk (a closed pane's, or
/// an earlier server's), opened for the read.
pub enum Source {
    Pane(std::sync::Arc<crate::pane::Pane>),
    Closed {
        id: String,
        store: std::sync::Arc<spool_store::Store>,
    },
}

impl Source {
    pub fn store(&self) -> &std::sync::Arc<spool_store::Store> {
        match self {
            Source::Pane(p) => &p.store,
            Source::Closed { store, .. } => store,
        }
    }

    /// See `Pane::snapshot`; a closed history has no edge and no screen.
    pub fn snapshot(&self, screen: bool) -> crate::pane::Snapshot {
        match self {
            Source::Pane(p) => p.snapshot(screen),
            Source::Closed { store, .. } => crate::pane::Snapshot {
                hist_end: store.next_row(),
                edge: Vec::new(),
                screen: Vec::new(),
            },
        }
    }

    /// A live pane closed during the read (its reader was cut short).
    pub fn is_closed(&self) -> bool {
        matches!(self, Source::Pane(p) if p.is_closed())
    }

    pub fn name(&self) -> String {
        match self {
            Source::Pane(p) => p.name(),
            Source::Closed { id, .. } => id.clone(),
        }
    }
}

impl crate::server::Server {
    /// The source of a capture or search: history `id` if given, else the pane `-t` names.
    pub fn source(
        &self,
        target: Option<&str>,
        here: Option<u32>,
        history: Option<&str>,
    ) -> Result<Source, String> {
        let Some(id) = history else {
            return self.resolve_pane(target, here).map(Source::Pane);
        };
        let dir = dir_of(&self.config.state_dir, id)
            .ok_or_else(|| format!("no history {id} (see spool history ls)"))?;
        self.source_at(&dir)
    }

    /// The history in `dir`: the live pane writing it, or the store opened for reading.
    pub fn source_at(&self, dir: &Path) -> Result<Source, String> {
        let live = self
            .state()
            .panes
            .values()
            .find(|p| p.history_dir == dir)
            .cloned();
        match live {
            Some(p) => Ok(Source::Pane(p)),
            None => {
                // One store per directory: a closing pane's, or another reader's, is shared.
                // (Opened under the registry's lock, so two readers never both open it.)
                let store = match self.shared_history(dir) {
                    Some(s) => s,
                    None => {
                        let _one_at_a_time =
                            self.history_open.lock().unwrap_or_else(|p| p.into_inner());
                        match self.shared_history(dir) {
                            Some(s) => s,
                            None => {
                                let s = std::sync::Arc::new(
                                    spool_store::Store::open(&self.env, dir)
                                        .map_err(|e| format!("history {}: {e}", dir.display()))?,
                                );
                                self.share_history(dir, &s);
                                s
                            }
                        }
                    }
                };
                Ok(Source::Closed {
                    id: id_of(&self.config.state_dir, dir),
                    store,
                })
            }
        }
    }

    /// Every history on disk with what is known of it, live ones first.
    pub fn history_list(&self) -> Vec<spool_proto::HistoryInfo> {
        let sd = &self.config.state_dir;
        let live: Vec<(std::sync::Arc<crate::pane::Pane>, String)> = {
            let st = self.state();
            st.panes
                .values()
                .map(|p| {
                    let session = crate::server::Server::session_index_of(&st, p.id)
                        .map(|si| st.sessions[si].name.clone())
                        .unwrap_or_default();
                    (p.clone(), session)
                })
                .collect()
        };
        let mut out = Vec::new();
        for (p, session) in &live {
            let st = p.store.stats();
            out.push(spool_proto::HistoryInfo {
                id: id_of(sd, &p.history_dir),
                pane: p.id,
                session: session.clone(),
                command: p.command.clone(),
                cwd: p.cwd().unwrap_or_default(),
                started_unix: p.started_unix,
                ended_unix: None,
                rows: st.rows,
                disk_bytes: disk_bytes(&p.history_dir),
                live: true,
            });
        }
        for dir in all_dirs(sd) {
            if live.iter().any(|(p, _)| p.history_dir == dir) {
                continue;
            }
            let meta = read_meta(&dir);
            out.push(spool_proto::HistoryInfo {
                id: id_of(sd, &dir),
                pane: meta.pane,
                session: meta.session.clone(),
                command: meta.command.clone(),
                cwd: meta.cwd.clone(),
                started_unix: meta.started_unix,
                ended_unix: Some(ended_or_touched(&dir, &meta)),
                rows: 0,
                disk_bytes: disk_bytes(&dir),
                live: false,
            });
        }
        out
    }

    /// Delete closed histories: those named, and those ended more than `older_than` seconds
    /// ago. A live pane's history is never deleted. Returns the ids deleted.
    pub fn history_rm(
        &self,
        ids: &[String],
        older_than: Option<u64>,
    ) -> Result<Vec<String>, String> {
        let sd = &self.config.state_dir;
        let live: Vec<PathBuf> = self
            .state()
            .panes
            .values()
            .map(|p| p.history_dir.clone())
            .collect();
        let mut victims = Vec::new();
        for id in ids {
            let dir = dir_of(sd, id).ok_or_else(|| format!("no history {id}"))?;
            if live.contains(&dir) {
                return Err(format!(
                    "history {id} is a live pane's (kill the pane first)"
                ));
            }
            victims.push(dir);
        }
        if let Some(secs) = older_than {
            let now = crate::server::now_unix();
            for dir in all_dirs(sd) {
                if !live.contains(&dir)
                    && now.saturating_sub(ended_or_touched(&dir, &read_meta(&dir))) > secs
                {
                    victims.push(dir);
                }
            }
        }
        let mut gone = Vec::new();
        for dir in victims {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            gone.push(id_of(sd, &dir));
        }
        Ok(gone)
    }
}
