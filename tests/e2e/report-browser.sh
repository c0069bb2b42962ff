#!/usr/bin/env bash
# The HTML report in a real browser: a suite run with a failure, an error, a
# skip and an info, opened from file:// in headless Chromium. It must load with no
# console error or exception, make no request beyond its own file, show the
# matrix and a failed scenario's sequence diagram, and its verdict filter must
# work; the parts held back until they are opened must not be built before,
# and must be once opened. A screenshot is kept as an artifact: <build>/artifacts/report.png
# (with the report beside it), for a person to look at.
source "$(dirname "$0")/lib.sh"

command -v chromium >/dev/null || fail "chromium is not installed (ci/setup.sh installs it)"
ART=$(cd "$(dirname "$WSFAULT")/.." && pwd)/artifacts
mkdir -p "$ART"

expect_rc 1 "$WSFAULT" run --target "$SRC/targets/lws-echo.target" --no-capture \
  --results results.json --report rep "$SRC/tests/data/report-suite"
for v in pass fail error skip info; do
  [ "$(json "sum(s['verdict'] == '$v' for s in d['scenarios'])" results.json)" -ge 1 ] ||
    fail "the fixture suite should give at least one $v"
done

# What is held back is not built at load: no table of events, nothing of a
# passing scenario but its header. Opening a passing scenario builds its
# diagram, re-run line and table of events; opening a failed one's table of
# events builds its rows. Unticking "pass" must hide the rows where every
# verdict is a pass.
/usr/bin/python3 "$SRC/tests/e2e/browser_check.py" rep/index.html --screenshot "$ART/report.png" \
  --timeout 90 --load-time \
  --absent-at-load 'table.timeline tr' \
  --absent-at-load 'details.scenario.v-pass svg.seq' \
  --absent-at-load 'details.scenario.v-pass pre.rerun' \
  --absent-at-load 'details.scenario.v-pass table.checks' \
  --click 'details.scenario.v-pass > summary' \
  --click 'details.scenario.v-fail details.events > summary' \
  --expect-selector 'details.scenario.v-pass[open] svg.seq line.arrow' \
  --expect-selector 'details.scenario.v-pass[open] pre.rerun' \
  --expect-selector 'details.scenario.v-pass[open] ol.source li.passed' \
  --expect-selector 'details.scenario.v-pass[open] details.events table.timeline tr' \
  --expect-selector 'details.scenario.v-fail details.events[open] table.timeline tr' \
  --expect-selector 'details.scenario.v-pass:not([open])[data-later]' \
  --expect-selector 'table.matrix#matrix' \
  --expect-selector 'table.matrix td.cell.v-fail' \
  --expect-selector 'table.matrix td.cell.v-error' \
  --expect-selector 'table.matrix td.cell.v-skip' \
  --expect-selector 'table.matrix td.cell.v-info' \
  --expect-selector 'details.scenario.v-info:not([open]) table.checks tr.r-info' \
  --expect-selector 'details.scenario.v-fail[open] svg.seq line.arrow' \
  --expect-selector 'details.scenario.v-fail[open] pre.rerun' \
  --click '#filter input[data-verdict="pass"]' \
  --expect-selector 'table.matrix tr[data-verdicts="pass"][hidden]' \
  --click '#filter input[data-verdict="info"]' \
  --expect-selector 'table.matrix tr[data-verdicts="info"][hidden]' \
  --expect-selector 'details.scenario.v-info[hidden]' \
  --expect-selector 'table.matrix tr.suite[hidden]' \
  >browser.txt 2>&1 || {
  cat browser.txt
  fail "the report does not pass in the browser (screenshot: $ART/report.png)"
}
cat browser.txt
cp rep/index.html "$ART/report.html"
head -c 8 "$ART/report.png" | od -An -c | grep -q 'P   N   G' || fail "the screenshot is not a PNG"
no_process "remote-debugging-port=0"
echo "ok: the report loads cleanly in Chromium; screenshot in $ART/report.png"
