"""``jvp``, ``hvp``, ``hessian`` and ``jacobian`` of a function whose
parameters are structures (pytrees: dicts, lists and tuples of arrays and
numbers), JAX's conventions.

A call is compiled for its structure: the function is flattened on the AST
(frontend/pytrees.py, one parameter per leaf) and wrapped as a :class:`Flat`
function, which the array transforms (``api/forward_arrays.py``,
``api/jacobians.py``) compile as they compile any function of arrays.  The
leaf results are then put back into the structure of the arguments:
``jvp`` takes tangents of the primals' structure, ``hvp`` returns one
structure per primal, a Jacobian has the structure of the argument with
leaves of shape ``out.shape + leaf.shape``, and a Hessian nests two of them
(``hessian(f)(params)["W"]["b"]`` has the shape ``W.shape + b.shape``).
"""
from __future__ import annotations

import inspect
import threading

from ..errors import UsageError
from ..frontend.pytrees import flatten_function
from ..frontend.source import load_live
from ..frontend.varargs import has_varargs
from ..runtime.tracebacks import user_facing
from ..runtime.pytrees import flat_values, float_leaves, is_tree, spec
from . import forward_arrays
from .arguments import name_of
from .pytree_grad import bound, has_tree, prepared

_LOCK = threading.RLock()
_FLATS: dict = {}  # (fn, structures) -> Flat


class Flat:
    """``fn`` called with the structures ``specs`` (``((param, spec), ...)``):
    a function of its leaves, one parameter per leaf, whose source is the
    flattened one.  Equal for the same function and structures (the array
    transforms cache their code by it)."""

    def __init__(self, fn, specs: tuple) -> None:
        self.fn, self.specs = fn, specs
        self.__name__ = name_of(fn)
        node = self.adc_load().node
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(a.arg, kind) for a in node.args.args])

    def adc_load(self):
        """The parsed source with each structure replaced by its leaves."""
        return flatten_function(load_live(self.fn), dict(self.specs))[0]

    def __call__(self, *leaves):
        """``fn`` itself, called with the structures rebuilt from their leaves."""
        items, args = iter(leaves), []
        for p in inspect.signature(self.fn).parameters:
            like = dict(self.specs).get(p)
            args.append(next(items) if like is None else _from_spec(like, items))
        return self.fn(*args)

    def __eq__(self, other) -> bool:
        return isinstance(other, Flat) and (self.fn, self.specs) == (other.fn, other.specs)

    def __hash__(self) -> int:
        return hash((Flat, self.fn, self.specs))

    def __repr__(self) -> str:
        return f"<{self.__name__} flattened for its structures>"


def takes(fn, args: tuple, kwargs: dict | None = None) -> bool:
    """Does this call of a user function pass a structure of parameters?"""
    if not inspect.isfunction(fn) or has_varargs(fn):
        return False
    values = bound(fn, args, kwargs or {})
    return values is not None and has_tree(values.values())


class _Call:
    """One call taken apart: ``flat`` (a :class:`Flat`), ``args`` (every
    leaf, in parameter order), ``groups[i]`` (the positions of parameter
    ``i``'s leaves) and ``values`` (the arguments by name, defaults applied)."""

    def __init__(self, fn, args: tuple, kwargs: dict, diff: tuple) -> None:
        values = bound(fn, args, kwargs)
        if values is None:
            inspect.signature(fn).bind(*args, **kwargs)  # Python's TypeError
        names = list(values)
        self.values = prepared(values, {names[i] for i in diff})
        specs = tuple((p, spec(v, p)) for p, v in self.values.items() if is_tree(v))
        with _LOCK:
            key = (fn, specs)
            if key not in _FLATS:
                _FLATS[key] = Flat(fn, specs)
            self.flat = _FLATS[key]
        self.names, self.args, self.groups = names, [], []
        for v in self.values.values():
            leaves = flat_values(v) if is_tree(v) else [v]
            self.groups.append(list(range(len(self.args), len(self.args) + len(leaves))))
            self.args += leaves
        self.wrt = [k for i in diff for k in self.groups[i]]
        if not self.wrt:
            raise UsageError("nothing to differentiate: " + ", ".join(
                names[i] for i in diff) + " holds no arrays or numbers")

    def value(self, i: int):
        return self.values[self.names[i]]

    def rebuild(self, i: int, items):
        """Parameter ``i``'s structure with leaves taken in order from ``items``."""
        return _rebuild(self.value(i), iter(items))

    def rest(self, n: int) -> dict:
        """The leaves of the parameters after the first ``n``, by flat name."""
        start = self.groups[n][0] if n < len(self.groups) else len(self.args)
        params = list(self.flat.__signature__.parameters)
        return {params[k]: self.args[k] for k in range(start, len(self.args))}


def _rebuild(like, items):
    if isinstance(like, dict):
        return {k: _rebuild(v, items) for k, v in like.items()}
    if isinstance(like, (list, tuple)) and is_tree(like):
        out = [_rebuild(v, items) for v in like]
        return out if isinstance(like, list) else tuple(out)
    return next(items)


def _from_spec(node, items):
    """A structure of :func:`runtime.pytrees.spec` filled from ``items``."""
    if node[0] == "leaf":
        return next(items)
    children = [_from_spec(c, items) for c in node[2]]
    if node[0] == "dict":
        return dict(zip(node[1], children))
    return children if node[0] == "list" else tuple(children)


def _skeleton(value):
    """The structure of ``value`` without its leaves (tangents must match it)."""
    if isinstance(value, dict):
        return ("dict", tuple((k, _skeleton(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)) and is_tree(value):
        return (type(value).__name__, tuple(_skeleton(v) for v in value))
    return "leaf"


def _tangent_leaves(call: _Call, tangents: tuple) -> list:
    out = []
    for i, t in enumerate(tangents):
        if _skeleton(t) != _skeleton(call.value(i)):
            raise UsageError(f"the tangent of primal #{i + 1} ({call.names[i]}) must have the "
                             "structure of its primal (the same keys, lengths and nesting)")
        out += flat_values(t) if is_tree(t) else [t]
    return out


# ---------------------------------------------------------------- transforms
def jvp(fn, primals: tuple, tangents: tuple, kwargs: dict | None = None):
    """``(f(*primals), J @ tangents)``, tangents shaped like the primals."""
    if len(primals) != len(tangents):
        raise UsageError(f"jvp needs one tangent per primal ({len(primals)} primals, "
                         f"{len(tangents)} tangents)")
    n = len(primals)
    call = _Call(fn, primals, kwargs or {}, tuple(range(n)))
    m = call.groups[n - 1][-1] + 1 if n else 0
    return forward_arrays.jvp(call.flat, tuple(call.args[:m]),
                              tuple(_tangent_leaves(call, tangents)), kwargs=call.rest(n))


def hvp(fn, primals: tuple, tangents: tuple, kwargs: dict | None = None):
    """``H @ tangents``: one structure like each primal."""
    if len(primals) != len(tangents):
        raise UsageError("hvp needs one tangent per primal")
    n = len(primals)
    call = _Call(fn, primals, kwargs or {}, tuple(range(n)))
    m = call.groups[n - 1][-1] + 1
    flat = forward_arrays.hvp(call.flat, tuple(call.args[:m]),
                              tuple(_tangent_leaves(call, tangents)), kwargs=call.rest(n))
    flat = flat if m > 1 else (flat,)
    hv = tuple(float_leaves(call.rebuild(i, [flat[k] for k in call.groups[i]]))
               for i in range(n))
    return hv[0] if n == 1 else hv


def hessian(fn, indices: tuple, many: bool, args: tuple, last=None):
    """Blocks per pair of leaves, nested as JAX nests them: the structure of
    the row argument, each leaf holding the structure of the column argument."""
    call = _Call(fn, args, {}, indices)
    blocks = forward_arrays.hessian(call.flat, tuple(call.wrt), True, tuple(call.args), last)
    pos = {k: p for p, k in enumerate(call.wrt)}
    rows = tuple(tuple(call.rebuild(i, [call.rebuild(j, [blocks[pos[r]][pos[c]]
                                                         for c in call.groups[j]])
                                        for r in call.groups[i]])
                       for j in indices) for i in indices)
    return rows if many else rows[0][0]


def jacobian(fn, indices: tuple, many: bool, mode: str, args: tuple, kwargs: dict,
             has_aux: bool, holder):
    """Per output, the Jacobian with the structure of each ``wrt`` argument
    (leaves of shape ``out.shape + leaf.shape``); with ``has_aux``, ``(J, aux)``."""
    from .forward_aux import jacobian as aux_jacobian
    from .jacobians import array_jacobian
    call = _Call(fn, args, kwargs, indices)
    wrt, last = tuple(call.wrt), forward_arrays.Last()

    def forward(full):
        result = forward_arrays.jacobian(call.flat, wrt, True, full, last)
        holder.array_source = last.code.source
        return result

    if has_aux and mode == "forward":
        jac, aux = aux_jacobian(call.flat, wrt, True, tuple(call.args), {}, last)
        holder.array_source = last.code.source
    else:
        result = array_jacobian(call.flat, wrt, True, mode, tuple(call.args), has_aux, holder,
                                None if has_aux else forward)
        jac, aux = result if has_aux else (result, None)
    per_out = jac if isinstance(jac[0], tuple) else (jac,)
    pos = {k: p for p, k in enumerate(wrt)}
    shaped = []
    for blocks in per_out:
        row = tuple(call.rebuild(i, [blocks[pos[k]] for k in call.groups[i]]) for i in indices)
        shaped.append(row if many else row[0])
    out = shaped[0] if len(shaped) == 1 else tuple(shaped)
    return (out, aux) if has_aux else out


def vjp(fn, primals: tuple, kwargs: dict | None = None):
    """``(out, vjp_fn)``: ``vjp_fn(cotangent)`` gives one cotangent per
    primal, a structure like it (JAX's convention)."""
    from .jacobians import array_vjp
    n = len(primals)
    call = _Call(fn, primals, kwargs or {}, tuple(range(n)))
    m = call.groups[n - 1][-1] + 1
    out, flat_vjp = array_vjp(call.flat, tuple(call.args[:m]), call.rest(n))

    @user_facing
    def vjp_fn(cotangent):
        bars = flat_vjp(cotangent)
        return tuple(float_leaves(call.rebuild(i, [bars[k] for k in call.groups[i]]))
                     for i in range(n))

    vjp_fn.source = flat_vjp.source
    return out, vjp_fn
