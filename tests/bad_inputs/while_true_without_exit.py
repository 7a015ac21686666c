# expect: CompileError
# message: has no break or return, so it never ends
# line: 5
def f(x):
    while True:
        x = x * 0.5
    return x
