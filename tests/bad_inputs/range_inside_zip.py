# expect: CompileError
# message: range(...) inside zip or enumerate(...) is not supported in a loop
# line: 7
def f(x):
    s = 0.0
    xs = (x, 2.0 * x)
    for i, a in zip(range(2), xs):
        s = s + i * a
    return s
