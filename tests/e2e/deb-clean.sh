# The .deb on a clean Debian 12: cpack -G DEB from the build folder, a
# minimal bookworm (debootstrap --variant=minbase, from Debian's archive),
# `apt-get install ./wsfault_*.deb` in it with the dependencies resolved by
# apt, then, inside it, the installed suite without a path against the
# installed lws-echo.target: it must pass, and `man wsfault` must find its
# page where the package has one.
#   bash tests/e2e/deb-clean.sh WSFAULT SOURCE_DIR BUILD_DIR
# Needs root (debootstrap, chroot, mount) and the network to the archive
# (DEB_MIRROR, default http://deb.debian.org/debian). The untouched system
# is kept in BUILD_DIR/deb-clean/base and copied afresh for each run, so a
# second run downloads only the package lists and the dependencies.
# Exit 77 (a skip for ctest), saying why, when not root, without
# debootstrap or where /proc cannot be mounted (an unprivileged container).
source "$(dirname "$0")/lib.sh"
BUILD=$(realpath "$3")
MIRROR=${DEB_MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" = 0 ] || {
  echo "skipped: debootstrap and chroot need root"
  exit 77
}
command -v debootstrap >/dev/null || {
  echo "skipped: no debootstrap (ci/setup.sh installs it)"
  exit 77
}

CACHE=$BUILD/deb-clean
ROOT=$CACHE/root
mkdir -p "$CACHE"
# One run at a time per build folder: they share the system's copy.
exec 9>"$CACHE/lock"
flock 9

# Unmount before removing: rm -rf must never walk into the host's /proc.
release_root() {
  if mountpoint -q "$ROOT/proc"; then umount "$ROOT/proc"; fi
  if [ -d "$ROOT" ]; then rm -rf --one-file-system "$ROOT"; fi
}
trap 'release_root; rm -rf "$WORK"' EXIT
release_root

start=$SECONDS
echo "== cpack -G DEB"
cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$WORK/pkg" >cpack.log 2>&1 || {
  cat cpack.log
  fail "cpack -G DEB"
}
deb=$(echo "$WORK"/pkg/wsfault_*.deb)
[ -f "$deb" ] || fail "cpack made no wsfault_*.deb"
echo "$(basename "$deb"): Depends: $(dpkg-deb -f "$deb" Depends)"

if [ ! -d "$CACHE/base" ]; then
  echo "== debootstrap --variant=minbase bookworm (once; kept in $CACHE/base)"
  rm -rf --one-file-system "$CACHE/base.tmp"
  debootstrap --variant=minbase bookworm "$CACHE/base.tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 || {
    tail -n 20 "$CACHE/debootstrap.log"
    fail "debootstrap (log: $CACHE/debootstrap.log)"
  }
  # Only a whole system becomes the cache.
  mv "$CACHE/base.tmp" "$CACHE/base"
fi
echo "== a fresh copy of the clean system ($((SECONDS - start)) s so far)"
cp -a "$CACHE/base" "$ROOT"
# The host's name servers, for apt (a host without the file has its own way).
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
cp "$deb" "$ROOT/tmp/"
# wsfault reads /proc (its own program, the target's sockets).
mount -t proc proc "$ROOT/proc" 2>mount.err || {
  echo "skipped: cannot mount /proc in the clean system: $(head -n 1 mount.err)"
  exit 77
}
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

echo "== apt-get install ./$(basename "$deb")"
in_root apt-get update -qq >apt.log 2>&1 || {
  cat apt.log
  fail "apt-get update in the clean system"
}
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  "/tmp/$(basename "$deb")" >>apt.log 2>&1 || {
  cat apt.log
  fail "apt-get install of the .deb in the clean system"
}
grep -E '^(Setting up|The following NEW)' apt.log || true
for lib in libpcap0.8 libjansson4 libwebsockets17; do
  in_root dpkg-query -W -f='${Status}\n' "$lib" | grep -q "install ok installed" ||
    fail "$lib was not installed with the package"
done
echo "installed in $((SECONDS - start)) s"

echo "== wsfault run --target /usr/share/wsfault/targets/lws-echo.target (no path: the installed suite)"
in_root mkdir /tmp/run
set +e
in_root sh -c 'cd /tmp/run && wsfault run --target /usr/share/wsfault/targets/lws-echo.target' >run.txt 2>&1
rc=$?
set -e
cat run.txt
[ $rc -eq 0 ] || fail "the installed suite exited $rc in the clean system"
total=$(case_count "$SRC/scenarios")
assert_contains run.txt "wsfault $("$WSFAULT" --version | cut -d' ' -f2): $total scenarios against lws-echo"
assert_contains run.txt "(/usr/share/wsfault/scenarios/"
assert_contains run.txt " 0 failed, 0 errors"
[ -f "$ROOT/tmp/run/results.json" ] || fail "no results.json in the clean system"

# The man page, where the package has one: man-db reads it from /usr/share/man.
# (The listing goes to a file first: grep -q would end the pipe early.)
dpkg-deb -c "$deb" >contents.txt
if grep -q '/usr/share/man/man1/wsfault\.1\.gz$' contents.txt; then
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends man-db \
    >>apt.log 2>&1 || fail "apt-get install man-db"
  in_root man -P cat wsfault >man.txt 2>&1 || {
    cat man.txt
    fail "man wsfault in the clean system"
  }
  grep -q wsfault man.txt || fail "man wsfault shows no page"
  echo "man wsfault: $(grep -m1 -i 'wsfault' man.txt | sed 's/  */ /g')"
fi
echo "ok: $(basename "$deb") installed on a clean Debian 12 and passed its suite there, in $((SECONDS - start)) s"
