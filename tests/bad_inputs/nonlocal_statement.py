# expect: CompileError
# message: nonlocal statement is not supported
# line: 12
# function: outer
# api-target: outer(1.0)
# cli-message: nested function definition is not supported
# cli-line: 11
def outer(x):
    z = 1.0

    def f(t):
        nonlocal z
        z = t
        return t
    return f
