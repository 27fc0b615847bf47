# spool shell integration for zsh (`eval "$(spool shell-init zsh)"` in ~/.zshrc).
# Marks prompts and commands with OSC 133 (A prompt, B input, C output, D;STATUS end), says
# each command line with OSC 633;E and the directory with OSC 7. Idempotent; does nothing
# outside spool; adds to precmd_functions and preexec_functions, keeping the others.
if [[ -n "${SPOOL-}" && -z "${__spool_si-}" && -o interactive ]]; then
  typeset -g __spool_si=1 __spool_ran=
  __spool_esc() {
    local s=${1//\\/\\\\}
    s=${s//;/\\x3b}
    s=${s//$'\n'/\\x0a}
    s=${s//$'\r'/\\x0d}
    s=${s//$'\a'/\\x07}
    s=${s//$'\e'/\\x1b}
    print -rn -- "$s"
  }
  # OSC 7 takes a URL: bytes outside the safe set are percent-encoded.
  __spool_url() {
    local LC_ALL=C s=$1 out= c i
    for ((i = 1; i <= ${#s}; i++)); do
      c=${s[i]}
      case $c in
        [a-zA-Z0-9/._~-]) out+=$c ;;
        *) out+=$(printf '%%%02X' "'$c") ;;
      esac
    done
    print -rn -- "$out"
  }
  __spool_precmd() {
    local s=$?
    if [[ -n $__spool_ran ]]; then
      printf '\e]133;D;%s\a' "$s"
      __spool_ran=
    fi
    printf '\e]7;file://%s%s\a\e]133;A\a' "${HOST-}" "$(__spool_url "$PWD")"
    [[ $PS1 == *'133;B'* ]] || PS1="$PS1"$'%{\e]133;B\a%}'
  }
  __spool_preexec() {
    __spool_ran=1
    printf '\e]633;E;%s\a\e]133;C\a' "$(__spool_esc "$1")"
  }
  typeset -ga precmd_functions preexec_functions
  precmd_functions=(__spool_precmd $precmd_functions)
  preexec_functions+=(__spool_preexec)
fi
