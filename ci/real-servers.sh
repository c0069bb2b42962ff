#!/usr/bin/env bash
# Runs the shipped suite against each real server of targets/real/ in turn,
# then writes one report with a column per server:
#
#   bash ci/real-servers.sh [OUT]      (OUT defaults to results-real/)
#   bash ci/real-servers.sh --install  (only install the servers: ci/test.sh
#                                       does so for the e2e.real-servers test)
#
# Installs what is missing first: the servers from Debian's packages (apt-get
# only for packages not installed, as ci/setup.sh does), Node's `ws` with
# `npm ci` (pinned by targets/real/node-ws/package-lock.json), and wsfault
# itself (ci/build.sh build) when build/bin/wsfault is not there.
#
# OUT/NAME/results.json (and captures) per server, OUT/report/index.html,
# OUT/junit.xml. A server whose run fails does not stop the others; the exit
# status is 1 if any run or the report failed, 0 if every run passed.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
install_only=false
if [ "${1:-}" = --install ]; then install_only=true; shift; fi
out=${1:-results-real}
cd "$root"

packages=(
  python3-websockets                 # python-websockets 10.4
  python3-aiohttp                    # aiohttp 3.8.4
  python3-tornado                    # tornado 6.2
  python3-fastapi python3-uvicorn    # FastAPI 0.92 on uvicorn 0.17
  python3-autobahn                   # autobahn-python 22.7.1
  libwebsockets-test-server          # libwebsockets-test-server 4.1.6
  nginx-light                        # nginx 1.22, the reverse proxy
  nodejs                             # Node, for `ws`
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from elsewhere than Debian's package (it does on some CI
# images): the program on PATH is enough.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs/}")
fi
# nginx-light or the full nginx: either has the proxy module.
if command -v nginx >/dev/null; then
  missing=("${missing[@]/nginx-light/}")
fi
read -ra missing <<<"${missing[*]}"
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "real-servers: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  # Debian's nodejs package has no npm; the npm package brings it.
  if printf '%s\n' "${missing[@]}" | grep -qx nodejs; then missing+=(npm); fi
  echo "real-servers: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || exit 1
fi

if [ ! -d targets/real/node-ws/node_modules/ws ]; then
  echo "real-servers: npm ci in targets/real/node-ws"
  (cd targets/real/node-ws && npm ci --no-audit --no-fund --loglevel=error) || exit 1
fi

$install_only && exit 0

if [ ! -x build/bin/wsfault ] || [ ! -x build/bin/lws-echo ]; then
  bash ci/setup.sh || exit 1
  bash ci/build.sh build || exit 1
fi

# The order of the report's columns.
servers=(python-websockets aiohttp tornado fastapi autobahn node-ws libwebsockets nginx)

# Two servers at a time (each on its own claimed ports): most of a run is
# waiting for a server's timeouts.
mkdir -p "$out"
printf '%s\n' "${servers[@]}" | xargs -P "${JOBS:-2}" -I{} bash -c '
  s={}; out=$1
  target=$(ls targets/real/"$s"/*.target)
  rm -rf "${out:?}/$s"; mkdir -p "$out/$s"
  build/bin/wsfault run --target "$target" --results "$out/$s/results.json" scenarios \
    >"$out/$s/output.txt" 2>&1
  rc=$?
  tail -n 3 "$out/$s/output.txt" | sed "s/^/$s: /"
  echo "=== $s: exit $rc"
  [ "$rc" -eq 0 ]
' _ "$out"
status=$?
[ "$status" -eq 0 ] || status=1

results=()
for s in "${servers[@]}"; do
  [ -f "$out/$s/results.json" ] && results+=("$out/$s/results.json")
done
build/bin/wsfault report "${results[@]}" -o "$out/report" --junit "$out/junit.xml" || status=1
exit $status
