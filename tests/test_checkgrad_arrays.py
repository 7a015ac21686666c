"""Issue 15: check_grad on NumPy programs and with wrt= / argnums=: reverse
mode against central differences (and forward mode where it runs), the
worst component named with its argument, index and every value compared."""
import numpy as np
import pytest

from adcompiler import UsageError, check_grad
from adcompiler import checkgrad


def net(x, A, b):
    return np.sum(np.tanh(A @ x + b) ** 2)


def rows(M, w):
    total = 0.0
    for i in range(M.shape[0]):
        total = total + np.sum(M[i] * w) ** 2
    return total


def vector_out(x):
    return x * 2.0


def bad_types(x, A):
    return np.sum(A @ x)


RNG = np.random.default_rng(3)
X = RNG.normal(size=3)
A = RNG.normal(size=(2, 3))
B = RNG.normal(size=2)


def test_every_element_of_every_float_array_is_compared():
    report = check_grad(net, X, A, B)
    assert report.ok, str(report)
    against_fd = [c.name for c in report.components if c.against == "central difference"]
    assert against_fd[:3] == ["x[0]", "x[1]", "x[2]"]
    assert "A[1, 2]" in against_fd and "b[1]" in against_fd
    assert len(against_fd) == 3 + 6 + 2


def test_forward_mode_is_compared_or_said_not_to_run():
    report = check_grad(net, X, A, B)
    forward = [c for c in report.components if c.against == "forward mode"]
    if forward:  # once forward mode takes arrays (another branch)
        assert len(forward) == 11 and report.ok
    else:
        assert any(n.startswith("forward mode:") and "array" in n for n in report.notes)
        assert "not compared: forward mode" in str(report)


@pytest.mark.parametrize("kw", [{"wrt": "A"}, {"wrt": 1}, {"argnums": 1}, {"argnums": (1,)}])
def test_wrt_and_argnums_choose_the_array(kw):
    report = check_grad(net, X, A, B, **kw)
    names = {c.name for c in report.components}
    assert names == {f"A[{i}, {j}]" for i in range(2) for j in range(3)}
    assert report.ok


def test_loops_over_rows_and_lists_and_integer_arrays():
    M = RNG.normal(size=(3, 2))
    assert check_grad(rows, M, np.array([0.5, -1.0])).ok
    report = check_grad(rows, M, [1, 2], wrt=(0, 1))
    assert report.ok and {"w[0]", "w[1]", "M[2, 1]"} <= {c.name for c in report.components}
    assert check_grad(rows, M, np.array([1, 2]), argnums=1).ok


def test_the_worst_component_is_named_with_all_its_values(monkeypatch):
    """A mode that is wrong in one element: the report says which element
    and prints reverse, central-difference and that mode's values."""
    def broken(f, args, wrt):
        values = list(checkgrad._reverse(f, args, wrt))
        values[4] += 0.5  # A[0, 1]
        return tuple(values)
    monkeypatch.setitem(checkgrad.MODES, "broken", broken)
    report = check_grad(net, X, A, B, wrt=(0, 1))
    assert not report.ok
    worst = report.worst
    assert worst.name == "A[0, 1]" and worst.against == "broken mode"
    values = report.values("A[0, 1]")
    assert set(values) >= {"reverse mode", "central difference", "broken mode"}
    assert values["broken mode"] == pytest.approx(values["reverse mode"] + 0.5)
    assert values["central difference"] == pytest.approx(values["reverse mode"], rel=1e-6)
    text = str(report)
    assert "worst: d/dA[0, 1] against broken mode" in text
    assert "d/dA[0, 1]: reverse mode " in text and "central difference " in text


def test_bad_points_are_usage_errors_not_tracebacks():
    with pytest.raises(UsageError, match=r"vector_out returns a value of shape \(3,\)"):
        check_grad(vector_out, X)
    with pytest.raises(UsageError, match="bad_types raises TypeError"):
        check_grad(bad_types, 0.5, 2.0)
    with pytest.raises(UsageError, match="not both"):
        check_grad(net, X, A, B, wrt=0, argnums=0)
