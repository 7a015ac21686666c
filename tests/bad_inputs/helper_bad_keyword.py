# expect: CompileError
# message: bad keyword argument 'c' in call of h
# line: 9
def h(a, b):
    return a * b


def f(x):
    return h(x, c=2.0)
