# expect: CompileError
# message: match statement is not supported
# line: 5
def f(x):
    match x:
        case 1:
            return x
    return x
