"""Write ``docs/api.md``, the API reference, from the public docstrings.

    python -m adcompiler.docs_api            # rewrite docs/api.md
    python -m adcompiler.docs_api --check    # exit 1 if it is out of date

Every name in ``adcompiler.__all__`` gets its signature and its docstring,
whose ``Parameters:``, ``Returns:`` and ``Example:`` sections become the
page's lists and code blocks.  The examples are doctests: the test suite
runs them, and checks that the committed page is what this script writes.
"""
from __future__ import annotations

import inspect
import os
import re
import sys

import adcompiler

SECTIONS = ("Parameters:", "Returns:", "Example:")
PAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    "docs", "api.md")
INTRO = """# API reference

Generated from the docstrings by `python -m adcompiler.docs_api` (do not edit
by hand; the tests check that this page is up to date and run every example).
Start with `grad`; the README shows the command line.  Errors are
`adcompiler.CompileError` (with file, line and column) for source that cannot
be differentiated and `adcompiler.UsageError` for a wrong call; both are
`adcompiler.AdcError`.
"""


def split_sections(doc: str) -> dict:
    """``{"": summary, "Parameters:": text, ...}`` of a cleaned docstring."""
    parts: dict = {"": []}
    current = ""
    for line in doc.splitlines():
        if line.strip() in SECTIONS and not line.startswith(" "):
            current = line.strip()
            parts[current] = []
        else:
            parts[current].append(line)
    return {k: _dedent("\n".join(v)).strip("\n") for k, v in parts.items()}


def markdown(text: str) -> str:
    """reST inline markup of the docstrings as Markdown (``x`` -> `x`,
    :func:`grad` -> `grad`)."""
    text = re.sub(r":(?:func|class|mod|data):`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def example(text: str) -> str:
    """A doctest as shown on the page: no directives, no <BLANKLINE> markers."""
    text = re.sub(r"\s*# doctest: [+\-A-Z_, ]+", "", text)
    return text.replace("<BLANKLINE>", "")


def _dedent(text: str) -> str:
    import textwrap
    return textwrap.dedent(text)


def parameters(text: str) -> list:
    """``[(name, description)]`` from ``name: description`` items (continuation
    lines indented)."""
    items: list = []
    for line in text.splitlines():
        if line and not line.startswith(" ") and ":" in line:
            name, _, desc = line.partition(":")
            items.append([name.strip(), desc.strip()])
        elif items and line.strip():
            items[-1][1] += " " + line.strip()
    return [tuple(i) for i in items]


def signature(name: str, obj) -> str:
    """``name(param: annotation = default, ...)`` as the user calls it."""
    if inspect.isclass(obj) and issubclass(obj, BaseException) \
            and "__init__" not in vars(obj) and obj.__init__ is BaseException.__init__:
        return f"{name}(message)"
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return f"{name}(message)" if inspect.isclass(obj) else name
    params = []
    for p in sig.parameters.values():
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.annotation is not p.empty:
            text += f": {p.annotation}" if isinstance(p.annotation, str) \
                else f": {inspect.formatannotation(p.annotation)}"
        if p.default is not p.empty:
            text += f" = {p.default!r}" if p.annotation is not p.empty else f"={p.default!r}"
        params.append(text)
    return f"{name}({', '.join(params)})"


def entry(name: str) -> str:
    obj = getattr(adcompiler, name)
    doc = inspect.getdoc(obj) or ""
    sections = split_sections(doc)
    kind = "exception" if inspect.isclass(obj) and issubclass(obj, BaseException) \
        else "class" if inspect.isclass(obj) else "function"
    out = [f"## `{name}`", "", f"*{kind}* `adcompiler.{signature(name, obj)}`", "",
           markdown(sections.get("", ""))]
    params = parameters(sections.get("Parameters:", ""))
    if params:
        out += ["", "**Parameters**", ""]
        out += [f"- `{p}`: {markdown(d)}" for p, d in params]
    if sections.get("Returns:"):
        out += ["", "**Returns**", "", markdown(" ".join(sections["Returns:"].split()))]
    if sections.get("Example:"):
        out += ["", "**Example**", "", "```python", ">>> import adcompiler",
                example(sections["Example:"]), "```"]
    return "\n".join(out).rstrip() + "\n"


def render() -> str:
    names = list(adcompiler.__all__)
    toc = ["## Contents", ""] + [f"- [`{n}`](#{n.lower()})" for n in names]
    return "\n".join([INTRO, *toc, ""]) + "\n" + "\n".join(entry(n) for n in names)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in argv:
        with open(PAGE, encoding="utf-8") as fh:
            current = fh.read()
        if current != text:
            print(f"{PAGE} is out of date: run python -m adcompiler.docs_api", file=sys.stderr)
            return 1
        return 0
    with open(PAGE, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
