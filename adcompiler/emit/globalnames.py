"""Module-level names in emitted code (``math``, ``np``, builtins such as
``range`` and ``reversed``, the ``_unbroadcast`` helper) never collide with
the user's names.

Emitted functions keep the user's names for parameters and locals, so a
parameter called ``math`` or ``reversed`` would shadow the module or builtin
the emitted code calls.  Every such reference is built by
:func:`global_name`, which marks the node; :func:`alias_globals` then renames
the marked references whose name the module also uses for something else
(``_math``, imported as ``import math as _math``) and returns the import
lines the module needs.  Unmarked names are never touched, and the result
depends only on the module, so output stays deterministic.
"""
from __future__ import annotations

import ast

from ..core.astwalk import ast_walk

_MARK = "_adc_global"
#: how each module-level name is brought into scope under an alias
_MODULES = {"math": "math", "np": "numpy"}


#: names emitted code binds for itself under the array-api backend (the
#: namespace ``xp``, a local; ``array_namespace``, imported): never builtins
_BOUND = {"xp": None, "array_namespace": "array_api_compat", "dtype": None, "dev": None,
          "device": "array_api_compat"}
#: the ``imports`` entries that ask for ``array_namespace`` and ``device``
#: (emit/backend.py), in the order they are written
_COMPAT_IMPORTS = {"from array_api_compat import array_namespace": "array_namespace",
                   "from array_api_compat import device": "device"}

#: prefix of an ``imports`` entry naming another module the code calls into
#: (a primitive spelled ``scipy.special.erf``: ``import scipy.special``)
_OTHER = "import "


def module_import(module: str) -> str:
    """The ``imports`` entry for code that calls a function of ``module``."""
    return _OTHER + module


def global_name(name: str) -> ast.Name:
    """A load of the module-level (or builtin) ``name``."""
    node = ast.Name(name, ast.Load())
    setattr(node, _MARK, True)
    return node


def _is_global(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and getattr(node, _MARK, False)


def identifiers_in(tree: ast.AST, skip=lambda node: False) -> set:
    """Every name, parameter and function name written in ``tree`` (but the
    ``ast.Name`` nodes ``skip`` accepts): what emitted names must avoid."""
    names: set = set()
    for node in ast_walk(tree):
        kind = type(node)
        if kind is ast.Name:
            if not skip(node):
                names.add(node.id)
        elif kind is ast.arg:
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
    return names


def _names_and_globals(module: ast.Module) -> tuple:
    """``(local, used)``: the names the module binds or reads other than
    through :func:`global_name` (:func:`identifiers_in`), and the global
    names it reads through it; one walk.  The commonest nodes of emitted
    code name their children (a look-up of their fields and a test of each
    cost twice the time); ``Constant`` and the operators have none."""
    local: set = set()
    used: set = set()
    todo = [module]  # grows while it is read: every node once, in no order
    push = todo.append
    for node in todo:
        kind = type(node)
        if kind is ast.Name:
            (used if getattr(node, _MARK, False) else local).add(node.id)
        elif kind is ast.BinOp:
            push(node.left)
            push(node.right)
        elif kind is ast.Call and not node.keywords:
            push(node.func)
            todo += node.args
        elif kind is ast.Attribute or kind is ast.Expr:
            push(node.value)
        elif kind is ast.Assign:
            todo += node.targets
            push(node.value)
        elif kind is ast.AugAssign:
            push(node.target)
            push(node.value)
        elif kind is ast.Tuple:
            todo += node.elts
        elif kind is not ast.Constant:
            _other_children(node, local, todo)
    return local, used


def _other_children(node: ast.AST, local: set, todo: list) -> None:
    """Queue the children of a node of another kind (any AST node)."""
    if type(node) is ast.arg:
        local.add(node.arg)
    elif isinstance(node, ast.FunctionDef):
        local.add(node.name)
    for field in node._fields:
        value = getattr(node, field, None)
        if isinstance(value, list):
            todo += [v for v in value if isinstance(v, ast.AST)]
        elif isinstance(value, ast.AST) and not isinstance(value, _NAMELESS):
            todo.append(value)


#: nodes without fields (``Load``, ``Add``, ``Eq`` ...): nearly half of an
#: emitted module's nodes, never queued
_NAMELESS = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def alias_globals(module: ast.Module, helpers: set) -> dict:
    """Rename clashing global references in ``module``; returns
    ``{global name: alias}`` for the ones renamed.  ``helpers`` are names of
    functions the module defines for itself (their ``def`` is renamed too)."""
    local, used = _names_and_globals(module)
    used = sorted(used)
    taken = local - helpers
    aliases: dict = {}
    for name in used:
        if name in taken:
            alias = "_" + name
            while alias in taken or alias in used:
                alias = "_" + alias
            aliases[name] = alias
            taken.add(alias)
    if aliases:
        for node in ast_walk(module):
            if _is_global(node) and node.id in aliases:
                node.id = aliases[node.id]
            elif isinstance(node, ast.FunctionDef) and node.name in helpers \
                    and node.name in aliases:
                node.name = aliases[node.name]
    return aliases


def import_lines(imports: set, aliases: dict) -> list:
    """``import math`` / ``import numpy as np``, under an alias where needed,
    and ``from builtins import range as _range`` for renamed builtins."""
    out = []
    for short, module in _MODULES.items():
        if module in imports:
            alias = aliases.get(short, short)
            out.append(ast.Import([ast.alias(module, None if alias == module else alias)]))
    for entry in sorted(i for i in imports if i.startswith(_OTHER)):
        module = entry[len(_OTHER):]
        top = module.split(".")[0]
        alias = aliases.get(top, top)
        if alias == top:
            out.append(ast.Import([ast.alias(module, None)]))
        elif "." not in module:
            out.append(ast.Import([ast.alias(module, alias)]))
        else:  # import a.b, then reach it as _a (a user's name shadows a)
            out.append(ast.Import([ast.alias(module, None)]))
            out.append(ast.Assign([ast.Name(alias, ast.Store())], ast.Name(top, ast.Load())))
    compat = [ast.alias(name, aliases.get(name)) for entry, name in _COMPAT_IMPORTS.items()
              if entry in imports]
    if compat:
        out.append(ast.ImportFrom("array_api_compat", compat, 0))
    others = {i[len(_OTHER):].split(".")[0] for i in imports if i.startswith(_OTHER)}
    builtins = sorted(n for n in aliases if n not in _MODULES and n not in others
                      and n not in _BOUND and not n.startswith("_"))
    if builtins:
        out.append(ast.ImportFrom("builtins", [ast.alias(n, aliases[n]) for n in builtins], 0))
    return out
