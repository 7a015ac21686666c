"""The one place that turns a Python AST into text.

The text is astor's (it keeps fewer redundant parentheses than
``ast.unparse``), written for a module by :mod:`.pyprint` (the same text,
several times faster; astor itself for the lines and nodes it does not
know); if astor is missing or fails, ``ast.unparse`` takes over, so the
printer can be swapped here alone.  Comments cannot live in an AST, so the
emitter writes them as marked string statements that are turned into ``#``
lines after printing.
"""
from __future__ import annotations

import ast
import re
import warnings

from .jitmodule import decorated
from .pyprint import COMMENT_MARK, module_source

with warnings.catch_warnings():  # astor 0.8 touches ast.Num, deprecated on 3.12+
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import astor
    except ImportError:  # pragma: no cover - astor is a declared dependency
        astor = None

#: a comment statement: a name astor writes as it is (:func:`comment_statement`)
_NAMED = re.compile(r"^([ \t]*)" + re.escape(COMMENT_MARK) + r"(.*)$", re.M)
_BLANKS = re.compile(r"\n{3,}(?=def )")
_MARKED = re.compile(r"^(\s*)([rbu]?(?:\"\"\"|'\'\'|\"|'))" + re.escape(COMMENT_MARK) + r".*$", re.M)


def to_source(tree: ast.AST) -> str:
    tree = decorated(tree) if isinstance(tree, ast.Module) else tree  # adc compile --jit
    text = None  # astor reads no line numbers: only the fallback gets them filled in
    if astor is not None and isinstance(tree, ast.Module):
        try:
            text = module_source(tree)  # astor's text, faster (emit/pyprint.py)
        except Exception:  # pragma: no cover - as astor's failure below
            text = None
    elif astor is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                text = astor.to_source(tree)
            except Exception:  # pragma: no cover - fall back to the standard printer
                text = None
    if text is None:
        text = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    # each pattern scans the whole text: only where it can match (the
    # marked literals are left after the names; the blank lines are cut
    # to two only where there are more)
    if COMMENT_MARK in text:
        text = _NAMED.sub(lambda m: m.group(1) + "# " + m.group(2), text)
        if COMMENT_MARK in text:
            text = _MARKED.sub(_to_comment, text)
    if "\n\n\n\n" in text:
        text = _BLANKS.sub("\n\n\n", text)
    return text


def comment_statement(text: str) -> ast.stmt:
    """A statement printed as the line ``# text`` (``text`` made safe by
    :func:`comment_text`): an expression statement of a name that is the
    marked text, which the printer writes as it is.  (A string constant,
    the former form, went through astor's choice of quotes, which evaluates
    each candidate, and a parse back for each comment line.)"""
    return ast.Expr(ast.Name(COMMENT_MARK + comment_text(text), _LOAD))


#: the context of every comment's name (one node: Python's parser shares it too)
_LOAD = ast.Load()


def _to_comment(match: re.Match) -> str:
    indent = match.group(1)
    literal = match.group(0).strip()
    value = _plain_literal(literal)
    if value is None:
        try:
            value = ast.literal_eval(literal)
        except (ValueError, SyntaxError):
            return match.group(0)
    return indent + "# " + comment_text(value[len(COMMENT_MARK):])


def _plain_literal(literal: str):
    """The value of a string literal whose text is its value (quoted, no
    prefix, no backslash, no quote character of its kind inside, printable),
    else None: what :func:`ast.literal_eval` gives, without a parse for each
    comment line of the emitted code."""
    for quote in ('"""', "'''", '"', "'"):
        if literal.startswith(quote):
            inner = literal[len(quote):-len(quote)]
            if len(literal) >= 2 * len(quote) and literal.endswith(quote) and \
                    quote[0] not in inner and "\\" not in inner and inner.isprintable():
                return inner
            return None
    return None


def comment_text(text: str) -> str:
    """``text`` made safe to follow ``#``: every character that is not
    printable (line breaks of any kind -- ``\\n``, ``\\r``, form feed, NEL,
    U+2028 -- and other control characters) is written as its escape, the way
    ``repr`` would, so nothing from the user's input (a file name, a source
    line) can end the comment and become a line of emitted code.  Idempotent."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\t" else
                   c.encode("unicode_escape").decode("ascii") for c in text)


def comment_line(text: str) -> str:
    """One ``# text`` line (ending in a newline), safe as :func:`comment_text`."""
    return "# " + comment_text(text) + "\n"
