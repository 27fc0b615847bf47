//! Shell integration: the snippets `spool shell-init` prints (`shell/spool.{bash,zsh,fish}`:
//! OSC 133 prompt and command marks with exit statuses, the command line in OSC 633;E, the
//! directory in OSC 7), and, with `shell_integration = true`, their injection into panes that
//! run the user's shell without touching the user's rc files — as VS Code and wezterm do:
//!
//! - bash: `bash --rcfile STATE/shell/bashrc -i`, a file that reads what a login bash reads
//!   (`/etc/profile`, then the first of `~/.bash_profile`, `~/.bash_login`, `~/.profile`),
//!   then the snippet;
//! - zsh: `ZDOTDIR=STATE/shell/zsh`, whose `.zshenv`, `.zprofile`, `.zshrc` and `.zlogin`
//!   each read the user's own (from their `ZDOTDIR`, else `$HOME`) and hand `ZDOTDIR` back
//!   to them at the end; `.zshrc` adds the snippet;
//! - fish: `fish --login --init-command 'source STATE/shell/spool.fish'` (after the config).
//!
//! Other shells run as they are. The files are written by the server into its own state
//! directory (0700), rewritten when they differ.

use std::path::{Path, PathBuf};

/// The snippet for each shell.
pub const SNIPPETS: &[(&str, &str)] = &[
    ("bash", include_str!("shell/spool.bash")),
    ("zsh", include_str!("shell/spool.zsh")),
    ("fish", include_str!("shell/spool.fish")),
];

/// The snippet for `shell` (`bash`, `zsh`, `fish`).
pub fn snippet(shell: &str) -> Option<&'static str> {
    SNIPPETS.iter().find(|(s, _)| *s == shell).map(|(_, t)| *t)
}

/// A shell's argv (empty: as a login shell) and the variables to add to its environment.
pub type Injected = (Vec<String>, Vec<(String, String)>);

/// How to start `shell` (a path, from `$SHELL`) with the integration: its argv (empty: as a
/// login shell, as without it) and variables to add, or `None` for a shell spool has no
/// snippet for. `env` is the pane's environment; `state` the server's state directory.
pub fn inject(
    shell: &str,
    env: &[(String, String)],
    state: &Path,
) -> std::io::Result<Option<Injected>> {
    let name = Path::new(shell)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = state.join("shell");
    Ok(match name.as_str() {
        "bash" => {
            let rc = write(&dir, "bashrc", &bashrc())?;
            Some((
                vec![
                    shell.into(),
                    "--rcfile".into(),
                    rc.display().to_string(),
                    "-i".into(),
                ],
                Vec::new(),
            ))
        }
        "zsh" => {
            let zdir = dir.join("zsh");
            let ours = zdir.display().to_string();
            for (file, text) in zsh_files(&ours) {
                write(&zdir, file, &text)?;
            }
            let user = env
                .iter()
                .find(|(k, _)| k == "ZDOTDIR")
                .or_else(|| env.iter().find(|(k, _)| k == "HOME"))
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            Some((
                Vec::new(),
                vec![("ZDOTDIR".into(), ours), ("SPOOL_ZDOTDIR".into(), user)],
            ))
        }
        "fish" => {
            let f = write(&dir, "spool.fish", snippet("fish").unwrap_or_default())?;
            let source = format!(
                "source {}",
                spool_proto::text::shell_quote(&f.display().to_string())
            );
            Some((
                vec![
                    shell.into(),
                    "--login".into(),
                    "--init-command".into(),
                    source,
                ],
                Vec::new(),
            ))
        }
        _ => None,
    })
}

fn bashrc() -> String {
    format!(
        "# Written by spool (shell_integration = true): what a login bash reads, then spool's\n\
         # shell integration. Your own files are not changed.\n\
         [ -r /etc/profile ] && . /etc/profile\n\
         if [ -r ~/.bash_profile ]; then . ~/.bash_profile\n\
         elif [ -r ~/.bash_login ]; then . ~/.bash_login\n\
         elif [ -r ~/.profile ]; then . ~/.profile\n\
         fi\n{}",
        snippet("bash").unwrap_or_default()
    )
}

/// zsh's startup files in spool's `ZDOTDIR` (`ours`): each reads the user's, from
/// `$SPOOL_ZDOTDIR`.
fn zsh_files(ours: &str) -> Vec<(&'static str, String)> {
    let q = spool_proto::text::shell_quote(ours);
    let user = |file: &str| {
        format!(
            "ZDOTDIR=$SPOOL_ZDOTDIR\n[[ -r $ZDOTDIR/{file} ]] && . $ZDOTDIR/{file}\n\
             SPOOL_ZDOTDIR=$ZDOTDIR\n"
        )
    };
    let head = "# Written by spool (shell_integration = true): reads your own file.\n";
    vec![
        (".zshenv", format!("{head}{}ZDOTDIR={q}\n", user(".zshenv"))),
        (".zprofile", format!("{head}{}ZDOTDIR={q}\n", user(".zprofile"))),
        (
            ".zshrc",
            format!(
                "{head}{}{}\n[[ -o login ]] && ZDOTDIR={q} || {{ ZDOTDIR=$SPOOL_ZDOTDIR; unset SPOOL_ZDOTDIR; }}\n",
                user(".zshrc"),
                snippet("zsh").unwrap_or_default()
            ),
        ),
        (
            ".zlogin",
            format!("{head}{}unset SPOOL_ZDOTDIR\n", user(".zlogin")),
        ),
    ]
}

/// `dir/name` holding `text` (written, 0600, through a rename, only when it differs);
/// `dir` made 0700 if it is not there, refused if it is not a directory of ours.
fn write(dir: &Path, name: &str, text: &str) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
    match std::fs::symlink_metadata(dir) {
        Ok(m) => {
            // SAFETY: getuid has no preconditions.
            let me = unsafe { libc::getuid() };
            if !m.is_dir() || m.uid() != me || m.mode() & 0o077 != 0 {
                return Err(std::io::Error::other(format!(
                    "{} is not a private directory of this user",
                    dir.display()
                )));
            }
        }
        Err(_) => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?,
    }
    let path = dir.join(name);
    if std::fs::read(&path).is_ok_and(|b| b == text.as_bytes()) {
        return Ok(path);
    }
    // Its own temporary name: two panes starting at once never write one file.
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}
