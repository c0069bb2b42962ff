# A target that is a launcher shell forking the server: fds and RSS are
# measured over the whole process group, so the server's own leak and growth
# are seen (measured on the shell alone, both checks passed); the checks say
# which processes they measured; `signal-to group` reaches the server, the
# default reaches only the shell; ${port2} is a second port, claimed like
# ${port} and distinct from it.
source "$(dirname "$0")/lib.sh"
TARGET=$SRC/tests/data/targets/launcher.target

cat >fds.wsf <<'WSF'
scenario "The server behind the launcher opens 50 fds"
connect
handshake
send text "open-fds"
expect text "opened 50" within 2s
send close 1000
expect close 1000 within 2s
expect fds baseline within 300ms
WSF
cat >rss.wsf <<'WSF'
scenario "The server behind the launcher grows by 64 MiB"
connect
handshake
send text "alloc"
expect text "allocated" within 5s
expect target rss growth below 32MiB
WSF
cat >ports.wsf <<'WSF'
scenario "The server says which ports it has"
connect
handshake
send text "ports"
expect text "ports" within 2s
expect log /port2 claimed: yes/ within 2s
WSF
cat >socket.wsf <<'WSF'
scenario "The server behind the launcher keeps the connection"
connect
handshake
send text "keep"
expect text "kept" within 2s
close
expect socket released within 300ms
WSF
cat >usr1.wsf <<'WSF'
scenario "SIGUSR1 reaches the server"
connect
handshake
signal USR1
expect log /server: got SIGUSR1/ within 2s
expect target alive
WSF

expect_rc 1 "$WSFAULT" run --no-capture --target "$TARGET" --results r.json \
  fds.wsf rss.wsf ports.wsf socket.wsf usr1.wsf
# check S PREFIX FIELD: a field of the check of scenario S whose text starts with PREFIX.
check() { json "[k for k in d['scenarios'][$1]['checks'] if k['text'].startswith('$2')][0]['$3']" r.json; }

# fds: the 50 the server opened are over the baseline; both processes named.
[ "$(check 0 'expect fds' result)" = "fail" ] || fail "the server's 50 fds were not seen"
actual=$(check 0 'expect fds' actual)
echo "fds: $actual"
over=$(echo "$actual" | sed -n 's/.*, +\([0-9]*\) over the.*/\1/p')
[ -n "$over" ] && [ "$over" -ge 50 ] || fail "fds over the baseline: '$over', expected 50 or more"
echo "$actual" | grep -qE "process group now: 2 processes: (sh|python3) [0-9]+ \([0-9]+ fds\), (sh|python3) [0-9]+ \([0-9]+ fds\)" ||
  fail "the fds check does not name the launcher and the server: $actual"
echo "$actual" | grep -qE "python3 [0-9]+ \(([5-9][0-9]|[1-9][0-9]{2,}) fds\)" ||
  fail "the server's own count should hold its 50 fds: $actual"
[[ "$(check 0 'expect fds' expected)" == "the open fds of the target's process group back to "* ]] ||
  fail "fds expected text"

# RSS: the 64 MiB are the server's.
[ "$(check 1 'expect target rss' result)" = "fail" ] || fail "the server's 64 MiB were not seen"
actual=$(check 1 'expect target rss' actual)
echo "rss: $actual"
grew=$(echo "$actual" | sed -n 's/^grew by \([0-9]*\)\..*/\1/p')
[ -n "$grew" ] && [ "$grew" -ge 60 ] || fail "RSS growth '$grew' MiB, expected 60 or more"
echo "$actual" | grep -qE "python3 [0-9]+ \(([6-9][0-9]|[1-9][0-9]{2,})\.[0-9] MiB\)" ||
  fail "the server's own RSS should hold the 64 MiB: $actual"

# ${port2}: claimed while the target runs, and not ${port}.
[ "$(json 'd["scenarios"][2]["verdict"]' r.json)" = "pass" ] || fail "port2 was not claimed"
line=$(json '[e["detail"] for e in d["scenarios"][2]["timeline"] if "port2" in e.get("detail","")][0]' r.json)
echo "ports: $line"
p1=$(echo "$line" | sed -n 's/.*server: port \([0-9]*\), port2 \([0-9]*\),.*/\1/p')
p2=$(echo "$line" | sed -n 's/.*server: port \([0-9]*\), port2 \([0-9]*\),.*/\2/p')
[ -n "$p1" ] && [ -n "$p2" ] && [ "$p1" != "$p2" ] || fail "port and port2: '$p1' '$p2'"
read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
[ "$p2" -lt "$lo" ] || [ "$p2" -gt "$hi" ] || fail "port2 $p2 is inside the ephemeral range"

# The socket: held by the server, found among its fds.
[ "$(check 3 'expect socket' result)" = "fail" ] || fail "the socket the server kept was not seen"
actual=$(check 3 'expect socket' actual)
echo "socket: $actual"
echo "$actual" | grep -qE "in CLOSE_WAIT \(fd [0-9]+ of python3 [0-9]+\); the target's process group now: 2 processes" ||
  fail "the socket check should name the server's fd: $actual"

# signal-to group: the server got it (and the launcher too).
[ "$(json 'd["scenarios"][4]["verdict"]' r.json)" = "pass" ] || fail "SIGUSR1 did not reach the server"
[ "$(json 'any("to process group" in e.get("detail","") and "2 processes" in e["detail"] for e in d["scenarios"][4]["timeline"])' r.json)" = "True" ] ||
  fail "the signal event should name the process group and its processes"

# The default, signal-to main: only the launcher gets it.
grep -v '^signal-to' "$TARGET" >main.target
sed -i "s|\${targetdir}|$SRC/tests/data/targets|" main.target
sed -i 's|/server: got SIGUSR1/|/launcher: got SIGUSR1/|' usr1.wsf
expect_rc 0 "$WSFAULT" run --no-capture --target main.target --results r2.json usr1.wsf
[ "$(json 'any("server: got SIGUSR1" in e.get("detail","") for e in d["scenarios"][0]["timeline"])' r2.json)" = "False" ] ||
  fail "with signal-to main the server should not get the signal"
assert_contains out.txt "1 passed, 0 failed, 0 errors"
echo "ok: the whole process group is measured and signalled; port2 claimed"
