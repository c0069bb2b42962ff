# Hostile input in every report: a server (tests/data/hostile/hostile_server.py)
# whose handshake response, log lines and Close reason carry markup, CDATA
# ends, NUL bytes and invalid UTF-8, run with a scenario whose file name,
# name, description and text do the same. The results keep every byte (NUL
# included, as \x00 text); the JUnit XML is well-formed and holds no raw
# markup; the HTML page has its one script and nothing the data smuggled in,
# no raw control bytes, valid UTF-8, and shows the hostile text escaped.
# Then a hand-made results file with real NULs (\u0000) is rendered by
# `wsfault report`: NULs show as U+2400 and the text after them stays.
# The last part holds regression checks for bugs this test found.
source "$(dirname "$0")/lib.sh"

DATA=$SRC/tests/data/hostile
PY=/usr/bin/python3
export PYTHONPATH=$SRC/tests/e2e
SC="$DATA/hostile it's <b> & \"q\" ]]> é.wsf"
[ -f "$SC" ] || fail "the hostile scenario file is missing: $SC"

# --- a run against the hostile server --------------------------------------------
expect_rc 1 "$WSFAULT" run --target "$DATA/hostile.target" --results r.json --report rep \
  --junit j.xml "$SC"
assert_contains out.txt "0 passed, 1 failed, 0 errors"
assert_contains out.txt "after-nul-reason"
no_process hostile_server.py

# results.json: parses, and the server's bytes survived (escaped as \xNN text).
"$PY" - r.json <<'EOF' || fail "r.json: see above"
import json, sys
d = json.load(open(sys.argv[1]))
sc = d["scenarios"][0]
def need(cond, what):
    if not cond:
        sys.exit("r.json: " + what)
need(sc["verdict"] == "fail", "verdict %r" % sc["verdict"])
need(sc["name"] == "<script>alert('name')</script> \"dq\" ]]> & caf\u00e9 \u20ac \U0001F600 tab\there",
     "scenario name %r" % sc["name"])
need(d["target"]["name"] == "hostile <i>srv</i> & 'sq' \"dq\" ]]> \u00e9",
     "target name %r" % d["target"]["name"])
tl = sc["timeline"]
details = [e.get("detail", "") for e in tl]
def event(kind, pred, what):
    need(any(e["kind"] == kind and pred(e.get("detail", "")) for e in tl),
         "no %s event with %s; details: %r" % (kind, what, details))
# The Close reply: markup, quotes, ]]>, the NUL and the bytes after it, 0xff.
event("frame", lambda s: s.startswith("close 1000 \"<script>alert('close')</script>\\\"q\\\" ]]>"
                                       "\\x00after-nul-reason\\xff end\""), "the hostile Close reason")
# The log lines, raw bytes escaped.
event("log", lambda s: '<script>alert(\\"log\\")</script> ]]> & <img src=x onerror=alert(3)>' in s,
      "the <script> log line")
event("log", lambda s: s.endswith("nul here:\\x00after-nul-log <b>bold</b>"), "the NUL log line")
event("log", lambda s: "\\xff\\xfe and \\xc3( end-invalid \\x1b[31mred" in s, "the invalid UTF-8 log line")
event("log", lambda s: "close received <<script>alert('peer')</script>" in s and
      "]]>\\x00after-nul-peer \\xff>" in s, "the peer's own reason, logged by the server")
# The handshake response: its reason phrase and the extra header.
event("http", lambda s: s.startswith("101 Switching Protocols <script>alert(2)</script>"),
      "the hostile reason phrase")
event("http", lambda s: "X-Hostile: <script>alert(1)</script> \\\"dq\\\" 'sq' ]]> &amp; end" in s,
      "the hostile header")
checks = sc["checks"]
need([k["result"] for k in checks] == ["pass", "pass", "fail"], "check results %r" % checks)
need("alert(\\\"log\\\")" in checks[1]["actual"], "expect log did not cite the line: %r" % checks[1])
need("]]>\\x00expected-after-nul\"" in checks[2]["expected"], "expected: %r" % checks[2])
need("]]>\\x00after-nul-reason\\xff end\"" in checks[2]["actual"], "actual: %r" % checks[2])
need("<script>alert('desc')</script>" in sc["description"], "description %r" % sc["description"])
need("\\0after-nul-peer" in sc["source"], "source lost its escapes")
print("ok: r.json keeps the hostile bytes")
EOF

# JUnit: well-formed, no raw markup from the data, the text after each NUL.
xmllint --noout j.xml || fail "j.xml is not well-formed XML"
if grep -qi '<script' j.xml; then fail "j.xml has a raw <script"; fi
if grep -qF ']]>' j.xml; then fail "j.xml has a raw ]]>"; fi
assert_contains j.xml '&lt;script&gt;alert(&#39;close&#39;)&lt;/script&gt;'
assert_contains j.xml ']]&gt;'
assert_contains j.xml 'after-nul-reason\xff end'
assert_contains j.xml 'expected-after-nul'
"$PY" - j.xml "$SC" <<'EOF' || fail "j.xml: see above"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.findall(".//testcase")
def need(cond, what):
    if not cond:
        sys.exit("j.xml: " + what)
need(len(cases) == 1, "%d testcases" % len(cases))
tc = cases[0]
# (XML turns a tab in an attribute value into a blank.)
need(tc.get("name") == "<script>alert('name')</script> \"dq\" ]]> & caf\u00e9 \u20ac \U0001F600 tab here",
     "testcase name %r" % tc.get("name"))
f = tc.find("failure")
need(f is not None, "no <failure>")
need("<script>alert('close')</script>\\\"q\\\" ]]>\\x00after-nul-reason" in f.get("message"),
     "failure message %r" % f.get("message"))
need("expected: close 1000 \"<script>alert('expected')</script> ]]>\\x00expected-after-nul\"" in f.text,
     "failure text %r" % f.text)
need(sys.argv[2] in tc.find("system-out").text, "system-out does not name the scenario file")
print("ok: j.xml is well-formed and reads back the hostile text")
EOF

# HTML: one script, nothing smuggled in, clean bytes, the data visible.
"$PY" - rep/index.html "$SC" <<'EOF' || fail "rep/index.html: see above"
import html.parser, re, shlex, sys
from held_back import scripts, unpack
raw = open(sys.argv[1], "rb").read()
def need(cond, what):
    if not cond:
        sys.exit("index.html: " + what)
text = raw.decode("utf-8")  # strict: raises on invalid UTF-8
# One script runs, the page's own; the others are held-back parts (base64),
# read here as a reader who opened them sees them.
why = scripts(text)
need(not why, why)
text = unpack(text)
raw = text.encode("utf-8")
bad = sorted({b for b in raw if (b < 0x20 and b not in (9, 10, 13)) or b == 0x7f})
need(not bad, "raw control bytes %r" % bad)
need("\ufffe" not in text and "\uffff" not in text, "U+FFFE/U+FFFF in the page")
need(len(re.findall(r"<script", text, re.I)) == 1, "more than one <script")
need("&lt;script&gt;" in text, "the escaped <script> is not shown")

class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.on_attrs, self.data = {}, [], []
    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.on_attrs += [(tag, a) for a, _ in attrs if a.startswith("on")]
    def handle_data(self, d):
        self.data.append(d)
p = Tags()
p.feed(text)
p.close()
need(p.tags.get("script") == 1, "script start tags: %r" % p.tags.get("script"))
for t in ("img", "iframe", "object", "embed", "b", "i"):
    need(t not in p.tags, "a <%s> element came from the data: %r" % (t, p.tags))
need(not p.on_attrs, "event handler attributes: %r" % p.on_attrs)
shown = "".join(p.data)
for s in ("<script>alert('name')</script>", "<script>alert('close')</script>",
          '<script>alert(\\"log\\")</script> ]]> & <img src=x onerror=alert(3)>',
          "<script>alert(2)</script>", "X-Hostile: <script>alert(1)</script>",
          "<script>alert('desc')</script>", "hostile <i>srv</i> & 'sq' \"dq\" ]]> \u00e9",
          "\\x00after-nul-reason", "\\x00after-nul-log", "\\xff\\xfe and \\xc3("):
    need(s in shown, "not shown as text: %r" % s)

def esc(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))
name = esc("<script>alert('name')</script> \"dq\" ]]> & caf\u00e9 \u20ac \U0001F600 tab\there")
need(re.search(r'<td><a href="#s[0-9]+-[0-9]+">' + re.escape(name) + "</a>", text),
     "the name is not in the matrix, escaped")
need(re.search(r'<summary><span class="badge v-fail">FAIL</span>' + re.escape(name), text),
     "the name is not in the scenario's summary, escaped")
need(esc(sys.argv[2]) in text, "the scenario's file name is not shown, escaped")
need("<title>wsfault report: " + esc("hostile <i>srv</i> & 'sq' \"dq\" ]]> \u00e9") + "</title>" in text,
     "the page title")

# The sequence diagram's tooltips: the scenario's text, the server's words.
svg = re.findall(r"<svg .*?</svg>", text, re.S)
need(len(svg) == 1, "%d SVGs" % len(svg))
titles = re.findall(r"<title>(.*?)</title>", svg[0], re.S)
for s in ("send close 1000 \"<script>alert('peer')</script> \\\"dq\\\" 'sq' ]]>\\0after-nul-peer",
          "close 1000 \"<script>alert('close')</script>\\\"q\\\" ]]>\\x00after-nul-reason\\xff end\"",
          '<script>alert(\\"log\\")</script> ]]> & <img src=x onerror=alert(3)>'):
    need(any(esc(s) in t for t in titles), "no SVG <title> with %r" % s)
need(all("<" not in t for t in titles), "markup inside an SVG <title>")
need(re.search(r'target: hostile &lt;i&gt;srv&lt;/i&gt;', svg[0]), "the SVG's target lane head")

# The re-run line, unescaped, is a shell command naming the same file.
m = re.search(r'<pre class="rerun"><code>(.*?)</code></pre>', text, re.S)
need(m, "no re-run line")
import html as h
words = shlex.split(h.unescape(m.group(1)))
need(words[0] == "cd" and words[2] == "&&", "re-run line %r" % words)
need(words[-1] == sys.argv[2], "re-run line names %r, not the scenario file" % words[-1])
print("ok: index.html has one script, clean bytes, and shows the hostile text escaped")
EOF

# --- a results file written by someone else, with real NULs ------------------------
expect_rc 0 "$WSFAULT" report "$DATA/nul-results.json" -o rep2 --junit j2.xml
xmllint --noout j2.xml || fail "j2.xml is not well-formed XML"
if grep -qi '<script' j2.xml; then fail "j2.xml has a raw <script"; fi
if grep -qF ']]>' j2.xml; then fail "j2.xml has a raw ]]>"; fi
assert_contains j2.xml 'after-nul-actual'
assert_contains j2.xml 'after-nul-error'
"$PY" - rep2/index.html <<'EOF' || fail "rep2/index.html: see above"
import html.parser, re, sys
from held_back import scripts, unpack
raw = open(sys.argv[1], "rb").read()
def need(cond, what):
    if not cond:
        sys.exit("rep2/index.html: " + what)
text = raw.decode("utf-8")
need(not scripts(text), scripts(text))
text = unpack(text)
raw = text.encode("utf-8")
need(b"\0" not in raw, "a raw NUL")
bad = sorted({b for b in raw if (b < 0x20 and b not in (9, 10, 13)) or b == 0x7f})
need(not bad, "raw control bytes %r" % bad)
need("\ufffe" not in text and "\uffff" not in text, "U+FFFE/U+FFFF in the page")
# Each NUL shows as U+2400, and what followed it is still there.
for field in ("desc", "reason", "text", "expected", "actual", "before", "step", "frame", "what",
              "log", "source", "error", "cwd", "command", "url"):
    need("\u2400after-nul-" + field in text, "no \u2400 then the text after the NUL in %s" % field)
# Other controls as their pictures, U+FFFE as U+FFFD, the emoji kept.
need("\u2401\u2402\u2408\u240b\u240c\u241f\u2421 controls" in text, "control pictures")
need("\u241b[31m \u2421 \ufffd" in text, "the description's controls and U+FFFE")
need(" \U0001F600</p>" in text, "the emoji after U+FFFE")
class Tags(html.parser.HTMLParser):
    tags = {}
    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
p = Tags()
p.feed(text)
p.close()
need(p.tags.get("script") == 1, "script start tags: %r" % p.tags.get("script"))
for t in ("img", "iframe", "object", "embed", "i"):
    need(t not in p.tags, "a <%s> element came from the data" % t)
need(len(re.findall(r"<script", text, re.I)) == 1, "more than one <script")
print("ok: rep2/index.html shows each NUL as \u2400 and keeps what follows")
EOF

# --- regressions: bugs this test found -----------------------------------------------
# Each names the place that had the bug. They are gathered and reported
# together, last, so everything above is checked regardless.
bugs=()

# A verdict that is not one of the known words was written raw into JUnit's
# <system-out> (reports/report_junit.c, testcase()); it is now escaped there,
# and refused before that by the loader (report.c, check_shape()).
set +e
"$WSFAULT" report "$DATA/bad-verdict-results.json" -o rep3 --junit j3.xml >out3.txt 2>&1
rc=$?
set -e
# Since then an unknown verdict is refused outright (exit 2, nothing written).
if [ $rc -ne 2 ] || [ -e j3.xml ] || ! grep -q 'unknown verdict' out3.txt; then
  bugs+=("report.c check_shape(): a hostile verdict is not refused (exit $rc)")
fi

# A results file whose "command" holds a non-string after --target/--url
# crashed the re-run line (reports/report.c, wsf_report_rerun()).
set +e
"$WSFAULT" report "$DATA/bad-command-results.json" -o rep4 --junit j4.xml >out4.txt 2>&1
rc=$?
set -e
if [ $rc -ne 0 ] || [ ! -f rep4/index.html ] || ! xmllint --noout j4.xml 2>/dev/null; then
  bugs+=("report.c wsf_report_rerun(): \"command\": [..., \"--target\", 5, ...] makes 'wsfault report' exit $rc (shell_word(NULL))")
fi

# The scenario name was printed as a C string (report_html.c), so a NUL hid
# the rest of the name in the matrix and the summary instead of showing as
# U+2400.
if ! "$PY" -c 'import sys; t = open(sys.argv[1], encoding="utf-8").read(); sys.exit(t.count("nul-name\u2400after-nul-name") < 2)' rep2/index.html; then
  bugs+=("report.c/report_html.c: a NUL in a scenario name cuts it (matrix and summary show 'nul-name', not 'nul-name' U+2400 'after-nul-name ...')")
fi

# U+FFFE (EF BF BE, one code point) became three U+FFFD, not one
# (reports/markup.c, wsf_markup()).
if ! "$PY" -c 'import sys; t = open(sys.argv[1], encoding="utf-8").read(); sys.exit("\u2421 \ufffd \U0001F600" not in t)' rep2/index.html; then
  bugs+=("markup.c wsf_markup(): U+FFFE in a description shows as 3 U+FFFD, not 1")
fi

no_process hostile_server.py
if [ ${#bugs[@]} -gt 0 ]; then
  printf 'REGRESSION: %s\n' "${bugs[@]}" >&2
  fail "${#bugs[@]} report regression(s) (above)"
fi
echo "ok: hostile server and hostile results render safely in HTML and JUnit"
