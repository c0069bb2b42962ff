#!/usr/bin/env python3
"""Writes docs/levels.md: every expectation of the shipped suite with its
level (MUST, SHOULD, informational) and the RFC 6455 sentences its scenario
quotes, read from the scenario files themselves, so the table cannot drift
from them. `--check` compares instead of writing (a test runs it).

    python3 tools/levels-table.py [--check] [ROOT]
"""
import os
import re
import sys

LEVEL = {"expect": "MUST", "must": "MUST", "should": "SHOULD", "info": "info"}


def scenario(path):
    head, name, rfc, checks = [], None, [], []
    with open(path, encoding="utf-8") as f:
        for no, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("#") and name is None:
                head.append(line[1:].strip())
                continue
            code = line.split("#", 1)[0].strip() if not line.lstrip().startswith('scenario') else line.strip()
            words = code.split()
            if not words:
                continue
            if words[0] == "scenario":
                name = re.match(r'scenario\s+"(.*)"', code).group(1)
            elif words[0] == "rfc":
                rfc = [w for w in words[1:] if w != "6455"]
            elif words[0] in LEVEL:
                level = LEVEL[words[0]]
                # One statement, two checks: TCP closed, and the Close first.
                if len(words) > 1 and words[1] in ("fail-connection", "close-connection"):
                    close = "info" if "may-close" in words else \
                        "SHOULD" if level == "MUST" else level
                    level = f"{level}; the Close frame first: {close}"
                checks.append((no, level, " ".join(words)))
    text = " ".join(head)
    quotes = re.findall(r'"([^"]{12,})"', text)
    # Where the RFC has nothing to quote, the comment says so.
    silent = re.findall(r"(RFC 6455 is silent[^.;]*)", text)
    return name, rfc, checks, quotes, silent


def scenario_files(root, rel_to):
    """The shipped scenario files, sorted, as paths relative to REL_TO."""
    base = os.path.join(root, "scenarios")
    return sorted(
        os.path.relpath(os.path.join(d, f), rel_to)
        for d, _, fs in os.walk(base)
        for f in fs
        if f.endswith(".wsf")
    )


def md(s):
    return s.replace("|", "\\|")


def render(root):
    out = [
        "# Levels of the shipped suite",
        "",
        "Every expectation of every shipped scenario, with its level, and the",
        "RFC 6455 sentences the scenario's comment quotes. MUST: RFC 6455 says",
        "MUST (or a crash, an assertion, a leak); SHOULD: it says SHOULD, or it",
        "is common practice; info: the RFC is silent (reported, never failing).",
        "Checks wsfault adds to every scenario are MUST: the handshake, the",
        "target's survival, no alarm in its log, well-formed frames from it.",
        "",
        "Made from the scenario files by `python3 tools/levels-table.py`; a test",
        "fails when this page and the files disagree.",
        "",
    ]
    for rel in scenario_files(root, root):
        name, rfc, checks, quotes, silent = scenario(os.path.join(root, rel))
        out.append(f"## {md(name)}")
        out.append("")
        out.append(f"`{rel}`, RFC 6455 {', '.join(rfc) if rfc else '(none)'}")
        out.append("")
        out.append("| line | expectation | level |")
        out.append("|---|---|---|")
        for no, level, text in checks:
            out.append(f"| {no} | `{md(text)}` | {level} |")
        out.append("")
        for q in silent:
            out.append(f"{q}.")
            out.append("")
        for q in quotes:
            out.append(f"> {q}")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def main():
    args = sys.argv[1:]
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    root = args[0] if args else os.path.join(os.path.dirname(__file__), "..")
    page = os.path.join(root, "docs", "levels.md")
    text = render(root)
    if check:
        have = open(page, encoding="utf-8").read() if os.path.exists(page) else ""
        if have != text:
            print("docs/levels.md is not what the scenario files say: run "
                  "python3 tools/levels-table.py", file=sys.stderr)
            return 1
        print("ok: docs/levels.md matches the scenario files")
        return 0
    with open(page, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
