//! tmux's formats, for `display-message` and `panes -F`: `#{name}` is a variable of a pane,
//! `#{?cond,then,else}` a choice, `#{==:a,b}` / `#{!=:a,b}` comparisons, `#{=N:name}` (or
//! `=-N`) the first (last) N characters, `##` a `#`, and tmux's short forms `#S #I #P #W #T #D
//! #H #h #F`. An unknown variable is empty, as in tmux.
//!
//! Variables are read once per expansion ([`Vars::of`]), so a format is consistent and costs
//! one state lock and one terminal lock, never one per variable.

use std::sync::Arc;

use crate::pane::Pane;
use crate::server::Server;

/// Longest expansion, in bytes: a format is at most a request (1 MiB) but `#{pane_title}`
/// repeated could multiply it; the output is for one status message or listing line.
pub const FORMAT_OUT_MAX: usize = 64 * 1024;

/// Deepest nesting of `#{…}` followed: formats are written by hand, and the bound keeps a
/// hostile one from exhausting the stack.
const DEPTH_MAX: usize = 16;

/// The variables of one pane, by tmux name.
pub struct Vars(Vec<(&'static str, String)>);

impl Vars {
    /// Read every variable of `pane` (lock order: the state lock is released before the
    /// pane's terminal lock is taken).
    pub fn of(server: &Server, pane: &Arc<Pane>) -> Vars {
        let mut v: Vec<(&'static str, String)> = Vec::with_capacity(48);
        {
            let st = server.state();
            if let Some(si) = Server::session_index_of(&st, pane.id) {
                let s = &st.sessions[si];
                let attached = st.clients.values().filter(|c| c.session == s.id).count();
                v.push(("session_name", s.name.clone()));
                v.push(("session_id", format!("${}", s.id)));
                v.push(("session_windows", s.tabs.len().to_string()));
                v.push(("session_attached", attached.to_string()));
                v.push(("session_width", s.cols.to_string()));
                v.push(("session_height", s.rows.to_string()));
                if let Some((ti, t)) = s.tabs.iter().enumerate().find(|(_, t)| t.contains(pane.id))
                {
                    let ids = t.all_panes();
                    let index = ids.iter().position(|&id| id == pane.id).unwrap_or(0);
                    v.push(("window_index", ti.to_string()));
                    v.push(("window_panes", ids.len().to_string()));
                    v.push(("window_active", flag(ti == s.active_tab)));
                    v.push(("window_zoomed_flag", flag(t.zoomed)));
                    v.push(("pane_index", index.to_string()));
                    v.push(("pane_active", flag(t.focused() == pane.id)));
                    v.push(("pane_synchronized", flag(t.synchronized)));
                    v.push(("window_name", t.name.clone()));
                }
            }
        }
        if let Some(i) = v
            .iter()
            .position(|(k, n)| *k == "window_name" && n.is_empty())
        {
            v[i].1 = pane.automatic_name();
        }
        let (cols, rows) = pane.size();
        let (title, cursor, alt, edge) = {
            let t = pane.term();
            let c = t.cursor();
            (
                t.title().to_string(),
                (c.x, c.y),
                t.alt_screen(),
                t.edge_len() as u64,
            )
        };
        let hs = pane.store.stats();
        let exit = pane.exit();
        v.push(("pane_id", pane.name()));
        v.push(("pane_pid", pane.pid.to_string()));
        v.push(("pane_width", cols.to_string()));
        v.push(("pane_height", rows.to_string()));
        v.push(("pane_title", title));
        v.push(("pane_current_command", pane.current_command()));
        v.push(("pane_current_path", pane.cwd().unwrap_or_default()));
        v.push(("pane_start_command", pane.command.clone()));
        v.push(("pane_dead", flag(exit.is_some())));
        v.push((
            "pane_dead_status",
            exit.map(|e| e.status.to_string()).unwrap_or_default(),
        ));
        v.push(("cursor_x", cursor.0.to_string()));
        v.push(("cursor_y", cursor.1.to_string()));
        v.push(("alternate_on", flag(alt)));
        let pipe = pane.pipe();
        v.push((
            "pane_pipe",
            flag(pipe.as_ref().is_some_and(|p| p.is_open())),
        ));
        v.push((
            "pipe_lost_bytes",
            pipe.map_or(0, |p| p.lost_bytes()).to_string(),
        ));
        v.push(("history_size", (hs.rows + edge).to_string()));
        // Shell integration: the newest finished command (its status empty if unknown).
        let (last_cmd, last_status) = {
            let log = pane.commands.lock().unwrap_or_else(|p| p.into_inner());
            let last = log.entries().rev().find(|c| !c.running());
            last.map(|c| {
                (
                    c.text.clone(),
                    c.status.map_or(String::new(), |s| s.to_string()),
                )
            })
            .unwrap_or_default()
        };
        v.push(("pane_last_command", last_cmd));
        v.push(("pane_last_exit_status", last_status));
        v.push(("history_bytes", hs.disk_bytes.to_string()));
        v.push(("history_lost", hs.lost_rows.to_string()));
        let host = hostname();
        v.push((
            "host_short",
            host.split('.').next().unwrap_or("").to_string(),
        ));
        v.push(("host", host));
        v.push(("pid", std::process::id().to_string()));
        v.push(("version", env!("CARGO_PKG_VERSION").to_string()));
        Vars(v)
    }

    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.to_string()
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// tmux's one-letter forms.
fn short(c: char) -> Option<&'static str> {
    Some(match c {
        'S' => "session_name",
        'I' => "window_index",
        'P' => "pane_index",
        'W' => "window_name",
        'T' => "pane_title",
        'D' => "pane_id",
        'H' => "host",
        'h' => "host_short",
        _ => return None,
    })
}

/// Expand `format` with `vars`; at most [`FORMAT_OUT_MAX`] bytes come out.
pub fn expand(format: &str, vars: &Vars) -> String {
    expand_as(format, vars, false)
}

/// Expand `format` for a status line, whose `{placeholders}` the client expands after:
/// `{` and `}` in the values that come out are doubled, so a title cannot become a
/// placeholder. Values are doubled as they are written out, after any `#{=N:…}` cut or
/// `#{==:…}` comparison, which see them as they are.
pub fn expand_for_status(format: &str, vars: &Vars) -> String {
    expand_as(format, vars, true)
}

fn expand_as(format: &str, vars: &Vars, escape: bool) -> String {
    let mut out = String::new();
    expand_into(format, vars, 0, escape, &mut out);
    if out.len() > FORMAT_OUT_MAX {
        out = if escape {
            spool_proto::ui::cut_placeholders(&out, FORMAT_OUT_MAX)
        } else {
            spool_proto::text::truncate(&out, FORMAT_OUT_MAX)
        }
        .to_string();
    }
    out
}

/// Write a variable's `value` out (doubling braces when `escape`).
fn put(out: &mut String, value: &str, escape: bool) {
    if escape && value.contains(['{', '}']) {
        out.push_str(&value.replace('{', "{{").replace('}', "}}"));
    } else {
        out.push_str(value);
    }
}

fn expand_into(format: &str, vars: &Vars, depth: usize, escape: bool, out: &mut String) {
    let mut rest = format;
    while let Some(i) = rest.find('#') {
        if out.len() > FORMAT_OUT_MAX {
            return;
        }
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let mut chars = after.chars();
        match chars.next() {
            Some('#') => {
                out.push('#');
                rest = &after[1..];
            }
            Some('{') => match closing(&after[1..]) {
                Some(end) => {
                    let inner = &after[1..1 + end];
                    if depth < DEPTH_MAX {
                        item(inner, vars, depth + 1, escape, out);
                    }
                    rest = &after[1 + end + 1..];
                }
                None => {
                    // Unclosed: shown as written.
                    out.push_str(&rest[i..]);
                    return;
                }
            },
            Some('F') => {
                // Window flags: `*` on the active tab, `Z` when zoomed.
                if vars.get("window_active") == "1" {
                    out.push('*');
                }
                if vars.get("window_zoomed_flag") == "1" {
                    out.push('Z');
                }
                rest = &after[1..];
            }
            Some(c) if short(c).is_some() => {
                put(out, vars.get(short(c).unwrap_or("")), escape);
                rest = &after[c.len_utf8()..];
            }
            _ => {
                out.push('#');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// Where the `}` closing a `#{` is, counting nested `#{…}` (and bare `{…}`).
fn closing(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Split at commas outside any nested `{…}`.
fn top_level_commas(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// One `#{…}` body, written out (values escaped when `escape`; what is compared or cut is
/// expanded without).
fn item(inner: &str, vars: &Vars, depth: usize, escape: bool, out: &mut String) {
    let sub = |s: &str, escape: bool| {
        let mut o = String::new();
        expand_into(s, vars, depth, escape, &mut o);
        o
    };
    // A variable name, or a format of its own (`#{?#{pane_active},…}`), as it is.
    let value = |s: &str| {
        if s.contains('#') {
            sub(s, false)
        } else {
            vars.get(s).to_string()
        }
    };
    if let Some(choice) = inner.strip_prefix('?') {
        let parts = top_level_commas(choice);
        let cond = value(parts[0]);
        let yes = !cond.is_empty() && cond != "0";
        let pick = if yes { parts.get(1) } else { parts.get(2) };
        out.push_str(&sub(pick.copied().unwrap_or(""), escape));
        return;
    }
    for (op, want) in [("==:", true), ("!=:", false)] {
        if let Some(args) = inner.strip_prefix(op) {
            let parts = top_level_commas(args);
            let a = sub(parts[0], false);
            let b = sub(parts.get(1).copied().unwrap_or(""), false);
            out.push_str(if (a == b) == want { "1" } else { "0" });
            return;
        }
    }
    if let Some(spec) = inner.strip_prefix('=') {
        if let Some((n, name)) = spec.split_once(':') {
            if let Ok(n) = n.parse::<i64>() {
                let v = value(name);
                let count = v.chars().count();
                let keep = n.unsigned_abs() as usize;
                let s: String = if n >= 0 {
                    v.chars().take(keep).collect()
                } else {
                    v.chars().skip(count.saturating_sub(keep)).collect()
                };
                put(out, &s, escape);
                return;
            }
        }
    }
    put(out, &value(inner), escape);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        Vars(vec![
            ("session_name", "work".into()),
            ("window_index", "2".into()),
            ("pane_id", "%7".into()),
            ("pane_active", "1".into()),
            ("window_active", "1".into()),
            ("window_zoomed_flag", "0".into()),
            ("pane_current_command", "vim".into()),
        ])
    }

    #[test]
    fn variables_short_forms_and_hashes_expand_as_tmux_does() {
        let v = vars();
        assert_eq!(expand("#{session_name}:#I.#D ##x #F", &v), "work:2.%7 #x *");
        assert_eq!(expand("#{nope}|#Q|#", &v), "|#Q|#");
        assert_eq!(expand("open #{session_name", &v), "open #{session_name");
    }

    #[test]
    fn choices_comparisons_and_lengths_nest() {
        let v = vars();
        assert_eq!(expand("#{?pane_active,on,off}", &v), "on");
        assert_eq!(expand("#{?window_zoomed_flag,Z,}", &v), "");
        assert_eq!(
            expand(
                "#{?#{==:#{pane_current_command},vim},edit #{pane_id},shell}",
                &v
            ),
            "edit %7"
        );
        assert_eq!(expand("#{!=:a,b}#{==:a,b}", &v), "10");
        assert_eq!(
            expand("#{=2:session_name}|#{=-2:session_name}", &v),
            "wo|rk"
        );
    }

    #[test]
    fn status_values_have_their_braces_doubled_after_cuts_and_comparisons() {
        let mut v = vars();
        v.0.push(("pane_title", "{x}y".into()));
        // Cut as the title is (3 characters), then doubled: no brace is split.
        assert_eq!(expand_for_status("#{=3:pane_title}", &v), "{{x}}");
        assert_eq!(expand_for_status("#{=-2:pane_title}", &v), "}}y");
        // Compared as it is.
        assert_eq!(expand_for_status("#{==:#{pane_title},{x}y}", &v), "1");
        assert_eq!(
            expand_for_status("#{?pane_active,#{pane_title},-} {time}", &v),
            "{{x}}y {time}"
        );
        assert_eq!(expand("#{=3:pane_title}", &v), "{x}");
        // A long status is cut between whole doubled braces.
        let wide = "#{pane_title}".repeat(FORMAT_OUT_MAX / 4);
        let out = expand_for_status(&wide, &v);
        assert!(out.len() <= FORMAT_OUT_MAX);
        assert!(spool_proto::ui::expand_with(&out, &[], |_| String::new(), false).is_ok());
    }

    #[test]
    fn a_hostile_format_is_bounded_in_depth_and_output() {
        let v = vars();
        let deep = "#{?".repeat(10_000) + &"}".repeat(10_000);
        let _ = expand(&deep, &v);
        let wide = "#{session_name}".repeat(100_000);
        assert!(expand(&wide, &v).len() <= FORMAT_OUT_MAX);
    }
}
