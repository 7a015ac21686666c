# expect: CompileError
# message: no parameters
# line: 6
# api-expect: UsageError
# api-message: out of range
def f():
    return 1.0
