"""Messages about structures of parameters (pytrees) where their structure is
unknown (the command line, ``.source`` before a call), and the hint every
refusal ends with."""
from __future__ import annotations

import ast

from .pytree_nodes import Node
from .source import SourceFunction


def items_hint(arg: ast.expr, tree: Node) -> str:
    """``params['W'], params['b']``: the first items of ``tree`` by their keys."""
    base = ast.unparse(arg)
    shown = ", ".join(f"{base}[{k!r}]" for k in tree.keys[:2])
    return shown + (", ..." if len(tree.keys) > 2 else "") if shown else f"{base}[0]"


def string_key_error(sf: SourceFunction, node: ast.Subscript):
    """``params["W"]`` compiled without knowing that ``params`` is a dict
    (the command line, or ``.source`` before a call): say where the structure
    has to come from.  None for anything else."""
    if not (isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
        return None
    root = node.value
    while isinstance(root, ast.Subscript):
        root = root.value
    if not (isinstance(root, ast.Name) and root.id in {a.arg for a in sf.node.args.args}):
        return None
    base = ast.unparse(node.value)
    return sf.error(f"{ast.unparse(node)}: {base} is read as a dict (a string key), and "
                    "the structure of a dict of parameters is known only from a call: call "
                    "the gradient with it (grad(f)(params, ...) compiles for its keys and "
                    f"shapes) or use adcompiler.source({sf.name}, args=(...)) with example "
                    "arguments; the command line compiles functions of arrays (--shapes) "
                    "and numbers only",
                    node, "dict of parameters")


def unpacked_parameter_error(sf: SourceFunction):
    """A parameter unpacked into names (``W1, b1 = params``, ``for W, b in
    params``) in code whose ranks could not be inferred (the command line,
    ``.source`` before a call): most likely a list or tuple of arrays, whose
    structure only a call gives.  The error at that line, or None."""
    params = {a.arg for a in sf.node.args.args}
    for n in ast.walk(sf.node):
        if isinstance(n, ast.Assign) and len(n.targets) == 1:
            target, value = n.targets[0], n.value
        elif isinstance(n, ast.For):
            target, value = n.target, n.iter
            if isinstance(target, ast.Name):
                continue
        else:
            continue
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, ast.Name) \
                and value.id in params:
            p = value.id
            return sf.error(f"{p} is unpacked into names here, and the number of dimensions "
                            "of what it holds is unknown: if it is a list or tuple of arrays "
                            f"(a structure of parameters), call the gradient with it "
                            f"(grad({sf.name})({p}, ...) compiles for its structure and shapes, "
                            f"adcompiler.source({sf.name}, args=(...)) shows the code); if it "
                            f"is an array, give its shape (--shapes {p}=KxN on the command "
                            "line)", n, "unpacked parameter")
    return None
