"""Lines longer than the printer's width, wrapped as astor wraps them, in
time linear in the line's length.

astor cuts a long line where a bracket opens: the text up to the first
opening bracket stays on the line, the bracketed part that follows is
filled greedily onto continuation lines indented four more spaces, and so on
for each bracket pair after.  It recounts the rest of the part after each
continuation line, so the tape push of a loop of 10 000 statements (a tuple
of 20 000 names) cost it a second.  This module spells a statement as the
same pieces astor writes (:func:`pieces`: the breaks can fall only between
them) for the nodes the emitter's long lines are made of, and places the
breaks in one pass; anything else raises :class:`pyprint.Unsupported` and
goes to astor.
"""
from __future__ import annotations

import ast

from .pyprint import (ASSIGN, HEADER, ITEM, NUMBER, ONE_ARG, POW, POW_RIGHT, RETURN,
                      STATEMENT, TIGHTEST, TUPLE, WIDTH, Unsupported, _AUG_TEXT,
                      _BINARY_TEXT)

_OPEN = ("(", "[", "{")
_CLOSE = (")", "]", "}", "):")


def statement_pieces(node: ast.stmt) -> list:
    """The pieces of a simple statement's line (or a loop header's), as astor
    writes them."""
    out: list = []
    kind = type(node)
    if kind is ast.Expr:
        _pieces(node.value, STATEMENT, out)
    elif kind is ast.Assign:
        for target in node.targets:
            _pieces(target, ASSIGN, out)
            out.append(" = ")
        _pieces(node.value, ASSIGN, out)
    elif kind is ast.AugAssign:
        _pieces(node.target, STATEMENT, out)
        out.append(_AUG_TEXT[type(node.op)])
        _pieces(node.value, STATEMENT, out)
    elif kind is ast.Return and node.value is not None:
        out += ["return", " "]
        _pieces(node.value, RETURN, out)
    elif kind is ast.For:
        out.append("for ")
        _pieces(node.target, HEADER, out)
        out.append(" in ")
        _pieces(node.iter, TIGHTEST, out)
        out.append(":")
    else:
        raise Unsupported(kind.__name__)
    return out


def _pieces(node: ast.expr, outer: int, out: list) -> None:
    kind = type(node)
    if kind is ast.Name:
        out.append(node.id)
    elif kind is ast.Tuple:
        elts = node.elts
        keep = not elts or TUPLE < outer
        out.append("(" if keep else "")  # astor blanks an opening it drops
        for k, e in enumerate(elts):
            if k:
                out.append(", ")
            _pieces(e, ITEM, out)
        if len(elts) == 1:
            out.append(",")
        if keep:
            out.append(")")
    elif kind is ast.Call and not node.keywords:
        _pieces(node.func, TIGHTEST, out)
        out.append("(")
        each = ITEM if len(node.args) > 1 else ONE_ARG
        for k, a in enumerate(node.args):
            if k:
                out.append(", ")
            _pieces(a, each, out)
        out.append(")")
    elif kind is ast.Attribute:
        _pieces(node.value, TIGHTEST, out)
        out += [".", node.attr]
    elif kind is ast.BinOp:
        text, own = _BINARY_TEXT[type(node.op)]
        keep = own < outer
        out.append("(" if keep else "")
        _pieces(node.left, POW + 1 if own == POW else own, out)
        out.append(text)
        _pieces(node.right, POW_RIGHT if own == POW else own + 1, out)
        if keep:
            out.append(")")
    elif kind is ast.Constant and type(node.value) in (int, float) and \
            repr(node.value)[0].isdigit():
        keep = NUMBER < outer
        out += ["(" if keep else "", repr(node.value)] + ([")"] if keep else [])
    else:
        raise Unsupported(kind.__name__)


#: a line whose unbreakable part is too long gets parentheses from astor
#: when it starts with one of these or assigns: those lines go to astor
_PARENTHESISED = {"del ", "return", "yield ", "if ", "while "}
_ASSIGNING = {" = "} | set(_AUG_TEXT.values())


def wrap(indentation: str, pieces: list) -> str:
    """The text of a line (``pieces`` after ``indentation``) longer than
    :data:`WIDTH`, broken where astor breaks it."""
    fixed, free = _groups(pieces if indentation else [""] + pieces)
    indent, width = len(indentation), WIDTH
    if max(_width(g) for g in fixed) > width - indent and (
            pieces[0] in _PARENTHESISED or any(p in _ASSIGNING for p in pieces)):
        raise Unsupported("parenthesised")
    out = [indentation] + fixed[0]
    pos = indent + _width(fixed[0])
    indentation, indent = indentation + "    ", indent + 4
    if indent >= width / 2:
        width = width / 2 + indent
    for group, after in zip(free, fixed[1:]):
        if group:
            pos = _fill(group, pos, indent, width, indentation, out)
        size = _width(after)
        if pos > indent and pos + size > width:
            out += ["\n", indentation]
            pos = indent
        out += after
        pos += size
    return "".join(out)


def _fill(group: list, pos: int, indent: int, width, indentation: str, out: list) -> int:
    """Write a breakable group from column ``pos``: a new line first if its
    first piece does not fit, then as many pieces a line as fit (a piece
    ending in a space may reach one column past the width, another must end
    four columns before it), the space ending a line dropped."""
    if pos > indent and pos + len(group[0]) > width:
        out += ["\n", indentation]
        pos = indent
    rest = _width(group)  # of group[k:]
    k, n = 0, len(group)
    while pos + rest > width:
        line_start = k
        while True:
            piece = group[k]
            pos += len(piece)
            rest -= len(piece)
            k += 1
            if k == n:
                break
            following = group[k]
            limit = width + 1 if following.endswith(" ") else width - 4
            if pos + len(following) > limit:
                break
        taken = group[line_start:k]
        if taken[-1].endswith(" "):
            taken[-1] = taken[-1][:-1]
        out += taken
        out += ["\n", indentation]
        pos = indent
    if k < n:
        out += group[k:]
        pos += rest
    return pos


def _groups(pieces: list) -> tuple:
    """``(fixed, free)``: the pieces cut into groups that alternate between
    unbreakable (``fixed``: up to and with an opening bracket) and breakable
    (``free``: from there to the bracket closing it, which starts the next
    unbreakable group)."""
    fixed: list = []
    free: list = []
    k, n = 0, len(pieces)
    while k < n:
        start = k
        while k < n:
            k += 1
            if pieces[k - 1] in _OPEN:
                break
        fixed.append(pieces[start:k])
        if k == n:
            break
        level, start = 0, k
        while k < n:
            piece = pieces[k]
            if piece in _OPEN:
                level += 1
            elif piece in _CLOSE:
                level -= 1
                if level < 0:
                    break
            k += 1
        if k == n:
            raise Unsupported("unbalanced")
        free.append(pieces[start:k])
    return fixed, free


def _width(group: list) -> int:
    return sum(map(len, group))
