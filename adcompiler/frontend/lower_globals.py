"""Lowering of names and attributes: local values from the environment;
globals (numbers, tuples of numbers, module attributes) become constants;
a module-level NumPy array of a live function is read by name when the
emitted code runs."""
from __future__ import annotations

import ast
import types

import numpy as np

from ..arrays.emit import HELPER
from ..core.ir import Builder, Const, is_number
from .source import LiveEnv
from .syntax import Unbound, describe, dotted

#: module-level names of emitted code (imports, the NumPy helper) and the
#: endings of emitted function names: a global array read by name must differ
_MODULE_NAMES = {"math", "np", "numpy", HELPER, "__name__", "__builtins__"}
_EMITTED_SUFFIXES = ("_grad", "_fwd", "_bwd", "_jvp", "_hvp", "_hessian")


class GlobalLowering:
    """Names and attributes for :class:`adcompiler.frontend.lower.Lowerer`."""

    def e_Name(self, node, env, b):
        if node.id in env:
            value = env[node.id]
            if isinstance(value, Unbound):
                raise self.sf.error(value.why, node, "name")
            return value
        if node.id in self.locals:  # assigned later in the function: not the global
            raise self.sf.error(f"{node.id} is read before it is assigned (it is a local "
                                "variable of the function: Python raises UnboundLocalError)",
                                node, "name")
        return self.global_value(node, node.id, b)

    def global_value(self, node, name: str, b: Builder | None = None):
        obj = self.sf.env.lookup(name)
        return self.as_value(obj, node, name, b)

    def as_value(self, obj, node, name: str, b: Builder | None = None):
        from .source import _MISSING
        if obj is _MISSING:
            raise self.sf.error(f"name {name!r} is not defined", node, "name")
        if isinstance(obj, np.ndarray) and b is not None and self.program is not None:
            return self.global_array(obj, node, name, b)
        if is_number(obj) or isinstance(obj, bool):
            return Const(obj)
        if isinstance(obj, np.floating):
            return Const(float(obj))
        if isinstance(obj, tuple) and all(is_number(x) for x in obj):
            return tuple(Const(x) for x in obj)
        where = "a variable of an enclosing function (a closure)" if _is_cell(self.sf, name) \
            else "a global"
        raise self.sf.error(f"{name} is {where} holding a {type(obj).__name__}, not a number; "
                            "only numbers, tuples of numbers and arrays can be read from outside "
                            "the function (pass it as a parameter)", node, "global")

    def e_Attribute(self, node, env, b):
        if self.is_array(node.value, env):
            return self.numpy().attribute(node, env, b)
        obj = self.resolve(node, env)
        return self.as_value(obj, node, dotted(node), b)

    def is_global_array(self, node: ast.expr, env: dict) -> bool:
        """Is ``node`` a global name bound to a NumPy array (``W`` in ``W.T``)?"""
        return isinstance(node, ast.Name) and node.id not in env and \
            self.program is not None and isinstance(self.sf.env.lookup(node.id), np.ndarray)

    def global_array(self, obj, node, name: str, b: Builder):
        """A module-level NumPy array (of a live function): the emitted code
        reads it by name when it runs, so changes made in place are seen; a
        rebinding recompiles (see runtime/watch.py).  Never differentiated."""
        kind = {"f": "f", "i": "i", "u": "i", "b": "b"}.get(obj.dtype.kind)
        where = "closure" if _is_cell(self.sf, name) else \
            "attribute" if "." in name else "global"
        if kind is None:
            what = {"closure": "a closure variable", "attribute": "an attribute"}.get(
                where, "a global")
            raise self.sf.error(f"{name} is a {obj.dtype} array ({what}); only arrays of real "
                                "numbers (float, int or bool) can be read; pass what the "
                                "function needs as a parameter", node, where)
        if not isinstance(_live(self.sf.env), LiveEnv):
            raise self.sf.error(f"the {where} array {name} can be read only when compiling a "
                                "live function (the Python API), where the emitted code reads "
                                "it when it runs; pass it as a parameter", node, where)
        emitted = name.replace(".", "_")
        if emitted in _MODULE_NAMES or emitted.endswith(_EMITTED_SUFFIXES):
            raise self.sf.error(f"the global array {name} has a name the emitted module uses "
                                "itself; rename it", node, "global")
        entry = next(iter(self.program.sources.values())).node
        if emitted in {a.arg for a in entry.args.args}:  # emitted code would read the parameter
            raise self.sf.error(f"the global array {name} has the name of a parameter of "
                                f"{entry.name}; rename one", node, "global")
        arrays = self.program.global_arrays
        if arrays.get(emitted, obj) is not obj:
            raise self.sf.error(f"two different global arrays are named {name}; rename one",
                                node, "global")
        arrays[emitted] = obj
        if emitted not in self.global_reads:  # read once, at the top of the function
            # (so that a loop does not store it on the tape every iteration)
            root = self.root or b
            self.global_reads[emitted] = root.eqn("global", name=emitted,
                                                  shape=tuple(obj.shape), kind=kind)
        return self.global_reads[emitted]

    def resolve(self, node: ast.expr, env: dict):
        """The object a global (possibly dotted) name refers to."""
        if isinstance(node, ast.Name):
            if node.id in env:
                raise self.sf.error(f"{node.id} is a local value, not a function", node, "call")
            return self.sf.env.lookup(node.id)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id in env:
                raise self.sf.error(f"method calls and attributes of local values "
                                    f"({dotted(node)}) are not supported", node, "method")
            base = self.resolve(node.value, env)
            if isinstance(base, types.ModuleType):
                return self.sf.env.attribute(base, node.attr)
            if getattr(self.sf.env, "reads_objects", False):  # self.W in a bound method
                # (methods.py; also through the pytree flattening's wrapper env)
                return self.object_attribute(base, node)
            raise self.sf.error(f"attribute access {dotted(node)} is not supported", node,
                                "attribute")
        raise self.sf.error(f"calling {describe(node)} is not supported", node, "call")


    def object_attribute(self, base, node: ast.Attribute):
        from .source import _MISSING
        value = self.sf.env.attribute(base, node.attr)
        if value is _MISSING:
            raise self.sf.error(f"{dotted(node)} cannot be read here: an object's attributes "
                                "are read from its __dict__ or its class (not properties, "
                                "__slots__ or missing ones); pass the value as a parameter",
                                node, "attribute")
        return value


def _live(env):
    """The live environment under a wrapper (the pytree flattening's)."""
    while not isinstance(env, LiveEnv) and getattr(env, "_base", None) is not None:
        env = env._base
    return env


def _is_cell(sf, name: str) -> bool:
    """Is ``name`` a closure variable of a live function (not a global)?"""
    env = _live(sf.env)
    return isinstance(env, LiveEnv) and name in env.cells
