"""adcompiler.check_grad: the user's gradient checker."""
import math

import pytest

import adcompiler.checkgrad as checkgrad
from adcompiler import UsageError, check_grad
from corpus import CORPUS, logistic_map, seed000_J, seed002_f


@pytest.mark.parametrize("fn,points,wrt", CORPUS, ids=[c[0].__name__ for c in CORPUS])
def test_corpus_passes(fn, points, wrt):
    for p in points:
        report = check_grad(fn, *p, wrt=wrt)
        assert report.ok, str(report)


def test_report_fields_and_text():
    report = check_grad(seed002_f, 2.0, 5.0)
    assert report and report.ok
    assert [(c.name, c.against) for c in report.components] == [
        ("x1", "central difference"), ("x2", "central difference"),
        ("x1", "forward mode"), ("x2", "forward mode")]
    assert report.components[0].emitted == pytest.approx(1 / 2.0 + 5.0)
    text = str(report)
    assert "check_grad seed002_f at (2.0, 5.0): OK" in text and "x2" in text and "worst" in text


def test_wrt_by_name_and_default():
    assert {c.name for c in check_grad(seed000_J, -4.9, 1.0, wrt="x").components} == {"x"}
    # default: every float argument; the int n of logistic_map is left out
    assert {c.name for c in check_grad(logistic_map, 0.3, 8).components} == {"x"}


def test_a_wrong_gradient_is_reported(monkeypatch):
    real = checkgrad._reverse
    monkeypatch.setattr(checkgrad, "_reverse",
                        lambda f, a, w: tuple(v * (2.0 if k == 1 else 1.0)
                                              for k, v in enumerate(real(f, a, w))))
    report = check_grad(seed002_f, 2.0, 5.0)
    assert not report.ok
    worst = report.worst
    assert worst.name == "x2" and worst.rel_error == pytest.approx(0.5, rel=1e-4)
    assert "MISMATCH" in str(report) and "!!" in str(report)


def test_registered_modes_are_compared(monkeypatch):
    monkeypatch.setitem(checkgrad.MODES, "forward", lambda f, a, w: (1.0, 2.0))
    report = check_grad(seed002_f, 2.0, 5.0)
    against = {c.against for c in report.components}
    assert against == {"central difference", "forward mode"}
    assert not report.ok and report.worst.against == "forward mode"


def test_equal_infinities_and_nans_agree():
    report = checkgrad.GradCheck("f", (0.0,), [
        checkgrad.Component("x", math.inf, math.inf, "forward mode"),
        checkgrad.Component("y", math.nan, math.nan, "forward mode")])
    assert report.ok
    report.components.append(checkgrad.Component("z", math.nan, 1.0, "forward mode"))
    assert not report.ok and report.worst.name == "z"


@pytest.mark.parametrize("call,message", [
    (lambda: check_grad(seed002_f, 2.0, 5.0, wrt="zz"), "no argument named"),
    (lambda: check_grad(seed002_f, 2.0, 5.0, wrt=7), "names no given argument"),
    (lambda: check_grad(logistic_map, 1, 2), "nothing to differentiate"),
    (lambda: check_grad(abs, 1.0), "builtin"),
])
def test_usage_errors(call, message):
    with pytest.raises(UsageError, match=message):
        call()
