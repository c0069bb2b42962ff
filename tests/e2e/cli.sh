# The command line a user meets first: help, version, listing and filtering,
# and exit status 2 for every kind of usage mistake, with a message.
source "$(dirname "$0")/lib.sh"

expect_rc 0 "$WSFAULT" --help
assert_contains out.txt "usage: wsfault run [options] [PATH...]"
assert_contains out.txt "--filter PATTERN"
expect_rc 0 "$WSFAULT" run --help
assert_contains out.txt "exit status:"
expect_rc 0 "$WSFAULT" --version
grep -qE '^wsfault [0-9]+\.[0-9]+\.[0-9]+$' out.txt || fail "version line: $(cat out.txt)"

# Listing needs no target, and filters by tag, name substring or glob.
expect_rc 0 "$WSFAULT" run --list "$SRC/scenarios"
total=$(case_count "$SRC/scenarios")
[ "$(wc -l <out.txt)" -eq "$total" ] || fail "--list shows $(wc -l <out.txt) of $total"
expect_rc 0 "$WSFAULT" run --list --filter half-close "$SRC/scenarios"
# Every listed scenario is about half-close (its name, file or tags say so),
# every one in the half-close folder is listed, and nothing else is.
[ "$(grep -vc 'half-close' out.txt)" -eq 0 ] || fail "--filter half-close lists others"
[ "$(grep -c '/half-close/' out.txt)" -eq "$(find "$SRC/scenarios/half-close" -name '*.wsf' | wc -l)" ] ||
  fail "--filter half-close misses some"
[ "$(wc -l <out.txt)" -eq "$(grep -rlE '^(tags .*half-close|scenario .*[Hh]alf-close)' "$SRC/scenarios" | wc -l)" ] ||
  fail "--filter half-close: count"
expect_rc 0 "$WSFAULT" run --list --filter '*1-byte*' "$SRC/scenarios"
[ "$(wc -l <out.txt)" -eq 1 ] || fail "--filter glob"
assert_contains out.txt "one-byte-payload.wsf"

expect_rc 2 "$WSFAULT"
expect_rc 2 "$WSFAULT" frobnicate
assert_contains out.txt "unknown command 'frobnicate'"
expect_rc 2 "$WSFAULT" run "$SRC/scenarios"
assert_contains out.txt "give a target: --target FILE or --url"
# With --url, --target names the file that describes the running server.
expect_rc 2 "$WSFAULT" run --target x --url ws://127.0.0.1:1/ "$SRC/scenarios"
assert_contains out.txt "x: cannot open: No such file or directory"
expect_rc 2 "$WSFAULT" run --url ws://127.0.0.1:1/ /no/such/path
assert_contains out.txt "/no/such/path: No such file or directory"
expect_rc 2 "$WSFAULT" run --url http://127.0.0.1:1/ "$SRC/scenarios"
assert_contains out.txt "expected a ws:// or wss:// URL (ws://host:port/path)"
# An empty folder (and an empty subfolder, which is not sorted) is named.
mkdir -p empty-suite/sub
expect_rc 2 "$WSFAULT" run --list empty-suite
assert_contains out.txt "wsfault: no scenario to run in empty-suite (no .wsf file)"
# An output that cannot be written is found out before the run, not after it.
mkdir -p is-a-folder.json
expect_rc 2 "$WSFAULT" run --url ws://127.0.0.1:1/ --results is-a-folder.json "$SRC/scenarios"
assert_contains out.txt "wsfault: --results is-a-folder.json: not a regular file (a folder)"
! grep -q "scenarios against" out.txt || fail "--results: the run started"
# A port past 65535 is refused before anything runs, not taken modulo 65536.
expect_rc 2 "$WSFAULT" run --url ws://127.0.0.1:99999/ "$SRC/scenarios"
assert_contains out.txt "wsfault: --url ws://127.0.0.1:99999/: expected a port from 1 to 65535 after the host"
expect_rc 2 "$WSFAULT" run --url ws://127.0.0.1:1/ --filter no-such-scenario "$SRC/scenarios"
assert_contains out.txt "none matched the filter"
expect_rc 2 "$WSFAULT" run --bogus "$SRC/scenarios"
expect_rc 2 "$WSFAULT" run --target /no/such.target "$SRC/scenarios"
assert_contains out.txt "/no/such.target: cannot open"
printf 'name x\ncommand true\nurl ws://127.0.0.1:${port}/\nready sometime\n' >bad.target
expect_rc 2 "$WSFAULT" run --target bad.target "$SRC/scenarios"
assert_contains out.txt "bad.target:4:7: expected 'port' or 'log /regex/' after 'ready', found 'sometime'"

# Mistakes in ${...} and quoting are file errors found before anything runs.
printf 'name x\ncommand srv --port ${prot}\nurl ws://127.0.0.1:${port}/\n' >var.target
expect_rc 2 "$WSFAULT" run --target var.target "$SRC/scenarios"
assert_contains out.txt "var.target:2:9: unknown variable '\${prot}' (known: port, port2 to port8, host, bindir, targetdir)"
printf 'name x\ncommand srv "--port ${port}\nurl ws://127.0.0.1:${port}/\n' >quote.target
expect_rc 2 "$WSFAULT" run --target quote.target "$SRC/scenarios"
assert_contains out.txt 'quote.target:2:9: unterminated " quote in command'

# Files that are not text are refused the same way for scenarios and targets.
printf 'scenario "x"\nconnect\n\0' >nul.wsf
expect_rc 2 "$WSFAULT" run --list nul.wsf
assert_contains out.txt "nul.wsf:1:1: expected text, found a NUL byte"
printf 'name x\0\n' >nul.target
expect_rc 2 "$WSFAULT" run --target nul.target "$SRC/scenarios"
assert_contains out.txt "nul.target:1:1: expected text, found a NUL byte"

# A server that is not there: an error verdict (could not run), exit 1.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_rc 1 "$WSFAULT" run --url "ws://127.0.0.1:$port/" --results r.json \
  "$SRC/scenarios/close/clean-peer-initiated.wsf"
assert_contains out.txt "ERROR"
assert_contains out.txt "cannot connect to 127.0.0.1:$port: Connection refused"
echo "ok: help, version, list, filter and usage errors"
