# expect: CompileError
# message: loop variable i after its loop
# line: 7
def f(x):
    for i in range(3):
        x = x * 2
    return x * i
