# expect: CompileError
# message: zip() with keyword arguments (strict=) is not supported
# line: 6
def f(x):
    s = 0.0
    for a, b in zip((x, x), (x, 2.0), strict=True):
        s = s + a * b
    return s
