# expect: CompileError
# message: raise statement is not supported
# line: 6
def f(x):
    if x > 0:
        raise ValueError('no')
    return x
