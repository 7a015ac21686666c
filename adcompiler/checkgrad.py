"""``check_grad``: compare the emitted gradient with central differences.

Users run it on their own functions (like ``torch.autograd.gradcheck`` or
``jax.test_util.check_grads``) to confirm a gradient before trusting it:

    >>> report = check_grad(f, 1.3, 0.7)
    >>> report.ok, report.worst
    >>> print(report)

Forward mode (and any other mode registered with :func:`register_mode`) is
compared with reverse mode at the same point, so one call checks reverse mode
against central differences *and* the modes against each other; the report
names the worst component.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .errors import AdcError, UsageError

def _forward(f, args, wrt) -> tuple:
    from .api import grad
    return _flat(grad(f, wrt=tuple(wrt), mode="forward")(*args))


#: name -> gradient_fn(f, args, wrt) -> tuple of derivatives, each compared
#: with reverse mode (the emitted code ``grad`` runs)
MODES: dict = {"forward": _forward}


def register_mode(name: str, gradient_fn: Callable) -> None:
    """Make ``check_grad`` compare mode ``name`` with reverse mode."""
    MODES[name] = gradient_fn


@dataclass
class Component:
    """One partial derivative compared two ways."""

    name: str  # parameter name
    emitted: float  # reverse mode, the emitted code
    reference: float  # central difference (or the other mode)
    against: str  # "central difference" or a mode name

    @property
    def abs_error(self) -> float:
        if self.emitted == self.reference:  # also equal infinities
            return 0.0
        return abs(self.emitted - self.reference)

    @property
    def rel_error(self) -> float:
        scale = max(abs(self.emitted), abs(self.reference))
        return self.abs_error / scale if scale else 0.0


@dataclass
class GradCheck:
    """The result of :func:`check_grad`; true when every component agrees.

    Parameters:
        function: the function's name.
        point: the arguments.
        components: one ``Component`` (name, emitted, reference, against) per
            compared partial derivative.
        rtol, atol: the tolerance used.

    Returns:
        (a class) ``bool(check)``, ``.ok``, ``.worst``, ``str(check)``.

    Example:
        >>> def f(x):
        ...     return x * x
        >>> check = adcompiler.check_grad(f, 3.0)
        >>> isinstance(check, adcompiler.GradCheck), check.ok, check.worst.emitted
        (True, True, 6.0)
    """

    function: str
    point: tuple
    components: list = field(default_factory=list)
    rtol: float = 1e-5
    atol: float = 1e-7
    notes: list = field(default_factory=list)  # modes that could not be compared, and why

    def agrees(self, c: Component) -> bool:
        if math.isnan(c.emitted) or math.isnan(c.reference):
            return math.isnan(c.emitted) and math.isnan(c.reference)
        return c.abs_error <= self.atol + self.rtol * abs(c.reference)

    @property
    def ok(self) -> bool:
        return all(self.agrees(c) for c in self.components)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def worst(self) -> Component | None:
        """The component furthest outside (or least inside) its tolerance."""
        def key(c: Component) -> tuple:
            ratio = c.abs_error / (self.atol + self.rtol * abs(c.reference))
            return (not self.agrees(c), _finite(ratio))
        return max(self.components, key=key) if self.components else None

    def __str__(self) -> str:
        verdict = "OK" if self.ok else "MISMATCH"
        lines = [f"check_grad {self.function} at {self.point}: {verdict} "
                 f"(rtol={self.rtol:g}, atol={self.atol:g})",
                 f"  {'parameter':<12} {'emitted':>22} {'reference':>22} {'abs err':>10} "
                 f"{'rel err':>10}  against"]
        for c in self.components:
            mark = "  " if self.agrees(c) else "!!"
            lines.append(f"{mark}{c.name:<12} {c.emitted:>22.15g} {c.reference:>22.15g} "
                         f"{c.abs_error:>10.2e} {c.rel_error:>10.2e}  {c.against}")
        w = self.worst
        if w is not None:
            lines.append(f"  worst: d/d{w.name} against {w.against}: abs error {w.abs_error:.3g}, "
                         f"rel error {w.rel_error:.3g}")
            lines.append("  d/d" + w.name + ": " + ", ".join(
                f"{k} {v:.15g}" for k, v in self.values(w.name).items()))
        lines += [f"  not compared: {note}" for note in self.notes]
        return "\n".join(lines)


    def values(self, name: str) -> dict:
        """Every value compared for component ``name`` (``x`` or ``x[1, 2]``):
        ``{"reverse mode": ..., "central difference": ..., "forward mode": ...}``."""
        out: dict = {}
        for c in self.components:
            if c.name == name:
                out.setdefault("reverse mode", c.emitted)
                out[c.against] = c.reference
        return out

    def __repr__(self) -> str:  # a terminal shows the table too
        return str(self)

    def _repr_html_(self) -> str:
        from .runtime.display import html_table
        verdict = "OK" if self.ok else "MISMATCH"
        rows = [(c.name, f"{c.emitted:.15g}", f"{c.reference:.15g}", f"{c.abs_error:.2e}",
                 f"{c.rel_error:.2e}", c.against, "yes" if self.agrees(c) else "NO")
                for c in self.components]
        marks = {i for i, c in enumerate(self.components) if not self.agrees(c)}
        caption = (f"check_grad {self.function} at {self.point}: {verdict} "
                   f"(rtol={self.rtol:g}, atol={self.atol:g})")
        return html_table(("parameter", "emitted", "reference", "abs err", "rel err",
                           "against", "agrees"), rows, caption, right=(1, 2, 3, 4), marks=marks)


def _finite(v: float) -> float:
    return 1e308 if math.isnan(v) or math.isinf(v) else v


def _flat(values) -> tuple:
    """Gradients (floats or arrays) as one flat tuple of floats."""
    return tuple(float(e) for v in values for e in np.ravel(np.asarray(v, dtype=float)))


def _reverse(f, args, wrt) -> tuple:
    from .api import grad
    return _flat(grad(f, wrt=tuple(wrt))(*args))


def _labels(names: list, args: tuple, positions: list) -> list:
    """One label per component: ``x``, or ``x[1, 2]`` for an array element."""
    out = []
    for i in positions:
        shape = np.shape(args[i])
        out += [names[i]] if shape == () else \
            [f"{names[i]}[{', '.join(map(str, k))}]" for k in np.ndindex(shape)]
    return out


def central_difference(f, args: tuple, i: int, h: float | None = None,
                       index: tuple | None = None) -> float:
    """``(f(x + h) - f(x - h)) / 2h`` in argument ``i`` (element ``index`` of
    an array argument); by default ``h`` is about the cube root of machine
    epsilon, scaled by ``|x|``."""
    if index is None:
        x = float(args[i])
    else:
        array = np.asarray(args[i], dtype=float)
        x = float(array[index])
    step = h if h is not None else 6e-6 * max(1.0, abs(x))
    up, down = list(args), list(args)
    if index is None:
        up[i], down[i] = x + step, x - step
    else:
        up[i], down[i] = array.copy(), array.copy()
        up[i][index], down[i][index] = x + step, x - step
    return (float(f(*up)) - float(f(*down))) / ((x + step) - (x - step))


def _differences(f, args: tuple, positions: list, h) -> list:
    out = []
    for i in positions:
        if np.ndim(args[i]) == 0:
            out.append(central_difference(f, args, i, h))
        else:
            out += [central_difference(f, args, i, h, k) for k in np.ndindex(np.shape(args[i]))]
    return out


def _wrt_positions(f, args: tuple, wrt) -> list:
    params = list(inspect.signature(f).parameters)
    if wrt is None:  # every float (or float array) argument given
        return [i for i, a in enumerate(args) if isinstance(a, float)
                or (isinstance(a, np.ndarray) and a.dtype.kind == "f")]
    items = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    out = []
    for item in items:
        if isinstance(item, str):
            if item not in params[:len(args)]:
                raise UsageError(f"check_grad: no argument named {item!r} was given")
            out.append(params.index(item))
        elif isinstance(item, int) and not isinstance(item, bool) and -len(args) <= item < len(args):
            out.append(item % len(args))
        else:
            raise UsageError(f"check_grad: wrt={item!r} names no given argument")
    return out


def _scalar_value(f, args: tuple) -> None:
    """Run ``f`` at the point once: an error it raises there, or an array
    output, is said in a :class:`UsageError` (not a traceback from the
    emitted code, which would raise the same error less readably)."""
    name = getattr(f, "__name__", repr(f))
    try:
        value = f(*args)
    except Exception as err:  # noqa: BLE001 - the user's function, reported as such
        raise UsageError(f"check_grad: {name} raises {type(err).__name__} at this point "
                         f"({err}); check the arguments' types and shapes") from err
    if np.ndim(value) != 0 or isinstance(value, (tuple, list, dict)):
        raise UsageError(f"check_grad: {name} returns a value of shape {np.shape(value)} at "
                         "this point; check_grad checks the gradient of a scalar output "
                         "(use jacobian for an array output)")


def check_grad(f, *args, wrt=None, argnums=None, rtol: float = 1e-5, atol: float = 1e-7,
               h: float | None = None) -> GradCheck:
    """Compare the emitted gradient of ``f`` at ``args`` (reverse mode) with
    central differences and with forward mode (and every registered mode).

    Parameters:
        f: the function.
        *args: the point.
        wrt: parameter indices or names (default: every float argument or
            float array; an array is checked element by element).
        argnums: JAX's name for ``wrt`` (give one of them).
        rtol, atol: the tolerance, ``|emitted - reference| <= atol + rtol * |reference|``.
        h: the finite-difference step (default: scaled to each argument).

    Returns:
        A :class:`GradCheck`: truthy when all agree, ``.worst`` is the worst
        component, ``str()`` a readable table (an HTML table in Jupyter)
        ending with the worst component's reverse, central-difference and
        forward values (``.values(name)``).  Where forward mode refuses a
        construct (structures of parameters), ``.notes`` says it was not
        compared.

    Example:
        >>> from math import exp
        >>> def h(x, y):
        ...     return x * x * y + exp(y)
        >>> report = adcompiler.check_grad(h, 1.0, 0.5)
        >>> bool(report), [(c.name, c.against) for c in report.components]
        (True, [('x', 'central difference'), ('y', 'central difference'), ('x', 'forward mode'), ('y', 'forward mode')])
    """
    from .frontend.source import ensure_function
    ensure_function(f)
    if wrt is not None and argnums is not None:
        raise UsageError("check_grad: give wrt= or argnums= (JAX's name for it), not both")
    positions = _wrt_positions(f, args, wrt if argnums is None else argnums)
    if not positions:
        raise UsageError("check_grad: nothing to differentiate (pass float arguments or wrt=)")
    names = list(inspect.signature(f).parameters)
    _scalar_value(f, args)
    report = GradCheck(getattr(f, "__name__", repr(f)), tuple(args), rtol=rtol, atol=atol)
    labels = _labels(names, args, positions)
    emitted = _reverse(f, args, positions)
    for label, e, d in zip(labels, emitted, _differences(f, args, positions, h)):
        report.components.append(Component(label, e, d, "central difference"))
    for mode, fn in sorted(MODES.items()):
        try:  # a construct forward mode refuses gives a note
            other = fn(f, args, positions)
        except AdcError as exc:  # a construct this mode does not support (said, not hidden)
            report.notes.append(f"{mode} mode: {exc}")
            continue
        for label, e, o in zip(labels, emitted, _flat(other)):
            report.components.append(Component(label, e, o, f"{mode} mode"))
    return report
