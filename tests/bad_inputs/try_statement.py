# expect: CompileError
# message: try statement is not supported
# line: 5
def f(x):
    try:
        y = x
    except Exception:
        y = 0.0
    return y
