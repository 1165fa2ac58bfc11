# The code blocks of README.md and docs/*.md, for the tests that run them
# (test_docs.py, test_pip_install.py). A block is a fenced block or one
# indented four spaces after a blank line; the line before it (blank lines
# aside) may be a marker saying how it is checked:
#     <!-- doc-test: KIND (why) -->
# Unmarked shell blocks and Python blocks are run as written.
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = re.compile(r"^<!-- doc-test: ([a-z-]+)(?: \((.*)\))? -->$")


def doc_files():
    docs = os.path.join(ROOT, "docs")
    return ["README.md"] + ["docs/" + f for f in sorted(os.listdir(docs)) if f.endswith(".md")]


class Block:
    def __init__(self, path, line, lang, lines, kind, why):
        self.path, self.line, self.lang, self.lines, self.kind, self.why = path, line, lang, lines, kind, why

    @property
    def text(self):
        return "\n".join(self.lines) + "\n"

    def __repr__(self):
        return "%s:%d" % (self.path, self.line)


def blocks(path):
    with open(os.path.join(ROOT, path)) as f:
        lines = f.read().split("\n")
    out = []
    i = 0
    in_list = False
    while i < len(lines):
        ln = lines[i]
        prev = [x for x in lines[:i] if x.strip()]
        m = MARK.match(prev[-1]) if prev else None
        kind, why = (m.group(1), m.group(2)) if m else (None, None)
        if ln.startswith("```"):
            j = i + 1
            while not lines[j].startswith("```"):
                j += 1
            out.append(Block(path, i + 1, ln[3:].strip() or "text", lines[i + 1:j], kind, why))
            i = j + 1
            continue
        # an indented block starts after a blank line, not inside a list item
        if ln.startswith("    ") and i and not lines[i - 1].strip() and not in_list:
            j = i
            while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
                j += 1
            body = [x[4:] for x in lines[i:j]]
            while body and not body[-1].strip():
                body.pop()
            out.append(Block(path, i + 1, "shell", body, kind, why))
            i = j
            continue
        if re.match(r"^\s*([-*]|\d+\.) ", ln):
            in_list = True
        elif not ln.strip():
            pass
        elif not ln.startswith(" "):
            in_list = False
        i += 1
    return out


def all_blocks():
    out = []
    for p in doc_files():
        out += blocks(p)
    return out
