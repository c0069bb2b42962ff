#!/usr/bin/env bash
# tools/man-check.py (the test docs.man) must notice a man page that no
# longer says what it describes: an option --help gained, a statement the
# scenario parser gained, a key the target parser gained, an option the page
# lost. Each is made here in a copy, and the check must fail naming it.
source "$(dirname "$0")/lib.sh"

copy_tree() {
  rm -rf tree
  mkdir -p tree/harness tree/docs
  cp -r "$SRC/docs/man" tree/docs/
  cp "$SRC"/docs/cli.md "$SRC"/docs/scenario-language.md "$SRC"/docs/target-file.md tree/docs/
  cp "$SRC"/harness/scenario.c "$SRC"/harness/target.c "$SRC"/harness/bounds.c tree/harness/
}

# The pages as committed pass.
copy_tree
expect_rc 0 python3 "$SRC/tools/man-check.py" --wsfault "$WSFAULT" tree

# A new option in `wsfault run --help` that the page does not name.
cat >wsfault-plus <<SH
#!/usr/bin/env bash
"$WSFAULT" "\$@" | sed '/^  -t, --target FILE/a\\      --pin FILE        pin the certificates in FILE'
SH
chmod +x wsfault-plus
expect_rc 1 python3 "$SRC/tools/man-check.py" --wsfault ./wsfault-plus tree
assert_contains out.txt "wsfault run: --pin (in 'wsfault run --help') is not an option of '.SS wsfault run'"

# An option the page lost.
copy_tree
python3 - tree/docs/man/wsfault.1 <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace(".TP\n.B \\-\\-until\\-fail\n", ".PP\n", 1)
open(p, "w").write(s)
PY
expect_rc 1 python3 "$SRC/tools/man-check.py" --wsfault "$WSFAULT" tree
assert_contains out.txt "wsfault run: --until-fail (in 'wsfault run --help') is not an option"

# A statement the scenario parser gained.
copy_tree
sed -i 's/if (!strcmp(kw, "wait")) {/if (!strcmp(kw, "wait") || !strcmp(kw, "pause")) {/' tree/harness/scenario.c
grep -q '"pause"' tree/harness/scenario.c || fail "the statement was not added to the copy"
expect_rc 1 python3 "$SRC/tools/man-check.py" --wsfault "$WSFAULT" tree
assert_contains out.txt "the statement 'pause' (harness/scenario.c) is not named"

# A key the target parser gained.
copy_tree
sed -i 's/if (!strcmp(kw, "env")) {/if (!strcmp(kw, "env") || !strcmp(kw, "workdir")) {/' tree/harness/target.c
grep -q '"workdir"' tree/harness/target.c || fail "the key was not added to the copy"
expect_rc 1 python3 "$SRC/tools/man-check.py" --wsfault "$WSFAULT" tree
assert_contains out.txt "KEYS has no workdir (harness/target.c)"

# A synopsis line of the docs the page does not have.
copy_tree
sed -i 's/^expect tcp open for DURATION$/expect tcp open for DURATION\nexpect tcp quiet for DURATION/' tree/docs/scenario-language.md
expect_rc 1 python3 "$SRC/tools/man-check.py" --wsfault "$WSFAULT" tree
assert_contains out.txt "the synopsis line 'expect tcp quiet for DURATION' (docs/scenario-language.md) is not in"

# An example that no longer parses.
copy_tree
sed -i 's|^ready    log /serving on/ within 10s$|ready    sometime|' tree/docs/man/wsfault-target.5
grep -q '^ready    sometime' tree/docs/man/wsfault-target.5 || fail "the example was not changed"
expect_rc 1 python3 "$SRC/tools/man-check.py" --wsfault "$WSFAULT" tree
assert_contains out.txt "the EXAMPLES of the man pages do not parse: example.target:5:10: expected 'port'"

echo "man-drift: every kind of drift is caught"
