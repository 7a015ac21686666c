"""A fast printer for the statements the emitter writes, the same text astor
writes for them.

astor visits every node through a generic dispatcher, builds a list of
fragments with a context manager per parenthesised node, and then scans the
list again for lines to wrap; at 10 000 emitted statements that is most of
the print phase.  Here each expression becomes its text in one recursive
call that is told how tightly its parent binds (``outer``), and a node is
parenthesised when it binds more loosely than that.  The binding strengths
are astor's (the emitted code must not change), so the ladder below keeps
its order and its gaps: an operand one step above its operator is the
right-hand side of a left-associative operator.

A line that would be longer than :data:`WIDTH` (astor wraps those), or a
node this printer does not know, goes to astor for that statement alone
(for a compound statement, its header alone): astor wraps each line on its
own, so the text is the same as if astor had printed the whole module.
"""
from __future__ import annotations

import ast
import math

#: the longest line astor leaves as it is
WIDTH = 79

#: how a comment statement's name begins (emit/printer.py: comment_statement)
COMMENT_MARK = "\u00a7adc-comment\u00a7 "

# How tightly a position binds its expression (higher: tighter).
ASSIGN, STATEMENT, HEADER, RETURN, INDEX = 3, 5, 9, 11, 13
TUPLE, ITEM, TEST, ONE_ARG, IFEXP = 19, 21, 23, 25, 27
OR, AND, NOT, COMPARE = 31, 33, 35, 37
POW_RIGHT, UNARY, POW, NUMBER, TIGHTEST = 51, 53, 55, 61, 63

_BINARY = {ast.BitOr: ("|", 39), ast.BitXor: ("^", 41), ast.BitAnd: ("&", 43),
           ast.LShift: ("<<", 45), ast.RShift: (">>", 45), ast.Add: ("+", 47),
           ast.Sub: ("-", 47), ast.Mult: ("*", 49), ast.Div: ("/", 49),
           ast.Mod: ("%", 49), ast.FloorDiv: ("//", 49), ast.MatMult: ("@", 49),
           ast.Pow: ("**", POW)}
_UNARY = {ast.Invert: "~", ast.UAdd: "+", ast.USub: "-", ast.Not: "not "}
_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
            ast.GtE: ">=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
            ast.NotIn: "not in"}
_BINARY_TEXT = {k: (" " + s + " ", p) for k, (s, p) in _BINARY.items()}
_AUG_TEXT = {k: " " + s + "= " for k, (s, _) in _BINARY.items()}
_COMPARE_TEXT = {k: " " + s + " " for k, s in _COMPARE.items()}


class Unsupported(Exception):
    """A node this printer leaves to astor."""


def expr(node: ast.AST, outer: int = TIGHTEST) -> str:
    """The text of expression ``node`` where its parent binds ``outer``."""
    kind = type(node)
    if kind is ast.Name:
        return node.id
    try:
        return _EXPRS[kind](node, outer)
    except KeyError:
        raise Unsupported(kind.__name__) from None


def _binop(node: ast.BinOp, outer: int) -> str:
    text, own = _BINARY_TEXT[type(node.op)]
    left, right = node.left, node.right
    if own == POW:
        text = expr(left, POW + 1) + text + expr(right, POW_RIGHT)
    else:  # a name operand is its text (most operands: no call for it)
        text = ((left.id if type(left) is ast.Name else expr(left, own)) + text
                + (right.id if type(right) is ast.Name else expr(right, own + 1)))
    return text if own >= outer else "(" + text + ")"


def _unary(node: ast.UnaryOp, outer: int) -> str:
    op = type(node.op)
    own = NOT if op is ast.Not else UNARY
    text = _UNARY[op] + expr(node.operand, own)
    return text if own >= outer else "(" + text + ")"


def _boolop(node: ast.BoolOp, outer: int) -> str:
    own = OR if type(node.op) is ast.Or else AND
    text = (" or " if own == OR else " and ").join([expr(v, own + 1) for v in node.values])
    return text if own >= outer else "(" + text + ")"


def _compare(node: ast.Compare, outer: int) -> str:
    parts = [expr(node.left, COMPARE + 1)]
    for op, right in zip(node.ops, node.comparators):
        parts.append(_COMPARE_TEXT[type(op)])
        parts.append(expr(right, COMPARE + 1))
    text = "".join(parts)
    return text if COMPARE >= outer else "(" + text + ")"


def _ifexp(node: ast.IfExp, outer: int) -> str:
    text = (expr(node.body, IFEXP + 1) + " if " + expr(node.test, IFEXP + 1) + " else "
            + expr(node.orelse, IFEXP))
    return text if IFEXP >= outer else "(" + text + ")"


def _call(node: ast.Call, outer: int) -> str:
    args, keywords = node.args, node.keywords
    each = ITEM if len(args) + len(keywords) > 1 else ONE_ARG
    parts = [a.id if type(a) is ast.Name else expr(a, each) for a in args]
    for k in keywords:
        parts.append((k.arg + "=" if k.arg else "**") + expr(k.value, ITEM))
    return expr(node.func) + "(" + ", ".join(parts) + ")"


def _constant(node: ast.Constant, outer: int) -> str:
    value = node.value
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise Unsupported("float")
        text = repr(value)
        return text if NUMBER >= outer else "(" + text + ")"
    if isinstance(value, str):
        # astor writes a one-line string inside an expression as its repr;
        # a statement-level string may become a triple-quoted one
        if "\n" in value or outer <= STATEMENT or node.kind:
            raise Unsupported("str")
        return repr(value)
    if value is None or isinstance(value, bytes):
        return repr(value)
    if value is Ellipsis:
        return "..."
    raise Unsupported(type(value).__name__)


def _tuple(node: ast.Tuple, outer: int) -> str:
    elts = node.elts
    if len(elts) == 1:
        text = expr(elts[0], ITEM) + ","
    else:
        text = ", ".join([expr(e, ITEM) for e in elts])
    return text if elts and TUPLE >= outer else "(" + text + ")"


def _list(node: ast.List, outer: int) -> str:
    return "[" + ", ".join([expr(e, ITEM) for e in node.elts]) + "]"


def _set(node: ast.Set, outer: int) -> str:
    if not node.elts:
        return "{1}.__class__()"
    return "{" + ", ".join([expr(e, ITEM) for e in node.elts]) + "}"


def _dict(node: ast.Dict, outer: int) -> str:
    return "{" + ", ".join([(expr(k) + ": " if k is not None else "**") + expr(v, ITEM)
                            for k, v in zip(node.keys, node.values)]) + "}"


def _attribute(node: ast.Attribute, outer: int) -> str:
    return expr(node.value) + "." + node.attr


def _subscript(node: ast.Subscript, outer: int) -> str:
    return expr(node.value) + "[" + expr(node.slice, INDEX) + "]"


def _slice(node: ast.Slice, outer: int) -> str:
    text = ("" if node.lower is None else expr(node.lower, INDEX)) + ":"
    if node.upper is not None:
        text += expr(node.upper, INDEX)
    step = node.step
    if step is not None:
        text += ":"
        if not (type(step) is ast.Name and step.id == "None"):
            text += expr(step, INDEX)
    return text


def _starred(node: ast.Starred, outer: int) -> str:
    return "*" + expr(node.value)


def _named(node: ast.NamedExpr, outer: int) -> str:
    return "(" + expr(node.target, TEST) + " := " + expr(node.value, TEST + 1) + ")"


_EXPRS = {ast.BinOp: _binop, ast.UnaryOp: _unary, ast.BoolOp: _boolop,
          ast.Compare: _compare, ast.IfExp: _ifexp, ast.Call: _call,
          ast.Constant: _constant, ast.Tuple: _tuple, ast.List: _list, ast.Set: _set,
          ast.Dict: _dict, ast.Attribute: _attribute, ast.Subscript: _subscript,
          ast.Slice: _slice, ast.Starred: _starred, ast.NamedExpr: _named}


def module_source(module: ast.Module) -> str:
    """The text of ``module``, as ``astor.to_source`` writes it."""
    out: list = []
    state = [0]  # newlines owed before the next line (astor's ``new_lines``)
    _block(module.body, 0, out, state)
    if not out:
        return ""
    out[0] = out[0].lstrip("\n")  # astor drops the module's leading newlines
    out.append("\n")
    return "".join(out)


def _block(body: list, depth: int, out: list, state: list) -> None:
    indent = "    " * depth
    width = WIDTH - len(indent)
    append = out.append
    for node in body:
        kind = type(node)
        if kind is ast.Expr and type(node.value) is ast.Name:
            name = node.value.id
            if name.startswith(COMMENT_MARK) and len(name) <= width and "\n" not in name:
                # a comment line (printer.comment_statement), written as its
                # ``#`` line here: the printer's pattern then has none to find
                _line(indent + "# " + name[len(COMMENT_MARK):], out, state, 1)
                continue
        try:
            text = _SIMPLE[kind](node)
        except KeyError:
            _compound(node, depth, out, state)
            continue
        except Unsupported:
            text = None
        if text is None or "\n" in text:
            _line(_by_astor(node, depth), out, state, 1)
        elif len(text) > width:
            _line(_long(node, depth), out, state, 1)
        elif state[0] > 1:
            _line(indent + text, out, state, 1)
        else:  # (_line, unrolled: the commonest line, no blank line owed)
            append("\n")
            append(indent + text)
            state[0] = 0


def _line(text: str, out: list, state: list, newlines: int) -> None:
    """Write a line (or astor's lines) after the newlines owed."""
    out.append("\n" * max(state[0], newlines))
    out.append(text)
    state[0] = 0


def _compound(node: ast.stmt, depth: int, out: list, state: list) -> None:
    kind = type(node)
    if kind is ast.If:
        _if(node, depth, out, state)
    elif kind in (ast.For, ast.While):
        _header(node, depth, out, state, _loop_header)
        _block(node.body, depth + 1, out, state)
        _else(node.orelse, depth, out, state)
    elif kind is ast.Try:
        _try(node, depth, out, state)
    elif kind in _DEFINITIONS:
        # astor: two blank lines around a top-level definition, one before a
        # nested function, two before any class
        top = depth == 0 or kind is ast.ClassDef
        _header(node, depth, out, state, _def_header, newlines=3 if top else 2)
        _block(node.body, depth + 1, out, state)
        if depth == 0:
            state[0] = 3
    elif kind is ast.With:
        _line(_skeleton(node, depth), out, state, 1)
        _block(node.body, depth + 1, out, state)
    else:
        _line(_by_astor(node, depth), out, state, 1)


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _loop_header(node) -> str:
    if type(node) is ast.While:
        return "while " + expr(node.test, HEADER) + ":"
    return "for " + expr(node.target, HEADER) + " in " + expr(node.iter) + ":"


def _header(node, depth: int, out: list, state: list, spell, long=None,
            newlines: int = 1) -> None:
    """A compound statement's first line, by astor when too long or unknown
    (``long``: how, when not :func:`_skeleton`)."""
    try:
        text = "    " * depth + spell(node)
    except Unsupported:
        text = None
    if text is None:
        text = (long or _skeleton)(node, depth)
    elif len(text) > WIDTH:
        text = _long(node, depth) if type(node) is ast.For else (long or _skeleton)(node, depth)
    _line(text, out, state, newlines)


def _def_header(node) -> str:
    """``def name(a, b=default):`` of a function with plain parameters (no
    decorator, annotation, ``*``, ``/`` or ``**``), as astor writes it; any
    other definition is astor's (a class too).  astor's header cost a third
    of a small module's printing."""
    args = node.args
    if (type(node) is not ast.FunctionDef or node.decorator_list or node.returns
            or getattr(node, "type_params", None) or getattr(node, "type_comment", None)
            or args.posonlyargs or args.vararg or args.kwonlyargs or args.kwarg
            or any(a.annotation is not None or a.type_comment for a in args.args)):
        raise Unsupported("definition")
    names = [a.arg for a in args.args]
    first = len(names) - len(args.defaults)
    for k, default in enumerate(args.defaults):
        names[first + k] += "=" + expr(default, ITEM)
    return "def " + node.name + "(" + ", ".join(names) + "):"


def _if(node: ast.If, depth: int, out: list, state: list) -> None:
    _header(node, depth, out, state, lambda n: "if " + expr(n.test, HEADER) + ":")
    _block(node.body, depth + 1, out, state)
    orelse = node.orelse
    while len(orelse) == 1 and type(orelse[0]) is ast.If:
        branch = orelse[0]
        _header(branch, depth, out, state, _elif_header, _elif_skeleton)
        _block(branch.body, depth + 1, out, state)
        orelse = branch.orelse
    _else(orelse, depth, out, state)


def _elif_header(node: ast.If) -> str:
    return "elif " + expr(node.test, HEADER) + ":"


def _else(orelse: list, depth: int, out: list, state: list) -> None:
    if orelse:
        _line("    " * depth + "else:", out, state, 1)
        _block(orelse, depth + 1, out, state)


def _try(node: ast.Try, depth: int, out: list, state: list) -> None:
    indent = "    " * depth
    _line(indent + "try:", out, state, 1)
    _block(node.body, depth + 1, out, state)
    for handler in node.handlers:
        _header(handler, depth, out, state, _except_header)
        _block(handler.body, depth + 1, out, state)
    _else(node.orelse, depth, out, state)
    if node.finalbody:
        _line(indent + "finally:", out, state, 1)
        _block(node.finalbody, depth + 1, out, state)


def _except_header(node: ast.ExceptHandler) -> str:
    if node.type is None:
        return "except:"
    name = " as " + node.name if node.name else ""
    return "except " + expr(node.type) + name + ":"


def _assign(node: ast.Assign) -> str:
    targets = node.targets
    if len(targets) == 1 and type(targets[0]) is ast.Name:  # the commonest: ``name = ...``
        return targets[0].id + " = " + expr(node.value, ASSIGN)
    return "".join([expr(t, ASSIGN) + " = " for t in targets]) + expr(node.value, ASSIGN)


def _augassign(node: ast.AugAssign) -> str:
    target = node.target
    return ((target.id if type(target) is ast.Name else expr(target, STATEMENT))
            + _AUG_TEXT[type(node.op)] + expr(node.value, STATEMENT))


def _expr_statement(node: ast.Expr) -> str:
    text = expr(node.value, STATEMENT)
    if text[:1] in ("'", '"'):  # astor may triple-quote a string opening a line
        raise Unsupported("str")
    return text


def _return(node: ast.Return) -> str:
    return "return" if node.value is None else "return " + expr(node.value, RETURN)


def _delete(node: ast.Delete) -> str:
    return "del " + ", ".join([expr(t, ITEM) for t in node.targets])


def _assert(node: ast.Assert) -> str:
    text = "assert " + expr(node.test, TEST)
    return text if node.msg is None else text + ", " + expr(node.msg, TEST)


def _raise(node: ast.Raise) -> str:
    if node.exc is None:
        return "raise"
    text = "raise " + expr(node.exc)
    return text if node.cause is None else text + " from " + expr(node.cause)


def _aliases(names: list) -> str:
    return ", ".join([a.name if a.asname is None else a.name + " as " + a.asname
                      for a in names])


def _import(node: ast.Import) -> str:
    return "import " + _aliases(node.names)


def _import_from(node: ast.ImportFrom) -> str:
    return ("from " + "." * (node.level or 0) + (node.module or "") + " import "
            + _aliases(node.names))


_SIMPLE = {ast.Assign: _assign, ast.AugAssign: _augassign, ast.Expr: _expr_statement,
           ast.Return: _return, ast.Pass: lambda n: "pass", ast.Break: lambda n: "break",
           ast.Continue: lambda n: "continue", ast.Delete: _delete, ast.Assert: _assert,
           ast.Raise: _raise, ast.Import: _import, ast.ImportFrom: _import_from,
           ast.Global: lambda n: "global " + ", ".join(n.names),
           ast.Nonlocal: lambda n: "nonlocal " + ", ".join(n.names)}


def _long(node: ast.stmt, depth: int) -> str:
    """A line astor would wrap (a loop's header alone), wrapped as astor
    does (emit/wrapping.py), or by astor."""
    from .wrapping import statement_pieces, wrap

    try:
        return wrap("    " * depth, statement_pieces(node))
    except Unsupported:
        return _skeleton(node, depth) if type(node) is ast.For else _by_astor(node, depth)


def _by_astor(node: ast.stmt, depth: int) -> str:
    """astor's text of statement ``node`` at ``depth``, without the newlines
    before it and the one after."""
    from astor.code_gen import SourceGenerator
    from astor.source_repr import pretty_source

    writer = SourceGenerator(" " * 4)
    writer.indentation = depth
    writer.visit(node)
    writer.result.append("\n")
    return pretty_source(writer.result).lstrip("\n")[:-1]


def _skeleton(node: ast.stmt, depth: int) -> str:
    """astor's header (decorators included) of compound statement ``node``."""
    bare = _bare(node)
    return _by_astor(bare, depth).rsplit("\n", 1)[0]


def _bare(node: ast.stmt) -> ast.stmt:
    """A copy of ``node`` whose body is ``pass``, with no other branches."""
    bare = type(node)(**{f: getattr(node, f, None) for f in node._fields})
    bare.body = [ast.Pass()]
    for field in ("orelse", "handlers", "finalbody"):
        if hasattr(bare, field):
            setattr(bare, field, [])
    return bare


def _elif_skeleton(node: ast.If, depth: int) -> str:
    """astor's ``elif`` line of branch ``node``: the text between the two
    ``pass`` lines of ``if _: pass / elif test: pass``."""
    outer = ast.If(ast.Name("_", ast.Load()), [ast.Pass()], [_bare(node)])
    lines = _by_astor(outer, depth).split("\n")
    return "\n".join(lines[2:-1])
