"""Random NumPy programs (fixed seeds) against central differences: values
reused several times, broadcasting in every direction, reductions, views and
a loop -- the situations where updating an array in place could go wrong."""
import random

import numpy as np
import pytest

from adcompiler import grad
from oracles import central_diff as central_differences

# name -> shape; A is 3x4, r a row (4,), c a column (3, 1), a a float
LEAVES = ["A", "r", "c", "a"]
UNARY = ["np.sin({})", "np.tanh({})", "np.exp(np.tanh({}))", "({}) ** 2", "-({})",
         "np.sqrt(1.5 + ({}) ** 2)", "np.abs({}) * 0.5"]
BINARY = ["({}) + ({})", "({}) - ({})", "({}) * ({})", "({}) / (1.5 + ({}) ** 2)"]
MATRIX = ["np.mean({}, axis=1, keepdims=True)", "np.sum({}, axis=0)",
          "({}).T.T", "np.reshape({}, (3, 4))", "({})[::-1, :]",
          "np.concatenate([({})[:2], ({})[2:]])"]


def expr(rng, depth, names):
    if depth == 0:
        return rng.choice(names)
    kind = rng.random()
    if kind < 0.3:
        return rng.choice(UNARY).format(expr(rng, depth - 1, names))
    if kind < 0.8:
        form = rng.choice(BINARY)
        return form.format(expr(rng, depth - 1, names), expr(rng, depth - 1, names))
    inner = "(A + ({}))".format(expr(rng, depth - 1, names))  # a 3x4 value
    form = rng.choice(MATRIX)
    return form.format(*([inner] * form.count("{}")))


def program(seed):
    rng = random.Random(seed)
    lines = ["import numpy as np", "", "", "def f(A, r, c, a):"]
    names = list(LEAVES)
    for k in range(rng.randint(2, 4)):
        lines.append(f"    t{k} = {expr(rng, rng.randint(1, 3), names)}")
        names.append(f"t{k}")
    if rng.random() < 0.5:
        lines += ["    s = 0.0", "    for i in range(3):",
                  f"        s = s + np.sum(A[i] * {rng.choice(names)}) * (i + 1)"]
    else:
        lines.append("    s = 0.0")
    total = " + ".join(f"np.sum(A * {n})" for n in names[4:])
    lines.append(f"    return s + {total} + np.sum({names[-1]} * {names[-2]})")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(40))
def test_random_program(seed, module_from_source):
    mod = module_from_source(program(seed), f"rand{seed}")
    rng = np.random.default_rng(seed)
    args = [rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(3, 1)),
            float(rng.normal())]
    copies = [np.copy(x) for x in args]
    got = grad(mod.f, wrt=(0, 1, 2, 3))(*args)
    for x, c in zip(args, copies):
        assert np.array_equal(x, c)
    for i, g in enumerate(got):
        expected = central_differences(mod.f, args, i)
        np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-5,
                                   err_msg=f"argument {i} of\n{program(seed)}")
