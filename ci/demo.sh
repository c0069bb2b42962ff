#!/usr/bin/env bash
# The main job, from nothing: install what is needed, build, and run the
# shipped suite against the bundled reference target (lws-echo).
# The verdicts print as they come; the results, an HTML report and a JUnit
# file land in results/. Arguments are added to the run's options
# (bash ci/demo.sh --filter rst).
#
# The CI templates of ci/templates/ run these same commands, with the same
# variables set to the user's own target and suite (test ci.templates
# checks that they agree); here they default to the shipped ones, paths from
# the top of the checkout:
#   WSFAULT_TARGET   the target file          (targets/lws-echo.target)
#   WSFAULT_SUITE    the scenarios to run     (scenarios)
#   WSFAULT_RESULTS  the folder of results.json, report/ and junit.xml (results)
#   WSFAULT_JOBS     scenarios at a time      (the number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
WSFAULT_TARGET=${WSFAULT_TARGET:-targets/lws-echo.target}
WSFAULT_SUITE=${WSFAULT_SUITE:-scenarios}
WSFAULT_RESULTS=${WSFAULT_RESULTS:-results}
WSFAULT_JOBS=${WSFAULT_JOBS:-$(nproc)}

bash ci/setup.sh --build
bash ci/build.sh build
mkdir -p "$WSFAULT_RESULTS"
exec build/bin/wsfault run --target "$WSFAULT_TARGET" -j "$WSFAULT_JOBS" \
  --results "$WSFAULT_RESULTS/results.json" --report "$WSFAULT_RESULTS/report" \
  --junit "$WSFAULT_RESULTS/junit.xml" "$@" "$WSFAULT_SUITE"
