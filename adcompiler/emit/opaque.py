"""Custom functions whose body the compiler cannot read (a SciPy routine, a
C extension: frontend/custom_rules.py calls them opaque).  Their rules give
the derivative; their value comes from their own code, which the emitted
module carries as the user wrote it (the ``def`` without its decorator), with
the top-level imports, functions and constants of its module that it reads,
so that the module stays standalone (``adc compile -o``)."""
from __future__ import annotations

import ast
import builtins
import copy

from ..core.ir import Eqn, walk


def opaque_defs(program, functions: list) -> list:
    """Statements (imports first) defining the opaque custom functions that
    ``functions`` call, and what they read from their modules."""
    custom = getattr(program, "custom", None) or {}
    if not any(info.opaque is not None for info in custom.values()):
        return []  # nothing to carry: no walk of the functions (a tenth of a long one's writing)
    called = {s.param("fn") for fn in functions for s in walk(fn.body)
              if isinstance(s, Eqn) and s.prim == "call"}
    emitted = {fn.name for fn in functions}
    imports: list = []
    defs: list = []
    seen: set = set()
    for key in sorted(called):
        info = custom.get(key)
        if info is None or info.opaque is None:
            continue
        _carry(info.opaque, key, emitted, imports, defs, seen)
    return imports + defs


def _carry(sf, key: str, emitted: set, imports: list, defs: list, seen: set) -> None:
    tree = ast.parse("\n".join(line.rstrip("\r\n") for line in sf.lines))
    top = _top_level(tree)
    node = copy.deepcopy(_original(tree, sf.node))
    node.decorator_list = []
    node.name = key
    defs.append(node)
    todo = [node]
    while todo:
        fn = todo.pop()
        for name in sorted(_free_names(fn)):
            stmt = top.get(name)
            if stmt is None or name in seen or name == key:
                if stmt is None and not hasattr(builtins, name) and name != key:
                    raise sf.error(f"the body of {sf.node.name} reads {name}, which is not "
                                   "defined at the top level of its module: the emitted "
                                   "module cannot carry it", sf.node, "custom function")
                continue
            seen.add(name)
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                imports.append(_only(stmt, name))
            elif name not in emitted:
                stmt = copy.deepcopy(stmt)
                if isinstance(stmt, ast.FunctionDef):
                    stmt.decorator_list = []
                    todo.append(stmt)
                defs.insert(len(defs) - 1, stmt)


def _original(tree: ast.Module, node: ast.FunctionDef) -> ast.FunctionDef:
    """The ``def`` in the module's tree at ``node``'s line (the full node)."""
    for stmt in ast.walk(tree):
        if isinstance(stmt, ast.FunctionDef) and stmt.name == node.name and \
                stmt.lineno == node.lineno:
            return stmt
    return node


def _top_level(tree: ast.Module) -> dict:
    """name -> the top-level statement that binds it (imports, defs, assignments)."""
    out: dict = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                out[(alias.asname or alias.name).split(".")[0]] = stmt
        elif isinstance(stmt, ast.FunctionDef):
            out[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], ast.Name):
            out[stmt.targets[0].id] = stmt
    return out


def _only(stmt, name: str):
    """The import statement reduced to the alias that binds ``name``."""
    keep = [a for a in stmt.names if (a.asname or a.name).split(".")[0] == name]
    new = copy.copy(stmt)
    new.names = keep
    return new


def _free_names(fn: ast.FunctionDef) -> set:
    """Names ``fn`` reads that it does not bind itself."""
    bound = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
    loads = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                bound.add(node.id)
            else:
                loads.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)) and node is not fn:
            bound.update(a.arg for a in node.args.args)
            if isinstance(node, ast.FunctionDef):
                bound.add(node.name)
    return loads - bound
