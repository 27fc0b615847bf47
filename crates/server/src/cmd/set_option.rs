//! `spool set-option [-g] [-u] [-t TARGET] NAME [VALUE]` (tmux's `set`): options at runtime,
//! written nowhere (the config file stays as it is; `spool reload` keeps them on top of it).
//!
//! The option's name says where it lives, as in tmux 3: global options are the config file's
//! settings (`status-left`, `monitor-bell`, `prefix`, …, see `config::OPTIONS`); session
//! options (`remain-on-exit`) and tab options (`synchronize-panes`, `monitor-activity`,
//! `monitor-silence`, `automatic-rename`) belong to the target's session or tab. A flag
//! without a value toggles; `-u` gives back the default.

use std::sync::Arc;

use spool_proto::Response;

use super::{arrange, done, io, CmdResult};
use crate::config;
use crate::conn::Conn;
use crate::server::Server;

/// Options of a tab (tmux's window options).
pub const TAB_OPTIONS: &[&str] = &[
    "synchronize-panes",
    "monitor-activity",
    "monitor-silence",
    "automatic-rename",
];

/// Options of a session.
pub const SESSION_OPTIONS: &[&str] = &["remain-on-exit"];

/// Longest `monitor-silence`: a day (a longer silence is no alert).
const SILENCE_MAX_SECS: u32 = 86_400;

/// A flag's new value: `on`/`off` (and their synonyms), or the other one when none is given.
pub fn flag(name: &str, value: Option<&str>, current: bool) -> Result<bool, String> {
    match value {
        None => Ok(!current),
        Some("on" | "true" | "1" | "yes") => Ok(true),
        Some("off" | "false" | "0" | "no") => Ok(false),
        Some(v) => Err(format!("{name}: {v:?} is not on or off")),
    }
}

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    global: bool,
    name: String,
    value: Option<String>,
    unset: bool,
) -> CmdResult {
    let n = name.replace('_', "-");
    let value = if unset { None } else { value };
    if let Some(&opt) = TAB_OPTIONS.iter().find(|o| **o == n) {
        if global {
            return Err(format!(
                "{opt}: a tab option; set it for a tab (-t), there is no global value"
            ));
        }
        // Read outside the state lock (it takes the pane's terminal lock).
        let pane = server.resolve_pane(target.as_deref(), conn.here)?;
        let automatic = (opt == "automatic-rename").then(|| pane.automatic_name());
        let here = conn.here;
        arrange(server, |st| {
            let p = crate::target::place(st, target.as_deref(), here)?;
            let tab = &mut st.sessions[p.session].tabs[p.tab];
            let v = value.as_deref();
            match opt {
                "synchronize-panes" => tab.synchronized = !unset && flag(opt, v, tab.synchronized)?,
                "monitor-activity" => {
                    tab.monitor_activity = unset || flag(opt, v, tab.monitor_activity)?
                }
                "monitor-silence" => {
                    let secs: u32 = match v {
                        None if unset => 0,
                        None => return Err(format!("{opt}: give a number of seconds")),
                        Some(s) => s
                            .parse()
                            .map_err(|_| format!("{opt}: {s:?} is not a number of seconds"))?,
                    };
                    if secs > SILENCE_MAX_SECS {
                        return Err(format!("{opt}: at most {SILENCE_MAX_SECS} seconds"));
                    }
                    tab.monitor_silence = secs;
                }
                _ => {
                    // Automatic naming is a tab without a name of its own (as `rename-tab`
                    // ends it in tmux): off keeps the name it has now.
                    let on = unset || flag(opt, v, tab.name.is_empty())?;
                    if on {
                        tab.name.clear();
                    } else if tab.name.is_empty() {
                        tab.name = automatic.clone().unwrap_or_default();
                    }
                }
            }
            Ok(Vec::new())
        })?;
        return done(conn).await;
    }
    if let Some(&opt) = SESSION_OPTIONS.iter().find(|o| **o == n) {
        if global {
            return Err(format!(
                "{opt}: a session option; set it for a session (-t), there is no global value"
            ));
        }
        let here = conn.here;
        arrange(server, |st| {
            let p = crate::target::place(st, target.as_deref(), here)?;
            let s = &mut st.sessions[p.session];
            s.remain_on_exit = !unset && flag(opt, value.as_deref(), s.remain_on_exit)?;
            Ok(Vec::new())
        })?;
        return done(conn).await;
    }
    let opt = config::option_name(&name)?;
    let current = server.settings();
    // Held from the read to the write, so two `set -g` at once both count.
    let config = {
        let mut held = server.options.lock().unwrap_or_else(|p| p.into_inner());
        let mut options = held.clone();
        if unset {
            options.remove(opt);
        } else {
            let v = config::option_value(opt, value.as_deref(), &current)?;
            options.insert(opt, v);
        }
        let config = config::load_with(&options)?;
        *held = options;
        config
    };
    let note = server.apply_settings(config);
    conn.send(&Response::Reloaded { note }).await.map_err(io)
}
