# expect: CompileError
# message: can reach its end without returning a value
# line: 5
def f(x):
    y = x * 2
