# A matrix of servers against the shipped suite: every server a table names
# is run through every scenario, and the scenarios that did not pass must be
# exactly those the table lists for it, with the verdict it lists (a file
# with cases is named file.wsf[case] for one case, or file.wsf for all of
# them, a case named after it taking precedence; a verdict
# ending in '?' may also be a pass: a race decides). A verdict not as the
# table says is run again alone, twice at most: if the table's verdict comes
# back, the entry is printed as RACY (it wants a '?') and does not fail the
# test. The matrix of verdicts is printed either way.
#
#   matrix.sh WSFAULT SRC zoo    tests/data/zoo-expected.txt, targets/zoo/NAME.target
#   matrix.sh WSFAULT SRC real   tests/data/real-expected.txt, targets/real/NAME/*.target
source "$(dirname "$0")/lib.sh"

kind=$3
table="$SRC/tests/data/$kind-expected.txt"
if [ "$kind" = real ] && [ ! -d "$SRC/targets/real/node-ws/node_modules/ws" ]; then
  fail "the real servers are not installed: run bash ci/real-servers.sh --install"
fi
servers=$(grep -E '^[^#[:space:]*]' "$table" | awk '{print $1}')

# Three servers at a time, each run with its own target on its own ports:
# most of a run is waiting for a server's timeouts. Each runs its scenarios
# one at a time (-j 1): three servers already keep two cores busy, and the
# tables were made so.
for s in $servers; do echo "$s"; done |
  xargs -P 3 -I{} sh -c '
    s={}
    case "$2:$s" in
      zoo:lws-echo) t="$0/targets/lws-echo.target" ;;
      zoo:*) t="$0/targets/zoo/$s.target" ;;
      *) t=$(ls "$0/targets/real/$s/"*.target) ;;
    esac
    "$1" run --target "$t" -j 1 --results "$s.json" "$0/scenarios" >"$s.out" 2>&1
    echo "$s: exit $?" >>"$s.out"
  ' "$SRC" "$WSFAULT" "$kind"

# MATRIX_KEEP=DIR keeps each server's results and output there, to read a
# row that is off or to write a new table (tools/expected-table.py).
if [ -n "${MATRIX_KEEP:-}" ]; then
  mkdir -p "$MATRIX_KEEP"
  cp ./*.json ./*.out "$MATRIX_KEEP"/
fi

WSFAULT="$WSFAULT" python3 - "$table" "$SRC/scenarios" "$kind" $servers <<'PY'
import glob, json, os, subprocess, sys
table, root, kind, servers = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
# A server's line lists scenario=verdict pairs; indented lines go on with
# the server above them.
# The row named '*' holds the entries of every server whose own row does not
# name that scenario.
want, server = {}, None
for raw in open(table):
    words = raw.split('#', 1)[0].split()
    if not words:
        continue
    if not raw[0].isspace():
        server, words = words[0], words[1:]
        want[server] = {}
    want[server].update(w.rsplit('=', 1) for w in words if w != '-')
every = want.pop('*', {})
for s in want:
    want[s] = {**every, **want[s]}
letter = {'pass': '.', 'fail': 'F', 'error': 'E', 'known': 'K', 'non-strict': 'N', 'info': 'I',
          'skip': 'S'}
got, problems, mismatches = {}, [], []
for s in servers:
    try:
        d = json.load(open(s + '.json'))
    except Exception as e:
        problems.append(f'{s}: no results ({e}); its output:\n' + open(s + '.out').read())
        continue
    # A case of a matrix file is file[case]; the table may name the case or
    # the file alone, for all of its cases at once.
    got[s] = {os.path.relpath(x['file'], root) + (f"[{x['case']}]" if x.get('case') else ''):
              x['verdict'] for x in d['scenarios']}
scen = sorted({f for v in got.values() for f in v})
w = max(len(f) for f in scen)
print('\nverdicts: . pass  F fail  N non-strict  I info  K known  E error  S skip'
      '   (! = not as the table says)\n')
for i, s in enumerate(servers):
    print(' ' * (w + 2) + '| ' * i + s)
for f in scen:
    row = ''
    for s in servers:
        v = got.get(s, {}).get(f)
        exp = want[s].get(f, want[s].get(f.split('[')[0], 'pass'))
        mark = letter.get(v, '?') if v else '?'
        # "fail?" in the table: the defect shows in this scenario only when a
        # race goes its way (said in the table); either outcome is accepted.
        if exp.endswith('?') and v in (exp[:-1], 'pass'):
            exp = v
        if v != exp:
            mark += '!'
            mismatches.append((s, f, v, exp))
        row += mark.ljust(2)
    print(f.ljust(w + 2) + row)


def target_of(s):
    src = os.path.dirname(root)
    if kind == 'zoo':
        return os.path.join(src, 'targets', 'lws-echo.target' if s == 'lws-echo' else f'zoo/{s}.target')
    return glob.glob(os.path.join(src, 'targets', 'real', s, '*.target'))[0]


def alone(s, f):
    """The case's verdict when run by itself (--filter takes file.wsf[case])."""
    r = subprocess.run([os.environ['WSFAULT'], 'run', '--target', target_of(s), '-j', '1',
                        '--results', 'alone.json', '--filter', f, root],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        d = json.load(open('alone.json'))
    except Exception:
        return f'no results (exit {r.returncode})'
    for x in d['scenarios']:
        if os.path.relpath(x['file'], root) + (f"[{x['case']}]" if x.get('case') else '') == f:
            return x['verdict']
    return 'not run'


# A verdict not as the table says is run again by itself, twice at most: a
# server whose verdict there depends on a race shows the table's verdict
# in one of the runs, and is reported as racy (its entry wants a '?'), not
# failed; a verdict that is wrong every time is a problem.
racy = []
for s, f, v, exp in mismatches:
    again = [alone(s, f) for _ in range(2)]
    ok = [a for a in again if a == exp or (exp.endswith('?') and a in (exp[:-1], 'pass'))]
    if ok:
        racy.append(f'{s}: {f}: {v} in the run, {" then ".join(again)} alone; the table says {exp}')
    else:
        problems.append(f'{s}: {f}: {v}, the table says {exp} (alone: {", ".join(again)})')
# Every listed failure must name a scenario that exists.
for s in servers:
    for f in want[s]:
        if f not in scen and not any(x.startswith(f + '[') for x in scen):
            problems.append(f'{s}: the table names {f}, which is not in the suite')
# Every defective zoo server must be caught by something.
for s in servers if kind == 'zoo' else []:
    if s.endswith('correct') or s == 'lws-echo':
        continue
    if not any(v not in ('pass', 'skip') for v in got.get(s, {}).values()):
        problems.append(f'{s}: its defect went unnoticed by every scenario')
print()
for p in racy:
    print('RACY', p)
for p in problems:
    print('PROBLEM', p)
# What a server printed helps when its row is off.
for s in sorted({p.split(':')[0] for p in problems}):
    if os.path.exists(s + '.out'):
        print(f'--- wsfault output for {s}:')
        print(open(s + '.out').read())
sys.exit(1 if problems else 0)
PY
echo "ok: every server's verdicts are as $(basename "$table") says"
