# expect: CompileError
# message: str constants are not supported
# line: 5
def f(x):
    for c in 'abc':
        x = x * 2
    return x
