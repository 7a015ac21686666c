"""adcompiler: a source-to-source automatic differentiation compiler for Python.

``grad(f)`` reads the source of ``f``, lowers it to an SSA Wengert list,
differentiates it in reverse mode, optimises the result and emits a new,
readable, standalone Python function.

Every public function here is an entry point whose errors arrive with a short
traceback (:mod:`adcompiler.runtime.tracebacks`): the user's call, then the message.
"""
from . import checkgrad as _checkgrad
from .views import inspection as _inspection
from .swellstudy import measure as _swell
from . import api as _api
from .checkgrad import GradCheck
from .errors import AdcError, CompileError, UsageError
from .custom import custom_jvp, custom_vjp, stop_gradient
from .runtime.tracebacks import user_facing as _user_facing

grad = _user_facing(_api.grad)
value_and_grad = _user_facing(_api.value_and_grad)
source = _user_facing(_api.source)
jvp = _user_facing(_api.jvp)
vjp = _user_facing(_api.vjp)
jacobian = _user_facing(_api.jacobian)
hessian = _user_facing(_api.hessian)
hvp = _user_facing(_api.hvp)
derivative = _user_facing(_api.derivative)
jacrev = _user_facing(_api.jacrev)
jacfwd = _user_facing(_api.jacfwd)
wengert = _user_facing(_inspection.wengert)
trace = _user_facing(_inspection.trace)
graph = _user_facing(_inspection.graph)
swell = _user_facing(_swell.swell)
check_grad = _user_facing(_checkgrad.check_grad)

__all__ = ["grad", "value_and_grad", "source", "jvp", "vjp", "jacobian", "hessian", "hvp",
           "derivative", "jacrev", "jacfwd", "wengert", "trace", "graph", "swell",
           "check_grad", "GradCheck", "AdcError", "CompileError", "UsageError", "stop_gradient",
           "custom_vjp", "custom_jvp"]
__version__ = "0.1.0"
