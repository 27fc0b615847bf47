//! `-t` targets, as tmux's: which pane a command means.
//!
//! - `%N`: pane N.
//! - `SESSION`: that session's active pane; `SESSION:TAB`: its tab's active pane (TAB is an
//!   index from 0 or a tab's name); `SESSION:TAB.PANE`: pane PANE of that tab (from 0, in
//!   layout order, as tmux's pane index); `SESSION:.PANE`: in the active tab.
//! - The session may be left out (`:TAB`, `:TAB.PANE`): the session of the pane the command
//!   runs in, else the most recent one.
//! - No target: the pane the command runs in (the connection's `here`, from `$SPOOL`), as
//!   `$TMUX_PANE` is tmux's; else the most recent session's active pane.

use crate::server::State;
use crate::session::Session;

/// The pane id `target` names, given the pane the command runs in.
pub fn resolve(st: &State, target: Option<&str>, here: Option<u32>) -> Result<u32, String> {
    let here = here.filter(|id| st.panes.contains_key(id));
    let Some(t) = target else {
        if let Some(id) = here {
            return Ok(id);
        }
        return recent(st)?
            .active_pane()
            .ok_or_else(|| "session has no panes".into());
    };
    if let Some(n) = t.strip_prefix('%') {
        return n.parse::<u32>().map_err(|_| format!("bad pane id: {t}"));
    }
    let (session, rest) = match t.split_once(':') {
        Some((s, rest)) => (s, Some(rest)),
        None => (t, None),
    };
    let s = if session.is_empty() {
        match here.and_then(|id| st.sessions.iter().find(|s| s.tab_of(id).is_some())) {
            Some(s) => s,
            None => recent(st)?,
        }
    } else {
        st.sessions
            .iter()
            .find(|s| s.name == session)
            .ok_or_else(|| format!("can't find session: {session}"))?
    };
    let Some(rest) = rest.filter(|r| !r.is_empty()) else {
        return s.active_pane().ok_or_else(|| "session has no panes".into());
    };
    let (tab, pane) = match rest.split_once('.') {
        Some((t, p)) => (t, Some(p)),
        None => (rest, None),
    };
    let ti = if tab.is_empty() {
        s.active_tab
    } else {
        match tab.parse::<usize>() {
            Ok(i) if i < s.tabs.len() => i,
            _ => s
                .tabs
                .iter()
                .position(|x| x.name == tab)
                .ok_or_else(|| format!("can't find tab: {t}"))?,
        }
    };
    let tab = s
        .tabs
        .get(ti)
        .ok_or_else(|| format!("can't find tab: {t}"))?;
    match pane {
        None | Some("") => Ok(tab.active),
        Some(p) => {
            let i: usize = p.parse().map_err(|_| format!("bad pane index: {t}"))?;
            tab.root
                .panes()
                .get(i)
                .copied()
                .ok_or_else(|| format!("can't find pane: {t}"))
        }
    }
}

fn recent(st: &State) -> Result<&Session, String> {
    let sid = st.recent_sessions.first().ok_or("no sessions")?;
    st.sessions
        .iter()
        .find(|s| s.id == *sid)
        .ok_or_else(|| "no sessions".into())
}
