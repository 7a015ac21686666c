# expect: CompileError
# message: a lambda used as a value
# line: 5
def f(x):
    return sum(map(lambda t: t * t, [x]))
