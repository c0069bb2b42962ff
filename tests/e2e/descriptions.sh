# A failed expectation says what it waited for and what came, in words: any
# frame or a text frame "hello"; a Close with an empty payload where Close
# 1000 was expected. The server is tests/data/subprotocol_echo.py without
# its subprotocol: it echoes no data, and answers a Close with its first
# two bytes. The timeline of results.json gives what was sent, its length too.
# A frame with RSV bits is described with them (the server in mode rsv).
source "$(dirname "$0")/lib.sh"

DATA=$SRC/tests/data
TARGET=$DATA/targets/subprotocol-echo.target

expect_rc 1 "$WSFAULT" run --no-capture --target "$TARGET" --results frames.json \
  "$DATA/scenarios/expect-any-frame.wsf" "$SRC/scenarios/close/clean-peer-initiated.wsf"
assert_contains out.txt 'expected: any frame within 300ms'
assert_contains out.txt 'expected: text frame "hello" within 1s'
assert_contains out.txt 'actual:   no frame within 1s'

expect_rc 1 "$WSFAULT" run --no-capture --target "$TARGET" --results close.json \
  "$DATA/scenarios/close-code-of-empty.wsf"
assert_contains out.txt 'expected: close 1000 within 1s'
assert_contains out.txt 'actual:   close with an empty payload at +'

# The timeline of results.json says the same of what was sent: the text
# frame "hello" is 5 bytes, masked, with FIN.
sent=$(python3 -c 'import json,sys
for s in json.load(open(sys.argv[1]))["scenarios"]:
    for e in s["timeline"]:
        if e["kind"] == "frame" and e["dir"] == "peer>target" and e["what"] == "text":
            print(e["detail"], e["len"], e["masked"], e["fin"])' frames.json | sort -u)
[ "$sent" = "text 5 bytes 5 True True" ] || fail "the sent text frame in the timeline: '$sent'"

# A frame with RSV bits is described with them, and `send raw` sends its
# bytes as given: a text frame "hi" of 8 raw bytes, which the subprotocol-rsv
# server echoes with RSV1 set.
expect_rc 1 "$WSFAULT" run --no-capture --target "$DATA/targets/subprotocol-rsv.target" \
  --results rsv.json "$DATA/scenarios/raw-frame-echoed-with-rsv.wsf"
assert_contains out.txt 'expected: text frame "bye" within 1s'
assert_contains out.txt 'actual:   text frame of 2 bytes "hi" with RSV bits 4 at +'
raw=$(json '[e["detail"] for e in d["scenarios"][0]["timeline"] if e["what"] == "raw"]' rsv.json)
[ "$raw" = "['8 raw bytes']" ] || fail "the raw bytes in the timeline: $raw"

# A passed check never states a failure: lws-echo closes cleanly, and the
# report's "actual" of its `should closing clean` must not say otherwise
# (TCP still open, the peer ended TCP first, a reset, a Close missing).
expect_rc 0 "$WSFAULT" run --no-capture --target "$SRC/targets/lws-echo.target" \
  --results clean.json "$SRC/scenarios/close/clean-peer-initiated.wsf"
clean=$(json '[(k["result"], k.get("actual", "")) for k in d["scenarios"][0]["checks"]
               if k["text"] == "should closing clean"]' clean.json)
[ "$clean" = "[('pass', '')]" ] || fail "a passed clean close described as: $clean"

# A stream that ends in the middle of a frame says so: the subprotocol-cut-frame
# server echoes 3 bytes of "hello"'s frame, then its FIN.
expect_rc 1 "$WSFAULT" run --no-capture --target "$DATA/targets/subprotocol-cut-frame.target" \
  --results cut.json "$DATA/scenarios/expect-any-frame.wsf"
fin=$(json '[e["detail"] for e in d["scenarios"][0]["timeline"] if e["kind"] == "tcp" and e["what"] == "fin"]' cut.json)
[ "$fin" = "['EOF, with 3 bytes of an incomplete frame or response before it']" ] ||
  fail "the FIN after a cut frame: $fin"

# A trickle says on the timeline how fast, and when it ends.
expect_rc 0 "$WSFAULT" run --no-capture --target "$SRC/targets/lws-echo.target" \
  --results trickle.json "$SRC/scenarios/stall/stalled-writer.wsf"
tr=$(json '[e["detail"] for e in d["scenarios"][0]["timeline"] if e["what"] == "trickle"]' trickle.json)
[ "$tr" = "['4 bytes every 10ms', 'off']" ] || fail "the trickle in the timeline: $tr"
