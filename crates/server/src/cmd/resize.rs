//! `spool resize` (tmux's `resize-pane`): a pane alone in its tab resizes its session; a pane
//! in a split moves the border of the innermost split along that axis that holds it (for a
//! pane stacked in a column: the column's). Sizes may be relative (`-x +10`), or a border
//! moved in a direction (`-L 5`); `-Z` toggles zoom.

use std::sync::Arc;

use spool_proto::Amount;

use super::{arrange, done, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    cols: Option<Amount>,
    rows: Option<Amount>,
    border: Option<(u8, u16)>,
    zoom: bool,
) -> CmdResult {
    if cols.is_none() && rows.is_none() && border.is_none() && !zoom {
        return Err("nothing to do: give -x COLS, -y ROWS, -L/-R/-U/-D or -Z".into());
    }
    let here = conn.here;
    arrange(server, |st| {
        let p = crate::target::place(st, target.as_deref(), here)?.tile(st)?;
        let s = &mut st.sessions[p.session];
        let area = s.area();
        let (session_cols, session_rows) = (s.cols, s.rows);
        let tab = &mut s.tabs[p.tab];
        if zoom {
            tab.focus(p.pane);
            tab.zoomed = !tab.zoomed && tab.root.panes().len() > 1;
        }
        let alone = tab.root.panes().len() == 1;
        let mut session_size = (session_cols, session_rows);
        for (amount, horizontal) in [(cols, true), (rows, false)] {
            let Some(amount) = amount else { continue };
            if alone {
                let now = if horizontal {
                    &mut session_size.0
                } else {
                    &mut session_size.1
                };
                let want = apply(*now, amount);
                crate::size::check(want, horizontal)?;
                *now = want;
            } else {
                let now = tab
                    .root
                    .span(p.pane, horizontal, area)
                    .map_or(0, |(n, _)| n);
                if now > 0 {
                    tab.root
                        .resize_pane(p.pane, horizontal, apply(now, amount).max(1), area);
                }
            }
        }
        if let Some((dir, n)) = border {
            let horizontal = matches!(dir, 0 | 3);
            if let Some((now, first)) = tab.root.span(p.pane, horizontal, area) {
                // The pane's border is after it when it is the first child: moving it right
                // (or down) grows the pane; before it when second: moving it left grows it.
                let towards_end = matches!(dir, 1 | 3);
                let by = if towards_end == first {
                    n as i32
                } else {
                    -(n as i32)
                };
                tab.root
                    .resize_pane(p.pane, horizontal, apply(now, Amount::By(by)).max(1), area);
            }
        }
        if cols.is_some() || rows.is_some() || border.is_some() {
            tab.layout = None;
        }
        (s.cols, s.rows) = session_size;
        Ok(vec![p.session])
    })?;
    done(conn).await
}

fn apply(now: u16, amount: Amount) -> u16 {
    match amount {
        Amount::Set(n) => n,
        Amount::By(d) => (now as i32 + d).clamp(1, u16::MAX as i32) as u16,
    }
}
