# Bash completion for wsfault(1).
#
#   source tools/completion/wsfault.bash
#
# or install it as /usr/share/bash-completion/completions/wsfault. It needs
# bash 4 and nothing else (not the bash-completion package). It completes
# the subcommands, the options of each, target files for --target, scenario
# folders and .wsf files for `wsfault run`, results files for `wsfault
# report`, and the words some options take (bounds, storm faults,
# interfaces).
#
# The option lists are written out here, so that a TAB never runs a
# program; the test e2e.completion holds them to what `wsfault SUB --help`
# prints, so an option added there must be added here too.

_wsfault_run_opts='-t --target -u --url --ca --insecure -f --filter -l --list -o --results -v --verbose
  -j --jobs --repeat --until-fail --shuffle --seed --shard --report --junit --no-capture
  --capture --capture-if --log --header --subprotocol --origin --path --bound -h --help
  -V --version'
# The options of `run` that take an argument (the next word).
_wsfault_run_args='-t --target -u --url --ca -f --filter -o --results -j --jobs --repeat --seed
  --shard --report --junit --capture-if --log --header --subprotocol --origin --path --bound'

_wsfault_report_opts='-o --output --link-captures --junit -h --help'
_wsfault_report_args='-o --output --junit'

_wsfault_storm_opts='-t --target -u --url --ca --insecure --connections --duration --concurrency --faults
  --seed --reruns --case -o --results --report --junit --no-capture -h --help'
_wsfault_storm_args='-t --target -u --url --ca --connections --duration --concurrency --faults
  --seed --reruns --case -o --results --report --junit'

# The words of --bound NAME=VALUE (harness/bounds.c) and --faults LIST
# (harness/stormgen.c; clean is close).
_wsfault_bounds='handshake-timeout close-timeout close-tcp shutdown-grace ping-interval
  ping-timeout rss-growth'
_wsfault_faults='rst rst-handshake rst-echo half-close stall close-rst close clean trickle'

# _wsfault_paths CUR [GLOB]: folders (with a slash, see _wsfault_done) and
# the files that match GLOB (any file without one) whose names start with
# CUR, into COMPREPLY.
_wsfault_paths() {
  local cur=$1 glob=${2-} f
  local IFS=$'\n'
  _wsfault_dirs "$cur"
  if [ -n "$glob" ]; then
    for f in $(compgen -f -X "!$glob" -- "$cur"); do
      [ -d "$f" ] || COMPREPLY+=("$f")
    done
  else
    for f in $(compgen -f -- "$cur"); do
      [ -d "$f" ] || COMPREPLY+=("$f")
    done
  fi
}

# _wsfault_dirs CUR: the folders whose names start with CUR, with a slash.
_wsfault_dirs() {
  local cur=$1 f
  local IFS=$'\n'
  for f in $(compgen -d -- "$cur"); do
    COMPREPLY+=("${f%/}/")
  done
  # Quote what needs it and add no blank after a folder. Outside a
  # completion (a test calling the function) compopt is refused: harmless.
  compopt -o filenames 2>/dev/null || true
}

# _wsfault_words CUR WORDS...: the words that start with CUR, into COMPREPLY.
_wsfault_words() {
  local cur=$1 w
  shift
  for w in $*; do
    case $w in "$cur"*) COMPREPLY+=("$w") ;; esac
  done
}

# _wsfault_value SUB OPTION CUR: the completions of an option's argument.
_wsfault_value() {
  local sub=$1 opt=$2 cur=$3 w
  case $opt in
    -t | --target) _wsfault_paths "$cur" '*.target' ;;
    --log) _wsfault_paths "$cur" ;;
    --ca) _wsfault_paths "$cur" ;; # PEM files have no one extension
    --junit) _wsfault_paths "$cur" '*.xml' ;;
    --report) _wsfault_dirs "$cur" ;;
    --case) _wsfault_paths "$cur" '*.wsf' ;;
    -o | --results | --output)
      if [ "$sub" = report ]; then
        _wsfault_dirs "$cur" # the report's folder
      else
        _wsfault_paths "$cur" '*.json'
      fi
      ;;
    --capture-if)
      local ifs="any"
      [ -d /sys/class/net ] && ifs="any $(ls /sys/class/net 2>/dev/null)"
      _wsfault_words "$cur" $ifs
      ;;
    --bound)
      # NAME=, then the value is the user's.
      case $cur in
        *=*) ;;
        *)
          for w in $_wsfault_bounds; do
            case $w in "$cur"*) COMPREPLY+=("$w=") ;; esac
          done
          compopt -o nospace 2>/dev/null || true
          ;;
      esac
      ;;
    --faults)
      # A comma-separated list: complete its last kind.
      local done_part="" last=$cur
      case $cur in *,*) done_part=${cur%,*}, last=${cur##*,} ;; esac
      case $last in
        *=*) ;;
        *)
          for w in $_wsfault_faults; do
            case $w in "$last"*) COMPREPLY+=("$done_part$w") ;; esac
          done
          compopt -o nospace 2>/dev/null || true
          ;;
      esac
      ;;
    *) ;; # a URL, a number, a pattern, a header: nothing to offer
  esac
}

# _wsfault_fit WORD VALUE: readline replaces WORD, the last of COMP_WORDS
# (bash splits a shell word at the '=' and ':' of COMP_WORDBREAKS), but the
# replies were made for VALUE; both end the word being typed. Make the
# replies fit WORD: drop what VALUE has before it, or add what it lacks.
_wsfault_fit() {
  local word=$1 value=$2 i
  if [ ${#value} -gt ${#word} ]; then
    local cut=${value:0:${#value}-${#word}}
    for i in "${!COMPREPLY[@]}"; do
      COMPREPLY[i]=${COMPREPLY[i]#"$cut"}
    done
  elif [ ${#word} -gt ${#value} ]; then
    local add=${word:0:${#word}-${#value}}
    for i in "${!COMPREPLY[@]}"; do
      COMPREPLY[i]=$add${COMPREPLY[i]}
    done
  fi
}

# _wsfault_done WORD VALUE: the replies, made for VALUE, as readline wants
# them for WORD (_wsfault_fit). A folder keeps its slash only when it is the
# one reply, which readline inserts as it is; in a list of several,
# readline marks folders itself, and a slash of ours would show twice.
_wsfault_done() {
  _wsfault_fit "$1" "$2"
  local i
  if [ ${#COMPREPLY[@]} -gt 1 ]; then
    for i in "${!COMPREPLY[@]}"; do
      case ${COMPREPLY[i]} in
        */) [ -d "${COMPREPLY[i]}" ] && COMPREPLY[i]=${COMPREPLY[i]%/} ;;
      esac
    done
  fi
}

_wsfault() {
  COMPREPLY=()
  # The shell words up to the cursor, from the line itself, so that
  # --target=a.target and --faults rst=2,close stay whole.
  local line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
  local -a w
  if [ -n "${COMP_LINE-}" ]; then
    read -r -a w <<<"$line"
    case $line in *[[:blank:]]) w+=("") ;; esac
  else
    w=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
  fi
  local n=${#w[@]}
  [ "$n" -ge 1 ] || return 0
  local cur=${w[n - 1]} prev="" sub="" i
  [ "$n" -ge 2 ] && prev=${w[n - 2]}
  local word=${COMP_WORDS[COMP_CWORD]-}
  [ "$word" = "=" ] || [ "$word" = ":" ] && word=""

  if [ "$n" -le 2 ]; then
    case $cur in
      -*) _wsfault_words "$cur" --help --version -h -V ;;
      *) _wsfault_words "$cur" run storm report ;;
    esac
    _wsfault_done "$word" "$cur"
    return 0
  fi
  sub=${w[1]}
  local opts args
  case $sub in
    run) opts=$_wsfault_run_opts args=$_wsfault_run_args ;;
    report) opts=$_wsfault_report_opts args=$_wsfault_report_args ;;
    storm) opts=$_wsfault_storm_opts args=$_wsfault_storm_args ;;
    *) return 0 ;;
  esac

  # --opt=VALUE: the value of that option.
  if [[ $cur == --*=* ]]; then
    prev=${cur%%=*}
    cur=${cur#*=}
  fi
  for i in $args; do
    if [ "$prev" = "$i" ]; then
      _wsfault_value "$sub" "$prev" "$cur"
      _wsfault_done "$word" "$cur"
      return 0
    fi
  done

  case $cur in
    -*) _wsfault_words "$cur" $opts ;;
    *)
      case $sub in
        run) _wsfault_paths "$cur" '*.wsf' ;;
        report) _wsfault_paths "$cur" '*.json' ;;
        storm) _wsfault_words "$cur" $opts ;; # storm takes no path
      esac
      ;;
  esac
  _wsfault_done "$word" "$cur"
  return 0
}

complete -F _wsfault wsfault
