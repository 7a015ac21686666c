# expect: CompileError
# message: dict comprehension is not supported
# line: 5
def f(x):
    ys = {i: x for i in range(3)}
    return x
