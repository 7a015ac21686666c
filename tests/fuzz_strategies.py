"""Hypothesis strategies that generate whole Python functions from the
grammar adcompiler supports, rendered to source text.

Design (so that failures shrink to small programs and new features plug in):

* Every generated program is a tree of small ``draw`` decisions: hypothesis
  shrinks the decisions (fewer statements, shallower expressions, constants
  towards 0/first choices), and the rendered text shrinks with them.  The
  first alternative of every ``one_of``/``sampled_from`` is the simplest one.
* Expressions are *domain safe*: each primitive is listed in :data:`UNARY`
  or :data:`BINARY` as a template that keeps its argument in the open set
  where the primitive is smooth (``log(1 + a * a)``, ``asin(0.5 * tanh(a))``).
  To fuzz a new scalar primitive, add one template line; the NumPy and
  forward-mode engineers add their own tables/checkers in the same way
  (see ``tests/test_fuzz.py``: ``CHECKERS``).
* Statements are generated with a scope: the names that are certainly bound
  at that point.  Names bound in only one branch of an ``if`` or only inside a
  loop body are not read afterwards, so every program is valid Python that
  never raises ``NameError``.
* A program is straight-line when it has no control flow and uses only
  functions sympy knows; then it can also be checked symbolically.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

PARAMS = ("x", "y")
LOCALS = ("a", "b", "c", "d")
#: functions the header imports by name (``from math import ...``)
MATH_IMPORTS = ("sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
                "tanh", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "hypot")

# --- primitive tables: templates with domain-safe arguments ----------------
# ``{0}``/``{1}`` are operands (already parenthesised).  ``sympy`` says whether
# the template can be evaluated on sympy symbols (straight-line checks).
UNARY = [
    ("{0} * {0}", True), ("-{0}", True), ("sin({0})", True), ("cos({0})", True),
    ("tanh({0})", True), ("atan({0})", True), ("exp(tanh({0}))", True),
    ("log(1 + {0} * {0})", True), ("sqrt(1 + {0} * {0})", True),
    ("asin(0.5 * tanh({0}))", True), ("acos(0.5 * tanh({0}))", True),
    ("tan(0.5 * tanh({0}))", True), ("sinh(tanh({0}))", True), ("cosh(tanh({0}))", True),
    ("expm1(tanh({0}))", True), ("log1p({0} * {0})", True), ("log2(2 + sin({0}))", True),
    ("log10(1 + {0} * {0})", True), ("math.sin({0})", True), ("math.exp(-({0}) * ({0}))", True),
    ("np.sin({0})", False), ("np.arctan({0})", False), ("np.sqrt(2 + np.cos({0}))", False),
    ("({0}) ** 2", True), ("({0}) ** 3", True), ("(1 + ({0}) ** 2) ** 0.5", True),
    ("pow({0}, 2)", True), ("math.pow(1 + {0} * {0}, 1.5)", True), ("hypot({0}, 1.5)", True),
    ("2 ** tanh({0})", True), ("abs({0})", False), ("float({0})", True),
    ("math.log(2 + cos({0}), 3)", True), ("({0}) % 1.5", False), ("1.5 % (1 + {0} * {0})", False),
]
BINARY = [
    ("{0} + {1}", True), ("{0} - {1}", True), ("{0} * {1}", True),
    ("{0} / (1 + {1} * {1})", True), ("{0} / (2 + cos({1}))", True),
    ("atan2({0}, 2 + cos({1}))", True), ("hypot({0}, 1 + {1} * {1})", True),
    ("(1 + {0} * {0}) ** tanh({1})", True), ("max({0}, {1})", False), ("min({0}, {1})", False),
    ("np.maximum({0}, {1})", False), ("{0} if {0} < {1} else {1} * 0.5", False),
    ("{0} * {1} if {0} > 0 and {1} < 1 else {0} - {1}", False),
]
CONSTANTS = ("1.0", "2", "0.5", "3.0", "-1.5", "0.25", "math.pi", "1e-3")
COMPARE = ("<", ">", "<=", ">=")


@dataclass
class Program:
    """A generated function (plus helpers), as source text."""

    body: str  # the definitions, without the import header
    straight: bool  # no control flow and sympy-friendly: sympy can check it
    helpers: list = field(default_factory=list)

    HEADER = ("import math\nimport numpy as np\nfrom math import "
              + ", ".join(MATH_IMPORTS) + "\n\n")

    @property
    def source(self) -> str:
        return self.HEADER + self.body


class Scope:
    """The names certainly bound here, and what the generator may emit."""

    def __init__(self, names, loop_depth=0, helpers=(), counters=0, ints=(), sympy_only=False):
        self.names = list(names)
        self.sympy_only = sympy_only  # only templates sympy can evaluate
        self.returns = 1  # how many values this function returns
        self.loop_depth = loop_depth
        self.helpers = list(helpers)
        self.counters = counters
        self.ints = list(ints)  # loop indices: readable but never assigned

    def child(self, loop=False, ints=()):
        inner = Scope(self.names, self.loop_depth + (1 if loop else 0), self.helpers,
                      self.counters, self.ints + list(ints), self.sympy_only)
        inner.returns = self.returns
        return inner

    def table(self, templates: list) -> list:
        return [t for t in templates if t[1]] if self.sympy_only else templates


def _paren(text: str) -> str:
    return text if text.replace("_", "").isalnum() else f"({text})"


@st.composite
def expressions(draw, scope: Scope, depth: int = 2, flags: dict | None = None):
    """A float-valued expression over the names of ``scope``."""
    flags = flags if flags is not None else {}
    kinds = ["leaf"] if depth <= 0 else ["leaf", "unary", "binary", "call"]
    if not scope.helpers:
        kinds = [k for k in kinds if k != "call"]
    kind = draw(st.sampled_from(kinds))
    if kind == "leaf":
        readable = scope.names + scope.ints
        if draw(st.integers(0, 3)) < 3 and readable:  # mostly names: more dependence
            return draw(st.sampled_from(readable))
        return draw(st.sampled_from(CONSTANTS))
    if kind == "unary":
        template, sym = draw(st.sampled_from(scope.table(UNARY)))
        flags["sympy"] = flags.get("sympy", True) and sym
        return template.format(_paren(draw(expressions(scope, depth - 1, flags))))
    if kind == "binary":
        template, sym = draw(st.sampled_from(scope.table(BINARY)))
        flags["sympy"] = flags.get("sympy", True) and sym
        a = _paren(draw(expressions(scope, depth - 1, flags)))
        b = _paren(draw(expressions(scope, depth - 1, flags)))
        return template.format(a, b)
    name, arity, results = draw(st.sampled_from(scope.helpers))
    args = [draw(expressions(scope, depth - 1, flags)) for _ in range(arity)]
    call = f"{name}({', '.join(args)})"
    return call if results == 1 else f"{call}[{draw(st.integers(0, results - 1))}]"


@st.composite
def comparisons(draw, scope: Scope):
    a = _paren(draw(expressions(scope, 1)))
    b = _paren(draw(expressions(scope, 1)))
    text = f"{a} {draw(st.sampled_from(COMPARE))} {b}"
    if draw(st.integers(0, 4)) == 0:  # chained: a < b < c
        text += f" {draw(st.sampled_from(COMPARE))} {_paren(draw(expressions(scope, 0)))}"
    return text


@st.composite
def conditions(draw, scope: Scope):
    kind = draw(st.sampled_from(["compare", "compare", "and", "or", "not"]))
    first = draw(comparisons(scope))
    if kind == "compare":
        return first
    if kind == "not":
        return f"not ({first})"
    return f"({first}) {kind} ({draw(comparisons(scope))})"


def _indent(lines: list) -> list:
    return ["    " + line for line in lines]


@st.composite
def assignment(draw, scope: Scope, flags: dict):
    value = draw(expressions(scope, 2, flags))
    target = draw(st.sampled_from(list(LOCALS) + scope.names))
    if target not in scope.names:
        scope.names.append(target)
    return [f"{target} = {value}"]


@st.composite
def aug_assignment(draw, scope: Scope, flags: dict):
    target = draw(st.sampled_from(scope.names))
    op = draw(st.sampled_from(["+=", "-=", "*="]))
    value = draw(expressions(scope, 1, flags))
    if op == "*=":
        value = f"tanh({value})"
    return [f"{target} {op} {value}"]


@st.composite
def tuple_assignment(draw, scope: Scope, flags: dict):
    first = draw(st.sampled_from(list(LOCALS) + scope.names))
    second = draw(st.sampled_from([n for n in list(LOCALS) + scope.names if n != first]))
    pairs = [h for h in scope.helpers if h[2] == 2]
    how = draw(st.sampled_from(["values", "swap", "call"]))
    if how == "swap" and first in scope.names and second in scope.names:
        line = f"{first}, {second} = {second}, {first}"
    elif how == "call" and pairs:  # a helper returning two values
        name, arity, _ = draw(st.sampled_from(pairs))
        args = ", ".join(draw(expressions(scope, 1, flags)) for _ in range(arity))
        line = f"{first}, {second} = {name}({args})"
    else:
        line = f"{first}, {second} = {draw(expressions(scope, 1, flags))}, " \
               f"{draw(expressions(scope, 1, flags))}"
    for n in (first, second):
        if n not in scope.names:
            scope.names.append(n)
    return [line]


@st.composite
def if_statement(draw, scope: Scope, budget: int):
    cond = draw(conditions(scope))
    then_scope, else_scope = scope.child(), scope.child()
    then = draw(blocks(then_scope, budget - 1))
    lines = [f"if {cond}:"] + _indent(then)
    if draw(st.booleans()):
        orelse = draw(blocks(else_scope, budget - 1))
        lines += ["else:"] + _indent(orelse)
        both = [n for n in then_scope.names if n in else_scope.names]
    else:
        both = list(scope.names)
    scope.names[:] = [n for n in both if n in scope.names] + \
        [n for n in both if n not in scope.names]
    return lines


@st.composite
def for_statement(draw, scope: Scope, budget: int):
    index = "ij"[min(scope.loop_depth, 1)] if scope.loop_depth < 2 else "k"
    spec, trips = draw(st.sampled_from([
        ("range({n})", lambda n: n), ("range(1, {n})", lambda n: n - 1),
        ("range({n}, 0, -1)", lambda n: n), ("range(0, {n}, 2)", lambda n: (n + 1) // 2)]))
    n = draw(st.integers(0, 4))
    body_scope = scope.child(loop=True, ints=[index])
    body = draw(blocks(body_scope, budget - 1))
    jumps = any(line.strip() in ("break", "continue") for line in body)
    if trips(n) >= 1 and not jumps:  # the body surely ran: its names are bound after it
        scope.names[:] = body_scope.names
    return [f"for {index} in {spec.format(n=n)}:"] + _indent(body)


@st.composite
def for_list_statement(draw, scope: Scope, budget: int):
    """``for w in [e1, e2, ...]:`` (unrolled by the compiler), sometimes with
    ``enumerate``."""
    items = [draw(expressions(scope, 1)) for _ in range(draw(st.integers(1, 3)))]
    name = f"w{scope.loop_depth}"
    if draw(st.booleans()):
        head, ints = f"for {name} in [{', '.join(items)}]:", []
    else:
        head, ints = f"for k{scope.loop_depth}, {name} in enumerate(({', '.join(items)},)):", \
            [f"k{scope.loop_depth}"]
    body_scope = scope.child(loop=True, ints=ints)
    body_scope.names.append(name)
    flags = {"control": False}  # return/break in unrolled loops are not supported
    body = draw(blocks(body_scope, 0, flags))
    return [head] + _indent(body)


@st.composite
def data_while_statement(draw, scope: Scope, budget: int):
    """A while loop whose trip count depends on the data: ``s`` grows by at
    least 0.5 a trip, so it ends after a few."""
    scope.counters += 1
    acc = f"s{scope.counters}"
    start = draw(expressions(scope, 1))
    step = draw(expressions(scope, 1))
    body_scope = scope.child(loop=True, ints=[acc])  # read in the body, never assigned
    body = draw(blocks(body_scope, budget - 1, {"control": False}))
    scope.counters = body_scope.counters
    return [f"{acc} = tanh({start})", f"while {acc} < 2.0:"] + \
        _indent([f"{acc} = {acc} + 0.5 + ({step}) * ({step})"] + body)


@st.composite
def while_statement(draw, scope: Scope, budget: int):
    scope.counters += 1
    counter = f"n{scope.counters}"
    limit = draw(st.integers(0, 4))
    extra = ""
    if draw(st.booleans()):
        extra = f" and ({draw(conditions(scope))})"
    body_scope = scope.child(loop=True)
    body = draw(blocks(body_scope, budget - 1))
    scope.counters = body_scope.counters
    # the counter steps first, so a ``continue`` cannot skip it
    return [f"{counter} = 0", f"while {counter} < {limit}{extra}:"] + \
        _indent([f"{counter} += 1"] + body)


@st.composite
def jump(draw, scope: Scope, flags: dict):
    """``if cond: break|continue|return e`` (break/continue only inside loops)."""
    kinds = ["return"] + (["break", "continue"] if scope.loop_depth else [])
    kind = draw(st.sampled_from(kinds))
    cond = draw(conditions(scope))
    values = ", ".join(draw(expressions(scope, 1, flags)) for _ in range(scope.returns))
    what = kind if kind != "return" else f"return {values}"
    return [f"if {cond}:", f"    {what}"]


@st.composite
def statements(draw, scope: Scope, budget: int, flags: dict):
    kinds = ["assign", "assign", "aug", "tuple"]
    if budget > 0 and flags.get("control", True):
        kinds += ["if", "for", "while", "jump", "for_list", "while_data"]
    kind = draw(st.sampled_from(kinds))
    if kind in ("if", "for", "while", "jump", "for_list", "while_data"):
        flags["straight"] = False
    if kind == "for_list":
        return draw(for_list_statement(scope, budget))
    if kind == "while_data":
        return draw(data_while_statement(scope, budget))
    if kind == "assign":
        return draw(assignment(scope, flags))
    if kind == "aug":
        return draw(aug_assignment(scope, flags))
    if kind == "tuple":
        return draw(tuple_assignment(scope, flags))
    if kind == "if":
        return draw(if_statement(scope, budget))
    if kind == "for":
        return draw(for_statement(scope, budget))
    if kind == "while":
        return draw(while_statement(scope, budget))
    return draw(jump(scope, flags))


@st.composite
def blocks(draw, scope: Scope, budget: int, flags: dict | None = None, max_size: int = 3):
    flags = flags if flags is not None else {}
    n = draw(st.integers(1, max_size))
    lines = []
    for _ in range(n):
        lines += draw(statements(scope, budget, flags))
    return lines


@st.composite
def helper_functions(draw, index: int, control: bool, sympy_only: bool = False,
                     previous=()):
    """A module-level helper ``h{index}(u, v)``; it may call the helpers
    defined before it."""
    scope = Scope(["u", "v"], helpers=list(previous), sympy_only=sympy_only)
    flags = {"control": control}
    results = scope.returns = draw(st.sampled_from([1, 2]))
    body = draw(blocks(scope, 1 if control else 0, flags, max_size=2))
    ret = ", ".join(draw(expressions(scope, 1, flags)) for _ in range(results))
    text = "\n".join([f"def h{index}(u, v):"] + _indent(body + [f"return {ret}"]))
    return text, flags.get("sympy", True) and flags.get("straight", True), results


@st.composite
def programs(draw, control: bool = True, with_helpers: bool = True, sympy_only: bool = False):
    """A module defining ``f(x, y)`` and possibly helpers ``h1``, ``h2``.
    ``control=False, sympy_only=True`` gives straight-line programs sympy can check."""
    helpers, signatures, sym = [], [], True
    if with_helpers:
        for i in range(draw(st.integers(0, 2))):
            text, ok, results = draw(helper_functions(i + 1, control, sympy_only, signatures))
            helpers.append(text)
            signatures.append((f"h{i + 1}", 2, results))  # (name, arity, results)
            sym = sym and ok
    scope = Scope(PARAMS, helpers=signatures, sympy_only=sympy_only)
    flags = {"control": control}
    body = draw(blocks(scope, 2 if control else 0, flags))
    body.append(f"return {draw(expressions(scope, 2, flags))}")
    main = "\n".join(["def f(x, y):"] + _indent(body))
    straight = sym and flags.get("straight", True) and flags.get("sympy", True)
    return Program("\n\n\n".join(helpers + [main]) + "\n", straight, helpers)


#: a coordinate in [-2, -0.05] or [0.05, 2] (three decimals): away from the
#: kinks of abs/max/min at 0, which follow conventions (tests/test_edges.py)
COORDINATE = st.builds(lambda neg, k: (-k if neg else k) / 1000, st.booleans(),
                       st.integers(50, 2000))
POINTS = st.tuples(COORDINATE, COORDINATE).filter(lambda p: abs(p[0] - p[1]) > 1e-2)
