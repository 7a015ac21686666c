# expect: CompileError
# message: bytes constants are not supported
# line: 5
def f(x):
    y = b'a'
    return x
