# expect: CompileError
# message: set comprehension is not supported
# line: 5
def f(x):
    ys = {x * i for i in range(3)}
    return x
