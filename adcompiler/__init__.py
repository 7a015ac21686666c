"""adcompiler: a source-to-source automatic differentiation compiler for Python.

``grad(f)`` reads the source of ``f``, lowers it to an SSA Wengert list,
differentiates it in reverse mode, optimises the result and emits a new,
readable, standalone Python function.
"""
from .checkgrad import GradCheck, check_grad
from .errors import AdcError, CompileError, UsageError
from .inspection import graph, trace, wengert
from .swell import swell
from .transforms import (derivative, grad, hessian, hvp, jacobian, jvp, source, value_and_grad,
                         vjp)

__all__ = ["grad", "value_and_grad", "source", "jvp", "vjp", "jacobian", "hessian", "hvp",
           "derivative", "wengert", "trace", "graph", "swell", "check_grad", "GradCheck",
           "AdcError", "CompileError", "UsageError"]
__version__ = "0.1.0"
