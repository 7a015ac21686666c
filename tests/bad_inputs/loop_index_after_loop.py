# expect: CompileError
# message: i is a loop variable read after its loop, which may run zero times
# line: 8
# (range(n) may run zero times: Python would raise UnboundLocalError; range(3) is fine)
def f(x, n=3):
    for i in range(n):
        x = x * 2
    return x * i
