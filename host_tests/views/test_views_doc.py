# docs/views.md's examples run as written: its ```python blocks, in order,
# in one namespace (firmware/ on the path for the telemetry module); and
# README.md's view example after the example it continues. bigheap: they
# compile the telemetry module from source.
import sys

from mptest import data_path, requires



def _root():
    return data_path(__file__, "../..")


def blocks(path):
    out = []
    cur = None
    with open(path) as f:
        for line in f:
            if cur is None:
                if line.strip() == "```python":
                    cur = []
            elif line.strip() == "```":
                out.append("".join(cur))
                cur = None
            else:
                cur.append(line)
    return out


@requires("filesystem", "bigheap")
def test_docs_views_examples_run():
    root = _root()
    sys.path.insert(0, root + "/firmware")
    try:
        code = blocks(root + "/docs/views.md")
        assert len(code) == 4, len(code)
        ns = {}
        for c in code:
            exec(c, ns)
    finally:
        sys.path.pop(0)


@requires("filesystem", "bigheap")
def test_readme_view_example_runs():
    root = _root()
    sys.path.insert(0, root + "/firmware")
    try:
        code = blocks(root + "/README.md")[:2]  # "Protocol Buffers with buffa"
        assert "telemetry_pb as t" in code[0] and "t.Reading.view(" in code[1], code
        ns = {}
        for c in code:
            exec(c, ns)
    finally:
        sys.path.pop(0)
