"""``grad(f, mode="forward")`` of a function whose parameters are structures
(pytrees: dicts, lists and tuples of arrays and numbers).

As in reverse mode (``api/pytree_grad.py``), the function is flattened on
the AST for the structure of the call (one parameter per leaf,
frontend/pytrees.py); its tangent function along the differentiated leaves
is compiled by the array forward pipeline (``arrays/forward.py``) for the
leaves' shapes, run once per element of each differentiated leaf, and the
leaf gradients are put back into the structure of the argument.
"""
from __future__ import annotations

import threading

import numpy as np

from ..arrays import forward as forward_arrays
from ..errors import AdcError, UsageError
from ..frontend import varargs
from ..frontend.pytrees import flatten_function
from ..frontend.source import load_live
from ..runtime.deep import deep
from ..runtime.pytrees import flat_values, float_leaves, is_tree, spec
from .forward_arrays import Last, _basis, _split
from .pytree_grad import _flat_signature, bound, call_key, has_tree, prepared

_CACHE: dict = {}
_LOCK = threading.RLock()


def takes(fn, args: tuple) -> bool:
    """Does this call pass a structure of parameters?  (Not ``def f(x, *args)``:
    its ``*args`` values are constants of the call, a tuple but no structure.)"""
    if varargs.has_varargs(fn):
        return False
    values = bound(fn, args, {})
    return values is not None and has_tree(values.values())


@deep
def _compile(fn, indices: tuple, values: dict) -> tuple:
    """``(Compiled, loaded flat tangent function, flat differentiated positions)``."""
    sf = load_live(fn)
    params = [a.arg for a in sf.node.args.args]
    specs = {p: spec(values[p], p) for p in params if is_tree(values[p])}
    flat_sf, trees = flatten_function(sf, specs)
    flat_vals, flat_wrt = [], []
    for i, p in enumerate(params):
        vals = flat_values(values[p]) if p in trees else [values[p]]
        if i in indices:
            flat_wrt += range(len(flat_vals), len(flat_vals) + len(vals))
        flat_vals += vals
    if not flat_wrt:
        raise UsageError("nothing to differentiate: "
                         f"{', '.join(params[i] for i in indices)} holds no arrays or numbers")
    names = [a.arg for a in flat_sf.node.args.args]
    shapes, dtypes = _flat_signature(names, flat_vals)
    mask = tuple(k in flat_wrt for k in range(len(names)))
    mod = forward_arrays.jvp(flat_sf, mask, shapes or {}, dtypes or {}, sf.name + "_jvp")
    code = mod.compiled()
    code.arrays = dict(mod.program.global_arrays)
    return code, code.load(), tuple(flat_wrt)


def _rebuild(like, items):
    """``like``'s structure with its leaves taken in order from the iterator ``items``."""
    if isinstance(like, dict):
        return {k: _rebuild(v, items) for k, v in like.items()}
    if isinstance(like, (list, tuple)):
        out = [_rebuild(v, items) for v in like]
        return out if isinstance(like, list) else tuple(out)
    return next(items)


def grad(fn, indices: tuple, many: bool, with_value: bool, args: tuple, last: Last):
    """The forward-mode gradient for a call with structures among ``args``."""
    values = bound(fn, args, {})
    names = list(values)
    values = prepared(values, {names[i] for i in indices})
    key = (fn, indices, call_key(values))
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is None or not hit[0].fresh():
            hit = _CACHE[key] = _compile(fn, indices, values)
    code, run, flat_wrt = hit
    last.code = code
    flat = [v for n in names for v in (flat_values(values[n]) if is_tree(values[n])
                                       else [values[n]])]
    zeros = [np.zeros(np.shape(flat[k])) if np.ndim(flat[k]) else 0.0 for k in flat_wrt]
    value, leaf_grads = None, []
    for pos, k in enumerate(flat_wrt):
        col = []
        for e in _basis(np.shape(flat[k])):
            outs, dots = _split(run(*flat, *(zeros[:pos] + [e] + zeros[pos + 1:])), 1)
            if len(outs) != 1 or np.ndim(outs[0]):
                raise AdcError(f"{fn.__name__} must return one scalar for grad; use jacobian")
            value = outs[0]
            col.append(float(dots[0]))
        shape = np.shape(flat[k])
        leaf_grads.append(np.array(col).reshape(shape) if shape else col[0])
    items = iter(leaf_grads)
    grads = tuple(_rebuild(values[names[i]], items) if is_tree(values[names[i]])
                  else next(items) for i in indices)
    grads = float_leaves(grads if many else grads[0])
    return (value, grads) if with_value else grads
