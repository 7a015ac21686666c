"""The primitives: one record each in one registry (:mod:`.record`), holding
what each computes, how it is spelled, its shape and dtype, its sympy form
and its derivative rule.  Loading the package registers them all."""
from . import primitives  # noqa: F401  (registers every record)
