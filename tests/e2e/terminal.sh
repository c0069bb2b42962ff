# Verdict colours are for a person at a terminal only: with stdout a pipe
# (CI logs, files) there is no escape byte at all; under a pseudo-terminal
# FAIL is bold red and the scenario running now is shown; NO_COLOR=1 turns
# the colours off there too (https://no-color.org: any non-empty value), an
# empty NO_COLOR does not. The pty comes from script(1) (util-linux, in the
# bsdutils package, which Debian always installs).
source "$(dirname "$0")/lib.sh"

command -v script >/dev/null || fail "script is not installed (package bsdutils, from util-linux)"

FAILED=$SRC/tests/data/report-suite/broken/wrong-close-code.wsf
NAME=$(sed -nE 's/^scenario "(.*)"$/\1/p' "$FAILED")
[ -n "$NAME" ] || fail "no scenario name in $FAILED"
run=("$WSFAULT" run --target "$SRC/targets/lws-echo.target" --no-capture --results r.json "$FAILED")
esc=$'\033'
# The developer's own NO_COLOR must not decide the test.
unset NO_COLOR
red=$'\033[1;31m'

# under_pty COMMAND...: runs the command with stdout a pseudo-terminal;
# script -e passes on its exit status, -f flushes as it goes, -q says nothing
# of its own.
under_pty() {
  SHELL=/bin/bash script -qfec "$(printf '%q ' "$@")" /dev/null </dev/null
}

# (a) stdout a pipe: plain text.
expect_rc 1 "${run[@]}"
assert_contains out.txt "FAIL  $NAME"
if grep -q "$esc" out.txt; then
  fail "escape bytes in the output with stdout a pipe: $(grep -c "$esc" out.txt) lines"
fi
if grep -q "running " out.txt; then
  fail "a progress line with stdout a pipe"
fi

# (b) a terminal: FAIL in bold red, and the progress line.
expect_rc 1 under_pty "${run[@]}"
assert_contains out.txt "${red}FAIL"
assert_contains out.txt "running $NAME"

# (c) a terminal with NO_COLOR=1: no colour, no reset (the progress line may
# stay).
expect_rc 1 under_pty env NO_COLOR=1 "${run[@]}"
assert_contains out.txt "FAIL  $NAME"
if grep -qF -e "${esc}[3" -e "${esc}[1;3" -e "${esc}[0m" out.txt; then
  fail "colour codes despite NO_COLOR=1"
fi

# (d) an empty NO_COLOR is as if it were not set.
expect_rc 1 under_pty env NO_COLOR= "${run[@]}"
assert_contains out.txt "${red}FAIL"
echo "ok: plain through a pipe, coloured on a terminal, plain with NO_COLOR=1"
