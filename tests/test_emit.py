"""The emitted code: CSE visible in the AST, determinism, standalone modules,
name hygiene, and independence from the printer."""
import ast
import math
import subprocess
import sys
import textwrap

import pytest

import adcompiler
from adcompiler import grad
from adcompiler.api.reverse_grad import compiled
from oracles import dual_grad


def _ops(tree: ast.AST) -> list:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Call))]


def _count_subexpr(tree: ast.AST, text: str) -> int:
    target = ast.dump(ast.parse(text, mode="eval").body)
    return sum(1 for n in ast.walk(tree) if ast.dump(n) == target)


def square_of_sum(x1, x2):
    return (x1 ** 2 + x2 ** 2) ** 2


def test_cse_computes_sum_of_squares_once():
    tree = ast.parse(adcompiler.source(square_of_sum, wrt=(0, 1)))
    assert _count_subexpr(tree, "x1 * x1 + x2 * x2") == 1  # x ** 2 is emitted x * x
    # the whole gradient: the sum, the scaling and one product per input
    assert len(_ops(tree)) <= 9


def J(w, x=1.0):
    return x * w * math.sin(w) + (x * w * math.sin(w)) ** 2


def test_cse_computes_repeated_product_once():
    tree = ast.parse(adcompiler.source(J))
    assert _count_subexpr(tree, "math.sin(w)") == 1
    assert _count_subexpr(tree, "x * w") == 1


def test_emitted_source_is_deterministic():
    first = compiled(square_of_sum, (0, 1)).source
    from adcompiler.compiler import compile_grad
    from adcompiler.frontend.source import load_live
    again = compile_grad(load_live(square_of_sum), (0, 1)).source
    assert first == again


def test_emitted_source_is_identical_across_processes(tmp_path):
    code = textwrap.dedent("""
        import sys
        sys.path.insert(0, {tests!r})
        import corpus, adcompiler
        print(adcompiler.source(corpus.nested_loops, wrt=(0, 1)))
    """).format(tests=str(__import__("pathlib").Path(__file__).parent))
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout
            for seed in ("1", "2")}
    assert len(outs) == 1


def test_emitted_module_runs_on_its_own(tmp_path):
    import corpus
    text = adcompiler.source(corpus.calls_helpers, wrt=(0, 1))
    assert "adcompiler" not in text.split("\n", 1)[1]  # only the header comment mentions it
    path = tmp_path / "standalone.py"
    path.write_text(text + "\nprint(repr(calls_helpers_grad(0.4, 1.1)))\n")
    out = subprocess.run([sys.executable, "-I", str(path)], capture_output=True, text=True,
                         check=True).stdout
    got = ast.literal_eval(out.strip())
    assert got == pytest.approx(tuple(dual_grad(corpus.calls_helpers, (0.4, 1.1), (0, 1))))


def test_imports_only_what_is_used():
    def poly(x):
        return 3 * x ** 4 - x
    text = adcompiler.source(poly)
    assert "import" not in text


def clash(w, w_bar, v1, _t1, tape, x_bar):
    math = w * w_bar + v1 * _t1
    w_bar = math * tape + x_bar
    _t2 = w_bar * w
    for i in range(3):
        _t2 = _t2 * w + v1
    return _t2 * x_bar


def test_user_names_never_clash_with_emitted_names():
    args = (1.3, 0.7, -0.4, 2.0, 0.9, 1.1)
    g = grad(clash, wrt=tuple(range(6)))
    assert g(*args) == pytest.approx(tuple(dual_grad(clash, args, range(6))), rel=1e-12)
    text = g.source
    assert "import math" not in text or "math = " not in text.split("def ")[0]


def test_names_trace_back_to_the_source():
    def model(weight, bias):
        z = weight * 3.0 + bias
        return z * z
    text = adcompiler.source(model, wrt=("weight", "bias"))
    assert "weight_bar" in text and "z_bar" in text  # bias_bar is z_bar itself
    assert "def model_grad(weight, bias):" in text


def test_each_block_starts_with_a_comment_naming_its_line():
    import corpus
    text = adcompiler.source(corpus.logistic_map)
    assert "# line " in text and "# adjoint of line " in text
    assert "l = 4 * l * (1 - l)" in text  # the comment quotes the user's line


@pytest.mark.parametrize("fn_name", ["logistic_map", "branchy", "early_return", "calls_helpers"])
def test_printer_can_be_swapped_for_ast_unparse(fn_name):
    """The same tree printed by ast.unparse defines the same function."""
    import corpus
    from adcompiler.compiler import emit_module, reverse_module
    from adcompiler.frontend.source import load_live
    from adcompiler.emit import printer
    fn = getattr(corpus, fn_name)
    functions, program = reverse_module(load_live(fn), (0,))
    saved = printer.astor
    try:
        printer.astor = None
        text = emit_module(functions, program)
    finally:
        printer.astor = saved
    ns: dict = {}
    exec(compile(text, "<unparse>", "exec"), ns)
    point = corpus.cases()[[c[1] for c in corpus.cases()].index(fn)][2]
    assert ns[functions[0].name](*point) == pytest.approx(grad(fn)(*point), rel=1e-14)
