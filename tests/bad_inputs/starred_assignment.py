# expect: CompileError
# message: starred assignment
# line: 5
def f(x):
    a, *b = (x, x, x)
    return a
