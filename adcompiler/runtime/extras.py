"""Optional dependencies, imported only when a feature needs them.

``import adcompiler`` loads neither pygments (colour) nor sympy (the swell
comparison, the sympy oracles): they are imported at the point of use, so a
plain install stays light and fast to import.  When an optional package is
missing, the user gets one line naming the ``pip install`` to run, never a
``ModuleNotFoundError`` from deep inside the package.
"""
from __future__ import annotations

import importlib

from ..errors import UsageError

# the extra (in pyproject.toml) that installs each optional module
EXTRA_OF = {"pygments": "color"}


class MissingExtra(UsageError):
    """A feature was asked for whose optional dependency is not installed."""


def install_hint(module: str, extra: str | None = None) -> str:
    """The command that installs ``module`` the way this project declares it."""
    extra = extra or EXTRA_OF.get(module)
    return f"pip install 'adcompiler[{extra}]'" if extra else f"pip install {module}"


def require(module: str, extra: str | None, purpose: str, strict: bool = True):
    """``module`` imported, or (``strict``) a :class:`MissingExtra` whose one
    line says what ``purpose`` needs and how to install it, or (not
    ``strict``) ``None`` so the caller can fall back quietly."""
    try:
        return importlib.import_module(module)
    except ImportError:
        if not strict:
            return None
        raise MissingExtra(f"{purpose} needs {module}, which is not installed: "
                           f"{install_hint(module, extra)}") from None
