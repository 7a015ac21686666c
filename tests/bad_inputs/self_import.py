# expect: CompileError
# message: circular import (self_import.py -> self_import.py)
# line: 6
# api: skip
# why: importing it fails in Python too (a module importing itself by name)
from self_import import g


def f(x):
    return g(x)
