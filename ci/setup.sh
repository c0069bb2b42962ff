#!/usr/bin/env bash
# Installs what wsfault needs to build and test, from Debian's packages.
# Safe to run again: it only calls apt-get when something is missing.
#
#   bash ci/setup.sh           everything: the build and every test
#   bash ci/setup.sh --build   only what building and running wsfault needs
#                              (ci/demo.sh and the CI templates of ci/templates/)
set -euo pipefail

build=(
  build-essential cmake pkg-config   # the build
  libwebsockets-dev                  # the reference target (lws-echo)
  libpcap-dev                        # per-scenario captures
  libjansson-dev libssl-dev          # results.json; SHA-1 for the handshake, TLS for wss://
  openssl                            # e2e TLS tests: a certificate made at test time
  zlib1g-dev                         # the report's held-back parts, deflated
  libpcre2-dev                       # regexes of scenario and target files, with match limits
  libcunit1-dev                      # unit tests
)
tests=(
  python3 procps                     # end-to-end tests: JSON checks, pgrep
  time                               # e2e amplify test: /usr/bin/time for peak RSS
  python3-websockets                 # Python servers of the bug zoo
  python3-yaml                       # ci.templates test: parses the CI templates
  nodejs                             # the bug zoo's Node.js server (zoo-net.js)
  tshark                             # e2e capture test: reads the pcap files back
  libcap2-bin                        # e2e no-capture-permission test: capsh
  iproute2                           # e2e capture-netns test: ip (not in minimal images)
  clang-format git                   # the style test
  clang libclang-rt-14-dev           # the fuzz tests: libFuzzer and the sanitizers
  groff-base man-db                  # docs.man test: groff -ww and man -l render the man pages
  libxml2-utils                      # e2e report test: xmllint checks the JUnit file
  time                               # e2e flood test: /usr/bin/time measures peak RSS
  chromium fonts-dejavu-core         # e2e report test: the HTML report in a headless browser
  dpkg-dev                           # cpack -G DEB: dpkg-shlibdeps computes the package's Depends
  debootstrap                        # package test: a clean Debian 12 to install the .deb in
)

packages=("${build[@]}" "${tests[@]}")
if [ "${1:-}" = --build ]; then
  packages=("${build[@]}")
elif [ $# -gt 0 ]; then
  echo "usage: bash ci/setup.sh [--build]" >&2
  exit 2
fi
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
