"""More of ``np.linalg``: ``inv``, ``solve``, ``det``, ``slogdet``,
``cholesky``, ``eigvalsh``; and ``np.tril``/``np.triu``, which the rules of
the symmetric ones use.  Square 2-d matrices (no stacks of them).

``cholesky`` and ``eigvalsh`` read only the lower triangle of their
argument (NumPy's default), so their derivative with respect to an entry
above the diagonal is 0: the jvp symmetrises the tangent's lower triangle
(``sym_lower``), the vjp applies the transpose of that.  ``det``, ``slogdet``
and ``inv`` of a singular matrix have no derivative: the rules then raise
``LinAlgError`` from the solve, as the primal does.  ``eigvalsh``'s
derivative is that of distinct eigenvalues (repeated ones have none).
"""
from __future__ import annotations

import ast

import numpy as np

from ..core.ir import Const
from .derive import linear
from .shapecalc import SCALAR, ShapeNeeded
from .structural import Fields, Signature, define, ndim, np_call


def _square(r, n: int):
    """A well-conditioned ``n x n`` matrix (``det`` away from 0)."""
    return r.uniform(-1, 1, size=(n, n)) + n * np.eye(n)


def _spd(r, n: int):
    """A symmetric positive definite matrix with distinct eigenvalues."""
    q = r.uniform(-1, 1, size=(n, n))
    return q @ q.T + np.diag(np.arange(1.0, n + 1))


def _mm(b, x, y):
    return b.eqn("matmul", x, y)


def _t(b, x):
    return b.eqn("transpose", x)


# ---------------------------------------------------------------- tril, triu
def _tri(name: str):
    def bar(b, e, i, g, shape):  # masking is its own transpose
        return b.eqn(name, g, k=e.param("k", 0))
    bar.__name__ = f"{name}_bar"
    fn = getattr(np, name)
    define(name, 1, array_only=True, memory="fresh", spellings={"np": (name,), "array_api": (name,)},
           impl=lambda x, k=0, **_: fn(x, k=k), shape=lambda e, args, dtype: args[0],
           extra={"lower": Signature(("m",), {"k": 0}, ints=("k",)),
                  "emit": lambda kit, e, args: kit.call(
                      kit.np(name), args, {"k": kit.const(e.param("k"))} if e.param("k") else {})},
           **linear(bar),
           domain=(lambda r: ((_square(r, 3),), {"k": 0}), lambda r: ((_square(r, 4),), {"k": -1}),
                   lambda r: ((r.uniform(size=(2, 3)),), {"k": 1})))


_tri("tril")
_tri("triu")


def sym_lower(b, t):
    """The symmetric matrix a lower-triangle reader sees: ``tril(t) + tril(t, -1).T``."""
    return b.eqn("add", b.eqn("tril", t, k=0), _t(b, b.eqn("tril", t, k=-1)))


def sym_lower_bar(b, m):
    """The transpose of :func:`sym_lower`: ``tril(m) + tril(m.T, -1)``."""
    return b.eqn("add", b.eqn("tril", m, k=0), b.eqn("tril", _t(b, m), k=-1))


def _matrices(e, args) -> None:
    """The rules are those of one 2-d matrix (a stack of them is refused)."""
    if args[0] is not None and len(args[0]) != 2:
        raise ShapeNeeded(e.args[0], f"np.linalg.{_NP_NAME.get(e.prim, e.prim)} of an array "
                          f"of {len(args[0])} dimensions is not supported (one 2-d matrix is)")


_NP_NAME = {"logabsdet": "slogdet", "eigh_vectors": "eigh"}


def _checked(rule):
    """``rule`` after :func:`_matrices`."""
    def shape(e, args, dtype):
        _matrices(e, args)
        return rule(e, args, dtype)
    return shape


@_checked
def _square_shape(e, args, dtype):
    return args[0]


def _define(name, nargs, np_name, shape, rules, domain, memory="fresh", **facts):
    define(name, nargs, array_only=True, memory=memory, dtype="float",
           spellings={"np": (f"linalg.{np_name}",),  # the standard's linalg extension
                      "array_api": (f"linalg.{np_name}",)} if np_name else {},
           impl=(lambda f: lambda *xs, **_: f(*xs))(getattr(np.linalg, np_name or name)),
           shape=shape, extra={"lower": Signature(("a", "b")[:nargs],
                                                  label=f"np.linalg.{np_name}"),
                               "emit": np_call(f"linalg.{np_name}"), **facts.pop("extra", {})},
           **rules, domain=domain, **facts)


# ---------------------------------------------------------------- inv
def _inv_bar(b, e, i, g, shape):
    """``-Y.T @ g @ Y.T`` (``Y = inv(A)``)."""
    yt = _t(b, e.out)
    return b.eqn("neg", _mm(b, _mm(b, yt, g), yt))


def _inv_jvp(b, e, tangents, shape):
    t = tangents[0]
    return None if t is None else b.eqn("neg", _mm(b, _mm(b, e.out, t), e.out))


_define("inv", 1, "inv", _square_shape, {"jvp": _inv_jvp, "vjp": _inv_bar},
        (lambda r: ((_square(r, 3),), {}), lambda r: ((_square(r, 1),), {})))


# ---------------------------------------------------------------- solve
def _solve_jvp(b, e, tangents, shape):
    """``solve(A, db - dA @ x)``."""
    ta, tb = tangents
    if ta is None and tb is None:
        return None
    rhs = None if ta is None else b.eqn("neg", _mm(b, ta, e.out))
    rhs = tb if rhs is None else rhs if tb is None else b.eqn("add", tb, rhs)
    return b.eqn("solve", e.args[0], rhs)


def _solve_vjp(b, e, i, g, shape):
    """``b_bar = solve(A.T, g)``, ``A_bar = -b_bar x.T``."""
    b_bar = b.eqn("solve", _t(b, e.args[0]), g)
    if i == 1:
        return b_bar
    prod = "outer" if ndim(shape, e.args[1]) == 1 else "matmul"
    x = e.out if prod == "outer" else _t(b, e.out)
    return b.eqn("neg", b.eqn(prod, b_bar, x))


_define("solve", 2, "solve", _checked(lambda e, args, dtype: args[1]),
        {"jvp": _solve_jvp, "vjp": _solve_vjp},
        (lambda r: ((_square(r, 3), r.uniform(-1, 1, size=3)), {}),
         lambda r: ((_square(r, 3), r.uniform(-1, 1, size=(3, 2))), {})))


# ---------------------------------------------------------------- det, slogdet
def _inv_trace(b, e, t):
    """``trace(solve(A, dA))``: the derivative of ``log|det A|``."""
    return b.eqn("trace", b.eqn("solve", e.args[0], t))


def _det_jvp(b, e, tangents, shape):
    t = tangents[0]
    return None if t is None else b.eqn("mul", e.out, _inv_trace(b, e, t))


def _det_vjp(b, e, i, g, shape):
    """``g * det(A) * inv(A).T``."""
    return b.eqn("mul", b.eqn("mul", g, e.out), _t(b, b.eqn("inv", e.args[0])))


def _logdet_jvp(b, e, tangents, shape):
    t = tangents[0]
    return None if t is None else _inv_trace(b, e, t)


def _logdet_vjp(b, e, i, g, shape):
    return b.eqn("mul", g, _t(b, b.eqn("inv", e.args[0])))


_SQUARES = (lambda r: ((_square(r, 3),), {}), lambda r: ((-_square(r, 2),), {}),
            lambda r: ((_square(r, 1),), {}))
_define("det", 1, "det", _checked(lambda e, args, dtype: SCALAR),
        {"jvp": _det_jvp, "vjp": _det_vjp}, _SQUARES, memory="value")


def _slogdet_part(k: int):
    def emit(kit, e, args):
        call = kit.call(kit.np("linalg.slogdet"), args)
        return ast.Subscript(call, kit.const(k), ast.Load())
    return emit


def _lower_slogdet(lowering, node, args, keywords, env, b):
    """``sign, logabsdet = np.linalg.slogdet(A)``: a tuple of two primitives
    (the sign is piecewise constant: no derivative)."""
    if len(args) != 1 or keywords:
        raise lowering.sf.error("np.linalg.slogdet takes one matrix", node, "np.linalg.slogdet")
    a = lowering.lw.scalar(args[0], env, b)
    return Fields((b.eqn("slogdet_sign", a), b.eqn("logabsdet", a)), ("sign", "logabsdet"),
                  since=(2, 0))  # a named tuple since NumPy 2.0


define("logabsdet", 1, array_only=True, memory="value", dtype="float",
       spellings={"np": ("linalg.slogdet",), "array_api": ("linalg.slogdet",)},
       impl=lambda a, **_: np.linalg.slogdet(a)[1], shape=_checked(lambda e, args, dtype: SCALAR),
       extra={"lower": Signature(build=_lower_slogdet, label="np.linalg.slogdet"),
              "emit": _slogdet_part(1)},
       jvp=_logdet_jvp, vjp=_logdet_vjp, domain=_SQUARES)
define("slogdet_sign", 1, differentiable=False, array_only=True, memory="value",
       spellings={"array_api": ("linalg.slogdet",)},
       dtype="float", impl=lambda a, **_: np.linalg.slogdet(a)[0],
       shape=lambda e, args, dtype: SCALAR, extra={"emit": _slogdet_part(0)})


# ---------------------------------------------------------------- cholesky
def _half_lower(b, x):
    """``Phi(x)``: the lower triangle with the diagonal halved."""
    both = b.eqn("add", b.eqn("tril", x, k=0), b.eqn("tril", x, k=-1))
    return b.eqn("mul", both, Const(0.5))


def _cholesky_jvp(b, e, tangents, shape):
    """``dL = L Phi(L^-1 dA L^-T)``, ``dA`` as the lower triangle sees it."""
    t = tangents[0]
    if t is None:
        return None
    low = e.out
    inner = b.eqn("solve", low, _t(b, b.eqn("solve", low, sym_lower(b, t))))
    return _mm(b, low, _half_lower(b, inner))


def _cholesky_vjp(b, e, i, g, shape):
    """The transpose: ``L^-T Phi(L^T g) L^-1``, then onto the lower triangle."""
    lt = _t(b, e.out)
    left = b.eqn("solve", lt, _half_lower(b, _mm(b, lt, g)))
    return sym_lower_bar(b, _t(b, b.eqn("solve", lt, _t(b, left))))


_define("cholesky", 1, "cholesky", _square_shape,
        {"jvp": _cholesky_jvp, "vjp": _cholesky_vjp},
        (lambda r: ((_spd(r, 3),), {}), lambda r: ((_spd(r, 1),), {}),
         lambda r: ((_spd(r, 4),), {})))


# ---------------------------------------------------------------- eigvalsh
def _eigvalsh_jvp(b, e, tangents, shape):
    """``dw_k = v_k^T dA v_k``."""
    t = tangents[0]
    if t is None:
        return None
    v = b.eqn("eigh_vectors", e.args[0])
    return b.eqn("sum", b.eqn("mul", v, _mm(b, sym_lower(b, t), v)), axis=0, keepdims=False)


def _eigvalsh_vjp(b, e, i, g, shape):
    """``V diag(g) V^T``, onto the lower triangle."""
    v = b.eqn("eigh_vectors", e.args[0])
    return sym_lower_bar(b, _mm(b, b.eqn("mul", v, g), _t(b, v)))


_define("eigvalsh", 1, "eigvalsh", _checked(lambda e, args, dtype: None if args[0] is None
        else args[0][:1]), {"jvp": _eigvalsh_jvp, "vjp": _eigvalsh_vjp},
        (lambda r: ((_spd(r, 3),), {}), lambda r: ((_spd(r, 2),), {})))


def _eigh_vectors_emit(kit, e, args):
    return ast.Subscript(kit.call(kit.np("linalg.eigh"), args), kit.const(1), ast.Load())


define("eigh_vectors", 1, differentiable=False, array_only=True, memory="value",
       dtype="float", impl=lambda a, **_: np.linalg.eigh(a)[1], shape=_square_shape,
       spellings={"array_api": ("linalg.eigh",)}, extra={"emit": _eigh_vectors_emit})
