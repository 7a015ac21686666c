# expect: CompileError
# message: missing argument 'b' in call of h
# line: 9
def h(a, b):
    return a * b


def f(x):
    return h(x)
