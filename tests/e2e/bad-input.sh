# The bad-input table (tests/data/bad-input/table.txt): each row builds one
# malformed scenario file, target file, command line or results file in a
# folder of its own and checks that wsfault answers it with the row's exit
# status and one clear line on stderr, matching the row, within 10 s: no
# hang on a FIFO or /dev/zero, no crash, no silent skip, nothing run. A
# row whose line is "-" expects nothing on stderr (a file read whole).
source "$(dirname "$0")/lib.sh"

TABLE=$SRC/tests/data/bad-input/table.txt
# Helpers for the setup column.
wsf() { printf -- "$@" >s.wsf; }
tgt() { printf -- "$@" >t.target; }
many() { python3 -c 'import sys; sys.stdout.write(sys.argv[2] * int(sys.argv[1]))' "$1" "$2"; }
trim() {
  local s=$1
  s=${s#"${s%%[![:space:]]*}"}
  printf '%s' "${s%"${s##*[![:space:]]}"}"
}

rows=0 ok=0 n=0
while IFS='|' read -r kind setup cmd status want; do
  n=$((n + 1))
  [[ $kind =~ ^[a-z]+\ $ ]] || continue
  rows=$((rows + 1))
  kind=$(trim "$kind") setup=$(trim "$setup") cmd=$(trim "$cmd")
  status=$(trim "$status") want=$(trim "$want")
  dir=$WORK/row$rows
  mkdir "$dir"
  (
    cd "$dir"
    printf 'scenario "ok"\nconnect\nhandshake\n' >ok.wsf
    cp "$SRC/targets/lws-echo.target" ok.target
    eval "$setup"
  ) || fail "line $n: setup failed: $setup"
  set +e
  (cd "$dir" && eval "timeout 10 \"\$WSFAULT\" $cmd" </dev/null >"$dir.out" 2>"$dir.err")
  rc=$?
  set -e
  first=$(head -n 1 "$dir.err")
  # The hint after a usage mistake is not a second error.
  lines=$(grep -cv "^\(wsfault: \)\?try 'wsfault --help'$" "$dir.err" || true)
  why=""
  if [ $rc -eq 124 ]; then
    why="timed out (a hang)"
  elif [ $rc -ne "$status" ]; then
    why="exit $rc, expected $status"
  elif [ "$want" = - ]; then
    [ ! -s "$dir.err" ] || why="stderr: $(head -n 1 "$dir.err")"
  elif [ "$lines" -ne 1 ] && ! [[ $want == ^usage:* ]]; then
    why="$lines lines on stderr, expected one"
  elif [ ${#first} -gt 1000 ]; then
    why="a first line of ${#first} bytes: not a clear line"
  elif ! grep -qE -- "$want" <<<"$first"; then
    why="first line does not match /$want/"
  elif [ -e "$dir/r.json" ] && [ ! -d "$dir/r.json" ] && [ "$kind" != results ]; then
    why="a results file was written"
  fi
  if [ -n "$why" ]; then
    echo "FAIL line $n ($kind): wsfault $cmd: $why"
    echo "  stderr: $(head -c 300 "$dir.err" | head -n 3)"
  else
    ok=$((ok + 1))
  fi
  chmod -R u+rwx "$dir" 2>/dev/null || true
done <"$TABLE"
echo "$rows rows, $ok ok"
[ $rows -ge 59 ] || fail "only $rows rows in $TABLE"
[ $ok -eq $rows ] || fail "$((rows - ok)) of $rows rows failed"
