# expect: CompileError
# message: a generator expression is supported only as the argument of sum()
# line: 5
def f(x):
    ys = (x * i for i in range(3))
    return x
