"""Array primitives (NumPy programs): loads their records.

Elementwise functions are the scalar primitives themselves (``ns='np'``).
The *structural* ones (reductions, linear algebra, shapes, indexing, and the
helpers that adjoint code needs) each have one record, holding everything
the pipeline knows of them, in a small module by kind:

* :mod:`.linalg`: ``matmul``, ``transpose``, ``outer``, ``trace``, ``norm``;
* :mod:`.reductions`: ``sum``, ``mean``, ``amax``, ``amin``, ``prod``;
* :mod:`.shaping`: ``reshape``, ``expand_dims``, ``concatenate``, ``stack``,
  and the elementwise ``where`` and ``copy``;
* :mod:`.queries`: ``len``, ``shape``, ``size``, ``ndim``, ``zeros_like``,
  ``eye_like``;
* :mod:`.indexing`: ``index``, ``intarray``, ``global``;
* :mod:`.adjoint_helpers`: ``index_add``, ``unbroadcast``, ``unsum``,
  ``expand_red``, ``reshape_like``.

:mod:`.structural` says what such a record holds; :mod:`.derive` builds the
derivative of linear and bilinear ones.
"""
from __future__ import annotations

from dataclasses import replace

from . import adjoint_helpers, indexing, linalg, queries, reductions, shaping  # noqa: F401
from .record import REGISTRY
from .shapecalc import index_items  # noqa: F401  (historical home)

# Memory behaviour of the scalar primitives applied to arrays, until their
# records (primitives.py) declare it themselves.  Undeclared counts as 'view'.
_SCALAR_MEMORY = {
    "fresh": ("add", "sub", "mul", "div", "pow", "neg", "sin", "cos", "tan", "asin", "acos",
              "atan", "atan2", "sinh", "cosh", "tanh", "exp", "expm1", "log", "log1p", "log2",
              "log10", "sqrt", "hypot", "abs", "max", "min", "sign", "max_weight"),
    "value": ("floordiv", "mod", "lt", "le", "gt", "ge", "eq", "ne", "not", "int", "round",
              "floor", "ceil", "keep_weight", "new_tape", "tape_len"),
}
for _memory, _names in _SCALAR_MEMORY.items():
    for _name in _names:
        if _name in REGISTRY and REGISTRY[_name].memory is None:
            REGISTRY[_name] = replace(REGISTRY[_name], memory=_memory)
