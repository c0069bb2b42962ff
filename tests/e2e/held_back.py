#!/usr/bin/python3
"""The HTML report's held-back parts, unpacked as report.js unpacks them.

    /usr/bin/python3 held_back.py PAGE.html > UNPACKED.html

All but the header of a passing scenario's block, and the rows of every
table of events, are in the page as deflated markup in base64, in the
data-later attribute of their <details>, and the text of a passing scenario
is stored once for the runs that share it. unpack() puts each part at the
end of its details, each text in its places, as a reader who opened every part sees the page (a details
holding back a part holds no other details in the page: what it has inside
is held back); scripts() checks that the page has one script, its own at
its end, and that what is held back is base64 alone.
"""

import base64
import re
import sys
import zlib

LATER = re.compile(r'(<details [^>]*?) data-later="([^"]*)"([^>]*>)(.*?)(</details>)', re.S)
# A scenario text stored once, and a passing scenario's reference to it.
TEXT = re.compile(r'<div id="source-([0-9]+)" data-later="([^"]*)"></div>')
SOURCE = re.compile(r'<ol class="source" data-source="([0-9]+)" data-marks="([^"]*)"></ol>')


def inflate(b64):
    return zlib.decompress(base64.b64decode(b64, validate=True)).decode("utf-8")


def unpack(text):
    texts = {m.group(1): re.findall(r"<li>(.*?)</li>", inflate(m.group(2)), re.S)
             for m in TEXT.finditer(text)}
    text = LATER.sub(lambda m: m.group(1) + m.group(3) + m.group(4) + inflate(m.group(2))
                     + m.group(5), text)

    def source(m):
        lines = texts[m.group(1)]
        marks = dict(mark.split(":") for mark in m.group(2).split())
        return '<ol class="source">' + "".join(
            '<li class="%s">%s</li>' % (marks.get(str(i + 1), ""), line)
            for i, line in enumerate(lines)) + "</ol>"

    return SOURCE.sub(source, text)


def scripts(text):
    """None, or what is wrong with the page's scripts and held-back parts."""
    at = text.find("<script")
    end = text.find("</script>", at)
    if len(re.findall(r"<script", text, re.I)) != 1 or not text.startswith("<script>", at) \
            or end < 0 or not re.fullmatch(r"</script>\s*</body>\s*</html>\s*", text[end:]):
        return "expected exactly one <script>, inline (no attributes), at the end of the page"
    for m in [*LATER.finditer(text), *TEXT.finditer(text)]:
        if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", m.group(2)):
            return "a held-back part is more than base64"
    for m in LATER.finditer(text):
        if "<details" in m.group(4):
            return "a details that holds back a part holds another details"
    return None


if __name__ == "__main__":
    sys.stdout.write(unpack(open(sys.argv[1], encoding="utf-8").read()))
