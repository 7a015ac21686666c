"""``grad`` of a function whose parameters are structures (pytrees).

A call with a dict, or a list or tuple holding arrays or dicts, is compiled
for its structure (keys, lengths, nesting, leaf shapes and kinds: part of the
call signature, like shapes): the function is flattened on the AST
(frontend/pytrees.py), its gradient compiled as usual, and a wrapper packing
the leaf gradients into the same structure is emitted with it
(emit/packing.py).  ``wrt`` selects top-level parameters, as for arrays.
"""
from __future__ import annotations

import inspect
import threading

import numpy as np

from ..compiler import Compiled, _gc_paused, _header_line, emit_module, reverse_module
from ..arrays.context import shape_and_kind, split_signature
from ..emit.packing import flat_count, wrapper
from ..errors import UsageError
from ..frontend.pytrees import flatten_function, leaves
from ..frontend.source import load_live
from ..runtime.deep import deep
from ..runtime.pytrees import flat_values, float_leaves, is_tree, made_real, needs_real, spec
from ..runtime.realargs import as_real, needs_conversion, refuse_complex
from ..runtime.watch import watch
from ..transform import checkpointing

_CACHE: dict = {}
_LOCK = threading.RLock()


def bound(fn, args: tuple, kwargs: dict) -> dict | None:
    """``{name: value}`` for a call (defaults applied), or None when Python
    would refuse the call (the plain path then reports it).  A call passing
    every parameter by position skips ``inspect`` (the common case)."""
    code = getattr(fn, "__code__", None)
    if not kwargs and code is not None and code.co_argcount == len(args) and \
            not code.co_kwonlyargcount and not code.co_flags & 0x0C:  # no *args, **kw
        return dict(zip(code.co_varnames, args))
    try:
        ba = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return None
    ba.apply_defaults()
    return dict(ba.arguments)


def has_tree(values) -> bool:
    return any(is_tree(v) for v in values)


def call_key(values: dict) -> tuple:
    """What the compiled code depends on: each argument's structure and leaf
    kinds, shapes and dtypes (trees), or its type and shape (other values)."""
    key = []
    for name, value in values.items():
        if is_tree(value):
            key.append(("tree", spec(value, name)))
        elif hasattr(value, "shape") and hasattr(value, "dtype"):
            key.append((value.shape, value.dtype.char))
        elif isinstance(value, (list, tuple)):  # numbers: converted, its shape matters
            key.append((type(value), repr(value) if _ragged(value) else np.shape(value)))
        else:
            key.append(type(value))
    return tuple(key)


def _ragged(value) -> bool:
    try:
        np.shape(value)
    except ValueError:
        return True
    return False


def prepared(values: dict, wrt_names: set) -> dict:
    """The arguments as the emitted code receives them: differentiated
    structures with float leaves, other differentiated values as
    realargs.py converts them; complex values refused."""
    refuse_complex(list(values), list(values.values()))
    out = {}
    for name, value in values.items():
        if name in wrt_names and is_tree(value):
            value = made_real(value, name) if needs_real(value) else value
        elif name in wrt_names and needs_conversion(value):
            value = as_real(value, name)
        out[name] = value
    return out


def _flat_signature(flat_params: list, flat_vals: list):
    """``(shapes, dtypes)`` of the flat function's arguments, as
    :func:`arrays.context.signature` gives them (None: all scalars)."""
    sig = [(name,) + shape_and_kind(value) for name, value in zip(flat_params, flat_vals)]
    return split_signature(None if all(s == () for _, s, _ in sig) else tuple(sig))


def compiled(fn, indices: tuple, many: bool, with_value: bool, values: dict,
             key: tuple, checkpoints=None) -> tuple:
    """The compiled gradient (wrapper and flat function) for calls like
    ``values`` (cached by ``key``; compiled again when a global it read changed)."""
    cache_key = (fn, indices, many, with_value, key, checkpoints)
    with _LOCK:
        hit = _CACHE.get(cache_key)
        if hit is None or not hit[0].fresh():
            with checkpointing.default(checkpoints):
                result = _compile(load_live(fn), indices, many, with_value, values)
            hit = (result, result.load())
            _CACHE[cache_key] = hit
    return hit


@deep
def _compile(sf, indices: tuple, many: bool, with_value: bool, values: dict) -> Compiled:
    params = [a.arg for a in sf.node.args.args]
    specs = {p: spec(values[p], p) for p in params if is_tree(values[p])}
    flat_sf, trees = flatten_function(sf, specs)
    if flat_count(trees, params, indices) == 0:
        names = ", ".join(params[i] for i in indices)
        raise UsageError(f"nothing to differentiate: {names} holds no arrays or numbers")
    flat_params, flat_vals, flat_wrt = [], [], []
    for i, p in enumerate(params):
        if p in trees:
            names = [leaf.name for leaf in leaves(trees[p])]
            vals = flat_values(values[p])
        else:
            names, vals = [p], [values[p]]
        if i in indices:
            flat_wrt += range(len(flat_params), len(flat_params) + len(names))
        flat_params += names
        flat_vals += vals
    shapes, dtypes = _flat_signature(flat_params, flat_vals)
    suffix = "_value_and_grad" if with_value else "_grad"
    name, flat_name = sf.name + suffix, sf.name + suffix + "_flat"
    with _gc_paused():
        functions, program = reverse_module(flat_sf, tuple(flat_wrt), with_value, flat_name,
                                            shapes, dtypes)
        wrap = wrapper(name, functions[0].name, params, trees, indices, many, with_value)
        source = emit_module(functions, program, _header_line(sf, indices, with_value),
                             extra=(wrap,))
    return Compiled(source, name, tuple(functions), watch(program),
                    dict(program.global_arrays))


def call(derivative, args: tuple, kwargs: dict, run: bool = True):
    """Call ``derivative`` (an api.Derivative) with structures among the
    arguments; None when there is none (the plain path handles the call).
    ``run=False`` compiles only (``derivative._last`` is the code)."""
    values = bound(derivative.fn, args, kwargs)
    if values is None or not has_tree(values.values()):
        return None
    key = call_key(values)  # of the values as given: conversions depend on types only
    entry = derivative._trees.get(key)
    if entry is None or not entry[0].fresh():
        names = list(values)
        real = prepared(values, {names[i] for i in derivative._indices})
        convert = any(real[k] is not values[k] for k in values)
        entry = derivative._trees[key] = compiled(
            derivative.fn, derivative._indices, derivative._tuple, derivative.with_value,
            real, call_key(real), derivative.checkpoints) + (convert,)
        values = real
    elif entry[2]:
        names = list(values)
        values = prepared(values, {names[i] for i in derivative._indices})
    derivative._last = entry[0]
    if not run:
        return entry[0]
    result = entry[1](*values.values())
    if derivative.with_value:
        return result[0], float_leaves(result[1])
    return float_leaves(result)
