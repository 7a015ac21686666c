"""The scalar grammar's Python forms of issue 14 (a mixin of
:class:`.scalar.ScalarGrammar`, kept apart so that each module stays small).

* lists of known length: ``L3 = [e for g3 in range(k)]`` (or over a tuple of
  expressions) and ``L3 = []`` + ``L3.append(e)`` in a range loop, then read
  as ``L3[j]``, ``sum(L3)``, ``max(L3)``/``min(L3)``, ``len(L3)``,
  ``np.sum(np.array(L3))``, a generator over it, or a ``for`` loop over it
  (plain, ``enumerate``, ``zip``, ``reversed``);
* closures defined in ``f``'s body after some statements: a nested ``def``
  or a ``lambda`` with a default parameter reading ``f``'s *locals* (which
  later statements may rebind: Python's closures read the value at call
  time), called positionally or with keywords;
* helpers with a keyword-only parameter (``def h(u, *, a=2.0)``), with
  ``*args`` (``def s1(u, *rest)``), and ``f`` itself with a keyword-only
  parameter.

Every form keeps the grammar's invariant: names certainly bound are the only
ones read, and lists are never empty where ``max``/``min`` or an index read
them.
"""
from __future__ import annotations


def _indent(lines: list) -> list:
    return ["    " + line for line in lines]


class ScalarForms:
    """Methods of :class:`.scalar.ScalarGrammar` for the forms above."""

    # ------------------------------------------------------------ lists
    def list_forms(self, scope, budget: int) -> list:
        """A list of known length, then one or two reads of it."""
        c = self.c
        self.counter += 1
        name, var = f"L{self.counter}", f"g{self.counter}"
        k = c.randint(1, 4)
        inner = scope.child(loop=True)
        if self.feats.want("append", 0.5):
            lines = self.appended(scope, inner, name, var, k)
        else:
            self.feats.used.add("list_comp")
            if c.chance(0.5):
                source = c.choice([f"range({k})", f"range(1, {k + 1})", f"reversed(range({k}))"])
                inner.ints = inner.ints + [var]
            else:
                source = f"({', '.join(self.expr(scope, 1) for _ in range(k))},)"
                inner.floats = inner.floats + [var]
            lines = [f"{name} = [{self.expr(inner, 2)} for {var} in {source}]"]
        for _ in range(c.randint(1, 2)):
            lines += self.list_read(scope, name, k, budget)
        return lines

    def appended(self, scope, inner, name: str, var: str, k: int) -> list:
        """``L = []`` then ``L.append(e)`` in a range loop of ``k`` trips
        (maybe after another statement of the body)."""
        c = self.c
        inner.ints = inner.ints + [var]
        inner.control = False
        if not self.feats.allows("helper_in_while"):  # see known.KNOWN_OPEN
            inner.helpers = []
        body = self.block(inner, 0, max_size=1) if c.chance(0.4) else []
        head = c.choice([f"for {var} in range({k}):", f"for {var} in reversed(range({k})):",
                         f"for {var} in range({k - 1}, -1, -1):"])
        body.append(f"{name}.append({self.expr(inner, 2)})")
        scope.settle(inner)  # names bound in the body only (it runs, but keep it simple)
        return [f"{name} = []", head] + _indent(body)

    def list_read(self, scope, name: str, k: int, budget: int) -> list:
        c = self.c
        how = c.choice(["index", "sum", "maxmin", "len", "array", "gen", "loop"])
        if how == "index":
            value = f"{name}[{c.randint(-k, k - 1)}]"
        elif how == "sum":
            value = f"sum({name})"
        elif how == "maxmin":
            self.feats.used.add("list_maxmin")
            value = f"{c.choice(['max', 'min'])}({name})"
        elif how == "len":
            value = f"len({name}) * {self.expr(scope, 1)}"
        elif how == "array" and self.feats.want("np_sum_list", 1.0):  # see known.KNOWN_OPEN
            value = c.choice([f"np.sum(np.array({name}))", f"float(np.sum(np.array({name}) ** 2))"])
        elif how == "gen":
            self.counter += 1
            w = f"w{self.counter}"
            inner = scope.child()
            inner.floats = inner.floats + [w]
            red = c.choice(["sum", "sum", "max", "min"])
            value = f"{red}({self.expr(inner, 2)} for {w} in {name})"
        elif how == "loop":
            return self.list_loop(scope, name, budget)
        else:
            value = f"sum({name})"
        return self.bind_new(scope, value)

    def list_loop(self, scope, name: str, budget: int) -> list:
        """A ``for`` loop over the list: plain, ``enumerate``, ``zip``, ``reversed``."""
        c = self.c
        self.counter += 1
        w, j = f"w{self.counter}", f"j{self.counter}"
        body_s = scope.child(loop=True)
        body_s.floats.append(w)
        form = c.choice(["plain", "enumerate", "zip", "reversed"])
        head = {"plain": f"for {w} in {name}:",
                "enumerate": f"for {j}, {w} in enumerate({name}):",
                "zip": f"for {w}, {j} in zip({name}, range(1, 9)):",
                "reversed": f"for {w} in reversed({name}):"}[form]
        if form in ("enumerate", "zip"):
            body_s.ints.append(j)
        if not self.feats.allows("helper_in_while"):  # see known.KNOWN_OPEN
            body_s.helpers = []
        body = self.block(body_s, max(budget - 1, 0), max_size=2)
        return [head] + _indent(body) + self.loop_else(scope, budget, body_s)

    # ------------------------------------------------------------ closures
    def local_closure(self, scope) -> list:
        """``def cN(u[, w=1.5])`` or ``cN = lambda u[, w=1.5]: ...`` reading
        f's locals bound so far; it joins the callable helpers."""
        c = self.c
        self.counter += 1
        name = f"cl{self.counter}"  # (the closure defined first in f is c1)
        default = self.feats.want("defaults", 0.4)
        params = ("u", "w") if default else ("u",)
        inner = type(scope)(list(params) + scope.floats, self, scope.helpers, scope.ints)
        inner.control = False
        head = "u, w=1.5" if default else "u"
        if c.chance(0.4):
            lines = [f"{name} = lambda {head}: {self.expr(inner, 2)}"]
        else:
            body = []
            for i in range(c.randint(0, 2)):  # fresh names only: an outer name
                local = f"q{self.counter}_{i}"  # assigned here would be local here
                body.append(f"{local} = {self.expr(inner, 2)}")
                inner.floats.append(local)
            lines = [f"def {name}({head}):"] + _indent(body + [f"return {self.expr(inner, 2)}"])
        scope.helpers.append((name, len(params), 1, default, params))
        return lines

    # ------------------------------------------------------------ helpers
    def kwonly_helper(self, name: str, previous: list) -> tuple:
        """``def name(u, *, a=2.0)``: ``a`` is passed by keyword or not at all."""
        scope = type(self).scope_class(["u", "a"], self, previous)
        scope.control = False
        body = self.block(scope, 0, max_size=1) if self.c.chance(0.5) else []
        text = "\n".join([f"def {name}(u, *, a={self.c.choice(['2.0', '0.5', '-1.0'])}):"] +
                         _indent(body + [f"return {self.expr(scope, 2)}"]))
        return text, (name, 2, 1, True, ("u", "*", "a"))

    def star_helper(self, name: str) -> tuple:
        """``def name(u, *rest)`` summing the extra arguments."""
        scope = type(self).scope_class(["u"], self)
        scope.control = False
        text = "\n".join([f"def {name}(u, *rest):",
                          f"    return {self.expr(scope, 1)} + 0.5 * sum(rest)"])
        return text, (name, 1, 1, False, ("u", "*rest"))

    def special_call(self, scope, depth: int, sig: tuple) -> str:
        """A call of a keyword-only or ``*args`` helper."""
        c = self.c
        name, _, _, _, params = sig
        first = self.expr(scope, depth - 1)
        if params[-1].startswith("*"):
            extra = [self.expr(scope, depth - 1) for _ in range(c.randint(0, 2))]
            return f"{name}({', '.join([first] + extra)})"
        if c.chance(0.5):
            return f"{name}({first})"
        if self.feats.want("kwargs", 0.5) and c.chance(0.5):
            return f"{name}(a={self.expr(scope, depth - 1)}, u={first})"
        return f"{name}({first}, a={self.expr(scope, depth - 1)})"
