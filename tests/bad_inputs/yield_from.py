# expect: CompileError
# message: generator functions (yield) are not supported
# line: 5
def f(x):
    yield from [x]
