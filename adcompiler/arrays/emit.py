"""Emission of the array primitives (see :mod:`npprims`) as NumPy code.

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
                 sub_blocks)
from ..emit.globalnames import global_name
from ..prims.npprims import ALLOCATING, VIEWING, index_items

HELPER = "_unbroadcast"


def _np(name: str) -> ast.expr:
    return ast.Attribute(global_name("np"), name, ast.Load())


def _call(func: ast.expr, args: list, keywords: dict | None = None) -> ast.expr:
    kws = [ast.keyword(k, v) for k, v in (keywords or {}).items()]
    return ast.Call(func, args, kws)


def _const(value) -> ast.expr:
    if isinstance(value, tuple):
        return ast.Tuple([_const(v) for v in value], ast.Load())
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


_NP_NAMES = {"sum": "sum", "mean": "mean", "amax": "max", "amin": "min", "prod": "prod",
             "outer": "outer", "trace": "trace", "where": "where", "zeros_like": "zeros_like",
             "size": "size", "ndim": "ndim"}


def value(em, e: Eqn, args: list) -> ast.expr:
    """The expression computing ``e`` (``args`` are the atoms' expressions;
    ``em.need(module)`` records an import)."""
    em.need("numpy")
    prim = e.prim
    if prim in ("sum", "mean", "amax", "amin", "prod"):
        kws = {}
        if e.param("axis") is not None:
            kws["axis"] = _const(e.param("axis"))
        if e.param("keepdims"):
            kws["keepdims"] = ast.Constant(True)
        return _call(_np(_NP_NAMES[prim]), args[:1], kws)
    if prim in _NP_NAMES:
        return _call(_np(_NP_NAMES[prim]), args)
    if prim == "copy":
        return _call(_np("copy"), args)
    if prim == "intarray":
        return _call(_np("array"), [ast.List([_const(v) for v in e.param("values")], ast.Load())])
    if prim == "transpose":
        return ast.Attribute(args[0], "T", ast.Load())
    if prim == "norm":
        return _call(ast.Attribute(_np("linalg"), "norm", ast.Load()), args)
    if prim == "len":
        return _call(global_name("len"), args)
    if prim == "shape":
        return ast.Attribute(args[0], "shape", ast.Load())
    if prim == "reshape":
        dims = args[1] if len(args) == 2 else ast.Tuple(args[1:], ast.Load())
        return _call(_np("reshape"), [args[0], dims])
    if prim == "reshape_like":
        return _call(_np("reshape"), [args[0], _call(_np("shape"), [args[1]])])
    if prim == "expand_dims":
        return _call(_np("expand_dims"), [args[0], _const(e.param("axis"))])
    if prim in ("concatenate", "stack"):
        kws = {"axis": _const(e.param("axis"))} if e.param("axis", 0) != 0 else {}
        return _call(_np(prim), [ast.Tuple(args, ast.Load())], kws)
    if prim == "index":
        return ast.Subscript(args[0], _index_node(e.param("spec"), args[1:]), ast.Load())
    if prim == "eye_like":  # np.eye(*np.shape(x)): x (maybe an expression) written once
        return _call(_np("eye"), [ast.Starred(_call(_np("shape"), [args[0]]), ast.Load())])
    if prim == "unbroadcast":
        em.need(HELPER)
        return _call(global_name(HELPER), args)
    if prim == "expand_red":
        return _expand_red(e, args[0])
    if prim == "unsum":
        g = _expand_red(e, args[0])
        shape = e.param("shape")
        target = _const(shape) if shape is not None else _call(_np("shape"), [args[1]])
        if e.param("fresh"):  # returned to the user: a writable array of its own
            return _call(_np("full"), [target, g]) if g is args[0] else _call(
                ast.Attribute(_call(_np("broadcast_to"), [g, target]), "copy", ast.Load()), [])
        return _call(_np("broadcast_to"), [g, target])
    raise NotImplementedError(f"no emission for {prim}")


def _expand_red(e: Eqn, g: ast.expr) -> ast.expr:
    axis = e.param("axis")
    if e.param("keepdims") or axis is None:
        return g
    return _call(_np("expand_dims"), [g, _const(axis)])


def _index_node(spec: tuple, atoms: list) -> ast.expr:
    parts = []
    for item in index_items(spec, tuple(atoms)):
        if item[0] == "a":
            parts.append(item[1])
        elif item[0] == "s":
            lo, hi, st = item[1]
            parts.append(ast.Slice(lo, hi, st))
        elif item[0] is None:
            parts.append(ast.Constant(None))
        else:
            parts.append(ast.Constant(Ellipsis))
    return parts[0] if len(parts) == 1 else ast.Tuple(parts, ast.Load())


def index_add(em, e: Eqn, target: str) -> list:
    """``out = base + scatter(g at index)``, updating ``base`` in place when it
    is an array this function owns and no longer needs.  ``em`` is the
    emitter's public interface: ``expr(atom)``, ``need(module)``,
    ``is_float(v)``, ``can_overwrite(v, eqn)``, ``name_of(v)``."""
    em.need("numpy")
    x, base, g = e.args[:3]
    atoms = e.args[3:]
    index = _index_node(e.param("spec"), [em.expr(a) for a in atoms])
    out = ast.Name(target, ast.Store())
    pre: list = []
    if isinstance(base, Const):
        # a float accumulator even for an integer x (else `+=` truncates)
        kw = [] if em.is_float(x) else [ast.keyword("dtype", ast.Name("float", ast.Load()))]
        pre = [ast.Assign([out], ast.Call(_np("zeros_like"), [em.expr(x)], kw))]
    elif not em.is_float(base):
        # an adjoint built from an integer array (d/dv np.dot(v, X[0]) of an
        # int X) accumulates floats: a float copy, else `+=` raises
        pre = [ast.Assign([out], _call(ast.Attribute(em.expr(base), "astype", ast.Load()),
                                       [ast.Name("float", ast.Load())]))]
    elif not em.can_overwrite(base, e):
        pre = [ast.Assign([out], _call(ast.Attribute(em.expr(base), "copy", ast.Load()), []))]
    elif em.name_of(base) != target:  # an owned array nobody else sees: take it over
        pre = [ast.Assign([out], em.expr(base))]
    here = ast.Name(target, ast.Load())
    if e.param("repeats"):
        add = ast.Expr(_call(ast.Attribute(_np("add"), "at", ast.Load()),
                             [here, index, em.expr(g)]))
    else:
        add = ast.AugAssign(ast.Subscript(ast.Name(target, ast.Load()), index, ast.Store()),
                            ast.Add(), em.expr(g))
    return pre + [add]


# ---------------------------------------------------------------- ownership
def owned_arrays(fn: Function) -> set:
    """Variables holding an array that may be updated in place (see module doc)."""
    counts = dynamic_uses(fn.body)
    shared: set = set()
    eqns: list = []
    merges: list = []  # (outs, [(init or None, result) per branch/iteration], params)

    def visit(b: Block) -> None:
        for s in b.stmts:
            if isinstance(s, Eqn):
                eqns.append(s)
                if s.prim in VIEWING:
                    shared.update(a for a in s.args if isinstance(a, Var))
            elif isinstance(s, If):
                merges.append((s.outs, list(zip(s.then.results, s.orelse.results)), None))
            elif isinstance(s, (ForRange, While)):
                params = s.body.params[1:] if isinstance(s, ForRange) else s.body.params
                merges.append((s.outs, list(zip(s.inits, s.body.results)), params))
            for sub in sub_blocks(s):
                visit(sub)

    visit(fn.body)
    # a value flowing into a branch output or a loop-carried value that is
    # also read elsewhere shares its buffer with that output: neither may
    # be written in place while the other can still be read
    for _, pairs, _ in merges:
        for pair in pairs:
            shared.update(a for a in pair if isinstance(a, Var) and counts.get(a, 0) > 1)
    owned = {o for s in eqns if s.prim in ALLOCATING for o in s.outs}
    owned -= shared
    changed = True
    while changed:
        changed = False
        for outs, pairs, params in merges:
            for k, o in enumerate(outs):
                ok = all(isinstance(a, Var) and a in owned and counts.get(a, 0) == 1
                         for a in pairs[k]) and o not in shared
                if ok and o not in owned:
                    owned.add(o)
                    if params is not None and params[k] not in shared:
                        owned.add(params[k])
                    changed = True
    return owned


def dynamic_uses(block: Block) -> dict:
    """Like :func:`ir.uses`, but the two branches of an ``if`` count as their
    maximum: a value read once in each branch is read once per run."""
    counts: dict = {}

    def add(into: dict, atoms) -> None:
        for a in atoms:
            if isinstance(a, Var):
                into[a] = into.get(a, 0) + 1

    def visit(b: Block) -> dict:
        local: dict = {}
        for s in b.stmts:
            if isinstance(s, If):
                add(local, (s.pred,))
                then, orelse = visit(s.then), visit(s.orelse)
                for v in set(then) | set(orelse):
                    local[v] = local.get(v, 0) + max(then.get(v, 0), orelse.get(v, 0))
                continue
            add(local, stmt_inputs(s))
            for sub in sub_blocks(s):
                for v, n in visit(sub).items():
                    local[v] = local.get(v, 0) + n
        add(local, b.results)
        return local

    counts.update(visit(block))
    return counts


def helper_def() -> ast.FunctionDef:
    """``_unbroadcast(g, like)``: sum ``g`` down to the shape of ``like`` (used
    only where shapes were not known when compiling)."""
    g, like, shape, lead, axes = (ast.Name(n, ast.Load()) for n in
                                  ("g", "like", "shape", "lead", "axes"))

    def store(n):
        return ast.Name(n, ast.Store())

    np_shape = _call(_np("shape"), [like])
    body = [
        ast.Assign([store("shape")], np_shape),
        ast.If(ast.Compare(_call(_np("shape"), [g]), [ast.Eq()], [shape]), [ast.Return(g)], []),
        ast.Assign([store("lead")], ast.BinOp(_call(_np("ndim"), [g]), ast.Sub(),
                                              _call(global_name("len"), [shape]))),
        ast.Assign([store("g")], _call(_np("sum"), [g], {"axis": _call(
            global_name("tuple"), [_call(global_name("range"), [lead])])})),
        ast.Assign([store("axes")], ast.Call(global_name("tuple"), [ast.GeneratorExp(
            ast.Name("k", ast.Load()),
            [ast.comprehension(ast.Tuple([store("k"), store("n")], ast.Store()),
                               _call(global_name("enumerate"), [shape]),
                               [ast.BoolOp(ast.And(), [
                                   ast.Compare(ast.Name("n", ast.Load()), [ast.Eq()],
                                               [ast.Constant(1)]),
                                   ast.Compare(ast.Subscript(ast.Attribute(g, "shape", ast.Load()),
                                                             ast.Name("k", ast.Load()),
                                                             ast.Load()),
                                               [ast.NotEq()], [ast.Constant(1)])])], 0)])], [])),
        ast.If(axes, [ast.Assign([store("g")], _call(_np("sum"), [g], {
            "axis": axes, "keepdims": ast.Constant(True)}))], []),
        ast.Return(ast.IfExp(shape, g, _call(global_name("float"), [g]))),
    ]
    args = ast.arguments(posonlyargs=[], args=[ast.arg("g"), ast.arg("like")], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    node = ast.FunctionDef(HELPER, args, body, [], None)
    node.type_params = []
    return node


def shape_checks(node: ast.FunctionDef, shapes: dict) -> list:
    """One statement checking, on entry, what the code was compiled for
    (``adc compile --shapes``), raising ``ValueError`` otherwise.  ``shapes``:
    {the user's parameter name: declared shape}, in parameter order (the
    emitted parameters are the user's, in order; a name may have changed).

    A dimension is a number (baked into the code: checked), ``None`` (``?``:
    not checked) or a :class:`shapes.Sym` (read at run time: any size but 1,
    and dimensions declared with the same size must stay equal).  The number
    of dimensions is always checked."""
    tests, declared, names, first, letters = [], [], [], {}, {}
    for arg, (user, shape) in zip(node.args.args, shapes.items()):
        if not shape:  # a scalar, or an array of unknown shape
            continue
        x = ast.Name(arg.arg, ast.Load())
        if all(isinstance(d, int) for d in shape):
            tests.append(_cmp(_call(_np("shape"), [x]), ast.NotEq(), ast.Constant(tuple(shape))))
        else:
            tests.append(_cmp(_call(_np("ndim"), [x]), ast.NotEq(), ast.Constant(len(shape))))
            tests += _dim_tests(x, shape, first)
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
    got = [_call(_np("shape"), [ast.Name(n, ast.Load())]) for _, n in names]
    message = _call(ast.Attribute(ast.Constant(text), "format", ast.Load()), got)
    error = ast.Raise(_call(ast.Name("ValueError", ast.Load()), [message]), None)
    test = tests[0] if len(tests) == 1 else ast.BoolOp(ast.Or(), tests)
    return [ast.If(test, [error], [])]


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
                    [_call(_np("shape"), [out])])
    error = ast.Raise(_call(ast.Name("ValueError", ast.Load()), [message]), None)
    test = _cmp(_call(_np("ndim"), [out]), ast.NotEq(), ast.Constant(0))
    rest = items if with_value else items[1:]
    ret.value = rest[0] if len(rest) == 1 else ast.Tuple(rest, ast.Load())
    node.body[-1:] = [ast.If(test, [error], []), ret]


def _cmp(left, op, right) -> ast.expr:
    return ast.Compare(left, [op], [right])


def _dim_tests(x, shape: tuple, first: dict) -> list:
    """Tests of the dimensions of one parameter after its rank: numbers
    exactly, a symbol's first occurrence not 1, later ones equal to it."""
    tests = []
    for k, d in enumerate(shape):
        if d is None:
            continue
        dim = ast.Subscript(_call(_np("shape"), [x]), ast.Constant(k), ast.Load())
        if isinstance(d, int):
            tests.append(_cmp(dim, ast.NotEq(), ast.Constant(d)))
        elif d in first:
            tests.append(_cmp(dim, ast.NotEq(), first[d]))
        else:
            first[d] = dim
            tests.append(_cmp(dim, ast.Eq(), ast.Constant(1)))
    return tests
