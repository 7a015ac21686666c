# expect: CompileError
# message: complex constants are not supported
# line: 5
def f(x):
    return x * 1j
