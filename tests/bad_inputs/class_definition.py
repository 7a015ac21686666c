# expect: CompileError
# message: class definition is not supported
# line: 5
def f(x):
    class A:
        pass
    return x
