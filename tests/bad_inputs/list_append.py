# expect: CompileError
# message: t.append(...): building a list by mutation is not supported
# line: 6
def f(x):
    t = [x]
    t.append(x)
    return x
