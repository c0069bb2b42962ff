# A results file travels between people: its "pcap" paths must never make
# `wsfault report` read outside the results file's folder, block, or copy
# without end. A real results file from one scenario against lws-echo, then
# copies of it whose pcap names: an absolute path outside, a ../ escape, a
# symlink inside pointing outside, a FIFO, /dev/zero, a folder, a file over
# the 256 MiB cap (sparse), a missing file, and a good capture. Each report
# exits 0 within its timeout, copies only the good capture, and says
# "capture not copied: WHY" for each of the others, with one line on stderr.
source "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
export PYTHONPATH=$SRC/tests/e2e

mkdir run
expect_rc 0 "$WSFAULT" run --no-capture --target "$SRC/targets/lws-echo.target" \
  --results run/results.json "$SRC/tests/data/report-suite/basics/echo.wsf"

mkdir -p run/captures run/captures/folder.pcap
printf 'a good capture\n' >run/captures/good.pcap
ln -s /etc/passwd run/captures/link.pcap
mkfifo run/captures/fifo.pcap
truncate -s 300M run/captures/big.pcap

# case NAME PCAP WHY: results-NAME.json names PCAP; its report must say WHY.
cases="
abs|/etc/passwd|outside the results file's folder
dotdot|../../../../../../etc/passwd|outside the results file's folder
symlink|captures/link.pcap|outside the results file's folder
fifo|captures/fifo.pcap|a FIFO, not a regular file
zero|/dev/zero|outside the results file's folder
folder|captures/folder.pcap|a folder, not a regular file
big|captures/big.pcap|larger than 256 MiB (314572800 bytes)
missing|captures/gone.pcap|no such file beside the results file
good|captures/good.pcap|
"
while IFS='|' read -r name pcap why; do
  [ -n "$name" ] || continue
  "$PY" - "$pcap" "run/results-$name.json" <<'PYEOF'
import json, sys
d = json.load(open("run/results.json"))
d["scenarios"][0]["pcap"] = sys.argv[1]
json.dump(d, open(sys.argv[2], "w"))
PYEOF
  expect_rc 0 timeout 20 "$WSFAULT" report "run/results-$name.json" -o "out-$name" </dev/null
  "$PY" "$SRC/tests/e2e/held_back.py" "out-$name/index.html" >"page-$name.html"
  if [ "$name" = good ]; then
    cmp run/captures/good.pcap out-good/captures/good.pcap || fail "the good capture was not copied"
    assert_contains page-good.html 'href="captures/good.pcap" download>'
    if grep -q "capture not copied" out.txt page-good.html; then fail "the good capture: not copied"; fi
    continue
  fi
  # Nothing copied, and said where the link would be and once on stderr.
  copied=$(find "out-$name" -path "*/captures/*" | wc -l)
  [ "$copied" -eq 0 ] || fail "$name: copied $(find "out-$name" -path "*/captures/*")"
  "$PY" - "page-$name.html" "capture not copied: $why" <<'PYEOF' || fail "$name: the page does not say why"
import html, sys
page = html.unescape(open(sys.argv[1], encoding="utf-8").read())
sys.exit(0 if sys.argv[2] in page else 1)
PYEOF
  [ "$(grep -c "capture not copied: $why" out.txt)" -eq 1 ] ||
    fail "$name: not one warning on stderr saying: capture not copied: $why"
  if grep -q 'href="captures/' "page-$name.html"; then fail "$name: the page links a capture"; fi
done <<<"$cases"

# --link-captures links only what belongs to the results file too.
expect_rc 0 timeout 20 "$WSFAULT" report run/results-dotdot.json -o out-link --link-captures
assert_contains out.txt "capture not linked: outside the results file's folder"
if grep -q 'etc/passwd" download' out-link/index.html; then fail "--link-captures linked /etc/passwd"; fi
echo "ok: only the capture inside the results file's folder was copied"
