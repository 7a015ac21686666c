# expect: CompileError
# message: dict literal is not supported
# line: 5
def f(x):
    d = {'a': x}
    return x
