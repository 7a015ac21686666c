"""Every primitive of the registry, checked because it is registered.

In the spirit of autograd's ``test_systematic.py``: the test walks
``REGISTRY`` and, for every differentiable elementwise record, compiles a
function that applies it (in each way the user's code may spell it) and
checks its derivative in both modes -- reverse (``grad``) and forward
(``jvp``, one unit tangent per argument, and ``grad(mode="forward")``) --
against central differences of the record's own evaluation, at points drawn
from the record's ``domain``.  A new record is tested by being added; a
record that cannot be tested (no derivative, no domain) fails the test.

Tolerance: central differences with step ``h = 1e-5 * max(1, |x|)`` have a
truncation error ``h**2 |f'''| / 6`` (below 1e-8 on these domains, where
``|f'''| < 500``) and a rounding error ``~ 1e-16 |f| / h`` (~1e-11): the
check is ``rel=1e-6, abs=1e-7``, which a wrong rule (a sign, a factor, a
missing term) misses by orders of magnitude.  Forward and reverse mode run
the same rule, so they agree to rounding (``rel=1e-12``).
"""
from __future__ import annotations

import ast
import random

import pytest

import adcompiler
from adcompiler.prims.record import REGISTRY
from adcompiler.prims.rules import ARRAY_RULES, RULES, STRUCTURAL
from adcompiler.prims.spelling import lookup, module_of, names
from adcompiler.views.partials import partial_value
from adcompiler.core.ir import Eqn, Var

try:  # SciPy (a test extra): loaded, so its spellings are listed and checked
    import scipy.special  # noqa: F401  (module_of counts loaded modules only)
except ImportError:  # pragma: no cover - without the extra its spellings are skipped
    pass

POINTS = 3
REL, ABS = 1e-6, 1e-7
PARAMS = ("x", "y", "z")


def elementwise(record) -> bool:
    """A scalar elementwise record (its derivative is a ``partial``)."""
    return record.partial is not None and not record.array_only


def checked_records() -> list:
    return sorted(name for name, r in REGISTRY.items()
                  if r.differentiable and elementwise(r) and r.domain is not None)


# ---------------------------------------------------------------- spelling a record
def uses(record) -> list:
    """``(label, imports, expression)`` for each way the user's code can apply
    ``record`` to the parameters: its operator and each of its spellings."""
    args = [ast.Name(p, ast.Load()) for p in PARAMS[:record.nargs]]
    found = []
    if record.form == "binop":
        found.append(("operator", "", ast.BinOp(args[0], record.op(), args[1])))
    elif record.form == "unary":
        found.append(("operator", "", ast.UnaryOp(record.op(), args[0])))
    elif record.form == "compare":
        found.append(("operator", "", ast.Compare(args[0], [record.op()], [args[1]])))
    elif record.name in ("and", "or"):
        op = ast.And() if record.name == "and" else ast.Or()
        found.append(("operator", "", ast.BoolOp(op, args)))
    for ns in sorted(record.spellings):
        if module_of(ns) is None:  # an optional module (scipy) that is not installed
            continue
        for spelled in names(record, ns):
            if ns == "builtin":
                func, imports = ast.Name(spelled, ast.Load()), ""
            else:
                alias = {"np": "numpy as np"}.get(ns, ns)
                func = ast.parse(f"{ns}.{spelled}", mode="eval").body
                imports = f"import {alias}\n"
            found.append((f"{ns}.{spelled}", imports, ast.Call(func, args, [])))
    return [(label, imports, ast.unparse(expr)) for label, imports, expr in found]


def compile_use(module_from_source, record, imports: str, expr: str):
    params = ", ".join(PARAMS[:record.nargs])
    src = f"{imports}\n\ndef f({params}):\n    return {expr}\n"
    return module_from_source(src, "prim").f


def sample(record, rng: random.Random) -> tuple:
    if callable(record.domain):
        return tuple(record.domain(rng))
    return tuple(rng.uniform(lo, hi) for lo, hi in record.domain)


def points(record) -> list:
    rng = random.Random(f"adcompiler:{record.name}")  # str seeds are deterministic
    return [sample(record, rng) for _ in range(POINTS)]


def central(f, point: tuple, k: int) -> float:
    h = 1e-5 * max(1.0, abs(point[k]))
    up, down = list(point), list(point)
    up[k] += h
    down[k] -= h
    return (float(f(*up)) - float(f(*down))) / (2 * h)


def continuous_args(record) -> tuple:
    """The arguments differentiated: all but those a record declares integer
    (``extra['integer_args']``: the order of ``polygamma``, whose partial is
    zero by convention and has no central difference)."""
    integer = record.extra.get("integer_args", ())
    return tuple(k for k in range(record.nargs) if k not in integer)


def check_derivatives(f, record, where: str) -> None:
    """``f`` applies ``record``: its derivative in both modes against central
    differences of ``f`` itself, and forward against reverse."""
    n = record.nargs
    wrt = continuous_args(record)
    reverse = adcompiler.grad(f, wrt=wrt)
    forward = adcompiler.grad(f, wrt=wrt, mode="forward")
    for point in points(record):
        want = [central(f, point, k) for k in wrt]
        # scipy.special.polygamma gives 0-d arrays for numbers (so do its
        # derivatives): compare values (pytest.approx refuses nested arrays)
        rev = tuple(map(float, reverse(*point)))
        fwd = tuple(map(float, forward(*point)))
        jvps = []
        for k in wrt:
            value, tangent = adcompiler.jvp(f, point, tuple(float(j == k) for j in range(n)))
            assert value == pytest.approx(float(f(*point)), rel=1e-15, abs=1e-300)
            jvps.append(float(tangent))
        label = f"{where} at {point}"
        assert rev == pytest.approx(tuple(want), rel=REL, abs=ABS), f"reverse mode of {label}"
        assert tuple(jvps) == pytest.approx(tuple(want), rel=REL, abs=ABS), f"jvp of {label}"
        assert fwd == pytest.approx(rev, rel=1e-12, abs=1e-15), f"forward vs reverse, {label}"


def check_record(module_from_source, record) -> int:
    """Every Python spelling of ``record``, both modes; returns how many."""
    spelled = uses(record)
    for label, imports, expr in spelled:
        f = compile_use(module_from_source, record, imports, expr)
        check_derivatives(f, record, f"{record.name} as {label} ({expr})")
    return len(spelled)


def check_partial_alone(record) -> None:
    """A record no Python code spells (``select``: only derivative rules
    build it): its rule, evaluated on the IR, against central differences."""
    from adcompiler.prims.primitives import evaluate
    args = tuple(Var(PARAMS[k]) for k in range(record.nargs))
    eqn = Eqn((Var("out"),), record.name, args, ())
    def f(*xs):
        return evaluate(record.name, xs, {})
    for point in points(record):
        for k in continuous_args(record):
            got = partial_value(eqn, k, list(point), f(*point)) or 0.0
            assert got == pytest.approx(central(f, point, k), rel=REL, abs=ABS), \
                f"partial {k} of {record.name} at {point}"


# ---------------------------------------------------------------- the tests
@pytest.mark.parametrize("name", checked_records())
def test_derivative_in_both_modes_against_central_differences(module_from_source, name):
    record = REGISTRY[name]
    if not check_record(module_from_source, record):
        check_partial_alone(record)


def test_every_differentiable_primitive_has_a_derivative():
    """A partial, a jvp/vjp pair, or a structural treatment by the
    transforms (calls, tuples, tapes).  ``ARRAY_RULES`` and ``RULES``' array
    entries stand for array records that do not carry their rules yet."""
    missing = [name for name, r in REGISTRY.items()
               if r.differentiable and r.partial is None and not r.structural
               and name not in STRUCTURAL and name not in ARRAY_RULES and name not in RULES]
    assert missing == []


def test_every_differentiable_elementwise_record_has_a_domain():
    undomained = [name for name, r in REGISTRY.items()
                  if r.differentiable and elementwise(r) and r.domain is None]
    assert undomained == []


def spelled_records() -> list:
    return [(name, label) for name, r in sorted(REGISTRY.items()) if elementwise(r)
            for label, _, _ in uses(r) if label != "operator"]


@pytest.mark.parametrize("name,label", spelled_records())
def test_every_spelling_compiles_and_computes_the_function(module_from_source, name, label):
    """``math.fabs``, ``np.arcsin``, ``builtins.max`` ...: each compiles to a
    gradient, and the compiled value is the function's own value."""
    record = REGISTRY[name]
    (imports, expr), = [(i, e) for lbl, i, e in uses(record) if lbl == label]
    f = compile_use(module_from_source, record, imports, expr)
    rng = random.Random(f"spelling:{label}")
    point = sample(record, rng) if record.domain else \
        tuple(rng.uniform(0.3, 2.7) for _ in range(record.nargs))
    value, gradient = adcompiler.value_and_grad(f, wrt=tuple(range(record.nargs)))(*point)
    assert value == pytest.approx(float(f(*point)), rel=1e-15)
    assert len(gradient) == record.nargs


def test_spellings_resolve_to_their_primitive():
    for name, r in REGISTRY.items():
        for ns in r.spellings:
            if module_of(ns) is None:
                continue
            for spelled in names(r, ns):
                assert lookup(ns, spelled) is not None, f"{ns}.{spelled}"
    assert lookup("math", "fabs") == "abs"
    assert lookup("np", "arcsin") == "asin"
    assert lookup("np", "maximum") == "max"
    assert lookup("builtin", "pow") == "pow"
    assert lookup("math", "erf") == "erf"
    assert lookup("math", "nosuch") is None
