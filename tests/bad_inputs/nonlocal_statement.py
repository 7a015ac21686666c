# expect: CompileError
# message: nonlocal statement is not supported
# line: 12
# function: outer
# api-target: outer(1.0)
# cli-message: nonlocal z: a nested function that rebinds a name of the enclosing function
# cli-line: 11
def outer(x):
    z = 1.0

    def f(t):
        nonlocal z
        z = t
        return t
    return f
