"""The IR printed for people, in the manner of a JAX jaxpr.

``print(fn)`` shows a :class:`~adcompiler.core.ir.Function` as::

    logistic_grad = { lambda x, n=3. let
        tape_14 = new_tape
        # line 3
        l_6 = for range(0, n, 1) init (x) { lambda i_1, l_2. let
            push tape_14 l_2
            # line 4
            v3 = mul 4 l_2
            ...
          in (l_5) }
        ...
      in (l_bar_18) }

* a variable prints as its SSA name, or as ``hint_k`` when it came from the
  user's (or a derived) name ``hint`` and is SSA variable ``vk``, so both the
  source name and the identity are visible;
* an equation is ``outs = prim[params] args``, constants as Python literals;
* ``If`` (``then``/``else``), ``ForRange`` (``for [reversed] range(...)
  init (CARRIED)``) and ``While`` (``while init (CARRIED)``, ``cond``/``body``)
  print their blocks nested, each a ``{ lambda PARAMS. let STMTS in
  (RESULTS) }`` like a jaxpr's sub-jaxprs (a loop body's params are the
  index and the carried values);
* ``# line N`` (``# adjoint of line N``) starts each run of statements from
  one source line;
* with ``shapes`` (``{var: shape}``, as array shape inference computes them)
  and ``kinds`` (``{var: 'f'|'i'|'b'}``), a variable's binding shows its type:
  ``X:f64[200,3]``, ``s:f64[]``, ``[?]`` (dtype and size unknown); a size
  read at run time prints as ``~200`` (declared 200, the code is generic).

The output is a pure function of the IR (and the maps), so it is
deterministic; :func:`dump` (at the end) stays the exact debugging form.
"""
from __future__ import annotations

from .ir import Block, Const, Eqn, ForRange, Function, If, Module, Var, While, all_vars

INDENT = "    "
_DTYPES = {"f": "f64", "i": "int", "b": "bool"}


def pformat(fn: Function, shapes: dict | None = None, kinds: dict | None = None) -> str:
    """The text of one function (see the module docstring)."""
    return _Printer(fn, shapes or {}, kinds or {}).function()


def pformat_module(module: Module, shapes: dict | None = None, kinds: dict | None = None) -> str:
    """Every function of a module; ``shapes``/``kinds`` map a function's name
    to that function's maps."""
    shapes, kinds = shapes or {}, kinds or {}
    return "\n\n".join(pformat(fn, shapes.get(fn.name), kinds.get(fn.name))
                       for fn in module.functions)


def labels(fn: Function) -> dict:
    """``{var: printed name}``: ``hint_k`` for a hinted ``vk``, else the SSA
    name; if two labels would be equal, both fall back to the SSA name."""
    chosen: dict = {}
    for v in all_vars(fn):
        hint = v.hint.lstrip("~")
        num = v.name[1:]
        if hint and hint != v.name and v.name.startswith("v") and num.isdigit():
            chosen[v] = f"{hint}_{num}"
        else:
            chosen[v] = v.name
    count: dict = {}
    for label in chosen.values():
        count[label] = count.get(label, 0) + 1
    return {v: (label if count[label] == 1 else v.name) for v, label in chosen.items()}


def type_text(shape, kind: str | None) -> str:
    """``f64[3,2]``, ``f64[]``, ``[?,3]`` (dtype unknown), ``(f64[], int[])``
    for a tuple of values, or ``''`` when nothing is known."""
    items = getattr(shape, "items", None)
    if items is not None:  # a Python tuple of values (arrays.shapes.Tup)
        return "(" + ", ".join(type_text(s, None) or "?" for s in items) + ")"
    if shape is None:
        return ""
    dims = ",".join(_dim(d) for d in shape)
    return f"{_DTYPES.get(kind, '')}[{dims}]"


def _dim(d) -> str:
    """A size; ``?`` unknown; ``~200`` read at run time (arrays.shapes.Sym,
    from ``--shapes X=200x3``: the code is generic in it)."""
    if d is None:
        return "?"
    label = getattr(d, "label", None)
    return str(d) if label is None else f"~{label}"


class _Printer:
    def __init__(self, fn: Function, shapes: dict, kinds: dict) -> None:
        self.fn = fn
        self.shapes = shapes
        self.kinds = kinds
        self.names = labels(fn)
        self.lines: list = []
        self.loc: tuple = ()

    # ------------------------------------------------------------ atoms
    def atom(self, a) -> str:
        if isinstance(a, Var):
            return self.names.get(a, a.name)
        if isinstance(a, Const):
            return repr(a.value)
        return repr(a)

    def binder(self, v: Var) -> str:
        """A variable where it is bound, with its type when known."""
        typ = type_text(self.shapes.get(v), self.kinds.get(v)) if v in self.shapes else ""
        return self.atom(v) + (f":{typ}" if typ else "")

    def outs(self, outs: tuple) -> str:
        return ", ".join(self.binder(v) for v in outs) + " = " if outs else ""

    # ------------------------------------------------------------ structure
    def function(self) -> str:
        fn = self.fn
        defaults = dict(fn.defaults)
        params = []
        for p in fn.params:
            text = self.binder(p)
            for key in (p.hint, p.name):
                if key in defaults:
                    value = defaults[key]
                    text += "=" + repr(value.value if isinstance(value, Const) else value)
                    break
            params.append(text)
        self.block(fn.body, "", f"{fn.name} = ", params)
        return "\n".join(self.lines)

    def block(self, b: Block, ind: str, head: str, params: list | None = None) -> None:
        """``ind head{ lambda PARAMS. let`` ... ``in (RESULTS) }``: the
        statements one level deeper than ``ind``."""
        params = [self.binder(p) for p in b.params] if params is None else params
        opening = head + "{ " + (f"lambda {', '.join(params)}. " if params else "")
        results = "in (" + ", ".join(self.atom(a) for a in b.results) + ") }"
        if not b.stmts:
            self.lines.append(ind + opening + results)
            return
        self.lines.append(ind + opening + "let")
        saved, self.loc = self.loc, ()
        for s in b.stmts:
            self.stmt(s, ind + INDENT)
        self.loc = saved
        self.lines.append(ind + "  " + results)

    def comment(self, loc, ind: str) -> None:
        key = (loc.line, loc.role)
        if loc.line and key != self.loc:
            role = "adjoint of " if loc.role == "adjoint" else ""
            self.lines.append(f"{ind}# {role}line {loc.line}")
        self.loc = key

    def stmt(self, s, ind: str) -> None:
        self.comment(s.loc, ind)
        outs = self.outs(s.outs)
        head = ind + outs
        if isinstance(s, Eqn):
            self.lines.append(head + self.eqn(s))
        elif isinstance(s, If):
            self.lines.append(f"{head}if {self.atom(s.pred)}")
            self.block(s.then, ind + "  ", "then ")
            self.block(s.orelse, ind + "  ", "else ")
        elif isinstance(s, ForRange):
            rng = ", ".join(self.atom(a) for a in (s.start, s.stop, s.step))
            loop = "for reversed" if s.reverse else "for"
            self.block(s.body, ind, f"{outs}{loop} range({rng}){self.carry(s.inits)} ")
        elif isinstance(s, While):
            self.lines.append(f"{head}while{self.carry(s.inits)}")
            self.block(s.cond, ind + "  ", "cond ")
            self.block(s.body, ind + "  ", "body ")
        else:  # pragma: no cover - verify() rejects unknown statements
            self.lines.append(f"{head}{s!r}")

    def carry(self, inits: tuple) -> str:
        return f" init ({', '.join(self.atom(a) for a in inits)})" if inits else ""

    def eqn(self, e: Eqn) -> str:
        params = ""
        if e.params:
            params = "[" + ", ".join(f"{k}={v if isinstance(v, str) else repr(v)}"
                                     for k, v in e.params) + "]"
        args = " ".join(self.atom(a) for a in e.args)
        return f"{e.prim}{params}" + (f" {args}" if args else "")



def dump(fn: Function) -> str:
    """A compact, exact text form of the IR (for tests and debugging)."""
    lines = [f"def {fn.name}({', '.join(map(repr, fn.params))}):"]

    def params(ps):
        return ", ".join(f"{k}={v!r}" for k, v in ps)

    def block(b: Block, ind: str) -> None:
        if b.params:
            lines.append(f"{ind}params {', '.join(map(repr, b.params))}")
        for s in b.stmts:
            outs = ", ".join(map(repr, s.outs))
            if isinstance(s, Eqn):
                extra = f" [{params(s.params)}]" if s.params else ""
                lines.append(f"{ind}{outs or '_'} = {s.prim}({', '.join(map(repr, s.args))}){extra}")
            elif isinstance(s, If):
                lines.append(f"{ind}{outs} = if {s.pred!r}:")
                block(s.then, ind + "    ")
                lines.append(f"{ind}else:")
                block(s.orelse, ind + "    ")
            elif isinstance(s, ForRange):
                rev = "reversed " if s.reverse else ""
                lines.append(f"{ind}{outs} = for {rev}range({s.start!r}, {s.stop!r}, {s.step!r}) "
                             f"from ({', '.join(map(repr, s.inits))}):")
                block(s.body, ind + "    ")
            else:
                lines.append(f"{ind}{outs} = while from ({', '.join(map(repr, s.inits))}):")
                block(s.cond, ind + "  ? ")
                block(s.body, ind + "    ")
        lines.append(f"{ind}-> {', '.join(map(repr, b.results))}")

    block(fn.body, "    ")
    return "\n".join(lines)
