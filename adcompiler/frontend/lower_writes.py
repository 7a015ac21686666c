"""Item writes ``out[idx] = e`` and ``out[idx] op= e``.

The desugaring turns a write into an assignment of the name itself,
``out = <write of e into out at idx>`` (:func:`item_write`), so that loops
carry ``out`` and branches merge it like any rebound name.  Lowering reads
it as ``out = setitem(out, e, idx)`` (:mod:`adcompiler.prims.writes`): a new
array.  NumPy writes into ``out``'s buffer instead, which every name sharing
that buffer sees; :mod:`adcompiler.arrays.inplace` proves that nobody can see
the difference (the buffer is the function's own and no other name holding
it is read afterwards) or refuses, and :mod:`adcompiler.arrays.writes`
refuses what NumPy would do differently (fancy indices, float into int).
``out[idx] op= e`` is ``out[idx] = out[idx] op e``: NumPy's read-modify-write.
"""
from __future__ import annotations

import ast

from ..core.ir import Builder, Var
from .syntax import Unbound, hint

#: how refusals name the construct (stable: the fuzzer reads them)
CONSTRUCT = "item assignment"


def flat_target(sf, target: ast.Subscript) -> tuple:
    """``(target, nested)``: ``M[i][j]`` as ``M[i, j]`` and the number of
    leading indices that came from inner subscripts (they must be integers)."""
    nested = 0
    while isinstance(target.value, ast.Subscript):  # M[i][j] = v is M[i, j] = v
        target, nested = _flattened(sf, target), nested + 1
    return target, nested


def item_write(sf, target: ast.Subscript, value: ast.expr, at: ast.stmt) -> ast.Assign:
    """``out[idx] = value`` as ``out = value`` marked ``adc_write`` (the
    subscript), or a CompileError for a write this compiler does not model."""
    target, nested = flat_target(sf, target)
    base = target.value
    if not isinstance(base, ast.Name):
        raise sf.error("assignment to an item of an expression is not supported: only a "
                       "local array name can be written into (out[i] = ...)", target, CONSTRUCT)
    name = ast.copy_location(ast.Name(base.id, ast.Store()), base)
    node = ast.copy_location(ast.Assign([name], value), at)
    node.adc_write = target
    node.adc_nested = nested  # leading indices that must be integers (arrays/writes.py)
    return node


def _flattened(sf, target: ast.Subscript) -> ast.Subscript:
    """``M[i][j]`` as ``M[i, j]``: the same element when ``i`` is an integer
    (``M[i]`` is then a view of one row); a slice there (``M[1:][j]``) is
    refused here, an array index by the check of the write."""
    inner = target.value
    if isinstance(inner.slice, (ast.Slice, ast.Tuple)) or (
            isinstance(inner.slice, ast.Constant) and inner.slice.value in (None, Ellipsis)):
        raise sf.error("writing into an item of a slice or of a multi-index "
                       "(out[1:][j] = ..., out[i, j][k] = ...) is not supported: write "
                       "one index, out[i, j] = ...", target, CONSTRUCT)
    outer = target.slice.elts if isinstance(target.slice, ast.Tuple) else [target.slice]
    index = ast.copy_location(ast.Tuple([inner.slice] + list(outer), ast.Load()), target.slice)
    return ast.copy_location(ast.Subscript(inner.value, index, ast.Store()), target)


class WriteLowering:
    """The item-write half of :class:`adcompiler.frontend.lower.Lowerer`."""

    def write_item(self, s: ast.Assign, env: dict, b: Builder) -> dict:
        target = s.adc_write
        name = target.value.id
        old = env.get(name)
        if name not in env or isinstance(old, Unbound):
            from .source import _MISSING
            if self.sf.env.lookup(name) is not _MISSING:
                raise self.sf.error(f"{name}[...] = ... writes into the global {name}: "
                                    "differentiated code cannot change a module's arrays; "
                                    f"copy it into a local first (buf = {name}.copy())",
                                    target, CONSTRUCT)
            raise self.sf.error(f"{name} is written into before it is assigned", target,
                                CONSTRUCT)
        if isinstance(old, tuple):
            raise self.sf.error(f"assignment to an item of the tuple or list {name} is not "
                                "supported: build a new one, or use an array (np.zeros) and "
                                "write into it", target, CONSTRUCT)
        if not isinstance(old, Var):
            raise self.sf.error(f"{name} is a number, not an array: it has no items to assign",
                                target, CONSTRUCT)
        value = self.expr(s.value, env, b)
        if isinstance(value, tuple):
            raise self.sf.error("a tuple or list written into an array item is not supported: "
                                "write np.array([...]) or one item at a time", s.value, CONSTRUCT)
        spec, atoms = self.numpy().index_parts(target, env, b)
        out = b.eqn("setitem", old, value, *atoms, hint=hint(name), spec=spec)
        if self.program is not None:
            self.program.inplace.setdefault(self.key, {})[out.name] = (
                name, target.lineno, target.col_offset + 1, "item",
                getattr(s, "adc_nested", 0))
        env[name] = out
        return env
