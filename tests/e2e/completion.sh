#!/usr/bin/env bash
# tools/completion/wsfault.bash: sourced in a plain bash (no bash-completion
# package), its function is called as readline would, with COMP_WORDS and
# COMP_CWORD, and COMPREPLY must hold the right words; its option lists must
# be those `wsfault SUB --help` prints.
source "$(dirname "$0")/lib.sh"

COMPLETION=$SRC/tools/completion/wsfault.bash

# complete_words WORD... : completes the last word (may be '') of this
# command line as bash would: COMP_LINE is the words joined by blanks, and
# COMP_WORDS splits them again at the '=' and ':' of COMP_WORDBREAKS. Prints
# COMPREPLY sorted, one a line, into reply.txt (and the test's log).
complete_words() {
  local line="$*"
  python3 -c '
import re, sys
line = sys.argv[1]
words = []
for tok in line.split(" "):
    words += [p for p in re.split(r"([=:]+)", tok) if p != ""] or [""]
sys.stdout.write("".join(w + "\0" for w in words))' "$line" >words.bin
  bash --norc --noprofile -c '
    source "$1"
    COMP_LINE=$2; COMP_POINT=${#COMP_LINE}
    mapfile -d "" -t COMP_WORDS <"$3"
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _wsfault
    printf "%s\n" "${COMPREPLY[@]}"' bash "$COMPLETION" "$line" words.bin | LC_ALL=C sort >reply.txt
  echo "wsfault completion of: '$line' ->" $(cat reply.txt)
}

# assert_reply WORD...: reply.txt holds exactly these words.
assert_reply() {
  printf '%s\n' "$@" | LC_ALL=C sort >want.txt
  diff want.txt reply.txt >/dev/null || {
    diff want.txt reply.txt >&2 || true
    fail "completion gave '$(tr '\n' ' ' <reply.txt)', expected '$*'"
  }
}

mkdir -p proj/scenarios/close proj/targets proj/sub
touch proj/a.target proj/b.wsf proj/c.json proj/d.txt proj/e.xml proj/targets/x.target \
  proj/scenarios/close/one.wsf proj/scenarios/notes.txt
cd proj

# The completion is registered for the command.
bash --norc --noprofile -c 'source "$1"; complete -p wsfault' bash "$COMPLETION" >reg.txt
assert_contains reg.txt "complete -F _wsfault wsfault"

# Subcommands, and the top level's options.
complete_words wsfault ''
assert_reply run storm report
complete_words wsfault r
assert_reply run report
complete_words wsfault --
assert_reply --help --version

# Options of each subcommand.
complete_words wsfault run --ta
assert_reply --target
complete_words wsfault run --until
assert_reply --until-fail
complete_words wsfault storm --co
assert_reply --connections --concurrency
complete_words wsfault report --
assert_reply --output --link-captures --junit --help
complete_words wsfault run -t a.target --no
assert_reply --no-capture

# Target files and folders after --target (a folder has its slash when it
# is the only reply; in a list, readline marks folders itself) (and -t, and --target=).
complete_words wsfault run --target ''
assert_reply a.target scenarios sub targets
complete_words wsfault run -t ta
assert_reply targets/
complete_words wsfault run --target targets/
assert_reply targets/x.target
complete_words wsfault storm --target ''
assert_reply a.target scenarios sub targets
complete_words wsfault run --target=''
assert_reply a.target scenarios sub targets
complete_words wsfault run --target=ta
assert_reply targets/

# Scenario folders and .wsf files for run's paths, after options and their
# arguments too.
complete_words wsfault run scen
assert_reply scenarios/
complete_words wsfault run ''
assert_reply b.wsf scenarios sub targets
complete_words wsfault run --target a.target -j 2 scenarios/close/
assert_reply scenarios/close/one.wsf
complete_words wsfault run --list scenarios/
assert_reply scenarios/close/

# Results files for report; its -o is a folder.
complete_words wsfault report ''
assert_reply c.json scenarios sub targets
complete_words wsfault report c.json -o ''
assert_reply scenarios sub targets
complete_words wsfault report c.json --junit ''
assert_reply e.xml scenarios sub targets

# --ca takes any file (a PEM file has no one extension), for run and storm.
complete_words wsfault run --ca d
assert_reply d.txt
complete_words wsfault storm --in
assert_reply --insecure

# Run's -o is a results file; --report a folder.
complete_words wsfault run -o ''
assert_reply c.json scenarios sub targets
complete_words wsfault run --report s
assert_reply scenarios sub

# Words some options take.
complete_words wsfault run --bound close-t
assert_reply close-timeout= close-tcp=
complete_words wsfault run --bound close-tcp=
assert_reply
# (readline replaces only what follows the last '=': the reply fits that.)
complete_words wsfault storm --faults rst=2,half
assert_reply 2,half-close
complete_words wsfault storm --faults rst=2,close=1,tr
assert_reply 1,trickle
complete_words wsfault storm --faults rst,half
assert_reply rst,half-close
complete_words wsfault storm --faults cl
assert_reply clean close close-rst
complete_words wsfault run --capture-if l
assert_reply lo
# Arguments with nothing to offer offer nothing (not file names).
complete_words wsfault run --url ''
assert_reply
complete_words wsfault run --filter ''
assert_reply

# And in a real interactive bash, through readline, on a terminal (a pty):
# what lands on the command line, and how a list of several shows.
python3 - "$COMPLETION" <<'PY' || fail "readline did not complete as expected"
import os, pty, select, sys, time

pid, fd = pty.fork()
if pid == 0:
    os.environ["INPUTRC"] = "/dev/null"
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
seen = ""


def wait_for(text, timeout=10):
    global seen
    end = time.time() + timeout
    while text not in seen and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            seen += os.read(fd, 4096).decode(errors="replace")
    if text not in seen:
        print(f"readline: expected {text!r}, the terminal shows {seen[-300:]!r}")
        sys.exit(1)


n = 0


def sync():
    global seen, n
    n += 1
    os.write(fd, f"\x15echo sync-{n}-done\n".encode())
    wait_for(f"sync-{n}-done\r\n")
    seen = ""


os.write(fd, f"PS1='$ '; bind 'set bell-style none'; source {sys.argv[1]}\n".encode())
sync()
for typed, shows in [("wsfault run scen\t", "wsfault run scenarios/"),
                     ("wsfault run --ta\t", "wsfault run --target "),
                     ("wsfault run --target=a\t", "wsfault run --target=a.target "),
                     ("wsfault storm --faults rst=2,hal\t", "--faults rst=2,half-close"),
                     ("wsfault run --bound close-tc\t", "--bound close-tcp="),
                     ("wsfault run --target \t\t", "targets/")]:
    os.write(fd, typed.encode())
    wait_for(shows)
    if "//" in seen:
        print(f"readline: a folder shows with two slashes: {seen!r}")
        sys.exit(1)
    sync()
os.write(fd, b"exit\n")
print("readline: completes on a terminal as the function says")
PY

# The option lists are what --help prints: every option line of each
# subcommand's section, and the options that take an argument are those
# with one there. Options named only in the text (run's --seed) or in
# docs/cli.md (run's --capture) may be listed too.
# check_lists WSFAULT: compares them with that binary's --help.
check_lists() {
  local bin=$1 sub
  for sub in run report storm; do
  # shellcheck disable=SC2016
  bash --norc --noprofile -c 'source "$1"; eval "echo \$_wsfault_$2_opts"; eval "echo \$_wsfault_$2_args"' \
    bash "$COMPLETION" "$sub" >lists.txt
  python3 - "$SRC/tools/man-check.py" "$bin" "$sub" "$SRC/docs/cli.md" lists.txt <<'PY' || return 1
import importlib.util, re, subprocess, sys
spec = importlib.util.spec_from_file_location("mc", sys.argv[1])
mc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mc)
wsfault, sub, cli, lists = sys.argv[2:6]
text = subprocess.run([wsfault, sub, "--help"], capture_output=True, text=True).stdout
secs = mc.help_sections(text)
lines = secs.get(sub) or secs.get("options") or []
if not lines:
    sys.exit(f"wsfault {sub} --help: no option lines found")
opts_line, args_line = open(lists).read().split("\n")[:2]
have, have_args = set(opts_line.split()), set(args_line.split())
want = {o for s, l, m in lines for o in (s, l) if o}
want_args = {o for s, l, m in lines if m for o in (s, l) if o}
named = set(re.findall(r"--[a-z][a-z0-9-]*", text + open(cli).read()))
bad = []
bad += [f"{o} is in 'wsfault {sub} --help' but not in _wsfault_{sub}_opts" for o in sorted(want - have)]
bad += [f"{o} takes an argument in 'wsfault {sub} --help' but is not in _wsfault_{sub}_args"
        for o in sorted(want_args - have_args)]
bad += [f"{o} takes no argument in 'wsfault {sub} --help' but is in _wsfault_{sub}_args"
        for o in sorted((have_args & want) - want_args)]
bad += [f"_wsfault_{sub}_opts has {o}, which neither --help nor docs/cli.md names"
        for o in sorted(o for o in have if o.startswith("--") and o not in named)]
bad += [f"_wsfault_{sub}_args has {o}, which is not in _wsfault_{sub}_opts"
        for o in sorted(have_args - have)]
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
  done
}
check_lists "$WSFAULT" || fail "the option lists of $COMPLETION do not match --help"

# ... and a new option in --help is caught.
cat >wsfault-plus <<SH
#!/usr/bin/env bash
"$WSFAULT" "\$@" | sed '/^  -t, --target FILE/a\\      --pin FILE        pin the certificates in FILE'
SH
chmod +x wsfault-plus
if check_lists ./wsfault-plus >lists-out.txt; then
  cat lists-out.txt
  fail "a --pin in --help that the completion does not list was not caught"
fi
cat lists-out.txt
assert_contains lists-out.txt "--pin is in 'wsfault run --help' but not in _wsfault_run_opts"
assert_contains lists-out.txt "--pin takes an argument in 'wsfault run --help' but is not in _wsfault_run_args"

echo "completion: subcommands, options, targets, scenarios, results files and option words"
