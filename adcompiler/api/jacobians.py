"""``vjp`` and Jacobians of array code (JAX's conventions).

A call with an array (or list) argument, or of a function using array
operations, is compiled for the shapes of the call into one vector-Jacobian
product ``f_vjp(*params, *out_bars) -> (*outs, *param_bars)``
(compiler_vjp.py).  ``vjp`` seeds it with the caller's cotangent;
the reverse Jacobian seeds it with each unit cotangent in turn (one sweep per
output element, shape ``out.shape + arg.shape``); the forward Jacobian asks
``jvp`` for one column per input element.  ``mode="auto"`` takes forward
mode when the inputs have fewer elements than the outputs.
"""
from __future__ import annotations

import functools
import threading

import numpy as np

from ..arrays.context import signature, split_signature, uses_array_operations
from ..errors import AdcError, UsageError
from ..frontend.source import load_live
from ..runtime.pytrees import is_tree
from ..runtime.realargs import as_real, float_gradient, refuse_complex
from ..runtime.tracebacks import user_facing
from ..compiler_vjp import compile_vjp
from ..frontend.auxout import count, rebuild, split_aux
from ..emit import backend
from . import array_api, foreign_basis
from .arguments import STRUCTURES_WORK, name_of, signature_of, tail_with

_LOCK = threading.RLock()
_CODES: dict = {}  # (fn, wrt, signature) -> (VjpCode, loaded function)
_CHECKED: set = set()  # (id of a VjpCode, argument types) whose library was checked


def is_array_call(fn, args: tuple) -> bool:
    """Does this call need the array path (arrays or lists among the
    arguments, or array operations in the code)?"""
    if any(isinstance(a, (np.ndarray, list)) or np.ndim(a) > 0 for a in args
           if not isinstance(a, (dict, str))):
        return True
    return _array_code(fn)


def _array_code(fn) -> bool:
    try:
        return _uses_arrays(fn)
    except (TypeError, AdcError):  # not a plain function: the scalar path says why
        return False


@functools.lru_cache(maxsize=256)
def _uses_arrays(fn) -> bool:
    return uses_array_operations(load_live(fn))


def _real_args(fn, args: tuple, wrt: tuple, what: str, kwargs: dict | None = None) -> tuple:
    """The arguments with the rest appended (``kwargs`` by name, else their
    defaults), the differentiated ones made real (integers, booleans and
    lists become floats)."""
    names = list(signature_of(fn).parameters)
    refuse_complex(names, args)
    for a in args:
        if isinstance(a, dict) or (isinstance(a, tuple) and is_tree(a)):
            raise AdcError(f"{what} does not take a dict or tuple of parameters here: "
                           + STRUCTURES_WORK)
    full = tuple(args) + tail_with(fn, len(args), kwargs or {})
    return tuple(as_real(a, names[k]) if k in wrt else a for k, a in enumerate(full))


def _product(fn, wrt: tuple, full: tuple, has_aux: bool = False):
    """``(VjpCode, loaded f_vjp, aux structure)`` for calls shaped like
    ``full`` (cached; compiled again when the function, a global or a helper
    has changed).  ``has_aux``: ``fn`` returns ``(value, aux)`` (auxout.py)."""
    chosen = array_api.backend_of(full, {})  # another library's arrays: array-api code
    sig = signature(fn, array_api.stand_ins(full, {})[0] if chosen != backend.NUMPY else full,
                    {})
    key = (fn, wrt, sig, has_aux, chosen)
    with _LOCK:
        hit = _CODES.get(key)
        if hit is None or not hit[0].compiled.fresh():
            shapes, dtypes = split_signature(sig)
            sf, structure = load_live(fn), None
            if has_aux:
                sf, structure = split_aux(sf)
            with backend.using(chosen):
                code = compile_vjp(sf, wrt, shapes, dtypes, count(structure) if has_aux else 0)
            hit = _CODES[key] = (code, code.compiled.load(), structure)
        if chosen != backend.NUMPY:  # what this library lacks: refused (once per library)
            checked = (id(hit[0]), tuple(type(a) for a in full))
            if checked not in _CHECKED:
                array_api.check_library(hit[0].compiled.source, full, {})
                _CHECKED.add(checked)
    return hit


def _zeros(shapes: tuple, full: tuple = ()) -> tuple:
    """Zero cotangents; of the caller's library, dtype and device when it
    passed another library's arrays."""
    like = next((a for a in full if array_api.is_foreign(a)), None)
    if like is None:
        return tuple(0.0 if s == () else np.zeros(s) for s in shapes)
    from array_api_compat import array_namespace, device
    xp = array_namespace(like)
    return tuple(0.0 if s == () else xp.zeros(s, dtype=like.dtype, device=device(like))
                 for s in shapes)


def array_vjp(fn, primals: tuple, kwargs: dict | None = None):
    """``(out, vjp_fn)`` of array code: ``vjp_fn(cotangent)`` runs the emitted
    product with that cotangent (the primal sweep runs again each time);
    ``kwargs``: later parameters by name, not differentiated."""
    wrt = tuple(range(len(primals)))
    full = _real_args(fn, primals, wrt, "vjp", kwargs)
    code, run, _ = _product(fn, wrt, full)
    shapes = code.out_shapes
    nout = len(shapes)
    outs = run(*full, *_zeros(shapes, full))[:nout]
    foreign = array_api.backend_of(full, {}) != backend.NUMPY

    @user_facing
    def vjp_fn(cotangent):
        cts = _cotangents(fn, cotangent, shapes)
        bars = run(*full, *cts)[nout:]
        return tuple(b if foreign else _bar(b) for b in bars)  # the caller's arrays as they are

    vjp_fn.source = code.compiled.source
    return (outs[0] if nout == 1 else tuple(outs)), vjp_fn


def _bar(value):
    """A cotangent as a float array, or a float for a number."""
    value = float_gradient(value)
    return float(value) if np.ndim(value) == 0 else value


def _cotangents(fn, cotangent, shapes: tuple) -> tuple:
    """One cotangent per output, each of its output's shape (floats)."""
    nout = len(shapes)
    cts = tuple(cotangent) if nout > 1 and isinstance(cotangent, (tuple, list)) else (cotangent,)
    if len(cts) != nout:
        raise UsageError(f"{name_of(fn)} has {nout} outputs; got {len(cts)} cotangents")
    out = []
    for k, (ct, shape) in enumerate(zip(cts, shapes)):
        if array_api.is_foreign(ct):  # another library's array: its shape checked, kept
            if tuple(ct.shape) != shape:
                raise UsageError(f"the cotangent of output {k} of {name_of(fn)} has shape "
                                 f"{tuple(ct.shape)}; the output has shape {shape}")
            out.append(ct)
            continue
        value = np.asarray(ct, dtype=float)
        if value.shape != shape:
            raise UsageError(f"the cotangent of output {k} of {name_of(fn)} has shape "
                             f"{value.shape}; the output has shape {shape}")
        out.append(float(value) if shape == () else value)
    return tuple(out)


# ---------------------------------------------------------------- Jacobians
def reverse_jacobian(fn, wrt: tuple, args: tuple, has_aux: bool = False,
                     kwargs: dict | None = None) -> tuple:
    """``([[J of output k wrt argument j for j in wrt] for k in outputs], aux)``,
    each of shape ``out_k.shape + arg_j.shape``: one sweep per output element."""
    full = _real_args(fn, args, wrt, "jacobian", kwargs)
    code, run, structure = _product(fn, wrt, full, has_aux)
    shapes = code.out_shapes
    nout = len(shapes)
    zeros = list(_zeros(shapes, full))
    aux = None
    if has_aux:
        flat = run(*full, *zeros)
        aux = rebuild(structure, flat[len(flat) - code.aux:])
    like = foreign_basis.like_of(full)
    if like is not None:  # another library's arrays: assembled there
        return _foreign_rows(run, full, wrt, shapes, zeros, like), aux
    arg_shapes = [np.shape(full[j]) for j in wrt]
    result = []
    for k, shape in enumerate(shapes):
        size = int(np.prod(shape, dtype=int))
        rows = [np.empty((size, int(np.prod(s, dtype=int)))) for s in arg_shapes]
        for e in range(size):
            cts = list(zeros)
            cts[k] = 1.0 if shape == () else _unit(shape, e)
            bars = run(*full, *cts)[nout:nout + len(wrt)]
            for row, bar in zip(rows, bars):
                row[e] = np.ravel(float_gradient(bar))
        result.append([_shaped(row, shape + s) for row, s in zip(rows, arg_shapes)])
    return result, aux


def _foreign_rows(run, full: tuple, wrt: tuple, shapes: tuple, zeros: list, like) -> list:
    """:func:`reverse_jacobian`'s rows, seeded and stacked in the library of
    ``like`` (foreign_basis.py)."""
    nout = len(shapes)
    arg_shapes = [tuple(getattr(full[j], "shape", ())) for j in wrt]
    result = []
    for k, shape in enumerate(shapes):
        bars = [[] for _ in wrt]
        for e in range(max(int(np.prod(shape, dtype=int)), 1)):
            cts = list(zeros)
            cts[k] = foreign_basis.unit(shape, e, like)
            for col, bar in zip(bars, run(*full, *cts)[nout:nout + len(wrt)]):
                col.append(bar)
        result.append([foreign_basis.rows(b, shape, s, like) for b, s in zip(bars, arg_shapes)])
    return result


def forward_jacobian(fn, wrt: tuple, args: tuple, kwargs: dict | None = None) -> list:
    """As :func:`reverse_jacobian`, by one ``jvp`` per input element."""
    from .linearize import jvp
    full = _real_args(fn, args, wrt, "jacobian", kwargs)
    like = foreign_basis.like_of(full)  # another library's arrays: its tangents
    tangents = [np.zeros(np.shape(a)) if np.ndim(a) else 0.0 for a in full] if like is None \
        else [foreign_basis.zeros(tuple(getattr(a, "shape", ())), like) for a in full]
    columns = []  # per wrt argument: list of output tangents (tuple per output)
    for j in wrt:
        shape = tuple(getattr(full[j], "shape", np.shape(full[j])))
        cols = []
        for e in range(int(np.prod(shape, dtype=int))):
            t = list(tangents)
            t[j] = 1.0 if shape == () else _unit(shape, e) if like is None else \
                foreign_basis.unit(shape, e, like)
            _, dot = jvp(fn, full, tuple(t))
            cols.append(dot)
        columns.append(cols)
    nout = len(columns[0][0]) if isinstance(columns[0][0], tuple) else 1
    result = []
    for k in range(nout):
        per_arg = []
        for j, cols in zip(wrt, columns):
            if like is not None:
                outs = [c[k] if nout > 1 else c for c in cols]
                out_shape = tuple(getattr(outs[0], "shape", ()))
                arg_shape = tuple(getattr(full[j], "shape", ()))
                per_arg.append(foreign_basis.stack(outs, out_shape, arg_shape, like))
                continue
            outs = [np.asarray(c[k] if nout > 1 else c, dtype=float) for c in cols]
            stacked = np.stack([o.ravel() for o in outs], axis=-1)
            per_arg.append(_shaped(stacked, outs[0].shape + np.shape(full[j])))
        result.append(per_arg)
    return result


def _unit(shape: tuple, e: int) -> np.ndarray:
    u = np.zeros(shape)
    u.flat[e] = 1.0
    return u


def _shaped(flat: np.ndarray, shape: tuple):
    return float(flat.reshape(())) if shape == () else flat.reshape(shape)


def array_jacobian(fn, wrt: tuple, many: bool, mode: str, args: tuple,
                   has_aux: bool = False, holder=None, forward=None,
                   kwargs: dict | None = None):
    """The Jacobian(s) of one call, JAX's nesting: outputs outside, then
    arguments (a tuple when ``wrt`` is a tuple); with ``has_aux``, ``(J, aux)``.
    ``holder.array_source`` is set to the emitted code run (reverse mode).
    ``forward(args)``: the forward-mode Jacobian in the same nesting (the
    array forward route), else one ``jvp`` per input element.  ``kwargs``:
    later parameters by name, not differentiated."""
    full = _real_args(fn, args, wrt, "jacobian", kwargs)
    if mode == "auto":
        n_in = sum(foreign_basis.size(full[j]) for j in wrt)
        code = _product(fn, wrt, full, has_aux)[0]
        n_out = sum(int(np.prod(s, dtype=int)) for s in code.out_shapes)
        mode = "forward" if n_in < n_out and not has_aux else "reverse"
    if mode == "forward":
        if has_aux:
            raise UsageError("jacobian(has_aux=True) in forward mode is jacobian(f, "
                             "mode='forward', has_aux=True) or jacfwd(f, has_aux=True)")
        if holder is not None:
            holder.array_source = None  # .source: the forward route's code
        if forward is not None:
            return forward(full)
        per_out, aux = forward_jacobian(fn, wrt, full), None
    else:
        per_out, aux = reverse_jacobian(fn, wrt, full, has_aux)
        if holder is not None:
            holder.array_source = _product(fn, wrt, full, has_aux)[0].compiled.source
    shaped = [tuple(js) if many else js[0] for js in per_out]
    jac = shaped[0] if len(shaped) == 1 else tuple(shaped)
    return (jac, aux) if has_aux else jac
