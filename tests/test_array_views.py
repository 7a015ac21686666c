"""The inspection views on array code: the interpreter evaluates it with the
array records' ``impl`` (so the primal trace shows it); what the views
cannot do on arrays (scalar partials) they refuse clearly."""
import numpy as np
import pytest

import adcompiler
from adcompiler.core.interp import EvaluationError
from adcompiler.errors import AdcError


def squares(x):
    return np.sum(x * x)


def test_the_interpreter_runs_array_code_and_the_sweeps_refuse_it():
    """The tangent and adjoint sweeps multiply scalar partials, so they
    refuse arrays with a clear error (not a KeyError)."""
    t = adcompiler.trace(squares, np.array([1.0, 2.0]))
    assert t.value == 5.0
    for mode in ("forward", "reverse"):
        with pytest.raises(EvaluationError, match="follows scalar values.*x.*array"):
            adcompiler.trace(squares, np.array([1.0, 2.0]), mode=mode,
                             **({"seed": "x"} if mode == "forward" else {}))


def test_the_graph_refuses_partials_of_array_primitives():
    """graph(partials=True) labels edges with scalar local partials; an array
    primitive has none, which is said (it raised KeyError: 'sum')."""
    with pytest.raises(AdcError, match="sum mixes array elements"):
        adcompiler.graph(squares, partials=True)
    assert "sum" in adcompiler.graph(squares).source
