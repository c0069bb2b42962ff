#!/usr/bin/env python3
"""The CI templates of ci/templates/ run the project's own commands.

    python3 tests/ci-templates.py SOURCE_DIR          # the static checks
    python3 tests/ci-templates.py --run SOURCE_DIR    # and run them for real

Both templates are parsed with a real YAML parser and their structure is
checked (the artifacts kept even when the run fails, the JUnit report
published, nothing that hides the exit status). Every shell command of their
`run:` and `script:` blocks is extracted, and the commands about wsfault
(ci/setup.sh, ci/build.sh, the results folder, `wsfault run` and its
options) must be those of ci/demo.sh, the project's main job, in its order,
variables and all: a change to one without the others fails here. So must
the commands README.md shows under "In your CI" (with the values put in,
the run's options by name). Every
block passes `bash -n`. A self-check then mutates copies (a run line without
--junit, artifacts not kept on failure, ...) and requires each to be
rejected, so that the check cannot pass by checking nothing.

With --run, both templates are executed in a throwaway folder, against a
clone of SOURCE_DIR at its HEAD commit and the reference target, on one
scenario that passes and one that fails: the job must end with status 0 on
the first and 1 on the second, and leave the report and the JUnit file
either way. apt-get lines are skipped (ci/setup.sh installs what is missing
itself). The clone is of HEAD: ci/setup.sh and ci/build.sh as committed.
Exit status 77 (a skip) when SOURCE_DIR is not the top of a git checkout.
"""

import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

import yaml

GITHUB = "ci/templates/github-actions.yml"
GITLAB = "ci/templates/gitlab-ci.yml"
DEMO = "ci/demo.sh"
BUILD = "ci/build.sh"
TEST = "ci/test.sh"
README = "README.md"
CMAKE = "CMakeLists.txt"

# Separators between simple commands in a shell line.
SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")", "{", "}", "!"}


class Problem(Exception):
    pass


def normalize_vars(text):
    """${{ env.X }} (GitHub's expressions) and ${X} read as $X."""
    text = re.sub(r"\$\{\{\s*env\.(\w+)\s*\}\}", r"$\1", text)
    return re.sub(r"\$\{(\w+)\}", r"$\1", text)


def shell_lines(script):
    """The logical lines of a shell script: continuations joined, comments
    and blank lines dropped."""
    script = script.replace("\\\n", " ")
    lines = []
    for line in script.split("\n"):
        if line.strip() and not line.strip().startswith("#"):
            lines.append(line)
    return lines


def commands(line):
    """The simple commands of one shell line, each as (argv, separator
    before, separator after)."""
    lexer = shlex.shlex(normalize_vars(line), posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    tokens = list(lexer)
    out, argv, before = [], [], None
    for tok in tokens + [None]:
        if tok is None or tok in SEPARATORS:
            if argv:
                out.append([argv, before, tok])
            argv, before = [], tok
        else:
            argv.append(tok)
    return out


def is_wsfault(argv):
    """A command about wsfault: setup, build, the results folder, a run."""
    if len(argv) >= 2 and argv[0] == "bash" and re.fullmatch(r"(.*/)?ci/(setup|build)\.sh", argv[1]):
        return True
    if argv[0] == "mkdir" and any("$WSFAULT_RESULTS" in a for a in argv):
        return True
    return os.path.basename(argv[0]) == "wsfault"


def canonical(argv):
    """What must agree: the wsfault binary by its name (where it is built is
    checked apart), the arguments as written."""
    argv = list(argv)
    if os.path.basename(argv[0]) == "wsfault":
        argv[0] = "wsfault"
    return argv


def demo_commands(demo_text, build_text, test_text, cmake_text):
    """The wsfault commands of ci/demo.sh, in order; and the build folder.

    demo.sh passes its own arguments on ("$@"): they are not part of the
    command a template must repeat."""
    found = []
    for line in shell_lines(demo_text):
        for argv, _, _ in commands(line):
            if argv[0] == "exec":
                argv = argv[1:]
            if argv and is_wsfault(argv):
                found.append([a for a in argv if a != "$@"])
    kinds = [kind(c) for c in found]
    if kinds != ["setup", "build", "mkdir", "run"]:
        raise Problem(f"{DEMO}: expected setup, build, mkdir and run commands, found {kinds}")
    build_dir = found[1][2] if len(found[1]) > 2 else None
    if not build_dir:
        raise Problem(f"{DEMO}: ci/build.sh without a build folder")
    # ci/build.sh configures into its first argument; the programs land in
    # bin/ of it (CMAKE_RUNTIME_OUTPUT_DIRECTORY).
    if 'dir=$1' not in build_text or 'cmake --build "$dir"' not in build_text:
        raise Problem(f"{BUILD}: no longer builds into its first argument")
    if "set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)" not in cmake_text:
        raise Problem(f"{CMAKE}: the programs no longer land in bin/ of the build folder")
    # The project's CI (ci/test.sh) builds with the same command.
    if f"bash ci/build.sh {build_dir}\n" not in test_text:
        raise Problem(f"{TEST}: does not build with bash ci/build.sh {build_dir}, as {DEMO} does")
    if found[3][0] != f"{build_dir}/bin/wsfault":
        raise Problem(f"{DEMO}: runs {found[3][0]}, not the {build_dir}/bin/wsfault that ci/build.sh {build_dir} makes")
    return [canonical(c) for c in found], build_dir


def kind(argv):
    if argv[0] == "bash":
        return "setup" if argv[1].endswith("setup.sh") else "build"
    if argv[0] == "mkdir":
        return "mkdir"
    return "run" if len(argv) > 1 and argv[1] == "run" else "wsfault " + " ".join(argv[1:2])


def option(argv, name):
    if name in argv and argv.index(name) + 1 < len(argv):
        return argv[argv.index(name) + 1]
    return None


def bash_n(name, script):
    with tempfile.NamedTemporaryFile("w", suffix=".sh") as f:
        f.write(script)
        f.flush()
        r = subprocess.run(["bash", "-n", f.name], capture_output=True, text=True)
    if r.returncode != 0:
        raise Problem(f"{name}: bash -n: {r.stderr.strip().replace(f.name, 'line')}")


def expand(text, variables):
    """A path of the YAML with the template's own variables put in."""
    text = normalize_vars(text)
    return re.sub(r"\$(\w+)", lambda m: str(variables.get(m.group(1), m.group(0))), text)


def walk(name, blocks, variables, demo, build_dir):
    """Follows the blocks' commands in order, as the runner would: where `cd`
    goes, what lands on PATH, and the wsfault commands. Returns the run
    command: its argv, the separator after it, and the commands after it on
    its line."""
    got = []
    cwd = "."
    on_path = False
    pinned = False
    run = None
    for block, where in blocks:
        if where == "step":
            cwd = "."  # each GitHub step starts in the workspace
        for line in shell_lines(block):
            line_cmds = commands(line)
            for i, (argv, before, after) in enumerate(line_cmds):
                if argv[0] == "cd":
                    dest = argv[1] if len(argv) > 1 else "."
                    cwd = "." if dest in ("$CI_PROJECT_DIR", "$GITHUB_WORKSPACE", "-") else dest
                    continue
                if argv[0] == "git" and "clone" in argv:
                    if "$WSFAULT_REPO" not in argv or argv[-1] != "$WSFAULT_DIR":
                        raise Problem(f"{name}: git clone must clone $WSFAULT_REPO into $WSFAULT_DIR: {' '.join(argv)}")
                if argv[0] == "git" and "checkout" in argv:
                    if argv[1:3] != ["-C", "$WSFAULT_DIR"] or argv[-1] != "$WSFAULT_REF":
                        raise Problem(f"{name}: the checkout must be $WSFAULT_REF in $WSFAULT_DIR: {' '.join(argv)}")
                    pinned = True
                text = " ".join(argv)
                if f"$PWD/{build_dir}/bin" in text and ("PATH" in text):
                    if cwd != "$WSFAULT_DIR":
                        raise Problem(f"{name}: puts $PWD/{build_dir}/bin on PATH from {cwd}, not from $WSFAULT_DIR")
                    on_path = True
                if not is_wsfault(argv):
                    continue
                k = kind(argv)
                if k in ("setup", "build") and cwd != "$WSFAULT_DIR":
                    raise Problem(f"{name}: runs {text} in {cwd}, not in the wsfault checkout $WSFAULT_DIR")
                if k in ("setup", "build") and not pinned:
                    raise Problem(f"{name}: runs {text} before checking out $WSFAULT_REF in $WSFAULT_DIR")
                if k == "run":
                    if cwd != ".":
                        raise Problem(f"{name}: runs wsfault in {cwd}, not in the project's folder")
                    if argv[0] == "wsfault" and not on_path:
                        raise Problem(f"{name}: runs wsfault before {build_dir}/bin of $WSFAULT_DIR is on PATH")
                    if argv[0] not in ("wsfault", f"$WSFAULT_DIR/{build_dir}/bin/wsfault"):
                        raise Problem(f"{name}: runs {argv[0]}, not the wsfault built in $WSFAULT_DIR/{build_dir}")
                    run = (argv, after, [c[0] for c in line_cmds[i + 1 :]])
                got.append(canonical(argv))
    if got != demo:
        raise Problem(
            f"{name}: its wsfault commands differ from {DEMO}'s:\n"
            + "".join(f"  {name}: {' '.join(c)}\n" for c in got)
            + "".join(f"  {DEMO}: {' '.join(c)}\n" for c in demo)
        )
    used = set(re.findall(r"\$(WSFAULT_\w+)", " ".join(" ".join(c) for c in got)))
    used |= {"WSFAULT_REPO", "WSFAULT_REF", "WSFAULT_DIR"}
    missing = sorted(v for v in used if str(variables.get(v, "")).strip() == "")
    if missing:
        raise Problem(f"{name}: variables used but not set: {', '.join(missing)}")
    return run


def check_github(text, demo, build_dir):
    name = GITHUB
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict):
        raise Problem(f"{name}: not a mapping")
    # YAML 1.1 reads the key `on` as true.
    if "on" not in doc and True not in doc:
        raise Problem(f"{name}: no 'on:' (when the workflow runs)")
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        raise Problem(f"{name}: no jobs")
    job = next((j for j in jobs.values() if isinstance(j, dict) and "runs-on" in j), None)
    if job is None:
        raise Problem(f"{name}: no job with runs-on")
    container = job.get("container")
    image = container.get("image") if isinstance(container, dict) else container
    if not str(image).startswith("debian:12"):
        raise Problem(f"{name}: the job's container is {image!r}, not debian:12")
    # In a container a step's shell is sh unless told; bash -eo pipefail
    # keeps wsfault's status through `| tee`.
    if (job.get("defaults") or {}).get("run", {}).get("shell") != "bash":
        raise Problem(f"{name}: the job's defaults.run.shell is not bash")
    variables = dict(doc.get("env") or {}, **(job.get("env") or {}))
    steps = job.get("steps") or []
    uses = [s["uses"] for s in steps if "uses" in s]
    for u in uses:
        if not re.fullmatch(r"actions/(checkout|upload-artifact)@v\d+", u):
            raise Problem(f"{name}: uses {u}: only actions/checkout and actions/upload-artifact")
    if not any(u.startswith("actions/checkout@") for u in uses):
        raise Problem(f"{name}: no actions/checkout step")
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    if not uploads:
        raise Problem(f"{name}: no actions/upload-artifact step")
    blocks = []
    for s in steps:
        if "run" in s:
            bash_n(f"{name}: step {s.get('name', '?')!r}", normalize_vars(s["run"]))
            blocks.append((s["run"], "step"))
        if s.get("continue-on-error"):
            raise Problem(f"{name}: step {s.get('name', '?')!r} has continue-on-error: the job would not fail")
    if job.get("continue-on-error"):
        raise Problem(f"{name}: the job has continue-on-error")
    argv, after, rest = walk(name, blocks, variables, demo, build_dir)
    # Only `| tee FILE` may follow (under bash's pipefail the status is still
    # wsfault's).
    if after not in (None, "|") or (after == "|" and [c[0] for c in rest] != ["tee"]):
        raise Problem(f"{name}: the wsfault run is followed by {after!r}: its exit status must fail the step")
    tee = rest[0][-1] if rest else None
    report, junit = option(argv, "--report"), option(argv, "--junit")
    if not report or not junit:
        raise Problem(f"{name}: the wsfault run has no --report and --junit")
    for up in uploads:
        if str(up.get("if", "")).replace(" ", "") not in ("always()", "${{always()}}"):
            raise Problem(f"{name}: {up['uses']} has no 'if: always()': a failed run would keep nothing")
        paths = [p.strip().rstrip("/") for p in normalize_vars(str((up.get("with") or {}).get("path", ""))).split("\n")]
        for want in (report, junit):
            if want not in paths:
                raise Problem(f"{name}: {up['uses']} does not upload {want} (paths: {paths})")
    summaries = [s for s in steps if "GITHUB_STEP_SUMMARY" in str(s.get("run", ""))]
    if not summaries:
        raise Problem(f"{name}: no step writes $GITHUB_STEP_SUMMARY")
    for s in summaries:
        if str(s.get("if", "")).replace(" ", "") not in ("always()", "${{always()}}"):
            raise Problem(f"{name}: the summary step has no 'if: always()'")
        if tee and os.path.basename(tee) not in s["run"]:
            raise Problem(f"{name}: the summary step does not read {tee}, what the run writes")
    return doc


def check_gitlab(text, demo, build_dir):
    name = GITLAB
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict):
        raise Problem(f"{name}: not a mapping")
    jobs = {k: v for k, v in doc.items() if isinstance(v, dict) and "script" in v}
    if not jobs:
        raise Problem(f"{name}: no job with a script")
    for jname, job in jobs.items():
        image = job.get("image")
        image = image.get("name") if isinstance(image, dict) else image
        if not str(image).startswith("debian:12"):
            raise Problem(f"{name}: job {jname}: image {image!r}, not debian:12")
        if job.get("allow_failure"):
            raise Problem(f"{name}: job {jname}: allow_failure: the pipeline would not fail")
        script = job["script"]
        if not isinstance(script, list) or not all(isinstance(s, str) for s in script):
            raise Problem(f"{name}: job {jname}: script is not a list of commands")
        variables = dict(doc.get("variables") or {}, **(job.get("variables") or {}))
        variables.setdefault("CI_PROJECT_DIR", ".")
        whole = "\n".join(script)
        bash_n(f"{name}: job {jname}", whole)
        argv, after, _ = walk(name, [(whole, "job")], variables, demo, build_dir)
        if after is not None:
            raise Problem(f"{name}: the wsfault run is followed by {after!r}: its exit status must fail the job")
        report = expand(option(argv, "--report") or "", variables)
        junit = expand(option(argv, "--junit") or "", variables)
        if not report or not junit:
            raise Problem(f"{name}: the wsfault run has no --report and --junit")
        art = job.get("artifacts") or {}
        if art.get("when") != "always":
            raise Problem(f"{name}: job {jname}: artifacts:when is not always: a failed run would keep nothing")
        paths = [expand(str(p), variables).rstrip("/") for p in art.get("paths") or []]
        for want in (report, junit):
            if want not in paths:
                raise Problem(f"{name}: job {jname}: artifacts:paths do not keep {want} (paths: {paths})")
        reported = (art.get("reports") or {}).get("junit")
        reported = reported if isinstance(reported, list) else [reported]
        if junit not in [expand(str(r), variables) for r in reported if r]:
            raise Problem(f"{name}: job {jname}: artifacts:reports:junit is {reported}, not {junit}")
    return doc


def check_readme(text, demo):
    """README's "In your CI" shows the commands with the templates' values
    put in: the same commands, and the run with the same options."""
    name = README
    m = re.search(r"\n## In your CI\n(.*?)\n## ", text, re.S)
    if not m:
        raise Problem(f"{name}: no section 'In your CI'")
    blocks = re.findall(r"```sh\n(.*?)```", m.group(1), re.S)
    got = [argv for b in blocks for ln in shell_lines(b) for argv, _, _ in commands(ln) if is_wsfault(argv)]
    got = [canonical(c) for c in got if kind(c) != "mkdir"]
    want = [c for c in demo if kind(c) != "mkdir"]
    for g, w in zip(got, want):
        same = g == w if kind(w) != "run" else [a for a in g if a.startswith("-")] == [a for a in w if a.startswith("-")]
        if kind(g) != kind(w) or not same:
            raise Problem(f"{name}: In your CI shows {' '.join(g)}, where {DEMO} has {' '.join(w)}")
    if len(got) != len(want):
        raise Problem(f"{name}: In your CI shows {len(got)} of the commands, {DEMO} has {len(want)}")


def check(texts):
    demo, build_dir = demo_commands(texts[DEMO], texts[BUILD], texts[TEST], texts[CMAKE])
    check_github(texts[GITHUB], demo, build_dir)
    check_gitlab(texts[GITLAB], demo, build_dir)
    check_readme(texts[README], demo)


def mutated(texts, path, old, new):
    if old not in texts[path]:
        raise SystemExit(f"self-check: {path} no longer holds {old!r}: update the self-check")
    t = dict(texts)
    t[path] = texts[path].replace(old, new, 1)
    return t


def self_check(texts):
    """Copies that must be rejected, each for the reason given."""
    junit = '--junit "$WSFAULT_RESULTS/junit.xml" '
    cases = [
        ("a GitHub run line without --junit", GITHUB, junit, ""),
        ("a GitLab run line without --junit", GITLAB, junit, ""),
        ("ci/demo.sh without -j (the templates not changed with it)", DEMO, '-j "$WSFAULT_JOBS" ', ""),
        ("ci/demo.sh with an option the templates lack", DEMO, "--report", "--no-capture --report"),
        ("ci/test.sh building elsewhere", TEST, "bash ci/build.sh build\n", "bash ci/build.sh out\n"),
        ("programs that land elsewhere than bin/", CMAKE, "${CMAKE_BINARY_DIR}/bin)", "${CMAKE_BINARY_DIR}/out)"),
        ("a GitLab build into another folder", GITLAB, "bash ci/build.sh build", "bash ci/build.sh out"),
        ("a GitHub setup of everything", GITHUB, "bash ci/setup.sh --build", "bash ci/setup.sh"),
        ("a GitHub build outside the checkout", GITHUB, '          cd "$WSFAULT_DIR"\n', ""),
        ("GitLab artifacts kept on success only", GITLAB, "when: always", "when: on_success"),
        ("no GitLab JUnit report", GITLAB, "    reports:\n      junit: results/junit.xml\n", ""),
        ("a GitHub upload without if: always()", GITHUB, "        if: always()\n        with:", "        with:"),
        ("a GitHub upload without the report", GITHUB, "            ${{ env.WSFAULT_RESULTS }}/report\n", ""),
        ("a GitHub step in sh", GITHUB, "        shell: bash", "        shell: sh"),
        ("a third-party action", GITHUB, "      - uses: actions/checkout@v4", "      - uses: someone/checkout@v1"),
        ("a GitHub run piped on past tee", GITHUB,
         '| tee "$WSFAULT_RESULTS/output.txt"', '| tee "$WSFAULT_RESULTS/output.txt" | cat'),
        ("a GitLab run whose failure is ignored", GITLAB, '"$WSFAULT_SUITE"\n', '"$WSFAULT_SUITE" || true\n'),
        ("a GitHub step that does not parse", GITHUB, 'mkdir -p "$WSFAULT_RESULTS"', 'if mkdir -p "$WSFAULT_RESULTS"'),
        ("a GitLab job on another image", GITLAB, "image: debian:12", "image: alpine:3"),
        ("a GitHub build of whatever is checked out", GITHUB,
         '          git -C "$WSFAULT_DIR" checkout --detach "$WSFAULT_REF"\n', ""),
        ("a GitLab results folder the artifacts do not keep", GITLAB,
         "WSFAULT_RESULTS: results", "WSFAULT_RESULTS: out"),
        ("a README whose run lacks --junit", README, "\n  --report results/report --junit results/junit.xml",
         "\n  --report results/report"),
        ("a README that builds elsewhere", README, "bash ci/build.sh build)", "bash ci/build.sh out)"),
        ("a GitLab pin that is not set", GITLAB, "WSFAULT_REF: v0.1.0", 'WSFAULT_REF: ""'),
    ]
    for what, path, old, new in cases:
        try:
            check(mutated(texts, path, old, new))
        except Problem as p:
            print(f"self-check: rejected {what}: {str(p).splitlines()[0]}")
            continue
        except yaml.YAMLError as e:
            print(f"self-check: rejected {what}: YAML: {e}".splitlines()[0])
            continue
        raise SystemExit(f"self-check: FAILED: {what} was accepted")


def git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def run_blocks(blocks, env, cwd, log):
    """Runs shell blocks as a runner would (bash -eo pipefail, apt-get lines
    skipped); returns the exit status of each."""
    status = []
    for block in blocks:
        script = "\n".join(
            ("true  # skipped: " + ln) if ln.strip().startswith("apt-get") else ln for ln in block.split("\n")
        )
        with open(log, "a") as out:
            r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                               cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        status.append(r.returncode)
    return status


def run_github(doc, base, env, project, log):
    job = next(j for j in doc["jobs"].values() if "runs-on" in j)
    summary = os.path.join(base, "summary.md")
    path_file = os.path.join(base, "github_path")
    open(summary, "w").close()
    open(path_file, "w").close()
    env = dict(env, GITHUB_STEP_SUMMARY=summary, GITHUB_PATH=path_file, GITHUB_WORKSPACE=project)
    failed = 0  # the status of the first step that failed
    for step in job["steps"]:
        always = str(step.get("if", "")).replace(" ", "") == "always()"
        if failed and not always:
            continue
        if "uses" in step:
            if step["uses"].startswith("actions/upload-artifact@"):
                for p in normalize_vars(step["with"]["path"]).split("\n"):
                    p = expand(p.strip(), env)
                    if p and not os.path.exists(os.path.join(project, p)):
                        raise SystemExit(f"run: {GITHUB}: nothing to upload at {p}")
            continue  # actions/checkout: the project folder is there
        extra = [ln for ln in open(path_file).read().split("\n") if ln]
        step_env = dict(env, PATH=":".join(extra[::-1] + [env["PATH"]]))
        (rc,) = run_blocks([step["run"]], step_env, project, log)
        if rc != 0 and not failed:
            failed = rc
    return failed, open(summary).read()


def run_gitlab(doc, env, project, log):
    job = next(j for j in doc.values() if isinstance(j, dict) and "script" in j)
    env = dict(env, CI_PROJECT_DIR=project)
    (rc,) = run_blocks(["\n".join(job["script"])], env, project, log)
    for p in job["artifacts"]["paths"]:
        if not os.path.exists(os.path.join(project, expand(p, env))):
            raise SystemExit(f"run: {GITLAB}: no artifact at {p}")
    return rc


def run_for_real(src, texts):
    """Both templates, executed: a passing and a failing scenario each."""
    github = yaml.safe_load(texts[GITHUB])
    gitlab = yaml.safe_load(texts[GITLAB])
    # A copy of the tree inside another checkout (the mutation run's) is
    # not what HEAD holds: skipped too.
    try:
        top = git("rev-parse", "--show-toplevel", cwd=src)
        ref = git("rev-parse", "HEAD", cwd=src)
    except (OSError, subprocess.CalledProcessError):
        top = None
    if top is None or os.path.realpath(top) != os.path.realpath(src):
        print(f"skipped: {src} is not the top of a git checkout, and the templates clone wsfault with git")
        sys.exit(77)
    base = tempfile.mkdtemp(prefix="wsfault-templates.")
    log = os.path.join(base, "log.txt")
    # One checkout for all the runs (a copy already there is used), so that
    # wsfault is built once: by the first.
    checkout = os.path.join(base, "wsfault-src")
    # The job's status is wsfault's: 0 when the scenario passed, 1 when it
    # failed.
    cases = [
        ("pass", "scenarios/close/clean-peer-initiated.wsf", 0),
        ("fail", "tests/data/scenarios/wrong-close-code.wsf", 1),
    ]
    started = time.monotonic()
    try:
        for label, scenario, want_status in cases:
            for name, doc in ((GITHUB, github), (GITLAB, gitlab)):
                job = next(j for j in (doc["jobs"].values() if name == GITHUB else doc.values())
                           if isinstance(j, dict) and ("runs-on" in j or "script" in j))
                variables = {k: str(v) for k, v in (job.get("env") or job.get("variables") or {}).items()}
                env = dict(os.environ, **variables)
                env.update(WSFAULT_REPO=src, WSFAULT_REF=ref, WSFAULT_DIR=checkout,
                           WSFAULT_TARGET=os.path.join(checkout, "targets/lws-echo.target"),
                           WSFAULT_SUITE=os.path.join(checkout, scenario))
                project = os.path.join(base, f"{os.path.basename(name)}-{label}")
                os.mkdir(project)
                t = time.monotonic()
                if name == GITHUB:
                    failed, summary = run_github(doc, base, env, project, log)
                    want = "0 passed, 1 failed, 0 errors" if want_status else "1 passed, 0 failed, 0 errors"
                    if want not in summary:
                        raise SystemExit(f"run: {name}: the summary lacks {want!r}:\n{summary}")
                else:
                    failed = run_gitlab(doc, env, project, log)
                results = os.path.join(project, variables["WSFAULT_RESULTS"])
                for f in ("junit.xml", "report/index.html", "results.json"):
                    if not os.path.isfile(os.path.join(results, f)):
                        raise SystemExit(f"run: {name}: no {f} in {results}")
                if failed != want_status:
                    raise SystemExit(f"run: {name} on a scenario that should {label}: the job "
                                     f"ended with status {failed}, expected {want_status}")
                print(f"run: {name}, a scenario that should {label}: the job ended with status "
                      f"{failed}, report and JUnit kept ({time.monotonic() - t:.1f} s)")
    except BaseException:
        if os.path.exists(log):
            sys.stdout.write(open(log).read()[-4000:])
        raise
    finally:
        subprocess.run(["rm", "-rf", base])
    print(f"run: all in {time.monotonic() - started:.1f} s")


def main():
    args = sys.argv[1:]
    run = "--run" in args
    args = [a for a in args if a != "--run"]
    if len(args) != 1:
        raise SystemExit("usage: ci-templates.py [--run] SOURCE_DIR")
    src = os.path.abspath(args[0])
    texts = {p: open(os.path.join(src, p)).read() for p in (GITHUB, GITLAB, DEMO, BUILD, TEST, README, CMAKE)}
    try:
        check(texts)
    except Problem as p:
        raise SystemExit(f"FAIL: {p}")
    demo, _ = demo_commands(texts[DEMO], texts[BUILD], texts[TEST], texts[CMAKE])
    print("the templates run ci/demo.sh's commands:")
    for c in demo:
        print("  " + " ".join(c))
    self_check(texts)
    if run:
        run_for_real(src, texts)


if __name__ == "__main__":
    main()
