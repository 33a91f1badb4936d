#!/usr/bin/env python3
"""Rewrites the built-in name lists of both editor grammars from docs/builtins.md.

docs/builtins.md is generated from the catalog in Sources/DCLSema/Catalog; after a built-in is
added or removed (and the doc regenerated), run

    python3 editors/sync_builtins.py          # rewrite the two lists
    python3 editors/sync_builtins.py --check  # exit 1 if either list differs

Only the lists change: `repository.builtins.match` in vscode/syntaxes/dcl.tmLanguage.json (edited
in place, so the file's layout stays as it is) and the `BUILTINS` tuple in pygments/dcl_lexer.py.
"""

import json
import os
import re
import sys
import textwrap

EDITORS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(EDITORS)
TM = os.path.join(EDITORS, "vscode/syntaxes/dcl.tmLanguage.json")
LEXER = os.path.join(EDITORS, "pygments/dcl_lexer.py")


def catalog():
    with open(os.path.join(ROOT, "docs/builtins.md"), encoding="utf-8") as f:
        names = re.findall(r"^\| `([a-z_0-9]+)`", f.read(), re.M)
    if not names:
        sys.exit("docs/builtins.md: no built-in table rows found")
    return list(dict.fromkeys(names))  # in the doc's order, once each


def textmate_text(text, names):
    # Longest first, so that no name is cut short by a prefix of it (`log` before `log_softmax`).
    alternatives = "|".join(sorted(names, key=lambda w: (-len(w), w)))
    new = json.dumps(r"\b(?:" + alternatives + r")\b")
    pattern = re.compile(r'("builtins": \{.*?"match": )("(?:[^"\\]|\\.)*")', re.S)
    if not pattern.search(text):
        sys.exit(f"{TM}: no `builtins` rule with a `match`")
    out = pattern.sub(lambda m: m.group(1) + new, text, count=1)
    json.loads(out)  # still valid JSON
    return out


def lexer_text(text, names):
    body = textwrap.fill(", ".join(repr(n) for n in names), width=96, initial_indent="    ",
                         subsequent_indent="    ", break_long_words=False, break_on_hyphens=False)
    pattern = re.compile(r"^BUILTINS = \(\n.*?^\)\n", re.S | re.M)
    if not pattern.search(text):
        sys.exit(f"{LEXER}: no `BUILTINS = (` … `)` block")
    return pattern.sub(lambda m: "BUILTINS = (\n" + body + ",\n)\n", text, count=1)


def main(argv):
    check = argv[1:] == ["--check"]
    if argv[1:] and not check:
        sys.exit("usage: sync_builtins.py [--check]")
    names = catalog()
    stale = []
    for path, rewrite in ((TM, textmate_text), (LEXER, lexer_text)):
        with open(path, encoding="utf-8") as f:
            old = f.read()
        new = rewrite(old, names)
        if new != old:
            stale.append(os.path.relpath(path, ROOT))
            if not check:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
    if check and stale:
        print("built-in lists differ from docs/builtins.md: " + ", ".join(stale) +
              " (run python3 editors/sync_builtins.py)")
        return 1
    print(("updated " + ", ".join(stale)) if stale else "built-in lists match docs/builtins.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
