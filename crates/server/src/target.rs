//! `-t` targets, as tmux's: which pane (or tab) a command means.
//!
//! - `%N`: pane N.
//! - `SESSION`: that session's active pane; `SESSION:TAB`: its tab's active pane (TAB is an
//!   index from 0 or a tab's name); `SESSION:TAB.PANE`: pane PANE of that tab (from 0, in
//!   layout order, as tmux's pane index); `SESSION:.PANE`: in the active tab.
//! - The session may be left out (`:TAB`, `:TAB.PANE`): the session of the pane the command
//!   runs in, else the most recent one.
//! - As tmux's tokens, TAB may be `!` (the last tab), `+`/`-` (the next/previous, `+2` two on),
//!   `^` (the first) or `$` (the last one); PANE may be `!` (the tab's last pane) or `+`/`-`
//!   (the next/previous in layout order, from the active one). The long forms `{last}`,
//!   `{next}`, `{previous}`, `{start}`, `{end}` mean the same.
//! - No target: the pane the command runs in (the connection's `here`, from `$SPOOL`), as
//!   `$TMUX_PANE` is tmux's; else the most recent session's active pane.
//! - Commands about tabs ([`resolve_tab`]) also take a bare TAB (`select-tab -t 2`), as
//!   tmux's window targets do: a tab of the current session if one matches, else a session.

use crate::server::State;
use crate::session::Session;

/// Where a target is: the session (by index), the tab in it, and the pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub session: usize,
    pub tab: usize,
    pub pane: u32,
}

impl Place {
    /// This pane is a tile of its tab's layout, not its popup: what layout commands (split,
    /// swap, break, join, resize) need.
    pub fn tile(self, st: &State) -> Result<Place, String> {
        if st.sessions[self.session].tabs[self.tab]
            .root
            .contains(self.pane)
        {
            Ok(self)
        } else {
            Err(format!(
                "%{} is a popup, not in the layout (display-popup -C closes it)",
                self.pane
            ))
        }
    }
}

/// The pane id `target` names, given the pane the command runs in.
pub fn resolve(st: &State, target: Option<&str>, here: Option<u32>) -> Result<u32, String> {
    if let Some(n) = target.and_then(|t| t.strip_prefix('%')) {
        // A pane by id: it may have left every layout (an exited pane being waited for).
        return n.parse::<u32>().map_err(|_| format!("bad pane id: %{n}"));
    }
    place(st, target, here).map(|p| p.pane)
}

/// The session, tab and pane `target` names.
pub fn place(st: &State, target: Option<&str>, here: Option<u32>) -> Result<Place, String> {
    let here = here.filter(|id| st.panes.contains_key(id));
    let Some(t) = target else {
        if let Some(id) = here {
            if let Some(p) = place_of(st, id) {
                return Ok(p);
            }
        }
        let si = recent(st)?;
        return active_of(st, si, st.sessions[si].active_tab, t_or(target));
    };
    if let Some(n) = t.strip_prefix('%') {
        let id = n.parse::<u32>().map_err(|_| format!("bad pane id: {t}"))?;
        return place_of(st, id).ok_or_else(|| format!("can't find pane: {t}"));
    }
    let (session, rest) = match t.split_once(':') {
        Some((s, rest)) => (s, Some(rest)),
        None => (t, None),
    };
    let si = if session.is_empty() {
        current_session(st, here)?
    } else {
        st.sessions
            .iter()
            .position(|s| s.name == session)
            .ok_or_else(|| format!("can't find session: {session}"))?
    };
    let s = &st.sessions[si];
    let Some(rest) = rest.filter(|r| !r.is_empty()) else {
        return active_of(st, si, s.active_tab, t);
    };
    let (tab, pane) = split_tab_pane(rest);
    let ti = if tab.is_empty() {
        s.active_tab
    } else {
        tab_index(s, tab).ok_or_else(|| format!("can't find tab: {t}"))?
    };
    match pane {
        None | Some("") => active_of(st, si, ti, t),
        Some(p) => {
            let tab = &s.tabs[ti];
            let panes = tab.root.panes();
            let at = panes.iter().position(|id| *id == tab.active).unwrap_or(0);
            let id = match p {
                "!" | "{last}" => tab.last.ok_or_else(|| format!("no last pane: {t}"))?,
                _ => match step(p) {
                    Some(n) => panes[(at as i64 + n).rem_euclid(panes.len() as i64) as usize],
                    None => {
                        let i: usize = p.parse().map_err(|_| format!("bad pane index: {t}"))?;
                        *panes
                            .get(i)
                            .ok_or_else(|| format!("can't find pane: {t}"))?
                    }
                },
            };
            Ok(Place {
                session: si,
                tab: ti,
                pane: id,
            })
        }
    }
}

/// The session and tab `target` names, for commands about tabs: a bare TAB (`2`, `!`, a
/// tab's name) is a tab of the current session when one matches.
pub fn resolve_tab(
    st: &State,
    target: Option<&str>,
    here: Option<u32>,
) -> Result<(usize, usize), String> {
    if let Some(t) = target.filter(|t| !t.contains(':') && !t.starts_with('%')) {
        let here = here.filter(|id| st.panes.contains_key(id));
        if let Ok(si) = current_session(st, here) {
            if let Some(ti) = tab_index(&st.sessions[si], t) {
                return Ok((si, ti));
            }
        }
    }
    let p = place(st, target, here)?;
    Ok((p.session, p.tab))
}

/// `TAB.PANE`: a `.` inside a token (`{next}` has none, `+1` neither) splits them.
fn split_tab_pane(rest: &str) -> (&str, Option<&str>) {
    match rest.rfind('.') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    }
}

/// `+`, `-`, `+N`, `-N`, `{next}`, `{previous}`: a step along an order.
fn step(p: &str) -> Option<i64> {
    match p {
        "+" | "{next}" => Some(1),
        "-" | "{previous}" => Some(-1),
        _ => {
            let (sign, n) = match p.as_bytes().first()? {
                b'+' => (1, &p[1..]),
                b'-' => (-1, &p[1..]),
                _ => return None,
            };
            n.parse::<i64>().ok().map(|n| sign * n)
        }
    }
}

/// Tab `tab` of session `s`: an index, a token, or a name.
fn tab_index(s: &Session, tab: &str) -> Option<usize> {
    let n = s.tabs.len();
    if n == 0 {
        return None;
    }
    match tab {
        "!" | "{last}" => return s.last_tab.filter(|i| *i < n),
        "^" | "{start}" => return Some(0),
        "$" | "{end}" => return Some(n - 1),
        _ => {}
    }
    if let Some(k) = step(tab) {
        return Some((s.active_tab as i64 + k).rem_euclid(n as i64) as usize);
    }
    match tab.parse::<usize>() {
        Ok(i) if i < n => Some(i),
        _ => s.tabs.iter().position(|x| x.name == tab),
    }
}

fn t_or(t: Option<&str>) -> &str {
    t.unwrap_or("")
}

fn active_of(st: &State, si: usize, ti: usize, t: &str) -> Result<Place, String> {
    let tab = st.sessions[si]
        .tabs
        .get(ti)
        .ok_or_else(|| format!("can't find tab: {t}"))?;
    Ok(Place {
        session: si,
        tab: ti,
        pane: tab.active,
    })
}

/// Where pane `id` is in the layouts.
pub fn place_of(st: &State, id: u32) -> Option<Place> {
    st.sessions.iter().enumerate().find_map(|(si, s)| {
        s.tab_of(id).map(|ti| Place {
            session: si,
            tab: ti,
            pane: id,
        })
    })
}

/// The session a command means when it names none: the one it runs in, else the most
/// recent.
fn current_session(st: &State, here: Option<u32>) -> Result<usize, String> {
    match here.and_then(|id| place_of(st, id)) {
        Some(p) => Ok(p.session),
        None => recent(st),
    }
}

fn recent(st: &State) -> Result<usize, String> {
    let sid = st.recent_sessions.first().ok_or("no sessions")?;
    st.sessions
        .iter()
        .position(|s| s.id == *sid)
        .ok_or_else(|| "no sessions".into())
}
