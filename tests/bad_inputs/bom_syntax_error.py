# expect: CompileError
# message: invalid syntax
# line: 7
# api: skip
# a UTF-8 BOM is accepted (as Python does) and line numbers stay right
def f(x):
    return x +* x
