"""The trees of a structure of parameters (frontend/pytrees.py): a dict, list
or tuple is a :class:`Node`, an array or number a :class:`Leaf` named after
its path, the flat function's parameter for it (``params["W"]`` -> ``params_W``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Leaf:
    """One array or number of a structure: its parameter of the flat function."""

    name: str


@dataclass(frozen=True)
class Node:
    """A dict, list or tuple: ``keys`` are the dict's keys or ``0..n-1``."""

    kind: str  # 'dict' | 'list' | 'tuple'
    keys: tuple
    children: tuple

    def child(self, key):
        return self.children[self.keys.index(key)]


def leaves(tree) -> list:
    """The leaves of a tree in order (depth first, keys in their order)."""
    if isinstance(tree, Leaf):
        return [tree]
    return [leaf for child in tree.children for leaf in leaves(child)]


def has_dict(tree) -> bool:
    return isinstance(tree, Node) and (tree.kind == "dict" or any(map(has_dict, tree.children)))


def name_tree(spec, base: str, taken: set):
    """The :class:`Node`/:class:`Leaf` tree of a runtime spec (see
    runtime/pytrees.py: ``('leaf', ...)`` or ``(kind, keys, children)``), its
    leaves named ``base_key_key`` and kept clear of ``taken`` (updated)."""
    if spec[0] == "leaf":
        name = base
        while name in taken:
            name += "_"
        taken.add(name)
        return Leaf(name)
    kind, keys, children = spec
    return Node(kind, tuple(keys), tuple(name_tree(c, f"{base}_{_part(k)}", taken)
                                         for k, c in zip(keys, children)))


def _part(key) -> str:
    text = re.sub(r"\W", "_", str(key).replace("-", "m", 1) if str(key).startswith("-")
                  else str(key))
    return text or "_"


def to_spec(tree) -> tuple:
    """A :class:`Node`/:class:`Leaf` tree as the runtime spec it was named from."""
    if isinstance(tree, Leaf):
        return ("leaf", None)
    return (tree.kind, tree.keys, tuple(map(to_spec, tree.children)))
