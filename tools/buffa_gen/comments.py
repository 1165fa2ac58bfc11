"""The .proto's comments in generated code."""


class CommentsMixin:
    """The .proto's comments as docstrings and # lines."""

    # ---- proto comments ----------------------------------------------------
    # The .proto's comments (source_code_info) become docstrings on classes
    # and service methods and comments above fields and enum values. Both
    # cost a device nothing: MicroPython's compiler drops docstrings and
    # comments (docs/design.md section 1).

    def comment_lines(self, path):
        """The leading and trailing comments of the element at path (a
        source_code_info path), one string per line, or []."""
        loc = self.locations.get(path)
        if loc is None:
            return []
        text = "\n".join(c.strip("\n") for c in (loc.leading_comments, loc.trailing_comments) if c and c.strip())
        return [(ln[1:] if ln.startswith(" ") else ln).rstrip() for ln in text.split("\n")] if text else []

    def comment(self, w, path):
        """Emit the element's comments as # lines."""
        for ln in self.comment_lines(path):
            w(("# " + ln).rstrip())

    def docstring(self, w, path, extra=()):
        """Emit the element's comments (then the lines in extra) as a
        docstring."""
        lines = self.comment_lines(path)
        if lines and extra:
            lines.append("")
        lines += list(extra)
        if not lines:
            return
        text = "\n".join(lines).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        if text.endswith('"'):
            text = text[:-1] + '\\"'
        parts = text.split("\n")
        if len(parts) == 1:
            w('"""%s"""' % parts[0])
            return
        w('"""' + parts[0])
        for ln in parts[1:-1]:
            w(ln)
        w(parts[-1] + '"""')
