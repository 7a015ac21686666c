"""``--shapes`` accepts named sizes (``X=NxD,w=D``), as its messages suggest."""
import numpy as np
import pytest

from adcompiler import UsageError
from adcompiler.arrays.context import parse_shapes
from adcompiler.cli.commands import main

SOURCE = "import numpy as np\n\n\ndef f(X, w):\n    return np.sum(np.tanh(X @ w) ** 2)\n"


def test_named_sizes_parse_as_run_time_sizes():
    assert parse_shapes("X=NxD,w=D,b=3,s=scalar") == {"X": (None, None), "w": (None,),
                                                       "b": (3,), "s": ()}
    assert parse_shapes("X=batchx4") == {"X": (None, 4)}


@pytest.mark.parametrize("bad", ["X=K-1", "X=3x", "X=2.5"])
def test_other_dimensions_are_refused_with_the_forms_that_work(bad):
    with pytest.raises(UsageError, match="numbers, names or"):
        parse_shapes(bad)


@pytest.mark.parametrize("spec", ["X=KxD,w=D", "X=Nx3,w=3", "X=?x?,w=n"])
def test_the_compiled_gradient_is_right_at_other_sizes(tmp_path, capsys, spec):
    path = tmp_path / "model.py"
    path.write_text(SOURCE)
    assert main(["compile", str(path), "--shapes", spec]) == 0
    namespace: dict = {}
    exec(capsys.readouterr().out, namespace)
    rng = np.random.default_rng(3)
    X, w = rng.normal(size=(5, 3)), rng.normal(size=3)
    got = namespace["f_grad"](X, w)
    h = 1e-6
    want = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        Xp, Xm = X.copy(), X.copy()
        Xp[idx] += h
        Xm[idx] -= h
        want[idx] = (np.sum(np.tanh(Xp @ w) ** 2) - np.sum(np.tanh(Xm @ w) ** 2)) / (2 * h)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
