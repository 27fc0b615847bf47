//! `spool show-options [-g | -w] [-v] [-t TARGET] [NAME]` (tmux's `show`): options and their
//! values, one `name value` per line (`-v`: the value alone). `-g`: the global options (the
//! config file's settings, with any `set-option -g` on top); `-w`: the target's tab options;
//! neither: its session options. A NAME picks one, whatever its scope.

use std::sync::Arc;

use spool_proto::Response;

use super::set_option::{SESSION_OPTIONS, TAB_OPTIONS};
use super::{io, CmdResult};
use crate::config;
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    global: bool,
    tab: bool,
    name: Option<String>,
    value_only: bool,
) -> CmdResult {
    let onoff = |b: bool| if b { "on" } else { "off" }.to_string();
    let wanted = name.as_ref().map(|n| n.replace('_', "-"));
    let scope_of = |n: &str| {
        if TAB_OPTIONS.contains(&n) {
            1
        } else if SESSION_OPTIONS.contains(&n) {
            2
        } else {
            0
        }
    };
    let scope = match &wanted {
        Some(n) => scope_of(n),
        None if global => 0,
        None if tab => 1,
        None => 2,
    };
    let mut lines: Vec<(String, String)> = Vec::new();
    if scope == 0 {
        for (n, v) in config::show(&server.settings()) {
            lines.push((n.to_string(), v));
        }
    } else {
        let st = server.state();
        let p = crate::target::place(&st, target.as_deref(), conn.here)?;
        let s = &st.sessions[p.session];
        if scope == 1 {
            let t = &s.tabs[p.tab];
            lines.push(("synchronize-panes".into(), onoff(t.synchronized)));
            lines.push(("monitor-activity".into(), onoff(t.monitor_activity)));
            lines.push(("monitor-silence".into(), t.monitor_silence.to_string()));
            lines.push(("automatic-rename".into(), onoff(t.name.is_empty())));
        } else {
            lines.push(("remain-on-exit".into(), onoff(s.remain_on_exit)));
        }
    }
    if let Some(n) = &wanted {
        lines.retain(|(k, _)| k == n);
        if lines.is_empty() {
            return Err(format!("invalid option: {}", name.unwrap_or_default()));
        }
    }
    let mut text = String::new();
    for (k, v) in lines {
        let line = if value_only { v } else { format!("{k} {v}") };
        text.push_str(&spool_proto::text::sanitize(&line));
        text.push('\n');
    }
    conn.send(&Response::Text(text.into_bytes()))
        .await
        .map_err(io)?;
    conn.send(&Response::End).await.map_err(io)
}
