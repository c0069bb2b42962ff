#!/usr/bin/python3
"""The HTML report's held-back parts, unpacked as report.js unpacks them.

    /usr/bin/python3 held_back.py PAGE.html > UNPACKED.html

A passing scenario's block, and every table of events, is in the page as
deflated markup in base64 in a data block (a script element of a type no
browser runs). unpack() puts each part in its block's place, as a reader
opening every part would see the page; scripts() checks that the page runs
one script, its own at its end, and that every other is such a block.
"""

import base64
import re
import sys
import zlib

BLOCK = re.compile(r'<script type="application/x-wsfault-deflate" class="later">([^<]*)</script>\n?')


def unpack(text):
    return BLOCK.sub(lambda m: zlib.decompress(base64.b64decode(m.group(1), validate=True))
                     .decode("utf-8"), text)


def scripts(text):
    """None, or what is wrong with the page's scripts."""
    at = text.find("<script>")
    end = text.find("</script>", at)
    if at < 0 or end < 0 or not re.fullmatch(r"</script>\s*</body>\s*</html>\s*", text[end:]):
        return "the page's own script is not the one plain <script> at its end"
    rest = text[:at]
    if len(re.findall(r"<script", rest, re.I)) != len(BLOCK.findall(rest)):
        return "a script element before the page's own is not a held-back block"
    for m in BLOCK.finditer(rest):
        if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", m.group(1)):
            return "a held-back block holds more than base64"
    return None


if __name__ == "__main__":
    sys.stdout.write(unpack(open(sys.argv[1], encoding="utf-8").read()))
