# spool shell integration for fish (`spool shell-init fish | source` in config.fish).
# Marks prompts and commands with OSC 133 (A prompt, C output, D;STATUS end), says each
# command line with OSC 633;E and the directory with OSC 7. Idempotent; does nothing outside
# spool; uses fish's events, so the prompt functions stay the user's.
if set -q SPOOL; and not set -q __spool_si; and status is-interactive
    set -g __spool_si 1
    function __spool_esc
        string replace -a '\\' '\\\\' -- $argv[1] | string replace -a ';' '\\x3b' | string replace -a \n '\\x0a' | string replace -a \e '\\x1b' | string replace -a \a '\\x07' | string join '\\x0a'
    end
    function __spool_prompt --on-event fish_prompt
        printf '\e]7;file://%s%s\a\e]133;A\a' $hostname (string escape --style=url -- $PWD)
    end
    function __spool_preexec --on-event fish_preexec
        printf '\e]633;E;%s\a\e]133;C\a' (__spool_esc "$argv[1]")
    end
    function __spool_postexec --on-event fish_postexec
        printf '\e]133;D;%s\a' $status
    end
end
