# expect: CompileError
# message: assert statement is not supported
# line: 5
def f(x):
    assert x > 0
    return x
