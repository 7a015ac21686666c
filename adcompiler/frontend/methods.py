"""Bound methods: ``grad(model.loss)`` where ``loss(self, w)`` reads
``self.`` attributes and calls ``self.predict(w, X)``.

The instance is fixed by the bound method, so ``self`` is not a parameter
of the compiled code: its attributes are read like globals (numbers and
tuples become constants, arrays are read by name when the emitted code
runs), every read is recorded, and a derivative whose attribute now gives
something else is compiled again (runtime/watch.py) so a gradient is never
stale.  Calls of other methods of an object are its methods bound the same
way.  Assigning ``self.x = ...`` stays refused (the lowering refuses every
attribute assignment)."""
from __future__ import annotations

import copy
import dataclasses
import types

from .source import SAFE_MODULES, LiveEnv, SourceFunction, _MISSING


class BoundEnv(LiveEnv):
    """The names of a method's function, with its first parameter bound to an
    instance; attributes of any plain object are read with a record."""

    reads_objects = True  # lower_globals.py: attributes of objects, not only modules

    def __init__(self, fn: types.FunctionType, self_name: str, instance) -> None:
        super().__init__(fn)
        self.self_name = self_name
        self.instance = instance

    def lookup(self, name: str):
        if name == self.self_name:
            return self.instance
        return super().lookup(name)

    def attribute(self, base, name: str):
        if isinstance(base, types.ModuleType):
            return super().attribute(base, name)
        return self._object_attribute(base, name)

    def _object_attribute(self, base, name: str):
        """``base.name`` for an object: from its ``__dict__`` (recorded), else
        from its class (recorded there, with the name's absence from the
        instance); a function of the class comes back bound to ``base``."""
        space = getattr(base, "__dict__", None)
        if not isinstance(space, dict):
            return _MISSING
        if name in space:
            self._record("dict", space, name, space[name])
            return space[name]
        self._record("dict", space, name, _MISSING)  # an instance attribute would shadow it
        for klass in type(base).__mro__:
            found = vars(klass).get(name, _MISSING)
            if found is _MISSING:
                continue
            self._record("dict", vars(klass), name, found)
            if isinstance(found, types.FunctionType):
                return types.MethodType(found, base)
            if isinstance(found, staticmethod):
                return found.__func__
            if hasattr(type(found), "__get__"):  # a property or other descriptor
                return _MISSING
            return found
        return _MISSING

    def function(self, obj):
        if is_method(obj):
            module = (getattr(obj.__func__, "__module__", None) or "").split(".")[0]
            if module not in SAFE_MODULES:
                return load_method(obj)
            return None
        return super().function(obj)


def is_method(obj) -> bool:
    """A user function bound to an instance (``model.loss``)."""
    return isinstance(obj, types.MethodType) and isinstance(obj.__func__, types.FunctionType)


def load_method(method) -> SourceFunction:
    """The source of ``method.__func__`` without its first parameter, which
    reads as the instance."""
    from .source import load_live
    sf = load_live(method.__func__)
    node = sf.node
    if not node.args.args:
        raise sf.error(f"{node.name} is a method without a self parameter", node, "method")
    new_args = copy.copy(node.args)
    self_name = node.args.args[0].arg
    new_args.args = node.args.args[1:]
    new = copy.copy(node)
    new.args = new_args
    env = BoundEnv(method.__func__, self_name, method.__self__)
    return dataclasses.replace(sf, node=new, env=env, live=method)
