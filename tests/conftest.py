import os
import sys

import pytest
from hypothesis import HealthCheck, settings

import adcompiler.compiler
import adcompiler.optimize.passes

sys.path.insert(0, os.path.dirname(__file__))

# every pass is followed by ir.verify in the tests
adcompiler.compiler.CHECK_IR = True
# and every optimize round skipped as settled is checked to change nothing
adcompiler.optimize.passes.CHECK_SETTLED = True

# "ci" (the default) draws the same examples on every run: a red suite means
# a change broke something, never that this run was unlucky; the random
# search is `HYPOTHESIS_PROFILE=long` and `python -m tests.fuzz.run`
settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def module_from_source(tmp_path):
    """Write source to a real file and import it, so inspect.getsource works."""
    import importlib.util
    counter = [0]

    def make(source: str, name: str = "usermod"):
        counter[0] += 1
        path = tmp_path / f"{name}_{counter[0]}.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    return make


# ---------------------------------------------------------------- time budget
def pytest_configure(config):
    config.addinivalue_line("markers", "budget(seconds): this test's time budget "
                            "(default tests/budget.py TEST_SECONDS)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Every test runs under a time budget, so no call (sympy's above all) can
    hang the suite: an overrun fails the test at the line it was on."""
    from budget import TEST_SECONDS, time_budget
    marker = item.get_closest_marker("budget")
    seconds = marker.args[0] if marker else TEST_SECONDS
    with time_budget(seconds, f"test {item.nodeid}"):
        yield
