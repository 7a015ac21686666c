# expect: CompileError
# message: no parameter 'z'
# line: 7
# wrt: z
# api-expect: UsageError
# api-message: has no parameter named 'z'
def f(x):
    return x
