# spool shell integration for bash (`eval "$(spool shell-init bash)"` in ~/.bashrc).
# Marks prompts and commands with OSC 133 (A prompt, B input, C output, D;STATUS end), says
# each command line with OSC 633;E and the directory with OSC 7, so spool can list what ran
# (`spool commands`), print one command's output and run commands for scripts (`spool run`).
# Idempotent; does nothing outside spool; keeps PROMPT_COMMAND and any DEBUG trap working.
if [ -n "${SPOOL-}" ] && [ -z "${__spool_si-}" ] && [ -n "${BASH_VERSION-}" ] && [[ $- == *i* ]]; then
  __spool_si=1
  __spool_at_prompt=
  __spool_ran=
  __spool_esc() {
    local s=${1//\\/\\\\}
    s=${s//;/\\x3b}
    s=${s//$'\n'/\\x0a}
    s=${s//$'\r'/\\x0d}
    s=${s//$'\a'/\\x07}
    s=${s//$'\e'/\\x1b}
    printf '%s' "$s"
  }
  # First in PROMPT_COMMAND (it sees the command's status), and last: the prompt follows.
  # OSC 7 takes a URL: bytes outside the safe set are percent-encoded.
  __spool_url() {
    local LC_ALL=C s=$1 out= c i
    for ((i = 0; i < ${#s}; i++)); do
      c=${s:i:1}
      case $c in
        [a-zA-Z0-9/._~-]) out+=$c ;;
        *) printf -v c '%%%02X' "'$c"; out+=$c ;;
      esac
    done
    printf '%s' "$out"
  }
  __spool_precmd() {
    local s=$?
    __spool_at_prompt=
    if [ -n "$__spool_ran" ]; then
      printf '\e]133;D;%s\a' "$s"
      __spool_ran=
    fi
    return $s
  }
  __spool_prompt() {
    local s=$?
    printf '\e]7;file://%s%s\a\e]133;A\a' "${HOSTNAME-}" "$(__spool_url "$PWD")"
    [[ $PS1 == *'133;B'* ]] || PS1="$PS1"'\[\e]133;B\a\]'
    __spool_at_prompt=1
    return $s
  }
  __spool_preexec() {
    [ -n "$__spool_at_prompt" ] || return 0
    [ -n "${COMP_LINE-}" ] && return 0
    # A key bound with bind -x (fzf's) runs at the prompt: not a command line.
    [ -n "${READLINE_LINE+x}" ] && return 0
    case $BASH_COMMAND in __spool_precmd* | __spool_prompt*) return 0 ;; esac
    __spool_at_prompt=
    __spool_ran=1
    local line
    line=$(HISTTIMEFORMAT='' builtin history 1)
    line=${line#*[0-9]  }
    printf '\e]633;E;%s\a\e]133;C\a' "$(__spool_esc "$line")"
  }
  if [[ "$(declare -p PROMPT_COMMAND 2>/dev/null)" == "declare -a"* ]]; then
    PROMPT_COMMAND=(__spool_precmd "${PROMPT_COMMAND[@]}" __spool_prompt)
  else
    # Lines, not `;`: a PROMPT_COMMAND ending in `;` stays valid.
    __spool_nl=$'\n'
    PROMPT_COMMAND="__spool_precmd$__spool_nl${PROMPT_COMMAND:+$PROMPT_COMMAND$__spool_nl}__spool_prompt"
  fi
  __spool_trap=$(trap -p DEBUG)
  __spool_trap=${__spool_trap#"trap -- '"}
  __spool_trap=${__spool_trap%"' DEBUG"}
  if [ -n "$__spool_trap" ]; then
    trap "__spool_preexec; $__spool_trap" DEBUG
  else
    trap '__spool_preexec' DEBUG
  fi
fi
