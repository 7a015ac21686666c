# expect: CompileError
# message: only plain positional parameters
# line: 4
def f(*xs):
    return xs[0]
