# expect: CompileError
# message: set literal is not supported
# line: 5
def f(x):
    s = {x, 1.0}
    return x
