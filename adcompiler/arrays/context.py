"""Shapes through the whole pipeline of one compilation (array programs).

The entry's parameter shapes come from the call (API) or the command line.
Inference walks into user helpers with the shapes of each call; a helper
called with different shapes is compiled for what the calls have in common
(:func:`shapes.join`).  After reverse mode and optimisation every emitted
function is specialised (:func:`adcompiler.arrays.specialize.specialize`)
and its shapes are kept for the emitter's in-place decisions.
"""
from __future__ import annotations

from ..errors import CompileError, UsageError
from ..core.ir import Function, verify
from .specialize import specialize
from ..optimize.passes import optimize
from .shapes import Tup, infer, infer_with_dtypes, join


class ArrayContext:
    """The shapes of one compilation.  It keeps the program's tables of
    functions and custom rules, not the program: the program keeps it
    (``program.arrays``), and two objects naming each other are a reference
    cycle, left to the cyclic collector (core/gcpause.py)."""

    def __init__(self, program, params: dict, dtypes: dict | None = None,
                 check: bool = False) -> None:
        self.functions: dict = program.functions  # key -> Function (the same dict)
        self.custom: dict = getattr(program, "custom", {})
        self.params = params
        self.dtypes = dtypes or {}
        self.check = check
        self.callee_params: dict = {}  # key -> {param name: joined shape}
        self._memo: dict = {}
        self._active: set = set()
        self.emit_shapes: dict = {}  # emitted function name -> {var: shape}
        self.emit_floats: dict = {}  # emitted function name -> set of float values
        self.emit_kinds: dict = {}  # emitted function name -> {var: 'b' | 'i' | 'f'}

    # ------------------------------------------------------------ callees
    def callee_shapes(self, key: str, args: tuple) -> list:
        opaque = self.custom.get(key)
        if opaque is not None and key not in self.functions:
            return [None] * opaque.nouts  # a custom function's unreadable body: unknown
        if key not in self.functions and key.endswith("_fwd"):
            return self.callee_shapes(key[:-4], args) + [None]
        if key not in self.functions and key.endswith("_bwd"):
            base = key[:-4]
            joined = self.callee_params.get(base, {})
            return [joined.get(p.name) for p in self.functions[base].params]
        fn = self.function(key)
        names = [p.name for p in fn.params]
        joined = self.callee_params.setdefault(key, dict(zip(names, args)))
        for n, a in zip(names, args):
            joined[n] = join(joined[n], a)
        memo_key = (key, args)
        if memo_key in self._memo:
            return self._memo[memo_key]
        nouts = len(fn.body.results)
        if key in self._active:  # recursion: only scalars are known to stay scalars
            return [() if all(a == () for a in args) else None] * nouts
        self._active.add(key)
        try:
            shapes = infer(fn, dict(zip(names, args)), self.callee_shapes)
        finally:
            self._active.discard(key)
        result = [shapes.get(r, ()) if not hasattr(r, "value") else () for r in fn.body.results]
        self._memo[memo_key] = result
        return result

    def function(self, key: str) -> Function:
        return optimize(self.functions[key])

    def entry_shapes(self, fn: Function) -> dict:
        return infer(fn, self.params, self.callee_shapes, self.dtypes)

    def callee_primal_shapes(self, key: str, fn: Function) -> dict:
        return infer(fn, self.callee_params.get(key, {}), self.callee_shapes)

    def callee_param_shapes(self, key: str) -> dict:
        return self.callee_params.get(key, {})

    # ------------------------------------------------------------ finishing
    def finish(self, fn: Function, params: dict, dtypes: dict | None = None) -> Function:
        """Specialise to the shapes, optimise again, remember shapes for emission."""
        for _ in range(4):  # rewrites expose more folding and vice versa
            new = optimize(specialize(fn, params, self.callee_shapes, dtypes))
            if new == fn:
                break
            fn = new
        if self.check:
            verify(fn)
        shapes, kinds = infer_with_dtypes(fn, params, self.callee_shapes, dtypes)
        self.emit_shapes[fn.name] = shapes
        self.emit_floats[fn.name] = {v for v, k in kinds.items() if k == "f"}
        self.emit_kinds[fn.name] = kinds
        return fn

    def bwd_params(self, fwd: Function, bwd: Function) -> dict:
        """Shapes of ``f_bwd(res, *out_bars)``: the residuals and the outputs of ``f_fwd``."""
        shapes = self.emit_shapes[fwd.name]
        res = fwd.body.results[-1]
        outs = fwd.body.results[:-1]
        res_shape = shapes.get(res) if not hasattr(res, "value") else Tup(())
        params = {bwd.params[0].name: res_shape}
        for p, o in zip(bwd.params[1:], outs):
            params[p.name] = () if hasattr(o, "value") else shapes.get(o)
        return params


def shape_error(sf, exc) -> CompileError:
    """A rule needed an operand's rank that could not be inferred."""
    if len(exc.args) > 1:
        return sf.error(exc.args[1], sf.node, "shape")
    from ..frontend.pytree_errors import unpacked_parameter_error
    unpacked = unpacked_parameter_error(sf)  # a list of arrays, most likely: say where
    if unpacked is not None:
        return unpacked
    what = getattr(exc.args[0], "hint", "") if exc.args else ""
    if what not in {a.arg for a in sf.node.args.args}:
        what = ""  # a local (a loop's row): the shapes to give are the parameters'
    known = f"the number of dimensions of {what or 'an operand'} is unknown here"
    err = sf.error(f"{known}; call the gradient with arrays (the API specialises on their "
                   "shapes) or give --shapes on the command line", sf.node, "shape")
    example = f"{what}=N for a vector, {what}=NxD for a matrix" if what else \
        ",".join(f"{a.arg}=N" for a in sf.node.args.args) + " (NxD for a matrix, () a scalar)"
    err.cli_message = f"{known}; give the shapes of the array parameters: --shapes {example}"
    return err


def shape_and_kind(value) -> tuple:
    """``(shape, dtype letter)`` of one argument: ``(x.shape, 'f')`` for a
    float array, ``((), 'i')`` for an int, ``(None, None)`` for anything else."""
    import numpy as np
    if isinstance(value, np.ndarray):
        return value.shape, _KINDS.get(value.dtype.kind)
    if isinstance(value, (bool, np.bool_)):
        return (), "b"
    if isinstance(value, (int, np.integer)):
        return (), "i"
    if isinstance(value, (float, np.floating)):
        return (), "f"
    return None, None


def signature(fn, args: tuple, kwargs: dict):
    """What the API specialises on: ``((name, shape, dtype), ...)`` for the
    arguments of a call of ``fn`` (``None`` when every argument is a scalar,
    which compiles the plain scalar code)."""
    import inspect

    import numpy as np
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return None  # the generated function reports the bad call itself
    bound.apply_defaults()
    sig = [(name,) + shape_and_kind(value) for name, value in _spread_varargs(bound)]
    if all(s == () for _, s, _ in sig):
        return None
    return tuple(sig)


def _spread_varargs(bound):
    """``(name, value)`` of each argument, the values of ``*args`` as
    ``args_0, args_1, ...`` (the names frontend/varargs.py gives them)."""
    for name, value in bound.arguments.items():
        if bound.signature.parameters[name].kind is bound.signature.parameters[name].VAR_POSITIONAL:
            yield from ((f"{name}_{k}", v) for k, v in enumerate(value))
        else:
            yield name, value


_KINDS = {"b": "b", "i": "i", "u": "i", "f": "f"}


def split_signature(sig):
    """``(shapes, dtypes)`` dictionaries from a :func:`signature`."""
    if sig is None:
        return None, None
    return {n: s for n, s, _ in sig}, {n: d for n, _, d in sig if d}


_ARRAY_ANNOTATIONS = {"ndarray", "np.ndarray", "numpy.ndarray", "NDArray", "npt.NDArray",
                      "numpy.typing.NDArray", "ArrayLike", "npt.ArrayLike"}


def parse_shapes(text: str | None) -> dict:
    """``"x=3,M=3x2,a=scalar,v=?"`` -> ``{'x': (3,), 'M': (3, 2), 'a': (), 'v': None}``."""
    out: dict = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        name, _, dims = item.partition("=")
        dims = dims.strip().lower()
        if dims in ("", "scalar", "()"):
            out[name.strip()] = ()
        elif dims == "?":
            out[name.strip()] = None
        else:
            out[name.strip()] = tuple(_dimension(d, item) for d in dims.split("x"))
        if not name.strip().isidentifier():
            raise UsageError(f"--shapes: {item.strip()!r} does not start with a parameter name "
                             "(write NAME=3 or NAME=3x2)")
    return out


def _dimension(text: str, item: str):
    """One dimension of ``--shapes``: a size, or ``?`` or a letter name
    (``N``, ``D``, ``batch``) for a size known only at run time.  Named sizes
    are not tied to each other: the emitted code reads every size it needs
    from its arguments, so ``X=NxD,w=D`` compiles the same code as
    ``X=?x?,w=?`` (only ``x`` itself cannot name a size: it joins them)."""
    text = text.strip()
    if text == "?" or (text.isidentifier() and text.isalpha()):
        return None
    if text.isdigit():
        return int(text)
    raise UsageError(f"--shapes: {item.strip()!r} has a dimension {text!r}; dimensions are "
                     "numbers, names or ?, joined by x (x=3, M=3x2, X=NxD, v=?)")


def cli_shapes(node, shapes_text: str | None, arrays_text: str | None):
    """Parameter shapes for the command line: ``--shapes`` first, then
    ``--arrays`` and ``np.ndarray`` annotations (arrays of unknown shape);
    everything else is a scalar.  None when every parameter is a scalar.
    Names the function does not have are ignored (see :func:`unknown_names`)."""
    import ast
    given = parse_shapes(shapes_text)
    arrays = {a.strip() for a in (arrays_text or "").split(",") if a.strip()}
    shapes = {}
    for arg in node.args.args:
        ann = ast.unparse(arg.annotation).split("[")[0] if arg.annotation is not None else ""
        if arg.arg in given:
            shapes[arg.arg] = given[arg.arg]
        elif arg.arg in arrays or ann in _ARRAY_ANNOTATIONS:
            shapes[arg.arg] = None
        else:
            shapes[arg.arg] = ()
    return None if all(s == () for s in shapes.values()) else shapes


def symbolic(shapes: dict, tied: bool = False):
    """``shapes`` with every declared size of 2 or more replaced by a
    :class:`shapes.Sym`; None when there is none.

    Untied (the default), each dimension gets a symbol of its own: two
    sizes that happen to be equal (``theta=2,obs=41x2``) are not assumed
    equal, and the entry check does not demand it (:func:`compile_symbolic`
    ties those the code needs equal).  ``tied``: one symbol per distinct
    size, the sizes declared equal checked equal."""
    from .shapes import Sym
    out, any_sym = {}, False
    for name, shape in shapes.items():
        if isinstance(shape, tuple) and shape:
            shape = tuple(Sym(str(d), "" if tied else f"{name}.{k}")
                          if isinstance(d, int) and d >= 2 else d
                          for k, d in enumerate(shape))
            any_sym = any_sym or any(isinstance(d, Sym) for d in shape)
        out[name] = shape
    return out if any_sym else None


def compile_symbolic(declared: dict | None, attempt):
    """The text of ``attempt(symbolic shapes)`` (a compilation that raises
    or returns None when it cannot be shape-generic), or None.

    The dimensions start untied (:func:`symbolic`).  When shape inference
    finds two of them declared with the same size combined elementwise
    (``X @ w - w`` with ``X=3x3,w=3``), it names them (``CompileError.tie``)
    and they are tied (one symbol, checked equal on entry) and compiled
    again; so exactly the dimensions the code needs equal are tied."""
    generic = symbolic(declared) if declared else None
    for _ in range(16):  # each round ties two symbols: a few rounds at most
        if generic is None:
            return None
        try:
            return attempt(generic)
        except Exception as exc:  # noqa: BLE001 - the caller falls back to fixed sizes
            tie = getattr(exc, "tie", None)
            if not tie:
                return None
            generic = _tied(generic, tie)
    return None


def _tied(shapes: dict, syms) -> dict:
    """``shapes`` with every symbol of ``syms`` replaced by one of them."""
    keep = min(syms, key=lambda d: d.tag)
    return {name: tuple(keep if d in syms else d for d in shape)
            if isinstance(shape, tuple) else shape for name, shape in shapes.items()}


#: ``shapes`` of a command-line compilation that declared no arrays
UNDECLARED = "undeclared"


def undeclared_shapes(program, entry: Function):
    """No shapes were given.  Plain scalar code stays scalar; code that uses
    array operations (``np.sum``, ``@``, indexing, ``x.T`` ...) gets parameters
    of unknown shape, so that its gradient is right whatever it is called with
    (never a scalar-only gradient silently applied to arrays)."""
    if _array_program(program):
        return {p.name: None for p in entry.params}
    return None


def uses_arrays(program) -> bool:
    """Does the code use array operations (then it is compiled as array code)?"""
    return _array_program(program)


def _array_program(program) -> bool:
    from ..core.ir import Eqn, walk
    from ..prims.primitives import PRIMS
    return any(isinstance(s, Eqn) and PRIMS[s.prim].array_only
               for fn in program.functions.values() for s in walk(fn.body))


def uses_array_operations(sf) -> bool:
    """Whether the function (or a helper it calls) uses array operations
    (``np.sum``, ``@``, indexing, ``x.T`` ...): its gradient code depends on
    the shapes of the arguments."""
    from ..frontend.program import lower_program
    return _array_program(lower_program(sf)[0])


def unknown_names(nodes: list, shapes_text: str | None, arrays_text: str | None) -> list:
    """Names in ``--shapes``/``--arrays`` that no compiled function has."""
    given = set(parse_shapes(shapes_text)) | {a.strip() for a in (arrays_text or "").split(",")
                                              if a.strip()}
    params = {a.arg for node in nodes for a in node.args.args}
    return sorted(given - params)
