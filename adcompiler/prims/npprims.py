"""Array primitives (NumPy programs): loads their records.

Elementwise functions are the scalar primitives themselves (``ns='np'``).
The *structural* ones (reductions, linear algebra, shapes, indexing, and the
helpers that adjoint code needs) each have one record, holding everything
the pipeline knows of them, in a small module by kind:

* :mod:`.linalg`: ``matmul``, ``transpose``, ``outer``, ``trace``, ``norm``;
* :mod:`.linalg_more`: ``inv``, ``solve``, ``det``, ``logabsdet`` (and
  ``slogdet_sign``), ``cholesky``, ``eigvalsh``, ``tril``, ``triu``;
  :mod:`.einsum`: ``einsum``;
* :mod:`.reductions`: ``sum``, ``mean``, ``amax``, ``amin``, ``prod``;
  :mod:`.statistics`: ``var``, ``std``;
* :mod:`.cumulative`: ``cumsum``, ``cumprod``, ``diff``, ``pad``, ``roll``,
  ``flip``; :mod:`.stacking`: ``hstack``, ``vstack``, ``atleast_1d/2d/3d``,
  ``tile``, ``repeat``, ``meshgrid``;
* :mod:`.integrate`: ``trapezoid``, ``linspace``, ``arange``;
  :mod:`.polynomial`: ``polyval``, ``interp``, ``searchsorted``;
  :mod:`.ordering`: ``sort``, ``argsort``, ``argmax``, ``argmin``;
* :mod:`.shaping`: ``reshape``, ``expand_dims``, ``concatenate``, ``stack``,
  and the elementwise ``where`` and ``copy``;
* :mod:`.queries`: ``len``, ``shape``, ``size``, ``ndim``, ``zeros_like``,
  ``eye_like``;
* :mod:`.indexing`: ``index``, ``intarray``, ``global``; :mod:`.writes`:
  ``setitem`` (``out[idx] = v``); :mod:`.triangles`: ``triu_indices``,
  ``tril_indices``;
* :mod:`.adjoint_helpers`: ``index_add``, ``unbroadcast``, ``unsum``,
  ``expand_red``, ``reshape_like``.

:mod:`.structural` says what such a record holds; :mod:`.derive` builds the
derivative of linear and bilinear ones.
"""
from __future__ import annotations

from . import (adjoint_helpers, builders, cumulative, einsum, indexing, linalg, queries,  # noqa: F401
               writes,
               integrate, linalg_more, ordering, polynomial, reductions, shaping, stacking,
               softmax, statistics, triangles)
from .shapecalc import index_items  # noqa: F401  (historical home)
