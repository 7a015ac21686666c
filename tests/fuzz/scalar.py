"""Scalar programs: ``def f(x, y[, z=...])`` returning a float.

Beyond smooth primitives and control flow the grammar writes the constructs
that hid wrong gradients (issue 12): rounding (``floor``/``ceil``/``int``/
``round``/``//``/``fabs``), bool arithmetic and ``==``/``!=``, ``and``/``or``
as values, ``max``/``min`` with NaN, ``/=``, helpers with defaults, keyword
calls and recursion, integer locals and ``for k in range(k)``, names reused as
loop variables, loops over tuples (``enumerate``/``zip``/``reversed``),
``reversed(range(...))``, ``for``/``while ... else``, ``while True`` ending by a
break or a return, a loop index read after a loop that certainly runs, names the emitted code also uses (``tape``, ``reversed``,
``math``, ``h1_fwd`` beside ``h1``), a module global rebound after the first
gradient, and points at zero, at integers, NaN and large values.  Issue 14's
forms (lists of known length, closures over locals, keyword-only and
``*args`` helpers) are in :mod:`.scalar_forms`.

Every template keeps its operand where the primitive is defined (``log(1 + a
* a)``); names bound in only one branch or only inside a loop body are not
read afterwards (except with the ``maybe_unbound`` feature: then ``f`` may
raise UnboundLocalError, and the derivative must raise or refuse there too).  Each construct is
tagged with a feature name (:mod:`.known`) so CI can leave out open bugs.
"""
from __future__ import annotations

from .program import Features, Program
from .scalar_forms import ScalarForms

MATH_IMPORTS = ("sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
                "tanh", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "hypot",
                "floor", "ceil", "fabs")
HEADER = "import math\nimport numpy as np\nfrom math import " + ", ".join(MATH_IMPORTS)

# (template, feature or None); {0} {1} are parenthesised operands
UNARY = [
    ("{0} * {0}", None), ("-{0}", None), ("sin({0})", None), ("cos({0})", None),
    ("tanh({0})", None), ("atan({0})", None), ("exp(tanh({0}))", None),
    ("log(1 + {0} * {0})", None), ("sqrt(1 + {0} * {0})", None),
    ("asin(0.5 * tanh({0}))", None), ("acos(0.5 * tanh({0}))", None),
    ("tan(0.5 * tanh({0}))", None), ("sinh(tanh({0}))", None), ("cosh(tanh({0}))", None),
    ("expm1(tanh({0}))", None), ("log1p({0} * {0})", None), ("log2(2 + sin({0}))", None),
    ("log10(1 + {0} * {0})", None), ("math.sin({0})", None), ("math.exp(-{0} * {0})", None),
    ("np.sin({0})", None), ("np.arctan({0})", None), ("np.sqrt(2 + np.cos({0}))", None),
    ("{0} ** 2", None), ("{0} ** 3", None), ("(1 + {0} ** 2) ** 0.5", None),
    ("pow({0}, 2)", None), ("math.pow(1 + {0} * {0}, 1.5)", None), ("hypot({0}, 1.5)", None),
    ("2 ** tanh({0})", None), ("abs({0})", None), ("float({0})", None),
    ("math.log(2 + cos({0}), 3)", None), ("{0} % 1.5", None), ("1.5 % (1 + {0} * {0})", None),
    ("floor({0})", "rounding"), ("ceil({0}) * 0.5", "rounding"), ("int({0})", "rounding"),
    ("round({0})", "rounding"), ("{0} // 1.5", "rounding"),
    ("fabs({0})", "fabs"), ("math.fabs({0})", "fabs"), ("math.floor({0})", "rounding"),
    ("True * {0}", "bool_arith"), ("-({0} > 0.5)", "bool_arith"),
    ("max({0}, math.nan)", "nan_maxmin"), ("min(math.nan, {0})", "nan_maxmin"),
]
BINARY = [
    ("{0} + {1}", None), ("{0} - {1}", None), ("{0} * {1}", None),
    ("{0} / (1 + {1} * {1})", None), ("{0} / (2 + cos({1}))", None),
    ("atan2({0}, 2 + cos({1}))", None), ("hypot({0}, 1 + {1} * {1})", None),
    ("(1 + {0} * {0}) ** tanh({1})", None), ("max({0}, {1})", None), ("min({0}, {1})", None),
    ("np.maximum({0}, {1})", None), ("{0} if {0} < {1} else {1} * 0.5", None),
    ("{0} * {1} if {0} > 0 and {1} < 1 else {0} - {1}", None),
    ("({0} > {1}) * {1}", "bool_arith"), ("({0} <= {1}) + {0}", "bool_arith"),
    ("({0} == {1}) * 3.0 + {0}", "bool_arith"), ("({0} != {1}) * {1}", "bool_arith"),
    ("({0} and {1})", "and_or_value"), ("({0} or {1})", "and_or_value"),
    ("({0} > 0 and {1})", "and_or_value"), ("({0} < {1} or {1})", "and_or_value"),
    ("max({0}, {1}, math.nan)", "nan_maxmin"), ("{0} // (1 + {1} * {1})", "rounding"),
]
CONSTANTS = ("1.0", "2", "0.5", "3.0", "-1.5", "0.25", "math.pi", "1e-3", "0", "0.0")
COMPARE = ("<", ">", "<=", ">=")
#: local names the emitted code also uses (or that shadow what it calls)
COLLIDING = ("tape", "reversed", "_t1", "x_bar", "a_bar", "out_bar", "f_grad", "h1_res",
             "y_dot", "x_dot")


def _paren(text: str) -> str:
    return text if text.replace("_", "").replace(".", "").isalnum() else f"({text})"


def _indent(lines: list) -> list:
    return ["    " + line for line in lines]


class Scope:
    """Names certainly bound here: ``floats`` may be assigned, ``ints`` are
    integer-valued (loop indices, counters, ``k = 3``)."""

    def __init__(self, floats, gen, helpers=(), ints=(), loop_depth=0, banned=()):
        self.floats, self.ints = list(floats), list(ints)
        self.gen, self.helpers = gen, list(helpers)
        self.loop_depth, self.banned = loop_depth, set(banned)
        self.returns = 1
        self.control = True
        self.in_branch = False
        self.top = False  # f's own body, outside loops and branches (closures)

    def child(self, loop=False, ints=()):
        inner = Scope(self.floats, self.gen, self.helpers, self.ints + list(ints),
                      self.loop_depth + loop, self.banned)
        inner.returns, inner.control, inner.in_branch = self.returns, self.control, self.in_branch
        return inner

    def settle(self, *children):
        """After a branch or loop: keep only names bound on every path."""
        self.floats[:] = [n for n in self.floats if all(n in ch.floats for ch in children)]
        self.ints[:] = [n for n in self.ints if all(n in ch.ints for ch in children)]


class ScalarGrammar(ScalarForms):
    """One program's generator (``c``: a chooser, ``feats``: :class:`Features`)."""

    scope_class = Scope

    def __init__(self, chooser, allowed=None) -> None:
        self.c = chooser
        self.feats = Features(chooser, allowed)
        self.counter = 0
        self.globals_used = False

    # ------------------------------------------------------------ expressions
    def _ok(self, template: str, scope: Scope) -> bool:
        return not any(m + "." in template for m in scope.banned)

    def expr(self, scope: Scope, depth: int = 2) -> str:
        c = self.c
        kinds = ["leaf"] if depth <= 0 else ["leaf", "unary", "binary"]
        if depth > 0 and scope.helpers:
            kinds.append("call")
        kind = c.choice(kinds)
        if kind == "leaf":
            return self.leaf(scope)
        if kind == "call":
            return self.call(scope, depth)
        table = UNARY if kind == "unary" else BINARY
        table = [t for t in table if self._ok(t[0], scope)]
        template = self.feats.pick(table)
        args = [_paren(self.expr(scope, depth - 1)) for _ in range(template.count("{1}") + 1)]
        return template.format(*args)

    def leaf(self, scope: Scope) -> str:
        c = self.c
        if self.globals_used is not None and self.feats.want("global_rebind", 0.03):
            self.globals_used = True
            return "K"
        if scope.ints and c.chance(0.15):
            return c.choice(scope.ints)
        if scope.floats and c.randint(0, 3) < 3:
            return c.choice(scope.floats)
        consts = [k for k in CONSTANTS if self._ok(k, scope)]
        return c.choice(consts)

    def call(self, scope: Scope, depth: int) -> str:
        c = self.c
        name, arity, results, default, params = sig = c.choice(scope.helpers)
        if params[-1].startswith("*") or "*" in params:
            return self.special_call(scope, depth, sig)
        args = [self.expr(scope, depth - 1) for _ in range(arity)]
        if name.startswith("r"):  # recursive helper: (value, depth)
            args[-1] = str(c.randint(0, 3))
        if default and self.feats.want("defaults", 0.4):
            args = args[:-1]
        if self.feats.want("kwargs", 0.3):
            named = [f"{p}={a}" for p, a in zip(params, args)]
            k = c.randint(0, len(args))
            tail = named[k:]
            if c.chance(0.5):
                tail = tail[::-1]
            args = args[:k] + tail
        text = f"{name}({', '.join(args)})"
        return text if results == 1 else f"{text}[{c.randint(0, results - 1)}]"

    def condition(self, scope: Scope) -> str:
        c = self.c
        def compare():
            ops = list(COMPARE)
            if self.feats.want("eq_ne", 0.15):
                ops = ["==", "!="]
            return f"{_paren(self.expr(scope, 1))} {c.choice(ops)} {_paren(self.expr(scope, 1))}"
        kind = c.choice(["compare", "compare", "and", "or", "not", "int"])
        if kind == "int" and scope.ints:
            return f"{c.choice(scope.ints)} % 2 == {c.randint(0, 1)}"
        first = compare()
        if kind in ("compare", "int"):
            return first
        if kind == "not":
            return f"not ({first})"
        return f"({first}) {kind} ({compare()})"

    # ------------------------------------------------------------ statements
    def new_name(self, scope: Scope) -> str:
        c = self.c
        pool = ["a", "b", "c", "d"]
        if self.feats.want("name_collision", 0.08):
            return c.choice(list(COLLIDING) + sorted(scope.banned))
        return c.choice(pool + scope.floats)

    def assign(self, scope: Scope) -> list:
        value = self.expr(scope)
        target = self.new_name(scope)
        if target in scope.ints:
            scope.ints.remove(target)
        if target not in scope.floats:
            scope.floats.append(target)
        return [f"{target} = {value}"]

    def aug(self, scope: Scope) -> list:
        c = self.c
        if not scope.floats:
            return self.assign(scope)
        target = c.choice(scope.floats)
        ops = ["+=", "-=", "*="] + (["/="] if self.feats.want("div_assign", 0.3) else [])
        op = c.choice(ops)
        value = self.expr(scope, 1)
        if op == "*=":
            value = f"tanh({value})"
        if op == "/=":
            value = f"1 + {_paren(value)} ** 2"
        return [f"{target} {op} {value}"]

    def int_local(self, scope: Scope) -> list:
        name = self.c.choice(["k", "m", "n"])
        if name not in scope.ints:
            scope.ints.append(name)
        if name in scope.floats:
            scope.floats.remove(name)
        return [f"{name} = {self.c.randint(0, 3)}"]

    def tuple_assign(self, scope: Scope) -> list:
        c = self.c
        first = self.new_name(scope)
        second = c.choice([n for n in ["a", "b", "c", "d"] + scope.floats if n != first])
        pairs = [h for h in scope.helpers if h[2] == 2 and "*" not in h[4]]
        how = c.choice(["values", "swap", "call"])
        if how == "swap" and first in scope.floats and second in scope.floats:
            line = f"{first}, {second} = {second}, {first}"
        elif how == "call" and pairs:
            name, arity, _, _, _ = c.choice(pairs)
            args = ", ".join(self.expr(scope, 1) for _ in range(arity))
            line = f"{first}, {second} = {name}({args})"
        else:
            line = f"{first}, {second} = {self.expr(scope, 1)}, {self.expr(scope, 1)}"
        for n in (first, second):
            if n in scope.ints:
                scope.ints.remove(n)
            if n not in scope.floats:
                scope.floats.append(n)
        return [line]

    def if_stmt(self, scope: Scope, budget: int) -> list:
        cond = self.condition(scope)
        then_s, else_s = scope.child(), scope.child()
        then_s.in_branch = else_s.in_branch = True
        if not self.feats.allows("helper_in_while"):  # see known.KNOWN_OPEN
            then_s.helpers = else_s.helpers = []
        lines = [f"if {cond}:"] + _indent(self.block(then_s, budget - 1))
        if self.c.chance(0.5):
            lines += ["else:"] + _indent(self.block(else_s, budget - 1))
            scope.settle(then_s, else_s)
        else:
            self.maybe_unbound(scope, then_s)
        return lines

    def maybe_unbound(self, scope: Scope, inner: Scope) -> None:
        """Sometimes keep readable the names bound only in ``inner`` (one
        branch, a loop body): Python raises UnboundLocalError where they are
        unbound, and the derivative must raise or be refused there too."""
        if self.feats.want("maybe_unbound", 0.1):
            scope.floats += [n for n in inner.floats if n not in scope.floats]

    def for_stmt(self, scope: Scope, budget: int) -> list:
        c = self.c
        index = "ij"[min(scope.loop_depth, 1)] if scope.loop_depth < 2 else "k"
        n = str(c.randint(0, 4))
        plain = [v for v in scope.ints if not v[1:].isdigit()]  # not a while counter
        if plain and self.feats.want("int_bound", 0.3):
            n = c.choice(plain)
        if plain and self.feats.want("range_self", 0.3):
            locals_ = [v for v in plain if v in ("k", "m", "n")]  # bound before the loops
            index = n = c.choice(locals_ or plain)  # for k in range(k)
        elif len(scope.floats) > 1 and self.feats.want("loop_var_reuse", 0.05):
            index = c.choice(scope.floats)  # a float name becomes the index
        spec = c.choice(["range({n})", "range(1, {n})", "range({n}, 0, -1)", "range(0, {n}, 2)"])
        if self.feats.want("reversed_range", 0.2):
            spec = c.choice(["reversed(range({n}))", "reversed(range(1, {n}))",
                             "reversed(range({n}, 0, -1))", "reversed(range(0, {n}, 2))"])
        reused = index in scope.floats
        body_s = scope.child(loop=True, ints=[index])
        if not self.feats.want("helper_in_while", 0.5):
            body_s.helpers = []  # a break makes it a while loop: see helper_in_while
        if reused:
            body_s.floats.remove(index)
        body = self.block(body_s, budget - 1)
        lines = [f"for {index} in {spec.format(n=n)}:"] + _indent(body)
        lines += self.loop_else(scope, budget, body_s)
        if reused:  # bound before the loop: still bound (an int or the old float)
            scope.floats.append(index)
        elif n.isdigit() and _literal_range_runs(spec, int(n)) and \
                self.feats.want("index_after", 0.5):
            scope.ints.append(index)  # the loop certainly runs: its index stays bound
        return lines

    def loop_else(self, scope: Scope, budget: int, body_s: Scope) -> list:
        """Maybe an ``else:`` clause (runs when no break ended the loop); then
        only names bound before the loop are certainly bound."""
        lines = []
        if self.feats.want("loop_else", 0.15):
            else_s = scope.child()
            lines = ["else:"] + _indent(self.block(else_s, max(budget - 1, 0), 2))
            scope.settle(body_s, else_s)
        else:
            scope.settle(body_s)  # names bound only in the body may be unbound
            self.maybe_unbound(scope, body_s)
        return lines

    def for_tuple(self, scope: Scope, budget: int) -> list:
        """A loop over a tuple: plain, enumerate, zip, reversed (all unrolled)."""
        c = self.c
        self.counter += 1
        seq, var = f"t{self.counter}", f"w{self.counter}"
        items = [self.expr(scope, 1) for _ in range(c.randint(1, 3))]
        lines = [f"{seq} = ({', '.join(items)}{',' if len(items) == 1 else ''})"]
        body_s = scope.child(loop=True)
        body_s.floats.append(var)
        form = c.choice(["plain", "enumerate", "zip", "reversed", "literal", "range"])
        ints = []
        if form == "plain":
            head = f"for {var} in {seq}:"
        elif form == "enumerate":
            idx = f"i{self.counter}"
            start = c.choice(["", ", 1", ", start=2"])
            head = f"for {idx}, {var} in enumerate({seq}{start}):"
            ints.append(idx)
        elif form == "zip":
            other = f"u{self.counter}"
            more = ", ".join(self.expr(scope, 1) for _ in range(c.randint(1, 3)))
            head = f"for {var}, {other} in zip({seq}, ({more},)):"
            body_s.floats.append(other)
        elif form == "reversed":
            head = f"for {var} in reversed({seq}):"
        elif form == "range":  # a range zipped with the tuple: its items are ints
            idx = f"i{self.counter}"
            rng = c.choice(["range(3)", "range(1, 9, 3)", "reversed(range(2, 6))",
                            "range(4, -2, -2)"])
            head = f"for {idx}, {var} in zip({rng}, {seq}):"
            ints.append(idx)
        else:
            head = f"for {var} in reversed([{', '.join(items)}]):"
        body_s.ints += ints
        if not self.feats.allows("helper_in_while"):  # see known.KNOWN_OPEN
            body_s.helpers = []
        body = self.block(body_s, budget - 1)
        lines += [head] + _indent(body) + self.loop_else(scope, budget, body_s)
        # the tuple is never empty: the loop variables stay bound after the loop
        scope.floats.append(var)
        if form == "zip":
            scope.floats.append(other)
        scope.ints += ints
        return lines

    def while_true(self, scope: Scope, budget: int) -> list:
        """``while True:`` that ends by a break or a return after a few trips."""
        c = self.c
        self.counter += 1
        counter = f"n{self.counter}"
        inner = scope.child()
        if not (scope.helpers and self.feats.want("helper_in_while", 0.5)):
            inner.helpers = []
        body_s = inner.child(loop=True, ints=[counter])
        exit_ = "break"
        if (not scope.in_branch or self.feats.allows("nested_return")) and c.chance(0.3):
            exit_ = f"return {', '.join(self.expr(body_s, 1) for _ in range(scope.returns))}"
        body = self.block(body_s, budget - 1)
        check = [f"if {counter} > {c.randint(0, 3)}:", f"    {exit_}"]
        body = [f"{counter} += 1"] + check + body  # first: a continue cannot skip it
        lines = [f"{counter} = 0", "while True:"] + _indent(body)
        if exit_ == "break":
            lines += self.loop_else(scope, budget, body_s)
        else:
            scope.settle(body_s)
        return lines

    def while_stmt(self, scope: Scope, budget: int) -> list:
        self.counter += 1
        counter = f"n{self.counter}"
        inner = scope.child()
        # helpers called inside a while loop (tagged: jacobian fails on them)
        if not (scope.helpers and self.feats.want("helper_in_while", 0.5)):
            inner.helpers = []
        extra = f" and ({self.condition(inner)})" if self.c.chance(0.5) else ""
        body_s = inner.child(loop=True, ints=[counter])
        body = self.block(body_s, budget - 1)
        lines = [f"{counter} = 0", f"while {counter} < {self.c.randint(0, 4)}{extra}:"] + \
            _indent([f"{counter} += 1"] + body)
        return lines + self.loop_else(scope, budget, body_s)

    def for_list(self, scope: Scope, budget: int) -> list:
        items = [self.expr(scope, 1) for _ in range(self.c.randint(1, 3))]
        name = f"w{scope.loop_depth}"
        body_s = scope.child(loop=True)
        body_s.floats.append(name)
        body_s.control = False
        if not self.feats.allows("helper_in_while"):  # see known.KNOWN_OPEN
            body_s.helpers = []
        body = self.block(body_s, 0)
        scope.settle(body_s)
        return [f"for {name} in [{', '.join(items)}]:"] + _indent(body)

    def jump(self, scope: Scope) -> list:
        kinds = ["return"] + (["break", "continue"] if scope.loop_depth else [])
        kind = self.c.choice(kinds)
        if kind == "return" and scope.in_branch:  # an early return inside a branch
            if not self.feats.allows("nested_return"):
                return self.assign(scope)
            self.feats.used.add("nested_return")
        if kind == "return" and scope.helpers:
            # code after an early return moves into a branch: helpers called
            # there are missing from jacobian's module (see helper_in_while)
            if not self.feats.allows("helper_in_while"):
                return self.assign(scope)
            self.feats.used.add("helper_in_while")
        values = ", ".join(self.expr(scope, 1) for _ in range(scope.returns))
        what = kind if kind != "return" else f"return {values}"
        return [f"if {self.condition(scope)}:", f"    {what}"]

    def statement(self, scope: Scope, budget: int) -> list:
        kinds = ["assign", "assign", "aug", "tuple"]
        if self.feats.want("int_local", 0.2):
            kinds.append("int")
        if budget > 0 and scope.control:
            kinds += ["if", "for", "for", "while", "jump", "for_list"]
            kinds += [k for k, feat in (("for_tuple", "iter_tuple"), ("while_true", "while_true"))
                      if self.feats.allows(feat)]
        if self.feats.allows("gen_sum"):
            kinds.append("comprehension")
        if (self.feats.allows("list_comp") or self.feats.allows("append")) and \
                (scope.loop_depth == 0 or self.c.chance(0.3)):
            # fewer in loops: a list bound in a loop whose value may also come
            # from an earlier iteration is refused (it hides the rest)
            kinds.append("lists")
        if scope.top and self.feats.allows("local_closure"):
            kinds.append("local_closure")
        kind = self.c.choice(kinds)
        if kind == "lists":
            return self.list_forms(scope, budget)
        if kind == "local_closure":
            self.feats.used.add(kind)
            return self.local_closure(scope)
        if kind == "comprehension":
            self.feats.used.add("gen_sum")
            return self.comprehension(scope)
        if kind in ("for_tuple", "while_true"):
            self.feats.used.add("iter_tuple" if kind == "for_tuple" else kind)
            return getattr(self, kind)(scope, budget)
        if kind in ("if", "for", "while", "for_list"):
            return getattr(self, kind + ("_stmt" if kind != "for_list" else ""))(scope, budget)
        return {"assign": self.assign, "aug": self.aug, "tuple": self.tuple_assign,
                "int": self.int_local, "jump": self.jump}[kind](scope)

    def comprehension(self, scope: Scope) -> list:
        """``a = sum(e for g in range(k) if cond)``, over a tuple of
        expressions, ``min``/``max`` of a non-empty one, ``sum([...])``."""
        c = self.c
        self.counter += 1
        var = f"g{self.counter}"
        inner = scope.child()
        reducer = c.choice(["sum", "sum", "sum_list", "max", "min"])
        low = 1 if reducer in ("max", "min") else 0
        if c.chance(0.5):
            source = f"range({c.randint(low, 4)})"
            inner.ints = inner.ints + [var]
        else:
            items = [self.expr(scope, 1) for _ in range(c.randint(max(low, 1), 3))]
            source = f"({', '.join(items)},)"
            inner.floats = inner.floats + [var]
        elt = self.expr(inner, 2)
        cond = f" if {self.condition(inner)}" if reducer.startswith("sum") and \
            c.chance(0.3) else ""
        gen = f"{elt} for {var} in {source}{cond}"
        value = f"sum([{gen}])" if reducer == "sum_list" else f"{reducer}({gen})"
        return self.bind_new(scope, value)

    def bind_new(self, scope: Scope, value: str) -> list:
        target = self.new_name(scope)
        if target in scope.ints:
            scope.ints.remove(target)
        if target not in scope.floats:
            scope.floats.append(target)
        return [f"{target} = {value}"]

    def closure(self, scope: Scope, sigs: list) -> list:
        """A nested ``def c1(u)`` or ``c1 = lambda u: ...`` reading f's
        parameters (a closure); calls of it then appear like a helper's."""
        c = self.c
        inner = Scope(["u"] + scope.floats, self, sigs)
        inner.control = False
        if c.chance(0.5):
            lines = [f"c1 = lambda u: {self.expr(inner, 2)}"]
        else:
            body = self.block(inner, 0, max_size=2)
            lines = ["def c1(u):"] + _indent(body + [f"return {self.expr(inner, 2)}"])
        scope.helpers.append(("c1", 1, 1, False, ("u",)))
        return lines

    def block(self, scope: Scope, budget: int, max_size: int = 3) -> list:
        lines = []
        for _ in range(self.c.randint(1, max_size)):
            lines += self.statement(scope, budget)
        return lines

    # ------------------------------------------------------------ functions
    def helper(self, name: str, previous: list) -> tuple:
        """``def name(u, v[=default])``; may call the helpers before it."""
        c = self.c
        default = self.feats.want("defaults", 0.3)
        scope = Scope(["u", "v"], self, previous)
        scope.returns = c.choice([1, 2])
        scope.control = c.chance(0.5)
        body = self.block(scope, 1, max_size=2)
        ret = ", ".join(self.expr(scope, 1) for _ in range(scope.returns))
        head = f"def {name}(u, v{'=1.5' if default else ''}):"
        return "\n".join([head] + _indent(body + [f"return {ret}"])), \
            (name, 2, scope.returns, default, ("u", "v"))

    def recursive(self, name: str) -> tuple:
        scope = Scope(["u"], self)
        scope.control = False
        step = self.expr(scope, 1)
        text = "\n".join([f"def {name}(u, n):", "    if n <= 0:", "        return u",
                          f"    return 0.5 * {name}({step}, n - 1) + u"])
        return text, (name, 2, 1, False, ("u", "n"))

    def module(self) -> tuple:
        c = self.c
        helpers, sigs = [], []
        for i in range(c.randint(0, 2)):
            name = f"h{i + 1}"
            if i == 1 and self.feats.want("helper_collision", 0.3):
                name = c.choice(["h1_fwd", "h1_bwd", "h1_jvp", "h1_grad"])
            text, sig = self.helper(name, list(sigs))
            helpers.append(text)
            sigs.append(sig)
        if self.feats.want("recursion", 0.1):
            text, sig = self.recursive("r1")
            helpers.append(text)
            sigs.append(sig)
        if self.feats.want("kwonly", 0.2):
            text, sig = self.kwonly_helper("k1", list(sigs))
            helpers.append(text)
            sigs.append(sig)
        if self.feats.want("star_args", 0.04):  # refused today: rare, not to hide the rest
            text, sig = self.star_helper("s1")
            helpers.append(text)
            sigs.append(sig)
        with_z = self.feats.want("defaults", 0.2)
        # a local named math or np shadows the module in all of f: f spells
        # no call through it then
        banned = [m for m in ("math", "np") if self.feats.want("name_collision", 0.04)]
        scope = Scope(["x", "y"] + (["z"] if with_z else []), self, sigs, banned=banned)
        body = self.closure(scope, sigs) if self.feats.want("closure", 0.2) else []
        scope.top = True
        body += self.block(scope, 2)
        body.append(f"return {self.expr(scope, 2)}")
        head = "def f(x, y, z=0.5):" if with_z else "def f(x, y):"
        if with_z and self.feats.want("kwonly", 0.3):
            head = "def f(x, y, *, z=0.5):"  # the points then pass x and y only
            with_z = False
        return helpers + ["\n".join([head] + _indent(body))], with_z


def _literal_range_runs(spec: str, n: int) -> bool:
    """Does the range written by ``spec`` with the literal ``n`` run at least once?"""
    inner = spec.replace("reversed(", "", 1)[:-1] if spec.startswith("reversed(") else spec
    return len(eval(inner.format(n=n), {"range": range})) > 0


def scalar_points(c, feats: Features, with_z: bool) -> list:
    """Candidate points: mostly ±[0.05, 2]; sometimes 0, integers, large
    values or a NaN coordinate (then only the other is differentiated)."""
    # truthiness and equality switch at exactly 0: AD takes the branch at
    # the point, the (continuous) function's limit may differ -- no zeros then
    # (equality also switches at integers: (1 + y*y) ** t == 2 ** t at y = -1)
    switches = bool(feats.used & {"and_or_value", "bool_arith", "eq_ne"})

    def coord():
        kind = c.choice(["usual", "usual", "usual", "zero", "int", "large", "tiny"])
        if kind == "usual" or not feats.want(kind + "_point", 0.5) or \
                (kind in ("zero", "int") and switches):
            v = c.uniform(0.05, 2.0)
            return -v if c.chance(0.5) else v
        return {"zero": 0.0, "int": c.randint(-2, 3), "large": c.choice([1e3, -1e4, 1e8]),
                "tiny": c.choice([1e-9, -1e-12])}[kind]
    points = []
    for _ in range(3):
        p = [coord(), coord()]
        if feats.want("nan_point", 0.05):
            p[c.randint(0, 1)] = float("nan")
        if with_z and c.chance(0.5):
            p.append(coord())
        points.append(tuple(p))
    return points


def scalar_program(chooser, allowed=None) -> Program:
    g = ScalarGrammar(chooser, allowed)
    defs, with_z = g.module()
    header = HEADER
    if g.globals_used:
        header += "\n\nK = 1.5"
    source = header + "\n\n\n" + "\n\n\n".join(defs) + "\n"
    points = scalar_points(chooser, g.feats, with_z)
    wrt = chooser.choice([(0, 1), (0,), (1,)])
    return Program(source, "scalar", points, wrt, set(g.feats.used),
                   {"K": 2.5} if g.globals_used else {})


#: every feature tag the scalar grammar knows
ALL_FEATURES = {feat for _, feat in UNARY + BINARY if feat} | {
    "global_rebind", "defaults", "kwargs", "eq_ne", "name_collision", "div_assign",
    "int_local", "int_bound", "range_self", "loop_var_reuse", "helper_collision", "recursion",
    "helper_in_while", "nested_return", "gen_sum", "closure", "maybe_unbound",
    "reversed_range", "index_after", "loop_else", "iter_tuple", "while_true",
    "list_comp", "append", "list_maxmin", "np_sum_list", "local_closure", "kwonly", "star_args",
    "zero_point", "int_point", "large_point", "tiny_point", "nan_point"}
