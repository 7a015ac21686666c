# expect: CompileError
# message: the function print is not supported
# line: 5
def f(x):
    y = print(x)
    return x
