#!/usr/bin/env python3
"""A small mutation tool for the harness's C code.

It makes one small change at a time to a copy of the source tree (an
inverted comparison, a dropped condition, an off-by-one, an early return
turned around, a deleted statement), builds the copy and runs a quick subset
of the tests. A mutant that some test fails on is "killed"; one that does not
build is "invalid" (not counted); one that passes the quick subset is run
against the whole fast suite before it is called a "survivor". The kill rate
is killed / valid. The real tree is never edited: the copy lives in a
scratch folder, and each mutated file is written back to its original text
after its run.

  python3 tests/mutate.py [--list] [--per-file N] [--seed S] [--max N]
                          [--files a.c,b.c] [--mutants FILE.json] [--out FILE] [--summary]
                          [--work DIR] [--min-rate PERCENT]

Equivalent mutants (no behaviour can tell them apart) are listed with a
reason in tests/mutate-equivalent.txt and are skipped.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The quick subset: the unit tests and the e2e tests that finish in seconds.
QUICK = (r"^(unit\..*|e2e\.(cli|bad-scenarios|fail-verdict|alarms|levels|"
         r"teardown|restarts|connections|handshake-options|handshake-accept|descriptions|never-ready))$")
# A test fails a mutant only if it fails twice: a timing-sensitive test can
# fail once on a loaded machine, and that is not the mutant's doing.
CTEST = ["ctest", "-j2", "--repeat", "until-pass:2"]
# The copy's compiler flags (docs/testing.md, "The mutation run").
C_FLAGS = "-ftrivial-auto-var-init=pattern"
# The whole fast suite, for survivors of the quick subset.
FULL_EXCLUDE = "zoo|real|fuzz|mutation|hostile"

# Token swaps: (pattern, replacement, kind). Each match is one site.
SWAPS = [
    (r" < ", " >= ", "inverted comparison"),
    (r" >= ", " < ", "inverted comparison"),
    (r" > ", " <= ", "inverted comparison"),
    (r" <= ", " > ", "inverted comparison"),
    (r" == ", " != ", "inverted comparison"),
    (r" != ", " == ", "inverted comparison"),
    (r" <= ", " < ", "off-by-one"),
    (r" \+ 1\b", "", "off-by-one"),
    (r" - 1\b", " + 1", "off-by-one"),
    (r"\breturn false;", "return true;", "early return"),
    (r"\breturn true;", "return false;", "early return"),
]
# A deleted free() only leaks, which the plain build cannot see: not a site.

# A statement on one line that can be deleted: a call or an assignment.
STATEMENT = re.compile(
    r"^(\s+)([A-Za-z_][\w.\->\[\]]*\s*(\(|=[^=]|\+=|-=|\|=|&=|\+\+|--).*;)\s*$")
NOT_STATEMENT = re.compile(
    r"^\s*(return|case|default|break|goto|else|do|if|for|while|switch|free)\b")


def code_part(line):
    """The line without a trailing // comment and without string literals,
    so that sites are only found in code."""
    out = re.sub(r'"(\\.|[^"\\])*"', lambda m: '"' + "_" * (len(m.group(0)) - 2) + '"', line)
    out = re.sub(r"'(\\.|[^'\\])*'", lambda m: "'" + "_" * (len(m.group(0)) - 2) + "'", out)
    i = out.find("//")
    return out if i < 0 else out[:i]


def balanced_paren(text, start):
    """The index just past the parenthesis that closes the one at start."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def sites(path):
    """Every candidate mutation of one file, as dicts with line (1-based),
    the original line and the mutated line."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    found = []
    in_comment = False
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if in_comment:
            if "*/" in stripped:
                in_comment = False
            continue
        if stripped.startswith("/*") or stripped.startswith("*"):
            in_comment = "*/" not in stripped
            continue
        if stripped.startswith("#") or stripped.startswith("//"):
            continue
        code = code_part(line)
        for pattern, repl, kind in SWAPS:
            for m in re.finditer(pattern, code):
                mutated = line[:m.start()] + re.sub(pattern, repl, line[m.start():m.end()]) + line[m.end():]
                found.append({"line": n, "kind": kind, "original": line, "mutated": mutated})
        for m in re.finditer(r"\b(if|while) \(", code):
            open_at = m.end() - 1
            close = balanced_paren(code, open_at)
            if close < 0:
                continue  # a condition on several lines: left alone
            for value in ("0", "1"):
                if m.group(1) == "while" and value == "1":
                    continue  # an endless loop is a timeout, not a test
                mutated = line[:open_at] + "(" + value + ")" + line[close:]
                found.append({"line": n, "kind": "dropped condition",
                              "original": line, "mutated": mutated})
        sm = STATEMENT.match(code)
        if sm and not NOT_STATEMENT.match(code) and code.count("(") == code.count(")") \
                and "{" not in code and "}" not in code and not re.match(
                    r"^\s*(const\s+)?(struct\s+|enum\s+)?\w+\s+\**\w+\s*(=|\[|;)", code):
            found.append({"line": n, "kind": "deleted statement", "original": line,
                          "mutated": sm.group(1) + ";"})
    return found


def load_equivalent():
    """The ids of equivalent mutants: "file:line: mutated text" per line."""
    path = os.path.join(ROOT, "tests", "mutate-equivalent.txt")
    skip = set()
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for raw in f:
                if raw.strip() and not raw.startswith("#"):
                    skip.add(raw.split(" # ")[0].strip())
    return skip


def mutant_id(m):
    return "%s:%d: %s" % (m["file"], m["line"], m["mutated"].strip())


def pick(files, per_file, seed, limit):
    """A deterministic spread: per_file sites from each file, chosen by a
    seeded generator, then taken round-robin across files so that a --max
    cut still covers every file."""
    skip = load_equivalent()
    chosen = []
    for name in files:
        cands = [dict(s, file="harness/" + name) for s in sites(os.path.join(ROOT, "harness", name))]
        cands = [c for c in cands if mutant_id(c) not in skip]
        rng = random.Random("%s:%s" % (seed, name))
        rng.shuffle(cands)
        chosen.append(cands[:per_file])
    spread = []
    for i in range(per_file):
        spread.extend(group[i] for group in chosen if i < len(group))
    return spread[:limit] if limit else spread


def run(cmd, cwd, timeout):
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return -1, "timeout"


def sync_file(real, target):
    """Copies one file over its copy if their bytes differ."""
    with open(real, "rb") as f:
        want = f.read()
    have = None
    if os.path.exists(target):
        with open(target, "rb") as f:
            have = f.read()
    if have != want:
        with open(target, "wb") as f:
            f.write(want)
        shutil.copymode(real, target)


def sync(real, copy):
    for folder, dirs, names in os.walk(real):
        # What the tree's own tools installed there (node_modules) is
        # the copy's too, as the first copy took it.
        dirs[:] = [d for d in dirs if d != "node_modules"]
        there = os.path.join(copy, os.path.relpath(folder, real))
        os.makedirs(there, exist_ok=True)
        for name in names:
            if not os.path.islink(os.path.join(folder, name)):
                sync_file(os.path.join(folder, name), os.path.join(there, name))


def prepare(work):
    """A copy of the tree (without builds or git) and its build folder."""
    src = os.path.join(work, "src")
    build = os.path.join(work, "build")
    if not os.path.exists(src):
        ignore = shutil.ignore_patterns(".git", "build", "build-*")
        shutil.copytree(ROOT, src, ignore=ignore, symlinks=True)
    else:
        # A resumed run: the copy matches the real tree again, all of it
        # (harness/, the tests, which may have grown since, and what they
        # build on: util/, reports/, the CMake files). A file is rewritten
        # only when it differs, and then gets a new time, so that the build
        # sees it even where the run before was cut off with it mutated.
        for part in sorted(os.listdir(ROOT)):
            if part == ".git" or part == "build" or part.startswith("build-"):
                continue
            real = os.path.join(ROOT, part)
            if os.path.isdir(real):
                sync(real, os.path.join(src, part))
            else:
                sync_file(real, os.path.join(src, part))
    # Every automatic variable starts as a pattern (0xFE bytes), not as
    # whatever the stack held: a mutant that deletes an initialisation
    # misbehaves every time instead of working by luck. Given on each
    # configure, so a build folder made without it is reconfigured.
    rc, out = run(["cmake", "-S", src, "-B", build, "-DWSF_WERROR=ON",
                   "-DCMAKE_C_FLAGS=" + C_FLAGS], work, 300)
    if rc == 0:
        rc, out = run(["cmake", "--build", build, "-j2"], work, 900)
    if rc != 0:
        sys.exit("mutate.py: the unmutated copy does not build:\n" + out[-2000:])
    rc, out = run(CTEST + ["-R", QUICK, "--timeout", "120"], build, 1800)
    if rc != 0:
        sys.exit("mutate.py: the unmutated copy fails its quick tests:\n" + out[-2000:])
    return src, build


def try_mutant(m, src, build, full):
    """Builds one mutant and runs the quick subset on it (full: the whole
    fast suite instead). Returns its status and the first failure."""
    path = os.path.join(src, m["file"])
    with open(path, encoding="utf-8") as f:
        original = f.read()
    lines = original.split("\n")
    assert lines[m["line"] - 1] == m["original"]
    lines[m["line"] - 1] = m["mutated"]
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        rc, out = run(["cmake", "--build", build, "-j2"], build, 600)
        if rc != 0:
            errors = [l for l in out.splitlines() if "error" in l]
            return "invalid", (errors[0] if errors else out.strip()[-200:]).strip()
        if not full:
            rc, out = run(CTEST + ["--stop-on-failure", "-R", QUICK, "--timeout", "60"],
                          build, 900)
            return ("killed", first_failure(out)) if rc != 0 else ("passed-quick", "")
        rc, out = run(CTEST + ["--stop-on-failure", "-LE", FULL_EXCLUDE, "--timeout", "120"],
                      build, 1800)
        return ("killed", first_failure(out)) if rc != 0 else ("survived", "")
    finally:
        reap(os.path.dirname(src) + "/")
        with open(path, "w", encoding="utf-8") as f:
            f.write(original)


def reap(work):
    """Ends what a mutant's tests left behind: a mutant that ignores
    SIGTERM outlives the ctest timeout that ended its test script. Only
    processes whose command line names this run's scratch folder, never
    this script itself."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if work in cmd and "mutate.py" not in cmd:
            try:
                os.kill(int(pid), 9)
            except OSError:
                pass


def first_failure(out):
    for line in out.splitlines():
        if "***" in line or "(Failed)" in line or "Timeout" in line:
            return line.strip()
    return out.strip().splitlines()[-1] if out.strip() else "failed"


def main():
    ap = argparse.ArgumentParser(description="mutation run over harness/")
    ap.add_argument("--list", action="store_true", help="print the chosen mutants and stop")
    ap.add_argument("--per-file", type=int, default=2)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--max", type=int, default=0)
    ap.add_argument("--files", default="", help="comma-separated names in harness/")
    ap.add_argument("--mutants", default="", help="a JSON list of mutants to run instead")
    ap.add_argument("--out", default="", help="JSON summary, rewritten after each mutant")
    ap.add_argument("--work", default="", help="scratch folder (kept, so a run resumes)")
    ap.add_argument("--retry-survivors", action="store_true",
                    help="on resuming, try the survivors of --out again (after new tests)")
    ap.add_argument("--summary", action="store_true",
                    help="print the summary of --out (a run so far) and stop")
    ap.add_argument("--min-rate", type=float, default=0.0,
                    help="exit 1 when the kill rate (%%) is below this")
    args = ap.parse_args()

    harness = os.path.join(ROOT, "harness")
    files = sorted(f for f in os.listdir(harness) if f.endswith(".c"))
    if args.files:
        wanted = [f.strip() for f in args.files.split(",") if f.strip()]
        for f in wanted:
            if f not in files:
                print("mutate.py: --files: no harness/%s" % f, file=sys.stderr)
                return 2
        files = wanted
    if args.mutants:
        with open(args.mutants, encoding="utf-8") as f:
            mutants = json.load(f)
    else:
        mutants = pick(files, args.per_file, args.seed, args.max)
    if args.list:
        for m in mutants:
            print("%s:%d: [%s] %s -> %s" % (m["file"], m["line"], m["kind"],
                                             m["original"].strip(), m["mutated"].strip()))
        print("%d mutants over %d files" % (len(mutants), len({m["file"] for m in mutants})))
        return 0

    if args.summary:
        with open(args.out, encoding="utf-8") as f:
            report(json.load(f)["results"], time.time())
        return 0
    work = args.work or os.path.join(ROOT, "build-mutate")
    os.makedirs(work, exist_ok=True)
    done = {}
    if args.out and os.path.exists(args.out):
        with open(args.out, encoding="utf-8") as f:
            done = {r["id"]: r for r in json.load(f).get("results", [])}
        if args.retry_survivors:
            done = {k: r for k, r in done.items() if r["status"] != "survived"}
    src, build = prepare(work)
    started = time.time()
    # First every mutant against the quick subset, then those it did not
    # kill against the whole fast suite: a cut-off run has tried them all.
    results = [done.get(mutant_id(m)) for m in mutants]
    for phase, full in (("quick", False), ("full", True)):
        for i, m in enumerate(mutants):
            r = results[i]
            if (r is not None and not full) or (full and r["status"] != "passed-quick"):
                continue
            t0 = time.time()
            status, why = try_mutant(m, src, build, full)
            results[i] = dict(m, id=mutant_id(m), status=status, why=why,
                              seconds=round(time.time() - t0, 1))
            print("[%s %d/%d] %-12s %s:%d: %s -> %s" % (
                phase, i + 1, len(mutants), status, m["file"], m["line"],
                m["original"].strip(), m["mutated"].strip()), flush=True)
            if args.out:
                write_summary(args.out, [r for r in results if r], started)
    done = [r for r in results if r]
    if args.out:
        write_summary(args.out, done, started)
    summary = report(done, started)
    return 1 if summary["rate"] < args.min_rate else 0


def report(results, started):
    """Prints the kill rate and every survivor; returns the summary."""
    summary = summarize(results, started)
    print("killed %d, survived %d, invalid %d; kill rate %d/%d = %.1f %%" % (
        summary["killed"], summary["survived"], summary["invalid"], summary["killed"],
        summary["valid"], summary["rate"]))
    if summary["quick_only"]:
        print("not yet counted: %d passed the quick subset and still wait for the fast suite"
              % summary["quick_only"])
    for r in results:
        if r["status"] in ("survived", "passed-quick"):
            print("%s: %s:%d: %s -> %s" % (r["status"], r["file"], r["line"],
                                          r["original"].strip(), r["mutated"].strip()))
    return summary


def summarize(results, started):
    killed = sum(r["status"] == "killed" for r in results)
    survived = sum(r["status"] == "survived" for r in results)
    invalid = sum(r["status"] == "invalid" for r in results)
    quick_only = sum(r["status"] == "passed-quick" for r in results)
    valid = killed + survived
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "command": " ".join(sys.argv), "killed": killed, "survived": survived,
            "invalid": invalid, "quick_only": quick_only, "valid": valid,
            "rate": 100.0 * killed / valid if valid else 0.0,
            "seconds": round(time.time() - started), "results": results}


def write_summary(path, results, started):
    s = summarize(results, started)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(s, f, indent=1)
    os.replace(path + ".tmp", path)
    return s


if __name__ == "__main__":
    sys.exit(main())
