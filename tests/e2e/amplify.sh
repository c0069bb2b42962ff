# A short file cannot make wsfault do unbounded work at parse time: sized
# payloads stay descriptions until they are sent, and a file's payloads are
# held to a budget (docs/scenario-language.md, "Payloads"). Every check is
# `run --list`, so nothing is started.
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
{ header | head -1; echo 'connect 19000 as c*'; echo 'c*: send binary size 64KiB'; } >set.wsf
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

# The shipped scenarios are all within it.
list_within 0 51200 "$SRC/scenarios"
echo "ok: sized payloads are not built at parse time; a file's payloads stay under 1GiB"
