# expect: CompileError
# message: can reach its end without returning a value
# line: 5
def h(a):
    b = a


def f(x):
    return h(x)
