# expect: CompileError
# message: import statement is not supported
# line: 5
def f(x):
    import math
    return math.sin(x)
