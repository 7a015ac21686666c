# expect: CompileError
# message: yield is not supported
# line: 5
def f(x):
    yield x
