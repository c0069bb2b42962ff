#!/usr/bin/env bash
# Finds circles of calls between C files: A uses a symbol B defines and B,
# directly or through others, uses one A defines. Each file of a part should
# call only files below it, so a part can be read, and changed, from the
# bottom up. Reads the symbol tables of object files or static libraries:
#   tools/call-circles.sh build/harness/libwsf_core.a
# Prints every circle found and exits 1 if there is one.
set -euo pipefail
if [ $# -eq 0 ]; then
    echo "usage: $0 OBJECT_OR_ARCHIVE..." >&2
    exit 2
fi

# "file symbol kind" for every symbol a file defines (D) or uses (U); the
# file is the object's name in an archive, without its .o (runner.c).
symbols=$(nm -A "$@" | awk '
    match($1, /[^:\/]+\.o:/) {
        file = substr($1, RSTART, RLENGTH - 1); sub(/\.o$/, "", file)
        kind = $(NF - 1)
        if (kind ~ /^[TDBRVWGS]$/) print file, $NF, "D"
        else if (kind == "U") print file, $NF, "U"
    }')

# "user definer symbol" for every use of a symbol another of these files defines.
edges=$(awk '
    $3 == "D" { def[$2] = $1; next }
    { use[NR] = $1 " " $2 }
    END {
        for (i in use) {
            split(use[i], u, " ")
            if ((u[2] in def) && def[u[2]] != u[1]) print u[1], def[u[2]], u[2]
        }
    }' <<<"$symbols" | sort -u)

found=0
# Two files that call each other, with a symbol each way for the reader.
pairs=$(awk '
    { key = $1 " " $2; if (!(key in why)) why[key] = $3 }
    END {
        for (k in why) {
            split(k, f, " ")
            back = f[2] " " f[1]
            if (f[1] < f[2] && (back in why))
                printf "%s <-> %s: %s uses %s, %s uses %s\n", f[1], f[2], f[1], why[k], f[2], why[back]
        }
    }' <<<"$edges" | sort)
if [ -n "$pairs" ]; then
    echo "$pairs"
    found=1
fi
# Longer circles (A -> B -> C -> A): tsort names the files of each loop.
loops=$(awk '{ print $1, $2 }' <<<"$edges" | sort -u | tsort 2>&1 >/dev/null |
    awk '/contains a loop/ { if (n) print line; line = "circle:"; n = 0; next }
         { sub(/^tsort: /, ""); line = line " " $0; n++ }
         END { if (n) print line }' || true)
if [ -n "$loops" ]; then
    echo "$loops"
    found=1
fi
if [ "$found" = 0 ]; then
    echo "no call circles among $(awk '{ print $1 }' <<<"$symbols" | sort -u | wc -l) files"
fi
exit "$found"
