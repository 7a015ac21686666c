# expect: CompileError
# message: method calls and attributes of local values (t.count)
# line: 6
def f(x):
    t = [x]
    n = t.count(x)
    return x
