# expect: CompileError
# message: try statement is not supported
# line: 5
def h(a):
    try:
        return a
    finally:
        pass


def f(x):
    return h(x)
