# expect: CompileError
# message: expression statements
# line: 5
def f(x):
    print(x)
    return x
