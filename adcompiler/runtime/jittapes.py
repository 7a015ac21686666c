"""Tapes as typed arrays for numba (``grad(f, jit=True)``).

The emitted loop code keeps its tape in a list: ``tape = []``, one
``tape.append(v)`` per iteration, and the adjoint loop ``for v in
reversed(tape)``.  Numba compiles that, but its lists allocate, check and
grow item by item, and its ``reversed`` over a list is a generator: on a
loop of ten logistic-map steps that is most of the time.  This module
rewrites, for numba only (the emitted code, ``.source`` and the goldens do
not change), each tape used in exactly that way and holding plain numbers
(numba's own typing of the emitted code says so: a list of float64, int64
or booleans) into a NumPy array and a count:

* ``tape = []`` becomes ``tape = np.empty(64, dtype)`` and ``tape_n = 0``;
* before a loop ``for ... in range(N)`` of the function's body that appends
  to it, the array is made large enough for the ``N`` values it will get
  (``reserve``), so the loop never grows it; an append elsewhere grows it
  when full (``grow``, doubling);
* ``tape.append(v)`` becomes ``tape[tape_n] = v`` and ``tape_n += 1``;
* ``for v in reversed(tape):`` becomes a loop over the indices
  ``tape_n - 1, ..., 0`` reading ``v = tape[k]``.

A tape used any other way (``pop``, ``len``, tuples of values) keeps its
list.  Names the rewrite adds start with ``_adc_`` (a module that uses such
names is left alone).
"""
from __future__ import annotations

import ast
import copy

P = "_adc_"
CAPACITY = 64
_DTYPES = {"float64": "float64", "int64": "int64", "bool": "bool_"}

HELPERS = '''
def _adc_grow(a):
    """``a`` in an array twice as long (an append found it full)."""
    b = _adc_np.empty(2 * len(a), a.dtype)
    b[:len(a)] = a
    return b


def _adc_reserve(a, size):
    """``a``, or ``a`` in a longer array when it holds fewer than ``size``."""
    if len(a) >= size:
        return a
    b = _adc_np.empty(max(size, 2 * len(a)), a.dtype)
    b[:len(a)] = a
    return b
'''


def tapes(tree: ast.Module, entry: str) -> list:
    """The names of the tapes of function ``entry`` used only as above."""
    fdef = _function(tree, entry)
    if fdef is None or any(isinstance(n, ast.Name) and n.id.startswith(P) for n in ast.walk(tree)):
        return []
    out = []
    for stmt in fdef.body:
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.List)
                and not stmt.value.elts and _only_tape_uses(fdef, stmt.targets[0].id)):
            out.append(stmt.targets[0].id)
    return out


def rewrite(tree: ast.Module, entry: str, dtypes: dict) -> ast.Module:
    """``tree`` with the tapes ``{name: numba dtype name}`` of ``entry`` as arrays."""
    tree = copy.deepcopy(tree)
    fdef = _function(tree, entry)
    for name, dtype in dtypes.items():
        fdef.body = _Rewriter(name, _DTYPES[dtype]).body(fdef.body, top=True)
    tree.body[:0] = ast.parse(HELPERS).body
    return ast.fix_missing_locations(tree)


def dtype_of(numba_type) -> str | None:
    """The element dtype name of a numba list type, when it holds plain numbers."""
    from numba import types
    if isinstance(numba_type, types.List):
        name = str(numba_type.dtype)
        return name if name in _DTYPES else None
    return None


def _function(tree: ast.Module, name: str):
    return next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name), None)


def _appended(node, name: str) -> bool:
    """Is ``node`` the statement ``name.append(value)``?"""
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "append"
            and isinstance(node.value.func.value, ast.Name) and node.value.func.value.id == name
            and len(node.value.args) == 1 and not node.value.keywords)


def _reversed_loop(node, name: str) -> bool:
    """Is ``node`` the loop ``for v in reversed(name):`` (no ``else``)?"""
    it = getattr(node, "iter", None)
    return (isinstance(node, ast.For) and isinstance(node.target, ast.Name) and not node.orelse
            and isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
            and it.func.id == "reversed" and len(it.args) == 1 and not it.keywords
            and isinstance(it.args[0], ast.Name) and it.args[0].id == name)


def _only_tape_uses(fdef: ast.FunctionDef, name: str) -> bool:
    """Is ``name`` assigned once, appended to, and read back in reversed loops
    that append to no tape of their own, and used in no other way?"""
    seen = 0
    allowed = set()
    for node in ast.walk(fdef):
        if _appended(node, name):
            allowed.add(id(node.value.func.value))
        elif _reversed_loop(node, name):
            allowed.add(id(node.iter.args[0]))
            if any(_appended(n, name) for n in ast.walk(node)):
                return False
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)) and node is not fdef:
            if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node)):
                return False
    for node in ast.walk(fdef):
        if isinstance(node, ast.Name) and node.id == name:
            if isinstance(node.ctx, ast.Store):
                seen += 1
            elif id(node) not in allowed:
                return False
        elif isinstance(node, ast.arg) and node.arg == name:
            return False
    return seen == 1


def _pure(node) -> bool:
    """Can ``node`` be evaluated once more without effect (names, numbers,
    arithmetic, ``len``)?"""
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            if not (isinstance(n.func, ast.Name) and n.func.id == "len" and len(n.args) == 1):
                return False
        elif not isinstance(n, (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator,
                                ast.unaryop, ast.Load)):
            return False
    return True


class _Rewriter:
    """The statements of a function body with one tape as an array."""

    def __init__(self, name: str, dtype: str) -> None:
        self.name, self.dtype = name, dtype
        self.count = f"{P}n_{name}"
        self.index = f"{P}k_{name}"

    def _load(self, name=None):
        return ast.Name(id=name or self.name, ctx=ast.Load())

    def _store(self, name=None):
        return ast.Name(id=name or self.name, ctx=ast.Store())

    def body(self, stmts: list, top: bool = False) -> list:
        out = []
        for stmt in stmts:
            out += self.statement(stmt, top)
        return out

    def statement(self, stmt, top: bool) -> list:
        if (top and isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
                and stmt.targets[0].id == self.name):
            return self._create(stmt)
        if _appended(stmt, self.name):
            return self._append(stmt, grow=not getattr(stmt, "_adc_reserved", False))
        if _reversed_loop(stmt, self.name):
            return self._backwards(stmt)
        extra = []
        if top and isinstance(stmt, ast.For) and self._reservable(stmt):
            extra = [self._reserve(stmt)]
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(stmt, field, None), list):
                setattr(stmt, field, self.body(getattr(stmt, field)))
        for handler in getattr(stmt, "handlers", []):
            handler.body = self.body(handler.body)
        return extra + [stmt]

    def _create(self, stmt) -> list:
        empty = ast.Call(func=ast.Attribute(value=self._load(P + "np"), attr="empty",
                                            ctx=ast.Load()),
                         args=[ast.Constant(value=CAPACITY),
                               ast.Attribute(value=self._load(P + "np"), attr=self.dtype,
                                             ctx=ast.Load())], keywords=[])
        made = [ast.Assign(targets=[self._store()], value=empty),
                ast.Assign(targets=[self._store(self.count)], value=ast.Constant(value=0))]
        return [ast.copy_location(s, stmt) for s in made]

    def _reservable(self, loop: ast.For) -> bool:
        """A loop over ``range(N)`` (N pure) appending once per iteration, at
        its top level: its appends are marked as needing no growth."""
        it = loop.iter
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
                and it.func.id == "range" and len(it.args) == 1 and not it.keywords
                and _pure(it.args[0]) and not loop.orelse):
            return False
        appends = [s for s in loop.body if _appended(s, self.name)]
        nested = [n for s in loop.body if not _appended(s, self.name) for n in ast.walk(s)
                  if _appended(n, self.name)]
        if len(appends) != 1 or nested or any(isinstance(n, (ast.Break, ast.Continue))
                                              for n in ast.walk(loop)):
            return False
        appends[0]._adc_reserved = True
        return True

    def _reserve(self, loop: ast.For):
        size = ast.BinOp(left=self._load(self.count), op=ast.Add(),
                         right=copy.deepcopy(loop.iter.args[0]))
        call = ast.Call(func=self._load(P + "reserve"), args=[self._load(), size], keywords=[])
        return ast.copy_location(ast.Assign(targets=[self._store()], value=call), loop)

    def _append(self, stmt, grow: bool) -> list:
        value = stmt.value.args[0]
        put = ast.Assign(targets=[ast.Subscript(value=self._load(), slice=self._load(self.count),
                                                ctx=ast.Store())], value=value)
        step = ast.AugAssign(target=self._store(self.count), op=ast.Add(),
                             value=ast.Constant(value=1))
        out = [put, step]
        if grow:
            full = ast.Compare(left=self._load(self.count), ops=[ast.GtE()], comparators=[
                ast.Call(func=self._load("len"), args=[self._load()], keywords=[])])
            out.insert(0, ast.If(test=full, orelse=[], body=[ast.Assign(
                targets=[self._store()],
                value=ast.Call(func=self._load(P + "grow"), args=[self._load()], keywords=[]))]))
        return [ast.copy_location(s, stmt) for s in out]

    def _backwards(self, loop: ast.For) -> list:
        down = ast.Call(func=self._load("range"), keywords=[], args=[
            ast.BinOp(left=self._load(self.count), op=ast.Sub(), right=ast.Constant(value=1)),
            ast.Constant(value=-1), ast.Constant(value=-1)])
        read = ast.copy_location(ast.Assign(targets=[loop.target], value=ast.Subscript(
            value=self._load(), slice=self._load(self.index), ctx=ast.Load())), loop)
        loop.target = self._store(self.index)
        loop.iter = down
        loop.body = [read] + self.body(loop.body)
        return [loop]
