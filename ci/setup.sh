#!/usr/bin/env bash
# Installs what wsfault needs to build and test, from Debian's packages.
# Safe to run again: it only calls apt-get when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config   # the build
  libwebsockets-dev                  # the reference target (lws-echo)
  libpcap-dev                        # per-scenario captures
  libjansson-dev libssl-dev          # results.json; SHA-1 for the handshake, TLS for wss://
  openssl                            # e2e TLS tests: a certificate made at test time
  zlib1g-dev                         # the report's held-back parts, deflated
  libpcre2-dev                       # regexes of scenario and target files, with match limits
  libcunit1-dev                      # unit tests
  python3 procps                     # end-to-end tests: JSON checks, pgrep
  time                               # e2e amplify test: /usr/bin/time for peak RSS
  python3-websockets                 # Python servers of the bug zoo
  nodejs                             # the bug zoo's Node.js server (zoo-net.js)
  tshark                             # e2e capture test: reads the pcap files back
  libcap2-bin                        # e2e no-capture-permission test: capsh
  iproute2                           # e2e capture-netns test: ip (not in minimal images)
  clang-format git                   # the style test
  clang libclang-rt-14-dev           # the fuzz tests: libFuzzer and the sanitizers
  libxml2-utils                      # e2e report test: xmllint checks the JUnit file
  time                               # e2e flood test: /usr/bin/time measures peak RSS
  chromium fonts-dejavu-core         # e2e report test: the HTML report in a headless browser
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
