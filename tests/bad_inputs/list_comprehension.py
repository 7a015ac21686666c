# expect: CompileError
# message: whose length must be known when compiling
# line: 5
def f(x, n):
    ys = [x * i for i in range(n)]
    return x
