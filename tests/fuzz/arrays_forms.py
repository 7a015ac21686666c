"""The NumPy grammar's Python forms of issue 14 (a mixin of
:class:`.arrays.ArrayGrammar`, kept apart so that each module stays small).

* generators: ``sum(e for r in X)`` (rows; scalars or rows summed),
  ``max``/``min`` of one, ``sum(e for x in v)``, ``sum(X[i] * e for i in
  range(3))``;
* lists of known length: ``L = [e(X[i]) for i in range(3)]`` or over a
  tuple of arrays, and ``ys = []`` + ``ys.append(e)`` in a range loop; read
  as ``L[j]``, ``sum(L)``, ``np.array(L)``, ``np.stack(L)``, ``len(L)`` or a
  ``for`` loop over it;
* closures: a nested ``def`` or a ``lambda`` (maybe with a default) reading
  ``f``'s parameters and locals (whose shapes are then pinned: later
  statements may rebind them, never to another shape), called positionally
  or with keywords; a module helper with a keyword-only parameter;
* ``while True`` ending by a ``break`` or a ``return``;
* item writes into a buffer (``out = np.zeros(4)``, ``out[i] = e``,
  ``out[i] += out[i - 1] * e``, in loops and branches, a column write), the
  ``item_write`` feature.
"""
from __future__ import annotations

import re

M, S0, S3, S4, C = (3, 4), (), (3,), (4,), (3, 1)


def _indent(lines: list) -> list:
    return ["    " + line for line in lines]


def _paren(text: str) -> str:
    return text if text.replace("_", "").replace(".", "").isalnum() else f"({text})"


class ArrayForms:
    """Methods of :class:`.arrays.ArrayGrammar` for the forms above."""

    def _named(self, env: dict, shape, default: str) -> str:
        names = [n for n, s in env.items() if s == shape]
        return self.c.choice(names) if names else default

    def _with(self, env: dict, **extra) -> dict:
        inner = dict(env)
        inner.update(extra)
        return inner

    # ------------------------------------------------------------ generators
    def generator(self, env: dict) -> list:
        c = self.c
        self.fresh += 1
        r, e = f"r{self.fresh}", f"e{self.fresh}"
        mat, vec = self._named(env, M, "X"), self._named(env, S4, "v")
        form = c.choice(["rows", "rows_sum", "maxmin", "elements", "index"])
        if form == "rows":
            value, shape = f"sum({self.expr(self._with(env, **{r: S4}), S0)} for {r} in {mat})", S0
        elif form == "rows_sum":
            value, shape = f"sum({self.expr(self._with(env, **{r: S4}), S4, 1)} for {r} in {mat})", S4
        elif form == "maxmin":
            red = c.choice(["max", "min"])
            value, shape = f"{red}({self.expr(self._with(env, **{r: S4}), S0)} for {r} in {mat})", S0
        elif form == "elements":
            value = f"sum({self.expr(self._with(env, **{e: S0}), S0)} for {e} in {vec})"
            shape = S0
        else:
            i = f"i{self.fresh}"
            item = self._with(env, **{f"{mat}[{i}]": S4})
            value, shape = f"sum({self.expr(item, S4, 1)} for {i} in range(3))", S4
        name = self.new_name()
        env[name] = shape
        return [f"{name} = {value}"]

    # ------------------------------------------------------------ lists
    def list_forms(self, env: dict) -> list:
        c = self.c
        self.fresh += 1
        name, i = f"L{self.fresh}", f"i{self.fresh}"
        mat = self._named(env, M, "X")
        item_shape = c.choice([S4, S0])
        if item_shape == S4:
            k, item = 3, self._with(env, **{f"{mat}[{i}]": S4})
        else:
            k, item = 4, self._with(env, **{f"{self._named(env, S4, 'v')}[{i}]": S0})
        if self.feats.want("append", 0.5):
            head = c.choice([f"for {i} in range({k}):", f"for {i} in reversed(range({k})):"])
            lines = [f"{name} = []", head, f"    {name}.append({self.expr(item, item_shape, 1)})"]
        else:
            self.feats.used.add("list_comp")
            if item_shape == S4 and c.chance(0.3):
                arrays = [self.expr(env, S4, 1) for _ in range(c.randint(1, 3))]
                k, r = len(arrays), f"r{self.fresh}"
                elt = self.expr(self._with(env, **{r: S4}), S4, 1)
                lines = [f"{name} = [{elt} for {r} in ({', '.join(arrays)},)]"]
            else:
                lines = [f"{name} = [{self.expr(item, item_shape, 1)} for {i} in range({k})]"]
        for _ in range(c.randint(1, 2)):
            lines += self.list_read(env, name, k, item_shape)
        return lines

    def list_read(self, env: dict, name: str, k: int, item: tuple) -> list:
        c = self.c
        how = c.choice(["index", "sum", "array", "len", "loop"])
        if how == "index":
            value, shape = f"{name}[{c.randint(-k, k - 1)}]", item
        elif how == "sum":
            value, shape = f"sum({name})", item
        elif how == "array":
            fn = c.choice(["np.array", "np.stack"])
            value, shape = f"np.sum({fn}({name}) ** 2)", S0
        elif how == "len":
            value, shape = f"len({name}) * {_paren(self.expr(env, S0, 1))}", S0
        else:
            self.fresh += 1
            acc, w = self.new_name(), f"w{self.fresh}"
            inner = self._with(env, **{w: item})
            init = self.expr(env, item, 1)
            env[acc] = item
            head = c.choice([f"for {w} in {name}:", f"for {w} in reversed({name}):",
                             f"for j{self.fresh}, {w} in enumerate({name}):"])
            return [f"{acc} = {init}", head,
                    f"    {acc} = {acc} + {self.expr(self._with(inner, **{acc: item}), item, 1)}"]
        target = self.new_name()
        env[target] = shape
        return [f"{target} = {value}"]

    # ------------------------------------------------------------ closures
    def closure(self, env: dict) -> list:
        """A nested def or lambda over f's names (their shapes pinned)."""
        c = self.c
        self.fresh += 1
        name = f"k{self.fresh}"
        arg = c.choice([S4, M, S0])
        default = self.feats.want("defaults", 0.4)
        inner = self._with(env, r=arg, **({"w": S0} if default else {}))
        out = c.choice([S0, S4])
        body = self.expr(inner, out, 2)
        self.pinned |= {n for n in env if re.search(rf"\b{n}\b", body)}
        params = "r, w=1.5" if default else "r"
        if c.chance(0.4):
            lines = [f"{name} = lambda {params}: {body}"]
        else:
            lines = [f"def {name}({params}):", f"    return {body}"]
        self.callables.append((name, arg, out, ("r", "w") if default else ("r",), False))
        return lines

    def kwonly_helper(self) -> list:
        """A module helper ``def h1(A, *, w=2.0)``."""
        c = self.c
        arg = c.choice([S4, M, S0])
        inner = c.choice(["np.sin(A) * w", "np.tanh(A * w)", "A ** 2 * w", "np.exp(np.tanh(A)) + w",
                          "np.maximum(A, w)"])  # only A and w are bound in the helper
        body = f"np.sum({inner}){c.choice(['', ' * w', ' + np.sum(A)'])}"
        self.callables.append(("h1", arg, S0, ("A", "w"), True))
        return ["def h1(A, *, w=2.0):", f"    return {body}", "", ""]

    def call(self, env: dict, shape, depth: int):
        """A call of a closure or helper returning ``shape``, or None."""
        c = self.c
        fits = [k for k in self.callables if k[2] == shape]
        if not fits:
            return None
        name, arg, _, params, kwonly = c.choice(fits)
        first = self.expr(env, arg, depth - 1)
        if len(params) == 1 or c.chance(0.4):
            args = [first]
        else:
            second = self.expr(env, S0, depth - 1)
            if kwonly:  # the second only by keyword
                args = [first if c.chance(0.5) else f"{params[0]}={first}", f"{params[1]}={second}"]
            elif self.feats.want("kwargs", 0.5):
                args = [f"{params[0]}={first}", f"{params[1]}={second}"]
            else:
                args = [first, second]
            if args[0].startswith(params[0] + "=") and c.chance(0.5):
                args = args[::-1]
        return f"{name}({', '.join(args)})"

    # ------------------------------------------------------------ loops
    def while_true(self, env: dict) -> list:
        """``while True:`` updating an accumulator, ending by a ``break``
        (before or after the update) after a few trips."""
        c = self.c
        self.fresh += 1
        n, shape = f"n{self.fresh}", c.choice([S4, S0, M])
        acc = self.new_name()
        init = self.expr(env, shape, 1)
        inner = self._with(env, **{acc: shape})
        body = [f"{acc} = {acc} * {_paren(self.expr(env, S0, 1))} + "
                f"{_paren(self.expr(inner, shape, 1))}"]
        exit_ = "break"
        if c.chance(0.25):  # f's own body: return from inside the loop
            total = f"np.sum({acc} * {acc})" if shape != S0 else f"{acc} * {acc}"
            exit_ = f"return {total} + {_paren(self.expr(env, S0, 1))}"
        check = [f"if {n} > {c.randint(0, 3)}:", f"    {exit_}"]
        if c.chance(0.5):
            body, check = check, body
        env[acc] = shape
        return [f"{acc} = {init}", f"{n} = 0", "while True:"] + \
            _indent([f"{n} += 1"] + check + body)

    # ------------------------------------------------------------ item writes
    def item_writes(self, env: dict) -> list:
        """A buffer filled by item writes, read back (also earlier items)."""
        c = self.c
        self.fresh += 1
        out, i = f"O{self.fresh}", f"i{self.fresh}"
        vec, mat = self._named(env, S4, "v"), self._named(env, M, "X")
        form = c.choice(["loop", "loop", "straight", "matrix", "branch"])
        if form == "matrix":
            j = c.randint(0, 3)
            inits = ['np.zeros((3, 4))', f'np.zeros_like({mat})']
            if self.feats.want("float_copy_write", 0.5):  # see known.KNOWN_OPEN
                inits = [f'{mat} * 1.0']
            lines = [f"{out} = {c.choice(inits)}",
                     f"{out}[:, {j}] = {self.expr(env, S3, 1)}",
                     f"{out}[{c.randint(0, 2)}] {c.choice(['=', '+=', '*='])} {self.expr(env, S4, 1)}",
                     f"{out}[1, {j}] += {self.expr(self._with(env, **{out: M}), S0, 1)}"]
            env[out] = M
            return lines
        lines = [f"{out} = {c.choice(['np.zeros(4)', f'np.zeros_like({vec})', 'np.ones(4)'])}"]
        item = self._with(env, **{f"{vec}[{i}]": S0})
        if form == "straight":
            lines += [f"{out}[{k}] {c.choice(['=', '+='])} {self.expr(env, S0, 1)}"
                      for k in sorted({c.randint(-4, 3) for _ in range(3)})]
            lines.append(f"{out}[2] = {out}[1] * {_paren(self.expr(env, S0, 1))}")
        elif form == "branch":
            lines += [f"if {self.expr(env, S0, 1)} > {c.choice(['0.0', '0.5'])}:",
                      f"    {out}[{c.randint(0, 3)}] = {self.expr(env, S0, 1)}",
                      "else:",
                      f"    {out}[{c.randint(0, 3)}] += {self.expr(env, S0, 1)}"]
        else:
            lo = c.choice([0, 1])
            body = [f"{out}[{i}] = {self.expr(item, S0, 1)}"]
            if lo == 1 or c.chance(0.5):  # reads an earlier item back
                body.append(f"{out}[{i}] += {out}[{i} - 1] * {_paren(self.expr(env, S0, 1))}")
            if c.chance(0.3):
                body = [f"if {self.expr(item, S0, 1)} > 0:"] + _indent(body)
            lines += [f"for {i} in range({lo}, 4):"] + _indent(body)
        env[out] = S4
        return lines
