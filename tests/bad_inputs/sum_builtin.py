# expect: CompileError
# message: the function sum is not supported
# line: 5
def f(x):
    return sum((x, x))
