# expect: CompileError
# message: give --star-args N
# line: 6
# api-expect: UsageError
# api-message: wrt names *xs: its values are constants of the call
def f(*xs):
    return xs[0]
