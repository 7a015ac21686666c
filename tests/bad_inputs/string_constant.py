# expect: CompileError
# message: str constants are not supported
# line: 5
def f(x):
    s = 'abc'
    return x
