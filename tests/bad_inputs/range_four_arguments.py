# expect: CompileError
# message: range() takes 1 to 3 positional arguments
# line: 5
def f(x):
    for i in range(1, 2, 3, 4):
        x = x * 2
    return x
