"""Invariants of the compile-time work (issue 18): each faster path gives
exactly what the code it replaced gave.  (Timing is measured by ``bench``,
never asserted here.)"""
import ast
import collections
import inspect
import random
import textwrap
from math import sin
from pathlib import Path

import astor
import pytest
from numpy import sin as np_sin

import adcompiler
import adcompiler.frontend.program
from adcompiler.core.astwalk import ast_walk, children
from adcompiler.emit.printer import COMMENT_MARK, _plain_literal, comment_text, to_source
from adcompiler.frontend.desugar import count_returns
from adcompiler.frontend.source import load_live

ROOT = Path(__file__).parent.parent
SOURCES = [ROOT / "adcompiler" / "compiler.py", ROOT / "tests" / "corpus.py",
           ROOT / "adcompiler" / "frontend" / "comprehensions.py"]

MANY_FORMS = '''
def f(x, *a, k=1, **kw):
    try:
        y = [i for i in range(3) if i]
    except (ValueError, KeyError) as e:
        return x, 1
    finally:
        pass
    with open(x) as fh, g() as h:
        z = lambda q: (q, q)
    match x:
        case [1, *rest]:
            return (x, 2, 3)
        case {"a": 1}:
            return 4
    def inner():
        return (1, 2, 3, 4)
    global G
    return {k: v for k, v in kw.items()}, x if x else -x, f"{x!r:>{k}}"
'''


def _trees():
    for path in SOURCES:
        yield ast.parse(path.read_text())
    yield ast.parse(MANY_FORMS)


@pytest.mark.parametrize("tree", list(_trees()), ids=[p.name for p in SOURCES] + ["forms"])
def test_ast_walk_is_ast_walk_in_the_same_order(tree):
    mine = list(ast_walk(tree))
    assert len(mine) == len(list(ast.walk(tree)))
    assert all(a is b for a, b in zip(mine, ast.walk(tree)))


@pytest.mark.parametrize("tree", list(_trees()), ids=[p.name for p in SOURCES] + ["forms"])
def test_children_are_iter_child_nodes(tree):
    for node in ast.walk(tree):
        got, want = children(node), list(ast.iter_child_nodes(node))
        assert len(got) == len(want) and all(a is b for a, b in zip(got, want))


def _count_returns_by_full_walk(fn: ast.FunctionDef) -> int:
    """The breadth-first search over every node that count_returns made faster."""
    todo = collections.deque(fn.body)
    while todo:
        node = todo.popleft()
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            return len(node.value.elts)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    return 1


def _functions():
    for tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield node


def test_count_returns_skipping_expressions_finds_the_same_return():
    fns = list(_functions())
    assert len(fns) > 50
    assert any(count_returns(fn) > 1 for fn in fns)  # the search is exercised
    for fn in fns:
        assert count_returns(fn) == _count_returns_by_full_walk(fn), fn.name


def _comment_literals(texts):
    """The literal lines astor prints for the emitter's comment statements."""
    body = [ast.Expr(ast.Constant(COMMENT_MARK + t)) for t in texts]
    return [line.strip() for line in astor.to_source(ast.Module(body, [])).splitlines()
            if line.strip()]


def test_a_plain_literal_is_read_as_literal_eval_reads_it():
    rng = random.Random(18)
    alphabet = "ab ='\"\\#\t\n\r\x0c\x00\u2028é(){}"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
             for _ in range(400)] + ["line 3: x = f(a, 'b')", 'a "q" b', "", "'", '"']
    literals = []
    for t in texts:
        literals += [repr(t), '"""' + t + '"""', "'''" + t + "'''", '"' + t + '"', "'" + t + "'"]
    literals += _comment_literals(texts)
    answered = 0
    for lit in literals:
        got = _plain_literal(lit)
        if got is None:
            continue
        answered += 1
        assert got == ast.literal_eval(lit), lit
    assert answered > 300  # the fast path is taken for most of them
    plain = _comment_literals(["adjoint of line 12: y = sin(x) * 2"])
    assert _plain_literal(plain[0]) == COMMENT_MARK + "adjoint of line 12: y = sin(x) * 2"


def test_comments_with_quotes_and_escapes_still_print_as_comments():
    texts = ["line 1: s = 'a' + \"b\"", "tab\there", "back\\slash", "cr\rx", "é ü"]
    body = [ast.Expr(ast.Constant(COMMENT_MARK + t)) for t in texts]
    fn = ast.FunctionDef("f", ast.arguments([], [], None, [], [], None, []), body + [
        ast.Return(ast.Constant(1))], [], None)
    fn.type_params = []
    text = to_source(ast.Module([fn], []))
    assert COMMENT_MARK not in text
    assert "# line 1: s = 'a' + \"b\"" in text and "# tab\there" in text
    assert "# back\\slash" in text and "# cr\\rx" in text and "# é ü" in text


def _live_lines(fn):
    """The line numbers the parse with ast.increment_lineno gave."""
    lines, first = inspect.getsourcelines(fn)
    tree = ast.parse(textwrap.dedent("".join(lines)))
    ast.increment_lineno(tree, first - 1)
    return [(type(n).__name__, getattr(n, "lineno", None), getattr(n, "end_lineno", None),
             getattr(n, "col_offset", None)) for n in ast.walk(tree.body[0])]


def test_a_live_function_keeps_its_file_line_numbers():
    import corpus
    for fn in (corpus.seed000_J, corpus.branchy, corpus.calls_helpers, corpus.data_while):
        node = load_live(fn).node
        got = [(type(n).__name__, getattr(n, "lineno", None), getattr(n, "end_lineno", None),
                getattr(n, "col_offset", None)) for n in ast.walk(node)]
        assert got == _live_lines(fn)
        assert node.lineno == fn.__code__.co_firstlineno


def test_the_users_tree_is_left_unchanged():
    """The prepass no longer copies every expression with a call: nothing
    after it may write into the user's nodes."""
    import corpus
    for fn in (corpus.seed000_J, corpus.branchy, corpus.calls_helpers, corpus.over_list):
        sf = load_live(fn)
        before = ast.dump(sf.node, include_attributes=True)
        from adcompiler.compiler import compile_grad
        compile_grad(sf, (0,))
        assert ast.dump(sf.node, include_attributes=True) == before


def test_float_text_is_still_folded_and_the_tree_kept():
    def f(x):
        return x * float("1.5") + float(" 2 ") * x

    g = adcompiler.grad(f)
    assert g(2.0) == pytest.approx(3.5)
    assert "return 3.5" in adcompiler.source(f)  # folded: no float() call left


def recursive(theta, depth=0):
    v = theta + 0.25 * sin(theta)
    if v > 2.0 or depth >= 20:
        return v
    return theta + recursive(theta + 0.5 * theta ** 2, depth + 1)


def test_a_recursive_entry_is_optimised_once_but_logged_as_before():
    """The entry optimised in ``prepared`` is reused when it is also a
    callee: ``--dump-ir`` still logs an ``optimize`` of it for each, the
    same function, and the gradient is right."""
    from adcompiler.compiler import compile_grad
    from adcompiler.core import passlog
    from adcompiler.optimize.passes import optimize
    sf = load_live(recursive)
    with passlog.recording() as log:
        grad = compile_grad(sf, (0,)).load()
    mine = [e.fn for e in log.events if e.name == "optimize" and e.fn.name == "recursive"]
    assert len(mine) == 2 and mine[0] == mine[1]
    assert mine[0] == optimize(adcompiler.frontend.program.lower_program(sf)[0]
                               .functions["recursive"])
    h = 1e-6
    fd = (recursive(0.3 + h) - recursive(0.3 - h)) / (2 * h)
    assert grad(0.3) == pytest.approx(fd, rel=1e-6)


def test_comment_statements_print_as_their_comment_lines():
    """The emitter's comments are names printed as they are: each becomes
    ``# text`` at its indentation, long or not, with what is not printable
    escaped (as the string-constant form printed them)."""
    from adcompiler.emit.printer import comment_statement
    texts = ["line 12: y = f(a, 'b') + \"c\"", "x" * 300 + " = (1, 2)", "cr\rx",
             "back\\slash", "é ü \t tab"]
    fn = ast.FunctionDef("f", ast.arguments([], [], None, [], [], None, []),
                         [comment_statement(t) for t in texts] + [ast.Return(ast.Constant(1))],
                         [], None)
    fn.type_params = []
    text = to_source(ast.Module([fn], []))
    expected = ["def f():"] + ["    # " + t for t in
                               ["line 12: y = f(a, 'b') + \"c\"", "x" * 300 + " = (1, 2)",
                                "cr\\rx", "back\\slash", "é ü \t tab"]] + ["    return 1", ""]
    assert text.split("\n") == expected
    old = ast.FunctionDef("f", ast.arguments([], [], None, [], [], None, []),
                          [ast.Expr(ast.Constant(COMMENT_MARK + comment_text(t))) for t in texts]
                          + [ast.Return(ast.Constant(1))], [], None)
    old.type_params = []
    assert to_source(ast.Module([old], [])) == text  # the string-constant form, as before


def _looped(x, n=3):
    for i in range(n):
        x = sin(x) * x
    return x


def test_timing_charges_every_phase_of_a_compilation_to_its_name():
    """core/passlog.timing, the per-phase breakdown of docs/benchmarks.md."""
    import time
    from adcompiler.compiler import compile_grad
    from adcompiler.core import passlog
    start = time.process_time()
    with passlog.timing() as laps:
        compile_grad(load_live(_looped), (0,))
    total = time.process_time() - start
    assert list(laps) == ["lower", "optimize", "reverse", "algebra", "finish", "emit",
                          "write", "globals", "print"]
    assert 0.5 * total <= sum(laps.values()) <= total
    passlog.lap("parse")  # outside timing: nothing is charged, nothing fails
    assert "parse" not in laps


def test_a_file_is_parsed_with_the_cyclic_collector_paused(tmp_path, monkeypatch):
    """ast.parse of a long file spent half its time in the collector; it is
    paused for the parse (and on again after it, as it was)."""
    import gc

    from adcompiler.frontend import source
    seen = []
    real = ast.parse
    monkeypatch.setattr(source.ast, "parse", lambda *a, **k: seen.append(gc.isenabled())
                        or real(*a, **k))
    path = tmp_path / "m.py"
    text = "def f(x):\n    return x\n"
    path.write_text(text)
    assert gc.isenabled()
    env = source.load_file(str(path), text)
    assert seen == [False] and gc.isenabled()
    assert source.find_static(env, "f").name == "f"


def test_var_and_eqn_are_frozen_dataclasses_hashed_by_name():
    """What the passes' dicts and sets rely on (optimize/algebra.py keys
    its tables by a variable's name instead): equality and hash by name,
    immutability, replace, copy and pickling.  (Setting the fields through
    the instance dict was tried: it makes CPython give each object a full
    dict, 418 -> 690 bytes per Var and Eqn, and every pass slower.)"""
    import copy
    import dataclasses
    import pickle

    from adcompiler.core.ir import NOLOC, Const, Eqn, Loc, Var
    x, y = Var("v1", "x"), Var("v2")
    assert (x.name, x.hint, y.hint) == ("v1", "x", "") and x == Var("v1", "other")
    assert hash(x) == hash(Var("v1")) == hash("v1")
    e = Eqn((y,), "mul", (x, Const(2.0)))
    assert (e.params, e.loc) == ((), NOLOC)
    same = Eqn(outs=(Var("v2"),), prim="mul", args=(Var("v1"), Const(2.0)), params=(), loc=Loc())
    assert e == same and hash(e) == hash(same) and e != dataclasses.replace(e, prim="add")
    assert [f.name for f in dataclasses.fields(e)] == ["outs", "prim", "args", "params", "loc"]
    for obj in (x, e):
        assert pickle.loads(pickle.dumps(obj)) == obj and copy.copy(obj) == obj
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.prim = "neg"
    assert pickle.loads(pickle.dumps(x)).hint == "x"


def test_substitute_keeps_the_equations_it_does_not_change():
    from adcompiler.core.ir import Block, Const, Eqn, ForRange, Var, substitute
    a, b, c, i, j = (Var(f"v{k}") for k in range(1, 6))
    kept = Eqn((b,), "neg", (a,))
    changed = Eqn((c,), "mul", (b, i))
    loop = ForRange((), Const(0), a, Const(1), (), Block((i,), (kept, changed), ()))
    new = substitute(Block((), (loop,), (c,)), {i: j})
    body = new.stmts[0].body.stmts
    assert body[0] is kept and body[1] == Eqn((c,), "mul", (b, j))
    assert new.results == (c,)


def test_the_registry_is_asked_once_per_function_object_in_a_lowering(monkeypatch):
    """Each ask compares a snapshot of the whole registry; the lowering asks
    once for each function object it calls, and gets the same answers."""
    from adcompiler.frontend import lower_calls
    from adcompiler.frontend.lower import Lowerer
    from adcompiler.frontend.program import lower_program
    asked = collections.Counter()
    real_lookup, real_handles = lower_calls.lookup_object, Lowerer.is_numpy_function

    def lookup(obj):
        asked[obj] += 1
        return real_lookup(obj)

    def user(x):
        return sin(x) * sin(2 * x) + sin(sin(x)) + np_sin(x) + np_sin(x * x)

    src = load_live(user)
    before = lower_program(src)[0].functions
    monkeypatch.setattr(lower_calls, "lookup_object", lookup)
    after = lower_program(load_live(user))[0].functions
    assert asked[sin] == 1 and set(asked.values()) == {1} and not real_handles(sin)
    assert {k: str(f) for k, f in after.items()} == {k: str(f) for k, f in before.items()}


def test_the_highest_name_index_is_the_largest_v_number():
    """core/ir.py ``_highest_index`` (filter and map in C) gives what
    ``max(map(_index, names))`` gave, odd names included."""
    from adcompiler.core.ir import _highest_index, _index
    rng = random.Random(5)
    odd = ["x", "v", "vv2", "v0x", "v007", "w99", "v-3", "_t4", "v12a", "V77"]
    for size in (0, 1, 5, 50, 500):
        names = {f"v{rng.randrange(1, 10 ** rng.randrange(1, 6))}" for _ in range(size)}
        names |= set(rng.sample(odd, min(size, len(odd))))
        assert _highest_index(names) == max(map(_index, names), default=0), sorted(names)


def test_reads_var_finds_every_read_the_scan_by_use_finds():
    """optimize/tapes.py ``reads_var`` (names compared in one comprehension)
    agrees with core/ir.py's ``uses`` on every variable of the corpus's
    reverse-mode gradients, nested blocks included."""
    from adcompiler.compiler import compile_grad
    from adcompiler.core.ir import all_vars, uses
    from adcompiler.optimize.tapes import reads_var
    from corpus import CORPUS
    for fn, _, wrt in CORPUS:
        for grad in compile_grad(load_live(fn), wrt).functions:
            read = uses(grad.body)
            for v in all_vars(grad):
                assert reads_var(grad.body, v) == (read.get(v, 0) > 0), (fn.__name__, v)


def test_names_stored_in_a_loop_body_without_walking_its_expressions():
    """frontend/syntax.py: where the census saw no ``:=`` and no
    comprehension, the walk of a loop body that skips expressions read finds
    the same names, in the same order, as the full walk; on every loop of
    the package's own sources, the examples and the corpus."""
    from adcompiler.frontend.census import Census
    from adcompiler.frontend.syntax import assigned_and_loop_targets
    checked = 0
    files = sorted((ROOT / "adcompiler").rglob("*.py")) + sorted((ROOT / "examples").glob("*.py"))
    for tree in [ast.parse(f.read_text()) for f in files + SOURCES]:
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            if Census(fn).stores_in_expressions():
                continue
            for loop in (n for n in ast.walk(fn) if isinstance(n, (ast.For, ast.While))):
                full = assigned_and_loop_targets(loop.body)
                assert assigned_and_loop_targets(loop.body, False) == full, fn.name
                checked += 1
    assert checked > 200
    walrus = ast.parse("for i in x:\n    y = (z := i) + 1\n").body[0]
    assert "z" not in assigned_and_loop_targets(walrus.body, False)[0]  # why the census asks
    assert assigned_and_loop_targets(walrus.body)[0] == ["y", "z"]
