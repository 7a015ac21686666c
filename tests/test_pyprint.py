"""emit/pyprint.py and emit/wrapping.py: the emitted module's text without
astor's visitor, the same text as astor's (exact outputs, the wrap at 79
columns, round trips through ``ast.parse``, and random trees printed both
ways)."""
from __future__ import annotations

import ast
import random
import warnings

import pytest

from adcompiler.emit import pyprint, wrapping
from adcompiler.emit.pyprint import module_source

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import astor


def _astor(tree: ast.Module) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return astor.to_source(tree)


def _name(text: str) -> ast.Name:
    return ast.Name(text, ast.Load())


@pytest.mark.parametrize("source, expected", [
    ("y = (a + b) * c - d / (e - f)", "y = (a + b) * c - d / (e - f)\n"),
    ("y = a - (b - c) + (a + b)", "y = a - (b - c) + (a + b)\n"),
    ("y = (-x) ** 2 + x ** -y ** 2", "y = (-x) ** 2 + x ** -y ** 2\n"),
    ("y = not (a and b) or c if d else e", "y = not (a and b) or c if d else e\n"),
    ("y = (a, b)[0:n:2], f(*a, k=1, **kw), (1).real",
     "y = (a, b)[0:n:2], f(*a, k=1, **kw), (1).real\n"),
    ("for a, b in reversed(tape):\n    x += a\nelse:\n    pass",
     "for a, b in reversed(tape):\n    x += a\nelse:\n    pass\n"),
    ("if a < b:\n    pass\nelif c:\n    return (a,)\nelse:\n    del a, b",
     "if a < b:\n    pass\nelif c:\n    return a,\nelse:\n    del a, b\n"),
    ("import math\ndef f(x):\n    def g(y):\n        return y\n    return g(x)\ny = 1",
     "import math\n\n\ndef f(x):\n\n    def g(y):\n        return y\n    return g(x)\n\n\ny = 1\n"),
])
def test_exact_text(source, expected):
    """Parentheses only where needed (astor's rules), blank lines around
    definitions: the text itself, and astor's."""
    assert module_source(ast.parse(source)) == expected
    assert _astor(ast.parse(source)) == expected


def _push(width: int, depth: int) -> ast.stmt:
    """``tape.append((v..., v, ...))`` whose line is ``width`` columns wide
    at ``depth`` (ten names, the first one stretched)."""
    base = 4 * depth + len("tape.append(())") + 10 + 2 * 9
    names = ["v" + "w" * (width - base)] + ["v"] * 9
    call = ast.Call(ast.Attribute(_name("tape"), "append", ast.Load()),
                    [ast.Tuple([_name(n) for n in names], ast.Load())], [])
    stmt = ast.Expr(call)
    for _ in range(depth):
        stmt = ast.If(_name("c"), [stmt], [])
    return stmt


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_wrap_at_the_limit(depth):
    """A line of 79 columns stays whole; at 80 astor moves the closing
    bracket to a line four spaces deeper, at 81 the last two names (a name
    must end four columns before the limit)."""
    pre = "    " * depth
    for width, tail in ((79, "))"), (80, ")\n" + pre + "    )"),
                        (81, ",\n" + pre + "    v, v))")):
        tree = ast.Module([_push(width, depth)], [])
        first = _push(width, depth)
        while isinstance(first, ast.If):
            first = first.body[0]
        head = first.value.args[0].elts[0].id
        count = 9 if width < 81 else 7
        expected = pre + "tape.append((" + head + ", v" * count + tail
        assert module_source(tree).splitlines()[depth:] == expected.splitlines()
        assert module_source(tree) == _astor(tree)
        assert max(len(line) for line in module_source(tree).splitlines()) <= 79


def test_long_tuple_wrapped_by_us_not_astor(monkeypatch):
    """The tape push of a long loop (thousands of names) is wrapped here,
    not by astor, and reads as astor's does: 79 columns at most."""
    names = [f"a_{k}" for k in range(3000)]
    call = ast.Call(ast.Attribute(_name("tape"), "append", ast.Load()),
                    [ast.Tuple([_name(n) for n in names], ast.Load())], [])
    loop = ast.For(ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store()),
                   ast.Call(_name("reversed"), [_name("tape")], []),
                   [ast.Expr(call)], [])
    tree = ast.Module([ast.While(_name("c"), [loop], [])], [])
    expected = _astor(tree)
    monkeypatch.setattr(pyprint, "_by_astor", _refuse)
    assert module_source(tree) == expected
    assert max(len(line) for line in expected.splitlines()[2:]) <= 79  # the push
    assert ast.dump(ast.parse(expected)) == ast.dump(ast.parse(module_source(tree)))


def _refuse(node, depth):
    raise AssertionError("astor was asked to print " + type(node).__name__)


def test_round_trip_of_the_emitted_code():
    """The printed text of an emitted gradient parses back to the tree printed."""
    from adcompiler.compiler import compile_grad
    from adcompiler.frontend.source import load_live

    def f(x, y):
        t = x
        for i in range(3):
            t = t * y + (x - y) ** 2 / (1.0 + t * t)
        return -t if x < y else t ** 3

    source = compile_grad(load_live(f), (0, 1)).source
    tree = ast.parse(source)
    assert ast.dump(ast.parse(module_source(tree))) == ast.dump(tree)
    assert module_source(tree) == _astor(ast.parse(source))


_BINARY = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.BitOr, ast.MatMult]


def _random_expr(rng: random.Random, depth: int) -> ast.expr:
    if depth <= 0 or rng.random() < 0.25:
        pick = rng.random()
        if pick < 0.7:
            return _name(rng.choice(["a", "bb", "x_bar", "v" * rng.randint(1, 12)]))
        return ast.Constant(rng.choice([1, -2, 0.5, True, None, "s", 10 ** 20]))
    kind = rng.randint(0, 9)
    sub = lambda: _random_expr(rng, depth - 1)  # noqa: E731
    if kind < 3:
        return ast.BinOp(sub(), rng.choice(_BINARY)(), sub())
    if kind == 3:
        return ast.UnaryOp(rng.choice([ast.USub, ast.Not, ast.Invert])(), sub())
    if kind == 4:
        return ast.BoolOp(rng.choice([ast.And, ast.Or])(), [sub(), sub()])
    if kind == 5:
        return ast.Compare(sub(), [ast.Lt(), ast.IsNot()], [sub(), sub()])
    if kind == 6:
        return ast.IfExp(sub(), sub(), sub())
    if kind == 7:
        return ast.Call(ast.Attribute(sub(), "f", ast.Load()),
                        [sub() for _ in range(rng.randint(0, 3))],
                        [ast.keyword(rng.choice(["k", None]), sub())])
    if kind == 8:
        return ast.Subscript(sub(), ast.Tuple([sub(), ast.Slice(sub(), None, None)],
                                              ast.Load()), ast.Load())
    return ast.Tuple([sub() for _ in range(rng.randint(0, 30))], ast.Load())


def _random_stmt(rng: random.Random, depth: int) -> ast.stmt:
    value = _random_expr(rng, rng.randint(1, 5))
    kind = rng.randint(0, 5)
    if kind == 0:
        stmt = ast.Assign([ast.Name("y", ast.Store())], value)
    elif kind == 1:
        stmt = ast.AugAssign(ast.Name("y", ast.Store()), ast.Add(), value)
    elif kind == 2:
        stmt = ast.Return(value)
    elif kind == 3:
        stmt = ast.Expr(value)
    elif kind == 4:
        stmt = ast.For(ast.Tuple([ast.Name(f"t{k}", ast.Store()) for k in range(rng.randint(1, 40))],
                                 ast.Store()), value, [ast.Pass()], [])
    else:
        stmt = ast.If(value, [ast.Pass()], [ast.If(_random_expr(rng, 3), [ast.Pass()], [])])
    for _ in range(depth):
        stmt = ast.While(_name("c"), [stmt], [])
    return stmt


@pytest.mark.parametrize("seed", range(4))
def test_random_trees_print_as_astor_prints_them(seed):
    """Random statements (every operator, nesting, long lines at any depth)
    give astor's text."""
    rng = random.Random(seed)
    for _ in range(150):
        tree = ast.Module([_random_stmt(rng, rng.randint(0, 10)) for _ in range(3)], [])
        expected = _astor(tree)
        assert module_source(tree) == expected


def test_pieces_spell_the_line():
    """The pieces the wrapper breaks between join to the printer's line."""
    stmt = ast.parse("x_bar += f(a, (b, c), d.e * (g + 1), h ** 2)").body[0]
    assert "".join(wrapping.statement_pieces(stmt)) == pyprint._augassign(stmt)


@pytest.mark.parametrize("params", [
    "", "x", "x, y_bar", "x, n=8", "x, a=-1.5, b=(1, -2.0), c=None, d='s', e=-math.inf",
    "x, k=f(a, b), t=1 if a else 2, u=lambda: 0, v=-(-1), w=2 ** -1",
    ", ".join(f"parameter_{k}=1.0" for k in range(9)),  # longer than a line
    "*a, **k", "a, /, b", "a: int", "x, *, k=1",  # left to astor
])
@pytest.mark.parametrize("nested", [False, True])
def test_function_headers_print_as_astor_prints_them(params, nested):
    """``def f(...):`` is written here for plain parameters (defaults of any
    kind), and by astor otherwise; both give astor's text."""
    source = f"def f({params}):\n    return 1\n"
    if nested:
        source = "def outer(z):\n" + "".join("    " + line + "\n" for line in source.splitlines())
    tree = ast.parse(source)
    assert module_source(tree) == _astor(tree)
