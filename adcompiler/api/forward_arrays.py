"""The forward-mode transforms on NumPy programs: ``jvp``, ``jacobian``
(forward), ``grad(mode="forward")``, ``hvp``, ``hessian`` and
``derivative`` called with arrays (or on code that uses array operations).

Each compiles one module per (transform, function, argument shapes) through
:mod:`adcompiler.transform.forward_arrays`, cached as reverse mode caches
its gradients (``api/reverse_grad.py``) and compiled again when a global,
closure cell or helper changed.  Whole Jacobians and Hessians are built
from basis tangents: one tangent pass (or one Hessian-vector product) per
element of each differentiated argument, so their cost is that many passes.
"""
from __future__ import annotations

import inspect
import threading

import numpy as np

from ..arrays.context import signature, split_signature, uses_array_operations
from ..errors import AdcError, UsageError
from ..frontend import varargs
from ..frontend.source import load_live
from ..runtime.deep import deep
from ..runtime.pytrees import is_tree
from ..runtime.realargs import as_real, refuse_complex
from ..arrays import forward as forward_arrays
from . import forward_value
from .arguments import as_tuple, defaults_tail, name_of, signature_of, tail_with
from . import array_api, foreign_basis
from ..emit import backend

_CACHE: dict = {}
_LOCK = threading.RLock()


def has_arrays(args) -> bool:
    """Does a call pass an array anywhere (a NumPy array, another library's,
    or a list or tuple of numbers: a vector, as grad takes it)?"""
    return any(isinstance(a, np.ndarray) or isinstance(a, (list, tuple)) and a and
               not is_tree(a) and np.ndim(a) > 0 or array_api.is_foreign(a) for a in args)


def array_code(fn) -> bool:
    """Does ``fn`` (a user function) use array operations?  Its forward
    transforms then go through the array pipeline even for scalar arguments.
    Remembered per function and code object (it lowers the program)."""
    key = (fn, getattr(fn, "__code__", None))
    if key not in _USES:
        try:
            _USES[key] = deep(uses_array_operations)(load_live(fn))
        except AdcError:
            _USES[key] = False  # the scalar path reports the error itself
    return _USES[key]


_USES: dict = {}


@deep
def outputs(fn) -> int:
    """How many values array code returns (from its lowered IR, no shapes needed)."""
    from ..frontend.program import lower_program
    program, key = lower_program(load_live(fn))
    return len(program.functions[key].body.results)


def _quick_key(args: tuple) -> tuple:
    """What decides :func:`signature` of a call, cheaply (it runs on every call);
    another library's arrays (array_api.py): their type, shape and dtype."""
    return tuple((a.shape, a.dtype.char) if type(a) is np.ndarray else
                 array_api.key_of(a) if type(a) not in array_api.PLAIN and
                 array_api.is_foreign(a) else type(a) for a in args)


def _module(kind: str, fn, key: tuple, args: tuple):
    """``(Compiled, loaded entry)`` of transform ``kind`` for these arguments' shapes."""
    fn = varargs.counted(fn, len(args))  # def f(x, *args): compiled per count of values
    quick = (kind, fn, key, _quick_key(args))
    hit = _CACHE.get(quick)
    if hit is not None and hit[2]():
        return hit[:2]
    if not (inspect.isfunction(fn) or hasattr(type(fn), "adc_load")):  # emitted code
        raise AdcError("forward mode over emitted forward-mode code of array code is not "
                       "supported; use derivative(f, order=k), or hessian / hvp")
    chosen = array_api.backend_of(args, {})  # another library's arrays: the array-api backend
    stand_ins = array_api.stand_ins(args, {})[0] if chosen != backend.NUMPY else args
    sig = signature(fn, stand_ins, {})
    cache_key = (kind, fn, key, sig, chosen)
    with _LOCK:
        hit = _CACHE.get(cache_key)
        if hit is None or not hit[2]():
            with backend.using(chosen):
                code = _compiled(kind, fn, key, sig)
            hit = (code, code.load(), code.fresh_check())
            _CACHE[cache_key] = hit
        if chosen != backend.NUMPY:  # what this library lacks: refused (once per library)
            array_api.check_library(hit[0].source, args, {})
        _CACHE[quick] = hit
    return hit[:2]


@deep
def _compiled(kind: str, fn, key: tuple, sig):
    """The emitted module (deeply nested input: on a deep stack, runtime/deep.py)."""
    shapes, dtypes = split_signature(sig)
    mod = _BUILD[kind](load_live(fn), key, shapes or {}, dtypes or {})
    code = mod.compiled()
    code.arrays = dict(mod.program.global_arrays)  # global arrays it reads by name
    return code


def _masked_module(sf, key, shapes, dtypes):
    indices, name = key
    mask = tuple(k in indices for k in range(len(sf.node.args.args)))
    return forward_arrays.jvp(sf, mask, shapes, dtypes, name)


def _hvp_module(sf, key, shapes, dtypes):
    return forward_arrays.hvp(sf, key[0], shapes, dtypes)


def _overgrad_module(sf, key, shapes, dtypes):
    inner, indices, name = key
    return forward_arrays.hvp(sf, inner, shapes, dtypes, indices, name)


def _derivative_module(sf, key, shapes, dtypes):
    order, index = key
    return forward_arrays.derivative(sf, order, index, shapes, dtypes)


_BUILD = {"masked": _masked_module, "hvp": _hvp_module,
          "overgrad": _overgrad_module,
          "derivative": _derivative_module}


class Last:
    """The source of the last array call of one transform (``.source``)."""

    def __init__(self) -> None:
        self.code = None

    def source(self, fn) -> str:
        if self.code is None:
            raise UsageError(f"the code of this transform of {name_of(fn)} depends on the "
                             "shapes of its arguments: call it first, then read .source")
        return self.code.source


def _full(fn, args: tuple, real: tuple, kwargs: dict | None = None) -> tuple:
    """The arguments, then the rest by name (``kwargs``) or their defaults;
    the differentiated ones made real."""
    refuse_complex([f"#{k + 1}" for k in range(len(args))], args)
    args = tuple(as_real(a, f"#{k + 1}") if k in real else a for k, a in enumerate(args))
    if varargs.has_varargs(fn):  # def f(x, *args): every value comes by position
        return args
    if kwargs:
        return args + tail_with(fn, len(args), kwargs)
    key = (fn, len(args), getattr(fn, "__defaults__", None))
    tail = _TAILS.get(key)
    if tail is None:
        tail = _TAILS[key] = defaults_tail(fn, len(args))
    return args + tail


_TAILS: dict = {}  # (fn, number of arguments given, its defaults) -> the defaults of the rest


def _zeros_like_outputs(outs: tuple, dots: tuple) -> tuple:
    """A tangent that is an exact zero (nothing varies) has its output's shape
    (and library: another's arrays get its zeros)."""
    return tuple(_zeros_like(o) if _is_zero(o, d) else d for o, d in zip(outs, dots))


def _is_zero(o, d) -> bool:
    return len(getattr(o, "shape", np.shape(o))) > 0 and isinstance(d, (int, float)) and d == 0


def _zeros_like(o):
    if array_api.is_foreign(o):
        from array_api_compat import array_namespace
        return array_namespace(o).zeros_like(o)
    return np.zeros(np.shape(o))


def _split(flat, nout: int) -> tuple:
    flat = as_tuple(flat)
    return flat[:nout], _zeros_like_outputs(flat[:nout], flat[nout:])


# ---------------------------------------------------------------- jvp
def jvp(fn, primals: tuple, tangents: tuple, last: Last | None = None, kwargs=None):
    """``(f(*primals), J @ tangents)`` for array arguments: one tangent pass."""
    if forward_value.applies(fn):  # jvp of value_and_grad(f)
        _target(fn, ())  # refuses has_aux
        return forward_value.jvp(fn, primals, tangents, kwargs)
    if len(primals) != len(tangents):
        raise UsageError(f"jvp needs one tangent per primal ({len(primals)} primals, "
                         f"{len(tangents)} tangents)")
    for k, (p, t) in enumerate(zip(primals, tangents)):
        if np.shape(p) != np.shape(t):
            raise UsageError(f"the tangent of primal #{k + 1} has shape {np.shape(t)}, "
                             f"its primal {np.shape(p)}")
    n = len(primals)
    user, kind, key = _target(fn, tuple(range(n)))
    full = _full(user, primals, tuple(range(n)), kwargs)
    code, run = _module(kind, user, key, full)
    if last is not None:
        last.code = code
    nout = len(code.functions[0].body.results) // 2
    tangents = tuple(t if array_api.is_foreign(t) else  # another library's: as it is
                     as_real(np.asarray(t, dtype=float) if np.ndim(t) else t, "tangent")
                     for t in tangents)
    outs, dots = _split(run(*full, *tangents), nout)
    return (outs[0], dots[0]) if nout == 1 else (outs, dots)


# ---------------------------------------------------------------- Jacobians
def _basis(shape):
    """Unit tangents of an argument of ``shape``: ``1.0`` for a scalar."""
    if shape == ():
        yield 1.0
        return
    e = np.zeros(shape)
    flat = e.reshape(-1)
    for k in range(flat.size):
        flat[k] = 1.0
        yield e.copy()
        flat[k] = 0.0


def _target(fn, indices: tuple) -> tuple:
    """``(user function, module kind, key)`` of the tangent code of ``fn``
    along ``indices``: ``fn`` itself, or forward over reverse when ``fn`` is
    a reverse-mode gradient (``grad(grad(f))``, ``jacobian(grad(f))``)."""
    inner = getattr(fn, "_indices", None)
    if inner is None:
        return fn, "masked", (indices, name_of(fn) + "_jvp")
    from .aux import AuxDerivative
    if isinstance(fn, AuxDerivative):
        raise AdcError(f"forward mode over grad or value_and_grad(..., has_aux=True) of "
                       f"{name_of(fn.fn)} is not "
                       "supported; differentiate a function returning the value alone")
    user = fn.fn
    name = name_of(user) + "_grad_jvp"
    return user, "overgrad", (inner, indices, name)


def columns(fn, indices: tuple, args: tuple, last: Last | None = None,
            skip: int = 0) -> tuple:
    """``(outputs, {wrt index: per output, the Jacobian out.shape + arg.shape})``
    by one tangent pass per element of each differentiated argument; the
    last ``skip`` outputs (has_aux leaves) get no Jacobian."""
    if forward_value.applies(fn):  # jacobian of value_and_grad(f)
        _target(fn, indices)  # refuses has_aux
        return forward_value.columns(fn, indices, args, last)
    fn, kind, key = _target(fn, indices)
    full = _full(fn, args, indices)
    code, run = _module(kind, fn, key, full)
    if last is not None:
        last.code = code
    nout = len(code.functions[0].body.results) // 2
    kit = _Assembly(full)
    zeros = [kit.zeros(full[i]) for i in indices]
    outs, blocks = None, {}
    for pos, i in enumerate(indices):
        shape = kit.shape(full[i])
        cols = []
        for e in kit.basis(shape):
            seeds = zeros[:pos] + [e] + zeros[pos + 1:]
            outs, dots = _split(run(*full, *seeds), nout)
            cols.append(dots)
        blocks[i] = tuple(kit.stack([c[k] for c in cols], kit.shape(outs[k]), shape)
                          for k in range(nout - skip))
    return outs, blocks


class _Assembly:
    """How basis tangents and Jacobian columns are made: NumPy's, or the
    caller's library's when it passed another library's arrays
    (foreign_basis.py)."""

    def __init__(self, full: tuple) -> None:
        self.like = foreign_basis.like_of(full)

    def shape(self, value) -> tuple:
        return tuple(value.shape) if self.like is not None and hasattr(value, "shape") \
            else np.shape(value)

    def zeros(self, value):
        if self.like is None:
            return np.zeros(np.shape(value)) if np.ndim(value) else 0.0
        return foreign_basis.zeros(self.shape(value), self.like)

    def basis(self, shape):
        return _basis(shape) if self.like is None else foreign_basis.basis(shape, self.like)

    def stack(self, cols, out_shape, arg_shape):
        if self.like is None:
            return _stack(cols, out_shape, arg_shape)
        return foreign_basis.stack(cols, out_shape, arg_shape, self.like)


def _stack(cols: list, out_shape: tuple, arg_shape: tuple):
    if arg_shape == () and out_shape == ():
        return float(cols[0])
    if arg_shape == ():
        return np.asarray(cols[0], dtype=float)
    stacked = np.stack([np.broadcast_to(np.asarray(c, dtype=float), out_shape) for c in cols],
                       axis=-1)
    return stacked.reshape(tuple(out_shape) + tuple(arg_shape))


def jacobian(fn, indices: tuple, many: bool, args: tuple, last: Last | None = None):
    """The forward Jacobian of array code in the scalar conventions: per output
    (a tuple when there are several), the Jacobian or, for a tuple ``wrt``, a
    tuple of Jacobians, each of shape ``out.shape + arg.shape``."""
    outs, blocks = columns(fn, indices, args, last)
    rows = [tuple(blocks[i][k] for i in indices) for k in range(len(outs))]
    rows = [r if many else r[0] for r in rows]
    return rows[0] if len(rows) == 1 else tuple(rows)


def grad(fn, indices: tuple, many: bool, with_value: bool, args: tuple,
         last: Last | None = None):
    """``grad(f, mode="forward")`` on arrays: the Jacobian of the one scalar output."""
    outs, blocks = columns(fn, indices, args, last)
    if len(outs) != 1:
        raise AdcError(f"{name_of(fn)} has {len(outs)} outputs; grad needs one, use jacobian")
    if len(getattr(outs[0], "shape", np.shape(outs[0]))):
        raise AdcError(f"{name_of(fn)} returns an array of shape {np.shape(outs[0])}, but a "
                       "gradient needs a scalar output; use jacobian")
    grads = tuple(blocks[i][0] for i in indices)
    grads = grads if many else grads[0]
    return (outs[0], grads) if with_value else grads


# ---------------------------------------------------------------- second order
def hvp(fn, primals: tuple, tangents: tuple, last: Last | None = None, kwargs=None):
    """``H @ tangents`` on arrays: one forward pass over the array gradient."""
    n = len(primals)
    for k, (p, t) in enumerate(zip(primals, tangents)):
        if np.shape(p) != np.shape(t):
            raise UsageError(f"the tangent of primal #{k + 1} has shape {np.shape(t)}, "
                             f"its primal {np.shape(p)}")
    full = _full(fn, primals, tuple(range(n)), kwargs)
    code, run = _module("hvp", fn, (tuple(range(n)),), full)
    if last is not None:
        last.code = code
    tangents = tuple(t if array_api.is_foreign(t) else  # another library's: as it is
                     np.asarray(t, dtype=float) if np.ndim(t) else t for t in tangents)
    flat = as_tuple(run(*full, *tangents))
    hv = _zeros_like_outputs(flat[:n], flat[n:])
    return hv[0] if n == 1 else tuple(hv)


def hessian(fn, indices: tuple, many: bool, args: tuple, last: Last | None = None):
    """The Hessian by one Hessian-vector product per element of the
    differentiated arguments: ``H[i][j]`` of shape ``x_i.shape + x_j.shape``."""
    full = _full(fn, args, indices)
    code, run = _module("hvp", fn, (indices,), full)
    if last is not None:
        last.code = code
    m = len(indices)
    kit = _Assembly(full)
    zeros = [kit.zeros(full[i]) for i in indices]
    blocks = [[None] * m for _ in range(m)]
    for pos, j in enumerate(indices):
        shape = kit.shape(full[j])
        cols = []
        for e in kit.basis(shape):
            seeds = zeros[:pos] + [e] + zeros[pos + 1:]
            flat = as_tuple(run(*full, *seeds))
            cols.append(_zeros_like_outputs(flat[:m], flat[m:]))
        for r, i in enumerate(indices):
            blocks[r][pos] = kit.stack([c[r] for c in cols], kit.shape(full[i]), shape)
    if not many:
        return blocks[0][0]
    return tuple(tuple(row) for row in blocks)


def derivative(fn, order: int, index: int, args: tuple, last: Last | None = None):
    """The ``order``-th derivative with respect to a scalar parameter of array code."""
    full = _full(fn, args, (index,))
    if np.ndim(full[index]):
        raise UsageError(f"derivative takes a scalar {list(signature_of(fn).parameters)[index]}"
                         f"; it got an array of shape {np.shape(full[index])} (use jacobian)")
    code, run = _module("derivative", fn, (order, index), full)
    if last is not None:
        last.code = code
    return run(*full)


# ---------------------------------------------------------------- routing
class ArrayRoute:
    """Where a forward transform sends calls of array code: ``call(args,
    last)`` computes the result; ``.source`` is the code of the last such call."""

    def __init__(self, fn, call, user_function: bool = True, trees: bool = False) -> None:
        self.fn, self.call, self.user_function = fn, call, user_function
        self.trees = trees  # does ``call`` take structures of parameters (pytrees) too?
        self.last = Last()

    def wants(self, args: tuple) -> bool:
        if self.trees and any(type(a) in (dict, list, tuple) for a in args) and \
                any(map(is_tree, args)):
            return True
        return has_arrays(args) or (self.user_function and array_code(self.fn))

    def used(self) -> bool:
        """Is ``.source`` this route's?  After a call with arrays, or for array
        code before any call (then it asks for one: the code depends on shapes)."""
        return self.last.code is not None or (self.user_function and array_code(self.fn))

    def source(self) -> str:
        return self.last.source(self.fn)

    def __call__(self, args: tuple):
        return self.call(args, self.last)
