#!/usr/bin/env bash
# The main job, from nothing: install what is needed, build, and run the
# shipped suite against the bundled reference target (lws-echo).
# The verdicts print as they come; the results, an HTML report and a JUnit
# file land in results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
bash ci/build.sh build
mkdir -p results
exec build/bin/wsfault run --target targets/lws-echo.target --results results/results.json \
  --report results/report --junit results/junit.xml "$@" scenarios
