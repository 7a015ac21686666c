# expect: CompileError
# message: 'while ... else' is not supported
# line: 5
def f(x):
    while x < 3:
        x = x * 2
    else:
        x = 0.0
    return x
