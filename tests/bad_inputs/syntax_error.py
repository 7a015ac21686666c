# expect: CompileError
# message: invalid syntax
# line: 6
# api: skip
def f(x):
    return x +
