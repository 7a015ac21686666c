# expect: CompileError
# message: zip(...) inside reversed(...) is not supported in a loop
# line: 7
def f(x):
    s = 0.0
    xs = (x, 2.0 * x)
    for a, b in reversed(zip(xs, xs)):
        s = s + a * b
    return s
