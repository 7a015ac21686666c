"""Issue 13: a layout a reader can take in.  No module of adcompiler/ over
500 lines, no class over 300, and the core pipeline does not reach into the
array half (adcompiler/arrays/) beyond an explicit list that may only shrink.

Everything here reads the source with ``ast``; nothing is imported.
"""
from __future__ import annotations

import ast
import os

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "adcompiler")
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 300

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
    ("frontend/lower_globals.py", "arrays/emit"),
    # the emitter hands array primitives to the array half to spell as NumPy
    # calls (expressions.py: npemit.value; emitter.py: npemit.index_add, the
    # _unbroadcast helper) and asks which arrays may share a buffer
    # (emitter.py: aliases; liveness.py: owned_arrays).  Removed when the
    # primitive records carry their NumPy emission (the registry) and
    # ownership is computed before emission and handed to the emitter
    ("emit/emitter.py", "arrays/aliases"),
    ("emit/emitter.py", "arrays/emit"),
    ("emit/expressions.py", "arrays/emit"),
    ("emit/liveness.py", "arrays/emit"),
    # the float literals of scalar code read which values are floats from the
    # one dtype inference there is (arrays/shapes.py: Inference, driven by the
    # registry's dtype facts).  Removed when that inference moves beside the
    # records' shape rules (prims/shapecalc.py), a leaf both halves may read
    ("optimize/literals.py", "arrays/shapes"),
}


def modules(root: str = PACKAGE) -> list:
    """Every module under ``root``, as a path relative to it (``core/ir.py``)."""
    found = []
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                found.append(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
    return sorted(found)


def parse(rel: str, root: str = PACKAGE) -> tuple:
    with open(os.path.join(root, rel), encoding="utf-8") as fh:
        text = fh.read()
    return text, ast.parse(text)


def long_modules(root: str = PACKAGE) -> dict:
    """``{module: lines}`` of the modules over the limit."""
    long = {}
    for rel in modules(root):
        text, _ = parse(rel, root)
        if text.count("\n") > MAX_MODULE_LINES:
            long[rel] = text.count("\n")
    return long


def long_classes(root: str = PACKAGE) -> dict:
    """``{module:Class: lines}`` of the classes over the limit (nested ones too)."""
    long = {}
    for rel in modules(root):
        _, tree = parse(rel, root)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_CLASS_LINES:
                    long[f"{rel}:{node.name}"] = lines
    return long


def imported_modules(rel: str, tree: ast.Module, root: str = PACKAGE) -> set:
    """The adcompiler modules ``rel`` imports (at the top or inside a
    function), as paths like ``arrays/shapes``."""
    package = rel.split("/")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package[:len(package) - node.level + 1]
            elif node.module and node.module.split(".")[0] == "adcompiler":
                parts = []
            else:
                continue
            parts = parts + (node.module.split(".") if node.module else [])
            if not node.level:
                parts = parts[1:]  # adcompiler.x.y -> x/y
            found |= {_module_path(parts + [a.name], root) for a in node.names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "adcompiler" and len(parts) > 1:
                    found.add("/".join(parts[1:]))
    return found


def _module_path(parts: list, root: str) -> str:
    """``a/b/c`` when ``from a.b import c`` names a module c, else ``a/b``."""
    if os.path.exists(os.path.join(root, *parts) + ".py") or \
            os.path.isdir(os.path.join(root, *parts)):
        return "/".join(parts)
    return "/".join(parts[:-1])


def core_array_imports(root: str = PACKAGE) -> set:
    """``(core module, arrays module)`` for every import of the array half
    by the core pipeline."""
    found = set()
    for rel in modules(root):
        if rel.split("/")[0] not in CORE:
            continue
        _, tree = parse(rel, root)
        for target in imported_modules(rel, tree, root):
            if target.split("/")[0] == "arrays":
                found.add((rel, target))
    return found


def test_no_module_over_500_lines():
    assert not long_modules(), f"modules over {MAX_MODULE_LINES} lines: {long_modules()}"


def test_no_class_over_300_lines():
    assert not long_classes(), f"classes over {MAX_CLASS_LINES} lines: {long_classes()}"


def test_core_imports_of_the_array_half_do_not_grow():
    new = core_array_imports() - ALLOWED_ARRAY_IMPORTS
    assert not new, ("the core pipeline imports internals of adcompiler/arrays/ "
                     f"beyond the allow-list: {sorted(new)}")


def _tree(tmp_path, files: dict) -> str:
    for rel, text in files.items():
        path = tmp_path.joinpath(*rel.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return str(tmp_path)


def test_the_checks_see_what_they_look_for(tmp_path):
    """Each check reports a violation planted in a throwaway package: a long
    module, a long nested class, and arrays/ imported relatively, absolutely
    and lazily (so none of the tests above can pass by being blind)."""
    klass = "class Outer:\n    class Inner:\n" + "        x = 1\n" * MAX_CLASS_LINES
    root = _tree(tmp_path, {
        "arrays/__init__.py": "", "arrays/shapes.py": "", "arrays/emit.py": "",
        "arrays/aliases.py": "",
        "core/big.py": "x = 1\n" * (MAX_MODULE_LINES + 1),
        "core/ok.py": "x = 1\n" * MAX_MODULE_LINES,
        "views/klass.py": klass,
        "prims/rel.py": "from ..arrays.shapes import known\n",
        "emit/absolute.py": "import adcompiler.arrays.emit\n",
        "frontend/lazy.py": "def f():\n    from ..arrays import aliases\n",
        "frontend/fine.py": "from ..core import big\nfrom .rel import x\n",
        "views/outside.py": "from ..arrays import emit\n",  # not the core: allowed
    })
    assert long_modules(root) == {"core/big.py": MAX_MODULE_LINES + 1}
    assert set(long_classes(root)) == {"views/klass.py:Outer", "views/klass.py:Inner"}
    assert core_array_imports(root) == {("prims/rel.py", "arrays/shapes"),
                                        ("emit/absolute.py", "arrays/emit"),
                                        ("frontend/lazy.py", "arrays/aliases")}
