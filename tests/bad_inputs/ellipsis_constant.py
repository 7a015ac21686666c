# expect: CompileError
# message: ellipsis constants are not supported
# line: 5
def f(x):
    y = ...
    return x
