# expect: CompileError
# message: expression statements
# line: 5
def f(x):
    x + 1
    return x
