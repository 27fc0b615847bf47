//! One module per subcommand.
pub mod break_pane;
pub mod capture;
pub mod clear_history;
pub mod commands;
pub mod debug;
pub mod delete_buffer;
pub mod display_message;
pub mod display_popup;
pub mod events;
pub mod history;
pub mod join_pane;
pub mod kill;
pub mod kill_tab;
pub mod list_buffers;
pub mod list_keys;
pub mod load_buffer;
pub mod ls;
pub mod new;
pub mod new_tab;
pub mod panes;
pub mod paste_buffer;
pub mod pipe_pane;
pub mod reload;
pub mod rename_session;
pub mod rename_tab;
pub mod resize;
pub mod respawn_pane;
pub mod rotate;
pub mod run;
pub mod save_buffer;
pub mod search;
pub mod select_layout;
pub mod select_pane;
pub mod select_tab;
pub mod send;
pub mod server;
pub mod set_buffer;
pub mod set_option;
pub mod shell_init;
pub mod show_buffer;
pub mod show_options;
pub mod split;
pub mod stats;
pub mod swap_pane;
pub mod upgrade;
pub mod wait;

/// How `-t TARGET` names a pane, in every command's `--help` (tmux's target syntax).
pub const TARGET_HELP: &str = "\
The pane to act on:
  %N                 pane N (as `panes` lists them)
  SESSION            the session's active pane
  SESSION:TAB        the active pane of tab TAB (an index from 0, or the tab's name)
  SESSION:TAB.PANE   pane PANE of that tab (from 0, in layout order)
  :TAB, :TAB.PANE    in this session
TAB may be ! (the last tab), + or - (next, previous), ^ (first), $ (last); PANE may be !
(the tab's last pane) or + or - (the next or previous pane from the active one).
Without -t: the pane this command runs in (inside spool, from $SPOOL), else the most recent
session's active pane.";

/// How `-t TARGET` names a tab, for the commands about tabs.
pub const TAB_TARGET_HELP: &str = "\
The tab to act on:
  TAB                a tab of this session: an index from 0, a name, or a token below
  SESSION            the session's active tab
  SESSION:TAB        tab TAB of the session
  :TAB               tab TAB of this session
  %N                 the tab holding pane N
TAB may be ! (the last tab), + or - (the next or previous; +2 two on), ^ (the first) or $
(the last one). Without -t: the tab this command runs in, else the most recent session's
active tab.";

/// What a command returns: the process exit status.
pub type Exit = anyhow::Result<i32>;

/// Pretty JSON for stdout, with DEL and C1 characters escaped too (see
/// `spool_proto::text::json_safe`): names and titles come from programs in panes.
pub fn json<T: serde::Serialize>(v: &T) -> anyhow::Result<String> {
    Ok(spool_proto::text::json_safe(&serde_json::to_string_pretty(
        v,
    )?))
}

/// A duration as people write it: `500ms`, `2s`, `1.5m`, `12h`, `7d` (a bare number is
/// seconds), in milliseconds.
pub fn duration_ms(s: &str) -> anyhow::Result<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let mul = match unit {
        "ms" => 1.0,
        "" | "s" => 1e3,
        "m" => 60e3,
        "h" => 3600e3,
        "d" => 86_400e3,
        _ => anyhow::bail!("not a duration: {s:?} (e.g. 500ms, 2s, 7d)"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| anyhow::anyhow!("not a duration: {s:?} (e.g. 500ms, 2s, 7d)"))?;
    anyhow::ensure!(n.is_finite() && n >= 0.0, "not a duration: {s:?}");
    Ok((n * mul).min(u64::MAX as f64) as u64)
}

/// Untrusted text (names, titles, paths) made safe for a terminal.
pub fn safe(s: &str) -> std::borrow::Cow<'_, str> {
    spool_proto::text::sanitized(s)
}

/// How new panes start: the options `new`, `new-tab` and `split` share.
#[derive(clap::Args, Debug)]
pub struct SpawnArgs {
    /// Working directory of the new pane (default: the current directory).
    #[arg(short = 'c', value_name = "DIR")]
    cwd: Option<String>,
    /// Print the new pane's id (like tmux -P).
    #[arg(short = 'P')]
    print: bool,
    /// Keep panes after their process exits, showing its status (tmux remain-on-exit).
    #[arg(short = 'R', long = "remain-on-exit")]
    remain: bool,
    /// Set an environment variable in the new pane (repeatable). A pane's environment is the
    /// server's, then the session's update_environment values (from the client that created
    /// or last attached to it), then these.
    #[arg(short = 'e', value_name = "VAR=VALUE", value_parser = env_setting)]
    env: Vec<(String, String)>,
    /// Command to run instead of your login shell.
    #[arg(last = true, value_name = "CMD")]
    command: Vec<String>,
}

fn env_setting(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{s:?} is not VAR=VALUE")),
    }
}

impl SpawnArgs {
    /// The request's spawn settings: this client's directory (unless -c), and -e settings.
    pub fn spawn(&self) -> spool_proto::Spawn {
        crate::client::spawn_from_here(
            self.command.clone(),
            self.cwd.clone(),
            self.remain,
            self.env.clone(),
        )
    }

    /// Print the new pane's id when asked to.
    pub fn created(&self, pane: &str) {
        if self.print {
            println!("{}", safe(pane));
        }
    }
}

/// Send `req` and write its `Text` answers to `out` until `End`; an `Ok` answer (a message
/// shown on a status line rather than printed: `Done`) ends it too.
pub fn write_text(
    c: &mut crate::client::Client,
    req: &spool_proto::Request,
    out: &mut impl std::io::Write,
) -> anyhow::Result<()> {
    use spool_proto::Response;
    c.send(req)?;
    loop {
        match c.recv()? {
            Response::Text(t) => out.write_all(&t)?,
            Response::End | Response::Done => break,
            Response::Error { message } => anyhow::bail!("{message}"),
            other => anyhow::bail!("unexpected answer: {other:?}"),
        }
    }
    out.flush()?;
    Ok(())
}
