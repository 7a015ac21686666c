"""Emission of the array primitives as NumPy code: each record's
``extra['emit']`` spells its expression (see :mod:`adcompiler.prims.structural`);
``index_add``, a statement that may update an array in place, is spelled here.

Also decides where an array may be updated *in place* (``x_bar += c``,
``x_bar[i] += g``).  NumPy's ``+=`` writes into the array, so it is only
safe on an array this function allocated and that nothing else can see:
not a parameter, not a view of another value (``.T``, a slice, a reshape),
not something stored on a tape, passed to a call or handed out of a branch
or loop while still in use elsewhere.  :func:`owned_arrays` computes that set;
everything else gets a fresh array.
"""
from __future__ import annotations

import ast

from ..core.ir import (Block, Const, Eqn, ForRange, Function, If, Var, While, stmt_inputs,
                 sub_blocks, walk)
from ..emit import backend
from ..errors import CompileError
from ..emit.globalnames import global_name
from ..prims.indexing import index_node
from ..prims.primitives import PRIMS
from ..prims.structural import eqn_memory
from . import scatter
from .unbroadcast import HELPER, helper_def  # noqa: F401  (compiler.py reads them here)


def _np(name: str) -> ast.expr:
    return ast.Attribute(global_name("np"), name, ast.Load())


# under the array-api backend: x.shape, len(...), no numpy (emit/backend.py)
_shape, _ndim = backend.shape_of, backend.ndim_of
helper_needs, checks_need = backend.helper_needs, backend.checks_need


def _call(func: ast.expr, args: list, keywords: dict | None = None) -> ast.expr:
    kws = [ast.keyword(k, v) for k, v in (keywords or {}).items()]
    return ast.Call(func, args, kws)


def _const(value) -> ast.expr:
    if isinstance(value, tuple):
        return ast.Tuple([_const(v) for v in value], ast.Load())
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


class _Kit:
    """What a record's ``extra['emit']`` may build names with (see
    :mod:`adcompiler.prims.structural`).  Under the array-api backend
    (``kit.xp`` true, emit/backend.py) ``kit.np(NAME)`` is ``xp.NAME`` when
    the record lists NAME among its standard spellings
    (``spellings['array_api']``), and refused otherwise."""

    def __init__(self, em, record=None) -> None:
        self.em = em
        self.record = record
        self.xp = backend.array_api()

    def np(self, name: str) -> ast.expr:
        """``np.NAME`` (``linalg.norm`` -> ``np.linalg.norm``)."""
        if self.xp:
            return backend.xp_name(_standard(self.record, name))
        node = global_name("np")
        for part in name.split("."):
            node = ast.Attribute(node, part, ast.Load())
        return node

    def shape(self, value: ast.expr, atom=None) -> ast.expr:
        """``np.shape(value)`` (the standard has no shape function: ``x.shape``
        when ``atom`` is known to be an array, else a ``getattr``)."""
        if not self.xp:
            return _call(self.np("shape"), [value])
        return _shape(value, bool(atom is not None and self.rank(atom)))

    def copy(self, value: ast.expr) -> ast.expr:
        """A new array equal to ``value`` (``value.copy()``)."""
        if self.xp:
            return backend.copy_of(value)
        return _call(ast.Attribute(value, "copy", ast.Load()), [])

    @staticmethod
    def builtin(name: str) -> ast.expr:
        return global_name(name)

    def dims(self, a):
        """The shape of the atom ``a`` as compiled (sizes may be symbols), or None."""
        shapes = getattr(self.em, "shapes", None)  # Expressions, or the Emitter's
        if shapes is None:
            shapes = getattr(getattr(self.em, "own", None), "shapes", None) or {}
        shape = shapes.get(a) if not isinstance(a, Const) else ()
        return shape if isinstance(shape, tuple) else None  # (not a tuple value)

    def rank(self, a):
        """The number of dimensions of the atom ``a`` when known here, else None."""
        shape = self.dims(a)
        return None if shape is None else len(shape)

    @staticmethod
    def placed() -> list:
        """``dtype=dtype, device=dev`` of an array built from nothing under
        the array-api backend (emit/backend.py)."""
        return backend.placed()

    def helper(self, name: str) -> ast.expr:
        """A helper function the module defines (``_unbroadcast``)."""
        self.em.need(name)
        for module in helper_needs():  # it may ask for the array namespace
            self.em.need(module)
        return global_name(name)

    call = staticmethod(_call)
    const = staticmethod(_const)


def value(em, e: Eqn, args: list) -> ast.expr:
    """The expression computing ``e`` (``args`` are the atoms' expressions),
    as its record's ``extra['emit']`` spells it; ``em.need(module)`` records
    an import)."""
    record = PRIMS.get(e.prim)
    spell = record.extra.get("emit") if record is not None else None
    if spell is None:
        raise NotImplementedError(f"no emission for {e.prim}")
    if backend.array_api():
        if "array_api" not in record.spellings:
            raise backend.no_spelling(_label(record), e)
        # a record whose standard call differs (xp.concat) says so in extra['emit_xp']
        spell = record.extra.get("emit_xp", spell)
        args = backend.floated(em, e, args)  # np.mean of integers: a float
    else:
        em.need("numpy")
    try:
        return spell(_Kit(em, record), e, args)
    except CompileError as err:  # a refusal: at the equation's line
        if err.line or not getattr(getattr(e, "loc", None), "line", 0):
            raise
        raise CompileError(err.message, line=e.loc.line, construct=err.construct) from None


def _label(record) -> str:
    """How a refusal names a primitive: as the user's code may call it."""
    np_names = record.spellings.get("np")
    if np_names:
        return "np." + (np_names if isinstance(np_names, str) else np_names[0])
    return f"the primitive {record.name}"


def _standard(record, name: str) -> str:
    """The standard's name for the NumPy function ``name`` a record's
    emission calls: listed in its ``spellings['array_api']`` (a name, a
    tuple of names, or a dict NumPy name -> standard name)."""
    listed = record.spellings.get("array_api", ()) if record is not None else ()
    if isinstance(listed, dict):
        if name in listed:
            return listed[name]
    elif name in ((listed,) if isinstance(listed, str) else listed):
        return name
    raise backend.no_spelling("np." + name, None)


def index_add(em, e: Eqn, target: str) -> list:
    """``out = base + scatter(g at index)``, updating ``base`` in place when it
    is an array this function owns and no longer needs.  ``em`` is the
    emitter's public interface: ``expr(atom)``, ``need(module)``,
    ``is_float(v)``, ``can_overwrite(v, eqn)``, ``name_of(v)``."""
    xp = backend.array_api()
    if not xp:
        em.need("numpy")
    x, base, g = e.args[:3]
    atoms = e.args[3:]
    index = index_node(e.param("spec"), [em.expr(a) for a in atoms], _rank(em, x, xp))
    out = ast.Name(target, ast.Store())
    pre: list = []
    if isinstance(base, Const):
        # a float accumulator even for an integer x (else `+=` truncates)
        if xp:
            kw = [] if em.is_float(x) else [ast.keyword("dtype", backend.like_dtype())]
            pre = [ast.Assign([out], ast.Call(backend.xp_name("zeros_like"), [em.expr(x)], kw))]
        else:
            kw = [] if em.is_float(x) else [ast.keyword("dtype", ast.Name("float", ast.Load()))]
            pre = [ast.Assign([out], ast.Call(_np("zeros_like"), [em.expr(x)], kw))]
    elif not em.is_float(base):
        # an adjoint built from an integer array (d/dv np.dot(v, X[0]) of an
        # int X) accumulates floats: a float copy, else `+=` raises
        pre = [ast.Assign([out], _call(backend.xp_name("astype"),
                                       [em.expr(base), backend.like_dtype()]) if xp else
                          _call(ast.Attribute(em.expr(base), "astype", ast.Load()),
                                [ast.Name("float", ast.Load())]))]
    elif not em.can_overwrite(base, e):
        pre = [ast.Assign([out], _Kit(em).copy(em.expr(base)))]
    elif em.name_of(base) != target:  # an owned array nobody else sees: take it over
        pre = [ast.Assign([out], em.expr(base))]
    here = ast.Name(target, ast.Load())
    if xp and scatter.needed(em, e):  # the standard has no scatter: a one-hot product
        add = ast.AugAssign(ast.Name(target, ast.Store()), ast.Add(), scatter.contribution(em, e))
    elif e.param("repeats"):
        add = ast.Expr(_call(ast.Attribute(_np("add"), "at", ast.Load()),
                             [here, _index_value(index), em.expr(g)]))
    else:
        grad = em.expr(g)
        if xp and None in e.param("spec"):  # no np.newaxis in an item write (scatter.py)
            spec, axes = scatter.without_newaxes(em, e)
            index = index_node(spec, [em.expr(a) for a in atoms], _rank(em, x, xp))
            grad = _call(backend.xp_name("squeeze"), [grad], {"axis": _const(axes)})
        add = ast.AugAssign(ast.Subscript(ast.Name(target, ast.Load()), index, ast.Store()),
                            ast.Add(), grad)
    return pre + [add]


def _rank(em, x, xp: bool):
    """What :func:`index_node` needs of the array indexed (-1: NumPy's rules)."""
    return _Kit(em).rank(x) if xp else -1


def setitem(em, e: Eqn, target: str) -> list:
    """``out = setitem(x, v, idx)`` as ``x[idx] = v`` when ``x``'s array may
    be overwritten (owned, dead after the write), else as
    ``out = x.copy(); out[idx] = v``: NumPy's in-place write is then the
    functional one (see :mod:`adcompiler.prims.writes`)."""
    x, v = e.args[:2]
    index = index_node(e.param("spec"), [em.expr(a) for a in e.args[2:]],
                       _rank(em, x, backend.array_api()))
    out = ast.Name(target, ast.Store())
    pre: list = []
    if not em.can_write_item(x, e):
        pre = [ast.Assign([out], _Kit(em).copy(em.expr(x)))]
    elif em.name_of(x) != target:  # an owned array nobody else sees: take it over
        pre = [ast.Assign([out], em.expr(x))]
    write = ast.Assign([ast.Subscript(ast.Name(target, ast.Load()), index, ast.Store())],
                       em.expr(v))
    return pre + [write]


def _index_value(index: ast.expr) -> ast.expr:
    """A subscript as a value (``np.add.at(x, (slice(None), i), g)``): a
    slice is only syntax inside brackets."""
    def one(part):
        if not isinstance(part, ast.Slice):
            return part
        lo, hi, st = (b if b is not None else ast.Constant(None)
                      for b in (part.lower, part.upper, part.step))
        if part.lower is None and part.step is None:  # slice(stop)
            return _call(ast.Name("slice", ast.Load()), [hi])
        return _call(ast.Name("slice", ast.Load()), [lo, hi] + ([st] if part.step else []))
    if isinstance(index, ast.Tuple):
        return ast.Tuple([one(p) for p in index.elts], ast.Load())
    return one(index)


# ---------------------------------------------------------------- ownership
def owned_arrays(fn: Function, through_views: bool = False,
                 init_copies: set | None = None) -> set:
    """Variables holding an array that may be updated in place (see module doc).
    ``through_views``: a view taken of an array does not count (an item write
    checks instead that every view is dead by then: :func:`array_views`).
    ``init_copies``: a loop-carried array the body writes items into is owned
    even when its initial value is not, if that value is copied on entry to
    the loop: ``(id(loop), k)`` of such slots are added to the set."""
    counts = dynamic_uses(fn.body)
    written = {s.args[0] for s in walk(fn.body) if isinstance(s, Eqn) and s.prim == "setitem"}
    shared: set = set()
    eqns: list = []
    merges: list = []  # (outs, [(init or None, result) per branch/iteration], params)
    _gather(fn.body, through_views, eqns, shared, merges)
    # a value flowing into a branch output or a loop-carried value that is
    # also read elsewhere shares its buffer with that output: neither may
    # be written in place while the other can still be read
    for _, pairs, _, _ in merges:
        for pair in pairs:
            shared.update(a for a in pair if isinstance(a, Var) and counts.get(a, 0) > 1)
    owned = {o for s in eqns if eqn_memory(s) == "fresh" for o in s.outs}
    owned -= shared
    changed = True
    while changed:
        changed = False
        for outs, pairs, params, loop in merges:
            for k, o in enumerate(outs):
                ok = all(isinstance(a, Var) and a in owned and counts.get(a, 0) == 1
                         for a in pairs[k]) and o not in shared
                if (not ok and init_copies is not None and params is not None
                        and params[k] in written and params[k] not in shared):
                    result = pairs[k][1]  # the body's own array; the init copied in
                    ok = isinstance(result, Var) and result in owned and \
                        counts.get(result, 0) == 1 and o not in shared
                    if ok:
                        init_copies.add((loop, k))
                if ok and o not in owned:
                    owned.add(o)
                    if params is not None and params[k] not in shared:
                        owned.add(params[k])
                    changed = True
    return owned


def _gather(b: Block, through_views: bool, eqns: list, shared: set, merges: list) -> None:
    """The walk of :func:`owned_arrays` (module level, not a closure calling
    itself: that is a reference cycle, left to the cyclic collector)."""
    for s in b.stmts:
        if isinstance(s, Eqn):
            eqns.append(s)
            if eqn_memory(s) == "view" and not (through_views and _is_view(s)):
                shared.update(a for a in s.args if isinstance(a, Var))
        elif isinstance(s, If):
            merges.append((s.outs, list(zip(s.then.results, s.orelse.results)), None, None))
        elif isinstance(s, (ForRange, While)):
            params = s.body.params[1:] if isinstance(s, ForRange) else s.body.params
            merges.append((s.outs, list(zip(s.inits, s.body.results)), params, id(s)))
        for sub in sub_blocks(s):
            _gather(sub, through_views, eqns, shared, merges)


def _is_view(e: Eqn) -> bool:
    """A primitive whose result may be a view of its arguments (x[i], x.T)."""
    record = PRIMS.get(e.prim)
    return bool(e.outs) and record is not None and record.memory == "view" and \
        eqn_memory(e) == "view"


def array_views(fn: Function, shapes: dict) -> tuple:
    """``(views, escaping)``: ``views[x]``, the results of view primitives
    taken of ``x`` (directly; one element ``x[i, j]`` is a number, not a
    view); ``escaping``, the values that leave their statement's reach (a
    branch or loop result or init, a call's argument, the function's result):
    a view among them may outlive any write."""
    views: dict = {}
    escaping: set = set(a for a in fn.body.results if isinstance(a, Var))
    for s in walk(fn.body):
        if isinstance(s, Eqn) and _is_view(s) and not _element(s, shapes):
            shares = PRIMS[s.prim].extra.get("shares")
            args = s.args if shares is None else [s.args[k] for k in shares if k < len(s.args)]
            for a in args:
                if isinstance(a, Var):
                    views.setdefault(a, []).append(s.outs[0])
        elif isinstance(s, Eqn) and s.prim == "call":
            escaping.update(a for a in s.args if isinstance(a, Var))
        elif isinstance(s, If):
            escaping.update(a for a in s.then.results + s.orelse.results if isinstance(a, Var))
        elif isinstance(s, (ForRange, While)):
            escaping.update(a for a in s.inits + s.body.results if isinstance(a, Var))
    return views, escaping


def _element(e: Eqn, shapes: dict) -> bool:
    """``x[i]`` or ``x[i, j]`` giving a number: NumPy's is a scalar copy (under
    the array-api backend, PyTorch's and CuPy's a 0-d VIEW of ``x``)."""
    return (e.prim == "index" and shapes.get(e.outs[0]) == ()
            and all(s == "a" for s in e.param("spec"))
            and backend.current() == backend.NUMPY)


def dynamic_uses(block: Block) -> dict:
    """Like :func:`ir.uses`, but the two branches of an ``if`` count as their
    maximum: a value read once in each branch is read once per run.  (Module
    functions, not closures calling themselves: those are reference cycles.)"""
    local: dict = {}
    for s in block.stmts:
        if isinstance(s, If):
            _count(local, (s.pred,))
            then, orelse = dynamic_uses(s.then), dynamic_uses(s.orelse)
            for v in set(then) | set(orelse):
                local[v] = local.get(v, 0) + max(then.get(v, 0), orelse.get(v, 0))
            continue
        _count(local, stmt_inputs(s))
        for sub in sub_blocks(s):
            for v, n in dynamic_uses(sub).items():
                local[v] = local.get(v, 0) + n
    _count(local, block.results)
    return local


def _count(into: dict, atoms) -> None:
    for a in atoms:
        if isinstance(a, Var):
            into[a] = into.get(a, 0) + 1


def shape_checks(node: ast.FunctionDef, shapes: dict) -> list:
    """Statements checking, on entry, what the code was compiled for
    (``adc compile --shapes``), raising ``ValueError`` otherwise.  ``shapes``:
    {the user's parameter name: declared shape}, in parameter order (the
    emitted parameters are the user's, in order; a name may have changed).

    A dimension is a number (baked into the code: checked), ``None`` (``?``:
    not checked) or a :class:`shapes.Sym` (read at run time: any size but 1,
    and dimensions tied to one symbol must stay equal).  The number of
    dimensions is always checked.  Each parameter's test is a line of its
    own (``bad = bad or ...``), so the check reads well however many there
    are."""
    tests, declared, names, first, letters = [], [], [], {}, {}
    for arg, (user, shape) in zip(node.args.args, shapes.items()):
        if not shape:  # a scalar, or an array of unknown shape
            continue
        x = ast.Name(arg.arg, ast.Load())
        if all(isinstance(d, int) for d in shape):
            tests.append([_cmp(_shape(x, True), ast.NotEq(), ast.Constant(tuple(shape)))])
        else:
            tests.append([_cmp(_ndim(x, True), ast.NotEq(), ast.Constant(len(shape)))]
                         + _dim_tests(x, shape, first))
        for d in shape:
            if d is not None and not isinstance(d, int):
                letters.setdefault(d, "nmpqrstuvw"[len(letters) % 10])
        shown = ("?" if d is None else str(d) if isinstance(d, int) else letters[d] for d in shape)
        declared.append(f"{user}={'x'.join(shown)}")
        names.append((user, arg.arg))
    if not tests:
        return []
    sizes = f"; {', '.join(letters.values())}: any size but 1" if letters else ""
    text = (f"{node.name} was compiled for {', '.join(declared)} (adc compile --shapes{sizes}), "
            f"got {', '.join(u + '={}' for u, _ in names)}: compile it again for these shapes")
    got = [_shape(ast.Name(n, ast.Load()), True) for _, n in names]
    message = _call(ast.Attribute(ast.Constant(text), "format", ast.Load()), got)
    error = ast.Raise(_call(ast.Name("ValueError", ast.Load()), [message]), None)
    lines = [chunk for t in tests for chunk in _lines(t)]
    if len(lines) == 1:
        return [ast.If(_any(lines[0]), [error], [])]
    bad = _fresh_name(node, "bad")
    stmts = [ast.Assign([ast.Name(bad, ast.Store())], _any(lines[0]))]
    stmts += [ast.Assign([ast.Name(bad, ast.Store())], _any([ast.Name(bad, ast.Load())] + t))
              for t in lines[1:]]
    return stmts + [ast.If(ast.Name(bad, ast.Load()), [error], [])]


def _lines(tests: list, width: int = 60) -> list:
    """One parameter's tests in groups short enough for a line each (a later
    group runs only if the earlier ones passed: ``bad or ...``)."""
    out = [[tests[0]]]
    for t in tests[1:]:
        if len(" or ".join(ast.unparse(x) for x in out[-1] + [t])) > width:
            out.append([t])
        else:
            out[-1].append(t)
    return out


def _any(tests: list) -> ast.expr:
    return tests[0] if len(tests) == 1 else ast.BoolOp(ast.Or(), tests)


def _fresh_name(node: ast.FunctionDef, base: str) -> str:
    """``base`` (or ``base_2``, ...) where no name of ``node`` is."""
    taken = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    taken |= {a.arg for a in ast.walk(node) if isinstance(a, ast.arg)}
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}_{k}"
    return name


def scalar_output_check(node: ast.FunctionDef, user: str, with_value: bool) -> None:
    """The output's shape was unknown when compiling (``--arrays``, no
    ``--shapes``): the gradient was compiled to return the output first, and
    its final ``return`` becomes a check that the output is a scalar (a
    gradient of an array output is not defined) and the return of the rest."""
    ret = node.body[-1]
    items = list(ret.value.elts)
    out = items[0]
    text = (f"{user} returned an array of shape {{}}, but a gradient needs a scalar output; "
            "reduce it (np.sum, a norm), or use jacobian or vjp for an array output")
    message = _call(ast.Attribute(ast.Constant(text), "format", ast.Load()),
                    [_shape(out)])
    error = ast.Raise(_call(ast.Name("ValueError", ast.Load()), [message]), None)
    test = _cmp(_ndim(out), ast.NotEq(), ast.Constant(0))
    rest = items if with_value else items[1:]
    ret.value = rest[0] if len(rest) == 1 else ast.Tuple(rest, ast.Load())
    node.body[-1:] = [ast.If(test, [error], []), ret]


def _cmp(left, op, right) -> ast.expr:
    return ast.Compare(left, [op], [right])


def _dim_tests(x, shape: tuple, first: dict) -> list:
    """Tests of the dimensions of one parameter after its rank: numbers
    exactly, a symbol's first occurrence not 1 (``1 in np.shape(x)`` when
    every dimension is one), later ones equal to it."""
    tests = []
    fresh = [d for d in shape if d is not None and not isinstance(d, int) and d not in first]
    if len(fresh) == len(shape) > 1 and len(set(fresh)) == len(fresh):
        for k, d in enumerate(shape):
            first[d] = ast.Subscript(_shape(x, True), ast.Constant(k), ast.Load())
        return [ast.Compare(ast.Constant(1), [ast.In()], [_shape(x, True)])]
    for k, d in enumerate(shape):
        if d is None:
            continue
        dim = ast.Subscript(_shape(x, True), ast.Constant(k), ast.Load())
        if isinstance(d, int):
            tests.append(_cmp(dim, ast.NotEq(), ast.Constant(d)))
        elif d in first:
            tests.append(_cmp(dim, ast.NotEq(), first[d]))
        else:
            first[d] = dim
            tests.append(_cmp(dim, ast.Eq(), ast.Constant(1)))
    return tests
