"""Issue 13: a layout a reader can take in.  No module of adcompiler/ over
500 lines, no class over 300, and the core pipeline does not reach into the
array half (adcompiler/arrays/) beyond an explicit list that may only shrink.

Everything here reads the source with ``ast``; nothing is imported.
"""
from __future__ import annotations

import ast
import os

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "adcompiler")
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 300

#: modules another piece of work is splitting (issue 13's emitter part)
NOT_YET = {"emit/emitter.py"}

#: the core pipeline: it must be readable without the array half
CORE = ("core", "frontend", "transform", "optimize", "emit", "prims")

#: imports of adcompiler.arrays.* that the core still makes, as
#: (module importing, array module imported).  This list may only shrink.
ALLOWED_ARRAY_IMPORTS = {
    # the lowering hands NumPy calls, methods, attributes and subscripts to
    # the array lowering (Lowerer.numpy, is_array, is_numpy_function: the one
    # door).  Removed when the array lowering plugs itself in through the
    # primitive registry (the records holding the NumPy spellings), so the
    # frontend asks the registry instead of importing arrays/
    ("frontend/lower.py", "arrays/lowering"),
    # the name of the emitted NumPy helper (_unbroadcast) that a global array
    # must not take; moving HELPER to emit/globalnames.py (which already
    # decides the emitted module's global names) would remove it
    ("frontend/globalvalues.py", "arrays/emit"),
    # the emitter asks the array half how to spell array primitives and which
    # arrays may share a buffer; the emitter split (issue 13) is to route
    # this through the primitive registry and an ownership pass
    ("emit/emitter.py", "arrays/aliases"),
    ("emit/emitter.py", "arrays/emit"),
    # array derivative rules read static shapes; shape facts in the
    # primitive records would remove it
    ("prims/arrayrules.py", "arrays/shapes"),
}


def modules() -> list:
    found = []
    for root, _, files in os.walk(PACKAGE):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(root, name)
                found.append(os.path.relpath(path, PACKAGE).replace(os.sep, "/"))
    return sorted(found)


def parse(rel: str) -> tuple:
    with open(os.path.join(PACKAGE, rel), encoding="utf-8") as fh:
        text = fh.read()
    return text, ast.parse(text)


def test_no_module_over_500_lines():
    long = {}
    for rel in modules():
        if rel in NOT_YET:
            continue
        text, _ = parse(rel)
        if text.count("\n") > MAX_MODULE_LINES:
            long[rel] = text.count("\n")
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_class_over_300_lines():
    long = {}
    for rel in modules():
        if rel in NOT_YET:
            continue
        _, tree = parse(rel)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_CLASS_LINES:
                    long[f"{rel}:{node.name}"] = lines
    assert not long, f"classes over {MAX_CLASS_LINES} lines: {long}"


def imported_modules(rel: str, tree: ast.Module) -> set:
    """The adcompiler modules ``rel`` imports (at the top or inside a
    function), as paths like ``arrays/shapes``."""
    package = rel.split("/")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
            elif node.module and node.module.split(".")[0] == "adcompiler":
                base, node_module = [], node.module.split(".", 1)[1:]
                found |= _targets(base + node_module[0].split(".") if node_module else [],
                                  node.names)
                continue
            else:
                continue
            parts = base + (node.module.split(".") if node.module else [])
            found |= _targets(parts, node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "adcompiler" and len(parts) > 1:
                    found.add("/".join(parts[1:]))
    return found


def _targets(parts: list, names: list) -> set:
    """``from a.b import c``: ``a/b/c`` when c is a module, else ``a/b``."""
    out = set()
    for alias in names:
        full = parts + [alias.name]
        if os.path.exists(os.path.join(PACKAGE, *full) + ".py") or \
                os.path.isdir(os.path.join(PACKAGE, *full)):
            out.add("/".join(full))
        else:
            out.add("/".join(parts))
    return out


def core_array_imports() -> set:
    found = set()
    for rel in modules():
        if rel.split("/")[0] not in CORE:
            continue
        _, tree = parse(rel)
        for target in imported_modules(rel, tree):
            if target.split("/")[0] == "arrays":
                found.add((rel, target))
    return found


def test_core_imports_of_the_array_half_do_not_grow():
    new = core_array_imports() - ALLOWED_ARRAY_IMPORTS
    assert not new, ("the core pipeline imports internals of adcompiler/arrays/ "
                     f"beyond the allow-list: {sorted(new)}")


def test_the_import_scan_sees_imports():
    """The scan is not blind: it finds a relative, an absolute and a lazy import."""
    tree = ast.parse("from ..arrays.shapes import known\n"
                     "import adcompiler.arrays.emit\n"
                     "def f():\n    from ..arrays import aliases\n")
    assert imported_modules("prims/x.py", tree) == {"arrays/shapes", "arrays/emit",
                                                    "arrays/aliases"}


@pytest.mark.parametrize("limit", [MAX_MODULE_LINES])
def test_the_limits_bite(limit):
    """A module of limit + 1 lines would be reported (the count is the one used)."""
    assert ("x = 1\n" * (limit + 1)).count("\n") > limit
