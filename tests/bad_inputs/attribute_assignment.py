# expect: CompileError
# message: assignment to an attribute
# line: 5
def f(x):
    f.cache = x
    return x
