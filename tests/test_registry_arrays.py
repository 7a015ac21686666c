"""The systematic test of the structural array primitives: it walks the
registry, and for every record and every argument case its ``domain``
declares, checks, on NumPy values, with the IR interpreter
(:func:`adcompiler.core.interp.eval_eqn`) running the primitive and its rules:

* the shape rule against the shape of the value ``impl`` computes;
* the jvp against central differences along a random tangent (forward mode
  gives the rule no shapes, so it is run both without and with them);
* the vjp against central differences of ``sum(w * prim(x))`` along a random
  direction, one argument at a time;
* the transpose identity ``<vjp(g), t> == <g, jvp(t)>``.

A record is tested by being added: a differentiable structural record
without a jvp, a vjp or a domain fails here.
"""
import zlib

import numpy as np
import pytest

from adcompiler.core.interp import eval_eqn
from adcompiler.core.ir import Block, Builder, Const, Eqn, Function, Names, Var
from adcompiler.arrays.shapes import infer_with_dtypes, known
from adcompiler.prims.shapecalc import ShapeNeeded
from adcompiler.prims.structural import array_records

H = 1e-6


def _differentiable():
    return [r for r in array_records() if r.differentiable]


def jvp_rule(record):
    """The record's jvp; for an elementwise one (``np.where``), what forward
    mode builds from its partial: the sum of ``partial_i * t_i``."""
    if record.partial is None:
        return record.jvp

    def jvp(b, e, tangents, shape):
        terms = [record.partial(b, e, i, t) for i, t in enumerate(tangents) if t is not None]
        terms = [t for t in terms if t is not None]
        if not terms:
            return None
        total = terms[0]
        for t in terms[1:]:
            total = b.eqn("add", total, t)
        return total
    return jvp


def vjp_rule(record):
    """The record's vjp; for an elementwise one, what reverse mode builds from
    its partial: ``partial_i * g`` summed back to argument ``i``'s shape."""
    if record.partial is None:
        return record.vjp

    def vjp(b, e, i, g, shape):
        c = record.partial(b, e, i, g)
        return None if c is None else b.eqn("unbroadcast", c, e.args[i])
    return vjp


def _cases():
    return [(r.name, k) for r in _differentiable() if r.domain for k in range(len(r.domain))]


def is_float_array(v) -> bool:
    return isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.floating)


def _dtype_letter(v) -> str:
    return {"b": "b", "i": "i", "u": "i", "f": "f"}[np.asarray(v).dtype.kind]


class Case:
    """One primitive applied to one argument case, as IR."""

    def __init__(self, record, k: int, seed: int = 0) -> None:
        self.record = record
        self.rng = np.random.default_rng(zlib.crc32(f"{record.name}/{k}/{seed}".encode()))
        values, self.params = record.domain[k](self.rng)
        self.names = Names()
        self.env, self.atoms, self.wrt = {}, [], []
        self.extra: dict = {}  # values of seeds and tangents the emitted checks add
        for k, v in enumerate(values):
            if isinstance(v, np.ndarray):
                var = self.names.fresh(f"a{k}")
                self.env[var] = v
                self.atoms.append(var)
                if is_float_array(v):
                    self.wrt.append(k)
            else:
                self.atoms.append(Const(v))
        b = Builder(self.names)
        self.out = b.eqn(record.name, *self.atoms, **self.params)
        self.eqn: Eqn = b.stmts[-1]
        self.shapes = self.infer()

    def infer(self) -> dict:
        params = [a for a in self.atoms if isinstance(a, Var)]
        fn = Function("primal", tuple(params), Block((), (self.eqn,), (self.out,)))
        shapes, _ = infer_with_dtypes(
            fn, {p.name: np.shape(self.env[p]) for p in params},
            dtypes={p.name: _dtype_letter(self.env[p]) for p in params})
        return shapes

    def shape(self, a):
        return () if isinstance(a, Const) else self.shapes.get(a)

    # ------------------------------------------------------------ evaluation
    def run(self, stmts, env: dict) -> dict:
        env = dict(env)
        for s in stmts:
            vals = [a.value if isinstance(a, Const) else env[a] for a in s.args]
            out = eval_eqn(s, vals)
            if len(s.outs) == 1:
                env[s.outs[0]] = out
            else:
                env.update(zip(s.outs, out))
        return env

    def value(self, moved: dict | None = None):
        env = dict(self.env)
        for k, d in (moved or {}).items():
            env[self.atoms[k]] = env[self.atoms[k]] + d
        return self.run([self.eqn], env)[self.out]

    def jvp(self, tangents: dict, with_shapes: bool):
        """The jvp rule's output tangent (``tangents``: arg position -> array)."""
        b = Builder(self.names)
        tvars, env = [], self.run([self.eqn], self.env)
        for k in range(len(self.atoms)):
            if k in tangents:
                t = self.names.fresh(f"t{k}")
                env[t] = tangents[k]
                tvars.append(t)
            else:
                tvars.append(None)
        shape = self.shape if with_shapes else (lambda a: None)
        out = jvp_rule(self.record)(b, self.eqn, tvars, shape)
        if out is None:
            return np.zeros(np.shape(env[self.out]))
        env = self.run(b.stmts, env)
        return out.value if isinstance(out, Const) else env[out]

    def vjp(self, k: int, g):
        """Argument ``k``'s share of the output adjoint ``g``."""
        b = Builder(self.names)
        env = self.run([self.eqn], self.env)
        gvar = self.names.fresh("g")
        env[gvar] = g
        out = vjp_rule(self.record)(b, self.eqn, k, gvar, self.shape)
        if out is None:
            return np.zeros(np.shape(self.env[self.atoms[k]]))
        env = self.run(b.stmts, env)
        value = out.value if isinstance(out, Const) else env[out]
        return np.broadcast_to(value, np.shape(self.env[self.atoms[k]]))

    def random_like(self, v):
        return self.rng.normal(size=np.shape(v))


def _close(got, want, what: str, case: Case) -> None:
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7,
                               err_msg=f"{what} of {case.record.name} "
                                       f"params={case.params}")


def _case(name: str, k: int) -> Case:
    record = next(r for r in array_records() if r.name == name)
    return Case(record, k)


# ---------------------------------------------------------------- the checks
def check_shape(case: Case) -> None:
    inferred = case.shapes.get(case.out)
    actual = np.shape(case.value())
    # a size that depends on the values (a boolean mask's count) is unknown
    assert isinstance(inferred, tuple) and len(inferred) == len(actual), (inferred, actual)
    assert all(d is None or d == a for d, a in zip(inferred, actual)), (inferred, actual)
    assert known(inferred) or "spec" in case.params, (inferred, actual)


def check_jvp(case: Case) -> None:
    tangents = {i: case.random_like(case.env[case.atoms[i]]) for i in case.wrt}
    up = case.value({i: H * t for i, t in tangents.items()})
    down = case.value({i: -H * t for i, t in tangents.items()})
    want = (up - down) / (2 * H)
    _close(case.jvp(tangents, with_shapes=True), want, "jvp (with shapes)", case)
    try:  # forward mode gives the rule no shapes; it may ask for them (a clear refusal)
        without = case.jvp(tangents, with_shapes=False)
    except ShapeNeeded:
        return
    _close(without, want, "jvp (without shapes)", case)


def check_vjp(case: Case) -> None:
    w = case.random_like(case.value())
    for i in case.wrt:
        d = case.random_like(case.env[case.atoms[i]])
        up = np.sum(w * case.value({i: H * d}))
        down = np.sum(w * case.value({i: -H * d}))
        got = np.sum(case.vjp(i, w) * d)
        _close(got, (up - down) / (2 * H), f"vjp of argument {i}", case)


def check_transpose(case: Case) -> None:
    g = case.random_like(case.value())
    tangents = {i: case.random_like(case.env[case.atoms[i]]) for i in case.wrt}
    lhs = sum(np.sum(case.vjp(i, g) * t) for i, t in tangents.items())
    rhs = np.sum(g * case.jvp(tangents, with_shapes=True))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-12)


def emitted(case: Case, stmts: list, inputs: list, result):
    """The NumPy function the emitter writes for ``stmts`` (run on ``inputs``)."""
    import ast

    from adcompiler.arrays.emit import HELPER, helper_def
    from adcompiler.emit.emitter import emit_function
    from adcompiler.emit.printer import to_source
    fn = Function("f", tuple(inputs), Block((), tuple(stmts), (result,)))
    values = {v: case.env.get(v, case.extra.get(v)) for v in inputs}
    shapes, dtypes = infer_with_dtypes(fn, {v.name: np.shape(x) for v, x in values.items()},
                                       dtypes={v.name: _dtype_letter(x)
                                               for v, x in values.items()})
    floats = {v for v, d in dtypes.items() if d == "f"}
    node, imports = emit_function(fn, set(), shapes, floats)
    body = [ast.Import([ast.alias("numpy", "np")])]
    body += [helper_def()] if HELPER in imports else []
    # records spelled in another module (scipy.special.softmax) import it
    body += [ast.Import([ast.alias(i.split()[1])]) for i in sorted(imports)
             if i.startswith("import ")]
    text = to_source(ast.Module(body + [node], []))
    namespace: dict = {}
    exec(compile(text, "<emitted>", "exec"), namespace)
    return namespace["f"](*(values[v] for v in inputs)), text


def check_emitted(case: Case) -> None:
    """The emitted NumPy spelling of the primitive, of its jvp and of its vjp
    computes what the records' ``impl`` computes (two separate writings)."""
    params = [a for a in case.atoms if isinstance(a, Var)]
    got, text = emitted(case, [case.eqn], params, case.out)
    np.testing.assert_allclose(got, case.value(), rtol=1e-12, err_msg=text)
    g = case.random_like(case.value())
    gvar = case.names.fresh("g")
    case.extra[gvar] = g
    for i in case.wrt:
        b = Builder(case.names)
        out = vjp_rule(case.record)(b, case.eqn, i, gvar, case.shape)
        if isinstance(out, Var):
            got, text = emitted(case, [case.eqn] + b.stmts, params + [gvar], out)
            np.testing.assert_allclose(np.broadcast_to(got, np.shape(case.env[case.atoms[i]])),
                                       case.vjp(i, g), rtol=1e-12, err_msg=text)
    tangents = [case.names.fresh(f"t{k}") if k in case.wrt else None
                for k in range(len(case.atoms))]
    for k, t in enumerate(tangents):
        if t is not None:
            case.extra[t] = case.random_like(case.env[case.atoms[k]])
    want = case.jvp({k: case.extra[t] for k, t in enumerate(tangents) if t is not None},
                    with_shapes=True)
    for shape in (case.shape, lambda a: None):  # with shapes, and as forward mode builds it
        b = Builder(case.names)
        try:
            out = jvp_rule(case.record)(b, case.eqn, tangents, shape)
        except ShapeNeeded:
            continue
        if isinstance(out, Var):
            got, text = emitted(case, [case.eqn] + b.stmts,
                                params + [t for t in tangents if t is not None], out)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15, err_msg=text)


def incomplete(records) -> list:
    """Differentiable array records the walk cannot check: no jvp and vjp
    (nor an elementwise partial), or no domain."""
    return [r.name for r in records if r.differentiable and not r.domain
            or r.differentiable and r.partial is None and (r.jvp is None or r.vjp is None)]


# ---------------------------------------------------------------- completeness
def test_every_differentiable_array_primitive_has_both_rules_and_a_domain():
    """The systematic test can only check what a record declares: a
    differentiable array record must bring a jvp and a vjp (or, elementwise,
    a partial) and a domain."""
    assert incomplete(array_records()) == []


def test_the_walk_covers_the_structural_primitives():
    names = {n for n, _ in _cases()}
    assert {"matmul", "outer", "transpose", "trace", "sum", "mean", "amax", "amin", "prod",
            "norm", "reshape", "expand_dims", "index", "concatenate", "stack", "where",
            "copy"} <= names
    assert all(sum(1 for n, _ in _cases() if n == name) >= 2 for name in names)


# ---------------------------------------------------------------- per case
_IDS = [f"{n}-{k}" for n, k in _cases()]


@pytest.mark.parametrize("name,k", _cases(), ids=_IDS)
def test_shape_rule_matches_the_value(name, k):
    check_shape(_case(name, k))


@pytest.mark.parametrize("name,k", _cases(), ids=_IDS)
def test_jvp_matches_central_differences(name, k):
    check_jvp(_case(name, k))


@pytest.mark.parametrize("name,k", _cases(), ids=_IDS)
def test_vjp_matches_central_differences(name, k):
    check_vjp(_case(name, k))


@pytest.mark.parametrize("name,k", _cases(), ids=_IDS)
def test_emitted_numpy_agrees_with_the_records_impl(name, k):
    check_emitted(_case(name, k))


@pytest.mark.parametrize("name,k", _cases(), ids=_IDS)
def test_vjp_is_the_transpose_of_jvp(name, k):
    check_transpose(_case(name, k))


# ---------------------------------------------------------------- the test can fail
def _broken(name: str, **facts):
    from dataclasses import replace
    record = next(r for r in array_records() if r.name == name)
    return replace(record, **facts)


def test_a_wrong_vjp_is_caught():
    """sum's vjp off by 1%: the difference check and the transpose check fail
    (its jvp, derived from the primitive itself, is still right)."""
    right = _broken("sum")

    def vjp(b, e, i, g, shape):
        return b.eqn("mul", right.vjp(b, e, i, g, shape), Const(1.01))
    record = _broken("sum", vjp=vjp)
    case = Case(record, 0)
    check_jvp(case)
    with pytest.raises(AssertionError):
        check_vjp(case)
    with pytest.raises(AssertionError):
        check_transpose(case)


def test_a_wrong_jvp_is_caught():
    """trace's jvp as the sum of all tangent entries instead of the diagonal's."""
    def jvp(b, e, tangents, shape):
        return b.eqn("sum", tangents[0], axis=None, keepdims=False)
    case = Case(_broken("trace", jvp=jvp), 0)
    check_vjp(case)
    with pytest.raises(AssertionError):
        check_jvp(case)
    with pytest.raises(AssertionError):
        check_transpose(case)


def test_a_wrong_transpose_of_a_bilinear_primitive_is_caught():
    """matmul with the right half's transpose of the wrong sign."""
    from adcompiler.prims.derive import bilinear
    right = _broken("matmul")

    def left(b, e, g, shape):
        return right.vjp(b, e, 0, g, shape)

    def wrong_right(b, e, g, shape):
        return b.eqn("matmul", b.eqn("transpose", e.args[0]), b.eqn("neg", g))
    case = Case(_broken("matmul", **bilinear(left, wrong_right)), 0)
    check_jvp(case)
    with pytest.raises(AssertionError):
        check_vjp(case)
    with pytest.raises(AssertionError):
        check_transpose(case)


def test_a_record_without_domain_or_rule_is_incomplete():
    assert incomplete([_broken("sum", domain=None)]) == ["sum"]
    assert incomplete([_broken("stack", vjp=None)]) == ["stack"]
    assert incomplete([_broken("len")]) == []  # not differentiable


# ---------------------------------------------------------------- a new record
def cumulative(x, w):
    return np.sum(np.cumsum(x, axis=1) * w) + np.sum(x.cumsum(axis=0) ** 2)


def cumulative_flat(x):
    return np.sum(np.cumsum(x) * x.ravel())


@pytest.fixture
def cumsum_record():
    """``np.cumsum`` added through the registry alone: one record (spellings,
    signature with a static axis, impl, shape, memory, emission, rules from
    ``linear``, domain), no other edit."""
    from adcompiler.prims.derive import linear
    from adcompiler.prims.record import REGISTRY
    from adcompiler.prims.structural import Signature, define, uniform
    shipped = REGISTRY.get("cumsum")  # the real record (prims/cumulative.py), put back after

    def shape(e, args, dtype):
        x = args[0]
        if x is None or e.param("axis") is not None:
            return x
        return (int(np.prod(x)),) if known(x) else (None,)

    def emit(kit, e, args):
        kws = {} if e.param("axis") is None else {"axis": kit.const(e.param("axis"))}
        return kit.call(kit.np("cumsum"), args, kws)

    def reversed_cumsum(b, e, i, g, shape):
        """The transpose: sum over j >= i, i.e. total - cumsum + g."""
        total = b.eqn("sum", g, axis=e.param("axis"), keepdims=True)
        rev = b.eqn("add", b.eqn("sub", total, b.eqn("cumsum", g, axis=e.param("axis"))), g)
        return b.eqn("reshape_like", rev, e.args[0])
    record = define("cumsum", 1, array_only=True, memory="fresh",
                    spellings={"np": ("cumsum",), "method": ("cumsum",)},
                    impl=lambda x, axis=None, **_: np.cumsum(x, axis=axis), shape=shape,
                    extra={"lower": Signature(statics={"axis": None}), "emit": emit},
                    **linear(reversed_cumsum),
                    domain=(lambda r: ((uniform(r, 5),), {"axis": None}),
                            lambda r: ((uniform(r, 3, 4),), {"axis": 1}),
                            lambda r: ((uniform(r, 2, 3),), {"axis": None}),
                            lambda r: ((uniform(r, 3, 4),), {"axis": -2})))
    yield record
    REGISTRY["cumsum"] = shipped


def _central_gradient(f, x, *rest):
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = H
        out[i] = (f(x + e, *rest) - f(x - e, *rest)) / (2 * H)
    return out


def test_a_new_structural_record_is_checked_and_differentiated(cumsum_record):
    import adcompiler
    assert [k for n, k in _cases() if n == "cumsum"] == [0, 1, 2, 3]
    for k in range(4):
        case = Case(cumsum_record, k)
        for check in (check_shape, check_jvp, check_vjp, check_transpose, check_emitted):
            check(case)
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    g = adcompiler.grad(cumulative)
    np.testing.assert_allclose(g(x, w), _central_gradient(cumulative, x, w), atol=1e-6)
    assert "np.cumsum(" in g.source
    np.testing.assert_allclose(adcompiler.grad(cumulative_flat)(x),
                               _central_gradient(cumulative_flat, x), atol=1e-6)


# ---------------------------------------------------------------- memory
@pytest.mark.parametrize("name,k", _cases(), ids=_IDS)
def test_memory_declaration_holds_on_numpy_values(name, k):
    """A record that says its result is a new buffer ('fresh', 'value') must
    never return memory of an argument (in-place updates rely on it)."""
    case = _case(name, k)
    assert case.record.memory in ("fresh", "value", "view")
    if case.record.memory == "view":
        return
    out = case.value()
    for v in case.env.values():
        assert not np.shares_memory(out, v)


def test_an_undeclared_memory_counts_as_a_view():
    """Left out of every list, a primitive must not be updated in place nor
    let its arguments be: the answer that is never wrong."""
    from adcompiler.arrays.aliases import default_flows
    from adcompiler.prims.record import REGISTRY, register
    from adcompiler.prims.structural import memory
    register("throwaway_view", 2)
    try:
        assert memory("throwaway_view") == "view"
        names = Names()
        x, y = names.fresh("x"), names.fresh("y")
        b = Builder(names)
        b.eqn("throwaway_view", x, y)
        assert default_flows(b.stmts[-1]) == (x, y)
    finally:
        del REGISTRY["throwaway_view"]
