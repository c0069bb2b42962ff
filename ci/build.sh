#!/usr/bin/env bash
# Configures and builds into a folder: ci/build.sh BUILD_DIR [cmake options...]
set -euo pipefail
dir=$1
shift
cmake -S "$(dirname "$0")/.." -B "$dir" -DWSF_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
