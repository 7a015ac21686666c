"""The public entry points, one set: ``grad``, ``value_and_grad``, ``source``
(gradients.py), ``jvp``, ``vjp`` (linearize.py), ``jacobian``, ``hessian``,
``hvp``, ``derivative`` (higher.py), with JAX's conventions.

Each returns (or calls) emitted Python code; ``.source`` shows it.  Results
are compiled on first use and cached.  A compiled derivative is itself a valid
input: ``grad(grad(f))`` and ``jacobian(grad(f))`` transform the emitted
reverse-mode code (tape included) by forward mode, i.e. forward over reverse.
Reverse over reverse is not supported (a clear :class:`AdcError` says so).

The parts: arguments.py reads a call (``wrt``/``argnums``, defaults);
reverse_grad.py is the reverse-mode gradient ``grad`` returns (compiled per
argument shapes), aux.py the same with ``has_aux=True``; jacobians.py is
``vjp`` and the Jacobians of array code (``jacrev``, ``jacfwd``); emitted.py
the callables of the other transforms and their cache.
"""
from .gradients import grad, source, value_and_grad
from .higher import derivative, hessian, hvp, jacfwd, jacobian, jacrev
from .linearize import jvp, vjp

__all__ = ["grad", "value_and_grad", "source", "jvp", "vjp", "jacobian", "hessian", "hvp",
           "derivative", "jacrev", "jacfwd"]
