# expect: CompileError
# message: only plain positional parameters
# line: 4
def f(x, *, y=1.0, z):
    return x * y * z
