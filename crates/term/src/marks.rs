//! Shell integration marks: OSC 133 (FinalTerm's `A` prompt, `B` input, `C` output,
//! `D;STATUS` command end) and VS Code's OSC 633 (the same letters, and `E;COMMAND LINE`),
//! as the shell snippets of `spool shell-init` send them.
//!
//! Each mark is also a row flag (`RowFlags::PROMPT` …, kept with history); this queue is what
//! the server builds its per-pane command log from. A mark says the row it was sent on by the
//! number that row has (or will have) in history, so a command's output is exactly a range
//! of history rows, however the screen scrolls afterwards.
//!
//! Bound: at most [`MARKS_MAX`] marks wait between two [`crate::Terminal::take_marks`] calls
//! (the server takes them after every chunk of output); a command line is kept to
//! [`COMMAND_TEXT_MAX`] bytes.

/// Marks waiting to be taken: a chunk of output holds a few per command, so this many is a
/// flood (a program printing marks in a loop); the oldest are dropped past it.
pub const MARKS_MAX: usize = 256;

/// Longest command line kept from OSC 633;E (a heredoc pasted at the prompt can be long; the
/// log keeps its start). 256 marks of this size are 1 MiB.
pub const COMMAND_TEXT_MAX: usize = 4096;

/// Which mark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// A: the prompt starts.
    Prompt,
    /// B: the prompt ends, the command line is typed after it.
    Input,
    /// C: the command line was entered; its output starts.
    Output,
    /// D: the command ended, with its exit status if the shell said it.
    End(Option<i32>),
    /// E (OSC 633): the command line, unescaped.
    CommandLine(String),
}

/// A mark and where it was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellMark {
    pub kind: MarkKind,
    /// The history row number of the cursor's row (on the primary screen; `None` on the
    /// alternate one, whose rows never become history).
    pub row: Option<u64>,
    /// The cursor's column: a `D` sent after output that did not end its line is on the
    /// output's last row.
    pub col: u16,
}

/// Parse an OSC 133/633 body's parameters (after the number): the mark, if it is one.
pub(crate) fn parse(osc: &[u8], params: &[&[u8]]) -> Option<MarkKind> {
    let letter = params.first().and_then(|p| p.first())?;
    Some(match letter {
        b'A' => MarkKind::Prompt,
        b'B' => MarkKind::Input,
        b'C' => MarkKind::Output,
        b'D' => MarkKind::End(
            params
                .get(1)
                .and_then(|s| std::str::from_utf8(s).ok())
                .and_then(|s| s.trim().parse().ok()),
        ),
        b'E' if osc == b"633" => {
            // The command line may itself hold `;`, escaped by the snippet (`\x3b`), but a
            // sender that did not escape it is read whole too.
            let raw = params[1..].join(&b';');
            MarkKind::CommandLine(unescape(&raw))
        }
        _ => return None,
    })
}

/// VS Code's escaping: `\\` is a backslash, `\xNN` a byte; the rest as it is. At most
/// [`COMMAND_TEXT_MAX`] bytes, cut at a character.
fn unescape(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len().min(COMMAND_TEXT_MAX));
    let mut i = 0;
    while i < s.len() && out.len() < COMMAND_TEXT_MAX {
        match (s[i], s.get(i + 1)) {
            (b'\\', Some(b'\\')) => {
                out.push(b'\\');
                i += 2;
            }
            (b'\\', Some(b'x')) => {
                let hex = s
                    .get(i + 2..i + 4)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 4;
                    }
                    None => {
                        out.push(b'\\');
                        i += 1;
                    }
                }
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    let mut end = text.len().min(COMMAND_TEXT_MAX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_and_escaped_command_lines_parse() {
        assert_eq!(parse(b"133", &[b"A"]), Some(MarkKind::Prompt));
        assert_eq!(parse(b"133", &[b"D", b"3"]), Some(MarkKind::End(Some(3))));
        assert_eq!(parse(b"633", &[b"D"]), Some(MarkKind::End(None)));
        assert_eq!(
            parse(b"633", &[b"E", b"echo a\\x3b b \\\\ \\x0a"]),
            Some(MarkKind::CommandLine("echo a; b \\ \n".into()))
        );
        assert_eq!(
            parse(b"633", &[b"E", b"a", b"b"]),
            Some(MarkKind::CommandLine("a;b".into()))
        );
        assert_eq!(parse(b"133", &[b"E", b"x"]), None);
        assert_eq!(parse(b"133", &[]), None);
        let long = vec![b'x'; COMMAND_TEXT_MAX * 2];
        match parse(b"633", &[b"E", &long]) {
            Some(MarkKind::CommandLine(t)) => assert_eq!(t.len(), COMMAND_TEXT_MAX),
            other => panic!("{other:?}"),
        }
    }
}
