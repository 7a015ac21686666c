# expect: CompileError
# message: yield from is not supported
# line: 5
def f(x):
    yield from [x]
