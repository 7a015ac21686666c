# expect: CompileError
# message: the message of an assert must be a string literal
# line: 5
def f(x):
    assert x > 0, "x is " + str(x)
    return x
