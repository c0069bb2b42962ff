# Reports, as a user relies on them: the fixture suite tests/data/report-suite
# (two passes, a fail, an error, a skip and an info against lws-echo without
# capture)
# run with --report and --junit. The JUnit file is valid against
# tests/data/junit.xsd (the core Jenkins, GitHub and GitLab read) and its
# counts agree with results.json; the HTML page shows the matrix, opens what
# failed with its expected and actual, loads nothing from elsewhere; its
# re-run line re-runs exactly the failed scenario; results of two targets
# merge into one matrix with the captures copied beside it; a report rebuilt
# from results.json is the run's own; bad input is refused with exit 2.
# Needs xmllint (libxml2-utils). Capture (for the merged report's pcaps) is
# required when running as root.
source "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
SUITE=$SRC/tests/data/report-suite
XSD=$SRC/tests/data/junit.xsd
LWS=$SRC/targets/lws-echo.target
RAW=$SRC/targets/zoo/raw-correct.target
FAILED=$SUITE/broken/wrong-close-code.wsf

# pj EXPR FILE: as lib.sh's json, with the system Python (a python3 on PATH
# may be a slow pyenv shim).
pj() {
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$2"
}

export PYTHONPATH=$SRC/tests/e2e
command -v xmllint >/dev/null || fail "xmllint is not installed (ci/setup.sh installs libxml2-utils)"

# The checks on the files, in Python (standard library only).
cat >check.py <<'EOF'
import html.parser, json, os, re, sys
import xml.etree.ElementTree as ET
from held_back import scripts, unpack


def die(msg):
    sys.exit("FAIL: " + msg)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.parts = [], []

    def cls(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        return "".join(p if isinstance(p, str) else p.text() for p in self.parts)

    def walk(self):
        for c in self.children:
            yield c
            yield from c.walk()

    def find(self, tag, cls=None, **attrs):
        return [n for n in self.walk() if n.tag == tag and (cls is None or cls in n.cls())
                and all(n.attrs.get(k) == v for k, v in attrs.items())]


class Tree(html.parser.HTMLParser):
    """A small DOM: enough to find elements by tag, class and id."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.cur = self.root
        self.urls = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.urls += [v or "" for k, v in attrs if k in ("src", "href")]
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.cur.parts.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.urls += [v or "" for k, v in attrs if k in ("src", "href")]
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.cur.parts.append(n)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.parts.append(data)


def one(nodes, what):
    if len(nodes) != 1:
        die("%d %s, expected 1" % (len(nodes), what))
    return nodes[0]


def results(args):
    """{(file, repeat, column label): scenario} over results files, and the
    column labels. An argument is a results file, or FILE=LABEL when its
    column is labelled otherwise than by its target's name. A scenario that
    is in a results file twice has repeat 0, then 1."""
    out, targets = {}, []
    for a in args:
        p, _, label = a.partition("=")
        d = json.load(open(p))
        t = label or d["target"]["name"]
        targets.append(t)
        for s in d["scenarios"]:
            rep = 0
            while (s["file"], rep, t) in out:
                rep += 1
            out[(s["file"], rep, t)] = s
    return out, targets


def paths(args):
    return [a.partition("=")[0] for a in args]


def repeat(rep):
    """How a scenario's second (third...) run in one results file is told."""
    return " (run %d)" % (rep + 1) if rep else ""


def matrix(page):
    """The header labels, and {(file, repeat, column label): cell classes}."""
    t = one(page.find("table", id="matrix"), "table#matrix")
    heads = [th.text().strip() for th in one(t.find("thead"), "thead").find("th")]
    cells = {}
    for tr in one(t.find("tbody"), "tbody").find("tr"):
        if "data-verdicts" not in tr.attrs:
            continue
        tds = [c for c in tr.children if c.tag == "td"]
        if len(tds) != len(heads):
            die("a matrix row has %d cells for %d columns" % (len(tds), len(heads)))
        f = one(tds[0].find("small"), "file name in a matrix row").text()
        rep = 0
        while (f, rep, heads[1]) in cells:
            rep += 1
        if repeat(rep) not in tds[0].text():
            die("matrix row %d for %s is not marked %r: %s" % (rep + 1, f, repeat(rep), tds[0].text()))
        for label, td in zip(heads[1:], tds[1:]):
            cells[(f, rep, label)] = td.cls()
    return heads, cells


def check_matrix(page, res, targets):
    heads, cells = matrix(page)
    if heads != ["scenario"] + targets:
        die("matrix header %s, expected %s" % (heads, ["scenario"] + targets))
    rows = {(f, rep) for f, rep, _ in res}
    for f, rep in rows:
        for t in targets:
            c = cells.get((f, rep, t))
            if c is None:
                die("no matrix cell for %s%s against %s" % (f, repeat(rep), t))
            if (f, rep, t) in res:
                want = "v-" + res[(f, rep, t)]["verdict"]
                if "cell" not in c or want not in c:
                    die("matrix cell for %s%s against %s has class %s, expected %s"
                        % (f, repeat(rep), t, c, want))
            elif "none" not in c or any(x.startswith("v-") for x in c):
                die("%s%s was not run against %s, but its cell has class %s" % (f, repeat(rep), t, c))
    if len(cells) != len(rows) * len(targets):
        die("%d matrix cells, expected %d" % (len(cells), len(rows) * len(targets)))


def check_junit(xml_path, res, targets):
    root = ET.parse(xml_path).getroot()
    if root.tag != "testsuites":
        die("JUnit root is <%s>" % root.tag)

    def want(scs):
        v = [s["verdict"] for s in scs]
        return {"tests": len(v), "failures": v.count("fail"), "errors": v.count("error"),
                "skipped": v.count("skip") + v.count("known")}

    def got(el):
        return {k: int(el.get(k)) for k in ("tests", "failures", "errors", "skipped")}

    if got(root) != want(res.values()):
        die("testsuites counts %s, results say %s" % (got(root), want(res.values())))
    # As results.json's own summary says, for each file.
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for p in paths(sys.argv[3:]):
        d = json.load(open(p))
        s = d["summary"]
        for k, v in (("tests", len(d["scenarios"])), ("failures", s["failed"]),
                     ("errors", s["errors"]), ("skipped", s["skipped"] + s["known"])):
            total[k] += v
    if len(targets) == len(set(targets)) and got(root) != total:
        die("testsuites counts %s, the results' summaries say %s" % (got(root), total))

    folders = sorted({os.path.dirname(f) for f, _, _ in res})
    suites = root.findall("testsuite")
    if sorted(s.get("name") for s in suites) != folders:
        die("testsuites %s, expected one per folder %s" % ([s.get("name") for s in suites], folders))
    seen = set()
    for suite in suites:
        mine = [s for (f, _, t), s in res.items() if os.path.dirname(f) == suite.get("name")]
        if got(suite) != want(mine):
            die("testsuite %s counts %s, results say %s" % (suite.get("name"), got(suite), want(mine)))
        cases = suite.findall("testcase")
        if len(cases) != len(mine):
            die("testsuite %s has %d testcases for %d scenarios" % (suite.get("name"), len(cases), len(mine)))
        for (f, rep, t), s in res.items():
            if os.path.dirname(f) != suite.get("name"):
                continue
            name = s["name"] + (" [%s]" % t if len(targets) > 1 else "") + repeat(rep)
            tc = one([c for c in cases if c.get("name") == name], "testcase named %r" % name)
            seen.add(name)
            outcome = [c for c in tc if c.tag in ("failure", "error", "skipped")]
            v = s["verdict"]
            tag = {"fail": "failure", "error": "error", "skip": "skipped", "known": "skipped"}.get(v)
            if [c.tag for c in outcome] != ([tag] if tag else []):
                die("%s (%s): outcome %s" % (name, v, [c.tag for c in outcome]))
            if v == "info":
                # Passing, with what did not hold in its output.
                out = tc.find("system-out").text or ""
                if "verdict: info" not in out or "informational" not in out:
                    die("%s: <system-out> does not say info:\n%s" % (name, out))
                for k in s["checks"]:
                    if k["result"] == "info" and (k["expected"] not in out or k["actual"] not in out):
                        die("%s: <system-out> lacks the informational check\n%s" % (name, out))
            if not tag:
                continue
            o = outcome[0]
            if not o.get("message"):
                die("%s: <%s> without a message" % (name, tag))
            if v == "fail":
                text = o.text or ""
                if "expected:" not in text or "actual:" not in text:
                    die("%s: <failure> text lacks expected:/actual:\n%s" % (name, text))
                bad = [k for k in s["checks"] if k["result"] == "fail"]
                for k in bad:
                    if k["expected"] not in text or k["actual"] not in text:
                        die("%s: <failure> lacks the check's expected/actual\n%s" % (name, text))
            if v == "error" and s["reason"] not in (o.text or ""):
                die("%s: <error> lacks the reason %r" % (name, s["reason"]))
    print("junit ok: %d testsuites, %d testcases" % (len(suites), len(seen)))


def check_page(path, res, targets):
    packed = open(path, encoding="utf-8").read()
    # A passing scenario's block is its header until it is opened: the rest,
    # as every table of events, is held back.
    for d in Tree(packed).root.find("details", "scenario"):
        if d.find("svg", "seq") and "v-pass" in d.cls():
            die("a passing scenario's diagram is in the page before it is opened")
        if d.find("table", "timeline"):
            die("a table of events is in the page before it is opened")
    # The checks below read the page as a reader who opened every part.
    raw = unpack(packed)
    page = Tree(raw).root
    check_matrix(page, res, targets)
    details = page.find("details", "scenario")
    if len(details) != len(res):
        die("%d scenario sections for %d scenario runs" % (len(details), len(res)))
    for (f, rep, t), s in res.items():
        v = s["verdict"]
        # The section's own summary line: its first child.
        heads = [(d, d.children[0].text() if d.children and d.children[0].tag == "summary"
                  else "") for d in details]
        name_t = [d for d, h in heads
                  if s["name"] in h and (len(targets) == 1 or "against " + t in h)
                  and (repeat(rep) in h if rep else "(run " not in h)]
        d = one([d for d in name_t if f in d.text()],
                "section for %s%s against %s" % (f, repeat(rep), t))
        if "v-" + v not in d.cls():
            die("section for %s has class %s, expected v-%s" % (f, d.cls(), v))
        want_open = v in ("fail", "error")
        if v == "info":
            # The informational check in its own row and mark; its line too.
            table = one(d.find("table", "checks"), "table.checks in the section for " + f)
            rows = table.find("tr", "r-info")
            infos = [k for k in s["checks"] if k["result"] == "info"]
            if not infos or len(rows) != len(infos):
                die("section for %s: %d tr.r-info rows for %d informational checks"
                    % (f, len(rows), len(infos)))
            for tr, k in zip(rows, infos):
                cells = [td.text().strip() for td in tr.find("td")]
                if "(info)" not in cells[1] or cells[2] != "info" or k["actual"] not in cells:
                    die("section for %s: informational row %s" % (f, cells))
            lines = one(d.find("ol", "source"), "ol.source in the section for " + f).find("li")
            for k in infos:
                if "info" not in lines[k["line"] - 1].cls():
                    die("section for %s: source line %d is not marked info" % (f, k["line"]))
            if d.find("tr", "r-fail"):
                die("section for %s: an informational result shown as a failure" % f)
        if ("open" in d.attrs) != want_open:
            die("section for %s (%s) is %s" % (f, v, "open" if "open" in d.attrs else "closed"))
        if not d.find("svg", "seq"):
            die("section for %s has no svg.seq" % f)
        rerun = one(d.find("pre", "rerun"), "pre.rerun in the section for " + f).text()
        if f not in rerun or "--target" not in rerun:
            die("re-run line for %s: %s" % (f, rerun))
        if v == "fail":
            # The failed check's row in the expectations table, under the
            # headings "expected" and "actual".
            table = one(d.find("table", "checks"), "table.checks in the section for " + f)
            cols = [th.text().strip() for th in one(table.find("thead"), "thead").find("th")]
            rows = [[td.text().strip() for td in tr.find("td")] for tr in table.find("tr", "r-fail")]
            for k in s["checks"]:
                if k["result"] != "fail":
                    continue
                if not any(len(r) == len(cols) and r[cols.index("expected")] == k["expected"]
                           and r[cols.index("actual")] == k["actual"] for r in rows):
                    die("section for %s: no failed row with expected %r and actual %r in %s"
                        % (f, k["expected"], k["actual"], rows))
    # A count per verdict, and a filter box for it.
    counts = one(page.find("div", id="counts"), "div#counts")
    for v in {s["verdict"] for s in res.values()}:
        n = sum(s["verdict"] == v for s in res.values())
        badge = one(counts.find("span", "v-" + v), "count badge for " + v).text().strip()
        if badge != "%d %s" % (n, v):
            die("the count badge for %s says %r, expected %r" % (v, badge, "%d %s" % (n, v)))
        one(page.find("input", **{"data-verdict": v}), "filter box for " + v)
    # One script that runs, the page's own, at its end; the others hold data.
    why = scripts(packed)
    if why:
        die(why)
    for u in Tree(raw).urls:
        lu = u.strip().lower()
        if (lu.startswith("http:") or lu.startswith("https:") or lu.startswith("//")) \
                and not lu.startswith("https://www.rfc-editor.org/"):
            die("the page links outside: %s" % u)
    print("page ok: %d sections" % len(details))


def rerun_line(path, file):
    page = Tree(unpack(open(path, encoding="utf-8").read())).root
    ds = [d for d in page.find("details", "scenario") if file in d.text()]
    d = one(ds, "section for " + file)
    print(one(d.find("pre", "rerun"), "pre.rerun").text())


def matrix_html(path):
    m = re.search(r'<table class="matrix".*?</table>', open(path, encoding="utf-8").read(), re.S)
    if not m:
        die(path + ": no matrix table")
    print(m.group(0))


def pcaps(path, res_path):
    """Every scenario with a pcap has it linked and copied, byte for byte."""
    page = Tree(unpack(open(path, encoding="utf-8").read()))
    links = [u for u in page.urls if u.startswith("captures/")]
    d = json.load(open(res_path))
    base = os.path.dirname(res_path)
    want = [s for s in d["scenarios"] if "pcap" in s]
    out = os.path.dirname(path)
    for s in want:
        name = os.path.basename(s["pcap"])
        hit = [u for u in links if u.endswith("-" + name) or u == "captures/" + name]
        if len(hit) != 1:
            die("%s: %d links to its capture %s in %s" % (s["file"], len(hit), name, links))
        copy = os.path.join(out, hit[0])
        if not os.path.isfile(copy) or os.path.getsize(copy) == 0:
            die("%s is missing or empty" % copy)
        if open(copy, "rb").read() != open(os.path.join(base, s["pcap"]), "rb").read():
            die("%s differs from %s" % (copy, s["pcap"]))
    print("pcaps ok: %d linked and copied" % len(want))


cmd = sys.argv[1]
if cmd in ("junit", "page"):
    res, targets = results(sys.argv[3:])
    (check_junit if cmd == "junit" else check_page)(sys.argv[2], res, targets)
elif cmd == "rerun":
    rerun_line(sys.argv[2], sys.argv[3])
elif cmd == "matrix":
    matrix_html(sys.argv[2])
elif cmd == "pcaps":
    pcaps(sys.argv[2], sys.argv[3])
EOF

# --- the schema itself rejects what Jenkins would ----------------------------
bad_case() {
  printf '<testsuites><testsuite name="s" tests="1" failures="0" errors="0">%s</testsuite></testsuites>\n' "$1" >bad.xml
  if xmllint --noout --schema "$XSD" bad.xml >/dev/null 2>&1; then
    fail "junit.xsd accepts $1"
  fi
}
bad_case '<testcase name="x" file="f.wsf"/>'
bad_case '<testcase name="x"><failure/><error/></testcase>'
bad_case '<testcase name="x" time="-1"/>'
bad_case '<testcase name="x"/><properties/>'

# --- a run with both reports -------------------------------------------------
# Run from this folder with relative outputs: the re-run line later cds here.
expect_rc 1 "$WSFAULT" run --target "$LWS" --no-capture --results a.json \
  --report rep --junit junit.xml "$SUITE"
assert_contains out.txt "2 passed, 1 failed, 1 errors, 1 skipped (and 1 info)"
assert_contains out.txt "report: rep/index.html"
assert_contains out.txt "junit: junit.xml"
[ "$(pj '[s["verdict"] for s in d["scenarios"]].count("pass")' a.json)" -ge 2 ] ||
  fail "the fixture suite should pass at least twice"

expect_rc 0 xmllint --noout --schema "$XSD" junit.xml
expect_rc 0 "$PY" check.py junit junit.xml a.json
expect_rc 0 "$PY" check.py page rep/index.html a.json

# --- the failed scenario's re-run line re-runs it, and only it ----------------
"$PY" check.py rerun rep/index.html "$FAILED" >rerun.cmd
echo "re-run: $(cat rerun.cmd)"
here=$(pwd -P)
case "$(cat rerun.cmd)" in
  "cd $here && "* | "cd '$here' && "*) ;;
  *) fail "the re-run line does not start in the run's folder $here" ;;
esac
cp a.json a.json.keep
expect_rc 1 bash -c "$(cat rerun.cmd)"
assert_contains out.txt "1 scenario against lws-echo"
assert_contains out.txt "FAIL  $(pj '[s["name"] for s in d["scenarios"] if s["verdict"] == "fail"][0]' a.json)"
assert_contains out.txt "0 passed, 1 failed, 0 errors"
# Its results go to rerun/, never over the results the report came from.
[ "$(pj 'len(d["scenarios"])' rerun/results.json)" = 1 ] || fail "the re-run ran more than one scenario"
[ "$(pj 'd["scenarios"][0]["file"]' rerun/results.json)" = "$FAILED" ] || fail "the re-run ran another file"
cmp -s a.json a.json.keep || fail "the re-run changed the run's results"

# Regression: the re-run line lost the target when the run gave it as a
# joined or bundled short option (-tFILE, -vt FILE).
for form in "-t$LWS" "-vt $LWS"; do
  mkdir -p "short$$" && (cd "short$$" && expect_rc 1 "$WSFAULT" run $form --no-capture \
    --report rep "$SUITE/broken/wrong-close-code.wsf")
  "$PY" check.py rerun "short$$/rep/index.html" "$SUITE/broken/wrong-close-code.wsf" >rerun2.cmd
  assert_contains rerun2.cmd "--target $LWS"
  expect_rc 1 bash -c "$(cat rerun2.cmd)"
  assert_contains out.txt "1 scenario against lws-echo"
  rm -rf "short$$"
done

# --- a report rebuilt from results.json is the run's own ----------------------
expect_rc 0 "$WSFAULT" report a.json -o again --junit again.xml
"$PY" check.py matrix rep/index.html >matrix1.html
"$PY" check.py matrix again/index.html >matrix2.html
diff matrix1.html matrix2.html || fail "the rebuilt report's matrix differs from the run's"
cmp junit.xml again.xml || fail "the rebuilt JUnit differs from the run's"

# --- two targets merged into one matrix --------------------------------------
# The passing folders against a second correct server, with capture, results
# in a folder of their own (the pcaps are found beside them).
mkdir b
expect_rc 0 "$WSFAULT" run --target "$RAW" --results b/results.json "$SUITE/basics" "$SUITE/wire"
if [ "$(pj 'sum("pcap" in s for s in d["scenarios"])' b/results.json)" = 0 ]; then
  why=$(pj '[e.get("detail") for s in d["scenarios"] for e in s.get("timeline", []) if e.get("what") == "no-capture"][:1]' b/results.json)
  [ "$(id -u)" -ne 0 ] || fail "running as root, yet no capture: $why"
  echo "note: no capture here ($why): the pcap checks are left out"
  capture=false
else
  capture=true
  [ "$(pj 'all("pcap" in s for s in d["scenarios"])' b/results.json)" = True ] ||
    fail "some scenarios have no pcap"
  [ "$(pj '[s["verdict"] for s in d["scenarios"]]' b/results.json)" = "['pass', 'pass', 'info', 'pass']" ] ||
    fail "with capture, basics/ and wire/ pass against zoo-raw-correct (the informational one: info)"
fi
raw_name=$(pj 'd["target"]["name"]' b/results.json)
case "$raw_name" in *raw-correct*) ;; *) fail "second target's name: $raw_name" ;; esac

# Regression: a report written into the folder of its results copied each
# capture onto itself, which emptied it.
if $capture; then
  cp -r b same
  expect_rc 0 "$WSFAULT" report same/results.json -o same
  for f in b/captures/*.pcap; do
    cmp -s "$f" "same/captures/$(basename "$f")" || fail "report -o into the results' folder changed $f"
  done
  "$PY" "$SRC/tests/e2e/held_back.py" same/index.html >same.html
  assert_contains same.html 'href="captures/001-'
fi

expect_rc 0 "$WSFAULT" report a.json b/results.json -o merged --junit merged.xml
expect_rc 0 xmllint --noout --schema "$XSD" merged.xml
# A suite names as its targets only those it ran against: broken/ ran
# against lws-echo alone.
"$PY" - merged.xml <<'PYEOF' || fail "merged.xml: a suite's target properties are wrong"
import sys, xml.etree.ElementTree as ET
for suite in ET.parse(sys.argv[1]).getroot():
    targets = sorted(p.get("value") for p in suite.iter("property") if p.get("name") == "target")
    want = ["lws-echo"] if suite.get("name").endswith("/broken") else ["lws-echo", "zoo-raw-correct"]
    if targets != want:
        sys.exit("%s: targets %s, expected %s" % (suite.get("name"), targets, want))
PYEOF
expect_rc 0 "$PY" check.py junit merged.xml a.json b/results.json
expect_rc 0 "$PY" check.py page merged/index.html a.json b/results.json
assert_contains merged.xml " [lws-echo]\""
assert_contains merged.xml " [$raw_name]\""
[ "$(grep -c '<testcase ' merged.xml)" -eq 10 ] || fail "merged.xml: expected 6 + 4 testcases"
if $capture; then
  expect_rc 0 "$PY" check.py pcaps merged/index.html b/results.json
  [ "$(find merged/captures -name '*.pcap' | wc -l)" -eq 4 ] || fail "merged/captures: $(ls merged/captures)"
fi

# --- merging never drops a run ------------------------------------------------
# Regression: two results files whose targets share a name merged into one
# column, and the file given last silently won. The failed scenario's re-run
# (rerun/results.json, against lws-echo too) merged with the whole run: two
# columns, each labelled by its file, and a note saying why.
expect_rc 0 "$WSFAULT" report a.json rerun/results.json -o rerun-merged --junit rerun-merged.xml
expect_rc 0 xmllint --noout --schema "$XSD" rerun-merged.xml
expect_rc 0 "$PY" check.py page rerun-merged/index.html \
  "a.json=lws-echo (a.json)" "rerun/results.json=lws-echo (results.json)"
expect_rc 0 "$PY" check.py junit rerun-merged.xml \
  "a.json=lws-echo (a.json)" "rerun/results.json=lws-echo (results.json)"
[ "$(grep -c '<testcase ' rerun-merged.xml)" -eq 7 ] || fail "rerun-merged.xml: expected 6 + 1 testcases"
for f in rerun-merged/index.html rerun-merged.xml; do
  assert_contains $f "2 runs against targets named lws-echo (a.json, rerun/results.json)"
done
# The suffix is as long as it must be: a/results.json and b/results.json.
mkdir -p twin/a twin/b
cp a.json twin/a/results.json
cp rerun/results.json twin/b/results.json
expect_rc 0 "$WSFAULT" report twin/a/results.json twin/b/results.json -o twin/rep
expect_rc 0 "$PY" check.py page twin/rep/index.html \
  "twin/a/results.json=lws-echo (a/results.json)" "twin/b/results.json=lws-echo (b/results.json)"

# A scenario text that several runs share is stored once in the page, for
# the passing scenarios that refer to it.
cp a.json a2.json
expect_rc 0 "$WSFAULT" report a.json a2.json -o shared
"$PY" - shared/index.html a.json <<'PYEOF' || fail "shared/index.html: the texts are not stored once"
import json, re, sys
from held_back import LATER, inflate
page = open(sys.argv[1], encoding="utf-8").read()
passes = [s for s in json.load(open(sys.argv[2]))["scenarios"] if s["verdict"] == "pass"]
texts = re.findall(r'<div id="source-[0-9]+" data-later="', page)
refs = re.findall(r'<ol class="source" data-source="',
                  "".join(inflate(m.group(2)) for m in LATER.finditer(page)))
assert len(texts) == len({s["source"] for s in passes}), "%d texts" % len(texts)
assert len(refs) == 2 * len(passes), "%d references" % len(refs)
print("ok: %d texts for %d passing scenarios" % (len(texts), len(refs)))
PYEOF

# One results file given twice (two spellings of one path) is one run: one
# column, and a note.
expect_rc 0 "$WSFAULT" report a.json ./a.json -o once --junit once.xml
expect_rc 0 "$PY" check.py page once/index.html a.json
expect_rc 0 "$PY" check.py junit once.xml a.json
assert_contains once/index.html "./a.json is a.json, given again: it is read once"

# A scenario twice in one results file (run twice, or results concatenated
# by hand): both runs are shown, in rows of their own.
"$PY" - <<'PYEOF'
import json
d = json.load(open("a.json"))
fail = [s for s in d["scenarios"] if s["verdict"] == "fail"][0]
again = dict(fail, reason="the second run's own reason")
d["scenarios"].append(again)
d["summary"]["failed"] += 1
json.dump(d, open("twice.json", "w"))
PYEOF
expect_rc 0 "$WSFAULT" report twice.json -o twice --junit twice.xml
expect_rc 0 xmllint --noout --schema "$XSD" twice.xml
expect_rc 0 "$PY" check.py page twice/index.html twice.json
expect_rc 0 "$PY" check.py junit twice.xml twice.json
[ "$(grep -c '<testcase ' twice.xml)" -eq 7 ] || fail "twice.xml: expected 7 testcases"
assert_contains twice/index.html "the second run&#39;s own reason"
assert_contains twice/index.html "ran 2 times in twice.json"
assert_contains twice.xml "ran 2 times in twice.json"

# --- captures linked, not copied ---------------------------------------------
# --link-captures links each capture at its path from the report's folder
# (percent-encoded: this folder's name has a space and a '#'), copies
# nothing, and the page says so; without it the capture is copied.
mkdir -p "lk #1/caps" out
printf 'not really a pcap\n' >"lk #1/caps/x.pcap"
"$PY" - <<'PYEOF'
import json
d = json.load(open("a.json"))
d["scenarios"][0]["pcap"] = "caps/x.pcap"
json.dump(d, open("lk #1/results.json", "w"))
PYEOF
expect_rc 0 "$WSFAULT" report "lk #1/results.json" -o out/linked --link-captures
[ ! -e out/linked/captures ] || fail "--link-captures made a captures folder"
assert_contains out/linked/index.html "linked where their runs left them"
"$PY" "$SRC/tests/e2e/held_back.py" out/linked/index.html >linked.html
assert_contains linked.html 'href="../../lk%20%231/caps/x.pcap" download>../../lk #1/caps/x.pcap</a>'
expect_rc 0 "$WSFAULT" report "lk #1/results.json" -o out/copied
cmp "lk #1/caps/x.pcap" out/copied/captures/x.pcap || fail "the capture was not copied"
if grep -q "linked where their runs left them" out/copied/index.html; then
  fail "a report that copies its captures says they are linked"
fi

# --- a long timeline: its first and last events, and a note ----------------------
# The table of every event holds a timeline's first 750 and last 250 events;
# a row between them says how many more are in results.json.
"$PY" - <<'PYEOF'
import json
d = json.load(open("a.json"))
s = [s for s in d["scenarios"] if s["verdict"] == "pass"][0]
s["timeline"] += [{"t_us": 900000 + i, "kind": "note", "what": "flood", "detail": "event %d" % i}
                  for i in range(3000)]
json.dump(d, open("long.json", "w"))
PYEOF
expect_rc 0 "$WSFAULT" report long.json -o long
"$PY" - long/index.html long.json <<'PYEOF' || fail "long/index.html: the table of a long timeline"
import json, re, sys
from held_back import unpack
page = unpack(open(sys.argv[1], encoding="utf-8").read())
tl = [s for s in json.load(open(sys.argv[2]))["scenarios"] if s["verdict"] == "pass"][0]["timeline"]
table = [t for t in re.findall(r'<table class="timeline">.*?</table>', page, re.S) if "flood" in t]
assert len(table) == 1, "%d tables with the flood" % len(table)
rows = re.findall(r"<tr>.*?</tr>", table[0])
notes = re.findall(r'<tr class="left-out">.*?</tr>', table[0])
assert len(rows) == 1000, "%d event rows, expected 750 + 250" % len(rows)
assert notes == ['<tr class="left-out"><td colspan="5"><strong>%d more events here are in '
                 'results.json</strong></td></tr>' % (len(tl) - 1000)], notes
assert "event 2999" in rows[-1] and ("event %d" % (len(tl) - 251 - (len(tl) - 3000))) not in table[0]
print("ok: %d events, 1000 in the table and a note" % len(tl))
PYEOF

# --- what is refused ----------------------------------------------------------
expect_rc 2 "$WSFAULT" report
assert_contains out.txt "needs at least one results file"
expect_rc 2 "$WSFAULT" report a.json
assert_contains out.txt "give -o DIR for HTML, --junit FILE, or both"
printf '{\n  "format": "wsfault-results-1",\n  "scenarios": [,]\n}\n' >broken.json
expect_rc 2 "$WSFAULT" report broken.json -o out-broken
assert_contains out.txt "broken.json:3:"
echo '{}' >other.json
expect_rc 2 "$WSFAULT" report a.json other.json -o out-other --junit out-other.xml
assert_contains out.txt "other.json: not a wsfault results file"
for f in out-broken out-other out-other.xml; do
  [ ! -e $f ] || fail "a refused report still wrote $f"
done
# Regression: a verdict the reader does not know passed for a pass in JUnit.
"$PY" -c 'import json,sys; d=json.load(open("a.json")); d["scenarios"][0]["verdict"]="timeout"; json.dump(d,open("odd.json","w"))'
expect_rc 2 "$WSFAULT" report odd.json -o out-odd --junit out-odd.xml
assert_contains out.txt 'odd.json: scenario 1: unknown verdict "timeout"'
[ ! -e out-odd.xml ] || fail "a JUnit file was written from a results file with an unknown verdict"
expect_rc 1 "$WSFAULT" report a.json -o /proc/x
assert_contains out.txt "/proc/x"
expect_rc 1 "$WSFAULT" report a.json --junit /proc/x/junit.xml
assert_contains out.txt "/proc/x/junit.xml"
echo "ok: JUnit valid and counted, page checked, re-run line works, merge, rebuild, refusals"
