# expect: CompileError
# message: f-string is not supported
# line: 5
def f(x):
    s = f'{x}'
    return x
