"""Issue 13: ``adc compile FILE --dump-ir [--after PASS]`` prints the IR after
any named pass of the pipeline (compiler.observed, core/passlog.py)."""
import os

import pytest

from adcompiler.cli.commands import main
from adcompiler.core import passlog

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED002 = os.path.join(ROOT, "examples", "seed002.py")
LOGREG = os.path.join(ROOT, "examples", "logistic_regression.py")
MODES = os.path.join(ROOT, "examples", "seed002_modes.py")
LOGREG_ARGS = [LOGREG, "-f", "cross_entropy", "--shapes", "w=3,X=200x3,y=200"]


def adc(capsys, *argv):
    code = main(["compile", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def sections(text):
    """[(pass, function name)] of a dump, in order."""
    out, after = [], None
    for line in text.splitlines():
        if line.startswith("# after "):
            after = line[len("# after "):]
        elif " = { lambda" in line and not line.startswith(" "):
            out.append((after, line.split(" = ", 1)[0]))
    return out


def test_scalar_default_is_the_ir_the_emitter_receives(capsys):
    code, out, err = adc(capsys, SEED002, "-f", "f", "--wrt", "x1,x2", "--dump-ir")
    assert code == 0 and err == ""
    assert out == ("# after emit\n"
                   "f_grad = { lambda x1, x2. let\n"
                   "    # adjoint of line 12\n"
                   "    v6 = div 1.0 x1\n"
                   "    x1_bar_7 = add x2 v6\n"
                   "  in (x1_bar_7, x1) }\n")
    assert adc(capsys, SEED002, "-f", "f", "--wrt", "x1,x2", "--dump-ir", "--after",
               "emit")[1] == out


def test_scalar_after_each_pass_of_reverse_mode(capsys):
    _, lowered, _ = adc(capsys, SEED002, "-f", "f", "--dump-ir", "--after", "lower")
    assert lowered == ("# after lower\n"
                       "f = { lambda x1, x2. let\n"
                       "    # line 12\n"
                       "    v1 = log[ns=math] x1\n"
                       "    v2 = mul x1 x2\n"
                       "    v3 = add v1 v2\n"
                       "  in (v3) }\n")
    _, rev, _ = adc(capsys, SEED002, "-f", "f", "--dump-ir", "--after", "reverse")
    assert sections(rev) == [("reverse", "f_grad")]
    assert "x1_bar" in rev and "log[ns=math] x1" in rev  # before DCE drops the primal value
    _, opt, _ = adc(capsys, SEED002, "-f", "f", "--dump-ir", "--after", "optimize")
    assert sections(opt) == [("optimize", "f"), ("optimize", "f_grad")]  # every run
    assert "log" not in opt.split("f_grad = ")[1]


def test_helpers_show_their_fwd_and_bwd_passes(capsys, tmp_path):
    src = tmp_path / "calls.py"
    src.write_text("from math import sin\n\n\ndef h(u):\n    return sin(u) * u\n\n\n"
                   "def f(x):\n    if x > 0:\n        return h(x) * h(2 * x)\n    return x\n")
    _, out, _ = adc(capsys, str(src), "-f", "f", "--dump-ir", "--after", "reverse")
    assert sections(out) == [("reverse", "f_grad"), ("reverse", "h_fwd"), ("reverse", "h_bwd")]
    _, final, _ = adc(capsys, str(src), "-f", "f", "--dump-ir")
    assert [n for _, n in sections(final)] == ["f_grad", "h_fwd", "h_bwd"]
    assert "call[fn=h_fwd]" in final


def test_numpy_with_shapes_prints_types_of_the_code_emitted(capsys):
    code, out, err = adc(capsys, *LOGREG_ARGS, "--dump-ir")
    assert code == 0, err
    assert out.startswith("# after emit\ncross_entropy_grad = { lambda w:[~3], X:[~200,~3], "
                          "y:[~200]. let\n")
    assert "    v1:[~200] = matmul X w\n" in out
    assert "= matmul v" in out and ":f64[~3] = matmul" in out  # w_bar = X.T @ ...
    assert sections(out) == [("emit", "cross_entropy_grad")]  # one compilation: the generic one
    for after, first in (("inline", "cross_entropy"), ("reverse", "cross_entropy_grad"),
                         ("specialize", "cross_entropy_grad")):
        _, dumped, _ = adc(capsys, *LOGREG_ARGS, "--dump-ir", "--after", after)
        assert sections(dumped) == [(after, first)], after
        assert "X:[~200,~3]" in dumped, after
    _, rev, _ = adc(capsys, *LOGREG_ARGS, "--dump-ir", "--after", "reverse")
    assert "unbroadcast" in rev or "unsum" in rev  # the structural steps before specialize


def test_specialised_fallback_shows_only_the_compilation_emitted(capsys, tmp_path):
    src = tmp_path / "rows.py"
    src.write_text("import numpy as np\n\n\ndef f(M):\n    a, b, c = M\n"
                   "    return np.sum(a * b * c)\n")
    _, out, _ = adc(capsys, str(src), "--shapes", "M=3x2", "--dump-ir", "--after", "reverse")
    assert sections(out) == [("reverse", "f_grad")]
    assert "M:[3,2]" in out and "~" not in out  # sizes baked in: the code checks them


def test_forward_mode_and_hvp_show_the_forward_transform(capsys):
    _, fwd, _ = adc(capsys, MODES, "--wrt", "x1,x2", "--mode", "forward", "--dump-ir",
                    "--after", "forward")
    assert sections(fwd) == [("forward", "f_grad_x1"), ("forward", "f_grad_x2")]
    assert "f_grad_x1 = { lambda x1, x2, x1_dot_4. let\n" in fwd
    _, final, _ = adc(capsys, MODES, "--wrt", "x1,x2", "--mode", "forward", "--dump-ir")
    assert [n for _, n in sections(final)] == ["f_grad", "f_grad_x1", "f_grad_x2"]
    _, hvp, _ = adc(capsys, MODES, "--order", "2", "--dump-ir", "--after", "forward")
    assert sections(hvp) == [("forward", "f_hvp")]
    assert "x1_bar" in hvp and "x1_dot" in hvp  # forward over the reverse-mode code
    _, final, _ = adc(capsys, MODES, "--order", "2", "--dump-ir")
    assert [n for _, n in sections(final)] == ["f_hessian", "f_hvp"]


def test_unknown_or_absent_pass_is_a_clear_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compile", SEED002, "--dump-ir", "--after", "lowering"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'lowering'" in err and "'lower'" in err and "'specialize'" in err
    code, out, err = adc(capsys, SEED002, "-f", "f", "--dump-ir", "--after", "inline")
    assert code == 1 and out == ""
    assert err == (f"{SEED002}: error: the pass 'inline' did not run in this compilation "
                   "(it ran: lower, reverse, optimize, algebra, finish, emit)\n")
    with pytest.raises(Exception, match="unknown pass 'x'"):
        passlog.render(passlog.PassLog(), "x")


def test_help_lists_every_pass(capsys):
    with pytest.raises(SystemExit):
        main(["compile", "--help"])
    text = " ".join(capsys.readouterr().out.replace("-\n", "-").split())
    text = text.replace("- ", "-")  # argparse wraps lines after a hyphen
    for name, what in passlog.PASSES.items():
        assert f"{name}: {what}" in text
    assert "--dump-ir --after reverse" in text


def test_nothing_is_recorded_outside_a_dump(capsys):
    assert passlog._LOG is None
    adc(capsys, SEED002, "-f", "f")
    assert passlog._LOG is None and passlog.mark() == 0
    with passlog.recording() as log:
        adc(capsys, SEED002, "-f", "f")
        assert [e.name for e in log.events] == ["lower", "optimize", "reverse", "optimize",
                                                "algebra", "finish", "emit"]
    assert passlog._LOG is None
