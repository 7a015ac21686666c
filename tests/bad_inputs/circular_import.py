# expect: CompileError
# message: circular import (circular_import.py -> circular_partner.py -> circular_import.py)
# line: 6
# api: skip
# why: two files importing each other's functions fail to import in Python too
from circular_partner import g


def f(x):
    return g(x) * x
