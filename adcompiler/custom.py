"""The user's hand on the derivative: ``stop_gradient``, ``custom_vjp`` and
``custom_jvp`` (JAX's conventions; docs/custom_rules.md).

These objects only run when the user's own code runs as plain Python: they
then compute the primal value and nothing else.  The compiler never calls
them.  It reads the source: a call of ``stop_gradient`` is a primitive whose
derivative is zero (``prims/stopgrad.py``); a function decorated with
``@custom_vjp`` or ``@custom_jvp`` is differentiated by the rules that the
module gives it with ``f.defvjp(f_fwd, f_bwd)`` or ``f.defjvp(f_jvp)``
(found in the module's syntax tree, ``frontend/custom_rules.py``), which are
compiled from their source like any other function.
"""
from __future__ import annotations

import functools


def stop_gradient(x):
    """``x`` itself, with derivative zero in every mode (reverse, forward,
    Hessians; numbers and arrays): the compiled derivative treats the value
    as a constant, and the call disappears from the emitted code.  Spell it
    ``adcompiler.stop_gradient`` or import it by name.

    Parameters:
        x: a number or an array.

    Returns:
        ``x`` unchanged (when the user's code runs as plain Python).

    Example:
        >>> def f(x):
        ...     return adcompiler.stop_gradient(x * x) * x
        >>> adcompiler.grad(f)(3.0)  # x * x is a constant 9.0 here
        9.0
    """
    return x


def unwrap(obj):
    """The function a custom object wraps; anything else as it is."""
    return obj.fun if isinstance(obj, _Custom) else obj


class _Custom:
    """A function whose derivative the user gives (base of the two kinds)."""

    kind = ""

    def __init__(self, fun) -> None:
        if not callable(fun):
            raise TypeError(f"@{self.kind} decorates a function, not {fun!r}")
        self.fun = fun
        functools.update_wrapper(self, fun)

    def __call__(self, *args, **kwargs):
        return self.fun(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<{self.kind} function {self.fun.__name__}>"


class custom_vjp(_Custom):  # noqa: N801 - JAX's spelling
    """A function with its own reverse-mode rule, JAX's convention:
    ``@custom_vjp`` on ``def f``, then ``f.defvjp(f_fwd, f_bwd)`` at the top
    level of the module.  ``f_fwd(*args)`` returns ``(out, residuals)`` (a
    value or a flat tuple); ``f_bwd(residuals, g)`` returns the tuple of
    cotangents, one per argument of ``f``.  The rules are compiled from their
    source into the emitted code; ``f``'s own body may be unreadable (a SciPy
    routine): the emitted module then carries it as written.  Forward mode
    seeds ``f_bwd`` with unit adjoints (rows of the Jacobian) when ``f_bwd``
    is linear in ``g`` (checked; otherwise refused at the line where it is
    not).  See docs/custom_rules.md.

    Parameters:
        fun: the function (used as a decorator).

    Returns:
        A callable that runs ``fun``; ``.defvjp(f_fwd, f_bwd)`` gives the rules.

    Example:
        >>> import math
        >>> @adcompiler.custom_vjp
        ... def clip_gradient(x):
        ...     return x
        >>> def clip_gradient_fwd(x):
        ...     return x, None
        >>> def clip_gradient_bwd(res, g):
        ...     return (min(max(g, -1.0), 1.0),)
        >>> clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)
        >>> def f(x):
        ...     return 5.0 * clip_gradient(x)
        >>> adcompiler.grad(f)(2.0)  # the adjoint 5.0 is clipped to 1.0
        1.0
    """

    kind = "custom_vjp"

    def __init__(self, fun) -> None:
        super().__init__(fun)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd) -> None:
        self.fwd, self.bwd = fwd, bwd


class custom_jvp(_Custom):  # noqa: N801 - JAX's spelling
    """A function with its own forward-mode rule, JAX's convention:
    ``@custom_jvp`` on ``def f``, then ``f.defjvp(f_jvp)`` at the top level
    of the module (or ``@f.defjvp`` on the rule).  ``f_jvp(primals,
    tangents)`` takes two tuples and returns ``(out, out_tangent)``.
    Reverse mode transposes the rule when its tangent is linear in the
    tangents (checked; a rule that is not is refused at its line), calling
    it once per argument.  See docs/custom_rules.md.

    Parameters:
        fun: the function (used as a decorator).

    Returns:
        A callable that runs ``fun``; ``.defjvp(rule)`` gives the rule.

    Example:
        >>> import math
        >>> @adcompiler.custom_jvp
        ... def log1pexp(x):
        ...     return math.log(1.0 + math.exp(x))
        >>> @log1pexp.defjvp
        ... def log1pexp_jvp(primals, tangents):
        ...     x, = primals
        ...     t, = tangents
        ...     out = max(x, 0.0) + math.log1p(math.exp(-abs(x)))
        ...     return out, t / (1.0 + math.exp(-x))
        >>> adcompiler.grad(log1pexp)(1000.0)  # the naive rule overflows
        1.0
    """

    kind = "custom_jvp"

    def __init__(self, fun) -> None:
        super().__init__(fun)
        self.jvp = None

    def defjvp(self, jvp):
        self.jvp = jvp
        return jvp
