# expect: CompileError
# message: global statement is not supported
# line: 8
G = 1.0


def f(x):
    global G
    G = x
    return x
