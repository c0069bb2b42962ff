#!/usr/bin/env python3
"""Checks the man pages of docs/man/ against what they describe, so that
they cannot drift from it (the test docs.man runs it):

- wsfault.1 names every option that `wsfault run --help`, `wsfault report
  --help` and `wsfault storm --help` print, and every option of docs/cli.md,
  each under its subcommand and with its short form; it names no option
  that neither knows; its EXIT STATUS has every status --help lists, its
  ENVIRONMENT every variable docs/cli.md names.
- wsfault-scenario.5 names every statement harness/scenario.c parses and
  every named bound of harness/bounds.c, and has every synopsis line of
  docs/scenario-language.md (and no other) and every step option of its
  tables.
- wsfault-target.5 names every key harness/target.c parses (and no other),
  every key of docs/target-file.md and every variable.
- The EXAMPLES of wsfault-scenario.5 and wsfault-target.5 parse (wsfault
  reads them).
- Each page says the version `wsfault --version` prints, and renders with
  `groff -man -ww` without a warning, and with `man -l`.

    python3 tools/man-check.py --wsfault BUILD/bin/wsfault [ROOT]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

PAGES = ["wsfault.1", "wsfault-scenario.5", "wsfault-target.5"]

problems = []
counted = {}  # what was checked, for the last line


def problem(msg):
    problems.append(msg)


# --- troff, read back as plain text ---------------------------------------

def unescape(s):
    s = re.sub(r"\\f[BIRP]|\\f\(..|\\&|\\c", "", s)
    return s.replace("\\-", "-").replace("\\e", "\\").replace("\\ ", " ").replace("\\(bu", "*")


def macro_args(rest):
    """The arguments of a macro line: blanks separate them, "..." groups,
    and "" inside quotes is a quote."""
    args, i, n = [], 0, len(rest)
    while i < n:
        while i < n and rest[i] == " ":
            i += 1
        if i >= n:
            break
        if rest[i] == '"':
            i += 1
            a = ""
            while i < n:
                if rest[i] == '"':
                    if i + 1 < n and rest[i + 1] == '"':
                        a += '"'
                        i += 2
                        continue
                    i += 1
                    break
                a += rest[i]
                i += 1
            args.append(a)
        else:
            j = i
            while j < n and rest[j] != " ":
                j += 1
            args.append(rest[i:j])
            i = j
    return args


FONT_MACROS = {"B", "I", "BR", "RB", "BI", "IB", "IR", "RI"}


class Page:
    """A man page as lines of plain text, each with the section (.SH) and
    subsection (.SS) it is in, whether it is a .TP tag, in a no-fill block,
    and the words set in bold or italic."""

    def __init__(self, path):
        self.path = path
        self.raw = open(path, encoding="utf-8").read()
        self.lines = []  # dicts: text, sh, ss, tag, nf, marked (words)
        sh = ss = ""
        nf = tag_next = False
        for raw in self.raw.split("\n"):
            if raw.startswith('.\\"'):
                continue
            if raw.startswith("."):
                name, _, rest = raw[1:].partition(" ")
                if name == "SH":
                    sh, ss = unescape(" ".join(macro_args(rest))), ""
                    continue
                if name == "SS":
                    ss = unescape(" ".join(macro_args(rest)))
                    continue
                if name == "TP":
                    tag_next = True
                    continue
                if name == "nf":
                    nf = True
                    continue
                if name == "fi":
                    nf = False
                    continue
                if name in FONT_MACROS:
                    args = [unescape(a) for a in macro_args(rest)]
                    joiner = " " if name in ("B", "I") else ""
                    text = joiner.join(args)
                    # The words in the font that is not roman: every
                    # argument of .B/.I, every other one of the others.
                    if name in ("B", "I", "BI", "IB"):
                        marked = args
                    elif name in ("BR", "IR"):
                        marked = args[0::2]
                    else:
                        marked = args[1::2]
                else:
                    continue  # .PP, .RS, .br, .TH ...: no text
            else:
                text = unescape(raw)
                marked = re.findall(r"\\f[BI](.*?)\\f[RP]", raw)
                marked = [unescape(m) for m in marked]
            words = [w for m in marked for w in m.split()]
            self.lines.append({"text": text, "sh": sh, "ss": ss, "tag": tag_next, "nf": nf,
                               "marked": words})
            tag_next = False

    def tags(self, sh=None, ss=None):
        return [l["text"] for l in self.lines if l["tag"]
                and (sh is None or l["sh"] == sh) and (ss is None or l["ss"] == ss)]

    def keyword_words(self):
        """Words a reader finds as keywords: in tags, no-fill blocks, bold."""
        out = set()
        for l in self.lines:
            if l["tag"] or l["nf"]:
                out.update(re.findall(r"[A-Za-z][A-Za-z0-9-]*", l["text"]))
            for w in l["marked"]:
                out.update(re.findall(r"[A-Za-z][A-Za-z0-9-]*", w))
        return out

    def nf_lines(self, sections=None):
        return [" ".join(l["text"].split()) for l in self.lines if l["nf"]
                and (sections is None or l["sh"] in sections)]


# --- wsfault.1 against --help and docs/cli.md ----------------------------

OPT_LINE = re.compile(r"^\s{2,}(?:(-[A-Za-z]), )?(--[a-z][a-z0-9-]*)(?: (\S.*?))?(?:\s{2,}|$)")


def help_sections(text):
    """{section: [(short, long, metavar)]}: the option lines of each
    paragraph of the usage text, a paragraph named by its first word
    ('options:' names the subcommand's own)."""
    sections, name, blank = {}, None, True
    for line in text.split("\n"):
        if not line.strip():
            blank = True
            continue
        if not line.startswith(" "):
            if blank:
                first = line.split()[0]
                name = "options" if first == "options:" else first
            blank = False
            continue
        blank = False
        m = OPT_LINE.match(line)
        if m and name:
            sections.setdefault(name, []).append(m.groups())
    return sections


def run_help(wsfault, *args):
    p = subprocess.run([wsfault, *args], capture_output=True, text=True, timeout=20)
    if p.returncode != 0:
        problem(f"{wsfault} {' '.join(args)} exited {p.returncode}")
    return p.stdout


def cli_md_options(root):
    """{run|storm|report: set of long options} from docs/cli.md's option
    tables (the storm section's for storm) and its usage lines."""
    out = {"run": set(), "storm": set(), "report": set()}
    sub = "run"
    text = open(os.path.join(root, "docs/cli.md"), encoding="utf-8").read()
    for line in text.split("\n"):
        if line.startswith("## "):
            sub = "storm" if line.strip() == "## storm" else "run"
        if line.startswith("wsfault report "):
            out["report"].update(re.findall(r"--[a-z][a-z0-9-]*", line))
        if line.startswith("| `-"):
            first = line.split("|")[1]
            out[sub].update(re.findall(r"--[a-z][a-z0-9-]*", first))
    envs = set(re.findall(r"\b(NO_COLOR|WSFAULT_[A-Z_]+)\b", text))
    return out, envs, text


def check_wsfault1(page, wsfault, root):
    helps = {sub: run_help(wsfault, sub, "--help") for sub in ("run", "report", "storm")}
    cli, envs, cli_text = cli_md_options(root)
    known_anywhere = set(re.findall(r"--[a-z][a-z0-9-]*", cli_text))
    for sub, text in helps.items():
        secs = help_sections(text)
        opts = secs.get(sub) or secs.get("options") or []
        if not opts:
            problem(f"wsfault {sub} --help: no option lines found (has its layout changed?)")
        tags = page.tags(sh="OPTIONS", ss=f"wsfault {sub}")
        if not tags:
            problem(f"{page.path}: no '.SS wsfault {sub}' with .TP options under OPTIONS")
        man_longs = {}
        for t in tags:
            for o in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", t):
                man_longs[o] = t
        counted[f"{sub} options"] = len(opts)
        for short, long, metavar in opts:
            if long not in man_longs:
                problem(f"{page.path}: wsfault {sub}: {long} (in 'wsfault {sub} --help') "
                        f"is not an option of '.SS wsfault {sub}'")
                continue
            tag = man_longs[long]
            if short and not re.search(r"(?<![\w-])" + re.escape(short) + r"\b", tag):
                problem(f"{page.path}: wsfault {sub}: {long} is also {short} in --help, "
                        f"but its tag says '{tag}'")
            if bool(metavar) != (len(tag.split(long, 1)[1].strip()) > 0):
                problem(f"{page.path}: wsfault {sub}: {long} takes "
                        f"{'the argument ' + metavar if metavar else 'no argument'} in --help, "
                        f"but its tag says '{tag}'")
        for o in sorted(cli[sub]):
            if o not in man_longs:
                problem(f"{page.path}: wsfault {sub}: {o} (in docs/cli.md) is not an option of "
                        f"'.SS wsfault {sub}'")
        in_help = set(re.findall(r"--[a-z][a-z0-9-]*", text))
        for o in sorted(man_longs):
            if o not in in_help and o not in known_anywhere:
                problem(f"{page.path}: wsfault {sub}: {o} is neither in 'wsfault {sub} --help' "
                        f"nor in docs/cli.md")
        # Every exit status --help lists.
        m = re.search(r"exit status:(.*?)(?:\n\n|\Z)", text, re.S)
        statuses = set(re.findall(r"(?:^|[:,])\s*(\d+)\s+[a-zA-Z]", m.group(1))) if m else set()
        man_status = {t.strip() for t in page.tags(sh="EXIT STATUS")}
        for s in sorted(statuses - man_status):
            problem(f"{page.path}: EXIT STATUS has no {s} ('wsfault {sub} --help' lists it)")
    man_env = {t.strip() for t in page.tags(sh="ENVIRONMENT")}
    for e in sorted(envs - man_env):
        problem(f"{page.path}: ENVIRONMENT has no {e} (docs/cli.md names it)")
    for see in ("wsfault-scenario(5)", "wsfault-target(5)"):
        if see not in " ".join(l["text"] for l in page.lines if l["sh"] == "SEE ALSO"):
            problem(f"{page.path}: SEE ALSO does not name {see}")


# --- wsfault-scenario.5 against the parser and the docs --------------------

def md_sections(text):
    """[(heading, body)] of a markdown file, by ## and ### headings outside
    code blocks."""
    out, head, body, code = [], "", [], False
    for line in text.split("\n"):
        if line.startswith("```"):
            code = not code
        if not code and re.match(r"#{2,3} ", line):
            out.append((head, body))
            head, body = line.lstrip("#").strip(), []
            continue
        body.append(line)
    out.append((head, body))
    return out


def text_blocks(lines):
    blocks, cur = [], None
    for line in lines:
        if line.startswith("```"):
            if cur is None and line.strip() == "```text":
                cur = []
            elif cur is not None:
                blocks.append(cur)
                cur = None
            continue
        if cur is not None:
            cur.append(line)
    return blocks


def check_scenario5(page, root):
    src = open(os.path.join(root, "harness/scenario.c"), encoding="utf-8").read()
    statements = set(re.findall(r'strcmp\(kw, "([a-z-]+)"\)', src))
    statements |= set(re.findall(r'tok\[0\]\.text, "([a-z-]+)"\)', src))
    if len(statements) < 15:
        problem(f"harness/scenario.c: found only {sorted(statements)} as statements "
                f"(has the parser changed its form?)")
    words = page.keyword_words()
    for s in sorted(statements - words):
        problem(f"{page.path}: the statement '{s}' (harness/scenario.c) is not named")
    bounds_src = open(os.path.join(root, "harness/bounds.c"), encoding="utf-8").read()
    bounds = set(re.findall(r'\] = \{"([a-z-]+)",', bounds_src))
    bound_tags = {t.split()[0] for t in page.tags(sh="NAMED BOUNDS") if t.split()}
    for b in sorted(bounds - bound_tags):
        problem(f"{page.path}: NAMED BOUNDS has no {b} (harness/bounds.c)")
    for b in sorted(bound_tags - bounds):
        problem(f"{page.path}: NAMED BOUNDS has {b}, which harness/bounds.c does not know")

    doc = open(os.path.join(root, "docs/scenario-language.md"), encoding="utf-8").read()
    synopses, options = [], set()
    for head, body in md_sections(doc):
        # The option tables of the steps: under a heading that is a statement.
        in_steps = bool(head.split()) and head.split()[0] in statements
        for block in text_blocks(body):
            for line in block:
                w = line.split()
                if w and w[0] in statements:
                    synopses.append(" ".join(w))
        if in_steps:
            table_head = None
            for line in body:
                if line.startswith("|"):
                    cells = [c.strip() for c in line.strip().strip("|").split("|")]
                    if table_head is None:
                        table_head = cells[0]
                    elif table_head == "option" and not set(cells[0]) <= set("-: "):
                        first = cells[0].strip("`").split()[0]
                        options.add(first)
                else:
                    table_head = None
    counted["statements"] = len(statements)
    counted["synopsis lines"] = len(synopses)
    counted["step options"] = len(options)
    counted["bounds"] = len(bounds)
    man_syn = page.nf_lines(sections=("STEPS", "EXPECTATIONS"))
    for s in synopses:
        if s not in man_syn:
            problem(f"{page.path}: the synopsis line '{s}' (docs/scenario-language.md) is not "
                    f"in STEPS or EXPECTATIONS")
    for s in man_syn:
        if s.split() and s.split()[0] in statements and s not in synopses:
            problem(f"{page.path}: the synopsis line '{s}' is not in docs/scenario-language.md")
    tag_firsts = {t.split()[0] for t in page.tags() if t.split()}
    for o in sorted(options - tag_firsts):
        problem(f"{page.path}: the step option '{o}' (docs/scenario-language.md) is not a tag")


# --- wsfault-target.5 against the parser and the docs ---------------------

def check_target5(page, root):
    src = open(os.path.join(root, "harness/target.c"), encoding="utf-8").read()
    keys = set(re.findall(r'strcmp\(kw, "([a-z-]+)"\)', src))
    m = re.search(r"single_keys\[\] = \{(.*?)\};", src, re.S)
    keys |= set(re.findall(r'"([a-z -]+)"', m.group(1))) if m else set()
    if len(keys) < 15:
        problem(f"harness/target.c: found only {sorted(keys)} as keys "
                f"(has the parser changed its form?)")
    tags = page.tags(sh="KEYS")
    counted["target keys"] = len(keys)
    firsts = {t.split()[0] for t in tags if t.split()}
    for k in sorted(keys):
        if not any(t == k or t.startswith(k + " ") for t in tags):
            problem(f"{page.path}: KEYS has no {k} (harness/target.c)")
    for f in sorted(firsts - keys):
        problem(f"{page.path}: KEYS has {f}, which harness/target.c does not parse")
    doc = open(os.path.join(root, "docs/target-file.md"), encoding="utf-8").read()
    for head, body in md_sections(doc):
        rows = [l for l in body if l.startswith("| `")]
        if head == "Keys":
            for r in rows:
                k = r.split("|")[1].strip().strip("`").split()[0]
                if k not in firsts:
                    problem(f"{page.path}: KEYS has no {k} (docs/target-file.md)")
        if head == "Variables":
            man = " ".join(page.tags(sh="VARIABLES"))
            for r in rows:
                for v in re.findall(r"\$\{[a-z0-9]+\}", r.split("|")[1]):
                    if v not in man:
                        problem(f"{page.path}: VARIABLES has no {v} (docs/target-file.md)")


# --- the examples parse ------------------------------------------------------

def check_examples(pages, wsfault):
    """The EXAMPLES of wsfault-scenario(5) and wsfault-target(5) are read by
    wsfault itself: a parse error is exit status 2. With --url nothing is
    started, and nothing listens on port 1: the run ends at once."""
    scen = "\n".join(l["text"] for l in pages["wsfault-scenario.5"].lines
                     if l["sh"] == "EXAMPLES" and l["nf"])
    targ = "\n".join(l["text"] for l in pages["wsfault-target.5"].lines
                     if l["sh"] == "EXAMPLES" and l["nf"])
    if not scen.strip() or not targ.strip():
        problem("wsfault-scenario.5 and wsfault-target.5 must each have an EXAMPLES block (.nf)")
        return
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "example.wsf"), "w") as f:
            f.write(scen + "\n")
        with open(os.path.join(d, "example.target"), "w") as f:
            f.write(targ + "\n")
        p = subprocess.run([wsfault, "run", "--target", "example.target", "--url",
                            "ws://127.0.0.1:1/", "--no-capture", "-j", "1", "-o", "r.json",
                            "example.wsf"], cwd=d, capture_output=True, text=True, timeout=20)
        if p.returncode == 2:
            problem(f"the EXAMPLES of the man pages do not parse: {p.stderr.strip()}")
    counted["examples"] = 2


# --- every page -------------------------------------------------------------

def check_render(path, version):
    th = re.search(r'^\.TH .*$', open(path, encoding="utf-8").read(), re.M)
    if not th or f'"{version}"' not in th.group(0):
        problem(f"{path}: its .TH line does not say \"{version}\" ('wsfault --version')")
    if not shutil.which("groff"):
        print(f"skipped: rendering {path}: groff is not installed (ci/setup.sh installs groff-base)")
        return
    p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", path], capture_output=True,
                       text=True, timeout=30)
    if p.returncode != 0 or p.stderr.strip():
        problem(f"{path}: groff -man -ww warns: {p.stderr.strip() or 'exit ' + str(p.returncode)}")
    if shutil.which("man"):
        env = dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat")
        p = subprocess.run(["man", "-l", path], capture_output=True, text=True, timeout=30,
                           env=env)
        if p.returncode != 0 or "NAME" not in p.stdout:
            problem(f"{path}: man -l fails: exit {p.returncode} {p.stderr.strip()}")
    else:
        print(f"skipped: man -l {path}: man is not installed (ci/setup.sh installs man-db)")


def main(argv):
    wsfault, root = None, "."
    i = 0
    while i < len(argv):
        if argv[i] == "--wsfault":
            wsfault = argv[i + 1]
            i += 2
        else:
            root = argv[i]
            i += 1
    if not wsfault:
        print("usage: man-check.py --wsfault BUILD/bin/wsfault [ROOT]", file=sys.stderr)
        return 2
    if os.sep in wsfault:
        wsfault = os.path.abspath(wsfault)  # the examples run in a folder of their own
    version = run_help(wsfault, "--version").strip()
    pages = {name: Page(os.path.join(root, "docs/man", name)) for name in PAGES}
    for name in PAGES:
        check_render(pages[name].path, version)
    check_wsfault1(pages["wsfault.1"], wsfault, root)
    check_scenario5(pages["wsfault-scenario.5"], root)
    check_target5(pages["wsfault-target.5"], root)
    check_examples(pages, wsfault)
    for p in problems:
        print(p)
    if problems:
        print(f"man-check: {len(problems)} problem{'s' if len(problems) != 1 else ''}: the man pages of docs/man/ must say what "
              f"the docs and --help say")
        return 1
    print("man-check: docs/man/ agrees with --help, docs/cli.md, docs/scenario-language.md, "
          "docs/target-file.md and the parsers ("
          + ", ".join(f"{v} {k}" for k, v in counted.items()) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
