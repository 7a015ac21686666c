# expect: CompileError
# message: wrt names parameter 'x' twice
# line: 8
# wrt: x,x
# api-expect: UsageError
# api-message: no parameter named 'x,x'
# the API's grad(f, wrt=("x", "x")) is refused in tests/test_bad_inputs.py (API_CASES)
def f(x, y):
    return x * y
