"""The names of tangent functions (``f_jvp``, ``f_jvp_x_y``): one name per
mask of active parameters, so versions merged by name never mix masks."""
from __future__ import annotations

import re


def jvp_name(funcs: dict, fn: str, mask: tuple) -> str:
    """``f_jvp`` when every parameter is active, else ``f_jvp_x_y`` naming them.

    The name must determine the mask: versions are merged by name (also
    across the passes of one module), so two masks with one name would make
    one call site run the other version's tangent.  Parameters whose labels
    coincide (``out_bar`` twice) or run together (``a_b`` and ``a``, ``b``)
    are named by position instead (``f_jvp_args_1_3``)."""
    if all(mask):
        return fn + "_jvp"
    labels = [re.sub(r"\W", "_", (p.hint or p.name).lstrip("~")).strip("_") or p.name
              for p in funcs[fn].params]
    active = [lab for lab, m in zip(labels, mask) if m]
    tail = "_".join(active) if active else "none"
    if _spellings(labels, tail) > 1:
        tail = "args_" + "_".join(str(k) for k, m in enumerate(mask) if m)
        while _spellings(labels, tail):
            tail += "_x"
    return fn + "_jvp_" + tail


def _spellings(labels: list, tail: str) -> int:
    """How many masks (capped at 2) spell ``tail``: the empty mask spells
    ``none``; any other joins its parameters' labels in order with ``_``."""
    return min(2, _count_spellings(labels, tail, 0, 0, {}) + (tail == "none"))


def _count_spellings(labels: list, tail: str, i: int, j: int, memo: dict) -> int:
    """Subsequences of ``labels[i:]`` that spell ``tail[j:]`` (capped at 2)."""
    if (i, j) in memo:
        return memo[i, j]
    total = 0
    for k in range(i, len(labels)):
        if tail.startswith(labels[k], j):
            end = j + len(labels[k])
            if end == len(tail):
                total += 1
            elif tail[end] == "_":
                total += _count_spellings(labels, tail, k + 1, end + 1, memo)
        if total > 1:
            total = 2
            break
    memo[i, j] = total
    return total
