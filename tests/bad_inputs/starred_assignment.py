# expect: CompileError
# message: starred assignment (a, *b = ...) of an array or number is not supported
# line: 5
def f(x):
    a, *b = x
    return a
