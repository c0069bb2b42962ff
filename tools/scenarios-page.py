#!/usr/bin/env python3
"""Writes docs/scenarios.md: every case of the shipped suite (one per file,
or one per value of a file's `with` lines), with its name, RFC sections and
what it checks at which level, read from the scenario files. `--check`
compares instead of writing, and with `--wsfault BIN` also that the cases
are exactly those `wsfault run --list` makes of the files (a test runs it),
so the page can drift neither from the files nor from the parser.

    python3 tools/scenarios-page.py [--check] [--wsfault BIN] [ROOT]
"""
import importlib.util
import itertools
import os
import re
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("levels", os.path.join(here, "levels-table.py"))
levels = importlib.util.module_from_spec(spec)
spec.loader.exec_module(levels)


def cases(path):
    """The (label, values) of each case: a file without `with` has one,
    labelled None; several `with` lines multiply, the first outermost."""
    axes = []
    for raw in open(path, encoding="utf-8"):
        words = raw.split("#", 1)[0].split()
        if len(words) >= 4 and words[0] == "with" and words[2] == "in":
            axes.append((words[1], words[3:]))
    if not axes:
        return [(None, {})]
    out = []
    for combo in itertools.product(*(vals for _, vals in axes)):
        out.append((",".join(combo), {name: v for (name, _), v in zip(axes, combo)}))
    return out


def subst(text, values):
    return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def collect(root):
    base = os.path.join(root, "scenarios")
    rows = []
    for rel in levels.scenario_files(root, base):
        name, rfc, checks, _, _ = levels.scenario(os.path.join(base, rel))
        for label, values in cases(os.path.join(base, rel)):
            case_id = rel + (f"[{label}]" if label is not None else "")
            title = subst(name, values) + (f" [{label}]" if label is not None else "")
            rows.append((case_id, title, rfc, [(lv, subst(t, values)) for _, lv, t in checks]))
    return rows


def render(rows):
    out = [
        "# The shipped suite, case by case",
        "",
        f"{len(rows)} cases. A file with `with NAME in V1 V2 ...` makes one case",
        "per value, named `folder/file.wsf[V]` (`--filter` picks one). For each:",
        "its name, the RFC 6455 sections it rests on, and every expectation with",
        "its level (MUST, SHOULD, info: see [levels](levels.md), which also",
        "quotes the RFC's sentences). Checks wsfault adds to every case (the",
        "target survives, no alarm in its log, well-formed frames) are not",
        "repeated here.",
        "",
        "Made from the scenario files by `python3 tools/scenarios-page.py`; a",
        "test fails when this page, the files and `wsfault run --list` disagree.",
        "",
    ]
    folder = None
    for case_id, title, rfc, checks in rows:
        top = case_id.split("/", 1)[0]
        if top != folder:
            folder = top
            out += [f"## {folder}/", "", "| case | name | RFC 6455 | checks |", "|---|---|---|---|"]
        what = "<br>".join(f"{lv}: `{levels.md(t)}`" for lv, t in checks)
        out.append(f"| `{levels.md(case_id)}` | {levels.md(title)} | {', '.join(rfc)} | {what} |")
        nxt = rows.index((case_id, title, rfc, checks)) + 1
        if nxt == len(rows) or rows[nxt][0].split("/", 1)[0] != folder:
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def listed(wsfault, root):
    """The (case id, name) pairs that wsfault run --list prints."""
    base = os.path.join(root, "scenarios")
    got = subprocess.run([wsfault, "run", "--list", base], capture_output=True, text=True,
                         check=True).stdout
    pairs = []
    for line in got.splitlines():
        m = re.match(r"^(.*) (\S+\.wsf(?:\[[^\]]*\])?)  \[.*\]$", line)
        if m:
            pairs.append((os.path.relpath(m.group(2), base) if m.group(2).startswith("/")
                          else m.group(2).split("scenarios/", 1)[-1], m.group(1).strip()))
    return pairs


def main():
    args = sys.argv[1:]
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    wsfault = None
    if "--wsfault" in args:
        i = args.index("--wsfault")
        wsfault = args[i + 1]
        del args[i:i + 2]
    root = args[0] if args else os.path.join(here, "..")
    rows = collect(root)
    page = os.path.join(root, "docs", "scenarios.md")
    text = render(rows)
    if not check:
        with open(page, "w", encoding="utf-8") as f:
            f.write(text)
        return 0
    bad = 0
    have = open(page, encoding="utf-8").read() if os.path.exists(page) else ""
    if have != text:
        print("docs/scenarios.md is not what the scenario files say: run "
              "python3 tools/scenarios-page.py", file=sys.stderr)
        bad = 1
    if wsfault:
        ours = sorted((r[0], r[1]) for r in rows)
        theirs = sorted(listed(wsfault, root))
        for x in sorted(set(ours) ^ set(theirs)):
            side = "only on the page" if x in ours else "only in wsfault run --list"
            print(f"{side}: {x[0]}: {x[1]}", file=sys.stderr)
            bad = 1
    if not bad:
        print(f"ok: docs/scenarios.md lists the {len(rows)} cases of the shipped suite")
    return bad


if __name__ == "__main__":
    sys.exit(main())
