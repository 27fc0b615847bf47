//! `spool shell-init bash|zsh|fish`: the shell integration snippet (OSC 133 prompt and
//! command marks with exit statuses, the command line in OSC 633;E, the directory in OSC 7),
//! for the user's rc file. The snippets live in `src/shell/`.

use super::Exit;

/// The snippet for each shell.
pub const SNIPPETS: &[(&str, &str)] = &[
    ("bash", include_str!("../shell/spool.bash")),
    ("zsh", include_str!("../shell/spool.zsh")),
    ("fish", include_str!("../shell/spool.fish")),
];

#[derive(clap::Args, Debug)]
pub struct Args {
    /// bash, zsh or fish.
    #[arg(value_parser = ["bash", "zsh", "fish"])]
    shell: String,
}

pub fn run(a: Args) -> Exit {
    let snippet = SNIPPETS
        .iter()
        .find(|(s, _)| *s == a.shell)
        .map(|(_, text)| *text)
        .unwrap_or_default();
    print!("{snippet}");
    Ok(0)
}
