# expect: CompileError
# message: import statement is not supported
# line: 5
def f(x):
    from math import sin
    return sin(x)
