"""How primitives are spelled in Python: read from the records' ``spellings``.

A record says under which names the user's code may call it:
``{'math': 'fabs', 'np': ('abs', 'absolute'), 'builtin': 'abs'}``.  The
namespace is ``'math'``, ``'np'`` (NumPy), ``'builtin'``, or the dotted name
of any other module (``'scipy.special'``); ``'method'`` and ``'attr'``
(``x.sum()``, ``x.T``) are the array lowering's; ``'array_api'`` is the
name in the Array API standard, which the array-api emission backend writes
as ``xp.NAME`` (emit/backend.py).  The lowering maps the function
object the user's code calls to ``(primitive, namespace)``
(:func:`lookup_object`); the emitter writes the primitive back in that
namespace under its first name there (:func:`emitted_name`).  Nothing else
keeps a list of names: a new record is callable by being registered.
"""
from __future__ import annotations

import builtins
import sys

from .record import REGISTRY

#: namespace -> the module it names (other namespaces are module names)
_MODULES = {"np": "numpy", "builtin": "builtins"}
#: the ``ns`` parameter of an equation for each namespace (builtins: '')
_NS_PARAM = {"builtin": ""}
#: namespaces that name no module: ``x.sum()`` and ``x.T`` (the array
#: lowering reads those spellings itself)
_NOT_MODULES = {"method", "attr", "array_api"}

_cache: dict = {"key": None, "table": {}}


def names(record, namespace: str) -> tuple:
    """Every name of ``record`` in ``namespace`` (first: the emitted one)."""
    found = record.spellings.get(namespace, ())
    return (found,) if isinstance(found, str) else tuple(found)


def module_of(namespace: str):
    """The module a namespace names, if it is loaded (None otherwise).

    Only loaded modules count: a function object of a module nobody imported
    cannot reach the compiler (the frontend imports the modules the user's
    code names before it looks a call up), and importing, say, SciPy just to
    list its spellings would cost a second on every first compile."""
    if namespace == "builtin":
        return builtins
    if namespace in _NOT_MODULES:
        return None
    return sys.modules.get(_MODULES.get(namespace, namespace))


def _resolve(module, dotted: str):
    obj = module
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
    return obj


def _table() -> dict:
    """id(function object) -> (primitive, ns parameter), rebuilt whenever the
    registry changes (a test may register and remove a record) or a module
    it spells names in is loaded.  Asked on every call the lowering meets:
    the registry is compared with a snapshot (the same records, by
    identity, in the same order) rather than keyed afresh."""
    items = list(REGISTRY.items())
    if _cache.get("items") != items:
        _cache.update(items=items, key=None,
                      spaces=sorted({ns for r in REGISTRY.values() for ns in r.spellings}))
    key = tuple(ns for ns in _cache["spaces"] if module_of(ns) is not None)
    if _cache["key"] != key:
        table: dict = {}
        for name, record in REGISTRY.items():
            for namespace in record.spellings:
                module = module_of(namespace)
                for spelled in names(record, namespace) if module is not None else ():
                    obj = _resolve(module, spelled)
                    if obj is not None:
                        table.setdefault(id(obj), (name, _NS_PARAM.get(namespace, namespace)))
        _cache.update(key=key, table=table)
    return _cache["table"]


def lookup_object(obj):
    """``(primitive, ns)`` for a function object the user's code calls, or None."""
    return _table().get(id(obj))


def lookup(namespace: str, name: str):
    """The primitive spelled ``namespace.name`` (``('math', 'fabs')`` -> ``'abs'``)."""
    module = module_of(namespace)
    obj = _resolve(module, name) if module is not None else None
    found = lookup_object(obj) if obj is not None else None
    return found[0] if found else None


def emitted_name(prim: str, ns: str) -> str:
    """The name under which emitted code calls ``prim`` in the namespace of
    the ``ns`` parameter (``'math'``, ``'np'``, ``''`` for builtins, or a
    module): its first spelling there, else its own name."""
    record = REGISTRY[prim]
    spelled = names(record, ns or "builtin")
    return spelled[0] if spelled else (record.op if isinstance(record.op, str) else prim)
