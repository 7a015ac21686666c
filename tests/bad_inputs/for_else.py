# expect: CompileError
# message: 'for ... else' is not supported
# line: 5
def f(x):
    for i in range(3):
        x = x * 2
    else:
        x = 0.0
    return x
