#!/usr/bin/env bash
# The whole test suite, from nothing: install what is needed, then build and
# run every test twice, once plainly and once under AddressSanitizer and
# UndefinedBehaviorSanitizer. Warnings are errors in both builds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
bash ci/real-servers.sh --install

echo "== build (plain)"
bash ci/build.sh build
echo "== tests (plain)"
(cd build && ctest --output-on-failure -j2)

echo "== the .deb on a clean Debian 12 (debootstrap; about 100 s the first time, 30 s after)"
# cpack -G DEB, apt-get install of the package in a minimal bookworm, then
# the installed suite there (also ctest -L package in a build configured
# with -DWSF_PACKAGE_TEST=ON). Exit 77 is a skip it explains (not root, or a
# container that cannot mount /proc).
rc=0
bash tests/e2e/deb-clean.sh "$PWD/build/bin/wsfault" "$PWD" "$PWD/build" || rc=$?
[ $rc -eq 0 ] || [ $rc -eq 77 ] || exit $rc

echo "== build (ASan + UBSan)"
bash ci/build.sh build-asan -DWSF_SANITIZE=ON
echo "== tests (ASan + UBSan)"
# The real-server matrix judges the servers, not wsfault: it runs in the
# plain build only; every other test exercises the sanitized wsfault.
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j2 -LE real)

echo "== fuzzing (libFuzzer, a short budget per target)"
# Each parser of untrusted input for a few seconds, after replaying every
# input that once found a bug (tests/fuzz/regress/). docs/fuzzing.md has the
# longer runs.
CC=clang bash ci/build.sh build-fuzz -DWSF_FUZZ=ON -DWSF_FUZZ_SECONDS=15
(cd build-fuzz && ctest --output-on-failure -j2 -L fuzz)
