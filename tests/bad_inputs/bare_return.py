# expect: CompileError
# message: a return without a value cannot be differentiated
# line: 6
def f(x):
    if x > 0:
        return
    return x
