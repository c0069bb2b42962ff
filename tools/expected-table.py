#!/usr/bin/env python3
"""Print the rows of an expected table (tests/data/zoo-expected.txt,
real-expected.txt) from results kept by a matrix run:

    MATRIX_KEEP=/tmp/keep bash tests/e2e/matrix.sh build/bin/wsfault . zoo
    python3 tools/expected-table.py /tmp/keep SERVER...

Every scenario that did not pass, as scenario=verdict; the cases of a file
with cases are folded into file.wsf=verdict when all of them agree, else
listed one by one as file.wsf[case]=verdict. The rows are to be read and
merged by hand: a table's comments say why each entry is right."""
import json, os, sys
from collections import defaultdict

keep, servers = sys.argv[1], sys.argv[2:]
for s in servers:
    d = json.load(open(os.path.join(keep, s + '.json')))
    files = defaultdict(list)
    for x in d['scenarios']:
        rel = x['file'].split('/scenarios/', 1)[-1]
        files[rel].append((x.get('case'), x['verdict']))
    entries = []
    for rel, cases in sorted(files.items()):
        verdicts = {v for _, v in cases}
        if len(verdicts) == 1 and cases[0][0] is not None and 'pass' not in verdicts:
            entries.append(f'{rel}={verdicts.pop()}')
            continue
        entries += [f'{rel}[{c}]={v}' if c is not None else f'{rel}={v}'
                    for c, v in cases if v != 'pass']
    first = True
    for e in entries or ['-']:
        print((s if first else '').ljust(25) + e)
        first = False
    print()
