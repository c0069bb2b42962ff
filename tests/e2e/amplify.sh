# A short file cannot make wsfault do unbounded work: sized payloads stay
# descriptions until they are sent, and a file's payloads are held to a
# budget (docs/scenario-language.md); a regex that would blow up a
# backtracking matcher is refused at parse time, or gives up on a line within
# its match limit and makes the scenario an error naming it (docs/regex.md).
source "$(dirname "$0")/lib.sh"

# peak_kb FILE: wsfault's peak RSS, as /usr/bin/time wrote it (last line).
peak_kb() { tail -n 1 "$1"; }

# list_within RC MAX_KB FILE: `run --list FILE` exits RC within 2 s with a
# peak RSS under MAX_KB.
list_within() {
  local rc=$1 max=$2 file=$3 start end
  start=$(date +%s%N)
  expect_rc "$rc" /usr/bin/time -f %M -o rss.txt "$WSFAULT" run --list "$file"
  end=$(date +%s%N)
  local ms=$(((end - start) / 1000000)) kb
  kb=$(peak_kb rss.txt)
  echo "$file: exit $rc in $ms ms, peak RSS $kb KB"
  [ "$ms" -lt 2000 ] || fail "$file: --list took $ms ms"
  [ "$kb" -lt "$max" ] || fail "$file: peak RSS $kb KB, over $max KB"
}

header() { printf 'scenario "big"\nconnect\nhandshake\n'; }

# 16 x 64 MiB is the whole budget (1 GiB): listed without building any of it.
{ header; for _ in $(seq 16); do echo 'send binary size 64MiB'; done; } >budget.wsf
list_within 0 51200 budget.wsf
assert_contains out.txt "budget.wsf"

# 200 lines (13 GB if built) stop at the 17th send: file:line, exit 2.
{ header; for _ in $(seq 200); do echo 'send binary repeat "ab" 64MiB'; done; } >over.wsf
list_within 2 51200 over.wsf
assert_contains out.txt "over.wsf:20:1: the file's payloads add up to more than 1GiB"

# The budget counts every member of a set ...
{ header | head -1; echo 'connect 20 as c*'; echo 'c*: send binary size 64MiB'; } >set.wsf
list_within 2 51200 set.wsf
assert_contains out.txt "set.wsf:3:1: the file's payloads add up to more than 1GiB"

# ... and times ...
{ header; echo 'send binary size 64MiB times 4'; for _ in $(seq 4); do
  echo 'send binary size 64MiB times 4'; done; } >times.wsf
list_within 2 51200 times.wsf
assert_contains out.txt "times.wsf:8:1: the file's payloads add up to more than 1GiB"

# ... and the cases of a matrix: 100 cases of 16 MiB.
{ echo "with n in $(seq -s ' ' 100)"; header; echo 'send text size 16MiB'; } >matrix.wsf
list_within 2 51200 matrix.wsf
assert_contains out.txt "matrix.wsf:5:1: the file's payloads add up to more than 1GiB"

# The shipped scenarios are all within it (RSS: the sanitized build keeps
# freed memory in quarantine, 116 MB over the whole suite).
list_within 0 262144 "$SRC/scenarios"

# --- regexes ---------------------------------------------------------------
plus=$(printf '+%.0s' $(seq 25))
aab="$(printf 'a%.0s' $(seq 60))b"

# target FILE READY [LINE...]: a target file for lws-echo that prints the
# lines on stderr first and waits for READY.
target() {
  local f=$1 ready=$2
  shift 2
  local pre=""
  for l in "$@"; do pre="${pre}echo '$l' >&2; "; done
  cat >"$f" <<T
name    t
command /bin/sh -c "${pre}exec \${bindir}/lws-echo --port \${port}"
url     ws://127.0.0.1:\${port}/
ready   log /$ready/ within 5s
stop    signal TERM grace 1s
log     stderr
T
}

# 25 '+' (glibc: 9.7 GB and a timeout in a ready pattern): refused at once.
target plus.target "a$plus"
printf 'scenario "s"\nconnect\n' >s.wsf
expect_rc 2 "$WSFAULT" run --target plus.target --results r.json s.wsf
[ ! -e r.json ] || fail "results written for a target file that did not parse"
assert_contains out.txt "plus.target:4:13: bad regular expression: quantifier does not follow a repeatable item at offset 3"
printf 'scenario "s"\nconnect\nexpect log /a%s/ within 1s\n' "$plus" >plus.wsf
list_within 2 51200 plus.wsf
assert_contains out.txt "plus.wsf:3:12: bad regular expression: quantifier does not follow a repeatable item at offset 3"

# Patterns add up per file: a repeat block (or a long target file) of a big
# one compiles to gigabytes one by one; the one past 16 MiB is refused.
printf 'scenario "many"\nconnect\nrepeat 50000\nexpect no log /((ab|cd)(ef|gh)){1000}/\nend\n' >many.wsf
list_within 2 102400 many.wsf
assert_contains out.txt "many.wsf:4:15: the file's patterns compile to more than 16MiB (this one takes"
target many.target listening ready
for _ in $(seq 400); do echo 'alarm log /((ab|cd)(ef|gh)){1000}/' >>many.target; done
expect_rc 2 "$WSFAULT" run --target many.target --results r.json s.wsf
assert_contains out.txt "many.target:"
assert_contains out.txt ": the file's patterns compile to more than 16MiB"

# A pattern that backtracks without end gives up on the line made for it:
# the scenario is an error naming the pattern, not a failure (nor a pass).
target echo.target listening "$aab"
printf 'scenario "s"\nconnect\nhandshake\nexpect log /^(a|aa)+$/ within 5s\n' >log.wsf
start=$(date +%s%N)
expect_rc 1 /usr/bin/time -f %M -o rss.txt "$WSFAULT" run --target echo.target --results r.json log.wsf
ms=$((($(date +%s%N) - start) / 1000000))
echo "expect log that gives up: $ms ms, peak RSS $(peak_kb rss.txt) KB"
[ "$(json 'd["scenarios"][0]["verdict"]' r.json)" = error ] || fail "verdict, expected error"
json 'd["scenarios"][0]["reason"]' r.json >reason.txt
assert_contains reason.txt "line 4: the pattern /^(a|aa)+\$/ gave up on the log line \"$aab\""
assert_contains reason.txt "PCRE2's match limit"
[ "$ms" -lt 3000 ] || fail "took $ms ms: it did not stop when the pattern gave up"
[ "$(peak_kb rss.txt)" -lt 102400 ] || fail "peak RSS $(peak_kb rss.txt) KB"

# The same for an alarm pattern of the target file, over the same line.
target alarm.target listening "$aab"
echo 'alarm log /^(a|aa)+$/' >>alarm.target
printf 'scenario "s"\nconnect\nhandshake\nwait 100ms\n' >quiet.wsf
expect_rc 1 "$WSFAULT" run --target alarm.target --results r.json quiet.wsf
[ "$(json 'd["scenarios"][0]["verdict"]' r.json)" = error ] || fail "verdict, expected error"
json 'd["scenarios"][0]["reason"]' r.json >reason.txt
assert_contains reason.txt "the alarm or ignore pattern /^(a|aa)+\$/ gave up on the log line"

# And a ready pattern: an error at once, not a wait for the deadline.
target ready.target '^(a|aa)+$' "$aab"
start=$(date +%s%N)
expect_rc 1 "$WSFAULT" run --target ready.target --results r.json quiet.wsf
ms=$((($(date +%s%N) - start) / 1000000))
assert_contains out.txt "its ready pattern /^(a|aa)+\$/ gave up on the line"
[ "$ms" -lt 4000 ] || fail "took $ms ms (the ready deadline is 5 s)"

echo "ok: payloads are not built at parse time and stay under 1GiB a file; regexes are bounded"
