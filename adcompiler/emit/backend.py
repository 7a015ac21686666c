"""Which array library emitted array code calls: the emission *backend*.

``numpy`` (the default) writes ``np.exp(x)``; ``array-api`` writes code for
any library implementing the Python Array API standard (NumPy, CuPy,
PyTorch, JAX, Dask, ``array_api_strict``): the function first asks its
arguments for their namespace, ``xp = array_namespace(x, ...)`` (from the
``array-api-compat`` package), then spells each primitive as the standard
does (``xp.exp``, ``xp.sum(x, axis=0)``, ``xp.asarray(x, copy=True)`` for a
copy).  A record says its standard spelling in ``spellings['array_api']``
(see :mod:`adcompiler.prims.spelling`); emitting a primitive without one is
refused by name.

The backend is a context variable set around one compilation
(:func:`using`), so the passes between the API and the emitter need not
carry it.
"""
from __future__ import annotations

import ast
import contextlib
import contextvars

from ..errors import CompileError
from .globalnames import global_name

NUMPY = "numpy"
ARRAY_API = "array-api"
BACKENDS = (NUMPY, ARRAY_API)
#: the local name of the namespace in emitted code, and where it comes from
XP = "xp"
NAMESPACE_FN = "array_namespace"
#: the ``imports`` entry of emitted code that needs :data:`NAMESPACE_FN`
IMPORT = "from array_api_compat import array_namespace"
#: the locals the prologue binds when the code builds arrays from nothing
#: (``xp.zeros(3, dtype=dtype, device=dev)``): the caller's float dtype and
#: the device of its arrays, so new arrays live with (and promote like) them
DTYPE, DEVICE = "dtype", "dev"
DEVICE_FN = "device"

_CURRENT: contextvars.ContextVar = contextvars.ContextVar("adc_backend", default=NUMPY)


def current() -> str:
    return _CURRENT.get()


def array_api() -> bool:
    """Is code being emitted for the Array API standard?"""
    return _CURRENT.get() == ARRAY_API


def check(name: str) -> str:
    if name not in BACKENDS:
        from ..errors import UsageError
        raise UsageError(f"unknown backend {name!r}: use one of {', '.join(BACKENDS)}")
    return name


@contextlib.contextmanager
def using(name: str):
    """Emit with backend ``name`` inside the block."""
    token = _CURRENT.set(check(name))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def xp_name(name: str) -> ast.expr:
    """``xp.NAME`` (``linalg.matrix_norm`` -> ``xp.linalg.matrix_norm``)."""
    node = global_name(XP)
    for part in name.split("."):
        node = ast.Attribute(node, part, ast.Load())
    return node


def copy_of(value: ast.expr) -> ast.expr:
    """A new array equal to ``value``: the standard has no ``.copy()``."""
    return ast.Call(xp_name("asarray"), [value], [ast.keyword("copy", ast.Constant(True))])


#: array primitives whose NumPy result is a float for integer (or boolean)
#: input (``np.mean`` of integers is a float64): the standard's functions
#: are defined for floats only there (PyTorch raises), so such an operand
#: is cast to the caller's float dtype first (:func:`floated`)
FLOAT_OF_INTS = frozenset(("mean", "var", "std", "norm", "softmax", "log_softmax",
                           "logsumexp", "det", "logabsdet", "slogdet_sign", "inv", "solve",
                           "cholesky", "eigvalsh", "eigh_vectors"))
#: primitives that read a boolean mask as numbers (the adjoint of np.max
#: multiplies by the mask of the maxima and counts them): the standard
#: defines no arithmetic on booleans, so such a mask is cast first
NUMERIC_USES = frozenset(("add", "sub", "mul", "div", "neg", "sum")) | FLOAT_OF_INTS
#: primitives where an integer array meeting a float is cast first (the
#: standard defines no promotion between kinds; NumPy gives floats, PyTorch
#: float32 for ``xp.minimum(X, 0.5)``): arithmetic, np.maximum/np.minimum,
#: comparisons (the adjoint of np.maximum), joins of arrays
MIXED_USES = frozenset(("add", "sub", "mul", "div", "pow", "where", "matmul", "max", "min",
                        "eq", "ne", "lt", "le", "gt", "ge", "concatenate", "stack", "hstack",
                        "vstack"))


def float_of_ints(prim: str) -> bool:
    """Does NumPy give floats of integer (or boolean) operands of the
    elementwise ``prim`` (``np.exp(X)``, ``np.sqrt``, ``X / X``, whose
    record says its result is a float)?  The standard defines these for
    floats only (``array_api_strict`` raises, PyTorch computes in float32),
    so such an operand is cast to the caller's float dtype first."""
    from ..prims.primitives import PRIMS
    record = PRIMS.get(prim)
    return prim == "div" or (record is not None and record.form == "call"
                             and record.dtype == "float")


def masks(fn) -> set:
    """The array comparisons of ``fn`` (their results are boolean arrays)."""
    from ..core.ir import Eqn, walk
    from ..prims.primitives import PRIMS
    return {s.outs[0] for s in walk(fn.body) if isinstance(s, Eqn) and s.outs
            and (PRIMS[s.prim].form == "compare" or _bools(s))}


def _bools(e) -> bool:
    """``np.array([True, False])``: a constant mask."""
    from ..core.ir import Const
    values = e.param("values") if e.prim == "intarray" else [
        a.value if isinstance(a, Const) else None for a in e.args] if e.prim == "array_of" \
        else None
    return bool(values) and all(type(v) is bool for v in values)


#: array primitives giving Python numbers (``len(x)``, ``x.shape``, ``np.size``)
QUERIES = frozenset(("len", "shape", "size", "ndim"))


def array_atoms(fn) -> set:
    """The values of ``fn`` that are arrays even when 0-d (results of array
    primitives: ``np.argmax(x)``), as opposed to Python integers."""
    from ..core.ir import Eqn, walk
    from ..prims.primitives import PRIMS
    out = set()
    for s in walk(fn.body):
        if isinstance(s, Eqn) and s.outs and s.prim not in QUERIES and \
                getattr(PRIMS.get(s.prim), "array_only", False):
            out.update(s.outs)
    return out


def int_arrays(fn) -> set:
    """Results of primitives giving integer arrays (``np.argsort``, an
    ``np.arange`` of integers, index arrays)."""
    from ..core.ir import Const, Eqn, walk
    from ..prims.primitives import PRIMS
    out = set()
    for s in walk(fn.body):
        if not (isinstance(s, Eqn) and s.outs and s.prim in PRIMS) or s.prim in QUERIES:
            continue
        if PRIMS[s.prim].dtype == "int" and PRIMS[s.prim].array_only and not _bools(s) or \
                s.prim == "arange" and \
                all(isinstance(a, Const) and type(a.value) is int for a in s.args):
            out.update(s.outs)
    return out


def int_arrays0(fn, shapes: dict, kinds: dict) -> set:
    """The 0-d integer ARRAYS of ``fn`` (``np.sum(X)`` of integers,
    ``np.argmax(v)``: results of array primitives of an array), cast like
    integer arrays; not Python integers (``x.shape[0]``, ``len(x)``)."""
    from ..core.ir import Eqn, Var, walk
    from ..prims.primitives import PRIMS
    out = set()
    for s in walk(fn.body):
        if (isinstance(s, Eqn) and len(s.outs) == 1 and s.prim not in QUERIES and s.args
                and kinds.get(s.outs[0]) == "i" and shapes.get(s.outs[0]) == ()
                and getattr(PRIMS.get(s.prim), "array_only", False)
                and isinstance(s.args[0], Var) and type(shapes.get(s.args[0])) is tuple):
            out.add(s.outs[0])
    return out


def maybe_ints(fn, ints: set, shapes: dict, kinds: dict) -> set:
    """``ints`` and the arrays that may hold integers through them: a loop
    carrying ``t = v`` of integers into ``t = t * s`` (integers in the first
    iteration only: not known to be integers), a branch, a primitive
    following its operands (``t[1:]``, ``t + 1``) unless known to give
    floats or booleans, a tape.  Casting these where they meet floats is right
    whichever they hold."""
    from ..core.ir import Eqn, ForRange, If, While, walk
    from ..prims.primitives import PRIMS
    out, changed = set(ints), True

    def add(v, flag: bool) -> bool:
        if not flag or v in out or kinds.get(v) in ("f", "b") or shapes.get(v) in ((), None):
            return False
        out.add(v)
        return True

    taped: dict = {}  # tape -> positions where such an array was pushed
    while changed:
        changed = False
        for s in walk(fn.body):
            if isinstance(s, Eqn) and s.prim == "push":
                at = {k for k, a in enumerate(s.args[1:]) if a in out}
                taped[s.args[0]] = taped.get(s.args[0], set()) | at
            elif isinstance(s, Eqn) and s.prim == "pop":
                at = taped.get(s.args[0], ())
                changed |= any([add(o, k in at) for k, o in enumerate(s.outs)])
            elif isinstance(s, Eqn):
                r = PRIMS.get(s.prim)
                if s.outs and r is not None and r.dtype is None and r.form != "compare" \
                        and s.prim not in QUERIES and any(a in out for a in s.args):
                    changed |= any([add(o, True) for o in s.outs])
            elif isinstance(s, If):
                for o, a, b in zip(s.outs, s.then.results, s.orelse.results):
                    changed |= add(o, a in out or b in out)
            elif isinstance(s, (ForRange, While)):
                params = s.body.params[1:] if isinstance(s, ForRange) else s.body.params
                conds = s.cond.params if isinstance(s, While) else params
                for k, o in enumerate(s.outs):
                    flag = s.inits[k] in out or s.body.results[k] in out
                    changed |= any([add(v, flag) for v in (o, params[k], conds[k])])
    return out


def floated(em, e, args: list) -> list:
    """``args`` (the expressions of ``e``'s operands) with each integer
    array among them cast to the caller's float dtype when ``e`` gives
    floats of integers (:data:`FLOAT_OF_INTS`), so the emitted code
    computes what NumPy does; float operands are left as they are.  ``em``
    knows the integer arrays (``em.ints``: emit/emitter.py); masks are cast
    where they are read (:data:`NUMERIC_USES`)."""
    ints = getattr(em, "ints", None)
    if not ints or e.prim not in FLOAT_OF_INTS:
        return args
    return [as_number(x) if a in ints else x for a, x in zip(e.args, args)]


def as_number(mask: ast.expr) -> ast.expr:
    """``xp.astype(mask, dtype)``: a boolean mask as numbers of the caller's
    float dtype (float32 arrays keep float32 gradients)."""
    return ast.Call(xp_name("astype"), [mask, like_dtype()], [])


def like_dtype() -> ast.expr:
    """The caller's float dtype (bound by :func:`prologue`)."""
    return global_name(DTYPE)


def placed() -> list:
    """``dtype=dtype, device=dev``: the keywords of an array built from
    nothing (``xp.zeros``, ``xp.asarray(1.0)``), so that it has the caller's
    float dtype (torch would make a float32) and lives on its device."""
    return [ast.keyword("dtype", like_dtype()), ast.keyword("device", global_name(DEVICE))]


def on_device() -> list:
    """``device=dev``: for a new array whose dtype is given otherwise."""
    return [ast.keyword("device", global_name(DEVICE))]


def no_spelling(what: str, e=None) -> CompileError:
    """The refusal for a primitive the standard cannot spell (``e``: its
    equation, for the line; :func:`located` adds the file)."""
    loc = getattr(e, "loc", None)
    line = getattr(loc, "line", 0) or 0
    return CompileError(f"{what} has no Array API spelling: the array-api backend cannot "
                        "emit it (use the numpy backend, or rewrite it with standard "
                        "functions)", line=line, construct="array-api")


def located(err: CompileError, filename: str) -> CompileError:
    """``err`` with the file of the function being emitted."""
    if err.filename == "<unknown>" and filename != "<unknown>":
        return CompileError(err.message, filename, err.line, err.col, err.construct)
    return err


def prologue(node: ast.FunctionDef, arrays: list, floats: list | None = None) -> set:
    """Start ``node`` with ``xp = array_namespace(a, b, ...)`` of its array
    parameters ``arrays`` (names); refused when it has none to ask.  When
    the body builds arrays (:func:`placed`), also ``dtype, dev = a.dtype,
    device(a)``: the float dtype of the float array parameters ``floats``
    (their ``xp.result_type`` when several; ``xp.float64`` when none) and
    the device of the first array.  Returns the imports it adds."""
    if not arrays:
        raise CompileError(f"{node.name}: the array-api backend reads the array library from "
                           "the array parameters, and this function has none (declare them "
                           "with --shapes or --arrays)")
    stmts = [ast.Assign([_store(XP)], ast.Call(global_name(NAMESPACE_FN),
                                               [ast.Name(a, ast.Load()) for a in arrays], []))]
    needs = set()
    if _reads(node, (DTYPE, DEVICE)):
        floats = list(floats or [])
        if len(floats) == 1:
            dtype = ast.Attribute(ast.Name(floats[0], ast.Load()), "dtype", ast.Load())
        elif floats:
            dtype = ast.Call(xp_name("result_type"), [ast.Name(f, ast.Load()) for f in floats],
                             [])
        else:
            dtype = xp_name("float64")
        dev = ast.Call(global_name(DEVICE_FN), [ast.Name(arrays[0], ast.Load())], [])
        stmts.append(ast.Assign([ast.Tuple([_store(DTYPE), _store(DEVICE)], ast.Store())],
                                ast.Tuple([dtype, dev], ast.Load())))
        needs.add(DEVICE_IMPORT)
    node.body[0:0] = stmts
    return needs


#: the ``imports`` entry for :data:`DEVICE_FN`
DEVICE_IMPORT = "from array_api_compat import device"


def _store(name: str) -> ast.Name:
    target = ast.Name(name, ast.Store())
    setattr(target, "_adc_global", True)
    return target


def _reads(node: ast.AST, names: tuple) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names and getattr(n, "_adc_global", False)
               for n in ast.walk(node))


def _call(name: str, args: list) -> ast.expr:
    return ast.Call(global_name(name), args, [])


def _np(name: str, x: ast.expr) -> ast.expr:
    return ast.Call(ast.Attribute(global_name("np"), name, ast.Load()), [x], [])


def shape_of(x: ast.expr, array: bool = False) -> ast.expr:
    """``np.shape(x)``; under the array-api backend ``tuple(getattr(x,
    "shape", ()))`` (the standard has no shape function; ``x`` may be a
    Python number), or ``x.shape`` for an ``array`` parameter."""
    if not array_api():
        return _np("shape", x)
    if array:
        return ast.Attribute(x, "shape", ast.Load())
    return _call("tuple", [_call("getattr", [x, ast.Constant("shape"),
                                             ast.Tuple([], ast.Load())])])


def ndim_of(x: ast.expr, array: bool = False) -> ast.expr:
    """``np.ndim(x)``; ``len(...)`` of :func:`shape_of` under the array-api
    backend, or ``x.ndim`` for an ``array`` parameter."""
    if not array_api():
        return _np("ndim", x)
    if array:
        return ast.Attribute(x, "ndim", ast.Load())
    return _call("len", [shape_of(x)])


def sum_of(g: ast.expr) -> ast.expr:
    """``np.sum``, or ``array_namespace(g).sum`` under the array-api backend."""
    if not array_api():
        return ast.Attribute(global_name("np"), "sum", ast.Load())
    return ast.Attribute(_call(NAMESPACE_FN, [g]), "sum", ast.Load())


def helper_needs() -> set:
    """What the ``_unbroadcast`` helper imports: under the array-api backend
    it asks ``g`` for its namespace."""
    return {IMPORT} if array_api() else set()


def checks_need() -> set:
    """What the entry's shape checks import."""
    return set() if array_api() else {"numpy"}


def uses_xp(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == XP and getattr(n, "_adc_global", False)
               for n in ast.walk(node))
