# expect: CompileError
# message: .count() is not supported
# line: 6
def f(x):
    t = [x]
    n = t.count(x)
    return x
