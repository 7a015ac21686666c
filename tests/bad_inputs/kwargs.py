# expect: CompileError
# message: only plain positional parameters
# line: 4
def f(x, **kw):
    return x
