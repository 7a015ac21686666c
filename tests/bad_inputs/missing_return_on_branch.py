# expect: CompileError
# message: can reach its end without returning a value
# line: 7
def f(x):
    if x > 0:
        return x
    y = x * 2
