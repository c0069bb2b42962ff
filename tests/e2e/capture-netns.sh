# Packet capture against a target that is not on loopback: lws-echo runs in
# a network namespace of its own, reached from here over a veth pair, and a
# wire scenario passes against it twice: with the default interface (a target
# address outside 127/8 means "any") and with --capture-if naming the veth.
# Each pcap holds the scenario's connection between the two veth addresses,
# and the timeline has wire events both ways. The namespace, the veth pair and
# the server go at exit. Needs root (a namespace, a veth pair, CAP_NET_RAW),
# ip (iproute2) and tshark.
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || fail "not root: this test creates a network namespace (CI runs it as root)"
command -v ip >/dev/null || fail "ip is not installed (iproute2; ci/setup.sh installs it)"
command -v tshark >/dev/null || fail "tshark is not installed (ci/setup.sh installs it)"
LWS_ECHO=$(dirname "$WSFAULT")/lws-echo
[ -x "$LWS_ECHO" ] || fail "no lws-echo next to $WSFAULT"

# Names of this run's own (interface names: at most 15 characters).
ns=wsf-capns-$$
host_if=wsfh$$
ns_if=wsfn$$
server=""

cleanup() {
  if [ -n "$server" ]; then
    kill -TERM "$server" 2>/dev/null || true
    for _ in $(seq 60); do
      kill -0 "$server" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  # Deleting one end deletes both, at once (a namespace's own devices go
  # only some time after the namespace).
  ip link del "$host_if" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  cd /
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A /30 of 10.200.0.0/16 that no route or address here covers yet, so that the
# only way to its addresses is the veth pair: the host side gets .1, the
# namespace .2. Chosen by the pid, so parallel runs differ.
net=""
for k in $(seq 0 31); do
  i=$((($$ + k) % 16384))
  cand=10.200.$((i / 64)).$((i % 64 * 4))
  if [ -z "$(ip -4 route show table all match "$cand/30" | grep -v '^default ')" ] &&
    [ -z "$(ip -4 route show table all root "$cand/30")" ] &&
    [ -z "$(ip -4 -o addr show to "$cand/30")" ]; then
    net=$cand
    break
  fi
done
[ -n "$net" ] || fail "no free /30 in 10.200.0.0/16 near $$"
prefix=${net%.*}
last=${net##*.}
host_addr=$prefix.$((last + 1))
ns_addr=$prefix.$((last + 2))
# Any port will do inside the namespace; one below the ephemeral range, so
# that the capture on "any" (its filter is the port) meets nothing else.
port=$((20000 + $$ % 10000))

ip netns add "$ns" || fail "cannot create the network namespace $ns"
ip link add "$host_if" type veth peer name "$ns_if" netns "$ns" ||
  fail "cannot create the veth pair $host_if, $ns_if"
ip addr add "$host_addr/30" dev "$host_if"
ip link set "$host_if" up
ip netns exec "$ns" ip addr add "$ns_addr/30" dev "$ns_if"
ip netns exec "$ns" ip link set "$ns_if" up
ip netns exec "$ns" ip link set lo up
for _ in $(seq 100); do
  [ "$(cat "/sys/class/net/$host_if/operstate")" = up ] && break
  sleep 0.05
done
[ "$(cat "/sys/class/net/$host_if/operstate")" = up ] ||
  fail "$host_if is $(cat "/sys/class/net/$host_if/operstate") after 5s, not up"
# The target's address is reached through the veth, and only through it.
route=$(ip -4 route get "$ns_addr")
grep -qE "^$ns_addr dev $host_if src $host_addr( |$)" <<<"$route" ||
  fail "$ns_addr is not routed through $host_if: $route"
echo "namespace $ns: $host_if $host_addr <-> $ns_if $ns_addr, target port $port"

# ip netns exec runs the server in place of itself: $server is lws-echo.
ip netns exec "$ns" "$LWS_ECHO" --port "$port" --host "$ns_addr" >server.log 2>&1 &
server=$!
for _ in $(seq 100); do
  grep -q "listening on" server.log && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.05
done
grep -qF "listening on $ns_addr:$port" server.log || {
  cat server.log >&2
  fail "lws-echo in $ns did not say 'listening on $ns_addr:$port' within 5s"
}

cat >wire.wsf <<'EOF'
scenario "Wire facts from a target behind a veth pair"
connect
handshake
send text "hello"
expect text "hello" within 1s
send close 1000
expect close 1000 within 1s
expect tcp fin within 2s
expect wire fin first by target
expect wire no rst from target
EOF
name="Wire facts from a target behind a veth pair"
url="ws://$ns_addr:$port/"

# facts RESULTS: what a results file says of its one scenario, a line each.
facts() {
  python3 - "$1" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
wire = [e for e in s["timeline"] if e["kind"] == "wire"]
print("verdict:", s["verdict"], *([s["reason"]] if "reason" in s else []))
print("url:", s.get("url"))
print("checks:", " ".join(k["result"] for k in s["checks"]))
print("notes:", " ".join(e["what"] for e in s["timeline"] if e["kind"] == "note") or "none")
print("wire directions:", " ".join(sorted({e.get("dir", "-") for e in wire})))
print("SYN and FIN:", ", ".join(e.get("dir", "-") + " " + e["what"] for e in wire
                                if e["what"] in ("SYN", "FIN")))
print("wire events:", len(wire))
print("pcap:", s.get("pcap", ""))
EOF
}

# check_run DIR LINK: the run with its results in DIR/results.json passed; its
# pcap holds the connection between the veth addresses and nothing else, on
# the link type LINK (sll: cooked, as "any" gives; eth: Ethernet, as the veth
# itself gives); the timeline has a wire event per packet, both ways.
check_run() {
  local dir=$1 link=$2 r=$1/results.json
  assert_contains out.txt "PASS  $name"
  assert_contains out.txt "1 passed, 0 failed, 0 errors"
  facts "$r" >"$dir/facts.txt" || fail "$dir: cannot read $r"

  local pcap
  pcap=$(sed -n 's/^pcap: //p' "$dir/facts.txt")
  [ -n "$pcap" ] || fail "$dir: no pcap in results.json"
  [ -s "$dir/$pcap" ] || fail "$dir: $dir/$pcap is missing or empty"

  # TCP only: see capture.sh for why the WebSocket and HTTP dissectors are off.
  tshark --disable-protocol websocket --disable-protocol http -r "$dir/$pcap" -T fields -E separator=, -e ip.src -e ip.dst -e tcp.srcport \
    -e tcp.dstport -e tcp.flags.reset -e sll.pkttype -e eth.src >"$dir/fields.txt" \
    2>"$dir/tshark.err" || {
    cat "$dir/tshark.err" >&2
    fail "$dir: tshark cannot read $pcap"
  }
  if grep -v '^Running as user "root"' "$dir/tshark.err" | grep -q .; then
    cat "$dir/tshark.err" >&2
    fail "$dir: tshark complains about $pcap"
  fi
  local packets strays to from linked
  packets=$(wc -l <"$dir/fields.txt")
  [ "$packets" -gt 0 ] || fail "$dir: no packets in $pcap"
  # Every packet: peer to target (to the port) or target to peer (from it),
  # between the veth addresses; nothing from or to 127.0.0.1.
  strays=$(awk -F, -v h="$host_addr" -v n="$ns_addr" -v p="$port" '
    !(($1 == h && $2 == n && $4 == p) || ($1 == n && $2 == h && $3 == p))' "$dir/fields.txt")
  [ -z "$strays" ] || {
    head <<<"$strays" >&2
    fail "$dir: packets in $pcap other than $host_addr <-> $ns_addr:$port"
  }
  to=$(awk -F, -v n="$ns_addr" '$2 == n' "$dir/fields.txt" | wc -l)
  from=$(awk -F, -v n="$ns_addr" '$1 == n' "$dir/fields.txt" | wc -l)
  [ "$to" -gt 0 ] && [ "$from" -gt 0 ] || fail "$dir: $to packets to the target, $from from it"
  [ "$(cut -d, -f3,4 "$dir/fields.txt" | tr , '\n' | grep -vx "$port" | sort -u | wc -l)" -eq 1 ] ||
    fail "$dir: more than one client port in $pcap"
  # No RST at all: the target closed cleanly, and so did the peer.
  if awk -F, '$5 == "1" || $5 == "True"' "$dir/fields.txt" | grep -q .; then
    fail "$dir: an RST in $pcap"
  fi
  if [ "$link" = sll ]; then
    linked=$(awk -F, '$6 != ""' "$dir/fields.txt" | wc -l)
  else
    linked=$(awk -F, '$6 == "" && $7 != ""' "$dir/fields.txt" | wc -l)
  fi
  [ "$linked" -eq "$packets" ] || fail "$dir: $linked of $packets packets with $link link headers"

  # The results: passed, every check passed (the handshake and 5 expects),
  # captured (no note), the target's FIN first, a wire event per packet.
  cat >"$dir/want.txt" <<EOF
verdict: pass
url: $url
checks: pass pass pass pass pass pass
notes: none
wire directions: peer>target target>peer
SYN and FIN: peer>target SYN, target>peer SYN, target>peer FIN, peer>target FIN
wire events: $packets
pcap: $pcap
EOF
  diff "$dir/want.txt" "$dir/facts.txt" >&2 ||
    fail "$dir: results.json is not as expected (the diff above: - wanted, + found)"
  echo "ok: $dir: PASS, $pcap with $packets packets ($to to the target, $from from it," \
    "$link link headers)"
}

# The default interface: "any", the target's address not being a loopback one.
mkdir any
expect_rc 0 timeout -k 5 60 "$WSFAULT" run --url "$url" --results any/results.json wire.wsf
check_run any sll

# The interface named: the host's end of the veth pair.
mkdir veth
expect_rc 0 timeout -k 5 60 "$WSFAULT" run --url "$url" --capture-if "$host_if" \
  --results veth/results.json wire.wsf
check_run veth eth

kill -0 "$server" 2>/dev/null || {
  cat server.log >&2
  fail "lws-echo in $ns is gone"
}
echo "ok: capture against $url, not on loopback: on any and on $host_if"
