"""Building blocks of the scalar primitives' records.

A scalar (elementwise) record, in :mod:`.arith`, :mod:`.elementary`,
:mod:`.logic` or :mod:`.special`, holds (see :mod:`.record`):

* ``impl``: its value on Python numbers (constant folding, the trace views);
* ``form`` and ``op``: how Python writes it (``'binop'`` and ``ast.Add``,
  ``'call'`` and a name...);
* ``spellings``: the functions the user's code may call for it
  (:func:`spellings`; read by :mod:`.spelling`);
* ``partial``: its derivative rule, beside it in the same module;
* ``sympy``: its sympy form (the swell study; :func:`sp`);
* ``dtype`` ('float', 'int' or None: follows the arguments) and ``memory``;
* ``domain``: one ``(low, high)`` per argument, where the systematic test
  (tests/test_registry_systematic.py) checks the derivative;
* ``formula``: for a primitive defined by other primitives (:mod:`.formula`);
* ``extra['lower_call']``: ``(builder, args, ns) -> atom or None``, a call
  the lowering writes otherwise (``math.log(x, base)``, ``max(a, b, c)``).
* ``extra['integer_args']``: positions of arguments that only take integers
  (``polygamma``'s order): their partial is zero by convention, and the
  systematic test takes no central difference in them.

A derivative rule ``partial(b, e, i, g)`` builds, as IR into the builder
``b``, the product of ``d e.out / d e.args[i]`` with a seed ``g`` (forward
mode seeds it with ``xi_dot``, reverse mode with ``out_bar``: the local
Jacobian of an elementwise primitive is diagonal, so one expression serves
both).  It returns ``None`` where the partial is identically zero.  The
helpers here keep those rules one line each.
"""
from __future__ import annotations

from ..core.ir import Builder, Const, Eqn


def fn(b: Builder, e: Eqn, name: str, *args):
    """Call an elementary function in the namespace the user's code used
    (``np.cos`` in the rule of ``np.sin``, ``math.cos`` in that of ``math.sin``)."""
    ns = e.param("ns", "math")
    return b.eqn(name, *args, ns=ns if ns in ("math", "np") else "math")


def neg(b, x):
    return b.eqn("neg", x)


def mul(b, x, y):
    return b.eqn("mul", x, y)


def div(b, x, y):
    return b.eqn("div", x, y)


def rdiv(b, x, y):
    """x / y where y may reach 0 at the edge of a domain: inf/nan, never a
    crash (``ieee=True``: IEEE division on Python floats, see :mod:`.arith`)."""
    return b.eqn("div", x, y, ieee=True)


def add(b, x, y):
    return b.eqn("add", x, y)


def sq(b, x):
    return b.eqn("mul", x, x)


def one_minus_sq(b, x):
    return b.eqn("sub", Const(1.0), sq(b, x))


def zero(b, e, i, g):
    """The partial of a piecewise-constant primitive (comparisons, ``int``,
    ``floor``, the tie weights): zero wherever it exists (documented)."""
    return None


def identity(b, e, i, g):
    return g


def chosen_side(prim: str):
    """Rule of ``select(c, x, y)`` / ``np.where(c, x, y)``: the derivative
    flows to the side that was taken (the condition has none)."""
    def rule(b, e, i, g):
        if i == 0:
            return None
        c, nothing = e.args[0], Const(0.0)
        return b.eqn(prim, c, g, nothing) if i == 1 else b.eqn(prim, c, nothing, g)
    return rule


def sp(name: str):
    """The sympy function ``name`` (sympy loads only when the swell study runs)."""
    def form(*args):
        import sympy
        return getattr(sympy, name)(*args)
    form.__name__ = f"sympy_{name}"
    return form


def spellings(math=None, np=None, builtin=None, **modules) -> dict:
    """A record's ``spellings``: the name under each namespace (a tuple: more
    than one; the first is the one emitted code uses)."""
    out = {"math": math, "np": np, "builtin": builtin}
    out.update(modules)
    return {ns: names for ns, names in out.items() if names}
