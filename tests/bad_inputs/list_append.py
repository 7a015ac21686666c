# expect: CompileError
# message: expression statements
# line: 6
def f(x):
    t = [x]
    t.append(x)
    return x
