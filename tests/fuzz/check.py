"""One generated program through every checker that applies, classified.

Accepted outcomes per checker: the numbers match the oracle, or adcompiler
refuses with a ``CompileError`` that names a line (or a ``UsageError``).  A
wrong number, a wrong type or shape, an exception of any other kind, or a
time-out is a failure.  Coordinates where the oracle's step check says the
function is not smooth are not compared (and counted).
"""
from __future__ import annotations

import importlib.util
import itertools
import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from adcompiler import (AdcError, CompileError, UsageError, grad, hessian, jacobian, jvp,
                        value_and_grad)
from adcompiler.api.mode_choice import WHY

from .known import KNOWN_OPEN_CHECKS
from .oracle import (Timeout, as_float, budget, copy_args, numpy_mismatch, partials,
                     second_partial)

_DIR = Path(tempfile.mkdtemp(prefix="adc_fuzz_"))
_COUNTER = itertools.count()
SECONDS = 20.0  # per checker (compilation included)


def load(source: str):
    """Write ``source`` to a fresh file and import it (inspect needs a file)."""
    path = _DIR / f"fuzzmod_{next(_COUNTER)}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@dataclass
class Finding:
    checker: str
    verdict: str  # ok | refused | wrong | internal | timeout | unchecked
    detail: str = ""

    @property
    def key(self) -> str:
        """The failure class: verdict, checker and the kind of error."""
        head = self.detail.split(":")[0] if self.verdict != "wrong" else self.detail.split(" ")[0]
        return f"{self.verdict}:{self.checker}:{head}"


@dataclass
class Result:
    program: object
    status: str  # passed | refused | wrong | internal | timeout | invalid | unchecked
    point: tuple = ()
    findings: list = field(default_factory=list)

    def failures(self) -> list:
        return [f for f in self.findings if f.verdict in ("wrong", "internal", "timeout")]


def refusal_category(err: Exception) -> str:
    text = getattr(err, "message", str(err))
    text = re.sub(r"'[^']*'|`[^`]*`", "'…'", text)
    text = re.sub(r"\d+", "N", text)
    return f"{type(err).__name__}: {text[:70]}"


def guarded(checker: str, thunk):
    """(Finding or None, value): run ``thunk`` under the time budget and
    classify what it raised."""
    try:
        with budget(SECONDS):
            return None, thunk()
    except CompileError as err:
        if err.line > 0:
            return Finding(checker, "refused", refusal_category(err)), None
        return Finding(checker, "internal", "CompileError without a line: " + err.message[:80]), None
    except UsageError as err:
        return Finding(checker, "refused", refusal_category(err)), None
    except AdcError as err:  # neither a located CompileError nor a UsageError
        return Finding(checker, "internal", "AdcError: " + str(err)[:100]), None
    except Timeout:
        return Finding(checker, "timeout", f"over {SECONDS:g} s"), None
    except RecursionError as err:
        return Finding(checker, "internal", f"RecursionError: {str(err)[:80]}"), None
    except Exception as err:  # noqa: BLE001 -- every other exception is a finding
        return Finding(checker, "internal", f"{type(err).__name__}: {str(err)[:100]}"), None


# ---------------------------------------------------------------- comparing
def _type_problem(got, arg) -> str:
    if isinstance(arg, np.ndarray):
        if not isinstance(got, np.ndarray):
            return f"type: {type(got).__name__} for an array parameter"
        if got.shape != arg.shape:
            return f"shape: {got.shape} for {arg.shape}"
        if got.dtype.kind != "f":
            return f"dtype: {got.dtype}"
        return ""
    if isinstance(got, (bool, np.bool_)):
        return "type: bool gradient"
    if isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind == "f":
        return ""  # a 0-d float array: numerically a float (np.where returns one)
    if not isinstance(got, (int, float, np.integer, np.floating)):
        return f"type: {type(got).__name__}"
    return ""


# True while checking a program that computes a NaN along the way (a NaN
# constant or a NaN input).  The documented convention lets its derivatives be
# NaN even where the output does not depend on that NaN (a zero adjoint times a
# NaN partial is NaN in IEEE arithmetic, as in JAX, PyTorch and autograd);
# a finite wrong number is still a failure.
_NAN_COMPUTED = [False]
_LARGE_POINT = [False]  # a coordinate of the point is >= 1e3 in size


def _computes_nan(program, point) -> bool:
    return "nan" in program.source or any(
        isinstance(a, float) and math.isnan(a) for a in point)


def compare(checker: str, got, oracle, arg) -> Finding:
    """One gradient against the oracle's estimate for that parameter."""
    problem = _type_problem(got, arg)
    if problem:
        return Finding(checker, "wrong", problem)
    g = np.asarray(got, dtype=float)
    est, smooth, noise = (np.asarray(a) for a in (oracle.value, oracle.smooth, oracle.noise))
    if not smooth.any():
        return Finding(checker, "unchecked", "not smooth here")
    # a coordinate >= 1e3 added into the computation quantises the step of
    # the others (x + 1e8 moves by ulps of 1.5e-8): the differences are good
    # to about 1e-3 there (fuzz seed 303066, adcompiler confirmed by mpmath)
    rel = 1e-2 if _LARGE_POINT[0] else 1e-5
    tol = rel * np.maximum(1.0, np.abs(est)) + 10 * noise
    bad = smooth & ~(np.abs(g - est) <= tol)  # NaN counts as bad
    if _NAN_COMPUTED[0]:
        bad &= ~np.isnan(g)  # the NaN convention (docs/conventions.md, "NaN inputs")
    if bad.any():
        where = np.argwhere(bad)[0] if g.shape else ()
        return Finding(checker, "wrong", f"value: {g[tuple(where)]!r} != oracle "
                                         f"{float(est[tuple(where)])!r} at {tuple(where)}")
    return Finding(checker, "ok")


def same_value(a, b) -> bool:
    fa, fb = as_float(a), as_float(b)
    if fa is None or fb is None:
        return False
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    return math.isclose(fa, fb, rel_tol=1e-9, abs_tol=1e-12)


# ---------------------------------------------------------------- checkers
def _gradients(checker, fn, point, wrt, oracles, make):
    finding, got = guarded(checker, make)
    if finding:
        return [finding]
    got = got if isinstance(got, tuple) else (got,)
    if len(got) != len(wrt):
        return [Finding(checker, "wrong", f"arity: {len(got)} gradients for {len(wrt)}")]
    return [compare(checker, g, oracles[i], point[i]) for g, i in zip(got, wrt)]


def check_scalar(fn, point, wrt, oracles, value, hessians=True) -> list:
    findings = []
    findings += _gradients("reverse", fn, point, wrt, oracles,
                           lambda: grad(fn, wrt=wrt, mode="reverse")(*point))
    # no mode given: one parameter (by index, not a tuple) with a loop or a
    # recursion the reverse code runs back takes forward mode (api/mode_choice.py)
    one = wrt[0] if len(wrt) == 1 else wrt
    findings += _gradients("auto", fn, point, wrt, oracles, lambda: grad(fn, wrt=one)(*point))
    findings += _gradients("forward", fn, point, wrt, oracles,
                           lambda: grad(fn, wrt=wrt, mode="forward")(*point))
    findings += _same_bits(fn, point, one)
    findings += _gradients("jacobian", fn, point, wrt, oracles,
                           lambda: jacobian(fn, wrt=wrt)(*point))
    finding, got = guarded("value_and_grad", lambda: value_and_grad(fn, wrt=wrt)(*point))
    if finding:
        findings.append(finding)
    elif not same_value(got[0], value):
        findings.append(Finding("value_and_grad", "wrong", f"value: {got[0]!r} != f {value!r}"))
    for i in wrt:
        tangent = tuple(1.0 if k == i else 0.0 for k in range(len(point)))
        finding, got = guarded("jvp", lambda: jvp(fn, point, tangent))
        if finding:
            findings.append(finding)
            break
        if not same_value(got[0], value):
            findings.append(Finding("jvp", "wrong", f"value: {got[0]!r} != f {value!r}"))
        findings.append(compare("jvp", got[1], oracles[i], point[i]))
    if hessians and _large_or_tiny(point):
        # second differences need a step far below the scale on which f
        # oscillates (sin(x) * x at x = -1e4 once passed the smoothness test
        # at h = 0.01 and gave a false alarm), and far above a tiny
        # coordinate's size (at y = 1e-9, 1 + y * y == 1 switched a branch
        # exactly at the point); first order is checked above
        findings.append(Finding("hessian", "unchecked", "large or tiny point"))
    elif hessians and _abs_kink_possible(fn, point):
        # sign(0) = 0 (docs/conventions.md): through abs at exactly 0 the
        # second derivative follows the kink convention (|x*x| at 0 gives 0,
        # the smooth composite 2); first derivatives above are still checked
        findings.append(Finding("hessian", "unchecked", "abs/fabs at a zero or integer point"))
    elif hessians:
        findings += check_hessian(fn, point, wrt, oracles)
    return findings


def _same_bits(fn, point, one) -> list:
    """Where grad() chose forward mode, its code (float literals beside its
    float argument: optimize/literals.py) gives what the forward code
    ``mode="forward"`` prints gives, to the last bit: the literals change the
    path CPython takes, never the float."""
    if isinstance(one, tuple):
        return []
    chosen = grad(fn, wrt=one)
    finding, got = guarded("auto_bits", lambda: chosen(*point))
    if finding or WHY not in chosen.source:
        return []
    finding, plain = guarded("auto_bits", lambda: grad(fn, wrt=one, mode="forward")(*point))
    if finding:
        return []
    # (the two finish their results differently: np.float64 and float compare)
    same = got == plain or (isinstance(got, float) and isinstance(plain, float)
                            and math.isnan(got) and math.isnan(plain))
    return [] if same else [
        Finding("auto_bits", "wrong", f"value: {got!r} != forward code's {plain!r}")]


def _coordinates(point) -> list:
    """Sizes of the point's finite coordinates (array elements included)."""
    out = []
    for a in point:
        values = np.abs(np.asarray(a, dtype=float)).ravel() if isinstance(a, np.ndarray) else \
            [abs(float(a))] if isinstance(a, (int, float)) else []
        out.extend(float(v) for v in values if math.isfinite(v))
    return out


def _large(point) -> bool:
    return any(c >= 1e3 for c in _coordinates(point))


def _large_or_tiny(point) -> bool:
    return any(c >= 1e3 or 0 < c < 1e-6 for c in _coordinates(point))


def _abs_kink_possible(fn, point) -> bool:
    names = fn.__code__.co_names + tuple(
        n for c in fn.__globals__.values() if hasattr(c, "__code__") for n in c.__code__.co_names)
    return bool({"abs", "fabs"} & set(names)) and any(
        float(a) == int(a) for a in point if isinstance(a, (int, float)) and math.isfinite(a))


def check_hessian(fn, point, wrt, oracles) -> list:
    """Second derivatives where the first-order oracle found both
    coordinates smooth, and the second differences pass their own check."""
    finding, got = guarded("hessian", lambda: hessian(fn, wrt=wrt)(*point))
    if finding:
        return [finding]
    rows = got if isinstance(got, tuple) else ((got,),)
    out = []
    for r, i in enumerate(wrt):
        for k, j in enumerate(wrt):
            est, smooth, noise = second_partial(fn, point, i, j)
            if not (smooth and oracles[i].smooth and oracles[j].smooth):
                out.append(Finding("hessian", "unchecked", "not smooth here"))
                continue
            g = rows[r][k]
            problem = _type_problem(g, point[i])
            nan_ok = _NAN_COMPUTED[0] and not problem and math.isnan(float(g))
            if problem or not (nan_ok or abs(float(g) - est) <= 1e-3 * max(1.0, abs(est)) + 10 * noise):
                out.append(Finding("hessian", "wrong", problem or
                                   f"value: H[{i}][{j}] = {g!r} != oracle {est!r}"))
            else:
                out.append(Finding("hessian", "ok"))
    return out


def check_array(fn, point, wrt, oracles, value) -> list:
    findings = []
    args = copy_args(point)
    finding, got = guarded("reverse", lambda: grad(fn, wrt=wrt)(*args))
    if finding:
        return [finding]
    got = got if isinstance(got, tuple) else (got,)
    numpy_grads = got
    for g, i in zip(got, wrt):
        findings.append(compare("reverse", g, oracles[i], point[i]))
        if isinstance(g, np.ndarray) and any(isinstance(a, np.ndarray) and np.shares_memory(g, a)
                                             for a in args):
            findings.append(Finding("reverse", "wrong", "aliasing: a gradient shares memory "
                                                        "with an argument"))
    args = copy_args(point)
    finding, got = guarded("value_and_grad", lambda: value_and_grad(fn, wrt=wrt)(*args))
    if finding:
        findings.append(finding)
    elif not same_value(got[0], value):
        findings.append(Finding("value_and_grad", "wrong", f"value: {got[0]!r} != f {value!r}"))
    args = copy_args(point)  # forward mode on arrays (issue 15): one tangent per element
    findings += _gradients("forward", fn, point, wrt, oracles,
                           lambda: grad(fn, wrt=wrt, mode="forward")(*args))
    return findings + check_array_api(fn, point, wrt, oracles, value, numpy_grads)


def _tensor():
    """``torch.tensor`` where PyTorch is installed, else None.  Its arrays
    are the telling ones for the array-api backend: one element of a tensor
    is a 0-d view (NumPy's a scalar copy), and it has its own dtype rules."""
    try:
        import torch
    except ImportError:
        return None
    return torch.tensor


#: checkers not run (known.KNOWN_OPEN_CHECKS in the CI profile; run.py clears it)
LEFT_OUT: set = set(KNOWN_OPEN_CHECKS)


def check_array_api(fn, point, wrt, oracles, value=None, numpy_grads=None) -> list:
    """The same gradient with PyTorch tensors for the array arguments: the
    array-api backend's code (or a refusal by name), against the oracle and,
    to rounding, against NumPy's value and NumPy's code's gradient (a float32
    computation passes the oracle's tolerance)."""
    tensor = _tensor()
    if tensor is None or "array-api" in LEFT_OUT:
        return []
    args = [tensor(a) if isinstance(a, np.ndarray) else a for a in copy_args(point)]
    finding, got = guarded("array-api", lambda: grad(fn, wrt=wrt)(*args))
    if finding:
        return [finding]
    got = got if isinstance(got, tuple) else (got,)
    out = []
    for k, (g, i) in enumerate(zip(got, wrt)):
        g = np.asarray(g.numpy() if hasattr(g, "numpy") else g)
        out.append(compare("array-api", g if isinstance(point[i], np.ndarray) else float(g),
                           oracles[i], point[i]))
        if numpy_grads is not None:
            out.append(same_as_numpy("array-api", g, numpy_grads[k]))
    if value is not None:
        args = [tensor(a) if isinstance(a, np.ndarray) else a for a in copy_args(point)]
        finding, got = guarded("array-api", lambda: value_and_grad(fn, wrt=wrt)(*args))
        if finding is None:
            v = got[0]
            out.append(same_as_numpy("array-api", np.asarray(v.numpy() if hasattr(v, "numpy")
                                                              else v), value))
    return out


def same_as_numpy(checker: str, got, want) -> Finding:
    """The array-api backend's result against NumPy's (oracle.py)."""
    problem = numpy_mismatch(got, want)
    return Finding(checker, "wrong", problem) if problem else Finding(checker, "ok")


def check_rebind(fn, mod, program, point, wrt) -> list:
    """Rebind module globals after a first gradient: the old derivative
    object and a fresh one must both follow ``f`` as it is now."""
    old = grad(fn, wrt=wrt)
    finding, _ = guarded("rebind", lambda: old(*point))
    if finding:
        return [finding]
    for name, value in program.rebind.items():
        setattr(mod, name, value)
    try:  # f itself may fail with the new value (overflow): nothing to compare then
        with budget(SECONDS):
            v = as_float(fn(*copy_args(point)))
    except Timeout:
        raise
    except Exception:  # noqa: BLE001 -- f's own error, as in _usable_point
        return []
    if v is None or not math.isfinite(v) or abs(v) > 1e12:
        return []
    oracles = partials(fn, point, wrt)
    findings = []
    for label, d in (("rebind-old", old), ("rebind-fresh", grad(fn, wrt=wrt))):
        findings += _gradients(label, fn, point, wrt, oracles, lambda: d(*point))
    return findings


# ---------------------------------------------------------------- a program
def _usable_point(fn, program):
    """The first point where ``f`` runs and returns a finite real, with the
    parameters to differentiate (NaN coordinates dropped)."""
    for point in program.points:
        try:
            with budget(SECONDS):
                value = fn(*copy_args(point))
        except Timeout:
            return None, None, None, "timeout"
        except Exception:  # noqa: BLE001 -- f itself fails here: try another point
            continue
        v = as_float(value)
        if v is None or not math.isfinite(v) or abs(v) > 1e12:
            continue
        wrt = tuple(i for i in program.wrt
                    if not (isinstance(point[i], float) and math.isnan(point[i])))
        if wrt:
            return point, wrt, value, ""
    return None, None, None, "invalid"


def _int_semantics_differ(fn, point) -> bool:
    """Integer arguments where ``f`` computes something else than at the same
    values as floats: its derivative there is not defined by the float oracle."""
    if not any(isinstance(a, (int, np.integer)) or (isinstance(a, np.ndarray) and a.dtype.kind == "i")
               for a in point):
        return False
    floats = [np.asarray(a, float) if isinstance(a, np.ndarray) else float(a) for a in point]
    try:
        return not same_value(fn(*copy_args(point)), fn(*floats))
    except Exception:  # noqa: BLE001
        return True


def check_unbound(fn, program) -> list:
    """At the first point where ``f`` raises UnboundLocalError (a name bound
    on some paths only), its gradient in both modes must raise too (a
    refusal, or Python's error): a number there is a wrong gradient.
    ``(point, failures)``."""
    for point in program.points:
        try:
            with budget(SECONDS):
                fn(*copy_args(point))
        except UnboundLocalError:
            break
        except Exception:  # noqa: BLE001 -- f's other errors: not this check's
            continue
    else:
        return (), []
    wrt = tuple(program.wrt)
    findings = []
    for mode in ("reverse", "forward"):
        try:
            with budget(SECONDS):
                got = grad(fn, wrt=wrt, mode=mode)(*copy_args(point))
        except (AdcError, UnboundLocalError, NameError):
            continue
        except Timeout:
            findings.append(Finding("unbound-" + mode, "timeout", f"over {SECONDS:g} s"))
            continue
        except Exception as err:  # noqa: BLE001 -- an internal error
            findings.append(Finding("unbound-" + mode, "internal",
                                    f"{type(err).__name__}: {str(err)[:100]}"))
            continue
        findings.append(Finding("unbound-" + mode, "wrong",
                                f"gradient {got!r} where f raises UnboundLocalError"))
    return point, findings


def check_program(program, hessians: bool = True) -> Result:
    try:
        mod = load(program.source)
        fn = mod.f
    except Exception:  # noqa: BLE001 -- only the reducer writes such modules
        return Result(program, "invalid")
    at, unbound = check_unbound(fn, program)
    if unbound:
        return Result(program, unbound[0].verdict, at, unbound)
    point, wrt, value, why = _usable_point(fn, program)
    if point is None:
        return Result(program, why)
    if _int_semantics_differ(fn, point):
        return Result(program, "invalid", point)
    try:
        oracles = partials(fn, point, wrt)
    except Timeout:
        return Result(program, "invalid", point)
    _NAN_COMPUTED[0] = _computes_nan(program, point)
    _LARGE_POINT[0] = _large(point)
    try:
        if program.kind == "scalar":
            findings = check_scalar(fn, point, wrt, oracles, value, hessians)
            if program.rebind:
                findings += check_rebind(fn, mod, program, point, wrt)
        else:
            findings = check_array(fn, point, wrt, oracles, value)
    finally:
        _NAN_COMPUTED[0] = _LARGE_POINT[0] = False
    verdicts = {f.verdict for f in findings}
    for status in ("wrong", "internal", "timeout"):
        if status in verdicts:
            return Result(program, status, point, findings)
    if "ok" in verdicts:
        return Result(program, "passed", point, findings)
    if verdicts == {"refused"} or "refused" in verdicts:
        return Result(program, "refused", point, findings)
    return Result(program, "unchecked", point, findings)
