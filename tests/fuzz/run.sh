#!/usr/bin/env bash
# run.sh FUZZER CORPUS REGRESS SECONDS: replays every regression input once,
# then fuzzes for SECONDS from a scratch copy of the seed corpus (the source
# tree is never written). libFuzzer exits non-zero on a crash, a leak, a
# timeout or an out-of-memory; so does this script. A finding's input is kept
# in the scratch folder's artifacts/ and its path printed.
set -euo pipefail
fuzzer=$1 corpus=$2 regress=$3 seconds=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/wsf-fuzz.XXXXXX")
trap 'rm -rf "$work/corpus"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
flags=(-rss_limit_mb=512 -malloc_limit_mb=256 -timeout=10 -detect_leaks=1 -max_len=65536
       "-artifact_prefix=$work/artifacts/")
export ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=16:malloc_context_size=8
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
  echo "== replaying $(ls "$regress" | wc -l) regression inputs"
  "$fuzzer" "${flags[@]}" "$regress"/*
fi
cp -r "$corpus"/. "$work/corpus/"
echo "== fuzzing ${seconds}s from $(ls "$work/corpus" | wc -l) seeds"
if ! "$fuzzer" "${flags[@]}" -max_total_time="$seconds" -print_final_stats=1 "$work/corpus"; then
  echo "finding kept in $work/artifacts/:" && ls -l "$work/artifacts/"
  exit 1
fi
rm -rf "$work"
