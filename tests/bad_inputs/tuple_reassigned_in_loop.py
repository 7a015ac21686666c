# expect: CompileError
# message: holds a tuple and is reassigned in a loop
# line: 6
def f(x):
    t = (x, x)
    for i in range(3):
        t = (x, i)
    return x
