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
    """``x`` itself, with derivative zero in every mode: the compiled
    derivative treats the value as a constant (and the call disappears from
    the emitted code)."""
    return x


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
    """``@custom_vjp`` then ``f.defvjp(f_fwd, f_bwd)``: ``f_fwd(*args)``
    returns ``(out, residuals)`` and ``f_bwd(residuals, g)`` the tuple of
    cotangents, one per argument of ``f``."""

    kind = "custom_vjp"

    def __init__(self, fun) -> None:
        super().__init__(fun)
        self.fwd = self.bwd = None

    def defvjp(self, fwd, bwd) -> None:
        self.fwd, self.bwd = fwd, bwd


class custom_jvp(_Custom):  # noqa: N801 - JAX's spelling
    """``@custom_jvp`` then ``f.defjvp(f_jvp)`` (or ``@f.defjvp`` on the
    rule): ``f_jvp(primals, tangents)`` returns ``(out, out_tangent)``."""

    kind = "custom_jvp"

    def __init__(self, fun) -> None:
        super().__init__(fun)
        self.jvp = None

    def defjvp(self, jvp):
        self.jvp = jvp
        return jvp
