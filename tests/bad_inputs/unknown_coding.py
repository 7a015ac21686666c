# -*- coding: no-such-codec -*-
# expect: CompileError
# message: unknown encoding
# line: 1
# api: skip
# why: Python refuses the coding line too
def f(x):
    return x * x
