# expect: CompileError
# message: t.append(...) in a loop whose number of iterations is known only when it runs
# line: 6
def f(x, n):
    t = [x]
    for i in range(n):
        t.append(x)
    return x
