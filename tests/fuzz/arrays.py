"""NumPy programs: ``def f(X, v, c, s)`` with ``X`` 3x4, ``v`` (4,), ``c``
(3, 1) and ``s`` a float, returning a float.

Expressions are generated *for a shape*: elementwise functions, arithmetic
that broadcasts rows against columns, reductions (with ``axis``/``keepdims``),
``@``/``np.dot``/``np.outer``, transposes and reshapes, indexing and slicing,
``np.concatenate``/``np.stack``, ``np.where`` and ``np.maximum``.  Statements
add what issue 12 found wrong: in-place operators (``+=`` ... ``/=``), aliases
and views followed by them (``B = A; B *= 2.0``, ``V = A[:2]; V *= 3.0``,
``T = A.T; T += 1.0``), element assignment, a name rebuilt from an index of
itself (``u = np.concatenate([u[1:], u[:1]])``, ``P = np.stack([v, P[1],
P[2]])``), loops over arrays (also in such rebuilds) and branches on array
values; loops over an array's rows or elements (plain, ``enumerate``, ``zip``,
``reversed``, with ``break``/``continue``/``else``, the loop variable read
after the loop), one element updated in place (``e = v[1]; e /= ...``: a 0-d
view in PyTorch).  Points may be integer arrays (into functions giving
floats: ``np.sqrt``, ``X / 3``, ``np.sum(X) / 4``), zeros or large values.
Issue 14's forms (generators, lists, closures, ``while True``, item writes)
are in :mod:`.arrays_forms`.
"""
from __future__ import annotations

import re

import numpy as np

from .arrays_forms import ArrayForms
from .program import Features, Program


M, T, S0, S2, S3, S4, C, R2 = (3, 4), (4, 3), (), (2,), (3,), (4,), (3, 1), (2, 4)
SHAPES = [S0, S3, S4, C, M, T, S2, R2]
PARAMS = {"X": M, "v": S4, "c": C, "s": S0}

UNARY = [("np.sin({0})", None), ("np.tanh({0})", None), ("np.exp(np.tanh({0}))", None),
         ("{0} ** 2", None), ("-{0}", None), ("np.sqrt(1.5 + {0} ** 2)", None),
         ("np.log1p({0} ** 2)", None), ("np.cos({0}) * 0.5", None),
         ("np.abs({0})", "kink"), ("np.maximum({0}, 0.0)", "kink"),
         ("np.where({0} > 0, {0}, 0.5 * {0})", "kink"), ("np.expm1(np.tanh({0}))", "expm1"),
         ("np.sqrt(np.abs({0}) + 1)", None), ("{0} / 3", "true_div"),
         ("np.abs({0}) ** 1.5", "kink")]
BINARY = [("{0} + {1}", None), ("{0} - {1}", None), ("{0} * {1}", None),
          ("{0} / (1.5 + {1} ** 2)", None), ("np.maximum({0}, {1})", "kink"),
          ("np.minimum({0}, {1})", "kink"), ("np.where({0} > {1}, {0}, {1} * 2.0)", "kink"),
          ("{0} / (2 + {1} * {1})", "true_div")]
#: operand shapes that broadcast to each result shape
BROADCAST = {M: [(M, M), (M, S4), (S4, M), (M, C), (C, S4), (S0, M), (M, S0)],
             T: [(T, T), (T, S3), (S0, T)], S3: [(S3, S3), (S3, S0), (S0, S3)],
             S4: [(S4, S4), (S4, S0)], C: [(C, C), (C, S0)], S0: [(S0, S0)],
             S2: [(S2, S2), (S2, S0)], R2: [(R2, R2), (R2, S4), (S0, R2)]}
#: structural forms per result shape: (template, operand shapes, feature)
STRUCT = {
    S0: [("np.sum({0})", [M], None), ("np.mean({0})", [S3], None), ("np.dot({0}, {1})", [S4, S4], None),
         ("{0} @ {1}", [S3, S3], None), ("{0}[1, 2]", [M], None), ("{0}[2]", [S4], None),
         ("{0}[-1]", [S3], None), ("np.max({0})", [S4], "kink"), ("np.min({0})", [M], "kink"),
         ("{0}.sum()", [M], "methods"), ("np.sum({0} * {1})", [M, M], None),
         ("float(np.sum({0}))", [S3], None), ("np.var({0})", [S4], "spread"),
         ("np.sum({0}) / 4", [M], "true_div")],
    S3: [("{0} @ {1}", [M, S4], None), ("np.sum({0}, axis=1)", [M], None), ("{0}[:, 1]", [M], None),
         ("np.mean({0}, axis=1)", [M], None), ("np.dot({0}, {1})", [M, S4], None),
         ("{0}[:, 0]", [C], None), ("np.reshape({0}, (3,))", [C], None), ("{0}[::-1]", [S3], None),
         ("np.concatenate([{0}[1:], {0}[:1]])", [S3], None), ("np.max({0}, axis=1)", [M], "kink"),
         ("np.std({0}, axis=1)", [M], "kink")],
    S4: [("{0} @ {1}", [S3, M], None), ("np.sum({0}, axis=0)", [M], None), ("{0}[1]", [M], None),
         ("{0}.T @ {1}", [M, S3], None), ("np.concatenate([{0}, {1}])", [S2, S2], None),
         ("{0}[::-1]", [S4], None), ("np.concatenate([{0}[1:], {0}[:1]])", [S4], None),
         ("{0}[-1, :]", [M], None), ("np.mean({0}, axis=0)", [M], None),
         ("np.var({0}, axis=0, ddof=1)", [M], "spread"),
         ("np.sum({0} / 3, axis=0)", [M], "true_div")],
    C: [("np.mean({0}, axis=1, keepdims=True)", [M], None),
        ("np.sum({0}, axis=1, keepdims=True)", [M], None), ("np.reshape({0}, (3, 1))", [S3], None),
        ("{0}[:, None]", [S3], None), ("{0}[:, 1:2]", [M], None),
        ("{0}.std(axis=1, keepdims=True)", [M], "kink")],
    M: [("{0}.T", [T], None), ("np.reshape({0}, (3, 4))", [T], None), ("{0}[::-1, :]", [M], None),
        ("np.stack([{0}, {1}, {0}])", [S4, S4], None), ("np.concatenate([{0}, {1}[2:]])", [R2, M], None),
        ("np.outer({0}, {1})", [S3, S4], None), ("np.transpose({0})", [T], None)],
    T: [("{0}.T", [M], None), ("np.reshape({0}, (4, 3))", [M], None)],
    S2: [("{0}[:2]", [S4], None), ("{0}[1:3]", [S4], None), ("{0}[1:]", [S3], None),
         ("np.stack([{0}, {1}])", [S0, S0], None), ("np.array([{0}, {1}])", [S0, S0], "array_literal"),
         ("0.25 * {0}[:-2] + 0.5 * {0}[1:-1] + 0.25 * {0}[2:]", [S4], None)],
    R2: [("{0}[:2]", [M], None), ("{0}[1:]", [M], None), ("np.stack([{0}, {1}])", [S4, S4], None)],
}
CONSTANTS = ("1.0", "0.5", "2", "-1.5", "0.25")
#: an expression of the parameters for each shape (when no name has it)
CANONICAL = {S0: "s", S3: "c[:, 0]", S4: "v", C: "c", M: "X", T: "X.T", S2: "v[:2]",
             R2: "X[:2]"}


def _paren(text: str) -> str:
    return text if text.replace("_", "").replace(".", "").isalnum() else f"({text})"


def _indent(lines: list) -> list:
    return ["    " + line for line in lines]


class ArrayGrammar(ArrayForms):
    def __init__(self, chooser, allowed=None) -> None:
        self.c = chooser
        self.feats = Features(chooser, allowed)
        self.fresh = 0
        self.pinned: set = set()  # names a closure reads: they keep their shape
        self.callables: list = []  # (name, argument shape, result shape, params, kwonly)

    # ------------------------------------------------------------ expressions
    def leaf(self, env: dict, shape) -> str:
        """A name of exactly ``shape`` (a scalar name or constant for ``()``),
        else an expression of the parameters with that shape."""
        exact = [n for n, s in env.items() if s == shape]
        if shape == S0 and self.c.chance(0.3):
            return self.c.choice(CONSTANTS)
        if exact:
            return self.c.choice(exact)
        return CANONICAL[shape]

    def expr(self, env: dict, shape, depth: int = 2) -> str:
        c = self.c
        kinds = ["leaf"] if depth <= 0 else ["leaf", "unary", "binary", "struct", "struct"]
        if depth > 0 and any(k[2] == shape for k in self.callables):
            kinds.append("call")
        kind = c.choice(kinds)
        if kind == "call":
            return self.call(env, shape, depth)
        if kind == "leaf":
            return self.leaf(env, shape)
        if kind == "unary":
            template = self.feats.pick(UNARY)
            return template.format(_paren(self.expr(env, shape, depth - 1)))
        if kind == "binary":
            template = self.feats.pick(BINARY)
            a, b = c.choice(BROADCAST[shape])
            return template.format(_paren(self.expr(env, a, depth - 1)),
                                   _paren(self.expr(env, b, depth - 1)))
        forms = [(t, shapes) for t, shapes, feat in STRUCT[shape]
                 if feat is None or self.feats.allowed is None or feat in self.feats.allowed]
        template, shapes = c.choice(forms)
        for t, _, feat in STRUCT[shape]:
            if t == template and feat:
                self.feats.used.add(feat)
        args = [_paren(self.expr(env, s, depth - 1)) for s in shapes]
        return template.format(*args)

    def scalar_expr(self, env: dict, depth: int = 2) -> str:
        return self.expr(env, S0, depth)

    # ------------------------------------------------------------ statements
    def new_name(self) -> str:
        self.fresh += 1
        return self.c.choice(["A", "B", "u", "P", "t"]) + str(self.fresh)

    def arrays(self, env: dict) -> list:
        return [n for n, s in env.items() if s != S0]

    def assign(self, env: dict) -> list:
        shape = self.c.choice(SHAPES)
        # rebind an existing name, maybe to a new shape (a parameter keeps its
        # shape: CANONICAL spells shapes through the parameters)
        names = [n for n in env if (n not in PARAMS and n not in self.pinned) or env[n] == shape]
        name = self.c.choice(names) if names and self.c.chance(0.3) else None
        value = self.expr(env, shape)
        if name and re.search(rf"\b{name}\b", value) and not self.feats.want("self_index", 1.0):
            name = None  # ``u = u[::-1]`` is the self_index feature
        name = name or self.new_name()
        env[name] = shape
        return [f"{name} = {value}"]

    def aug(self, env: dict) -> list:
        c = self.c
        names = list(env)
        if not self.feats.want("array_inplace", 0.7):  # in-place on an array
            names = [n for n in env if env[n] == S0]
        elif c.chance(0.8) and any(n not in PARAMS for n in names):
            # mostly on the function's own arrays: on a parameter it is refused
            # (it writes into the caller's array), which hides the rest
            names = [n for n in names if n not in PARAMS]
        name = c.choice(names)
        shape = env[name]
        op = c.choice(["+=", "-=", "*=", "/="])
        other = c.choice([S0, shape]) if shape in CANONICAL else S0
        value = self.expr(env, other, 1)
        if op == "*=":
            value = f"np.tanh({value})"
        elif op == "/=":
            value = f"1.5 + {_paren(value)} ** 2"
        return [f"{name} {op} {value}"]

    def alias_inplace(self, env: dict) -> list:
        """An alias or a view, then an in-place operator on it: NumPy mutates
        the original too."""
        c = self.c
        arrays = self.arrays(env)
        if not arrays:
            return self.aug(env)
        src = c.choice(arrays)
        shape, alias = env[src], self.new_name()
        views = [(src, shape)]
        if len(shape) >= 1 and shape[0] > 2:
            views.append((f"{src}[:2]", (2,) + shape[1:]))
            views.append((f"{src}[1:]", (shape[0] - 1,) + shape[1:]))
        if len(shape) == 2:
            views.append((f"{src}.T", shape[::-1]))
            views.append((f"{src}[0]", shape[1:]))
        if self.feats.want("item_inplace", 0.3):  # one element: a 0-d view in PyTorch
            views = [(f"{src}[1]" if len(shape) == 1 else f"{src}[-1, 0]", S0)]
        if shape in (M, T):
            views.append((f"np.reshape({src}, {shape[::-1]})", shape[::-1]))
        view, vshape = c.choice(views)
        op = c.choice(["*= 2.0", "+= 1.0", "-= {}", "*= {}", "/= 1.5 + {} ** 2", "+= {}"])
        if "{}" in op:
            op = op.format(_paren(self.expr(env, S0, 1)))
        lines = [f"{alias} = {view}", f"{alias} {op}"]
        env[alias] = vshape
        return lines

    def setitem(self, env: dict) -> list:
        c = self.c
        arrays = [n for n in self.arrays(env) if len(env[n]) >= 1]
        if not arrays:
            return self.aug(env)
        name = c.choice(arrays)
        shape = env[name]
        index, sub = c.choice([("[0]", shape[1:]), ("[-1]", shape[1:])] +
                              ([("[:, 0]", shape[:1])] if len(shape) == 2 else []))
        op = c.choice(["=", "+=", "*="])
        sub = sub if sub in CANONICAL else S0
        return [f"{name}{index} {op} {self.expr(env, sub, 1)}"]

    def self_index(self, env: dict) -> list:
        """A name rebuilt from an index of itself."""
        c = self.c
        vecs = [n for n, s in env.items() if s in (S3, S4)]
        mats = [n for n, s in env.items() if s == M]
        options = []
        for n in vecs:
            options += [(f"{n} = np.concatenate([{n}[1:], {n}[:1]])", n, env[n]),
                        (f"{n} = 0.5 * {n}[::-1] + {n}", n, env[n])]
            if env[n] == S4 and n not in PARAMS and n not in self.pinned:
                options.append((f"{n} = 0.25 * {n}[:-2] + 0.5 * {n}[1:-1] + 0.25 * {n}[2:]",
                                n, S2))
        for n in mats:
            row = _paren(self.expr(env, S4, 1))
            options += [(f"{n} = np.stack([{row}, {n}[1], {n}[2]])", n, M),
                        (f"{n} = np.stack([{n}[2], {n}[0], {n}[1] * 2.0])", n, M),
                        (f"{n} = {n}[::-1] * {n}", n, M)]
        if not options:
            return self.assign(env)
        line, name, shape = c.choice(options)
        env[name] = shape
        return [line]

    def loop(self, env: dict, budget: int) -> list:
        c = self.c
        kind = c.choice(["range", "rows", "rows", "roll"])
        if kind == "roll":
            vecs = [n for n, s in env.items() if s in (S3, S4)]
            if vecs and self.feats.want("self_index", 0.8):
                n = c.choice(vecs)
                return [f"for _ in range({c.randint(0, 3)}):",
                        f"    {n} = {_paren(self.expr(env, S0, 1))} * "
                        f"np.concatenate([{n}[1:], {n}[:1]])"]
            kind = "range"
        acc = self.new_name()
        head = [f"{acc} = {self.expr(env, S4, 1)}"]
        inner = dict(env)
        if kind == "rows" and self.feats.want("iter_array", 0.8):
            return self.sequence_loop(env, budget, acc, head)
        head.append(f"for i in range({c.randint(0, 3)}):")
        inner["row"] = S4
        head.append(f"    row = X[i] * {_paren(self.expr(env, S0, 1))}")
        inner[acc] = S4
        value = self.expr(inner, S4, 1)
        if re.search(rf"\b{acc}\[", value) and not self.feats.want("self_index", 1.0):
            value = self.expr({n: sh for n, sh in inner.items() if n != acc}, S4, 1)
        body = [f"{acc} = {acc} + {value}"]
        if budget > 0 and c.chance(0.4):
            body += self.statement(inner, 0, shape_stable=True)
        env[acc] = S4
        return head + _indent(body)

    def sequence_loop(self, env: dict, budget: int, acc: str, head: list) -> list:
        """A loop over an array's rows or elements: plain, ``enumerate``,
        ``zip`` (of different lengths), ``reversed``, maybe a ``break`` and an
        ``else``, maybe the loop variable read after the loop (bound before it)."""
        c = self.c
        mats = [n for n, s in env.items() if s == M] or ["X"]
        vecs = [n for n, s in env.items() if s in (S3, S4)] or ["v"]
        src = c.choice(mats)
        inner = dict(env)
        form = c.choice(["rows", "elements", "enumerate", "zip", "reversed", "zip3", "range"])
        names = {"row": S4}
        if form == "rows":
            loop = f"for row in {src}:"
        elif form == "elements":
            vec = c.choice(vecs)
            loop, names = f"for e in {vec}:", {"e": S0}
        elif form == "enumerate":
            loop, names = f"for k, row in enumerate({src}):", {"row": S4, "k": S0}
        elif form == "zip":
            vec = c.choice(vecs)
            loop, names = f"for row, e in zip({src}, {vec}):", {"row": S4, "e": S0}
        elif form == "reversed":
            loop = f"for row in reversed({src}):"
        elif form == "range":
            vec = c.choice(vecs)
            rng = c.choice(["range(1, 9, 2)", "reversed(range(5))", "range(3, 0, -1)"])
            loop, names = f"for k, e in zip({rng}, {vec}):", {"e": S0, "k": S0}
        else:
            vec = c.choice(vecs)
            loop = f"for k, (row, e) in enumerate(zip(reversed({src}), {vec})):"
            names = {"row": S4, "e": S0, "k": S0}
        after = self.feats.want("loop_var_after", 0.3)
        if after:  # bound before the loop: readable after it even if it ran zero times
            head += [f"{n} = {self.expr(env, sh, 1)}" for n, sh in names.items()]
        inner.update(names)
        inner[acc] = S4
        value = self.expr(inner, S4, 1)
        if re.search(rf"\b{acc}\[", value) and not self.feats.want("self_index", 1.0):
            value = self.expr({n: sh for n, sh in inner.items() if n != acc}, S4, 1)
        body = [f"{acc} = {acc} + {value}"]
        if self.feats.want("loop_break", 0.3):
            body = [f"if {self.expr(inner, S0, 1)} > {c.choice(CONSTANTS)}:",
                    f"    {c.choice(['break', 'continue'])}"] + body
        if budget > 0 and c.chance(0.4):
            body += self.statement(inner, 0, shape_stable=True)
        lines = head + [loop] + _indent(body)
        if self.feats.want("loop_else", 0.2):
            lines += ["else:", f"    {acc} = {acc} * {_paren(self.expr(env, S0, 1))}"]
        env[acc] = S4
        if after:
            env.update(names)
        return lines

    def branch(self, env: dict, budget: int) -> list:
        c = self.c
        cond = c.choice([f"np.sum({self.expr(env, M, 1)}) > {c.choice(CONSTANTS)}",
                         f"X[0, 1] > {self.expr(env, S0, 1)}",
                         f"{self.expr(env, S0, 1)} < {self.expr(env, S0, 1)}"])
        then_env, else_env = dict(env), dict(env)
        then = self.statement(then_env, budget - 1, shape_stable=True)
        lines = [f"if {cond}:"] + _indent(then)
        if c.chance(0.5):
            lines += ["else:"] + _indent(self.statement(else_env, budget - 1, shape_stable=True))
        # afterwards: the names bound before, with unchanged shapes
        for n in list(env):
            if then_env.get(n) != env[n] or else_env.get(n) != env[n]:
                del env[n]
        return lines

    def statement(self, env: dict, budget: int, shape_stable: bool = False) -> list:
        """One statement; ``shape_stable``: keep every name's shape (loop
        bodies and branches)."""
        kinds = [("assign", None), ("assign ", None), ("aug", None), ("alias", "alias_inplace"),
                 ("setitem", "setitem"), ("self", "self_index")]
        if budget > 0:
            kinds += [("loop", "array_loop"), ("branch", "array_branch")]
        if not shape_stable:
            kinds += [("generator", "array_gen"), ("lists", "array_list"),
                      ("while_true", "while_true")]
        if budget == 2 and self.feats.allows("array_closure"):  # f's own body
            kinds.append(("closure", "array_closure"))
        if not shape_stable:
            kinds.append(("item_writes", "item_write"))
        kind = self.feats.pick(kinds).strip()
        if kind in ("generator", "while_true", "closure", "item_writes"):
            return getattr(self, kind)(env)
        if kind == "lists":
            return self.list_forms(env)
        if kind == "setitem" and not self.feats.want("setitem", 0.15):
            kind = "aug"  # refused today: keep it from hiding the rest of the program
        if shape_stable and kind in ("assign", "self", "alias"):
            kind = "aug"
        if kind == "assign":
            return self.assign(env)
        if kind == "aug":
            return self.aug(env)
        if kind == "alias":
            return self.alias_inplace(env)
        if kind == "setitem":
            return self.setitem(env)
        if kind == "self":
            return self.self_index(env)
        if kind == "loop":
            return self.loop(env, budget - 1)
        return self.branch(env, budget - 1)

    def function(self) -> list:
        env = dict(PARAMS)
        head = self.kwonly_helper() if self.feats.want("kwonly", 0.15) else []
        body = []
        for _ in range(self.c.randint(1, 5)):
            body += self.statement(env, 2)
        arrays = [n for n in env if env[n] != S0]
        terms = [f"np.sum({n} * {n})" if self.c.chance(0.5) else f"np.sum(np.sin({n}))"
                 for n in arrays[-2:]]
        terms.append(self.expr(env, S0, 2))
        body.append("return " + " + ".join(terms))
        return head + ["def f(X, v, c, s):"] + _indent(body)


def array_points(c, feats: Features) -> list:
    """Candidate argument tuples: normal values, sometimes integer arrays,
    zeros or large entries."""
    points = []
    for _ in range(2):
        rng = np.random.default_rng(c.randint(0, 2 ** 31))
        args = [rng.normal(size=PARAMS[n]) for n in ("X", "v", "c")]
        args.append(float(rng.normal()))
        if feats.want("int_array", 0.1):
            k = c.randint(0, 3)
            if k < 3:
                args[k] = rng.integers(-2, 3, size=args[k].shape)
            else:
                args[3] = int(rng.integers(-2, 3))
        k = c.randint(0, 2) if feats.want("zero_array", 0.05) else None
        if k is not None and "kink" not in feats.used:
            # zeros make exact ties for max/min/where, where a flat composite
            # (min(maximum(X, 0))) gets the documented tie convention, not 0
            args[k][...] = 0.0
        if feats.want("large_array", 0.05):
            args[0] = args[0] * 1e3
        points.append(tuple(args))
    return points


def array_program(chooser, allowed=None) -> Program:
    g = ArrayGrammar(chooser, allowed)
    lines = g.function()
    source = "import numpy as np\n\n\n" + "\n".join(lines) + "\n"
    wrt = chooser.choice([(0, 1, 2, 3), (0,), (1, 3), (2,)])
    return Program(source, "array", array_points(chooser, g.feats), wrt, set(g.feats.used))


#: every feature tag the array grammar knows
ALL_FEATURES = {feat for _, feat in UNARY + BINARY if feat} | \
    {feat for forms in STRUCT.values() for _, _, feat in forms if feat} | {
        "alias_inplace", "array_inplace", "setitem", "self_index", "array_loop", "array_branch", "iter_array",
        "loop_var_after", "loop_break", "loop_else", "array_gen", "array_list", "append",
        "list_comp", "array_closure", "defaults", "kwargs", "kwonly", "while_true", "item_write",
        "float_copy_write",
        "int_array", "zero_array", "large_array", "item_inplace"}
